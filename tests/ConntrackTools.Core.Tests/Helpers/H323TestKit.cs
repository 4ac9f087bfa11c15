using System.Buffers.Binary;
using System.Net;
using ConntrackTools.Engine;

namespace ConntrackTools.Tests.Helpers;

/// <summary>
/// Raw IP packets (link type Raw) for the H.323 helper tests: UDP datagrams and TCP connections
/// with real sequence numbers, fed to an engine as they are made and kept for a pcap.
/// </summary>
internal sealed class H323TestKit
{
    public const long S = 1_000_000_000;
    private long _now = 1_700_000_000L * S;

    public H323TestKit(EngineSettings? settings = null, params string[] rules)
    {
        settings ??= new EngineSettings();
        foreach (var r in rules) settings.Rules.Add(EngineRule.Parse(r));
        Engine = new ConntrackEngine("h323", settings);
        Engine.Subscribe(Events.Add);
        Engine.SubscribeExpectations(ExpectationEvents.Add);
    }

    public ConntrackEngine Engine { get; }
    public List<CtEvent> Events { get; } = [];
    public List<CtExpectationEvent> ExpectationEvents { get; } = [];
    public List<(byte[] Data, long TimestampNs)> Frames { get; } = [];

    /// <summary>The expectations alive now, as "proto src:sport -> dst:dport" (sport * for any), oldest first.</summary>
    public List<string> Expected() => [.. Engine.SnapshotExpectations().Select(Describe)];

    public static string Describe(CtExpectation e) =>
        $"{e.Tuple.Protocol.ToString().ToLowerInvariant()} {(e.WildcardSource ? "*" : e.Tuple.Source)}:{(e.WildcardSourcePort ? "*" : e.Tuple.SourcePort)}" +
        $" -> {e.Tuple.Destination}:{e.Tuple.DestinationPort}";

    public void Advance(long seconds)
    {
        _now += seconds * S;
        Engine.Advance(_now);
    }

    /// <summary>Feeds one IP packet.</summary>
    public void Feed(byte[] ip)
    {
        _now += S / 1000;
        Frames.Add((ip, _now));
        Engine.Process(LinkType.Raw, ip, ip.Length, _now);
    }

    public void Udp(string src, ushort sport, string dst, ushort dport, byte[] payload)
    {
        var l4 = new byte[8 + payload.Length];
        BinaryPrimitives.WriteUInt16BigEndian(l4, sport);
        BinaryPrimitives.WriteUInt16BigEndian(l4.AsSpan(2), dport);
        BinaryPrimitives.WriteUInt16BigEndian(l4.AsSpan(4), (ushort)l4.Length);
        payload.CopyTo(l4, 8);
        Feed(Ip(src, dst, 17, l4));
    }

    public static byte[] Ip(string src, string dst, byte protocol, byte[] l4)
    {
        var s = IPAddress.Parse(src).GetAddressBytes();
        var d = IPAddress.Parse(dst).GetAddressBytes();
        byte[] ip;
        int off;
        if (s.Length == 4)
        {
            ip = new byte[20 + l4.Length];
            ip[0] = 0x45;
            BinaryPrimitives.WriteUInt16BigEndian(ip.AsSpan(2), (ushort)ip.Length);
            ip[6] = 0x40; // DF
            ip[8] = 64;
            ip[9] = protocol;
            s.CopyTo(ip, 12);
            d.CopyTo(ip, 16);
            BinaryPrimitives.WriteUInt16BigEndian(ip.AsSpan(10), Checksum(ip.AsSpan(0, 20), 0));
            off = 20;
        }
        else
        {
            ip = new byte[40 + l4.Length];
            ip[0] = 0x60;
            BinaryPrimitives.WriteUInt16BigEndian(ip.AsSpan(4), (ushort)l4.Length);
            ip[6] = protocol;
            ip[7] = 64;
            s.CopyTo(ip, 8);
            d.CopyTo(ip, 24);
            off = 40;
        }
        l4.CopyTo(ip, off);
        // The layer-4 checksum over the pseudo-header, so that dissectors are content.
        var pseudo = new List<byte>();
        pseudo.AddRange(s);
        pseudo.AddRange(d);
        pseudo.AddRange([0, protocol, (byte)(l4.Length >> 8), (byte)l4.Length]);
        var at = off + (protocol == 6 ? 16 : 6);
        var sum = Checksum([.. pseudo, .. l4], 0);
        BinaryPrimitives.WriteUInt16BigEndian(ip.AsSpan(at), protocol == 17 && sum == 0 ? (ushort)0xffff : sum);
        return ip;
    }

    private static ushort Checksum(ReadOnlySpan<byte> data, uint sum)
    {
        for (var i = 0; i + 1 < data.Length; i += 2) sum += BinaryPrimitives.ReadUInt16BigEndian(data[i..]);
        if (data.Length % 2 == 1) sum += (uint)data[^1] << 8;
        while (sum >> 16 != 0) sum = (sum & 0xffff) + (sum >> 16);
        return (ushort)~sum;
    }

    /// <summary>A TCP connection between a client and a server, opened with the three-way handshake.</summary>
    public H323TcpFlow Tcp(string client, ushort clientPort, string server, ushort serverPort) => new(this, client, clientPort, server, serverPort);

    /// <summary>A classic pcap (link type Raw) of every packet fed, for tshark.</summary>
    public void WritePcap(string path)
    {
        using var f = File.Create(path);
        var header = new byte[24];
        BinaryPrimitives.WriteUInt32LittleEndian(header, 0xa1b2c3d4);
        BinaryPrimitives.WriteUInt16LittleEndian(header.AsSpan(4), 2);
        BinaryPrimitives.WriteUInt16LittleEndian(header.AsSpan(6), 4);
        BinaryPrimitives.WriteUInt32LittleEndian(header.AsSpan(16), 65535);
        BinaryPrimitives.WriteUInt32LittleEndian(header.AsSpan(20), 101);
        f.Write(header);
        foreach (var (data, ts) in Frames)
        {
            var rec = new byte[16];
            BinaryPrimitives.WriteUInt32LittleEndian(rec, (uint)(ts / S));
            BinaryPrimitives.WriteUInt32LittleEndian(rec.AsSpan(4), (uint)(ts % S / 1000));
            BinaryPrimitives.WriteUInt32LittleEndian(rec.AsSpan(8), (uint)data.Length);
            BinaryPrimitives.WriteUInt32LittleEndian(rec.AsSpan(12), (uint)data.Length);
            f.Write(rec);
            f.Write(data);
        }
    }
}

/// <summary>One TCP connection of an <see cref="H323TestKit"/>: segments each way with consistent sequence numbers.</summary>
internal sealed class H323TcpFlow
{
    private const byte Fin = 0x01, Syn = 0x02, Psh = 0x08, Ack = 0x10;
    private readonly H323TestKit _kit;
    private readonly string _client, _server;
    private readonly ushort _clientPort, _serverPort;
    private uint _clientSeq = 1000, _serverSeq = 50000;

    public H323TcpFlow(H323TestKit kit, string client, ushort clientPort, string server, ushort serverPort)
    {
        (_kit, _client, _clientPort, _server, _serverPort) = (kit, client, clientPort, server, serverPort);
        Segment(false, Syn, []);
        _clientSeq++;
        Segment(true, Syn | Ack, []);
        _serverSeq++;
        Segment(false, Ack, []);
    }

    /// <summary>Data from the client (or from the server when <paramref name="fromServer"/>).</summary>
    public H323TcpFlow Send(bool fromServer, byte[] payload)
    {
        Segment(fromServer, Psh | Ack, payload);
        if (fromServer) _serverSeq += (uint)payload.Length;
        else _clientSeq += (uint)payload.Length;
        return this;
    }

    public H323TcpFlow Client(byte[] payload) => Send(false, payload);
    public H323TcpFlow Server(byte[] payload) => Send(true, payload);

    /// <summary>A pure ACK from one side.</summary>
    public H323TcpFlow AckFrom(bool fromServer)
    {
        Segment(fromServer, Ack, []);
        return this;
    }

    public void Close()
    {
        Segment(false, Fin | Ack, []);
        _clientSeq++;
        Segment(true, Fin | Ack, []);
        _serverSeq++;
        Segment(false, Ack, []);
    }

    private void Segment(bool fromServer, byte flags, byte[] payload)
    {
        var l4 = new byte[20 + payload.Length];
        BinaryPrimitives.WriteUInt16BigEndian(l4, fromServer ? _serverPort : _clientPort);
        BinaryPrimitives.WriteUInt16BigEndian(l4.AsSpan(2), fromServer ? _clientPort : _serverPort);
        BinaryPrimitives.WriteUInt32BigEndian(l4.AsSpan(4), fromServer ? _serverSeq : _clientSeq);
        if ((flags & Ack) != 0) BinaryPrimitives.WriteUInt32BigEndian(l4.AsSpan(8), fromServer ? _clientSeq : _serverSeq);
        l4[12] = 5 << 4;
        l4[13] = flags;
        BinaryPrimitives.WriteUInt16BigEndian(l4.AsSpan(14), 64240);
        payload.CopyTo(l4, 20);
        _kit.Feed(H323TestKit.Ip(fromServer ? _server : _client, fromServer ? _client : _server, 6, l4));
    }
}
