using System.Buffers.Binary;

namespace ConntrackTools.Engine;

/// <summary>
/// enum sctp_conntrack (include/uapi/linux/netfilter/nf_conntrack_sctp.h), numbered as ctnetlink's
/// CTA_PROTOINFO_SCTP_STATE carries it. HEARTBEAT_ACKED is kept for the numbering only: since
/// Linux 6.3 ("unify established states for SCTP paths") no transition leads to it.
/// </summary>
internal enum SctpConntrack : byte
{
    None = 0,
    Closed,
    CookieWait,
    CookieEchoed,
    Established,
    ShutdownSent,
    ShutdownRecd,
    ShutdownAckSent,
    HeartbeatSent,
    /// <summary>No longer used (6.3+); never entered.</summary>
    HeartbeatAcked,
    /// <summary>SCTP_CONNTRACK_MAX: the table's sIV, "invalid transition".</summary>
    Max,
}

/// <summary>
/// Per-flow SCTP state, struct ip_ct_sctp (include/linux/netfilter/nf_conntrack_sctp.h): 12 bytes.
/// Verification tags are kept as read from the wire, in host order.
/// </summary>
internal struct SctpState
{
    public SctpConntrack State;
    /// <summary>init[IP_CT_DIR_ORIGINAL]: an INIT from the original side is outstanding.</summary>
    public bool InitOriginal;
    /// <summary>init[IP_CT_DIR_REPLY].</summary>
    public bool InitReply;
    /// <summary>flags &amp; SCTP_FLAG_HEARTBEAT_VTAG_FAILED, with last_dir below.</summary>
    public bool HeartbeatVtagFailed;
    /// <summary>last_dir == IP_CT_DIR_REPLY.</summary>
    public bool LastDirReply;
    /// <summary>vtag[IP_CT_DIR_ORIGINAL]: the tag that packets in the original direction carry.</summary>
    public uint VtagOriginal;
    /// <summary>vtag[IP_CT_DIR_REPLY].</summary>
    public uint VtagReply;
}

/// <summary>The SCTP timeouts in seconds, by their /proc/sys/net/netfilter names (nf_conntrack_sctp_init_net).</summary>
internal sealed class SctpSettings
{
    public uint TimeoutClosed { get; set; } = 10;
    public uint TimeoutCookieWait { get; set; } = 3;
    public uint TimeoutCookieEchoed { get; set; } = 3;
    public uint TimeoutEstablished { get; set; } = 210;
    public uint TimeoutShutdownSent { get; set; } = 3;
    public uint TimeoutShutdownRecd { get; set; } = 3;
    public uint TimeoutShutdownAckSent { get; set; } = 3;
    public uint TimeoutHeartbeatSent { get; set; } = 30;

    /// <summary>timeouts[SCTP_CONNTRACK_NONE]: set once from the closed default, no sysctl reaches it.</summary>
    public const uint TimeoutNone = 10;

    /// <summary>timeouts[state], as nf_conntrack_sctp_packet reads it for nf_ct_refresh_acct.</summary>
    public uint TimeoutFor(SctpConntrack state) => state switch
    {
        SctpConntrack.Closed => TimeoutClosed,
        SctpConntrack.CookieWait => TimeoutCookieWait,
        SctpConntrack.CookieEchoed => TimeoutCookieEchoed,
        SctpConntrack.Established => TimeoutEstablished,
        SctpConntrack.ShutdownSent => TimeoutShutdownSent,
        SctpConntrack.ShutdownRecd => TimeoutShutdownRecd,
        SctpConntrack.ShutdownAckSent => TimeoutShutdownAckSent,
        SctpConntrack.HeartbeatSent => TimeoutHeartbeatSent,
        _ => TimeoutNone,
    };

    private static readonly Sysctl.Entry<SctpSettings>[] Entries =
    [
        new("nf_conntrack_sctp_timeout_closed", s => s.TimeoutClosed, (s, v) => s.TimeoutClosed = v),
        new("nf_conntrack_sctp_timeout_cookie_wait", s => s.TimeoutCookieWait, (s, v) => s.TimeoutCookieWait = v),
        new("nf_conntrack_sctp_timeout_cookie_echoed", s => s.TimeoutCookieEchoed, (s, v) => s.TimeoutCookieEchoed = v),
        new("nf_conntrack_sctp_timeout_established", s => s.TimeoutEstablished, (s, v) => s.TimeoutEstablished = v),
        new("nf_conntrack_sctp_timeout_shutdown_sent", s => s.TimeoutShutdownSent, (s, v) => s.TimeoutShutdownSent = v),
        new("nf_conntrack_sctp_timeout_shutdown_recd", s => s.TimeoutShutdownRecd, (s, v) => s.TimeoutShutdownRecd = v),
        new("nf_conntrack_sctp_timeout_shutdown_ack_sent", s => s.TimeoutShutdownAckSent, (s, v) => s.TimeoutShutdownAckSent = v),
        new("nf_conntrack_sctp_timeout_heartbeat_sent", s => s.TimeoutHeartbeatSent, (s, v) => s.TimeoutHeartbeatSent = v),
    ];

    public static IReadOnlyList<string> SysctlNames { get; } = Sysctl.Names(Entries);

    public bool TrySet(string sysctlName, uint value) => Sysctl.TrySet(Entries, this, sysctlName, value);

    public bool TryGet(string sysctlName, out uint value) => Sysctl.TryGet(Entries, this, sysctlName, out value);

    /// <summary>Sets a timeout by its sysctl name; throws for a name this tracker does not have.</summary>
    public void Set(string sysctlName, uint value) => Sysctl.Set(Entries, this, sysctlName, value);
}

/// <summary>
/// The SCTP tracker of net/netfilter/nf_conntrack_proto_sctp.c (Linux 6.18), packet for packet.
/// The L4 span starts at the SCTP common header and ends where the IP payload ends. The CRC32c is
/// not checked (the kernel checks it only in PRE_ROUTING for CHECKSUM_NONE packets).
/// </summary>
internal static class SctpTracker
{
    // Chunk types (include/linux/sctp.h, enum sctp_cid).
    public const byte Data = 0, Init = 1, InitAck = 2, Sack = 3, Heartbeat = 4, HeartbeatAck = 5, Abort = 6,
        Shutdown = 7, ShutdownAck = 8, Error = 9, CookieEcho = 10, CookieAck = 11, ShutdownComplete = 14;

    /// <summary>SCTP_CHUNK_FLAG_T: the tag is the sender's own (reflected) rather than the peer's.</summary>
    public const byte ChunkFlagT = 0x01;

    private const int HeaderLength = 12;     // struct sctphdr
    private const int ChunkHeaderLength = 4; // struct sctp_chunkhdr
    private const int InitHeaderLength = 16; // struct sctp_inithdr

    private const SctpConntrack sNO = SctpConntrack.None, sCL = SctpConntrack.Closed, sCW = SctpConntrack.CookieWait,
        sCE = SctpConntrack.CookieEchoed, sES = SctpConntrack.Established, sSS = SctpConntrack.ShutdownSent,
        sSR = SctpConntrack.ShutdownRecd, sSA = SctpConntrack.ShutdownAckSent, sHS = SctpConntrack.HeartbeatSent,
        sIV = SctpConntrack.Max;

    /// <summary>Columns per row of <see cref="Conntracks"/>: SCTP_CONNTRACK_MAX.</summary>
    private const int Columns = (int)SctpConntrack.Max;

    /// <summary>
    /// sctp_conntracks[2][11][SCTP_CONNTRACK_MAX], flattened: [dir * 11 + row][state]. The column of
    /// the unused HEARTBEAT_ACKED state is zero (sNO) as in the kernel's initializer.
    /// </summary>
    private static ReadOnlySpan<SctpConntrack> Conntracks =>
    [
        // ORIGINAL      sNO, sCL, sCW, sCE, sES, sSS, sSR, sSA, sHS, (sHA)
        /* init         */ sCL, sCL, sCW, sCE, sES, sCL, sCL, sSA, sCW, sNO,
        /* init_ack     */ sCL, sCL, sCW, sCE, sES, sSS, sSR, sSA, sCL, sNO,
        /* abort        */ sCL, sCL, sCL, sCL, sCL, sCL, sCL, sCL, sCL, sNO,
        /* shutdown     */ sCL, sCL, sCW, sCE, sSS, sSS, sSR, sSA, sCL, sNO,
        /* shutdown_ack */ sSA, sCL, sCW, sCE, sES, sSA, sSA, sSA, sSA, sNO,
        /* error        */ sCL, sCL, sCW, sCE, sES, sSS, sSR, sSA, sCL, sNO,
        /* cookie_echo  */ sCL, sCL, sCE, sCE, sES, sSS, sSR, sSA, sCL, sNO,
        /* cookie_ack   */ sCL, sCL, sCW, sES, sES, sSS, sSR, sSA, sCL, sNO,
        /* shutdown_comp*/ sCL, sCL, sCW, sCE, sES, sSS, sSR, sCL, sCL, sNO,
        /* heartbeat    */ sHS, sCL, sCW, sCE, sES, sSS, sSR, sSA, sHS, sNO,
        /* heartbeat_ack*/ sCL, sCL, sCW, sCE, sES, sSS, sSR, sSA, sHS, sNO,
        // REPLY         sNO, sCL, sCW, sCE, sES, sSS, sSR, sSA, sHS, (sHA)
        /* init         */ sIV, sCL, sCW, sCE, sES, sSS, sSR, sSA, sIV, sNO,
        /* init_ack     */ sIV, sCW, sCW, sCE, sES, sSS, sSR, sSA, sIV, sNO,
        /* abort        */ sIV, sCL, sCL, sCL, sCL, sCL, sCL, sCL, sIV, sNO,
        /* shutdown     */ sIV, sCL, sCW, sCE, sSR, sSS, sSR, sSA, sIV, sNO,
        /* shutdown_ack */ sIV, sCL, sCW, sCE, sES, sSA, sSA, sSA, sIV, sNO,
        /* error        */ sIV, sCL, sCW, sCL, sES, sSS, sSR, sSA, sIV, sNO,
        /* cookie_echo  */ sIV, sCL, sCE, sCE, sES, sSS, sSR, sSA, sIV, sNO,
        /* cookie_ack   */ sIV, sCL, sCW, sES, sES, sSS, sSR, sSA, sIV, sNO,
        /* shutdown_comp*/ sIV, sCL, sCW, sCE, sES, sSS, sSR, sCL, sIV, sNO,
        /* heartbeat    */ sIV, sCL, sCW, sCE, sES, sSS, sSR, sSA, sHS, sNO,
        /* heartbeat_ack*/ sIV, sCL, sCW, sCE, sES, sSS, sSR, sSA, sES, sNO,
    ];

    /// <summary>The chunks whose presence waives the general verification-tag check (Sec 8.5).</summary>
    private const uint VtagExempt = 1u << Init | 1u << ShutdownComplete | 1u << CookieEcho | 1u << Abort |
        1u << ShutdownAck | 1u << Heartbeat | 1u << HeartbeatAck;

    /// <summary>conntrack's name for a state, CtState in the model.</summary>
    public static CtState StateOf(in SctpState s) => ToCtState(s.State);

    public static CtState ToCtState(SctpConntrack state) => state switch
    {
        SctpConntrack.Closed => CtState.Closed,
        SctpConntrack.CookieWait => CtState.CookieWait,
        SctpConntrack.CookieEchoed => CtState.CookieEchoed,
        SctpConntrack.Established => CtState.Established,
        SctpConntrack.ShutdownSent => CtState.ShutdownSent,
        SctpConntrack.ShutdownRecd => CtState.ShutdownRecd,
        SctpConntrack.ShutdownAckSent => CtState.ShutdownAckSent,
        SctpConntrack.HeartbeatSent => CtState.HeartbeatSent,
        SctpConntrack.HeartbeatAcked => CtState.HeartbeatAcked,
        _ => CtState.None,
    };

    /// <summary>sctp_new_state: the table cell for one chunk type; unknown chunks keep the state.</summary>
    public static SctpConntrack NewState(bool reply, SctpConntrack current, byte chunkType)
    {
        int row = chunkType switch
        {
            Init => 0,
            InitAck => 1,
            Abort => 2,
            Shutdown => 3,
            ShutdownAck => 4,
            Error => 5,
            CookieEcho => 6,
            CookieAck => 7,
            ShutdownComplete => 8,
            Heartbeat => 9,
            HeartbeatAck => 10,
            _ => -1, // DATA, SACK and the rest do not change the state
        };
        if (row < 0) return current;
        return Conntracks[((reply ? 11 : 0) + row) * Columns + (int)current];
    }

    /// <summary>sctp_error without the CRC check: the common header must be there.</summary>
    public static bool IsError(ReadOnlySpan<byte> l4) => l4.Length < HeaderLength;

    /// <summary>
    /// do_basic_checks: COOKIE_ACK/COOKIE_ECHO only as the first chunk, INIT/INIT_ACK/SHUTDOWN_COMPLETE
    /// only alone, no zero-length chunk, at least one chunk. The map gets a bit per chunk type below 32.
    /// </summary>
    public static bool BasicChecks(ReadOnlySpan<byte> l4, out uint map)
    {
        map = 0;
        bool flag = false;
        int count = 0;
        for (int offset = HeaderLength; offset < l4.Length && offset + ChunkHeaderLength <= l4.Length; count++)
        {
            byte type = l4[offset];
            ushort length = BinaryPrimitives.ReadUInt16BigEndian(l4.Slice(offset + 2));
            if (type is Init or InitAck or ShutdownComplete) flag = true;
            if (((type is CookieAck or CookieEcho || flag) && count != 0) || length == 0) return false;
            if (type < 32) map |= 1u << type;
            offset += (length + 3) & ~3;
        }
        return count != 0;
    }

    /// <summary>
    /// The first packet of a flow: sctp_error, do_basic_checks, the out-of-the-blue discard (Sec 8.4)
    /// and sctp_new, as nf_conntrack_sctp_packet runs them for an unconfirmed conntrack. False: no
    /// connection is made and the packet is INVALID. On true, call <see cref="Packet"/> with the same
    /// packet and a status without <see cref="CtStatus.Confirmed"/>.
    /// </summary>
    public static bool TryNew(ref SctpState s, ReadOnlySpan<byte> l4, SctpSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        if (IsError(l4) || !BasicChecks(l4, out uint map)) return false;
        if ((map & (1u << Abort | 1u << ShutdownComplete | 1u << CookieAck)) != 0) return false;
        return SctpNew(ref s, l4);
    }

    /// <summary>sctp_new: which chunks may open a connection, and the tags it starts with.</summary>
    private static bool SctpNew(ref SctpState s, ReadOnlySpan<byte> l4)
    {
        s = default;
        uint vtag = BinaryPrimitives.ReadUInt32BigEndian(l4.Slice(4));
        for (int offset = HeaderLength; offset < l4.Length && offset + ChunkHeaderLength <= l4.Length;)
        {
            byte type = l4[offset];
            ushort length = BinaryPrimitives.ReadUInt16BigEndian(l4.Slice(offset + 2));
            var newState = NewState(reply: false, SctpConntrack.None, type);
            if (newState is SctpConntrack.None or SctpConntrack.Max) return false;

            if (type == Init)
            {
                if (vtag != 0) return false; // Sec 8.5.1 (A)
                if (offset + ChunkHeaderLength + InitHeaderLength > l4.Length) return false;
                s.VtagReply = BinaryPrimitives.ReadUInt32BigEndian(l4.Slice(offset + ChunkHeaderLength));
            }
            else if (type == Heartbeat)
            {
                s.VtagOriginal = vtag;
            }
            else if (type == ShutdownAck)
            {
                // An out-of-the-blue SHUTDOWN_ACK expects a SHUTDOWN_COMPLETE back, Sec 8.4 (5) and (8).
                s.VtagReply = vtag;
            }
            s.State = SctpConntrack.None;
            offset += (length + 3) & ~3;
        }
        return true;
    }

    private static ref uint Vtag(ref SctpState s, bool reply) => ref reply ? ref s.VtagReply : ref s.VtagOriginal;

    private static ref bool InitSeen(ref SctpState s, bool reply) => ref reply ? ref s.InitReply : ref s.InitOriginal;

    /// <summary>
    /// nf_conntrack_sctp_packet. The status is the conntrack's: without Confirmed it is the flow's
    /// first packet (<see cref="TryNew"/> having succeeded on it); ASSURED is set here on reaching
    /// ESTABLISHED. Events get IPCT_PROTOINFO on each state change and IPCT_ASSURED. As in the kernel,
    /// chunks before a failing one keep their effect (state, tags, events) even when the verdict is
    /// <see cref="TrackerVerdict.Invalid"/>; the kernel keeps such event bits cached on the conntrack.
    /// </summary>
    public static TrackerVerdict Packet(ref SctpState s, ref CtStatus status, bool reply, ReadOnlySpan<byte> l4,
        SctpSettings settings, ref ConntrackEvents events, out uint timeoutSeconds)
    {
        ArgumentNullException.ThrowIfNull(settings);
        timeoutSeconds = 0;
        if (IsError(l4) || !BasicChecks(l4, out uint map)) return TrackerVerdict.Invalid;

        bool confirmed = (status & CtStatus.Confirmed) != 0;
        uint vtag = BinaryPrimitives.ReadUInt32BigEndian(l4.Slice(4));

        // Check the verification tag (Sec 8.5).
        if ((map & VtagExempt) == 0 && vtag != Vtag(ref s, reply)) return TrackerVerdict.Invalid;

        var oldState = SctpConntrack.None;
        var newState = SctpConntrack.None;
        bool ignore = false;
        for (int offset = HeaderLength; offset < l4.Length && offset + ChunkHeaderLength <= l4.Length;)
        {
            int chunk = offset;
            byte type = l4[chunk];
            byte flags = l4[chunk + 1];
            offset += (BinaryPrimitives.ReadUInt16BigEndian(l4.Slice(chunk + 2)) + 3) & ~3;

            // Special cases of the verification tag check (Sec 8.5.1).
            if (type == Init)
            {
                if (vtag != 0) return TrackerVerdict.Invalid; // (A)
            }
            else if (type is Abort or ShutdownComplete)
            {
                // (B), (C): own tag without the T bit, the peer's tag with it.
                bool t = (flags & ChunkFlagT) != 0;
                if (vtag != Vtag(ref s, reply ^ t)) return TrackerVerdict.Invalid;
            }
            else if (type == CookieEcho)
            {
                if (vtag != Vtag(ref s, reply)) return TrackerVerdict.Invalid; // (D)
            }
            else if (type == CookieAck)
            {
                s.InitOriginal = false;
                s.InitReply = false;
            }
            else if (type == Heartbeat)
            {
                ref uint own = ref Vtag(ref s, reply);
                if (own == 0)
                {
                    own = vtag;
                }
                else if (vtag != own)
                {
                    if ((map & 1u << Data) != 0 || ignore) return TrackerVerdict.Invalid;
                    s.HeartbeatVtagFailed = true;
                    s.LastDirReply = reply;
                    ignore = true;
                    continue;
                }
                else if (s.HeartbeatVtagFailed)
                {
                    s.HeartbeatVtagFailed = false;
                }
            }
            else if (type == HeartbeatAck)
            {
                ref uint own = ref Vtag(ref s, reply);
                if (own == 0)
                {
                    own = vtag;
                }
                else if (vtag != own)
                {
                    if ((map & 1u << Data) != 0 || ignore) return TrackerVerdict.Invalid;
                    if (!s.HeartbeatVtagFailed || s.LastDirReply == reply) return TrackerVerdict.Invalid;
                    s.HeartbeatVtagFailed = false;
                    own = vtag;
                    Vtag(ref s, !reply) = 0;
                }
                else if (s.HeartbeatVtagFailed)
                {
                    s.HeartbeatVtagFailed = false;
                }
            }

            oldState = s.State;
            newState = NewState(reply, oldState, type);
            if (newState == SctpConntrack.Max) return TrackerVerdict.Invalid;

            if (type == Init)
            {
                if (chunk + ChunkHeaderLength + InitHeaderLength > l4.Length) return TrackerVerdict.Invalid;
                uint initTag = BinaryPrimitives.ReadUInt32BigEndian(l4.Slice(chunk + ChunkHeaderLength));

                // Do not record an INIT matching the peer's tag (stale or retransmitted INIT),
                // upstream 576a5d2bad48, in the 6.18 stable series.
                if (oldState == SctpConntrack.None || Vtag(ref s, !reply) != initTag)
                {
                    if (InitSeen(ref s, reply) && InitSeen(ref s, !reply)) InitSeen(ref s, !reply) = false;
                    InitSeen(ref s, reply) = true;
                }
                Vtag(ref s, !reply) = initTag;

                // Don't renew the timeout on INIT retransmits, so that port reuse by a client or a
                // NAT middlebox cannot keep the entry alive indefinitely.
                if (newState == SctpConntrack.Closed && oldState == SctpConntrack.Closed && confirmed) ignore = true;
            }
            else if (type == InitAck)
            {
                if (chunk + ChunkHeaderLength + InitHeaderLength > l4.Length) return TrackerVerdict.Invalid;
                uint initTag = BinaryPrimitives.ReadUInt32BigEndian(l4.Slice(chunk + ChunkHeaderLength));
                uint peer = Vtag(ref s, !reply);
                if (!InitSeen(ref s, !reply) && peer != 0 && peer != initTag) return TrackerVerdict.Invalid;
                // Collision.
                if (InitSeen(ref s, reply) && InitSeen(ref s, !reply) && peer != initTag) return TrackerVerdict.Invalid;
                Vtag(ref s, !reply) = initTag;
            }

            s.State = newState;
            if (oldState != newState)
            {
                events |= ConntrackEvents.ProtoInfo;
                if (newState == SctpConntrack.Established && (status & CtStatus.Assured) == 0)
                {
                    status |= CtStatus.Assured;
                    events |= ConntrackEvents.Assured;
                }
            }
        }

        // Allow, but do not refresh the timeout.
        if (ignore) return TrackerVerdict.AcceptNoRefresh;

        timeoutSeconds = settings.TimeoutFor(newState);
        return TrackerVerdict.Accept;
    }
}
