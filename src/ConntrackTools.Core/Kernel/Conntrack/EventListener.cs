using System.Collections.Concurrent;
using ConntrackTools.Kernel.Netfilter;
using ConntrackTools.Kernel.Netlink;

namespace ConntrackTools.Kernel.Conntrack;

/// <summary>
/// Listens to ctnetlink's event groups (conntrack -E, conntrack -E expect). A reader thread
/// receives, decodes and filters into a bounded queue that the caller drains on its own thread.
/// When the kernel drops events because the receive buffer is full (ENOBUFS), a
/// <see cref="CtEventLoss"/> goes into the queue at that point, counting the lost events from
/// the socket's drop counter; reading then goes on. A full queue blocks the reader, so the loss is
/// reported by the kernel's counter rather than hidden in ours.
/// </summary>
public sealed class ConntrackEventListener : Engine.ICtEventSource
{
    private readonly NetlinkSocket _socket;
    private readonly BlockingCollection<object[]> _queue;
    private object[]? _current;
    private int _next;
    private readonly ConnLabelMap? _labels;
    private readonly CtEventType[] _connectionTypes;
    private readonly CtEventType[] _expectationTypes;
    private Thread? _thread;
    private volatile bool _stop;
    private Exception? _fault;
    private long _received;
    private long _lastDrops;
    private long _totalLost;

    private ConntrackEventListener(NetlinkSocket socket, string backend, ConnLabelMap? labels, CtEventType[] connectionTypes, CtEventType[] expectationTypes, int queueCapacity)
    {
        _socket = socket;
        Backend = backend;
        _labels = labels;
        _connectionTypes = connectionTypes;
        _expectationTypes = expectationTypes;
        // Items travel in batches (one per recvmmsg call), so the queue costs little per event.
        _queue = new BlockingCollection<object[]>(new ConcurrentQueue<object[]>(), Math.Max(1, queueCapacity / 64));
    }

    /// <summary>
    /// Joins the groups for the given event types; <paramref name="receiveBufferBytes"/> sizes the
    /// socket's buffer, which absorbs bursts (the kernel doubles the figure for its bookkeeping).
    /// </summary>
    public static ConntrackEventListener Open(string? networkNamespace, CtEventType[] connectionTypes, CtEventType[] expectationTypes,
        int receiveBufferBytes = 16 << 20, int queueCapacity = 1 << 16, ConnLabelMap? labels = null)
    {
        ArgumentNullException.ThrowIfNull(connectionTypes);
        ArgumentNullException.ThrowIfNull(expectationTypes);
        var netns = string.IsNullOrEmpty(networkNamespace) ? null : NetworkNamespace.Resolve(networkNamespace);
        var socket = NetlinkSocket.Open(Native.NETLINK_NETFILTER, netns, receiveBufferBytes);
        try
        {
            foreach (var t in connectionTypes.Distinct())
                socket.JoinGroup(t switch
                {
                    CtEventType.New => Nfnetlink.GroupConntrackNew,
                    CtEventType.Update => Nfnetlink.GroupConntrackUpdate,
                    _ => Nfnetlink.GroupConntrackDestroy,
                });
            foreach (var t in expectationTypes.Distinct())
                socket.JoinGroup(t switch
                {
                    CtEventType.New => Nfnetlink.GroupConntrackExpNew,
                    CtEventType.Update => Nfnetlink.GroupConntrackExpUpdate,
                    _ => Nfnetlink.GroupConntrackExpDestroy,
                });
            var listener = new ConntrackEventListener(socket, netns is null ? "kernel" : $"kernel:{netns.Spec}", labels, connectionTypes, expectationTypes, queueCapacity);
            listener._lastDrops = socket.Drops ?? 0;
            return listener;
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    public string Backend { get; }

    /// <summary>Connections must pass this filter to be queued.</summary>
    public CtConnectionFilter? ConnectionFilter { get; set; }

    /// <summary>Expectations must pass this filter to be queued.</summary>
    public CtExpectationFilter? ExpectationFilter { get; set; }

    public string Description => $"{Backend} with a {ReceiveBufferSize / 1024} KiB receive buffer";

    /// <summary>The receive buffer the kernel granted, in bytes.</summary>
    public int ReceiveBufferSize => _socket.ReceiveBufferSize;

    /// <summary>Event messages received (before filtering).</summary>
    public long Received => Interlocked.Read(ref _received);

    /// <summary>Events the kernel dropped since the listener opened, as far as it has said.</summary>
    public long Lost => Interlocked.Read(ref _totalLost);

    /// <summary>Starts the reader thread.</summary>
    public void Start()
    {
        if (_thread is not null) return;
        _thread = new Thread(ReadLoop) { IsBackground = true, Name = "ctnetlink events" };
        _thread.Start();
    }

    /// <summary>
    /// Takes the next <see cref="CtEvent"/>, <see cref="CtExpectationEvent"/> or <see cref="CtEventLoss"/>;
    /// false when none came within the timeout. Rethrows what stopped the reader.
    /// </summary>
    public bool TryTake(out object? item, int millisecondsTimeout, CancellationToken cancel)
    {
        if (_current is null || _next >= _current.Length)
        {
            if (!_queue.TryTake(out _current, millisecondsTimeout, cancel))
            {
                _current = null;
                item = null;
                if (_fault is { } fault) throw fault;
                return false;
            }
            _next = 0;
        }
        item = _current[_next++];
        return true;
    }

    /// <summary>Reports drops the kernel counted since the last report, if any (also called when the watch ends).</summary>
    public CtEventLoss? CheckLoss()
    {
        var drops = _socket.Drops;
        if (drops is not { } d || d == _lastDrops) return null;
        var lost = d - _lastDrops;
        _lastDrops = d;
        return new CtEventLoss { Time = DateTimeOffset.UtcNow, Lost = lost, TotalLost = Interlocked.Add(ref _totalLost, lost), ReceiveBufferSize = _socket.ReceiveBufferSize };
    }

    private void ReadLoop()
    {
        var newType = Nfnetlink.MessageType(Nfnetlink.SubsysCtnetlink, CtMsg.IPCTNL_MSG_CT_NEW);
        var deleteType = Nfnetlink.MessageType(Nfnetlink.SubsysCtnetlink, CtMsg.IPCTNL_MSG_CT_DELETE);
        var expNewType = Nfnetlink.MessageType(Nfnetlink.SubsysCtnetlinkExp, CtMsg.IPCTNL_MSG_EXP_NEW);
        var expDeleteType = Nfnetlink.MessageType(Nfnetlink.SubsysCtnetlinkExp, CtMsg.IPCTNL_MSG_EXP_DELETE);
        const ushort created = NetlinkSocket.NLM_F_CREATE | NetlinkSocket.NLM_F_EXCL;
        var backend = Backend;
        var batch = new List<object>(64);
        var time = DateTimeOffset.UtcNow;
        var stamp = true;
        void OnMessage(in NetlinkMessage m)
        {
            if (stamp)
            {
                // One receive time for the datagrams of one recvmmsg call, taken when they arrived.
                time = DateTimeOffset.UtcNow;
                stamp = false;
            }
            Interlocked.Increment(ref _received);
            if (m.Type == newType || m.Type == deleteType)
            {
                var type = m.Type == deleteType ? CtEventType.Destroy : (m.Flags & created) != 0 ? CtEventType.New : CtEventType.Update;
                if (Array.IndexOf(_connectionTypes, type) < 0) return;
                var ct = FlowCodec.Decode(m.NetfilterFamily, m.NetfilterAttributes, backend, _labels);
                if (ConnectionFilter is { } f && !f.Matches(ct)) return;
                batch.Add(new CtEvent { Type = type, Time = time, Connection = ct, Backend = backend });
            }
            else if (m.Type == expNewType || m.Type == expDeleteType)
            {
                var type = m.Type == expDeleteType ? CtEventType.Destroy : CtEventType.New;
                if (Array.IndexOf(_expectationTypes, type) < 0) return;
                var exp = ExpectCodec.Decode(m.NetfilterFamily, m.NetfilterAttributes, backend);
                if (ExpectationFilter is { } f && !f.Matches(exp)) return;
                batch.Add(new CtExpectationEvent { Type = type, Time = time, Expectation = exp, Backend = backend });
            }
        }

        try
        {
            while (!_stop)
            {
                bool got;
                try
                {
                    stamp = true;
                    got = _socket.ReceiveMulticast(OnMessage, 200);
                }
                catch (NetlinkException ex) when (ex.Errno == Native.ENOBUFS)
                {
                    // The kernel dropped events: say so where it happened, then keep reading.
                    Flush(batch);
                    Add([CheckLoss() ?? new CtEventLoss { Time = DateTimeOffset.UtcNow, ReceiveBufferSize = _socket.ReceiveBufferSize }]);
                    continue;
                }
                Flush(batch);
                if (!got && CheckLoss() is { } loss) Add([loss]);
            }
        }
        catch (Exception ex) when (ex is ObjectDisposedException or OperationCanceledException && _stop)
        {
            // Disposed while waiting: the watch is over.
        }
        catch (Exception ex)
        {
            _fault = ex;
        }
        finally
        {
            _queue.CompleteAdding();
        }
    }

    private void Flush(List<object> batch)
    {
        if (batch.Count == 0) return;
        Add([.. batch]);
        batch.Clear();
    }

    private void Add(object[] item)
    {
        while (!_stop)
        {
            if (_queue.TryAdd(item, 100)) return;
        }
    }

    public void Dispose()
    {
        _stop = true;
        _thread?.Join(1000);
        _socket.Dispose();
        _queue.Dispose();
    }
}
