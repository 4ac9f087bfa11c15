using System.Net;
using ConntrackTools.Engine;
using Xunit;

namespace ConntrackTools.Tests.Helpers;

/// <summary>
/// How the engine assigns helpers and keeps expectations (nf_conntrack_helper.c, nft_ct.c,
/// nf_conntrack_expect.c), shown with the tftp helper, whose one UDP packet makes an expectation.
/// </summary>
public class HelperFrameworkTests
{
    private const string Client = "10.0.0.1", Server = "10.0.0.2";
    private static readonly byte[] ReadRequest = [0, 1, .. "file\0octet\0"u8];

    private static byte[] Request(ushort sport = 40000, string server = Server) => Ip.Udp(Client, sport, server, 69, ReadRequest);

    [Fact]
    public void The_first_rule_of_the_packets_protocol_assigns_the_helper_and_marks_it_explicit()
    {
        // tftp is a UDP helper: nft ignores a ct helper object of another protocol, and so does the engine.
        var run = new HelperRun("tcp dport 69 ct helper set tftp", "tcp dport 69 ct helper set ftp", "udp dport 69 ct helper set tftp");
        run.Send(Ip.Tcp(Client, 39000, Server, 69, 1, 0, Ip.Syn));
        run.Send(Request());
        var tcp = run.Connection(Client, 39000);
        Assert.Equal(CtProtocol.Tcp, tcp.Protocol);
        Assert.Equal("ftp", tcp.Helper);
        Assert.True(tcp.Status.HasFlag(CtStatus.Helper));
        var udp = Assert.Single(run.Engine.Snapshot(), c => c.Protocol == CtProtocol.Udp);
        Assert.Equal("tftp", udp.Helper);
        Assert.Single(run.Expectations);
    }

    [Fact]
    public void A_rule_restricted_by_address_leaves_other_servers_without_a_helper()
    {
        var run = new HelperRun($"ip daddr {Server} udp dport 69 ct helper set tftp");
        run.Send(Request(40000, "10.0.0.3"));
        run.Send(Request(40001));
        Assert.Null(run.Connection(Client, 40000).Helper);
        Assert.Equal("tftp", run.Connection(Client, 40001).Helper);
        Assert.Equal(IPAddress.Parse(Server), Assert.Single(run.Expectations).Tuple.Source);
    }

    [Fact]
    public void Untracked_packets_get_no_helper_and_make_no_expectation()
    {
        var run = new HelperRun("udp dport 69 notrack", "udp dport 69 ct helper set tftp");
        run.Send(Request());
        Assert.Empty(run.Engine.Snapshot());
        Assert.Empty(run.Expectations);
        Assert.Equal(1, run.Engine.Untracked);
    }

    [Fact]
    public void Automatic_assignment_by_port_happens_only_when_switched_on_and_is_not_explicit()
    {
        var off = new HelperRun();
        off.Send(Request());
        Assert.Null(off.Connection(Client, 40000).Helper);
        Assert.Empty(off.Expectations);

        var on = new HelperRun(s => s.Set("net.netfilter.nf_conntrack_helper", 1));
        on.Send(Request());
        var ct = on.Connection(Client, 40000);
        Assert.Equal("tftp", ct.Helper);
        Assert.False(ct.Status.HasFlag(CtStatus.Helper), "automatic assignment does not set IPS_HELPER");
        Assert.Single(on.Expectations);
    }

    [Fact]
    public void The_expected_connection_is_related_takes_the_masters_mark_and_gets_no_helper_of_its_own()
    {
        var run = new HelperRun("udp dport 69 meta mark set 0x2a", "udp dport 69 ct helper set tftp");
        run.Send(Request());
        run.Send(Ip.Udp(Server, 50000, Client, 40000, [0, 3, 0, 1, .. "data"u8]));
        var data = run.Connection(Server, 50000);
        HelperRun.AssertRelated(data, Client, 69);
        Assert.Equal(0x2au, data.Mark);
        Assert.Null(data.Helper);
        Assert.Empty(run.Expectations);
        Assert.Equal(["New", "Destroy"], run.ExpectationEvents.Select(e => e.Type.ToString()));
        var statistic = run.Engine.GetStatistics();
        Assert.Equal((1ul, 1ul, 1ul), (statistic.ExpectationNew, statistic.ExpectationCreate, statistic.ExpectationDelete));
    }

    [Fact]
    public void An_expectation_expires_after_its_policy_timeout()
    {
        var run = new HelperRun(s => s.Set("nf_conntrack_udp_timeout", 1000), "udp dport 69 ct helper set tftp");
        run.Send(Request());
        run.Engine.Advance(run.Now + 299L * 1_000_000_000);
        Assert.Equal(1u, Assert.Single(run.Expectations).Timeout);
        run.Engine.Advance(run.Now + 301L * 1_000_000_000);
        Assert.Empty(run.Expectations);
        Assert.Equal("Destroy", run.ExpectationEvents[^1].Type.ToString());
        // Too late: the answer is a new connection of its own, not RELATED.
        run.Now += 301L * 1_000_000_000;
        run.Send(Ip.Udp(Server, 50000, Client, 40000, [0, 3, 0, 1]));
        Assert.False(run.Connection(Server, 50000).Status.HasFlag(CtStatus.Expected));
    }

    [Fact]
    public void Expectations_die_with_their_master()
    {
        var run = new HelperRun("udp dport 69 ct helper set tftp"); // the UDP entry lives 30 s, its expectation 300 s
        run.Send(Request());
        Assert.Single(run.Expectations);
        run.Engine.Advance(run.Now + 31L * 1_000_000_000);
        Assert.Empty(run.Engine.Snapshot());
        Assert.Empty(run.Expectations);
        Assert.Equal(["New", "Destroy"], run.ExpectationEvents.Select(e => e.Type.ToString()));
    }

    [Fact]
    public void A_flush_removes_connections_and_their_expectations()
    {
        var run = new HelperRun("udp dport 69 ct helper set tftp");
        run.Send(Request(40000));
        run.Send(Request(40001));
        Assert.Equal(2, run.Expectations.Count);
        run.Engine.Flush();
        Assert.Empty(run.Expectations);
        Assert.Equal(2, run.ExpectationEvents.Count(e => e.Type == CtEventType.Destroy));
    }

    [Fact]
    public void An_expectation_is_matched_only_in_its_masters_zone()
    {
        var run = new HelperRun($"ip saddr {Client} ct zone set 5", "udp dport 69 ct helper set tftp");
        run.Send(Request());
        Assert.Equal((ushort)5, Assert.Single(run.Expectations).Zone);
        run.Send(Ip.Udp(Server, 50000, Client, 40000, [0, 3, 0, 1])); // zone 0: no match
        Assert.False(run.Connection(Server, 50000).Status.HasFlag(CtStatus.Expected));
        Assert.Single(run.Expectations);
    }

    [Fact]
    public void A_second_request_on_the_same_master_replaces_the_first_expectation()
    {
        // The same tuple and mask from the same master: expect_matches, so the old one is removed and the new one inserted.
        var run = new HelperRun("udp dport 69 ct helper set tftp");
        run.Send(Request());
        run.Send(Request());
        Assert.Single(run.Expectations);
        Assert.Equal(["New", "Destroy", "New"], run.ExpectationEvents.Select(e => e.Type.ToString()));
    }

    [Fact]
    public void The_expectation_table_limit_refuses_and_the_helper_drops()
    {
        var run = new HelperRun(s => s.Set("nf_conntrack_expect_max", 1), "udp dport 69 ct helper set tftp");
        run.Send(Request(40000));
        run.Send(Request(40001)); // the table is full: nf_ct_expect_related fails, tftp drops the first packet
        Assert.Single(run.Expectations);
        Assert.Equal(1, run.Engine.Dropped);
        Assert.Single(run.Engine.Snapshot());
        Assert.Contains(run.Engine.HelperMessages, m => m.Contains("expectation table full", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("tcp dport 21 ct helper set nosuch", "there is no helper 'nosuch'")]
    [InlineData("tcp dport 21 ct helper ftp", "expected 'ct helper set NAME'")]
    [InlineData("tcp dport 21 ct helper set", "needs a value")]
    public void A_bad_helper_rule_is_refused_with_a_reason(string rule, string reason)
    {
        var e = Assert.Throws<ArgumentException>(() => EngineRule.Parse(rule));
        Assert.Contains(reason, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Helper_rules_and_options_read_back_as_written()
    {
        Assert.Equal("ip daddr 10.0.0.2/32 tcp dport 21 ct helper set \"ftp\"", EngineRule.Parse("ip daddr 10.0.0.2 tcp dport 21 ct helper set \"ftp\"").ToString());
        var settings = new EngineSettings();
        Assert.Equal(0, settings.Get("nf_conntrack_ftp.loose"));
        settings.Set("/sys/module/nf_conntrack_ftp/parameters/loose", 1);
        Assert.Equal(1, settings.Get("nf_conntrack_ftp.loose"));
        Assert.Throws<ArgumentException>(() => settings.Set("nf_conntrack_ftp.nosuch", 1));
        Assert.Contains("nf_conntrack_ftp.loose", EngineSettings.SettingNames);
    }

    [Fact]
    public void Helpers_describe_their_degree_of_freedom()
    {
        var helpers = ConntrackTools.Engine.Helpers.HelperCatalog.Describe(null, "engine").ToList();
        var ftp = Assert.Single(helpers, h => h.Name == "ftp");
        Assert.Equal(new ushort[] { 21 }, ftp.Ports);
        Assert.Equal((1, 300u), (ftp.Policies[0].MaxExpected, ftp.Policies[0].Timeout));
        var strict = Assert.Single(ftp.Expectations, s => s.Option == "loose=0");
        Assert.Equal((CtFieldOrigin.Fixed, CtFieldOrigin.InCommand), (strict.DestinationAddress, strict.DestinationPort));
        Assert.Equal(CtFieldOrigin.InCommand, Assert.Single(ftp.Expectations, s => s.Option == "loose=1").DestinationAddress);
        var tftp = Assert.Single(helpers, h => h.Name == "tftp");
        Assert.False(Assert.Single(tftp.Expectations).PayloadChosen);
        // Every helper describes at least one kind of expectation (but snmp_trap, which only rewrites
        // payloads under NAT and expects nothing), and every policy has a timeout.
        Assert.All(helpers.Where(h => h.Name != "snmp_trap"), h => Assert.NotEmpty(h.Expectations));
        Assert.Empty(Assert.Single(helpers, h => h.Name == "snmp_trap").Expectations);
        Assert.All(helpers, h => Assert.All(h.Policies, p => Assert.True(p.Timeout > 0, $"{h.Name} {p.Name}")));
    }

    [Fact]
    public void A_flow_stays_168_bytes_with_the_helper_bit()
    {
        Assert.Equal(168, System.Runtime.CompilerServices.Unsafe.SizeOf<Flow>());
    }
}
