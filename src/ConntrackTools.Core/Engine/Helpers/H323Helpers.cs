using static ConntrackTools.Engine.Helpers.H323Layout;

namespace ConntrackTools.Engine.Helpers;

/// <summary>
/// struct nf_ct_h323_master: a connection's H.323 state. The kernel keeps the RAS timeout and the
/// pending TPKT lengths in one union (a RAS connection never frames TPKTs, a TCP one never has a
/// registration timeout); so does this. The NAT-only rtp_port array is left out: the engine does no NAT.
/// </summary>
internal sealed class H323Master
{
    /// <summary>sig_port[dir]: the Q.931 port a RRQ registered, per direction (for the RCF).</summary>
    public readonly ushort[] SigPort = new ushort[2];

    private uint _union;

    /// <summary>timeout: the registration's time to live, seconds (RAS).</summary>
    public uint Timeout { get => _union; set => _union = value; }

    /// <summary>tpkt_len[dir]: the data length a TPKT header sent alone announced (NetMeeting), little-endian halves of the union.</summary>
    public ushort TpktLen(int dir) => (ushort)(dir == 0 ? _union : _union >> 16);

    public void SetTpktLen(int dir, ushort value) =>
        _union = dir == 0 ? (_union & 0xffff0000u) | value : (_union & 0xffffu) | ((uint)value << 16);
}

/// <summary>
/// nf_conntrack_h323_main.c, the part the three helpers share: TPKT framing, reading H.225 and
/// H.245 transport addresses from a decoded message, and the expectations each message makes.
/// Every address is checked against the connection as the kernel checks it; the NAT hooks
/// (nfct_h323_nat_hook, for NATed IPv4 connections) are not ported, the engine tracks without NAT.
/// Return values are the kernel's: 0 done (or nothing to do), -1 an expectation could not be added
/// (the helper drops the packet).
/// </summary>
internal static class H323
{
    public const string Module = "nf_conntrack_h323";
    public const int H323MaxSize = 65535;
    public const ushort RasPort = 1719, Q931Port = 1720;

    /// <summary>H323_RTP_CHANNEL_MAX: audio, video, FAX and other.</summary>
    public const int RtpChannelMax = 4;

    /// <summary>The module's parameters (all three helpers are one module).</summary>
    public static readonly IReadOnlyList<HelperOption> Options =
    [
        new("default_rrq_ttl", 300, "The registration time to live (seconds) when a RRQ gives none."),
        new("gkrouted_only", 1, "Expect calls to a registered endpoint from the gatekeeper only (0: from anywhere)."),
        new("callforward_filter", 1, "Expect a forwarded call only when the two parties route differently (0: always)."),
    ];

    // The kernel's static decode buffers (static Q931 q931, MultimediaSystemControlMessage mscm,
    // RasMessage ras): not cleared between messages, one set per thread instead of one spinlock.
    [ThreadStatic] private static uint[]? _q931, _mscm, _ras;

    public static uint[] Q931Buffer => _q931 ??= new uint[Q931_Size];
    public static uint[] MscmBuffer => _mscm ??= new uint[MscmSize];
    public static uint[] RasBuffer => _ras ??= new uint[Ras_Size];

    private static ConntrackHelper? _h245, _q931Helper, _rasHelper;

    /// <summary>nf_conntrack_helper_h245, as exp->helper of a call's H.245 connection.</summary>
    public static ConntrackHelper HelperH245 => _h245 ??= HelperRegistry.Find("H.245")!;

    /// <summary>nf_conntrack_helper_q931 (its IPv4 entry, for either family, as the kernel does).</summary>
    public static ConntrackHelper HelperQ931 => _q931Helper ??= HelperRegistry.Find("Q.931", CtProtocol.Tcp)!;

    /// <summary>nf_conntrack_helper_ras.</summary>
    public static ConntrackHelper HelperRas => _rasHelper ??= HelperRegistry.Find("RAS", CtProtocol.Udp)!;

    /// <summary>nfct_help_data: the connection's nf_ct_h323_master (zeroed when the helper was attached).</summary>
    public static H323Master Master(HelperCall call) => call.State as H323Master ?? (H323Master)(call.State = new H323Master());

    /// <summary>
    /// get_tpkt_data: the next TPKT of a TCP segment. <paramref name="dataOff"/> is -1 before the
    /// first (the kernel's *data == NULL), then the offset of the TPKT's contents in the payload.
    /// A segment that is not a TPKT is taken whole when the previous one was a TPKT header alone;
    /// a segment of exactly a TPKT header announcing more remembers that length.
    /// </summary>
    public static bool GetTpktData(ReadOnlySpan<byte> l4, H323Master info, int dir, ref int dataOff, ref int dataLen)
    {
        // Get TCP header
        if (l4.Length < 20) return false;
        // Get TCP data offset and length
        var tcpDataOff = (l4[12] >> 4) * 4;
        var tcpDataLen = l4.Length - tcpDataOff;
        if (tcpDataLen <= 0) return ClearOut(info, dir); // No TCP data
        if (tcpDataLen > H323MaxSize) tcpDataLen = H323MaxSize;
        var tcp = l4[tcpDataOff..];
        int tpktOff;
        if (dataOff < 0)
        {
            // first TPKT: validate the TPKT identifier
            if (tcpDataLen < 4 || tcp[0] != 0x03 || tcp[1] != 0)
            {
                // Netmeeting sends TPKT header and data separately
                var pending = info.TpktLen(dir);
                if (pending > 0)
                {
                    if (pending <= tcpDataLen)
                    {
                        // Yes, there was a TPKT header received
                        dataOff = 0;
                        dataLen = pending;
                        info.SetTpktLen(dir, 0);
                        return true;
                    }
                    // Fragmented TPKT
                    return ClearOut(info, dir);
                }
                // It is not even a TPKT
                return false;
            }
            tpktOff = 0;
        }
        else
        {
            // Next TPKT
            tpktOff = dataOff + dataLen;
            tcpDataLen -= tpktOff;
            if (tcpDataLen <= 4) return ClearOut(info, dir); // No more TPKT
            if (tcp[tpktOff] != 0x03 || tcp[tpktOff + 1] != 0) return ClearOut(info, dir);
        }
        // Validate TPKT length
        var tpktLen = tcp[tpktOff + 2] * 256 + tcp[tpktOff + 3];
        if (tpktLen < 4) return ClearOut(info, dir);
        if (tpktLen > tcpDataLen)
        {
            if (tcpDataLen == 4)
            {
                // Separate TPKT header: there will be TPKT data of tpktLen - 4 bytes
                info.SetTpktLen(dir, (ushort)(tpktLen - 4));
                return false;
            }
            // incomplete TPKT (fragmented?)
            return ClearOut(info, dir);
        }
        // This is the encapsulated data
        dataOff = tpktOff + 4;
        dataLen = tpktLen - 4;
        info.SetTpktLen(dir, 0);
        return true;
    }

    private static bool ClearOut(H323Master info, int dir)
    {
        info.SetTpktLen(dir, 0);
        return false;
    }

    /// <summary>A TCP segment's payload as get_tpkt_data sees it (at most H323_MAX_SIZE bytes).</summary>
    public static ReadOnlySpan<byte> TcpData(ReadOnlySpan<byte> l4)
    {
        var off = (l4[12] >> 4) * 4;
        var data = l4[off..];
        return data.Length > H323MaxSize ? data[..H323MaxSize] : data;
    }

    private static uint At(ReadOnlySpan<byte> data, long i) => (ulong)i < (ulong)data.Length ? data[(int)i] : 0u;

    /// <summary>The address (4 or 16 bytes) and port at an offset of the message, as memcpy reads them.</summary>
    private static void ReadAddress(ReadOnlySpan<byte> data, uint p, int len, out UInt128 addr, out ushort port)
    {
        addr = 0;
        for (var i = 0; i < len; i++) addr = (addr << 8) | At(data, (long)p + i);
        port = (ushort)((At(data, (long)p + len) << 8) | At(data, (long)p + len + 1));
    }

    /// <summary>get_h225_addr: an H.225 TransportAddress of the connection's family.</summary>
    public static bool GetH225Addr(HelperCall call, ReadOnlySpan<byte> data, uint[] m, int taddr, out UInt128 addr, out ushort port)
    {
        addr = 0;
        port = 0;
        switch (m[taddr])
        {
            case eTransportAddress_ipAddress:
                if (call.Family != CtFamily.IPv4) return false;
                ReadAddress(data, m[taddr + TransportAddress_Ip], 4, out addr, out port);
                return true;
            case eTransportAddress_ip6Address:
                if (call.Family != CtFamily.IPv6) return false;
                ReadAddress(data, m[taddr + TransportAddress_Ip6], 16, out addr, out port);
                return true;
            default:
                return false;
        }
    }

    /// <summary>get_h245_addr: an H.245 unicast TransportAddress of the connection's family.</summary>
    private static bool GetH245Addr(HelperCall call, ReadOnlySpan<byte> data, uint[] m, int taddr, out UInt128 addr, out ushort port)
    {
        addr = 0;
        port = 0;
        if (m[taddr] != eH245_TransportAddress_unicastAddress) return false;
        var u = taddr + H245Address_Unicast;
        switch (m[u])
        {
            case eUnicastAddress_iPAddress:
                if (call.Family != CtFamily.IPv4) return false;
                ReadAddress(data, m[u + Unicast_IPAddress], 4, out addr, out port);
                return true;
            case eUnicastAddress_iP6Address:
                if (call.Family != CtFamily.IPv6) return false;
                ReadAddress(data, m[u + Unicast_IP6Address], 16, out addr, out port);
                return true;
            default:
                return false;
        }
    }

    // ---- H.245 ----

    /// <summary>
    /// expect_rtp_rtcp: a media address of the sender's own gives two UDP expectations from the
    /// peer (any port) to it, on the even (RTP) and odd (RTCP) port of the pair; if the second
    /// cannot be added the first is taken back.
    /// </summary>
    private static int ExpectRtpRtcp(HelperCall call, ReadOnlySpan<byte> data, uint[] m, int taddr)
    {
        var dir = call.Direction;
        // Read RTP or RTCP address
        if (!GetH245Addr(call, data, m, taddr, out var addr, out var port) || addr != call.Tuple(dir).Source || port == 0) return 0;
        // RTP port is even
        var rtpPort = (ushort)(port & ~1);
        var rtcpPort = (ushort)(port | 1);
        var other = call.Tuple(1 - dir);
        var rtp = call.NewExpectation(0, call.Family, other.Source, other.Destination, CtProtocol.Udp, null, rtpPort);
        var rtcp = call.NewExpectation(0, call.Family, other.Source, other.Destination, CtProtocol.Udp, null, rtcpPort);
        // Conntrack only (the NAT hook would take a NATed IPv4 connection).
        if (call.ExpectRelated(rtp) != ExpectResult.Added) return -1;
        if (call.ExpectRelated(rtcp) != ExpectResult.Added)
        {
            call.RemoveExpectation(rtp); // nf_ct_unexpect_related
            return -1;
        }
        return 0;
    }

    /// <summary>expect_t120: a T.120 address of the sender's own: TCP from the peer to it, permanent (it accepts multiple channels).</summary>
    private static int ExpectT120(HelperCall call, ReadOnlySpan<byte> data, uint[] m, int taddr)
    {
        var dir = call.Direction;
        // Read T.120 address
        if (!GetH245Addr(call, data, m, taddr, out var addr, out var port) || addr != call.Tuple(dir).Source || port == 0) return 0;
        var other = call.Tuple(1 - dir);
        var exp = call.NewExpectation(0, call.Family, other.Source, other.Destination, CtProtocol.Tcp, null, port);
        exp.Flags = CtExpectationFlags.Permanent; // Accept multiple channels
        return call.ExpectRelated(exp) == ExpectResult.Added ? 0 : -1;
    }

    /// <summary>process_h245_channel: an H2250LogicalChannelParameters' media channel (RTP) and media control channel (RTCP).</summary>
    private static int ProcessH245Channel(HelperCall call, ReadOnlySpan<byte> data, uint[] m, int channel)
    {
        if ((m[channel] & eH2250LogicalChannelParameters_mediaChannel) != 0
            && ExpectRtpRtcp(call, data, m, channel + H2250_MediaChannel) < 0) return -1; // RTP
        if ((m[channel] & eH2250LogicalChannelParameters_mediaControlChannel) != 0
            && ExpectRtpRtcp(call, data, m, channel + H2250_MediaControlChannel) < 0) return -1; // RTCP
        return 0;
    }

    /// <summary>
    /// process_olc: an OpenLogicalChannel's forward and reverse H.225.0 channels, and a T.120
    /// separate LAN stack address when the forward data type is T.120.
    /// </summary>
    private static int ProcessOlc(HelperCall call, ReadOnlySpan<byte> data, uint[] m, int olc)
    {
        var forward = olc + Olc_Forward;
        var multiplex = forward + Forward_Multiplex;
        if (m[multiplex] == eOpenLogicalChannel_forwardLogicalChannelParameters_multiplexParameters_h2250LogicalChannelParameters
            && ProcessH245Channel(call, data, m, multiplex + Multiplex_H2250) < 0) return -1;

        var reverse = olc + Olc_Reverse;
        if ((m[olc] & eOpenLogicalChannel_reverseLogicalChannelParameters) != 0
            && (m[reverse] & eOpenLogicalChannel_reverseLogicalChannelParameters_multiplexParameters) != 0
            && m[reverse + Reverse_Multiplex] == eOpenLogicalChannel_reverseLogicalChannelParameters_multiplexParameters_h2250LogicalChannelParameters
            && ProcessH245Channel(call, data, m, reverse + Reverse_Multiplex + ReverseMultiplex_H2250) < 0) return -1;

        var dataType = forward + Forward_DataType;
        var application = dataType + DataType_Application;
        var networkAddress = olc + Olc_SeparateStack + Network_Address;
        if ((m[olc] & eOpenLogicalChannel_separateStack) != 0
            && m[dataType] == eDataType_data
            && m[application] == eDataApplicationCapability_application_t120
            && m[application + Application_T120] == eDataProtocolCapability_separateLANStack
            && m[networkAddress] == eNetworkAccessParameters_networkAddress_localAreaAddress
            && ExpectT120(call, data, m, networkAddress + NetworkAddress_LocalArea) < 0) return -1;
        return 0;
    }

    /// <summary>process_olca: an OpenLogicalChannelAck's reverse channel, its H.225.0 ack parameters' media addresses, and a T.120 address.</summary>
    private static int ProcessOlca(HelperCall call, ReadOnlySpan<byte> data, uint[] m, int olca)
    {
        var reverse = olca + Olca_Reverse;
        if ((m[olca] & eOpenLogicalChannelAck_reverseLogicalChannelParameters) != 0
            && (m[reverse] & eOpenLogicalChannelAck_reverseLogicalChannelParameters_multiplexParameters) != 0
            && m[reverse + OlcaReverse_Multiplex] == eOpenLogicalChannelAck_reverseLogicalChannelParameters_multiplexParameters_h2250LogicalChannelParameters
            && ProcessH245Channel(call, data, m, reverse + OlcaReverse_Multiplex + OlcaReverseMultiplex_H2250) < 0) return -1;

        var forward = olca + Olca_ForwardMultiplexAck;
        if ((m[olca] & eOpenLogicalChannelAck_forwardMultiplexAckParameters) != 0
            && m[forward] == eOpenLogicalChannelAck_forwardMultiplexAckParameters_h2250LogicalChannelAckParameters)
        {
            var ack = forward + ForwardMultiplexAck_H2250Ack;
            if ((m[ack] & eH2250LogicalChannelAckParameters_mediaChannel) != 0
                && ExpectRtpRtcp(call, data, m, ack + H2250Ack_MediaChannel) < 0) return -1; // RTP
            if ((m[ack] & eH2250LogicalChannelAckParameters_mediaControlChannel) != 0
                && ExpectRtpRtcp(call, data, m, ack + H2250Ack_MediaControlChannel) < 0) return -1; // RTCP
        }

        var networkAddress = olca + Olca_SeparateStack + Network_Address;
        if ((m[olca] & eOpenLogicalChannelAck_separateStack) != 0
            && m[networkAddress] == eNetworkAccessParameters_networkAddress_localAreaAddress
            && ExpectT120(call, data, m, networkAddress + NetworkAddress_LocalArea) < 0) return -1;
        return 0;
    }

    /// <summary>process_h245: an OpenLogicalChannel request or an OpenLogicalChannelAck response; other messages are ignored.</summary>
    public static int ProcessH245(HelperCall call, ReadOnlySpan<byte> data, uint[] m, int mscm)
    {
        switch (m[mscm])
        {
            case eMultimediaSystemControlMessage_request:
                if (m[mscm + Mscm_Request] == eRequestMessage_openLogicalChannel) return ProcessOlc(call, data, m, mscm + Mscm_Request + Request_Olc);
                break;
            case eMultimediaSystemControlMessage_response:
                if (m[mscm + Mscm_Response] == eResponseMessage_openLogicalChannelAck) return ProcessOlca(call, data, m, mscm + Mscm_Response + Response_Olca);
                break;
        }
        return 0;
    }

    // ---- Q.931 ----

    /// <summary>
    /// expect_h245: an H.245 address of the sender's own: TCP from the peer (any port) to it,
    /// and the connection gets the H.245 helper.
    /// </summary>
    private static int ExpectH245(HelperCall call, ReadOnlySpan<byte> data, uint[] m, int taddr)
    {
        var dir = call.Direction;
        // Read h245Address
        if (!GetH225Addr(call, data, m, taddr, out var addr, out var port) || addr != call.Tuple(dir).Source || port == 0) return 0;
        var other = call.Tuple(1 - dir);
        var exp = call.NewExpectation(0, call.Family, other.Source, other.Destination, CtProtocol.Tcp, null, port);
        exp.AssignHelper = HelperH245;
        return call.ExpectRelated(exp) == ExpectResult.Added ? 0 : -1;
    }

    /// <summary>
    /// callforward_do_filter: whether the calling party and the forward-to party are on the same
    /// side, i.e. their routes share the next hop and the device. The engine has no routing table:
    /// it takes every address as on-link on one device, where a route's next hop is the address
    /// itself, so the two are on the same side only when they are the same address.
    /// </summary>
    private static bool CallForwardDoFilter(UInt128 src, UInt128 dst) => src == dst;

    /// <summary>
    /// expect_callforwarding: a Facility forwarding the call to another address expects the second
    /// call leg, TCP from the calling party to it (it gets the Q.931 helper), unless
    /// callforward_filter finds both parties on the same side.
    /// </summary>
    private static int ExpectCallForwarding(HelperCall call, ReadOnlySpan<byte> data, uint[] m, int taddr)
    {
        var dir = call.Direction;
        // Read alternativeAddress
        if (!GetH225Addr(call, data, m, taddr, out var addr, out var port) || port == 0) return 0;
        var other = call.Tuple(1 - dir);
        // If the calling party is on the same side of the forward-to party, we don't need to track the second call
        if (call.Option("callforward_filter") != 0 && CallForwardDoFilter(addr, other.Source)) return 0;
        // Create expect for the second call leg
        var exp = call.NewExpectation(0, call.Family, other.Source, addr, CtProtocol.Tcp, null, port);
        exp.AssignHelper = HelperQ931;
        return call.ExpectRelated(exp) == ExpectResult.Added ? 0 : -1;
    }

    /// <summary>The fastStart channels of a UUIE (process_olc for each); count is the decoded one (at most 30).</summary>
    private static int ProcessFastStart(HelperCall call, ReadOnlySpan<byte> data, uint[] m, int fastStart)
    {
        var count = (int)Math.Min(m[fastStart], FastStart_Max);
        for (var i = 0; i < count; i++)
            if (ProcessOlc(call, data, m, fastStart + FastStart_Item + i * OlcSize) < 0) return -1;
        return 0;
    }

    /// <summary>
    /// process_setup, process_callproceeding, process_connect, process_alerting, process_progress:
    /// the UUIE's h245Address, then its fastStart channels (Setup's destCallSignalAddress and
    /// sourceCallSignalAddress matter only to NAT).
    /// </summary>
    private static int ProcessUuie(HelperCall call, ReadOnlySpan<byte> data, uint[] m, int uuie, uint h245Option, int h245Address, uint fastStartOption, int fastStart)
    {
        if ((m[uuie] & h245Option) != 0 && ExpectH245(call, data, m, uuie + h245Address) < 0) return -1;
        if ((m[uuie] & fastStartOption) != 0 && ProcessFastStart(call, data, m, uuie + fastStart) < 0) return -1;
        return 0;
    }

    /// <summary>process_facility: a forwarded call (callForwarded with an alternativeAddress), else the h245Address and fastStart.</summary>
    private static int ProcessFacility(HelperCall call, ReadOnlySpan<byte> data, uint[] m, int facility)
    {
        if (m[facility + Facility_Reason] == eFacilityReason_callForwarded)
        {
            if ((m[facility] & eFacility_UUIE_alternativeAddress) != 0)
                return ExpectCallForwarding(call, data, m, facility + Facility_AlternativeAddress);
            return 0;
        }
        return ProcessUuie(call, data, m, facility, eFacility_UUIE_h245Address, Facility_H245Address, eFacility_UUIE_fastStart, Facility_FastStart);
    }

    /// <summary>process_q931: the message body, then the H.245 messages tunnelled in h245Control.</summary>
    public static int ProcessQ931(HelperCall call, ReadOnlySpan<byte> data, uint[] m)
    {
        var body = Q931_Body;
        var ret = m[body] switch
        {
            eH323_UU_PDU_h323_message_body_setup => ProcessUuie(call, data, m, body + Body_Setup,
                eSetup_UUIE_h245Address, Setup_H245Address, eSetup_UUIE_fastStart, Setup_FastStart),
            eH323_UU_PDU_h323_message_body_callProceeding => ProcessUuie(call, data, m, body + Body_CallProceeding,
                eCallProceeding_UUIE_h245Address, CallProceeding_H245Address, eCallProceeding_UUIE_fastStart, CallProceeding_FastStart),
            eH323_UU_PDU_h323_message_body_connect => ProcessUuie(call, data, m, body + Body_Connect,
                eConnect_UUIE_h245Address, Connect_H245Address, eConnect_UUIE_fastStart, Connect_FastStart),
            eH323_UU_PDU_h323_message_body_alerting => ProcessUuie(call, data, m, body + Body_Alerting,
                eAlerting_UUIE_h245Address, Alerting_H245Address, eAlerting_UUIE_fastStart, Alerting_FastStart),
            eH323_UU_PDU_h323_message_body_facility => ProcessFacility(call, data, m, body + Body_Facility),
            eH323_UU_PDU_h323_message_body_progress => ProcessUuie(call, data, m, body + Body_Progress,
                eProgress_UUIE_h245Address, Progress_H245Address, eProgress_UUIE_fastStart, Progress_FastStart),
            _ => 0,
        };
        if (ret < 0) return -1;
        if ((m[Q931_PduOptions] & eH323_UU_PDU_h245Control) != 0)
        {
            var count = (int)Math.Min(m[Q931_H245Control], 4);
            for (var i = 0; i < count; i++)
                if (ProcessH245(call, data, m, Q931_H245Control + H245Control_Item + i * MscmSize) < 0) return -1;
        }
        return 0;
    }

    /// <summary>q931_help and h245_help: each TPKT of an established connection's segment, decoded and processed; a decoding error ends the loop, a failed expectation drops.</summary>
    public static HelperVerdict HelpTpkt(HelperCall call, ReadOnlySpan<byte> l4, bool q931)
    {
        // Until there's been traffic both ways, don't look in packets.
        if (call.Info is not (CtInfo.Established or CtInfo.EstablishedReply)) return HelperVerdict.Accept;
        var info = Master(call);
        int dataOff = -1, dataLen = 0;
        // Process each TPKT
        while (GetTpktData(l4, info, call.Direction, ref dataOff, ref dataLen))
        {
            var data = TcpData(l4)[dataOff..];
            if (q931)
            {
                var m = Q931Buffer;
                // Decode Q.931 signal; we don't drop when decoding error
                if (H323Asn1.DecodeQ931(data, dataLen, m) < 0) break;
                if (ProcessQ931(call, data, m) < 0)
                {
                    call.Log("cannot process Q.931 message");
                    return HelperVerdict.Drop;
                }
            }
            else
            {
                var m = MscmBuffer;
                // Decode H.245 signal; we don't drop when decoding error
                if (H323Asn1.DecodeMultimediaSystemControlMessage(data, dataLen, m) < 0) break;
                if (ProcessH245(call, data, m, 0) < 0)
                {
                    call.Log("cannot process H.245 message");
                    return HelperVerdict.Drop;
                }
            }
        }
        return HelperVerdict.Accept;
    }

    // ---- RAS ----

    /// <summary>
    /// find_expect: this connection's expectation for TCP to addr:port from a zero source address
    /// and port, so only one from any source (gkrouted_only=0) is found, not the gatekeeper-only
    /// one. (The kernel leaves the lookup tuple's family uninitialised; on 6.18 it holds the
    /// connection's family, and an RCF does reach an any-source registration, IPv4 and IPv6.)
    /// </summary>
    private static Expectation? FindExpect(HelperCall call, UInt128 addr, ushort port)
    {
        var tuple = new QuotedTuple { Family = call.Family, Protocol = (byte)CtProtocol.Tcp, Source = 0, SourceId = 0, Destination = addr, DestinationId = port };
        var exp = call.FindExpectation(tuple);
        return exp is not null && call.Expectations.Contains(exp) ? exp : null;
    }

    /// <summary>
    /// expect_q931: the first call signalling address of the sender's own registers it: TCP to it
    /// from the gatekeeper (or from anywhere when gkrouted_only is 0), permanent (it accepts
    /// multiple calls), with the Q.931 helper; its port is kept for the RCF.
    /// </summary>
    private static int ExpectQ931(HelperCall call, ReadOnlySpan<byte> data, uint[] m, int list)
    {
        var info = Master(call);
        var dir = call.Direction;
        var count = (int)Math.Min(m[list], 10);
        UInt128 addr = 0;
        ushort port = 0;
        // Look for the first related address
        var i = 0;
        for (; i < count; i++)
            if (GetH225Addr(call, data, m, list + AddressList_Item + i * TransportAddressSize, out addr, out port)
                && addr == call.Tuple(dir).Source && port != 0) break;
        if (i >= count) return 0; // Not found
        var other = call.Tuple(1 - dir);
        var exp = call.NewExpectation(0, call.Family, call.Option("gkrouted_only") != 0 ? other.Source : null, other.Destination, CtProtocol.Tcp, null, port);
        exp.AssignHelper = HelperQ931;
        exp.Flags = CtExpectationFlags.Permanent; // Accept multiple calls
        if (call.ExpectRelated(exp) != ExpectResult.Added) return -1;
        // Save port for looking up expect in processing RCF
        info.SigPort[dir] = port;
        return 0;
    }

    /// <summary>process_gcf: a gatekeeper that takes registrations on another RAS address than the discovery one is expected there (UDP, RAS helper); never from an expected connection, which avoids loops.</summary>
    private static int ProcessGcf(HelperCall call, ReadOnlySpan<byte> data, uint[] m, int gcf)
    {
        var dir = call.Direction;
        if (!GetH225Addr(call, data, m, gcf + Gcf_RasAddress, out var addr, out var port)) return 0;
        // Registration port is the same as discovery port
        var own = call.Tuple(dir);
        if (addr == own.Source && port == own.SourceId) return 0;
        // Avoid RAS expectation loops. A GCF is never expected.
        if ((call.Status & CtStatus.Expected) != 0) return 0;
        var exp = call.NewExpectation(0, call.Family, call.Tuple(1 - dir).Source, addr, CtProtocol.Udp, null, port);
        exp.AssignHelper = HelperRas;
        return call.ExpectRelated(exp) == ExpectResult.Added ? 0 : -1;
    }

    /// <summary>process_rrq: expect calls to the registered address; remember the time to live (default_rrq_ttl when there is none).</summary>
    private static int ProcessRrq(HelperCall call, ReadOnlySpan<byte> data, uint[] m, int rrq)
    {
        if (ExpectQ931(call, data, m, rrq + Rrq_CallSignalAddress) < 0) return -1;
        var info = Master(call);
        if ((m[rrq] & eRegistrationRequest_timeToLive) != 0) info.Timeout = m[rrq + Rrq_TimeToLive];
        else info.Timeout = (uint)call.Option("default_rrq_ttl");
        return 0;
    }

    /// <summary>
    /// process_rcf: the confirmed time to live (the RCF's, else the RRQ's) becomes the RAS
    /// connection's timeout and, when the registration's expectation is found, its timeout too.
    /// </summary>
    private static int ProcessRcf(HelperCall call, ReadOnlySpan<byte> data, uint[] m, int rcf)
    {
        var info = Master(call);
        var dir = call.Direction;
        if ((m[rcf] & eRegistrationConfirm_timeToLive) != 0) info.Timeout = m[rcf + Rcf_TimeToLive];
        if (info.Timeout > 0)
        {
            // set RAS connection timeout (nf_ct_refresh, timeout * HZ)
            call.Refresh(info.Timeout);
            // Set expect timeout (mod_timer_pending)
            var exp = FindExpect(call, call.Tuple(dir).Destination, info.SigPort[1 - dir]);
            if (exp is not null) call.SetExpectationTimeout(exp, info.Timeout);
        }
        return 0;
    }

    /// <summary>process_urq: unregistration clears the connection's expectations and gives it 30 seconds for the UCF or URJ.</summary>
    private static int ProcessUrq(HelperCall call)
    {
        var info = Master(call);
        // Clear old expect (nf_ct_remove_expectations: newest first)
        while (call.Expectations.Count > 0)
            if (!call.RemoveExpectation(call.Expectations[0])) break;
        info.SigPort[0] = 0;
        info.SigPort[1] = 0;
        // Give it 30 seconds for UCF or URJ
        call.Refresh(30);
        return 0;
    }

    /// <summary>process_acf: an admission to call an address other than the receiver's expects that call (TCP from the caller, permanent, Q.931 helper).</summary>
    private static int ProcessAcf(HelperCall call, ReadOnlySpan<byte> data, uint[] m, int acf)
    {
        var dir = call.Direction;
        if (!GetH225Addr(call, data, m, acf + Acf_DestCallSignalAddress, out var addr, out var port)) return 0;
        // Answering ACF (only NAT has work there)
        if (addr == call.Tuple(dir).Destination) return 0;
        // Need new expect
        var exp = call.NewExpectation(0, call.Family, call.Tuple(1 - dir).Source, addr, CtProtocol.Tcp, null, port);
        exp.Flags = CtExpectationFlags.Permanent;
        exp.AssignHelper = HelperQ931;
        return call.ExpectRelated(exp) == ExpectResult.Added ? 0 : -1;
    }

    /// <summary>process_lcf: the located endpoint's call signalling address is expected (TCP from the requester, permanent, Q.931 helper); its rasAddress is ignored.</summary>
    private static int ProcessLcf(HelperCall call, ReadOnlySpan<byte> data, uint[] m, int lcf)
    {
        var dir = call.Direction;
        if (!GetH225Addr(call, data, m, lcf + Lcf_CallSignalAddress, out var addr, out var port)) return 0;
        // Need new expect for call signal
        var exp = call.NewExpectation(0, call.Family, call.Tuple(1 - dir).Source, addr, CtProtocol.Tcp, null, port);
        exp.Flags = CtExpectationFlags.Permanent;
        exp.AssignHelper = HelperQ931;
        return call.ExpectRelated(exp) == ExpectResult.Added ? 0 : -1;
    }

    /// <summary>
    /// process_ras: GCF, RRQ, RCF, URQ, ACF and LCF; GRQ, ARQ, LRQ and IRR only matter to NAT,
    /// the other messages to nobody.
    /// </summary>
    public static int ProcessRas(HelperCall call, ReadOnlySpan<byte> data, uint[] m) => m[0] switch
    {
        eRasMessage_gatekeeperConfirm => ProcessGcf(call, data, m, Ras_Body),
        eRasMessage_registrationRequest => ProcessRrq(call, data, m, Ras_Body),
        eRasMessage_registrationConfirm => ProcessRcf(call, data, m, Ras_Body),
        eRasMessage_unregistrationRequest => ProcessUrq(call),
        eRasMessage_admissionConfirm => ProcessAcf(call, data, m, Ras_Body),
        eRasMessage_locationConfirm => ProcessLcf(call, data, m, Ras_Body),
        _ => 0, // gatekeeperRequest, admissionRequest, locationRequest, infoRequestResponse: NAT only
    };
}

/// <summary>
/// The "Q.931" helper of nf_conntrack_h323: the call signalling connection (TCP 1720, IPv4 and
/// IPv6). Each TPKT of an established connection is a Q.931 message whose user-user element holds
/// the H.225 UUIE: an h245Address of the sender's expects the H.245 connection (which gets the
/// "H.245" helper), fastStart channels and tunnelled H.245 messages expect RTP/RTCP and T.120,
/// and a Facility forwarding the call expects the second call leg.
/// </summary>
internal sealed class Q931Helper : ConntrackHelper
{
    public override string Name => "Q.931";
    public override CtProtocol Protocol => CtProtocol.Tcp;
    public override string Module => H323.Module;
    public override IReadOnlyList<ushort> Ports { get; } = [H323.Q931Port];

    /// <summary>q931_exp_policy: T.120 and H.245.</summary>
    public override IReadOnlyList<ExpectPolicy> Policies { get; } = [new("Q.931", H323.RtpChannelMax * 4 + 4, 240)];

    public override IReadOnlyList<HelperOption> Options => H323.Options;

    public override IReadOnlyList<CtExpectationShape> Shapes => _shapes ??=
    [
        Shape("H.245 control connection", CtProtocol.Tcp, CtFieldOrigin.Fixed, CtFieldOrigin.Any, CtFieldOrigin.Fixed, CtFieldOrigin.InCommand),
        Shape("RTP/RTCP media (fastStart, tunnelled H.245)", CtProtocol.Udp, CtFieldOrigin.Fixed, CtFieldOrigin.Any, CtFieldOrigin.Fixed, CtFieldOrigin.InCommand),
        Shape("T.120 data (fastStart, tunnelled H.245)", CtProtocol.Tcp, CtFieldOrigin.Fixed, CtFieldOrigin.Any, CtFieldOrigin.Fixed, CtFieldOrigin.InCommand),
        Shape("forwarded call (Facility callForwarded)", CtProtocol.Tcp, CtFieldOrigin.Fixed, CtFieldOrigin.Any, CtFieldOrigin.InCommand, CtFieldOrigin.InCommand),
    ];
    private CtExpectationShape[]? _shapes;

    /// <summary>q931_help.</summary>
    public override HelperVerdict Help(HelperCall call, ReadOnlySpan<byte> l4) => H323.HelpTpkt(call, l4, q931: true);
}

/// <summary>
/// The "H.245" helper of nf_conntrack_h323: never assigned by port or rule (the kernel registers it
/// for family AF_UNSPEC, protocol UDP, port 0, so no lookup finds it); a call's H.245 connection
/// gets it from its expectation. OpenLogicalChannel and OpenLogicalChannelAck messages expect RTP
/// and RTCP (UDP) and T.120 (TCP) to the sender's own addresses.
/// </summary>
internal sealed class H245Helper : ConntrackHelper
{
    public override string Name => "H.245";

    /// <summary>tuple.dst.protonum = IPPROTO_UDP, as the kernel declares it (it tracks TCP connections all the same).</summary>
    public override CtProtocol Protocol => CtProtocol.Udp;
    public override string Module => H323.Module;
    public override IReadOnlyList<ushort> Ports { get; } = [];
    public override bool AutoAssign => false;

    /// <summary>h245_exp_policy: RTP and RTCP of each channel, T.120.</summary>
    public override IReadOnlyList<ExpectPolicy> Policies { get; } = [new("H.245", H323.RtpChannelMax * 4 + 2, 240)];

    public override IReadOnlyList<HelperOption> Options => H323.Options;

    public override IReadOnlyList<CtExpectationShape> Shapes => _shapes ??=
    [
        Shape("RTP/RTCP media (OpenLogicalChannel, OpenLogicalChannelAck)", CtProtocol.Udp, CtFieldOrigin.Fixed, CtFieldOrigin.Any, CtFieldOrigin.Fixed, CtFieldOrigin.InCommand),
        Shape("T.120 data (separateStack)", CtProtocol.Tcp, CtFieldOrigin.Fixed, CtFieldOrigin.Any, CtFieldOrigin.Fixed, CtFieldOrigin.InCommand),
    ];
    private CtExpectationShape[]? _shapes;

    /// <summary>h245_help.</summary>
    public override HelperVerdict Help(HelperCall call, ReadOnlySpan<byte> l4) => H323.HelpTpkt(call, l4, q931: false);
}

/// <summary>
/// The "RAS" helper of nf_conntrack_h323: gatekeeper registration, admission and location (UDP
/// 1719, IPv4 and IPv6), every datagram from the first. A RRQ expects calls to the endpoint, an
/// ACF or LCF a call to the address it gives, a GCF naming another RAS address the registration
/// there; the registration's time to live becomes the connection's timeout, and a URQ drops the
/// connection's expectations.
/// </summary>
internal sealed class RasHelper : ConntrackHelper
{
    public override string Name => "RAS";
    public override CtProtocol Protocol => CtProtocol.Udp;
    public override string Module => H323.Module;
    public override IReadOnlyList<ushort> Ports { get; } = [H323.RasPort];

    /// <summary>ras_exp_policy.</summary>
    public override IReadOnlyList<ExpectPolicy> Policies { get; } = [new("RAS", 32, 240)];

    public override IReadOnlyList<HelperOption> Options => H323.Options;

    public override IReadOnlyList<CtExpectationShape> Shapes => _shapes ??=
    [
        Shape("calls to a registered endpoint (RRQ)", CtProtocol.Tcp, CtFieldOrigin.Fixed, CtFieldOrigin.Any, CtFieldOrigin.Fixed, CtFieldOrigin.InCommand, "gkrouted_only=1"),
        Shape("calls to a registered endpoint (RRQ)", CtProtocol.Tcp, CtFieldOrigin.Any, CtFieldOrigin.Any, CtFieldOrigin.Fixed, CtFieldOrigin.InCommand, "gkrouted_only=0"),
        Shape("RAS to the gatekeeper's registration address (GCF)", CtProtocol.Udp, CtFieldOrigin.Fixed, CtFieldOrigin.Any, CtFieldOrigin.InCommand, CtFieldOrigin.InCommand),
        Shape("admitted call (ACF)", CtProtocol.Tcp, CtFieldOrigin.Fixed, CtFieldOrigin.Any, CtFieldOrigin.InCommand, CtFieldOrigin.InCommand),
        Shape("located endpoint's call (LCF)", CtProtocol.Tcp, CtFieldOrigin.Fixed, CtFieldOrigin.Any, CtFieldOrigin.InCommand, CtFieldOrigin.InCommand),
    ];
    private CtExpectationShape[]? _shapes;

    /// <summary>ras_help: every datagram (no ctinfo check); a decoding error accepts, a failed expectation drops.</summary>
    public override HelperVerdict Help(HelperCall call, ReadOnlySpan<byte> l4)
    {
        // Get UDP data (get_udp_data: none when the datagram has no payload)
        if (!HelperCall.UdpPayload(l4, out var data) || data.Length == 0) return HelperVerdict.Accept;
        var dataLen = Math.Min(data.Length, H323.H323MaxSize);
        var m = H323.RasBuffer;
        // Decode RAS message
        if (H323Asn1.DecodeRasMessage(data[..dataLen], dataLen, m) < 0) return HelperVerdict.Accept;
        // Process RAS message
        if (H323.ProcessRas(call, data[..dataLen], m) >= 0) return HelperVerdict.Accept;
        call.Log("cannot process RAS message");
        return HelperVerdict.Drop;
    }
}
