using ConntrackTools.Engine.Helpers;
using Xunit;
using Xunit.Abstractions;

namespace ConntrackTools.Tests.Helpers;

/// <summary>nf_conntrack_snmp (nf_conntrack_broadcast_help with a 30-second timeout), nf_nat_snmp_basic's snmp_trap, and kernel parity.</summary>
public class SnmpHelperTests(ITestOutputHelper output)
{
    private static readonly string Rule = SmallHelperScenarios.Rule("snmp", "udp", 161);

    [Fact]
    public void A_broadcast_get_expects_the_agents_answers_for_30_seconds()
    {
        var t = new CraftedTraffic(Rule);
        t.Udp("192.168.7.20", 50000, "192.168.7.255", 161, [0x30, 0x00]);

        var exp = Assert.Single(t.Expectations);
        Assert.Equal("src=192.168.7.255 dst=192.168.7.20 sport=161 dport=50000", exp.Tuple.ToString());
        Assert.Equal("255.255.255.0", exp.Mask.Source!.ToString());
        Assert.Equal(CtExpectationFlags.Permanent, exp.Flags);
        Assert.Equal("snmp", exp.Helper);
        Assert.Equal(30u, Assert.Single(t.ExpectationEvents).Expectation.Timeout);
        Assert.Equal(30u, Assert.Single(t.Engine.Snapshot()).Timeout);

        t.Udp("192.168.7.1", 161, "192.168.7.20", 50000, [0x30, 0x01]);
        t.Udp("192.168.7.2", 161, "192.168.7.20", 50000, [0x30, 0x01]);
        Assert.Equal(2, t.Engine.Snapshot().Count(c => c.Status.HasFlag(CtStatus.Expected)));
        t.Advance(30.1);
        Assert.Empty(t.Expectations);
    }

    [Fact]
    public void Unicast_gets_and_ipv6_expect_nothing()
    {
        var t = new CraftedTraffic(Rule);
        t.Udp("192.168.7.20", 50000, "192.168.7.1", 161, [0x30, 0x00]);
        t.Udp("fd00:7::20", 50001, "ff02::1", 161, [0x30, 0x00]);
        Assert.Empty(t.Expectations);
        Assert.Null(Assert.Single(t.Engine.Snapshot(), c => c.Family == CtFamily.IPv6).Helper);
    }

    [Fact]
    public void The_options_are_the_snmp_modules_own()
    {
        var t = new CraftedTraffic(new Dictionary<string, long> { ["nf_conntrack_snmp.timeout"] = 5, ["nf_conntrack_snmp.broadcast_prefix"] = 16 }, Rule);
        t.Udp("192.168.7.20", 50000, "192.168.255.255", 161, [0x30, 0x00]);
        var exp = Assert.Single(t.Expectations);
        Assert.Equal(("255.255.0.0", 5u), (exp.Mask.Source!.ToString(), exp.Timeout));
        Assert.Equal(5u, Assert.Single(t.Engine.Snapshot()).Timeout);
        // netbios-ns's options are not snmp's.
        var u = new CraftedTraffic(new Dictionary<string, long> { ["nf_conntrack_netbios_ns.broadcast_prefix"] = 16 }, Rule);
        u.Udp("192.168.7.20", 50000, "192.168.255.255", 161, [0x30, 0x00]);
        Assert.Empty(u.Expectations);
    }

    [Fact]
    public void Snmp_trap_is_there_and_expects_nothing()
    {
        var t = new CraftedTraffic(SmallHelperScenarios.Rule("snmp_trap", "udp", 162));
        t.Udp("192.168.7.1", 40000, "192.168.7.255", 162, [0x30, 0x00]);
        t.Udp("192.168.7.1", 40000, "192.168.7.20", 162, [0x30, 0x00]);
        Assert.Empty(t.Expectations);
        Assert.All(t.Engine.Snapshot(), c => Assert.Equal("snmp_trap", c.Helper));
        var d = Assert.Single(HelperRegistry.All, h => h.Name == "snmp_trap").Describe();
        Assert.Equal(("nf_nat_snmp_basic", 0, 180u), (d.Module, d.Policies[0].MaxExpected, d.Policies[0].Timeout));
        Assert.Empty(d.Expectations);
    }

    [Fact]
    public void Snmp_is_described_as_registered()
    {
        var helper = Assert.Single(HelperRegistry.All, h => h.Name == "snmp");
        Assert.False(helper.Supports(CtFamily.IPv6));
        var d = helper.Describe();
        Assert.Equal(("nf_conntrack_snmp", CtProtocol.Udp, (ushort)161), (d.Module, d.Protocol, Assert.Single(d.Ports)));
        Assert.Equal((1, 30u), (d.Policies[0].MaxExpected, d.Policies[0].Timeout));
        Assert.Equal("broadcast_prefix=24 timeout=30", string.Join(' ', d.Options.Select(o => $"{o.Key}={o.Value}")));
        Assert.Equal(CtFieldOrigin.InterfaceNetwork, Assert.Single(d.Expectations).SourceAddress);
    }

    [KernelFact("conntrack", "nft", "tcpdump", "python3")]
    public void The_engine_replays_the_kernels_snmp_expectation()
    {
        using var net = new TestNetwork("snmp");
        SmallHelperScenarios.UseBroadcastAddresses(net);
        // The query's entry and the expectation live 30 s: a short wait, then the recorder's flush ends them.
        var (recording, replay) = SmallHelperScenarios.RecordAndReplay(net, n => SmallHelperScenarios.BroadcastQuery(n, "snmp", 161), [Rule], TimeSpan.FromSeconds(3));
        foreach (var line in SmallHelperScenarios.Describe(recording, replay)) output.WriteLine(line);

        var created = Assert.Single(recording.ExpectationEvents, e => e.Type == KernelEventType.New);
        Assert.Contains("sport=161", created.Line);
        Assert.Empty(EngineReplay.ExpectationDifferences(replay));
        Assert.Empty(EngineReplay.Differences(replay));
        Assert.Single(replay.Events, e => e.Type == CtEventType.New && e.Connection.Status.HasFlag(CtStatus.Expected));
    }
}
