using System.Buffers.Binary;
using System.Net;
using System.Text;

namespace ConntrackTools.Kernel.Netlink;

/// <summary>
/// Walks a run of netlink attributes in place. Typed getters read the current payload; numbers in
/// netfilter attributes are big-endian. Malformed lengths end the walk rather than read past the span.
/// </summary>
public ref struct AttributeReader
{
    private ReadOnlySpan<byte> _rest;

    public AttributeReader(ReadOnlySpan<byte> attributes)
    {
        _rest = attributes;
        Type = 0;
        Payload = default;
    }

    /// <summary>The current attribute's type, without the NESTED and BYTEORDER flag bits.</summary>
    public ushort Type { get; private set; }

    /// <summary>The current attribute's payload.</summary>
    public ReadOnlySpan<byte> Payload { get; private set; }

    /// <summary>True when the last walk stopped at a malformed attribute instead of the end.</summary>
    public bool Truncated { get; private set; }

    public bool MoveNext()
    {
        if (_rest.Length < 4) return false;
        var length = BinaryPrimitives.ReadUInt16LittleEndian(_rest);
        if (length < 4 || length > _rest.Length)
        {
            Truncated = true;
            _rest = default;
            return false;
        }
        Type = (ushort)(BinaryPrimitives.ReadUInt16LittleEndian(_rest[2..]) & 0x3FFF);
        Payload = _rest[4..length];
        var advance = Math.Min(NetlinkWriter.Align(length), _rest.Length);
        _rest = _rest[advance..];
        return true;
    }

    public readonly byte U8 => Payload.Length >= 1 ? Payload[0] : throw Malformed(1);

    public readonly ushort U16 => Payload.Length >= 2 ? BinaryPrimitives.ReadUInt16BigEndian(Payload) : throw Malformed(2);

    public readonly uint U32 => Payload.Length >= 4 ? BinaryPrimitives.ReadUInt32BigEndian(Payload) : throw Malformed(4);

    public readonly ulong U64 => Payload.Length >= 8 ? BinaryPrimitives.ReadUInt64BigEndian(Payload) : throw Malformed(8);

    /// <summary>A host-order u32 (a few netlink-level attributes are not big-endian).</summary>
    public readonly uint U32Host => Payload.Length >= 4 ? BinaryPrimitives.ReadUInt32LittleEndian(Payload) : throw Malformed(4);

    /// <summary>A string attribute, without its NUL terminator.</summary>
    public readonly string String
    {
        get
        {
            var span = Payload;
            var nul = span.IndexOf((byte)0);
            if (nul >= 0) span = span[..nul];
            return Encoding.UTF8.GetString(span);
        }
    }

    public readonly IPAddress Address => Payload.Length is 4 or 16 ? new IPAddress(Payload) : throw Malformed(4);

    /// <summary>A reader over the current attribute's nested attributes.</summary>
    public readonly AttributeReader Nested => new(Payload);

    private readonly InvalidDataException Malformed(int wanted) =>
        new($"Netlink attribute {Type} has {Payload.Length} bytes of payload; at least {wanted} expected.");
}
