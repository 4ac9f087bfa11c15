using System.Text.Json.Nodes;
using ConntrackTools.Audit;
using ConntrackTools.Kernel;
using ConntrackTools.Kernel.Netlink;
using ConntrackTools.Kernel.Nftables;

namespace ConntrackTools.DesiredState;

/// <summary>Reverse-path filtering on one interface and family, as CtAntiSpoof reads and sets it.</summary>
public sealed class CtAntiSpoofState : CtResourceInstance
{
    /// <summary>NAME, PATH or PID of the network namespace; null for the one the command runs in.</summary>
    [CtKey]
    public string? NetworkNamespace { get; set; }

    [CtKey]
    public string? InterfaceName { get; set; }

    /// <summary>IPv4 or IPv6.</summary>
    [CtKey]
    public string? Family { get; set; }

    /// <summary>Present: the method's filter is on; Absent: it is off.</summary>
    public CtEnsure? Ensure { get; set; }

    /// <summary>RpFilter (net.ipv4.conf.IF.rp_filter, IPv4 only; IPv4's default) or Fib (an nft fib rule; IPv6's default).</summary>
    public string? Method { get; set; }

    /// <summary>Strict (the source must be routed back through this interface; the default) or Loose (through any interface).</summary>
    public string? Mode { get; set; }

    /// <summary>Test-CtAntiSpoof's verdict for this interface and family, whatever protects it (rp_filter, any nft or iptables rule).</summary>
    [CtReadOnly]
    public bool? Protected { get; set; }

    /// <summary>That verdict's message.</summary>
    [CtReadOnly]
    public string? Finding { get; set; }

    // "d0/IPv4 RpFilter Strict: Present in fw1"; an absent filter has no mode, and a desired state without Ensure means Present.
    public override string ToString() =>
        $"{InterfaceName}/{Family} {Method}{(Mode is null ? "" : " " + Mode)}: {Ensure ?? CtEnsure.Present}{(NetworkNamespace is null ? "" : " in " + NetworkNamespace)}";
}

/// <summary>
/// CtAntiSpoof: drops packets whose source address is not routed back through the interface they
/// arrive on, so that conntrack helpers never parse payload from a forged source (seed 001,
/// "Anti-spoofing"). An instance is one interface, family and method:
/// <list type="bullet">
/// <item>RpFilter (IPv4): net/ipv4/conf/IF/rp_filter is 1 (Strict) or 2 (Loose) when Present, 0
/// when Absent. conf/all is never written; the kernel uses max(all, IF), which Protected shows.</item>
/// <item>Fib: the rules the anti-spoof audit recommends, in table inet conntrack, chain antispoof
/// (prerouting, priority raw), each carrying the comment ConntrackTools:antispoof:IF:FAMILY by which
/// they are found: for IPv6 an accept of router advertisements and neighbour solicitations (duplicate
/// address detection solicits from ::, which has no route), then `iifname IF meta nfproto ipv6 fib
/// saddr . iif oif missing drop`; for IPv4 the drop rule alone (nft_fib4_eval lets 0.0.0.0 to
/// broadcast and local multicast pass, as rp_filter does for DHCP). Loose mode leaves `. iif` out:
/// nft(8) "If only 'saddr oif' is given, then oif can be any interface index or zero", RFC 3704's
/// loose reverse path.</item>
/// </list>
/// The methods are independent: Present with one method never turns the other off, so switching is
/// explicit (the other method's instance Absent) and no Set weakens protection it was not asked to.
/// </summary>
public sealed class CtAntiSpoofResource : CtResource<CtAntiSpoofState>
{
    public const string IPv4 = "IPv4";
    public const string IPv6 = "IPv6";
    public const string RpFilter = "RpFilter";
    public const string Fib = "Fib";
    public const string Strict = "Strict";
    public const string Loose = "Loose";

    /// <summary>The table (family inet) and chain of the Fib rules: those the audit's remediation names.</summary>
    public const string Table = AntiSpoofAudit.RemediationTable;
    public const string Chain = AntiSpoofAudit.RemediationChain;

    public const string CommentPrefix = RulesetBuilder.Comment + ":antispoof:";

    public override string Name => "CtAntiSpoof";

    public override string Description =>
        "Reverse-path filtering (anti-spoofing) on an interface and family: rp_filter for IPv4, or an nft fib rule in table inet conntrack, chain antispoof.";

    /// <summary>The comment that marks an instance's Fib rules: ConntrackTools:antispoof:IF:FAMILY.</summary>
    public static string CommentFor(string interfaceName, string family) => $"{CommentPrefix}{interfaceName}:{family}";

    #region Validate

    protected override void Validate(CtAntiSpoofState desired)
    {
        if (desired.Ensure is { } ensure && !Enum.IsDefined(ensure))
            throw new CtResourceInputException($"Ensure {(int)ensure} is not valid: use Present or Absent.");
        var present = desired.Ensure != CtEnsure.Absent;
        desired.Ensure ??= CtEnsure.Present; // as the other resources do: Test's desired state and -WhatIf's message name what is wanted
        desired.Family = OneOf("Family", desired.Family, [IPv4, IPv6])
            ?? throw new CtResourceInputException("Family is required: IPv4 or IPv6.");
        if (string.IsNullOrEmpty(desired.InterfaceName))
            throw new CtResourceInputException("InterfaceName is required: the interface whose incoming packets are checked (see `ip link`).");
        try
        {
            RulesetBuilder.ValidateInterface(desired.InterfaceName);
        }
        catch (ArgumentException ex)
        {
            throw new CtResourceInputException(ex.Message, ex);
        }
        desired.Method = OneOf("Method", desired.Method, [RpFilter, Fib]) ?? (desired.Family == IPv4 ? RpFilter : Fib);
        if (desired.Method == RpFilter && desired.Family == IPv6)
            throw new CtResourceInputException(
                "IPv6 has no rp_filter (the kernel's reverse-path sysctl is IPv4's only): use Method Fib, which adds an nft fib rule for the interface.");
        desired.Mode = OneOf("Mode", desired.Mode, [Strict, Loose]) ?? (present ? Strict : null);
        if (desired.NetworkNamespace is { } spec && string.IsNullOrWhiteSpace(spec))
            throw new CtResourceInputException("NetworkNamespace is empty: give a name that `ip netns list` shows, a path such as /proc/PID/ns/net, a process id, or leave it out for the current namespace.");

        NetworkInfo network;
        try
        {
            network = NetworkInfo.Read(desired.NetworkNamespace);
        }
        catch (NetworkNamespaceNotFoundException ex)
        {
            throw new CtResourceInputException(ex.Message, ex);
        }
        var nic = network.Interface(desired.InterfaceName);
        if (nic is { IsLoopback: true })
            throw new CtResourceInputException($"{Show(desired.InterfaceName)} is the loopback interface: its packets are local by construction, and rp_filter, fib and the anti-spoof audit all let them pass. Give another interface.");
        // Absent is allowed for an interface that is gone: its fib rules (matched by name) may outlive it.
        if (nic is null && present)
            throw new CtResourceInputException(
                $"There is no interface named {Show(desired.InterfaceName)} in {Where(desired.NetworkNamespace)}. Interfaces: {string.Join(", ", network.Interfaces.Where(i => !i.IsLoopback).Select(i => i.Name))}.");
    }

    /// <summary>A value of a fixed list, case-insensitively, in the list's spelling; null when not given.</summary>
    private static string? OneOf(string property, string? value, string[] allowed)
    {
        if (value is null) return null;
        return allowed.FirstOrDefault(a => a.Equals(value.Trim(), StringComparison.OrdinalIgnoreCase))
            ?? throw new CtResourceInputException($"{property} {Show(value)} is not valid: use {string.Join(" or ", allowed)}.");
    }

    private static string Show(string value) => RulesetBuilder.Show(value);

    private static string Where(string? networkNamespace) =>
        networkNamespace is null ? "the current network namespace" : $"network namespace {Show(networkNamespace)}";

    #endregion

    #region Read, List

    protected override CtAntiSpoofState Read(CtAntiSpoofState desired)
    {
        var input = AntiSpoofAudit.Read(desired.NetworkNamespace);
        return StateOf(input, desired.InterfaceName!, desired.Family!, desired.Method, Findings(input));
    }

    protected override IEnumerable<CtAntiSpoofState> List(CtAntiSpoofState? filter)
    {
        var family = filter is null ? null : OneOf("Family", filter.Family, [IPv4, IPv6]);
        var input = AntiSpoofAudit.Read(filter?.NetworkNamespace);
        var findings = Findings(input);
        foreach (var nic in input.Network.Interfaces.Where(i => !i.IsLoopback).OrderBy(i => i.Index))
        {
            if (filter?.InterfaceName is { } name && name != nic.Name) continue;
            foreach (var f in new[] { IPv4, IPv6 })
                if (family is null || family == f)
                    yield return StateOf(input, nic.Name, f, method: null, findings);
        }
    }

    private static Dictionary<string, CtFinding> Findings(AntiSpoofInput input) =>
        AntiSpoofAudit.Evaluate(input).ToDictionary(f => f.Target, StringComparer.Ordinal);

    /// <summary>
    /// The actual state for one method; with <paramref name="method"/> null (Export), the method in
    /// place: Fib when the instance's rules are there, else the family's default.
    /// </summary>
    private static CtAntiSpoofState StateOf(AntiSpoofInput input, string name, string family, string? method, Dictionary<string, CtFinding> findings)
    {
        var nic = input.Network.Interface(name);
        var state = new CtAntiSpoofState
        {
            NetworkNamespace = input.NetworkNamespace,
            InterfaceName = name,
            Family = family,
            Ensure = CtEnsure.Absent,
        };
        if (findings.TryGetValue($"{name}/{family}", out var finding))
        {
            state.Protected = finding.Passed;
            state.Finding = finding.Message;
        }

        string? fibMode = null;
        var fibPresent = false;
        if (method != RpFilter)
        {
            // The audit keeps going without a ruleset; this method cannot: list it again for nft's own error.
            var nft = input.Nft ?? NftClient.ListRuleset(input.NetworkNamespace);
            var rules = OwnRules(nft, name, family);
            fibPresent = rules.Count > 0;
            fibMode = new[] { Strict, Loose }.FirstOrDefault(m => InPlace(nft, rules, name, family, m));
        }
        method ??= fibPresent || family == IPv6 ? Fib : RpFilter;
        state.Method = method;

        if (method == Fib)
        {
            if (fibPresent) (state.Ensure, state.Mode) = (CtEnsure.Present, fibMode); // null Mode: edited rules, which Set rewrites
        }
        else if (nic?.RpFilter is > 0 and var rp)
        {
            // fib_validate_source: 1 is strict, any other non-zero value loose.
            (state.Ensure, state.Mode) = (CtEnsure.Present, rp == 1 ? Strict : Loose);
        }
        return state;
    }

    /// <summary>The rules of inet conntrack that carry the instance's comment, in chain order.</summary>
    private static List<NftRule> OwnRules(NftRuleset nft, string name, string family)
    {
        var comment = CommentFor(name, family);
        return nft.Rules.Where(r => r.Family == "inet" && r.Table == Table && r.Comment == comment).ToList();
    }

    /// <summary>True when <paramref name="rules"/> are exactly what Set writes for the mode, in that order, in the prerouting chain.</summary>
    private static bool InPlace(NftRuleset nft, List<NftRule> rules, string name, string family, string mode)
    {
        var expected = Expressions(name, family, mode);
        if (rules.Count != expected.Count) return false;
        for (var i = 0; i < rules.Count; i++)
        {
            if (rules[i].Chain != Chain || nft.ChainOf(rules[i]) is not { Hook: "prerouting", Type: "filter" }) return false;
            var have = new JsonArray([.. rules[i].Expressions.Select(e => JsonNode.Parse(e.GetRawText()))]);
            if (!JsonNode.DeepEquals(Normal(have), Normal(expected[i]))) return false;
        }
        return true;
    }

    /// <summary>Set elements in a fixed order, so that a set nft lists in its own order compares equal.</summary>
    private static JsonNode? Normal(JsonNode? node)
    {
        switch (node)
        {
            case JsonArray a:
                return new JsonArray([.. a.Select(Normal)]);
            case JsonObject o:
                var copy = new JsonObject();
                foreach (var (key, value) in o)
                    copy[key] = key == "set" && value is JsonArray items
                        ? new JsonArray([.. items.Select(Normal).OrderBy(x => x?.ToJsonString(), StringComparer.Ordinal)])
                        : Normal(value);
                return copy;
            default:
                return node?.DeepClone();
        }
    }

    #endregion

    #region The rules

    /// <summary>
    /// The expressions of the instance's rules, as nft JSON (which `nft -j list ruleset` gives back
    /// unchanged): the audit's remediation (AntiSpoofAudit.Remediation) for one interface. The
    /// interface name is a JSON string, never nft syntax.
    /// </summary>
    internal static List<JsonArray> Expressions(string name, string family, string mode)
    {
        var rules = new List<JsonArray>();
        if (family == IPv6)
            rules.Add(
            [
                Match(new JsonObject { ["meta"] = new JsonObject { ["key"] = "iifname" } }, name),
                Match(new JsonObject { ["payload"] = new JsonObject { ["protocol"] = "icmpv6", ["field"] = "type" } },
                    new JsonObject { ["set"] = new JsonArray("nd-router-advert", "nd-neighbor-solicit") }),
                new JsonObject { ["accept"] = null },
            ]);
        var flags = mode == Strict ? new JsonArray("saddr", "iif") : new JsonArray("saddr");
        rules.Add(
        [
            Match(new JsonObject { ["meta"] = new JsonObject { ["key"] = "iifname" } }, name),
            Match(new JsonObject { ["meta"] = new JsonObject { ["key"] = "nfproto" } }, family == IPv4 ? "ipv4" : "ipv6"),
            Match(new JsonObject { ["fib"] = new JsonObject { ["result"] = "oif", ["flags"] = flags } }, false),
            new JsonObject { ["drop"] = null },
        ]);
        return rules;
    }

    private static JsonObject Match(JsonNode left, JsonNode right) =>
        new() { ["match"] = new JsonObject { ["op"] = "==", ["left"] = left, ["right"] = right } };

    #endregion

    #region Apply

    protected override IReadOnlyList<string> Apply(CtAntiSpoofState desired, CtAntiSpoofState actual, IReadOnlyList<string> differing)
    {
        var present = desired.Ensure != CtEnsure.Absent;
        return desired.Method == RpFilter
            ? ApplyRpFilter(desired, present)
            : ApplyFib(desired, present);
    }

    private static List<string> ApplyRpFilter(CtAntiSpoofState desired, bool present)
    {
        var value = !present ? 0 : desired.Mode == Loose ? 2 : 1;
        var key = $"net/ipv4/conf/{desired.InterfaceName}/rp_filter";
        var ns = desired.NetworkNamespace is null ? null : NetworkNamespace.Resolve(desired.NetworkNamespace);
        Sysctl.Write(ns, key, value);
        return [$"write {value} to {Sysctl.Root}/{key}{(desired.NetworkNamespace is null ? "" : $" in network namespace {desired.NetworkNamespace}")}"];
    }

    /// <summary>One transaction: the instance's old rules deleted, the new ones added (Present), or the chain and table dropped when nothing else is left in them (Absent).</summary>
    private static List<string> ApplyFib(CtAntiSpoofState desired, bool present)
    {
        var name = desired.InterfaceName!;
        var family = desired.Family!;
        var nft = NftClient.ListRuleset(desired.NetworkNamespace);
        var own = OwnRules(nft, name, family);
        var commands = own.Select(RulesetBuilder.DeleteRule).ToList();
        var chain = nft.Chains.FirstOrDefault(c => c.Family == "inet" && c.Table == Table && c.Name == Chain);
        if (present)
        {
            if (chain is not null && (chain.Hook != "prerouting" || chain.Type != "filter"))
                throw new RulesetConflictException(
                    $"The chain inet {Table} {Chain} exists {(chain.Hook is null ? "as a regular chain" : $"as a {chain.Type} chain on the {chain.Hook} hook")}, where a fib rule does not check arriving packets. Rename or delete it (nft delete chain inet {Table} {Chain}), then run Set again.");
            commands.Add(NftClient.Command("add", new JsonObject { ["table"] = new JsonObject { ["family"] = "inet", ["name"] = Table } }));
            if (chain is null)
                commands.Add(NftClient.Command("add", new JsonObject
                {
                    ["chain"] = new JsonObject
                    {
                        ["family"] = "inet", ["table"] = Table, ["name"] = Chain,
                        ["type"] = "filter", ["hook"] = "prerouting", ["prio"] = -300, ["policy"] = "accept",
                    },
                }));
            var comment = CommentFor(name, family);
            foreach (var expr in Expressions(name, family, desired.Mode ?? Strict))
                commands.Add(NftClient.Command("add", new JsonObject
                {
                    ["rule"] = new JsonObject { ["family"] = "inet", ["table"] = Table, ["chain"] = Chain, ["expr"] = expr, ["comment"] = comment },
                }));
        }
        else if (chain is not null && own.Count > 0)
        {
            bool Others(NftRule r) => r.Family == "inet" && r.Table == Table && !own.Contains(r);
            if (!nft.Rules.Any(r => Others(r) && r.Chain == Chain))
            {
                commands.Add(NftClient.Command("delete", new JsonObject { ["chain"] = new JsonObject { ["family"] = "inet", ["table"] = Table, ["name"] = Chain } }));
                var tableEmpty = !nft.Rules.Any(Others)
                    && !nft.Chains.Any(c => c.Family == "inet" && c.Table == Table && c.Name != Chain)
                    && !nft.Helpers.Any(h => h.Family == "inet" && h.Table == Table)
                    && nft.HasOnlyKnown("inet", Table);
                if (tableEmpty)
                    commands.Add(NftClient.Command("delete", new JsonObject { ["table"] = new JsonObject { ["family"] = "inet", ["name"] = Table } }));
            }
        }
        if (commands.Count == 0) return [];
        NftClient.Apply(desired.NetworkNamespace, commands);
        return [NftClient.Document(commands)];
    }

    /// <summary>What Set would leave: the verdict of the audit is not known until the change is made.</summary>
    protected override CtAntiSpoofState Predict(CtAntiSpoofState desired, CtAntiSpoofState actual)
    {
        var after = base.Predict(desired, actual);
        after.Method ??= desired.Method;
        after.Protected = null;
        after.Finding = null;
        return after;
    }

    #endregion
}
