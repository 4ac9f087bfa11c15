using System.Buffers.Binary;
using System.Runtime.CompilerServices;

namespace ConntrackTools.Engine;

/// <summary>IP protocol and IPv6 next-header numbers the parser looks at (include/uapi/linux/in.h, in6.h).</summary>
internal static class IpProto
{
    public const byte HopByHop = 0;
    public const byte Icmp = 1;
    public const byte Tcp = 6;
    public const byte Udp = 17;
    public const byte Dccp = 33;
    public const byte Routing = 43;
    public const byte Fragment = 44;
    public const byte Gre = 47;
    public const byte Ah = 51;
    public const byte IcmpV6 = 58;
    public const byte NoNextHeader = 59;
    public const byte DestinationOptions = 60;
    public const byte Sctp = 132;
    public const byte UdpLite = 136;
}

/// <summary>
/// Reads the headers conntrack reads, straight from the captured bytes: link layer, IPv4/IPv6
/// (ip_rcv_core, ipv6_rcv), layer-4 protocol (get_l4proto), tuple fields (nf_ct_get_tuple) and the
/// header checks of each protocol's error() function. Allocates nothing and throws nothing, so it
/// can sit on the per-packet path. Checksums are not verified (captures are full of offloaded ones).
/// </summary>
internal static class PacketParser
{
    private const ushort EtherTypeIPv4 = 0x0800;
    private const ushort EtherTypeIPv6 = 0x86DD;
    private const ushort EtherTypeVlan = 0x8100;
    private const ushort EtherTypeQinQ = 0x88A8;
    private const ushort EtherTypeQinQOld = 0x9100;
    private const ushort GreProtocolPpp = 0x880B;

    /// <summary>Parses a complete frame (its captured length is its original length).</summary>
    public static ParseResult Parse(LinkType link, ReadOnlySpan<byte> frame, out ParsedPacket packet) =>
        Parse(link, frame, frame.Length, out packet);

    /// <summary>
    /// Parses a frame that may have been cut by the capture's snapshot length: lengths are checked
    /// against <paramref name="originalLength"/>, as the kernel saw the whole frame, and
    /// <see cref="ParseResult.Truncated"/> is returned when a needed header lies in the part not captured.
    /// </summary>
    public static ParseResult Parse(LinkType link, ReadOnlySpan<byte> frame, int originalLength, out ParsedPacket packet)
    {
        packet = default;
        int offset;
        int version;
        switch (link)
        {
            case LinkType.Ethernet:
                if (!EtherType(frame, 12, 14, ref packet, out offset, out version)) return NotIp(ref packet);
                break;
            case LinkType.LinuxSll:
                if (frame.Length < 16) return NotIp(ref packet);
                packet.LinkPacketType = frame[1];
                if (!EtherType(frame, 14, 16, ref packet, out offset, out version)) return NotIp(ref packet);
                break;
            case LinkType.LinuxSll2:
                if (frame.Length < 20) return NotIp(ref packet);
                packet.InterfaceIndex = BinaryPrimitives.ReadInt32BigEndian(frame[4..]);
                packet.LinkPacketType = frame[10];
                if (!EtherType(frame, 0, 20, ref packet, out offset, out version)) return NotIp(ref packet);
                break;
            case LinkType.Raw:
                if (frame.IsEmpty) return NotIp(ref packet);
                offset = 0;
                version = frame[0] >> 4;
                if (version is not (4 or 6)) return NotIp(ref packet);
                break;
            case LinkType.Ipv4:
                offset = 0;
                version = 4;
                break;
            case LinkType.Ipv6:
                offset = 0;
                version = 6;
                break;
            case LinkType.Null:
            case LinkType.Loop:
                if (frame.Length < 4) return NotIp(ref packet);
                // The family is in the capturing host's byte order (Null) or network order (Loop);
                // family numbers are small, so whichever reading gives a small number is right.
                var family = BinaryPrimitives.ReadUInt32LittleEndian(frame);
                if (family > 0xFFFF) family = BinaryPrimitives.ReverseEndianness(family);
                version = family switch { 2 => 4, 10 or 24 or 28 or 30 => 6, _ => 0 };
                if (version == 0) return NotIp(ref packet);
                offset = 4;
                break;
            default:
                packet.Reason = "unsupported link type";
                return ParseResult.NotIp;
        }

        var ip = frame[offset..];
        var wire = Math.Max(originalLength, frame.Length) - offset;
        return version == 4 ? ParseIPv4(ip, wire, ref packet) : ParseIPv6(ip, wire, false, ref packet);
    }

    /// <summary>
    /// Parses a raw IP datagram that nf_defrag_ipv6 handed on without reassembling it
    /// (<see cref="DefragmentResult.PassThrough"/>) the way conntrack then sees it: ipv6_get_l4proto
    /// skips a fragment header at offset 0 and gives up on any other.
    /// </summary>
    public static ParseResult ParseUnreassembled(ReadOnlySpan<byte> datagram, out ParsedPacket packet)
    {
        packet = default;
        if (datagram.IsEmpty) return NotIp(ref packet);
        return (datagram[0] >> 4) switch
        {
            4 => ParseIPv4(datagram, datagram.Length, ref packet),
            6 => ParseIPv6(datagram, datagram.Length, true, ref packet),
            _ => NotIp(ref packet),
        };
    }

    /// <summary>Reads an ethertype, skipping 802.1Q/802.1ad tags; the outer tag's VLAN id is kept.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool EtherType(ReadOnlySpan<byte> frame, int typeAt, int payloadAt, ref ParsedPacket packet, out int offset, out int version)
    {
        offset = payloadAt;
        version = 0;
        if (frame.Length < payloadAt) return false;
        var type = BinaryPrimitives.ReadUInt16BigEndian(frame[typeAt..]);
        if (type is EtherTypeVlan or EtherTypeQinQ or EtherTypeQinQOld)
        {
            if (frame.Length < offset + 4) return false;
            packet.VlanId = (ushort)(BinaryPrimitives.ReadUInt16BigEndian(frame[offset..]) & 0x0FFF);
            type = BinaryPrimitives.ReadUInt16BigEndian(frame[(offset + 2)..]);
            offset += 4;
            while (type is EtherTypeVlan or EtherTypeQinQ or EtherTypeQinQOld)
            {
                if (frame.Length < offset + 4) return false;
                type = BinaryPrimitives.ReadUInt16BigEndian(frame[(offset + 2)..]);
                offset += 4;
            }
        }
        if (type == EtherTypeIPv4) version = 4;
        else if (type == EtherTypeIPv6) version = 6;
        return version != 0;
    }

    /// <summary>
    /// IPv4: the header checks of ip_rcv_core, then ip_is_fragment (nf_defrag_ipv4) and
    /// ipv4_get_l4proto. <paramref name="wire"/> is how many bytes the kernel had from the IP header on.
    /// </summary>
    private static ParseResult ParseIPv4(ReadOnlySpan<byte> ip, int wire, ref ParsedPacket p)
    {
        if (ip.Length < 20) return wire >= 20 ? Cut(ref p, "IPv4 header") : IpLayerDrop(ref p, "truncated IPv4 header");
        var versionIhl = ip[0];
        if (versionIhl >> 4 != 4) return IpLayerDrop(ref p, "IP version is not 4");
        var ihl = (versionIhl & 0x0F) << 2;
        if (ihl < 20) return IpLayerDrop(ref p, "IPv4 header length below 20 bytes");
        if (wire < ihl) return IpLayerDrop(ref p, "truncated IPv4 options");
        int length = BinaryPrimitives.ReadUInt16BigEndian(ip[2..]);
        if (length == 0 && wire > 65535) length = wire; // BIG TCP GSO packet: iph_totlen takes the frame's length
        if (length > wire) return IpLayerDrop(ref p, "IPv4 total length beyond the packet");
        if (length < ihl) return IpLayerDrop(ref p, "IPv4 total length below the header length");
        if (ip.Length < ihl) return Cut(ref p, "IPv4 options");

        p.Family = CtFamily.IPv4;
        p.Length = length;
        p.Protocol = ip[9];
        p.Source = BinaryPrimitives.ReadUInt32BigEndian(ip[12..]);
        p.Destination = BinaryPrimitives.ReadUInt32BigEndian(ip[16..]);
        if (length <= ip.Length) ip = ip[..length];
        else p.Snapped = true;
        p.Datagram = ip;

        var fragment = BinaryPrimitives.ReadUInt16BigEndian(ip[6..]);
        if ((fragment & 0x3FFF) != 0)
        {
            p.FragmentId = BinaryPrimitives.ReadUInt16BigEndian(ip[4..]);
            p.FragmentOffset = (fragment & 0x1FFF) << 3;
            p.MoreFragments = (fragment & 0x2000) != 0;
            p.Reason = "fragment";
            return ParseResult.Fragment;
        }

        p.L4Offset = ihl;
        p.L4 = ip[ihl..];
        return ParseL4(ref p, p.L4, length - ihl);
    }

    /// <summary>
    /// IPv6: ipv6_rcv's length checks, then ipv6_get_l4proto. A fragment header anywhere in the
    /// extension headers makes a <see cref="ParseResult.Fragment"/> (nf_ct_frag6_gather takes it,
    /// atomic fragments included) unless <paramref name="unreassembled"/> asks for what conntrack
    /// does with a fragment that defrag handed on.
    /// </summary>
    private static ParseResult ParseIPv6(ReadOnlySpan<byte> ip, int wire, bool unreassembled, ref ParsedPacket p)
    {
        if (ip.Length < 40) return wire >= 40 ? Cut(ref p, "IPv6 header") : IpLayerDrop(ref p, "truncated IPv6 header");
        if (ip[0] >> 4 != 6) return IpLayerDrop(ref p, "IP version is not 6");
        var length = BinaryPrimitives.ReadUInt16BigEndian(ip[4..]) + 40;
        if (length == 40 && wire - 40 > 65535) length = wire; // jumbogram / BIG TCP: payload length 0
        if (length > wire) return IpLayerDrop(ref p, "IPv6 payload length beyond the packet");

        p.Family = CtFamily.IPv6;
        p.Length = length;
        p.Source = BinaryPrimitives.ReadUInt128BigEndian(ip[8..]);
        p.Destination = BinaryPrimitives.ReadUInt128BigEndian(ip[24..]);
        if (length <= ip.Length) ip = ip[..length];
        else p.Snapped = true;
        p.Datagram = ip;

        var next = ip[6];
        var offset = SkipExtensionHeaders(ip, length, 40, ref next, !unreassembled, out var fragmentOffset);
        if (offset == -2) return Cut(ref p, "IPv6 extension headers");
        if (offset < 0) return Invalid(ref p, "can't find proto in pkt");
        if (next == IpProto.Fragment)
        {
            if (unreassembled) return Invalid(ref p, "can't find proto in pkt");
            if (offset + 8 <= ip.Length)
            {
                p.Protocol = ip[offset];
                p.FragmentId = BinaryPrimitives.ReadUInt32BigEndian(ip[(offset + 4)..]);
            }
            p.FragmentOffset = fragmentOffset & ~7;
            p.MoreFragments = (fragmentOffset & 1) != 0;
            p.L4Offset = offset;
            p.Reason = "fragment";
            return ParseResult.Fragment;
        }

        p.Protocol = next;
        p.L4Offset = offset;
        p.L4 = offset <= ip.Length ? ip[offset..] : default;
        return ParseL4(ref p, p.L4, Math.Max(0, length - offset));
    }

    /// <summary>
    /// ipv6_skip_exthdr: walks hop-by-hop, routing, destination options, AH and fragment headers
    /// from <paramref name="start"/>. Returns the upper-layer header's offset (with
    /// <paramref name="next"/> its protocol), -1 where the kernel's walk fails (no next header, a
    /// header past the datagram's end) and -2 where the capture ends first. With
    /// <paramref name="stopAtFragment"/> the walk stops at any fragment header (next is then 44);
    /// without it, as in the kernel, only at a non-first fragment's.
    /// </summary>
    private static int SkipExtensionHeaders(ReadOnlySpan<byte> ip, int wire, int start, ref byte next, bool stopAtFragment, out int fragmentOffset)
    {
        fragmentOffset = 0;
        while (next is IpProto.HopByHop or IpProto.Routing or IpProto.Fragment or IpProto.Ah or IpProto.NoNextHeader or IpProto.DestinationOptions)
        {
            if (next == IpProto.NoNextHeader) return -1;
            if (start + 2 > wire) return -1;
            if (start + 2 > ip.Length) return -2;
            int headerLength;
            if (next == IpProto.Fragment)
            {
                if (start + 4 > wire) return -1;
                if (start + 4 > ip.Length) return -2;
                fragmentOffset = BinaryPrimitives.ReadUInt16BigEndian(ip[(start + 2)..]);
                if (stopAtFragment || (fragmentOffset & ~7) != 0) return start;
                headerLength = 8;
            }
            else if (next == IpProto.Ah)
            {
                headerLength = (ip[start + 1] + 2) << 2; // ipv6_authlen
            }
            else
            {
                headerLength = (ip[start + 1] + 1) << 3; // ipv6_optlen
            }
            next = ip[start];
            start += headerLength;
        }
        return start;
    }

    /// <summary>
    /// The layer-4 part of nf_ct_get_tuple and the header checks of each protocol's error() and
    /// packet() functions (tcp_error, udp_error, udplite_error, sctp_error, dccp_error,
    /// nf_conntrack_icmpv4_error, nf_conntrack_icmpv6_error, gre_pkt_to_tuple).
    /// <paramref name="wire"/> is the layer-4 length in the kernel's datagram.
    /// </summary>
    private static ParseResult ParseL4(ref ParsedPacket p, ReadOnlySpan<byte> l4, int wire)
    {
        switch (p.Protocol)
        {
            case IpProto.Tcp:
                if (!Ports(ref p, l4, wire, out var result)) return result;
                if (l4.Length < 20) return wire >= 20 ? Cut(ref p, "TCP header") : Invalid(ref p, "truncated packet");
                var dataOffset = (l4[12] >> 4) << 2;
                if (dataOffset < 20 || wire < dataOffset) return Invalid(ref p, "truncated packet");
                if (l4.Length < dataOffset) return Cut(ref p, "TCP options");
                return ParseResult.Ok;

            case IpProto.Udp:
                if (!Ports(ref p, l4, wire, out result)) return result;
                if (l4.Length < 8) return wire >= 8 ? Cut(ref p, "UDP header") : Invalid(ref p, "short packet");
                int udpLength = BinaryPrimitives.ReadUInt16BigEndian(l4[4..]);
                if (udpLength > wire || udpLength < 8) return Invalid(ref p, "truncated/malformed packet");
                return ParseResult.Ok;

            case IpProto.UdpLite:
                if (!Ports(ref p, l4, wire, out result)) return result;
                if (l4.Length < 8) return wire >= 8 ? Cut(ref p, "UDP-Lite header") : Invalid(ref p, "short packet");
                int coverage = BinaryPrimitives.ReadUInt16BigEndian(l4[4..]);
                if (coverage != 0 && (coverage < 8 || coverage > wire)) return Invalid(ref p, "invalid checksum coverage");
                if (BinaryPrimitives.ReadUInt16BigEndian(l4[6..]) == 0) return Invalid(ref p, "checksum missing");
                return ParseResult.Ok;

            case IpProto.Sctp:
                if (!Ports(ref p, l4, wire, out result)) return result;
                if (wire < 12) return Invalid(ref p, "nf_ct_sctp: short packet");
                if (l4.Length < 12) return Cut(ref p, "SCTP header");
                return ParseResult.Ok;

            case IpProto.Dccp:
                if (!Ports(ref p, l4, wire, out result)) return result;
                return CheckDccp(ref p, l4, wire);

            case IpProto.Icmp:
                if (l4.Length < 8) return wire >= 8 ? Cut(ref p, "ICMP header") : Invalid(ref p, "short packet");
                p.IcmpType = l4[0];
                p.IcmpCode = l4[1];
                if (p.Family == CtFamily.IPv4 && ParsedPacket.IsIcmpErrorType(p.IcmpType))
                {
                    p.IsIcmpError = true;
                    return ParseInner(ref p, l4[8..], wire - 8);
                }
                if (ParsedPacket.IsIcmpQuery(p.IcmpType)) p.IcmpId = BinaryPrimitives.ReadUInt16BigEndian(l4[4..]);
                p.HasTuple = true;
                return ParseResult.Ok;

            case IpProto.IcmpV6:
                if (l4.Length < 8) return wire >= 8 ? Cut(ref p, "ICMPv6 header") : Invalid(ref p, "short packet");
                p.IcmpType = l4[0];
                p.IcmpCode = l4[1];
                if (p.Family == CtFamily.IPv6 && p.IcmpType < 128)
                {
                    p.IsIcmpError = true;
                    return ParseInner(ref p, l4[8..], wire - 8);
                }
                if (ParsedPacket.IsIcmpV6Query(p.IcmpType)) p.IcmpId = BinaryPrimitives.ReadUInt16BigEndian(l4[4..]);
                p.HasTuple = true;
                return ParseResult.Ok;

            case IpProto.Gre:
                result = Gre(ref p, l4, wire, out var version, out var key);
                p.GreVersion = version;
                p.GreKey = key;
                if (result == ParseResult.Ok) p.HasTuple = true;
                return result;

            default:
                p.HasTuple = true;
                return ParseResult.Ok;
        }
    }

    /// <summary>nf_ct_get_tuple_ports: the first 4 bytes; without them the tuple cannot be made.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool Ports(ref ParsedPacket p, ReadOnlySpan<byte> l4, int wire, out ParseResult result)
    {
        if (l4.Length < 4)
        {
            result = wire >= 4 ? Cut(ref p, "ports") : Invalid(ref p, "can't get tuple");
            return false;
        }
        p.SourcePort = BinaryPrimitives.ReadUInt16BigEndian(l4);
        p.DestinationPort = BinaryPrimitives.ReadUInt16BigEndian(l4[2..]);
        p.HasTuple = true;
        result = ParseResult.Ok;
        return true;
    }

    /// <summary>dccp_error and the header read of nf_conntrack_dccp_packet.</summary>
    private static ParseResult CheckDccp(ref ParsedPacket p, ReadOnlySpan<byte> l4, int wire)
    {
        if (l4.Length < 12) return wire >= 12 ? Cut(ref p, "DCCP header") : Invalid(ref p, "nf_ct_dccp: short packet");
        var dataOffset = l4[4] << 2;
        if (dataOffset < 12 || dataOffset > wire) return Invalid(ref p, "nf_ct_dccp: truncated/malformed packet");
        var checksumCoverage = l4[5] & 0x0F;
        if (checksumCoverage != 0 && (checksumCoverage - 1) * 4 > wire) return Invalid(ref p, "nf_ct_dccp: bad checksum coverage");
        var type = (l4[8] >> 1) & 0x0F;
        if (type >= 10) return Invalid(ref p, "nf_ct_dccp: reserved packet type");
        // REQUEST, RESPONSE, CLOSEREQ, CLOSE, RESET, SYNC and SYNCACK need 48-bit sequence numbers (X=1).
        const int requireSeq48 = 1 << 0 | 1 << 1 | 1 << 5 | 1 << 6 | 1 << 7 | 1 << 8 | 1 << 9;
        if ((l4[8] & 1) == 0 && (requireSeq48 & (1 << type)) != 0) return Invalid(ref p, "nf_ct_dccp: type lacks 48bit sequence numbers");
        return ParseResult.Ok;
    }

    /// <summary>
    /// gre_pkt_to_tuple: only PPTP's GRE version 1 has keys (the call id is the destination key);
    /// other GRE, or a header too short to hold one, is keyed like the generic protocol (zeros).
    /// </summary>
    private static ParseResult Gre(ref ParsedPacket p, ReadOnlySpan<byte> gre, int wire, out ushort version, out uint key)
    {
        version = 0;
        key = 0;
        if (gre.Length < 4) return wire >= 4 ? Cut(ref p, "GRE header") : ParseResult.Ok;
        version = (ushort)(BinaryPrimitives.ReadUInt16BigEndian(gre) & 0x0007);
        if (version != 1) return ParseResult.Ok;
        if (gre.Length < 8) return wire >= 8 ? Cut(ref p, "PPTP GRE header") : ParseResult.Ok;
        if (BinaryPrimitives.ReadUInt16BigEndian(gre[2..]) != GreProtocolPpp) return Invalid(ref p, "unsupported GRE protocol");
        key = BinaryPrimitives.ReadUInt16BigEndian(gre[6..]);
        return ParseResult.Ok;
    }

    /// <summary>
    /// The packet quoted by an ICMP error, as nf_conntrack_inet_error reads it with
    /// nf_ct_get_tuplepr: the kernel's reads are bounded by the outer datagram, only 4 bytes of
    /// ports (8 for ICMP) are needed, and a quoted non-first fragment cannot be matched.
    /// </summary>
    private static ParseResult ParseInner(ref ParsedPacket p, ReadOnlySpan<byte> inner, int wire)
    {
        int dataOffset;
        if (p.Family == CtFamily.IPv4)
        {
            // ipv4_get_l4proto
            if (inner.Length < 20) return wire >= 20 ? Cut(ref p, "quoted IPv4 header") : Invalid(ref p, "ICMP error quotes a short packet");
            if ((BinaryPrimitives.ReadUInt16BigEndian(inner[6..]) & 0x1FFF) != 0) return Invalid(ref p, "ICMP error quotes a non-first fragment");
            dataOffset = (inner[0] & 0x0F) << 2;
            if (dataOffset > wire) return Invalid(ref p, "ICMP error quotes a bogus IPv4 header");
            p.InnerProtocol = inner[9];
            p.InnerSource = BinaryPrimitives.ReadUInt32BigEndian(inner[12..]);
            p.InnerDestination = BinaryPrimitives.ReadUInt32BigEndian(inner[16..]);
        }
        else
        {
            // ipv6_get_l4proto, then nf_ct_get_tuple's read of both addresses
            if (wire < 7) return Invalid(ref p, "ICMPv6 error quotes a short packet");
            if (inner.Length < 7) return Cut(ref p, "quoted IPv6 header");
            var next = inner[6];
            dataOffset = SkipExtensionHeaders(inner, wire, 40, ref next, false, out _);
            if (dataOffset == -2) return Cut(ref p, "quoted IPv6 extension headers");
            if (dataOffset < 0 || next == IpProto.Fragment) return Invalid(ref p, "ICMPv6 error quotes a packet without a protocol");
            if (inner.Length < 40) return wire >= 40 ? Cut(ref p, "quoted IPv6 header") : Invalid(ref p, "ICMPv6 error quotes a short packet");
            p.InnerProtocol = next;
            p.InnerSource = BinaryPrimitives.ReadUInt128BigEndian(inner[8..]);
            p.InnerDestination = BinaryPrimitives.ReadUInt128BigEndian(inner[24..]);
        }

        var l4 = dataOffset <= inner.Length ? inner[dataOffset..] : default;
        var l4Wire = wire - dataOffset;
        switch (p.InnerProtocol)
        {
            case IpProto.Tcp:
            case IpProto.Udp:
            case IpProto.UdpLite:
            case IpProto.Sctp:
            case IpProto.Dccp:
                if (l4.Length < 4) return l4Wire >= 4 ? Cut(ref p, "quoted ports") : Invalid(ref p, "ICMP error quotes a packet without ports");
                p.InnerSourcePort = BinaryPrimitives.ReadUInt16BigEndian(l4);
                p.InnerDestinationPort = BinaryPrimitives.ReadUInt16BigEndian(l4[2..]);
                break;
            case IpProto.Icmp:
            case IpProto.IcmpV6:
                if (l4.Length < 8) return l4Wire >= 8 ? Cut(ref p, "quoted ICMP header") : Invalid(ref p, "ICMP error quotes a short ICMP header");
                p.InnerIcmpType = l4[0];
                p.InnerIcmpCode = l4[1];
                var query = p.InnerProtocol == IpProto.Icmp ? ParsedPacket.IsIcmpQuery(l4[0]) : ParsedPacket.IsIcmpV6Query(l4[0]);
                if (query) p.InnerIcmpId = BinaryPrimitives.ReadUInt16BigEndian(l4[4..]);
                break;
            case IpProto.Gre:
                var result = Gre(ref p, l4, l4Wire, out _, out var key);
                if (result != ParseResult.Ok) return result;
                p.InnerGreKey = key;
                break;
        }
        p.HasTuple = true;
        return ParseResult.Ok;
    }

    private static ParseResult NotIp(ref ParsedPacket p)
    {
        p.Reason ??= "not IPv4 or IPv6";
        return ParseResult.NotIp;
    }

    private static ParseResult IpLayerDrop(ref ParsedPacket p, string reason)
    {
        p.IpLayerDrop = true;
        p.Reason = reason;
        return ParseResult.Malformed;
    }

    private static ParseResult Invalid(ref ParsedPacket p, string reason)
    {
        p.Reason = reason;
        return ParseResult.Malformed;
    }

    private static ParseResult Cut(ref ParsedPacket p, string what)
    {
        p.Reason = what;
        p.Snapped = true;
        return ParseResult.Truncated;
    }
}
