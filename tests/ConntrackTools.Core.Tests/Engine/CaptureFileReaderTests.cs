using System.Buffers.Binary;
using ConntrackTools.Engine;
using Xunit;
using static ConntrackTools.Tests.Engine.TestFrames;

namespace ConntrackTools.Tests.Engine;

/// <summary>A record copied out of the reader's buffer.</summary>
internal sealed record Captured(long Number, long Offset, long TimestampNs, LinkType LinkType, int OriginalLength, int InterfaceId, byte[] Data)
{
    public static List<Captured> ReadAll(CaptureFileReader reader)
    {
        var records = new List<Captured>();
        while (reader.TryRead(out var r)) records.Add(From(r));
        return records;
    }

    public static Captured From(CaptureRecord r) =>
        new(r.Number, r.Offset, r.TimestampNs, r.LinkType, r.OriginalLength, r.InterfaceId, r.Data.ToArray());

    /// <summary>Reads until the reader throws; returns what came before and the exception.</summary>
    public static (List<Captured> Records, CaptureFormatException Error) ReadUntilError(byte[] file, string name)
    {
        var records = new List<Captured>();
        using var reader = new CaptureFileReader(new MemoryStream(file), name);
        var error = Assert.ThrowsAny<CaptureFormatException>(() =>
        {
            while (reader.TryRead(out var r)) records.Add(From(r));
        });
        return (records, error);
    }
}

public class CaptureFileReaderTests
{
    private const long T0 = 1_700_000_000_123_456_789;

    private static List<byte[]> SomeFrames() =>
    [
        Ethernet(Ipv4("10.0.0.1", "10.0.0.2", Tcp(40000, 80))),
        EthernetPadded(Ipv4("10.0.0.2", "10.0.0.1", Udp(53, 40001, payload: 1))),
        Ethernet(Ipv6("2001:db8::1", "2001:db8::2", Tcp(40002, 443, payload: 1200))),
        Ethernet(Ipv4("10.0.0.1", "10.0.0.3", Icmp(PacketDotNet.IcmpV4TypeCode.EchoRequest, id: 5))),
        Ethernet(Ipv4("10.0.0.3", "10.0.0.1", Udp(1, 2, payload: 300))),
    ];

    private static byte[] WritePcap(IReadOnlyList<byte[]> frames, int snapLength = PcapWriter.DefaultSnapLength, LinkType link = LinkType.Ethernet)
    {
        var stream = new MemoryStream();
        using (var writer = new PcapWriter(stream, link, snapLength, leaveOpen: true))
            for (var i = 0; i < frames.Count; i++) writer.Write(T0 + i * 1_000_001L, frames[i]);
        return stream.ToArray();
    }

    [Fact]
    public void PcapWriter_output_reads_back()
    {
        var frames = SomeFrames();
        var path = Path.Combine(Path.GetTempPath(), $"ct-roundtrip-{Guid.NewGuid():N}.pcap");
        try
        {
            using (var writer = new PcapWriter(path, LinkType.Ethernet, snapLength: 200))
            {
                for (var i = 0; i < frames.Count; i++) writer.Write(T0 + i * 1_000_001L, frames[i]);
                Assert.Equal(5, writer.PacketsWritten);
            }

            using var reader = CaptureFileReader.Open(path);
            Assert.Equal(CaptureFileFormat.Pcap, reader.Format);
            Assert.Equal(path, reader.Path);
            var records = Captured.ReadAll(reader);

            Assert.Equal(5, records.Count);
            long offset = 24;
            for (var i = 0; i < frames.Count; i++)
            {
                var r = records[i];
                Assert.Equal(i + 1, r.Number);
                Assert.Equal(offset, r.Offset);
                Assert.Equal(T0 + i * 1_000_001L, r.TimestampNs);
                Assert.Equal(LinkType.Ethernet, r.LinkType);
                Assert.Equal(frames[i].Length, r.OriginalLength);
                Assert.Equal(frames[i][..Math.Min(200, frames[i].Length)], r.Data);
                offset += 16 + r.Data.Length;
            }
            Assert.Equal(5, reader.PacketsRead);
            Assert.False(reader.TryRead(out _));
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void The_file_header_says_nanoseconds()
    {
        var file = WritePcap(SomeFrames());
        Assert.Equal(0xA1B23C4Du, BinaryPrimitives.ReadUInt32LittleEndian(file));
        Assert.Equal(PcapWriter.DefaultSnapLength, BinaryPrimitives.ReadInt32LittleEndian(file.AsSpan(16)));
        Assert.Equal(1, BinaryPrimitives.ReadInt32LittleEndian(file.AsSpan(20)));
    }

    [Theory]
    [InlineData(false, false)]
    [InlineData(false, true)]
    [InlineData(true, false)]
    [InlineData(true, true)]
    public void Classic_pcap_in_either_byte_order_and_resolution(bool bigEndian, bool nanoseconds)
    {
        var frame = Ethernet(Ipv4("10.0.0.1", "10.0.0.2", Udp(1, 2)));
        var file = new byte[24 + 16 + frame.Length];
        void U32(int at, uint value)
        {
            if (bigEndian) BinaryPrimitives.WriteUInt32BigEndian(file.AsSpan(at), value);
            else BinaryPrimitives.WriteUInt32LittleEndian(file.AsSpan(at), value);
        }
        U32(0, nanoseconds ? 0xA1B23C4D : 0xA1B2C3D4);
        file[bigEndian ? 5 : 4] = 2;
        file[bigEndian ? 7 : 6] = 4;
        U32(16, 65535);
        U32(20, 1);
        U32(24, 1_700_000_000);
        U32(28, nanoseconds ? 123_456_789u : 123_456u);
        U32(32, (uint)frame.Length);
        U32(36, (uint)frame.Length + 10);
        frame.CopyTo(file, 40);

        using var reader = new CaptureFileReader(new MemoryStream(file));
        var r = Assert.Single(Captured.ReadAll(reader));
        Assert.Equal(nanoseconds ? 1_700_000_000_123_456_789 : 1_700_000_000_123_456_000, r.TimestampNs);
        Assert.Equal(frame.Length + 10, r.OriginalLength);
        Assert.Equal(frame, r.Data);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Pcapng_with_microsecond_and_nanosecond_interfaces(bool bigEndian)
    {
        var a = Ethernet(Ipv4("10.0.0.1", "10.0.0.2", Udp(1, 2, payload: 3)));
        var b = Ipv6("2001:db8::1", "2001:db8::2", Tcp(5, 6)).Bytes;
        var c = Ethernet(Ipv4("10.0.0.2", "10.0.0.1", Udp(2, 1, payload: 1)));
        var builder = new PcapNgBuilder().Section(bigEndian)
            .Interface(1, snapLength: 65535, tsresol: 6)
            .Interface(101, tsresol: 9);
        builder.Other(5);           // interface statistics: skipped
        var first = builder.Offset;
        builder.Enhanced(0, 1_700_000_000_000_001, a);
        builder.Other(4, 12);       // name resolution: skipped
        var second = builder.Offset;
        builder.Enhanced(1, 1_700_000_000_000_000_002, b, originalLength: b.Length + 100);
        var third = builder.Offset;
        builder.Obsolete(0, 1_700_000_000_000_003, c);
        var fourth = builder.Offset;
        builder.Simple(c);

        using var reader = new CaptureFileReader(new MemoryStream(builder.ToArray()), "hand.pcapng");
        Assert.Equal(CaptureFileFormat.PcapNg, reader.Format);
        var records = Captured.ReadAll(reader);

        Assert.Equal(4, records.Count);
        Assert.Equal((1L, first, 1_700_000_000_000_001_000L, LinkType.Ethernet, a.Length, 0), (records[0].Number, records[0].Offset, records[0].TimestampNs, records[0].LinkType, records[0].OriginalLength, records[0].InterfaceId));
        Assert.Equal(a, records[0].Data);
        Assert.Equal((2L, second, 1_700_000_000_000_000_002L, LinkType.Raw, b.Length + 100, 1), (records[1].Number, records[1].Offset, records[1].TimestampNs, records[1].LinkType, records[1].OriginalLength, records[1].InterfaceId));
        Assert.Equal(b, records[1].Data);
        Assert.Equal((3L, third, 1_700_000_000_000_003_000L, LinkType.Ethernet), (records[2].Number, records[2].Offset, records[2].TimestampNs, records[2].LinkType));
        Assert.Equal(c, records[2].Data);
        // A simple packet block has no timestamp: the previous packet's is kept.
        Assert.Equal((4L, fourth, 1_700_000_000_000_003_000L), (records[3].Number, records[3].Offset, records[3].TimestampNs));
        Assert.Equal(c, records[3].Data);
    }

    [Fact]
    public void Pcapng_sections_change_byte_order_and_interfaces()
    {
        var a = Ethernet(Ipv4("10.0.0.1", "10.0.0.2", Udp(1, 2)));
        var b = Ipv4("10.0.0.1", "10.0.0.2", Udp(3, 4)).Bytes;
        var file = new PcapNgBuilder()
            .Section(bigEndian: false).Interface(1).Enhanced(0, 1, a)
            .Section(bigEndian: true).Interface(228, tsresol: 3).Enhanced(0, 2, b)
            .ToArray();

        using var reader = new CaptureFileReader(new MemoryStream(file));
        var records = Captured.ReadAll(reader);

        Assert.Equal(2, records.Count);
        Assert.Equal(LinkType.Ethernet, records[0].LinkType);
        Assert.Equal(1_000, records[0].TimestampNs); // default resolution: microseconds
        Assert.Equal(LinkType.Ipv4, records[1].LinkType);
        Assert.Equal(2_000_000, records[1].TimestampNs);
        Assert.Equal(b, records[1].Data);
    }

    [Fact]
    public void Pcapng_binary_resolution_and_offset()
    {
        var a = Ethernet(Ipv4("10.0.0.1", "10.0.0.2", Udp(1, 2)));
        var file = new PcapNgBuilder()
            .Section(bigEndian: false)
            .Interface(1, tsresol: 0x80 | 10, tsoffset: 1_600_000_000)
            .Enhanced(0, (5UL << 10) | 512, a) // 5.5 seconds in 1/1024 s
            .ToArray();

        using var reader = new CaptureFileReader(new MemoryStream(file));
        var r = Assert.Single(Captured.ReadAll(reader));
        Assert.Equal(1_600_000_005_500_000_000, r.TimestampNs);
    }

    [Fact]
    public void Packets_bigger_than_the_buffer_and_many_buffers_full_read_back()
    {
        var frames = new List<byte[]>();
        for (var i = 0; i < 3000; i++) frames.Add(Ethernet(Ipv4("10.0.0.1", "10.0.0.2", Udp((ushort)i, 2, payload: 1000 + i % 400))));
        frames.Insert(1500, Payload(3_000_000));
        var file = WritePcap(frames, snapLength: 4 << 20);

        // A stream that hands out few bytes per read exercises the refill loop.
        using var reader = new CaptureFileReader(new TrickleStream(file, 7919));
        var records = Captured.ReadAll(reader);

        Assert.Equal(frames.Count, records.Count);
        for (var i = 0; i < frames.Count; i++) Assert.Equal(frames[i], records[i].Data);
    }

    [Fact]
    public void A_pcap_cut_in_a_packet_gives_the_packets_before_it_then_the_packet_number()
    {
        var frames = SomeFrames();
        var file = WritePcap(frames);
        var fourth = 24 + frames.Take(3).Sum(f => 16 + f.Length);

        var (records, error) = Captured.ReadUntilError(file[..(fourth + 16 + 10)], "x.pcap");

        Assert.Equal(3, records.Count);
        Assert.Equal(4, error.PacketNumber);
        Assert.Equal(fourth, error.Offset);
        Assert.Equal("x.pcap", error.Path);
        Assert.StartsWith($"capture x.pcap is truncated in packet 4 at offset {fourth}: ", error.Message);
        Assert.IsAssignableFrom<IOException>(error);
    }

    [Fact]
    public void A_pcap_cut_in_a_record_header_is_truncated_too()
    {
        var frames = SomeFrames();
        var file = WritePcap(frames);
        var fifth = 24 + frames.Take(4).Sum(f => 16 + f.Length);

        var (records, error) = Captured.ReadUntilError(file[..(fifth + 5)], "y.pcap");

        Assert.Equal(4, records.Count);
        Assert.Equal(5, error.PacketNumber);
        Assert.Equal(fifth, error.Offset);
        Assert.Contains("truncated in packet 5", error.Message);
    }

    [Fact]
    public void An_impossible_captured_length_is_corrupt()
    {
        var frames = SomeFrames();
        var file = WritePcap(frames);
        var third = 24 + frames.Take(2).Sum(f => 16 + f.Length);
        BinaryPrimitives.WriteUInt32LittleEndian(file.AsSpan(third + 8), 0x7FFF0000);

        var (records, error) = Captured.ReadUntilError(file, "z.pcap");

        Assert.Equal(2, records.Count);
        Assert.Equal(3, error.PacketNumber);
        Assert.Equal(third, error.Offset);
        Assert.StartsWith($"capture z.pcap is corrupt in packet 3 at offset {third}: ", error.Message);
    }

    [Fact]
    public void A_pcap_header_cut_short_or_a_file_that_is_no_capture_fail_at_open()
    {
        var file = WritePcap(SomeFrames());
        Assert.Throws<CaptureFormatException>(() => new CaptureFileReader(new MemoryStream(file[..20]), "h.pcap"));
        Assert.Throws<CaptureFormatException>(() => new CaptureFileReader(new MemoryStream([]), "e.pcap"));
        var notCapture = Assert.Throws<CaptureFormatException>(() => new CaptureFileReader(new MemoryStream("hello world, not a capture"u8.ToArray()), "t.txt"));
        Assert.Contains("not a pcap or pcapng file", notCapture.Message);
        Assert.Equal(0, notCapture.PacketNumber);
    }

    [Fact]
    public void An_empty_capture_has_no_packets()
    {
        using var reader = new CaptureFileReader(new MemoryStream(WritePcap([])));
        Assert.False(reader.TryRead(out _));
        using var ng = new CaptureFileReader(new MemoryStream(new PcapNgBuilder().Section(false).Interface(1).ToArray()));
        Assert.False(ng.TryRead(out _));
    }

    [Fact]
    public void A_pcapng_cut_in_a_block_gives_the_packets_before_it()
    {
        var a = Ethernet(Ipv4("10.0.0.1", "10.0.0.2", Udp(1, 2)));
        var builder = new PcapNgBuilder().Section(false).Interface(1).Enhanced(0, 1, a).Enhanced(0, 2, a);
        var third = builder.Offset;
        var file = builder.Enhanced(0, 3, a).ToArray();

        var (records, error) = Captured.ReadUntilError(file[..^6], "cut.pcapng");

        Assert.Equal(2, records.Count);
        Assert.Equal(3, error.PacketNumber);
        Assert.Equal(third, error.Offset);
        Assert.StartsWith($"capture cut.pcapng is truncated in packet 3 at offset {third}: ", error.Message);
    }

    [Fact]
    public void A_pcapng_block_whose_lengths_disagree_is_corrupt()
    {
        var a = Ethernet(Ipv4("10.0.0.1", "10.0.0.2", Udp(1, 2)));
        var builder = new PcapNgBuilder().Section(false).Interface(1).Enhanced(0, 1, a);
        var second = builder.Offset;
        var file = builder.Enhanced(0, 2, a).Enhanced(0, 3, a).ToArray();
        var length = BinaryPrimitives.ReadInt32LittleEndian(file.AsSpan((int)second + 4));
        BinaryPrimitives.WriteInt32LittleEndian(file.AsSpan((int)second + length - 4), length + 4);

        var (records, error) = Captured.ReadUntilError(file, "bad.pcapng");

        Assert.Single(records);
        Assert.Equal(2, error.PacketNumber);
        Assert.Equal(second, error.Offset);
        Assert.Contains("is corrupt in packet 2", error.Message);
    }

    [Fact]
    public void A_pcapng_packet_on_an_undescribed_interface_is_corrupt()
    {
        var a = Ethernet(Ipv4("10.0.0.1", "10.0.0.2", Udp(1, 2)));
        var file = new PcapNgBuilder().Section(false).Interface(1).Enhanced(0, 1, a).Enhanced(3, 2, a).ToArray();

        var (records, error) = Captured.ReadUntilError(file, "if.pcapng");

        Assert.Single(records);
        Assert.Equal(2, error.PacketNumber);
        Assert.Contains("interface 3", error.Message);
    }

    [Fact]
    public void An_unsupported_link_type_is_named()
    {
        var file = WritePcap([new byte[64]], link: (LinkType)220);
        var (records, error) = Captured.ReadUntilError(file, "usb.pcap");

        Assert.Empty(records);
        var unsupported = Assert.IsType<UnsupportedLinkTypeException>(error);
        Assert.Equal(220, unsupported.LinkTypeValue);
        Assert.Equal(1, unsupported.PacketNumber);
        Assert.Contains("LINKTYPE_USB_LINUX_MMAPPED (220)", unsupported.Message);
        Assert.Contains("usb.pcap", unsupported.Message);

        var ng = new PcapNgBuilder().Section(false).Interface(1).Interface(127).Enhanced(0, 1, new byte[60]).Enhanced(1, 2, new byte[60]).ToArray();
        var (ngRecords, ngError) = Captured.ReadUntilError(ng, "wifi.pcapng");
        Assert.Single(ngRecords);
        Assert.IsType<UnsupportedLinkTypeException>(ngError);
        Assert.Equal(2, ngError.PacketNumber);
    }

    [Fact]
    public void Records_parse_with_their_original_length()
    {
        var full = Ethernet(Ipv4("10.0.0.1", "10.0.0.2", Tcp(1234, 80, payload: 1400)));
        using var reader = new CaptureFileReader(new MemoryStream(WritePcap([full], snapLength: 96)));
        Assert.True(reader.TryRead(out var record));

        Assert.Equal(96, record.Data.Length);
        Assert.Equal(ParseResult.Ok, PacketParser.Parse(record.LinkType, record.Data, record.OriginalLength, out var p));
        Assert.Equal(1440, p.Length);
        Assert.True(p.Snapped);
    }

    /// <summary>A read-only, non-seekable stream that returns at most a few bytes per read.</summary>
    private sealed class TrickleStream(byte[] data, int chunk) : Stream
    {
        private int _position;

        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count)
        {
            var n = Math.Min(Math.Min(count, chunk), data.Length - _position);
            Array.Copy(data, _position, buffer, offset, n);
            _position += n;
            return n;
        }

        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
