namespace ConntrackTools.Kernel.Netlink;

/// <summary>
/// An error reported by the kernel (an NLMSG_ERROR with a negative errno, or a failed system call),
/// with the extended-ack text when the kernel gave one.
/// </summary>
public sealed class NetlinkException : Exception
{
    public NetlinkException(int errno, string operation, string? extendedAck = null)
        : base(Compose(errno, operation, extendedAck))
    {
        Errno = errno;
        Operation = operation;
        ExtendedAck = extendedAck;
    }

    /// <summary>The positive errno value (EPERM = 1, ENOENT = 2, ...).</summary>
    public int Errno { get; }

    /// <summary>What was being done, e.g. "dump conntrack table".</summary>
    public string Operation { get; }

    /// <summary>The kernel's extended-ack message (NLMSGERR_ATTR_MSG), when it sent one.</summary>
    public string? ExtendedAck { get; }

    /// <summary>The symbolic name of <see cref="Errno"/>, e.g. "EPERM".</summary>
    public string ErrnoName => Native.ErrnoName(Errno);

    private static string Compose(int errno, string operation, string? extAck)
    {
        var text = $"{operation}: {Native.ErrnoText(errno)} ({Native.ErrnoName(errno)})";
        if (!string.IsNullOrEmpty(extAck)) text += $": {extAck}";
        return text;
    }
}
