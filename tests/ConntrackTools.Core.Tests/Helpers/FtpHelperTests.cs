using System.Net;
using ConntrackTools.Engine;
using Xunit;

namespace ConntrackTools.Tests.Helpers;

/// <summary>The ftp helper on crafted control connections: what it expects, and what it refuses.</summary>
public class FtpHelperTests
{
    private const string Client = "10.0.0.1", Server = "10.0.0.2";
    private const string Rule = "tcp dport 21 ct helper set ftp";

    /// <summary>A logged-in control connection: both directions have sent a first line, so the next lines are parsed.</summary>
    private static (HelperRun Run, TcpFlow Flow) Session(Action<EngineSettings>? configure = null, string client = Client, string server = Server)
    {
        var run = new HelperRun(configure, Rule);
        var flow = new TcpFlow(run, client, 40000, server, 21);
        flow.Open();
        flow.Server(Ip.Ascii("220 ready\r\n"));
        flow.Client(Ip.Ascii("USER anonymous\r\n"));
        return (run, flow);
    }

    [Fact]
    public void PORT_expects_the_server_to_connect_to_the_address_and_port_given()
    {
        var (run, flow) = Session();
        flow.Server(Ip.Ascii("331 password\r\n"));
        flow.Client(Ip.Ascii("PORT 10,0,0,1,195,80\r\n"));
        var exp = Assert.Single(run.Expectations);
        HelperRun.AssertExpectation(exp, CtProtocol.Tcp, Server, null, Client, 50000, 300, CtExpectationFlags.None, "ftp");
        Assert.Equal("src=10.0.0.1 dst=10.0.0.2 sport=40000 dport=21", exp.Master.ToString());

        // The server's data connection is RELATED and consumes the expectation.
        run.Send(Ip.Tcp(Server, 20, Client, 50000, 7, 0, Ip.Syn));
        HelperRun.AssertRelated(run.Connection(Server, 20), Client, 21);
        Assert.Empty(run.Expectations);
        Assert.Equal(1, run.Engine.ExpectationsNew);
    }

    [Theory]
    [InlineData("227 Entering Passive Mode (10,0,0,2,195,81).\r\n", 50001)]
    [InlineData("227 Entering Passive Mode 10,0,0,2,195,81\r\n", 50001)] // RFC 1123: no parentheses
    [InlineData("229 Entering Extended Passive Mode (|||50002|)\r\n", 50002)]
    public void Passive_replies_expect_the_client_to_connect_to_the_server(string reply, ushort port)
    {
        var (run, flow) = Session();
        flow.Server(Ip.Ascii(reply));
        var exp = Assert.Single(run.Expectations);
        HelperRun.AssertExpectation(exp, CtProtocol.Tcp, Client, null, Server, port, 300, CtExpectationFlags.None, "ftp");
        run.Send(Ip.Tcp(Client, 41000, Server, port, 9, 0, Ip.Syn));
        HelperRun.AssertRelated(run.Connection(Client, 41000), Client, 21);
    }

    [Fact]
    public void EPRT_over_IPv6_expects_the_address_given()
    {
        var (run, flow) = Session(client: "fd00::1", server: "fd00::2");
        flow.Client(Ip.Ascii("EPRT |2|fd00::1|50003|\r\n"));
        HelperRun.AssertExpectation(Assert.Single(run.Expectations), CtProtocol.Tcp, "fd00::2", null, "fd00::1", 50003, 300, CtExpectationFlags.None, "ftp");
    }

    [Theory]
    [InlineData("PORT 192,0,2,9,195,80\r\n")]
    [InlineData("EPRT |1|192.0.2.9|50000|\r\n")]
    public void A_third_party_address_is_refused_unless_loose(string command)
    {
        var (run, flow) = Session();
        flow.Client(Ip.Ascii(command));
        Assert.Empty(run.Expectations);
        Assert.Equal(0, run.Engine.Dropped);

        var (loose, looseFlow) = Session(s => s.Set("nf_conntrack_ftp.loose", 1));
        looseFlow.Client(Ip.Ascii(command));
        // loose=1: the expectation is for the third party, from the server.
        HelperRun.AssertExpectation(Assert.Single(loose.Expectations), CtProtocol.Tcp, Server, null, "192.0.2.9", 50000, 300, CtExpectationFlags.None, "ftp");
    }

    [Theory]
    [InlineData("PORT 10,0,0")]              // cut short: the rest is in the next segment
    [InlineData("PORT 10,0,0,1,195\r\n")]    // five numbers
    [InlineData("PORT ten,0,0,1,195,80\r\n")]
    [InlineData("EPRT |2|10.0.0.1|5|\r\n")]  // protocol 2 on an IPv4 connection
    [InlineData("PO")]                       // the command word itself cut
    public void A_malformed_or_partial_command_is_dropped_and_creates_nothing(string command)
    {
        var (run, flow) = Session();
        flow.Client(Ip.Ascii(command));
        Assert.Empty(run.Expectations);
        Assert.Equal(1, run.Engine.Dropped);
        Assert.Contains(run.Engine.HelperMessages, m => m.Contains("partial matching", StringComparison.Ordinal));
    }

    [Fact]
    public void A_line_is_only_read_at_the_start_of_a_line()
    {
        var (run, flow) = Session();
        flow.Client(Ip.Ascii("NOOP PORT 10,0,0,1,195,80\r\n")); // not at the start
        flow.Client(Ip.Ascii("SITE "));                        // no newline: the next segment is mid-line
        flow.Client(Ip.Ascii("PORT 10,0,0,1,195,80\r\n"));
        Assert.Empty(run.Expectations);
        flow.Client(Ip.Ascii("PORT 10,0,0,1,195,82\r\n"));   // after a newline again
        Assert.Equal((ushort)50002, Assert.Single(run.Expectations).Tuple.DestinationPort);
    }

    [Fact]
    public void Nothing_is_read_before_traffic_went_both_ways()
    {
        var run = new HelperRun(Rule);
        run.Send(Ip.Tcp(Client, 40000, Server, 21, 1000, 0, Ip.Syn));
        run.Send(Ip.Tcp(Client, 40000, Server, 21, 1001, 0, Ip.Psh | Ip.Ack, Ip.Ascii("PORT 10,0,0,1,195,80\r\n")));
        Assert.Empty(run.Expectations);
        Assert.Equal("ftp", Assert.Single(run.Engine.Snapshot()).Helper);
    }

    [Fact]
    public void A_new_PASV_evicts_the_old_expectation_max_expected_1()
    {
        var (run, flow) = Session();
        flow.Server(Ip.Ascii("227 Entering Passive Mode (10,0,0,2,195,81).\r\n"));
        flow.Server(Ip.Ascii("227 Entering Passive Mode (10,0,0,2,195,82).\r\n"));
        Assert.Equal((ushort)50002, Assert.Single(run.Expectations).Tuple.DestinationPort);
        Assert.Equal(["New", "Destroy", "New"], run.ExpectationEvents.Select(e => e.Type.ToString()));
        Assert.Equal((ushort)50001, run.ExpectationEvents[1].Expectation.Tuple.DestinationPort);
    }
}
