using System.Management.Automation;
using ConntrackTools.Kernel.Nftables;

namespace ConntrackTools.Commands;

/// <summary>Removes notrack rules: those piped in from Get-CtNotrackRule, or one named by table, chain and handle.</summary>
[Cmdlet(VerbsCommon.Remove, "CtNotrackRule", SupportsShouldProcess = true, DefaultParameterSetName = HandleSet)]
[OutputType(typeof(CtRule))]
public sealed class RemoveCtNotrackRuleCommand : CtRulesetCmdlet
{
    private const string HandleSet = "Handle";
    private const string InputObjectSet = "InputObject";

    /// <summary>Rules from Get-CtNotrackRule or New-CtNotrackRule.</summary>
    [Parameter(Mandatory = true, ValueFromPipeline = true, ParameterSetName = InputObjectSet)]
    public CtRule[]? InputObject { get; set; }

    /// <summary>The rule's table.</summary>
    [Parameter(Mandatory = true, ParameterSetName = HandleSet)]
    [ValidateNotNullOrEmpty]
    public string Table { get; set; } = "";

    /// <summary>The rule's chain.</summary>
    [Parameter(Mandatory = true, ParameterSetName = HandleSet)]
    [ValidateNotNullOrEmpty]
    public string Chain { get; set; } = "";

    /// <summary>The rule's handle (Get-CtNotrackRule shows it).</summary>
    [Parameter(Mandatory = true, ParameterSetName = HandleSet)]
    public long Handle { get; set; }

    /// <summary>The table's family.</summary>
    [Parameter(ParameterSetName = HandleSet)]
    [ValidateSet("inet", "ip", "ip6", "bridge", "netdev")]
    public string Family { get; set; } = "inet";

    /// <summary>Write each removed rule.</summary>
    [Parameter]
    public SwitchParameter PassThru { get; set; }

    protected override void ProcessRecord()
    {
        if (ParameterSetName == InputObjectSet)
        {
            foreach (var r in InputObject ?? [])
            {
                try
                {
                    Remove(NamespaceOf(r.Backend), r.Family, r.Table, r.Chain, r.Handle);
                }
                catch (ErrorRecordException ex)
                {
                    WriteError(ex.ErrorRecord);
                }
            }
            return;
        }
        Remove(NetworkNamespace, Family, Table, Chain, Handle);
    }

    private void Remove(string? netns, string family, string table, string chain, long handle)
    {
        var ruleset = ReadRuleset(netns);
        var rule = ruleset.Rules.FirstOrDefault(r => r.Family == family && r.Table == table && r.Chain == chain && r.Handle == handle);
        var target = $"{family} {RulesetBuilder.Show(table)} {RulesetBuilder.Show(chain)} handle {handle}";
        if (rule is null)
        {
            WriteError(new ErrorRecord(new ItemNotFoundException($"There is no rule {target} in {Backend(netns)}. Get-CtNotrackRule lists the notrack rules."),
                "RuleNotFound", ErrorCategory.ObjectNotFound, target));
            return;
        }
        if (!rule.Facts.Notrack)
        {
            WriteError(new ErrorRecord(new InvalidOperationException($"The rule {target} is not a notrack rule ({rule.Text}); Remove-CtNotrackRule removes only notrack rules."),
                "NotANotrackRule", ErrorCategory.InvalidOperation, target));
            return;
        }
        var removed = HelperRuleset.ToCtRule(ruleset, rule, Backend(netns));
        try
        {
            if (!ApplyChange([RulesetBuilder.DeleteRule(rule)], $"the notrack rule {target} ({rule.Text})", "Remove", netns)) return;
            if (PassThru) WriteObject(removed);
        }
        catch (Exception ex) when (ex is not PipelineStoppedException)
        {
            WriteItemError(ex, removed);
        }
    }
}
