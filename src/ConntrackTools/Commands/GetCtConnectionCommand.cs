using System.Management.Automation;
using ConntrackTools.Kernel.Conntrack;

namespace ConntrackTools.Commands;

/// <summary>
/// Gets tracked connections, like `conntrack -L`, with its filters. The kernel filters what it can
/// (family, mark/mask, zone, status, single addresses, ports and ICMP fields); the rest is
/// filtered as entries stream in, so memory does not grow with the table.
/// </summary>
[Cmdlet(VerbsCommon.Get, "CtConnection")]
[OutputType(typeof(CtConnection))]
public sealed class GetCtConnectionCommand : CtKernelCmdlet
{
    #region Parameters

    [Parameter]
    public CtFamily Family { get; set; }

    [Parameter]
    [Alias("Proto")]
    public CtProtocol[]? Protocol { get; set; }

    /// <summary>Original source address or network (conntrack -s / --orig-src).</summary>
    [Parameter]
    [Alias("Src", "OriginalSource")]
    public string[]? Source { get; set; }

    [Parameter]
    [Alias("Dst", "OriginalDestination")]
    public string[]? Destination { get; set; }

    [Parameter]
    public string[]? ReplySource { get; set; }

    [Parameter]
    public string[]? ReplyDestination { get; set; }

    [Parameter]
    [Alias("Sport")]
    public ushort[]? SourcePort { get; set; }

    [Parameter]
    [Alias("Dport")]
    public ushort[]? DestinationPort { get; set; }

    [Parameter]
    public ushort[]? ReplySourcePort { get; set; }

    [Parameter]
    public ushort[]? ReplyDestinationPort { get; set; }

    [Parameter]
    public byte[]? IcmpType { get; set; }

    [Parameter]
    public byte[]? IcmpCode { get; set; }

    [Parameter]
    public ushort[]? IcmpId { get; set; }

    [Parameter]
    public CtState[]? State { get; set; }

    /// <summary>Status bits that must all be set (conntrack --status).</summary>
    [Parameter]
    public CtStatus[]? Status { get; set; }

    [Parameter]
    [UInt32Bits]
    public uint Mark { get; set; }

    [Parameter]
    [UInt32Bits]
    public uint MarkMask { get; set; }

    [Parameter]
    public ushort[]? Zone { get; set; }

    [Parameter]
    [SupportsWildcards]
    [ArgumentCompleter(typeof(HelperNameCompleter))]
    public string[]? Helper { get; set; }

    [Parameter]
    public uint[]? Id { get; set; }

    /// <summary>Label numbers or connlabel.conf names that must all be set.</summary>
    [Parameter]
    public string[]? Label { get; set; }

    #endregion

    protected override void ProcessRecord()
    {
        using var client = OpenKernel();
        CtConnectionFilter filter;
        try
        {
            filter = BuildFilter(client.LabelMap);
            filter.Validate();
        }
        catch (ArgumentException ex)
        {
            FailArgument("InvalidFilter", ex.Message, null);
            return;
        }
        try
        {
            var result = client.DumpConnections(filter, WriteObject, Cancellation);
            if (result.Interrupted)
                WriteWarning("The connection table changed while it was being read (NLM_F_DUMP_INTR); some entries may be missing or repeated. Run the command again for a consistent view.");
        }
        catch (Exception ex) when (ex is not PipelineStoppedException)
        {
            Fail(ex, NetworkNamespace ?? "kernel");
        }
    }

    private CtConnectionFilter BuildFilter(ConnLabelMap? labels)
    {
        var bound = MyInvocation.BoundParameters;
        var filter = new CtConnectionFilter
        {
            Family = bound.ContainsKey(nameof(Family)) ? Family : null,
            Protocol = Protocol,
            Source = Parse.Networks(Source, nameof(Source)),
            Destination = Parse.Networks(Destination, nameof(Destination)),
            ReplySource = Parse.Networks(ReplySource, nameof(ReplySource)),
            ReplyDestination = Parse.Networks(ReplyDestination, nameof(ReplyDestination)),
            SourcePort = SourcePort,
            DestinationPort = DestinationPort,
            ReplySourcePort = ReplySourcePort,
            ReplyDestinationPort = ReplyDestinationPort,
            IcmpType = IcmpType,
            IcmpCode = IcmpCode,
            IcmpId = IcmpId,
            State = State,
            Zone = Zone,
            Helper = Helper,
            Id = Id,
            Label = Parse.Labels(Label, labels),
            Mark = bound.ContainsKey(nameof(Mark)) ? Mark : null,
            MarkMask = bound.ContainsKey(nameof(MarkMask)) ? MarkMask : null,
        };
        if (Status is not null)
        {
            var all = CtStatus.None;
            foreach (var s in Status) all |= s;
            filter.Status = all;
        }
        return filter;
    }
}
