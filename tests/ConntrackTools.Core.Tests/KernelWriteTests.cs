using System.Net;
using System.Text.RegularExpressions;
using ConntrackTools.Kernel.Conntrack;
using ConntrackTools.Kernel.Netlink;
using Xunit;

namespace ConntrackTools.Tests;

/// <summary>
/// The write path against `conntrack`: the same requests are made with conntrack -I/-U/-D in
/// namespace A and through <see cref="ConntrackClient"/> in namespace B; they must succeed and
/// fail alike and leave the same tables (as `conntrack -L` prints them in each namespace).
/// </summary>
public class KernelWriteTests
{
    private sealed record Step(string[] Cli, Func<ConntrackClient, bool> Ours);

    private static IPAddress Ip(string s) => IPAddress.Parse(s);

    private static CtConnection Conn(CtProtocol p, string? src, string? dst, ushort? sport = null, ushort? dport = null,
        CtState state = CtState.None, uint? timeout = 100, CtStatus status = CtStatus.None, uint mark = 0, ushort zone = 0,
        string? rsrc = null, string? rdst = null, ushort? rsport = null, ushort? rdport = null, byte? type = null, byte? code = null, ushort? icmpId = null) => new()
    {
        Protocol = p,
        Original = new CtTuple { Source = src is null ? null : Ip(src), Destination = dst is null ? null : Ip(dst), SourcePort = sport, DestinationPort = dport, IcmpType = type, IcmpCode = code, IcmpId = icmpId },
        Reply = new CtTuple { Source = rsrc is null ? null : Ip(rsrc), Destination = rdst is null ? null : Ip(rdst), SourcePort = rsport, DestinationPort = rdport },
        State = state,
        Timeout = timeout,
        Status = status,
        Mark = mark,
        Zone = zone,
    };

    /// <summary>Create through the client, as New-CtConnection does: complete and check, then send.</summary>
    private static Func<ConntrackClient, bool> Create(CtConnection ct) => client =>
    {
        try
        {
            ConnectionRequest.Complete(ct);
            client.CreateConnection(ct);
            return true;
        }
        catch (Exception ex) when (ex is ArgumentException or NetlinkException)
        {
            return false;
        }
    };

    /// <summary>Delete every match, as Remove-CtConnection with a filter does; true when something was deleted (conntrack -D exits 0).</summary>
    private static Func<ConntrackClient, bool> Delete(CtConnectionFilter filter) => client =>
    {
        var matches = new List<CtConnection>();
        client.DumpConnections(filter, matches.Add);
        foreach (var ct in matches) client.DeleteConnection(ct);
        return matches.Count > 0;
    };

    private static Func<ConntrackClient, bool> Update(CtConnectionFilter filter, CtConnectionChange change) => client =>
    {
        var matches = new List<CtConnection>();
        client.DumpConnections(filter, matches.Add);
        foreach (var ct in matches) client.UpdateConnection(ct, change);
        return matches.Count > 0;
    };

    private static readonly string[] Tcp = ["-p", "tcp", "--sport", "1000", "--dport", "80", "--state", "ESTABLISHED"];

    private static Dictionary<string, Step[]> Cases() => new()
    {
        ["tcp"] = [new(["-I", "-s", "10.9.0.1", "-d", "10.9.0.2", .. Tcp, "-t", "100"], Create(Conn(CtProtocol.Tcp, "10.9.0.1", "10.9.0.2", 1000, 80, CtState.Established)))],
        ["tcp exists"] =
        [
            new(["-I", "-s", "10.9.0.1", "-d", "10.9.0.2", .. Tcp, "-t", "100"], Create(Conn(CtProtocol.Tcp, "10.9.0.1", "10.9.0.2", 1000, 80, CtState.Established))),
            new(["-I", "-s", "10.9.0.1", "-d", "10.9.0.2", .. Tcp, "-t", "100"], Create(Conn(CtProtocol.Tcp, "10.9.0.1", "10.9.0.2", 1000, 80, CtState.Established))),
        ],
        ["missing timeout"] = [new(["-I", "-s", "10.9.0.1", "-d", "10.9.0.2", .. Tcp], Create(Conn(CtProtocol.Tcp, "10.9.0.1", "10.9.0.2", 1000, 80, CtState.Established, timeout: null)))],
        ["missing state"] = [new(["-I", "-s", "10.9.0.1", "-d", "10.9.0.2", "-p", "tcp", "--sport", "1", "--dport", "2", "-t", "100"], Create(Conn(CtProtocol.Tcp, "10.9.0.1", "10.9.0.2", 1, 2)))],
        ["missing ports"] = [new(["-I", "-s", "10.9.0.1", "-d", "10.9.0.2", "-p", "udp", "-t", "100"], Create(Conn(CtProtocol.Udp, "10.9.0.1", "10.9.0.2")))],
        ["missing destination"] = [new(["-I", "-s", "10.9.0.1", "-p", "udp", "--sport", "1", "--dport", "2", "-t", "100"], Create(Conn(CtProtocol.Udp, "10.9.0.1", null, 1, 2)))],
        ["mismatched family"] = [new(["-I", "-s", "10.9.0.1", "-d", "fd00::2", "-p", "udp", "--sport", "1", "--dport", "2", "-t", "100"], Create(Conn(CtProtocol.Udp, "10.9.0.1", "fd00::2", 1, 2)))],
        ["reply direction only"] = [new(["-I", "--reply-src", "10.9.0.3", "--reply-dst", "10.9.0.4", "-p", "udp", "--reply-port-src", "5", "--reply-port-dst", "6", "-t", "100"],
            Create(Conn(CtProtocol.Udp, null, null, rsrc: "10.9.0.3", rdst: "10.9.0.4", rsport: 5, rdport: 6)))],
        ["both directions (nat-like)"] = [new(["-I", "-s", "10.9.0.1", "-d", "10.9.0.2", "-p", "udp", "--sport", "9", "--dport", "2", "--reply-src", "10.9.0.2", "--reply-dst", "10.9.9.9", "--reply-port-src", "2", "--reply-port-dst", "9", "-t", "100"],
            Create(Conn(CtProtocol.Udp, "10.9.0.1", "10.9.0.2", 9, 2, rsrc: "10.9.0.2", rdst: "10.9.9.9", rsport: 2, rdport: 9)))],
        ["icmp echo"] = [new(["-I", "-s", "10.9.0.1", "-d", "10.9.0.2", "-p", "icmp", "--icmp-type", "8", "--icmp-code", "0", "--icmp-id", "7", "-t", "100"],
            Create(Conn(CtProtocol.Icmp, "10.9.0.1", "10.9.0.2", type: 8, code: 0, icmpId: 7)))],
        ["icmp echo reply"] = [new(["-I", "-s", "10.9.0.1", "-d", "10.9.0.2", "-p", "icmp", "--icmp-type", "0", "--icmp-code", "0", "--icmp-id", "8", "-t", "100"],
            Create(Conn(CtProtocol.Icmp, "10.9.0.1", "10.9.0.2", type: 0, code: 0, icmpId: 8)))],
        ["icmp without id"] = [new(["-I", "-s", "10.9.0.1", "-d", "10.9.0.2", "-p", "icmp", "--icmp-type", "8", "--icmp-code", "0", "-t", "100"],
            Create(Conn(CtProtocol.Icmp, "10.9.0.1", "10.9.0.2", type: 8, code: 0)))],
        ["icmp error type"] = [new(["-I", "-s", "10.9.0.1", "-d", "10.9.0.2", "-p", "icmp", "--icmp-type", "3", "--icmp-code", "1", "--icmp-id", "9", "-t", "100"],
            Create(Conn(CtProtocol.Icmp, "10.9.0.1", "10.9.0.2", type: 3, code: 1, icmpId: 9)))],
        ["icmpv6 echo"] = [new(["-I", "-s", "fd00::1", "-d", "fd00::2", "-p", "icmpv6", "--icmpv6-type", "128", "--icmpv6-code", "0", "--icmpv6-id", "3", "-t", "100"],
            Create(Conn(CtProtocol.IcmpV6, "fd00::1", "fd00::2", type: 128, code: 0, icmpId: 3)))],
        ["ipv6 seen reply, mark, zone"] = [new(["-I", "-s", "fd00::1", "-d", "fd00::2", "-p", "udp", "--sport", "1", "--dport", "3", "-t", "100", "-u", "SEEN_REPLY", "--zone", "4", "-m", "5"],
            Create(Conn(CtProtocol.Udp, "fd00::1", "fd00::2", 1, 3, status: CtStatus.SeenReply, zone: 4, mark: 5)))],
        ["assured"] = [new(["-I", "-s", "10.9.0.1", "-d", "10.9.0.2", "-p", "udp", "--sport", "44", "--dport", "2", "-t", "100", "-u", "ASSURED"],
            Create(Conn(CtProtocol.Udp, "10.9.0.1", "10.9.0.2", 44, 2, status: CtStatus.Assured)))],
        ["expected refused"] = [new(["-I", "-s", "10.9.0.1", "-d", "10.9.0.2", "-p", "udp", "--sport", "1", "--dport", "99", "-t", "100", "-u", "EXPECTED"],
            Create(Conn(CtProtocol.Udp, "10.9.0.1", "10.9.0.2", 1, 99, status: CtStatus.Expected)))],
        ["zones"] =
        [
            new(["-I", "-s", "10.9.0.1", "-d", "10.9.0.2", "-p", "udp", "--sport", "1", "--dport", "2", "-t", "100", "--zone", "3"], Create(Conn(CtProtocol.Udp, "10.9.0.1", "10.9.0.2", 1, 2, zone: 3))),
            new(["-I", "-s", "10.9.0.1", "-d", "10.9.0.2", "-p", "udp", "--sport", "1", "--dport", "2", "-t", "100"], Create(Conn(CtProtocol.Udp, "10.9.0.1", "10.9.0.2", 1, 2))),
            new(["-I", "-s", "10.9.0.1", "-d", "10.9.0.2", "-p", "udp", "--sport", "1", "--dport", "2", "-t", "100", "--zone", "3"], Create(Conn(CtProtocol.Udp, "10.9.0.1", "10.9.0.2", 1, 2, zone: 3))),
        ],
        ["generic protocol"] = [new(["-I", "-s", "10.9.0.1", "-d", "10.9.0.2", "-p", "99", "-t", "100"], Create(Conn((CtProtocol)99, "10.9.0.1", "10.9.0.2")))],
        ["sctp"] = [new(["-I", "-s", "10.9.0.1", "-d", "10.9.0.2", "-p", "sctp", "--sport", "5", "--dport", "6", "--state", "ESTABLISHED", "--orig-vtag", "1", "--reply-vtag", "2", "-t", "100"],
            Create(new CtConnection { Protocol = CtProtocol.Sctp, Original = new CtTuple { Source = Ip("10.9.0.1"), Destination = Ip("10.9.0.2"), SourcePort = 5, DestinationPort = 6 }, State = CtState.Established, Timeout = 100, SctpVtagOriginal = 1, SctpVtagReply = 2 }))],
        ["delete"] =
        [
            new(["-I", "-s", "10.9.0.1", "-d", "10.9.0.2", "-p", "udp", "--sport", "1", "--dport", "2", "-t", "100"], Create(Conn(CtProtocol.Udp, "10.9.0.1", "10.9.0.2", 1, 2))),
            new(["-I", "-s", "10.9.0.1", "-d", "10.9.0.2", "-p", "udp", "--sport", "3", "--dport", "2", "-t", "100"], Create(Conn(CtProtocol.Udp, "10.9.0.1", "10.9.0.2", 3, 2))),
            new(["-D", "-s", "10.9.0.1", "-p", "udp", "--sport", "3"], Delete(new CtConnectionFilter { Source = [IPNetwork.Parse("10.9.0.1/32")], Protocol = [CtProtocol.Udp], SourcePort = [3] })),
            new(["-D", "-s", "10.9.0.7"], Delete(new CtConnectionFilter { Source = [IPNetwork.Parse("10.9.0.7/32")] })),
        ],
        ["update mark and timeout"] =
        [
            new(["-I", "-s", "10.9.0.1", "-d", "10.9.0.2", "-p", "udp", "--sport", "1", "--dport", "2", "-t", "100", "-m", "1"], Create(Conn(CtProtocol.Udp, "10.9.0.1", "10.9.0.2", 1, 2, mark: 1))),
            new(["-U", "-s", "10.9.0.1", "-p", "udp", "-m", "7"], Update(new CtConnectionFilter { Source = [IPNetwork.Parse("10.9.0.1/32")], Protocol = [CtProtocol.Udp] }, new CtConnectionChange { Mark = 7 })),
            new(["-U", "-s", "10.9.0.8", "-m", "7"], Update(new CtConnectionFilter { Source = [IPNetwork.Parse("10.9.0.8/32")] }, new CtConnectionChange { Mark = 7 })),
        ],
    };

    /// <summary>`conntrack -L -o extended` with what differs between two namespaces by time removed (the timeout column, use=, delta-time=).</summary>
    private static List<string> Table(string ns)
    {
        var text = TestNetwork.Try(ns, "conntrack", "-L", "-o", "extended").Stdout;
        return [.. text.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(l => Regex.Replace(l.Trim(), @"\s+", " "))
            .Select(l => { var t = l.Split(' ').ToList(); t.RemoveAt(4); return Regex.Replace(string.Join(' ', t), @" (use|delta-time)=\d+", ""); })
            .Order(StringComparer.Ordinal)];
    }

    [KernelFact("conntrack")]
    public void Requests_succeed_and_fail_as_they_do_with_conntrack()
    {
        using var net = new TestNetwork("wr");
        using var client = ConntrackClient.Open(net.B);
        var problems = new List<string>();
        foreach (var (name, steps) in Cases())
        {
            TestNetwork.Try(net.A, "conntrack", "-F");
            client.FlushConnections();
            for (var i = 0; i < steps.Length; i++)
            {
                var cli = TestNetwork.Try(net.A, ["conntrack", .. steps[i].Cli]);
                var ours = steps[i].Ours(client);
                if (ours != (cli.ExitCode == 0))
                    problems.Add($"{name}, step {i + 1}: conntrack {string.Join(' ', steps[i].Cli)} exited {cli.ExitCode} ({cli.Stderr.Trim()}), the client {(ours ? "succeeded" : "failed")}");
            }
            var theirs = Table(net.A);
            var mine = Table(net.B);
            if (!theirs.SequenceEqual(mine))
                problems.Add($"{name}: tables differ\n  conntrack: {string.Join("\n             ", theirs)}\n  client:    {string.Join("\n             ", mine)}");
        }
        Assert.True(problems.Count == 0, string.Join("\n", problems));
    }

    [KernelFact("conntrack")]
    public void Kernel_errors_carry_the_errno()
    {
        using var net = new TestNetwork("we");
        using var client = ConntrackClient.Open(net.B);
        var ct = Conn(CtProtocol.Udp, "10.9.0.1", "10.9.0.2", 1, 2);
        ConnectionRequest.Complete(ct);
        client.CreateConnection(ct);
        Assert.Equal("EEXIST", Assert.Throws<NetlinkException>(() => client.CreateConnection(ct)).ErrnoName);
        var read = client.GetConnection(ct)!;
        client.DeleteConnection(read);
        Assert.Equal("ENOENT", Assert.Throws<NetlinkException>(() => client.DeleteConnection(read)).ErrnoName);
        Assert.Equal("ENOENT", Assert.Throws<NetlinkException>(() => client.UpdateConnection(read, new CtConnectionChange { Mark = 1 })).ErrnoName);
        Assert.Null(client.GetConnection(ct));

        // A delete names the entry by id too: an entry with the same tuple and another id is not hit.
        // (The kernel derives ids from the entry's address, so a re-created entry may get the old id.)
        client.CreateConnection(ct);
        var again = client.GetConnection(ct)!;
        var stale = client.GetConnection(ct)!;
        stale.Id = again.Id + 1;
        Assert.Equal("ENOENT", Assert.Throws<NetlinkException>(() => client.DeleteConnection(stale)).ErrnoName);
        Assert.NotNull(client.GetConnection(ct));
        client.DeleteConnection(again);
        Assert.Null(client.GetConnection(ct));

        // A delete without a tuple would be a flush: refused before anything is sent.
        Assert.Throws<ArgumentException>(() => client.DeleteConnection(new CtConnection()));
    }

    [KernelFact("conntrack")]
    public void Changes_read_back_as_conntrack_shows_them()
    {
        using var net = new TestNetwork("wu");
        TableFiller.EnsureLabelConfig();
        TableFiller.EnableLabels(net.B);
        using var client = ConntrackClient.Open(net.B);
        var ct = Conn(CtProtocol.Tcp, "10.9.0.1", "10.9.0.2", 1000, 80, CtState.SynRecv, mark: 0xff00ff);
        ConnectionRequest.Complete(ct);
        client.CreateConnection(ct);
        var read = client.GetConnection(ct)!;
        client.UpdateConnection(read, new CtConnectionChange { Mark = 0x1200, MarkMask = 0xff00, Timeout = 3333, AddStatus = CtStatus.Assured | CtStatus.SeenReply, State = CtState.Established, AddLabel = [1, 5] });
        var after = client.GetConnection(ct)!;
        Assert.Equal(0xff12ffu & 0xff12ff, after.Mark);
        Assert.Equal(0xff12ffu, after.Mark);
        Assert.InRange(after.Timeout!.Value, 3330u, 3333u);
        Assert.True(after.Status.HasFlag(CtStatus.Assured) && after.Status.HasFlag(CtStatus.SeenReply));
        Assert.Equal(CtState.Established, after.State);
        Assert.Equal([1, 5], after.Labels ?? []);
        client.UpdateConnection(after, new CtConnectionChange { RemoveLabel = [1] });
        Assert.Equal([5], client.GetConnection(ct)!.Labels ?? []);

        var line = TestNetwork.Exec(net.B, "conntrack", "-L", "-o", "extended,labels");
        Assert.Contains("ESTABLISHED", line);
        Assert.Contains("[ASSURED]", line);
        Assert.Contains("mark=16716543", line); // 0xff12ff
        Assert.DoesNotContain("UNREPLIED", line);
    }

    [KernelFact("conntrack")]
    public void Filtered_flushes_leave_the_rest()
    {
        using var net = new TestNetwork("wf");
        using var client = ConntrackClient.Open(net.B);
        void Add(string src, string dst, ushort sport, uint mark = 0, ushort zone = 0, CtStatus status = CtStatus.None)
        {
            var ct = Conn(CtProtocol.Udp, src, dst, sport, 53, mark: mark, zone: zone, status: status);
            ConnectionRequest.Complete(ct);
            client.CreateConnection(ct);
        }
        Add("10.9.0.1", "10.9.0.2", 1);
        Add("10.9.0.1", "10.9.0.2", 2, mark: 0x11);
        Add("10.9.0.1", "10.9.0.2", 3, mark: 0x21);
        Add("10.9.0.1", "10.9.0.2", 4, zone: 7);
        Add("10.9.0.1", "10.9.0.2", 5, status: CtStatus.Assured);
        Add("fd00::1", "fd00::2", 6);
        int Count() { var n = 0; client.DumpConnections(null, _ => n++); return n; }
        Assert.Equal(6, Count());

        client.FlushConnections(family: CtFamily.IPv6);
        Assert.Equal(5, Count());
        Assert.DoesNotContain("ipv6", TestNetwork.Exec(net.B, "conntrack", "-L"));
        client.FlushConnections(mark: 0x01, markMask: 0x0f);
        Assert.Equal(3, Count());
        client.FlushConnections(zone: 7);
        Assert.Equal(2, Count());
        client.FlushConnections(status: CtStatus.Assured);
        Assert.Equal(1, Count());
        client.FlushConnections();
        Assert.Equal(0, Count());
        Assert.Equal("0", TestNetwork.Exec(net.B, "conntrack", "-C").Trim());
    }

    [KernelFact("conntrack", "python3")]
    public void Reset_counters_reads_and_zeroes_only_what_matches()
    {
        using var net = new TestNetwork("wz");
        TestNetwork.EnableConntrack(net.A);
        net.Udp(net.B4, 5301);
        net.Udp(net.B4, 5302);
        using var client = ConntrackClient.Open(net.A);
        var before = new List<CtConnection>();
        client.DumpConnections(new CtConnectionFilter { Protocol = [CtProtocol.Udp] }, before.Add);
        Assert.Equal(2, before.Count);
        Assert.All(before, c => Assert.True(c.OriginalPackets > 0, "acct is on in the test namespaces"));

        var zeroed = new List<CtConnection>();
        client.DumpConnectionsAndZeroCounters(new CtConnectionFilter { DestinationPort = [5301] }, zeroed.Add);
        Assert.Equal((ushort)5301, Assert.Single(zeroed).DestinationPort);
        Assert.True(zeroed[0].OriginalPackets > 0, "the entry carries the counters it had");

        var after = new List<CtConnection>();
        client.DumpConnections(new CtConnectionFilter { Protocol = [CtProtocol.Udp] }, after.Add);
        Assert.Equal(0ul, after.Single(c => c.DestinationPort == 5301).OriginalPackets);
        Assert.True(after.Single(c => c.DestinationPort == 5302).OriginalPackets > 0, "the entry the filter excludes keeps its counters");

        // Without a filter: one CTRZERO dump, as conntrack -L -z.
        client.DumpConnectionsAndZeroCounters(null, _ => { });
        Assert.DoesNotMatch(@"packets=[1-9]", TestNetwork.Exec(net.A, "conntrack", "-L", "-p", "udp"));
    }

    [KernelFact("conntrack", "nft", "vsftpd", "python3", "ss")]
    public void Expectations_are_created_and_removed_like_conntrack_does()
    {
        using var net = new TestNetwork("wx");
        using var ftp = new FtpScenario(net, ipv6: false, "PASV");
        using var client = ConntrackClient.Open(net.B);
        var control = new List<CtConnection>();
        client.DumpConnections(new CtConnectionFilter { DestinationPort = [21] }, control.Add);
        var master = Assert.Single(control);

        var exp = new CtExpectation
        {
            Master = master.Original,
            Tuple = new CtTuple { Destination = master.Original.Destination, DestinationPort = 40000, Protocol = CtProtocol.Tcp },
            Timeout = 60,
            Helper = "ftp",
        };
        ExpectationRequest.Complete(exp);
        client.CreateExpectation(exp);
        Assert.Equal("EEXIST", Assert.Throws<NetlinkException>(() => client.CreateExpectation(exp)).ErrnoName);
        var cli = CliExpectation.List(net.B);
        var mine = Assert.Single(cli, e => e.Dport == 40000);
        Assert.Equal((net.B4, 0, "0.0.0.0", "255.255.255.255", 0, 65535), (mine.Dst, mine.Sport, mine.MaskSrc, mine.MaskDst, mine.MaskSport, mine.MaskDport));

        // A master that does not exist: ENOENT, as conntrack's "master conntrack not found".
        var orphan = new CtExpectation
        {
            Master = new CtTuple { Source = Ip("10.9.9.1"), Destination = Ip("10.9.9.2"), Protocol = CtProtocol.Tcp, SourcePort = 1, DestinationPort = 21 },
            Tuple = new CtTuple { Destination = Ip("10.9.9.2"), DestinationPort = 40001 },
            Timeout = 60,
        };
        ExpectationRequest.Complete(orphan);
        Assert.Equal("ENOENT", Assert.Throws<NetlinkException>(() => client.CreateExpectation(orphan)).ErrnoName);

        var ours = new List<CtExpectation>();
        client.DumpExpectations(new CtExpectationFilter { DestinationPort = [40000] }, ours.Add);
        client.DeleteExpectation(Assert.Single(ours));
        Assert.DoesNotContain(CliExpectation.List(net.B), e => e.Dport == 40000);
        Assert.Equal("ENOENT", Assert.Throws<NetlinkException>(() => client.DeleteExpectation(ours[0])).ErrnoName);

        // The ftp helper allows one expectation per master (max_expected 1): ours replaced the
        // PASV one the helper made. A flush by helper name takes what is left.
        client.CreateExpectation(exp);
        Assert.Single(CliExpectation.List(net.B));
        client.FlushExpectations("sip");
        Assert.Single(CliExpectation.List(net.B));
        client.FlushExpectations("ftp");
        Assert.Empty(CliExpectation.List(net.B));
    }
}
