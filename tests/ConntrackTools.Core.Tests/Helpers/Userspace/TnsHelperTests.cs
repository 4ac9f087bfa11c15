using Xunit;
using static ConntrackTools.Tests.Helpers.HelperRun;

namespace ConntrackTools.Tests.Helpers.Userspace;

/// <summary>conntrackd's tns helper: a listener's REDIRECT (or the DATA after an empty one) expects the client's next connection.</summary>
public class TnsHelperTests
{
    private const string Client = "10.0.0.1", Listener = "10.0.0.2";
    private const string Connect = "(DESCRIPTION=(CONNECT_DATA=(SERVICE_NAME=orcl)(CID=(PROGRAM=sqlplus)(HOST=client)(USER=scott)))(ADDRESS=(PROTOCOL=TCP)(HOST=10.0.0.2)(PORT=1521)))";
    private const string Redirect = "(DESCRIPTION=(ADDRESS=(PROTOCOL=TCP)(HOST=10.0.0.3)(PORT=1522)))";

    private static (HelperRun Run, TcpFlow Flow) Session(string client = Client, string listener = Listener, params string[] extraRules)
    {
        var run = new HelperRun([.. extraRules, "tcp dport 1521 ct helper set tns"]);
        var flow = new TcpFlow(run, client, 40000, listener, 1521);
        flow.Open();
        flow.Client(Messages.TnsConnect(Connect));
        return (run, flow);
    }

    [Fact]
    public void A_redirect_expects_the_client_at_the_new_address_and_port()
    {
        var (run, flow) = Session();
        Assert.Empty(run.Expectations); // the client's CONNECT is not read, though it names a HOST and PORT
        flow.Server(Messages.TnsRedirect(Redirect));

        var exp = Assert.Single(run.Expectations);
        AssertExpectation(exp, CtProtocol.Tcp, Client, null, "10.0.0.3", 1522, 300, CtExpectationFlags.None, "tns");
        Assert.Equal((ushort?)1521, exp.Master.DestinationPort);

        new TcpFlow(run, Client, 40001, "10.0.0.3", 1522).Open();
        AssertRelated(run.Connection(Client, 40001), Client, 1521);
        Assert.Empty(run.Expectations); // not PERMANENT: the connection took it
    }

    [Fact]
    public void An_empty_redirect_defers_to_the_next_DATA_packet_whose_flags_end_the_C_string_when_zero()
    {
        // With the usual data flags 0x0000, find_pattern's strstr stops at their NUL: nothing.
        var (run, flow) = Session();
        flow.Server(Messages.TnsRedirect("", announceLength: false));
        flow.Server(Messages.TnsData(Redirect));
        Assert.Empty(run.Expectations);

        // Flags without a zero byte let the text be read.
        (run, flow) = Session();
        flow.Server(Messages.TnsRedirect("", announceLength: false));
        flow.Server(Messages.TnsData(Redirect, flags: 0x2020));
        AssertExpectation(Assert.Single(run.Expectations), CtProtocol.Tcp, Client, null, "10.0.0.3", 1522, 300, CtExpectationFlags.None, "tns");

        // Only the very next packet from the listener counts: a pure ACK in between reads type 0.
        (run, flow) = Session();
        flow.Server(Messages.TnsRedirect("", announceLength: false));
        flow.ServerAck();
        flow.Server(Messages.TnsData(Redirect, flags: 0x2020));
        Assert.Empty(run.Expectations);

        // And a DATA packet without a preceding empty redirect is not read.
        (run, flow) = Session();
        flow.Server(Messages.TnsData(Redirect, flags: 0x2020));
        Assert.Empty(run.Expectations);
    }

    [Theory]
    [InlineData("(ADDRESS=(PROTOCOL=TCP)(HOST=db.example.com)(PORT=1522))")] // FIXME in the source: no host names
    [InlineData("(ADDRESS=(PROTOCOL=TCP)(HOST=10.0.0.3)(PORT=0))")]
    [InlineData("(ADDRESS=(PROTOCOL=TCP)(HOST=10.0.0.3)(PORT=15x2))")]
    [InlineData("(ADDRESS=(PROTOCOL=TCP)(HOST=10.0.0.3))")]
    [InlineData("(ADDRESS=(PROTOCOL=TCP)(HOST=10.0.3)(PORT=1522))")]
    [InlineData("(ADDRESS=(PROTOCOL=TCP)(HOST =10.0.0.3)(PORT=1522))")]
    [InlineData("ADDRESS=PROTOCOL=TCP HOST=10.0.0.3 PORT=1522")]
    public void A_redirect_without_a_dotted_host_and_a_port_expects_nothing(string text)
    {
        var (run, flow) = Session();
        flow.Server(Messages.TnsRedirect(text));
        Assert.Empty(run.Expectations);
        Assert.Equal(0, run.Engine.Dropped);
    }

    [Theory]
    [InlineData("(ADDRESS=(PROTOCOL=TCP)(HOST= 10.0.0.3 )(PORT= 1522 ))", "10.0.0.3", 1522)] // spaces are skipped
    [InlineData("(ADDRESS=(PROTOCOL=TCP)(HOST=10.0.0.300)(PORT=1522))", "10.0.1.44", 1522)]  // 300 spills into the third octet
    [InlineData("(ADDRESS=(PROTOCOL=TCP)(HOST=10.0.0.3)(PORT=70000))", "10.0.0.3", 4464)]    // 16-bit arithmetic
    [InlineData("(ADDRESS=(HOST=10.0.0.3)(PROTOCOL=TCP)(PORT=1522))", "10.0.0.3", 1522)]
    public void The_host_and_port_are_read_as_the_source_reads_them(string text, string address, ushort port)
    {
        var (run, flow) = Session();
        flow.Server(Messages.TnsRedirect(text));
        AssertExpectation(Assert.Single(run.Expectations), CtProtocol.Tcp, Client, null, address, port, 300, CtExpectationFlags.None, "tns");
    }

    [Fact]
    public void A_redirect_from_the_client_is_not_read()
    {
        var (run, flow) = Session();
        flow.Client(Messages.TnsRedirect(Redirect));
        Assert.Empty(run.Expectations);
    }

    [Fact]
    public void On_IPv6_the_IPv4_host_fills_the_first_32_bits()
    {
        var (run, flow) = Session("fd00::1", "fd00::2");
        flow.Server(Messages.TnsRedirect(Redirect));
        AssertExpectation(Assert.Single(run.Expectations), CtProtocol.Tcp, "fd00::1", null, "a00:3::", 1522, 300, CtExpectationFlags.None, "tns");
    }

    [Fact]
    public void A_repeated_redirect_changes_nothing_and_another_zone_drops_it()
    {
        var (run, flow) = Session();
        flow.Server(Messages.TnsRedirect(Redirect));
        flow.ClientAck();
        flow.Server(Messages.TnsRedirect(Redirect));
        Assert.Single(run.Expectations);
        Assert.Single(run.ExpectationEvents); // ctnetlink_new_expect found it: no DESTROY, no NEW

        // A second address evicts the first (ExpectMax 1).
        flow.Server(Messages.TnsRedirect("(ADDRESS=(PROTOCOL=TCP)(HOST=10.0.0.4)(PORT=1523))"));
        Assert.Equal((ushort?)1523, Assert.Single(run.Expectations).Tuple.DestinationPort);

        var (zoned, zflow) = Session(Client, Listener, "tcp port 1521 ct zone set 7");
        zflow.Server(Messages.TnsRedirect(Redirect));
        Assert.Empty(zoned.Expectations);
        Assert.Equal(1, zoned.Engine.Dropped);
    }
}
