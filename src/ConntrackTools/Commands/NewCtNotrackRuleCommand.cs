using System.Management.Automation;
using ConntrackTools.Kernel.Nftables;

namespace ConntrackTools.Commands;

/// <summary>
/// Adds a rule that exempts matching packets from connection tracking (nft `notrack` in a chain at
/// the raw priority, the nftables form of the raw table's NOTRACK target).
/// </summary>
[Cmdlet(VerbsCommon.New, "CtNotrackRule", SupportsShouldProcess = true)]
[OutputType(typeof(CtRule))]
public sealed class NewCtNotrackRuleCommand : CtRulesetCmdlet
{
    /// <summary>What untracked traffic loses (seed 003): said every time a rule is made.</summary>
    internal const string UntrackedWarning =
        "Packets this rule matches are not tracked: no helper parses them, so protocols such as FTP or SIP get no RELATED data connections; ICMP errors about them are not RELATED either; and stateful rules see them as 'ct state untracked', so a policy-drop filter drops them unless it accepts them explicitly (for example `ct state untracked accept` restricted to this traffic). The rule matches packets, not connections: replies in the other direction are still tracked unless a rule exempts them too.";

    /// <summary>The protocol: tcp, udp, sctp, icmp, ...</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    public CtProtocol? Protocol { get; set; }

    /// <summary>Source addresses or prefixes.</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    public string[]? SourceAddress { get; set; }

    /// <summary>Destination addresses or prefixes.</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    public string[]? DestinationAddress { get; set; }

    /// <summary>Source ports (needs -Protocol).</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    [ValidateRange(1, 65535)]
    public ushort[]? SourcePort { get; set; }

    /// <summary>Destination ports (needs -Protocol).</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    [ValidateRange(1, 65535)]
    public ushort[]? DestinationPort { get; set; }

    /// <summary>Interfaces the packets arrive on (prerouting only).</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    public string[]? InputInterface { get; set; }

    /// <summary>Interfaces the packets leave by (output only).</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    public string[]? OutputInterface { get; set; }

    /// <summary>prerouting for packets that arrive (forwarded or for this host), output for packets this host sends.</summary>
    [Parameter]
    [ValidateSet("prerouting", "output")]
    public string Hook { get; set; } = "prerouting";

    /// <summary>The table's family: inet, ip or ip6.</summary>
    [Parameter]
    [ValidateSet("inet", "ip", "ip6")]
    public string Family { get; set; } = "inet";

    /// <summary>The table; made when missing.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string Table { get; set; } = RulesetBuilder.DefaultTable;

    /// <summary>The chain; made when missing, at the raw priority (-300) on -Hook.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? Chain { get; set; }

    /// <summary>A comment stored with the rule.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? Comment { get; set; }

    protected override void ProcessRecord()
    {
        var request = new NotrackRequest
        {
            Family = Family,
            Table = Table,
            Chain = Chain ?? (Hook == "output" ? "notrack_output" : "notrack_prerouting"),
            Hook = Hook,
            Protocol = Protocol,
            SourceAddresses = SourceAddress ?? [],
            DestinationAddresses = DestinationAddress ?? [],
            SourcePorts = SourcePort ?? [],
            DestinationPorts = DestinationPort ?? [],
            InputInterfaces = InputInterface ?? [],
            OutputInterfaces = OutputInterface ?? [],
            Comment = Comment,
        };
        var ruleset = ReadRuleset();
        List<System.Text.Json.Nodes.JsonNode> commands;
        try
        {
            commands = RulesetBuilder.AddNotrack(request, ruleset);
        }
        catch (Exception ex) when (ex is ArgumentException or RulesetConflictException)
        {
            Fail(ex, request.Chain);
            return;
        }
        var before = ruleset.Rules.Select(r => (r.Family, r.Table, r.Chain, r.Handle)).ToHashSet();
        try
        {
            if (!ApplyChange(commands, $"a notrack rule in {Family} {RulesetBuilder.Show(Table)} {RulesetBuilder.Show(request.Chain)}", "Add")) return;
        }
        catch (Exception ex) when (ex is not PipelineStoppedException)
        {
            Fail(ex, request.Chain);
            return;
        }
        WriteWarning(UntrackedWarning);
        var after = ReadRuleset();
        foreach (var rule in after.Rules.Where(r => r.Facts.Notrack && !before.Contains((r.Family, r.Table, r.Chain, r.Handle))))
            WriteObject(HelperRuleset.ToCtRule(after, rule, Backend()));
    }
}
