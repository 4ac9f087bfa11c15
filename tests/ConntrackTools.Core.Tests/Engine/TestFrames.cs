using System.Buffers.Binary;
using System.Net;
using System.Net.NetworkInformation;
using PacketDotNet;
using PacketDotNet.Utils;

namespace ConntrackTools.Tests.Engine;

/// <summary>
/// Test packets: PacketDotNet builds the Ethernet, IP, TCP, UDP and ICMP layers; what it cannot
/// build (extension header chains, cooked headers, VLAN stacks, SCTP, GRE, DCCP) is spliced in as bytes.
/// </summary>
internal static class TestFrames
{
    public static readonly PhysicalAddress MacA = PhysicalAddress.Parse("02-00-00-00-00-01");
    public static readonly PhysicalAddress MacB = PhysicalAddress.Parse("02-00-00-00-00-02");

    public static UInt128 V4(string address) => BinaryPrimitives.ReadUInt32BigEndian(IPAddress.Parse(address).GetAddressBytes());

    public static UInt128 V6(string address) => BinaryPrimitives.ReadUInt128BigEndian(IPAddress.Parse(address).GetAddressBytes());

    /// <summary>The address a parser number stands for (IPv4 in the low 32 bits).</summary>
    public static IPAddress Address(CtFamily family, UInt128 value)
    {
        if (family == CtFamily.IPv4) return new IPAddress(BitConverter.IsLittleEndian ? BinaryPrimitives.ReverseEndianness((uint)value) : (uint)value);
        var bytes = new byte[16];
        BinaryPrimitives.WriteUInt128BigEndian(bytes, value);
        return new IPAddress(bytes);
    }

    public static TcpPacket Tcp(ushort source, ushort destination, int payload = 0, bool syn = true)
    {
        var tcp = new TcpPacket(source, destination) { Synchronize = syn, Acknowledgment = !syn, SequenceNumber = 1000, WindowSize = 64240 };
        tcp.PayloadData = Payload(payload);
        return tcp;
    }

    public static UdpPacket Udp(ushort source, ushort destination, int payload = 0)
    {
        var udp = new UdpPacket(source, destination) { PayloadData = Payload(payload) };
        udp.UpdateCalculatedValues();
        return udp;
    }

    public static IcmpV4Packet Icmp(IcmpV4TypeCode typeCode, ushort id = 0, ushort sequence = 0, byte[]? quoted = null)
    {
        var bytes = new byte[8 + (quoted?.Length ?? 0)];
        quoted?.CopyTo(bytes, 8);
        return new IcmpV4Packet(new ByteArraySegment(bytes)) { TypeCode = typeCode, Id = id, Sequence = sequence };
    }

    public static IcmpV6Packet IcmpV6(byte type, byte code, ushort id = 0, byte[]? quoted = null)
    {
        var bytes = new byte[8 + (quoted?.Length ?? 0)];
        BinaryPrimitives.WriteUInt16BigEndian(bytes.AsSpan(4), id);
        quoted?.CopyTo(bytes, 8);
        return new IcmpV6Packet(new ByteArraySegment(bytes)) { Type = (IcmpV6Type)type, Code = code };
    }

    public static IPv4Packet Ipv4(string source, string destination, Packet payload)
    {
        var ip = new IPv4Packet(IPAddress.Parse(source), IPAddress.Parse(destination)) { PayloadPacket = payload };
        ip.UpdateCalculatedValues();
        ip.UpdateIPChecksum();
        return ip;
    }

    /// <summary>An IPv4 packet with raw layer-4 bytes of any protocol.</summary>
    public static IPv4Packet Ipv4(string source, string destination, byte protocol, byte[] l4)
    {
        var ip = new IPv4Packet(IPAddress.Parse(source), IPAddress.Parse(destination)) { PayloadData = l4 };
        ip.Protocol = (PacketDotNet.ProtocolType)protocol;
        ip.UpdateCalculatedValues();
        ip.UpdateIPChecksum();
        return ip;
    }

    public static IPv6Packet Ipv6(string source, string destination, Packet payload)
    {
        var ip = new IPv6Packet(IPAddress.Parse(source), IPAddress.Parse(destination)) { PayloadPacket = payload };
        ip.PayloadLength = (ushort)payload.Bytes.Length;
        return ip;
    }

    /// <summary>An IPv6 packet whose payload starts with <paramref name="next"/> (extension headers and all).</summary>
    public static IPv6Packet Ipv6(string source, string destination, byte next, byte[] payload)
    {
        var ip = new IPv6Packet(IPAddress.Parse(source), IPAddress.Parse(destination)) { PayloadData = payload };
        ip.NextHeader = (PacketDotNet.ProtocolType)next;
        ip.PayloadLength = (ushort)payload.Length;
        return ip;
    }

    public static byte[] Ethernet(IPPacket ip)
    {
        var ethernet = new EthernetPacket(MacA, MacB, ip is IPv4Packet ? EthernetType.IPv4 : EthernetType.IPv6) { PayloadPacket = ip };
        return ethernet.Bytes;
    }

    /// <summary>An Ethernet frame padded to the 60-byte minimum (what a NIC sends for small packets).</summary>
    public static byte[] EthernetPadded(IPPacket ip)
    {
        var frame = Ethernet(ip);
        return frame.Length >= 60 ? frame : [.. frame, .. new byte[60 - frame.Length]];
    }

    public static byte[] Ethernet(ushort etherType, byte[] payload)
    {
        var frame = new byte[14 + payload.Length];
        MacB.GetAddressBytes().CopyTo(frame, 0);
        MacA.GetAddressBytes().CopyTo(frame, 6);
        BinaryPrimitives.WriteUInt16BigEndian(frame.AsSpan(12), etherType);
        payload.CopyTo(frame, 14);
        return frame;
    }

    /// <summary>Inserts VLAN tags after the MAC addresses, outermost first.</summary>
    public static byte[] Tagged(byte[] ethernet, params (ushort Tpid, ushort Vid)[] tags)
    {
        var frame = new List<byte>(ethernet[..12]);
        foreach (var (tpid, vid) in tags)
        {
            frame.Add((byte)(tpid >> 8));
            frame.Add((byte)tpid);
            frame.Add((byte)(vid >> 8 | 0x20)); // priority 1, to be ignored
            frame.Add((byte)vid);
        }
        frame.AddRange(ethernet[12..]);
        return [.. frame];
    }

    /// <summary>Linux cooked v1: packet type, ARPHRD_ETHER, address, protocol.</summary>
    public static byte[] Sll(IPPacket ip, ushort packetType = 0)
    {
        var bytes = ip.Bytes;
        var frame = new byte[16 + bytes.Length];
        BinaryPrimitives.WriteUInt16BigEndian(frame, packetType);
        BinaryPrimitives.WriteUInt16BigEndian(frame.AsSpan(2), 1);
        BinaryPrimitives.WriteUInt16BigEndian(frame.AsSpan(4), 6);
        MacA.GetAddressBytes().CopyTo(frame, 6);
        BinaryPrimitives.WriteUInt16BigEndian(frame.AsSpan(14), ip is IPv4Packet ? (ushort)0x0800 : (ushort)0x86DD);
        bytes.CopyTo(frame, 16);
        return frame;
    }

    /// <summary>Linux cooked v2: protocol, reserved, interface index, ARPHRD_ETHER, packet type, address.</summary>
    public static byte[] Sll2(IPPacket ip, int interfaceIndex, byte packetType = 0)
    {
        var bytes = ip.Bytes;
        var frame = new byte[20 + bytes.Length];
        BinaryPrimitives.WriteUInt16BigEndian(frame, ip is IPv4Packet ? (ushort)0x0800 : (ushort)0x86DD);
        BinaryPrimitives.WriteInt32BigEndian(frame.AsSpan(4), interfaceIndex);
        BinaryPrimitives.WriteUInt16BigEndian(frame.AsSpan(8), 1);
        frame[10] = packetType;
        frame[11] = 6;
        MacA.GetAddressBytes().CopyTo(frame, 12);
        bytes.CopyTo(frame, 20);
        return frame;
    }

    public static byte[] Payload(int length)
    {
        var bytes = new byte[length];
        for (var i = 0; i < length; i++) bytes[i] = (byte)(i * 7 + 3);
        return bytes;
    }

    /// <summary>An IPv6 extension header of the options kind (hop-by-hop, destination options, routing) padded to 8 bytes.</summary>
    public static byte[] OptionsHeader(byte next, int units = 0)
    {
        var header = new byte[(units + 1) * 8];
        header[0] = next;
        header[1] = (byte)units;
        header[2] = 1; // PadN over the rest
        header[3] = (byte)(header.Length - 4);
        return header;
    }

    /// <summary>An IPv6 authentication header: length in 4-byte units minus 2.</summary>
    public static byte[] AuthenticationHeader(byte next)
    {
        var header = new byte[24];
        header[0] = next;
        header[1] = 4; // (4 + 2) * 4 = 24 bytes
        BinaryPrimitives.WriteUInt32BigEndian(header.AsSpan(4), 0x1000); // SPI
        return header;
    }

    /// <summary>SCTP common header and an INIT chunk.</summary>
    public static byte[] Sctp(ushort source, ushort destination)
    {
        var sctp = new byte[12 + 20];
        BinaryPrimitives.WriteUInt16BigEndian(sctp, source);
        BinaryPrimitives.WriteUInt16BigEndian(sctp.AsSpan(2), destination);
        sctp[12] = 1; // INIT
        BinaryPrimitives.WriteUInt16BigEndian(sctp.AsSpan(14), 20);
        return sctp;
    }

    /// <summary>A GRE header: version 0 carrying IPv4, or PPTP's version 1 with key (payload length, call id).</summary>
    public static byte[] Gre(int version, ushort callId = 0, ushort protocol = 0)
    {
        if (version == 0)
        {
            var gre = new byte[4];
            BinaryPrimitives.WriteUInt16BigEndian(gre.AsSpan(2), protocol == 0 ? (ushort)0x0800 : protocol);
            return gre;
        }
        var pptp = new byte[8];
        BinaryPrimitives.WriteUInt16BigEndian(pptp, 0x2001); // K bit, version 1
        BinaryPrimitives.WriteUInt16BigEndian(pptp.AsSpan(2), protocol == 0 ? (ushort)0x880B : protocol);
        BinaryPrimitives.WriteUInt16BigEndian(pptp.AsSpan(6), callId);
        return pptp;
    }

    /// <summary>A DCCP header with 48-bit sequence numbers (X=1) unless <paramref name="extended"/> is false.</summary>
    public static byte[] Dccp(ushort source, ushort destination, int type, bool extended = true)
    {
        var dccp = new byte[extended ? 20 : 12];
        BinaryPrimitives.WriteUInt16BigEndian(dccp, source);
        BinaryPrimitives.WriteUInt16BigEndian(dccp.AsSpan(2), destination);
        dccp[4] = (byte)(dccp.Length / 4);
        dccp[8] = (byte)(type << 1 | (extended ? 1 : 0));
        return dccp;
    }

    /// <summary>Splits an IPv4 datagram into fragments of at most <paramref name="size"/> payload bytes (a multiple of 8).</summary>
    public static List<byte[]> FragmentIPv4(byte[] datagram, int size)
    {
        var ihl = (datagram[0] & 0x0F) * 4;
        var payload = datagram.AsSpan(ihl);
        var fragments = new List<byte[]>();
        for (var offset = 0; offset < payload.Length; offset += size)
        {
            var length = Math.Min(size, payload.Length - offset);
            var fragment = new byte[ihl + length];
            datagram.AsSpan(0, ihl).CopyTo(fragment);
            payload.Slice(offset, length).CopyTo(fragment.AsSpan(ihl));
            BinaryPrimitives.WriteUInt16BigEndian(fragment.AsSpan(2), (ushort)fragment.Length);
            var more = offset + length < payload.Length;
            BinaryPrimitives.WriteUInt16BigEndian(fragment.AsSpan(6), (ushort)((more ? 0x2000 : 0) | (offset / 8)));
            fragments.Add(fragment);
        }
        return fragments;
    }

    /// <summary>
    /// Splits an IPv6 datagram into fragments: the first <paramref name="unfragmentable"/> bytes
    /// after the fixed header stay in front of the fragment header, the rest is cut in pieces.
    /// </summary>
    public static List<byte[]> FragmentIPv6(byte[] datagram, int size, uint id, int unfragmentable = 0)
    {
        var headerEnd = 40 + unfragmentable;
        // The next-header byte that names the first fragmentable header.
        var nextAt = 6;
        for (var at = 40; at < headerEnd; at += (datagram[at + 1] + 1) * 8) nextAt = at;
        var firstNext = datagram[nextAt];
        var payload = datagram.AsSpan(headerEnd);
        var fragments = new List<byte[]>();
        for (var offset = 0; offset < payload.Length; offset += size)
        {
            var length = Math.Min(size, payload.Length - offset);
            var fragment = new byte[headerEnd + 8 + length];
            datagram.AsSpan(0, headerEnd).CopyTo(fragment);
            fragment[nextAt] = 44;
            fragment[headerEnd] = firstNext;
            var more = offset + length < payload.Length;
            BinaryPrimitives.WriteUInt16BigEndian(fragment.AsSpan(headerEnd + 2), (ushort)(offset | (more ? 1 : 0)));
            BinaryPrimitives.WriteUInt32BigEndian(fragment.AsSpan(headerEnd + 4), id);
            payload.Slice(offset, length).CopyTo(fragment.AsSpan(headerEnd + 8));
            BinaryPrimitives.WriteUInt16BigEndian(fragment.AsSpan(4), (ushort)(fragment.Length - 40));
            fragments.Add(fragment);
        }
        return fragments;
    }
}
