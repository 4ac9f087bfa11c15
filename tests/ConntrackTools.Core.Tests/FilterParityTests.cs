using System.Net;
using ConntrackTools.Kernel.Conntrack;
using Xunit;

namespace ConntrackTools.Tests;

/// <summary>One table, shared by the filter cases: made once, removed after the class.</summary>
public sealed class FilterTable : IDisposable
{
    public TestNetwork? Network { get; }
    public string? Netns => Network?.A;

    public FilterTable()
    {
        if (Environment.GetEnvironmentVariable("CI") != "true" && Requirements.Missing("conntrack", "nft", "ping", "python3") is not null) return;
        TableFiller.EnsureLabelConfig();
        Network = new TestNetwork("flt");
        TableFiller.EnableLabels(Network.A);
        TableFiller.Fill(Network.A, 3000, seed: 9);
        Network.Tcp(Network.B4, 8080, 2);
        Network.Ping(Network.B4);
        Network.Ping(Network.B6);
    }

    public void Dispose() => Network?.Dispose();
}

/// <summary>Every filter returns the same set as the matching `conntrack -L` options.</summary>
public class FilterParityTests(FilterTable table) : IClassFixture<FilterTable>
{
    private static IPNetwork Net(string s) => IPNetwork.Parse(s.Contains('/') ? s : s + (s.Contains(':') ? "/128" : "/32"));

    public static TheoryData<string, string[], Func<CtConnectionFilter>> Cases => new()
    {
        { "protocol", ["-p", "tcp"], () => new() { Protocol = [CtProtocol.Tcp] } },
        { "family ipv6", ["-f", "ipv6"], () => new() { Family = CtFamily.IPv6 } },
        { "original source", ["-s", "101.9.0.4"], () => new() { Source = [Net("101.9.0.4")] } },
        { "original destination", ["-d", "102.9.0.3"], () => new() { Destination = [Net("102.9.0.3")] } },
        { "reply source", ["-r", "102.9.0.3"], () => new() { ReplySource = [Net("102.9.0.3")] } },
        { "reply destination", ["-q", "101.9.0.4"], () => new() { ReplyDestination = [Net("101.9.0.4")] } },
        { "ipv6 source", ["-s", "2001:db8:1:9::5"], () => new() { Source = [Net("2001:db8:1:9::5")] } },
        { "tcp destination port", ["-p", "tcp", "--dport", "80"], () => new() { Protocol = [CtProtocol.Tcp], DestinationPort = [80] } },
        { "udp source port", ["-p", "udp", "--sport", "1030"], () => new() { Protocol = [CtProtocol.Udp], SourcePort = [1030] } },
        { "reply port", ["-p", "tcp", "--reply-port-src", "443"], () => new() { Protocol = [CtProtocol.Tcp], ReplySourcePort = [443] } },
        { "sctp ports (reader-side)", ["-p", "sctp", "--dport", "22"], () => new() { Protocol = [CtProtocol.Sctp], DestinationPort = [22] } },
        { "mark", ["-m", "16"], () => new() { Mark = 16 } },
        { "mark with mask", ["-m", "16/240"], () => new() { Mark = 16, MarkMask = 240 } },
        { "zone", ["-w", "2"], () => new() { Zone = [2] } },
        { "zone 0", ["-w", "0"], () => new() { Zone = [0] } },
        { "status assured", ["-u", "ASSURED"], () => new() { Status = CtStatus.Assured } },
        { "tcp state", ["-p", "tcp", "--state", "ESTABLISHED"], () => new() { Protocol = [CtProtocol.Tcp], State = [CtState.Established] } },
        { "tcp state time_wait", ["-p", "tcp", "--state", "TIME_WAIT"], () => new() { Protocol = [CtProtocol.Tcp], State = [CtState.TimeWait] } },
        { "icmp type", ["-p", "icmp", "--icmp-type", "8"], () => new() { Protocol = [CtProtocol.Icmp], IcmpType = [8] } },
        { "label", ["-l", "label3"], () => new() { Label = [3] } },
        { "labels, all required", ["-l", "label3,label66"], () => new() { Label = [3, 66] } },
        { "family and protocol and zone", ["-f", "ipv4", "-p", "udp", "-w", "1"], () => new() { Family = CtFamily.IPv4, Protocol = [CtProtocol.Udp], Zone = [1] } },
        { "source and destination and port", ["-s", "101.9.0.30", "-d", "102.9.0.4", "-p", "tcp", "--dport", "22"], () => new() { Source = [Net("101.9.0.30")], Destination = [Net("102.9.0.4")], Protocol = [CtProtocol.Tcp], DestinationPort = [22] } },
    };

    [KernelTheory("conntrack", "nft", "ping", "python3")]
    [MemberData(nameof(Cases))]
    public void Filter_selects_what_conntrack_selects(string name, string[] conntrackArgs, Func<CtConnectionFilter> filter)
    {
        var netns = table.Netns!;
        var expected = ConntrackCli.Ids(netns, conntrackArgs);
        using var client = ConntrackClient.Open(netns);
        var actual = new HashSet<uint>();
        client.DumpConnections(filter(), ct => actual.Add(ct.Id));
        Assert.True(expected.Count > 0, $"{name}: the case selects nothing in conntrack either, so it tests nothing");
        Assert.True(expected.SetEquals(actual), $"{name}: conntrack {expected.Count}, ConntrackTools {actual.Count}; only conntrack: {string.Join(',', expected.Except(actual).Take(5))}; only ours: {string.Join(',', actual.Except(expected).Take(5))}");
    }

    [KernelFact("conntrack")]
    public void A_network_filter_selects_by_prefix()
    {
        var netns = table.Netns!;
        using var client = ConntrackClient.Open(netns);
        var all = new List<CtConnection>();
        client.DumpConnections(null, all.Add);
        var expected = all.Where(c => c.Source is { } s && s.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork && s.GetAddressBytes()[0] == 101 && s.GetAddressBytes()[2] == 3).Select(c => c.Id).ToHashSet();
        var actual = new HashSet<uint>();
        client.DumpConnections(new CtConnectionFilter { Source = [IPNetwork.Parse("101.9.3.0/24")] }, c => actual.Add(c.Id));
        Assert.NotEmpty(expected);
        Assert.True(expected.SetEquals(actual));
    }
}
