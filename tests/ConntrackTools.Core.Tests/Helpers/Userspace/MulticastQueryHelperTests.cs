using Xunit;
using static ConntrackTools.Tests.Helpers.HelperRun;

namespace ConntrackTools.Tests.Helpers.Userspace;

/// <summary>conntrackd's mdns and slp helpers: a multicast query expects unicast answers from the queried port.</summary>
public class MulticastQueryHelperTests
{
    private const string Client = "192.168.1.10";

    [Fact]
    public void An_mdns_query_expects_unicast_answers_from_port_5353()
    {
        var run = new HelperRun("ip daddr 224.0.0.251/32 udp dport 5353 ct helper set mdns");
        run.Send(Ip.Udp(Client, 40000, "224.0.0.251", 5353, Messages.MdnsQuery()));

        var exp = Assert.Single(run.Expectations);
        AssertExpectation(exp, CtProtocol.Udp, null, 5353, Client, 40000, 30, CtExpectationFlags.Permanent, "mdns");

        // Every responder that answers from 5353 is related; one from another port is not.
        run.Send(Ip.Udp("192.168.1.20", 5353, Client, 40000, Messages.MdnsAnswer()));
        run.Send(Ip.Udp("192.168.1.21", 5353, Client, 40000, Messages.MdnsAnswer()));
        run.Send(Ip.Udp("192.168.1.22", 5354, Client, 40000, Messages.MdnsAnswer()));
        AssertRelated(run.Connection("192.168.1.20", 5353), Client, 5353);
        AssertRelated(run.Connection("192.168.1.21", 5353), Client, 5353);
        Assert.False(run.Connection("192.168.1.22", 5354).Status.HasFlag(CtStatus.Expected));
        Assert.Single(run.Expectations);

        // The policy's 30 s: then it is gone, and a late answer is a connection of its own.
        run.Engine.Advance(run.Now + 31_000_000_000);
        Assert.Empty(run.Expectations);
        run.Send(Ip.Udp("192.168.1.23", 5353, Client, 40000, Messages.MdnsAnswer()));
        Assert.False(run.Connection("192.168.1.23", 5353).Status.HasFlag(CtStatus.Expected));
    }

    [Fact]
    public void Each_query_packet_renews_the_same_expectation()
    {
        var run = new HelperRun("udp dport 5353 ct helper set mdns");
        run.Send(Ip.Udp(Client, 40000, "224.0.0.251", 5353, Messages.MdnsQuery()));
        run.Send(Ip.Udp(Client, 40000, "224.0.0.251", 5353, Messages.MdnsQuery()));
        run.Send(Ip.Udp(Client, 40000, "224.0.0.251", 5353, []));
        Assert.Single(run.Expectations);
        Assert.Equal(3, run.NewExpectations);
        Assert.Equal(2, run.ExpectationEvents.Count(e => e.Type == CtEventType.Destroy));
    }

    [Fact]
    public void An_IPv6_mdns_query_expects_answers_to_the_link_local_sender()
    {
        var run = new HelperRun("ip6 daddr ff02::fb/128 udp dport 5353 ct helper set mdns");
        run.Send(Ip.Udp("fe80::a", 40000, "ff02::fb", 5353, Messages.MdnsQuery()));
        AssertExpectation(Assert.Single(run.Expectations), CtProtocol.Udp, null, 5353, "fe80::a", 40000, 30, CtExpectationFlags.Permanent, "mdns");
        run.Send(Ip.Udp("fe80::20", 5353, "fe80::a", 40000, Messages.MdnsAnswer()));
        AssertRelated(run.Connection("fe80::20", 5353), "fe80::a", 5353);
    }

    [Fact]
    public void An_slp_service_request_expects_the_replies_for_16_s()
    {
        var run = new HelperRun("ip daddr 239.255.255.253/32 udp dport 427 ct helper set slp");
        run.Send(Ip.Udp(Client, 40001, "239.255.255.253", 427, Messages.SlpSrvRqst()));

        var exp = Assert.Single(run.Expectations);
        AssertExpectation(exp, CtProtocol.Udp, null, 427, Client, 40001, 16, CtExpectationFlags.Permanent, "slp");

        run.Send(Ip.Udp("192.168.1.30", 427, Client, 40001, Messages.SlpSrvRply()));
        AssertRelated(run.Connection("192.168.1.30", 427), Client, 427);
        // A reply to another port of the client is not this request's.
        run.Send(Ip.Udp("192.168.1.31", 427, Client, 40002, Messages.SlpSrvRply()));
        Assert.False(run.Connection("192.168.1.31", 427).Status.HasFlag(CtStatus.Expected));

        run.Engine.Advance(run.Now + 17_000_000_000);
        Assert.Empty(run.Expectations);
    }
}
