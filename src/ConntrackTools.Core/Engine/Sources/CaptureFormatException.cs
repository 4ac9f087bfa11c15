namespace ConntrackTools.Engine;

/// <summary>
/// A capture file that cannot be read on: truncated, corrupt, or not a capture. Thrown only when
/// the damage is reached, so every packet before it has been returned.
/// </summary>
public class CaptureFormatException : IOException
{
    public CaptureFormatException()
    {
    }

    public CaptureFormatException(string message) : base(message)
    {
    }

    public CaptureFormatException(string message, Exception innerException) : base(message, innerException)
    {
    }

    public CaptureFormatException(string? path, long packetNumber, long offset, string message, Exception? innerException = null)
        : base(message, innerException)
    {
        Path = path;
        PacketNumber = packetNumber;
        Offset = offset;
    }

    /// <summary>The capture's path, or the name given for a stream.</summary>
    public string? Path { get; }

    /// <summary>The 1-based number of the packet being read when the damage was found (0: the file header).</summary>
    public long PacketNumber { get; }

    /// <summary>The file offset of the record or block where the damage is.</summary>
    public long Offset { get; }
}

/// <summary>A capture whose packets are of a link type the engine does not parse.</summary>
public sealed class UnsupportedLinkTypeException : CaptureFormatException
{
    public UnsupportedLinkTypeException()
    {
    }

    public UnsupportedLinkTypeException(string message) : base(message)
    {
    }

    public UnsupportedLinkTypeException(string message, Exception innerException) : base(message, innerException)
    {
    }

    public UnsupportedLinkTypeException(string? path, long packetNumber, long offset, int linkType, string message)
        : base(path, packetNumber, offset, message)
    {
        LinkTypeValue = linkType;
    }

    /// <summary>The file's LINKTYPE_ value.</summary>
    public int LinkTypeValue { get; }
}
