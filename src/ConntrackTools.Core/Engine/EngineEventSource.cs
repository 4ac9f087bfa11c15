using System.Collections.Concurrent;

namespace ConntrackTools.Engine;

/// <summary>
/// Events of an engine for a watcher: the engine hands each event to a bounded queue the watcher
/// drains. A live engine never waits for a slow watcher: when the queue is full the event is
/// dropped and counted, and the watcher is told, as the kernel tells of ENOBUFS.
/// </summary>
public sealed class EngineEventSource : ICtEventSource
{
    private readonly EngineHost _host;
    private readonly BlockingCollection<object> _queue;
    private readonly Action<CtEvent> _handler;
    private readonly CtConnectionFilterBox _filter;
    private long _received;
    private long _lost;
    private long _reported;

    public EngineEventSource(EngineHost host, CtEventType[] types, Kernel.Conntrack.CtConnectionFilter? filter, int capacity = 1 << 16)
    {
        ArgumentNullException.ThrowIfNull(host);
        _host = host;
        _queue = new BlockingCollection<object>(new ConcurrentQueue<object>(), capacity);
        _filter = new CtConnectionFilterBox(filter);
        _handler = e =>
        {
            Interlocked.Increment(ref _received);
            if (Array.IndexOf(types, e.Type) < 0 || !_filter.Matches(e.Connection)) return;
            if (!_queue.TryAdd(e)) Interlocked.Increment(ref _lost);
        };
    }

    public string Backend => _host.Engine.Backend;
    public string Description => $"{Backend} ({_host.State})";
    public long Received => Interlocked.Read(ref _received);
    public long Lost => Interlocked.Read(ref _lost);

    public void Start() => _host.Engine.Subscribe(_handler);

    public bool TryTake(out object? item, int millisecondsTimeout, CancellationToken cancel)
    {
        if (CheckLoss() is { } loss) { item = loss; return true; }
        return _queue.TryTake(out item, millisecondsTimeout, cancel);
    }

    public CtEventLoss? CheckLoss()
    {
        var lost = Lost;
        if (lost == _reported) return null;
        var delta = lost - _reported;
        _reported = lost;
        return new CtEventLoss { Time = DateTimeOffset.UtcNow, Lost = delta, TotalLost = lost, ReceiveBufferSize = _queue.BoundedCapacity };
    }

    public void Dispose()
    {
        _host.Engine.Unsubscribe(_handler);
        _queue.Dispose();
    }

    private sealed class CtConnectionFilterBox(Kernel.Conntrack.CtConnectionFilter? filter)
    {
        public bool Matches(CtConnection ct) => filter is null || filter.Matches(ct);
    }
}

/// <summary>A source of events for Watch-CtConnection / Watch-CtExpectation: the kernel's or an engine's.</summary>
public interface ICtEventSource : IDisposable
{
    string Backend { get; }

    /// <summary>What is being watched, for the verbose stream.</summary>
    string Description { get; }
    long Received { get; }
    long Lost { get; }
    void Start();
    bool TryTake(out object? item, int millisecondsTimeout, CancellationToken cancel);
    CtEventLoss? CheckLoss();
}
