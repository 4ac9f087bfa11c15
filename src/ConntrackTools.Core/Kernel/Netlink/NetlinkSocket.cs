using System.Buffers.Binary;
using System.Net.Sockets;
using System.Runtime.InteropServices;

namespace ConntrackTools.Kernel.Netlink;

/// <summary>A netlink message handed to a dump or event callback; valid only during the call.</summary>
public readonly ref struct NetlinkMessage
{
    public NetlinkMessage(ushort type, ushort flags, uint sequence, ReadOnlySpan<byte> payload)
    {
        Type = type;
        Flags = flags;
        Sequence = sequence;
        Payload = payload;
    }

    public ushort Type { get; }
    public ushort Flags { get; }
    public uint Sequence { get; }

    /// <summary>Everything after the nlmsghdr (for nfnetlink: nfgenmsg, then attributes).</summary>
    public ReadOnlySpan<byte> Payload { get; }

    /// <summary>For nfnetlink messages: the attributes after the 4-byte nfgenmsg.</summary>
    public AttributeReader NetfilterAttributes => new(Payload.Length >= 4 ? Payload[4..] : default);

    /// <summary>For nfnetlink messages: nfgenmsg's family.</summary>
    public byte NetfilterFamily => Payload.Length >= 1 ? Payload[0] : (byte)0;

    /// <summary>For nfnetlink messages: nfgenmsg's res_id (the CPU in per-CPU statistics).</summary>
    public ushort NetfilterResourceId => Payload.Length >= 4 ? BinaryPrimitives.ReadUInt16BigEndian(Payload[2..]) : (ushort)0;
}

public delegate void NetlinkMessageHandler(in NetlinkMessage message);

/// <summary>What a finished dump reports besides its messages.</summary>
public readonly record struct DumpResult(int Messages, bool Interrupted);

/// <summary>
/// A netlink socket made by P/Invoke and wrapped in <see cref="Socket"/> (which refuses to create
/// AF_NETLINK itself). Owns framing, sequence numbers, ACKs, multipart dumps and kernel errors; it
/// knows nothing of netfilter or conntrack.
/// </summary>
public sealed class NetlinkSocket : IDisposable
{
    public const ushort NLMSG_NOOP = 1;
    public const ushort NLMSG_ERROR = 2;
    public const ushort NLMSG_DONE = 3;
    public const ushort NLMSG_OVERRUN = 4;

    public const ushort NLM_F_REQUEST = 0x1;
    public const ushort NLM_F_MULTI = 0x2;
    public const ushort NLM_F_ACK = 0x4;
    public const ushort NLM_F_DUMP_INTR = 0x10;
    public const ushort NLM_F_DUMP_FILTERED = 0x20;
    public const ushort NLM_F_DUMP = 0x300;
    public const ushort NLM_F_REPLACE = 0x100;
    public const ushort NLM_F_EXCL = 0x200;
    public const ushort NLM_F_CREATE = 0x400;
    private const ushort NLM_F_CAPPED = 0x100;
    private const ushort NLM_F_ACK_TLVS = 0x200;
    private const ushort NLMSGERR_ATTR_MSG = 1;

    /// <summary>Big enough for any single datagram a dump sends (the kernel caps them at 32 KiB).</summary>
    private const int ReceiveChunk = 256 * 1024;

    private readonly Socket _socket;
    private readonly byte[] _receive = new byte[ReceiveChunk];
    private uint _sequence;

    private NetlinkSocket(Socket socket, uint portId)
    {
        _socket = socket;
        PortId = portId;
        _sequence = (uint)Environment.TickCount;
    }

    /// <summary>The port id the kernel assigned at bind.</summary>
    public uint PortId { get; }

    /// <summary>The underlying socket, for timed and asynchronous receives.</summary>
    public Socket Socket => _socket;

    /// <summary>
    /// Opens a socket of the given netlink protocol, inside <paramref name="netns"/> when one is given.
    /// </summary>
    public static NetlinkSocket Open(int protocol, NetworkNamespace? netns = null, int receiveBufferBytes = 4 << 20)
    {
        return netns is null ? Create(protocol, receiveBufferBytes) : netns.Run(() => Create(protocol, receiveBufferBytes));
    }

    private static NetlinkSocket Create(int protocol, int receiveBufferBytes)
    {
        var fd = Native.Socket(Native.AF_NETLINK, Native.SOCK_RAW | Native.SOCK_CLOEXEC, protocol);
        if (fd < 0) throw new NetlinkException(Marshal.GetLastPInvokeError(), "open netlink socket");
        try
        {
            SetOption(fd, Native.SOL_NETLINK, Native.NETLINK_EXT_ACK, 1, optional: true);
            SetOption(fd, Native.SOL_NETLINK, Native.NETLINK_CAP_ACK, 1, optional: true);
            var addr = new Native.SockaddrNl { Family = Native.AF_NETLINK };
            if (Native.Bind(fd, ref addr, Marshal.SizeOf<Native.SockaddrNl>()) < 0)
                throw new NetlinkException(Marshal.GetLastPInvokeError(), "bind netlink socket");
            var len = Marshal.SizeOf<Native.SockaddrNl>();
            if (Native.GetSockName(fd, ref addr, ref len) < 0)
                throw new NetlinkException(Marshal.GetLastPInvokeError(), "getsockname on netlink socket");
            var socket = new Socket(new SafeSocketHandle(fd, ownsHandle: true));
            var result = new NetlinkSocket(socket, addr.PortId);
            fd = -1;
            result.SetReceiveBuffer(receiveBufferBytes);
            return result;
        }
        finally
        {
            if (fd >= 0) Native.Close(fd);
        }
    }

    /// <summary>
    /// Sizes the receive buffer: SO_RCVBUFFORCE when privileged (past net.core.rmem_max), SO_RCVBUF
    /// otherwise. Returns the size the kernel granted (it doubles the request for bookkeeping).
    /// </summary>
    public int SetReceiveBuffer(int bytes)
    {
        var fd = (int)_socket.SafeHandle.DangerousGetHandle();
        if (!TrySetOption(fd, Native.SOL_SOCKET, Native.SO_RCVBUFFORCE, bytes))
            TrySetOption(fd, Native.SOL_SOCKET, Native.SO_RCVBUF, bytes);
        return ReceiveBufferSize;
    }

    /// <summary>The receive buffer the kernel granted, in bytes.</summary>
    public int ReceiveBufferSize
    {
        get
        {
            var fd = (int)_socket.SafeHandle.DangerousGetHandle();
            int value = 0, len = sizeof(int);
            return Native.GetSockOpt(fd, Native.SOL_SOCKET, Native.SO_RCVBUF, ref value, ref len) == 0 ? value : 0;
        }
    }

    /// <summary>
    /// Messages the kernel could not queue on this socket because its receive buffer was full
    /// (sk_drops, from SO_MEMINFO): for an event socket, the events lost. Null where the kernel
    /// does not report it.
    /// </summary>
    public long? Drops
    {
        get
        {
            var fd = (int)_socket.SafeHandle.DangerousGetHandle();
            Span<uint> info = stackalloc uint[16];
            var len = info.Length * sizeof(uint);
            if (Native.GetSockOpt(fd, Native.SOL_SOCKET, Native.SO_MEMINFO, info, ref len) != 0 || len <= Native.SK_MEMINFO_DROPS * sizeof(uint))
                return null;
            return info[Native.SK_MEMINFO_DROPS];
        }
    }

    /// <summary>Joins a multicast group (events), by group number.</summary>
    public void JoinGroup(int group) =>
        SetOption((int)_socket.SafeHandle.DangerousGetHandle(), Native.SOL_NETLINK, Native.NETLINK_ADD_MEMBERSHIP, group, optional: false);

    private static void SetOption(int fd, int level, int name, int value, bool optional)
    {
        if (!TrySetOption(fd, level, name, value) && !optional)
            throw new NetlinkException(Marshal.GetLastPInvokeError(), $"setsockopt({level}, {name})");
    }

    private static bool TrySetOption(int fd, int level, int name, int value) =>
        Native.SetSockOpt(fd, level, name, ref value, sizeof(int)) == 0;

    /// <summary>The next sequence number, to pass to <see cref="NetlinkWriter.EndMessage"/>.</summary>
    public uint NextSequence() => ++_sequence;

    /// <summary>Sends what the writer holds.</summary>
    public void Send(NetlinkWriter writer, string operation)
    {
        try
        {
            _socket.Send(writer.Written);
        }
        catch (SocketException ex)
        {
            throw new NetlinkException(ex.NativeErrorCode, operation);
        }
    }

    /// <summary>
    /// Sends a request that was built with NLM_F_ACK and waits for its acknowledgement; a negative
    /// errno from the kernel becomes a <see cref="NetlinkException"/> with the extended-ack text.
    /// Replies that come before the ACK (NLM_F_ECHO, GET answers) go to <paramref name="onReply"/>.
    /// </summary>
    public void Execute(NetlinkWriter request, uint sequence, string operation, NetlinkMessageHandler? onReply = null)
    {
        Send(request, operation);
        ReceiveUntilDone(sequence, operation, onReply, dump: false);
    }

    /// <summary>
    /// Sends a dump request and hands every message of the multipart answer to <paramref name="onMessage"/>
    /// until NLMSG_DONE. Notices NLM_F_DUMP_INTR (the table changed under the dump).
    /// </summary>
    public DumpResult Dump(NetlinkWriter request, uint sequence, string operation, NetlinkMessageHandler onMessage, CancellationToken cancel = default)
    {
        Send(request, operation);
        return ReceiveUntilDone(sequence, operation, onMessage, dump: true, cancel);
    }

    private DumpResult ReceiveUntilDone(uint sequence, string operation, NetlinkMessageHandler? handler, bool dump, CancellationToken cancel = default)
    {
        var count = 0;
        var interrupted = false;
        while (true)
        {
            cancel.ThrowIfCancellationRequested();
            int received;
            try
            {
                received = _socket.Receive(_receive);
            }
            catch (SocketException ex)
            {
                throw new NetlinkException(ex.NativeErrorCode, operation);
            }
            ReadOnlySpan<byte> data = _receive.AsSpan(0, received);
            while (NextMessage(ref data, operation, out var type, out var flags, out var seq, out var payload))
            {
                if (seq != sequence) continue; // a late answer to an earlier request, or an event
                if ((flags & NLM_F_DUMP_INTR) != 0) interrupted = true;
                switch (type)
                {
                    case NLMSG_NOOP:
                        continue;
                    case NLMSG_ERROR:
                        {
                            var errno = ParseError(payload, flags, out var extAck);
                            if (errno != 0) throw new NetlinkException(errno, operation, extAck);
                            if (!dump) return new DumpResult(count, interrupted); // the ACK
                            continue;
                        }
                    case NLMSG_DONE:
                        {
                            var errno = payload.Length >= 4 ? -BinaryPrimitives.ReadInt32LittleEndian(payload) : 0;
                            if (errno > 0) throw new NetlinkException(errno, operation, ParseDoneExtAck(payload, flags));
                            return new DumpResult(count, interrupted);
                        }
                    case NLMSG_OVERRUN:
                        throw new NetlinkException(Native.ENOBUFS, operation, "netlink overrun");
                }
                count++;
                handler?.Invoke(new NetlinkMessage(type, flags, seq, payload));
            }
        }
    }

    private const int BatchSlots = 64;
    private const int SlotBytes = 32 * 1024; // above NLMSG_GOODSIZE: no event message is cut
    private byte[]? _batch;

    /// <summary>
    /// Receives the multicast datagrams (events) that are waiting, up to 64 in one recvmmsg call,
    /// and hands each message to <paramref name="onMessage"/>. Waits up to
    /// <paramref name="timeoutMs"/> for the first; returns false when none came. A full receive
    /// buffer (the kernel dropped messages) throws <see cref="NetlinkException"/> with ENOBUFS;
    /// the socket stays usable.
    /// </summary>
    public unsafe bool ReceiveMulticast(NetlinkMessageHandler onMessage, int timeoutMs)
    {
        var fd = (int)_socket.SafeHandle.DangerousGetHandle();
        var poll = new Native.PollFd { Fd = fd, Events = Native.POLLIN };
        var ready = Native.Poll(&poll, 1, timeoutMs);
        if (ready < 0)
        {
            var errno = Marshal.GetLastPInvokeError();
            if (errno == Native.EINTR) return false;
            throw new NetlinkException(errno, "wait for events");
        }
        if (ready == 0) return false;

        _batch ??= GC.AllocateArray<byte>(BatchSlots * SlotBytes, pinned: true);
        var iov = stackalloc Native.IoVec[BatchSlots];
        var headers = stackalloc Native.MMsgHdr[BatchSlots];
        fixed (byte* basePtr = _batch)
        {
            for (var i = 0; i < BatchSlots; i++)
            {
                iov[i] = new Native.IoVec { Base = (IntPtr)(basePtr + i * SlotBytes), Length = SlotBytes };
                headers[i] = new Native.MMsgHdr { Iov = (IntPtr)(&iov[i]), IovLength = 1 };
            }
            var count = Native.RecvMMsg(fd, headers, BatchSlots, Native.MSG_DONTWAIT, IntPtr.Zero);
            if (count < 0)
            {
                var errno = Marshal.GetLastPInvokeError();
                if (errno is Native.EAGAIN or Native.EINTR) return false;
                throw new NetlinkException(errno, "receive events");
            }
            for (var i = 0; i < count; i++)
            {
                if ((headers[i].Flags & Native.MSG_TRUNC) != 0)
                    throw new InvalidDataException($"receive events: a datagram was larger than {SlotBytes} bytes and was cut.");
                Dispatch(_batch.AsSpan(i * SlotBytes, (int)headers[i].Length), onMessage);
            }
            return count > 0;
        }
    }

    private static void Dispatch(ReadOnlySpan<byte> data, NetlinkMessageHandler onMessage)
    {
        while (NextMessage(ref data, "receive events", out var type, out var flags, out var seq, out var payload))
        {
            if (type is NLMSG_NOOP or NLMSG_ERROR or NLMSG_DONE) continue;
            onMessage(new NetlinkMessage(type, flags, seq, payload));
        }
    }

    /// <summary>
    /// Takes the next message off a datagram: its header fields and payload; false at the end.
    /// A length that does not fit is malformed data, named after <paramref name="operation"/>.
    /// </summary>
    private static bool NextMessage(ref ReadOnlySpan<byte> data, string operation, out ushort type, out ushort flags, out uint sequence, out ReadOnlySpan<byte> payload)
    {
        if (data.Length < NetlinkWriter.HeaderLength)
        {
            type = flags = 0;
            sequence = 0;
            payload = default;
            return false;
        }
        var length = (int)BinaryPrimitives.ReadUInt32LittleEndian(data);
        if (length < NetlinkWriter.HeaderLength || length > data.Length)
            throw new InvalidDataException($"{operation}: malformed netlink message (length {length}, {data.Length} bytes left).");
        type = BinaryPrimitives.ReadUInt16LittleEndian(data[4..]);
        flags = BinaryPrimitives.ReadUInt16LittleEndian(data[6..]);
        sequence = BinaryPrimitives.ReadUInt32LittleEndian(data[8..]);
        payload = data[NetlinkWriter.HeaderLength..length];
        data = data[Math.Min(NetlinkWriter.Align(length), data.Length)..];
        return true;
    }

    /// <summary>Reads an nlmsgerr: the negative errno, and NLMSGERR_ATTR_MSG when the kernel sent one.</summary>
    internal static int ParseError(ReadOnlySpan<byte> payload, ushort flags, out string? extendedAck)
    {
        extendedAck = null;
        if (payload.Length < 4) return Native.EINVAL;
        var errno = -BinaryPrimitives.ReadInt32LittleEndian(payload);
        if ((flags & NLM_F_ACK_TLVS) == 0 || payload.Length < 4 + NetlinkWriter.HeaderLength) return errno;
        // Without NLM_F_CAPPED the whole original request is echoed back before the TLVs.
        var offset = 4 + NetlinkWriter.HeaderLength;
        if ((flags & NLM_F_CAPPED) == 0)
        {
            var echoed = BinaryPrimitives.ReadUInt32LittleEndian(payload[4..]);
            if (echoed > (uint)payload.Length) return errno;
            offset = 4 + NetlinkWriter.Align((int)echoed);
        }
        if (offset > payload.Length) return errno;
        var tlvs = new AttributeReader(payload[offset..]);
        while (tlvs.MoveNext())
            if (tlvs.Type == NLMSGERR_ATTR_MSG) extendedAck = tlvs.String;
        return errno;
    }

    private static string? ParseDoneExtAck(ReadOnlySpan<byte> payload, ushort flags)
    {
        if ((flags & NLM_F_ACK_TLVS) == 0 || payload.Length <= 4) return null;
        var tlvs = new AttributeReader(payload[4..]);
        while (tlvs.MoveNext())
            if (tlvs.Type == NLMSGERR_ATTR_MSG) return tlvs.String;
        return null;
    }

    public void Dispose() => _socket.Dispose();
}
