using System.Management.Automation;
using ConntrackTools.Kernel.Netlink;

namespace ConntrackTools.Commands;

/// <summary>
/// Flushes the connection table, like `conntrack -F`: all of it, or through the kernel's filtered
/// flush only one family, mark/mask, zone or set of status bits, in one request.
/// </summary>
[Cmdlet(VerbsCommon.Clear, "CtConnection", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High)]
[OutputType(typeof(void))]
public sealed class ClearCtConnectionCommand : CtKernelCmdlet
{
    [Parameter]
    public CtFamily Family { get; set; }

    [Parameter]
    [UInt32Bits]
    public uint Mark { get; set; }

    [Parameter]
    [UInt32Bits]
    public uint MarkMask { get; set; }

    [Parameter]
    public ushort Zone { get; set; }

    /// <summary>Only entries with all these status bits.</summary>
    [Parameter]
    public CtStatus[]? Status { get; set; }

    protected override void ProcessRecord()
    {
        var bound = MyInvocation.BoundParameters;
        if (bound.ContainsKey(nameof(MarkMask)) && !bound.ContainsKey(nameof(Mark)))
            FailArgument("InvalidFilter", "-MarkMask needs -Mark: give the value the masked mark must equal.", null);
        var status = CtStatus.None;
        foreach (var s in Status ?? []) status |= s;
        var parts = new List<string>();
        if (Family != CtFamily.Unspecified) parts.Add(Family.ToString());
        if (bound.ContainsKey(nameof(Mark))) parts.Add($"mark 0x{Mark:x}/0x{(bound.ContainsKey(nameof(MarkMask)) ? MarkMask : uint.MaxValue):x}");
        if (bound.ContainsKey(nameof(Zone))) parts.Add($"zone {Zone}");
        if (status != CtStatus.None) parts.Add($"status {status}");
        var what = parts.Count == 0 ? "every connection" : "connections with " + string.Join(", ", parts);
        if (!ShouldProcess($"{what} in {Where()}", "Flush")) return;
        try
        {
            ClientFor(null).FlushConnections(Family,
                bound.ContainsKey(nameof(Mark)) ? Mark : null,
                bound.ContainsKey(nameof(MarkMask)) ? MarkMask : null,
                bound.ContainsKey(nameof(Zone)) ? Zone : null,
                status == CtStatus.None ? null : status);
        }
        catch (NetlinkException ex) when (ex.ErrnoName == "EOPNOTSUPP" || ex.ErrnoName == "EINVAL")
        {
            ThrowTerminatingError(new ErrorRecord(new NotSupportedException($"This kernel cannot flush only {what}: {ex.Message}. Kernels before 6.x filter flushes by family and mark only; select the entries with Get-CtConnection and pipe them to Remove-CtConnection instead.", ex),
                "FilteredFlushUnsupported", ErrorCategory.NotImplemented, Where()));
        }
        catch (Exception ex) when (ex is not PipelineStoppedException)
        {
            Fail(ex, Where());
        }
    }
}
