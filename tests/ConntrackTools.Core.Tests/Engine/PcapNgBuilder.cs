using System.Buffers.Binary;

namespace ConntrackTools.Tests.Engine;

/// <summary>Writes pcapng blocks by hand, in either byte order, for the reader's tests.</summary>
internal sealed class PcapNgBuilder
{
    private readonly MemoryStream _stream = new();
    private bool _bigEndian;

    /// <summary>The offset the next block will have.</summary>
    public long Offset => _stream.Position;

    public byte[] ToArray() => _stream.ToArray();

    /// <summary>A section header block; the sections after it use <paramref name="bigEndian"/> byte order.</summary>
    public PcapNgBuilder Section(bool bigEndian)
    {
        _bigEndian = bigEndian;
        var body = new List<byte>();
        body.AddRange(U32(0x1A2B3C4D));
        body.AddRange(U16(1));
        body.AddRange(U16(0));
        body.AddRange(U64(ulong.MaxValue)); // section length unknown
        body.AddRange(Option(4, "ConntrackTools tests"u8.ToArray())); // shb_userappl
        body.AddRange(U32(0)); // opt_endofopt
        return Block(0x0A0D0D0A, [.. body]);
    }

    /// <summary>An interface description block with optional if_tsresol (9) and if_tsoffset (14).</summary>
    public PcapNgBuilder Interface(int linkType, int snapLength = 0, byte? tsresol = null, long? tsoffset = null)
    {
        var body = new List<byte>();
        body.AddRange(U16((ushort)linkType));
        body.AddRange(U16(0));
        body.AddRange(U32((uint)snapLength));
        body.AddRange(Option(2, "eth0"u8.ToArray())); // if_name
        if (tsresol is { } resolution) body.AddRange(Option(9, [resolution]));
        if (tsoffset is { } offset) body.AddRange(Option(14, U64((ulong)offset)));
        body.AddRange(U32(0));
        return Block(1, [.. body]);
    }

    public PcapNgBuilder Enhanced(int interfaceId, ulong timestamp, byte[] data, int? originalLength = null)
    {
        var body = new List<byte>();
        body.AddRange(U32((uint)interfaceId));
        body.AddRange(U32((uint)(timestamp >> 32)));
        body.AddRange(U32((uint)timestamp));
        body.AddRange(U32((uint)data.Length));
        body.AddRange(U32((uint)(originalLength ?? data.Length)));
        body.AddRange(Padded(data));
        body.AddRange(Option(1, "a comment"u8.ToArray())); // opt_comment
        body.AddRange(U32(0));
        return Block(6, [.. body]);
    }

    public PcapNgBuilder Simple(byte[] data, int? originalLength = null)
    {
        var body = new List<byte>();
        body.AddRange(U32((uint)(originalLength ?? data.Length)));
        body.AddRange(Padded(data));
        return Block(3, [.. body]);
    }

    /// <summary>The obsolete packet block (type 2): 16-bit interface id and drop count.</summary>
    public PcapNgBuilder Obsolete(int interfaceId, ulong timestamp, byte[] data)
    {
        var body = new List<byte>();
        body.AddRange(U16((ushort)interfaceId));
        body.AddRange(U16(0));
        body.AddRange(U32((uint)(timestamp >> 32)));
        body.AddRange(U32((uint)timestamp));
        body.AddRange(U32((uint)data.Length));
        body.AddRange(U32((uint)data.Length));
        body.AddRange(Padded(data));
        return Block(2, [.. body]);
    }

    /// <summary>A block the reader skips: interface statistics, name resolution, custom.</summary>
    public PcapNgBuilder Other(uint type, int bodyLength = 20) => Block(type, new byte[bodyLength]);

    public PcapNgBuilder Block(uint type, byte[] body)
    {
        var length = (uint)(12 + ((body.Length + 3) & ~3));
        _stream.Write(U32(type));
        _stream.Write(U32(length));
        _stream.Write(body);
        _stream.Write(new byte[(4 - body.Length % 4) % 4]);
        _stream.Write(U32(length));
        return this;
    }

    private byte[] Option(ushort code, byte[] value) => [.. U16(code), .. U16((ushort)value.Length), .. Padded(value)];

    private static byte[] Padded(byte[] data) => [.. data, .. new byte[(4 - data.Length % 4) % 4]];

    private byte[] U16(ushort value)
    {
        var bytes = new byte[2];
        if (_bigEndian) BinaryPrimitives.WriteUInt16BigEndian(bytes, value);
        else BinaryPrimitives.WriteUInt16LittleEndian(bytes, value);
        return bytes;
    }

    private byte[] U32(uint value)
    {
        var bytes = new byte[4];
        if (_bigEndian) BinaryPrimitives.WriteUInt32BigEndian(bytes, value);
        else BinaryPrimitives.WriteUInt32LittleEndian(bytes, value);
        return bytes;
    }

    private byte[] U64(ulong value)
    {
        var bytes = new byte[8];
        if (_bigEndian) BinaryPrimitives.WriteUInt64BigEndian(bytes, value);
        else BinaryPrimitives.WriteUInt64LittleEndian(bytes, value);
        return bytes;
    }
}
