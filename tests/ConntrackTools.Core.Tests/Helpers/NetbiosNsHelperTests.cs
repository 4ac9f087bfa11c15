using ConntrackTools.Engine.Helpers;
using Xunit;
using Xunit.Abstractions;

namespace ConntrackTools.Tests.Helpers;

/// <summary>
/// nf_conntrack_netbios_ns (nf_conntrack_broadcast_help) in the engine: a broadcast query expects
/// the answers from the whole network, PERMANENT, for the helper's timeout; and kernel parity,
/// recorded in the namespace that sends the broadcast (the kernel expects only for local ones).
/// </summary>
public class NetbiosNsHelperTests(ITestOutputHelper output)
{
    private const string Host = "10.4.4.1";
    private static readonly string Rule = SmallHelperScenarios.Rule("netbios-ns", "udp", 137);

    private static CraftedTraffic Query(string destination, IReadOnlyDictionary<string, long>? options = null, string rule = "", ushort port = 137)
    {
        var t = new CraftedTraffic(options, rule.Length > 0 ? rule : Rule);
        t.Udp(Host, 40000, destination, port, CraftedTraffic.Text("query"));
        return t;
    }

    [Fact]
    public void A_query_to_the_networks_broadcast_expects_answers_from_any_host_of_the_network()
    {
        var t = Query("10.4.4.255");

        var exp = Assert.Single(t.Expectations);
        Assert.Equal("src=10.4.4.255 dst=10.4.4.1 sport=137 dport=40000", exp.Tuple.ToString());
        Assert.Equal("src=255.255.255.0 dst=255.255.255.255 sport=65535 dport=65535", exp.Mask.ToString());
        Assert.Equal(CtProtocol.Udp, exp.Protocol);
        Assert.Equal(CtExpectationFlags.Permanent, exp.Flags);
        Assert.Equal(("netbios-ns", 0u), (exp.Helper, exp.Class));
        Assert.Equal("src=10.4.4.1 dst=10.4.4.255 sport=40000 dport=137", exp.Master.ToString());
        Assert.Equal(3u, Assert.Single(t.ExpectationEvents).Expectation.Timeout);
        // The query's entry is refreshed to the helper's timeout.
        Assert.Equal(3u, Assert.Single(t.Engine.Snapshot()).Timeout);
    }

    [Fact]
    public void Every_answer_from_the_network_is_related_while_the_expectation_lives()
    {
        var t = Query("10.4.4.255");
        t.Udp("10.4.4.7", 137, Host, 40000, CraftedTraffic.Text("answer"));
        t.Udp("10.4.4.8", 137, Host, 40000, CraftedTraffic.Text("answer"));
        t.Udp("10.4.5.9", 137, Host, 40000, CraftedTraffic.Text("another network"));
        t.Udp("10.4.4.9", 138, Host, 40000, CraftedTraffic.Text("another port"));

        var related = t.Engine.Snapshot().Where(c => c.Status.HasFlag(CtStatus.Expected)).Select(c => c.Original.Source!.ToString()).Order().ToList();
        Assert.Equal(["10.4.4.7", "10.4.4.8"], related);
        Assert.Single(t.Expectations); // PERMANENT: still there

        t.Advance(3.1);
        Assert.Empty(t.Expectations);
        Assert.Equal(["New", "Destroy"], t.ExpectationEvents.Select(e => e.Type.ToString()));
        t.Udp("10.4.4.10", 137, Host, 40000, CraftedTraffic.Text("too late"));
        Assert.False(Assert.Single(t.Engine.Snapshot(), c => c.Original.Source!.ToString() == "10.4.4.10").Status.HasFlag(CtStatus.Expected));
    }

    [Theory]
    [InlineData("10.4.4.7", "unicast")]
    [InlineData("255.255.255.255", "the limited broadcast is no interface's broadcast address")]
    [InlineData("10.4.255.255", "the broadcast of another prefix")]
    [InlineData("10.4.4.0", "the network's own address")]
    public void Other_destinations_expect_nothing_and_refresh_nothing(string destination, string why)
    {
        var t = Query(destination);
        Assert.True(t.Expectations.Count == 0, why);
        Assert.Equal(30u, Assert.Single(t.Engine.Snapshot()).Timeout); // nf_conntrack_udp_timeout
    }

    [Fact]
    public void Answers_to_the_query_are_not_read()
    {
        var t = Query("10.4.4.7");
        // The reply direction of the unicast entry, carrying what would be a broadcast of the other side.
        t.Udp("10.4.4.7", 137, Host, 40000, CraftedTraffic.Text("answer"));
        Assert.Empty(t.Expectations);
    }

    [Theory]
    [InlineData(16, "10.4.255.255", "255.255.0.0")]
    [InlineData(30, "10.4.4.3", "255.255.255.252")]
    [InlineData(8, "10.255.255.255", "255.0.0.0")]
    public void Broadcast_prefix_sets_the_network_the_engine_takes_for_the_interfaces(int prefix, string broadcast, string mask)
    {
        var t = Query(broadcast, new Dictionary<string, long> { ["nf_conntrack_netbios_ns.broadcast_prefix"] = prefix });
        var exp = Assert.Single(t.Expectations);
        Assert.Equal(mask, exp.Mask.Source!.ToString());
        Assert.Equal(broadcast, exp.Tuple.Source!.ToString());
    }

    [Theory]
    [InlineData(0)]
    [InlineData(31)]
    [InlineData(32)]
    public void Broadcast_prefix_0_31_and_32_have_no_broadcast_address(int prefix)
    {
        var o = new Dictionary<string, long> { ["nf_conntrack_netbios_ns.broadcast_prefix"] = prefix };
        Assert.Empty(Query("10.4.4.255", o).Expectations);
        Assert.Empty(Query("10.4.4.1", o).Expectations);
        Assert.Empty(Query("255.255.255.255", o).Expectations);
    }

    [Fact]
    public void The_timeout_option_sets_the_masters_refresh_and_the_expectations_timer()
    {
        var t = Query("10.4.4.255", new Dictionary<string, long> { ["nf_conntrack_netbios_ns.timeout"] = 10 });
        Assert.Equal(10u, Assert.Single(t.Engine.Snapshot()).Timeout);
        Assert.Equal(10u, Assert.Single(t.Expectations).Timeout);
        t.Advance(9);
        Assert.Single(t.Expectations);
        t.Advance(1.1);
        Assert.Empty(t.Expectations);
    }

    [Fact]
    public void The_answers_come_from_the_helpers_port_whatever_port_the_query_went_to()
    {
        // helper->tuple.src.u.udp.port: measured on 6.18, a query to 1137 under netbios-ns expects answers from 137.
        var t = Query("10.4.4.255", rule: SmallHelperScenarios.Rule("netbios-ns", "udp", 1137), port: 1137);
        Assert.Equal((ushort)137, Assert.Single(t.Expectations).Tuple.SourcePort);
    }

    [Fact]
    public void A_second_query_from_the_same_socket_replaces_the_expectation()
    {
        var t = Query("10.4.4.255");
        t.Advance(2);
        t.Udp(Host, 40000, "10.4.4.255", 137, CraftedTraffic.Text("again"));
        Assert.Equal(["New", "Destroy", "New"], t.ExpectationEvents.Select(e => e.Type.ToString()));
        t.Advance(2);
        Assert.Single(t.Expectations); // the new one's 3 s run from the second query
        Assert.Single(t.Engine.Snapshot());
    }

    [Fact]
    public void Netbios_ns_is_registered_for_ipv4_only()
    {
        var helper = Assert.Single(HelperRegistry.All, h => h.Name == "netbios-ns");
        Assert.False(helper.Supports(CtFamily.IPv6));
        var t = new CraftedTraffic(Rule);
        t.Udp("fd00:4::1", 40000, "ff02::1", 137, CraftedTraffic.Text("query"));
        Assert.Empty(t.Expectations);

        var d = helper.Describe();
        Assert.Equal("nf_conntrack_netbios_ns", d.Module);
        Assert.Equal((1, 3u), (d.Policies[0].MaxExpected, d.Policies[0].Timeout));
        Assert.Equal("broadcast_prefix=24 timeout=3", string.Join(' ', d.Options.Select(o => $"{o.Key}={o.Value}")));
        var shape = Assert.Single(d.Expectations);
        Assert.Equal((CtFieldOrigin.InterfaceNetwork, CtFieldOrigin.Fixed, CtFieldOrigin.Fixed, CtFieldOrigin.Fixed),
            (shape.SourceAddress, shape.SourcePort, shape.DestinationAddress, shape.DestinationPort));
    }

    [KernelFact("conntrack", "nft", "tcpdump", "python3")]
    public void The_engine_replays_the_kernels_netbios_ns_expectation()
    {
        using var net = new TestNetwork("nbns");
        SmallHelperScenarios.UseBroadcastAddresses(net);
        var (recording, replay) = SmallHelperScenarios.RecordAndReplay(net, n => SmallHelperScenarios.BroadcastQuery(n, "netbios-ns", 137), [Rule]);
        foreach (var line in SmallHelperScenarios.Describe(recording, replay)) output.WriteLine(line);

        var created = Assert.Single(recording.ExpectationEvents, e => e.Type == KernelEventType.New);
        Assert.Contains("PERMANENT", created.Line);
        Assert.Empty(EngineReplay.ExpectationDifferences(replay));
        Assert.Empty(EngineReplay.Differences(replay));
        Assert.Single(replay.Events, e => e.Type == CtEventType.New && e.Connection.Status.HasFlag(CtStatus.Expected));
    }
}
