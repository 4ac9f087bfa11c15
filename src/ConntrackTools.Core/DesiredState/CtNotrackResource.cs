using System.Runtime.CompilerServices;
using System.Text.Json.Nodes;
using ConntrackTools.Kernel.Nftables;

namespace ConntrackTools.DesiredState;

/// <summary>
/// One rule that exempts matching packets from connection tracking (`notrack` in a chain at the raw
/// priority), known by its comment "ConntrackTools:NAME".
/// </summary>
public sealed class CtNotrackState : CtResourceInstance
{
    /// <summary>The network namespace (name, path or PID); null for the one the command runs in.</summary>
    [CtKey]
    public string? NetworkNamespace { get; set; }

    /// <summary>The table's family: inet (default), ip or ip6.</summary>
    [CtKey]
    public string? Family { get; set; }

    /// <summary>The table (default conntrack).</summary>
    [CtKey]
    public string? Table { get; set; }

    /// <summary>The rule's name: it carries the comment "ConntrackTools:NAME".</summary>
    [CtKey]
    public string? Name { get; set; }

    public CtEnsure? Ensure { get; set; }

    /// <summary>prerouting (default: packets that arrive) or output (packets this host sends).</summary>
    public string? Hook { get; set; }

    /// <summary>The chain (default notrack, or notrack_output on the output hook), made at the raw priority when missing.</summary>
    public string? Chain { get; set; }

    /// <summary>tcp, udp, sctp, dccp, udplite, icmp, ipv6-icmp, ...</summary>
    public string? Protocol { get; set; }

    public string[]? SourceAddress { get; set; }
    public string[]? DestinationAddress { get; set; }
    public int[]? SourcePort { get; set; }
    public int[]? DestinationPort { get; set; }

    /// <summary>Interfaces the packets arrive on (prerouting only).</summary>
    public string[]? InputInterface { get; set; }

    /// <summary>Interfaces the packets leave by (output only).</summary>
    public string[]? OutputInterface { get; set; }

    /// <summary>The rule's handle in its chain.</summary>
    [CtReadOnly]
    public long? Handle { get; set; }

    /// <summary>The rule in nft's syntax.</summary>
    [CtReadOnly]
    public string? Rule { get; set; }

    public override string ToString() => $"{Family} {Table} {Name}: {Ensure}";
}

/// <summary>
/// CtNotrack: Set replaces the rule (delete the old one, add the new one) in one nft transaction
/// when anything differs; Absent deletes it, and a chain and table it leaves empty. Only rules with
/// the comment "ConntrackTools:NAME" are the resource's: New-CtNotrackRule's ("ConntrackTools") and
/// everyone else's are never read, changed or removed.
/// </summary>
public sealed class CtNotrackResource : CtResource<CtNotrackState>
{
    /// <summary>The comment prefix that marks the resource's rules.</summary>
    public const string CommentPrefix = RulesetBuilder.Comment + ":";

    private sealed record Snapshot(NftRuleset Ruleset, List<NftRule> Rules, bool Plain);

    private readonly ConditionalWeakTable<CtNotrackState, Snapshot> _snapshots = new();

    public override string Name => "CtNotrack";

    public override string Description =>
        "A rule that exempts matching packets from connection tracking (nft notrack at the raw priority), known by its comment ConntrackTools:NAME.";

    protected override void Validate(CtNotrackState d)
    {
        CtHelperPolicyResource.Input(() =>
        {
            (d.Family, d.Table) = CtHelperPolicyResource.TableKeys(d.Family, d.Table);
            if (d.Name is null) throw new ArgumentException("Name is required: the rule carries the comment \"ConntrackTools:NAME\" and is found by it.");
            RulesetBuilder.ValidateName("notrack rule", d.Name);
            if (CommentPrefix.Length + d.Name.Length > 128)
                throw new ArgumentException($"The notrack rule name is {d.Name.Length} characters long; the comment \"{CommentPrefix}NAME\" allows {128 - CommentPrefix.Length}.");
            // Only the keys (and Ensure): a lookup, as Get and "does it exist" Tests give it; nothing to fill in.
            var rule = d.Ensure != CtEnsure.Absent && new object?[] { d.Hook, d.Chain, d.Protocol, d.SourceAddress, d.DestinationAddress, d.SourcePort, d.DestinationPort, d.InputInterface, d.OutputInterface }.Any(v => v is not null);
            d.Ensure ??= CtEnsure.Present;
            if (rule) d.Hook ??= "prerouting";
            if (d.Hook is not null)
            {
                d.Hook = d.Hook.ToLowerInvariant();
                if (d.Hook is not ("prerouting" or "output"))
                    throw new ArgumentException($"Hook '{d.Hook}' is not one of prerouting, output: notrack works before conntrack, at the raw priority of those hooks.");
            }
            if (rule) d.Chain ??= d.Hook == "output" ? "notrack_output" : "notrack_prerouting";
            if (d.Chain is not null) RulesetBuilder.ValidateName("chain", d.Chain);
            if (d.Protocol is not null) d.Protocol = ProtocolName(d.Protocol);
            if (d.SourceAddress is not null) d.SourceAddress = CtHelperPolicyResource.CanonicalAddresses(d.Family, d.SourceAddress);
            if (d.DestinationAddress is not null) d.DestinationAddress = CtHelperPolicyResource.CanonicalAddresses(d.Family, d.DestinationAddress);
            d.SourcePort = CtHelperPolicyResource.Ports("SourcePort", d.SourcePort);
            d.DestinationPort = CtHelperPolicyResource.Ports("DestinationPort", d.DestinationPort);
            d.InputInterface = CtHelperPolicyResource.Interfaces(d.InputInterface);
            d.OutputInterface = CtHelperPolicyResource.Interfaces(d.OutputInterface);
            if (rule) CheckRule(d);
        });
    }

    /// <summary>A protocol as nft names it ("tcp", "ipv6-icmp"), from that name or the module's (Tcp, IcmpV6).</summary>
    private static string ProtocolName(string value)
    {
        var lower = value.ToLowerInvariant();
        foreach (var p in Enum.GetValues<CtProtocol>())
            if (RulesetBuilder.ProtocolName(p) == lower || p.ToString().Equals(value, StringComparison.OrdinalIgnoreCase)) return RulesetBuilder.ProtocolName(p);
        throw new ArgumentException($"Protocol '{value}' is not one of {string.Join(", ", Enum.GetValues<CtProtocol>().Select(RulesetBuilder.ProtocolName))}.");
    }

    /// <summary>What would not make a working rule, said in the resource's words (checked on the desired and on the merged state).</summary>
    private static void CheckRule(CtNotrackState s, bool merged = false)
    {
        if (s.OutputInterface is { Length: > 0 } && s.Hook != "output")
            throw new ArgumentException("OutputInterface needs Hook output: in prerouting the output interface is not yet known.");
        if (s.InputInterface is { Length: > 0 } && s.Hook == "output")
            throw new ArgumentException("InputInterface needs Hook prerouting: locally generated packets have no input interface.");
        if ((s.SourcePort is { Length: > 0 } || s.DestinationPort is { Length: > 0 }) && s.Protocol is not null && !NftRuleShape.PortProtocols.Contains(s.Protocol))
            throw new ArgumentException($"Ports need Protocol tcp, udp, sctp, dccp or udplite, not {s.Protocol}.");
        if (merged && (s.SourcePort is { Length: > 0 } || s.DestinationPort is { Length: > 0 }) && s.Protocol is null)
            throw new ArgumentException("Ports need Protocol tcp, udp, sctp, dccp or udplite.");
        if (merged && s.Protocol is null && new[] { s.SourceAddress, s.DestinationAddress, s.InputInterface, s.OutputInterface }.All(l => l is not { Length: > 0 }))
            throw new ArgumentException("A notrack rule without any match would exempt all traffic from tracking; give at least one of Protocol, SourceAddress, DestinationAddress, ports or interfaces.");
        var families = (s.SourceAddress ?? []).Concat(s.DestinationAddress ?? []).Select(a => RulesetBuilder.ParseAddress(a).Family).Distinct().Count();
        if (families > 1)
            throw new ArgumentException("SourceAddress and DestinationAddress mix IPv4 and IPv6; one notrack rule matches one address family. Make one CtNotrack for each family.");
    }

    protected override CtNotrackState Read(CtNotrackState desired)
    {
        var ruleset = NftClient.ListRuleset(desired.NetworkNamespace);
        var comment = CommentPrefix + desired.Name;
        var rules = ruleset.Rules.Where(r => r.Family == desired.Family && r.Table == desired.Table && r.Comment == comment && r.Facts.Notrack).ToList();
        if (rules.Count == 0)
        {
            var absent = new CtNotrackState
            {
                NetworkNamespace = desired.NetworkNamespace, Family = desired.Family, Table = desired.Table, Name = desired.Name, Ensure = CtEnsure.Absent,
            };
            _snapshots.AddOrUpdate(absent, new Snapshot(ruleset, [], true));
            return absent;
        }
        return Describe(ruleset, rules, desired.NetworkNamespace, desired.Name!);
    }

    protected override IEnumerable<CtNotrackState> List(CtNotrackState? filter)
    {
        var ns = filter?.NetworkNamespace;
        var ruleset = NftClient.ListRuleset(ns);
        return ruleset.Rules
            .Where(r => r.Comment is { } c && c.StartsWith(CommentPrefix, StringComparison.Ordinal) && c.Length > CommentPrefix.Length && r.Facts.Notrack)
            .Where(r => (filter?.Family is null || string.Equals(r.Family, filter.Family, StringComparison.OrdinalIgnoreCase)) && (filter?.Table is null || r.Table == filter.Table))
            .GroupBy(r => (r.Family, r.Table, Name: r.Comment![CommentPrefix.Length..]))
            .Where(g => filter?.Name is null || g.Key.Name == filter.Name)
            .Select(g => Describe(ruleset, [.. g], ns, g.Key.Name))
            .ToList();
    }

    /// <summary>The state of the rule(s) named <paramref name="name"/>, read literally.</summary>
    private CtNotrackState Describe(NftRuleset ruleset, List<NftRule> rules, string? ns, string name)
    {
        var rule = rules[0];
        var shape = NftRuleShape.Read(rule);
        var chain = ruleset.ChainOf(rule);
        var state = new CtNotrackState
        {
            NetworkNamespace = ns,
            Family = rule.Family,
            Table = rule.Table,
            Name = name,
            Ensure = CtEnsure.Present,
            Hook = chain is null ? null : chain.Hook ?? ruleset.BaseChainsReaching(chain).Select(c => c.Hook).FirstOrDefault(),
            Chain = rule.Chain,
            Protocol = shape.Protocol,
            SourceAddress = [.. shape.SourceAddresses],
            DestinationAddress = [.. shape.DestinationAddresses],
            SourcePort = [.. shape.SourcePorts.Distinct().Order()],
            DestinationPort = [.. shape.DestinationPorts.Distinct().Order()],
            InputInterface = [.. shape.InputInterfaces],
            OutputInterface = [.. shape.OutputInterfaces],
            Handle = rule.Handle,
            Rule = rule.Text,
        };
        // One rule that says only what these properties say; anything else (a second rule with the
        // name, a counter, a protocol match beside ports) is rewritten by Set.
        var plain = rules.Count == 1 && shape.Plain && shape.Notrack && shape.HelperAssigned is null
            && !(shape.ProtocolMatch && (shape.SourcePorts.Count > 0 || shape.DestinationPorts.Count > 0));
        _snapshots.AddOrUpdate(state, new Snapshot(ruleset, rules, plain));
        return state;
    }

    protected override List<string> Compare(CtNotrackState desired, CtNotrackState actual)
    {
        var differing = base.Compare(desired, actual);
        if (desired.Ensure == CtEnsure.Absent || actual.Ensure != CtEnsure.Present) return differing;
        // nft merges prefixes and drops addresses a prefix covers: compare what the lists cover.
        if (differing.Contains("SourceAddress") && NftAddressRanges.SameCoverage(desired.SourceAddress ?? [], actual.SourceAddress ?? []))
            differing.Remove("SourceAddress");
        if (differing.Contains("DestinationAddress") && NftAddressRanges.SameCoverage(desired.DestinationAddress ?? [], actual.DestinationAddress ?? []))
            differing.Remove("DestinationAddress");
        // Chain and interface names are case-sensitive; the framework compares text without case.
        if (desired.Chain is not null && desired.Chain != actual.Chain) differing.Add("Chain");
        if (desired.InputInterface is not null && !CtHelperPolicyResource.SameOrdinal(desired.InputInterface, actual.InputInterface ?? [])) differing.Add("InputInterface");
        if (desired.OutputInterface is not null && !CtHelperPolicyResource.SameOrdinal(desired.OutputInterface, actual.OutputInterface ?? [])) differing.Add("OutputInterface");
        if (differing.Count == 0 && _snapshots.TryGetValue(actual, out var snap) && !snap.Plain) differing.Add("Rule");
        var order = typeof(CtNotrackState).GetProperties().Select(p => p.Name).ToList();
        return [.. differing.Distinct().OrderBy(order.IndexOf)];
    }

    protected override CtNotrackState Predict(CtNotrackState desired, CtNotrackState actual)
    {
        var after = base.Predict(desired, actual);
        if (desired.Ensure == CtEnsure.Absent) return after;
        var (_, text) = Plan(desired, actual);
        after.Handle = null; // the rule is made again: the kernel gives it a new handle
        after.Rule = text;
        // As Read reports them: a list the rule does not use is empty, not unknown.
        after.SourceAddress ??= [];
        after.DestinationAddress ??= [];
        after.SourcePort ??= [];
        after.DestinationPort ??= [];
        after.InputInterface ??= [];
        after.OutputInterface ??= [];
        return after;
    }

    protected override IReadOnlyList<string> Apply(CtNotrackState desired, CtNotrackState actual, IReadOnlyList<string> differing)
    {
        var (commands, _) = Plan(desired, actual);
        if (commands.Count == 0) return [];
        NftClient.Apply(desired.NetworkNamespace, commands);
        return [NftClient.Document(commands)];
    }

    /// <summary>The one transaction that brings the ruleset from <paramref name="actual"/> to <paramref name="desired"/>, and the new rule's text.</summary>
    private (List<JsonNode> Commands, string? Text) Plan(CtNotrackState desired, CtNotrackState actual)
    {
        var snap = _snapshots.TryGetValue(actual, out var s) ? s : ReadSnapshot(desired);
        var commands = snap.Rules.Select(RulesetBuilder.DeleteRule).ToList();
        if (desired.Ensure == CtEnsure.Absent)
        {
            if (snap.Rules.Count > 0) commands.AddRange(RulesetBuilder.DeleteEmptied(snap.Ruleset, desired.Family!, desired.Table!, snap.Rules, null));
            return (commands, null);
        }
        // Desired properties over the actual ones: what is not specified stays as it is.
        var e = base.Predict(desired, actual);
        e.Hook ??= "prerouting";
        e.Chain ??= e.Hook == "output" ? "notrack_output" : "notrack_prerouting";
        return CtHelperPolicyResource.Input(() =>
        {
            CheckRule(e, merged: true);
            var protocol = e.Protocol is null ? (CtProtocol?)null : Enum.GetValues<CtProtocol>().First(p => RulesetBuilder.ProtocolName(p) == e.Protocol);
            var request = new NotrackRequest
            {
                Family = e.Family!,
                Table = e.Table!,
                Chain = e.Chain!,
                Hook = e.Hook!,
                Protocol = protocol,
                SourceAddresses = e.SourceAddress ?? [],
                DestinationAddresses = e.DestinationAddress ?? [],
                SourcePorts = [.. (e.SourcePort ?? []).Select(p => (ushort)p)],
                DestinationPorts = [.. (e.DestinationPort ?? []).Select(p => (ushort)p)],
                InputInterfaces = e.InputInterface ?? [],
                OutputInterfaces = e.OutputInterface ?? [],
                Comment = CommentPrefix + e.Name,
            };
            var add = RulesetBuilder.AddNotrack(request, snap.Ruleset);
            commands.AddRange(add);
            return (commands, add.Select(NftRuleShape.TextOf).OfType<string>().FirstOrDefault());
        });
    }

    private Snapshot ReadSnapshot(CtNotrackState desired)
    {
        var ruleset = NftClient.ListRuleset(desired.NetworkNamespace);
        var comment = CommentPrefix + desired.Name;
        return new Snapshot(ruleset, [.. ruleset.Rules.Where(r => r.Family == desired.Family && r.Table == desired.Table && r.Comment == comment && r.Facts.Notrack)], true);
    }
}
