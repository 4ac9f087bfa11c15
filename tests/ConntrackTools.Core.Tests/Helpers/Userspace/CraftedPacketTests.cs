using ConntrackTools.Engine;
using System.Diagnostics;
using Xunit;

namespace ConntrackTools.Tests.Helpers.Userspace;

/// <summary>The crafted messages the helper tests use are what Wireshark's dissectors take them for, and not malformed.</summary>
public class CraftedPacketTests
{
    /// <summary>Each packet, and the protocol tshark must find in it.</summary>
    private static (byte[] Packet, string Protocol, string Field)[] Packets() =>
    [
        (Ip.Udp("fe80::a", 546, "ff02::1:2", 547, Messages.Dhcpv6Client(1)), "dhcpv6", "dhcpv6.msgtype"),
        (Ip.Udp("fe80::b", 547, "fe80::a", 546, Messages.Dhcpv6Advertise()), "dhcpv6", "dhcpv6.msgtype"),
        (Ip.Udp("192.168.1.10", 40000, "224.0.0.251", 5353, Messages.MdnsQuery()), "mdns", "dns.qry.name"),
        (Ip.Udp("192.168.1.20", 5353, "192.168.1.10", 40000, Messages.MdnsAnswer()), "mdns", "dns.ptr.domain_name"),
        (Ip.Udp("192.168.1.10", 40001, "239.255.255.253", 427, Messages.SlpSrvRqst()), "srvloc", "srvloc.srvreq.srvtypelist"),
        (Ip.Udp("192.168.1.30", 427, "192.168.1.10", 40001, Messages.SlpSrvRply()), "srvloc", "srvloc.url.url"),
        (Ip.Udp("192.168.1.10", 50000, "239.255.255.250", 1900, Messages.MSearch()), "ssdp", "http.request.method"),
        (Ip.Udp("192.168.1.40", 1900, "192.168.1.10", 50000, Messages.SsdpResponse("http://192.168.1.40:49152/description.xml")), "ssdp", "http.response.code"),
        (Ip.Tcp("192.168.1.10", 41000, "192.168.1.40", 49152, 1, 1, Ip.Psh | Ip.Ack, Messages.Subscribe("192.168.1.40:49152", "http://192.168.1.10:5000/notify")), "http", "http.request.method"),
        (Ip.Tcp("192.168.1.40", 42000, "192.168.1.10", 5000, 1, 1, Ip.Psh | Ip.Ack, Messages.Notify("192.168.1.10:5000")), "http", "http.request.method"),
        (Ip.Udp("10.0.0.1", 700, "10.0.0.2", 111, Messages.GetPortCall(0x11223344, 100005, 3, 17)), "portmap", "portmap.prog"),
        (Ip.Udp("10.0.0.2", 111, "10.0.0.1", 700, Messages.GetPortReply(0x11223344, 20048)), "portmap", "portmap.port"),
        (Ip.Tcp("10.0.0.1", 800, "10.0.0.2", 111, 1, 1, Ip.Psh | Ip.Ack, Messages.RecordMarked(Messages.GetPortCall(1, 100003, 3, 6, cred: Messages.AuthSys()))), "portmap", "portmap.prog"),
        (Ip.Tcp("10.0.0.2", 111, "10.0.0.1", 800, 1, 1, Ip.Psh | Ip.Ack, Messages.RecordMarked(Messages.GetPortReply(1, 2049))), "portmap", "portmap.port"),
        (Ip.Tcp("10.0.0.1", 40000, "10.0.0.2", 1521, 1, 1, Ip.Psh | Ip.Ack, Messages.TnsConnect("(DESCRIPTION=(CONNECT_DATA=(SERVICE_NAME=orcl))(ADDRESS=(PROTOCOL=TCP)(HOST=10.0.0.2)(PORT=1521)))")), "tns", "tns.connect_data"),
        (Ip.Tcp("10.0.0.2", 1521, "10.0.0.1", 40000, 1, 1, Ip.Psh | Ip.Ack, Messages.TnsRedirect("(DESCRIPTION=(ADDRESS=(PROTOCOL=TCP)(HOST=10.0.0.3)(PORT=1522)))")), "tns", "tns.redirect_data"),
        (Ip.Tcp("10.0.0.2", 1521, "10.0.0.1", 40002, 1, 1, Ip.Psh | Ip.Ack, Messages.TnsData("(ADDRESS=(PROTOCOL=TCP)(HOST=10.0.0.3)(PORT=1522))")), "tns", "tns.data_flag"),
    ];

    [KernelFact("tshark")]
    public void Tshark_dissects_every_crafted_message_without_complaint()
    {
        var packets = Packets();
        var file = Path.Combine(Path.GetTempPath(), $"cthelper-{Environment.ProcessId}.pcap");
        try
        {
            WritePcap(file, packets.Select(p => p.Packet));
            var fields = packets.Select(p => p.Field).Distinct().SelectMany(f => new[] { "-e", f });
            var psi = new ProcessStartInfo("tshark")
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                ArgumentList = { "-n", "-r", file, "-d", "tcp.port==49152,http", "-d", "tcp.port==5000,http", "-T", "fields", "-E", "separator=|",
                    "-e", "frame.protocols", "-e", "_ws.malformed", "-e", "_ws.expert.severity" },
            };
            foreach (var f in fields) psi.ArgumentList.Add(f);
            using var tshark = Process.Start(psi)!;
            var output = tshark.StandardOutput.ReadToEnd();
            var error = tshark.StandardError.ReadToEnd();
            Assert.True(tshark.WaitForExit(30_000), "tshark did not finish");
            var lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
            Assert.True(lines.Length == packets.Length, $"{lines.Length} lines for {packets.Length} packets: {error}");
            var fieldNames = packets.Select(p => p.Field).Distinct().ToList();
            for (var i = 0; i < packets.Length; i++)
            {
                var cols = lines[i].Split('|');
                var (_, protocol, field) = packets[i];
                Assert.True(cols[0].Split(':').Contains(protocol), $"frame {i + 1}: {cols[0]} lacks {protocol}");
                Assert.True(cols[1].Length == 0, $"frame {i + 1} ({protocol}) is malformed");
                // Severity 0x00800000 is an error (a bad checksum, a field out of range).
                Assert.DoesNotContain("8388608", cols[2].Split(','));
                Assert.True(cols[3 + fieldNames.IndexOf(field)].Length > 0, $"frame {i + 1}: no {field}");
            }
        }
        finally
        {
            File.Delete(file);
        }
    }

    /// <summary>A pcap file of raw IP packets (LINKTYPE_RAW), one a second.</summary>
    private static void WritePcap(string path, IEnumerable<byte[]> packets)
    {
        using var w = new PcapWriter(path, LinkType.Raw);
        var second = 1_700_000_000L;
        foreach (var p in packets) w.Write(second++ * 1_000_000_000, p);
    }
}
