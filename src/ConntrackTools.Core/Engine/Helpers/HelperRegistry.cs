using System.Reflection;

namespace ConntrackTools.Engine.Helpers;

/// <summary>
/// Every helper the engine has: each non-abstract <see cref="ConntrackHelper"/> in this assembly,
/// found once by reflection so that adding a helper is adding its file.
/// </summary>
internal static class HelperRegistry
{
    private static readonly Lazy<ConntrackHelper[]> Helpers = new(() =>
        [.. typeof(ConntrackHelper).Assembly.GetTypes()
            .Where(t => t.IsSubclassOf(typeof(ConntrackHelper)) && !t.IsAbstract && t.GetConstructor(BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance, Type.EmptyTypes) is not null)
            .Select(t => (ConntrackHelper)Activator.CreateInstance(t, nonPublic: true)!)
            .OrderBy(h => h.Name, StringComparer.OrdinalIgnoreCase).ThenBy(h => h.Protocol)]);

    /// <summary>All helpers, by name then protocol (sip is registered for UDP and TCP).</summary>
    public static IReadOnlyList<ConntrackHelper> All => Helpers.Value;

    /// <summary>The helper with this name (case-insensitive) for this protocol, or for any protocol when none is given.</summary>
    public static ConntrackHelper? Find(string name, CtProtocol? protocol = null)
    {
        foreach (var h in Helpers.Value)
            if (string.Equals(h.Name, name, StringComparison.OrdinalIgnoreCase) && (protocol is null || h.Protocol == protocol)) return h;
        return null;
    }

    /// <summary>__nf_ct_helper_find as automatic assignment used it: the helper registered for this server port.</summary>
    public static ConntrackHelper? ByPort(CtFamily family, CtProtocol protocol, ushort port)
    {
        foreach (var h in Helpers.Value)
            if (h.AutoAssign && h.Protocol == protocol && h.Supports(family) && h.Ports.Contains(port)) return h;
        return null;
    }

    private static readonly Lazy<Dictionary<string, long>> OptionDefaults = new(() =>
        Helpers.Value.SelectMany(h => h.Options.Select(o => (Name: h.OptionName(o.Name), o.Default))).DistinctBy(o => o.Name)
            .ToDictionary(o => o.Name, o => o.Default, StringComparer.Ordinal));

    /// <summary>Every module option name ("nf_conntrack_ftp.loose") and its default, in the helpers' order.</summary>
    public static IReadOnlyDictionary<string, long> Options => OptionDefaults.Value;

    /// <summary>The helper names, for messages.</summary>
    public static string Names => string.Join(", ", Helpers.Value.Select(h => h.Name).Distinct(StringComparer.OrdinalIgnoreCase));
}
