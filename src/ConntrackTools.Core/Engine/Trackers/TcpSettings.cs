using System.Globalization;

namespace ConntrackTools.Engine;

/// <summary>
/// The nf_conntrack_tcp_* sysctls (/proc/sys/net/netfilter) with the kernel's defaults
/// (nf_conntrack_tcp_init_net, tcp_timeouts[]). Timeouts are in seconds.
/// </summary>
internal sealed class TcpSettings
{
    public const string LooseName = "nf_conntrack_tcp_loose";
    public const string BeLiberalName = "nf_conntrack_tcp_be_liberal";
    public const string IgnoreInvalidRstName = "nf_conntrack_tcp_ignore_invalid_rst";
    public const string MaxRetransName = "nf_conntrack_tcp_max_retrans";
    private const string TimeoutPrefix = "nf_conntrack_tcp_timeout_";

    // Sysctl suffix → slot in the kernel's timeouts[TCP_CONNTRACK_TIMEOUT_MAX]. SYN_SENT2 has no
    // sysctl (only a cttimeout policy sets it).
    private static readonly (string Name, TcpConntrack Slot)[] TimeoutNames =
    [
        ("syn_sent", TcpConntrack.SynSent),
        ("syn_recv", TcpConntrack.SynRecv),
        ("established", TcpConntrack.Established),
        ("fin_wait", TcpConntrack.FinWait),
        ("close_wait", TcpConntrack.CloseWait),
        ("last_ack", TcpConntrack.LastAck),
        ("time_wait", TcpConntrack.TimeWait),
        ("close", TcpConntrack.Close),
        ("max_retrans", TcpConntrack.Retrans),
        ("unacknowledged", TcpConntrack.Unack),
    ];

    private readonly uint[] _timeouts = new uint[(int)TcpConntrack.Unack + 1];

    public TcpSettings()
    {
        TimeoutSynSent = 120;
        TimeoutSynRecv = 60;
        TimeoutEstablished = 432000;
        TimeoutFinWait = 120;
        TimeoutCloseWait = 60;
        TimeoutLastAck = 30;
        TimeoutTimeWait = 120;
        TimeoutClose = 10;
        TimeoutSynSent2 = 120;
        TimeoutMaxRetrans = 300;
        TimeoutUnacknowledged = 300;
    }

    /// <summary>The sysctl names <see cref="Set"/> and <see cref="Get"/> take.</summary>
    public static IReadOnlyList<string> SysctlNames { get; } =
        [LooseName, BeLiberalName, IgnoreInvalidRstName, MaxRetransName, .. TimeoutNames.Select(t => TimeoutPrefix + t.Name)];

    /// <summary>nf_conntrack_tcp_loose: pick up connections in the middle (default on).</summary>
    public bool Loose { get; set; } = true;

    /// <summary>nf_conntrack_tcp_be_liberal: only out-of-window RSTs are INVALID (default off).</summary>
    public bool BeLiberal { get; set; }

    /// <summary>nf_conntrack_tcp_ignore_invalid_rst: skip the RST sequence check (default off).</summary>
    public bool IgnoreInvalidRst { get; set; }

    /// <summary>nf_conntrack_tcp_max_retrans: retransmissions before the max_retrans timeout applies (default 3).</summary>
    public byte MaxRetrans { get; set; } = 3;

    public uint TimeoutSynSent { get => this[TcpConntrack.SynSent]; set => SetTimeout(TcpConntrack.SynSent, value); }
    public uint TimeoutSynRecv { get => this[TcpConntrack.SynRecv]; set => this[TcpConntrack.SynRecv] = value; }
    public uint TimeoutEstablished { get => this[TcpConntrack.Established]; set => this[TcpConntrack.Established] = value; }
    public uint TimeoutFinWait { get => this[TcpConntrack.FinWait]; set => this[TcpConntrack.FinWait] = value; }
    public uint TimeoutCloseWait { get => this[TcpConntrack.CloseWait]; set => this[TcpConntrack.CloseWait] = value; }
    public uint TimeoutLastAck { get => this[TcpConntrack.LastAck]; set => this[TcpConntrack.LastAck] = value; }
    public uint TimeoutTimeWait { get => this[TcpConntrack.TimeWait]; set => this[TcpConntrack.TimeWait] = value; }
    public uint TimeoutClose { get => this[TcpConntrack.Close]; set => this[TcpConntrack.Close] = value; }
    /// <summary>SYN_SENT2 (no sysctl; 120 s as in tcp_timeouts[]).</summary>
    public uint TimeoutSynSent2 { get => this[TcpConntrack.SynSent2]; set => this[TcpConntrack.SynSent2] = value; }
    /// <summary>nf_conntrack_tcp_timeout_max_retrans (TCP_CONNTRACK_RETRANS).</summary>
    public uint TimeoutMaxRetrans { get => this[TcpConntrack.Retrans]; set => this[TcpConntrack.Retrans] = value; }
    /// <summary>nf_conntrack_tcp_timeout_unacknowledged (TCP_CONNTRACK_UNACK).</summary>
    public uint TimeoutUnacknowledged { get => this[TcpConntrack.Unack]; set => this[TcpConntrack.Unack] = value; }

    /// <summary>timeouts[slot] in seconds.</summary>
    internal uint this[TcpConntrack slot]
    {
        get => _timeouts[(int)slot];
        private set => _timeouts[(int)slot] = value;
    }

    // timeouts[0] follows SYN_SENT, as nf_conntrack_tcp_init_net sets it.
    private void SetTimeout(TcpConntrack slot, uint value)
    {
        this[slot] = value;
        if (slot == TcpConntrack.SynSent) this[TcpConntrack.None] = value;
    }

    /// <summary>Sets a setting by its sysctl name (with or without the net.netfilter. prefix), range-checked as the kernel does.</summary>
    public void Set(string name, long value)
    {
        var key = Key(name);
        switch (key)
        {
            case LooseName: Loose = Bool(name, value); return;
            case BeLiberalName: BeLiberal = Bool(name, value); return;
            case IgnoreInvalidRstName: IgnoreInvalidRst = Bool(name, value); return;
            case MaxRetransName:
                if (value is < 0 or > byte.MaxValue) throw new ArgumentOutOfRangeException(nameof(value), value, $"{name} takes 0..255");
                MaxRetrans = (byte)value;
                return;
        }
        var slot = TimeoutSlot(key) ?? throw Unknown(name);
        if (value is < 0 or > int.MaxValue) throw new ArgumentOutOfRangeException(nameof(value), value, $"{name} takes 0..{int.MaxValue} seconds");
        SetTimeout(slot, (uint)value);
    }

    /// <summary>Reads a setting by its sysctl name, as /proc/sys/net/netfilter shows it.</summary>
    public long Get(string name)
    {
        var key = Key(name);
        return key switch
        {
            LooseName => Loose ? 1 : 0,
            BeLiberalName => BeLiberal ? 1 : 0,
            IgnoreInvalidRstName => IgnoreInvalidRst ? 1 : 0,
            MaxRetransName => MaxRetrans,
            _ => this[TimeoutSlot(key) ?? throw Unknown(name)],
        };
    }

    private static string Key(string name)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        var key = name.Trim().Replace('/', '.');
        const string prefix = "net.netfilter.";
        return key.StartsWith(prefix, StringComparison.Ordinal) ? key[prefix.Length..] : key;
    }

    private static TcpConntrack? TimeoutSlot(string key)
    {
        if (!key.StartsWith(TimeoutPrefix, StringComparison.Ordinal)) return null;
        var suffix = key[TimeoutPrefix.Length..];
        foreach (var (n, slot) in TimeoutNames)
            if (n == suffix) return slot;
        return null;
    }

    private static bool Bool(string name, long value) => value switch
    {
        0 => false,
        1 => true,
        _ => throw new ArgumentOutOfRangeException(nameof(value), value, string.Create(CultureInfo.InvariantCulture, $"{name} takes 0 or 1")),
    };

    private static ArgumentException Unknown(string name) =>
        new($"'{name}' is not a TCP conntrack sysctl; known: {string.Join(", ", SysctlNames)}", nameof(name));
}
