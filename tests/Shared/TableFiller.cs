using System.Net;
using ConntrackTools.Kernel.Conntrack;
using ConntrackTools.Kernel.Netfilter;
using ConntrackTools.Kernel.Netlink;

namespace ConntrackTools.Tests;

/// <summary>
/// Fills a namespace's conntrack table fast for the large differential tests: IPCTNL_MSG_CT_NEW
/// messages sent in batches on one socket (conntrack-tools 1.4.7 here has no -R batch mode, and
/// one `conntrack -I` per entry would take minutes). The reading side under test never uses this.
/// Entries vary family, protocol, state, zone, mark and labels in a pattern the tests can predict.
/// </summary>
public static class TableFiller
{
    public static readonly CtProtocol[] Protocols = [CtProtocol.Tcp, CtProtocol.Udp, CtProtocol.Icmp, CtProtocol.Sctp, CtProtocol.UdpLite];
    public static readonly ushort[] Zones = [0, 1, 2, 7];
    private static readonly byte[] TcpStates = [1, 2, 3, 4, 5, 6, 7, 8, 3, 3]; // SYN_SENT .. CLOSE, mostly ESTABLISHED

    /// <summary>Inserts <paramref name="count"/> entries; returns how many the kernel holds afterwards.</summary>
    public static void Fill(string netns, int count, int seed = 1)
    {
        using var socket = NetlinkSocket.Open(Native.NETLINK_NETFILTER, NetworkNamespace.Resolve(netns));
        var writer = new NetlinkWriter(256 * 1024);
        for (var i = 0; i < count; i++)
        {
            AppendEntry(writer, socket.NextSequence(), i, seed);
            if (writer.Written.Length > 200 * 1024)
            {
                socket.Send(writer, "fill conntrack table");
                writer.Reset();
                Thread.Sleep(1); // let the kernel keep up; errors are not acked and the count is checked by the caller
            }
        }
        if (writer.Written.Length > 0) socket.Send(writer, "fill conntrack table");
    }

    private static void AppendEntry(NetlinkWriter w, uint seq, int i, int seed)
    {
        var v6 = i % 3 == 2;
        var protocol = v6 && Protocols[i % Protocols.Length] == CtProtocol.Icmp ? CtProtocol.IcmpV6 : Protocols[i % Protocols.Length];
        var src = Address(v6, 1, i, seed);
        var dst = Address(v6, 2, i / 7, seed);
        var sport = (ushort)(1024 + i % 60000);
        var dport = (ushort)(new ushort[] { 22, 53, 80, 443, 8080, 5060 }[i % 6]);
        var zone = Zones[(i / 5) % Zones.Length];
        w.BeginMessage(Nfnetlink.MessageType(Nfnetlink.SubsysCtnetlink, CtMsg.IPCTNL_MSG_CT_NEW),
            NetlinkSocket.NLM_F_REQUEST | NetlinkSocket.NLM_F_CREATE | NetlinkSocket.NLM_F_EXCL);
        w.PutNfGenMsg(v6 ? Nfnetlink.AF_INET6 : Nfnetlink.AF_INET);
        var icmp = protocol is CtProtocol.Icmp or CtProtocol.IcmpV6;
        var orig = new CtTuple { Source = src, Destination = dst, Protocol = protocol };
        var reply = new CtTuple { Source = dst, Destination = src, Protocol = protocol };
        if (icmp)
        {
            orig.IcmpType = (byte)(protocol == CtProtocol.Icmp ? 8 : 128);
            orig.IcmpCode = 0;
            orig.IcmpId = (ushort)i;
            reply.IcmpType = (byte)(protocol == CtProtocol.Icmp ? 0 : 129);
            reply.IcmpCode = 0;
            reply.IcmpId = (ushort)i;
        }
        else
        {
            orig.SourcePort = sport;
            orig.DestinationPort = dport;
            reply.SourcePort = dport;
            reply.DestinationPort = sport;
        }
        TupleCodec.Encode(w, Cta.CTA_TUPLE_ORIG, orig);
        TupleCodec.Encode(w, Cta.CTA_TUPLE_REPLY, reply);
        w.PutU32BE(Cta.CTA_TIMEOUT, (uint)(600 + i % 3000));
        if (i % 4 != 0) w.PutU32BE(Cta.CTA_MARK, (uint)(i % 4 == 1 ? 0x10 : i % 4 == 2 ? 0x11 : 0x1F0 + i % 16));
        if (zone != 0) w.PutU16BE(Cta.CTA_ZONE, zone);
        // SEEN_REPLY | ASSURED; CONFIRMED too, or the kernel refuses the status change with EBUSY.
        if (i % 2 == 1) w.PutU32BE(Cta.CTA_STATUS, 2 | 4 | 8);
        if (protocol == CtProtocol.Tcp)
        {
            var info = w.BeginNested(Cta.CTA_PROTOINFO);
            var tcp = w.BeginNested(Cta.CTA_PROTOINFO_TCP);
            w.PutU8(Cta.CTA_PROTOINFO_TCP_STATE, TcpStates[i / Protocols.Length % TcpStates.Length]);
            w.EndNested(tcp);
            w.EndNested(info);
        }
        else if (protocol == CtProtocol.Sctp)
        {
            var info = w.BeginNested(Cta.CTA_PROTOINFO);
            var sctp = w.BeginNested(Cta.CTA_PROTOINFO_SCTP);
            w.PutU8(Cta.CTA_PROTOINFO_SCTP_STATE, 4); // ESTABLISHED
            w.PutU32BE(Cta.CTA_PROTOINFO_SCTP_VTAG_ORIGINAL, (uint)(i + 1));
            w.PutU32BE(Cta.CTA_PROTOINFO_SCTP_VTAG_REPLY, (uint)(i + 2));
            w.EndNested(sctp);
            w.EndNested(info);
        }
        if (i % 10 == 3)
        {
            w.PutBytes(Cta.CTA_LABELS, FlowCodec.LabelBitmap([i % 5, 64 + i % 7]));
            w.PutBytes(Cta.CTA_LABELS_MASK, FlowCodec.LabelBitmap(Enumerable.Range(0, 128)));
        }
        w.EndMessage(seq);
    }

    private static IPAddress Address(bool v6, int side, int i, int seed)
    {
        if (!v6) return new IPAddress(new byte[] { (byte)(100 + side), (byte)seed, (byte)(i >> 8), (byte)i });
        var b = new byte[16];
        b[0] = 0x20; b[1] = 0x01; b[2] = 0x0d; b[3] = 0xb8;
        b[5] = (byte)side; b[7] = (byte)seed;
        b[14] = (byte)(i >> 8); b[15] = (byte)i;
        return new IPAddress(b);
    }

    /// <summary>Makes labels usable in a namespace: the kernel attaches the label extension only once a rule uses ct label.</summary>
    public static void EnableLabels(string netns)
    {
        TestNetwork.Nft(netns, "table inet ctlabels {\n  chain c { ct label 127 counter; }\n}\n");
    }

    /// <summary>Writes connlabel.conf (label0..label127) if it is absent: conntrack and nft read names from it.</summary>
    public static void EnsureLabelConfig()
    {
        foreach (var path in new[] { "/etc/xtables/connlabel.conf", "/etc/connlabel.conf" })
        {
            if (File.Exists(path)) continue;
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            File.WriteAllLines(path, Enumerable.Range(0, 128).Select(n => $"{n} label{n}"));
        }
    }
}
