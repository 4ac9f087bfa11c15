using System.Buffers.Binary;

namespace ConntrackTools.Engine;

/// <summary>
/// The kernel's TCP connection tracker, net/netfilter/nf_conntrack_proto_tcp.c, ported function by
/// function from the Linux 6.17 source (unchanged in 6.18; the tests replay every scenario on a
/// running 6.18 kernel): the same state table, window checks, ignore and challenge-ACK logic, RST
/// rules and timeouts. Sequence arithmetic is modulo 2^32 as in the kernel.
/// </summary>
/// <remarks>
/// Not modelled: NAT sequence adjustment (nf_ct_seq_offset is taken as 0), SYN proxy (the SYN
/// proxy keep-alive exception of the sIV case), per-connection cttimeout policies (the settings
/// are the timeouts) and logging of invalid packets.
/// </remarks>
internal static class TcpTracker
{
    private const byte sNO = (byte)TcpConntrack.None;
    private const byte sSS = (byte)TcpConntrack.SynSent;
    private const byte sSR = (byte)TcpConntrack.SynRecv;
    private const byte sES = (byte)TcpConntrack.Established;
    private const byte sFW = (byte)TcpConntrack.FinWait;
    private const byte sCW = (byte)TcpConntrack.CloseWait;
    private const byte sLA = (byte)TcpConntrack.LastAck;
    private const byte sTW = (byte)TcpConntrack.TimeWait;
    private const byte sCL = (byte)TcpConntrack.Close;
    private const byte sS2 = (byte)TcpConntrack.SynSent2;
    private const byte sIV = (byte)TcpConntrack.Max;
    private const byte sIG = (byte)TcpConntrack.Ignore;

    private const int StateCount = (int)TcpConntrack.Max;
    private const int IndexCount = (int)TcpIndex.None + 1;

    // tcp_conntracks[2][6][TCP_CONNTRACK_MAX], row by row as in the kernel.
    private static ReadOnlySpan<byte> Conntracks =>
    [
        /* ORIGINAL */
        /*            sNO, sSS, sSR, sES, sFW, sCW, sLA, sTW, sCL, sS2 */
        /* syn    */  sSS, sSS, sIG, sIG, sIG, sIG, sIG, sSS, sSS, sS2,
        /* synack */  sIV, sIV, sSR, sIV, sIV, sIV, sIV, sIV, sIV, sSR,
        /* fin    */  sIV, sIV, sFW, sFW, sLA, sLA, sLA, sTW, sCL, sIV,
        /* ack    */  sES, sIV, sES, sES, sCW, sCW, sTW, sTW, sCL, sIV,
        /* rst    */  sIV, sCL, sCL, sCL, sCL, sCL, sCL, sCL, sCL, sCL,
        /* none   */  sIV, sIV, sIV, sIV, sIV, sIV, sIV, sIV, sIV, sIV,
        /* REPLY */
        /*            sNO, sSS, sSR, sES, sFW, sCW, sLA, sTW, sCL, sS2 */
        /* syn    */  sIV, sS2, sIV, sIV, sIV, sIV, sIV, sSS, sIV, sS2,
        /* synack */  sIV, sSR, sIG, sIG, sIG, sIG, sIG, sIG, sIG, sSR,
        /* fin    */  sIV, sIV, sFW, sFW, sLA, sLA, sLA, sTW, sCL, sIV,
        /* ack    */  sIV, sIG, sSR, sES, sCW, sCW, sTW, sTW, sCL, sIG,
        /* rst    */  sIV, sCL, sCL, sCL, sCL, sCL, sCL, sCL, sCL, sCL,
        /* none   */  sIV, sIV, sIV, sIV, sIV, sIV, sIV, sIV, sIV, sIV,
    ];

    // TCP option kinds and lengths (include/net/tcp.h).
    private const byte OptEol = 0, OptNop = 1, OptWindow = 3, OptSackPerm = 4, OptSack = 5;
    private const int OptLenWindow = 3, OptLenSackPerm = 2, OptLenSackBase = 2, OptLenSackPerBlock = 8;
    private const int OptLenTimestampAligned = 12;
    private const uint TimestampOnlyPrefix = OptNop << 24 | OptNop << 16 | 8 << 8 | 10;
    private const byte MaxWindowScale = 14;
    private const uint MaxAckWinConst = 66000;

    /// <summary>tcp_in_window's result (enum nf_ct_tcp_action).</summary>
    private enum WindowAction : byte { Ignore, Invalid, Accept }

    /// <summary>tcp_conntracks[dir][index][state].</summary>
    public static TcpConntrack NextState(bool reply, TcpIndex index, TcpConntrack state) =>
        (TcpConntrack)Conntracks[((reply ? 1 : 0) * IndexCount + (int)index) * StateCount + (int)state];

    /// <summary>The state as conntrack shows it (the numbers are the kernel's).</summary>
    public static CtState ToCtState(TcpConntrack state) => state < TcpConntrack.Max ? (CtState)(int)state : CtState.None;

    /// <summary>get_conntrack_index: RST, then SYN (with or without ACK), FIN, ACK.</summary>
    public static TcpIndex GetConntrackIndex(byte flags)
    {
        if ((flags & TcpFlags.Rst) != 0) return TcpIndex.Rst;
        if ((flags & TcpFlags.Syn) != 0) return (flags & TcpFlags.Ack) != 0 ? TcpIndex.SynAck : TcpIndex.Syn;
        if ((flags & TcpFlags.Fin) != 0) return TcpIndex.Fin;
        if ((flags & TcpFlags.Ack) != 0) return TcpIndex.Ack;
        return TcpIndex.None;
    }

    /// <summary>
    /// tcp_error without the checksum (see <see cref="TcpSegment"/>): true when the kernel drops the
    /// packet as INVALID before tracking it, for a truncated header or an invalid flag combination.
    /// </summary>
    public static bool TcpError(in TcpSegment segment, int l4Length) =>
        l4Length < segment.HeaderLength || !TcpSegment.HasValidFlags(segment.Flags);

    /// <summary>
    /// tcp_new: whether this first packet may create a connection. On true, <paramref name="state"/>
    /// is initialised as the kernel does (SYN → seen[0] from the SYN; a mid-stream ACK with Loose →
    /// seen[0] from the packet and both directions SACK_PERM|BE_LIBERAL); <see cref="Packet(ref TcpState, ref CtStatus, bool, in TcpSegment, int, TcpSettings, ref ConntrackEvents, out uint)"/>
    /// must then be called for the same packet in the original direction, as nf_conntrack_tcp_packet does.
    /// </summary>
    public static bool TryNew(ref TcpState state, in TcpSegment segment, int datagramLength, TcpSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        // tcp_error runs before tcp_new in nf_conntrack_tcp_packet.
        if (TcpError(segment, datagramLength)) return false;

        var newState = NextState(false, GetConntrackIndex(segment.Flags), TcpConntrack.None);
        if (newState >= TcpConntrack.Max) return false;

        if (newState == TcpConntrack.SynSent)
        {
            state = default;
            ref var seen = ref state.Original;
            seen.End = SegmentSeqPlusLen(segment.Seq, datagramLength, segment);
            seen.MaxWin = segment.Window == 0 ? 1u : segment.Window;
            seen.MaxEnd = seen.End;
            TcpOptions(segment, ref seen);
        }
        else if (!settings.Loose)
        {
            return false;
        }
        else
        {
            // In the middle of a connection: its history is lost, use what the packet says.
            state = default;
            ref var seen = ref state.Original;
            seen.End = SegmentSeqPlusLen(segment.Seq, datagramLength, segment);
            seen.MaxWin = segment.Window == 0 ? 1u : segment.Window;
            seen.MaxEnd = seen.End + seen.MaxWin;
            state.Original.Flags = state.Reply.Flags = CtTcpFlags.SackPermitted | CtTcpFlags.BeLiberal;
        }

        state.LastIndex = TcpIndex.None;
        return true;
    }

    /// <summary>
    /// nf_conntrack_tcp_packet for a connection that exists (or that <see cref="TryNew"/> just made).
    /// Updates <paramref name="state"/>, sets Assured in <paramref name="status"/> and adds ProtoInfo,
    /// Assured and Destroy to <paramref name="events"/> as the kernel does.
    /// </summary>
    /// <param name="status">The connection's status; SeenReply must be as it was before this packet
    /// (nf_conntrack_in sets it after packet() for an accepted reply).</param>
    /// <param name="reply">The packet's direction (CTINFO2DIR).</param>
    /// <param name="l4Length">skb->len - dataoff: the TCP header and payload as the IP header counts them.</param>
    /// <param name="timeoutSeconds">Accept: the timeout for nf_ct_refresh_acct. Invalid: non-zero when
    /// nf_tcp_handle_invalid lowers the timeout; it does so to this value only if the time left is at
    /// least 120 s and more than it (this overload does not know the time left). Otherwise 0.</param>
    /// <returns>Accept, AcceptNoRefresh (ignored), Invalid or Repeat (SYN reopening TIME_WAIT/CLOSE).
    /// Accept with Destroy in <paramref name="events"/> is nf_ct_kill_acct: count the packet, then
    /// delete the entry (no refresh; only the DESTROY event is delivered).</returns>
    public static TrackerVerdict Packet(ref TcpState state, ref CtStatus status, bool reply, in TcpSegment segment,
        int l4Length, TcpSettings settings, ref ConntrackEvents events, out uint timeoutSeconds) =>
        Packet(ref state, ref status, reply, segment, l4Length, settings, uint.MaxValue, ref events, out timeoutSeconds);

    /// <summary>As the other overload, knowing the entry's time left (<paramref name="expiresSeconds"/>,
    /// nf_ct_expires) so that an Invalid verdict's timeout is exactly what nf_tcp_handle_invalid writes, or 0.</summary>
    public static TrackerVerdict Packet(ref TcpState state, ref CtStatus status, bool reply, in TcpSegment segment,
        int l4Length, TcpSettings settings, uint expiresSeconds, ref ConntrackEvents events, out uint timeoutSeconds)
    {
        ArgumentNullException.ThrowIfNull(settings);
        timeoutSeconds = 0;
        if (TcpError(segment, l4Length)) return TrackerVerdict.Invalid;

        var dir = reply ? 1 : 0;
        var oldState = state.State;
        var index = GetConntrackIndex(segment.Flags);
        var newState = NextState(reply, index, oldState);

        switch (newState)
        {
            case TcpConntrack.SynSent:
                if (oldState < TcpConntrack.TimeWait) break;
                // RFC 1122: a SYN may reopen a connection in TIME_WAIT; also a client that aborted
                // (RST) and starts again. Kill the entry and look the packet up again.
                if (((state.Seen(dir).Flags | state.Seen(1 - dir).Flags) & CtTcpFlags.CloseInit) != 0
                    || (state.LastDir == dir && state.LastIndex == TcpIndex.Rst))
                    return TrackerVerdict.Repeat;
                goto case TcpConntrack.Ignore;

            case TcpConntrack.Ignore:
                if (index == TcpIndex.SynAck
                    && state.LastIndex == TcpIndex.Syn
                    && state.LastDir != dir
                    && segment.Ack == state.LastEnd)
                {
                    // b) The SYN/ACK answers a SYN we ignored: both ends are in sync, we are not.
                    // Get in sync from the values annotated then.
                    oldState = TcpConntrack.SynSent;
                    newState = TcpConntrack.SynRecv;
                    ref var last = ref state.Seen(state.LastDir);
                    last.End = state.LastEnd;
                    last.MaxEnd = state.LastEnd;
                    last.MaxWin = state.LastWin == 0 ? 1u : state.LastWin;
                    last.Scale = state.LastWscale;
                    state.LastFlags &= ~CtTcpFlags.ChallengeAck;
                    last.Flags = state.LastFlags;
                    ResetDirection(ref state.Seen(dir));
                    break;
                }
                state.LastIndex = index;
                state.LastDir = (byte)dir;
                state.LastSeq = segment.Seq;
                state.LastEnd = SegmentSeqPlusLen(segment.Seq, l4Length, segment);
                state.LastWin = segment.Window;

                // a) A SYN in ORIGINAL: annotate its options in case the server answers it.
                if (index == TcpIndex.Syn && dir == 0)
                {
                    var seen = default(TcpDirection);
                    state.LastFlags = CtTcpFlags.None;
                    state.LastWscale = 0;
                    TcpOptions(segment, ref seen);
                    if ((seen.Flags & CtTcpFlags.WindowScale) != 0)
                    {
                        state.LastFlags |= CtTcpFlags.WindowScale;
                        state.LastWscale = seen.Scale;
                    }
                    if ((seen.Flags & CtTcpFlags.SackPermitted) != 0)
                        state.LastFlags |= CtTcpFlags.SackPermitted;
                    // An RFC 5961 challenge ACK may follow; in LAST_ACK it must not count as the last ACK.
                    if (oldState == TcpConntrack.LastAck)
                        state.LastFlags |= CtTcpFlags.ChallengeAck;
                }

                // A possible challenge ACK answering the SYN.
                if (oldState == TcpConntrack.SynSent && index == TcpIndex.Ack && dir == 1)
                    state.LastAck = segment.Ack;
                return TrackerVerdict.AcceptNoRefresh;

            case TcpConntrack.Max:
                // Invalid. (The SYN proxy keep-alive exception does not apply: no SYN proxy here.)
                return TrackerVerdict.Invalid;

            case TcpConntrack.TimeWait:
                // An RFC 5961 challenge ACK to a spurious SYN does not ACK the last FIN.
                if (oldState == TcpConntrack.LastAck
                    && index == TcpIndex.Ack
                    && state.LastDir != dir
                    && state.LastIndex == TcpIndex.Syn
                    && (state.LastFlags & CtTcpFlags.ChallengeAck) != 0)
                {
                    state.LastFlags &= ~CtTcpFlags.ChallengeAck;
                    return TrackerVerdict.AcceptNoRefresh;
                }
                break;

            case TcpConntrack.SynSent2:
                // The table alone cannot follow a simultaneous open.
                state.LastFlags |= CtTcpFlags.SimultaneousOpen;
                break;

            case TcpConntrack.SynRecv:
                if (dir == 1 && index == TcpIndex.Ack && (state.LastFlags & CtTcpFlags.SimultaneousOpen) != 0)
                    newState = TcpConntrack.Established;
                break;

            case TcpConntrack.Close:
                if (index != TcpIndex.Rst) break;

                // Closing: the tuple may be reused already and the window data outdated; skip the checks.
                if (CanEarlyDrop(state.State)) goto InWindow;

                // td_maxack might be outdated if we let a SYN through earlier.
                ref var peer = ref state.Seen(1 - dir);
                if ((peer.Flags & CtTcpFlags.MaxAckSet) != 0 && state.LastIndex != TcpIndex.Syn)
                {
                    var seq = segment.Seq;
                    var established = IsEstablished(state, status);

                    // SEQ 0 outside ESTABLISHED: most likely the answer to a SYN we let through.
                    if (seq == 0 && !established) break;

                    if (Before(seq, peer.MaxAck) && !settings.IgnoreInvalidRst)
                        return TrackerVerdict.Invalid;

                    if (!established || seq == peer.MaxAck) break;

                    // The RST ends a train of data from the same side.
                    if (state.LastIndex == TcpIndex.Ack && state.LastDir == dir && seq == state.LastEnd) break;

                    // Not the exact sequence: keep the state, a challenge ACK may follow.
                    newState = oldState;
                }

                // RST answering a SYN (a) or an ACK of a half-open connection (c) we let through:
                // delete the entry without window checks, the packet may ACK what we ignored.
                if ((((status & CtStatus.SeenReply) != 0 && state.LastIndex == TcpIndex.Syn)
                     || ((status & CtStatus.Assured) == 0 && state.LastIndex == TcpIndex.Ack))
                    && segment.Ack == state.LastEnd)
                    goto InWindow;

                // RST answering a challenge ACK we let through.
                if (oldState == TcpConntrack.SynSent
                    && state.LastIndex == TcpIndex.Ack
                    && state.LastDir == 1
                    && segment.Seq == state.LastAck)
                    goto InWindow;
                break;
        }

        switch (TcpInWindow(ref state, dir, index, segment, l4Length, settings))
        {
            case WindowAction.Ignore:
                return TrackerVerdict.AcceptNoRefresh;
            case WindowAction.Invalid:
                timeoutSeconds = HandleInvalid(ref state, status, dir, index, expiresSeconds, settings);
                return TrackerVerdict.Invalid;
        }

    InWindow:
        state.LastIndex = index;
        state.LastDir = (byte)dir;
        state.State = newState;
        if (oldState != newState && newState == TcpConntrack.FinWait)
            state.Seen(dir).Flags |= CtTcpFlags.CloseInit;

        uint timeout;
        var stateTimeout = settings[newState];
        if (state.Retrans >= settings.MaxRetrans && stateTimeout > settings[TcpConntrack.Retrans])
            timeout = settings[TcpConntrack.Retrans];
        else if (index == TcpIndex.Rst)
            timeout = settings[TcpConntrack.Close];
        else if (((state.Original.Flags | state.Reply.Flags) & CtTcpFlags.DataUnacknowledged) != 0
                 && stateTimeout > settings[TcpConntrack.Unack])
            timeout = settings[TcpConntrack.Unack];
        else if (state.LastWin == 0 && stateTimeout > settings[TcpConntrack.Retrans])
            timeout = settings[TcpConntrack.Retrans];
        else
            timeout = stateTimeout;

        if (newState != oldState) events |= ConntrackEvents.ProtoInfo;

        if ((status & CtStatus.SeenReply) == 0)
        {
            // Only a RST came back: no connection, delete it at once (nf_ct_kill_acct).
            if (index == TcpIndex.Rst)
            {
                events |= ConntrackEvents.Destroy;
                return TrackerVerdict.Accept;
            }

            // A retransmitted SYN does not renew the timeout, or port reuse keeps the entry alive.
            if (index == TcpIndex.Syn && oldState == TcpConntrack.SynSent)
                return TrackerVerdict.AcceptNoRefresh;

            // ESTABLISHED without a reply (loose pickup): no long ESTABLISHED timeout.
            if (newState == TcpConntrack.Established && timeout > settings[TcpConntrack.Unack])
                timeout = settings[TcpConntrack.Unack];
        }
        else if ((status & CtStatus.Assured) == 0
                 && oldState is TcpConntrack.SynRecv or TcpConntrack.Established
                 && newState == TcpConntrack.Established)
        {
            // A valid ACK in ESTABLISHED after SYN_RECV, or an answer to a picked-up connection.
            status |= CtStatus.Assured;
            events |= ConntrackEvents.Assured;
        }

        timeoutSeconds = timeout;
        return TrackerVerdict.Accept;
    }

    /// <summary>
    /// nf_conntrack_tcp_set_closing: a confirmed entry for which the ruleset sent a TCP reset
    /// (nf_reject) goes to CLOSE. Returns true, with the CLOSE timeout to write and ProtoInfo in
    /// <paramref name="events"/>, unless it was in CLOSE already or has a fixed timeout.
    /// </summary>
    public static bool SetClosing(ref TcpState state, CtStatus status, TcpSettings settings,
        ref ConntrackEvents events, out uint timeoutSeconds)
    {
        ArgumentNullException.ThrowIfNull(settings);
        timeoutSeconds = 0;
        var oldState = state.State;
        state.State = TcpConntrack.Close;
        if (oldState == TcpConntrack.Close || (status & CtStatus.FixedTimeout) != 0) return false;
        timeoutSeconds = settings[TcpConntrack.Close];
        events |= ConntrackEvents.ProtoInfo;
        return true;
    }

    /// <summary>
    /// tcp_in_window: the window checks of "Real Stateful TCP Packet Filtering in IP Filter"
    /// (van Rooij) with the RFC 793 bounds, and the update of both directions' window data.
    /// </summary>
    private static WindowAction TcpInWindow(ref TcpState state, int dir, TcpIndex index, in TcpSegment segment,
        int l4Length, TcpSettings settings)
    {
        ref var sender = ref state.Seen(dir);
        ref var receiver = ref state.Seen(1 - dir);
        var syn = segment.IsSyn;
        var hasAck = segment.IsAck;

        var seq = segment.Seq;
        uint ack, sack;
        ack = sack = segment.Ack;
        var winRaw = segment.Window;
        uint win = winRaw;
        var end = SegmentSeqPlusLen(seq, l4Length, segment);

        if ((receiver.Flags & CtTcpFlags.SackPermitted) != 0)
            TcpSack(segment, ref sack);

        // NAT sequence mangling (nf_ct_seq_offset) is not modelled: the offset is 0.

        if (sender.MaxWin == 0)
        {
            // Initialise the sender.
            if (syn)
            {
                // SYN/ACK answering a SYN, or a SYN from the reply side in a simultaneous open.
                TcpInitSender(ref sender, ref receiver, segment, end, win, dir);
                if (!hasAck) return WindowAction.Accept; // simultaneous open
            }
            else
            {
                // In the middle of a connection: its history is lost, use what the packet says.
                sender.End = end;
                var swin = win << sender.Scale;
                sender.MaxWin = swin == 0 ? 1 : swin;
                sender.MaxEnd = end + sender.MaxWin;
                if (receiver.MaxWin == 0)
                {
                    // Nothing seen the other way yet: let III and IV pass until it is.
                    receiver.End = receiver.MaxEnd = sack;
                }
                else if (sack == receiver.End + 1)
                {
                    // Likely a reply to a keep-alive; needed for III.
                    receiver.End++;
                }
            }
        }
        else if (syn && After(end, sender.End)
                 && state.State is TcpConntrack.SynSent or TcpConntrack.SynRecv)
        {
            // RFC 793: a reinitialised TCP uses larger sequence numbers. Re-init this direction
            // as for the first SYN(/ACK): seq, ack or options may differ.
            TcpInitSender(ref sender, ref receiver, segment, end, win, dir);
            if (dir == 1 && !hasAck) return WindowAction.Accept;
        }

        if (!hasAck)
        {
            // No ACK: pretend it was set and right.
            ack = sack = receiver.End;
        }
        else if ((segment.Flags & (TcpFlags.Ack | TcpFlags.Rst)) == (TcpFlags.Ack | TcpFlags.Rst) && ack == 0)
        {
            // Broken stacks send RST+ACK with a zero ACK.
            ack = sack = receiver.End;
        }

        if (segment.IsRst && seq == 0 && state.State == TcpConntrack.SynSent)
        {
            // RST answering a SYN.
            seq = end = sender.End;
        }

        // I. Upper bound for valid data: seq <= sender.td_maxend.
        if (!Before(seq, sender.MaxEnd + 1))
        {
            var overshot = end - sender.MaxEnd + 1;
            var ackOk = After(sack, receiver.End - MaxAckWindow(sender) - 1);
            var inRecvWin = receiver.MaxWin != 0 && After(end, sender.End - receiver.MaxWin - 1);

            if (inRecvWin && ackOk && overshot <= receiver.MaxWin && Before(sack, receiver.End + 1))
            {
                // A sender that sends more than the receive window allows: if the ruleset lets it
                // through and the peer ACKs it, later ACKs must not fail III. Take td_end on.
                sender.End = end;
                sender.Flags |= CtTcpFlags.DataUnacknowledged;
                return LogInvalid(sender, settings, WindowAction.Ignore);
            }
            return LogInvalid(sender, settings, WindowAction.Invalid);
        }

        // III. Upper bound for valid (s)ack: sack <= receiver.td_end.
        if (!Before(sack, receiver.End + 1))
            return LogInvalid(sender, settings, WindowAction.Invalid);

        // II. Lower bound for valid data: seq + len >= sender.td_end - receiver.td_maxwin.
        var inWindow = receiver.MaxWin == 0 || After(end, sender.End - receiver.MaxWin - 1);
        if (!inWindow)
            return LogInvalid(sender, settings, WindowAction.Ignore);

        // IV. Lower bound for valid (s)ack: sack >= receiver.td_end - MAXACKWINDOW.
        if (!After(sack, receiver.End - MaxAckWindow(sender) - 1))
            return LogInvalid(sender, settings, WindowAction.Ignore);

        // Window scaling (RFC 1323).
        if (!syn) win <<= sender.Scale;

        // Update the sender.
        var swin2 = win + (sack - ack);
        if (sender.MaxWin < swin2) sender.MaxWin = swin2;
        if (After(end, sender.End))
        {
            sender.End = end;
            sender.Flags |= CtTcpFlags.DataUnacknowledged;
        }
        if (hasAck)
        {
            if ((sender.Flags & CtTcpFlags.MaxAckSet) == 0)
            {
                sender.MaxAck = ack;
                sender.Flags |= CtTcpFlags.MaxAckSet;
            }
            else if (After(ack, sender.MaxAck))
            {
                sender.MaxAck = ack;
            }
        }

        // Update the receiver.
        if (receiver.MaxWin != 0 && After(end, sender.MaxEnd))
            receiver.MaxWin += end - sender.MaxEnd;
        if (After(sack + win, receiver.MaxEnd - 1))
        {
            receiver.MaxEnd = sack + win;
            if (win == 0) receiver.MaxEnd++;
        }
        if (ack == receiver.End)
            receiver.Flags &= ~CtTcpFlags.DataUnacknowledged;

        // Retransmissions.
        if (index == TcpIndex.Ack)
        {
            if (state.LastDir == dir && state.LastSeq == seq && state.LastAck == ack
                && state.LastEnd == end && state.LastWin == winRaw)
            {
                state.Retrans++;
            }
            else
            {
                state.LastDir = (byte)dir;
                state.LastSeq = seq;
                state.LastAck = ack;
                state.LastEnd = end;
                state.LastWin = winRaw;
                state.Retrans = 0;
            }
        }

        return WindowAction.Accept;
    }

    /// <summary>tcp_init_sender: a direction's first SYN or SYN/ACK sets its window data and options.</summary>
    private static void TcpInitSender(ref TcpDirection sender, ref TcpDirection receiver, in TcpSegment segment,
        uint end, uint win, int dir)
    {
        sender.End = sender.MaxEnd = end;
        sender.MaxWin = win == 0 ? 1 : win;
        TcpOptions(segment, ref sender);
        // RFC 1323: window scaling only when both sides sent the option.
        if (dir == 1 && !((sender.Flags & CtTcpFlags.WindowScale) != 0 && (receiver.Flags & CtTcpFlags.WindowScale) != 0))
        {
            sender.Scale = 0;
            receiver.Scale = 0;
        }
    }

    /// <summary>nf_tcp_log_invalid: be-liberal (sysctl or the sender's flag) accepts what would be ignored or invalid.</summary>
    private static WindowAction LogInvalid(in TcpDirection sender, TcpSettings settings, WindowAction action) =>
        (sender.Flags & CtTcpFlags.BeLiberal) != 0 || settings.BeLiberal ? WindowAction.Accept : action;

    /// <summary>
    /// nf_tcp_handle_invalid: an out-of-window FIN or RST answering the other side's FIN or RST
    /// shortens an ASSURED entry's timeout to the unacknowledged one. Returns that timeout, or 0.
    /// </summary>
    private static uint HandleInvalid(ref TcpState state, CtStatus status, int dir, TcpIndex index,
        uint expiresSeconds, TcpSettings settings)
    {
        if ((status & CtStatus.Assured) == 0 || (status & CtStatus.FixedTimeout) != 0) return 0;
        if (index is not (TcpIndex.Rst or TcpIndex.Fin)) return 0;

        if (state.LastDir != dir && state.LastIndex is TcpIndex.Fin or TcpIndex.Rst)
        {
            if (expiresSeconds < 120) return 0;
            var timeout = settings[TcpConntrack.Unack];
            return expiresSeconds > timeout ? timeout : 0;
        }
        state.LastIndex = index;
        state.LastDir = (byte)dir;
        return 0;
    }

    /// <summary>nf_ct_tcp_state_reset: forget a direction's window data, keep only BE_LIBERAL.</summary>
    private static void ResetDirection(ref TcpDirection seen)
    {
        seen.End = 0;
        seen.MaxEnd = 0;
        seen.MaxWin = 0;
        seen.MaxAck = 0;
        seen.Scale = 0;
        seen.Flags &= CtTcpFlags.BeLiberal;
    }

    /// <summary>tcp_can_early_drop: the closing states, which early_drop may evict when the table is full.</summary>
    public static bool CanEarlyDrop(TcpConntrack state) =>
        state is TcpConntrack.FinWait or TcpConntrack.LastAck or TcpConntrack.TimeWait
            or TcpConntrack.Close or TcpConntrack.CloseWait;

    /// <summary>nf_conntrack_tcp_established: ESTABLISHED and ASSURED.</summary>
    private static bool IsEstablished(in TcpState state, CtStatus status) =>
        state.State == TcpConntrack.Established && (status & CtStatus.Assured) != 0;

    /// <summary>segment_seq_plus_len: seq + payload length + SYN + FIN.</summary>
    public static uint SegmentSeqPlusLen(uint seq, int l4Length, in TcpSegment segment) =>
        unchecked(seq + (uint)(l4Length - segment.HeaderLength) + (segment.IsSyn ? 1u : 0u) + (segment.IsFin ? 1u : 0u));

    /// <summary>MAXACKWINDOW(sender).</summary>
    private static uint MaxAckWindow(in TcpDirection sender) => sender.MaxWin > MaxAckWinConst ? sender.MaxWin : MaxAckWinConst;

    /// <summary>before(seq1, seq2) of include/net/tcp.h.</summary>
    public static bool Before(uint seq1, uint seq2) => unchecked((int)(seq1 - seq2)) < 0;

    /// <summary>after(seq2, seq1) of include/net/tcp.h.</summary>
    public static bool After(uint seq2, uint seq1) => Before(seq1, seq2);

    /// <summary>tcp_options: window scale and SACK-permitted from a SYN's options (a simplified tcp_parse_options).</summary>
    internal static void TcpOptions(in TcpSegment segment, ref TcpDirection state)
    {
        var ptr = segment.Options;
        var length = ptr.Length;
        if (length == 0) return;

        state.Scale = 0;
        state.Flags &= CtTcpFlags.BeLiberal;

        var i = 0;
        while (length > 0)
        {
            int opcode = ptr[i++];
            switch (opcode)
            {
                case OptEol:
                    return;
                case OptNop:
                    length--;
                    continue;
                default:
                    if (length < 2) return;
                    int opsize = ptr[i++];
                    if (opsize < 2) return; // "silly options"
                    if (opsize > length) return; // don't parse partial options
                    if (opcode == OptSackPerm && opsize == OptLenSackPerm)
                    {
                        state.Flags |= CtTcpFlags.SackPermitted;
                    }
                    else if (opcode == OptWindow && opsize == OptLenWindow)
                    {
                        state.Scale = Math.Min(ptr[i], MaxWindowScale);
                        state.Flags |= CtTcpFlags.WindowScale;
                    }
                    i += opsize - 2;
                    length -= opsize;
                    continue;
            }
        }
    }

    /// <summary>tcp_sack: raise <paramref name="sack"/> to the highest right edge of the first SACK option.</summary>
    internal static void TcpSack(in TcpSegment segment, ref uint sack)
    {
        var ptr = segment.Options;
        var length = ptr.Length;
        if (length == 0) return;

        // Fast path for a timestamp-only option block.
        if (length == OptLenTimestampAligned && BinaryPrimitives.ReadUInt32BigEndian(ptr) == TimestampOnlyPrefix)
            return;

        var i = 0;
        while (length > 0)
        {
            int opcode = ptr[i++];
            switch (opcode)
            {
                case OptEol:
                    return;
                case OptNop:
                    length--;
                    continue;
                default:
                    if (length < 2) return;
                    int opsize = ptr[i++];
                    if (opsize < 2) return;
                    if (opsize > length) return;
                    if (opcode == OptSack
                        && opsize >= OptLenSackBase + OptLenSackPerBlock
                        && (opsize - OptLenSackBase) % OptLenSackPerBlock == 0)
                    {
                        for (var j = 0; j < opsize - OptLenSackBase; j += OptLenSackPerBlock)
                        {
                            var right = BinaryPrimitives.ReadUInt32BigEndian(ptr[(i + j + 4)..]);
                            if (After(right, sack)) sack = right;
                        }
                        return;
                    }
                    i += opsize - 2;
                    length -= opsize;
                    continue;
            }
        }
    }
}
