using System.Buffers.Binary;

namespace ConntrackTools.Engine;

/// <summary>TCP header flag bits (byte 13 of the header; include/net/tcp.h TCPHDR_*).</summary>
internal static class TcpFlags
{
    public const byte Fin = 0x01;
    public const byte Syn = 0x02;
    public const byte Rst = 0x04;
    public const byte Psh = 0x08;
    public const byte Ack = 0x10;
    public const byte Urg = 0x20;
    public const byte Ece = 0x40;
    public const byte Cwr = 0x80;
}

/// <summary>
/// A TCP segment read in place from the L4 bytes (header, options, payload). Nothing is copied:
/// fields are read from the span when asked for.
/// </summary>
/// <remarks>
/// Checksums are not verified. The kernel checks them only in PRE_ROUTING and only with
/// nf_conntrack_checksum=1 (tcp_error), and captures often hold offloaded, unfilled checksums.
/// </remarks>
internal readonly ref struct TcpSegment
{
    /// <summary>sizeof(struct tcphdr).</summary>
    public const int MinHeaderLength = 20;

    // tcp_valid_flags[] of nf_conntrack_proto_tcp.c as a bit set over FIN|SYN|RST|ACK|URG
    // (PSH, ECE and CWR are masked off before the look-up).
    private const ulong ValidFlagSet =
        1UL << TcpFlags.Syn |
        1UL << (TcpFlags.Syn | TcpFlags.Urg) |
        1UL << (TcpFlags.Syn | TcpFlags.Ack) |
        1UL << TcpFlags.Rst |
        1UL << (TcpFlags.Rst | TcpFlags.Ack) |
        1UL << (TcpFlags.Fin | TcpFlags.Ack) |
        1UL << (TcpFlags.Fin | TcpFlags.Ack | TcpFlags.Urg) |
        1UL << TcpFlags.Ack |
        1UL << (TcpFlags.Ack | TcpFlags.Urg);

    private readonly ReadOnlySpan<byte> _l4;

    private TcpSegment(ReadOnlySpan<byte> l4, int headerLength)
    {
        _l4 = l4;
        HeaderLength = headerLength;
    }

    /// <summary>
    /// Reads a segment from the TCP header and payload (clipped to the IP datagram). False for what
    /// tcp_error calls a truncated packet: under 20 bytes, doff &lt; 5, or a header longer than
    /// <paramref name="l4"/>.
    /// </summary>
    public static bool TryParse(ReadOnlySpan<byte> l4, out TcpSegment segment)
    {
        segment = default;
        if (l4.Length < MinHeaderLength) return false;
        var headerLength = (l4[12] >> 4) * 4;
        if (headerLength < MinHeaderLength || headerLength > l4.Length) return false;
        segment = new TcpSegment(l4, headerLength);
        return true;
    }

    /// <summary>tcp_error's flag check: whether the kernel's tcp_valid_flags table allows this combination.</summary>
    public static bool HasValidFlags(byte flags)
    {
        var index = flags & ~(TcpFlags.Ece | TcpFlags.Cwr | TcpFlags.Psh);
        return (ValidFlagSet >> index & 1) != 0;
    }

    public ushort SourcePort => BinaryPrimitives.ReadUInt16BigEndian(_l4);

    public ushort DestinationPort => BinaryPrimitives.ReadUInt16BigEndian(_l4[2..]);

    public uint Seq => BinaryPrimitives.ReadUInt32BigEndian(_l4[4..]);

    public uint Ack => BinaryPrimitives.ReadUInt32BigEndian(_l4[8..]);

    /// <summary>doff * 4.</summary>
    public int HeaderLength { get; }

    /// <summary>The flag byte: FIN 0x01, SYN 0x02, RST 0x04, PSH 0x08, ACK 0x10, URG 0x20, ECE 0x40, CWR 0x80.</summary>
    public byte Flags => _l4[13];

    /// <summary>The raw (unscaled) window.</summary>
    public ushort Window => BinaryPrimitives.ReadUInt16BigEndian(_l4[14..]);

    /// <summary>Bytes after the header in the span given to <see cref="TryParse"/>.</summary>
    public int PayloadLength => _l4.Length - HeaderLength;

    /// <summary>The option bytes (between the fixed header and doff * 4).</summary>
    public ReadOnlySpan<byte> Options => _l4[MinHeaderLength..HeaderLength];

    public bool IsFin => (Flags & TcpFlags.Fin) != 0;

    public bool IsSyn => (Flags & TcpFlags.Syn) != 0;

    public bool IsRst => (Flags & TcpFlags.Rst) != 0;

    public bool IsAck => (Flags & TcpFlags.Ack) != 0;
}
