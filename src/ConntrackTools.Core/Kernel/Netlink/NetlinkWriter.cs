using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace ConntrackTools.Kernel.Netlink;

/// <summary>
/// Builds netlink messages in one reusable buffer: nlmsghdr, family header, and attributes (nested
/// or not) written in place, so a request costs no object per attribute.
/// </summary>
public sealed class NetlinkWriter
{
    internal const int HeaderLength = 16;
    internal const ushort NlaFNested = 0x8000;
    private byte[] _buffer;
    private int _length;
    private int _messageStart = -1;

    public NetlinkWriter(int capacity = 512) => _buffer = new byte[capacity];

    /// <summary>The bytes written so far (one or more complete messages).</summary>
    public ReadOnlySpan<byte> Written => _buffer.AsSpan(0, _length);

    /// <summary>The type of the message being built or last built.</summary>
    public ushort MessageType { get; private set; }

    public void Reset()
    {
        _length = 0;
        _messageStart = -1;
    }

    /// <summary>Starts a message; <see cref="EndMessage"/> completes its length and sequence.</summary>
    public void BeginMessage(ushort type, ushort flags)
    {
        _messageStart = _length;
        MessageType = type;
        var header = Reserve(HeaderLength);
        header.Clear();
        BinaryPrimitives.WriteUInt16LittleEndian(header[4..], type);
        BinaryPrimitives.WriteUInt16LittleEndian(header[6..], flags);
    }

    /// <summary>Writes the nfgenmsg that follows the header of every nfnetlink message.</summary>
    public void PutNfGenMsg(byte family, ushort resourceId = 0, byte version = 0)
    {
        var span = Reserve(4);
        span[0] = family;
        span[1] = version; // NFNETLINK_V0, or V1 where the family is to be honoured (filtered flush)
        BinaryPrimitives.WriteUInt16BigEndian(span[2..], resourceId);
    }

    /// <summary>Completes the current message: sets its length and sequence number.</summary>
    public void EndMessage(uint sequence)
    {
        if (_messageStart < 0) throw new InvalidOperationException("No message was begun.");
        var header = _buffer.AsSpan(_messageStart, HeaderLength);
        BinaryPrimitives.WriteUInt32LittleEndian(header, (uint)(_length - _messageStart));
        BinaryPrimitives.WriteUInt32LittleEndian(header[8..], sequence);
        _messageStart = -1;
    }

    internal void SetFlags(ushort flags)
    {
        if (_messageStart < 0) throw new InvalidOperationException("No message was begun.");
        BinaryPrimitives.WriteUInt16LittleEndian(_buffer.AsSpan(_messageStart + 6), flags);
    }

    public void PutU8(ushort type, byte value) => PutAttribute(type, 1)[0] = value;

    public void PutU16BE(ushort type, ushort value) =>
        BinaryPrimitives.WriteUInt16BigEndian(PutAttribute(type, 2), value);

    public void PutU32BE(ushort type, uint value) =>
        BinaryPrimitives.WriteUInt32BigEndian(PutAttribute(type, 4), value);

    /// <summary>A host-order u32: the few netfilter attributes read with nla_get_u32 (CTA_FILTER's flags).</summary>
    public void PutU32(ushort type, uint value) =>
        BinaryPrimitives.WriteUInt32LittleEndian(PutAttribute(type, 4), value);

    public void PutU64BE(ushort type, ulong value) =>
        BinaryPrimitives.WriteUInt64BigEndian(PutAttribute(type, 8), value);

    public void PutBytes(ushort type, ReadOnlySpan<byte> value) => value.CopyTo(PutAttribute(type, value.Length));

    /// <summary>A NUL-terminated string, as the kernel's NLA_NUL_STRING policy wants.</summary>
    public void PutString(ushort type, string value)
    {
        var count = Encoding.UTF8.GetByteCount(value);
        var span = PutAttribute(type, count + 1);
        Encoding.UTF8.GetBytes(value, span);
        span[count] = 0;
    }

    /// <summary>An address in network byte order (4 bytes for IPv4, 16 for IPv6).</summary>
    public void PutAddress(ushort type, IPAddress address)
    {
        var span = PutAttribute(type, address.AddressFamily == AddressFamily.InterNetworkV6 ? 16 : 4);
        if (!address.TryWriteBytes(span, out _)) throw new ArgumentException("Address does not fit its family.", nameof(address));
    }

    /// <summary>Starts a nested attribute; pass the returned offset to <see cref="EndNested"/>.</summary>
    public int BeginNested(ushort type)
    {
        var start = _length;
        var span = Reserve(4);
        BinaryPrimitives.WriteUInt16LittleEndian(span[2..], (ushort)(type | NlaFNested));
        return start;
    }

    public void EndNested(int start) =>
        BinaryPrimitives.WriteUInt16LittleEndian(_buffer.AsSpan(start), (ushort)(_length - start));

    private Span<byte> PutAttribute(ushort type, int payloadLength)
    {
        var total = 4 + payloadLength;
        var span = Reserve(Align(total));
        BinaryPrimitives.WriteUInt16LittleEndian(span, (ushort)total);
        BinaryPrimitives.WriteUInt16LittleEndian(span[2..], type);
        span[total..].Clear();
        return span.Slice(4, payloadLength);
    }

    private Span<byte> Reserve(int count)
    {
        if (_length + count > _buffer.Length)
            Array.Resize(ref _buffer, Math.Max(_buffer.Length * 2, _length + count));
        var span = _buffer.AsSpan(_length, count);
        _length += count;
        return span;
    }

    internal static int Align(int length) => (length + 3) & ~3;
}
