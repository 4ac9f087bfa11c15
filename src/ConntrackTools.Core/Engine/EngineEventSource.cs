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
    private readonly Action<ConntrackEngine> _subscribe;
    private readonly Action<ConntrackEngine> _unsubscribe;
    private long _received;
    private long _lost;
    private long _reported;

    /// <summary>Connection events of the given types that match the filter.</summary>
    public EngineEventSource(EngineHost host, CtEventType[] types, Kernel.Conntrack.CtConnectionFilter? filter, int capacity = 1 << 16)
        : this(host, capacity)
    {
        Action<CtEvent> handler = e =>
        {
            if (Array.IndexOf(types, e.Type) >= 0 && (filter is null || filter.Matches(e.Connection))) Offer(e);
            else Interlocked.Increment(ref _received);
        };
        _subscribe = engine => engine.Subscribe(handler);
        _unsubscribe = engine => engine.Unsubscribe(handler);
    }

    private EngineEventSource(EngineHost host, int capacity, Action<ConntrackEngine>? subscribe = null, Action<ConntrackEngine>? unsubscribe = null)
    {
        ArgumentNullException.ThrowIfNull(host);
        _host = host;
        _queue = new BlockingCollection<object>(new ConcurrentQueue<object>(), capacity);
        _subscribe = subscribe ?? (_ => { });
        _unsubscribe = unsubscribe ?? (_ => { });
    }

    /// <summary>Expectation events (NEW, DESTROY) of the given types that match the filter.</summary>
    public static EngineEventSource ForExpectations(EngineHost host, CtEventType[] types, Kernel.Conntrack.CtExpectationFilter? filter, int capacity = 1 << 16)
    {
        EngineEventSource? source = null;
        Action<CtExpectationEvent> handler = e =>
        {
            if (Array.IndexOf(types, e.Type) >= 0 && (filter is null || filter.Matches(e.Expectation))) source!.Offer(e);
            else Interlocked.Increment(ref source!._received);
        };
        source = new EngineEventSource(host, capacity, engine => engine.SubscribeExpectations(handler), engine => engine.UnsubscribeExpectations(handler));
        return source;
    }

    /// <summary>Queues an event for the watcher; when the queue is full it is dropped and counted.</summary>
    private void Offer(object e)
    {
        Interlocked.Increment(ref _received);
        if (!_queue.TryAdd(e)) Interlocked.Increment(ref _lost);
    }

    public string Backend => _host.Engine.Backend;
    public string Description => $"{Backend} ({_host.State})";
    public long Received => Interlocked.Read(ref _received);
    public long Lost => Interlocked.Read(ref _lost);

    public void Start() => _subscribe(_host.Engine);

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
        _unsubscribe(_host.Engine);
        _queue.Dispose();
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
