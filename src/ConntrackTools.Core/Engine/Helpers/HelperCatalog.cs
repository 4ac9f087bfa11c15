namespace ConntrackTools.Engine.Helpers;

/// <summary>The engine's helpers as the module shows them (Get-CtHelper, completion).</summary>
public static class HelperCatalog
{
    /// <summary>Every helper name, kernel and userspace, once each.</summary>
    public static IReadOnlyList<string> Names => [.. HelperRegistry.All.Select(h => h.Name).Distinct(StringComparer.OrdinalIgnoreCase)];

    /// <summary>Every helper, with its options as <paramref name="settings"/> has them (defaults when null).</summary>
    public static IEnumerable<CtHelper> Describe(EngineSettings? settings, string backend) =>
        HelperRegistry.All.Select(h => h.Describe(settings, backend));
}
