using System.Buffers.Binary;

namespace ConntrackTools.Engine.Helpers;

/// <summary>
/// nf_conntrack_pptp: follows the PPTP control connection (TCP 1723, IPv4 only as registered) from
/// the PNS (the client, original direction) to the PAC (the server), one call per control session.
/// When the call is set up (Outgoing-Call-Reply accepted, or Incoming-Call-Connected) it expects
/// the call's GRE (version 1) traffic both ways, keyed by the call ids, and fills the GRE keymap
/// so the tracker can give GRE packets, which carry only the receiver's call id, their source
/// key. The first GRE packet removes the other direction's expectation; Call-Disconnect-Notify and
/// the end of the control connection kill the call's GRE connection (or expectation).
/// Only the first control message at the start of each segment is read.
/// </summary>
internal sealed class PptpHelper : ConntrackHelper
{
    private const ushort ControlPort = 1723;

    // struct pptp_pkt_hdr: packetLength (unused), packetType, magicCookie.
    private const int PacketHeaderLength = 8;
    private const ushort PacketControl = 1;
    private const uint MagicCookie = 0x1a2b3c4d;

    // struct PptpControlHeader: messageType, reserved.
    private const int ControlHeaderLength = 4;

    // PptpControlMessageType values.
    private const ushort StartSessionRequest = 1, StartSessionReply = 2, StopSessionRequest = 3, StopSessionReply = 4,
        EchoRequest = 5, EchoReply = 6, OutCallRequest = 7, OutCallReply = 8, InCallRequest = 9, InCallReply = 10,
        InCallConnect = 11, CallClearRequest = 12, CallDisconnectNotify = 13, WanErrorNotify = 14, SetLinkInfo = 15;
    private const ushort MessageMax = 15;

    // Result codes: PPTP_START_OK, PPTP_STOP_OK, PPTP_OUTCALL_CONNECT, PPTP_INCALL_ACCEPT.
    private const byte StartOk = 1, StopOk = 1, OutCallConnect = 1, InCallAccept = 1;

    /// <summary>pptp_msg_size: the size of each message's struct; a shorter message is not read. Echo has none.</summary>
    private static readonly int[] MessageSize =
    [
        0,
        144, // PptpStartSessionRequest
        144, // PptpStartSessionReply
        4,   // PptpStopSessionRequest
        4,   // PptpStopSessionReply
        0,   // echo request: no entry
        0,   // echo reply: no entry
        156, // PptpOutCallRequest
        20,  // PptpOutCallReply
        208, // PptpInCallRequest
        12,  // PptpInCallReply
        16,  // PptpInCallConnected
        4,   // PptpClearCallRequest
        136, // PptpCallDisconnectNotify
        28,  // PptpWanErrorNotify
        12,  // PptpSetLinkInfo
    ];

    /// <summary>sizeof(union pptp_ctrl_union): what the kernel copies of a message at most.</summary>
    private const int MaxRequestLength = 208;

    public override string Name => "pptp";
    public override CtProtocol Protocol => CtProtocol.Tcp;
    public override IReadOnlyList<ushort> Ports { get; } = [ControlPort];

    /// <summary>pptp_exp_policy: two expectations (one per direction of the call), five minutes.</summary>
    public override IReadOnlyList<ExpectPolicy> Policies { get; } = [new("pptp", 2, 5 * 60)];

    /// <summary>The helper is registered for AF_INET only.</summary>
    public override bool Supports(CtFamily family) => family == CtFamily.IPv4;

    /// <summary>exp_gre: both are between the control connection's addresses; both GRE keys are call ids read from the messages.</summary>
    public override IReadOnlyList<CtExpectationShape> Shapes => _shapes ??=
    [
        Shape("GRE call, PNS to PAC", CtProtocol.Gre, CtFieldOrigin.Fixed, CtFieldOrigin.InCommand, CtFieldOrigin.Fixed, CtFieldOrigin.InCommand),
        Shape("GRE call, PAC to PNS", CtProtocol.Gre, CtFieldOrigin.Fixed, CtFieldOrigin.InCommand, CtFieldOrigin.Fixed, CtFieldOrigin.InCommand),
    ];
    private CtExpectationShape[]? _shapes;

    /// <summary>enum pptp_ctrlsess_state.</summary>
    private enum SessionState
    {
        None,
        Error,
        StopRequested,
        Requested,
        Confirmed,
    }

    /// <summary>enum pptp_ctrlcall_state.</summary>
    private enum CallState
    {
        None,
        Error,
        OutRequested,
        OutConfirmed,
        InRequested,
        InReplied,
        InConfirmed,
        ClearRequested,
    }

    /// <summary>struct nf_ct_pptp_master: zeroed when the helper is attached.</summary>
    private sealed class State
    {
        public SessionState Session;
        public CallState Call;
        public ushort PacCallId;
        public ushort PnsCallId;

        /// <summary>keymap[dir]: the keymap entry this master added for each direction, if any.</summary>
        public readonly QuotedTuple?[] Keymap = new QuotedTuple?[2];
    }

    /// <summary>exp->expectfn for both GRE expectations.</summary>
    private static readonly Action<HelperCall, Expectation> ExpectFn = PptpExpectFn;

    /// <summary>conntrack_pptp_help: the control message at the start of the segment drives the session and call state.</summary>
    public override HelperVerdict Help(HelperCall call, ReadOnlySpan<byte> l4)
    {
        // Don't do any tracking before the TCP handshake is complete.
        if (call.Info is not (CtInfo.Established or CtInfo.EstablishedReply)) return HelperVerdict.Accept;
        if (!HelperCall.TcpPayload(l4, out var data, out _)) return HelperVerdict.Accept;

        // No full PPTP header: can't track. Not a control message: nothing to do with it.
        if (data.Length < PacketHeaderLength) return HelperVerdict.Accept;
        if (BinaryPrimitives.ReadUInt16BigEndian(data[2..]) != PacketControl
            || BinaryPrimitives.ReadUInt32BigEndian(data[4..]) != MagicCookie) return HelperVerdict.Accept;
        data = data[PacketHeaderLength..];

        if (data.Length < ControlHeaderLength) return HelperVerdict.Accept;
        var msg = BinaryPrimitives.ReadUInt16BigEndian(data);
        var request = data[ControlHeaderLength..];
        // A message shorter than its struct is not looked at (the packet length field is not used).
        if (msg > 0 && msg <= MessageMax && request.Length < MessageSize[msg]) return HelperVerdict.Accept;
        if (request.Length > MaxRequestLength) request = request[..MaxRequestLength];

        var info = call.State as State ?? (State)(call.State = new State());
        // The control connection is assumed to be set up from the PNS to the PAC.
        return call.Direction == 0 ? OutboundPacket(info, msg, request) : InboundPacket(call, info, msg, request);
    }

    /// <summary>pptp_outbound_pkt: a message from the PNS (client) to the PAC (server). Invalid ones are ignored.</summary>
    private static HelperVerdict OutboundPacket(State info, ushort msg, ReadOnlySpan<byte> request)
    {
        switch (msg)
        {
            case StartSessionRequest:
                // The client requests a new control session.
                if (info.Session != SessionState.None) break;
                info.Session = SessionState.Requested;
                break;

            case StopSessionRequest:
                // The client requests the end of the control session.
                info.Session = SessionState.StopRequested;
                break;

            case OutCallRequest:
                // The client initiates a call: track the PNS call id (ocreq.callID).
                if (info.Session != SessionState.Confirmed) break;
                info.Call = CallState.OutRequested;
                info.PnsCallId = BinaryPrimitives.ReadUInt16BigEndian(request);
                break;

            case InCallReply:
                // The client answers an incoming call (icack: callID, peersCallID, resultCode).
                {
                    if (info.Call is not (CallState.InRequested or CallState.InReplied)) break;
                    var cid = BinaryPrimitives.ReadUInt16BigEndian(request);
                    var pcid = BinaryPrimitives.ReadUInt16BigEndian(request[2..]);
                    if (info.PacCallId != pcid) break;
                    if (request[4] == InCallAccept)
                    {
                        // Part two of the three-way handshake.
                        info.Call = CallState.InReplied;
                        info.PnsCallId = cid;
                    }
                    else info.Call = CallState.None;
                    break;
                }

            case CallClearRequest:
                // The client requests the hangup of the call (the call id is not checked: only the last call is known).
                if (info.Session != SessionState.Confirmed) break;
                info.Call = CallState.ClearRequested;
                break;

            case SetLinkInfo:
            case EchoRequest:
            case EchoReply:
                break;

            default:
                break; // invalid
        }
        return HelperVerdict.Accept;
    }

    /// <summary>pptp_inbound_pkt: a message from the PAC (server) to the PNS (client). Invalid ones are ignored.</summary>
    private static HelperVerdict InboundPacket(HelperCall call, State info, ushort msg, ReadOnlySpan<byte> request)
    {
        switch (msg)
        {
            case StartSessionReply:
                // The server confirms the new control session (srep.resultCode).
                if (info.Session < SessionState.Requested) break;
                info.Session = request[2] == StartOk ? SessionState.Confirmed : SessionState.Error;
                break;

            case StopSessionReply:
                // The server confirms the end of the control session (strep.resultCode).
                if (info.Session > SessionState.StopRequested) break;
                info.Session = request[0] == StopOk ? SessionState.None : SessionState.Error;
                break;

            case OutCallReply:
                // The server accepted the call: GRE frames are now expected (ocack: callID, peersCallID, resultCode).
                {
                    if (info.Session != SessionState.Confirmed) break;
                    if (info.Call is not (CallState.OutRequested or CallState.OutConfirmed)) break;
                    var cid = BinaryPrimitives.ReadUInt16BigEndian(request);
                    var pcid = BinaryPrimitives.ReadUInt16BigEndian(request[2..]);
                    if (info.PnsCallId != pcid) break;
                    if (request[4] == OutCallConnect)
                    {
                        info.Call = CallState.OutConfirmed;
                        info.PacCallId = cid;
                        ExpectGre(call, info, cid, pcid);
                    }
                    else info.Call = CallState.None;
                    break;
                }

            case InCallRequest:
                // The server tells of an incoming call request (icreq.callID).
                if (info.Session != SessionState.Confirmed) break;
                info.Call = CallState.InRequested;
                info.PacCallId = BinaryPrimitives.ReadUInt16BigEndian(request);
                break;

            case InCallConnect:
                // The server tells the incoming call is established (iccon.peersCallID).
                {
                    if (info.Session != SessionState.Confirmed) break;
                    if (info.Call is not (CallState.InReplied or CallState.InConfirmed)) break;
                    var pcid = BinaryPrimitives.ReadUInt16BigEndian(request);
                    var cid = info.PacCallId;
                    if (info.PnsCallId != pcid) break;
                    info.Call = CallState.InConfirmed;
                    // GRE is expected both ways.
                    ExpectGre(call, info, cid, pcid);
                    break;
                }

            case CallDisconnectNotify:
                // The server confirms the disconnect: untrack the call ids, unexpect the GRE packets.
                info.Call = CallState.None;
                DestroySiblings(call, info);
                break;

            case WanErrorNotify:
            case SetLinkInfo:
            case EchoRequest:
            case EchoReply:
                break;

            default:
                break; // invalid
        }
        return HelperVerdict.Accept;
    }

    /// <summary>
    /// exp_gre: GRE from the PNS to the PAC keyed (PNS call id → PAC call id), and from the PAC to the
    /// PNS keyed (PAC call id → PNS call id), then the keymap entries for both. A failure undoes what
    /// was done (and is otherwise ignored: the packet is accepted).
    /// </summary>
    private static void ExpectGre(HelperCall call, State info, ushort callId, ushort peerCallId)
    {
        var orig = call.Original;
        var reply = call.Reply;
        var expOrig = call.NewExpectation(0, call.Family, orig.Source, orig.Destination, CtProtocol.Gre, peerCallId, callId);
        expOrig.ArrivalAction = ExpectFn;
        var expReply = call.NewExpectation(0, call.Family, reply.Source, reply.Destination, CtProtocol.Gre, callId, peerCallId);
        expReply.ArrivalAction = ExpectFn;

        if (call.ExpectRelated(expOrig) != ExpectResult.Added) return;
        if (call.ExpectRelated(expReply) != ExpectResult.Added)
        {
            call.RemoveExpectation(expOrig);
            return;
        }
        if (!KeymapAdd(call, info, 0, expOrig.Tuple))
        {
            call.RemoveExpectation(expReply);
            call.RemoveExpectation(expOrig);
            return;
        }
        if (!KeymapAdd(call, info, 1, expReply.Tuple))
        {
            KeymapDestroy(call, info);
            call.RemoveExpectation(expReply);
            call.RemoveExpectation(expOrig);
        }
    }

    /// <summary>
    /// nf_ct_gre_keymap_add: one entry per direction per master. The same tuple again (compared as
    /// gre_key_cmpfn does: addresses and destination key) is a retransmission; another one is -EEXIST.
    /// </summary>
    private static bool KeymapAdd(HelperCall call, State info, int dir, in QuotedTuple tuple)
    {
        if (info.Keymap[dir] is { } existing) return KeyMatches(existing, tuple);
        info.Keymap[dir] = tuple;
        call.AddGreKeymap(tuple);
        return true;
    }

    /// <summary>gre_key_cmpfn: family, addresses, protocol and destination key (not the source key).</summary>
    private static bool KeyMatches(in QuotedTuple km, in QuotedTuple t) =>
        km.Family == t.Family && km.Source == t.Source && km.Destination == t.Destination
        && km.Protocol == t.Protocol && km.DestinationId == t.DestinationId;

    /// <summary>nf_ct_gre_keymap_destroy: this master's keymap entries go.</summary>
    private static void KeymapDestroy(HelperCall call, State info)
    {
        call.RemoveGreKeymaps();
        info.Keymap[0] = null;
        info.Keymap[1] = null;
    }

    /// <summary>
    /// pptp_expectfn: the GRE connection of one direction arrived, so the other direction's
    /// expectation (the inverted tuple) goes. The kernel also raises the new connection's GRE
    /// timeouts (10 minutes, 5 hours) here, but the expectfn runs in init_conntrack, before
    /// nf_conntrack_gre_packet, which sets them from the sysctls for an unconfirmed entry: the
    /// raise never lasts, so there is nothing to port.
    /// </summary>
    private static void PptpExpectFn(HelperCall call, Expectation exp)
    {
        // nf_ct_invert_tuple: addresses and keys swapped.
        var inverse = new QuotedTuple
        {
            Family = exp.Family,
            Protocol = (byte)exp.Protocol,
            Source = exp.Destination,
            Destination = exp.Source,
            SourceId = exp.DestinationPort,
            DestinationId = exp.SourcePort,
        };
        if (call.FindExpectation(inverse) is { } other) call.RemoveExpectation(other);
    }

    /// <summary>destroy(): the control connection is going away; its call's GRE goes with it.</summary>
    public override void Destroy(HelperCall call) => DestroySiblings(call, call.State as State);

    /// <summary>
    /// pptp_destroy_siblings: forgets the keymap, then kills the GRE connection of each direction, or
    /// removes its expectation when there is none. The call ids are those last seen (0 before any
    /// call: the kernel then looks for GRE keyed 0 both ways between the same addresses).
    /// </summary>
    private static void DestroySiblings(HelperCall call, State? info)
    {
        ushort pns = 0, pac = 0;
        if (info is not null)
        {
            KeymapDestroy(call, info);
            pns = info.PnsCallId;
            pac = info.PacCallId;
        }
        // Both tuples first: killing a connection runs the engine, which reuses the call for others.
        var orig = GreTuple(call.Original, pns, pac);  // PNS -> PAC
        var reply = GreTuple(call.Reply, pac, pns);    // PAC -> PNS
        DestroySiblingOrExpectation(call, orig);
        DestroySiblingOrExpectation(call, reply);
    }

    /// <summary>The control connection's tuple as GRE with these keys.</summary>
    private static QuotedTuple GreTuple(QuotedTuple t, ushort sourceKey, ushort destinationKey)
    {
        t.Protocol = (byte)CtProtocol.Gre;
        t.SourceId = sourceKey;
        t.DestinationId = destinationKey;
        return t;
    }

    /// <summary>destroy_sibling_or_exp: kill the connection with this tuple, or else remove the expectation it matches.</summary>
    private static bool DestroySiblingOrExpectation(HelperCall call, in QuotedTuple t)
    {
        if (call.KillConnection(t)) return true;
        if (call.FindExpectation(t) is { } exp)
        {
            call.RemoveExpectation(exp);
            return true;
        }
        return false;
    }
}
