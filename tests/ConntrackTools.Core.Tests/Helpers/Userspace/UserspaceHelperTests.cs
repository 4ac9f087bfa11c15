using ConntrackTools.Engine;
using ConntrackTools.Engine.Helpers;
using Xunit;
using static ConntrackTools.Tests.Helpers.HelperRun;

namespace ConntrackTools.Tests.Helpers.Userspace;

/// <summary>What all conntrackd helpers share: registration, the policy options, no automatic assignment.</summary>
public class UserspaceHelperTests
{
    [Theory]
    [InlineData("dhcpv6", CtProtocol.Udp, 547, 1, 300)]
    [InlineData("mdns", CtProtocol.Udp, 5353, 8, 30)]
    [InlineData("slp", CtProtocol.Udp, 427, 8, 16)]
    [InlineData("ssdp", CtProtocol.Udp, 1900, 8, 300)]
    [InlineData("ssdp", CtProtocol.Tcp, -1, 8, 300)]
    [InlineData("rpc", CtProtocol.Udp, 111, 1, 300)]
    [InlineData("rpc", CtProtocol.Tcp, 111, 1, 300)]
    [InlineData("tns", CtProtocol.Tcp, 1521, 1, 300)]
    public void Each_helper_is_registered_with_the_example_configurations_policy(string name, CtProtocol protocol, int port, int max, uint timeout)
    {
        var h = HelperRegistry.Find(name, protocol);
        Assert.NotNull(h);
        Assert.Equal(protocol, h.Protocol);
        Assert.True(h.Userspace);
        Assert.False(h.AutoAssign);
        Assert.Equal("ct_helper_" + name, h.Module);
        Assert.Equal(port < 0 ? [] : new[] { (ushort)port }, h.Ports);
        Assert.Equal(new ExpectPolicy(name, max, timeout), Assert.Single(h.Policies));
        Assert.Equal(new[] { ("expect_max", (long)max), ("expect_timeout", (long)timeout) }, h.Options.Select(o => (o.Name, o.Default)));
        Assert.NotEmpty(h.Shapes);
        Assert.All(h.Shapes, s => Assert.Equal(name, s.Helper));
        var described = h.Describe();
        Assert.True(described.Userspace);
        Assert.Equal("ct_helper_" + name, described.Module);
        Assert.Contains($"ct_helper_{name}.expect_timeout", EngineSettings.SettingNames);
    }

    [Fact]
    public void The_payload_chosen_shapes_are_ssdp_LOCATION_and_SUBSCRIBE_rpc_and_tns()
    {
        var chosen = HelperRegistry.All.Where(h => h.Userspace).SelectMany(h => h.Shapes).Where(s => s.PayloadChosen)
            .Select(s => $"{s.Helper}/{s.Protocol}/{s.Name}").Distinct().Order().ToList();
        Assert.Equal(
        [
            "rpc/Tcp/program port (GETPORT reply)", "rpc/Udp/program port (GETPORT reply)", "ssdp/Tcp/LOCATION description fetch",
            "ssdp/Tcp/SUBSCRIBE callback (NOTIFY)", "tns/Tcp/redirected session",
        ], chosen);
    }

    [Fact]
    public void Helpers_by_port_never_pick_a_userspace_helper()
    {
        var run = new HelperRun(s => s.Set("nf_conntrack_helper", 1));
        run.Send(Ip.Udp("192.168.1.10", 40000, "224.0.0.251", 5353, Messages.MdnsQuery()));
        run.Send(Ip.Udp("10.0.0.1", 700, "10.0.0.2", 111, Messages.GetPortCall(1, 100005, 3, 17)));
        Assert.All(run.Engine.Snapshot(), c => Assert.Null(c.Helper));
        Assert.Empty(run.Expectations);
    }

    [Fact]
    public void ExpectTimeout_is_the_expectations_timeout_from_its_NEW_event_on()
    {
        var run = new HelperRun(s => s.Set("ct_helper_ssdp.expect_timeout", 60), "udp dport 1900 ct helper set ssdp");
        run.Send(Ip.Udp("192.168.1.10", 50000, "239.255.255.250", 1900, Messages.MSearch()));
        Assert.Equal(60u, Assert.Single(run.Expectations).Timeout);
        Assert.Equal(60u, run.ExpectationEvents.Single().Expectation.Timeout);
        run.Engine.Advance(run.Now + 61_000_000_000);
        Assert.Empty(run.Expectations);
        // Other helpers keep their own.
        Assert.Equal(300u, HelperRegistry.Find("ssdp", CtProtocol.Udp)!.Policies[0].Timeout);
    }

    [Theory]
    [InlineData(1, new ushort[] { 2049 })]
    [InlineData(2, new ushort[] { 20048, 2049 })]
    [InlineData(0, new ushort[] { 20048, 2049, 4045 })] // 0: no limit
    public void ExpectMax_bounds_one_connections_expectations(long max, ushort[] kept)
    {
        var run = new HelperRun(s => s.Set("ct_helper_rpc.expect_max", max), "tcp dport 111 ct helper set rpc");
        var pmap = new TcpFlow(run, "10.0.0.1", 800, "10.0.0.2", 111);
        pmap.Open();
        uint xid = 1;
        foreach (var (program, port) in new[] { (100005u, 20048u), (100003u, 2049u), (100021u, 4045u) }.Take(max == 0 ? 3 : 2))
        {
            pmap.Client(Messages.RecordMarked(Messages.GetPortCall(xid, program, 3, 6)));
            pmap.Server(Messages.RecordMarked(Messages.GetPortReply(xid++, port)));
        }
        Assert.Equal(kept.Order(), run.Expectations.Select(e => e.Tuple.DestinationPort!.Value).Order());
    }
}
