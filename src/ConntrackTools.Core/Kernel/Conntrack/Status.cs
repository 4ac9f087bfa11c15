namespace ConntrackTools.Kernel.Conntrack;

/// <summary>Protocol state numbers ↔ <see cref="CtState"/>, per tracker.</summary>
internal static class StateCodec
{
    // enum tcp_conntrack (include/uapi/linux/netfilter/nf_conntrack_tcp.h); 9 is SYN_SENT2.
    private static readonly CtState[] Tcp =
    [
        CtState.None, CtState.SynSent, CtState.SynRecv, CtState.Established, CtState.FinWait,
        CtState.CloseWait, CtState.LastAck, CtState.TimeWait, CtState.Close, CtState.SynSent2,
    ];

    // enum sctp_conntrack (include/uapi/linux/netfilter/nf_conntrack_sctp.h).
    private static readonly CtState[] Sctp =
    [
        CtState.None, CtState.Closed, CtState.CookieWait, CtState.CookieEchoed, CtState.Established,
        CtState.ShutdownSent, CtState.ShutdownRecd, CtState.ShutdownAckSent, CtState.HeartbeatSent,
        CtState.HeartbeatAcked,
    ];

    // enum ct_dccp_states (include/uapi/linux/netfilter/nf_conntrack_dccp.h... removed with DCCP in 6.16).
    private static readonly CtState[] Dccp =
    [
        CtState.None, CtState.Request, CtState.Respond, CtState.PartOpen, CtState.Open,
        CtState.CloseReq, CtState.Closing, CtState.TimeWait, CtState.Ignore, CtState.Invalid,
    ];

    public static CtState FromTcp(byte value) => value < Tcp.Length ? Tcp[value] : CtState.None;

    public static CtState FromSctp(byte value) => value < Sctp.Length ? Sctp[value] : CtState.None;

    public static CtState FromDccp(byte value) => value < Dccp.Length ? Dccp[value] : CtState.None;

    /// <summary>The kernel's number for a TCP state, or -1 when the state is not a TCP one.</summary>
    public static int ToTcp(CtState state) => Array.IndexOf(Tcp, state);

    public static int ToSctp(CtState state) => Array.IndexOf(Sctp, state);

    public static int ToDccp(CtState state) => Array.IndexOf(Dccp, state);

    /// <summary>conntrack's spelling of a state ("SYN_SENT"), for messages and comparison with its output.</summary>
    public static string ConntrackName(CtState state) => state switch
    {
        CtState.SynSent => "SYN_SENT",
        CtState.SynRecv => "SYN_RECV",
        CtState.FinWait => "FIN_WAIT",
        CtState.CloseWait => "CLOSE_WAIT",
        CtState.LastAck => "LAST_ACK",
        CtState.TimeWait => "TIME_WAIT",
        CtState.SynSent2 => "SYN_SENT2",
        CtState.CookieWait => "COOKIE_WAIT",
        CtState.CookieEchoed => "COOKIE_ECHOED",
        CtState.ShutdownSent => "SHUTDOWN_SENT",
        CtState.ShutdownRecd => "SHUTDOWN_RECD",
        CtState.ShutdownAckSent => "SHUTDOWN_ACK_SENT",
        CtState.HeartbeatSent => "HEARTBEAT_SENT",
        CtState.HeartbeatAcked => "HEARTBEAT_ACKED",
        CtState.PartOpen => "PARTOPEN",
        CtState.CloseReq => "CLOSEREQ",
        _ => state.ToString().ToUpperInvariant(),
    };
}
