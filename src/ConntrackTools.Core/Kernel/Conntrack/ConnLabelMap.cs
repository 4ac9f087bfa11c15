namespace ConntrackTools.Kernel.Conntrack;

/// <summary>
/// Label names from connlabel.conf ("BIT NAME" per line), the file `conntrack -l` and the
/// iptables/nft connlabel match read.
/// </summary>
public sealed class ConnLabelMap
{
    public const string DefaultPath = "/etc/xtables/connlabel.conf";
    private readonly string?[] _names = new string?[128];

    private ConnLabelMap() { }

    /// <summary>Reads the map, or returns null when the file does not exist.</summary>
    public static ConnLabelMap? Load(string path = DefaultPath)
    {
        if (!File.Exists(path)) return null;
        var map = new ConnLabelMap();
        foreach (var raw in File.ReadLines(path))
        {
            var line = raw.Trim();
            if (line.Length == 0 || line[0] == '#') continue;
            var parts = line.Split((char[]?)null, 2, StringSplitOptions.RemoveEmptyEntries);
            if (parts.Length == 2 && int.TryParse(parts[0], out var bit) && bit is >= 0 and < 128)
                map._names[bit] ??= parts[1].Trim();
        }
        return map;
    }

    public string? NameOf(int bit) => bit is >= 0 and < 128 ? _names[bit] : null;

    public string[] NamesOf(int[] bits)
    {
        var names = new string[bits.Length];
        for (var i = 0; i < bits.Length; i++) names[i] = NameOf(bits[i]) ?? bits[i].ToString(System.Globalization.CultureInfo.InvariantCulture);
        return names;
    }

    /// <summary>The bit for a label given by number or by name; null when the name is unknown.</summary>
    public int? BitOf(string label)
    {
        if (int.TryParse(label, System.Globalization.CultureInfo.InvariantCulture, out var n)) return n;
        var i = Array.FindIndex(_names, s => string.Equals(s, label, StringComparison.Ordinal));
        return i >= 0 ? i : null;
    }
}
