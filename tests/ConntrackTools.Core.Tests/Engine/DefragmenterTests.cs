using System.Buffers.Binary;
using ConntrackTools.Engine;
using Xunit;
using static ConntrackTools.Tests.Engine.TestFrames;

namespace ConntrackTools.Tests.Engine;

public class DefragmenterTests
{
    private const long Second = 1_000_000_000;

    private static byte[] UdpDatagramV4(int payload = 1000, ushort id = 0x1234)
    {
        var datagram = Ipv4("10.0.0.1", "10.0.0.2", Udp(5000, 6000, payload)).Bytes;
        BinaryPrimitives.WriteUInt16BigEndian(datagram.AsSpan(4), id);
        return datagram;
    }

    private static DefragmentResult Feed(Defragmenter defrag, byte[] fragment, long time, out ReadOnlyMemory<byte> datagram)
    {
        Assert.Equal(ParseResult.Fragment, PacketParser.Parse(LinkType.Raw, fragment, out var packet));
        return defrag.Defragment(packet.Datagram, time, out datagram);
    }

    [Fact]
    public void IPv4_fragments_in_order_give_back_the_datagram()
    {
        var original = UdpDatagramV4();
        var fragments = FragmentIPv4(original, 400);
        Assert.Equal(3, fragments.Count);
        var defrag = new Defragmenter();

        Assert.Equal(DefragmentResult.Queued, Feed(defrag, fragments[0], 0, out _));
        Assert.Equal(DefragmentResult.Queued, Feed(defrag, fragments[1], 1, out _));
        Assert.Equal(DefragmentResult.Reassembled, Feed(defrag, fragments[2], 2, out var datagram));

        AssertSameIPv4(original, datagram.Span);
        Assert.Equal(ParseResult.Ok, PacketParser.Parse(LinkType.Raw, datagram.Span, out var p));
        Assert.Equal(17, p.Protocol);
        Assert.Equal(5000, p.SourcePort);
        Assert.Equal(6000, p.DestinationPort);
        Assert.Equal(original.Length, p.Length);
        Assert.Equal(0, defrag.QueueCount);
        Assert.Equal(1, defrag.ReassembledCount);
    }

    [Theory]
    [InlineData(new[] { 2, 0, 1 })]
    [InlineData(new[] { 1, 2, 0 })]
    [InlineData(new[] { 2, 1, 0 })]
    [InlineData(new[] { 0, 2, 1 })]
    public void IPv4_fragments_out_of_order_give_back_the_datagram(int[] order)
    {
        var original = UdpDatagramV4();
        var fragments = FragmentIPv4(original, 400);
        var defrag = new Defragmenter();

        ReadOnlyMemory<byte> datagram = default;
        for (var i = 0; i < order.Length; i++)
        {
            var result = Feed(defrag, fragments[order[i]], i, out datagram);
            Assert.Equal(i == order.Length - 1 ? DefragmentResult.Reassembled : DefragmentResult.Queued, result);
        }
        AssertSameIPv4(original, datagram.Span);
    }

    [Fact]
    public void A_first_fragment_alone_is_not_tracked()
    {
        var fragments = FragmentIPv4(UdpDatagramV4(), 400);
        var frame = Ethernet(0x0800, fragments[0]);
        var defrag = new Defragmenter();

        Assert.Equal(ParseResult.Fragment, PacketParser.Parse(LinkType.Ethernet, frame, out _));
        Assert.False(defrag.TryReassemble(LinkType.Ethernet, frame, 0, out _));
        Assert.Equal(1, defrag.QueueCount);
        Assert.False(defrag.TryReassemble(LinkType.Ethernet, Ethernet(0x0800, fragments[1]), 1, out _));
        Assert.True(defrag.TryReassemble(LinkType.Ethernet, Ethernet(0x0800, fragments[2]), 2, out var datagram));
        Assert.Equal(ParseResult.Ok, PacketParser.Parse(LinkType.Raw, datagram.Span, out _));
    }

    [Fact]
    public void Unfragmented_frames_are_not_taken()
    {
        var defrag = new Defragmenter();
        Assert.False(defrag.TryReassemble(LinkType.Raw, UdpDatagramV4(), 0, out var datagram));
        Assert.True(datagram.IsEmpty);
        Assert.Equal(0, defrag.QueueCount);
    }

    [Fact]
    public void An_exact_duplicate_is_dropped_and_the_datagram_still_completes()
    {
        var original = UdpDatagramV4();
        var fragments = FragmentIPv4(original, 400);
        var defrag = new Defragmenter();

        Assert.Equal(DefragmentResult.Queued, Feed(defrag, fragments[2], 0, out _));
        Assert.Equal(DefragmentResult.Queued, Feed(defrag, fragments[0], 0, out _));
        Assert.Equal(DefragmentResult.Dropped, Feed(defrag, fragments[0], 0, out _));
        Assert.Equal(DefragmentResult.Reassembled, Feed(defrag, fragments[1], 0, out var datagram));
        AssertSameIPv4(original, datagram.Span);
    }

    [Fact]
    public void An_overlap_discards_the_whole_datagram()
    {
        var original = UdpDatagramV4();
        var fragments = FragmentIPv4(original, 400);
        var overlapping = FragmentIPv4(original, 200); // pieces at 0, 200, 400, ...
        var defrag = new Defragmenter();

        Assert.Equal(DefragmentResult.Queued, Feed(defrag, fragments[0], 0, out _));   // 0..400
        Assert.Equal(DefragmentResult.Queued, Feed(defrag, overlapping[3], 0, out _)); // 600..800
        Assert.Equal(DefragmentResult.Dropped, Feed(defrag, fragments[1], 0, out _));  // 400..800 overlaps 600..800
        Assert.Equal(0, defrag.QueueCount);
        // The rest now starts a new datagram that lacks its beginning.
        Assert.Equal(DefragmentResult.Queued, Feed(defrag, fragments[2], 0, out _));
        Assert.Equal(1, defrag.QueueCount);
    }

    [Fact]
    public void A_different_end_discards_the_datagram()
    {
        var fragments = FragmentIPv4(UdpDatagramV4(), 400);
        var shorterLast = FragmentIPv4(UdpDatagramV4(payload: 900), 400)[2];
        var defrag = new Defragmenter();

        Assert.Equal(DefragmentResult.Queued, Feed(defrag, fragments[2], 0, out _));
        Assert.Equal(DefragmentResult.Dropped, Feed(defrag, shorterLast, 0, out _));
        Assert.Equal(0, defrag.QueueCount);
    }

    [Fact]
    public void Fragments_of_different_datagrams_do_not_mix()
    {
        var a = FragmentIPv4(UdpDatagramV4(id: 1), 400);
        var b = FragmentIPv4(UdpDatagramV4(id: 2), 400);
        var defrag = new Defragmenter();

        Feed(defrag, a[0], 0, out _);
        Feed(defrag, b[1], 0, out _);
        Feed(defrag, a[1], 0, out _);
        Feed(defrag, b[2], 0, out _);
        Assert.Equal(2, defrag.QueueCount);
        Assert.Equal(DefragmentResult.Reassembled, Feed(defrag, a[2], 0, out var first));
        Assert.Equal(DefragmentResult.Reassembled, Feed(defrag, b[0], 0, out var second));
        Assert.Equal((ushort)1, BinaryPrimitives.ReadUInt16BigEndian(first.Span[4..]));
        Assert.Equal((ushort)2, BinaryPrimitives.ReadUInt16BigEndian(second.Span[4..]));
    }

    [Fact]
    public void Fragments_expire_30_seconds_after_the_first_by_packet_time()
    {
        var fragments = FragmentIPv4(UdpDatagramV4(), 400);
        var defrag = new Defragmenter();

        Assert.Equal(DefragmentResult.Queued, Feed(defrag, fragments[0], 100 * Second, out _));
        Assert.Equal(DefragmentResult.Queued, Feed(defrag, fragments[1], 120 * Second, out _));
        // 30 s after the first fragment the queue is gone; the last fragment starts a new one.
        Assert.Equal(DefragmentResult.Queued, Feed(defrag, fragments[2], 130 * Second, out _));
        Assert.Equal(1, defrag.TimedOutCount);
        Assert.Equal(1, defrag.QueueCount);

        defrag.Expire(200 * Second);
        Assert.Equal(0, defrag.QueueCount);
    }

    [Fact]
    public void IPv6_fragments_wait_60_seconds_while_IPv4_ones_expire_after_30()
    {
        var v6 = FragmentIPv6(Ipv6("2001:db8::1", "2001:db8::2", Udp(1, 2, payload: 1000)).Bytes, 512, id: 1);
        var v4 = FragmentIPv4(UdpDatagramV4(), 512);
        var defrag = new Defragmenter();

        Feed(defrag, v6[0], 0, out _);
        Feed(defrag, v4[0], 1 * Second, out _);
        defrag.Expire(40 * Second);
        Assert.Equal(1, defrag.QueueCount);
        Assert.Equal(DefragmentResult.Reassembled, Feed(defrag, v6[1], 59 * Second, out _));
        Assert.Equal(1, defrag.TimedOutCount);
    }

    [Fact]
    public void Fragments_within_30_seconds_complete()
    {
        var fragments = FragmentIPv4(UdpDatagramV4(), 400);
        var defrag = new Defragmenter();

        Feed(defrag, fragments[0], 100 * Second, out _);
        Feed(defrag, fragments[1], 110 * Second, out _);
        Assert.Equal(DefragmentResult.Reassembled, Feed(defrag, fragments[2], 130 * Second - 1, out _));
    }

    [Fact]
    public void IPv6_fragments_in_and_out_of_order_give_back_the_datagram_without_the_fragment_header()
    {
        var original = Ipv6("2001:db8::1", "2001:db8::2", Udp(5000, 6000, payload: 1000)).Bytes;
        var fragments = FragmentIPv6(original, 400, id: 0xABCDEF);
        Assert.Equal(3, fragments.Count);

        foreach (var order in new[] { new[] { 0, 1, 2 }, new[] { 2, 0, 1 }, new[] { 1, 2, 0 } })
        {
            var defrag = new Defragmenter();
            ReadOnlyMemory<byte> datagram = default;
            for (var i = 0; i < 3; i++)
                Assert.Equal(i == 2 ? DefragmentResult.Reassembled : DefragmentResult.Queued, Feed(defrag, fragments[order[i]], i, out datagram));

            Assert.Equal(original, datagram.ToArray());
            Assert.Equal(ParseResult.Ok, PacketParser.Parse(LinkType.Raw, datagram.Span, out var p));
            Assert.Equal(6000, p.DestinationPort);
            Assert.Equal(original.Length, p.Length);
        }
    }

    [Fact]
    public void IPv6_headers_before_the_fragment_header_are_kept()
    {
        byte[] payload = [.. OptionsHeader(17), .. Udp(5000, 6000, payload: 600).Bytes];
        var original = Ipv6("2001:db8::1", "2001:db8::2", 0, payload).Bytes;
        var fragments = FragmentIPv6(original, 256, id: 7, unfragmentable: 8);
        var defrag = new Defragmenter();

        ReadOnlyMemory<byte> datagram = default;
        for (var i = fragments.Count - 1; i >= 0; i--) Feed(defrag, fragments[i], 0, out datagram);

        Assert.Equal(original, datagram.ToArray());
        Assert.Equal(ParseResult.Ok, PacketParser.Parse(LinkType.Raw, datagram.Span, out var p));
        Assert.Equal(48, p.L4Offset);
        Assert.Equal(5000, p.SourcePort);
    }

    [Fact]
    public void IPv6_first_fragment_without_the_whole_TCP_header_is_handed_on()
    {
        // RFC 8200 section 4.5: nf_ct_frag6_gather lets it through unreassembled; conntrack then
        // reads its ports and tcp_error finds the header truncated.
        var original = Ipv6("2001:db8::1", "2001:db8::2", Tcp(1234, 80, payload: 100)).Bytes;
        var fragments = FragmentIPv6(original, 8, id: 9);
        var defrag = new Defragmenter();

        Assert.Equal(ParseResult.Fragment, PacketParser.Parse(LinkType.Raw, fragments[0], out var packet));
        Assert.Equal(DefragmentResult.PassThrough, defrag.Defragment(packet.Datagram, 0, out _));
        Assert.Equal(ParseResult.Malformed, PacketParser.ParseUnreassembled(fragments[0], out var seen));
        Assert.True(seen.HasTuple);
        Assert.Equal(1234, seen.SourcePort);
        Assert.Equal(0, defrag.QueueCount);
    }

    [Fact]
    public void IPv6_overlap_discards_the_datagram()
    {
        var original = Ipv6("2001:db8::1", "2001:db8::2", Udp(5000, 6000, payload: 1000)).Bytes;
        var big = FragmentIPv6(original, 512, id: 3);
        var small = FragmentIPv6(original, 256, id: 3);
        var defrag = new Defragmenter();

        Assert.Equal(DefragmentResult.Queued, Feed(defrag, big[0], 0, out _));   // 0..512
        Assert.Equal(DefragmentResult.Queued, Feed(defrag, small[1], 0, out _));  // 256..512 duplicates part of it: "pretend they got queued"
        Assert.Equal(1, defrag.QueueCount);
        Assert.Equal(DefragmentResult.Queued, Feed(defrag, small[3], 0, out _));  // 768..1008 (the last)
        Assert.Equal(DefragmentResult.Dropped, Feed(defrag, big[1], 0, out _));  // 512..1008 overlaps it
        Assert.Equal(0, defrag.QueueCount);
    }

    [Fact]
    public void The_memory_threshold_drops_fragments()
    {
        var defrag = new Defragmenter { HighThresholdBytes = 2000 };
        for (ushort id = 1; id <= 4; id++) Feed(defrag, FragmentIPv4(UdpDatagramV4(id: id), 400)[0], 0, out _);

        Assert.Equal(DefragmentResult.Dropped, Feed(defrag, FragmentIPv4(UdpDatagramV4(id: 9), 400)[0], 0, out _));
        Assert.True(defrag.QueueCount < 5);
    }

    [Fact]
    public void The_reassembled_IPv4_header_has_a_valid_checksum_and_no_fragment_bits()
    {
        var fragments = FragmentIPv4(UdpDatagramV4(), 400);
        var defrag = new Defragmenter();
        ReadOnlyMemory<byte> datagram = default;
        foreach (var fragment in fragments) Feed(defrag, fragment, 0, out datagram);

        var header = datagram.Span[..20];
        Assert.Equal(0, BinaryPrimitives.ReadUInt16BigEndian(header[6..]));
        uint sum = 0;
        for (var i = 0; i < 20; i += 2) sum += BinaryPrimitives.ReadUInt16BigEndian(header[i..]);
        while (sum > 0xFFFF) sum = (sum & 0xFFFF) + (sum >> 16);
        Assert.Equal(0xFFFFu, sum);
    }

    /// <summary>The same datagram, but for the checksum, which reassembly recomputes.</summary>
    private static void AssertSameIPv4(byte[] expected, ReadOnlySpan<byte> actual)
    {
        Assert.Equal(expected.Length, actual.Length);
        Assert.Equal(expected[..10], actual[..10].ToArray());
        Assert.Equal(expected[12..], actual[12..].ToArray());
    }
}
