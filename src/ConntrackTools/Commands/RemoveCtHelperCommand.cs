using System.Management.Automation;
using System.Text.Json.Nodes;
using ConntrackTools.Kernel.Nftables;

namespace ConntrackTools.Commands;

/// <summary>
/// Removes nftables ct helper objects and the rules that assign them, in one transaction. A chain
/// left empty by it (a base chain that accepts) and then an empty table go too, so what
/// New-CtHelper made is gone.
/// </summary>
[Cmdlet(VerbsCommon.Remove, "CtHelper", SupportsShouldProcess = true, DefaultParameterSetName = NameSet)]
[OutputType(typeof(CtHelperObject))]
public sealed class RemoveCtHelperCommand : CtRulesetCmdlet
{
    private const string NameSet = "Name";
    private const string InputObjectSet = "InputObject";

    /// <summary>Helper objects from Get-CtHelper -Ruleset or New-CtHelper.</summary>
    [Parameter(Mandatory = true, ValueFromPipeline = true, ParameterSetName = InputObjectSet)]
    public CtHelperObject[]? InputObject { get; set; }

    /// <summary>The object's name (literal).</summary>
    [Parameter(Mandatory = true, Position = 0, ParameterSetName = NameSet)]
    [ValidateNotNullOrEmpty]
    public string Name { get; set; } = "";

    /// <summary>The table; any table with an object of that name when left out (an error when there are several).</summary>
    [Parameter(ParameterSetName = NameSet)]
    [ValidateNotNullOrEmpty]
    public string? Table { get; set; }

    /// <summary>The table's family.</summary>
    [Parameter(ParameterSetName = NameSet)]
    [ValidateSet("inet", "ip", "ip6")]
    public string? Family { get; set; }

    /// <summary>Write each removed object.</summary>
    [Parameter]
    public SwitchParameter PassThru { get; set; }

    protected override void ProcessRecord()
    {
        if (ParameterSetName == InputObjectSet)
        {
            foreach (var o in InputObject ?? [])
            {
                try
                {
                    Remove(NamespaceOf(o.Backend), o.Family, o.Table, o.Name, reportAmbiguous: false);
                }
                catch (ErrorRecordException ex)
                {
                    WriteError(ex.ErrorRecord);
                }
            }
            return;
        }
        Remove(NetworkNamespace, Family, Table, Name, reportAmbiguous: true);
    }

    private void Remove(string? netns, string? family, string? table, string name, bool reportAmbiguous)
    {
        var ruleset = ReadRuleset(netns);
        var found = ruleset.Helpers.Where(h => h.Name == name && (family is null || h.Family == family) && (table is null || h.Table == table)).ToList();
        if (found.Count == 0)
        {
            WriteError(new ErrorRecord(new ItemNotFoundException($"There is no ct helper object named {RulesetBuilder.Show(name)}{(table is null ? "" : $" in table {family ?? "*"} {RulesetBuilder.Show(table)}")} in {Backend(netns)}. Get-CtHelper -Ruleset lists them."),
                "HelperObjectNotFound", ErrorCategory.ObjectNotFound, name));
            return;
        }
        if (found.Count > 1 && reportAmbiguous)
        {
            WriteError(new ErrorRecord(new ArgumentException($"Several tables have a ct helper object named {RulesetBuilder.Show(name)}: {string.Join(", ", found.Select(h => $"{h.Family} {RulesetBuilder.Show(h.Table)}"))}. Say which with -Table and -Family."),
                "AmbiguousHelperObject", ErrorCategory.InvalidArgument, name));
            return;
        }
        foreach (var helper in found)
        {
            var before = HelperRuleset.Object(ruleset, helper, Backend(netns));
            var commands = RulesetBuilder.RemoveHelper(ruleset, helper, out var rules);
            commands.AddRange(EmptiedContainers(ruleset, helper, rules));
            try
            {
                if (!ApplyChange(commands, $"ct helper {helper.Family} {RulesetBuilder.Show(helper.Table)} {RulesetBuilder.Show(helper.Name)} and {rules.Count} rule(s) assigning it", "Remove", netns)) continue;
                if (PassThru) WriteObject(before);
            }
            catch (Exception ex) when (ex is not PipelineStoppedException)
            {
                WriteItemError(ex, before);
            }
        }
    }

    /// <summary>Deletes for the chains the removal leaves empty (base chains that accept anyway) and the table when nothing is left in it.</summary>
    private static IEnumerable<JsonNode> EmptiedContainers(NftRuleset ruleset, NftCtHelper helper, List<NftRule> removed)
    {
        var removedHandles = removed.Select(r => (r.Chain, r.Handle)).ToHashSet();
        var tableChains = ruleset.Chains.Where(c => c.Family == helper.Family && c.Table == helper.Table).ToList();
        var emptied = tableChains.Where(c => removed.Any(r => r.Chain == c.Name)
            && c.Hook is not null && c.Policy is null or "accept"
            && ruleset.Rules.Where(r => r.Family == c.Family && r.Table == c.Table && r.Chain == c.Name).All(r => removedHandles.Contains((r.Chain, r.Handle)))).ToList();
        foreach (var c in emptied)
            yield return NftClient.Command("delete", new JsonObject { ["chain"] = new JsonObject { ["family"] = c.Family, ["table"] = c.Table, ["name"] = c.Name } });
        var otherObjects = ruleset.Helpers.Any(h => h.Family == helper.Family && h.Table == helper.Table && h.Name != helper.Name);
        if (!otherObjects && tableChains.All(emptied.Contains) && ruleset.HasOnlyKnown(helper.Family, helper.Table))
            yield return NftClient.Command("delete", new JsonObject { ["table"] = new JsonObject { ["family"] = helper.Family, ["name"] = helper.Table } });
    }
}
