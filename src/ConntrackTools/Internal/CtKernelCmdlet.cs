using System.Management.Automation;
using ConntrackTools.Kernel.Conntrack;

namespace ConntrackTools.Commands;

/// <summary>A cmdlet that talks to the kernel back end, in this or another network namespace.</summary>
public abstract class CtKernelCmdlet : CtCmdlet
{
    private readonly Dictionary<string, ConntrackClient> _clients = new(StringComparer.Ordinal);

    /// <summary>A network namespace: a name under /run/netns (as `ip netns` shows), a path to a namespace file, or a PID.</summary>
    [Parameter]
    [Alias("Netns")]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(NetworkNamespaceCompleter))]
    public string? NetworkNamespace { get; set; }

    /// <summary>Opens the kernel back end or stops the command with a clear error.</summary>
    protected ConntrackClient OpenKernel()
    {
        try
        {
            return ConntrackClient.Open(NetworkNamespace);
        }
        catch (Exception ex)
        {
            Fail(ex, NetworkNamespace ?? "kernel");
            throw; // not reached: Fail always throws
        }
    }

    /// <summary>
    /// The client for an object that came down the pipeline: -NetworkNamespace when given, else the
    /// namespace the object was read from (its Backend, "kernel:NETNS"), so that
    /// `Get-CtConnection -Netns fw | Remove-CtConnection` acts where the entries live.
    /// Clients are kept for the life of the command.
    /// </summary>
    protected ConntrackClient ClientFor(string? backend)
    {
        var netns = NamespaceOf(backend);
        var key = netns ?? "";
        if (!_clients.TryGetValue(key, out var client))
            _clients[key] = client = ConntrackClient.Open(netns);
        return client;
    }

    /// <summary>
    /// The namespace an object piped in was read from (its Backend, "kernel:NETNS"), unless
    /// -NetworkNamespace is given; null for this one. An engine's object stops the change with
    /// EngineObjectReadOnly: changes apply to the kernel.
    /// </summary>
    protected string? NamespaceOf(string? backend)
    {
        if (NetworkNamespace is not null || backend is null) return NetworkNamespace;
        if (backend.StartsWith("engine:", StringComparison.Ordinal))
            throw new ErrorRecordException(new ErrorRecord(
                new InvalidOperationException($"This object comes from the userspace engine ({backend}); engine tables follow their capture and cannot be changed. Changes apply to the kernel: give -NetworkNamespace, or pipe objects read from the kernel."),
                "EngineObjectReadOnly", ErrorCategory.InvalidOperation, backend));
        return backend.StartsWith("kernel:", StringComparison.Ordinal) ? backend["kernel:".Length..] : null;
    }

    /// <summary>
    /// The engine named by -Engine, or a terminating error: EngineNotFound (ObjectNotFound), or
    /// InvalidArgument when -NetworkNamespace names a kernel back end at the same time.
    /// </summary>
    protected Engine.EngineHost ResolveEngine(string name)
    {
        if (NetworkNamespace is not null)
            FailArgument("EngineAndNetworkNamespace", "-Engine and -NetworkNamespace name two back ends; give one of them.", name);
        if (!Engine.EngineHost.TryGet(name, out var host))
        {
            var known = string.Join(", ", Engine.EngineHost.All.Select(h => h.Name));
            ThrowTerminatingError(new ErrorRecord(new ItemNotFoundException($"There is no engine named '{name}' in this session. {(known.Length > 0 ? $"Engines: {known}." : "Start one with Start-CtEngine -Name " + name + " -Path CAPTURE.pcap.")}"),
                "EngineNotFound", ErrorCategory.ObjectNotFound, name));
        }
        return host;
    }

    /// <summary>
    /// Runs a Watch-* command over <paramref name="listener"/> (disposed afterwards) until its
    /// count, timeout or Ctrl+C; a failure of the source stops the command with its error.
    /// </summary>
    protected void RunWatch(Engine.ICtEventSource listener, double? timeoutSeconds, int? count, bool includeLoss)
    {
        using (listener)
        {
            try
            {
                WatchLoop.Run(listener, timeoutSeconds, count, includeLoss, WriteObject, WriteWarning, WriteVerbose, Cancellation);
            }
            catch (Exception ex) when (ex is not PipelineStoppedException)
            {
                Fail(ex, Where());
            }
        }
    }

    /// <summary>Where this command acts, for ShouldProcess targets and error records.</summary>
    protected string Where(string? backend = null) =>
        NetworkNamespace is { } ns ? $"kernel:{ns}" : backend ?? "kernel";

    protected override void EndProcessing() => CloseClients();

    protected override void DisposeResources() => CloseClients();

    private void CloseClients()
    {
        foreach (var c in _clients.Values) c.Dispose();
        _clients.Clear();
    }
}
