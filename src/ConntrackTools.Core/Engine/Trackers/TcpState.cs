using System.Diagnostics.CodeAnalysis;

namespace ConntrackTools.Engine;

/// <summary>
/// enum tcp_conntrack (include/uapi/linux/netfilter/nf_conntrack_tcp.h): the states, then the
/// table's sIV (Max) and sIG (Ignore) markers and the two extra timeout slots. None..SynSent2
/// have the same numbers as <see cref="CtState"/>.
/// </summary>
internal enum TcpConntrack : byte
{
    None,
    SynSent,
    SynRecv,
    Established,
    FinWait,
    CloseWait,
    LastAck,
    TimeWait,
    Close,
    SynSent2,
    /// <summary>TCP_CONNTRACK_MAX, the table's sIV: invalid.</summary>
    Max,
    /// <summary>TCP_CONNTRACK_IGNORE, the table's sIG.</summary>
    Ignore,
    /// <summary>Timeout slot for nf_conntrack_tcp_timeout_max_retrans.</summary>
    Retrans,
    /// <summary>Timeout slot for nf_conntrack_tcp_timeout_unacknowledged.</summary>
    Unack,
}

/// <summary>enum tcp_bit_set: which row of the state table a segment uses (get_conntrack_index).</summary>
internal enum TcpIndex : byte
{
    Syn,
    SynAck,
    Fin,
    Ack,
    Rst,
    None,
}

/// <summary>struct ip_ct_tcp_state: what the tracker knows of one direction's sender.</summary>
internal struct TcpDirection
{
    /// <summary>td_end: max of seq + len.</summary>
    public uint End;
    /// <summary>td_maxend: max of ack + max(win, 1).</summary>
    public uint MaxEnd;
    /// <summary>td_maxwin: max(win).</summary>
    public uint MaxWin;
    /// <summary>td_maxack: max of ack.</summary>
    public uint MaxAck;
    /// <summary>td_scale: window scale factor.</summary>
    public byte Scale;
    /// <summary>IP_CT_TCP_FLAG_* of this direction.</summary>
    public CtTcpFlags Flags;
}

/// <summary>
/// struct ip_ct_tcp (include/linux/netfilter/nf_conntrack_tcp.h), 60 bytes: the two directions
/// (seen[0], seen[1]), the state and what the ignore, retransmission and challenge-ACK logic remember.
/// </summary>
internal struct TcpState
{
    /// <summary>seen[IP_CT_DIR_ORIGINAL].</summary>
    public TcpDirection Original;
    /// <summary>seen[IP_CT_DIR_REPLY].</summary>
    public TcpDirection Reply;
    public TcpConntrack State;
    /// <summary>last_dir: 0 original, 1 reply.</summary>
    public byte LastDir;
    /// <summary>retrans: how often the last ACK-row segment was seen again unchanged.</summary>
    public byte Retrans;
    public TcpIndex LastIndex;
    public uint LastSeq;
    public uint LastAck;
    public uint LastEnd;
    public ushort LastWin;
    public byte LastWscale;
    /// <summary>last_flags: options of an ignored SYN, plus ChallengeAck and SimultaneousOpen.</summary>
    public CtTcpFlags LastFlags;

    /// <summary>seen[dir]: 0 original, 1 reply.</summary>
    [UnscopedRef]
    public ref TcpDirection Seen(int dir) => ref dir == 0 ? ref Original : ref Reply;

    /// <summary>The state as conntrack shows it.</summary>
    public readonly CtState CtState => TcpTracker.ToCtState(State);
}
