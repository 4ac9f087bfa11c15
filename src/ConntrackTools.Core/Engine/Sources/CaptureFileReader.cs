using System.Buffers.Binary;

namespace ConntrackTools.Engine;

/// <summary>The two capture file formats <see cref="CaptureFileReader"/> reads.</summary>
public enum CaptureFileFormat
{
    /// <summary>Classic libpcap (pcap-savefile(5)), microsecond or nanosecond timestamps.</summary>
    Pcap,
    /// <summary>pcapng (draft-ietf-opsawg-pcapng).</summary>
    PcapNg,
}

/// <summary>
/// Reads packets from a classic pcap or a pcapng capture, in either byte order, through one large
/// buffer: a packet's bytes are a span into that buffer, so reading allocates nothing per packet.
/// Damage (truncation, impossible lengths) throws <see cref="CaptureFormatException"/> when it is
/// reached, after every good packet before it has been returned.
/// </summary>
public sealed class CaptureFileReader : IDisposable
{
    private const int BufferSize = 1 << 20;
    private const long NanosecondsPerSecond = 1_000_000_000;

    // Classic pcap magics as read little-endian: a file written big-endian reads reversed.
    private const uint PcapMicroseconds = 0xA1B2C3D4;
    private const uint PcapNanoseconds = 0xA1B23C4D;
    private const uint PcapMicrosecondsSwapped = 0xD4C3B2A1;
    private const uint PcapNanosecondsSwapped = 0x4D3CB2A1;

    // pcapng block types
    private const uint SectionHeaderBlock = 0x0A0D0D0A;
    private const uint InterfaceDescriptionBlock = 1;
    private const uint ObsoletePacketBlock = 2;
    private const uint SimplePacketBlock = 3;
    private const uint EnhancedPacketBlock = 6;
    private const uint ByteOrderMagic = 0x1A2B3C4D;
    private const uint MaxBlockLength = 64 << 20;

    private readonly Stream _stream;
    private readonly bool _leaveOpen;
    private byte[] _buffer = new byte[BufferSize];
    private int _start;
    private int _end;
    private long _bufferOffset;
    private bool _endOfStream;
    private bool _bigEndian;
    private long _number;
    private long _lastTimestampNs;

    // classic pcap
    private bool _nanoseconds;
    private int _linkType;
    private uint _maxCapturedLength;

    // pcapng: the current section's interfaces
    private readonly List<Interface> _interfaces = [];

    /// <summary>Opens a capture file.</summary>
    public static CaptureFileReader Open(string path) => new(path);

    /// <summary>Opens a capture file.</summary>
    public CaptureFileReader(string path)
        : this(new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1, FileOptions.SequentialScan), path, leaveOpen: false)
    {
    }

    /// <summary>Reads a capture from a stream; <paramref name="name"/> names it in error messages.</summary>
    public CaptureFileReader(Stream stream, string? name = null, bool leaveOpen = false)
    {
        ArgumentNullException.ThrowIfNull(stream);
        _stream = stream;
        _leaveOpen = leaveOpen;
        Path = name;
        try
        {
            Format = ReadFileHeader();
        }
        catch
        {
            if (!leaveOpen) stream.Dispose();
            throw;
        }
    }

    /// <summary>The capture's path, or the name given for a stream.</summary>
    public string? Path { get; }

    /// <summary>Classic pcap or pcapng.</summary>
    public CaptureFileFormat Format { get; }

    /// <summary>The number of the last packet returned (0 before the first).</summary>
    public long PacketsRead => _number;

    private string Name => Path ?? "stream";

    private int Available => _end - _start;

    private long Position => _bufferOffset + _start;

    /// <summary>Reads the next packet; false at the end of the capture. The record's bytes are valid until the next call.</summary>
    public bool TryRead(out CaptureRecord record) =>
        Format == CaptureFileFormat.Pcap ? TryReadPcap(out record) : TryReadPcapNg(out record);

    public void Dispose()
    {
        if (!_leaveOpen) _stream.Dispose();
    }

    private CaptureFileFormat ReadFileHeader()
    {
        if (!Ensure(4)) throw new CaptureFormatException(Path, 0, 0, $"capture {Name} is too short to be a pcap or pcapng file ({Available} bytes)");
        var magic = BinaryPrimitives.ReadUInt32LittleEndian(_buffer);
        if (magic == SectionHeaderBlock) return CaptureFileFormat.PcapNg;

        switch (magic)
        {
            case PcapMicroseconds: break;
            case PcapNanoseconds: _nanoseconds = true; break;
            case PcapMicrosecondsSwapped: _bigEndian = true; break;
            case PcapNanosecondsSwapped: _bigEndian = true; _nanoseconds = true; break;
            default: throw new CaptureFormatException(Path, 0, 0, $"capture {Name} is not a pcap or pcapng file (magic 0x{magic:x8})");
        }
        if (!Ensure(24)) throw new CaptureFormatException(Path, 0, 0, $"capture {Name} is truncated in its file header: 24 bytes needed, {Available} present");
        var header = _buffer.AsSpan(0, 24);
        var major = U16(header[4..]);
        if (major != 2) throw new CaptureFormatException(Path, 0, 0, $"capture {Name} has pcap version {major}.{U16(header[6..])}; only 2.x is read");
        var snapLength = U32(header[16..]);
        // The link type is in the low bits; the top bits may describe an FCS (LT_LINKTYPE).
        _linkType = (int)(U32(header[20..]) & 0x03FFFFFF);
        // libpcap's bound is 256 KiB for most link types; a longer record means a corrupt length.
        _maxCapturedLength = Math.Max(Math.Min(snapLength, 64u << 20), 262144u);
        _start = 24;
        return CaptureFileFormat.Pcap;
    }

    private bool TryReadPcap(out CaptureRecord record)
    {
        record = default;
        var offset = Position;
        if (!Ensure(16))
        {
            if (Available == 0) return false;
            throw Truncated(offset, $"the record header needs 16 bytes, {Available} remain");
        }
        var header = _buffer.AsSpan(_start, 16);
        var seconds = U32(header);
        var fraction = U32(header[4..]);
        var captured = U32(header[8..]);
        var original = U32(header[12..]);
        if (captured > _maxCapturedLength)
            throw Corrupt(offset, $"captured length {captured} is beyond any snapshot length ({_maxCapturedLength})");
        if (!Ensure(16 + (int)captured))
            throw Truncated(offset, $"the packet has {captured} captured bytes, {Math.Max(0, Available - 16)} remain");
        if (!LinkTypes.IsSupported(_linkType)) throw Unsupported(offset, _linkType);

        var timestamp = seconds * NanosecondsPerSecond + (_nanoseconds ? fraction : fraction * 1000L);
        _lastTimestampNs = timestamp;
        record = new CaptureRecord(++_number, offset, timestamp, (LinkType)_linkType, (int)Math.Min(original, int.MaxValue), 0,
            _buffer.AsSpan(_start + 16, (int)captured));
        _start += 16 + (int)captured;
        return true;
    }

    private bool TryReadPcapNg(out CaptureRecord record)
    {
        record = default;
        while (true)
        {
            var offset = Position;
            if (!Ensure(8))
            {
                if (Available == 0) return false;
                throw Truncated(offset, $"the block header needs 8 bytes, {Available} remain");
            }
            var type = U32(_buffer.AsSpan(_start));
            if (type == SectionHeaderBlock)
            {
                // The section's byte order comes from its byte-order magic (the type is a palindrome).
                if (!Ensure(12)) throw Truncated(offset, $"the section header needs 12 bytes, {Available} remain");
                var magic = BinaryPrimitives.ReadUInt32LittleEndian(_buffer.AsSpan(_start + 8));
                if (magic == ByteOrderMagic) _bigEndian = false;
                else if (magic == BinaryPrimitives.ReverseEndianness(ByteOrderMagic)) _bigEndian = true;
                else throw Corrupt(offset, $"section header with byte-order magic 0x{magic:x8}");
            }
            var length = U32(_buffer.AsSpan(_start + 4));
            if (length < 12 || length % 4 != 0 || length > MaxBlockLength)
                throw Corrupt(offset, $"block of type 0x{type:x} has length {length}");
            if (!Ensure((int)length))
                throw Truncated(offset, $"the block of type 0x{type:x} is {length} bytes long, {Available} remain");
            var block = _buffer.AsSpan(_start, (int)length);
            var trailer = U32(block[^4..]);
            if (trailer != length)
                throw Corrupt(offset, $"block of type 0x{type:x} ends with length {trailer}, not {length}");
            var body = block[8..^4];
            _start += (int)length;

            switch (type)
            {
                case SectionHeaderBlock:
                    ReadSectionHeader(body, offset);
                    break;
                case InterfaceDescriptionBlock:
                    ReadInterface(body, offset);
                    break;
                case EnhancedPacketBlock:
                    if (body.Length < 20) throw Corrupt(offset, "enhanced packet block shorter than its fixed fields");
                    record = PacketRecord(offset, (int)U32(body), ((ulong)U32(body[4..]) << 32) | U32(body[8..]),
                        U32(body[12..]), U32(body[16..]), body[20..]);
                    return true;
                case ObsoletePacketBlock:
                    if (body.Length < 20) throw Corrupt(offset, "packet block shorter than its fixed fields");
                    record = PacketRecord(offset, U16(body), ((ulong)U32(body[4..]) << 32) | U32(body[8..]),
                        U32(body[12..]), U32(body[16..]), body[20..]);
                    return true;
                case SimplePacketBlock:
                    if (body.Length < 4) throw Corrupt(offset, "simple packet block shorter than its fixed fields");
                    record = SimplePacketRecord(offset, U32(body), body[4..]);
                    return true;
                default:
                    break; // name resolution, statistics, decryption secrets, custom blocks: not ours
            }
        }
    }

    private void ReadSectionHeader(ReadOnlySpan<byte> body, long offset)
    {
        if (body.Length < 16) throw Corrupt(offset, "section header shorter than its fixed fields");
        var major = U16(body[4..]);
        if (major != 1) throw Corrupt(offset, $"section header of pcapng version {major}.{U16(body[6..])}; only 1.x is read");
        _interfaces.Clear(); // interface ids are per section
    }

    private void ReadInterface(ReadOnlySpan<byte> body, long offset)
    {
        if (body.Length < 8) throw Corrupt(offset, "interface description shorter than its fixed fields");
        var linkType = U16(body);
        var snapLength = U32(body[4..]);
        byte resolution = 6;
        long offsetSeconds = 0;
        var options = body[8..];
        while (options.Length >= 4)
        {
            var code = U16(options);
            int optionLength = U16(options[2..]);
            if (code == 0) break; // opt_endofopt
            if (4 + optionLength > options.Length)
                throw Corrupt(offset, $"interface description option {code} of {optionLength} bytes overruns its block");
            var value = options.Slice(4, optionLength);
            if (code == 9 && optionLength >= 1) resolution = value[0]; // if_tsresol
            else if (code == 14 && optionLength >= 8) offsetSeconds = (long)(_bigEndian ? BinaryPrimitives.ReadUInt64BigEndian(value) : BinaryPrimitives.ReadUInt64LittleEndian(value)); // if_tsoffset
            options = options[Math.Min(options.Length, 4 + ((optionLength + 3) & ~3))..];
        }

        var face = new Interface { LinkType = linkType, SnapLength = snapLength, OffsetNs = offsetSeconds * NanosecondsPerSecond, Shift = -1, Multiplier = 1, Divisor = 1 };
        if ((resolution & 0x80) != 0)
        {
            // A power of two: 2^-n seconds.
            face.Shift = resolution & 0x7F;
            if (face.Shift > 63) throw Corrupt(offset, $"interface time resolution 2^-{face.Shift}");
        }
        else if (resolution <= 9)
        {
            face.Multiplier = Pow10(9 - resolution);
        }
        else if (resolution <= 19)
        {
            face.Divisor = Pow10(resolution - 9);
        }
        else
        {
            throw Corrupt(offset, $"interface time resolution 10^-{resolution}");
        }
        _interfaces.Add(face);
    }

    private CaptureRecord PacketRecord(long offset, int interfaceId, ulong timestamp, uint captured, uint original, ReadOnlySpan<byte> data)
    {
        if ((uint)interfaceId >= (uint)_interfaces.Count)
            throw Corrupt(offset, $"packet on interface {interfaceId}, but the section describes {_interfaces.Count}");
        if (captured > data.Length)
            throw Corrupt(offset, $"captured length {captured} is beyond its block's {data.Length} bytes");
        var face = _interfaces[interfaceId];
        if (!LinkTypes.IsSupported(face.LinkType)) throw Unsupported(offset, face.LinkType);
        var nanoseconds = face.Shift >= 0
            ? (ulong)(((UInt128)timestamp * NanosecondsPerSecond) >> face.Shift)
            : face.Divisor > 1 ? timestamp / face.Divisor : timestamp * face.Multiplier;
        var timestampNs = (long)nanoseconds + face.OffsetNs;
        _lastTimestampNs = timestampNs;
        return new CaptureRecord(++_number, offset, timestampNs, (LinkType)face.LinkType, (int)Math.Min(original, int.MaxValue), interfaceId,
            data[..(int)captured]);
    }

    /// <summary>A simple packet block: interface 0, no timestamp (the previous packet's is given), captured length implied.</summary>
    private CaptureRecord SimplePacketRecord(long offset, uint original, ReadOnlySpan<byte> data)
    {
        if (_interfaces.Count == 0) throw Corrupt(offset, "simple packet block before any interface description");
        var face = _interfaces[0];
        if (!LinkTypes.IsSupported(face.LinkType)) throw Unsupported(offset, face.LinkType);
        var captured = (int)Math.Min(original, (uint)data.Length);
        if (face.SnapLength != 0) captured = (int)Math.Min((uint)captured, face.SnapLength);
        return new CaptureRecord(++_number, offset, _lastTimestampNs, (LinkType)face.LinkType, (int)Math.Min(original, int.MaxValue), 0,
            data[..captured]);
    }

    /// <summary>Makes <paramref name="count"/> bytes from the current position available in the buffer; false at the end of the stream.</summary>
    private bool Ensure(int count)
    {
        if (_end - _start >= count) return true;
        if (_endOfStream) return false;
        if (_start > 0)
        {
            Buffer.BlockCopy(_buffer, _start, _buffer, 0, _end - _start);
            _bufferOffset += _start;
            _end -= _start;
            _start = 0;
        }
        if (count > _buffer.Length) Array.Resize(ref _buffer, Math.Max(count, _buffer.Length * 2));
        while (_end < count)
        {
            var read = _stream.Read(_buffer, _end, _buffer.Length - _end);
            if (read == 0)
            {
                _endOfStream = true;
                return false;
            }
            _end += read;
        }
        return true;
    }

    private ushort U16(ReadOnlySpan<byte> span) =>
        _bigEndian ? BinaryPrimitives.ReadUInt16BigEndian(span) : BinaryPrimitives.ReadUInt16LittleEndian(span);

    private uint U32(ReadOnlySpan<byte> span) =>
        _bigEndian ? BinaryPrimitives.ReadUInt32BigEndian(span) : BinaryPrimitives.ReadUInt32LittleEndian(span);

    private static ulong Pow10(int exponent)
    {
        ulong value = 1;
        for (var i = 0; i < exponent; i++) value *= 10;
        return value;
    }

    private CaptureFormatException Truncated(long offset, string detail) =>
        new(Path, _number + 1, offset, $"capture {Name} is truncated in packet {_number + 1} at offset {offset}: {detail}");

    private CaptureFormatException Corrupt(long offset, string detail) =>
        new(Path, _number + 1, offset, $"capture {Name} is corrupt in packet {_number + 1} at offset {offset}: {detail}");

    private UnsupportedLinkTypeException Unsupported(long offset, int linkType) =>
        new(Path, _number + 1, offset, linkType,
            $"capture {Name} packet {_number + 1} (offset {offset}) has {LinkTypes.Describe(linkType)}, which the engine does not read; " +
            "it reads Ethernet, Linux cooked (SLL, SLL2), raw IP, IPv4, IPv6 and BSD loopback captures");

    /// <summary>A pcapng interface description: link type and how to turn its timestamps into nanoseconds.</summary>
    private struct Interface
    {
        public int LinkType;
        public uint SnapLength;
        public long OffsetNs;
        /// <summary>For a 2^-n resolution, n; -1 for a decimal one.</summary>
        public int Shift;
        public ulong Multiplier;
        public ulong Divisor;
    }
}
