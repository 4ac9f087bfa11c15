using System.Text.Json;
using ConntrackTools.Json;

namespace ConntrackTools.DesiredState;

/// <summary>
/// The lines a DSC v3 resource writes (https://learn.microsoft.com/powershell/dsc/reference/schemas/resource/manifest/):
/// on stdout one compact JSON document per line, states as CtJson writes them; on stderr trace
/// lines {"error":"..."}, {"warn":"..."}. Invoke-CtResource -Json and ctsh -Resource write these.
/// </summary>
public static class DscOutput
{
    /// <summary>get: the actual state.</summary>
    public static IReadOnlyList<string> Get(CtResourceInstance actual) => [State(actual)];

    /// <summary>test ("return": "stateAndDiff"): the actual state with _inDesiredState, then the names of the differing properties.</summary>
    public static IReadOnlyList<string> Test(CtResourceTestResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        var node = CtJson.ToNode(result.ActualState)!.AsObject();
        node["_inDesiredState"] = result.InDesiredState;
        return [node.ToJsonString(CtJson.Compact), Names(result.DifferingProperties)];
    }

    /// <summary>set ("return": "stateAndDiff"): the state after (or, with WhatIf, the predicted one), then the names of the changed properties.</summary>
    public static IReadOnlyList<string> Set(CtResourceSetResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        return [State(result.AfterState), Names(result.ChangedProperties)];
    }

    /// <summary>export: one state per line.</summary>
    public static IEnumerable<string> Export(IEnumerable<CtResourceInstance> instances)
    {
        ArgumentNullException.ThrowIfNull(instances);
        foreach (var i in instances) yield return State(i);
    }

    /// <summary>One state as one line.</summary>
    public static string State(CtResourceInstance state)
    {
        ArgumentNullException.ThrowIfNull(state);
        return CtJson.Serialize(state);
    }

    /// <summary>A stderr trace line: {"error":"message"}.</summary>
    public static string Error(string message) => Trace("error", message);

    /// <summary>A stderr trace line: {"warn":"message"}.</summary>
    public static string Warning(string message) => Trace("warn", message);

    /// <summary>A stderr trace line of any DSC level: error, warn, info, debug, trace.</summary>
    public static string Trace(string level, string message)
    {
        ArgumentNullException.ThrowIfNull(level);
        return JsonSerializer.Serialize(new Dictionary<string, string> { [level] = message ?? "" }, CtJson.Compact);
    }

    private static string Names(IEnumerable<string> names) => JsonSerializer.Serialize(names.ToArray(), CtJson.Compact);
}
