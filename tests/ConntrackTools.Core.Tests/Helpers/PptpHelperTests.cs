using System.Net;
using ConntrackTools.Engine;
using ConntrackTools.Engine.Helpers;
using Xunit;
using static ConntrackTools.Tests.Helpers.PptpPackets;

namespace ConntrackTools.Tests.Helpers;

/// <summary>The pptp helper (nf_conntrack_pptp.c) in the engine, on crafted control connections and GRE.</summary>
public class PptpHelperTests
{
    private const ushort Pns = 0x1111, Pac = 0x2222;
    private const long S = PptpSession.S;

    private static CtExpectation Expectation(PptpSession s, string source) =>
        Assert.Single(s.Expectations, e => e.Tuple.Source!.Equals(IPAddress.Parse(source)));

    [Fact]
    public void The_helper_is_registered_as_the_kernel_registers_it()
    {
        var h = Assert.IsType<PptpHelper>(HelperRegistry.Find("pptp", CtProtocol.Tcp));
        Assert.Equal([(ushort)1723], h.Ports);
        Assert.Equal(new ExpectPolicy("pptp", 2, 300), Assert.Single(h.Policies));
        Assert.True(h.Supports(CtFamily.IPv4));
        Assert.False(h.Supports(CtFamily.IPv6));
        Assert.Same(h, HelperRegistry.ByPort(CtFamily.IPv4, CtProtocol.Tcp, 1723));
        Assert.Null(HelperRegistry.ByPort(CtFamily.IPv6, CtProtocol.Tcp, 1723));
        Assert.Equal(2, h.Shapes.Count);
        Assert.All(h.Shapes, shape =>
        {
            Assert.Equal(CtProtocol.Gre, shape.Protocol);
            Assert.Equal((CtFieldOrigin.Fixed, CtFieldOrigin.Fixed), (shape.SourceAddress, shape.DestinationAddress));
            Assert.Equal((CtFieldOrigin.InCommand, CtFieldOrigin.InCommand), (shape.SourcePort, shape.DestinationPort));
        });
    }

    [Fact]
    public void An_outgoing_call_expects_gre_both_ways_and_the_keymap_makes_it_one_related_connection()
    {
        var s = new PptpSession().Handshake().StartSession().OutgoingCall(Pns, Pac);

        Assert.Equal("pptp", s.Control.Helper);
        Assert.Equal(2, s.Expectations.Count);
        var orig = Expectation(s, s.Client);
        Assert.Equal($"src={s.Client} dst={s.Server} sport={Pns} dport={Pac}", orig.Tuple.ToString());
        Assert.Equal("src=255.255.255.255 dst=255.255.255.255 sport=65535 dport=65535", orig.Mask.ToString());
        Assert.Equal(CtProtocol.Gre, orig.Protocol);
        Assert.Equal($"src={s.Client} dst={s.Server} sport={s.ClientPort} dport=1723", orig.Master.ToString());
        Assert.Equal(("pptp", 0u, 300u, CtExpectationFlags.None), (orig.Helper, orig.Class!.Value, orig.Timeout!.Value, orig.Flags));
        var reply = Expectation(s, s.Server);
        Assert.Equal($"src={s.Server} dst={s.Client} sport={Pac} dport={Pns}", reply.Tuple.ToString());
        Assert.Equal(orig.Mask.ToString(), reply.Mask.ToString());
        Assert.Equal(2, s.Engine.GreKeymap.Count);

        // The PNS's first GRE packet carries only the PAC's call id; the keymap gives its source key.
        s.GreToServer(Pac);
        var gre = Assert.Single(s.Gre);
        Assert.Equal($"src={s.Client} dst={s.Server} sport={Pns} dport={Pac}", gre.Original.ToString());
        Assert.Equal($"src={s.Server} dst={s.Client} sport={Pac} dport={Pns}", gre.Reply.ToString());
        Assert.True(gre.Status.HasFlag(CtStatus.Expected));
        Assert.Equal(s.Control.Original.ToString(), gre.Master?.ToString());
        // pptp_expectfn: the other direction's expectation is gone too.
        Assert.Empty(s.Expectations);
        Assert.Equal(["New", "New", "Destroy", "Destroy"], s.ExpectationEvents.Select(e => e.Type.ToString()));

        // The PAC's answer carries the PNS's call id: the same connection, in reply.
        s.GreToClient(Pns);
        gre = Assert.Single(s.Gre);
        Assert.True(gre.Status.HasFlag(CtStatus.SeenReply));

        // Call-Clear-Request, then Call-Disconnect-Notify: the GRE connection and the keymap go.
        s.FromClient(Message(CallClearRequest, Pns));
        Assert.Single(s.Gre);
        s.FromServer(Message(CallDisconnectNotify, Pac));
        Assert.Empty(s.Gre);
        Assert.Equal(0, s.Engine.GreKeymap.Count);
        var destroyed = s.Events.Last(e => e.Connection.Protocol == CtProtocol.Gre);
        Assert.Equal(CtEventType.Destroy, destroyed.Type);
        Assert.Equal(CtState.Established, s.Control.State);

        // Without the keymap, GRE from the PAC has source key 0 and is nobody's.
        s.GreToClient(Pns);
        gre = Assert.Single(s.Gre);
        Assert.Equal($"src={s.Server} dst={s.Client} sport=0 dport={Pns}", gre.Original.ToString());
        Assert.False(gre.Status.HasFlag(CtStatus.Expected));
        Assert.Equal(0, s.Engine.Dropped);
    }

    [Fact]
    public void Gre_arriving_first_from_the_pac_takes_the_reply_expectation_and_removes_the_other()
    {
        var s = new PptpSession().Handshake().StartSession().OutgoingCall(Pns, Pac);
        s.GreToClient(Pns);
        var gre = Assert.Single(s.Gre);
        Assert.Equal($"src={s.Server} dst={s.Client} sport={Pac} dport={Pns}", gre.Original.ToString());
        Assert.True(gre.Status.HasFlag(CtStatus.Expected));
        Assert.Empty(s.Expectations);
        s.GreToServer(Pac);
        Assert.True(Assert.Single(s.Gre).Status.HasFlag(CtStatus.SeenReply));
        // The disconnect finds it by the reply tuple.
        s.FromServer(Message(CallDisconnectNotify, Pac));
        Assert.Empty(s.Gre);
    }

    [Fact]
    public void An_incoming_call_expects_gre_once_connected()
    {
        const ushort pac = 0x0300, pns = 0x0400;
        var s = new PptpSession().Handshake().StartSession();
        s.FromServer(Message(InCallRequest, pac));
        s.FromClient(Message(InCallReply, pns, pac));
        Assert.Empty(s.Expectations);
        s.FromServer(Message(InCallConnect, peerCallId: pns));
        Assert.Equal($"src={s.Client} dst={s.Server} sport={pns} dport={pac}", Expectation(s, s.Client).Tuple.ToString());
        Assert.Equal($"src={s.Server} dst={s.Client} sport={pac} dport={pns}", Expectation(s, s.Server).Tuple.ToString());
        s.GreToServer(pac);
        Assert.True(Assert.Single(s.Gre).Status.HasFlag(CtStatus.Expected));
    }

    [Fact]
    public void An_incoming_call_refused_by_the_pns_or_for_another_call_expects_nothing()
    {
        var s = new PptpSession().Handshake().StartSession();
        s.FromServer(Message(InCallRequest, 0x300));
        s.FromClient(Message(InCallReply, 0x400, 0x301));             // not the PAC's call id: ignored
        s.FromServer(Message(InCallConnect, peerCallId: 0x400));      // not replied: ignored
        s.FromClient(Message(InCallReply, 0x400, 0x300, result: 3)); // refused: no call
        s.FromServer(Message(InCallConnect, peerCallId: 0x400));
        Assert.Empty(s.Expectations);
        Assert.Empty(s.ExpectationEvents);
    }

    public static TheoryData<string> Defects() =>
    [
        "bad magic cookie", "management packet type", "reply one byte short", "control header cut", "pptp header only",
        "shorter than the pptp header", "no session", "session refused", "session reply one byte short",
        "reply for another call", "call refused", "reply from the client", "request from the server", "reply split in two segments",
        "message type 0", "message type 16", "session stopped",
    ];

    /// <summary>Each case: the control connection, a defect, and whether a new Outgoing-Call-Request/Reply afterwards still sets a call up.</summary>
    [Theory]
    [MemberData(nameof(Defects))]
    public void Malformed_truncated_or_out_of_state_messages_create_nothing_and_break_nothing(string defect)
    {
        var s = new PptpSession().Handshake();
        var recovers = true;
        var request = Message(OutCallRequest, Pns);
        var reply = Message(OutCallReply, Pac, Pns);
        if (defect is not ("no session" or "session refused" or "session reply one byte short" or "session stopped")) s.StartSession();
        switch (defect)
        {
            case "bad magic cookie":
                s.FromClient(request).FromServer(Control(OutCallReply, reply[12..], cookie: 0x1a2b3c4e));
                break;
            case "management packet type":
                s.FromClient(request).FromServer(Control(OutCallReply, reply[12..], packetType: 2));
                break;
            case "reply one byte short":
                s.FromClient(request).FromServer(Message(OutCallReply, Pac, Pns, length: 19));
                break;
            case "control header cut":
                s.FromClient(request).FromServer(reply[..10]);
                break;
            case "pptp header only":
                s.FromClient(request).FromServer(reply[..8]);
                break;
            case "shorter than the pptp header":
                s.FromClient(request).FromServer(reply[..7]);
                break;
            case "no session":
                s.OutgoingCall(Pns, Pac);
                recovers = false;
                break;
            case "session refused":
                s.StartSession(result: 2).OutgoingCall(Pns, Pac);
                recovers = false;
                break;
            case "session reply one byte short":
                s.FromClient(Message(StartSessionRequest)).FromServer(Message(StartSessionReply, length: 143)).OutgoingCall(Pns, Pac);
                recovers = false;
                break;
            case "session stopped":
                s.StartSession().FromClient(Message(StopSessionRequest)).FromServer(Message(StopSessionReply)).OutgoingCall(Pns, Pac);
                recovers = false;
                break;
            case "reply for another call":
                s.FromClient(request).FromServer(Message(OutCallReply, Pac, Pns + 1));
                break;
            case "call refused":
                s.FromClient(request).FromServer(Message(OutCallReply, Pac, Pns, result: 3));
                break;
            case "reply from the client":
                s.FromClient(request).FromClient(reply);
                break;
            case "request from the server":
                s.FromServer(request).FromServer(reply);
                break;
            case "reply split in two segments":
                s.FromClient(request).FromServer(reply[..16]).FromServer(reply[16..]);
                break;
            case "message type 0":
                s.FromClient(request).FromServer(Control(0, reply[12..]));
                break;
            case "message type 16":
                s.FromClient(request).FromServer(Control(16, reply[12..]));
                break;
        }
        Assert.Empty(s.Expectations);
        Assert.Empty(s.ExpectationEvents);
        Assert.Equal(0, s.Engine.GreKeymap.Count);
        Assert.Equal(0, s.Engine.Dropped);
        Assert.Equal(CtState.Established, s.Control.State);

        s.OutgoingCall(Pns, Pac);
        Assert.Equal(recovers ? 2 : 0, s.Expectations.Count);
    }

    [Fact]
    public void Echo_link_info_and_wan_error_messages_change_nothing()
    {
        var s = new PptpSession().Handshake().StartSession().FromClient(Message(OutCallRequest, Pns));
        s.FromClient(Message(EchoRequest)).FromServer(Message(EchoReply)).FromClient(Message(SetLinkInfo, peerCallId: Pac))
            .FromServer(Message(SetLinkInfo, peerCallId: Pns)).FromServer(Message(WanErrorNotify, peerCallId: Pns));
        s.FromServer(Message(OutCallReply, Pac, Pns));
        Assert.Equal(2, s.Expectations.Count);
    }

    [Fact]
    public void Only_the_first_message_of_a_segment_is_read()
    {
        var s = new PptpSession().Handshake().StartSession();
        s.FromClient([.. Message(EchoRequest), .. Message(OutCallRequest, Pns)]);
        s.FromServer(Message(OutCallReply, Pac, Pns));
        Assert.Empty(s.Expectations);
    }

    [Fact]
    public void A_retransmitted_reply_replaces_the_expectations_and_keeps_the_keymap()
    {
        var s = new PptpSession().Handshake().StartSession().OutgoingCall(Pns, Pac);
        s.FromServer(Message(OutCallReply, Pac, Pns));
        Assert.Equal(["New", "New", "Destroy", "New", "Destroy", "New"], s.ExpectationEvents.Select(e => e.Type.ToString()));
        Assert.Equal(2, s.Expectations.Count);
        Assert.Equal(2, s.Engine.GreKeymap.Count);
        s.GreToServer(Pac);
        Assert.True(Assert.Single(s.Gre).Status.HasFlag(CtStatus.Expected));
    }

    [Fact]
    public void A_second_call_while_the_first_holds_the_keymap_evicts_the_first_and_undoes_itself()
    {
        var s = new PptpSession().Handshake().StartSession().OutgoingCall(Pns, Pac);
        s.OutgoingCall(Pns + 1, Pac + 1);
        // max_expected 2: each new expectation evicts the oldest; nf_ct_gre_keymap_add then fails
        // (-EEXIST: the first call's entry) and exp_gre removes both new ones.
        var steps = s.ExpectationEvents.Select(e => $"{e.Type} {e.Expectation.Tuple.SourcePort}").ToList();
        Assert.Equal(
        [
            $"New {Pns}", $"New {Pac}",
            $"Destroy {Pns}", $"New {Pns + 1}", $"Destroy {Pac}", $"New {Pac + 1}",
            $"Destroy {Pac + 1}", $"Destroy {Pns + 1}",
        ], steps);
        Assert.Empty(s.Expectations);
        // The keymap still holds the first call's entries: its GRE is still keyed, but expected no more.
        Assert.Equal(2, s.Engine.GreKeymap.Count);
        s.GreToServer(Pac);
        var gre = Assert.Single(s.Gre);
        Assert.Equal(Pns, gre.Original.SourcePort);
        Assert.False(gre.Status.HasFlag(CtStatus.Expected));
    }

    [Fact]
    public void After_a_disconnect_a_new_call_on_the_same_session_is_expected()
    {
        var s = new PptpSession().Handshake().StartSession().OutgoingCall(Pns, Pac);
        s.FromServer(Message(CallDisconnectNotify, Pac));
        // No GRE yet: the disconnect removes the expectations themselves.
        Assert.Empty(s.Expectations);
        Assert.Equal(0, s.Engine.GreKeymap.Count);
        s.OutgoingCall(Pns + 1, Pac + 1);
        Assert.Equal($"src={s.Client} dst={s.Server} sport={Pns + 1} dport={Pac + 1}", Expectation(s, s.Client).Tuple.ToString());
        s.GreToClient(Pns + 1);
        Assert.True(Assert.Single(s.Gre).Status.HasFlag(CtStatus.Expected));
    }

    [Fact]
    public void When_the_control_connection_ends_its_calls_gre_connection_is_killed()
    {
        var s = new PptpSession().Handshake().StartSession().OutgoingCall(Pns, Pac);
        s.GreToServer(Pac);
        s.GreToClient(Pns);
        s.Reset();
        Assert.Single(s.Gre);
        // The control connection lives out its CLOSE timeout (10 s); the GRE stream timeout is 180 s.
        s.Wait(11 * S);
        Assert.Empty(s.Engine.Snapshot());
        Assert.Equal(0, s.Engine.GreKeymap.Count);
        var last = s.Events.TakeLast(2).ToList();
        Assert.All(last, e => Assert.Equal(CtEventType.Destroy, e.Type));
        Assert.Equal([CtProtocol.Tcp, CtProtocol.Gre], last.Select(e => e.Connection.Protocol));
    }

    [Fact]
    public void When_the_control_connection_ends_before_any_gre_the_expectations_go()
    {
        var s = new PptpSession().Handshake().StartSession().OutgoingCall(Pns, Pac);
        s.Reset();
        s.Wait(11 * S);
        Assert.Empty(s.Engine.Snapshot());
        Assert.Empty(s.Expectations);
        Assert.Equal(0, s.Engine.GreKeymap.Count);
        Assert.Equal(["New", "New", "Destroy", "Destroy"], s.ExpectationEvents.Select(e => e.Type.ToString()));
    }

    [Fact]
    public void A_control_connection_without_a_call_takes_gre_keyed_0_between_the_same_hosts_with_it()
    {
        // pptp_destroy_siblings with call ids 0: the kernel kills a plain GRE (version 0) flow of the same two hosts.
        var s = new PptpSession().Handshake();
        s.Raw(s.Client, s.Server, 47, Gre(0, flagsVersion: 0, protocol: 0x88B5));
        Assert.Equal("sport=0 dport=0", $"sport={Assert.Single(s.Gre).Original.SourcePort} dport={s.Gre[0].Original.DestinationPort}");
        s.Reset();
        s.Wait(11 * S); // the GRE flow's own timeout is 30 s
        Assert.Empty(s.Engine.Snapshot());
    }

    [Fact]
    public void The_helper_is_not_attached_to_ipv6_control_connections()
    {
        var s = new PptpSession("fd00:7::1", "fd00:7::2").Handshake().StartSession().OutgoingCall(Pns, Pac);
        Assert.Null(s.Control.Helper);
        Assert.Empty(s.Expectations);
    }

    [Fact]
    public void A_version_0_gre_packet_is_not_keyed_by_the_keymap()
    {
        // PAC call id 0: the keymap entry (client -> server, destination key 0) must not give plain GRE a source key.
        var s = new PptpSession().Handshake().StartSession().OutgoingCall(Pns, 0);
        s.Raw(s.Client, s.Server, 47, Gre(0, flagsVersion: 0, protocol: 0x88B5));
        var gre = Assert.Single(s.Gre);
        Assert.Equal((ushort)0, gre.Original.SourcePort);
        Assert.False(gre.Status.HasFlag(CtStatus.Expected));
    }

    [Fact]
    public void Two_control_connections_with_the_same_pac_call_id_each_keep_their_keymap_entry()
    {
        var first = new PptpSession().Handshake().StartSession().OutgoingCall(Pns, Pac);
        var second = new PptpSession(first, 40001).Handshake().StartSession().OutgoingCall(Pns + 1, Pac);
        first.FromServer(Message(CallDisconnectNotify, Pac));
        // The first call's entry is gone; the second call's GRE is keyed by the second's entry.
        second.GreToServer(Pac);
        var gre = Assert.Single(second.Gre);
        Assert.Equal((ushort)(Pns + 1), gre.Original.SourcePort);
        Assert.True(gre.Status.HasFlag(CtStatus.Expected));
    }
}
