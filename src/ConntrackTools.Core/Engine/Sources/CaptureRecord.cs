namespace ConntrackTools.Engine;

/// <summary>
/// One packet read by <see cref="CaptureFileReader"/>. <see cref="Data"/> points into the reader's
/// buffer and is valid until the next read.
/// </summary>
public readonly ref struct CaptureRecord
{
    internal CaptureRecord(long number, long offset, long timestampNs, LinkType linkType, int originalLength, int interfaceId, ReadOnlySpan<byte> data)
    {
        Number = number;
        Offset = offset;
        TimestampNs = timestampNs;
        LinkType = linkType;
        OriginalLength = originalLength;
        InterfaceId = interfaceId;
        Data = data;
    }

    /// <summary>The packet's 1-based number in the file (tshark's frame.number).</summary>
    public long Number { get; }

    /// <summary>The file offset of the packet's record header or block.</summary>
    public long Offset { get; }

    /// <summary>When it was captured, in nanoseconds since the Unix epoch.</summary>
    public long TimestampNs { get; }

    /// <summary>The link layer of <see cref="Data"/>.</summary>
    public LinkType LinkType { get; }

    /// <summary>The packet's length on the wire; more than <see cref="Data"/>'s when the snapshot length cut it.</summary>
    public int OriginalLength { get; }

    /// <summary>The pcapng interface the packet came from (0 in classic pcap).</summary>
    public int InterfaceId { get; }

    /// <summary>The captured bytes.</summary>
    public ReadOnlySpan<byte> Data { get; }
}
