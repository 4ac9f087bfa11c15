using System.Globalization;
using System.Text;
using System.Text.Json;
using ConntrackTools.Kernel.Netlink;
using ConntrackTools.Kernel.Nftables;

namespace ConntrackTools.Audit;

/// <summary>Everything the anti-spoofing audit reads from a namespace, read once.</summary>
public sealed class AntiSpoofInput
{
    public required NetworkInfo Network { get; init; }

    /// <summary>The nftables ruleset; null when it could not be read (see <see cref="Notes"/>).</summary>
    public NftRuleset? Nft { get; init; }

    public IptablesSave? Iptables { get; init; }
    public IptablesSave? Ip6tables { get; init; }

    /// <summary>The -NetworkNamespace value (NAME, PATH or PID); null for the current namespace.</summary>
    public string? NetworkNamespace { get; init; }

    /// <summary>The namespace's nsfs file; /run/netns/NAME for a named namespace.</summary>
    public string? NamespacePath { get; init; }

    /// <summary>What could not be read, for the messages and for -Verbose.</summary>
    public List<string> Notes { get; } = [];
}

/// <summary>
/// Test-CtAntiSpoof: whether each interface drops packets whose source address does not belong
/// behind it, per family. Helpers parse payload from any source that reaches them, so a spoofed
/// source feeds them forged data (seed 001, "Anti-spoofing"). Four ways protect an interface:
/// <list type="bullet">
/// <item>IPv4 rp_filter: the kernel uses max(conf/all, conf/IF) (IN_DEV_RPFILTER,
/// include/linux/inetdevice.h); fib_validate_source (net/ipv4/fib_frontend.c) treats 1 as strict
/// and any other non-zero value as loose. IPv6 has no rp_filter.</item>
/// <item>an nft `fib saddr . iif oif missing drop` rule in a prerouting chain
/// (net/netfilter/nft_fib*.c);</item>
/// <item>an iptables/ip6tables `-m rpfilter --invert -j DROP` rule in raw or mangle PREROUTING
/// (net/ipv4/netfilter/ipt_rpfilter.c, net/ipv6/netfilter/ip6t_rpfilter.c);</item>
/// <item>manual per-interface rules: on an interface, drop what is not from its networks (or
/// accept its networks, then drop the rest); on the interface with the default route, drop the
/// networks of the other interfaces.</item>
/// </list>
/// Rules are followed through jumps and gotos; an accept (or return, queue, verdict map) that lets
/// spoofable sources through before the protecting rule means that rule does not protect. What is
/// not understood never counts as protection.
/// </summary>
public static class AntiSpoofAudit
{
    public const string CheckName = "ReversePathFilter";

    /// <summary>The table and chain the IPv6 remediation adds its rules to (the module's own table).</summary>
    public const string RemediationTable = RulesetBuilder.DefaultTable;
    public const string RemediationChain = "antispoof";

    /// <summary>Reads a namespace (null: the current one) and checks its interfaces.</summary>
    /// <param name="interfaces">Exact interface names; null for all. Names that do not exist are skipped.</param>
    public static List<CtFinding> Run(string? networkNamespace, string[]? interfaces = null, CtFamily? family = null)
    {
        var input = Read(networkNamespace);
        return Evaluate(input, interfaces is null ? null : name => interfaces.Contains(name, StringComparer.Ordinal), family);
    }

    /// <summary>
    /// Reads interfaces, routes, sysctls, the nft ruleset and the iptables rules of a namespace, in
    /// one thread that entered it. A missing nft library or iptables binary is a note, not an error.
    /// </summary>
    public static AntiSpoofInput Read(string? networkNamespace)
    {
        if (networkNamespace is null) return ReadHere(null, null);
        var ns = NetworkNamespace.Resolve(networkNamespace);
        return ns.Run(() => ReadHere(networkNamespace, ns.Path));
    }

    private static AntiSpoofInput ReadHere(string? spec, string? path)
    {
        var network = NetworkInfo.ReadHere();
        NftRuleset? nft = null;
        string? nftNote = null;
        try
        {
            nft = NftClient.ListRuleset(null); // this thread is in the namespace already
        }
        catch (NftUnavailableException ex)
        {
            nftNote = $"nft ruleset not read: {ex.Message}";
        }
        catch (NftException ex) when (ex.ErrnoName != "EPERM")
        {
            // A kernel without nf_tables, for one: there are no nft rules to read.
            nftNote = $"nft ruleset not read: {ex.Message}";
        }
        var ipt4 = IptablesSave.ReadHere(CtFamily.IPv4);
        var ipt6 = network.IPv6Available ? IptablesSave.ReadHere(CtFamily.IPv6) : null;
        var input = new AntiSpoofInput { Network = network, Nft = nft, Iptables = ipt4, Ip6tables = ipt6, NetworkNamespace = spec, NamespacePath = path };
        if (nftNote is not null) input.Notes.Add(nftNote);
        input.Notes.AddRange(ipt4.Notes);
        if (ipt6 is not null) input.Notes.AddRange(ipt6.Notes);
        return input;
    }

    /// <summary>One finding per (interface, family), loopback left out, in interface order, IPv4 first.</summary>
    public static List<CtFinding> Evaluate(AntiSpoofInput input, Func<string, bool>? include = null, CtFamily? family = null)
    {
        var streams = Streams(input);
        var stray = StrayReversePathRules(input);
        var findings = new List<CtFinding>();
        var backend = input.NetworkNamespace is null ? "kernel" : $"kernel:{input.NetworkNamespace}";
        foreach (var i in input.Network.Interfaces.Where(i => !i.IsLoopback && (include?.Invoke(i.Name) ?? true)).OrderBy(i => i.Index))
            foreach (var f in new[] { CtFamily.IPv4, CtFamily.IPv6 })
                if (family is null or CtFamily.Unspecified || family == f)
                {
                    var finding = Check(input, streams, stray, i, f);
                    finding.Backend = backend;
                    findings.Add(finding);
                }
        return findings;
    }

    #region The check

    private static CtFinding Check(AntiSpoofInput input, List<Stream> streams, List<(IReadOnlySet<CtFamily> Families, string Note)> stray, NetworkInterfaceInfo nic, CtFamily family)
    {
        var name = nic.Name;
        var finding = new CtFinding { Check = CheckName, Target = $"{name}/{family}", Severity = CtSeverity.High };
        var parts = new List<string>();
        string? protectedBy = null;

        if (family == CtFamily.IPv6 && nic.IPv6Disabled)
        {
            finding.Passed = true;
            finding.Message = input.Network.IPv6Available
                ? $"IPv6 is disabled on {name} (net.ipv6.conf.{name}.disable_ipv6=1): the kernel drops every IPv6 packet it receives there, spoofed or not. IPv6 has no rp_filter."
                : "This kernel has no IPv6 (no /proc/sys/net/ipv6): no IPv6 packet is received. IPv6 has no rp_filter.";
            return finding;
        }

        // rp_filter, IPv4 only.
        if (family == CtFamily.IPv4)
        {
            var all = input.Network.RpFilterAll;
            var dev = nic.RpFilter;
            if (all is null && dev is null)
                parts.Add("rp_filter: not readable");
            else
            {
                var effective = Math.Max(all ?? 0, dev ?? 0);
                var mode = effective switch { 0 => "off", 1 => "strict", _ => "loose" };
                parts.Add($"rp_filter: all={Show(all)}, {name}={Show(dev)} → {effective} ({mode})");
                if (effective != 0) protectedBy = $"rp_filter ({mode})";
            }
        }
        else
        {
            parts.Add("IPv6 has no rp_filter");
        }

        // The rules.
        var networks = input.Network.NetworksOf(name, family);
        var isDefault = input.Network.HasDefaultRoute(name, family);
        var spoofed = SpoofedSources(input.Network, name, family, networks, isDefault);
        var outcomes = streams.Where(s => s.Families.Contains(family)).Select(s => (Stream: s, Outcome: Evaluate(s, name, family, spoofed))).ToList();

        var ruleProtection = outcomes.FirstOrDefault(o => o.Outcome.Protected);
        var nftPart = RulePart(input.Nft is null ? null : outcomes.Where(o => o.Stream.Source == RuleSource.Nft), ReversePathKind.Fib,
            stray.Where(s => s.Families.Contains(family)).Select(s => s.Note), input.Notes.FirstOrDefault(n => n.StartsWith("nft", StringComparison.Ordinal)));
        var iptables = family == CtFamily.IPv6 ? input.Ip6tables : input.Iptables;
        var iptPart = RulePart(iptables is { Available: true } ? outcomes.Where(o => o.Stream.Source == RuleSource.Iptables) : null, ReversePathKind.Rpfilter, [],
            iptables is null ? $"{(family == CtFamily.IPv6 ? "ip6tables" : "iptables")} not read" : iptables.Notes.FirstOrDefault(), family);
        parts.Add(nftPart);
        parts.Add(iptPart);
        parts.Add(ManualPart(outcomes, name, family, networks, isDefault, spoofed));

        if (protectedBy is null && ruleProtection.Outcome is { } o)
            protectedBy = o.Method switch
            {
                ProtectionMethod.ReversePath when ruleProtection.Stream.Source == RuleSource.Nft => $"the nft fib rule {o.Rule!.Location}{(o.Loose ? " (loose)" : "")}",
                ProtectionMethod.ReversePath => $"the rpfilter rule {o.Rule!.Location}{(o.Loose ? " (loose)" : "")}",
                _ => $"the manual rules for {name} ({o.Rule!.Location})",
            };

        finding.Passed = protectedBy is not null;
        var head = finding.Passed
            ? $"Protected by {protectedBy}"
            : $"Packets with spoofed {family} sources are accepted on {name}";
        finding.Message = $"{head}. {string.Join("; ", parts.Where(p => p.Length > 0))}.";
        if (!finding.Passed)
        {
            var (command, note) = Remediation(input, name, family);
            finding.Remediation = command;
            if (note is not null) finding.Message += " " + note;
        }
        return finding;
    }

    private static string Show(int? v) => v?.ToString(CultureInfo.InvariantCulture) ?? "?";

    /// <summary>
    /// The sources that are spoofed when they arrive on the interface. On an interface without the
    /// default route: everything but its networks (and link-local, and the unspecified address).
    /// On the interface with the default route: the networks of the other interfaces (seed 001).
    /// </summary>
    internal static AddressSet SpoofedSources(NetworkInfo network, string name, CtFamily family, IReadOnlyList<IpPrefix> networks, bool isDefault)
    {
        var allowed = AddressSet.Of(family, networks);
        if (family == CtFamily.IPv4) allowed.Add(0, 0); // 0.0.0.0: DHCP clients
        else
        {
            allowed.Add(0, 0); // ::, duplicate address detection
            IpPrefix.TryParse("fe80::/10", out var ll);
            allowed.Add(ll.First, ll.Last);
        }
        if (!isDefault) return allowed.Complement();
        var others = new AddressSet(family);
        foreach (var other in network.Interfaces.Where(i => !i.IsLoopback && i.Name != name))
            others = others.Union(AddressSet.Of(family, network.NetworksOf(other.Name, family)));
        return others.Except(allowed);
    }

    private static string RulePart(IEnumerable<(Stream Stream, StreamOutcome Outcome)>? outcomes, ReversePathKind kind, IEnumerable<string> stray, string? unreadNote, CtFamily family = CtFamily.Unspecified)
    {
        var what = kind == ReversePathKind.Fib ? "fib rule" : "rpfilter match";
        if (outcomes is null) return unreadNote ?? $"{what}: not read";
        var list = outcomes.ToList();
        if (list.FirstOrDefault(o => o.Outcome is { Protected: true, Method: ProtectionMethod.ReversePath }) is { Outcome: { } p })
            return $"{what}: {p.Rule!.Location} ({p.Rule.Text}){(p.Loose ? ", loose: it accepts a source routed through any interface" : "")}";
        var notes = list.SelectMany(o => o.Outcome.ReversePathNotes).Concat(stray).Distinct().ToList();
        if (notes.Count == 0) return kind == ReversePathKind.Fib ? "no fib rule" : $"no {(family == CtFamily.IPv6 ? "ip6tables" : "iptables")} rpfilter match";
        return $"no {what} that protects: {string.Join(", ", notes.Take(3))}{(notes.Count > 3 ? $" (and {notes.Count - 3} more)" : "")}";
    }

    private static string ManualPart(List<(Stream Stream, StreamOutcome Outcome)> outcomes, string name, CtFamily family, IReadOnlyList<IpPrefix> networks, bool isDefault, AddressSet spoofed)
    {
        var nets = networks.Count == 0 ? "none" : string.Join(", ", networks.Take(4)) + (networks.Count > 4 ? ", …" : "");
        if (outcomes.FirstOrDefault(o => o.Outcome is { Protected: true, Method: ProtectionMethod.Manual }) is { Outcome: { } m })
            return isDefault
                ? $"manual rules: {name} has the default route and drops the other interfaces' networks ({spoofed}), the last at {m.Rule!.Location} ({m.Rule.Text})"
                : $"manual rules: {name} drops sources outside its networks ({nets}), at {m.Rule!.Location} ({m.Rule.Text})";
        var partial = outcomes.Where(o => o.Outcome.ManualNote is not null).Select(o => o.Outcome.ManualNote!).FirstOrDefault();
        if (isDefault && spoofed.IsEmpty)
            return $"no manual rules needed beyond reverse-path checks: {name} has the default route and no other interface has {family} networks";
        if (partial is not null) return partial;
        return $"no raw rule for {name}";
    }

    #endregion

    #region Remediation

    /// <summary>
    /// A command that makes the check pass, runnable from sh and from pwsh: the rp_filter sysctl for
    /// IPv4, an nft fib rule for IPv6 (after an exception for neighbour discovery, as firewalld
    /// makes it). Prefixed to run in the namespace. Returns a note for the message when a part had
    /// to be a placeholder.
    /// </summary>
    internal static (string Command, string? Note) Remediation(AntiSpoofInput input, string name, CtFamily family)
    {
        var prefix = RemediationText.NamespacePrefix(input.NetworkNamespace, input.NamespacePath, out var note);

        if (family == CtFamily.IPv4)
        {
            if (name.Contains('=', StringComparison.Ordinal))
                return ($"{prefix}sysctl -w net.ipv4.conf.all.rp_filter=1",
                    Join(note, $"sysctl cannot name {name} (its name holds '='), so the remediation sets conf/all, which makes rp_filter strict on every interface."));
            var word = RemediationText.ShellWord($"net/ipv4/conf/{name}/rp_filter=1");
            if (word is null)
                return ($"{prefix}sysctl -w 'net/ipv4/conf/<interface>/rp_filter=1'",
                    Join(note, "The interface's name cannot be quoted safely for sh and pwsh: replace <interface> with it."));
            return ($"{prefix}sysctl -w {word}", note);
        }

        var quoted = RemediationText.NftInterface(name);
        if (quoted is null) note = Join(note, "The interface's name cannot be quoted safely for sh, pwsh and nft: replace <interface> with it.");
        var ifname = quoted ?? "\"<interface>\"";
        var t = $"inet {RemediationTable}";
        var script = $"add table {t}; " +
                     $"add chain {t} {RemediationChain} {{ type filter hook prerouting priority raw; policy accept; }}; " +
                     $"add rule {t} {RemediationChain} iifname {ifname} icmpv6 type {{ nd-router-advert, nd-neighbor-solicit }} accept; " +
                     $"add rule {t} {RemediationChain} iifname {ifname} meta nfproto ipv6 fib saddr . iif oif missing drop";
        return ($"{prefix}nft '{script}'", note);
    }

    private static string? Join(string? a, string? b) => a is null ? b : b is null ? a : $"{a} {b}";

    #endregion

    #region Streams: prerouting base chains flattened through jumps

    internal enum RuleSource { Nft, Iptables }

    internal enum Act { None, Accept, Drop, Leak, Stop }

    internal enum CondKind { Interface, Family, Source, ReversePath, NeighbourDiscovery, Icmpv6, Other }

    internal enum ReversePathKind { Fib, Rpfilter }

    internal enum ProtectionMethod { ReversePath, Manual }

    /// <summary>One condition of a rule: Negated applies to the values (iifname != { ... }).</summary>
    internal sealed record Cond(CondKind Kind, bool Negated, IReadOnlyList<string> Values, string Text)
    {
        /// <summary>ReversePath: true when the rule matches packets that fail the check (missing / --invert).</summary>
        public bool Fails { get; init; }

        public bool Loose { get; init; }

        /// <summary>Interface: nft writes a prefix as name*, iptables as name+.</summary>
        public char Wildcard { get; init; } = '*';

        public CtFamily Family { get; init; }
    }

    /// <summary>A rule of a stream: its conditions (those of the jumps that lead to it first) and what it does.</summary>
    internal sealed record FlatRule(string Location, string Text, IReadOnlyList<Cond> Conds, Act Act)
    {
        public bool IsReversePathFail => Conds.Any(c => c.Kind == CondKind.ReversePath && c.Fails);
    }

    internal sealed record Stream(RuleSource Source, string Label, IReadOnlySet<CtFamily> Families, List<FlatRule> Rules);

    internal sealed class StreamOutcome
    {
        public bool Protected { get; init; }
        public ProtectionMethod Method { get; init; }
        public bool Loose { get; init; }
        public FlatRule? Rule { get; init; }
        public List<string> ReversePathNotes { get; } = [];
        public string? ManualNote { get; set; }
    }

    private static readonly HashSet<CtFamily> Both = [CtFamily.IPv4, CtFamily.IPv6];

    internal static List<Stream> Streams(AntiSpoofInput input)
    {
        var streams = new List<Stream>();
        if (input.Nft is { } nft)
        {
            foreach (var chain in nft.Chains.Where(c => c.Hook == "prerouting" && c.Type is null or "filter"))
            {
                IReadOnlySet<CtFamily>? families = chain.Family switch
                {
                    "ip" => new HashSet<CtFamily> { CtFamily.IPv4 },
                    "ip6" => new HashSet<CtFamily> { CtFamily.IPv6 },
                    "inet" => Both,
                    _ => null,
                };
                if (families is null || IsIptablesNft(input, chain.Family, chain.Table)) continue;
                var rules = new List<FlatRule>();
                FlattenNft(nft, chain, [], rules, 0);
                streams.Add(new Stream(RuleSource.Nft, $"{chain.Family} {chain.Table} {chain.Name}", families, rules));
            }
        }
        foreach (var save in new[] { input.Iptables, input.Ip6tables })
        {
            if (save is null) continue;
            foreach (var legacy in new[] { false, true })
                foreach (var table in new[] { "raw", "mangle" })
                {
                    if (!save.Chains.Any(c => c.Table == table && c.Name == "PREROUTING" && c.Legacy == legacy)) continue;
                    var rules = new List<FlatRule>();
                    FlattenIptables(save, table, "PREROUTING", legacy, [], rules, 0);
                    streams.Add(new Stream(RuleSource.Iptables, $"{save.Command} -t {table} PREROUTING", new HashSet<CtFamily> { save.Family }, rules));
                }
        }
        return streams;
    }

    /// <summary>A table iptables-nft made: its rules are read from iptables-save, with the options nft cannot show.</summary>
    private static bool IsIptablesNft(AntiSpoofInput input, string family, string table)
    {
        var save = family switch { "ip" => input.Iptables, "ip6" => input.Ip6tables, _ => null };
        return save is { Variant: "nf_tables" } && save.Chains.Any(c => !c.Legacy && c.Table == table);
    }

    private const int MaxDepth = 16;

    private static void FlattenNft(NftRuleset nft, NftChain chain, IReadOnlyList<Cond> prefix, List<FlatRule> into, int depth)
    {
        if (depth > MaxDepth) return;
        foreach (var rule in nft.Rules.Where(r => r.Family == chain.Family && r.Table == chain.Table && r.Chain == chain.Name))
        {
            var own = NftConds(rule);
            var conds = prefix.Concat(own).ToList();
            var location = rule.Location;
            var text = rule.Text;
            var facts = rule.Facts;
            if (rule.Expressions.Any(e => e.ValueKind == JsonValueKind.Object && e.TryGetProperty("vmap", out _)))
            {
                // A verdict map can accept anything it maps; it is not followed.
                into.Add(new FlatRule(location, text, conds, Act.Leak));
                continue;
            }
            switch (facts.Verdict)
            {
                case "accept":
                    into.Add(new FlatRule(location, text, conds, Act.Accept));
                    break;
                case "drop" or "reject":
                    into.Add(new FlatRule(location, text, conds, Act.Drop));
                    break;
                case "queue":
                    into.Add(new FlatRule(location, text, conds, Act.Leak));
                    break;
                case "return":
                    if (Leave(location, text, conds, own.Count == 0, depth, into)) return;
                    break;
                case "jump" or "goto":
                    if (nft.Chains.FirstOrDefault(c => c.Family == chain.Family && c.Table == chain.Table && c.Name == facts.JumpTarget) is { } target)
                        FlattenNft(nft, target, conds, into, depth + 1);
                    // After a goto the rest of this chain is skipped, as after a return.
                    if (facts.Verdict == "goto" && Leave(location, text, conds, own.Count == 0, depth, into)) return;
                    break;
            }
        }
    }

    /// <summary>
    /// A return (or what follows a goto): the rest of the chain is skipped. In a base chain the
    /// policy decides (accept, in effect), so an unconditional one ends the stream; in a chain that
    /// was jumped to, processing goes on after the jump, so an unconditional one only ends this
    /// chain. A conditional one lets the matching packets skip what follows: counted as letting
    /// them through. Returns true when the caller stops reading this chain.
    /// </summary>
    private static bool Leave(string location, string text, List<Cond> conds, bool unconditional, int depth, List<FlatRule> into)
    {
        if (!unconditional)
        {
            into.Add(new FlatRule(location, text, conds, Act.Leak));
            return false;
        }
        if (depth == 0) into.Add(new FlatRule(location, text, conds, Act.Stop));
        return true;
    }

    private static readonly HashSet<string> NdTypes = new(StringComparer.Ordinal)
    {
        "nd-router-solicit", "nd-router-advert", "nd-neighbor-solicit", "nd-neighbor-advert", "nd-redirect",
        "133", "134", "135", "136", "137",
        "router-solicitation", "router-advertisement", "neighbour-solicitation", "neighbour-advertisement", "neighbor-solicitation", "neighbor-advertisement", "redirect",
    };

    private static readonly HashSet<string> Icmpv6Protocols = new(StringComparer.OrdinalIgnoreCase) { "ipv6-icmp", "icmpv6", "icmp6", "58" };

    /// <summary>Statements that neither restrict what a rule matches nor decide its fate.</summary>
    private static readonly HashSet<string> PlainStatements = new(StringComparer.Ordinal)
    {
        "match", "counter", "log", "mangle", "notrack", "ct helper", "ct timeout", "ct expectation", "dup", "set",
        "accept", "drop", "reject", "return", "jump", "goto", "queue", "continue",
    };

    internal static List<Cond> NftConds(NftRule rule)
    {
        var conds = new List<Cond>();
        foreach (var m in rule.Facts.Matches)
        {
            var text = $"{m.Subject}{(m.Op is "==" or "in" ? "" : " " + m.Op)} {string.Join(',', m.Values)}";
            var negated = m.Op == "!=";
            var known = m.Op is "==" or "!=" or "in";
            switch (m.Subject)
            {
                case "meta iifname" or "meta iif" when known:
                    conds.Add(new Cond(CondKind.Interface, negated, m.Values, text.Replace("meta ", "", StringComparison.Ordinal)));
                    continue;
                case "meta nfproto" when known:
                    conds.Add(FamilyCond(negated, m.Values.Select(v => v switch { "ipv4" => CtFamily.IPv4, "ipv6" => CtFamily.IPv6, _ => CtFamily.Unspecified }), text));
                    continue;
                case "meta protocol" when known:
                    conds.Add(FamilyCond(negated, m.Values.Select(v => v switch { "ip" => CtFamily.IPv4, "ip6" => CtFamily.IPv6, _ => CtFamily.Unspecified }), text));
                    continue;
                case "ip saddr" or "ip6 saddr" when known:
                    var f = m.Subject == "ip saddr" ? CtFamily.IPv4 : CtFamily.IPv6;
                    conds.Add(FamilyCond(false, [f], ""));
                    conds.Add(new Cond(CondKind.Source, negated, m.Values, text) { Family = f });
                    continue;
                case "icmpv6 type" when m.Op is "==" or "in" && m.Values.All(NdTypes.Contains):
                    conds.Add(FamilyCond(false, [CtFamily.IPv6], ""));
                    conds.Add(new Cond(CondKind.NeighbourDiscovery, false, m.Values, text));
                    continue;
                case "meta l4proto" when m.Op is "==" or "in" && m.Values.All(Icmpv6Protocols.Contains):
                    conds.Add(new Cond(CondKind.Icmpv6, false, m.Values, text));
                    continue;
            }
            if (m.Subject.StartsWith("fib ", StringComparison.Ordinal) && ReversePathOf(m) is { } rp)
            {
                conds.Add(rp);
                continue;
            }
            // Protocol headers imply their family (nft adds the nfproto dependency itself in inet tables).
            var head = m.Subject.Split(' ')[0];
            if (head is "ip" or "icmp") conds.Add(FamilyCond(false, [CtFamily.IPv4], ""));
            else if (head is "ip6" or "icmpv6") conds.Add(FamilyCond(false, [CtFamily.IPv6], ""));
            conds.Add(new Cond(CondKind.Other, false, m.Values, text));
        }
        foreach (var e in rule.Expressions)
        {
            if (e.ValueKind != JsonValueKind.Object) continue;
            foreach (var p in e.EnumerateObject())
            {
                if (PlainStatements.Contains(p.Name)) continue;
                if (p.Name == "xt" && p.Value.TryGetProperty("type", out var type) && type.GetString() == "target") continue;
                // limit, quota, xt matches, meters, ...: the rule matches only some packets.
                conds.Add(new Cond(CondKind.Other, false, [], p.Name == "xt" && p.Value.TryGetProperty("name", out var n) ? $"xt match {n.GetString()}" : p.Name));
            }
        }
        return conds;
    }

    /// <summary>A `fib saddr [. mark] [. iif] oif|check` test against missing/0 (or exists/!= 0).</summary>
    private static Cond? ReversePathOf(NftMatch m)
    {
        var words = m.Subject.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (words.Length < 3 || words[^1] is not ("oif" or "check")) return null;
        var flags = words[1..^1].Where(w => w != ".").ToHashSet(StringComparer.Ordinal);
        if (!flags.Contains("saddr") || flags.Contains("daddr") || flags.Contains("oif")) return null;
        if (m.Values.Count != 1) return null;
        var missing = m.Values[0] is "false" or "0" or "missing";
        var exists = m.Values[0] is "true" or "exists";
        if (!missing && !exists) return null;
        var fails = (m.Op == "==") == missing;
        if (m.Op is not ("==" or "!=")) return null;
        return new Cond(CondKind.ReversePath, false, m.Values, $"{m.Subject} {(m.Op == "!=" ? "!= " : "")}{m.Values[0]}") { Fails = fails, Loose = !flags.Contains("iif") };
    }

    private static Cond FamilyCond(bool negated, IEnumerable<CtFamily> families, string text) =>
        new(CondKind.Family, negated, families.Select(f => f.ToString()).ToList(), text);

    private static void FlattenIptables(IptablesSave save, string table, string chain, bool legacy, IReadOnlyList<Cond> prefix, List<FlatRule> into, int depth)
    {
        if (depth > MaxDepth) return;
        foreach (var rule in save.Rules.Where(r => r.Table == table && r.Chain == chain && r.Legacy == legacy))
        {
            var own = IptablesConds(rule);
            var conds = prefix.Concat(own).ToList();
            var text = rule.Text;
            var location = rule.Location;
            var target = rule.Target;
            var userChain = target is not null && save.Chains.Any(c => c.Table == table && c.Name == target && !c.IsBuiltin && c.Legacy == legacy);
            if (userChain)
            {
                FlattenIptables(save, table, target!, legacy, conds, into, depth + 1);
                if (rule.Goto && Leave(location, text, conds, own.Count == 0, depth, into)) return;
                continue;
            }
            switch (target)
            {
                case "ACCEPT":
                    into.Add(new FlatRule(location, text, conds, Act.Accept));
                    break;
                case "DROP" or "REJECT":
                    into.Add(new FlatRule(location, text, conds, Act.Drop));
                    break;
                case "QUEUE" or "NFQUEUE":
                    into.Add(new FlatRule(location, text, conds, Act.Leak));
                    break;
                case "RETURN":
                    if (Leave(location, text, conds, own.Count == 0, depth, into)) return;
                    break;
            }
        }
    }

    internal static List<Cond> IptablesConds(IptablesRule rule)
    {
        var conds = new List<Cond>();
        if (rule.InInterface is { } iif)
            conds.Add(new Cond(CondKind.Interface, iif.Negated, [iif.Value], $"{(iif.Negated ? "! " : "")}-i {iif.Value}") { Wildcard = '+' });
        if (rule.Source is { } src)
            conds.Add(new Cond(CondKind.Source, src.Negated, [src.Value], $"{(src.Negated ? "! " : "")}-s {src.Value}") { Family = rule.Family });
        if (rule.Destination is { } dst) conds.Add(new Cond(CondKind.Other, false, [], $"-d {dst}"));
        if (rule.OutInterface is { } oif) conds.Add(new Cond(CondKind.Other, false, [], $"-o {oif}"));
        if (rule.Fragment is not null) conds.Add(new Cond(CondKind.Other, false, [], "-f"));
        if (rule.Protocol is { } proto)
        {
            if (!proto.Negated && Icmpv6Protocols.Contains(proto.Value)) conds.Add(new Cond(CondKind.Icmpv6, false, [proto.Value], $"-p {proto.Value}"));
            else conds.Add(new Cond(CondKind.Other, false, [], $"-p {proto}"));
        }
        foreach (var m in rule.Matches)
        {
            switch (m.Name)
            {
                case "comment":
                    continue;
                case "rpfilter":
                    // --validmark and --accept-local change what passes, not what the match is.
                    conds.Add(new Cond(CondKind.ReversePath, false, [], m.ToString()) { Fails = m.Has("invert"), Loose = m.Has("loose") });
                    continue;
                case "icmp6" when m.Options.Count == 1 && m.Option("icmpv6-type") is { Negated: false } t && NdTypes.Contains(t.Value.Split('/')[0]):
                    conds.Add(new Cond(CondKind.NeighbourDiscovery, false, [t.Value], m.ToString()));
                    continue;
                default:
                    conds.Add(new Cond(CondKind.Other, false, [], m.ToString()));
                    continue;
            }
        }
        return conds;
    }

    /// <summary>Reverse-path rules that no prerouting stream contains: in input or forward chains, in nat chains.</summary>
    private static List<(IReadOnlySet<CtFamily> Families, string Note)> StrayReversePathRules(AntiSpoofInput input)
    {
        var notes = new List<(IReadOnlySet<CtFamily>, string)>();
        if (input.Nft is not { } nft) return notes;
        foreach (var rule in nft.Rules)
        {
            if (IsIptablesNft(input, rule.Family, rule.Table)) continue;
            if (!NftConds(rule).Any(c => c.Kind == CondKind.ReversePath && c.Fails)) continue;
            if (nft.ChainOf(rule) is not { } chain) continue;
            var bases = nft.BaseChainsReaching(chain);
            if (bases.Any(b => b.Hook == "prerouting" && b.Type is null or "filter" && b.Family is "ip" or "ip6" or "inet")) continue;
            var where = bases.Count == 0
                ? "is in a chain no base chain reaches"
                : string.Join(", ", bases.Select(b => b.Type == "nat"
                    ? $"is in the nat chain {b.Name}, which sees only the first packet of a connection"
                    : $"is reached from the {b.Hook} hook (chain {b.Name}), not from prerouting").Distinct());
            IReadOnlySet<CtFamily> families = rule.Family switch { "ip" => new HashSet<CtFamily> { CtFamily.IPv4 }, "ip6" => new HashSet<CtFamily> { CtFamily.IPv6 }, _ => Both };
            notes.Add((families, $"{rule.Location} {where}"));
        }
        return notes;
    }

    #endregion

    #region Evaluation of one stream for one interface and family

    internal static StreamOutcome Evaluate(Stream stream, string name, CtFamily family, AddressSet spoofed)
    {
        var dropped = new AddressSet(family);
        var leaked = new AddressSet(family);
        FlatRule? leakRule = null;
        var rpNotes = new List<string>();
        FlatRule? passRule = null; // `-m rpfilter -j RETURN` / `fib ... oif exists accept`, before a drop of the rest
        var interfaceDrops = 0;
        foreach (var rule in stream.Rules)
        {
            var rp = rule.Conds.FirstOrDefault(c => c.Kind == CondKind.ReversePath);
            if (!Applies(rule, name, family, out var why))
            {
                if (rule.IsReversePathFail && rule.Act == Act.Drop) rpNotes.Add($"{rule.Location} is limited to {why}");
                continue;
            }
            if (rule.Act == Act.Stop) break;
            if (rule.Act == Act.None) continue;

            var nd = rule.Conds.Any(c => c.Kind == CondKind.NeighbourDiscovery);
            var others = rule.Conds.Where(c => c.Kind == CondKind.Other || (c.Kind == CondKind.Icmpv6 && !nd)).Select(c => c.Text).ToList();
            var (sources, sourceKnown, sourceText) = SourcesOf(rule, family);
            var names = rule.Conds.Any(c => c.Kind == CondKind.Interface && !c.Negated);

            if (rule.Act == Act.Drop)
            {
                if (others.Count > 0 || nd)
                {
                    if (rp is { Fails: true }) rpNotes.Add($"{rule.Location} is limited to {string.Join(' ', nd ? ["neighbour discovery"] : others)}");
                    continue;
                }
                if (rp is { Fails: false }) continue; // drops what passes the check: not anti-spoofing
                if (rp is { Fails: true } && sources is null && sourceKnown)
                {
                    if (leaked.IsEmpty)
                        return new StreamOutcome { Protected = true, Method = ProtectionMethod.ReversePath, Loose = rp.Loose, Rule = rule };
                    var outcome = new StreamOutcome();
                    outcome.ReversePathNotes.Add($"{rule.Location} comes after {leakRule!.Location} ({leakRule.Text}), which lets {Describe(leaked, spoofed)} through");
                    return outcome;
                }
                if (rp is { Fails: true }) rpNotes.Add($"{rule.Location} is limited to {sourceText}");
                if (sourceKnown) dropped = dropped.Union(sources ?? AddressSet.All(family));
                if (names) interfaceDrops++;
                if (!spoofed.IsEmpty && dropped.Covers(spoofed) && leaked.IsEmpty && rp is null)
                    return passRule is not null && !rule.Conds.Any(c => c.Kind == CondKind.Interface)
                        ? new StreamOutcome { Protected = true, Method = ProtectionMethod.ReversePath, Rule = passRule, Loose = passRule.Conds.Any(c => c.Kind == CondKind.ReversePath && c.Loose) }
                        : new StreamOutcome { Protected = true, Method = ProtectionMethod.Manual, Rule = rule };
                continue;
            }

            // Accept, or something that may let packets through (queue, return, goto, vmap).
            if (nd && others.Count == 0) continue; // neighbour discovery cannot carry what helpers parse
            if (rp is { Fails: false } && others.Count == 0 && sources is null && leaked.IsEmpty)
            {
                // Lets through only what passes the check; a drop of the rest makes it a reverse-path
                // filter (iptables-extensions(8)'s RPFILTER chain), loose when the check is.
                passRule ??= rule;
                continue;
            }
            var through = (sourceKnown ? sources ?? AddressSet.All(family) : AddressSet.All(family)).Intersect(spoofed).Except(dropped);
            if (!through.IsEmpty)
            {
                leaked = leaked.Union(through);
                leakRule ??= rule;
            }
        }
        var result = new StreamOutcome();
        result.ReversePathNotes.AddRange(rpNotes);
        if (interfaceDrops > 0 || !dropped.IsEmpty)
        {
            var open = spoofed.Except(dropped);
            result.ManualNote = leakRule is not null && !leaked.IsEmpty
                ? $"{leakRule.Location} ({leakRule.Text}) lets {Describe(leaked, spoofed)} through before the drop rules for {name}"
                : $"the drop rules for {name} in {stream.Label} leave {Describe(open, spoofed)} open";
        }
        return result;
    }

    /// <summary>"any spoofed source", or the largest prefixes of the set (three at most).</summary>
    private static string Describe(AddressSet set, AddressSet spoofed)
    {
        if (set.Covers(spoofed)) return "any spoofed source";
        var prefixes = set.ToPrefixes().OrderBy(p => p.Length).ThenBy(p => p.First).ToList();
        var shown = string.Join(", ", prefixes.Take(3));
        return $"spoofed sources in {shown}{(prefixes.Count > 3 ? $" and {prefixes.Count - 3} more ranges" : "")}";
    }

    /// <summary>The sources a rule is limited to (null: any), whether they could be read, and how the rule writes them.</summary>
    private static (AddressSet? Sources, bool Known, string Text) SourcesOf(FlatRule rule, CtFamily family)
    {
        AddressSet? result = null;
        var texts = new List<string>();
        foreach (var c in rule.Conds.Where(c => c.Kind == CondKind.Source && c.Family == family))
        {
            texts.Add(c.Text);
            var set = new AddressSet(family);
            foreach (var v in c.Values)
            {
                if (!TryRange(v, family, out var first, out var last)) return (null, false, c.Text);
                set.Add(first, last);
            }
            if (c.Negated) set = set.Complement();
            result = result is null ? set : result.Intersect(set);
        }
        return (result, true, string.Join(' ', texts));
    }

    /// <summary>An address, prefix or range (a-b) of nft or iptables; iptables also writes a mask (10.0.0.0/255.0.0.0).</summary>
    private static bool TryRange(string value, CtFamily family, out UInt128 first, out UInt128 last)
    {
        first = last = 0;
        var dash = value.IndexOf('-', StringComparison.Ordinal);
        if (dash > 0 && IpPrefix.TryParse(value[..dash], out var lo) && IpPrefix.TryParse(value[(dash + 1)..], out var hi) && lo.Family == family && hi.Family == family)
        {
            (first, last) = (lo.First, hi.Last);
            return first <= last;
        }
        var slash = value.IndexOf('/', StringComparison.Ordinal);
        if (slash > 0 && value[(slash + 1)..].Contains('.', StringComparison.Ordinal)
            && System.Net.IPAddress.TryParse(value[(slash + 1)..], out var mask))
        {
            var bits = IpPrefix.ToNumber(mask);
            var len = family == CtFamily.IPv4 ? (int)UInt128.PopCount(bits) : -1;
            if (len < 0) return false;
            value = $"{value[..slash]}/{len}";
        }
        if (!IpPrefix.TryParse(value, out var p) || p.Family != family) return false;
        (first, last) = (p.First, p.Last);
        return true;
    }

    /// <summary>True when the rule's interface and family conditions let packets of this interface and family through to it.</summary>
    private static bool Applies(FlatRule rule, string name, CtFamily family, out string why)
    {
        foreach (var c in rule.Conds)
        {
            if (c.Kind == CondKind.Interface && InterfaceMatches(c, name) == c.Negated)
            {
                why = c.Text;
                return false;
            }
            if (c.Kind == CondKind.Family && c.Values.Contains(family.ToString()) == c.Negated)
            {
                why = c.Text.Length > 0 ? c.Text : $"{(family == CtFamily.IPv4 ? "IPv6" : "IPv4")} headers";
                return false;
            }
        }
        why = "";
        return true;
    }

    /// <summary>Whether one of the condition's values names the interface: exactly, or as a prefix (nft name*, iptables name+; nft \* is a literal star).</summary>
    internal static bool InterfaceMatches(Cond c, string name)
    {
        foreach (var v in c.Values)
        {
            if (c.Wildcard == '*')
            {
                if (v.EndsWith("\\*", StringComparison.Ordinal))
                {
                    if (name == v[..^2] + "*") return true;
                }
                else if (v.EndsWith('*'))
                {
                    if (name.StartsWith(v[..^1], StringComparison.Ordinal)) return true;
                }
                else if (name == v) return true;
            }
            else
            {
                if (v.EndsWith('+') ? name.StartsWith(v[..^1], StringComparison.Ordinal) : name == v) return true;
            }
        }
        return false;
    }

    #endregion
}
