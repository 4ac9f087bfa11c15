using System.Buffers.Binary;
using ConntrackTools.Engine;
using CsCheck;
using Xunit;
using static ConntrackTools.Tests.Engine.TestFrames;

namespace ConntrackTools.Tests.Engine;

/// <summary>
/// The packet layer fed arbitrary or damaged input: the parser and defragmenter never throw or read
/// out of bounds, and the reader only ever throws <see cref="CaptureFormatException"/>.
/// </summary>
public class PacketFuzzTests
{
    private static readonly LinkType[] Links =
        [LinkType.Null, LinkType.Ethernet, LinkType.Raw, LinkType.Loop, LinkType.LinuxSll, LinkType.Ipv4, LinkType.Ipv6, LinkType.LinuxSll2];

    private static readonly byte[][] Seeds =
    [
        Ethernet(Ipv4("10.0.0.1", "10.0.0.2", Tcp(40000, 80, payload: 10))),
        Ethernet(Ipv6("2001:db8::1", "2001:db8::2", 0, [.. OptionsHeader(44), .. new byte[] { 6, 0, 0, 1, 0, 0, 0, 7 }, .. Tcp(1, 2).Bytes])),
        Ethernet(Ipv4("10.0.0.2", "10.0.0.1", Icmp(PacketDotNet.IcmpV4TypeCode.UnreachablePort, quoted: Ipv4("10.0.0.1", "10.0.0.2", Udp(1, 2)).Bytes))),
        Ethernet(Ipv6("2001:db8::2", "2001:db8::1", IcmpV6(1, 4, quoted: Ipv6("2001:db8::1", "2001:db8::2", 60, [.. OptionsHeader(17), .. Udp(3, 4).Bytes]).Bytes))),
        Ethernet(Ipv4("10.0.0.1", "10.0.0.2", 47, Gre(1, callId: 9))),
        Tagged(Ethernet(Ipv4("10.0.0.1", "10.0.0.2", 33, Dccp(1, 2, 0))), (0x8100, 5)),
    ];

    /// <summary>What must hold for any parse, whatever the input.</summary>
    private static void CheckInvariants(ParseResult result, scoped in ParsedPacket p, int frameLength)
    {
        if (result is ParseResult.Ok)
        {
            Assert.True(p.Family is CtFamily.IPv4 or CtFamily.IPv6);
            Assert.True(p.HasTuple);
            Assert.True(p.Datagram.Length <= p.Length);
            Assert.True(p.L4.Length <= p.Datagram.Length);
            Assert.True(p.Datagram.Length <= frameLength);
            Assert.True(p.L4Offset >= (p.Family == CtFamily.IPv4 ? 20 : 40));
            Assert.Equal(p.Snapped, p.Datagram.Length < p.Length);
        }
        if (result is ParseResult.Malformed or ParseResult.NotIp or ParseResult.Truncated) Assert.NotNull(p.Reason);
    }

    [Fact]
    public void The_parser_survives_any_bytes() =>
        Gen.Select(Gen.Int[0, Links.Length - 1], Gen.Byte.Array[0, 200], Gen.Int[0, 100]).Sample((link, bytes, lost) =>
        {
            var result = PacketParser.Parse(Links[link], bytes, bytes.Length + lost, out var p);
            CheckInvariants(result, p, bytes.Length);
            PacketParser.ParseUnreassembled(bytes, out _);
        }, iter: 50_000);

    [Fact]
    public void The_parser_survives_damaged_packets() =>
        Gen.Select(Gen.Int[0, Seeds.Length - 1], Gen.Select(Gen.Int[0, 200], Gen.Byte).Array[1, 4], Gen.Int[0, 200]).Sample((seed, flips, cut) =>
        {
            var frame = Seeds[seed].ToArray();
            foreach (var (at, value) in flips) frame[at % frame.Length] = value;
            frame = frame[..Math.Min(frame.Length, cut)];
            CheckInvariants(PacketParser.Parse(LinkType.Ethernet, frame, out var p), p, frame.Length);
            CheckInvariants(PacketParser.Parse(LinkType.Ethernet, frame, Seeds[seed].Length, out var q), q, frame.Length);
        }, iter: 50_000);

    [Fact]
    public void The_defragmenter_reassembles_fragments_in_any_order_with_duplicates() =>
        Gen.Select(Gen.Int[1, 1500], Gen.Int[1, 60], Gen.Int, Gen.Bool).Sample((payload, units, seed, v6) =>
        {
            var original = v6
                ? Ipv6("2001:db8::1", "2001:db8::2", Udp(1, 2, payload)).Bytes
                : Ipv4("10.0.0.1", "10.0.0.2", Udp(1, 2, payload)).Bytes;
            var fragments = v6 ? FragmentIPv6(original, units * 8, id: 77) : FragmentIPv4(original, units * 8);
            var random = new Random(seed);
            var order = fragments.Concat(fragments.Where(_ => random.Next(4) == 0)).OrderBy(_ => random.Next()).ToList();
            var defrag = new Defragmenter();

            byte[]? reassembled = null;
            foreach (var fragment in order)
            {
                var result = PacketParser.Parse(LinkType.Raw, fragment, out var p);
                if (result != ParseResult.Fragment) return; // a whole datagram in one piece is no fragment (IPv4)
                if (defrag.Defragment(p.Datagram, 0, out var datagram) == DefragmentResult.Reassembled)
                {
                    reassembled = datagram.ToArray();
                    break;
                }
            }
            Assert.NotNull(reassembled);
            if (!v6) BinaryPrimitives.WriteUInt16BigEndian(reassembled.AsSpan(10), BinaryPrimitives.ReadUInt16BigEndian(original.AsSpan(10)));
            Assert.Equal(original, reassembled);
        }, iter: 2_000);

    [Fact]
    public void The_defragmenter_survives_damaged_fragments() =>
        Gen.Select(Gen.Select(Gen.Int[0, 100], Gen.Byte).Array[0, 3], Gen.Int[0, 3], Gen.Bool).Array[1, 12].Sample(pieces =>
        {
            var original4 = FragmentIPv4(Ipv4("10.0.0.1", "10.0.0.2", Udp(1, 2, 200)).Bytes, 64);
            var original6 = FragmentIPv6(Ipv6("2001:db8::1", "2001:db8::2", Udp(1, 2, 200)).Bytes, 64, id: 5);
            var defrag = new Defragmenter();
            var time = 0L;
            foreach (var (flips, which, v6) in pieces)
            {
                var fragment = (v6 ? original6[which] : original4[which]).ToArray();
                foreach (var (at, value) in flips) fragment[at % fragment.Length] = value;
                if (defrag.Defragment(fragment, time += 5_000_000_000, out var datagram) == DefragmentResult.Reassembled)
                    PacketParser.Parse(LinkType.Raw, datagram.Span, out _);
            }
        }, iter: 20_000);

    private static byte[] SmallCapture()
    {
        var stream = new MemoryStream();
        using (var writer = new PcapWriter(stream, LinkType.Ethernet, leaveOpen: true))
            for (var i = 0; i < Seeds.Length; i++) writer.Write(i, Seeds[i]);
        return stream.ToArray();
    }

    private static byte[] SmallPcapNg()
    {
        var builder = new PcapNgBuilder().Section(false).Interface(1, tsresol: 9);
        foreach (var seed in Seeds) builder.Enhanced(0, 1, seed);
        return builder.Section(true).Interface(101).Simple(Seeds[0][14..]).ToArray();
    }

    private static int ReadSafely(byte[] file)
    {
        var count = 0;
        try
        {
            using var reader = new CaptureFileReader(new MemoryStream(file));
            while (reader.TryRead(out var record))
            {
                count++;
                PacketParser.Parse(record.LinkType, record.Data, record.OriginalLength, out _);
            }
        }
        catch (CaptureFormatException)
        {
        }
        return count;
    }

    [Fact]
    public void The_reader_survives_any_cut() =>
        Assert.All(new[] { SmallCapture(), SmallPcapNg() }, file =>
        {
            for (var length = 0; length <= file.Length; length++) ReadSafely(file[..length]);
            Assert.Equal(Seeds.Length + (file[0] == 0x0A ? 1 : 0), ReadSafely(file));
        });

    [Fact]
    public void The_reader_survives_damaged_files() =>
        Gen.Select(Gen.Bool, Gen.Select(Gen.Int[0, 2000], Gen.Byte).Array[1, 6]).Sample((pcapng, flips) =>
        {
            var file = pcapng ? SmallPcapNg() : SmallCapture();
            foreach (var (at, value) in flips) file[at % file.Length] = value;
            ReadSafely(file);
        }, iter: 20_000);
}
