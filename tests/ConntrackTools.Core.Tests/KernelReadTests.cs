using System.Net;
using ConntrackTools.Kernel.Conntrack;
using ConntrackTools.Kernel.Netlink;
using Xunit;
using Xunit.Abstractions;

namespace ConntrackTools.Tests;

/// <summary>
/// The read path against the real kernel, compared with conntrack-tools on the same table:
/// every field of every entry, in namespaces made for the test.
/// </summary>
public class KernelReadTests(ITestOutputHelper output)
{
    private static Dictionary<uint, CtConnection> Dump(string netns, CtConnectionFilter? filter = null)
    {
        using var client = ConntrackClient.Open(netns);
        var result = new Dictionary<uint, CtConnection>();
        client.DumpConnections(filter, ct => result.Add(ct.Id, ct));
        return result;
    }

    [KernelFact("conntrack", "nft", "ping", "python3")]
    public void Every_field_of_a_10000_entry_table_equals_conntrack_xml()
    {
        TableFiller.EnsureLabelConfig();
        using var net = new TestNetwork("big");
        TableFiller.EnableLabels(net.A);
        TableFiller.Fill(net.A, 10_000);
        net.Tcp(net.B4, 8080, 3);
        net.Tcp(net.B6, 8081, 2);
        net.Udp(net.B4, 5353, 2);
        net.Udp(net.B6, 5354, 1);
        net.Ping(net.B4);
        net.Ping(net.B6);

        var before = DateTimeOffset.UtcNow;
        var cli = ConntrackCli.List(net.A);
        var after = DateTimeOffset.UtcNow;
        var ours = Dump(net.A);
        // Timeouts count down between the two listings: allow the seconds that passed, and one more.
        var slack = (long)Math.Ceiling((DateTimeOffset.UtcNow - before).TotalSeconds) + 1;
        output.WriteLine($"conntrack: {cli.Count} entries, ConntrackTools: {ours.Count}");
        Assert.True(cli.Count >= 10_000 + 9, $"expected the filled table plus real traffic, conntrack shows {cli.Count}");
        Assert.Equal(cli.Keys.Order(), ours.Keys.Order());

        var checkedIcmp = 0;
        foreach (var (id, c) in cli)
        {
            var o = ours[id];
            var at = $"entry {id} ({o})";
            Assert.True(c.Family == (int)o.Family, at);
            Assert.True(c.Protocol == (int)o.Protocol, at);
            Assert.True(c.OrigSrc == o.Original.Source?.ToString(), at);
            Assert.True(c.OrigDst == o.Original.Destination?.ToString(), at);
            Assert.True(c.OrigSport == o.Original.SourcePort, at);
            Assert.True(c.OrigDport == o.Original.DestinationPort, at);
            Assert.True(c.ReplySrc == o.Reply.Source?.ToString(), at);
            Assert.True(c.ReplyDst == o.Reply.Destination?.ToString(), at);
            Assert.True(c.ReplySport == o.Reply.SourcePort, at);
            Assert.True(c.ReplyDport == o.Reply.DestinationPort, at);
            Assert.True(c.OrigPackets == o.OriginalPackets && c.OrigBytes == o.OriginalBytes, at + " original counters");
            Assert.True(c.ReplyPackets == o.ReplyPackets && c.ReplyBytes == o.ReplyBytes, at + " reply counters");
            Assert.True(ConntrackCli.ParseState(c.TextState) == o.State, $"{at}: state {c.TextState} vs {o.State}");
            if (o.Protocol != CtProtocol.Sctp) Assert.True(ConntrackCli.ParseState(c.State) == o.State, $"{at}: xml state {c.State} vs {o.State}");
            Assert.True(o.Timeout is { } timeout && timeout <= c.Timeout && c.Timeout - timeout <= slack, $"{at}: timeout {c.Timeout} vs {o.Timeout} (slack {slack} s)");
            Assert.True(c.Mark == o.Mark, at);
            Assert.True(c.Zone == o.Zone, at);
            Assert.True(c.Use == o.Use, at);
            Assert.True(c.Assured == o.Status.HasFlag(CtStatus.Assured), at);
            Assert.True(c.Unreplied == o.Unreplied, at);
            Assert.True(c.Helper == o.Helper, at);
            Assert.True(c.Secctx == o.SecurityContext, at);
            Assert.True(c.Labels.SequenceEqual(o.LabelNames ?? []), $"{at}: labels {string.Join(',', c.Labels)} vs {string.Join(',', o.LabelNames ?? [])}");
            if (c.DeltaTime is { } delta)
                // conntrack printed now - start, in whole seconds, at some moment between before and after.
                Assert.True(o.Start is { } start && delta >= Math.Floor((before - start).TotalSeconds) - 1 && delta <= Math.Ceiling((after - start).TotalSeconds) + 1,
                    $"{at}: delta-time {delta} vs start {o.Start} (listed between {before:O} and {after:O})");
            if (c.IcmpType is not null)
            {
                Assert.True(c.IcmpType == o.Original.IcmpType && c.IcmpCode == o.Original.IcmpCode && c.IcmpId == o.Original.IcmpId, at + " icmp");
                checkedIcmp++;
            }
        }
        Assert.True(checkedIcmp > 1000, $"ICMP fields compared on {checkedIcmp} entries");
        Assert.Contains(ours.Values, ct => ct.Family == CtFamily.IPv6 && ct.Protocol == CtProtocol.IcmpV6 && ct.ReplyPackets > 0);
        Assert.Contains(ours.Values, ct => ct.Protocol == CtProtocol.Tcp && ct.Status.HasFlag(CtStatus.Assured) && ct.OriginalPackets > 3);
        Assert.Contains(ours.Values, ct => ct.Labels is { Length: 2 });
        Assert.Contains(ours.Values, ct => ct.Zone == 7);
        Assert.Contains(ours.Values, ct => ct.Protocol == CtProtocol.Sctp && ct.State == CtState.Established && ct.SctpVtagOriginal > 0);
    }

    [KernelFact]
    public void Statistics_agree_with_the_table_and_the_cpu_count()
    {
        using var net = new TestNetwork("st");
        TableFiller.Fill(net.A, 250);
        using var client = ConntrackClient.Open(net.A);
        var stats = client.GetStatistics();
        Assert.True(250u == stats.Count, $"count {stats.Count}");
        Assert.Equal(uint.Parse(TestNetwork.Exec(net.A, "cat", "/proc/sys/net/netfilter/nf_conntrack_max").Trim()), stats.Max);
        Assert.True(Environment.ProcessorCount == stats.Cpus.Length, $"cpus {stats.Cpus.Length}");
        Assert.Equal($"kernel:{net.A}", stats.Backend);
        // conntrack -C in the same namespace
        Assert.Equal("250", TestNetwork.Exec(net.A, "conntrack", "-C").Trim());
    }

    [KernelFact]
    public void An_unknown_namespace_is_a_clear_error()
    {
        var ex = Assert.Throws<NetworkNamespaceNotFoundException>(() => ConntrackClient.Open("no-such-netns-ct"));
        Assert.Contains("ip netns list", ex.Message);
        Assert.Throws<NetworkNamespaceNotFoundException>(() => ConntrackClient.Open("/proc/999999999/ns/net"));
    }

    [KernelFact]
    public void A_file_that_is_not_a_namespace_is_refused()
    {
        var ex = Assert.Throws<NetworkNamespaceNotFoundException>(() => ConntrackClient.Open("/etc/hostname"));
        Assert.Contains("not a network namespace", ex.Message);
    }

    [KernelFact]
    public void Namespaces_are_isolated_and_the_thread_that_entered_one_is_gone()
    {
        using var net = new TestNetwork("iso");
        TableFiller.Fill(net.A, 30);
        Assert.Equal(30, Dump(net.A).Count);
        Assert.Empty(Dump(net.B));
        // This thread never left the root namespace.
        Assert.Equal(new FileInfo("/proc/self/ns/net").LinkTarget, new FileInfo("/proc/thread-self/ns/net").LinkTarget);
    }
}
