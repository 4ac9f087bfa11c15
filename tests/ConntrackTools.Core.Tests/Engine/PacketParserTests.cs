using System.Buffers.Binary;
using ConntrackTools.Engine;
using PacketDotNet;
using Xunit;
using static ConntrackTools.Tests.Engine.TestFrames;

namespace ConntrackTools.Tests.Engine;

public class PacketParserTests
{
    [Fact]
    public void Ethernet_IPv4_TCP_gives_the_tuple_and_the_datagram_length()
    {
        var frame = Ethernet(Ipv4("10.0.0.1", "10.0.0.2", Tcp(40000, 80, payload: 100)));

        Assert.Equal(ParseResult.Ok, PacketParser.Parse(LinkType.Ethernet, frame, out var p));
        Assert.Equal(CtFamily.IPv4, p.Family);
        Assert.Equal(6, p.Protocol);
        Assert.Equal((UInt128)0x0A000001, p.Source);
        Assert.Equal((UInt128)0x0A000002, p.Destination);
        Assert.Equal(40000, p.SourcePort);
        Assert.Equal(80, p.DestinationPort);
        Assert.Equal(20 + 20 + 100, p.Length);
        Assert.Equal(20, p.L4Offset);
        Assert.Equal(120, p.L4.Length);
        Assert.Equal(140, p.Datagram.Length);
        Assert.Equal(0, p.VlanId);
        Assert.False(p.IsIcmpError);
        Assert.False(p.Snapped);
        Assert.True(p.HasTuple);
    }

    [Fact]
    public void Ethernet_padding_is_not_counted()
    {
        var frame = EthernetPadded(Ipv4("192.168.1.1", "192.168.1.2", Udp(53, 5353, payload: 2)));
        Assert.Equal(60, frame.Length);

        Assert.Equal(ParseResult.Ok, PacketParser.Parse(LinkType.Ethernet, frame, out var p));
        Assert.Equal(17, p.Protocol);
        Assert.Equal(30, p.Length);
        Assert.Equal(10, p.L4.Length);
        Assert.Equal(30, p.Datagram.Length);
    }

    [Theory]
    [InlineData(0x8100)]
    [InlineData(0x88A8)]
    [InlineData(0x9100)]
    public void A_VLAN_tag_gives_its_id(int tpid)
    {
        var frame = Tagged(Ethernet(Ipv4("10.1.0.1", "10.1.0.2", Udp(1000, 2000))), ((ushort)tpid, 42));

        Assert.Equal(ParseResult.Ok, PacketParser.Parse(LinkType.Ethernet, frame, out var p));
        Assert.Equal(42, p.VlanId);
        Assert.Equal(1000, p.SourcePort);
        Assert.Equal(2000, p.DestinationPort);
    }

    [Fact]
    public void QinQ_gives_the_outer_id_and_skips_the_inner_tags()
    {
        var frame = Tagged(Ethernet(Ipv6("2001:db8::1", "2001:db8::2", Tcp(5000, 443))), (0x88A8, 100), (0x8100, 200), (0x8100, 300));

        Assert.Equal(ParseResult.Ok, PacketParser.Parse(LinkType.Ethernet, frame, out var p));
        Assert.Equal(100, p.VlanId);
        Assert.Equal(CtFamily.IPv6, p.Family);
        Assert.Equal(443, p.DestinationPort);
    }

    [Fact]
    public void Linux_cooked_captures_give_packet_type_and_interface()
    {
        Assert.Equal(ParseResult.Ok, PacketParser.Parse(LinkType.LinuxSll, Sll(Ipv4("10.0.0.1", "10.0.0.2", Udp(1, 2)), packetType: 4), out var sll));
        Assert.Equal(4, sll.LinkPacketType);
        Assert.Equal(CtFamily.IPv4, sll.Family);
        Assert.Equal(2, sll.DestinationPort);

        Assert.Equal(ParseResult.Ok, PacketParser.Parse(LinkType.LinuxSll2, Sll2(Ipv6("fe80::1", "fe80::2", Tcp(22, 50000)), interfaceIndex: 7, packetType: 0), out var sll2));
        Assert.Equal(7, sll2.InterfaceIndex);
        Assert.Equal(CtFamily.IPv6, sll2.Family);
        Assert.Equal(V6("fe80::1"), sll2.Source);
        Assert.Equal(22, sll2.SourcePort);
    }

    [Fact]
    public void Raw_IP_link_types_read_the_version()
    {
        var v4 = Ipv4("10.0.0.1", "10.0.0.2", Udp(1, 2)).Bytes;
        var v6 = Ipv6("2001:db8::1", "2001:db8::2", Udp(3, 4)).Bytes;

        Assert.Equal(ParseResult.Ok, PacketParser.Parse(LinkType.Raw, v4, out var a));
        Assert.Equal(CtFamily.IPv4, a.Family);
        Assert.Equal(ParseResult.Ok, PacketParser.Parse(LinkType.Raw, v6, out var b));
        Assert.Equal(CtFamily.IPv6, b.Family);
        Assert.Equal(4, b.DestinationPort);
        Assert.Equal(ParseResult.Ok, PacketParser.Parse(LinkType.Ipv4, v4, out _));
        Assert.Equal(ParseResult.Ok, PacketParser.Parse(LinkType.Ipv6, v6, out _));
        Assert.Equal(ParseResult.Malformed, PacketParser.Parse(LinkType.Ipv4, v6, out var wrong));
        Assert.True(wrong.IpLayerDrop);
    }

    [Theory]
    [InlineData(LinkType.Null, 2, false, 4)]
    [InlineData(LinkType.Null, 2, true, 4)]
    [InlineData(LinkType.Null, 10, false, 6)]
    [InlineData(LinkType.Null, 24, true, 6)]
    [InlineData(LinkType.Null, 28, false, 6)]
    [InlineData(LinkType.Null, 30, false, 6)]
    [InlineData(LinkType.Loop, 2, true, 4)]
    [InlineData(LinkType.Loop, 24, true, 6)]
    public void Loopback_link_types_read_the_address_family_in_either_byte_order(LinkType link, int family, bool bigEndian, int version)
    {
        IPPacket ip = version == 4 ? Ipv4("127.0.0.1", "127.0.0.1", Udp(1, 2)) : Ipv6("::1", "::1", Udp(1, 2));
        var frame = new byte[4 + ip.Bytes.Length];
        if (bigEndian) BinaryPrimitives.WriteInt32BigEndian(frame, family);
        else BinaryPrimitives.WriteInt32LittleEndian(frame, family);
        ip.Bytes.CopyTo(frame, 4);

        Assert.Equal(ParseResult.Ok, PacketParser.Parse(link, frame, out var p));
        Assert.Equal(version == 4 ? CtFamily.IPv4 : CtFamily.IPv6, p.Family);
    }

    [Fact]
    public void Non_IP_frames_are_not_IP()
    {
        var arp = new ArpPacket(ArpOperation.Request, MacB, System.Net.IPAddress.Parse("10.0.0.2"), MacA, System.Net.IPAddress.Parse("10.0.0.1"));
        var arpFrame = new EthernetPacket(MacA, MacB, EthernetType.Arp) { PayloadPacket = arp }.Bytes;
        Assert.Equal(ParseResult.NotIp, PacketParser.Parse(LinkType.Ethernet, arpFrame, out _));
        Assert.Equal(ParseResult.NotIp, PacketParser.Parse(LinkType.Ethernet, Ethernet(0x88CC, new byte[46]), out _)); // LLDP
        Assert.Equal(ParseResult.NotIp, PacketParser.Parse(LinkType.Ethernet, Ethernet(0x0026, new byte[46]), out _)); // 802.3 length
        Assert.Equal(ParseResult.NotIp, PacketParser.Parse(LinkType.Ethernet, new byte[10], out _));
        Assert.Equal(ParseResult.NotIp, PacketParser.Parse(LinkType.Null, [7, 0, 0, 0, 0x45], out _));
        Assert.Equal(ParseResult.NotIp, PacketParser.Parse(LinkType.Raw, [0x50, 0, 0, 0], out _));
        Assert.Equal(ParseResult.NotIp, PacketParser.Parse((LinkType)220, new byte[64], out _));
    }

    [Fact]
    public void IPv6_extension_headers_are_skipped_as_ipv6_skip_exthdr_does()
    {
        var tcp = Tcp(1234, 80, payload: 10).Bytes;
        byte[] chain = [.. OptionsHeader(43), .. OptionsHeader(60, units: 1), .. OptionsHeader(51), .. AuthenticationHeader(6), .. tcp];
        // hop-by-hop (8) → routing (16) → destination options (8) → AH (24) → TCP
        chain[8 + 2] = 0; // routing header type 0, segments left 0
        var frame = Ethernet(Ipv6("2001:db8::a", "2001:db8::b", 0, chain));

        Assert.Equal(ParseResult.Ok, PacketParser.Parse(LinkType.Ethernet, frame, out var p));
        Assert.Equal(6, p.Protocol);
        Assert.Equal(40 + 8 + 16 + 8 + 24, p.L4Offset);
        Assert.Equal(1234, p.SourcePort);
        Assert.Equal(80, p.DestinationPort);
        Assert.Equal(40 + chain.Length, p.Length);
        Assert.Equal(tcp.Length, p.L4.Length);
    }

    [Fact]
    public void IPv6_no_next_header_is_invalid_as_in_ipv6_get_l4proto()
    {
        // ipv6_skip_exthdr returns -1 for NEXTHDR_NONE, so nf_conntrack_in counts the packet invalid.
        var frame = Ethernet(Ipv6("2001:db8::a", "2001:db8::b", 0, OptionsHeader(59)));

        Assert.Equal(ParseResult.Malformed, PacketParser.Parse(LinkType.Ethernet, frame, out var p));
        Assert.False(p.IpLayerDrop);
        Assert.Equal(CtFamily.IPv6, p.Family);
    }

    [Fact]
    public void An_unknown_protocol_is_tracked_without_ports()
    {
        var frame = Ethernet(Ipv4("10.0.0.1", "10.0.0.2", 50, new byte[24])); // ESP

        Assert.Equal(ParseResult.Ok, PacketParser.Parse(LinkType.Ethernet, frame, out var p));
        Assert.Equal(50, p.Protocol);
        Assert.Equal(0, p.SourcePort);
        Assert.True(p.HasTuple);
    }

    [Theory]
    [InlineData(IcmpV4TypeCode.EchoRequest, 8)]
    [InlineData(IcmpV4TypeCode.EchoReply, 0)]
    [InlineData(IcmpV4TypeCode.Timestamp, 13)]
    [InlineData(IcmpV4TypeCode.AddressMaskReply, 18)]
    public void ICMP_queries_give_type_code_and_id(IcmpV4TypeCode typeCode, int type)
    {
        var frame = Ethernet(Ipv4("10.0.0.1", "10.0.0.2", Icmp(typeCode, id: 0x1234, sequence: 7)));

        Assert.Equal(ParseResult.Ok, PacketParser.Parse(LinkType.Ethernet, frame, out var p));
        Assert.Equal(1, p.Protocol);
        Assert.Equal(type, p.IcmpType);
        Assert.Equal(0, p.IcmpCode);
        Assert.Equal(0x1234, p.IcmpId);
        Assert.False(p.IsIcmpError);
    }

    [Fact]
    public void ICMP_router_advertisement_has_no_id()
    {
        var frame = Ethernet(Ipv4("10.0.0.1", "224.0.0.1", Icmp(IcmpV4TypeCode.RouterAdvertisement, id: 0x0101)));

        Assert.Equal(ParseResult.Ok, PacketParser.Parse(LinkType.Ethernet, frame, out var p));
        Assert.Equal(9, p.IcmpType);
        Assert.Equal(0, p.IcmpId);
        Assert.False(p.IsIcmpError);
    }

    [Fact]
    public void ICMP_port_unreachable_quotes_the_UDP_packet()
    {
        var original = Ipv4("10.0.0.1", "10.0.0.2", Udp(33000, 53, payload: 20)).Bytes;
        var error = Ethernet(Ipv4("10.0.0.2", "10.0.0.1", Icmp(IcmpV4TypeCode.UnreachablePort, quoted: original[..28])));

        Assert.Equal(ParseResult.Ok, PacketParser.Parse(LinkType.Ethernet, error, out var p));
        Assert.Equal(3, p.IcmpType);
        Assert.Equal(3, p.IcmpCode);
        Assert.True(p.IsIcmpError);
        Assert.Equal(17, p.InnerProtocol);
        Assert.Equal(V4("10.0.0.1"), p.InnerSource);
        Assert.Equal(V4("10.0.0.2"), p.InnerDestination);
        Assert.Equal(33000, p.InnerSourcePort);
        Assert.Equal(53, p.InnerDestinationPort);
        Assert.Equal(V4("10.0.0.2"), p.Source);
    }

    [Fact]
    public void ICMP_errors_need_only_the_first_bytes_of_the_quoted_header()
    {
        var tcp = Ipv4("10.0.0.1", "10.0.0.2", Tcp(40000, 443, payload: 50)).Bytes;
        var timeExceeded = Ethernet(Ipv4("192.0.2.1", "10.0.0.1", Icmp(IcmpV4TypeCode.TimeExceeded, quoted: tcp[..24])));

        Assert.Equal(ParseResult.Ok, PacketParser.Parse(LinkType.Ethernet, timeExceeded, out var p));
        Assert.Equal(11, p.IcmpType);
        Assert.True(p.IsIcmpError);
        Assert.Equal(6, p.InnerProtocol);
        Assert.Equal(40000, p.InnerSourcePort);
        Assert.Equal(443, p.InnerDestinationPort);

        var tooShort = Ethernet(Ipv4("192.0.2.1", "10.0.0.1", Icmp(IcmpV4TypeCode.TimeExceeded, quoted: tcp[..22])));
        Assert.Equal(ParseResult.Malformed, PacketParser.Parse(LinkType.Ethernet, tooShort, out var q));
        Assert.True(q.IsIcmpError);
    }

    [Fact]
    public void An_ICMP_error_quoting_an_echo_gives_the_inner_id()
    {
        var echo = Ipv4("10.0.0.1", "10.0.0.9", Icmp(IcmpV4TypeCode.EchoRequest, id: 99)).Bytes;
        var error = Ethernet(Ipv4("10.0.0.254", "10.0.0.1", Icmp(IcmpV4TypeCode.UnreachableHost, quoted: echo)));

        Assert.Equal(ParseResult.Ok, PacketParser.Parse(LinkType.Ethernet, error, out var p));
        Assert.Equal(1, p.InnerProtocol);
        Assert.Equal(8, p.InnerIcmpType);
        Assert.Equal(99, p.InnerIcmpId);
    }

    [Fact]
    public void An_ICMP_error_quoting_a_later_fragment_is_invalid()
    {
        var quoted = Ipv4("10.0.0.1", "10.0.0.2", Udp(1, 2, payload: 40)).Bytes;
        BinaryPrimitives.WriteUInt16BigEndian(quoted.AsSpan(6), 0x0003); // offset 24
        var error = Ethernet(Ipv4("10.0.0.2", "10.0.0.1", Icmp(IcmpV4TypeCode.UnreachablePort, quoted: quoted[..28])));

        Assert.Equal(ParseResult.Malformed, PacketParser.Parse(LinkType.Ethernet, error, out _));
    }

    [Fact]
    public void ICMPv6_echo_gives_the_id()
    {
        var frame = Ethernet(Ipv6("2001:db8::1", "2001:db8::2", IcmpV6(128, 0, id: 0xBEEF)));

        Assert.Equal(ParseResult.Ok, PacketParser.Parse(LinkType.Ethernet, frame, out var p));
        Assert.Equal(58, p.Protocol);
        Assert.Equal(128, p.IcmpType);
        Assert.Equal(0xBEEF, p.IcmpId);
        Assert.False(p.IsIcmpError);
    }

    [Fact]
    public void ICMPv6_neighbour_solicitation_is_not_an_error_and_has_no_id()
    {
        var frame = Ethernet(Ipv6("fe80::1", "ff02::1:ff00:2", IcmpV6(135, 0, id: 5, quoted: new byte[16])));

        Assert.Equal(ParseResult.Ok, PacketParser.Parse(LinkType.Ethernet, frame, out var p));
        Assert.Equal(135, p.IcmpType);
        Assert.Equal(0, p.IcmpId);
        Assert.False(p.IsIcmpError);
    }

    [Theory]
    [InlineData(1, 4)] // destination unreachable, port unreachable
    [InlineData(2, 0)] // packet too big
    [InlineData(3, 0)] // time exceeded
    [InlineData(4, 1)] // parameter problem
    public void ICMPv6_errors_quote_the_packet(int type, int code)
    {
        var quoted = Ipv6("2001:db8::1", "2001:db8::2", Udp(40000, 53, payload: 30)).Bytes;
        var frame = Ethernet(Ipv6("2001:db8::2", "2001:db8::1", IcmpV6((byte)type, (byte)code, quoted: quoted)));

        Assert.Equal(ParseResult.Ok, PacketParser.Parse(LinkType.Ethernet, frame, out var p));
        Assert.True(p.IsIcmpError);
        Assert.Equal(type, p.IcmpType);
        Assert.Equal(code, p.IcmpCode);
        Assert.Equal(17, p.InnerProtocol);
        Assert.Equal(V6("2001:db8::1"), p.InnerSource);
        Assert.Equal(V6("2001:db8::2"), p.InnerDestination);
        Assert.Equal(40000, p.InnerSourcePort);
        Assert.Equal(53, p.InnerDestinationPort);
    }

    [Fact]
    public void ICMPv6_error_quoting_extension_headers_finds_the_protocol()
    {
        byte[] inner = [.. OptionsHeader(6), .. Tcp(1111, 2222).Bytes];
        var quoted = Ipv6("2001:db8::1", "2001:db8::2", 60, inner).Bytes;
        var frame = Ethernet(Ipv6("2001:db8::2", "2001:db8::1", IcmpV6(1, 0, quoted: quoted)));

        Assert.Equal(ParseResult.Ok, PacketParser.Parse(LinkType.Ethernet, frame, out var p));
        Assert.Equal(6, p.InnerProtocol);
        Assert.Equal(1111, p.InnerSourcePort);
        Assert.Equal(2222, p.InnerDestinationPort);
    }

    [Fact]
    public void SCTP_gives_ports()
    {
        var frame = Ethernet(Ipv4("10.0.0.1", "10.0.0.2", 132, Sctp(3868, 3869)));

        Assert.Equal(ParseResult.Ok, PacketParser.Parse(LinkType.Ethernet, frame, out var p));
        Assert.Equal(132, p.Protocol);
        Assert.Equal(3868, p.SourcePort);
        Assert.Equal(3869, p.DestinationPort);

        var shortFrame = Ethernet(Ipv4("10.0.0.1", "10.0.0.2", 132, Sctp(3868, 3869)[..8]));
        Assert.Equal(ParseResult.Malformed, PacketParser.Parse(LinkType.Ethernet, shortFrame, out var s));
        Assert.True(s.HasTuple);
    }

    [Fact]
    public void UDP_Lite_and_DCCP_give_ports_and_are_checked()
    {
        var udpLite = new byte[12];
        BinaryPrimitives.WriteUInt16BigEndian(udpLite, 5000);
        BinaryPrimitives.WriteUInt16BigEndian(udpLite.AsSpan(2), 5001);
        BinaryPrimitives.WriteUInt16BigEndian(udpLite.AsSpan(4), 8);      // checksum coverage: the header
        BinaryPrimitives.WriteUInt16BigEndian(udpLite.AsSpan(6), 0xABCD); // checksum present
        Assert.Equal(ParseResult.Ok, PacketParser.Parse(LinkType.Ethernet, Ethernet(Ipv4("10.0.0.1", "10.0.0.2", 136, udpLite)), out var lite));
        Assert.Equal(5001, lite.DestinationPort);
        BinaryPrimitives.WriteUInt16BigEndian(udpLite.AsSpan(6), 0);
        Assert.Equal(ParseResult.Malformed, PacketParser.Parse(LinkType.Ethernet, Ethernet(Ipv4("10.0.0.1", "10.0.0.2", 136, udpLite)), out _));

        Assert.Equal(ParseResult.Ok, PacketParser.Parse(LinkType.Ethernet, Ethernet(Ipv4("10.0.0.1", "10.0.0.2", 33, Dccp(6000, 6001, type: 0))), out var dccp));
        Assert.Equal(33, dccp.Protocol);
        Assert.Equal(6000, dccp.SourcePort);
        // A REQUEST without 48-bit sequence numbers: dccp_error "type lacks 48bit sequence numbers".
        Assert.Equal(ParseResult.Malformed, PacketParser.Parse(LinkType.Ethernet, Ethernet(Ipv4("10.0.0.1", "10.0.0.2", 33, Dccp(6000, 6001, type: 0, extended: false))), out _));
        // DATA (2) may use 24-bit sequence numbers.
        Assert.Equal(ParseResult.Ok, PacketParser.Parse(LinkType.Ethernet, Ethernet(Ipv4("10.0.0.1", "10.0.0.2", 33, Dccp(6000, 6001, type: 2, extended: false))), out _));
    }

    [Fact]
    public void GRE_version_0_has_no_key()
    {
        var frame = Ethernet(Ipv4("198.51.100.1", "198.51.100.2", 47, [.. Gre(0), .. Ipv4("10.0.0.1", "10.0.0.2", Udp(1, 2)).Bytes]));

        Assert.Equal(ParseResult.Ok, PacketParser.Parse(LinkType.Ethernet, frame, out var p));
        Assert.Equal(47, p.Protocol);
        Assert.Equal(0, p.GreVersion);
        Assert.Equal(0u, p.GreKey);
        Assert.Equal(0, p.SourcePort);
    }

    [Fact]
    public void PPTP_GRE_version_1_gives_the_call_id_as_key()
    {
        var frame = Ethernet(Ipv4("198.51.100.1", "198.51.100.2", 47, [.. Gre(1, callId: 0x4242), .. new byte[12]]));

        Assert.Equal(ParseResult.Ok, PacketParser.Parse(LinkType.Ethernet, frame, out var p));
        Assert.Equal(1, p.GreVersion);
        Assert.Equal(0x4242u, p.GreKey);

        // gre_pkt_to_tuple refuses version 1 carrying anything but PPP.
        var notPpp = Ethernet(Ipv4("198.51.100.1", "198.51.100.2", 47, Gre(1, callId: 1, protocol: 0x0800)));
        Assert.Equal(ParseResult.Malformed, PacketParser.Parse(LinkType.Ethernet, notPpp, out _));
    }

    [Fact]
    public void A_truncated_IP_header_is_dropped_by_the_IP_layer()
    {
        var frame = Ethernet(Ipv4("10.0.0.1", "10.0.0.2", Udp(1, 2)))[..(14 + 10)];

        Assert.Equal(ParseResult.Malformed, PacketParser.Parse(LinkType.Ethernet, frame, out var p));
        Assert.True(p.IpLayerDrop);
        Assert.NotNull(p.Reason);
    }

    [Fact]
    public void An_IHL_below_5_is_dropped()
    {
        var frame = Ethernet(Ipv4("10.0.0.1", "10.0.0.2", Udp(1, 2)));
        frame[14] = 0x44;

        Assert.Equal(ParseResult.Malformed, PacketParser.Parse(LinkType.Ethernet, frame, out var p));
        Assert.True(p.IpLayerDrop);
    }

    [Fact]
    public void A_total_length_beyond_the_frame_is_dropped()
    {
        var frame = Ethernet(Ipv4("10.0.0.1", "10.0.0.2", Udp(1, 2, payload: 10)));
        BinaryPrimitives.WriteUInt16BigEndian(frame.AsSpan(16), 200);

        Assert.Equal(ParseResult.Malformed, PacketParser.Parse(LinkType.Ethernet, frame, out var p));
        Assert.True(p.IpLayerDrop);

        var v6 = Ethernet(Ipv6("2001:db8::1", "2001:db8::2", Udp(1, 2, payload: 10)));
        BinaryPrimitives.WriteUInt16BigEndian(v6.AsSpan(14 + 4), 500);
        Assert.Equal(ParseResult.Malformed, PacketParser.Parse(LinkType.Ethernet, v6, out var q));
        Assert.True(q.IpLayerDrop);
    }

    [Fact]
    public void A_TCP_data_offset_beyond_the_data_is_invalid_but_has_a_tuple()
    {
        var frame = Ethernet(Ipv4("10.0.0.1", "10.0.0.2", Tcp(1234, 80, payload: 8)));
        frame[14 + 20 + 12] = 0xF0; // 60-byte header in a 28-byte segment

        Assert.Equal(ParseResult.Malformed, PacketParser.Parse(LinkType.Ethernet, frame, out var p));
        Assert.False(p.IpLayerDrop);
        Assert.True(p.HasTuple);
        Assert.Equal(1234, p.SourcePort);
        Assert.Equal("truncated packet", p.Reason);

        frame[14 + 20 + 12] = 0x40; // 16 bytes: below the fixed header
        Assert.Equal(ParseResult.Malformed, PacketParser.Parse(LinkType.Ethernet, frame, out _));
    }

    [Fact]
    public void Short_layer_4_headers_are_invalid()
    {
        Assert.Equal(ParseResult.Malformed, PacketParser.Parse(LinkType.Ethernet, Ethernet(Ipv4("10.0.0.1", "10.0.0.2", 6, new byte[3])), out var noPorts));
        Assert.False(noPorts.HasTuple);
        Assert.Equal(ParseResult.Malformed, PacketParser.Parse(LinkType.Ethernet, Ethernet(Ipv4("10.0.0.1", "10.0.0.2", 6, new byte[12])), out var shortTcp));
        Assert.True(shortTcp.HasTuple);
        Assert.Equal(ParseResult.Malformed, PacketParser.Parse(LinkType.Ethernet, Ethernet(Ipv4("10.0.0.1", "10.0.0.2", 17, new byte[6])), out _));
        Assert.Equal(ParseResult.Malformed, PacketParser.Parse(LinkType.Ethernet, Ethernet(Ipv4("10.0.0.1", "10.0.0.2", 1, new byte[7])), out _));

        var udp = Udp(1, 2, payload: 4).Bytes;
        BinaryPrimitives.WriteUInt16BigEndian(udp.AsSpan(4), 40); // UDP length beyond the datagram
        Assert.Equal(ParseResult.Malformed, PacketParser.Parse(LinkType.Ethernet, Ethernet(Ipv4("10.0.0.1", "10.0.0.2", 17, udp)), out var bad));
        Assert.Equal("truncated/malformed packet", bad.Reason);
    }

    [Fact]
    public void A_snapped_capture_keeps_the_real_length()
    {
        var frame = Ethernet(Ipv4("10.0.0.1", "10.0.0.2", Tcp(1234, 80, payload: 1000)));
        var snapped = frame[..96];

        Assert.Equal(ParseResult.Ok, PacketParser.Parse(LinkType.Ethernet, snapped, frame.Length, out var p));
        Assert.True(p.Snapped);
        Assert.Equal(1040, p.Length);
        Assert.Equal(96 - 14 - 20, p.L4.Length);
        Assert.Equal(80, p.DestinationPort);

        // Without the original length the same bytes are a datagram longer than its frame.
        Assert.Equal(ParseResult.Malformed, PacketParser.Parse(LinkType.Ethernet, snapped, out _));
        // A snapshot that cuts the TCP header leaves the kernel's verdict unknown.
        Assert.Equal(ParseResult.Truncated, PacketParser.Parse(LinkType.Ethernet, frame[..40], frame.Length, out var cut));
        Assert.Equal(1234, cut.SourcePort);
    }

    [Fact]
    public void IPv4_fragments_are_reported_as_fragments()
    {
        var datagram = Ipv4("10.0.0.1", "10.0.0.2", Udp(1, 2, payload: 100)).Bytes;
        BinaryPrimitives.WriteUInt16BigEndian(datagram.AsSpan(4), 0x5555);
        var fragments = FragmentIPv4(datagram, 64);

        Assert.Equal(ParseResult.Fragment, PacketParser.Parse(LinkType.Raw, fragments[0], out var first));
        Assert.Equal(0x5555u, first.FragmentId);
        Assert.Equal(0, first.FragmentOffset);
        Assert.True(first.MoreFragments);
        Assert.Equal(17, first.Protocol);
        Assert.Equal(0, first.SourcePort); // a first fragment is not tracked as a packet
        Assert.Equal(ParseResult.Fragment, PacketParser.Parse(LinkType.Raw, fragments[1], out var last));
        Assert.Equal(64, last.FragmentOffset);
        Assert.False(last.MoreFragments);

        // DF alone is not a fragment.
        BinaryPrimitives.WriteUInt16BigEndian(datagram.AsSpan(6), 0x4000);
        Assert.Equal(ParseResult.Ok, PacketParser.Parse(LinkType.Raw, datagram, out _));
    }

    [Fact]
    public void IPv6_fragments_are_reported_as_fragments_even_atomic_ones()
    {
        var datagram = Ipv6("2001:db8::1", "2001:db8::2", Udp(1, 2, payload: 100)).Bytes;
        var fragments = FragmentIPv6(datagram, 64, id: 0xCAFE);
        Assert.Equal(ParseResult.Fragment, PacketParser.Parse(LinkType.Raw, fragments[1], out var second));
        Assert.Equal(0xCAFEu, second.FragmentId);
        Assert.Equal(64, second.FragmentOffset);
        Assert.False(second.MoreFragments);
        Assert.Equal(17, second.Protocol);

        var atomic = FragmentIPv6(datagram, 1000, id: 1);
        Assert.Single(atomic);
        Assert.Equal(ParseResult.Fragment, PacketParser.Parse(LinkType.Raw, atomic[0], out _));
        // What conntrack would make of it if defrag handed it on: the fragment header at offset 0 is skipped.
        Assert.Equal(ParseResult.Ok, PacketParser.ParseUnreassembled(atomic[0], out var unreassembled));
        Assert.Equal(17, unreassembled.Protocol);
        Assert.Equal(2, unreassembled.DestinationPort);
        Assert.Equal(ParseResult.Malformed, PacketParser.ParseUnreassembled(fragments[1], out _));
    }
}
