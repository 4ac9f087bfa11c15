namespace ConntrackTools;

/// <summary>Where an engine is in its life.</summary>
public enum CtEngineState
{
    /// <summary>Reading its capture files or its interface.</summary>
    Running,
    /// <summary>Read its files to the end; its table is the state at the last packet.</summary>
    Completed,
    /// <summary>Stopped by Stop-CtEngine or Ctrl+C; its table stays as it was.</summary>
    Stopped,
    /// <summary>Its source failed (a corrupt file, a lost interface); what it tracked until then stays.</summary>
    Failed,
}

/// <summary>A userspace tracking engine kept in the session: what it reads, how far it got, what it holds.</summary>
public sealed class CtEngine
{
    public string Name { get; set; } = "";
    public CtEngineState State { get; set; }

    /// <summary>The capture files, or the interface, it reads.</summary>
    public string[] Source { get; set; } = [];
    public string? Filter { get; set; }
    public long Packets { get; set; }
    public int Connections { get; set; }
    public long Invalid { get; set; }
    public long Untracked { get; set; }

    /// <summary>The time of the first and the latest packet: the engine's clock.</summary>
    public DateTimeOffset? FirstPacket { get; set; }
    public DateTimeOffset? LastPacket { get; set; }
    public DateTimeOffset Started { get; set; }

    /// <summary>Why it stopped, when it failed.</summary>
    public string? Error { get; set; }

    /// <summary>The raw-table rules it applies (notrack, zone, mark), in nft words.</summary>
    public string[] Rules { get; set; } = [];

    /// <summary>Settings that differ from the kernel's defaults, as sysctl name = value.</summary>
    public string[] Settings { get; set; } = [];

    public string Backend => $"engine:{Name}";

    public override string ToString() => $"{Name} ({State}, {Connections} connections)";
}
