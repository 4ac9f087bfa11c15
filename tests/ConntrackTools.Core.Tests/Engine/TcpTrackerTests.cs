using System.Buffers.Binary;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using ConntrackTools.Engine;
using Xunit;
using static ConntrackTools.Tests.Engine.TcpScenarios;

namespace ConntrackTools.Tests.Engine;

/// <summary>The TCP tracker against the kernel's behaviour, scenario by scenario (see <see cref="TcpScenarios"/>).</summary>
public sealed class TcpTrackerTests
{
    public static TheoryData<string> TableCellNames { get; } = [.. TableCells().Select(s => s.Name)];

    public static TheoryData<string> BehaviourNames { get; } = [.. Behaviours().Select(s => s.Name)];

    [Theory]
    [MemberData(nameof(TableCellNames))]
    public void Table_cell(string name) => Run(All[name]);

    [Theory]
    [MemberData(nameof(BehaviourNames))]
    public void Behaviour(string name) => Run(All[name]);

    /// <summary>Runs a scenario and checks every expectation it states.</summary>
    private static List<Observation> Run(Scenario scenario)
    {
        var conn = new ConnectionEmulator(scenario.Settings());
        var failures = new List<string>();
        var observations = new List<Observation>();
        for (var i = 0; i < scenario.Packets.Length; i++)
        {
            var p = scenario.Packets[i];
            var o = conn.Send(p);
            observations.Add(o);
            void Check<T>(string what, T? expected, T actual) where T : struct
            {
                if (expected is { } e && !EqualityComparer<T>.Default.Equals(e, actual))
                    failures.Add($"#{i} {p}: {what} {actual}, expected {e}");
            }
            Check("state", p.State, o.State);
            Check("verdict", p.Verdict, o.Verdict);
            Check("timeout", p.Timeout, o.Timeout);
            Check("assured", p.Assured, o.Assured);
            Check("events", p.Events, o.Events);
            // An entry deleted by an accepted RST says so with a DESTROY event.
            if (p.State == CtState.None && o.Verdict == TrackerVerdict.Accept && (o.Events & ConntrackEvents.Destroy) == 0)
                failures.Add($"#{i} {p}: entry gone without Destroy");
        }
        Assert.True(failures.Count == 0, scenario.Name + ":\n" + string.Join('\n', failures));
        return observations;
    }

    [Fact]
    public void Table_is_the_kernels_table()
    {
        foreach (var reply in new[] { false, true })
            for (var index = 0; index < IndexNames.Length; index++)
                for (var state = 0; state < StateNames.Length; state++)
                {
                    var cell = ExpectedCell(reply, index, state).TrimEnd('*', '!');
                    var expected = cell switch
                    {
                        "IV" => TcpConntrack.Max,
                        "IG" => TcpConntrack.Ignore,
                        // A reopen is the table's sSS from TIME_WAIT/CLOSE.
                        "RP" => TcpConntrack.SynSent,
                        _ => (TcpConntrack)Array.IndexOf(StateNames, cell),
                    };
                    Assert.Equal(expected, TcpTracker.NextState(reply, (TcpIndex)index, (TcpConntrack)state));
                }
    }

    [Theory]
    [InlineData(TcpFlags.Syn)]
    [InlineData(TcpFlags.Syn | TcpFlags.Ack)]
    [InlineData(TcpFlags.Fin | TcpFlags.Ack)]
    [InlineData(TcpFlags.Ack)]
    [InlineData(TcpFlags.Rst)]
    [InlineData(TcpFlags.Psh)]
    public void Reply_direction_in_none_is_invalid(byte flags)
    {
        // A fresh entry only ever sees its first packet in the original direction; the table's
        // reply column for NONE is all sIV.
        var bytes = new Pkt(true, flags, 1, 1).Build();
        Assert.True(TcpSegment.TryParse(bytes, out var segment));
        var state = default(TcpState);
        var status = CtStatus.None;
        var events = ConntrackEvents.None;
        Assert.Equal(TrackerVerdict.Invalid, TcpTracker.Packet(ref state, ref status, true, segment, bytes.Length, new TcpSettings(), ref events, out _));
        Assert.Equal(TcpConntrack.None, state.State);
    }

    [Fact]
    public void Tcp_new_initialises_as_the_kernel()
    {
        var settings = new TcpSettings();
        var syn = new Pkt(false, TcpFlags.Syn, 1000, 0) { Options = SynOptionsWs7, Win = 0 }.Build();
        Assert.True(TcpSegment.TryParse(syn, out var segment));
        var state = default(TcpState);
        Assert.True(TcpTracker.TryNew(ref state, segment, syn.Length, settings));
        Assert.Equal(1001u, state.Original.End);
        Assert.Equal(1001u, state.Original.MaxEnd);
        Assert.Equal(1u, state.Original.MaxWin);
        Assert.Equal(7, state.Original.Scale);
        Assert.Equal(CtTcpFlags.WindowScale | CtTcpFlags.SackPermitted, state.Original.Flags);
        Assert.Equal(TcpIndex.None, state.LastIndex);

        var ack = new Pkt(false, TcpFlags.Ack | TcpFlags.Psh, 7000, 9000) { Payload = 100, Win = 500 }.Build();
        Assert.True(TcpSegment.TryParse(ack, out segment));
        Assert.True(TcpTracker.TryNew(ref state, segment, ack.Length, settings));
        Assert.Equal(7100u, state.Original.End);
        Assert.Equal(7600u, state.Original.MaxEnd);
        Assert.Equal(CtTcpFlags.SackPermitted | CtTcpFlags.BeLiberal, state.Original.Flags);
        Assert.Equal(CtTcpFlags.SackPermitted | CtTcpFlags.BeLiberal, state.Reply.Flags);
        Assert.Equal(TcpConntrack.None, state.State);

        settings.Loose = false;
        Assert.False(TcpTracker.TryNew(ref state, segment, ack.Length, settings));
        foreach (var flags in new[] { TcpFlags.Syn | TcpFlags.Ack, TcpFlags.Fin | TcpFlags.Ack, TcpFlags.Rst, TcpFlags.Rst | TcpFlags.Ack, TcpFlags.Syn | TcpFlags.Fin })
        {
            var bytes = new Pkt(false, (byte)flags, 1, 1).Build();
            Assert.True(TcpSegment.TryParse(bytes, out segment));
            Assert.False(TcpTracker.TryNew(ref state, segment, bytes.Length, new TcpSettings()), Pkt.FlagNames((byte)flags));
        }
    }

    [Fact]
    public void Full_connection_events_and_timeouts()
    {
        var obs = Run(All["open transfer close"]);
        Assert.Equal(
            [CtState.SynSent, CtState.SynRecv, CtState.Established, CtState.Established, CtState.Established,
             CtState.Established, CtState.Established, CtState.FinWait, CtState.LastAck, CtState.TimeWait],
            obs.Select(o => o.State));
        Assert.All(obs, o => Assert.Equal(TrackerVerdict.Accept, o.Verdict));
        Assert.Equal(6ul, obs[^1].OrigPackets);
        Assert.Equal(4ul, obs[^1].ReplyPackets);
    }

    [Fact]
    public void Window_scaling_only_when_both_sides_offer_it()
    {
        var both = Emulate("window scale both sides", 3);
        Assert.Equal(7, both.State.Original.Scale);
        Assert.Equal(7, both.State.Reply.Scale);
        // The client's window 10 << 7 bounds the server's data.
        Assert.Equal(5001u + (10u << 7), both.State.Reply.MaxEnd);

        var one = Emulate("window scale needs both sides", 3);
        Assert.Equal(0, one.State.Original.Scale);
        Assert.Equal(0, one.State.Reply.Scale);
        Assert.Equal(5011u, one.State.Reply.MaxEnd);
        Assert.Equal(CtTcpFlags.WindowScale | CtTcpFlags.SackPermitted | CtTcpFlags.MaxAckSet, one.State.Original.Flags);
    }

    [Fact]
    public void Retransmissions_are_counted()
    {
        var conn = Emulate("retransmissions", 3);
        Assert.Equal(0, conn.State.Retrans);
        conn.Send(O(A, 1001, 5001));
        Assert.Equal(1, conn.State.Retrans);
        conn.Send(O(A, 1001, 5001));
        conn.Send(O(A, 1001, 5001));
        Assert.Equal(3, conn.State.Retrans);
        Assert.Equal(200u, conn.Timeout);
        // A different window is a different segment.
        conn.Send(O(A, 1001, 5001) with { Win = 1000 });
        Assert.Equal(0, conn.State.Retrans);
        Assert.Equal(432000u, conn.Timeout);
    }

    [Fact]
    public void Simultaneous_open_marks_the_entry()
    {
        var conn = Emulate("simultaneous open", 2);
        Assert.Equal(TcpConntrack.SynSent2, conn.State.State);
        Assert.Equal(CtTcpFlags.SimultaneousOpen, conn.State.LastFlags & CtTcpFlags.SimultaneousOpen);
        Assert.Equal(CtState.SynSent2, conn.State.CtState);
    }

    [Fact]
    public void Fin_sets_close_init_on_the_closing_side()
    {
        var conn = Emulate("open transfer close", 8);
        Assert.Equal(CtTcpFlags.CloseInit, conn.State.Original.Flags & CtTcpFlags.CloseInit);
        Assert.Equal(CtTcpFlags.None, conn.State.Reply.Flags & CtTcpFlags.CloseInit);
    }

    [Fact]
    public void Rst_before_any_reply_deletes_the_entry()
    {
        var conn = new ConnectionEmulator(new TcpSettings());
        conn.Send(O(S, 1000));
        var o = conn.Send(Rp(RA, 0, 1001));
        Assert.Equal(TrackerVerdict.Accept, o.Verdict);
        Assert.True((o.Events & ConntrackEvents.Destroy) != 0);
        Assert.True((o.Events & ConntrackEvents.ProtoInfo) != 0);
        Assert.False(conn.Exists);
    }

    [Fact]
    public void Fixed_timeout_is_not_shortened_by_invalid_packets()
    {
        var conn = Emulate("invalid fin and rst shorten the timeout", 4);
        var bytes = Rp(R, 5001 + 1000000).Build();
        Assert.True(TcpSegment.TryParse(bytes, out var segment));
        var status = conn.Status | CtStatus.FixedTimeout;
        var events = ConntrackEvents.None;
        var verdict = TcpTracker.Packet(ref conn.State, ref status, true, segment, bytes.Length, new TcpSettings(), 432000, ref events, out var timeout);
        Assert.Equal(TrackerVerdict.Invalid, verdict);
        Assert.Equal(0u, timeout);

        // Without the time left, the overload gives the value to shrink to.
        status = conn.Status;
        verdict = TcpTracker.Packet(ref conn.State, ref status, true, segment, bytes.Length, new TcpSettings(), ref events, out timeout);
        Assert.Equal(TrackerVerdict.Invalid, verdict);
        Assert.Equal(300u, timeout);
        // Under 120 s left, nothing changes.
        verdict = TcpTracker.Packet(ref conn.State, ref status, true, segment, bytes.Length, new TcpSettings(), 100, ref events, out timeout);
        Assert.Equal(0u, timeout);
    }

    [Fact]
    public void Set_closing_moves_to_close()
    {
        var conn = Emulate("open transfer close", 3);
        var events = ConntrackEvents.None;
        Assert.True(TcpTracker.SetClosing(ref conn.State, conn.Status, new TcpSettings(), ref events, out var timeout));
        Assert.Equal(TcpConntrack.Close, conn.State.State);
        Assert.Equal(10u, timeout);
        Assert.Equal(ConntrackEvents.ProtoInfo, events);
        // Already closing: nothing more to do.
        events = ConntrackEvents.None;
        Assert.False(TcpTracker.SetClosing(ref conn.State, conn.Status, new TcpSettings(), ref events, out timeout));
        Assert.Equal(ConntrackEvents.None, events);
        Assert.True(TcpTracker.CanEarlyDrop(conn.State.State));
        Assert.False(TcpTracker.CanEarlyDrop(TcpConntrack.Established));
        // A fixed timeout: the state changes, the timeout does not.
        conn = Emulate("open transfer close", 3);
        Assert.False(TcpTracker.SetClosing(ref conn.State, conn.Status | CtStatus.FixedTimeout, new TcpSettings(), ref events, out _));
        Assert.Equal(TcpConntrack.Close, conn.State.State);
    }

    private static ConnectionEmulator Emulate(string scenario, int count)
    {
        var s = All[scenario];
        var conn = new ConnectionEmulator(s.Settings());
        foreach (var p in s.Packets.Take(count)) conn.Send(p);
        return conn;
    }

    [Fact]
    public void Valid_flags_are_the_kernels_list()
    {
        byte[] valid =
        [
            TcpFlags.Syn, TcpFlags.Syn | TcpFlags.Urg, TcpFlags.Syn | TcpFlags.Ack, TcpFlags.Rst,
            TcpFlags.Rst | TcpFlags.Ack, TcpFlags.Fin | TcpFlags.Ack, TcpFlags.Fin | TcpFlags.Ack | TcpFlags.Urg,
            TcpFlags.Ack, TcpFlags.Ack | TcpFlags.Urg,
        ];
        for (var flags = 0; flags < 256; flags++)
        {
            var core = (byte)(flags & ~(TcpFlags.Psh | TcpFlags.Ece | TcpFlags.Cwr));
            Assert.Equal(valid.Contains(core), TcpSegment.HasValidFlags((byte)flags));
        }
    }

    [Fact]
    public void Segment_parsing()
    {
        var bytes = new Pkt(false, TcpFlags.Syn | TcpFlags.Ece | TcpFlags.Cwr, 0xDEADBEEF, 0x01020304) { Options = SynOptionsWs7, Win = 1234, Payload = 7 }.Build();
        Assert.True(TcpSegment.TryParse(bytes, out var s));
        Assert.Equal(40000, s.SourcePort);
        Assert.Equal(8080, s.DestinationPort);
        Assert.Equal(0xDEADBEEFu, s.Seq);
        Assert.Equal(0x01020304u, s.Ack);
        Assert.Equal(40, s.HeaderLength);
        Assert.Equal(7, s.PayloadLength);
        Assert.Equal(1234, s.Window);
        Assert.Equal(20, s.Options.Length);
        Assert.True(s.IsSyn);
        Assert.False(s.IsAck);
        Assert.Equal(TcpIndex.Syn, TcpTracker.GetConntrackIndex(s.Flags));
        Assert.Equal(0xDEADBEEFu + 7 + 1, TcpTracker.SegmentSeqPlusLen(s.Seq, bytes.Length, s));

        Assert.False(TcpSegment.TryParse(bytes.AsSpan(0, 19), out _));   // under 20 bytes
        Assert.False(TcpSegment.TryParse(bytes.AsSpan(0, 39), out _));   // doff beyond the data
        var shortDoff = (byte[])bytes.Clone();
        shortDoff[12] = 4 << 4;
        Assert.False(TcpSegment.TryParse(shortDoff, out _));             // doff < 5
        Assert.True(TcpSegment.TryParse(bytes.AsSpan(0, 40), out var headerOnly));
        Assert.Equal(0, headerOnly.PayloadLength);
    }

    [Fact]
    public void Conntrack_index_follows_the_kernels_priority()
    {
        Assert.Equal(TcpIndex.Rst, TcpTracker.GetConntrackIndex(TcpFlags.Rst | TcpFlags.Syn | TcpFlags.Fin | TcpFlags.Ack));
        Assert.Equal(TcpIndex.SynAck, TcpTracker.GetConntrackIndex(TcpFlags.Syn | TcpFlags.Fin | TcpFlags.Ack));
        Assert.Equal(TcpIndex.Syn, TcpTracker.GetConntrackIndex(TcpFlags.Syn | TcpFlags.Fin));
        Assert.Equal(TcpIndex.Fin, TcpTracker.GetConntrackIndex(TcpFlags.Fin | TcpFlags.Ack));
        Assert.Equal(TcpIndex.Ack, TcpTracker.GetConntrackIndex(TcpFlags.Ack | TcpFlags.Psh));
        Assert.Equal(TcpIndex.None, TcpTracker.GetConntrackIndex(TcpFlags.Psh | TcpFlags.Urg));
    }

    [Fact]
    public void Sequence_comparison_wraps()
    {
        Assert.True(TcpTracker.Before(0xFFFFFFF0, 0x10));
        Assert.True(TcpTracker.After(0x10, 0xFFFFFFF0));
        Assert.False(TcpTracker.Before(5, 5));
        Assert.True(TcpTracker.Before(0, 0x7FFFFFFF));
        // Half the space away is "before" both ways, as (s32)(a - b) < 0 makes it.
        Assert.True(TcpTracker.Before(0, 0x80000000));
        Assert.True(TcpTracker.Before(0x80000000, 0));
    }

    [Fact]
    public void Options_window_scale_and_sack_permitted()
    {
        TcpDirection Parse(string hex, CtTcpFlags start = CtTcpFlags.None)
        {
            var bytes = new Pkt(false, TcpFlags.Syn, 1, 0) { Options = hex }.Build();
            Assert.True(TcpSegment.TryParse(bytes, out var s));
            var d = new TcpDirection { Flags = start, Scale = 3 };
            TcpTracker.TcpOptions(s, ref d);
            return d;
        }
        var ws = Parse("01030309");                                  // NOP, WS 9
        Assert.Equal(9, ws.Scale);
        Assert.Equal(CtTcpFlags.WindowScale, ws.Flags);
        Assert.Equal(14, Parse("0103031e").Scale);                   // WS 30 is clamped to TCP_MAX_WSCALE
        Assert.Equal(CtTcpFlags.SackPermitted, Parse("04020000").Flags);
        Assert.Equal(CtTcpFlags.None, Parse("00030307").Flags);      // EOL ends parsing
        Assert.Equal(CtTcpFlags.None, Parse("0101030a").Flags);      // partial option: not parsed
        // Parsing resets the scale and every flag but BE_LIBERAL first.
        var kept = Parse("01010101", CtTcpFlags.BeLiberal | CtTcpFlags.CloseInit | CtTcpFlags.MaxAckSet);
        Assert.Equal(CtTcpFlags.BeLiberal, kept.Flags);
        Assert.Equal(0, kept.Scale);
    }

    [Fact]
    public void Sack_takes_the_highest_right_edge()
    {
        uint Sack(string hex, uint ack)
        {
            var bytes = new Pkt(false, TcpFlags.Ack, 1, ack) { Options = hex }.Build();
            Assert.True(TcpSegment.TryParse(bytes, out var s));
            var sack = ack;
            TcpTracker.TcpSack(s, ref sack);
            return sack;
        }
        static string Block(uint left, uint right) => $"{left:x8}{right:x8}";
        // NOP NOP SACK with three blocks: the highest right edge wins.
        Assert.Equal(3000u, Sack("0101051a" + Block(1500, 2000) + Block(2500, 3000) + Block(2100, 2200), 1000));
        // Across the wrap, 0x10 is after 0xFFFFFF00.
        Assert.Equal(0x10u, Sack("0101050a" + Block(0xFFFFFFF0, 0x10), 0xFFFFFF00));
        // A right edge below the ACK does not lower it.
        Assert.Equal(1000u, Sack("0101050a" + Block(100, 200), 1000));
        // Timestamps only: the fast path.
        Assert.Equal(1000u, Sack("0101080a0000000100000002", 1000));
        // A SACK option with a bad length is skipped.
        Assert.Equal(1000u, Sack("0101050b" + Block(1500, 2000) + "000000", 1000));
    }

    [Fact]
    public void Sack_raises_the_acknowledged_edge_in_the_window_checks()
    {
        // The server SACKs data beyond its cumulative ACK: td_maxwin grows by sack - ack.
        var conn = new ConnectionEmulator(new TcpSettings());
        conn.Send(O(S, 1000) with { Options = SynOptionsWs7 });
        conn.Send(Rp(SA, 5000, 1001) with { Options = SynOptionsWs7 });
        conn.Send(O(A, 1001, 5001) with { Win = 500 });
        conn.Send(O(PA, 1001, 5001) with { Win = 500, Payload = 3000 });
        var maxwin = conn.State.Reply.MaxWin;
        var o = conn.Send(Rp(A, 5001, 2001) with { Win = 500, Options = "0101050a" + $"{2501:x8}{4001:x8}" });
        Assert.Equal(TrackerVerdict.Accept, o.Verdict);
        Assert.Equal(Math.Max(maxwin, (500u << 7) + 2000), conn.State.Reply.MaxWin);
        Assert.Equal(4001u + (500u << 7), conn.State.Original.MaxEnd);
    }

    [Fact]
    public void Settings_defaults_and_sysctl_names()
    {
        var s = new TcpSettings();
        Assert.True(s.Loose);
        Assert.False(s.BeLiberal);
        Assert.False(s.IgnoreInvalidRst);
        Assert.Equal(3, s.MaxRetrans);
        var defaults = new Dictionary<string, long>
        {
            ["nf_conntrack_tcp_loose"] = 1,
            ["nf_conntrack_tcp_be_liberal"] = 0,
            ["nf_conntrack_tcp_ignore_invalid_rst"] = 0,
            ["nf_conntrack_tcp_max_retrans"] = 3,
            ["nf_conntrack_tcp_timeout_syn_sent"] = 120,
            ["nf_conntrack_tcp_timeout_syn_recv"] = 60,
            ["nf_conntrack_tcp_timeout_established"] = 432000,
            ["nf_conntrack_tcp_timeout_fin_wait"] = 120,
            ["nf_conntrack_tcp_timeout_close_wait"] = 60,
            ["nf_conntrack_tcp_timeout_last_ack"] = 30,
            ["nf_conntrack_tcp_timeout_time_wait"] = 120,
            ["nf_conntrack_tcp_timeout_close"] = 10,
            ["nf_conntrack_tcp_timeout_max_retrans"] = 300,
            ["nf_conntrack_tcp_timeout_unacknowledged"] = 300,
        };
        Assert.Equal(defaults.Keys.Order(), TcpSettings.SysctlNames.Order());
        foreach (var (name, value) in defaults) Assert.Equal(value, s.Get(name));
        Assert.Equal(120u, s.TimeoutSynSent2);

        s.Set("nf_conntrack_tcp_timeout_established", 600);
        Assert.Equal(600u, s.TimeoutEstablished);
        s.Set("net.netfilter.nf_conntrack_tcp_be_liberal", 1);
        Assert.True(s.BeLiberal);
        s.Set("net/netfilter/nf_conntrack_tcp_max_retrans", 7);
        Assert.Equal(7, s.MaxRetrans);
        Assert.Throws<ArgumentException>(() => s.Set("nf_conntrack_tcp_timeout_syn_sent2", 5));
        Assert.Throws<ArgumentException>(() => s.Get("nf_conntrack_udp_timeout"));
        Assert.Throws<ArgumentOutOfRangeException>(() => s.Set("nf_conntrack_tcp_loose", 2));
        Assert.Throws<ArgumentOutOfRangeException>(() => s.Set("nf_conntrack_tcp_max_retrans", 256));
        Assert.Throws<ArgumentOutOfRangeException>(() => s.Set("nf_conntrack_tcp_timeout_close", -1));
    }

    [Fact]
    public void State_is_compact()
    {
        Assert.Equal(60, System.Runtime.CompilerServices.Unsafe.SizeOf<TcpState>());
    }
}

/// <summary>
/// Every scenario replayed on the running kernel (two namespaces, raw segments through A's
/// conntrack) and compared packet by packet with the tracker: state, entry kept or deleted,
/// ASSURED, UNREPLIED, timeout, counters (which tell ignored from accepted) and the INVALID count.
/// </summary>
public sealed class TcpKernelParityTests
{
    private static readonly string[] KernelStateNames =
        ["NONE", "SYN_SENT", "SYN_RECV", "ESTABLISHED", "FIN_WAIT", "CLOSE_WAIT", "LAST_ACK", "TIME_WAIT", "CLOSE", "SYN_SENT2"];

    [KernelFact("nft", "python3")]
    public void Scenarios_match_the_kernel()
    {
        using var net = new TestNetwork("tcp");
        // Neither stack may answer the handcrafted segments. B drops them on input. A must let
        // them in (new entries are confirmed at LOCAL_IN), so it drops its own answers in OUTPUT
        // before conntrack; the replayed segments carry mark 0x7c to pass.
        TestNetwork.Nft(net.B, "table inet tcpdrop {\n  chain in { type filter hook input priority 0; meta l4proto tcp drop; }\n}\n");
        TestNetwork.Nft(net.A, "table inet tcpdrop {\n  chain out { type filter hook output priority -300; meta l4proto tcp meta mark != 0x7c drop; }\n}\n");
        net.Ping(net.B4);

        var scenarios = All.Values.ToList();
        var cases = new JsonArray();
        for (var i = 0; i < scenarios.Count; i++)
        {
            var packets = new JsonArray();
            foreach (var p in scenarios[i].Packets)
                packets.Add(new JsonObject
                {
                    ["reply"] = p.Reply, ["flags"] = p.Flags, ["seq"] = p.Seq, ["ack"] = p.Ack,
                    ["win"] = p.Win, ["options"] = p.Options, ["payload"] = p.Payload,
                });
            var sysctls = new JsonObject();
            foreach (var (name, value) in scenarios[i].Sysctls) sysctls[name] = value;
            cases.Add(new JsonObject { ["cport"] = 20000 + i, ["sport"] = 8080, ["sysctls"] = sysctls, ["packets"] = packets });
        }
        var spec = new JsonObject { ["a"] = net.A, ["b"] = net.B, ["a_addr"] = net.A4, ["b_addr"] = net.B4, ["cases"] = cases };
        var run = Shell.Run("python3", [ReplayScript], timeoutMs: 300_000, stdin: spec.ToJsonString());
        Assert.True(run.ExitCode == 0, run.Stderr);
        var kernel = JsonNode.Parse(run.Stdout)!.AsArray();

        var mismatches = new StringBuilder();
        for (var i = 0; i < scenarios.Count; i++)
        {
            var scenario = scenarios[i];
            var conn = new ConnectionEmulator(scenario.Settings());
            var observed = kernel[i]!.AsArray();
            for (var j = 0; j < scenario.Packets.Length; j++)
            {
                var p = scenario.Packets[j];
                var ours = conn.Send(p);
                var theirs = observed[j]!;
                var entries = theirs["entries"]!.AsArray();
                var diffs = new List<string>();
                var invalid = theirs["invalid"]!.GetValue<int>();
                if (invalid != (ours.Verdict == TrackerVerdict.Invalid ? 1 : 0))
                    diffs.Add($"kernel INVALID count +{invalid}, tracker {ours.Verdict}");
                if (entries.Count > 1) diffs.Add($"kernel has {entries.Count} entries");
                var e = entries.Count > 0 ? entries[0] : null;
                var state = e is null ? "NONE" : e["state"]!.GetValue<string>();
                if (state != KernelStateNames[(int)ours.State]) diffs.Add($"state {state}, tracker {KernelStateNames[(int)ours.State]}");
                if (e is not null && ours.State != CtState.None)
                {
                    if (e["assured"]!.GetValue<bool>() != ours.Assured) diffs.Add($"assured {e["assured"]}, tracker {ours.Assured}");
                    if (e["unreplied"]!.GetValue<bool>() != ours.Unreplied) diffs.Add($"unreplied {e["unreplied"]}, tracker {ours.Unreplied}");
                    var timeout = e["timeout"]!.GetValue<long>();
                    if (timeout > ours.Timeout || timeout < ours.Timeout - 3L) diffs.Add($"timeout {timeout}, tracker {ours.Timeout}");
                    var (origPackets, replyPackets) = (e["orig_packets"]!.GetValue<long>(), e["reply_packets"]!.GetValue<long>());
                    if (origPackets != (long)ours.OrigPackets || replyPackets != (long)ours.ReplyPackets)
                        diffs.Add($"packets {origPackets}/{replyPackets}, tracker {ours.OrigPackets}/{ours.ReplyPackets}");
                    var flipped = e["orig_src"]!.GetValue<string>() == net.B4;
                    if (flipped != ours.Flipped) diffs.Add($"original direction from {(flipped ? "server" : "client")}");
                }
                if (diffs.Count > 0)
                    mismatches.AppendLine(CultureInfo.InvariantCulture, $"{scenario.Name} #{j} {p}: {string.Join("; ", diffs)}");
            }
        }
        Assert.True(mismatches.Length == 0, "tracker and kernel differ:\n" + mismatches);
    }

    private static string ReplayScript { get; } = FindScript();

    private static string FindScript()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "tests", "ConntrackTools.Core.Tests", "Engine", "tcp_replay.py");
            if (File.Exists(candidate)) return candidate;
        }
        throw new FileNotFoundException("tests/ConntrackTools.Core.Tests/Engine/tcp_replay.py not found above " + AppContext.BaseDirectory);
    }
}
