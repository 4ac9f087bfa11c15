using System.Collections;
using System.Globalization;
using System.Management.Automation;
using ConntrackTools.Engine;

namespace ConntrackTools.Commands;

/// <summary>
/// Starts a userspace tracking engine: on capture files, read to the end (with a progress bar)
/// and then kept for queries; or on a live interface, read until Stop-CtEngine. Then
/// Get-CtConnection -Engine NAME and the other cmdlets answer from it as from the kernel.
/// </summary>
[Cmdlet(VerbsLifecycle.Start, "CtEngine", DefaultParameterSetName = PathSet)]
[OutputType(typeof(CtEngine))]
public sealed class StartCtEngineCommand : CtKernelCmdlet
{
    private const string PathSet = "Path";
    private const string InterfaceSet = "Interface";

    /// <summary>The engine's name, used by -Engine on the other cmdlets.</summary>
    [Parameter(Position = 0)]
    [ValidateNotNullOrEmpty]
    [ValidatePattern("^[A-Za-z0-9_.-]+$")]
    public string Name { get; set; } = "default";

    /// <summary>pcap or pcapng files, read in the order given.</summary>
    [Parameter(Mandatory = true, ParameterSetName = PathSet, Position = 1, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [Alias("FullName", "PSPath")]
    [ValidateNotNullOrEmpty]
    public string[]? Path { get; set; }

    /// <summary>A network interface to capture from (in -NetworkNamespace when given).</summary>
    [Parameter(Mandatory = true, ParameterSetName = InterfaceSet)]
    [ValidateNotNullOrEmpty]
    public string? Interface { get; set; }

    /// <summary>A BPF filter in tcpdump's syntax: only matching packets reach the engine.</summary>
    [Parameter]
    public string? Filter { get; set; }

    /// <summary>Settings by their sysctl names, e.g. @{ nf_conntrack_tcp_timeout_time_wait = 2; nf_conntrack_tcp_be_liberal = 1 }.</summary>
    [Parameter]
    public Hashtable? Setting { get; set; }

    /// <summary>Raw-table rules in nft's words: 'udp dport 53 notrack', 'ip saddr 10.0.0.0/8 ct zone set 5'.</summary>
    [Parameter]
    public string[]? Rule { get; set; }

    private readonly List<string> _paths = [];

    protected override void ProcessRecord()
    {
        if (ParameterSetName != PathSet) return;
        foreach (var p in Path ?? [])
        {
            var resolved = SessionState.Path.GetUnresolvedProviderPathFromPSPath(p);
            if (!File.Exists(resolved))
            {
                ThrowTerminatingError(new ErrorRecord(new FileNotFoundException($"The capture file '{p}' does not exist.", resolved),
                    "CaptureNotFound", ErrorCategory.ObjectNotFound, p));
            }
            _paths.Add(resolved);
        }
    }

    protected override void EndProcessing()
    {
        var settings = BuildSettings();
        if (!EngineHost.TryCreate(Name, settings, out var host))
        {
            ThrowTerminatingError(new ErrorRecord(new InvalidOperationException($"An engine named '{Name}' exists already. Remove it with Remove-CtEngine {Name}, or choose another -Name."),
                "EngineExists", ErrorCategory.ResourceExists, Name));
        }
        if (ParameterSetName == InterfaceSet)
        {
            try
            {
                host.StartLive(Interface!, Filter, NetworkNamespace);
            }
            catch (Exception ex)
            {
                EngineHost.Remove(Name);
                var category = ex is ArgumentException ? ErrorCategory.InvalidArgument : ex is DllNotFoundException ? ErrorCategory.NotInstalled : ErrorCategory.OpenError;
                ThrowTerminatingError(new ErrorRecord(ex, "CaptureOpenFailed", category, Interface));
            }
            WriteObject(host.Describe());
            return;
        }

        var activity = $"Engine {Name}: reading {string.Join(", ", _paths.Select(System.IO.Path.GetFileName))}";
        var progress = new ProgressRecord(1, activity, "starting");
        try
        {
            // Progress records go out on the pipeline thread: the reading runs on it too.
            host.RunFiles(_paths, Filter, (done, total, packets) =>
            {
                progress.PercentComplete = total == 0 ? 100 : (int)(done * 100 / total);
                progress.StatusDescription = string.Create(CultureInfo.InvariantCulture, $"{packets:N0} packets, {host.Engine.Count:N0} connections");
                WriteProgress(progress);
            }, Cancellation);
        }
        catch (OperationCanceledException)
        {
            // Ctrl+C: the engine keeps what it read; StopProcessing ends the pipeline.
            return;
        }
        catch (CaptureFormatException ex)
        {
            WriteError(new ErrorRecord(ex, "CaptureDamaged", ErrorCategory.InvalidData, ex.Path)
            {
                ErrorDetails = new ErrorDetails($"{ex.Message.TrimEnd('.')}. The engine '{Name}' keeps the {host.Engine.Count} connections tracked before packet {ex.PacketNumber}; query it with Get-CtConnection -Engine {Name}."),
            });
        }
        catch (ArgumentException ex)
        {
            EngineHost.Remove(Name);
            ThrowTerminatingError(new ErrorRecord(ex, "InvalidFilter", ErrorCategory.InvalidArgument, Filter));
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or DllNotFoundException)
        {
            WriteError(new ErrorRecord(ex, "CaptureReadFailed", ex is DllNotFoundException ? ErrorCategory.NotInstalled : ErrorCategory.ReadError, _paths));
        }
        finally
        {
            progress.RecordType = ProgressRecordType.Completed;
            WriteProgress(progress);
        }
        WriteObject(host.Describe());
    }

    private EngineSettings BuildSettings()
    {
        var settings = new EngineSettings();
        try
        {
            if (Setting is not null)
            {
                foreach (DictionaryEntry e in Setting)
                {
                    var name = e.Key?.ToString() ?? "";
                    var value = e.Value is bool b ? (b ? 1 : 0) : Convert.ToInt64(e.Value, CultureInfo.InvariantCulture);
                    settings.Set(name, value);
                }
            }
            foreach (var r in Rule ?? []) settings.Rules.Add(EngineRule.Parse(r));
        }
        catch (Exception ex) when (ex is ArgumentException or FormatException or InvalidCastException or OverflowException)
        {
            FailArgument("InvalidSetting", ex.Message, null);
        }
        return settings;
    }
}
