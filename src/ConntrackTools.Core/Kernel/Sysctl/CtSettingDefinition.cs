namespace ConntrackTools.Kernel;

/// <summary>How the kernel's handler reads a value, which decides the range it takes.</summary>
internal enum CtSettingKind
{
    /// <summary>proc_dointvec_minmax / proc_dou8vec_minmax / proc_doulongvec_minmax: a number within extra1..extra2 (or the type's range).</summary>
    Number,

    /// <summary>proc_dou8vec_minmax with extra1 = SYSCTL_ZERO, extra2 = SYSCTL_ONE.</summary>
    Boolean,

    /// <summary>proc_dointvec_jiffies: seconds, stored as jiffies; the kernel refuses more than INT_MAX / HZ.</summary>
    Jiffies,

    /// <summary>Mode 0444 everywhere (nf_conntrack_count).</summary>
    ReadOnly,
}

/// <summary>
/// One entry of the catalog of conntrack sysctls: what the kernel's ctl_table says about it (its
/// handler's range, its default, whether it is per network namespace) and, for sysctls that later
/// kernels removed, since when.
/// </summary>
public sealed class CtSettingDefinition
{
    internal CtSettingDefinition(string name, CtSettingKind kind, string unit, long? defaultValue, string description,
        long minimum = 0, long maximum = int.MaxValue, bool perNamespace = true, Version? removedIn = null,
        string? removal = null, string? requires = null, string? source = null, string? upperBoundFrom = null,
        string? lowerBoundFrom = null)
    {
        Name = name;
        Kind = kind;
        Unit = unit;
        Default = defaultValue;
        Description = description;
        StaticMinimum = minimum;
        StaticMaximum = maximum;
        PerNamespace = perNamespace;
        RemovedIn = removedIn;
        Removal = removal;
        Requires = requires;
        Source = source ?? "net/netfilter/nf_conntrack_standalone.c";
        UpperBoundFrom = upperBoundFrom;
        LowerBoundFrom = lowerBoundFrom;
    }

    /// <summary>The sysctl's name under net.netfilter.</summary>
    public string Name { get; }

    /// <summary>The unit of its value.</summary>
    public string Unit { get; }

    /// <summary>The kernel's default, or null where the kernel computes it at boot.</summary>
    public long? Default { get; }

    /// <summary>One line on what it does.</summary>
    public string Description { get; }

    /// <summary>True when each network namespace has its own value; false for the global ones (nf_conntrack_max, nf_conntrack_expect_max, nf_conntrack_buckets), which only the initial namespace may change.</summary>
    public bool PerNamespace { get; }

    /// <summary>The kernel version that removed it, or null.</summary>
    public Version? RemovedIn { get; }

    /// <summary>The kernel option or module it needs, e.g. CONFIG_NF_CONNTRACK_EVENTS.</summary>
    public string? Requires { get; }

    /// <summary>The kernel source file that defines it.</summary>
    public string Source { get; }

    /// <summary>The smallest value the kernel takes; null for a read-only setting.</summary>
    public long? Minimum => Kind == CtSettingKind.ReadOnly ? null : StaticMinimum;

    /// <summary>The largest value the kernel takes (for timeouts INT_MAX / HZ of this kernel, or INT_MAX / 100 when HZ is unknown); null for a read-only setting.</summary>
    public long? Maximum => Kind switch
    {
        CtSettingKind.ReadOnly => null,
        CtSettingKind.Jiffies => int.MaxValue / (Sysctl.KernelHz ?? 100),
        _ => StaticMaximum,
    };

    internal CtSettingKind Kind { get; }
    internal long StaticMinimum { get; }
    internal long StaticMaximum { get; }

    /// <summary>What removed it and what to do instead, for the note of a kernel that no longer has it.</summary>
    internal string? Removal { get; }

    /// <summary>A sibling whose value is this one's upper bound (nf_conntrack_frag6_low_thresh's extra2 is high_thresh).</summary>
    internal string? UpperBoundFrom { get; }

    /// <summary>A sibling whose value is this one's lower bound.</summary>
    internal string? LowerBoundFrom { get; }

    public override string ToString() => Name;
}
