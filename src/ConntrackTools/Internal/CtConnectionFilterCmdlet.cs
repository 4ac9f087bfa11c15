using System.Management.Automation;
using ConntrackTools.Kernel.Conntrack;

namespace ConntrackTools.Commands;

/// <summary>
/// The filters of `conntrack -L`, shared by the cmdlets that select connections: Get-, Remove- and
/// Watch-CtConnection. They form the "Filter" parameter set.
/// </summary>
public abstract class CtConnectionFilterCmdlet : CtKernelCmdlet
{
    protected const string FilterSet = "Filter";

    #region Parameters

    [Parameter(ParameterSetName = FilterSet)]
    public CtFamily Family { get; set; }

    [Parameter(ParameterSetName = FilterSet)]
    [Alias("Proto")]
    public CtProtocol[]? Protocol { get; set; }

    /// <summary>Original source address or network (conntrack -s / --orig-src).</summary>
    [Parameter(ParameterSetName = FilterSet)]
    [Alias("Src", "OriginalSource")]
    public string[]? Source { get; set; }

    [Parameter(ParameterSetName = FilterSet)]
    [Alias("Dst", "OriginalDestination")]
    public string[]? Destination { get; set; }

    [Parameter(ParameterSetName = FilterSet)]
    public string[]? ReplySource { get; set; }

    [Parameter(ParameterSetName = FilterSet)]
    public string[]? ReplyDestination { get; set; }

    [Parameter(ParameterSetName = FilterSet)]
    [Alias("Sport")]
    public ushort[]? SourcePort { get; set; }

    [Parameter(ParameterSetName = FilterSet)]
    [Alias("Dport")]
    public ushort[]? DestinationPort { get; set; }

    [Parameter(ParameterSetName = FilterSet)]
    public ushort[]? ReplySourcePort { get; set; }

    [Parameter(ParameterSetName = FilterSet)]
    public ushort[]? ReplyDestinationPort { get; set; }

    [Parameter(ParameterSetName = FilterSet)]
    public byte[]? IcmpType { get; set; }

    [Parameter(ParameterSetName = FilterSet)]
    public byte[]? IcmpCode { get; set; }

    [Parameter(ParameterSetName = FilterSet)]
    public ushort[]? IcmpId { get; set; }

    [Parameter(ParameterSetName = FilterSet)]
    public CtState[]? State { get; set; }

    /// <summary>Status bits that must all be set (conntrack --status).</summary>
    [Parameter(ParameterSetName = FilterSet)]
    public CtStatus[]? Status { get; set; }

    [Parameter(ParameterSetName = FilterSet)]
    [UInt32Bits]
    public uint Mark { get; set; }

    [Parameter(ParameterSetName = FilterSet)]
    [UInt32Bits]
    public uint MarkMask { get; set; }

    [Parameter(ParameterSetName = FilterSet)]
    public ushort[]? Zone { get; set; }

    [Parameter(ParameterSetName = FilterSet)]
    [SupportsWildcards]
    [ArgumentCompleter(typeof(HelperNameCompleter))]
    public string[]? Helper { get; set; }

    [Parameter(ParameterSetName = FilterSet)]
    public uint[]? Id { get; set; }

    /// <summary>Label numbers or connlabel.conf names that must all be set.</summary>
    [Parameter(ParameterSetName = FilterSet)]
    public string[]? Label { get; set; }

    #endregion

    /// <summary>True when any filter parameter was given.</summary>
    protected bool HasFilter => MyInvocation.BoundParameters.Keys.Any(k => FilterParameters.Contains(k));

    private static readonly HashSet<string> FilterParameters = new(StringComparer.OrdinalIgnoreCase)
    {
        nameof(Family), nameof(Protocol), nameof(Source), nameof(Destination), nameof(ReplySource), nameof(ReplyDestination),
        nameof(SourcePort), nameof(DestinationPort), nameof(ReplySourcePort), nameof(ReplyDestinationPort),
        nameof(IcmpType), nameof(IcmpCode), nameof(IcmpId), nameof(State), nameof(Status), nameof(Mark), nameof(MarkMask),
        nameof(Zone), nameof(Helper), nameof(Id), nameof(Label),
    };

    /// <summary>The filter the parameters describe, checked; a bad value stops the command with InvalidFilter.</summary>
    protected CtConnectionFilter GetFilter(ConnLabelMap? labels)
    {
        try
        {
            var filter = BuildFilter(labels);
            filter.Validate();
            return filter;
        }
        catch (ArgumentException ex)
        {
            FailArgument("InvalidFilter", ex.Message, null);
            throw; // not reached
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
