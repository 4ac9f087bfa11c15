using ConntrackTools.Engine.Helpers;
using Xunit;
using Xunit.Abstractions;

namespace ConntrackTools.Tests.Helpers;

/// <summary>nf_conntrack_amanda in the engine: the CONNECT line of the server's reply, the master's refresh, and kernel parity.</summary>
public class AmandaHelperTests(ITestOutputHelper output)
{
    private const string Client = "10.3.3.1", Server = "10.3.3.2";
    private static readonly string Rule = SmallHelperScenarios.Rule("amanda", "udp", 10080);

    private static CraftedTraffic Exchange(string reply, IReadOnlyDictionary<string, long>? options = null, string client = Client, string server = Server)
    {
        var t = new CraftedTraffic(options, Rule);
        t.Udp(client, 850, server, 10080, CraftedTraffic.Text("Amanda 2.6 REQ HANDLE 000-1 SEQ 1\nSERVICE sendbackup\n"));
        t.Udp(server, 10080, client, 850, CraftedTraffic.Text(reply));
        return t;
    }

    private static List<int> Ports(CraftedTraffic t) => [.. t.Expectations.Select(e => (int)e.Tuple.DestinationPort!).Order()];

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Each_port_of_the_connect_line_is_expected_from_the_client_to_the_server(bool ipv6)
    {
        var (c, s) = ipv6 ? ("fd00:3::1", "fd00:3::2") : (Client, Server);
        var t = Exchange("11 ACK HANDLE 000-1 SEQ 1\nCONNECT DATA 50000 MESG 50001 INDEX 50002 STATE 50003\nOPTIONS features=ff;\n", client: c, server: s);

        Assert.Equal([50000, 50001, 50002, 50003], Ports(t));
        Assert.All(t.Expectations, e =>
        {
            Assert.Equal(CtProtocol.Tcp, e.Protocol);
            Assert.Equal((c, s), (e.Tuple.Source!.ToString(), e.Tuple.Destination!.ToString()));
            Assert.False(e.WildcardSource);
            Assert.True(e.WildcardSourcePort);
            Assert.Equal(("amanda", 0u), (e.Helper, e.Class));
            Assert.Equal($"src={c} dst={s} sport=850 dport=10080", e.Master.ToString());
        });
        Assert.All(t.ExpectationEvents, e => Assert.Equal(180u, e.Expectation.Timeout));
        // The master now lives master_timeout.
        Assert.Equal(300u, Assert.Single(t.Engine.Snapshot()).Timeout);
    }

    [Theory]
    [InlineData("CONNECT DATA 50000\n", new[] { 50000 })]
    [InlineData("CONNECT MESG 50001 DATA 50000\n", new[] { 50000, 50001 })] // searched word by word, each anywhere in the line
    [InlineData("XCONNECT DATA 50000\n", new[] { 50000 })] // found anywhere in the datagram
    [InlineData("CONNECT XDATA 50000\n", new[] { 50000 })]
    [InlineData("CONNECT DATA 123456\n", new[] { 12345 })] // five digits at most
    [InlineData("CONNECT DATA 99999\n", new[] { 34463 })] // 99999 in 16 bits
    [InlineData("CONNECT DATA 5000x MESG 6000\n", new[] { 5000, 6000 })]
    [InlineData("CONNECT DATA 0 MESG 50001\n", new int[0])] // port 0 ends the search
    [InlineData("CONNECT DATA 65536 MESG 50001\n", new int[0])] // so does 0 in 16 bits
    [InlineData("CONNECT MESG 50001 DATA x\n", new int[0])] // DATA comes first: no number, port 0
    [InlineData("CONNECT DATA 50000", new int[0])] // no newline
    [InlineData("CONNECT\nDATA 50000\n", new int[0])]
    [InlineData("CONNECT DATA\n50000\n", new int[0])] // the word must end before the newline
    [InlineData("connect DATA 50000\n", new int[0])] // case-sensitive
    [InlineData("CONNECT DATA 50000 DATA 50001\n", new[] { 50000 })] // the first of each word
    [InlineData("CONNECT  DATA  50000\n", new int[0])] // "DATA " then a space: no digit
    [InlineData("", new int[0])]
    public void The_connect_line_is_read_as_the_kernel_reads_it(string reply, int[] ports)
    {
        var t = Exchange(reply);
        Assert.Equal(ports, Ports(t));
        Assert.Equal(0, t.Engine.Dropped);
    }

    [Fact]
    public void The_clients_datagrams_are_not_read_and_do_not_refresh_the_master()
    {
        var t = new CraftedTraffic(Rule);
        t.Udp(Client, 850, Server, 10080, CraftedTraffic.Text("CONNECT DATA 50000\n"));
        Assert.Empty(t.Expectations);
        Assert.Equal(30u, Assert.Single(t.Engine.Snapshot()).Timeout); // nf_conntrack_udp_timeout
    }

    [Fact]
    public void Every_server_datagram_refreshes_the_master_to_master_timeout_even_an_empty_one()
    {
        var t = Exchange("", new Dictionary<string, long> { ["nf_conntrack_amanda.master_timeout"] = 42 });
        Assert.Equal(42u, Assert.Single(t.Engine.Snapshot()).Timeout);
        t.Advance(40);
        t.Udp(Server, 10080, Client, 850, []);
        t.Advance(40);
        Assert.Single(t.Engine.Snapshot());
        t.Advance(3);
        Assert.Empty(t.Engine.Snapshot());
    }

    [Fact]
    public void The_data_connections_are_related_and_the_rest_die_with_the_master()
    {
        var t = Exchange("CONNECT DATA 50000 MESG 50001 INDEX 50002\n");
        new CraftedTcp(t, Client, 42000, Server, 50000).Open();
        Assert.Equal([50001, 50002], Ports(t));
        Assert.True(Assert.Single(t.Engine.Snapshot(), c => c.DestinationPort == 50000).Status.HasFlag(CtStatus.Expected));
        t.Engine.Flush();
        Assert.Empty(t.Expectations);
    }

    [Fact]
    public void Random_datagrams_never_throw()
    {
        var random = new Random(10080);
        var t = new CraftedTraffic(Rule);
        t.Udp(Client, 850, Server, 10080, []);
        var words = new[] { "CONNECT ", "DATA ", "MESG ", "INDEX ", "STATE ", "\n", " ", "0", "5", "65535", "x" };
        for (var i = 0; i < 2000; i++)
            t.Udp(Server, 10080, Client, 850, CraftedTraffic.Text(string.Concat(Enumerable.Range(0, random.Next(0, 12)).Select(_ => words[random.Next(words.Length)]))));
        Assert.InRange(t.Expectations.Count, 0, 4);
        Assert.Equal(0, t.Engine.Dropped);
    }

    [Fact]
    public void Amanda_is_described_as_registered()
    {
        var d = Assert.Single(HelperRegistry.All, h => h.Name == "amanda").Describe();
        Assert.Equal((CtProtocol.Udp, 10080), (d.Protocol, (int)Assert.Single(d.Ports)));
        Assert.Equal((4, 180u), (d.Policies[0].MaxExpected, d.Policies[0].Timeout));
        Assert.Equal(300, d.Options["master_timeout"]);
        var shape = Assert.Single(d.Expectations);
        Assert.Equal((CtFieldOrigin.Fixed, CtFieldOrigin.Any, CtFieldOrigin.Fixed, CtFieldOrigin.InCommand),
            (shape.SourceAddress, shape.SourcePort, shape.DestinationAddress, shape.DestinationPort));
    }

    [KernelTheory("conntrack", "nft", "tcpdump", "python3")]
    [InlineData(false)]
    [InlineData(true)]
    public void The_engine_replays_the_kernels_amanda_expectations(bool ipv6)
    {
        using var net = new TestNetwork("amd");
        // The master lives 300 s: a short wait for expiry, then the recorder's flush ends it (the engine flushes at the same point).
        var (recording, replay) = SmallHelperScenarios.RecordAndReplay(net, n => SmallHelperScenarios.AmandaConnect(n, ipv6), [Rule], TimeSpan.FromSeconds(4));
        foreach (var line in SmallHelperScenarios.Describe(recording, replay)) output.WriteLine(line);

        Assert.Equal(3, recording.ExpectationEvents.Count(e => e.Type == KernelEventType.New));
        Assert.Empty(EngineReplay.ExpectationDifferences(replay));
        Assert.Empty(EngineReplay.Differences(replay));
        Assert.Equal(3, replay.Events.Count(e => e.Type == CtEventType.New && e.Connection.Status.HasFlag(CtStatus.Expected)));
    }
}
