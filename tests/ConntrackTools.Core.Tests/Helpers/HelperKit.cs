using System.Buffers.Binary;
using System.Net;
using System.Text;
using ConntrackTools.Engine;
using Xunit;

namespace ConntrackTools.Tests.Helpers;

/// <summary>Raw IP packets (LinkType.Raw) with correct checksums, for the helper tests.</summary>
internal static class Ip
{
    public const byte Fin = 0x01, Syn = 0x02, Psh = 0x08, Ack = 0x10;

    public static byte[] Udp(string source, ushort sport, string destination, ushort dport, ReadOnlySpan<byte> payload, byte trafficClass = 0)
    {
        var l4 = new byte[8 + payload.Length];
        BinaryPrimitives.WriteUInt16BigEndian(l4, sport);
        BinaryPrimitives.WriteUInt16BigEndian(l4.AsSpan(2), dport);
        BinaryPrimitives.WriteUInt16BigEndian(l4.AsSpan(4), (ushort)l4.Length);
        payload.CopyTo(l4.AsSpan(8));
        return Wrap(source, destination, 17, l4, 6, trafficClass);
    }

    public static byte[] Tcp(string source, ushort sport, string destination, ushort dport, uint seq, uint ack, byte flags, ReadOnlySpan<byte> payload = default) =>
        Wrap(source, destination, 6, TcpSegment(sport, dport, seq, ack, flags, payload), 16, 0);

    /// <summary>A TCP segment alone (checksum 0 until <see cref="Tcp"/> wraps it).</summary>
    public static byte[] TcpSegment(ushort sport, ushort dport, uint seq, uint ack, byte flags, ReadOnlySpan<byte> payload = default)
    {
        var l4 = new byte[20 + payload.Length];
        BinaryPrimitives.WriteUInt16BigEndian(l4, sport);
        BinaryPrimitives.WriteUInt16BigEndian(l4.AsSpan(2), dport);
        BinaryPrimitives.WriteUInt32BigEndian(l4.AsSpan(4), seq);
        BinaryPrimitives.WriteUInt32BigEndian(l4.AsSpan(8), ack);
        l4[12] = 5 << 4;
        l4[13] = flags;
        BinaryPrimitives.WriteUInt16BigEndian(l4.AsSpan(14), 64240);
        payload.CopyTo(l4.AsSpan(20));
        return l4;
    }

    /// <summary>An IPv4 or IPv6 packet (by the addresses) around a layer-4 segment; a TCP or UDP checksum is filled in.</summary>
    public static byte[] Packet(string source, string destination, byte protocol, byte[] l4) =>
        Wrap(source, destination, protocol, l4, protocol switch { 6 => 16, 17 => 6, _ => -1 }, 0);

    private static byte[] Wrap(string source, string destination, byte protocol, byte[] l4, int checksumAt, byte trafficClass)
    {
        var src = IPAddress.Parse(source).GetAddressBytes();
        var dst = IPAddress.Parse(destination).GetAddressBytes();
        if (checksumAt >= 0)
        {
            // Pseudo-header checksum (RFC 768/793, RFC 8200 8.1).
            uint sum = Sum(src) + Sum(dst) + protocol + (uint)l4.Length + Sum(l4);
            var check = Fold(sum);
            if (protocol == 17 && check == 0) check = 0xffff;
            BinaryPrimitives.WriteUInt16BigEndian(l4.AsSpan(checksumAt), check);
        }
        byte[] ip;
        if (src.Length == 4)
        {
            ip = new byte[20 + l4.Length];
            ip[0] = 0x45;
            BinaryPrimitives.WriteUInt16BigEndian(ip.AsSpan(2), (ushort)ip.Length);
            ip[6] = 0x40; // DF
            ip[8] = 64;
            ip[9] = protocol;
            src.CopyTo(ip, 12);
            dst.CopyTo(ip, 16);
            BinaryPrimitives.WriteUInt16BigEndian(ip.AsSpan(10), Fold(Sum(ip.AsSpan(0, 20))));
            l4.CopyTo(ip, 20);
        }
        else
        {
            ip = new byte[40 + l4.Length];
            ip[0] = (byte)(0x60 | trafficClass >> 4);
            ip[1] = (byte)(trafficClass << 4);
            BinaryPrimitives.WriteUInt16BigEndian(ip.AsSpan(4), (ushort)l4.Length);
            ip[6] = protocol;
            ip[7] = 64;
            src.CopyTo(ip, 8);
            dst.CopyTo(ip, 24);
            l4.CopyTo(ip, 40);
        }
        return ip;
    }

    private static uint Sum(ReadOnlySpan<byte> data)
    {
        uint sum = 0;
        for (var i = 0; i + 1 < data.Length; i += 2) sum += (uint)(data[i] << 8 | data[i + 1]);
        if ((data.Length & 1) != 0) sum += (uint)data[^1] << 8;
        return sum;
    }

    private static ushort Fold(uint sum)
    {
        while (sum >> 16 != 0) sum = (sum & 0xffff) + (sum >> 16);
        return (ushort)~sum;
    }

    public static byte[] Ascii(string text) => Encoding.ASCII.GetBytes(text);
}

/// <summary>An engine with raw-table rules, fed packets 1 ms apart, recording both event streams.</summary>
internal sealed class HelperRun
{
    public const long Start = 1_700_000_000_000_000_000;
    public readonly ConntrackEngine Engine;
    public readonly List<CtExpectationEvent> ExpectationEvents = [];
    public readonly List<CtEvent> Events = [];
    public long Now = Start;

    public HelperRun(params string[] rules) : this(null, rules) { }

    public HelperRun(Action<EngineSettings>? configure, params string[] rules)
    {
        var settings = new EngineSettings();
        foreach (var r in rules) settings.Rules.Add(EngineRule.Parse(r));
        configure?.Invoke(settings);
        Engine = new ConntrackEngine("cthelper", settings);
        Engine.SubscribeExpectations(ExpectationEvents.Add);
        Engine.Subscribe(Events.Add);
    }

    public void Send(byte[] packet)
    {
        Now += 1_000_000;
        Engine.Process(LinkType.Raw, packet, packet.Length, Now);
    }

    public List<CtExpectation> Expectations => Engine.SnapshotExpectations();

    public int NewExpectations => ExpectationEvents.Count(e => e.Type == CtEventType.New);

    /// <summary>The table's entry whose original direction starts at this source and port.</summary>
    public CtConnection Connection(string source, ushort sport) =>
        Assert.Single(Engine.Snapshot(), c => c.Original.Source!.Equals(IPAddress.Parse(source)) && c.Original.SourcePort == sport);

    /// <summary>Asserts an expectation's tuple, mask, class, timeout, flags and helper.</summary>
    public static void AssertExpectation(CtExpectation exp, CtProtocol protocol, string? source, ushort? sport, string destination, ushort dport,
        uint timeout, CtExpectationFlags flags, string helper)
    {
        Assert.Equal(protocol, exp.Protocol);
        Assert.Equal(IPAddress.Parse(destination), exp.Tuple.Destination);
        Assert.Equal(dport, exp.Tuple.DestinationPort);
        var any = exp.Family == CtFamily.IPv4 ? IPAddress.Any : IPAddress.IPv6Any;
        var all = exp.Family == CtFamily.IPv4 ? IPAddress.Broadcast : IPAddress.Parse("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff");
        Assert.Equal(source is null ? any : IPAddress.Parse(source), exp.Tuple.Source);
        Assert.Equal(source is null ? any : all, exp.Mask.Source);
        Assert.Equal(sport ?? 0, exp.Tuple.SourcePort);
        Assert.Equal(sport is null ? (ushort)0 : (ushort)0xffff, exp.Mask.SourcePort);
        Assert.Equal(all, exp.Mask.Destination);
        Assert.Equal((ushort)0xffff, exp.Mask.DestinationPort);
        Assert.Equal(0u, exp.Class);
        Assert.Equal(timeout, exp.Timeout);
        Assert.Equal(flags, exp.Flags);
        Assert.False(exp.Flags.HasFlag(CtExpectationFlags.Userspace)); // ctnetlink_alloc_expect clears it
        Assert.Equal(helper, exp.Helper);
    }

    /// <summary>Asserts that the connection is RELATED (IPS_EXPECTED) to the master with this original source and destination port.</summary>
    public static void AssertRelated(CtConnection ct, string masterSource, ushort masterDport)
    {
        Assert.True(ct.Status.HasFlag(CtStatus.Expected), $"{ct} is not expected");
        Assert.NotNull(ct.Master);
        Assert.Equal(IPAddress.Parse(masterSource), ct.Master!.Source);
        Assert.Equal(masterDport, ct.Master.DestinationPort);
    }
}

/// <summary>A TCP connection's two sequence spaces: handshake, then data either way (each segment ACKed in passing).</summary>
internal sealed class TcpFlow(HelperRun run, string client, ushort cport, string server, ushort sport)
{
    private uint _c = 1000, _s = 50000;

    public void Open()
    {
        run.Send(Ip.Tcp(client, cport, server, sport, _c, 0, Ip.Syn));
        run.Send(Ip.Tcp(server, sport, client, cport, _s, _c + 1, Ip.Syn | Ip.Ack));
        _c++; _s++;
        run.Send(Ip.Tcp(client, cport, server, sport, _c, _s, Ip.Ack));
    }

    public void Client(byte[] payload)
    {
        run.Send(Ip.Tcp(client, cport, server, sport, _c, _s, Ip.Psh | Ip.Ack, payload));
        _c += (uint)payload.Length;
    }

    public void Server(byte[] payload)
    {
        run.Send(Ip.Tcp(server, sport, client, cport, _s, _c, Ip.Psh | Ip.Ack, payload));
        _s += (uint)payload.Length;
    }

    /// <summary>The client's pure ACK of what the server sent.</summary>
    public void ClientAck() => run.Send(Ip.Tcp(client, cport, server, sport, _c, _s, Ip.Ack));

    /// <summary>The server's pure ACK of what the client sent.</summary>
    public void ServerAck() => run.Send(Ip.Tcp(server, sport, client, cport, _s, _c, Ip.Ack));
}
