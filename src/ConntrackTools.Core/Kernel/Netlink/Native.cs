using System.Runtime.InteropServices;

namespace ConntrackTools.Kernel.Netlink;

/// <summary>The few libc calls .NET does not expose for AF_NETLINK sockets and network namespaces.</summary>
internal static partial class Native
{
    internal const int AF_NETLINK = 16;
    internal const int SOCK_RAW = 3;
    internal const int SOCK_CLOEXEC = 0x80000;
    internal const int NETLINK_NETFILTER = 12;

    internal const int SOL_SOCKET = 1;
    internal const int SO_SNDBUF = 7;
    internal const int SO_RCVBUF = 8;
    internal const int SO_RCVBUFFORCE = 33;
    internal const int SO_MEMINFO = 55;
    internal const int SK_MEMINFO_DROPS = 8;
    internal const int SK_MEMINFO_VARS = 9;

    internal const int SOL_NETLINK = 270;
    internal const int NETLINK_ADD_MEMBERSHIP = 1;
    internal const int NETLINK_DROP_MEMBERSHIP = 2;
    internal const int NETLINK_NO_ENOBUFS = 5;
    internal const int NETLINK_CAP_ACK = 10;
    internal const int NETLINK_EXT_ACK = 11;

    internal const int O_RDONLY = 0;
    internal const int O_WRONLY = 1;
    internal const int O_CLOEXEC = 0x80000;
    internal const int CLONE_NEWNET = 0x40000000;

    internal const int EPERM = 1;
    internal const int ENOENT = 2;
    internal const int EINTR = 4;
    internal const int EIO = 5;
    internal const int EBADF = 9;
    internal const int EAGAIN = 11;
    internal const int ENOMEM = 12;
    internal const int EACCES = 13;
    internal const int EFAULT = 14;
    internal const int EBUSY = 16;
    internal const int EEXIST = 17;
    internal const int ENOTDIR = 20;
    internal const int EISDIR = 21;
    internal const int EINVAL = 22;
    internal const int ENOSPC = 28;
    internal const int EROFS = 30;
    internal const int ERANGE = 34;
    internal const int ENOBUFS = 105;
    internal const int EOPNOTSUPP = 95;
    internal const int EAFNOSUPPORT = 97;
    internal const int EPROTONOSUPPORT = 93;
    internal const int ETIMEDOUT = 110;

    [StructLayout(LayoutKind.Sequential)]
    internal struct SockaddrNl
    {
        public ushort Family;
        public ushort Pad;
        public uint PortId;
        public uint Groups;
    }

    [LibraryImport("libc", EntryPoint = "socket", SetLastError = true)]
    internal static partial int Socket(int domain, int type, int protocol);

    [LibraryImport("libc", EntryPoint = "bind", SetLastError = true)]
    internal static partial int Bind(int fd, ref SockaddrNl addr, int addrlen);

    [LibraryImport("libc", EntryPoint = "getsockname", SetLastError = true)]
    internal static partial int GetSockName(int fd, ref SockaddrNl addr, ref int addrlen);

    [LibraryImport("libc", EntryPoint = "setsockopt", SetLastError = true)]
    internal static partial int SetSockOpt(int fd, int level, int optname, ref int value, int optlen);

    [LibraryImport("libc", EntryPoint = "getsockopt", SetLastError = true)]
    internal static partial int GetSockOpt(int fd, int level, int optname, ref int value, ref int optlen);

    [LibraryImport("libc", EntryPoint = "getsockopt", SetLastError = true)]
    internal static partial int GetSockOpt(int fd, int level, int optname, Span<uint> value, ref int optlen);

    internal const int MSG_DONTWAIT = 0x40;
    internal const int MSG_TRUNC = 0x20;
    internal const short POLLIN = 0x1;

    [StructLayout(LayoutKind.Sequential)]
    internal struct IoVec
    {
        public IntPtr Base;
        public nuint Length;
    }

    /// <summary>struct mmsghdr: a struct msghdr and the length received.</summary>
    [StructLayout(LayoutKind.Sequential)]
    internal struct MMsgHdr
    {
        public IntPtr Name;
        public uint NameLength;
        public IntPtr Iov;
        public nuint IovLength;
        public IntPtr Control;
        public nuint ControlLength;
        public int Flags;
        private readonly int _pad; // struct msghdr ends 8-aligned before msg_len
        public uint Length;
    }

    [StructLayout(LayoutKind.Sequential)]
    internal struct PollFd
    {
        public int Fd;
        public short Events;
        public short Revents;
    }

    [LibraryImport("libc", EntryPoint = "recvmmsg", SetLastError = true)]
    internal static unsafe partial int RecvMMsg(int fd, MMsgHdr* messages, uint count, int flags, IntPtr timeout);

    [LibraryImport("libc", EntryPoint = "poll", SetLastError = true)]
    internal static unsafe partial int Poll(PollFd* fds, nuint count, int timeoutMs);

    [LibraryImport("libc", EntryPoint = "setns", SetLastError = true)]
    internal static partial int SetNs(int fd, int nstype);

    [LibraryImport("libc", EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int Open(string path, int flags);

    [LibraryImport("libc", EntryPoint = "close", SetLastError = true)]
    internal static partial int Close(int fd);

    [LibraryImport("libc", EntryPoint = "read", SetLastError = true)]
    internal static unsafe partial nint Read(int fd, byte* buffer, nuint count);

    [LibraryImport("libc", EntryPoint = "write", SetLastError = true)]
    internal static unsafe partial nint Write(int fd, byte* buffer, nuint count);

    [LibraryImport("libc", EntryPoint = "strerror")]
    private static partial IntPtr StrError(int errnum);

    /// <summary>The C library's text for an errno, e.g. "Operation not permitted".</summary>
    internal static string ErrnoText(int errno) =>
        Marshal.PtrToStringUTF8(StrError(errno)) ?? $"errno {errno}";

    /// <summary>The kernel's symbolic errno name, as tools such as conntrack print them.</summary>
    internal static string ErrnoName(int errno) => errno switch
    {
        EPERM => "EPERM", ENOENT => "ENOENT", EINTR => "EINTR", EBADF => "EBADF", EAGAIN => "EAGAIN",
        ENOMEM => "ENOMEM", EACCES => "EACCES", EBUSY => "EBUSY", EEXIST => "EEXIST", EINVAL => "EINVAL",
        ENOSPC => "ENOSPC", ENOBUFS => "ENOBUFS", EOPNOTSUPP => "EOPNOTSUPP", EAFNOSUPPORT => "EAFNOSUPPORT",
        EPROTONOSUPPORT => "EPROTONOSUPPORT", ETIMEDOUT => "ETIMEDOUT", EIO => "EIO", EFAULT => "EFAULT",
        ENOTDIR => "ENOTDIR", EISDIR => "EISDIR", EROFS => "EROFS", ERANGE => "ERANGE", _ => $"errno {errno}",
    };
}
