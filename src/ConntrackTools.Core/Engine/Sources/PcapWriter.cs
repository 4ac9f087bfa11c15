using System.Buffers.Binary;

namespace ConntrackTools.Engine;

/// <summary>
/// Writes a classic pcap file with nanosecond timestamps (magic a1b23c4d, little-endian), as
/// tcpdump --time-stamp-precision=nano does: for tests, the benchmark's synthetic captures and the
/// example captures.
/// </summary>
public sealed class PcapWriter : IDisposable
{
    /// <summary>tcpdump's default snapshot length.</summary>
    public const int DefaultSnapLength = 262144;

    private const long NanosecondsPerSecond = 1_000_000_000;

    private readonly Stream _stream;
    private readonly BufferedStream _buffered;
    private readonly bool _leaveOpen;
    private readonly byte[] _recordHeader = new byte[16];
    private bool _disposed;

    /// <summary>Creates (or overwrites) a capture file.</summary>
    public PcapWriter(string path, LinkType linkType, int snapLength = DefaultSnapLength)
        : this(new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.Read, 1), linkType, snapLength, leaveOpen: false)
    {
    }

    /// <summary>Writes a capture to a stream.</summary>
    public PcapWriter(Stream stream, LinkType linkType, int snapLength = DefaultSnapLength, bool leaveOpen = false)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(snapLength);
        _stream = stream;
        _leaveOpen = leaveOpen;
        _buffered = new BufferedStream(stream, 1 << 16);
        LinkType = linkType;
        SnapLength = snapLength;

        Span<byte> header = stackalloc byte[24];
        BinaryPrimitives.WriteUInt32LittleEndian(header, 0xA1B23C4D);
        BinaryPrimitives.WriteUInt16LittleEndian(header[4..], 2);
        BinaryPrimitives.WriteUInt16LittleEndian(header[6..], 4);
        BinaryPrimitives.WriteInt32LittleEndian(header[8..], 0);   // thiszone
        BinaryPrimitives.WriteUInt32LittleEndian(header[12..], 0); // sigfigs
        BinaryPrimitives.WriteInt32LittleEndian(header[16..], snapLength);
        BinaryPrimitives.WriteUInt32LittleEndian(header[20..], (uint)linkType);
        _buffered.Write(header);
    }

    public LinkType LinkType { get; }

    public int SnapLength { get; }

    /// <summary>Packets written so far.</summary>
    public long PacketsWritten { get; private set; }

    /// <summary>Writes a whole frame captured at <paramref name="timestampNs"/> (nanoseconds since the Unix epoch).</summary>
    public void Write(long timestampNs, ReadOnlySpan<byte> frame) => Write(timestampNs, frame, frame.Length);

    /// <summary>
    /// Writes a frame whose wire length was <paramref name="originalLength"/>; at most
    /// <see cref="SnapLength"/> bytes of it are kept, as a capture with that snapshot length would.
    /// </summary>
    public void Write(long timestampNs, ReadOnlySpan<byte> frame, int originalLength)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        ArgumentOutOfRangeException.ThrowIfNegative(timestampNs);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(timestampNs / NanosecondsPerSecond, uint.MaxValue, nameof(timestampNs));
        ArgumentOutOfRangeException.ThrowIfLessThan(originalLength, frame.Length);
        var captured = Math.Min(frame.Length, SnapLength);
        BinaryPrimitives.WriteUInt32LittleEndian(_recordHeader, (uint)(timestampNs / NanosecondsPerSecond));
        BinaryPrimitives.WriteUInt32LittleEndian(_recordHeader.AsSpan(4), (uint)(timestampNs % NanosecondsPerSecond));
        BinaryPrimitives.WriteInt32LittleEndian(_recordHeader.AsSpan(8), captured);
        BinaryPrimitives.WriteInt32LittleEndian(_recordHeader.AsSpan(12), originalLength);
        _buffered.Write(_recordHeader);
        _buffered.Write(frame[..captured]);
        PacketsWritten++;
    }

    public void Flush() => _buffered.Flush();

    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        _buffered.Flush();
        if (!_leaveOpen) _stream.Dispose();
    }
}
