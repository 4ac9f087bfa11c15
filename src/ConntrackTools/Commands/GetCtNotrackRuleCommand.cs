using System.Management.Automation;
using ConntrackTools.Kernel.Nftables;

namespace ConntrackTools.Commands;

/// <summary>Lists the nftables rules that exempt traffic from connection tracking (`notrack`).</summary>
[Cmdlet(VerbsCommon.Get, "CtNotrackRule")]
[OutputType(typeof(CtRule))]
public sealed class GetCtNotrackRuleCommand : CtRulesetCmdlet
{
    /// <summary>Only rules of this table.</summary>
    [Parameter(Position = 0)]
    [ValidateNotNullOrEmpty]
    public string? Table { get; set; }

    /// <summary>Only rules of this family (inet, ip, ip6).</summary>
    [Parameter]
    [ValidateSet("inet", "ip", "ip6", "bridge", "netdev")]
    public string? Family { get; set; }

    protected override void ProcessRecord()
    {
        var ruleset = ReadRuleset();
        foreach (var rule in HelperRuleset.NotrackRules(ruleset, Backend()))
            if ((Table is null || rule.Table == Table) && (Family is null || rule.Family == Family))
                WriteObject(rule);
        if (ruleset.Rules.Any(r => r.Facts.XtTargets.Contains("CT") || r.Facts.XtTargets.Contains("NOTRACK")))
            WriteVerbose("iptables rules with the CT or NOTRACK target are present; nft cannot show their options, so they are not listed here (iptables-save -t raw shows them).");
    }
}
