using System.Management.Automation;
using ConntrackTools.Kernel.Conntrack;
using ConntrackTools.Kernel.Netlink;

namespace ConntrackTools.Commands;

/// <summary>
/// Changes connections piped in from Get-CtConnection, like `conntrack -U`: mark (with a mask),
/// timeout, status bits, labels and protocol state: what ctnetlink lets userspace change.
/// </summary>
[Cmdlet(VerbsCommon.Set, "CtConnection", SupportsShouldProcess = true)]
[OutputType(typeof(CtConnection))]
public sealed class SetCtConnectionCommand : CtKernelCmdlet
{
    #region Parameters

    [Parameter(Mandatory = true, ValueFromPipeline = true, Position = 0)]
    public CtConnection[]? InputObject { get; set; }

    /// <summary>The new mark; with -MarkMask, only the bits in the mask change.</summary>
    [Parameter]
    [UInt32Bits]
    public uint Mark { get; set; }

    [Parameter]
    [UInt32Bits]
    public uint MarkMask { get; set; }

    /// <summary>The new timeout, in seconds.</summary>
    [Parameter]
    public uint Timeout { get; set; }

    /// <summary>Status bits to set. The kernel never clears SeenReply, Assured or Confirmed, and ignores the NAT bits.</summary>
    [Parameter]
    public CtStatus[]? Status { get; set; }

    /// <summary>Labels to set: numbers 0-127 or names from connlabel.conf.</summary>
    [Parameter]
    public string[]? AddLabel { get; set; }

    /// <summary>Labels to clear.</summary>
    [Parameter]
    public string[]? RemoveLabel { get; set; }

    /// <summary>A new TCP or SCTP state.</summary>
    [Parameter]
    public CtState State { get; set; }

    /// <summary>Write each changed connection as the kernel now holds it.</summary>
    [Parameter]
    public SwitchParameter PassThru { get; set; }

    #endregion

    private CtConnectionChange? _change;

    protected override void BeginProcessing()
    {
        var bound = MyInvocation.BoundParameters;
        var status = CtStatus.None;
        foreach (var s in Status ?? []) status |= s;
        _change = new CtConnectionChange
        {
            Mark = bound.ContainsKey(nameof(Mark)) ? Mark : null,
            MarkMask = bound.ContainsKey(nameof(MarkMask)) ? MarkMask : null,
            Timeout = bound.ContainsKey(nameof(Timeout)) ? Timeout : null,
            AddStatus = Status is null ? null : status,
            State = bound.ContainsKey(nameof(State)) ? State : null,
        };
        if (_change.MarkMask is not null && _change.Mark is null)
            FailArgument("InvalidChange", "-MarkMask needs -Mark: give the new value of the masked bits, e.g. -Mark 0x10 -MarkMask 0xf0.", null);
        if (_change.IsEmpty && AddLabel is null && RemoveLabel is null)
            FailArgument("NothingToChange", "Say what to change: -Mark, -Timeout, -Status, -AddLabel, -RemoveLabel or -State.", null);
    }

    protected override void ProcessRecord()
    {
        foreach (var ct in InputObject ?? [])
        {
            if (!ShouldProcess($"{ct} in {Where(ct.Backend)}", "Set connection")) continue;
            try
            {
                var client = ClientFor(ct.Backend);
                var change = _change!;
                if (AddLabel is not null || RemoveLabel is not null)
                {
                    change.AddLabel = Parse.Labels(AddLabel, client.LabelMap) ?? [];
                    change.RemoveLabel = Parse.Labels(RemoveLabel, client.LabelMap) ?? [];
                }
                client.UpdateConnection(ct, change);
                if (PassThru && client.GetConnection(ct) is { } updated) WriteObject(updated);
            }
            catch (Exception ex) when (ex is NetlinkException or ArgumentException or ErrorRecordException)
            {
                WriteNotFoundAware(ex, ct, "connection");
            }
            catch (Exception ex) when (ex is not PipelineStoppedException)
            {
                Fail(ex, Where(ct.Backend));
            }
        }
    }
}
