namespace ConntrackTools.Engine.Helpers;

/// <summary>
/// nf_conntrack_sip, registered as "sip" for UDP (<see cref="SipUdpHelper"/>) and TCP
/// (<see cref="SipTcpHelper"/>) on port 5060, IPv4 and IPv6. Requests and responses are read as
/// the kernel reads them: INVITE, UPDATE, ACK and PRACK (and their 1xx/2xx answers) carry SDP whose
/// audio, video and image streams are expected as RTP/RTCP pairs (UDP, even port and the next);
/// INVITE and BYE, and an error answer to the INVITE (a CANCEL's 487 included: CANCEL itself is
/// not read), flush those; REGISTER expects the incoming signalling from the registrar (permanent,
/// inactive until a 2xx refreshes it), and a failed or zero-expiry answer flushes it. Every packet
/// with data refreshes the master to sip_timeout. This is the 6.18 stable source, whose numbers
/// are read by the bounded sip_strtouint and sip_parse_port (decimal only, at most 11 digits, no
/// value past 32 bits; a URI port of 1 to 5 digits in 1024..65535) where 6.17 used simple_strtoul.
/// The NAT rewriting of nf_nat_sip is not modelled (the engine does no NAT): connections never
/// carry IPS_NAT_MASK here, so its hooks and the "direct RTP" shortcut never run.
/// </summary>
internal abstract class SipHelper : ConntrackHelper
{
    /// <summary>SIP_PORT.</summary>
    public const ushort SipPort = 5060;

    /// <summary>SIP_TIMEOUT, the sip_timeout default.</summary>
    public const uint SipTimeout = 3600;

    /// <summary>enum sip_expectation_classes.</summary>
    public const int SignallingClass = 0, AudioClass = 1, VideoClass = 2, ImageClass = 3;

    /// <summary>CONFIG_HZ of the kernel the engine stands in for (6.18 as built here): timeouts go through jiffies in 32 bits.</summary>
    private const ulong Hz = 250;

    public override string Name => "sip";
    public override IReadOnlyList<ushort> Ports { get; } = [SipPort];

    /// <summary>sip_exp_policy: signalling 1, audio and video 2 * IP_CT_DIR_MAX, image IP_CT_DIR_MAX; all 3 minutes.</summary>
    public override IReadOnlyList<ExpectPolicy> Policies { get; } =
        [new("signalling", 1, 3 * 60), new("audio", 2 * 2, 3 * 60), new("video", 2 * 2, 3 * 60), new("image", 2, 3 * 60)];

    public override IReadOnlyList<HelperOption> Options { get; } =
    [
        new("sip_timeout", SipTimeout, "Timeout for the master SIP session, in seconds (each SIP packet refreshes it to this)."),
        new("sip_direct_signalling", 1, "Expect incoming calls from the registrar only (else from any address)."),
        new("sip_direct_media", 1, "Expect media streams between the signalling endpoints only (else from any address, to any address in the SDP)."),
        new("sip_external_media", 0, "With sip_direct_media=0: expect no media toward an address routed out the interface the SIP message leaves by (the engine has no routes: it always expects)."),
    ];

    public override IReadOnlyList<CtExpectationShape> Shapes => _shapes ??=
    [
        // REGISTER: the Contact's address must be the sender's; its port is the payload's.
        Shape("signalling", Protocol, CtFieldOrigin.Fixed, CtFieldOrigin.Any, CtFieldOrigin.Fixed, CtFieldOrigin.InCommand, "sip_direct_signalling=1"),
        Shape("signalling", Protocol, CtFieldOrigin.Any, CtFieldOrigin.Any, CtFieldOrigin.Fixed, CtFieldOrigin.InCommand, "sip_direct_signalling=0"),
        // SDP media: with direct media the c= address must be the sender's, else it is anyone's.
        Shape("rtp_rtcp", CtProtocol.Udp, CtFieldOrigin.Fixed, CtFieldOrigin.Any, CtFieldOrigin.Fixed, CtFieldOrigin.InCommand, "sip_direct_media=1"),
        Shape("rtp_rtcp", CtProtocol.Udp, CtFieldOrigin.Any, CtFieldOrigin.Any, CtFieldOrigin.InCommand, CtFieldOrigin.InCommand, "sip_direct_media=0"),
    ];
    private CtExpectationShape[]? _shapes;

    /// <summary>struct nf_ct_sip_master (zeroed with the helper extension).</summary>
    private sealed class State
    {
        public uint RegisterCseq;
        public uint InviteCseq;

        /// <summary>The Via port of a request sent from another port (for nf_nat_sip; kept, not used here).</summary>
        public ushort ForcedDport;
    }

    private static State StateOf(HelperCall call) => call.State as State ?? (State)(call.State = new State());

    private delegate HelperVerdict Request(HelperCall call, SipText text, uint cseq);

    private delegate HelperVerdict Response(HelperCall call, SipText text, uint cseq, uint code);

    private sealed record Handler(byte[] Method, Request? OnRequest, Response? OnResponse);

    /// <summary>sip_handlers, in the kernel's order.</summary>
    private static readonly Handler[] Handlers =
    [
        new("INVITE"u8.ToArray(), ProcessInviteRequest, ProcessInviteResponse),
        new("UPDATE"u8.ToArray(), ProcessSdp, ProcessInviteResponse), // process_update_response is process_invite_response's twin
        new("ACK"u8.ToArray(), ProcessSdp, null),
        new("PRACK"u8.ToArray(), ProcessSdp, ProcessInviteResponse), // process_prack_response, likewise
        new("BYE"u8.ToArray(), ProcessByeRequest, null),
        new("REGISTER"u8.ToArray(), ProcessRegisterRequest, ProcessRegisterResponse),
    ];

    /// <summary>sdp_media_types.</summary>
    private static readonly (byte[] Name, int Class)[] MediaTypes =
        [("audio "u8.ToArray(), AudioClass), ("video "u8.ToArray(), VideoClass), ("image "u8.ToArray(), ImageClass)];

    /// <summary>seconds * HZ as the kernel computes it (unsigned int), back in whole seconds: 3600 stays 3600, 2^32/HZ wraps.</summary>
    private static uint Jiffies(ulong seconds) => (uint)((uint)(seconds * Hz) / Hz);

    /// <summary>nf_ct_refresh(ct, sip_timeout * HZ), as sip_help_udp and sip_help_tcp do for every packet with data.</summary>
    private protected static void RefreshMaster(HelperCall call) => call.Refresh(Jiffies((ulong)call.Option("sip_timeout")));

    /// <summary>process_sip_msg: a response when it starts "SIP/2.0 ", a request otherwise.</summary>
    private protected static HelperVerdict ProcessMessage(HelperCall call, SipText text) =>
        text.CaseEquals(0, "SIP/2.0 "u8) ? ProcessResponse(call, text) : ProcessRequest(call, text);

    /// <summary>The CSeq number: the header must be there and its number fit in 32 bits.</summary>
    private static bool TryCseq(HelperCall call, SipText text, out uint cseq, out int matchoff, out int matchlen)
    {
        cseq = 0;
        if (text.GetHeader(0, SipHeader.CSeq, out matchoff, out matchlen) <= 0)
        {
            call.Log("cannot parse cseq");
            return false;
        }
        cseq = text.Strtouint(matchoff, (uint)(text.Length - matchoff), out var end);
        if (end == matchoff)
        {
            call.Log("cannot get cseq");
            return false;
        }
        return true;
    }

    /// <summary>process_sip_response: the status code, the CSeq, and the handler of the CSeq's method.</summary>
    private static HelperVerdict ProcessResponse(HelperCall call, SipText text)
    {
        if (text.Length < "SIP/2.0 200".Length) return HelperVerdict.Accept;
        var code = text.Strtouint("SIP/2.0 ".Length, (uint)(text.Length - "SIP/2.0 ".Length), out _);
        if (code == 0)
        {
            call.Log("cannot get code");
            return HelperVerdict.Drop;
        }
        if (!TryCseq(call, text, out var cseq, out var matchoff, out var matchlen)) return HelperVerdict.Drop;
        var matchend = matchoff + matchlen + 1;
        foreach (var handler in Handlers)
        {
            if (handler.OnResponse is null) continue;
            if (text.Length < matchend + handler.Method.Length || !text.CaseEquals(matchend, handler.Method)) continue;
            return handler.OnResponse(call, text, cseq, code);
        }
        return HelperVerdict.Accept;
    }

    /// <summary>process_sip_request: notes a Via port other than the source port (forced_dport), then the method's handler.</summary>
    private static HelperVerdict ProcessRequest(HelperCall call, SipText text)
    {
        var own = call.Tuple(call.Direction);
        int none = 0, noHeader = 0;
        if (text.ParseHeaderUri(ref none, ref noHeader, false, SipHeader.ViaUdp, out _, out _, out var address, out var port) > 0
            && port != own.SourceId && address == own.Source)
            StateOf(call).ForcedDport = port;

        foreach (var handler in Handlers)
        {
            if (handler.OnRequest is null) continue;
            var len = handler.Method.Length;
            if (text.Length < len + 2 || !text.CaseEquals(0, handler.Method)) continue;
            if (text[len] != ' ' || !SipText.IsAlpha(text[len + 1])) continue;
            if (!TryCseq(call, text, out var cseq, out _, out _)) return HelperVerdict.Drop;
            return handler.OnRequest(call, text, cseq);
        }
        return HelperVerdict.Accept;
    }

    /// <summary>process_invite_request: a new offer replaces the media expected so far.</summary>
    private static HelperVerdict ProcessInviteRequest(HelperCall call, SipText text, uint cseq)
    {
        FlushExpectations(call, media: true);
        var verdict = ProcessSdp(call, text, cseq);
        if (verdict == HelperVerdict.Accept) StateOf(call).InviteCseq = cseq;
        return verdict;
    }

    /// <summary>process_invite_response (and process_update_response, process_prack_response): SDP in 1xx/2xx; an error to the INVITE flushes the media.</summary>
    private static HelperVerdict ProcessInviteResponse(HelperCall call, SipText text, uint cseq, uint code)
    {
        if (code is >= 100 and <= 299) return ProcessSdp(call, text, cseq);
        if (StateOf(call).InviteCseq == cseq) FlushExpectations(call, media: true);
        return HelperVerdict.Accept;
    }

    /// <summary>process_bye_request.</summary>
    private static HelperVerdict ProcessByeRequest(HelperCall call, SipText text, uint cseq)
    {
        FlushExpectations(call, media: true);
        return HelperVerdict.Accept;
    }

    /// <summary>
    /// process_sdp: the session's c= address, then up to three media descriptions of a known type
    /// (m=audio, m=video, m=image; a port of 0 is an inactive stream), each with its own c= or the
    /// session's, expected by set_expected_rtp_rtcp.
    /// </summary>
    private static HelperVerdict ProcessSdp(HelperCall call, SipText text, uint cseq)
    {
        // Find beginning of session description
        if (text.GetSdpHeader(0, SdpHeader.Version, SdpHeader.Unspec, out var sdpoff, out _) <= 0) return HelperVerdict.Accept;

        // The connection information is in the session description and/or once per media
        // description; the first media description ends the session description.
        var haveSessionAddress = text.ParseSdpAddress(sdpoff, SdpHeader.Connection, SdpHeader.Media, out _, out _, out var sessionAddress) > 0;

        var mediaoff = sdpoff;
        for (var i = 0; i < MediaTypes.Length;)
        {
            if (text.GetSdpHeader(mediaoff, SdpHeader.Media, SdpHeader.Unspec, out mediaoff, out var medialen) <= 0) break;
            var type = MediaType(text, mediaoff, medialen);
            if (type < 0)
            {
                mediaoff += medialen;
                continue;
            }
            mediaoff += MediaTypes[type].Name.Length;

            var port = text.Strtouint(mediaoff, (uint)(text.Length - mediaoff), out var end);
            if (port == 0 || end == mediaoff) continue;
            if (port is < 1024 or > 65535)
            {
                call.Log($"wrong port {port}");
                return HelperVerdict.Drop;
            }

            // The media description overrides the session description.
            UInt128 address;
            if (text.ParseSdpAddress(mediaoff, SdpHeader.Connection, SdpHeader.Media, out _, out _, out var mediaAddress) > 0) address = mediaAddress;
            else if (haveSessionAddress) address = sessionAddress;
            else
            {
                call.Log("cannot parse SDP message");
                return HelperVerdict.Drop;
            }

            var verdict = SetExpectedRtpRtcp(call, address, (ushort)port, MediaTypes[type].Class);
            if (verdict != HelperVerdict.Accept)
            {
                call.Log("cannot add expectation for voice");
                return verdict;
            }
            i++;
        }
        return HelperVerdict.Accept;
    }

    /// <summary>sdp_media_type: "audio ", "video " or "image " (exact case) at the start of the m= value; -1 for another.</summary>
    private static int MediaType(SipText text, int matchoff, int matchlen)
    {
        for (var i = 0; i < MediaTypes.Length; i++)
        {
            var name = MediaTypes[i].Name;
            if (matchlen < name.Length) continue;
            var same = true;
            for (var k = 0; k < name.Length && same; k++) same = text[matchoff + k] == name[k];
            if (same) return i;
        }
        return -1;
    }

    /// <summary>
    /// set_expected_rtp_rtcp: UDP to the SDP's address, port rounded down to even (RTP) and the next
    /// (RTCP), from the other endpoint with sip_direct_media (which also requires the address to be
    /// the sender's: another one is silently not expected), from anyone without it. Not expected
    /// either when another connection of the same helper already expects the same stream in the
    /// same class (the same call seen by several endpoints). An expectation that exists already
    /// (-EALREADY) counts as made; any other failure drops the packet.
    /// </summary>
    private static HelperVerdict SetExpectedRtpRtcp(HelperCall call, UInt128 address, ushort port, int expectClass)
    {
        var dir = call.Direction;
        UInt128? source = null;
        if (call.Option("sip_direct_media") != 0)
        {
            if (address != call.Tuple(dir).Source) return HelperVerdict.Accept;
            source = call.Tuple(1 - dir).Source;
        }
        // else if (sip_external_media): the kernel skips the streams whose address is routed out the
        // device this SIP packet leaves by. The engine knows no routes: the lookup finds none, and
        // the kernel then expects, as here.

        var tuple = new QuotedTuple
        {
            Family = call.Family, Protocol = (byte)CtProtocol.Udp, Source = source ?? 0, Destination = address, DestinationId = port,
        };
        // __nf_ct_expect_find; without NAT the kernel's loop ends at its first look.
        if (call.FindExpectation(tuple) is { } other && other.MasterIndex != call.FlowIndex && other.MasterHelper == call.Helper && other.Class == expectClass)
            return HelperVerdict.Accept;

        var rtpPort = (ushort)(port & ~1);
        var rtp = call.NewExpectation(expectClass, call.Family, source, address, CtProtocol.Udp, null, rtpPort);
        var rtcp = call.NewExpectation(expectClass, call.Family, source, address, CtProtocol.Udp, null, (ushort)(rtpPort + 1));
        var rtpResult = call.ExpectRelated(rtp, skipMaster: true);
        if (rtpResult is ExpectResult.Added or ExpectResult.AlreadyExists)
        {
            var rtcpResult = call.ExpectRelated(rtcp, skipMaster: true);
            if (rtcpResult is ExpectResult.Added or ExpectResult.AlreadyExists) return HelperVerdict.Accept;
            if (rtpResult == ExpectResult.Added) call.RemoveExpectation(rtp); // nf_ct_unexpect_related
        }
        return HelperVerdict.Drop;
    }

    /// <summary>
    /// flush_expectations: every media expectation of this connection (<paramref name="media"/>),
    /// or the newest signalling one.
    /// </summary>
    private static void FlushExpectations(HelperCall call, bool media)
    {
        var list = call.Expectations; // newest first; a removal takes the entry out of it
        for (var i = 0; i < list.Count;)
        {
            var exp = list[i];
            if ((exp.Class != SignallingClass) != media || !call.RemoveExpectation(exp))
            {
                i++;
                continue;
            }
            if (!media) break;
        }
    }

    /// <summary>refresh_signalling_expectation: the registration's expectation lives <paramref name="expires"/> more seconds, now active.</summary>
    private static bool RefreshSignallingExpectation(HelperCall call, UInt128 address, CtProtocol protocol, ushort port, uint expires)
    {
        foreach (var exp in call.Expectations)
        {
            if (exp.Class != SignallingClass || exp.Destination != address || exp.Protocol != protocol || exp.DestinationPort != port) continue;
            call.SetExpectationTimeout(exp, Jiffies(expires));
            exp.Flags &= ~CtExpectationFlags.Inactive;
            return true;
        }
        return false;
    }

    /// <summary>
    /// process_register_request: expects the registrar's incoming signalling to the Contact's
    /// address and port (the sender's own address only: no third-party registrations), from the
    /// registrar with sip_direct_signalling; permanent and inactive until the registrar's 2xx. An
    /// expiry of 0 (Expires: header, or the Contact's expires=) releases the binding: nothing is expected.
    /// </summary>
    private static HelperVerdict ProcessRegisterRequest(HelperCall call, SipText text, uint cseq)
    {
        // Expected connections can not register again.
        if ((call.Status & CtStatus.Expected) != 0) return HelperVerdict.Accept;
        var dir = call.Direction;
        uint expires = 0;
        if (text.GetHeader(0, SipHeader.Expires, out var matchoff, out _) > 0) expires = text.Strtouint(matchoff, (uint)(text.Length - matchoff), out _);

        int none = 0, noHeader = 0;
        var ret = text.ParseHeaderUri(ref none, ref noHeader, false, SipHeader.Contact, out matchoff, out var matchlen, out var address, out var port);
        if (ret < 0)
        {
            call.Log("cannot parse contact");
            return HelperVerdict.Drop;
        }
        if (ret == 0) return HelperVerdict.Accept;

        // We don't support third-party registrations
        if (call.Tuple(dir).Source != address) return HelperVerdict.Accept;
        if (!text.ParseTransport(matchoff + matchlen, call.Helper.Protocol, out var protocol)) return HelperVerdict.Accept;
        if (text.ParseNumericalParam(matchoff + matchlen, "expires="u8, ref expires) < 0)
        {
            call.Log("cannot parse expires");
            return HelperVerdict.Drop;
        }
        if (expires != 0)
        {
            UInt128? source = call.Option("sip_direct_signalling") != 0 ? call.Tuple(1 - dir).Source : null;
            var exp = call.NewExpectation(SignallingClass, call.Family, source, address, protocol, null, port);
            // exp->timeout = sip_timeout is overwritten by nf_ct_expect_insert with the policy's 3 minutes.
            exp.AssignHelper = call.Helper;
            exp.Flags = CtExpectationFlags.Permanent | CtExpectationFlags.Inactive;
            if (call.ExpectRelated(exp) != ExpectResult.Added)
            {
                call.Log("cannot add expectation");
                return HelperVerdict.Drop;
            }
        }
        StateOf(call).RegisterCseq = cseq;
        return HelperVerdict.Accept;
    }

    /// <summary>
    /// process_register_response: for the last REGISTER only (late answers to older ones are
    /// ignored), a 2xx whose Contact (the registering UA's address and transport) has a nonzero
    /// expiry refreshes the expectation for that long and activates it; any other final answer, or
    /// a binding with expiry 0, or none found, removes the newest signalling expectation.
    /// </summary>
    private static HelperVerdict ProcessRegisterResponse(HelperCall call, SipText text, uint cseq, uint code)
    {
        if (StateOf(call).RegisterCseq != cseq) return HelperVerdict.Accept;
        if (code is >= 100 and <= 199) return HelperVerdict.Accept;
        if (code is >= 200 and <= 299)
        {
            var dir = call.Direction;
            uint expires = 0;
            if (text.GetHeader(0, SipHeader.Expires, out var matchoff, out _) > 0) expires = text.Strtouint(matchoff, (uint)(text.Length - matchoff), out _);
            int coff = 0, inContact = 0;
            while (true)
            {
                var contactExpires = expires;
                var ret = text.ParseHeaderUri(ref coff, ref inContact, true, SipHeader.Contact, out matchoff, out var matchlen, out var address, out var port);
                if (ret < 0)
                {
                    call.Log("cannot parse contact");
                    return HelperVerdict.Drop;
                }
                if (ret == 0) break;

                // We don't support third-party registrations
                if (call.Tuple(dir).Destination != address) continue;
                if (!text.ParseTransport(matchoff + matchlen, call.Helper.Protocol, out var protocol)) continue;
                if (text.ParseNumericalParam(matchoff + matchlen, "expires="u8, ref contactExpires) < 0)
                {
                    call.Log("cannot parse expires");
                    return HelperVerdict.Drop;
                }
                if (contactExpires == 0) break;
                if (RefreshSignallingExpectation(call, address, protocol, port, contactExpires)) return HelperVerdict.Accept;
            }
        }
        FlushExpectations(call, media: false);
        return HelperVerdict.Accept;
    }
}

/// <summary>sip over UDP: sip_help_udp, one message per datagram.</summary>
internal sealed class SipUdpHelper : SipHelper
{
    public override CtProtocol Protocol => CtProtocol.Udp;

    /// <summary>sip_help_udp.</summary>
    public override HelperVerdict Help(HelperCall call, ReadOnlySpan<byte> l4)
    {
        // No data?
        if (!HelperCall.UdpPayload(l4, out var data) || data.IsEmpty) return HelperVerdict.Accept;
        RefreshMaster(call);
        if (data.Length < "SIP/2.0 200".Length) return HelperVerdict.Accept;
        return ProcessMessage(call, new SipText(data, data.Length, call.Family));
    }
}

/// <summary>
/// sip over TCP: sip_help_tcp, once the connection is established. A segment is read message by
/// message, each framed by its Content-Length after the blank line; reading stops at the first
/// message without one (or without the blank line, or with a length beyond the segment's), and a
/// message longer than the rest of the segment (continued in the next) is not read at all, nor
/// what follows it.
/// </summary>
internal sealed class SipTcpHelper : SipHelper
{
    public override CtProtocol Protocol => CtProtocol.Tcp;

    /// <summary>sip_help_tcp.</summary>
    public override HelperVerdict Help(HelperCall call, ReadOnlySpan<byte> l4)
    {
        if (call.Info is not (CtInfo.Established or CtInfo.EstablishedReply)) return HelperVerdict.Accept;
        // No data?
        if (!HelperCall.TcpPayload(l4, out var data, out _)) return HelperVerdict.Accept;
        RefreshMaster(call);
        if (data.Length < "SIP/2.0 200".Length) return HelperVerdict.Accept;

        var verdict = HelperVerdict.Accept;
        var datalen = (uint)data.Length;
        while (true)
        {
            var text = new SipText(data, (int)datalen, call.Family);
            if (text.GetHeader(0, SipHeader.ContentLength, out var matchoff, out _) <= 0) break;
            var clen = text.Strtouint(matchoff, datalen - (uint)matchoff, out var end);
            if (end == matchoff) break;
            if (clen > datalen) break;

            var term = false;
            for (; end + 4 <= datalen; end++)
            {
                if (text[end] == '\r' && text[end + 1] == '\n' && text[end + 2] == '\r' && text[end + 3] == '\n')
                {
                    term = true;
                    break;
                }
            }
            if (!term) break;
            var msglen = (uint)end + 4 + clen;
            if (msglen > datalen) return HelperVerdict.Accept;

            verdict = ProcessMessage(call, new SipText(data, (int)msglen, call.Family));
            // process_sip_* functions report why this packet is dropped
            if (verdict != HelperVerdict.Accept) break;
            data = data[(int)msglen..];
            datalen -= msglen;
        }
        return verdict;
    }
}
