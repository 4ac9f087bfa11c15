using System.Management.Automation;
using ConntrackTools.Kernel.Conntrack;

namespace ConntrackTools.Commands;

/// <summary>A cmdlet that talks to the kernel back end, in this or another network namespace.</summary>
public abstract class CtKernelCmdlet : CtCmdlet
{
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
}
