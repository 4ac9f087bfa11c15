using System.Globalization;

namespace ConntrackTools;

/// <summary>
/// A connection tracking sysctl (/proc/sys/net/netfilter/nf_conntrack_*) of one network namespace,
/// or an engine's setting of the same name: its value, the kernel's default, its unit and range, and
/// whether it can be changed there and why not.
/// </summary>
public sealed class CtSetting
{
    /// <summary>The sysctl's name without "net.netfilter.", e.g. nf_conntrack_tcp_loose.</summary>
    public string Name { get; set; } = "";

    /// <summary>The value now; null when this kernel has no such sysctl.</summary>
    public long? Value { get; set; }

    /// <summary>The kernel's default (nf_conntrack_standalone.c and the protocol trackers); null where it is computed at boot (from memory size).</summary>
    public long? Default { get; set; }

    /// <summary>"seconds", "entries", "boolean", "buckets", "bytes", "packets", "protocol" or "mode".</summary>
    public string Unit { get; set; } = "";

    /// <summary>What it does, in one line.</summary>
    public string Description { get; set; } = "";

    /// <summary>The smallest value the kernel takes (the ctl_table's extra1, or 0); null when it takes no value.</summary>
    public long? Minimum { get; set; }

    /// <summary>The largest value the kernel takes (extra2, the type's limit, or INT_MAX / HZ seconds for timeouts); null when it takes no value.</summary>
    public long? Maximum { get; set; }

    /// <summary>False for read-only settings: nf_conntrack_count, and the global ones outside the initial network namespace (the file's mode says so).</summary>
    public bool Writable { get; set; }

    /// <summary>False when this kernel has no such sysctl (removed, not built, or its module not loaded).</summary>
    public bool Available { get; set; }

    /// <summary>Why it is not available or not writable; null when it is both.</summary>
    public string? Note { get; set; }

    /// <summary>The file, /proc/sys/net/netfilter/NAME, as seen from the namespace; empty for an engine's setting.</summary>
    public string Path { get; set; } = "";

    /// <summary>"kernel", "kernel:NETNS", or "engine:NAME".</summary>
    public string Backend { get; set; } = "kernel";

    public override string ToString() =>
        $"{Name}={(Value is { } v ? v.ToString(CultureInfo.InvariantCulture) : "(not available)")}";
}

/// <summary>
/// Whether the kernel assigns conntrack helpers by port to connections no rule gave one (the
/// nf_conntrack_helper sysctl, removed with the feature in Linux 6.0).
/// </summary>
public sealed class CtHelperAssignment
{
    /// <summary>True when this kernel can assign helpers automatically (it has the nf_conntrack_helper sysctl).</summary>
    public bool Supported { get; set; }

    /// <summary>True when automatic assignment is on (nf_conntrack_helper=1): a risk, as anyone who reaches a helper's port feeds the helper.</summary>
    public bool Enabled { get; set; }

    /// <summary>What the state means and what to do.</summary>
    public string Message { get; set; } = "";

    /// <summary>"kernel" or "kernel:NETNS".</summary>
    public string Backend { get; set; } = "kernel";

    public override string ToString() => Message;
}
