using ConntrackTools.Engine.Helpers;
using Xunit;
using Xunit.Abstractions;

namespace ConntrackTools.Tests.Helpers;

/// <summary>nf_conntrack_irc in the engine: DCC offers from the client, the refusals, the policy, and kernel parity.</summary>
public class IrcHelperTests(ITestOutputHelper output)
{
    private const string Client = "10.1.1.1", Server = "10.1.1.2", Other = "10.9.9.9";
    private const ushort ClientPort = 40000;
    private static readonly string Rule = SmallHelperScenarios.Rule("irc", "tcp", 6667);
    private static readonly string ClientNumber = SmallHelperScenarios.DccNumber(Client);

    private static (CraftedTraffic Traffic, CraftedTcp Tcp) Session(IReadOnlyDictionary<string, long>? options = null)
    {
        var t = new CraftedTraffic(options, Rule);
        return (t, new CraftedTcp(t, Client, ClientPort, Server, 6667).Open());
    }

    private static string Offer(string word, string address, string port) => $"PRIVMSG bob :\u0001DCC {word} arg {address} {port} 1\u0001\n";

    [Theory]
    [InlineData("SEND")]
    [InlineData("CHAT")]
    [InlineData("MOVE")]
    [InlineData("TSEND")]
    [InlineData("SCHAT")]
    public void A_dcc_offer_from_the_client_expects_a_connection_from_anywhere_to_the_offered_port(string word)
    {
        var (t, tcp) = Session();
        tcp.FromClient("NICK alice\r\n");
        tcp.FromClient(Offer(word, ClientNumber, "5000"));

        var exp = Assert.Single(t.Expectations);
        Assert.Equal("src=0.0.0.0 dst=10.1.1.1 sport=0 dport=5000", exp.Tuple.ToString());
        Assert.Equal("0.0.0.0", exp.Mask.Source!.ToString());
        Assert.Equal((ushort)0, exp.Mask.SourcePort);
        Assert.Equal(CtProtocol.Tcp, exp.Protocol);
        Assert.Equal($"src={Client} dst={Server} sport={ClientPort} dport=6667", exp.Master.ToString());
        Assert.Equal(("irc", 0u), (exp.Helper, exp.Class));
        Assert.Equal(300u, Assert.Single(t.ExpectationEvents).Expectation.Timeout); // at its creation
        Assert.Equal(CtExpectationFlags.None, exp.Flags);
    }

    [Theory]
    [InlineData("RESUME")] // not one of dccprotos
    [InlineData("ACCEPT")]
    [InlineData("send")] // the DCC words are compared case-sensitively
    public void Other_dcc_words_are_not_read(string word)
    {
        var (t, tcp) = Session();
        tcp.FromClient(Offer(word, ClientNumber, "5000"));
        Assert.Empty(t.Expectations);
    }

    [Fact]
    public void Privmsg_is_read_in_any_case_after_leading_blank_lines_and_numbers_wrap_as_simple_strtoul_reads_them()
    {
        var (t, tcp) = Session();
        // The address plus 2^32 is the same address in 32 bits; port 70536 is 5000 in 16.
        var wrapped = (ulong.Parse(ClientNumber) + (1UL << 32)).ToString();
        tcp.FromClient("\r\n \n  pRiVmSg bob :\u0001DCC CHAT chat " + wrapped + " 70536\u0001\n");
        Assert.Equal((ushort)5000, Assert.Single(t.Expectations).Tuple.DestinationPort);
    }

    [Theory]
    [InlineData(4000, true)]
    [InlineData(4052, false)] // the newline is the 4096th byte: past MAX_SEARCH_SIZE
    [InlineData(5000, false)]
    public void Only_the_first_4095_bytes_of_a_segment_are_read(int padding, bool expected)
    {
        var (t, tcp) = Session();
        var line = "PRIVMSG bob" + new string('x', padding) + " :\u0001DCC CHAT chat " + ClientNumber + " 5000\u0001\n";
        tcp.FromClient(line);
        Assert.Equal(expected, t.Expectations.Count == 1);
        Assert.True(!expected || line.Length <= 4095, $"{line.Length}");
        Assert.True(expected || padding != 4052 || line.Length == 4096, $"{line.Length}");
    }

    [Fact]
    public void Only_the_first_offer_of_a_segment_is_read()
    {
        var (t, tcp) = Session();
        tcp.FromClient(Offer("SEND", ClientNumber, "5000") + Offer("SEND", ClientNumber, "5001"));
        Assert.Equal((ushort)5000, Assert.Single(t.Expectations).Tuple.DestinationPort);
    }

    [Fact]
    public void An_offer_of_another_address_or_of_port_0_is_refused_as_forged()
    {
        var (t, tcp) = Session();
        tcp.FromClient(Offer("SEND", SmallHelperScenarios.DccNumber(Other), "5000"));
        tcp.FromClient(Offer("SEND", SmallHelperScenarios.DccNumber(Server), "5000"));
        tcp.FromClient(Offer("SEND", ClientNumber, "0"));
        tcp.FromClient(Offer("SEND", ClientNumber, "65536")); // 0 in 16 bits
        Assert.Empty(t.Expectations);
        Assert.Equal(4, t.Engine.HelperMessages.Count(m => m.Contains("Forged DCC command from 10.1.1.1")));
        Assert.Equal(0, t.Engine.Dropped);
    }

    [Fact]
    public void Offers_from_the_server_are_not_read()
    {
        var (t, tcp) = Session();
        tcp.FromServer(CraftedTraffic.Text(":bob!b@h PRIVMSG alice :\u0001DCC CHAT chat " + SmallHelperScenarios.DccNumber(Server) + " 5000\u0001\n"));
        tcp.FromServer(CraftedTraffic.Text(" :\u0001DCC CHAT chat " + ClientNumber + " 5000\u0001\n"));
        Assert.Empty(t.Expectations);
    }

    [Theory]
    [InlineData("PRIVMSG bob :\u0001DCC SEND file 168")] // cut short
    [InlineData("PRIVMSG bob :\u0001DCC SEND file 167837953 5000 100\u0001")] // no newline
    [InlineData("PRIVMSG bob :\u0001DCC SEND file167837953 5000\u0001\n")] // no space before the address: the numbers start at "5000"
    [InlineData("PRIVMSG bob :\u0001DC SEND file 167837953 5000 100\u0001\n")]
    [InlineData("PRIVMSG bob : \u0001DCC SEND file 167837953 5000 100\u0001\n")] // the first " :" must start the DCC
    [InlineData("NOTICE bob :\u0001DCC SEND file 167837953 5000 100\u0001\n")]
    [InlineData("PRIVMSG bob :\u0001DCC SEND file 167837953\u0001\n")] // no port: 0
    [InlineData("PRIVMSG\n")]
    [InlineData("\u0001DCC\n")]
    [InlineData("PRIVMSG bob :\u0001DCC SEND\n")]
    [InlineData("PRIVMSG bob :\u0001DCC SEND                 \n")]
    [InlineData("PRIVMSG bob :\u0001DCC SEND x                       ")]
    [InlineData("")]
    public void Malformed_or_truncated_lines_create_nothing_and_break_nothing(string line)
    {
        Assert.Equal("167837953", ClientNumber); // the lines above offer 10.1.1.1
        var (t, tcp) = Session();
        if (line.Length > 0) tcp.FromClient(line);
        Assert.Empty(t.Expectations);
        Assert.Equal(0, t.Engine.Dropped);
        // The session goes on and a good offer is still read.
        tcp.FromClient(Offer("CHAT", ClientNumber, "5000"));
        Assert.Single(t.Expectations);
    }

    [Fact]
    public void Random_segments_never_throw_and_never_expect_a_third_party()
    {
        var random = new Random(6667);
        var (t, tcp) = Session();
        var words = new[] { "PRIVMSG ", " :", "\u0001DCC ", "SEND ", "CHAT ", "TSEND ", ClientNumber, " ", "5000", "\n", "\r", "x", "\u0001", "99999999999999999999999" };
        for (var i = 0; i < 2000; i++)
        {
            var n = random.Next(0, 30);
            var s = string.Concat(Enumerable.Range(0, n).Select(_ => words[random.Next(words.Length)]));
            tcp.FromClient(s.Length == 0 ? "\n" : s);
        }
        Assert.All(t.Expectations, e => Assert.Equal(Client, e.Tuple.Destination!.ToString()));
        Assert.InRange(t.Expectations.Count, 0, 8);
        Assert.Equal(0, t.Engine.Dropped);
    }

    [Fact]
    public void A_ninth_offer_evicts_the_oldest()
    {
        var (t, tcp) = Session();
        for (var i = 0; i < 9; i++) tcp.FromClient(Offer("CHAT", ClientNumber, (6000 + i).ToString()));

        Assert.Equal(Enumerable.Range(6001, 8).Select(p => (ushort?)p), t.Expectations.Select(e => e.Tuple.DestinationPort).Order());
        var events = t.ExpectationEvents.Select(e => $"{e.Type} {e.Expectation.Tuple.DestinationPort}").ToList();
        Assert.Equal([.. Enumerable.Range(6000, 8).Select(p => $"New {p}"), "Destroy 6000", "New 6008"], events);
        Assert.Equal(0, t.Engine.Dropped);
    }

    [Fact]
    public void The_same_offer_again_replaces_its_expectation()
    {
        var (t, tcp) = Session();
        tcp.FromClient(Offer("CHAT", ClientNumber, "5000"));
        tcp.FromClient(Offer("SEND", ClientNumber, "5000"));
        Assert.Single(t.Expectations);
        Assert.Equal(["New", "Destroy", "New"], t.ExpectationEvents.Select(e => e.Type.ToString()));
    }

    [Fact]
    public void The_options_set_the_number_of_channels_and_their_timeout()
    {
        var (t, tcp) = Session(new Dictionary<string, long> { ["nf_conntrack_irc.max_dcc_channels"] = 2, ["nf_conntrack_irc.dcc_timeout"] = 60 });
        for (var i = 0; i < 3; i++) tcp.FromClient(Offer("CHAT", ClientNumber, (6000 + i).ToString()));
        Assert.Equal([6001, 6002], t.Expectations.Select(e => (int)e.Tuple.DestinationPort!).Order());
        // The timer is dcc_timeout's (the NEW event, sent before the helper sets it, still says the default's 300).
        Assert.All(t.Expectations, e => Assert.InRange(e.Timeout!.Value, 59u, 60u));
        t.Advance(61);
        Assert.Empty(t.Expectations);
    }

    [Fact]
    public void The_dcc_connection_is_related_to_the_session_and_uses_up_the_expectation()
    {
        var (t, tcp) = Session();
        tcp.FromClient(Offer("CHAT", ClientNumber, "5000"));
        new CraftedTcp(t, Other, 33000, Client, 5000).Open();

        Assert.Empty(t.Expectations);
        var dcc = Assert.Single(t.Engine.Snapshot(), c => c.DestinationPort == 5000);
        Assert.True(dcc.Status.HasFlag(CtStatus.Expected));
        Assert.Equal($"src={Client} dst={Server} sport={ClientPort} dport=6667", dcc.Master!.ToString());
        Assert.Null(dcc.Helper);
    }

    [Fact]
    public void The_expectations_die_with_the_session()
    {
        var (t, tcp) = Session();
        tcp.FromClient(Offer("CHAT", ClientNumber, "5000"));
        tcp.Close();
        t.Advance(121); // TIME_WAIT
        Assert.Empty(t.Expectations);
        Assert.Equal(["New", "Destroy"], t.ExpectationEvents.Select(e => e.Type.ToString()));
    }

    [Fact]
    public void Irc_is_registered_for_ipv4_only()
    {
        var helper = Assert.Single(HelperRegistry.All, h => h.Name == "irc");
        Assert.True(helper.Supports(CtFamily.IPv4));
        Assert.False(helper.Supports(CtFamily.IPv6));
        var t = new CraftedTraffic(Rule);
        var tcp = new CraftedTcp(t, "fd00::1", ClientPort, "fd00::2", 6667).Open();
        tcp.FromClient(Offer("CHAT", ClientNumber, "5000"));
        Assert.Empty(t.Expectations);
        Assert.Null(Assert.Single(t.Engine.Snapshot()).Helper);

        var d = helper.Describe();
        Assert.Equal(new ushort[] { 6667 }, d.Ports);
        Assert.Equal((8, 300u), (d.Policies[0].MaxExpected, d.Policies[0].Timeout));
        Assert.Equal("dcc_timeout=300 max_dcc_channels=8", string.Join(' ', d.Options.Select(o => $"{o.Key}={o.Value}")));
        var shape = Assert.Single(d.Expectations);
        Assert.Equal((CtFieldOrigin.Any, CtFieldOrigin.Any, CtFieldOrigin.Fixed, CtFieldOrigin.InCommand),
            (shape.SourceAddress, shape.SourcePort, shape.DestinationAddress, shape.DestinationPort));
    }

    [KernelTheory("conntrack", "nft", "tcpdump", "python3")]
    [InlineData("dcc offers")]
    [InlineData("nine offers")]
    public void The_engine_replays_the_kernels_irc_expectations(string scenario)
    {
        using var net = new TestNetwork("irc");
        var (recording, replay) = SmallHelperScenarios.RecordAndReplay(net,
            scenario == "dcc offers" ? SmallHelperScenarios.IrcDcc : n => SmallHelperScenarios.IrcManyOffers(n, 9),
            [Rule]);
        foreach (var line in SmallHelperScenarios.Describe(recording, replay)) output.WriteLine(line);

        var news = recording.ExpectationEvents.Count(e => e.Type == KernelEventType.New);
        Assert.Equal(scenario == "dcc offers" ? 2 : 9, news);
        Assert.Empty(EngineReplay.ExpectationDifferences(replay));
        Assert.Empty(EngineReplay.Differences(replay));
        if (scenario == "dcc offers")
            Assert.Contains(replay.Events, e => e.Connection.DestinationPort == SmallHelperScenarios.IrcDccPort && e.Connection.Status.HasFlag(CtStatus.Expected));
    }
}
