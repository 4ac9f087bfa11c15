namespace ConntrackTools;

/// <summary>Layer-3 family, numbered as the kernel numbers them (NFPROTO_*).</summary>
public enum CtFamily : byte
{
    Unspecified = 0,
    IPv4 = 2,
    IPv6 = 10,
}

/// <summary>Layer-4 protocol, by IANA number as in the tuple's protonum.</summary>
public enum CtProtocol : byte
{
    Icmp = 1,
    Igmp = 2,
    Tcp = 6,
    Udp = 17,
    Dccp = 33,
    Gre = 47,
    Esp = 50,
    Ah = 51,
    IcmpV6 = 58,
    Sctp = 132,
    UdpLite = 136,
}

/// <summary>
/// Connection status bits (include/uapi/linux/netfilter/nf_conntrack_common.h, enum ip_conntrack_status).
/// </summary>
[Flags]
public enum CtStatus : uint
{
    None = 0,
    Expected = 1 << 0,
    SeenReply = 1 << 1,
    Assured = 1 << 2,
    Confirmed = 1 << 3,
    SrcNat = 1 << 4,
    DstNat = 1 << 5,
    SeqAdjust = 1 << 6,
    SrcNatDone = 1 << 7,
    DstNatDone = 1 << 8,
    Dying = 1 << 9,
    FixedTimeout = 1 << 10,
    Template = 1 << 11,
    /// <summary>Bit 12: IPS_NAT_CLASH (was IPS_UNTRACKED, which no listed entry can carry).</summary>
    NatClash = 1 << 12,
    Helper = 1 << 13,
    Offload = 1 << 14,
    HwOffload = 1 << 15,
}

/// <summary>
/// Protocol state of a TCP, SCTP or DCCP connection; None for stateless protocols. The names are
/// conntrack's (SYN_SENT is SynSent), from nf_conntrack_proto_{tcp,sctp,dccp}.c.
/// </summary>
public enum CtState
{
    None = 0,
    // TCP (enum tcp_conntrack)
    SynSent,
    SynRecv,
    Established,
    FinWait,
    CloseWait,
    LastAck,
    TimeWait,
    Close,
    SynSent2,
    // SCTP (enum sctp_conntrack); ESTABLISHED is shared with TCP
    Closed,
    CookieWait,
    CookieEchoed,
    ShutdownSent,
    ShutdownRecd,
    ShutdownAckSent,
    HeartbeatSent,
    HeartbeatAcked,
    // DCCP (enum ct_dccp_states); TIME_WAIT is shared with TCP
    Request,
    Respond,
    PartOpen,
    Open,
    CloseReq,
    Closing,
    Ignore,
    Invalid,
}

/// <summary>Per-direction TCP flags in protoinfo (IP_CT_TCP_FLAG_*).</summary>
[Flags]
public enum CtTcpFlags : byte
{
    None = 0,
    WindowScale = 0x01,
    SackPermitted = 0x02,
    CloseInit = 0x04,
    BeLiberal = 0x08,
    DataUnacknowledged = 0x10,
    MaxAckSet = 0x20,
    ChallengeAck = 0x40,
    SimultaneousOpen = 0x80,
}

/// <summary>Expectation flags (NF_CT_EXPECT_*).</summary>
[Flags]
public enum CtExpectationFlags : uint
{
    None = 0,
    Permanent = 1,
    Inactive = 2,
    Userspace = 4,
}
