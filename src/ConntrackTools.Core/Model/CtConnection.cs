using System.Net;

namespace ConntrackTools;

/// <summary>
/// A tracked connection, from the kernel (ctnetlink) or the userspace engine; the fields of
/// `conntrack -L -o extended,id,timestamp,labels`.
/// </summary>
public sealed class CtConnection
{
    public uint Id { get; set; }
    public CtFamily Family { get; set; }
    public CtProtocol Protocol { get; set; }
    public CtTuple Original { get; set; } = new();
    public CtTuple Reply { get; set; } = new();
    public CtState State { get; set; }
    public CtStatus Status { get; set; }

    /// <summary>Seconds left before the entry expires.</summary>
    public uint? Timeout { get; set; }
    public uint Mark { get; set; }

    /// <summary>The zone (0 is the default zone). A direction-specific zone is on the tuple.</summary>
    public ushort Zone { get; set; }
    public string? Helper { get; set; }

    /// <summary>Packet and byte counters per direction; present when nf_conntrack_acct is on.</summary>
    public ulong? OriginalPackets { get; set; }
    public ulong? OriginalBytes { get; set; }
    public ulong? ReplyPackets { get; set; }
    public ulong? ReplyBytes { get; set; }

    /// <summary>Start and stop times; present when nf_conntrack_timestamp is on.</summary>
    public DateTimeOffset? Start { get; set; }
    public DateTimeOffset? Stop { get; set; }

    /// <summary>Connection label bits that are set (0..127), as `conntrack -l` numbers them.</summary>
    public int[]? Labels { get; set; }

    /// <summary>The names of <see cref="Labels"/> from /etc/xtables/connlabel.conf, where it names them.</summary>
    public string[]? LabelNames { get; set; }
    public string? SecurityContext { get; set; }
    public uint Use { get; set; }

    /// <summary>The master's original tuple, for a RELATED connection created from an expectation.</summary>
    public CtTuple? Master { get; set; }

    // Protocol information (CTA_PROTOINFO).
    public CtTcpFlags? TcpFlagsOriginal { get; set; }
    public CtTcpFlags? TcpFlagsReply { get; set; }
    public byte? TcpWindowScaleOriginal { get; set; }
    public byte? TcpWindowScaleReply { get; set; }
    public uint? SctpVtagOriginal { get; set; }
    public uint? SctpVtagReply { get; set; }
    public byte? DccpRole { get; set; }
    public ulong? DccpHandshakeSequence { get; set; }

    /// <summary>Sequence adjustment for NAT helpers, per direction (CTA_SEQ_ADJ_*).</summary>
    public CtSequenceAdjustment? SequenceAdjustmentOriginal { get; set; }
    public CtSequenceAdjustment? SequenceAdjustmentReply { get; set; }

    /// <summary>Where the entry comes from: "kernel", "kernel:NETNS" or "engine:NAME".</summary>
    public string Backend { get; set; } = "kernel";

    // The original direction, flat, for views, filters and sorting.
    public IPAddress? Source => Original.Source;
    public IPAddress? Destination => Original.Destination;
    public ushort? SourcePort => Original.SourcePort;
    public ushort? DestinationPort => Original.DestinationPort;

    /// <summary>True when no reply has been seen (conntrack's [UNREPLIED]).</summary>
    public bool Unreplied => (Status & CtStatus.SeenReply) == 0;

    public override string ToString() =>
        $"{Protocol} {(State == CtState.None ? "" : State + " ")}{Original} {Reply}";
}

/// <summary>One direction's TCP sequence adjustment (struct nf_ct_seqadj).</summary>
public sealed class CtSequenceAdjustment
{
    public uint CorrectionPosition { get; set; }
    public int OffsetBefore { get; set; }
    public int OffsetAfter { get; set; }
}
