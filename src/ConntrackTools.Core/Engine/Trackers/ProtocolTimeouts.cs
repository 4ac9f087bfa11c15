namespace ConntrackTools.Engine;

/// <summary>
/// The per-protocol settings of the trackers other than TCP, with the kernel's defaults, settable
/// by their /proc/sys/net/netfilter names (nf_conntrack_standalone.c's table) so that an engine is
/// configured with the same names as a kernel namespace.
/// </summary>
internal sealed class ProtocolTimeouts
{
    public SctpSettings Sctp { get; } = new();
    /// <summary>UDP and UDP-Lite share these (udp_get_timeouts).</summary>
    public UdpSettings Udp { get; } = new();
    public IcmpSettings Icmp { get; } = new();
    public IcmpV6Settings IcmpV6 { get; } = new();
    public GreSettings Gre { get; } = new();
    public GenericSettings Generic { get; } = new();

    /// <summary>Every name <see cref="TrySet"/> knows, without the net.netfilter. prefix.</summary>
    public static IReadOnlyList<string> SysctlNames { get; } =
    [
        .. GenericSettings.SysctlNames, .. UdpSettings.SysctlNames, .. IcmpSettings.SysctlNames,
        .. IcmpV6Settings.SysctlNames, .. SctpSettings.SysctlNames, .. GreSettings.SysctlNames,
    ];

    /// <summary>Sets one value by sysctl name ("nf_conntrack_udp_timeout", also "net.netfilter.…" or "net/netfilter/…").</summary>
    public bool TrySet(string sysctlName, uint value) =>
        Sctp.TrySet(sysctlName, value) || Udp.TrySet(sysctlName, value) || Icmp.TrySet(sysctlName, value) ||
        IcmpV6.TrySet(sysctlName, value) || Gre.TrySet(sysctlName, value) || Generic.TrySet(sysctlName, value);

    public bool TryGet(string sysctlName, out uint value) =>
        Sctp.TryGet(sysctlName, out value) || Udp.TryGet(sysctlName, out value) || Icmp.TryGet(sysctlName, out value) ||
        IcmpV6.TryGet(sysctlName, out value) || Gre.TryGet(sysctlName, out value) || Generic.TryGet(sysctlName, out value);

    /// <summary>Sets one value by sysctl name; throws <see cref="ArgumentException"/> for a name no tracker here has.</summary>
    public void Set(string sysctlName, uint value)
    {
        if (!TrySet(sysctlName, value)) throw Sysctl.Unknown(sysctlName);
    }
}

/// <summary>Name handling shared by the settings classes.</summary>
internal static class Sysctl
{
    /// <summary>One sysctl of a settings class: its name and how to read and write it.</summary>
    internal sealed record Entry<T>(string Name, Func<T, uint> Get, Action<T, uint> Set);

    /// <summary>"net.netfilter.nf_conntrack_x" and "net/netfilter/nf_conntrack_x" become "nf_conntrack_x".</summary>
    public static string Normalize(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        var n = name.Trim().ToLowerInvariant();
        // A module parameter's file: /sys/module/nf_conntrack_ftp/parameters/loose is nf_conntrack_ftp.loose.
        if (n.StartsWith("/sys/module/", StringComparison.Ordinal) && n.Split('/') is [_, _, _, var module, "parameters", var option])
            return module + "." + option;
        foreach (var prefix in (ReadOnlySpan<string>)["/proc/sys/net/netfilter/", "net.netfilter.", "net/netfilter/"])
            if (n.StartsWith(prefix, StringComparison.Ordinal)) return n[prefix.Length..];
        return n;
    }

    public static IReadOnlyList<string> Names<T>(Entry<T>[] entries) => Array.ConvertAll(entries, e => e.Name);

    public static bool TrySet<T>(Entry<T>[] entries, T target, string name, uint value)
    {
        var n = Normalize(name);
        foreach (var e in entries)
        {
            if (e.Name != n) continue;
            e.Set(target, value);
            return true;
        }
        return false;
    }

    public static bool TryGet<T>(Entry<T>[] entries, T target, string name, out uint value)
    {
        var n = Normalize(name);
        foreach (var e in entries)
        {
            if (e.Name != n) continue;
            value = e.Get(target);
            return true;
        }
        value = 0;
        return false;
    }

    public static void Set<T>(Entry<T>[] entries, T target, string name, uint value)
    {
        if (!TrySet(entries, target, name, value)) throw Unknown(name);
    }

    public static ArgumentException Unknown(string name) =>
        new($"'{name}' is not a conntrack sysctl of these trackers; known names: {string.Join(", ", ProtocolTimeouts.SysctlNames)}.", nameof(name));
}
