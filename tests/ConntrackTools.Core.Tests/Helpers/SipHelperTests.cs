using System.Buffers.Binary;
using System.Text;
using ConntrackTools.Engine;
using ConntrackTools.Engine.Helpers;
using ConntrackTools.Tests.Engine;
using Xunit;

namespace ConntrackTools.Tests.Helpers;

/// <summary>
/// The sip helper on crafted SIP messages: an engine with `ct helper set sip` on port 5060 reads
/// them as nf_conntrack_sip does; its expectations (tuple, mask, class, flags, timeout) and its
/// refusals (drops, with the kernel's log line, or silence) are checked.
/// </summary>
public class SipHelperTests
{
    private const long Second = 1_000_000_000;
    private const string A = "10.0.0.1", B = "10.0.0.2", C = "10.0.0.3";
    private const string A6 = "fd00::1", B6 = "fd00::2";

    /// <summary>An engine that gives UDP and TCP port 5060 the sip helper, fed raw IP packets.</summary>
    private sealed class Sip
    {
        public readonly ConntrackEngine Engine;
        public readonly List<CtExpectationEvent> Events = [];
        private long _now = 1_700_000_000 * Second;

        public Sip(params (string Option, long Value)[] options)
        {
            var settings = new EngineSettings();
            foreach (var (option, value) in options) settings.Set("nf_conntrack_sip." + option, value);
            foreach (var rule in SipScenarios.EngineRules) settings.Rules.Add(EngineRule.Parse(rule));
            Engine = new ConntrackEngine("sip", settings);
            Engine.SubscribeExpectations(Events.Add);
        }

        public void Packet(string src, string dst, byte protocol, byte[] l4)
        {
            _now += Second / 100;
            var ip = src.Contains(':') ? (PacketDotNet.IPPacket)TestFrames.Ipv6(src, dst, protocol, l4) : TestFrames.Ipv4(src, dst, protocol, l4);
            var bytes = ip.Bytes;
            Engine.Process(LinkType.Raw, bytes, bytes.Length, _now);
        }

        public void Udp(string src, string dst, string text, ushort sport = 5060, ushort dport = 5060)
        {
            var payload = Encoding.Latin1.GetBytes(text);
            var l4 = new byte[8 + payload.Length];
            BinaryPrimitives.WriteUInt16BigEndian(l4, sport);
            BinaryPrimitives.WriteUInt16BigEndian(l4.AsSpan(2), dport);
            BinaryPrimitives.WriteUInt16BigEndian(l4.AsSpan(4), (ushort)l4.Length);
            payload.CopyTo(l4, 8);
            Packet(src, dst, 17, l4);
        }

        public void Advance(long seconds)
        {
            _now += seconds * Second;
            Engine.Advance(_now);
        }

        /// <summary>The live expectations, oldest first, as "tuple class=N".</summary>
        public string[] Expected => [.. Engine.SnapshotExpectations().Select(e => $"{e.Tuple} class={e.Class}")];

        public CtExpectation Only => Assert.Single(Engine.SnapshotExpectations());

        public int Created => Events.Count(e => e.Type == CtEventType.New);

        public int Destroyed => Events.Count(e => e.Type == CtEventType.Destroy);

        public string Log => string.Join('\n', Engine.HelperMessages);
    }

    /// <summary>A TCP connection to port 5060, established, then segments of SIP text either way.</summary>
    private sealed class TcpFlow
    {
        private readonly Sip _sip;
        private readonly string _client, _server;
        private uint _clientSeq = 1000, _serverSeq = 5000;

        public TcpFlow(Sip sip, string client, string server)
        {
            _sip = sip;
            _client = client;
            _server = server;
            Segment(false, TcpFlags.Syn, []);
            _clientSeq++;
            Segment(true, TcpFlags.Syn | TcpFlags.Ack, []);
            _serverSeq++;
            Segment(false, TcpFlags.Ack, []);
        }

        public void Send(bool fromServer, string text)
        {
            var payload = Encoding.Latin1.GetBytes(text);
            Segment(fromServer, TcpFlags.Psh | TcpFlags.Ack, payload);
            if (fromServer) _serverSeq += (uint)payload.Length;
            else _clientSeq += (uint)payload.Length;
        }

        private void Segment(bool fromServer, byte flags, byte[] payload)
        {
            var l4 = new byte[20 + payload.Length];
            BinaryPrimitives.WriteUInt16BigEndian(l4, fromServer ? (ushort)5060 : (ushort)40000);
            BinaryPrimitives.WriteUInt16BigEndian(l4.AsSpan(2), fromServer ? (ushort)40000 : (ushort)5060);
            BinaryPrimitives.WriteUInt32BigEndian(l4.AsSpan(4), fromServer ? _serverSeq : _clientSeq);
            BinaryPrimitives.WriteUInt32BigEndian(l4.AsSpan(8), (flags & TcpFlags.Ack) == 0 ? 0 : fromServer ? _clientSeq : _serverSeq);
            l4[12] = 5 << 4;
            l4[13] = flags;
            BinaryPrimitives.WriteUInt16BigEndian(l4.AsSpan(14), 64240);
            payload.CopyTo(l4, 20);
            _sip.Packet(fromServer ? _server : _client, fromServer ? _client : _server, 6, l4);
        }
    }

    private static string Host(string address) => address.Contains(':') ? $"[{address}]" : address;

    private static string Request(string method, string from, string to, int cseq, string body = "", string extra = "",
        string? contact = null, ushort port = 5060, string transport = "UDP") =>
        $"{method} sip:bob@{Host(to)}:5060 SIP/2.0\r\n" +
        $"Via: SIP/2.0/{transport} {Host(from)}:{port};branch=z9hG4bK{cseq}\r\n" +
        $"From: <sip:alice@{Host(from)}>;tag=1\r\nTo: <sip:bob@{Host(to)}>\r\nCall-ID: c1@test\r\nCSeq: {cseq} {method}\r\n" +
        $"{contact ?? $"Contact: <sip:alice@{Host(from)}:{port}>"}\r\n{extra}" +
        (body.Length > 0 ? "Content-Type: application/sdp\r\n" : "") + $"Content-Length: {body.Length}\r\n\r\n{body}";

    private static string Response(string status, int cseq, string method, string body = "", string extra = "") =>
        $"SIP/2.0 {status}\r\nVia: SIP/2.0/UDP {A}:5060;branch=z9hG4bK{cseq}\r\nFrom: <sip:alice@{A}>;tag=1\r\nTo: <sip:bob@{B}>;tag=2\r\n" +
        $"Call-ID: c1@test\r\nCSeq: {cseq} {method}\r\n{extra}" + (body.Length > 0 ? "Content-Type: application/sdp\r\n" : "") +
        $"Content-Length: {body.Length}\r\n\r\n{body}";

    /// <summary>An SDP body: the session's c= for <paramref name="address"/>, then the media lines given.</summary>
    private static string Sdp(string address, params string[] media)
    {
        var ip = address.Contains(':') ? "IP6" : "IP4";
        return $"v=0\r\no=- 1 1 IN {ip} {address}\r\ns=-\r\nc=IN {ip} {address}\r\nt=0 0\r\n" + string.Concat(media.Select(m => m + "\r\n"));
    }

    private static string RegisterContact(string address, ushort port, string parameters = "") => $"Contact: <sip:alice@{Host(address)}:{port}>{parameters}";

    // ---- Media ----

    [Fact]
    public void An_invite_with_audio_and_video_expects_rtp_and_rtcp_from_the_callee()
    {
        var sip = new Sip();
        sip.Udp(A, B, Request("INVITE", A, B, 1, Sdp(A, "m=audio 49170 RTP/AVP 0", "a=rtpmap:0 PCMU/8000", "m=video 51373 RTP/AVP 31")));

        Assert.Equal([$"src={B} dst={A} sport=0 dport=49170 class=1", $"src={B} dst={A} sport=0 dport=49171 class=1",
            $"src={B} dst={A} sport=0 dport=51372 class=2", $"src={B} dst={A} sport=0 dport=51373 class=2"], sip.Expected);
        foreach (var e in sip.Engine.SnapshotExpectations())
        {
            Assert.Equal("src=255.255.255.255 dst=255.255.255.255 sport=0 dport=65535", e.Mask.ToString());
            Assert.Equal($"src={A} dst={B} sport=5060 dport=5060", e.Master.ToString());
            Assert.Equal(180u, e.Timeout);
            Assert.Equal("sip", e.Helper);
            Assert.Equal(CtExpectationFlags.None, e.Flags);
        }
        // Every SIP packet sets the master's timeout to sip_timeout (the UDP tracker's is 30 s).
        var master = Assert.Single(sip.Engine.Snapshot());
        Assert.Equal(3600u, master.Timeout);
        Assert.Equal("sip", master.Helper);
    }

    [Fact]
    public void An_ok_with_sdp_expects_the_callers_media_and_a_media_c_line_overrides_the_sessions()
    {
        var sip = new Sip();
        sip.Udp(A, B, Request("INVITE", A, B, 1));
        sip.Udp(B, A, Response("100 Trying", 1, "INVITE"));
        Assert.Empty(sip.Expected);
        // Session c= is a third party's; the audio's own c= is B's; the video keeps the session's (not B's: not expected).
        var body = $"v=0\r\no=- 1 1 IN IP4 {B}\r\ns=-\r\nc=IN IP4 {C}\r\nt=0 0\r\nm=audio 20000 RTP/AVP 0\r\nc=IN IP4 {B}\r\nm=video 20002 RTP/AVP 31\r\n";
        sip.Udp(B, A, Response("200 OK", 1, "INVITE", body));

        Assert.Equal([$"src={A} dst={B} sport=0 dport=20000 class=1", $"src={A} dst={B} sport=0 dport=20001 class=1"], sip.Expected);
        Assert.Equal(0, sip.Engine.Dropped);
    }

    [Fact]
    public void Image_streams_are_class_3_inactive_streams_and_other_media_are_skipped()
    {
        var sip = new Sip();
        sip.Udp(A, B, Request("INVITE", A, B, 1, Sdp(A, "m=audio 0 RTP/AVP 0", "m=application 9 TCP/TLS/BFCP *", "m=image 49300 udptl t38")));
        Assert.Equal([$"src={B} dst={A} sport=0 dport=49300 class=3", $"src={B} dst={A} sport=0 dport=49301 class=3"], sip.Expected);
    }

    [Fact]
    public void Only_three_media_descriptions_are_read_and_each_class_keeps_its_newest_four()
    {
        var sip = new Sip();
        sip.Udp(A, B, Request("INVITE", A, B, 1, Sdp(A, "m=audio 40000 RTP/AVP 0", "m=audio 40002 RTP/AVP 0", "m=audio 40004 RTP/AVP 0", "m=audio 40006 RTP/AVP 0")));
        // Six made, the two oldest evicted (audio's max_expected is 2 * IP_CT_DIR_MAX); the fourth line is not read.
        Assert.Equal(6, sip.Created);
        Assert.Equal([.. new[] { 40002, 40003, 40004, 40005 }.Select(p => $"src={B} dst={A} sport=0 dport={p} class=1")], sip.Expected);
    }

    [Fact]
    public void Bye_flushes_the_media_expectations_but_not_the_registration()
    {
        var sip = new Sip();
        sip.Udp(A, B, Request("REGISTER", A, B, 1, extra: "Expires: 3600\r\n"));
        sip.Udp(A, B, Request("INVITE", A, B, 2, Sdp(A, "m=audio 49170 RTP/AVP 0")));
        Assert.Equal(3, sip.Expected.Length);
        sip.Udp(B, A, Response("200 OK", 2, "INVITE", Sdp(B, "m=audio 30000 RTP/AVP 0")));
        Assert.Equal(5, sip.Expected.Length);

        sip.Udp(A, B, Request("BYE", A, B, 3));
        Assert.Equal([$"src={B} dst={A} sport=0 dport=5060 class=0"], sip.Expected);
    }

    [Fact]
    public void An_error_to_the_invite_flushes_its_media_an_error_to_another_request_does_not()
    {
        var sip = new Sip();
        sip.Udp(A, B, Request("INVITE", A, B, 7, Sdp(A, "m=audio 49170 RTP/AVP 0")));
        sip.Udp(B, A, Response("481 Call/Transaction Does Not Exist", 6, "INVITE"));
        Assert.Equal(2, sip.Expected.Length);
        // CANCEL itself is not read; the 487 it brings for the INVITE is.
        sip.Udp(A, B, Request("CANCEL", A, B, 7));
        Assert.Equal(2, sip.Expected.Length);
        sip.Udp(B, A, Response("487 Request Terminated", 7, "INVITE"));
        Assert.Empty(sip.Expected);
    }

    [Fact]
    public void A_reinvite_replaces_the_media_and_ack_update_prack_carry_sdp_too()
    {
        var sip = new Sip();
        sip.Udp(A, B, Request("INVITE", A, B, 1, Sdp(A, "m=audio 49170 RTP/AVP 0")));
        sip.Udp(A, B, Request("INVITE", A, B, 2, Sdp(A, "m=audio 49180 RTP/AVP 0")));
        Assert.Equal([$"src={B} dst={A} sport=0 dport=49180 class=1", $"src={B} dst={A} sport=0 dport=49181 class=1"], sip.Expected);
        Assert.Equal(2, sip.Destroyed);

        sip.Udp(A, B, Request("ACK", A, B, 2, Sdp(A, "m=video 49190 RTP/AVP 31")));
        sip.Udp(A, B, Request("UPDATE", A, B, 3, Sdp(A, "m=image 49200 udptl t38")));
        sip.Udp(B, A, Response("200 OK", 3, "UPDATE", Sdp(B, "m=video 30000 RTP/AVP 31")));
        sip.Udp(B, A, Response("183 Session Progress", 4, "PRACK", Sdp(B, "m=audio 30010 RTP/AVP 0")));
        Assert.Equal([.. new[] { "1 49180", "1 49181", "2 49190", "2 49191", "3 49200", "3 49201" }.Select(Mine), .. new[] { "2 30000", "2 30001", "1 30010", "1 30011" }.Select(Theirs)],
            sip.Expected);
        Assert.Equal(2, sip.Destroyed); // none of these flush

        var prack = new Sip();
        prack.Udp(A, B, Request("PRACK", A, B, 4, Sdp(A, "m=audio 49170 RTP/AVP 0")));
        Assert.Equal(2, prack.Expected.Length);

        static string Mine(string classPort) => $"src={B} dst={A} sport=0 dport={classPort[2..]} class={classPort[0]}";
        static string Theirs(string classPort) => $"src={A} dst={B} sport=0 dport={classPort[2..]} class={classPort[0]}";
    }

    [Fact]
    public void The_same_stream_expected_by_another_sip_connection_is_not_expected_again()
    {
        var sip = new Sip();
        sip.Udp(A, B, Request("INVITE", A, B, 1, Sdp(A, "m=audio 49170 RTP/AVP 0")));
        sip.Udp(A, B, Request("INVITE", A, B, 1, Sdp(A, "m=audio 49170 RTP/AVP 0"), port: 5062), sport: 5062);
        Assert.Equal(2, sip.Engine.Snapshot().Count);
        Assert.Equal(2, sip.Created);
        Assert.All(sip.Engine.SnapshotExpectations(), e => Assert.Equal((ushort)5060, e.Master.SourcePort));
    }

    // ---- Options ----

    [Fact]
    public void Direct_media_refuses_a_third_partys_address_silently()
    {
        var sip = new Sip();
        sip.Udp(A, B, Request("INVITE", A, B, 1, Sdp(C, "m=audio 49170 RTP/AVP 0")));
        Assert.Empty(sip.Expected);
        Assert.Equal(0, sip.Engine.Dropped);
        Assert.Single(sip.Engine.Snapshot());
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)] // sip_external_media: the kernel's route lookup; the engine has no routes and expects as without it
    public void Without_direct_media_any_address_is_expected_from_any_source(int externalMedia)
    {
        var sip = new Sip(("sip_direct_media", 0), ("sip_external_media", externalMedia));
        sip.Udp(A, B, Request("INVITE", A, B, 1, Sdp(C, "m=audio 49170 RTP/AVP 0")));
        Assert.Equal(["src=0.0.0.0 dst=10.0.0.3 sport=0 dport=49170 class=1", "src=0.0.0.0 dst=10.0.0.3 sport=0 dport=49171 class=1"], sip.Expected);
        Assert.True(sip.Engine.SnapshotExpectations()[0].WildcardSource);
    }

    [Fact]
    public void Sip_timeout_is_the_masters_timeout()
    {
        var sip = new Sip(("sip_timeout", 120));
        sip.Udp(A, B, "OPTIONS sip:bob@10.0.0.2 SIP/2.0\r\n\r\n");
        Assert.Equal(120u, Assert.Single(sip.Engine.Snapshot()).Timeout);
        // A datagram without data leaves the tracker's timeout; one too short for SIP still refreshes.
        var empty = new Sip(("sip_timeout", 120));
        empty.Udp(A, B, "");
        Assert.Equal(30u, Assert.Single(empty.Engine.Snapshot()).Timeout);
        empty.Udp(A, B, "short");
        Assert.Equal(120u, Assert.Single(empty.Engine.Snapshot()).Timeout);
    }

    // ---- REGISTER ----

    [Fact]
    public void Register_expects_the_registrars_calls_inactive_until_its_ok_refreshes_them()
    {
        var sip = new Sip();
        sip.Udp(A, B, Request("REGISTER", A, B, 5, extra: "Expires: 3600\r\n", contact: RegisterContact(A, 5062)));
        var exp = sip.Only;
        Assert.Equal($"src={B} dst={A} sport=0 dport=5062", exp.Tuple.ToString());
        Assert.Equal("src=255.255.255.255 dst=255.255.255.255 sport=0 dport=65535", exp.Mask.ToString());
        Assert.Equal(0u, exp.Class);
        Assert.Equal(CtExpectationFlags.Permanent | CtExpectationFlags.Inactive, exp.Flags);
        Assert.Equal(180u, exp.Timeout); // the policy's, not sip_timeout

        // Inactive: a call from the registrar now is not expected.
        sip.Udp(B, A, "OPTIONS sip:alice@10.0.0.1 SIP/2.0\r\n\r\n", sport: 5070, dport: 5062);
        Assert.DoesNotContain(sip.Engine.Snapshot(), c => c.Status.HasFlag(CtStatus.Expected));

        // A late answer to another REGISTER changes nothing; the answer to this one activates it for its expires=.
        sip.Udp(B, A, Response("200 OK", 4, "REGISTER", extra: RegisterContact(A, 5062, ";expires=60") + "\r\n"));
        Assert.Equal(CtExpectationFlags.Permanent | CtExpectationFlags.Inactive, sip.Only.Flags);
        sip.Udp(B, A, Response("100 Trying", 5, "REGISTER"));
        Assert.Equal(CtExpectationFlags.Permanent | CtExpectationFlags.Inactive, sip.Only.Flags);
        sip.Udp(B, A, Response("200 OK", 5, "REGISTER", extra: "Expires: 3600\r\n" + RegisterContact(A, 5062, ";expires=60") + "\r\n"));
        Assert.Equal(CtExpectationFlags.Permanent, sip.Only.Flags);
        Assert.Equal(60u, sip.Only.Timeout);
        Assert.Equal(1, sip.Created);

        // Now the registrar's call is expected, gets the sip helper, and the permanent expectation stays.
        sip.Udp(B, A, Request("REGISTER", B, A, 1, extra: "Expires: 3600\r\n", contact: RegisterContact(B, 5070), port: 5071), sport: 5071, dport: 5062);
        var call = sip.Engine.Snapshot().Single(c => c.Original.SourcePort == 5071);
        Assert.True(call.Status.HasFlag(CtStatus.Expected));
        Assert.Equal("sip", call.Helper);
        Assert.Equal($"src={B} dst={A} sport=0 dport=5062", sip.Only.Tuple.ToString()); // and an expected connection does not register
        sip.Advance(61);
        Assert.Empty(sip.Expected);
    }

    [Theory]
    [InlineData("403 Forbidden", "")]
    [InlineData("200 OK", ";expires=0")]
    [InlineData("200 OK", ";expires=60;transport=tcp")] // not this binding: none found
    public void A_failed_or_released_registration_flushes_the_signalling_expectation(string status, string parameters)
    {
        var sip = new Sip();
        sip.Udp(A, B, Request("REGISTER", A, B, 5, extra: "Expires: 3600\r\n"));
        Assert.Single(sip.Expected);
        sip.Udp(B, A, Response(status, 5, "REGISTER", extra: RegisterContact(A, 5060, parameters) + "\r\n"));
        Assert.Empty(sip.Expected);
    }

    [Fact]
    public void A_binding_whose_port_does_not_parse_is_no_binding_and_the_registration_is_flushed()
    {
        var sip = new Sip();
        sip.Udp(A, B, Request("REGISTER", A, B, 5, extra: "Expires: 3600\r\n"));
        sip.Udp(B, A, Response("200 OK", 5, "REGISTER", extra: "Contact: <sip:alice@10.0.0.1:80>;expires=60\r\n"));
        Assert.Empty(sip.Expected);
        Assert.Equal(0, sip.Engine.Dropped);
    }

    [Theory]
    [InlineData("Expires: 0\r\n", "")]
    [InlineData("Expires: 3600\r\n", ";expires=0")]
    [InlineData("", "")] // no expiry at all is 0
    [InlineData("Expires: 3600\r\n", ";transport=tcp")] // not the connection's transport
    [InlineData("Expires: 3600\r\n", ";expires=0x10")] // decimal only (sip_strtouint): 0, then a letter
    public void A_register_that_releases_or_does_not_fit_expects_nothing(string expires, string parameters)
    {
        var sip = new Sip();
        sip.Udp(A, B, Request("REGISTER", A, B, 5, extra: expires, contact: RegisterContact(A, 5060, parameters)));
        Assert.Empty(sip.Expected);
        Assert.Equal(0, sip.Engine.Dropped);
    }

    [Fact]
    public void Third_party_registrations_are_not_expected_and_direct_signalling_off_allows_any_registrar()
    {
        var sip = new Sip();
        sip.Udp(A, B, Request("REGISTER", A, B, 5, extra: "Expires: 3600\r\n", contact: RegisterContact(C, 5060)));
        Assert.Empty(sip.Expected);

        var open = new Sip(("sip_direct_signalling", 0));
        open.Udp(A, B, Request("REGISTER", A, B, 5, extra: "Expires: 3600\r\n", contact: "m: <sip:alice@10.0.0.1>;expires=010"));
        // Compact "m:" Contact, no port (5060).
        Assert.Equal($"src=0.0.0.0 dst={A} sport=0 dport=5060", open.Only.Tuple.ToString());
        open.Udp(B, A, Response("200 OK", 5, "REGISTER", extra: "Contact: <sip:alice@10.0.0.1>;expires=010\r\n"));
        Assert.Equal(10u, open.Only.Timeout); // decimal, leading zero or not
    }

    // ---- Refusals ----

    [Theory]
    [InlineData("SIP/2.0 abc OK\r\nCSeq: 1 INVITE\r\n\r\n", "cannot get code")]
    [InlineData("SIP/2.0 200 OK\r\nCall-ID: x\r\n\r\n", "cannot parse cseq")]
    [InlineData("SIP/2.0 200 OK\r\nCSeq: x INVITE\r\n\r\n", "cannot parse cseq")]
    [InlineData("SIP/2.0 200 OK\r\nCSeq: 1 INVITE\r\n\r\nv=0\r\nc=IN IP4 10.0.0.2\r\nm=audio 80 RTP/AVP 0\r\n", "wrong port 80")]
    [InlineData("SIP/2.0 200 OK\r\nCSeq: 1 INVITE\r\n\r\nv=0\r\nm=audio 20000 RTP/AVP 0\r\n", "cannot parse SDP message")]
    [InlineData("SIP/2.0 200 OK\r\nCSeq: 1 INVITE\r\n\r\nv=0\r\nc=IN IP4 10.0.\r\nm=audio 20000 RTP/AVP 0\r\n", "cannot parse SDP message")]
    [InlineData("SIP/2.0 200 OK\r\nCSeq: 4294967296 INVITE\r\n\r\n", "cannot get cseq")] // above 32 bits
    [InlineData("SIP/2.0 200 OK\r\nCSeq: 1 REGISTER\r\nContact: <sip:alice@10.0.0.1>;expires=soon\r\n\r\n", "cannot parse expires")]
    public void A_malformed_answer_is_dropped_with_the_kernels_reason_and_breaks_nothing(string answer, string reason)
    {
        var sip = new Sip();
        sip.Udp(A, B, Request("INVITE", A, B, 1, Sdp(A, "m=audio 49170 RTP/AVP 0")));
        sip.Udp(A, B, Request("REGISTER", A, B, 1, extra: "Expires: 60\r\n"));
        var before = sip.Expected;
        sip.Udp(B, A, answer);

        Assert.Equal(1, sip.Engine.Dropped);
        Assert.Contains(reason, sip.Log);
        Assert.Equal(before, sip.Expected);
        // The connection goes on: the next message is read as usual.
        sip.Udp(A, B, Request("BYE", A, B, 2));
        Assert.Equal([$"src={B} dst={A} sport=0 dport=5060 class=0"], sip.Expected);
    }

    [Theory]
    [InlineData("INVITE sip:bob@10.0.0.2 SIP/2.0\r\nVia: SIP/2.0/UDP 10.0.0.1:5060\r\n\r\n", "cannot parse cseq")]
    [InlineData("INVITE sip:bob@10.0.0.2 SIP/2.0\r\nCSeq: 000000000001 INVITE\r\n\r\n", "cannot get cseq")] // more than 11 digits
    [InlineData("REGISTER sip:b SIP/2.0\r\nCSeq: 1 REGISTER\r\nContact: <sip:alice@10.0.0.1>;expires=\r\nExpires: 60\r\n\r\n", "cannot parse expires")]
    public void A_malformed_first_request_is_dropped_and_leaves_no_entry(string request, string reason)
    {
        var sip = new Sip();
        sip.Udp(A, B, request);
        Assert.Empty(sip.Engine.Snapshot());
        Assert.Equal(1, sip.Engine.Dropped);
        Assert.Contains(reason, sip.Log);
    }

    [Theory]
    [InlineData("INVITE sip")] // shorter than "SIP/2.0 200"
    [InlineData("INVITEsip:bob@10.0.0.2 SIP/2.0\r\nCSeq: 1 INVITE\r\n\r\nv=0\r\nc=IN IP4 10.0.0.1\r\nm=audio 49170 RTP/AVP 0\r\n")] // no space after the method
    [InlineData("INVITE sip:bob@10.0.0.2 SIP/2.0\r\nCSeq: 1 INVITE\r\n\r\nv=0\r\nc=IN IP4 10.0.0.1\r\n")] // cut before m=
    [InlineData("INVITE sip:bob@10.0.0.2 SIP/2.0\r\nCSeq: 1 INVITE\r\n\r\nv=0\r\nc=IN IP4 10.0.0.1\r\nm=audio")] // cut in m=
    [InlineData("INVITE sip:bob@10.0.0.2 SIP/2.0\r\nCSeq: 1 INVITE\r\n\r\nv=0\r\nc=IN IP4 10.0.0.1\r\nm=Audio 49170 RTP/AVP 0\r\n")] // media types are case-sensitive
    [InlineData("REGISTER sip:b SIP/2.0\r\nCSeq: 1 REGISTER\r\nContact: <sip:alice@not.an.address>\r\nExpires: 60\r\n\r\n")] // no address: no contact
    [InlineData("REGISTER sip:b SIP/2.0\r\nCSeq: 1 REGISTER\r\nContact: <sip:alice@10.0.0.1:80>\r\nExpires: 60\r\n\r\n")] // a port below 1024: no contact
    [InlineData("REGISTER sip:b SIP/2.0\r\nCSeq: 1 REGISTER\r\nContact: <sip:alice@10.0.0.1:099999>\r\nExpires: 60\r\n\r\n")] // six digits: no contact
    [InlineData("REGISTER sip:b SIP/2.0\r\nCSeq: 1 REGISTER\r\nExpires: 60\r\nContact: <sip:alice@10.0.0.1:5062")] // the port runs into the end: no contact
    [InlineData("INVITE sip:bob@10.0.0.2 SIP/2.0\r\nCSeq: 1 INVITE\r\n\r\nv=0\r\nc=IN IP4 10.0.0.1\r\nm=audio 4295007296 RTP/AVP 0\r\n")] // a port beyond 32 bits is 0: inactive
    [InlineData("REGISTER sip:b SIP/2.0\r\nCSeq: 1 REGISTER\r\nContactx: <sip:alice@10.0.0.1>\r\nExpires: 60\r\n\r\n")] // a longer name ends the search
    public void A_truncated_or_unreadable_request_makes_nothing_and_is_not_dropped(string request)
    {
        var sip = new Sip();
        sip.Udp(A, B, request);
        Assert.Empty(sip.Expected);
        Assert.Equal(0, sip.Engine.Dropped);
        Assert.Single(sip.Engine.Snapshot());
    }

    [Fact]
    public void Headers_are_found_in_any_case_with_blanks_and_continuation_lines()
    {
        var sip = new Sip();
        sip.Udp(A, B, "register sip:b SIP/2.0\r\ncseq  :  9 REGISTER\r\nEXPIRES:\r\n  120\r\nCONTACT: \"Al\" \r\n <sip:alice@10.0.0.1:5070>\r\n\r\n");
        Assert.Equal($"src={B} dst={A} sport=0 dport=5070", sip.Only.Tuple.ToString());
        sip.Udp(B, A, "SIP/2.0 200 OK\r\nCSeq: 9 register\r\nm: <sip:x@10.0.0.9>, <sip:alice@10.0.0.1:5070>;expires=30\r\n\r\n");
        Assert.Equal(30u, sip.Only.Timeout);
        Assert.Equal(CtExpectationFlags.Permanent, sip.Only.Flags);
    }

    // ---- TCP ----

    [Fact]
    public void Tcp_reads_each_message_of_a_segment_by_its_content_length_and_skips_partial_ones()
    {
        var sip = new Sip();
        var tcp = new TcpFlow(sip, A, B);
        tcp.Send(false, Request("INVITE", A, B, 1, Sdp(A, "m=audio 49170 RTP/AVP 0"), transport: "TCP"));
        Assert.Equal(2, sip.Expected.Length);

        // Two messages in one segment: the second one's SDP is read.
        tcp.Send(true, Response("180 Ringing", 1, "INVITE") + Response("200 OK", 1, "INVITE", Sdp(B, "m=audio 30000 RTP/AVP 0")));
        Assert.Equal(4, sip.Expected.Length);

        // A message cut in two: neither part is read (no flush, no new media).
        var reinvite = Request("INVITE", A, B, 2, Sdp(A, "m=audio 49180 RTP/AVP 0"), transport: "TCP");
        tcp.Send(false, reinvite[..^20]);
        tcp.Send(false, reinvite[^20..]);
        Assert.Equal(4, sip.Expected.Length);
        Assert.Equal(4, sip.Created);

        // Without Content-Length nothing is read, nor with one longer than the segment; with the compact "l:" it is.
        tcp.Send(false, "BYE sip:bob@10.0.0.2 SIP/2.0\r\nCSeq: 3 BYE\r\n\r\n");
        tcp.Send(false, "BYE sip:bob@10.0.0.2 SIP/2.0\r\nCSeq: 3 BYE\r\nContent-Length: 4294967200\r\n\r\n");
        Assert.Equal(4, sip.Expected.Length);
        tcp.Send(false, "BYE sip:bob@10.0.0.2 SIP/2.0\r\nCSeq: 3 BYE\r\nl: 0\r\n\r\n");
        Assert.Empty(sip.Expected);
        Assert.Equal(0, sip.Engine.Dropped);
        Assert.Equal(3600u, Assert.Single(sip.Engine.Snapshot()).Timeout);
    }

    [Fact]
    public void Tcp_stops_at_the_first_dropped_message_of_a_segment()
    {
        var sip = new Sip();
        var tcp = new TcpFlow(sip, A, B);
        tcp.Send(false, "INVITE sip:bob@10.0.0.2 SIP/2.0\r\nContent-Length: 0\r\n\r\n" + Request("INVITE", A, B, 1, Sdp(A, "m=audio 49170 RTP/AVP 0")));
        Assert.Equal(1, sip.Engine.Dropped);
        Assert.Contains("cannot parse cseq", sip.Log);
        Assert.Empty(sip.Expected);
        // A REGISTER over TCP expects TCP.
        tcp.Send(false, Request("REGISTER", A, B, 2, extra: "Expires: 60\r\n", contact: RegisterContact(A, 5060, ";transport=TCP"), transport: "TCP"));
        Assert.Equal(CtProtocol.Tcp, sip.Only.Protocol);
    }

    // ---- IPv6 ----

    [Fact]
    public void Ipv6_reads_ip6_sdp_and_bracketed_uris()
    {
        var sip = new Sip();
        sip.Udp(A6, B6, Request("INVITE", A6, B6, 1, Sdp(A6, "m=audio 49170 RTP/AVP 0")));
        Assert.Equal([$"src={B6} dst={A6} sport=0 dport=49170 class=1", $"src={B6} dst={A6} sport=0 dport=49171 class=1"], sip.Expected);
        Assert.Equal("src=ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff dst=ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff sport=0 dport=65535",
            sip.Engine.SnapshotExpectations()[0].Mask.ToString());
        sip.Udp(A6, B6, Request("BYE", A6, B6, 2));

        // A Contact address must be in brackets; in them, any form in6_pton takes (here with an IPv4 tail).
        sip.Udp(A6, B6, Request("REGISTER", A6, B6, 3, extra: "Expires: 60\r\n", contact: "Contact: <sip:alice@fd00::1:5062>"));
        Assert.Empty(sip.Expected);
        sip.Udp(A6, B6, Request("REGISTER", A6, B6, 4, extra: "Expires: 60\r\n", contact: "Contact: <sip:alice@[fd00:0::0.0.0.1]:5062>"));
        Assert.Equal($"src={B6} dst={A6} sport=0 dport=5062", sip.Only.Tuple.ToString());
    }

    // ---- The helper's description ----

    [Fact]
    public void Sip_is_registered_for_udp_and_tcp_with_the_kernels_policies_options_and_shapes()
    {
        foreach (var protocol in new[] { CtProtocol.Udp, CtProtocol.Tcp })
        {
            var helper = HelperRegistry.Find("sip", protocol);
            Assert.NotNull(helper);
            Assert.Same(helper, HelperRegistry.ByPort(CtFamily.IPv6, protocol, 5060));
            var d = helper.Describe();
            Assert.Equal(new ushort[] { 5060 }, d.Ports);
            Assert.Equal(["signalling: max 1, 180s", "audio: max 4, 180s", "video: max 4, 180s", "image: max 2, 180s"], d.Policies.Select(p => p.ToString()));
            Assert.Equal(["sip_direct_media=1", "sip_direct_signalling=1", "sip_external_media=0", "sip_timeout=3600"], d.Options.Select(o => $"{o.Key}={o.Value}"));
            Assert.Equal(
            [
                $"sip signalling: src Fixed:Any dst Fixed:InCommand (sip_direct_signalling=1)",
                $"sip signalling: src Any:Any dst Fixed:InCommand (sip_direct_signalling=0)",
                $"sip rtp_rtcp: src Fixed:Any dst Fixed:InCommand (sip_direct_media=1)",
                $"sip rtp_rtcp: src Any:Any dst InCommand:InCommand (sip_direct_media=0)",
            ], d.Expectations.Select(s => s.ToString()));
            Assert.Equal([protocol, protocol, CtProtocol.Udp, CtProtocol.Udp], d.Expectations.Select(s => s.Protocol));
        }
    }
}
