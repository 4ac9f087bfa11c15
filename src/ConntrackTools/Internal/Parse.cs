using System.Globalization;
using System.Net;
using System.Net.Sockets;
using ConntrackTools.Kernel.Conntrack;

namespace ConntrackTools.Commands;

/// <summary>Turns parameter text into filter values, with messages that say what is accepted.</summary>
internal static class Parse
{
    /// <summary>"10.0.0.1", "10.0.0.0/24", "2001:db8::/32": an address or a network in CIDR notation.</summary>
    public static IPNetwork[]? Networks(string[]? values, string parameter)
    {
        if (values is null) return null;
        var result = new IPNetwork[values.Length];
        for (var i = 0; i < values.Length; i++) result[i] = Network(values[i], parameter);
        return result;
    }

    public static IPNetwork Network(string text, string parameter)
    {
        var value = text.Trim();
        var slash = value.IndexOf('/');
        var addressText = slash >= 0 ? value[..slash] : value;
        if (!IPAddress.TryParse(addressText, out var address) || !(addressText.Contains(':') || addressText.Count(c => c == '.') == 3))
            throw new ArgumentException($"-{parameter}: '{text}' is not an IPv4 or IPv6 address. Give an address such as 192.0.2.1 or 2001:db8::1, or a network such as 192.0.2.0/24.");
        var bits = address.AddressFamily == AddressFamily.InterNetworkV6 ? 128 : 32;
        var prefix = bits;
        if (slash >= 0 && (!int.TryParse(value[(slash + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out prefix) || prefix > bits))
            throw new ArgumentException($"-{parameter}: '{text}' has an invalid prefix length; it must be 0 to {bits}.");
        return new IPNetwork(MaskAddress(address, prefix), prefix);
    }

    private static IPAddress MaskAddress(IPAddress address, int prefix)
    {
        var bytes = address.GetAddressBytes();
        for (var i = 0; i < bytes.Length; i++)
        {
            var keep = Math.Clamp(prefix - i * 8, 0, 8);
            bytes[i] &= (byte)(0xFF << (8 - keep));
        }
        return new IPAddress(bytes);
    }

    /// <summary>Labels by number (0-127) or by a name in connlabel.conf.</summary>
    public static int[]? Labels(string[]? values, ConnLabelMap? map)
    {
        if (values is null) return null;
        var bits = new int[values.Length];
        for (var i = 0; i < values.Length; i++)
        {
            var bit = map?.BitOf(values[i]) ?? (int.TryParse(values[i], NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n : (int?)null);
            if (bit is not { } b || b is < 0 or > 127)
                throw new ArgumentException($"-Label: '{values[i]}' is not a label. Give a label number from 0 to 127, or a name defined in {ConnLabelMap.DefaultPath}.");
            bits[i] = b;
        }
        return bits;
    }
}
