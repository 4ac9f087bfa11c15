using System.Buffers.Binary;

namespace ConntrackTools.Tests;

/// <summary>
/// Synthetic traffic for the engine's benchmark and tests: N TCP connections between distinct
/// address/port pairs, each opened with a handshake, carrying M data segments (alternating
/// direction, sequence and acknowledgement numbers right) and closed with FIN/ACK. Frames are raw
/// IPv4 (LINKTYPE_RAW) built by hand, so that millions are made quickly.
/// </summary>
public static class SyntheticCapture
{
    public readonly record struct Frame(long TimestampNs, byte[] Data);

    /// <summary>The handshake packets of every flow, then their data, then their close; time advances 1 µs per packet.</summary>
    public static (List<Frame> Open, List<Frame> Data, List<Frame> Close) Tcp(int flows, int dataPackets, int payload, long startNs = 1_700_000_000_000_000_000)
    {
        var zeros = new byte[payload];
        return Tcp(flows, dataPackets, 443, (_, _, _) => zeros, startNs);
    }

    /// <summary>
    /// As <see cref="Tcp(int, int, int, long)"/> to server <paramref name="port"/>, with the payload of
    /// data packet k of a flow (even k from the client, odd from the server) from <paramref name="payload"/>(flow, k, reply).
    /// </summary>
    public static (List<Frame> Open, List<Frame> Data, List<Frame> Close) Tcp(int flows, int dataPackets, ushort port, Func<int, int, bool, byte[]> payload, long startNs = 1_700_000_000_000_000_000)
    {
        var open = new List<Frame>(flows * 3);
        var data = new List<Frame>(flows * dataPackets);
        var close = new List<Frame>(flows * 4);
        var t = startNs;
        var seqC = new uint[flows];
        var seqS = new uint[flows];
        for (var i = 0; i < flows; i++)
        {
            seqC[i] = (uint)(i * 7919 + 1000);
            seqS[i] = (uint)(i * 104729 + 5000);
            open.Add(new(t += 1000, Segment(i, port, false, seqC[i], 0, Syn, [])));
            open.Add(new(t += 1000, Segment(i, port, true, seqS[i], seqC[i] + 1, Syn | Ack, [])));
            seqC[i]++; seqS[i]++;
            open.Add(new(t += 1000, Segment(i, port, false, seqC[i], seqS[i], Ack, [])));
        }
        for (var k = 0; k < dataPackets; k++)
        {
            for (var i = 0; i < flows; i++)
            {
                var reply = (k & 1) == 1;
                var bytes = payload(i, k, reply);
                if (reply) { data.Add(new(t += 1000, Segment(i, port, true, seqS[i], seqC[i], Ack | Psh, bytes))); seqS[i] += (uint)bytes.Length; }
                else { data.Add(new(t += 1000, Segment(i, port, false, seqC[i], seqS[i], Ack | Psh, bytes))); seqC[i] += (uint)bytes.Length; }
            }
        }
        for (var i = 0; i < flows; i++)
        {
            close.Add(new(t += 1000, Segment(i, port, false, seqC[i], seqS[i], Fin | Ack, [])));
            close.Add(new(t += 1000, Segment(i, port, true, seqS[i], seqC[i] + 1, Fin | Ack, [])));
            close.Add(new(t += 1000, Segment(i, port, false, seqC[i] + 1, seqS[i] + 1, Ack, [])));
        }
        return (open, data, close);
    }

    /// <summary>
    /// N UDP flows to server <paramref name="port"/>, M datagrams each (even k from the client, odd
    /// from the server), payload k of a flow from <paramref name="payload"/>(flow, k, reply); 1 µs apart.
    /// </summary>
    public static List<Frame> Udp(int flows, int datagrams, ushort port, Func<int, int, bool, byte[]> payload, long startNs = 1_700_000_000_000_000_000)
    {
        var list = new List<Frame>(flows * datagrams);
        var t = startNs;
        for (var k = 0; k < datagrams; k++)
            for (var i = 0; i < flows; i++)
            {
                var reply = (k & 1) == 1;
                var bytes = payload(i, k, reply);
                var frame = new byte[20 + 8 + bytes.Length];
                var (src, dst, sport, dport) = (ClientAddress(i), ServerAddress(i), ClientPort(i), port);
                if (reply) (src, dst, sport, dport) = (dst, src, dport, sport);
                Ipv4(frame, src, dst, 17);
                BinaryPrimitives.WriteUInt16BigEndian(frame.AsSpan(20), sport);
                BinaryPrimitives.WriteUInt16BigEndian(frame.AsSpan(22), dport);
                BinaryPrimitives.WriteUInt16BigEndian(frame.AsSpan(24), (ushort)(8 + bytes.Length));
                bytes.CopyTo(frame, 28);
                list.Add(new(t += 1000, frame));
            }
        return list;
    }

    /// <summary>Flow i's client port.</summary>
    public static ushort ClientPortOf(int i) => ClientPort(i);

    /// <summary>One UDP datagram per flow, each a new flow (distinct source address and port).</summary>
    public static List<Frame> UdpSingles(int flows, int payload, long startNs = 1_700_000_000_000_000_000)
    {
        var list = new List<Frame>(flows);
        for (var i = 0; i < flows; i++)
        {
            var frame = new byte[20 + 8 + payload];
            Ipv4(frame, ClientAddress(i), ServerAddress(i), 17);
            BinaryPrimitives.WriteUInt16BigEndian(frame.AsSpan(20), ClientPort(i));
            BinaryPrimitives.WriteUInt16BigEndian(frame.AsSpan(22), 53);
            BinaryPrimitives.WriteUInt16BigEndian(frame.AsSpan(24), (ushort)(8 + payload));
            list.Add(new(startNs + i * 100L, frame));
        }
        return list;
    }

    private const byte Fin = 0x01, Syn = 0x02, Psh = 0x08, Ack = 0x10;

    /// <summary>Flow i's client address (10.x.y.1) and server address (192.168.0.z), as numbers.</summary>
    public static uint ClientAddress(int i) => 0x0A000000u | (uint)(i >> 10 & 0xFFFF) << 8 | 1;
    public static uint ServerAddress(int i) => 0xC0A80000u | (uint)(i & 0xFF);
    private static ushort ClientPort(int i) => (ushort)(1024 + (i & 0x3FF) * 61 % 60000);

    private static byte[] Segment(int flow, ushort port, bool reply, uint seq, uint ack, byte flags, ReadOnlySpan<byte> payload)
    {
        var frame = new byte[20 + 20 + payload.Length];
        payload.CopyTo(frame.AsSpan(40));
        var (src, dst) = (ClientAddress(flow), ServerAddress(flow));
        var (sport, dport) = (ClientPort(flow), port);
        if (reply) { (src, dst) = (dst, src); (sport, dport) = (dport, sport); }
        Ipv4(frame, src, dst, 6);
        var tcp = frame.AsSpan(20);
        BinaryPrimitives.WriteUInt16BigEndian(tcp, sport);
        BinaryPrimitives.WriteUInt16BigEndian(tcp[2..], dport);
        BinaryPrimitives.WriteUInt32BigEndian(tcp[4..], seq);
        BinaryPrimitives.WriteUInt32BigEndian(tcp[8..], ack);
        tcp[12] = 5 << 4;
        tcp[13] = flags;
        BinaryPrimitives.WriteUInt16BigEndian(tcp[14..], 65535);
        return frame;
    }

    private static void Ipv4(byte[] frame, uint src, uint dst, byte protocol)
    {
        var ip = frame.AsSpan();
        ip[0] = 0x45;
        BinaryPrimitives.WriteUInt16BigEndian(ip[2..], (ushort)frame.Length);
        ip[8] = 64;
        ip[9] = protocol;
        BinaryPrimitives.WriteUInt32BigEndian(ip[12..], src);
        BinaryPrimitives.WriteUInt32BigEndian(ip[16..], dst);
    }
}
