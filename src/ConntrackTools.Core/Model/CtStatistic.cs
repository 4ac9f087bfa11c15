namespace ConntrackTools;

/// <summary>
/// The table's size and limits, with the per-CPU counters of `conntrack -S` summed; the per-CPU
/// rows are in <see cref="Cpus"/>.
/// </summary>
public sealed class CtStatistic
{
    /// <summary>Entries in the table now (`conntrack -C`).</summary>
    public uint Count { get; set; }

    /// <summary>The table's limit (nf_conntrack_max).</summary>
    public uint? Max { get; set; }
    public ulong Found { get; set; }
    public ulong Invalid { get; set; }
    public ulong Insert { get; set; }
    public ulong InsertFailed { get; set; }
    public ulong Drop { get; set; }
    public ulong EarlyDrop { get; set; }
    public ulong Error { get; set; }
    public ulong SearchRestart { get; set; }
    public ulong ClashResolve { get; set; }
    public ulong ChainTooLong { get; set; }

    /// <summary>Expectation counters summed over CPUs (`conntrack -S expect`).</summary>
    public ulong ExpectationNew { get; set; }
    public ulong ExpectationCreate { get; set; }
    public ulong ExpectationDelete { get; set; }

    public CtCpuStatistic[] Cpus { get; set; } = [];
    public string Backend { get; set; } = "kernel";
}

/// <summary>One CPU's conntrack counters (struct ip_conntrack_stat), as `conntrack -S` prints a line.</summary>
public sealed class CtCpuStatistic
{
    public int Cpu { get; set; }
    public uint Found { get; set; }
    public uint Invalid { get; set; }
    public uint Insert { get; set; }
    public uint InsertFailed { get; set; }
    public uint Drop { get; set; }
    public uint EarlyDrop { get; set; }
    public uint Error { get; set; }
    public uint SearchRestart { get; set; }
    public uint ClashResolve { get; set; }
    public uint ChainTooLong { get; set; }
    public uint ExpectationNew { get; set; }
    public uint ExpectationCreate { get; set; }
    public uint ExpectationDelete { get; set; }
    public string Backend { get; set; } = "kernel";
}
