using System.Text.RegularExpressions;
using ConntrackTools.Engine;
using Xunit;
using Xunit.Abstractions;

namespace ConntrackTools.Tests.Engine;

/// <summary>
/// UDP and GRE packets through the real kernel and through the trackers: the conntrack -E events
/// (timeout, [UNREPLIED], [ASSURED], GRE keys) must be the same. Also the defaults of every
/// tracker sysctl, read in a fresh namespace.
/// </summary>
public partial class UdpGreKernelParityTests(ITestOutputHelper output)
{
    private const long Step = 50_000_000; // raw_packets.py waits 50 ms after each packet

    [GeneratedRegex(@"^\s*\[(NEW|UPDATE)\]\s+(udp|gre)\s+\d+\s+(\d+)\s+src=(\S+)\s+dst=(\S+)\s+(?:sport=(\d+)\s+dport=(\d+)|srckey=(\S+)\s+dstkey=(\S+))")]
    private static partial Regex EventLine();

    private static string Script()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "tests", "ConntrackTools.Core.Tests", "Engine", "raw_packets.py");
            if (File.Exists(candidate)) return candidate;
        }
        throw new FileNotFoundException("raw_packets.py not found above " + AppContext.BaseDirectory);
    }

    /// <summary>A minimal conntrack table for GRE: tuples "src dst srckey dstkey", found from either direction.</summary>
    private sealed class GreTable
    {
        private sealed class Entry
        {
            public required string Original, Reply;
            public GreState State;
            public CtStatus Status;
        }

        private readonly List<Entry> _entries = [];
        public readonly List<string> Events = [];

        public void Feed(string src, string dst, byte[] gre)
        {
            Assert.True(GreTracker.TryGetKeys(gre, out var srcKey, out var dstKey));
            var tuple = $"{src} {dst} 0x{srcKey:x} 0x{dstKey:x}";
            var entry = _entries.Find(e => e.Original == tuple || e.Reply == tuple);
            bool reply = entry is not null && entry.Reply == tuple;
            bool isNew = entry is null;
            entry ??= new Entry { Original = tuple, Reply = $"{dst} {src} 0x{dstKey:x} 0x{srcKey:x}" };
            var events = ConntrackEvents.None;
            Assert.Equal(TrackerVerdict.Accept, GreTracker.Packet(ref entry.State, ref entry.Status, new GreSettings(), ref events, out var timeout));
            if (reply && (entry.Status & CtStatus.SeenReply) == 0)
            {
                entry.Status |= CtStatus.SeenReply;
                events |= ConntrackEvents.Reply;
            }
            if (isNew)
            {
                entry.Status |= CtStatus.Confirmed;
                events |= ConntrackEvents.New;
                _entries.Add(entry);
            }
            if (events != ConntrackEvents.None)
                Events.Add(Line(isNew ? "NEW" : "UPDATE", timeout, entry.Original, entry.Status));
        }
    }

    private static string Line(string type, uint timeout, string tuple, CtStatus status) =>
        $"{type} {timeout} {tuple}{((status & CtStatus.SeenReply) == 0 ? " [UNREPLIED]" : "")}{((status & CtStatus.Assured) != 0 ? " [ASSURED]" : "")}";

    [KernelFact("conntrack", "nft", "python3")]
    public void Udp_stream_and_gre_events_match_the_kernel()
    {
        var script = Script();
        using var net = new TestNetwork("udpgre");
        var capture = net.StartBackground(net.A, "conntrack", "-E");
        Thread.Sleep(500);
        string[] udp = ["a:udp", "b:udp", "a:udp", "sleep:2.1", "a:udp", "b:udp"];
        string[] gre = ["a:gre:1:0x1234", "b:gre:1:0x99", "a:gre:0:0", "b:gre:0:0", "a:gre:0:0"];
        Shell.Check("python3", [script, net.A, net.B, net.A4, net.B4, "udp", "4000", "4001", .. udp]);
        Shell.Check("python3", [script, net.A, net.B, net.A4, net.B4, "gre", "0", "0", .. gre]);
        Thread.Sleep(500);
        capture.Kill();
        capture.WaitForExit(5_000);

        var kernel = new List<string>();
        foreach (var line in capture.StandardOutput.ReadToEnd().Split('\n'))
        {
            var m = EventLine().Match(line);
            if (!m.Success) continue;
            var tuple = m.Groups[2].Value == "udp"
                ? $"{m.Groups[4].Value} {m.Groups[5].Value} {m.Groups[6].Value} {m.Groups[7].Value}"
                : $"{m.Groups[4].Value} {m.Groups[5].Value} {m.Groups[8].Value} {m.Groups[9].Value}";
            var flags = (line.Contains("[UNREPLIED]") ? " [UNREPLIED]" : "") + (line.Contains("[ASSURED]") ? " [ASSURED]" : "");
            kernel.Add($"{m.Groups[1].Value} {m.Groups[3].Value} {tuple}{flags}");
        }

        // UDP through the tracker, with the packet times raw_packets.py keeps.
        var engine = new List<string>();
        var state = new UdpState();
        var status = CtStatus.None;
        long now = 0;
        var settings = new UdpSettings();
        foreach (var step in udp)
        {
            if (step.StartsWith("sleep:", StringComparison.Ordinal))
            {
                now += (long)(double.Parse(step[6..], System.Globalization.CultureInfo.InvariantCulture) * 1e9);
                continue;
            }
            bool reply = step[0] == 'b';
            var events = ConntrackEvents.None;
            bool isNew = (status & CtStatus.Confirmed) == 0;
            Assert.Equal(TrackerVerdict.Accept, UdpTracker.Packet(ref state, ref status, reply, UdpTrackerTests.Datagram(9), now, settings, ref events, out var timeout));
            if (reply && (status & CtStatus.SeenReply) == 0)
            {
                status |= CtStatus.SeenReply;
                events |= ConntrackEvents.Reply;
            }
            if (isNew)
            {
                status |= CtStatus.Confirmed;
                events |= ConntrackEvents.New;
            }
            if (events != ConntrackEvents.None)
                engine.Add(Line(isNew ? "NEW" : "UPDATE", timeout, $"{net.A4} {net.B4} 4000 4001", status));
            now += Step;
        }

        var table = new GreTable();
        foreach (var step in gre)
        {
            var f = step.Split(':');
            var packet = f[2] == "1" ? GreGenericTrackerTests.Pptp(Convert.ToUInt16(f[3], 16)) : GreGenericTrackerTests.Version0;
            if (f[0] == "a") table.Feed(net.A4, net.B4, packet);
            else table.Feed(net.B4, net.A4, packet);
        }
        engine.AddRange(table.Events);

        output.WriteLine("kernel:\n  " + string.Join("\n  ", kernel));
        output.WriteLine("engine:\n  " + string.Join("\n  ", engine));
        Assert.Equal(kernel, engine);
    }

    [KernelFact("python3")]
    public void Tracker_sysctls_and_their_defaults_are_the_kernels()
    {
        using var net = new TestNetwork("sysctl");
        var names = TestNetwork.Exec(net.A, "ls", "/proc/sys/net/netfilter")
            .Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Where(n => Regex.IsMatch(n, "^nf_conntrack_(sctp|udp|icmp|icmpv6|gre|generic)_"))
            .Order().ToList();
        Assert.Equal(names, ProtocolTimeouts.SysctlNames.Order().ToList());

        var defaults = new ProtocolTimeouts();
        foreach (var name in names)
        {
            var kernel = uint.Parse(TestNetwork.Exec(net.A, "cat", "/proc/sys/net/netfilter/" + name).Trim());
            Assert.True(defaults.TryGet(name, out var ours));
            output.WriteLine($"{name} = {kernel}");
            Assert.True(kernel == ours, $"{name}: kernel {kernel}, trackers {ours}");
        }
    }
}
