using System.Diagnostics;
using System.Globalization;
using System.Net;
using ConntrackTools.Engine;
using PacketDotNet;
using Xunit;
using static ConntrackTools.Tests.Engine.TestFrames;

namespace ConntrackTools.Tests.Engine;

/// <summary>
/// A test that needs reference capture tools (tcpdump, dumpcap, tshark, editcap) and, to capture,
/// root. Skipped with the reason where they are missing; under CI (CI=true, where
/// tests/run-all.sh installs them) it never skips, so a missing tool fails.
/// </summary>
public sealed class CaptureToolFactAttribute : FactAttribute
{
    public CaptureToolFactAttribute(bool capture, params string[] tools)
    {
        if (Environment.GetEnvironmentVariable("CI") == "true") return;
        foreach (var tool in tools)
            if (Requirements.Which(tool) is null) { Skip = $"needs '{tool}' on PATH (apt-get install tcpdump tshark; tests/run-all.sh installs them)"; return; }
        if (capture && !Requirements.IsRoot) Skip = "needs root to capture on the loopback interface";
    }
}

/// <summary>Our reader and parser against captures made and read by tcpdump and Wireshark's tools.</summary>
public sealed class CaptureToolTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("ct-capture-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    /// <summary>Captures pings to 127.0.0.1 with a capture tool; returns the file.</summary>
    private string CapturePings(string tool, string file, params string[] captureArgs)
    {
        var path = Path.Combine(_dir, file);
        // Pings of an unusual size (72 data bytes: IP total length 100), so that other traffic on
        // the machine's loopback does not end up in the capture.
        const string filter = "icmp and host 127.0.0.1 and ip[2:2] == 100";
        // dumpcap takes the filter with -f; tcpdump as its last arguments.
        string[] filterArgs = tool == "dumpcap" ? ["-f", filter] : [filter];
        using var capture = Shell.Start(Requirements.Which(tool)!, [.. captureArgs, "-w", path, "-c", "4", .. filterArgs]);
        try
        {
            // The capture file appears once the capture is running; ping after that.
            var waited = Stopwatch.StartNew();
            while (!File.Exists(path) && waited.Elapsed < TimeSpan.FromSeconds(15) && !capture.HasExited) Thread.Sleep(50);
            Thread.Sleep(300);
            Shell.Run(Requirements.Which("ping")!, ["-c", "4", "-i", "0.2", "-s", "72", "127.0.0.1"], timeoutMs: 20_000);
            Assert.True(capture.WaitForExit(20_000), $"{tool} did not stop after 4 packets: {capture.StandardError.ReadToEnd()}");
        }
        finally
        {
            if (!capture.HasExited) capture.Kill();
        }
        Assert.True(capture.ExitCode == 0, $"{tool} failed: {capture.StandardError.ReadToEnd()}");
        return path;
    }

    private static void AssertPings(string path, CaptureFileFormat format, LinkType link)
    {
        using var reader = CaptureFileReader.Open(path);
        Assert.Equal(format, reader.Format);
        var records = Captured.ReadAll(reader);
        Assert.Equal(4, records.Count);
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() * 1_000_000;
        foreach (var r in records)
        {
            Assert.Equal(link, r.LinkType);
            Assert.InRange(r.TimestampNs, now - 600_000_000_000L, now + 1_000_000_000L);
            Assert.Equal(ParseResult.Ok, PacketParser.Parse(r.LinkType, r.Data, r.OriginalLength, out var p));
            Assert.Equal(CtFamily.IPv4, p.Family);
            Assert.Equal(1, p.Protocol);
            Assert.Equal(V4("127.0.0.1"), p.Source);
            Assert.Equal(V4("127.0.0.1"), p.Destination);
            Assert.Contains(p.IcmpType, new byte[] { 0, 8 });
            Assert.NotEqual(0, p.IcmpId);
            Assert.Equal(100, p.Length);
        }
        Assert.True(records.Zip(records.Skip(1)).All(pair => pair.First.TimestampNs <= pair.Second.TimestampNs));
    }

    [CaptureToolFact(true, "tcpdump", "ping")]
    public void Reads_a_tcpdump_capture_of_pings_on_loopback() =>
        AssertPings(CapturePings("tcpdump", "lo.pcap", "-i", "lo", "-U", "-Z", "root"), CaptureFileFormat.Pcap, LinkType.Ethernet);

    [CaptureToolFact(true, "tcpdump", "ping")]
    public void Reads_a_nanosecond_tcpdump_capture_in_Linux_cooked_v1() =>
        AssertPings(CapturePings("tcpdump", "any.pcap", "-i", "any", "-y", "LINUX_SLL", "--time-stamp-precision=nano", "-U", "-Z", "root"),
            CaptureFileFormat.Pcap, LinkType.LinuxSll);

    [CaptureToolFact(true, "tcpdump", "ping")]
    public void Reads_a_tcpdump_capture_in_Linux_cooked_v2() =>
        AssertPings(CapturePings("tcpdump", "any2.pcap", "-i", "any", "-y", "LINUX_SLL2", "-U", "-Z", "root"), CaptureFileFormat.Pcap, LinkType.LinuxSll2);

    [CaptureToolFact(true, "dumpcap", "ping")]
    public void Reads_a_dumpcap_pcapng_capture() =>
        AssertPings(CapturePings("dumpcap", "lo.pcapng", "-q", "-i", "lo"), CaptureFileFormat.PcapNg, LinkType.Ethernet);

    /// <summary>A capture of many kinds of packet, for the tools to read.</summary>
    private static List<byte[]> Variety()
    {
        var udpOut = Ipv4("10.0.0.1", "10.0.0.2", Udp(33000, 53, payload: 20)).Bytes;
        return
        [
            Ethernet(Ipv4("10.0.0.1", "10.0.0.2", Tcp(40000, 80, payload: 10))),
            EthernetPadded(Ipv4("192.168.1.10", "192.168.1.1", Udp(5353, 53, payload: 1))),
            Ethernet(Ipv6("2001:db8::1", "2001:db8::2", Tcp(40002, 443, payload: 100))),
            Tagged(Ethernet(Ipv4("172.16.0.1", "172.16.0.2", Udp(1000, 2000, payload: 30))), (0x8100, 42)),
            Ethernet(Ipv4("10.0.0.1", "10.0.0.3", Icmp(IcmpV4TypeCode.EchoRequest, id: 0x1234, sequence: 1))),
            Ethernet(Ipv4("10.0.0.2", "10.0.0.1", Icmp(IcmpV4TypeCode.UnreachablePort, quoted: udpOut[..28]))),
            Ethernet(Ipv6("2001:db8::1", "2001:db8::2", 0, [.. OptionsHeader(60), .. OptionsHeader(6), .. Tcp(12345, 22).Bytes])),
            Ethernet(Ipv6("2001:db8::2", "2001:db8::1", IcmpV6(129, 0, id: 0x4321))),
            Ethernet(Ipv4("10.0.0.1", "10.0.0.2", 132, Sctp(3868, 3869))),
            Tagged(Ethernet(Ipv6("fe80::1", "fe80::2", Udp(546, 547, payload: 12))), (0x88A8, 7), (0x8100, 8)),
        ];
    }

    [CaptureToolFact(false, "tshark")]
    public void The_parser_agrees_with_tshark()
    {
        var frames = Variety();
        var path = Path.Combine(_dir, "variety.pcap");
        using (var writer = new PcapWriter(path, LinkType.Ethernet))
            for (var i = 0; i < frames.Count; i++) writer.Write(1_700_000_000_000_000_000 + i * 123_456_789L, frames[i]);

        string[] fields = ["frame.number", "frame.time_epoch", "ip.src", "ip.dst", "ipv6.src", "ipv6.dst", "tcp.srcport", "tcp.dstport",
            "udp.srcport", "udp.dstport", "sctp.srcport", "sctp.dstport", "icmp.type", "icmp.code", "icmp.ident", "icmpv6.type",
            "icmpv6.echo.identifier", "vlan.id", "ieee8021ad.id", "ip.len", "ipv6.plen"];
        var args = new List<string> { "-n", "-r", path, "-T", "fields", "-E", "separator=/t", "-E", "occurrence=a", "-E", "aggregator=," };
        foreach (var field in fields) args.AddRange(["-e", field]);
        var result = Shell.Run(Requirements.Which("tshark")!, args);
        Assert.True(result.ExitCode == 0, result.Stderr);
        var lines = result.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(frames.Count, lines.Length);

        using var reader = CaptureFileReader.Open(path);
        foreach (var line in lines)
        {
            var columns = line.Split('\t');
            string[] Values(string field) => columns[Array.IndexOf(fields, field)].Split(',', StringSplitOptions.RemoveEmptyEntries);
            string? First(string field) => Values(field).FirstOrDefault();
            string? Last(string field) => Values(field).LastOrDefault();

            Assert.True(reader.TryRead(out var record));
            Assert.Equal(First("frame.number"), record.Number.ToString(CultureInfo.InvariantCulture));
            Assert.Equal(decimal.Parse(First("frame.time_epoch")!, CultureInfo.InvariantCulture), record.TimestampNs / 1_000_000_000m);
            Assert.Equal(ParseResult.Ok, PacketParser.Parse(record.LinkType, record.Data, out var p));
            var context = $"frame {record.Number}: {line}";

            var v4 = p.Family == CtFamily.IPv4;
            Assert.True(IPAddress.Parse(First(v4 ? "ip.src" : "ipv6.src")!).Equals(Address(p.Family, p.Source)), context);
            Assert.True(IPAddress.Parse(First(v4 ? "ip.dst" : "ipv6.dst")!).Equals(Address(p.Family, p.Destination)), context);
            Assert.Equal(int.Parse(First(v4 ? "ip.len" : "ipv6.plen")!, CultureInfo.InvariantCulture) + (v4 ? 0 : 40), p.Length);
            // tshark names an 802.1ad tag ieee8021ad.id and an 802.1Q tag vlan.id; ours is the outer one.
            Assert.Equal(First("ieee8021ad.id") ?? First("vlan.id") ?? "0", p.VlanId.ToString(CultureInfo.InvariantCulture));

            var ports = p.Protocol switch { 6 => "tcp", 17 => "udp", 132 => "sctp", _ => null };
            if (ports is not null)
            {
                Assert.Equal(First($"{ports}.srcport"), p.SourcePort.ToString(CultureInfo.InvariantCulture));
                Assert.Equal(First($"{ports}.dstport"), p.DestinationPort.ToString(CultureInfo.InvariantCulture));
            }
            else if (p.Protocol == 1)
            {
                Assert.Equal(First("icmp.type"), p.IcmpType.ToString(CultureInfo.InvariantCulture));
                Assert.Equal(First("icmp.code"), p.IcmpCode.ToString(CultureInfo.InvariantCulture));
                if (p.IsIcmpError)
                {
                    // The quoted packet: tshark's second ip.src/ip.dst and the only UDP header.
                    Assert.True(IPAddress.Parse(Last("ip.src")!).Equals(Address(p.Family, p.InnerSource)), context);
                    Assert.True(IPAddress.Parse(Last("ip.dst")!).Equals(Address(p.Family, p.InnerDestination)), context);
                    Assert.Equal(First("udp.srcport"), p.InnerSourcePort.ToString(CultureInfo.InvariantCulture));
                    Assert.Equal(First("udp.dstport"), p.InnerDestinationPort.ToString(CultureInfo.InvariantCulture));
                }
                else
                {
                    Assert.Equal(Number(First("icmp.ident")!), p.IcmpId);
                }
            }
            else if (p.Protocol == 58)
            {
                Assert.Equal(First("icmpv6.type"), p.IcmpType.ToString(CultureInfo.InvariantCulture));
                Assert.Equal(Number(First("icmpv6.echo.identifier")!), p.IcmpId);
            }
            else
            {
                Assert.Fail($"unexpected protocol {p.Protocol} in {context}");
            }
        }
        Assert.False(reader.TryRead(out _));
    }

    /// <summary>A number as tshark prints it: decimal, or hexadecimal with 0x.</summary>
    private static int Number(string text) =>
        text.StartsWith("0x", StringComparison.Ordinal) ? Convert.ToInt32(text[2..], 16) : int.Parse(text, CultureInfo.InvariantCulture);

    [CaptureToolFact(false, "editcap")]
    public void Reads_what_editcap_converts_to_pcapng_and_microseconds()
    {
        var frames = Variety();
        var pcap = Path.Combine(_dir, "ours.pcap");
        using (var writer = new PcapWriter(pcap, LinkType.Ethernet))
            for (var i = 0; i < frames.Count; i++) writer.Write(1_700_000_000_000_000_000 + i * 1_000_123_456L, frames[i]);

        var pcapng = Path.Combine(_dir, "theirs.pcapng");
        var micro = Path.Combine(_dir, "theirs-us.pcap");
        var editcap = Requirements.Which("editcap")!;
        Assert.Equal(0, Shell.Run(editcap, ["-F", "pcapng", pcap, pcapng]).ExitCode);
        Assert.Equal(0, Shell.Run(editcap, ["-F", "pcap", pcap, micro]).ExitCode);

        using var a = CaptureFileReader.Open(pcap);
        using var b = CaptureFileReader.Open(pcapng);
        using var c = CaptureFileReader.Open(micro);
        Assert.Equal(CaptureFileFormat.PcapNg, b.Format);
        var ours = Captured.ReadAll(a);
        var converted = Captured.ReadAll(b);
        var microseconds = Captured.ReadAll(c);
        Assert.Equal(ours.Count, converted.Count);
        Assert.Equal(ours.Count, microseconds.Count);
        for (var i = 0; i < ours.Count; i++)
        {
            Assert.Equal(ours[i].Data, converted[i].Data);
            Assert.Equal(ours[i].TimestampNs, converted[i].TimestampNs);
            Assert.Equal(ours[i].OriginalLength, converted[i].OriginalLength);
            Assert.Equal(ours[i].Data, microseconds[i].Data);
            Assert.Equal(ours[i].TimestampNs / 1000 * 1000, microseconds[i].TimestampNs);
        }
    }
}
