using System.Text.RegularExpressions;
using ConntrackTools.Engine;
using Xunit;
using Xunit.Abstractions;

namespace ConntrackTools.Tests.Engine;

/// <summary>
/// The same SCTP packets through the real kernel (two namespaces made for the test, raw sockets) and
/// through <see cref="SctpTracker"/>: the NEW/UPDATE events conntrack -E shows (state, timeout,
/// ASSURED) and the number of INVALID packets must be the same.
/// </summary>
public partial class SctpKernelParityTests(ITestOutputHelper output)
{
    private static readonly string[] Setup =
        ["a:0:INIT/11111111", "b:11111111:INIT_ACK/22222222", "a:22222222:COOKIE_ECHO", "b:11111111:COOKIE_ACK"];

    /// <summary>Scenarios by source port: each is one flow.</summary>
    private static readonly (int Port, string[] Steps)[] Scenarios =
    [
        // Association, a DATA with the wrong tag, teardown, then an INIT retransmit in CLOSED.
        (5000, [.. Setup, "a:22222222:DATA", "b:11111111:SACK", "a:11111111:DATA", "a:22222222:HEARTBEAT",
            "b:11111111:HEARTBEAT_ACK", "a:22222222:SHUTDOWN", "b:11111111:SHUTDOWN_ACK", "a:22222222:SHUTDOWN_COMPLETE",
            "a:0:INIT/11111111"]),
        // Stale INIT from the peer with the peer's own tag, then an INIT_ACK it does not allow.
        (5001, [.. Setup, "b:0:INIT/22222222", "a:22222222:INIT_ACK/33333333", "a:22222222:DATA"]),
        // A HEARTBEAT with unknown tags on a live flow (association reused), relearned from the answer.
        (5002, [.. Setup, "a:77777777:HEARTBEAT", "b:88888888:HEARTBEAT_ACK", "a:77777777:HEARTBEAT", "a:77777777:DATA"]),
        // First packets that cannot open, and one that opens HEARTBEAT_SENT.
        (5003, ["a:0:COOKIE_ECHO,DATA", "a:0:DATA"]),
        (5004, ["a:0:HEARTBEAT", "b:0:HEARTBEAT_ACK"]),
        // ABORT from the peer, then the remote's SHUTDOWN_COMPLETE with the T bit.
        (5005, [.. Setup, "b:11111111:ABORT", "a:11111111:SHUTDOWN_COMPLETE+T"]),
        // Simultaneous open.
        (5006, ["a:0:INIT/11111111", "b:0:INIT/22222222", "b:11111111:INIT_ACK/33333333", "b:11111111:INIT_ACK/22222222",
            "a:22222222:COOKIE_ECHO", "b:11111111:COOKIE_ACK", "b:11111111:SHUTDOWN", "a:22222222:SHUTDOWN_ACK",
            "b:11111111:SHUTDOWN_COMPLETE"]),
    ];

    [GeneratedRegex(@"^\s*\[(NEW|UPDATE)\]\s+sctp\s+132\s+(\d+)\s+(?:([A-Z_]+)\s+)?src=\S+\s+dst=\S+\s+sport=(\d+)")]
    private static partial Regex EventLine();

    /// <summary>
    /// The kernel prints the seconds left when it delivers the event, truncated: a timeout of 10 s
    /// set a jiffy earlier prints as 9. Where the engine's event says t and the kernel's says t - 1,
    /// with everything else equal, the kernel's line is taken as t; any other difference stays.
    /// </summary>
    private static List<string> WithinOneSecond(List<string> kernel, List<string> engine)
    {
        var result = new List<string>(kernel);
        for (var i = 0; i < Math.Min(kernel.Count, engine.Count); i++)
        {
            var k = kernel[i].Split(' ', 3);
            var e = engine[i].Split(' ', 3);
            if (k.Length < 2 || e.Length < 2 || k[0] != e[0] || (k.Length > 2 ? k[2] : "") != (e.Length > 2 ? e[2] : "")) continue;
            if (int.TryParse(k[1], out var kt) && int.TryParse(e[1], out var et) && kt == et - 1) result[i] = engine[i];
        }
        return result;
    }

    private static string FindScript()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "tests", "ConntrackTools.Core.Tests", "Engine", "raw_packets.py");
            if (File.Exists(candidate)) return candidate;
        }
        throw new FileNotFoundException("raw_packets.py not found above " + AppContext.BaseDirectory);
    }

    private static long InvalidCount(string ns)
    {
        var text = TestNetwork.Exec(ns, "nft", "list", "table", "inet", "ctinvalid");
        return Regex.Matches(text, @"counter packets (\d+)").Sum(m => long.Parse(m.Groups[1].Value));
    }

    [KernelFact("conntrack", "nft", "python3")]
    public void Sctp_events_and_invalid_packets_match_the_kernel()
    {
        if (!File.Exists("/proc/sys/net/netfilter/nf_conntrack_sctp_timeout_established"))
            throw new InvalidOperationException("this kernel has no SCTP conntrack (CONFIG_NF_CT_PROTO_SCTP)");
        var script = FindScript();
        using var net = new TestNetwork("sctp");
        TestNetwork.Nft(net.A,
            "table inet ctinvalid {\n" +
            "  chain pre { type filter hook prerouting priority 10; ct state invalid counter; }\n" +
            "  chain out { type filter hook output priority 10; ct state invalid counter; }\n" +
            "}\n");

        var events = net.StartBackground(net.A, "conntrack", "-E", "-p", "sctp");
        Thread.Sleep(500); // let conntrack -E join the event groups
        foreach (var (port, steps) in Scenarios)
            Shell.Check("python3", [script, net.A, net.B, net.A4, net.B4, "sctp", port.ToString(), (port + 1000).ToString(), .. steps]);
        Thread.Sleep(500);
        events.Kill();
        events.WaitForExit(5_000);
        var lines = events.StandardOutput.ReadToEnd().Split('\n', StringSplitOptions.RemoveEmptyEntries);

        var kernel = new Dictionary<int, List<string>>();
        foreach (var line in lines)
        {
            var m = EventLine().Match(line);
            if (!m.Success) continue;
            var list = kernel.TryGetValue(int.Parse(m.Groups[4].Value), out var l) ? l : kernel[int.Parse(m.Groups[4].Value)] = [];
            var state = m.Groups[3].Success ? " " + m.Groups[3].Value : "";
            var unreplied = line.Contains("[UNREPLIED]") ? " [UNREPLIED]" : "";
            var assured = line.Contains("[ASSURED]") ? " [ASSURED]" : "";
            list.Add($"{m.Groups[1].Value} {m.Groups[2].Value}{state}{unreplied}{assured}");
        }

        long invalid = 0;
        foreach (var (port, steps) in Scenarios)
        {
            var flow = new SctpFlow();
            foreach (var step in steps)
            {
                var (reply, packet) = SctpPackets.Step(step);
                flow.Feed(reply, packet);
            }
            invalid += flow.Invalid;
            var theirs = kernel.TryGetValue(port, out var k) ? k : [];
            output.WriteLine($"port {port}: kernel [{string.Join("; ", theirs)}]");
            output.WriteLine($"port {port}: engine [{string.Join("; ", flow.Events)}], {flow.Invalid} invalid");
            Assert.Equal(WithinOneSecond(theirs, flow.Events), flow.Events);
        }
        Assert.Equal(InvalidCount(net.A), invalid);
    }
}
