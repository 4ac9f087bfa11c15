using ConntrackTools.Engine;
using Xunit;
using static ConntrackTools.Tests.Engine.SctpPackets;

namespace ConntrackTools.Tests.Engine;

public class SctpTrackerTests
{
    /// <summary>
    /// sctp_conntracks from net/netfilter/nf_conntrack_proto_sctp.c (Linux 6.18), typed in again
    /// from the kernel source rather than shared with the tracker. Columns: sNO sCL sCW sCE sES sSS
    /// sSR sSA sHS.
    /// </summary>
    private const string KernelTable = """
        ORIGINAL
        INIT              sCL sCL sCW sCE sES sCL sCL sSA sCW
        INIT_ACK          sCL sCL sCW sCE sES sSS sSR sSA sCL
        ABORT             sCL sCL sCL sCL sCL sCL sCL sCL sCL
        SHUTDOWN          sCL sCL sCW sCE sSS sSS sSR sSA sCL
        SHUTDOWN_ACK      sSA sCL sCW sCE sES sSA sSA sSA sSA
        ERROR             sCL sCL sCW sCE sES sSS sSR sSA sCL
        COOKIE_ECHO       sCL sCL sCE sCE sES sSS sSR sSA sCL
        COOKIE_ACK        sCL sCL sCW sES sES sSS sSR sSA sCL
        SHUTDOWN_COMPLETE sCL sCL sCW sCE sES sSS sSR sCL sCL
        HEARTBEAT         sHS sCL sCW sCE sES sSS sSR sSA sHS
        HEARTBEAT_ACK     sCL sCL sCW sCE sES sSS sSR sSA sHS
        REPLY
        INIT              sIV sCL sCW sCE sES sSS sSR sSA sIV
        INIT_ACK          sIV sCW sCW sCE sES sSS sSR sSA sIV
        ABORT             sIV sCL sCL sCL sCL sCL sCL sCL sIV
        SHUTDOWN          sIV sCL sCW sCE sSR sSS sSR sSA sIV
        SHUTDOWN_ACK      sIV sCL sCW sCE sES sSA sSA sSA sIV
        ERROR             sIV sCL sCW sCL sES sSS sSR sSA sIV
        COOKIE_ECHO       sIV sCL sCE sCE sES sSS sSR sSA sIV
        COOKIE_ACK        sIV sCL sCW sES sES sSS sSR sSA sIV
        SHUTDOWN_COMPLETE sIV sCL sCW sCE sES sSS sSR sCL sIV
        HEARTBEAT         sIV sCL sCW sCE sES sSS sSR sSA sHS
        HEARTBEAT_ACK     sIV sCL sCW sCE sES sSS sSR sSA sES
        """;

    private static SctpConntrack Parse(string cell) => cell switch
    {
        "sNO" => SctpConntrack.None,
        "sCL" => SctpConntrack.Closed,
        "sCW" => SctpConntrack.CookieWait,
        "sCE" => SctpConntrack.CookieEchoed,
        "sES" => SctpConntrack.Established,
        "sSS" => SctpConntrack.ShutdownSent,
        "sSR" => SctpConntrack.ShutdownRecd,
        "sSA" => SctpConntrack.ShutdownAckSent,
        "sHS" => SctpConntrack.HeartbeatSent,
        "sIV" => SctpConntrack.Max,
        _ => throw new FormatException(cell),
    };

    /// <summary>Every cell: direction, chunk, state before, state after (Max for sIV).</summary>
    public static TheoryData<bool, string, byte, byte> Cells()
    {
        var data = new TheoryData<bool, string, byte, byte>();
        bool reply = false;
        foreach (var line in KernelTable.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (line is "ORIGINAL" or "REPLY")
            {
                reply = line == "REPLY";
                continue;
            }
            var f = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            for (int state = 0; state < 9; state++)
                data.Add(reply, f[0], (byte)state, (byte)Parse(f[1 + state]));
        }
        return data;
    }

    [Fact]
    public void The_table_has_every_cell_of_both_directions() => Assert.Equal(2 * 11 * 9, Cells().Count);

    [Theory]
    [MemberData(nameof(Cells))]
    public void Sctp_new_state_is_the_kernel_table(bool reply, string chunk, byte from, byte to) =>
        Assert.Equal((SctpConntrack)to, SctpTracker.NewState(reply, (SctpConntrack)from, Names[chunk]));

    /// <summary>
    /// The same cells through nf_conntrack_sctp_packet on a confirmed conntrack, with tags that pass
    /// every check: the state, the verdict, the timeout and the events that result.
    /// </summary>
    [Theory]
    [MemberData(nameof(Cells))]
    public void Each_table_cell_through_the_packet_path(bool reply, string chunk, byte fromState, byte toState)
    {
        var from = (SctpConntrack)fromState;
        var to = (SctpConntrack)toState;
        const uint original = 0xA1A1A1A1, replyTag = 0xB2B2B2B2;
        var s = new SctpState { State = from, VtagOriginal = original, VtagReply = replyTag };
        var status = CtStatus.Confirmed | CtStatus.SeenReply;
        uint own = reply ? replyTag : original, peer = reply ? original : replyTag;
        var packet = chunk switch
        {
            "INIT" => Packet(0, "INIT/C3C3C3C3"),
            "INIT_ACK" => Packet(own, $"INIT_ACK/{peer:X8}"),
            _ => Packet(own, chunk),
        };
        var events = ConntrackEvents.None;
        var settings = new SctpSettings();

        var verdict = SctpTracker.Packet(ref s, ref status, reply, packet, settings, ref events, out uint timeout);

        if (to == SctpConntrack.Max)
        {
            Assert.Equal(TrackerVerdict.Invalid, verdict);
            Assert.Equal(from, s.State);
            Assert.Equal(ConntrackEvents.None, events);
            return;
        }
        Assert.Equal(to, s.State);
        var expected = from != to ? ConntrackEvents.ProtoInfo : ConntrackEvents.None;
        if (to == SctpConntrack.Established && from != to) expected |= ConntrackEvents.Assured;
        Assert.Equal(expected, events);
        Assert.Equal(expected.HasFlag(ConntrackEvents.Assured), status.HasFlag(CtStatus.Assured));
        if (chunk == "INIT" && from == SctpConntrack.Closed && to == SctpConntrack.Closed)
        {
            Assert.Equal(TrackerVerdict.AcceptNoRefresh, verdict); // INIT retransmit: no refresh
        }
        else
        {
            Assert.Equal(TrackerVerdict.Accept, verdict);
            Assert.Equal(settings.TimeoutFor(to), timeout);
        }
    }

    [Fact]
    public void No_transition_leads_to_the_removed_heartbeat_acked_state()
    {
        foreach (var reply in new[] { false, true })
            foreach (var type in Names.Values)
                for (var state = SctpConntrack.None; state <= SctpConntrack.HeartbeatSent; state++)
                    Assert.NotEqual(SctpConntrack.HeartbeatAcked, SctpTracker.NewState(reply, state, type));
    }

    /// <summary>
    /// A whole association, the sequence that <see cref="SctpKernelParityTests"/> also sends through
    /// the real kernel: the events and timeouts conntrack -E showed for it there.
    /// </summary>
    [Fact]
    public void Association_setup_and_teardown_gives_the_kernels_events_and_timeouts()
    {
        var flow = new SctpFlow();
        string[] steps =
        [
            "a:0:INIT/11111111", "b:11111111:INIT_ACK/22222222", "a:22222222:COOKIE_ECHO", "b:11111111:COOKIE_ACK",
            "a:22222222:DATA", "b:11111111:SACK", "a:22222222:HEARTBEAT", "b:11111111:HEARTBEAT_ACK",
            "a:22222222:SHUTDOWN", "b:11111111:SHUTDOWN_ACK", "a:22222222:SHUTDOWN_COMPLETE",
        ];
        foreach (var step in steps)
        {
            var (reply, packet) = Step(step);
            Assert.Equal(TrackerVerdict.Accept, flow.Feed(reply, packet));
        }

        Assert.Equal(
        [
            "NEW 10 CLOSED [UNREPLIED]", "UPDATE 3 COOKIE_WAIT", "UPDATE 3 COOKIE_ECHOED", "UPDATE 210 ESTABLISHED [ASSURED]",
            "UPDATE 3 SHUTDOWN_SENT [ASSURED]", "UPDATE 3 SHUTDOWN_ACK_SENT [ASSURED]", "UPDATE 10 CLOSED [ASSURED]",
        ], flow.Events);
        Assert.Equal(0x22222222u, flow.State.VtagOriginal);
        Assert.Equal(0x11111111u, flow.State.VtagReply);
        Assert.Equal(0, flow.Invalid);
    }

    [Fact]
    public void First_packet_INIT_sets_the_reply_tag_and_starts_closed()
    {
        var s = new SctpState();
        var packet = Packet(0, "INIT/11111111");
        Assert.True(SctpTracker.TryNew(ref s, packet, new SctpSettings()));
        Assert.Equal(0x11111111u, s.VtagReply);
        var status = CtStatus.None;
        var events = ConntrackEvents.None;
        Assert.Equal(TrackerVerdict.Accept, SctpTracker.Packet(ref s, ref status, false, packet, new SctpSettings(), ref events, out var timeout));
        Assert.Equal(SctpConntrack.Closed, s.State);
        Assert.Equal(CtState.Closed, SctpTracker.StateOf(s));
        Assert.True(s.InitOriginal);
        Assert.Equal(10u, timeout);
        Assert.Equal(ConntrackEvents.ProtoInfo, events);
    }

    [Theory]
    [InlineData("INIT_ACK", true)]
    [InlineData("SHUTDOWN", true)]
    [InlineData("SHUTDOWN_ACK", true)]
    [InlineData("ERROR", true)]
    [InlineData("COOKIE_ECHO", true)]
    [InlineData("HEARTBEAT", true)]
    [InlineData("HEARTBEAT_ACK", true)]
    [InlineData("ABORT", false)]              // out of the blue (Sec 8.4)
    [InlineData("SHUTDOWN_COMPLETE", false)]  // out of the blue
    [InlineData("COOKIE_ACK", false)]         // out of the blue
    [InlineData("DATA", false)]               // leaves the state NONE
    [InlineData("SACK", false)]
    [InlineData("COOKIE_ECHO,DATA", false)] // every chunk must open: DATA does not
    [InlineData("HEARTBEAT,DATA", false)]
    [InlineData("SHUTDOWN,ERROR", true)]
    public void Which_chunks_may_open_a_connection(string chunks, bool opens)
    {
        var s = new SctpState();
        Assert.Equal(opens, SctpTracker.TryNew(ref s, Packet(0, chunks.Split(',')), new SctpSettings()));
    }

    [Fact]
    public void INIT_with_a_tag_in_the_header_does_not_open()
    {
        var s = new SctpState();
        Assert.False(SctpTracker.TryNew(ref s, Packet(5, "INIT/11111111"), new SctpSettings()));
    }

    [Fact]
    public void Out_of_the_blue_SHUTDOWN_ACK_expects_its_tag_back_and_HEARTBEAT_keeps_its_own()
    {
        var s = new SctpState();
        Assert.True(SctpTracker.TryNew(ref s, Packet(0x1234, "SHUTDOWN_ACK"), new SctpSettings()));
        Assert.Equal(0x1234u, s.VtagReply);
        s = new SctpState();
        Assert.True(SctpTracker.TryNew(ref s, Packet(0x5678, "HEARTBEAT"), new SctpSettings()));
        Assert.Equal(0x5678u, s.VtagOriginal);
        var status = CtStatus.None;
        var events = ConntrackEvents.None;
        Assert.Equal(TrackerVerdict.Accept, SctpTracker.Packet(ref s, ref status, false, Packet(0x5678, "HEARTBEAT"), new SctpSettings(), ref events, out var timeout));
        Assert.Equal(SctpConntrack.HeartbeatSent, s.State);
        Assert.Equal(30u, timeout);
    }

    private static SctpFlow Established()
    {
        var flow = new SctpFlow();
        foreach (var step in new[] { "a:0:INIT/11111111", "b:11111111:INIT_ACK/22222222", "a:22222222:COOKIE_ECHO", "b:11111111:COOKIE_ACK" })
        {
            var (reply, packet) = Step(step);
            Assert.Equal(TrackerVerdict.Accept, flow.Feed(reply, packet));
        }
        Assert.Equal(SctpConntrack.Established, flow.State.State);
        return flow;
    }

    [Theory]
    [InlineData("a:11111111:DATA")]      // the reply direction's tag in the original direction
    [InlineData("b:22222222:SACK")]
    [InlineData("a:0:DATA")]
    [InlineData("a:22222223:SHUTDOWN")]
    [InlineData("a:11111111:ABORT")]     // ABORT without T carries the receiver's tag
    [InlineData("a:22222222:ABORT+T")]   // with T, the sender's own tag
    [InlineData("a:11111111:SHUTDOWN_COMPLETE")]
    [InlineData("a:11111111:COOKIE_ECHO")]
    [InlineData("a:5:INIT/33333333")]    // INIT must carry tag 0
    public void Verification_tag_mismatch_is_invalid_and_changes_nothing(string step)
    {
        var flow = Established();
        var before = flow.State;
        var events = flow.Events.Count;
        var (reply, packet) = Step(step);
        Assert.Equal(TrackerVerdict.Invalid, flow.Feed(reply, packet));
        Assert.Equal(before, flow.State);
        Assert.Equal(events, flow.Events.Count);
    }

    [Theory]
    [InlineData("a:22222222:ABORT")]
    [InlineData("a:11111111:ABORT+T")]
    [InlineData("b:11111111:ABORT")]
    [InlineData("b:22222222:ABORT+T")]
    [InlineData("a:11111111:SHUTDOWN_COMPLETE+T")]
    public void ABORT_and_SHUTDOWN_COMPLETE_take_the_peers_tag_with_the_T_bit(string step)
    {
        var flow = Established();
        var (reply, packet) = Step(step);
        Assert.Equal(TrackerVerdict.Accept, flow.Feed(reply, packet));
        Assert.Equal(step.Contains("ABORT") ? SctpConntrack.Closed : SctpConntrack.Established, flow.State.State);
    }

    public static TheoryData<string, byte[]> Malformed() => new()
    {
        { "header only", Raw(0) },
        { "short header", new byte[11] },
        { "zero-length chunk", Raw(0x22222222, Chunk("DATA"), [3, 0, 0, 0]) },
        { "zero-length first chunk", Raw(0x22222222, [0, 0, 0, 0]) },
        { "INIT not alone", Packet(0, "INIT/33333333", "DATA") },
        { "INIT after another chunk", Packet(0, "DATA", "INIT/33333333") },
        { "INIT_ACK not alone", Packet(0x22222222, "INIT_ACK/11111111", "DATA") },
        { "SHUTDOWN_COMPLETE not alone", Packet(0x22222222, "SHUTDOWN_COMPLETE", "DATA") },
        { "COOKIE_ECHO not first", Packet(0x22222222, "DATA", "COOKIE_ECHO") },
        { "COOKIE_ACK not first", Packet(0x22222222, "SACK", "COOKIE_ACK") },
        { "INIT cut short", Packet(0, "INIT/33333333")[..20] },
    };

    [Theory]
    [MemberData(nameof(Malformed))]
    public void Malformed_chunks_are_rejected(string what, byte[] packet)
    {
        var flow = Established();
        var before = flow.State;
        Assert.True(TrackerVerdict.Invalid == flow.Feed(false, packet), what);
        Assert.Equal(before, flow.State);
        var fresh = new SctpState();
        Assert.False(SctpTracker.TryNew(ref fresh, packet, new SctpSettings()), what);
    }

    [Fact]
    public void Chunks_before_an_invalid_one_keep_their_effect()
    {
        // SHUTDOWN moves to SHUTDOWN_SENT, then the ABORT (T bit, but not the peer's tag) fails the packet.
        var flow = Established();
        var s = flow.State;
        var status = flow.Status;
        var events = ConntrackEvents.None;
        var packet = Packet(0x22222222, "SHUTDOWN", "ABORT+T");
        Assert.Equal(TrackerVerdict.Invalid, SctpTracker.Packet(ref s, ref status, false, packet, flow.Settings, ref events, out _));
        Assert.Equal(SctpConntrack.ShutdownSent, s.State);
        Assert.Equal(ConntrackEvents.ProtoInfo, events);
    }

    [Fact]
    public void INIT_retransmit_in_closed_is_accepted_without_refresh()
    {
        var flow = new SctpFlow();
        Assert.Equal(TrackerVerdict.Accept, flow.Feed(false, Packet(0, "INIT/11111111")));
        Assert.Equal(TrackerVerdict.AcceptNoRefresh, flow.Feed(false, Packet(0, "INIT/11111111")));
        Assert.Equal(TrackerVerdict.AcceptNoRefresh, flow.Feed(false, Packet(0, "INIT/99999999")));
        Assert.Equal(0x99999999u, flow.State.VtagReply);
        Assert.Equal(["NEW 10 CLOSED [UNREPLIED]"], flow.Events);
    }

    [Fact]
    public void Stale_INIT_with_the_peers_tag_is_not_recorded()
    {
        // Upstream 576a5d2bad48 (6.18.y): the real 6.18.44 kernel drops the INIT_ACK below as invalid.
        var flow = Established();
        Assert.Equal(TrackerVerdict.Accept, flow.Feed(true, Packet(0, "INIT/22222222")));
        Assert.False(flow.State.InitReply);
        Assert.Equal(TrackerVerdict.Invalid, flow.Feed(false, Packet(0x22222222, "INIT_ACK/33333333")));

        // A fresh tag is a new INIT from the peer: its INIT_ACK is then accepted.
        flow = Established();
        Assert.Equal(TrackerVerdict.Accept, flow.Feed(true, Packet(0, "INIT/44444444")));
        Assert.True(flow.State.InitReply);
        Assert.Equal(TrackerVerdict.Accept, flow.Feed(false, Packet(0x44444444, "INIT_ACK/33333333")));
        Assert.Equal(0x33333333u, flow.State.VtagReply);
    }

    [Fact]
    public void INIT_ACK_must_answer_the_INIT_that_was_seen()
    {
        var flow = new SctpFlow();
        flow.Feed(false, Packet(0, "INIT/11111111"));
        // The INIT_ACK's own tag is the INIT's init tag; its init tag becomes the original direction's tag.
        Assert.Equal(TrackerVerdict.Accept, flow.Feed(true, Packet(0x11111111, "INIT_ACK/22222222")));
        Assert.Equal(0x22222222u, flow.State.VtagOriginal);
        Assert.Equal(SctpConntrack.CookieWait, flow.State.State);
    }

    [Fact]
    public void Simultaneous_open_collision_needs_matching_init_tags()
    {
        var flow = new SctpFlow();
        flow.Feed(false, Packet(0, "INIT/11111111"));          // A: INIT, tag A1
        flow.Feed(true, Packet(0, "INIT/22222222"));           // B: INIT, tag B2 (collision)
        Assert.True(flow.State.InitOriginal && flow.State.InitReply);
        // B's INIT_ACK to A's INIT must carry B's tag again.
        Assert.Equal(TrackerVerdict.Invalid, flow.Feed(true, Packet(0x11111111, "INIT_ACK/33333333")));
        Assert.Equal(TrackerVerdict.Accept, flow.Feed(true, Packet(0x11111111, "INIT_ACK/22222222")));
        Assert.Equal(TrackerVerdict.Accept, flow.Feed(false, Packet(0x22222222, "COOKIE_ECHO")));
        Assert.Equal(TrackerVerdict.Accept, flow.Feed(true, Packet(0x11111111, "COOKIE_ACK")));
        Assert.Equal(SctpConntrack.Established, flow.State.State);
        Assert.False(flow.State.InitOriginal || flow.State.InitReply);
    }

    [Fact]
    public void Heartbeat_on_a_reused_association_is_let_through_and_relearns_the_tags()
    {
        var flow = Established();
        // A HEARTBEAT with a tag this flow does not know: allowed without refresh, remembered.
        Assert.Equal(TrackerVerdict.AcceptNoRefresh, flow.Feed(false, Packet(0x77777777, "HEARTBEAT")));
        Assert.True(flow.State.HeartbeatVtagFailed);
        Assert.False(flow.State.LastDirReply);
        // Bundled with DATA it would be invalid.
        Assert.Equal(TrackerVerdict.Invalid, flow.Feed(false, Packet(0x77777777, "HEARTBEAT", "DATA")));
        // The answer from the other side takes over: its tag replaces the old one, the other is relearned.
        Assert.Equal(TrackerVerdict.Accept, flow.Feed(true, Packet(0x88888888, "HEARTBEAT_ACK")));
        Assert.False(flow.State.HeartbeatVtagFailed);
        Assert.Equal(0x88888888u, flow.State.VtagReply);
        Assert.Equal(0u, flow.State.VtagOriginal);
        Assert.Equal(TrackerVerdict.Accept, flow.Feed(false, Packet(0x77777777, "HEARTBEAT")));
        Assert.Equal(0x77777777u, flow.State.VtagOriginal);
        Assert.Equal(TrackerVerdict.Accept, flow.Feed(false, Packet(0x77777777, "DATA")));
    }

    [Fact]
    public void HEARTBEAT_ACK_with_an_unknown_tag_from_the_same_side_is_invalid()
    {
        var flow = Established();
        flow.Feed(false, Packet(0x77777777, "HEARTBEAT"));
        Assert.Equal(TrackerVerdict.Invalid, flow.Feed(false, Packet(0x99999999, "HEARTBEAT_ACK")));
        Assert.Equal(TrackerVerdict.Invalid, Established().Feed(true, Packet(0x99999999, "HEARTBEAT_ACK")));
    }

    [Fact]
    public void ASSURED_is_set_once()
    {
        var flow = Established();
        Assert.True(flow.Status.HasFlag(CtStatus.Assured));
        var s = flow.State;
        var status = flow.Status;
        var events = ConntrackEvents.None;
        SctpTracker.Packet(ref s, ref status, false, Packet(0x22222222, "DATA"), flow.Settings, ref events, out var timeout);
        Assert.Equal(ConntrackEvents.None, events);
        Assert.Equal(210u, timeout);
    }

    [Fact]
    public void Timeouts_follow_the_sysctls()
    {
        var settings = new SctpSettings();
        settings.Set("nf_conntrack_sctp_timeout_established", 1000);
        settings.Set("net.netfilter.nf_conntrack_sctp_timeout_cookie_wait", 7);
        Assert.True(settings.TrySet("/proc/sys/net/netfilter/nf_conntrack_sctp_timeout_closed", 11));
        Assert.False(settings.TrySet("nf_conntrack_sctp_timeout_heartbeat_acked", 1)); // gone since 6.3
        var flow = new SctpFlow(settings);
        foreach (var step in new[] { "a:0:INIT/11111111", "b:11111111:INIT_ACK/22222222", "a:22222222:COOKIE_ECHO", "b:11111111:COOKIE_ACK" })
        {
            var (reply, packet) = Step(step);
            flow.Feed(reply, packet);
        }
        Assert.Equal(["NEW 11 CLOSED [UNREPLIED]", "UPDATE 7 COOKIE_WAIT", "UPDATE 3 COOKIE_ECHOED", "UPDATE 1000 ESTABLISHED [ASSURED]"], flow.Events);
    }

    [Fact]
    public void Unknown_chunks_keep_the_state_and_the_timeout_of_the_state()
    {
        var flow = Established();
        Assert.Equal(TrackerVerdict.Accept, flow.Feed(false, Packet(0x22222222, "192", "DATA")));
        Assert.Equal(SctpConntrack.Established, flow.State.State);
        Assert.Equal(210u, flow.Timeout);
    }
}
