using ConntrackTools.Engine;
using Xunit;

namespace ConntrackTools.Tests.Engine;

/// <summary>The engine as a whole on synthetic traffic: table, events, timeouts, rules.</summary>
public class EngineTests
{
    private const long S = 1_000_000_000;

    private static (ConntrackEngine Engine, List<CtEvent> Events) Run(IEnumerable<SyntheticCapture.Frame> frames, EngineSettings? settings = null)
    {
        var engine = new ConntrackEngine("t", settings);
        var events = new List<CtEvent>();
        engine.Subscribe(events.Add);
        foreach (var f in frames) engine.Process(LinkType.Raw, f.Data, f.Data.Length, f.TimestampNs);
        return (engine, events);
    }

    [Fact]
    public void A_tcp_connection_gives_the_kernels_event_sequence_and_expires()
    {
        var (open, data, close) = SyntheticCapture.Tcp(1, 2, 10);
        var settings = new EngineSettings();
        settings.Set("nf_conntrack_tcp_timeout_time_wait", 2);
        var (engine, events) = Run(open.Concat(data).Concat(close), settings);

        var ct = Assert.Single(engine.Snapshot());
        Assert.Equal(CtState.TimeWait, ct.State);
        Assert.Equal(CtStatus.Confirmed | CtStatus.SeenReply | CtStatus.Assured, ct.Status);
        Assert.Equal((5ul, 3ul), (ct.OriginalPackets!.Value, ct.ReplyPackets!.Value)); // SYN, ACK, data, FIN, ACK; SYN-ACK, data, FIN
        Assert.Equal(4ul * 40 + 50, ct.OriginalBytes);
        Assert.Equal("engine:t", ct.Backend);
        Assert.Equal((ushort)443, ct.DestinationPort);
        Assert.Equal(ct.Original.Source, ct.Reply.Destination);

        var seq = events.Select(e => (e.Type, e.Connection.State)).ToList();
        Assert.Equal(
        [
            (CtEventType.New, CtState.SynSent),
            (CtEventType.Update, CtState.SynRecv),
            (CtEventType.Update, CtState.Established),
            (CtEventType.Update, CtState.FinWait),
            (CtEventType.Update, CtState.LastAck),
            (CtEventType.Update, CtState.TimeWait),
        ], seq);
        Assert.True(events[0].Connection.Unreplied);
        Assert.True(events[2].Connection.Status.HasFlag(CtStatus.Assured));

        // Time passes (a later packet of anything, or Advance): TIME_WAIT runs out, DESTROY.
        engine.Advance(close[^1].TimestampNs + 3 * S);
        Assert.Empty(engine.Snapshot());
        var destroy = events[^1];
        Assert.Equal(CtEventType.Destroy, destroy.Type);
        Assert.Equal(ct.Id, destroy.Connection.Id);
        Assert.NotNull(destroy.Connection.Stop);
    }

    [Fact]
    public void Many_flows_are_found_from_both_directions_and_removed_cleanly()
    {
        var (open, data, close) = SyntheticCapture.Tcp(5000, 4, 1);
        var settings = new EngineSettings();
        settings.Set("nf_conntrack_tcp_timeout_time_wait", 1);
        var (engine, _) = Run(open.Concat(data).Concat(close), settings);
        Assert.Equal(5000, engine.Count);
        Assert.Equal(0, engine.Invalid);
        Assert.All(engine.Snapshot(), c => Assert.Equal(CtState.TimeWait, c.State));
        engine.Advance(close[^1].TimestampNs + 2 * S);
        Assert.Equal(0, engine.Count);
        // The slots are reused: the same traffic again makes the same table.
        var t = close[^1].TimestampNs + 10 * S;
        foreach (var f in open) engine.Process(LinkType.Raw, f.Data, f.Data.Length, t += 1000);
        Assert.Equal(5000, engine.Count);
        Assert.All(engine.Snapshot(), c => Assert.Equal(CtState.Established, c.State));
    }

    [Fact]
    public void Udp_singles_are_unreplied_and_time_out_at_the_udp_timeout()
    {
        var frames = SyntheticCapture.UdpSingles(100, 8);
        var (engine, events) = Run(frames);
        Assert.Equal(100, engine.Count);
        Assert.All(engine.Snapshot(), c => { Assert.True(c.Unreplied); Assert.InRange(c.Timeout!.Value, 29u, 30u); });
        engine.Advance(frames[^1].TimestampNs + 29 * S);
        Assert.Equal(100, engine.Count);
        engine.Advance(frames[^1].TimestampNs + 31 * S);
        Assert.Equal(0, engine.Count);
        Assert.Equal(100, events.Count(e => e.Type == CtEventType.Destroy));
    }

    [Fact]
    public void Notrack_and_zone_rules_apply_before_tracking()
    {
        var frames = SyntheticCapture.UdpSingles(10, 8);
        var settings = new EngineSettings();
        settings.Rules.Add(new EngineRule { Action = EngineRuleAction.NoTrack, Protocol = CtProtocol.Udp, Source = System.Net.IPNetwork.Parse("10.0.0.0/8"), DestinationPort = 53 });
        var (engine, events) = Run(frames, settings);
        Assert.Equal(0, engine.Count);
        Assert.Equal(10, engine.Untracked);
        Assert.Empty(events);

        settings = new EngineSettings();
        settings.Rules.Add(new EngineRule { Action = EngineRuleAction.Zone, Value = 5 });
        settings.Rules.Add(new EngineRule { Action = EngineRuleAction.Mark, Value = 0x42, Port = 53 });
        (engine, _) = Run(frames, settings);
        Assert.All(engine.Snapshot(), c => Assert.Equal(((ushort)5, 0x42u), (c.Zone, c.Mark)));
    }

    [Fact]
    public void Settings_take_the_kernels_sysctl_names()
    {
        var s = new EngineSettings();
        s.Set("net.netfilter.nf_conntrack_udp_timeout", 7);
        s.Set("nf_conntrack_tcp_be_liberal", 1);
        s.Set("nf_conntrack_acct", 0);
        Assert.Equal(7, s.Get("nf_conntrack_udp_timeout"));
        Assert.Equal(1, s.Get("nf_conntrack_tcp_be_liberal"));
        Assert.False(s.Accounting);
        Assert.Equal(432000, s.Get("nf_conntrack_tcp_timeout_established"));
        Assert.Throws<ArgumentException>(() => s.Set("nf_conntrack_bogus", 1));
        Assert.Contains("nf_conntrack_sctp_timeout_established", EngineSettings.SettingNames);
    }
}
