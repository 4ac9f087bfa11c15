namespace ConntrackTools;

/// <summary>What happened to a connection or expectation (conntrack -E's [NEW], [UPDATE], [DESTROY]).</summary>
public enum CtEventType
{
    New = 1,
    Update = 2,
    Destroy = 3,
}

/// <summary>A connection event: its type, when it was received, and the connection as the event carried it.</summary>
public sealed class CtEvent
{
    public CtEventType Type { get; set; }

    /// <summary>When the event was received (kernel) or when its packet was captured (engine).</summary>
    public DateTimeOffset Time { get; set; }
    public CtConnection Connection { get; set; } = new();

    /// <summary>Where the event comes from: "kernel", "kernel:NETNS" or "engine:NAME".</summary>
    public string Backend { get; set; } = "kernel";

    public override string ToString() => $"[{Type.ToString().ToUpperInvariant()}] {Connection}";
}

/// <summary>An expectation event: NEW when a helper (or a user) creates it, DESTROY when it is used, times out or is deleted.</summary>
public sealed class CtExpectationEvent
{
    public CtEventType Type { get; set; }
    public DateTimeOffset Time { get; set; }
    public CtExpectation Expectation { get; set; } = new();
    public string Backend { get; set; } = "kernel";

    public override string ToString() => $"[{Type.ToString().ToUpperInvariant()}] {Expectation}";
}

/// <summary>Events the kernel dropped because the listener's receive buffer was full (ENOBUFS).</summary>
public sealed class CtEventLoss
{
    public DateTimeOffset Time { get; set; }

    /// <summary>Events lost since the previous report, as the socket's drop counter (sk_drops) counts them; null when the kernel does not say.</summary>
    public long? Lost { get; set; }

    /// <summary>Events lost since the watch began.</summary>
    public long? TotalLost { get; set; }

    /// <summary>The receive buffer, in bytes, that overflowed.</summary>
    public int ReceiveBufferSize { get; set; }
}
