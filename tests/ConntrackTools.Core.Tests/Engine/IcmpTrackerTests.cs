using System.Buffers.Binary;
using System.Net;
using ConntrackTools.Engine;
using Xunit;

namespace ConntrackTools.Tests.Engine;

public class IcmpTrackerTests
{
    private static readonly IPAddress A = IPAddress.Parse("10.0.0.1"), B = IPAddress.Parse("10.0.0.2"), R = IPAddress.Parse("10.0.9.9");
    private static readonly IPAddress A6 = IPAddress.Parse("fd00::1"), B6 = IPAddress.Parse("fd00::2");

    private static byte[] Ipv4(IPAddress src, IPAddress dst, byte protocol, byte[] l4, ushort fragment = 0)
    {
        var p = new byte[20 + l4.Length];
        p[0] = 0x45;
        BinaryPrimitives.WriteUInt16BigEndian(p.AsSpan(2), (ushort)p.Length);
        BinaryPrimitives.WriteUInt16BigEndian(p.AsSpan(6), fragment);
        p[8] = 64;
        p[9] = protocol;
        src.GetAddressBytes().CopyTo(p, 12);
        dst.GetAddressBytes().CopyTo(p, 16);
        l4.CopyTo(p, 20);
        return p;
    }

    private static byte[] Ipv6(IPAddress src, IPAddress dst, byte nextHeader, byte[] payload)
    {
        var p = new byte[40 + payload.Length];
        p[0] = 0x60;
        BinaryPrimitives.WriteUInt16BigEndian(p.AsSpan(4), (ushort)payload.Length);
        p[6] = nextHeader;
        p[7] = 64;
        src.GetAddressBytes().CopyTo(p, 8);
        dst.GetAddressBytes().CopyTo(p, 24);
        payload.CopyTo(p, 40);
        return p;
    }

    private static byte[] Ports(ushort sport, ushort dport)
    {
        var l4 = new byte[8];
        BinaryPrimitives.WriteUInt16BigEndian(l4, sport);
        BinaryPrimitives.WriteUInt16BigEndian(l4.AsSpan(2), dport);
        return l4;
    }

    private static byte[] Icmp(byte type, byte code = 0, ushort id = 0, byte[]? payload = null)
    {
        var h = new byte[8 + (payload?.Length ?? 0)];
        h[0] = type;
        h[1] = code;
        BinaryPrimitives.WriteUInt16BigEndian(h.AsSpan(4), id);
        payload?.CopyTo(h, 8);
        return h;
    }

    private static UInt128 Addr(IPAddress a) => IcmpTracker.ReadAddress(a.GetAddressBytes());

    /// <summary>A table of one flow, A:4000 → B:4001 over UDP, found from either direction.</summary>
    private static ConntrackLookup OneUdpFlow(List<QuotedTuple>? asked = null) => (in QuotedTuple t, out bool reply) =>
    {
        asked?.Add(t);
        reply = false;
        if (t.Protocol != 17) return false;
        if (t.Source == Addr(A) && t.Destination == Addr(B) && t.SourceId == 4000 && t.DestinationId == 4001) return true;
        reply = true;
        return t.Source == Addr(B) && t.Destination == Addr(A) && t.SourceId == 4001 && t.DestinationId == 4000;
    };

    [Theory]
    [InlineData(IcmpTracker.Echo, IcmpTracker.EchoReply)]
    [InlineData(IcmpTracker.EchoReply, IcmpTracker.Echo)]
    [InlineData(IcmpTracker.Timestamp, IcmpTracker.TimestampReply)]
    [InlineData(IcmpTracker.TimestampReply, IcmpTracker.Timestamp)]
    [InlineData(IcmpTracker.InfoRequest, IcmpTracker.InfoReply)]
    [InlineData(IcmpTracker.InfoReply, IcmpTracker.InfoRequest)]
    [InlineData(IcmpTracker.Address, IcmpTracker.AddressReply)]
    [InlineData(IcmpTracker.AddressReply, IcmpTracker.Address)]
    public void The_reply_tuple_carries_the_inverse_type(byte type, byte inverse)
    {
        Assert.True(IcmpTracker.TryInvertType(type, out var got));
        Assert.Equal(inverse, got);
    }

    [Fact]
    public void Only_requests_open_and_other_types_cannot_be_inverted()
    {
        for (int type = 0; type < 256; type++)
        {
            bool request = type is 8 or 13 or 15 or 17;
            bool invertible = request || type is 0 or 14 or 16 or 18;
            Assert.Equal(request, IcmpTracker.IsValidNew((byte)type));
            Assert.Equal(invertible, IcmpTracker.TryInvertType((byte)type, out _));
            var verdict = IcmpTracker.Packet((byte)type, new IcmpSettings(), out var timeout);
            Assert.Equal(request ? TrackerVerdict.Accept : TrackerVerdict.Invalid, verdict);
            Assert.Equal(request ? 30u : 0u, timeout);
        }
    }

    [Fact]
    public void Echo_request_and_reply_refresh_the_icmp_timeout()
    {
        var settings = new IcmpSettings();
        Assert.True(IcmpTracker.TryGetTuple(Icmp(IcmpTracker.Echo, 0, 0x1234), out var type, out var code, out var id));
        Assert.Equal((IcmpTracker.Echo, (byte)0, (ushort)0x1234), (type, code, id));
        // The request opens the flow; the reply (found through the reply tuple) is checked against the original type.
        Assert.Equal(TrackerVerdict.Accept, IcmpTracker.Packet(IcmpTracker.Echo, settings, out var timeout));
        Assert.Equal(30u, timeout);
        settings.Set("nf_conntrack_icmp_timeout", 5);
        Assert.Equal(TrackerVerdict.Accept, IcmpTracker.Packet(IcmpTracker.Echo, settings, out timeout));
        Assert.Equal(5u, timeout);
        // An echo reply nobody asked for makes a conntrack whose original type is echo reply: INVALID.
        Assert.Equal(TrackerVerdict.Invalid, IcmpTracker.Packet(IcmpTracker.EchoReply, settings, out _));
        Assert.False(IcmpTracker.TryGetTuple(new byte[7], out _, out _, out _));
    }

    [Theory]
    [InlineData(IcmpTracker.Echo, false)]
    [InlineData(IcmpTracker.EchoReply, false)]
    [InlineData(9, false)]    // router advertisement: not an error, not invertible
    [InlineData(18, false)]
    [InlineData(19, true)]    // above NR_ICMP_TYPES
    [InlineData(200, true)]
    public void Types_that_are_not_errors(byte type, bool invalid)
    {
        var result = IcmpTracker.Error(Icmp(type), A.GetAddressBytes(), OneUdpFlow(), out _);
        Assert.Equal(invalid ? IcmpErrorResult.Invalid : IcmpErrorResult.NotError, result);
    }

    [Fact]
    public void A_short_icmp_header_is_invalid() =>
        Assert.Equal(IcmpErrorResult.Invalid, IcmpTracker.Error(new byte[7], A.GetAddressBytes(), OneUdpFlow(), out _));

    [Theory]
    [InlineData(IcmpTracker.DestUnreach)]
    [InlineData(IcmpTracker.SourceQuench)]
    [InlineData(IcmpTracker.Redirect)]
    [InlineData(IcmpTracker.TimeExceeded)]
    [InlineData(IcmpTracker.ParameterProb)]
    public void An_error_quoting_an_original_packet_is_related_reply(byte type)
    {
        // A sent A:4000 -> B:4001 (original direction); R or B answers A with an error quoting it.
        var asked = new List<QuotedTuple>();
        var error = Icmp(type, 3, payload: Ipv4(A, B, 17, Ports(4000, 4001)));
        var result = IcmpTracker.Error(error, A.GetAddressBytes(), OneUdpFlow(asked), out var ctinfo);
        Assert.Equal(IcmpErrorResult.Related, result);
        Assert.Equal(ConntrackInfo.RelatedReply, ctinfo);
        // The looked-up tuple is the quoted one inverted: B:4001 -> A:4000, the flow's reply tuple.
        var t = Assert.Single(asked);
        Assert.Equal((Addr(B), Addr(A), (ushort)4001, (ushort)4000), (t.Source, t.Destination, t.SourceId, t.DestinationId));
    }

    [Fact]
    public void An_error_quoting_a_reply_packet_is_related()
    {
        // B answered B:4001 -> A:4000 (reply direction); the error about it goes to B.
        var error = Icmp(IcmpTracker.DestUnreach, 3, payload: Ipv4(B, A, 17, Ports(4001, 4000)));
        Assert.Equal(IcmpErrorResult.Related, IcmpTracker.Error(error, B.GetAddressBytes(), OneUdpFlow(), out var ctinfo));
        Assert.Equal(ConntrackInfo.Related, ctinfo);
        Assert.Equal(ConntrackInfo.Related, IcmpTracker.RelatedInfo(replyDirection: false));
        Assert.Equal(ConntrackInfo.RelatedReply, IcmpTracker.RelatedInfo(replyDirection: true));
    }

    [Fact]
    public void An_error_sent_elsewhere_than_the_quoted_source_is_invalid()
    {
        // Inner B -> A found, but the outer packet goes to R: the kernel's "outer daddr != inner" case.
        var error = Icmp(IcmpTracker.DestUnreach, 3, payload: Ipv4(A, B, 17, Ports(4000, 4001)));
        Assert.Equal(IcmpErrorResult.Invalid, IcmpTracker.Error(error, R.GetAddressBytes(), OneUdpFlow(), out _));
    }

    [Fact]
    public void An_error_about_an_unknown_flow_is_invalid()
    {
        var error = Icmp(IcmpTracker.DestUnreach, 3, payload: Ipv4(A, B, 17, Ports(4000, 4999)));
        Assert.Equal(IcmpErrorResult.Invalid, IcmpTracker.Error(error, A.GetAddressBytes(), OneUdpFlow(), out _));
    }

    public static TheoryData<string, byte[]> BadQuotes() => new()
    {
        { "no inner header", [] },
        { "inner header cut", Ipv4(A, B, 17, Ports(4000, 4001))[..19] },
        { "ports cut", Ipv4(A, B, 17, Ports(4000, 4001))[..23] },
        { "non-first fragment", Ipv4(A, B, 17, Ports(4000, 4001), fragment: 0x0010) },
        { "IHL beyond the data", [0x4F, .. Ipv4(A, B, 17, [])[1..]] },
        { "quoted ICMP error cannot be inverted", Ipv4(A, B, 1, Icmp(IcmpTracker.DestUnreach)) },
        { "quoted ICMP cut", Ipv4(A, B, 1, Icmp(IcmpTracker.Echo))[..27] },
    };

    [Theory]
    [MemberData(nameof(BadQuotes))]
    public void Errors_whose_quoted_packet_gives_no_tuple_are_invalid(string what, byte[] quoted)
    {
        bool looked = false;
        var result = IcmpTracker.Error(Icmp(IcmpTracker.TimeExceeded, payload: quoted), A.GetAddressBytes(),
            (in QuotedTuple _, out bool reply) => { reply = false; looked = true; return true; }, out _);
        Assert.True(IcmpErrorResult.Invalid == result, what);
        Assert.False(looked, what);
    }

    [Fact]
    public void A_first_fragment_and_a_more_fragments_flag_still_count()
    {
        var quoted = Ipv4(A, B, 17, Ports(4000, 4001), fragment: 0x2000); // MF set, offset 0
        Assert.Equal(IcmpErrorResult.Related, IcmpTracker.Error(Icmp(3, payload: quoted), A.GetAddressBytes(), OneUdpFlow(), out _));
    }

    [Fact]
    public void A_quoted_echo_is_looked_up_by_its_reply_type()
    {
        QuotedTuple? asked = null;
        var quoted = Ipv4(A, B, 1, Icmp(IcmpTracker.Echo, 0, 0x4242));
        IcmpTracker.Error(Icmp(IcmpTracker.DestUnreach, 1, payload: quoted), A.GetAddressBytes(),
            (in QuotedTuple t, out bool reply) => { asked = t; reply = true; return true; }, out var ctinfo);
        Assert.NotNull(asked);
        Assert.Equal(IcmpTracker.EchoReply, asked.Value.IcmpType);
        Assert.Equal((ushort)0x4242, asked.Value.SourceId);
        Assert.Equal(ConntrackInfo.RelatedReply, ctinfo);
    }

    [Fact]
    public void Protocols_without_ports_quote_addresses_only()
    {
        // ESP, and DCCP whose tracker 6.16 removed: generic tuples, related by addresses alone.
        foreach (byte protocol in new byte[] { 50, 33 })
        {
            Assert.True(IcmpTracker.TryGetQuotedTuple(CtFamily.IPv4, Ipv4(A, B, protocol, Ports(1, 2)), out var t));
            Assert.Equal((protocol, (ushort)0, (ushort)0), (t.Protocol, t.SourceId, t.DestinationId));
            Assert.True(IcmpTracker.TryInvert(t, out var inverse));
            Assert.Equal((Addr(B), Addr(A)), (inverse.Source, inverse.Destination));
        }
    }

    [Fact]
    public void Quoted_gre_uses_the_call_id_and_the_keymap()
    {
        var pptp = new byte[] { 0x20, 0x01, 0x88, 0x0B, 0, 0, 0x12, 0x34 };
        Assert.True(IcmpTracker.TryGetQuotedTuple(CtFamily.IPv4, Ipv4(A, B, 47, pptp), out var t));
        Assert.Equal((0, 0x1234), (t.SourceId, t.DestinationId));
        Assert.True(IcmpTracker.TryGetQuotedTuple(CtFamily.IPv4, Ipv4(A, B, 47, pptp), out t, (in QuotedTuple _) => 0x5555));
        Assert.Equal((0x5555, 0x1234), (t.SourceId, t.DestinationId));
        var notPpp = new byte[] { 0x20, 0x01, 0x08, 0x00, 0, 0, 0x12, 0x34 };
        Assert.False(IcmpTracker.TryGetQuotedTuple(CtFamily.IPv4, Ipv4(A, B, 47, notPpp), out _));
    }

    [Fact]
    public void Icmpv6_error_quoting_tcp_behind_extension_headers_is_related()
    {
        // Hop-by-hop (8 bytes) then destination options (16 bytes) then TCP.
        byte[] ext = [60, 0, 0, 0, 0, 0, 0, 0, 6, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0];
        var quoted = Ipv6(A6, B6, 0, [.. ext, .. Ports(40000, 443)]);
        QuotedTuple? asked = null;
        var result = IcmpV6Tracker.Error(Icmp(1, 4, payload: quoted), B6.GetAddressBytes(), A6.GetAddressBytes(), 64,
            (in QuotedTuple t, out bool reply) => { asked = t; reply = true; return true; }, out var ctinfo);
        Assert.Equal(IcmpErrorResult.Related, result);
        Assert.Equal(ConntrackInfo.RelatedReply, ctinfo);
        Assert.Equal((byte)6, asked!.Value.Protocol);
        Assert.Equal((Addr(B6), Addr(A6), (ushort)443, (ushort)40000), (asked.Value.Source, asked.Value.Destination, asked.Value.SourceId, asked.Value.DestinationId));
    }

    [Fact]
    public void Icmpv6_quoted_non_first_fragment_or_no_next_header_is_invalid()
    {
        byte[] fragment = [17, 0, 0x00, 0x08, 0, 0, 0, 1]; // offset 1
        var quoted = Ipv6(A6, B6, 44, [.. fragment, .. Ports(1, 2)]);
        Assert.False(IcmpTracker.TryGetQuotedTuple(CtFamily.IPv6, quoted, out _));
        Assert.False(IcmpTracker.TryGetQuotedTuple(CtFamily.IPv6, Ipv6(A6, B6, 59, []), out _));
        byte[] first = [17, 0, 0x00, 0x01, 0, 0, 0, 1]; // offset 0, more fragments
        Assert.True(IcmpTracker.TryGetQuotedTuple(CtFamily.IPv6, Ipv6(A6, B6, 44, [.. first, .. Ports(1, 2)]), out var t));
        Assert.Equal((byte)17, t.Protocol);
    }

    [Theory]
    [InlineData(IcmpV6Tracker.MgmQuery)]
    [InlineData(IcmpV6Tracker.MgmReport)]
    [InlineData(IcmpV6Tracker.MgmReduction)]
    [InlineData(IcmpV6Tracker.RouterSolicitation)]
    [InlineData(IcmpV6Tracker.RouterAdvertisement)]
    [InlineData(IcmpV6Tracker.NeighbourSolicitation)]
    [InlineData(IcmpV6Tracker.NeighbourAdvertisement)]
    [InlineData(IcmpV6Tracker.Mld2Report)]
    [InlineData(IcmpV6Tracker.MrdiscAdv)]
    [InlineData(IcmpV6Tracker.MrdiscSol)]
    public void Neighbour_discovery_and_multicast_listener_messages_are_untracked(byte type)
    {
        Assert.Equal(IcmpErrorResult.Untracked, IcmpV6Tracker.Error(Icmp(type), A6.GetAddressBytes(), B6.GetAddressBytes(), 255, OneUdpFlow(), out var ctinfo));
        Assert.Equal(ConntrackInfo.Untracked, ctinfo);
    }

    [Fact]
    public void Icmpv6_echo_and_node_information_open_and_answer()
    {
        var settings = new IcmpV6Settings();
        Assert.True(IcmpV6Tracker.TryInvertType(IcmpV6Tracker.EchoRequest, out var inverse));
        Assert.Equal(IcmpV6Tracker.EchoReply, inverse);
        Assert.True(IcmpV6Tracker.TryInvertType(IcmpV6Tracker.NiReply, out inverse));
        Assert.Equal(IcmpV6Tracker.NiQuery, inverse);
        Assert.False(IcmpV6Tracker.TryInvertType(IcmpV6Tracker.RouterSolicitation, out _));
        Assert.False(IcmpV6Tracker.TryInvertType(1, out _));

        Assert.Equal(TrackerVerdict.Accept, IcmpV6Tracker.Packet(IcmpV6Tracker.EchoRequest, CtStatus.None, settings, out var timeout));
        Assert.Equal(30u, timeout);
        Assert.Equal(TrackerVerdict.Accept, IcmpV6Tracker.Packet(IcmpV6Tracker.NiQuery, CtStatus.None, settings, out _));
        Assert.Equal(TrackerVerdict.Invalid, IcmpV6Tracker.Packet(IcmpV6Tracker.EchoReply, CtStatus.None, settings, out _));
        Assert.Equal(TrackerVerdict.Invalid, IcmpV6Tracker.Packet(IcmpV6Tracker.NiReply, CtStatus.None, settings, out _));
        settings.Set("nf_conntrack_icmpv6_timeout", 12);
        Assert.Equal(TrackerVerdict.Accept, IcmpV6Tracker.Packet(IcmpV6Tracker.EchoRequest, CtStatus.Confirmed, settings, out timeout));
        Assert.Equal(12u, timeout);
        Assert.Equal(IcmpErrorResult.NotError, IcmpV6Tracker.Error(Icmp(IcmpV6Tracker.EchoRequest), A6.GetAddressBytes(), B6.GetAddressBytes(), 64, OneUdpFlow(), out _));
        Assert.Equal(IcmpErrorResult.Invalid, IcmpV6Tracker.Error(new byte[7], A6.GetAddressBytes(), B6.GetAddressBytes(), 64, OneUdpFlow(), out _));
    }

    private static byte[] Redirect(byte code = 0, byte optionType = 4, byte optionLength = 6, byte[]? quoted = null)
    {
        var msg = new byte[40 + 8];
        msg[0] = IcmpV6Tracker.Redirect;
        msg[1] = code;
        msg[40] = optionType;
        msg[41] = optionLength;
        return [.. msg, .. quoted ?? []];
    }

    [Fact]
    public void Icmpv6_redirect_with_a_redirected_header_is_related_when_it_comes_from_a_link_local_router()
    {
        var router = IPAddress.Parse("fe80::1").GetAddressBytes();
        var quoted = Ipv6(A6, B6, 17, Ports(4000, 4001));
        ConntrackLookup found = (in QuotedTuple t, out bool reply) => { reply = true; return t.SourceId == 4001; };
        Assert.Equal(IcmpErrorResult.Related, IcmpV6Tracker.Error(Redirect(quoted: quoted), router, A6.GetAddressBytes(), 255, found, out var ctinfo));
        Assert.Equal(ConntrackInfo.RelatedReply, ctinfo);
        Assert.Equal(IcmpErrorResult.Invalid, IcmpV6Tracker.Error(Redirect(quoted: quoted), router, A6.GetAddressBytes(), 254, found, out _));
        Assert.Equal(IcmpErrorResult.Invalid, IcmpV6Tracker.Error(Redirect(quoted: quoted), B6.GetAddressBytes(), A6.GetAddressBytes(), 255, found, out _));
        Assert.Equal(IcmpErrorResult.NotError, IcmpV6Tracker.Error(Redirect(code: 1, quoted: quoted), router, A6.GetAddressBytes(), 255, found, out _));
        Assert.Equal(IcmpErrorResult.NotError, IcmpV6Tracker.Error(Redirect(optionType: 1), router, A6.GetAddressBytes(), 255, found, out _));
        Assert.Equal(IcmpErrorResult.Invalid, IcmpV6Tracker.Error(Redirect(optionLength: 0), router, A6.GetAddressBytes(), 255, found, out _));
        Assert.Equal(IcmpErrorResult.Invalid, IcmpV6Tracker.Error(Redirect()[..39], router, A6.GetAddressBytes(), 255, found, out _));
        Assert.True(IcmpV6Tracker.IsLinkLocal(IPAddress.Parse("ff02::1").GetAddressBytes()));
        Assert.False(IcmpV6Tracker.IsLinkLocal(IPAddress.Parse("fec0::1").GetAddressBytes()));
    }
}
