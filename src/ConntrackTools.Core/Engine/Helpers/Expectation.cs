namespace ConntrackTools.Engine.Helpers;

/// <summary>
/// An expectation in an engine (struct nf_conntrack_expect): the tuple a new connection must
/// match under the mask, the master that made it, its class and flags, and when it expires. The
/// destination (address, port, protocol) always matches exactly, as in the kernel, whose
/// expectation hash is keyed by it; the source address and port are masked.
/// </summary>
internal sealed class Expectation
{
    internal Expectation() { }

    public CtFamily Family { get; internal set; }
    public CtProtocol Protocol { get; internal set; }
    public UInt128 Source { get; internal set; }
    public UInt128 Destination { get; internal set; }
    public ushort SourcePort { get; internal set; }
    public ushort DestinationPort { get; internal set; }

    /// <summary>Which bits of the source address must match (all ones for an exact address, 0 for any).</summary>
    public UInt128 SourceMask { get; internal set; }

    /// <summary>0xffff when the source port must match, 0 for any.</summary>
    public ushort SourcePortMask { get; internal set; }

    public int Class { get; internal set; }
    public CtExpectationFlags Flags { get; set; }

    /// <summary>exp->assign_helper: the helper the expected connection gets (H.245 for H.323 calls), or none.</summary>
    public ConntrackHelper? AssignHelper { get; set; }

    /// <summary>exp->expectfn: run once the expected connection exists (PPTP drops the other direction's expectation).</summary>
    public Action<HelperCall, Expectation>? ArrivalAction { get; set; }

    /// <summary>Anything the helper wants to keep with it (SIP's media class, ...).</summary>
    public object? Tag { get; set; }

    internal uint Id { get; set; }
    internal int MasterIndex { get; set; }
    internal FlowKey MasterKey { get; set; }
    internal ConntrackHelper? MasterHelper { get; set; }
    internal long ExpiresNs { get; set; }
    internal bool Linked { get; set; }
    internal ushort Zone => MasterKey.Zone;

    internal QuotedTuple Tuple => new()
    {
        Family = Family, Protocol = (byte)Protocol, Source = Source, Destination = Destination, SourceId = SourcePort, DestinationId = DestinationPort,
    };

    /// <summary>nf_ct_tuple_mask_cmp with the zone: does a new connection's original tuple match?</summary>
    internal bool Matches(in QuotedTuple t, ushort zone) =>
        t.Destination == Destination && t.DestinationId == DestinationPort && t.Protocol == (byte)Protocol && t.Family == Family
        && ((t.Source ^ Source) & SourceMask) == 0 && ((t.SourceId ^ SourcePort) & SourcePortMask) == 0 && zone == Zone;

    /// <summary>expect_matches: the same tuple and mask (and zone).</summary>
    internal bool SameAs(Expectation b) =>
        Family == b.Family && Protocol == b.Protocol && Source == b.Source && Destination == b.Destination && SourcePort == b.SourcePort
        && DestinationPort == b.DestinationPort && SourceMask == b.SourceMask && SourcePortMask == b.SourcePortMask && Zone == b.Zone;

    /// <summary>expect_clash: equal on the part both masks cover.</summary>
    internal bool ClashesWith(Expectation b)
    {
        var mask = SourceMask & b.SourceMask;
        var portMask = (ushort)(SourcePortMask & b.SourcePortMask);
        return Family == b.Family && Protocol == b.Protocol && Destination == b.Destination && DestinationPort == b.DestinationPort
            && ((Source ^ b.Source) & mask) == 0 && ((SourcePort ^ b.SourcePort) & portMask) == 0 && Zone == b.Zone;
    }

    public override string ToString() =>
        $"{Protocol} src={ConntrackEngine.ToAddress(Family, Source)} dst={ConntrackEngine.ToAddress(Family, Destination)} sport={SourcePort} dport={DestinationPort} class={Class}";
}

/// <summary>Why an expectation was not added (the kernel's errno from nf_ct_expect_related).</summary>
internal enum ExpectResult
{
    Added = 0,

    /// <summary>-EALREADY: the same expectation exists for another master or class.</summary>
    AlreadyExists,

    /// <summary>-EBUSY: it clashes with another master's expectation.</summary>
    Busy,

    /// <summary>-EMFILE: the class is full and nothing could be evicted, or the table is full.</summary>
    TooMany,

    /// <summary>-ESHUTDOWN: the master has no helper.</summary>
    NoHelper,
}
