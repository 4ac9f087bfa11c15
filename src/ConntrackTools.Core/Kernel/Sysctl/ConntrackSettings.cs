using System.Globalization;
using ConntrackTools.Kernel.Netlink;

namespace ConntrackTools.Kernel;

/// <summary>
/// The connection tracking sysctls of a network namespace (/proc/sys/net/netfilter/nf_conntrack_*
/// and nf_flowtable_*): listed with the catalog's defaults, units and ranges, read, checked against
/// the ranges of the kernel's ctl_tables, and written, in the namespace given.
/// </summary>
public static class ConntrackSettings
{
    /// <summary>The sysctl directory, under /proc/sys.</summary>
    public const string Directory = "net/netfilter";

    /// <summary>The sysctl that turned automatic helper assignment on and off, until Linux 6.0 removed both.</summary>
    public const string HelperSetting = "nf_conntrack_helper";

    private const string Tcp = "net/netfilter/nf_conntrack_proto_tcp.c";
    private const string Udp = "net/netfilter/nf_conntrack_proto_udp.c";
    private const string Sctp = "net/netfilter/nf_conntrack_proto_sctp.c";
    private const string Gre = "net/netfilter/nf_conntrack_proto_gre.c";
    private const string Dccp = "net/netfilter/nf_conntrack_proto_dccp.c";
    private const string Reasm = "net/ipv6/netfilter/nf_conntrack_reasm.c";
    private const string Flow = "net/netfilter/nf_flow_table_core.c";
    private const string SctpConfig = "CONFIG_NF_CT_PROTO_SCTP";
    private const string GreConfig = "CONFIG_NF_CT_PROTO_GRE";
    private const string DccpConfig = "CONFIG_NF_CT_PROTO_DCCP";
    private const string FlowConfig = "CONFIG_NF_FLOW_TABLE";
    private const string Defrag6 = "nf_defrag_ipv6 (CONFIG_NF_DEFRAG_IPV6)";

    private static readonly Version Linux60 = new(6, 0);
    private static readonly Version Linux617 = new(6, 17);

    private const string HelperRemoval =
        "Linux 6.0 removed this sysctl together with automatic helper assignment (\"netfilter: remove nf_conntrack_helper sysctl toggle\"): " +
        "helpers are assigned only by explicit rules, nft `ct helper set` or iptables `-j CT --helper`, so automatic assignment is off for good, " +
        "which is what nf_conntrack_helper=0 asked for.";

    private const string DccpRemoval =
        "Linux 6.17 removed DCCP connection tracking (\"netfilter: conntrack: remove DCCP protocol support\"): " +
        "DCCP packets are tracked by the generic tracker (nf_conntrack_generic_timeout).";

    private static CtSettingDefinition Seconds(string name, long defaultSeconds, string description, string source,
        string? requires = null, Version? removedIn = null, string? removal = null) =>
        new(name, CtSettingKind.Jiffies, "seconds", defaultSeconds, description, source: source, requires: requires, removedIn: removedIn, removal: removal);

    private static CtSettingDefinition Switch(string name, long defaultValue, string description, string? source = null,
        string? requires = null, Version? removedIn = null, string? removal = null) =>
        new(name, CtSettingKind.Boolean, "boolean", defaultValue, description, 0, 1, source: source, requires: requires, removedIn: removedIn, removal: removal);

    /// <summary>
    /// Every conntrack sysctl this module knows, from nf_conntrack_standalone.c's nf_ct_sysctl_table
    /// (Linux 6.17), the IPv6 reassembly table, and the sysctls that kernels since 6.0 removed.
    /// Ranges are the ctl_tables' extra1/extra2, or the handler's type where those are not set.
    /// </summary>
    public static IReadOnlyList<CtSettingDefinition> Catalog { get; } =
    [
        Switch("nf_conntrack_acct", 0, "Keep packet and byte counters for each connection.", "net/netfilter/nf_conntrack_acct.c"),
        new("nf_conntrack_buckets", CtSettingKind.Number, "buckets", null,
            "Size of the hash table, global (by default from memory size, 1024 to 262144); only the initial namespace can change it.",
            1, uint.MaxValue / 8, perNamespace: false, source: "net/netfilter/nf_conntrack_core.c"),
        Switch("nf_conntrack_checksum", 1, "Verify the checksums of incoming packets; packets with a bad checksum are INVALID and not tracked."),
        new("nf_conntrack_count", CtSettingKind.ReadOnly, "entries", null, "Entries in this namespace's table now (conntrack -C)."),
        new("nf_conntrack_events", CtSettingKind.Number, "mode", 2,
            "Events for ctnetlink listeners: 0 off, 1 on, 2 on once a program listens.",
            0, 2, requires: "CONFIG_NF_CONNTRACK_EVENTS", source: "net/netfilter/nf_conntrack_ecache.c"),
        new("nf_conntrack_expect_max", CtSettingKind.Number, "entries", null,
            "Limit of the expectation table, global (by default 4 per 256 buckets); only the initial namespace can change it.",
            1, int.MaxValue, perNamespace: false, source: "net/netfilter/nf_conntrack_expect.c"),
        new("nf_conntrack_frag6_high_thresh", CtSettingKind.Number, "bytes", 4 * 1024 * 1024,
            "Memory for IPv6 fragments awaiting reassembly above which conntrack drops new fragments.",
            0, long.MaxValue, requires: Defrag6, source: Reasm, lowerBoundFrom: "nf_conntrack_frag6_low_thresh"),
        new("nf_conntrack_frag6_low_thresh", CtSettingKind.Number, "bytes", 3 * 1024 * 1024,
            "Lower memory threshold of IPv6 fragment reassembly; at most nf_conntrack_frag6_high_thresh.",
            0, long.MaxValue, requires: Defrag6, source: Reasm, upperBoundFrom: "nf_conntrack_frag6_high_thresh"),
        Seconds("nf_conntrack_frag6_timeout", 60, "Time an IPv6 fragment waits for the rest of its packet.", Reasm, Defrag6),
        Seconds("nf_conntrack_generic_timeout", 600, "Timeout of connections of protocols that have no tracker of their own.", "net/netfilter/nf_conntrack_proto_generic.c"),
        Seconds("nf_conntrack_gre_timeout", 30, "Timeout of a GRE flow not yet seen in both directions.", Gre, GreConfig),
        Seconds("nf_conntrack_gre_timeout_stream", 180, "Timeout of a GRE flow seen in both directions.", Gre, GreConfig),
        Switch(HelperSetting, 0, "Assign helpers by port to connections that no rule gave one (automatic helper assignment; 1 before Linux 4.7).",
            "net/netfilter/nf_conntrack_helper.c", removedIn: Linux60, removal: HelperRemoval),
        Seconds("nf_conntrack_icmp_timeout", 30, "Timeout of ICMP query flows (echo request and reply).", "net/netfilter/nf_conntrack_proto_icmp.c"),
        Seconds("nf_conntrack_icmpv6_timeout", 30, "Timeout of ICMPv6 query flows (echo request and reply).", "net/netfilter/nf_conntrack_proto_icmpv6.c"),
        new("nf_conntrack_log_invalid", CtSettingKind.Number, "protocol", 0,
            "Log the packets marked INVALID of this IP protocol number (6 TCP, 17 UDP, 1 ICMP, 58 ICMPv6; 255 all; 0 none).", 0, byte.MaxValue),
        new("nf_conntrack_max", CtSettingKind.Number, "entries", null,
            "Limit of the connection table, global (by default nf_conntrack_buckets; 0 no limit); only the initial namespace can change it.",
            0, int.MaxValue, perNamespace: false, source: "net/netfilter/nf_conntrack_core.c"),
        Seconds("nf_conntrack_sctp_timeout_closed", 10, "Timeout of an SCTP association in state CLOSED.", Sctp, SctpConfig),
        Seconds("nf_conntrack_sctp_timeout_cookie_echoed", 3, "Timeout of an SCTP association in state COOKIE_ECHOED.", Sctp, SctpConfig),
        Seconds("nf_conntrack_sctp_timeout_cookie_wait", 3, "Timeout of an SCTP association in state COOKIE_WAIT.", Sctp, SctpConfig),
        Seconds("nf_conntrack_sctp_timeout_established", 210, "Timeout of an SCTP association in state ESTABLISHED.", Sctp, SctpConfig),
        Seconds("nf_conntrack_sctp_timeout_heartbeat_sent", 30, "Timeout of an SCTP secondary path whose HEARTBEAT awaits its ACK.", Sctp, SctpConfig),
        Seconds("nf_conntrack_sctp_timeout_shutdown_ack_sent", 3, "Timeout of an SCTP association in state SHUTDOWN_ACK_SENT.", Sctp, SctpConfig),
        Seconds("nf_conntrack_sctp_timeout_shutdown_recd", 3, "Timeout of an SCTP association in state SHUTDOWN_RECD.", Sctp, SctpConfig),
        Seconds("nf_conntrack_sctp_timeout_shutdown_sent", 3, "Timeout of an SCTP association in state SHUTDOWN_SENT.", Sctp, SctpConfig),
        Switch("nf_conntrack_tcp_be_liberal", 0, "Mark only out-of-window RST segments INVALID and let other out-of-window TCP packets pass.", Tcp),
        Switch("nf_conntrack_tcp_ignore_invalid_rst", 0, "Do not mark out-of-window RST segments INVALID.", Tcp),
        Switch("nf_conntrack_tcp_loose", 1, "Pick up TCP connections that are already established, not only those whose SYN was seen.", Tcp),
        new("nf_conntrack_tcp_max_retrans", CtSettingKind.Number, "packets", 3,
            "Retransmissions without an acceptable ACK after which nf_conntrack_tcp_timeout_max_retrans applies.", 0, byte.MaxValue, source: Tcp),
        Seconds("nf_conntrack_tcp_timeout_close", 10, "Timeout of a TCP connection in state CLOSE (after a RST).", Tcp),
        Seconds("nf_conntrack_tcp_timeout_close_wait", 60, "Timeout of a TCP connection in state CLOSE_WAIT.", Tcp),
        Seconds("nf_conntrack_tcp_timeout_established", 432000, "Timeout of an established TCP connection (5 days).", Tcp),
        Seconds("nf_conntrack_tcp_timeout_fin_wait", 120, "Timeout of a TCP connection in state FIN_WAIT.", Tcp),
        Seconds("nf_conntrack_tcp_timeout_last_ack", 30, "Timeout of a TCP connection in state LAST_ACK.", Tcp),
        Seconds("nf_conntrack_tcp_timeout_max_retrans", 300, "Timeout of a TCP connection once nf_conntrack_tcp_max_retrans retransmissions went unacknowledged.", Tcp),
        Seconds("nf_conntrack_tcp_timeout_syn_recv", 60, "Timeout of a TCP connection in state SYN_RECV.", Tcp),
        Seconds("nf_conntrack_tcp_timeout_syn_sent", 120, "Timeout of a TCP connection in state SYN_SENT.", Tcp),
        Seconds("nf_conntrack_tcp_timeout_time_wait", 120, "Timeout of a TCP connection in state TIME_WAIT.", Tcp),
        Seconds("nf_conntrack_tcp_timeout_unacknowledged", 300, "Timeout of a TCP connection whose sent data stays unacknowledged.", Tcp),
        Switch("nf_conntrack_timestamp", 0, "Record when each connection started (and, in destroy events, when it ended).",
            "net/netfilter/nf_conntrack_timestamp.c", "CONFIG_NF_CONNTRACK_TIMESTAMP"),
        Seconds("nf_conntrack_udp_timeout", 30, "Timeout of a UDP flow not yet seen in both directions.", Udp),
        Seconds("nf_conntrack_udp_timeout_stream", 120, "Timeout of a UDP flow seen in both directions (a stream).", Udp),
        Seconds("nf_flowtable_tcp_timeout", 30, "Idle time after which a TCP connection offloaded to a flowtable returns to conntrack.", Flow, FlowConfig),
        Seconds("nf_flowtable_udp_timeout", 30, "Idle time after which a UDP flow offloaded to a flowtable returns to conntrack.", Flow, FlowConfig),
        // Removed in Linux 6.17; kept so that older kernels show them with their meaning.
        Switch("nf_conntrack_dccp_loose", 1, "Pick up DCCP connections that are already established.", Dccp, DccpConfig, Linux617, DccpRemoval),
        Seconds("nf_conntrack_dccp_timeout_closereq", 64, "Timeout of a DCCP connection in state CLOSEREQ.", Dccp, DccpConfig, Linux617, DccpRemoval),
        Seconds("nf_conntrack_dccp_timeout_closing", 64, "Timeout of a DCCP connection in state CLOSING.", Dccp, DccpConfig, Linux617, DccpRemoval),
        Seconds("nf_conntrack_dccp_timeout_open", 43200, "Timeout of a DCCP connection in state OPEN.", Dccp, DccpConfig, Linux617, DccpRemoval),
        Seconds("nf_conntrack_dccp_timeout_partopen", 480, "Timeout of a DCCP connection in state PARTOPEN.", Dccp, DccpConfig, Linux617, DccpRemoval),
        Seconds("nf_conntrack_dccp_timeout_request", 240, "Timeout of a DCCP connection in state REQUEST.", Dccp, DccpConfig, Linux617, DccpRemoval),
        Seconds("nf_conntrack_dccp_timeout_respond", 480, "Timeout of a DCCP connection in state RESPOND.", Dccp, DccpConfig, Linux617, DccpRemoval),
        Seconds("nf_conntrack_dccp_timeout_timewait", 240, "Timeout of a DCCP connection in state TIMEWAIT.", Dccp, DccpConfig, Linux617, DccpRemoval),
    ];

    private static readonly Dictionary<string, CtSettingDefinition> ByName =
        Catalog.ToDictionary(d => d.Name, StringComparer.Ordinal);

    /// <summary>
    /// A setting's name as the catalog writes it: lower case, without "net.netfilter.",
    /// "net/netfilter/" or "/proc/sys/net/netfilter/"; "net.nf_conntrack_max" (the initial
    /// namespace's alias) is nf_conntrack_max.
    /// </summary>
    public static string Normalize(string name)
    {
        // The engine's settings take the same names; its normalizer strips the netfilter prefixes.
        var n = Engine.Sysctl.Normalize(name);
        return n is "net.nf_conntrack_max" or "net/nf_conntrack_max" or "/proc/sys/net/nf_conntrack_max" ? "nf_conntrack_max" : n;
    }

    /// <summary>The catalog's entry for a name (any form <see cref="Normalize"/> takes), or null.</summary>
    public static CtSettingDefinition? Find(string name) => ByName.GetValueOrDefault(Normalize(name));

    /// <summary>Up to five catalog names close to <paramref name="name"/>, for "did you mean".</summary>
    public static IReadOnlyList<string> NearNames(string name)
    {
        var n = Normalize(name);
        var bare = n.StartsWith("nf_conntrack_", StringComparison.Ordinal) ? n["nf_conntrack_".Length..] : n;
        return [.. Catalog
            .Select(d => (d.Name, Score: d.Name.Contains(bare, StringComparison.Ordinal) && bare.Length >= 3 ? 0 : Distance(n, d.Name)))
            .Where(x => x.Score <= Math.Max(3, n.Length / 4))
            .OrderBy(x => x.Score).ThenBy(x => x.Name, StringComparer.Ordinal)
            .Take(5).Select(x => x.Name)];
    }

    /// <summary>
    /// Every conntrack sysctl of the namespace, sorted by name: the catalog's entries (with
    /// Available false for those this kernel lacks) and any nf_conntrack_* or nf_flowtable_* sysctl
    /// the catalog does not know.
    /// </summary>
    public static IReadOnlyList<CtSetting> List(NetworkNamespace? ns) => Sysctl.Run(ns, () => Snapshot(BackendOf(ns)));

    /// <summary>
    /// One setting, by name with or without "net.netfilter."; throws
    /// <see cref="CtSettingNotFoundException"/> for a name that neither the catalog nor the namespace has.
    /// </summary>
    public static CtSetting Get(NetworkNamespace? ns, string name)
    {
        var n = Normalize(name);
        return List(ns).FirstOrDefault(s => s.Name == n) ?? throw new CtSettingNotFoundException(name, NearNames(name));
    }

    /// <summary>
    /// Checks a new value against what the kernel would take, before anything is written. Throws
    /// <see cref="CtSettingNotAvailableException"/> when the kernel has no such sysctl and
    /// <see cref="CtSettingRangeException"/> when the value is outside the range. In
    /// <paramref name="pending"/>, values about to be written with it (for ranges bounded by a
    /// sibling, such as nf_conntrack_frag6_low_thresh by high_thresh).
    /// </summary>
    public static void CheckValue(CtSetting setting, long value, IReadOnlyDictionary<string, long>? pending = null)
    {
        ArgumentNullException.ThrowIfNull(setting);
        if (!setting.Available) throw new CtSettingNotAvailableException(setting.Name, setting.Note ?? $"This kernel has no {setting.Name}.");
        var (min, max) = Bounds(setting, pending);
        if ((min is { } low && value < low) || (max is { } high && value > high))
            throw new CtSettingRangeException(setting.Name, value, min, max, RangeText(setting.Unit, min, max));
    }

    /// <summary>True when the kernel lacks this setting because a Linux version at or before the running one removed it (nf_conntrack_helper since 6.0).</summary>
    public static bool WasRemoved(CtSetting setting)
    {
        ArgumentNullException.ThrowIfNull(setting);
        return !setting.Available && Find(setting.Name) is { RemovedIn: { } removed } && (Sysctl.KernelVersion is not { } kv || kv >= removed);
    }

    /// <summary>
    /// Refuses, before anything is written, a value for a setting the namespace holds read-only,
    /// with the error the kernel's EACCES would give: a prediction (-WhatIf, Ansible's check mode)
    /// must fail where the write would.
    /// </summary>
    public static void CheckWritable(NetworkNamespace? ns, CtSetting setting, long value)
    {
        ArgumentNullException.ThrowIfNull(setting);
        if (setting.Writable) return;
        var key = setting.Path.Length > 0 ? setting.Path : Directory + "/" + setting.Name;
        var denied = new SysctlException(Native.EACCES, "write", "/proc/sys/" + key, key);
        throw new CtSettingWriteException(setting.Name, value, BackendOf(ns), denied, Advice(setting, value, denied));
    }

    /// <summary>
    /// Writes a value that <see cref="CheckValue"/> accepted. The kernel's refusal (EINVAL,
    /// EACCES for a read-only sysctl, EPERM) becomes a <see cref="CtSettingWriteException"/> that
    /// carries the errno and says what to do.
    /// </summary>
    public static void Write(NetworkNamespace? ns, CtSetting setting, long value)
    {
        ArgumentNullException.ThrowIfNull(setting);
        try
        {
            Sysctl.Write(ns, setting.Path.Length > 0 ? setting.Path : Directory + "/" + setting.Name, value);
        }
        catch (SysctlException ex)
        {
            throw new CtSettingWriteException(setting.Name, value, BackendOf(ns), ex, Advice(setting, value, ex));
        }
    }

    /// <summary>
    /// Orders several changes so that none is refused for a bound that a later one moves:
    /// raising nf_conntrack_frag6_low_thresh above the current high_thresh needs high_thresh
    /// written first, lowering high_thresh below the current low_thresh needs low_thresh first.
    /// Otherwise the order given is kept.
    /// </summary>
    public static IReadOnlyList<KeyValuePair<CtSetting, long>> InWriteOrder(IEnumerable<KeyValuePair<CtSetting, long>> changes)
    {
        ArgumentNullException.ThrowIfNull(changes);
        var list = changes.ToList();
        for (var i = 0; i < list.Count; i++)
        {
            if (Find(list[i].Key.Name) is not { } def) continue;
            var value = list[i].Value;
            var j = list.FindIndex(i + 1, c =>
                (c.Key.Name == def.UpperBoundFrom && c.Key.Value is { } upper && value > upper) ||
                (c.Key.Name == def.LowerBoundFrom && c.Key.Value is { } lower && value < lower));
            if (j < 0) continue;
            var sibling = list[j];
            list.RemoveAt(j);
            list.Insert(i, sibling);
            i++;
        }
        return list;
    }

    /// <summary>
    /// Sets one setting: checks the value, writes it unless it is already so, and returns the
    /// setting as the kernel now holds it. Setting nf_conntrack_helper to 0 on a kernel that removed
    /// it changes nothing and returns it unavailable: automatic assignment is off for good there.
    /// </summary>
    public static CtSetting Set(NetworkNamespace? ns, string name, long value)
    {
        var setting = Get(ns, name);
        if (setting.Name == HelperSetting && value == 0 && WasRemoved(setting)) return setting;
        CheckValue(setting, value);
        if (setting.Value == value) return setting;
        Write(ns, setting, value);
        return Get(ns, setting.Name);
    }

    /// <summary>
    /// Whether the kernel assigns helpers automatically in the namespace: unsupported since Linux 6.0
    /// (only explicit rules assign helpers), else what nf_conntrack_helper says.
    /// </summary>
    public static CtHelperAssignment AutomaticHelperAssignment(NetworkNamespace? ns)
    {
        var s = Get(ns, HelperSetting);
        if (!s.Available)
            return new CtHelperAssignment { Supported = false, Enabled = false, Backend = s.Backend, Message = s.Note ?? "" };
        var enabled = s.Value != 0;
        return new CtHelperAssignment
        {
            Supported = true,
            Enabled = enabled,
            Backend = s.Backend,
            Message = enabled
                ? "Automatic helper assignment is on (nf_conntrack_helper=1): every connection to a helper's port gets the helper, so anyone who reaches such a port feeds a parser and can open expectations. Turn it off (Set-CtSetting nf_conntrack_helper 0) and assign helpers with explicit rules (nft `ct helper set`, iptables `-j CT --helper`)."
                : "Automatic helper assignment is off (nf_conntrack_helper=0): only explicit rules (nft `ct helper set`, iptables `-j CT --helper`) assign helpers.",
        };
    }

    /// <summary>"kernel", or "kernel:NETNS" for a namespace.</summary>
    public static string BackendOf(NetworkNamespace? ns) => ns is null ? "kernel" : "kernel:" + ns.Spec;

    /// <summary>The range in words: "0 or 1", "0 to 8589934 seconds".</summary>
    public static string RangeText(CtSetting setting)
    {
        ArgumentNullException.ThrowIfNull(setting);
        return RangeText(setting.Unit, setting.Minimum, setting.Maximum);
    }

    private static string RangeText(string unit, long? min, long? max)
    {
        if (unit == "boolean" && min == 0 && max == 1) return "0 (off) or 1 (on)";
        var from = min?.ToString(CultureInfo.InvariantCulture) ?? "any value";
        var to = max?.ToString(CultureInfo.InvariantCulture) ?? "any value";
        var suffix = unit is "seconds" or "bytes" or "entries" or "buckets" or "packets" ? " " + unit : "";
        return $"{from} to {to}{suffix}";
    }

    private static (long? Min, long? Max) Bounds(CtSetting setting, IReadOnlyDictionary<string, long>? pending)
    {
        var (min, max) = (setting.Minimum, setting.Maximum);
        if (Find(setting.Name) is { } def && pending is not null)
        {
            if (def.UpperBoundFrom is { } upper && pending.TryGetValue(upper, out var u)) max = u;
            if (def.LowerBoundFrom is { } lower && pending.TryGetValue(lower, out var l)) min = l;
        }
        return (min, max);
    }

    private static bool IsConntrackName(string name) =>
        name.StartsWith("nf_conntrack_", StringComparison.Ordinal) || name.StartsWith("nf_flowtable_", StringComparison.Ordinal);

    // Runs on a thread in the namespace: reads every file of net/netfilter that is a conntrack sysctl.
    private static List<CtSetting> Snapshot(string backend)
    {
        var dir = Sysctl.Root + "/" + Directory;
        var values = new Dictionary<string, long?>(StringComparer.Ordinal);
        var modes = new Dictionary<string, UnixFileMode?>(StringComparer.Ordinal);
        if (System.IO.Directory.Exists(dir))
        {
            foreach (var file in System.IO.Directory.EnumerateFiles(dir))
            {
                var name = System.IO.Path.GetFileName(file);
                if (!IsConntrackName(name)) continue;
                values[name] = Sysctl.ParseInt64(Sysctl.TryReadFile(file, name));
                modes[name] = Sysctl.ModeOf(file);
            }
        }
        var initial = Sysctl.InInitialNamespace();
        var result = new List<CtSetting>();
        foreach (var def in Catalog)
            result.Add(Describe(def, dir, backend, values, modes, initial));
        foreach (var name in values.Keys.Where(n => !ByName.ContainsKey(n)))
        {
            var writable = IsWritable(modes[name]);
            result.Add(new CtSetting
            {
                Name = name,
                Value = values[name],
                Description = "Not in this module's catalog (a sysctl of a newer kernel); see the kernel's Documentation/networking/nf_conntrack-sysctl.rst.",
                Available = true,
                Writable = writable,
                Note = writable ? null : $"Read-only here (file mode {Octal(modes[name])}).",
                Path = dir + "/" + name,
                Backend = backend,
            });
        }
        result.Sort((a, b) => string.CompareOrdinal(a.Name, b.Name));
        return result;
    }

    private static CtSetting Describe(CtSettingDefinition def, string dir, string backend,
        Dictionary<string, long?> values, Dictionary<string, UnixFileMode?> modes, bool? initial)
    {
        var s = new CtSetting
        {
            Name = def.Name,
            Default = def.Default,
            Unit = def.Unit,
            Description = def.Description,
            Minimum = def.Minimum,
            Maximum = def.Maximum,
            Path = dir + "/" + def.Name,
            Backend = backend,
        };
        // The sibling bounds of the IPv6 reassembly thresholds, as extra1/extra2 point at each other.
        if (def.UpperBoundFrom is { } upper && values.GetValueOrDefault(upper) is { } u) s.Maximum = u;
        if (def.LowerBoundFrom is { } lower && values.GetValueOrDefault(lower) is { } l) s.Minimum = l;
        if (values.TryGetValue(def.Name, out var value))
        {
            s.Available = true;
            s.Value = value;
            s.Writable = def.Kind != CtSettingKind.ReadOnly && IsWritable(modes[def.Name]);
            if (!s.Writable) s.Note = ReadOnlyNote(def, modes[def.Name], initial);
            return s;
        }
        s.Available = false;
        s.Note = MissingNote(def, anyPresent: values.Count > 0);
        return s;
    }

    private static bool IsWritable(UnixFileMode? mode) =>
        mode is { } m && (m & (UnixFileMode.UserWrite | UnixFileMode.GroupWrite | UnixFileMode.OtherWrite)) != 0;

    private static string Octal(UnixFileMode? mode) =>
        mode is { } m ? "0" + Convert.ToString((int)m & 0x1ff, 8) : "unknown";

    private static string ReadOnlyNote(CtSettingDefinition def, UnixFileMode? mode, bool? initial)
    {
        if (def.Kind == CtSettingKind.ReadOnly)
            return $"Read-only: the kernel counts the entries. Remove entries with Remove-CtConnection or Clear-CtConnection; the limit is nf_conntrack_max.";
        if (!def.PerNamespace && initial != true)
            return $"{def.Name} can only be changed in the initial network namespace: the kernel registers it read-only (mode {Octal(mode)}) in the others. It is global: change it there, and it applies to every namespace.";
        return $"Read-only here (file mode {Octal(mode)}).";
    }

    private static string MissingNote(CtSettingDefinition def, bool anyPresent)
    {
        var kernel = Sysctl.KernelVersion;
        if (def.RemovedIn is { } removed && (kernel is null || kernel >= removed) && def.Removal is { } removal)
            return removal;
        if (!anyPresent)
            return $"There is no nf_conntrack_* sysctl under /proc/sys/{Directory} here: nf_conntrack is not loaded (modprobe nf_conntrack).";
        var version = kernel is null ? "This kernel" : $"This kernel ({kernel})";
        if (def.RemovedIn is { } r)
            return $"{version} has no {def.Name}, which Linux {r.ToString(2)} removed: the module that provides it ({def.Requires ?? def.Source}) is not loaded, or the kernel was built without it.";
        return def.Requires is { } requires
            ? $"{version} has no {def.Name}: it was built without {requires}, or the module that provides it is not loaded."
            : $"{version} has no {def.Name}.";
    }

    private static string Advice(CtSetting setting, long value, SysctlException ex)
    {
        var def = Find(setting.Name);
        switch (ex.Errno)
        {
            case Native.EACCES or Native.EPERM or Native.EROFS:
                if (def?.Kind == CtSettingKind.ReadOnly)
                    return $"{setting.Name} is read-only: the kernel counts the entries of the table.";
                if (def is { PerNamespace: false } && !setting.Writable)
                    return $"{setting.Name} can only be changed in the initial network namespace: the kernel registers it read-only (mode 0444) in the others. Change it on the host, without -NetworkNamespace; it is global and applies to every namespace.";
                if (ex.Errno == Native.EPERM)
                    return "Changing net.* sysctls needs CAP_NET_ADMIN in the user namespace that owns the network namespace: run as root.";
                return setting.Writable
                    ? "Only root may write sysctls: run as root (for example with sudo)."
                    : $"{setting.Name} is read-only in this namespace ({setting.Note ?? "file mode 0444"}).";
            case Native.EINVAL or Native.ERANGE:
                return $"The kernel refused {value.ToString(CultureInfo.InvariantCulture)} for {setting.Name}; it takes {RangeText(setting)}.";
            case Native.ENOMEM:
                return $"The kernel could not allocate memory for {value.ToString(CultureInfo.InvariantCulture)} {setting.Unit}: choose a smaller value.";
            case Native.ENOENT or Native.ENOTDIR:
                return $"This kernel has no {setting.Name} in this namespace (any more): is nf_conntrack loaded?";
            default:
                return "";
        }
    }

    private static int Distance(string a, string b)
    {
        var prev = new int[b.Length + 1];
        var cur = new int[b.Length + 1];
        for (var j = 0; j <= b.Length; j++) prev[j] = j;
        for (var i = 1; i <= a.Length; i++)
        {
            cur[0] = i;
            for (var j = 1; j <= b.Length; j++)
                cur[j] = Math.Min(Math.Min(cur[j - 1] + 1, prev[j] + 1), prev[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1));
            (prev, cur) = (cur, prev);
        }
        return prev[b.Length];
    }
}

/// <summary>A setting name that neither the catalog nor the namespace has.</summary>
public sealed class CtSettingNotFoundException(string name, IReadOnlyList<string> nearNames)
    : KeyNotFoundException($"There is no conntrack setting '{name}'." +
        (nearNames.Count > 0 ? $" Did you mean {string.Join(", ", nearNames)}?" : "") +
        " Get-CtSetting lists them all.")
{
    public string Name { get; } = name;
    public IReadOnlyList<string> NearNames { get; } = nearNames;
}

/// <summary>A setting this kernel does not have (removed, not built, or its module not loaded).</summary>
public sealed class CtSettingNotAvailableException(string name, string reason)
    : NotSupportedException($"{name} cannot be set: {reason}")
{
    public string Name { get; } = name;
    public string Reason { get; } = reason;
}

/// <summary>A value outside the range the kernel's ctl_table takes.</summary>
public sealed class CtSettingRangeException(string name, long value, long? minimum, long? maximum, string range)
    : ArgumentException($"{value.ToString(CultureInfo.InvariantCulture)} is out of range for {name}, which takes {range}.")
{
    public string Name { get; } = name;
    public long Value { get; } = value;
    public long? Minimum { get; } = minimum;
    public long? Maximum { get; } = maximum;
    public string Range { get; } = range;
}

/// <summary>The kernel refused to write a setting; <see cref="Errno"/> is its errno and <see cref="Advice"/> what to do.</summary>
public sealed class CtSettingWriteException(string name, long value, string backend, SysctlException inner, string advice)
    : IOException($"The kernel refused {name}={value.ToString(CultureInfo.InvariantCulture)} in {backend}: {inner.Message}." + (advice.Length > 0 ? " " + advice : ""), inner)
{
    public string Name { get; } = name;
    public long Value { get; } = value;
    public int Errno { get; } = inner.Errno;
    public string ErrnoName { get; } = inner.ErrnoName;
    public string Advice { get; } = advice;
}
