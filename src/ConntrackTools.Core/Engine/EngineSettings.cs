using System.Globalization;
using System.Net;

namespace ConntrackTools.Engine;

/// <summary>
/// An engine's knobs, named as the kernel's /proc/sys/net/netfilter sysctls so that an engine can
/// be set up like the firewall it stands in for: every nf_conntrack_* timeout, the TCP options,
/// nf_conntrack_acct, nf_conntrack_timestamp and nf_conntrack_max. Plus the raw-table rules
/// (NOTRACK, zone, mark) that decide what is tracked and where.
/// </summary>
public sealed class EngineSettings
{
    internal TcpSettings Tcp { get; } = new();
    internal ProtocolTimeouts Timeouts { get; } = new();

    /// <summary>nf_conntrack_acct: keep packet and byte counters (on by default here, off in the kernel).</summary>
    public bool Accounting { get; set; } = true;

    /// <summary>nf_conntrack_timestamp: keep start and stop times (on by default here, off in the kernel).</summary>
    public bool Timestamps { get; set; } = true;

    /// <summary>nf_conntrack_max: the table's limit; new flows beyond it are dropped (early drop is not modelled).</summary>
    public int Max { get; set; } = 262144;

    /// <summary>nf_conntrack_helper: assign helpers by port to connections no rule gave one (off, as kernels before 6.0 were told to be; later kernels lack it).</summary>
    public bool AutomaticHelpers { get; set; }

    /// <summary>nf_conntrack_expect_max: the expectation table's limit.</summary>
    public int ExpectMax { get; set; } = 4096;

    /// <summary>The raw-table rules, in order: what is not tracked, and which zone or mark a packet gets.</summary>
    public IList<EngineRule> Rules { get; } = new List<EngineRule>();

    private readonly Dictionary<string, long> _helperOptions = new(StringComparer.Ordinal);

    /// <summary>Every name <see cref="Set"/> takes: the sysctls, then the helpers' module options ("nf_conntrack_ftp.loose").</summary>
    public static IReadOnlyList<string> SettingNames { get; } =
        [.. TcpSettings.SysctlNames, .. ProtocolTimeouts.SysctlNames, "nf_conntrack_acct", "nf_conntrack_timestamp", "nf_conntrack_max",
         "nf_conntrack_helper", "nf_conntrack_expect_max", .. Helpers.HelperRegistry.Options.Keys];

    /// <summary>A helper's module option, set or default.</summary>
    public long HelperOption(string name) =>
        TryGetHelperOption(name, out var v) ? v : Helpers.HelperRegistry.Options[name];

    internal bool TryGetHelperOption(string name, out long value) => _helperOptions.TryGetValue(name, out value);

    /// <summary>Sets a value by sysctl name (with or without "net.netfilter."); unknown names throw ArgumentException.</summary>
    public void Set(string name, long value)
    {
        ArgumentNullException.ThrowIfNull(name);
        var bare = Sysctl.Normalize(name);
        switch (bare)
        {
            case "nf_conntrack_acct": Accounting = value != 0; return;
            case "nf_conntrack_timestamp": Timestamps = value != 0; return;
            case "nf_conntrack_max":
                if (value is < 1 or > int.MaxValue) throw new ArgumentOutOfRangeException(nameof(value), value, "nf_conntrack_max is 1 or more.");
                Max = (int)value;
                return;
            case "nf_conntrack_helper": AutomaticHelpers = value != 0; return;
            case "nf_conntrack_expect_max":
                if (value is < 1 or > int.MaxValue) throw new ArgumentOutOfRangeException(nameof(value), value, "nf_conntrack_expect_max is 1 or more.");
                ExpectMax = (int)value;
                return;
        }
        if (bare.Contains('.'))
        {
            if (!Helpers.HelperRegistry.Options.ContainsKey(bare))
                throw new ArgumentException($"'{name}' is not a helper option. Options are: {string.Join(", ", Helpers.HelperRegistry.Options.Keys)}.", nameof(name));
            if (value is < 0 or > uint.MaxValue) throw new ArgumentOutOfRangeException(nameof(value), value, $"{bare} is 0 or a positive number.");
            _helperOptions[bare] = value;
            return;
        }
        if (TcpSettings.SysctlNames.Contains(bare)) { Tcp.Set(bare, value); return; }
        if (!ProtocolTimeouts.SysctlNames.Contains(bare))
            throw new ArgumentException($"'{name}' is not an engine setting. Settings are the nf_conntrack sysctls: {string.Join(", ", SettingNames)}.", nameof(name));
        if (value is < 0 or > uint.MaxValue) throw new ArgumentOutOfRangeException(nameof(value), value, $"{bare} is a number of seconds.");
        Timeouts.Set(bare, (uint)value);
    }

    /// <summary>Reads a value by sysctl name.</summary>
    public long Get(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        var bare = Sysctl.Normalize(name);
        switch (bare)
        {
            case "nf_conntrack_acct": return Accounting ? 1 : 0;
            case "nf_conntrack_timestamp": return Timestamps ? 1 : 0;
            case "nf_conntrack_max": return Max;
            case "nf_conntrack_helper": return AutomaticHelpers ? 1 : 0;
            case "nf_conntrack_expect_max": return ExpectMax;
        }
        if (Helpers.HelperRegistry.Options.ContainsKey(bare)) return HelperOption(bare);
        if (TcpSettings.SysctlNames.Contains(bare)) return Tcp.Get(bare);
        if (Timeouts.TryGet(bare, out var v)) return v;
        throw new ArgumentException($"'{name}' is not an engine setting.", nameof(name));
    }

    /// <summary>Every setting and its value, sorted by name.</summary>
    public IReadOnlyDictionary<string, long> ToDictionary() =>
        new SortedDictionary<string, long>(SettingNames.ToDictionary(n => n, Get), StringComparer.Ordinal);
}

/// <summary>What a raw-table rule does to the packets it matches.</summary>
public enum EngineRuleAction
{
    /// <summary>nft `notrack`: the packet is not tracked (no entry, no helper, no RELATED).</summary>
    NoTrack,
    /// <summary>nft `ct zone set N`: the packet is tracked in zone N.</summary>
    Zone,
    /// <summary>nft `meta mark set N` before conntrack: new entries get the mark N.</summary>
    Mark,
    /// <summary>nft `ct helper set NAME`: a new connection of the helper's protocol gets the helper (the first such rule wins).</summary>
    Helper,
}

/// <summary>
/// A raw-table rule (priority -300, before conntrack), matched on the packet's own fields, as nft
/// matches them: a rule for `udp dport 53` does not match the answers, whose source port is 53.
/// Null fields match anything; Port matches either port.
/// </summary>
public sealed class EngineRule
{
    public EngineRuleAction Action { get; set; }

    /// <summary>For Zone and Mark: the zone or mark set.</summary>
    public uint Value { get; set; }

    /// <summary>For Helper: the helper's name ("ftp", "sip", ...).</summary>
    public string? Helper { get; set; }

    // The helpers named by Helper (sip has one per protocol), looked up once per name rather than per packet.
    private string? _resolved;
    private Helpers.ConntrackHelper[] _helpers = [];

    /// <summary>The helper this rule assigns to a packet of this protocol and family, or null (nft ignores an object of another protocol).</summary>
    internal Helpers.ConntrackHelper? HelperFor(CtProtocol protocol, CtFamily family)
    {
        if (!ReferenceEquals(_resolved, Helper))
        {
            _helpers = Helper is null ? [] : [.. Helpers.HelperRegistry.All.Where(h => string.Equals(h.Name, Helper, StringComparison.OrdinalIgnoreCase))];
            _resolved = Helper;
        }
        foreach (var h in _helpers)
            if (h.Protocol == protocol) return h.Supports(family) ? h : null;
        return null;
    }
    public CtFamily? Family { get; set; }
    public CtProtocol? Protocol { get; set; }
    public IPNetwork? Source { get; set; }
    public IPNetwork? Destination { get; set; }
    public ushort? SourcePort { get; set; }
    public ushort? DestinationPort { get; set; }

    /// <summary>Either port (nft `th sport N` or `th dport N`).</summary>
    public ushort? Port { get; set; }

    internal bool Matches(CtFamily family, byte protocol, UInt128 src, UInt128 dst, ushort sport, ushort dport, bool hasPorts)
    {
        if (Family is { } f && f != family) return false;
        if (Protocol is { } p && (byte)p != protocol) return false;
        if (Source is { } s && !Contains(s, family, src)) return false;
        if (Destination is { } d && !Contains(d, family, dst)) return false;
        if (SourcePort is { } sp && (!hasPorts || sp != sport)) return false;
        if (DestinationPort is { } dp && (!hasPorts || dp != dport)) return false;
        if (Port is { } pp && (!hasPorts || (pp != sport && pp != dport))) return false;
        return true;
    }

    private static bool Contains(IPNetwork network, CtFamily family, UInt128 address)
    {
        var v6 = network.BaseAddress.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6;
        if (v6 != (family == CtFamily.IPv6)) return false;
        Span<byte> bytes = stackalloc byte[16];
        network.BaseAddress.TryWriteBytes(bytes, out var n);
        var bits = v6 ? 128 : 32;
        var net = v6 ? System.Buffers.Binary.BinaryPrimitives.ReadUInt128BigEndian(bytes) : System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(bytes);
        if (network.PrefixLength == 0) return true;
        var shift = bits - network.PrefixLength;
        return (address >> shift) == (net >> shift);
    }

    /// <summary>
    /// Reads a rule in nft's words: optional match terms (ip, ip6, a protocol name or number,
    /// saddr/daddr ADDRESS[/LEN], sport/dport/port N) then one action: notrack, ct zone set N,
    /// meta mark set N (or mark set N), ct helper set NAME. Example: "udp dport 53 notrack", "ip saddr 10.0.0.0/8 ct zone set 5".
    /// </summary>
    public static EngineRule Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var t = text.Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries);
        var rule = new EngineRule();
        var i = 0;
        string Next(string after) => i < t.Length ? t[i++] : throw Bad(text, $"'{after}' needs a value");
        uint Number(string s) => s.StartsWith("0x", StringComparison.OrdinalIgnoreCase)
            ? uint.Parse(s[2..], NumberStyles.HexNumber, CultureInfo.InvariantCulture)
            : uint.TryParse(s, NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n : throw Bad(text, $"'{s}' is not a number");
        ushort PortNumber(string s) => ushort.TryParse(s, NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n : throw Bad(text, $"'{s}' is not a port");
        // nft takes a bare address as the host itself.
        IPNetwork Network(string s) =>
            IPNetwork.TryParse(s, out var n) ? n
            : IPAddress.TryParse(s, out var a) ? new IPNetwork(a, a.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork ? 32 : 128)
            : throw Bad(text, $"'{s}' is not an address or ADDRESS/LENGTH");
        bool action = false;
        while (i < t.Length)
        {
            var word = t[i++].ToLowerInvariant();
            for (var k = i; k < t.Length; k++) t[k] = t[k].ToLowerInvariant() is "zone" or "set" or "mark" ? t[k].ToLowerInvariant() : t[k];
            switch (word)
            {
                case "ip": rule.Family = CtFamily.IPv4; break;
                case "ip6": rule.Family = CtFamily.IPv6; break;
                case "saddr": rule.Source = Network(Next(word)); break;
                case "daddr": rule.Destination = Network(Next(word)); break;
                case "sport": rule.SourcePort = PortNumber(Next(word)); break;
                case "dport": rule.DestinationPort = PortNumber(Next(word)); break;
                case "port": rule.Port = PortNumber(Next(word)); break;
                case "th": break;
                case "notrack": rule.Action = EngineRuleAction.NoTrack; action = true; break;
                case "ct" when i < t.Length && t[i].Equals("helper", StringComparison.OrdinalIgnoreCase):
                    i++;
                    if (!Next("helper").Equals("set", StringComparison.OrdinalIgnoreCase)) throw Bad(text, "expected 'ct helper set NAME'");
                    rule.Helper = Next("set").Trim('"');
                    if (Helpers.HelperRegistry.Find(rule.Helper) is null) throw Bad(text, $"there is no helper '{rule.Helper}' (helpers: {Helpers.HelperRegistry.Names})");
                    rule.Action = EngineRuleAction.Helper;
                    action = true;
                    break;
                case "ct":
                    if (Next(word) != "zone" || Next("zone") != "set") throw Bad(text, "expected 'ct zone set N'");
                    rule.Action = EngineRuleAction.Zone;
                    rule.Value = Number(Next("set"));
                    if (rule.Value > ushort.MaxValue) throw Bad(text, "a zone is 0 to 65535");
                    action = true;
                    break;
                case "meta":
                case "mark":
                    if (word == "meta" && Next(word) != "mark") throw Bad(text, "expected 'meta mark set N'");
                    if (Next("mark") != "set") throw Bad(text, "expected 'mark set N'");
                    rule.Action = EngineRuleAction.Mark;
                    rule.Value = Number(Next("set"));
                    action = true;
                    break;
                default:
                    if (Enum.TryParse<CtProtocol>(word, ignoreCase: true, out var p) && !int.TryParse(word, out _)) rule.Protocol = p;
                    else if (word == "icmpv6" || word == "ipv6-icmp") rule.Protocol = CtProtocol.IcmpV6;
                    else if (byte.TryParse(word, NumberStyles.None, CultureInfo.InvariantCulture, out var b)) rule.Protocol = (CtProtocol)b;
                    else throw Bad(text, $"'{word}' is not understood");
                    break;
            }
        }
        if (!action) throw Bad(text, "it has no action (notrack, ct zone set N, meta mark set N, ct helper set NAME)");
        return rule;
    }

    private static ArgumentException Bad(string text, string why) =>
        new($"The rule '{text}' cannot be read: {why}. Rules read like nft's: 'udp dport 53 notrack', 'ip saddr 10.0.0.0/8 ct zone set 5', 'tcp port 80 meta mark set 0x1', 'ip daddr 192.0.2.1 tcp dport 21 ct helper set ftp'.");

    public override string ToString()
    {
        var parts = new List<string>();
        // As nft writes it: the network match with its addresses, then the protocol with its ports.
        if (Family is { } f) parts.Add(f == CtFamily.IPv6 ? "ip6" : "ip");
        if (Source is { } s) parts.Add($"saddr {s}");
        if (Destination is { } d) parts.Add($"daddr {d}");
        if (Protocol is { } p) parts.Add(p.ToString().ToLowerInvariant());
        if (SourcePort is { } sp) parts.Add($"sport {sp}");
        if (DestinationPort is { } dp) parts.Add($"dport {dp}");
        if (Port is { } pp) parts.Add($"port {pp}");
        parts.Add(Action switch
        {
            EngineRuleAction.NoTrack => "notrack",
            EngineRuleAction.Zone => $"ct zone set {Value}",
            EngineRuleAction.Helper => $"ct helper set \"{Helper}\"",
            _ => string.Create(CultureInfo.InvariantCulture, $"meta mark set 0x{Value:x}"),
        });
        return string.Join(' ', parts);
    }
}
