using System.Net;
using System.Net.Sockets;

namespace ConntrackTools.Kernel.Nftables;

/// <summary>
/// Addresses, prefixes and ranges compared by what they cover. nft stores an address set as
/// intervals and prints it merged: 10.0.0.0/25 and 10.0.0.128/25 come back as 10.0.0.0/24, a /32 as
/// the bare address, an address inside a prefix not at all. So a list that was asked for and the
/// list nft prints are the same when they cover the same addresses, not when their texts match.
/// </summary>
public static class NftAddressRanges
{
    /// <summary>True when both lists cover the same addresses (texts that are not addresses compare literally).</summary>
    public static bool SameCoverage(IEnumerable<string> a, IEnumerable<string> b)
    {
        var x = Merge(a);
        var y = Merge(b);
        if (x is null || y is null)
            return a.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).SequenceEqual(b.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal));
        return x.SequenceEqual(y);
    }

    /// <summary>The covered intervals, merged and sorted; null when an item is not an address, prefix or range.</summary>
    public static List<(AddressFamily Family, UInt128 First, UInt128 Last)>? Merge(IEnumerable<string> items)
    {
        var ranges = new List<(AddressFamily Family, UInt128 First, UInt128 Last)>();
        foreach (var item in items)
        {
            if (Parse(item) is not { } r) return null;
            ranges.Add(r);
        }
        ranges.Sort();
        var merged = new List<(AddressFamily Family, UInt128 First, UInt128 Last)>();
        foreach (var r in ranges)
        {
            if (merged.Count > 0 && merged[^1] is var last && last.Family == r.Family && (last.Last == UInt128.MaxValue || r.First <= last.Last + 1))
            {
                if (r.Last > last.Last) merged[^1] = (last.Family, last.First, r.Last);
                continue;
            }
            merged.Add(r);
        }
        return merged;
    }

    private static (AddressFamily, UInt128, UInt128)? Parse(string item)
    {
        var dash = item.IndexOf('-');
        if (dash > 0)
        {
            var a = Address(item[..dash]);
            var b = Address(item[(dash + 1)..]);
            if (a is null || b is null || a.Value.Family != b.Value.Family || a.Value.Value > b.Value.Value) return null;
            return (a.Value.Family, a.Value.Value, b.Value.Value);
        }
        var slash = item.IndexOf('/');
        var addr = Address(slash < 0 ? item : item[..slash]);
        if (addr is not { } x) return null;
        var bits = x.Family == AddressFamily.InterNetwork ? 32 : 128;
        var len = bits;
        if (slash >= 0 && (!int.TryParse(item[(slash + 1)..], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out len) || len > bits)) return null;
        var host = bits - len == 128 ? UInt128.MaxValue : (UInt128.One << (bits - len)) - 1;
        return (x.Family, x.Value & ~host, x.Value | host);
    }

    private static (AddressFamily Family, UInt128 Value)? Address(string text)
    {
        if (!IPAddress.TryParse(text, out var ip) || text.Contains('%')) return null;
        if (ip.IsIPv4MappedToIPv6) ip = ip.MapToIPv4();
        UInt128 value = 0;
        foreach (var b in ip.GetAddressBytes()) value = (value << 8) | b;
        return (ip.AddressFamily, value);
    }
}
