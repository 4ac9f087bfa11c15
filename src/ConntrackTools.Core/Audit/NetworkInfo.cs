using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Numerics;
using System.Text.Json;
using ConntrackTools.Kernel.Netlink;

namespace ConntrackTools.Audit;

/// <summary>
/// The interfaces, addresses, routes and reverse-path sysctls of a network namespace, as the
/// audits need them: what `ip -j addr`, `ip -j route show table all` and
/// /proc/sys/net/ipv{4,6}/conf/IF show inside that namespace.
/// </summary>
public sealed class NetworkInfo
{
    public List<NetworkInterfaceInfo> Interfaces { get; } = [];

    /// <summary>Unicast routes of every table but `local`, both families.</summary>
    public List<RouteInfo> Routes { get; } = [];

    /// <summary>net.ipv4.conf.all.rp_filter; null when it could not be read.</summary>
    public int? RpFilterAll { get; set; }

    /// <summary>False when the kernel has no IPv6 (booted with ipv6.disable=1, or built without it): no /proc/sys/net/ipv6.</summary>
    public bool IPv6Available { get; set; } = true;

    public NetworkInterfaceInfo? Interface(string name) => Interfaces.FirstOrDefault(i => i.Name == name);

    /// <summary>True when a default route (of any table) leaves through <paramref name="name"/>.</summary>
    public bool HasDefaultRoute(string name, CtFamily family) =>
        Routes.Any(r => r.Family == family && r.IsDefault && r.Devices.Contains(name));

    /// <summary>
    /// The networks an interface leads to: the prefixes of its own addresses and the destinations of
    /// the (non-default) routes through it. Link-local prefixes are left out: every IPv6 interface has
    /// fe80::/64, so they say nothing about which interface a source belongs to.
    /// </summary>
    public IReadOnlyList<IpPrefix> NetworksOf(string name, CtFamily family)
    {
        var result = new List<IpPrefix>();
        if (Interface(name) is { } i)
            foreach (var a in i.Addresses.Where(a => a.Family == family))
                result.Add(IpPrefix.Of(a.Address, a.PrefixLength));
        foreach (var r in Routes.Where(r => r.Family == family && !r.IsDefault && r.Devices.Contains(name)))
            result.Add(r.Destination);
        return result.Where(p => !p.IsLinkLocal).Distinct().OrderBy(p => p.First).ThenBy(p => p.Length).ToList();
    }

    /// <summary>Reads a namespace (null: the current one); `ip` and the sysctls are read inside it.</summary>
    public static NetworkInfo Read(string? networkNamespace)
    {
        if (networkNamespace is null) return ReadHere();
        return NetworkNamespace.Resolve(networkNamespace).Run(ReadHere);
    }

    /// <summary>Reads the calling thread's namespace: the processes started and the /proc/sys files opened follow the thread's namespace.</summary>
    internal static NetworkInfo ReadHere()
    {
        var addr = NativeTool.Run("ip", "-j", "addr", "show")
            ?? throw new NativeToolException("ip", "The `ip` command (iproute2) is not installed; it lists the interfaces and routes the audit checks: install iproute2.", notInstalled: true);
        addr.ThrowIfFailed();
        var routes4 = NativeTool.Run("ip", "-j", "-4", "route", "show", "table", "all")!;
        routes4.ThrowIfFailed();
        var ipv6 = Directory.Exists("/proc/sys/net/ipv6");
        var routes6 = ipv6 ? NativeTool.Run("ip", "-j", "-6", "route", "show", "table", "all")! : null;
        routes6?.ThrowIfFailed();
        var info = Parse(addr.Stdout, routes4.Stdout, routes6?.Stdout ?? "[]");
        info.IPv6Available = ipv6;
        info.RpFilterAll = ReadInt("/proc/sys/net/ipv4/conf/all/rp_filter");
        foreach (var i in info.Interfaces)
        {
            i.RpFilter = ReadInt($"/proc/sys/net/ipv4/conf/{i.Name}/rp_filter");
            // No conf/IF directory: the interface has no inet6_dev (an MTU below 1280), so ipv6_rcv drops everything too.
            var disable = ipv6 ? ReadInt($"/proc/sys/net/ipv6/conf/{i.Name}/disable_ipv6") : null;
            i.IPv6Disabled = !ipv6 || disable == 1 || (disable is null && !Directory.Exists($"/proc/sys/net/ipv6/conf/{i.Name}"));
        }
        return info;
    }

    /// <summary>Builds the model from `ip -j addr` and `ip -j -4|-6 route show table all` output (sysctls are left unset).</summary>
    public static NetworkInfo Parse(string addrJson, string routes4Json, string routes6Json)
    {
        var info = new NetworkInfo();
        using (var doc = JsonDocument.Parse(Empty(addrJson)))
            foreach (var link in doc.RootElement.EnumerateArray())
            {
                var flags = link.TryGetProperty("flags", out var f) && f.ValueKind == JsonValueKind.Array
                    ? f.EnumerateArray().Select(x => x.GetString() ?? "").ToList() : [];
                var i = new NetworkInterfaceInfo
                {
                    Name = Str(link, "ifname"),
                    Index = link.TryGetProperty("ifindex", out var ix) && ix.ValueKind == JsonValueKind.Number ? ix.GetInt32() : 0,
                    Flags = flags,
                    IsLoopback = flags.Contains("LOOPBACK"),
                    IsUp = flags.Contains("UP"),
                };
                if (link.TryGetProperty("addr_info", out var addrs) && addrs.ValueKind == JsonValueKind.Array)
                    foreach (var a in addrs.EnumerateArray())
                    {
                        var family = Str(a, "family") switch { "inet" => CtFamily.IPv4, "inet6" => CtFamily.IPv6, _ => CtFamily.Unspecified };
                        if (family == CtFamily.Unspecified || !IPAddress.TryParse(Str(a, "local"), out var address)) continue;
                        var len = a.TryGetProperty("prefixlen", out var pl) && pl.ValueKind == JsonValueKind.Number ? pl.GetInt32() : family == CtFamily.IPv4 ? 32 : 128;
                        i.Addresses.Add(new InterfaceAddress(family, address, len, Str(a, "scope")));
                    }
                if (i.Name.Length > 0) info.Interfaces.Add(i);
            }
        AddRoutes(info, routes4Json, CtFamily.IPv4);
        AddRoutes(info, routes6Json, CtFamily.IPv6);
        return info;
    }

    private static void AddRoutes(NetworkInfo info, string json, CtFamily family)
    {
        using var doc = JsonDocument.Parse(Empty(json));
        foreach (var r in doc.RootElement.EnumerateArray())
        {
            // Unicast routes only (no "type" means unicast); the local table holds the host's own
            // addresses, broadcast and multicast, which say nothing about where sources are.
            if (r.TryGetProperty("type", out var type) && type.GetString() != "unicast") continue;
            if (Str(r, "table") == "local") continue;
            var dst = Str(r, "dst");
            IpPrefix prefix;
            if (dst == "default") prefix = IpPrefix.All(family);
            else if (!IpPrefix.TryParse(dst, out prefix)) continue;
            var devices = new List<string>();
            if (Str(r, "dev") is { Length: > 0 } dev) devices.Add(dev);
            if (r.TryGetProperty("nexthops", out var hops) && hops.ValueKind == JsonValueKind.Array)
                devices.AddRange(hops.EnumerateArray().Select(h => Str(h, "dev")).Where(d => d.Length > 0));
            if (devices.Count == 0) continue;
            info.Routes.Add(new RouteInfo(family, prefix, devices.Distinct().ToList(), dst == "default" || prefix.Length == 0, Str(r, "table") is { Length: > 0 } t ? t : "main"));
        }
    }

    private static string Empty(string json) => string.IsNullOrWhiteSpace(json) ? "[]" : json;

    private static string Str(JsonElement o, string name) =>
        o.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() ?? "" : "";

    private static int? ReadInt(string path)
    {
        try
        {
            return int.TryParse(File.ReadAllText(path).Trim(), NumberStyles.Integer, CultureInfo.InvariantCulture, out var v) ? v : null;
        }
        catch (IOException)
        {
            return null;
        }
        catch (UnauthorizedAccessException)
        {
            return null;
        }
    }
}

/// <summary>One interface of a namespace.</summary>
public sealed class NetworkInterfaceInfo
{
    public string Name { get; init; } = "";
    public int Index { get; init; }
    public IReadOnlyList<string> Flags { get; init; } = [];
    public bool IsLoopback { get; init; }
    public bool IsUp { get; init; }
    public List<InterfaceAddress> Addresses { get; } = [];

    /// <summary>net.ipv4.conf.IF.rp_filter; null when not read.</summary>
    public int? RpFilter { get; set; }

    /// <summary>net.ipv6.conf.IF.disable_ipv6 is 1 (or the kernel has no IPv6): the interface drops every IPv6 packet (ipv6_rcv).</summary>
    public bool IPv6Disabled { get; set; }

    public override string ToString() => Name;
}

public sealed record InterfaceAddress(CtFamily Family, IPAddress Address, int PrefixLength, string Scope)
{
    public override string ToString() => $"{Address}/{PrefixLength}";
}

/// <summary>A route: its destination and the interfaces it leaves through (several for multipath).</summary>
public sealed record RouteInfo(CtFamily Family, IpPrefix Destination, IReadOnlyList<string> Devices, bool IsDefault, string Table);

/// <summary>An address prefix (network address and length), as a range of addresses.</summary>
public readonly record struct IpPrefix(CtFamily Family, UInt128 First, int Length)
{
    public int Bits => Family == CtFamily.IPv4 ? 32 : 128;

    public UInt128 Last => Length == 0 ? Max(Family) : First | ((UInt128.One << (Bits - Length)) - 1);

    public bool IsLinkLocal => Family == CtFamily.IPv6 && Length >= 10 && (First >> 118) == 0x3FA; // fe80::/10

    public static UInt128 Max(CtFamily family) => family == CtFamily.IPv4 ? uint.MaxValue : UInt128.MaxValue;

    public static IpPrefix All(CtFamily family) => new(family, 0, 0);

    public static IpPrefix Of(IPAddress address, int length)
    {
        var family = address.AddressFamily == AddressFamily.InterNetwork ? CtFamily.IPv4 : CtFamily.IPv6;
        var bits = family == CtFamily.IPv4 ? 32 : 128;
        length = Math.Clamp(length, 0, bits);
        var value = ToNumber(address);
        var mask = length == 0 ? UInt128.Zero : Max(family) ^ ((UInt128.One << (bits - length)) - 1);
        return new IpPrefix(family, value & mask, length);
    }

    /// <summary>"10.0.0.0/8", "10.1.2.3" (a host), "fe80::/10".</summary>
    public static bool TryParse(string text, out IpPrefix prefix)
    {
        prefix = default;
        var slash = text.IndexOf('/', StringComparison.Ordinal);
        var addressText = slash < 0 ? text : text[..slash];
        if (addressText.Contains('%', StringComparison.Ordinal) || !IPAddress.TryParse(addressText, out var address)) return false;
        if (address.IsIPv4MappedToIPv6) return false;
        var bits = address.AddressFamily == AddressFamily.InterNetwork ? 32 : 128;
        var length = bits;
        if (slash >= 0 && !(int.TryParse(text[(slash + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out length) && length <= bits)) return false;
        prefix = Of(address, length);
        return true;
    }

    public static UInt128 ToNumber(IPAddress address)
    {
        var bytes = address.GetAddressBytes();
        UInt128 v = 0;
        foreach (var b in bytes) v = (v << 8) | b;
        return v;
    }

    public static IPAddress ToAddress(CtFamily family, UInt128 value)
    {
        var bytes = new byte[family == CtFamily.IPv4 ? 4 : 16];
        for (var i = bytes.Length - 1; i >= 0; i--, value >>= 8) bytes[i] = (byte)(value & 0xFF);
        return new IPAddress(bytes);
    }

    public override string ToString() => $"{ToAddress(Family, First)}/{Length}";
}

/// <summary>
/// A set of addresses of one family as sorted, disjoint ranges: what the anti-spoofing audit
/// computes with (networks of an interface, sources a rule drops or lets through).
/// </summary>
public sealed class AddressSet
{
    private readonly List<(UInt128 First, UInt128 Last)> _ranges = [];

    public AddressSet(CtFamily family) => Family = family;

    public CtFamily Family { get; }

    public bool IsEmpty => _ranges.Count == 0;

    public IReadOnlyList<(UInt128 First, UInt128 Last)> Ranges => _ranges;

    public static AddressSet All(CtFamily family) => new AddressSet(family).Add(0, IpPrefix.Max(family));

    public static AddressSet Of(CtFamily family, IEnumerable<IpPrefix> prefixes)
    {
        var set = new AddressSet(family);
        foreach (var p in prefixes.Where(p => p.Family == family)) set.Add(p.First, p.Last);
        return set;
    }

    public AddressSet Clone()
    {
        var c = new AddressSet(Family);
        c._ranges.AddRange(_ranges);
        return c;
    }

    public AddressSet Add(UInt128 first, UInt128 last)
    {
        _ranges.Add((first, last));
        _ranges.Sort((a, b) => a.First.CompareTo(b.First));
        var merged = new List<(UInt128 First, UInt128 Last)>();
        foreach (var r in _ranges)
        {
            if (merged.Count > 0 && (merged[^1].Last == UInt128.MaxValue || r.First <= merged[^1].Last + 1))
                merged[^1] = (merged[^1].First, UInt128.Max(merged[^1].Last, r.Last));
            else merged.Add(r);
        }
        _ranges.Clear();
        _ranges.AddRange(merged);
        return this;
    }

    public AddressSet Union(AddressSet other)
    {
        var c = Clone();
        foreach (var (a, b) in other._ranges) c.Add(a, b);
        return c;
    }

    public AddressSet Complement()
    {
        var c = new AddressSet(Family);
        UInt128 next = 0;
        var done = false;
        foreach (var (a, b) in _ranges)
        {
            if (a > next) c._ranges.Add((next, a - 1));
            if (b == IpPrefix.Max(Family)) { done = true; break; }
            next = b + 1;
        }
        if (!done) c._ranges.Add((next, IpPrefix.Max(Family)));
        return c;
    }

    public AddressSet Except(AddressSet other) => Intersect(other.Complement());

    public AddressSet Intersect(AddressSet other)
    {
        var c = new AddressSet(Family);
        foreach (var (a, b) in _ranges)
            foreach (var (x, y) in other._ranges)
            {
                var lo = UInt128.Max(a, x);
                var hi = UInt128.Min(b, y);
                if (lo <= hi) c._ranges.Add((lo, hi));
            }
        c._ranges.Sort((p, q) => p.First.CompareTo(q.First));
        return c;
    }

    /// <summary>True when every address of <paramref name="other"/> is in this set.</summary>
    public bool Covers(AddressSet other) => other.Except(this).IsEmpty;

    /// <summary>The ranges as prefixes (a range that is not one prefix is split), for messages.</summary>
    public IEnumerable<IpPrefix> ToPrefixes()
    {
        var bits = Family == CtFamily.IPv4 ? 32 : 128;
        foreach (var (first, last) in _ranges)
        {
            var a = first;
            while (true)
            {
                // The largest aligned block that starts at a and ends within last.
                var len = bits - (a == 0 ? bits : (int)UInt128.TrailingZeroCount(a));
                while (len < bits && new IpPrefix(Family, a, len).Last > last) len++;
                var p = new IpPrefix(Family, a, len);
                yield return p;
                if (p.Last >= last) break;
                a = p.Last + 1;
            }
        }
    }

    public override string ToString() => IsEmpty ? "none" : string.Join(", ", ToPrefixes());
}
