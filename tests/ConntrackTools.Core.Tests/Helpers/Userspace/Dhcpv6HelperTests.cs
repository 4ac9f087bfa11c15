using Xunit;
using static ConntrackTools.Tests.Helpers.HelperRun;

namespace ConntrackTools.Tests.Helpers.Userspace;

/// <summary>conntrackd's dhcpv6 helper: a multicast client message expects the servers' replies to port 546.</summary>
public class Dhcpv6HelperTests
{
    private const string Client = "fe80::a", Server = "fe80::b", Group = "ff02::1:2";

    private static HelperRun Run(string rule = $"ip6 daddr {Group}/128 udp dport 547 ct helper set dhcpv6") => new(rule);

    [Fact]
    public void A_solicit_expects_the_advertise_which_is_related_and_the_request_lives_120_s()
    {
        var run = Run();
        run.Send(Ip.Udp(Client, 546, Group, 547, Messages.Dhcpv6Client(1)));

        var exp = Assert.Single(run.Expectations);
        AssertExpectation(exp, CtProtocol.Udp, null, null, Client, 546, 300, CtExpectationFlags.Permanent, "dhcpv6");
        Assert.Equal(CtFamily.IPv6, exp.Family);
        Assert.Equal((System.Net.IPAddress.Parse(Client), (ushort?)547), (exp.Master.Source, exp.Master.DestinationPort));
        var solicit = run.Connection(Client, 546);
        Assert.Equal("dhcpv6", solicit.Helper);
        Assert.Equal(120u, solicit.Timeout); // dhcpv6_timeouts[SOLICIT], not UDP's 30
        // The expectation came before the entry's NEW, as the verdict attaches it before confirmation.
        Assert.Equal(CtEventType.New, run.ExpectationEvents[0].Type);
        Assert.Equal(120u, run.Events.Single(e => e.Type == CtEventType.New).Connection.Timeout);

        run.Send(Ip.Udp(Server, 547, Client, 546, Messages.Dhcpv6Advertise()));
        var advertise = run.Connection(Server, 547);
        AssertRelated(advertise, Client, 547);
        Assert.Null(advertise.Helper);
        Assert.Single(run.Expectations); // PERMANENT: a second server may answer too
        run.Send(Ip.Udp("fe80::c", 547, Client, 546, Messages.Dhcpv6Advertise()));
        AssertRelated(run.Connection("fe80::c", 547), Client, 547);
    }

    [Theory]
    [InlineData(1, 120)]  // Solicit
    [InlineData(3, 30)]   // Request
    [InlineData(4, 4)]    // Confirm
    [InlineData(5, 600)]  // Renew
    [InlineData(6, 600)]  // Rebind
    [InlineData(8, 1)]    // Release
    [InlineData(9, 1)]    // Decline
    [InlineData(11, 120)] // Information-request
    [InlineData(2, 30)]   // Advertise: 0 in the table, UDP's own timeout stays
    [InlineData(13, 30)]  // Relay-reply: the last entry
    public void The_request_timeout_follows_the_message_type(byte type, uint timeout)
    {
        var run = Run();
        run.Send(Ip.Udp(Client, 546, Group, 547, Messages.Dhcpv6Client(type)));
        Assert.Equal(timeout, run.Connection(Client, 546).Timeout);
        Assert.Single(run.Expectations);
    }

    [Theory]
    [InlineData(14)] // past the table: the source reads dhcpv6_timeouts[14], the built helper drops it
    [InlineData(200)]
    public void A_message_type_past_the_table_is_dropped(byte type)
    {
        var run = Run();
        run.Send(Ip.Udp(Client, 546, Group, 547, Messages.Dhcpv6Client(type)));
        Assert.Empty(run.Engine.Snapshot()); // a dropped first packet leaves no entry
        Assert.Empty(run.Expectations);
        Assert.Equal(1, run.Engine.Dropped);
        Assert.Contains(run.Engine.HelperMessages, m => m.Contains($"bad type {type}"));
    }

    [Fact]
    public void An_empty_message_reads_type_0_and_still_expects()
    {
        var run = Run();
        run.Send(Ip.Udp(Client, 546, Group, 547, []));
        Assert.Single(run.Expectations);
        Assert.Equal(30u, run.Connection(Client, 546).Timeout);
    }

    [Fact]
    public void A_unicast_message_expects_nothing()
    {
        var run = Run("udp dport 547 ct helper set dhcpv6");
        run.Send(Ip.Udp(Client, 546, Server, 547, Messages.Dhcpv6Client(3)));
        Assert.Equal("dhcpv6", run.Connection(Client, 546).Helper);
        Assert.Empty(run.Expectations);
        Assert.Equal(30u, run.Connection(Client, 546).Timeout);
    }

    [Fact]
    public void A_retransmitted_solicit_replaces_the_expectation()
    {
        var run = Run();
        run.Send(Ip.Udp(Client, 546, Group, 547, Messages.Dhcpv6Client(1)));
        run.Send(Ip.Udp(Client, 546, Group, 547, Messages.Dhcpv6Client(1)));
        Assert.Single(run.Expectations);
        Assert.Equal([CtEventType.New, CtEventType.Destroy, CtEventType.New], run.ExpectationEvents.Select(e => e.Type));
    }

    [Fact]
    public void It_is_registered_for_IPv6_only()
    {
        var run = Run("udp dport 547 ct helper set dhcpv6");
        run.Send(Ip.Udp("192.0.2.1", 546, "224.0.0.1", 547, Messages.Dhcpv6Client(1)));
        Assert.Null(run.Connection("192.0.2.1", 546).Helper);
        Assert.Empty(run.Expectations);
    }
}
