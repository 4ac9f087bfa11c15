using System.Globalization;
using ConntrackTools.Engine;
using ConntrackTools.Engine.Helpers;
using ConntrackTools.Kernel;
using ConntrackTools.Kernel.Conntrack;
using ConntrackTools.Kernel.Netlink;
using ConntrackTools.Kernel.Nftables;

namespace ConntrackTools.Audit;

/// <summary>
/// What the helper-security checks read from a system: the ruleset, iptables rules, the automatic
/// assignment sysctl, the helper modules' options, the live expectation table and which
/// interfaces are untrusted. Collected once, then checked without touching the system again.
/// </summary>
public sealed class HelperSecuritySnapshot
{
    public NftRuleset Ruleset { get; init; } = new();

    /// <summary>iptables/ip6tables rules (iptables-save), for CT --helper and RELATED accept rules.</summary>
    public IReadOnlyList<IptablesRule> Iptables { get; init; } = [];

    /// <summary>nf_conntrack_helper's value; null when this kernel has no such sysctl (Linux 6.0 and later).</summary>
    public long? AutomaticAssignment { get; init; }

    /// <summary>Helper module parameters present, as /sys/module shows them ("nf_conntrack_ftp.loose" → "N"); null values were unreadable.</summary>
    public IReadOnlyDictionary<string, string?> ModuleParameters { get; init; } = new Dictionary<string, string?>();

    public IReadOnlyList<CtExpectation> Expectations { get; init; } = [];

    /// <summary>Interfaces whose traffic is not trusted (by default, those that carry a default route).</summary>
    public IReadOnlyList<string> UntrustedInterfaces { get; init; } = [];

    /// <summary>How the untrusted interfaces were chosen, for the messages.</summary>
    public string UntrustedReason { get; init; } = "";

    /// <summary>The -NetworkNamespace the audit ran in, for the remediation commands; null for this one.</summary>
    public string? NetworkNamespace { get; init; }

    /// <summary>The namespace's nsfs path, which tells a named namespace from a path or PID.</summary>
    public string? NamespacePath { get; init; }

    public string Backend => NetworkNamespace is null ? "kernel" : $"kernel:{NetworkNamespace}";

    /// <summary>Reads a snapshot of the kernel, in this or another network namespace.</summary>
    public static HelperSecuritySnapshot Collect(string? networkNamespace, IReadOnlyList<string>? untrusted, CancellationToken cancel = default)
    {
        var ruleset = NftClient.ListRuleset(networkNamespace);
        var expectations = new List<CtExpectation>();
        using (var client = ConntrackClient.Open(networkNamespace))
            client.DumpExpectations(null, expectations.Add, cancel);
        var ns = networkNamespace is null ? null : Kernel.Netlink.NetworkNamespace.Resolve(networkNamespace);
        var automatic = ConntrackSettings.AutomaticHelperAssignment(ns);
        string reason;
        IReadOnlyList<string> untrustedList;
        if (untrusted is { Count: > 0 })
        {
            untrustedList = untrusted;
            reason = "as given";
        }
        else
        {
            var info = NetworkInfo.Read(networkNamespace);
            untrustedList = info.Interfaces.Where(i => info.HasDefaultRoute(i.Name, CtFamily.IPv4) || info.HasDefaultRoute(i.Name, CtFamily.IPv6)).Select(i => i.Name).ToList();
            reason = untrustedList.Count > 0 ? "they carry a default route" : "no interface carries a default route and none was given";
        }
        return new HelperSecuritySnapshot
        {
            Ruleset = ruleset,
            Iptables = [.. IptablesSave.Read(networkNamespace, CtFamily.IPv4).Rules, .. IptablesSave.Read(networkNamespace, CtFamily.IPv6).Rules],
            AutomaticAssignment = automatic.Supported ? (automatic.Enabled ? 1 : 0) : null,
            ModuleParameters = HelperModules.Read().Where(p => p.Present).ToDictionary(p => p.Key, p => p.Text),
            Expectations = expectations,
            UntrustedInterfaces = untrustedList,
            UntrustedReason = reason,
            NetworkNamespace = networkNamespace,
            NamespacePath = ns?.Path,
        };
    }
}

/// <summary>
/// The checklist of "Secure use of helpers" (seed 001) and the nftables helper guide (seed 000),
/// against a <see cref="HelperSecuritySnapshot"/>. Every check gives findings whether it passes or
/// fails, so a compliance run shows what was checked.
/// </summary>
public static class HelperSecurityAudit
{
    public const string AutomaticAssignmentCheck = "AutomaticHelperAssignment";
    public const string AssignmentUnrestrictedCheck = "HelperAssignmentUnrestricted";
    public const string RelatedUnrestrictedCheck = "RelatedAcceptUnrestricted";
    public const string DangerousOptionCheck = "DangerousHelperOption";
    public const string WildcardExpectationCheck = "WildcardExpectation";
    public const string UntrustedPayloadCheck = "HelperPayloadFromUntrusted";

    public static readonly string[] Checks =
        [AutomaticAssignmentCheck, AssignmentUnrestrictedCheck, RelatedUnrestrictedCheck, DangerousOptionCheck, WildcardExpectationCheck, UntrustedPayloadCheck];

    public static List<CtFinding> Run(HelperSecuritySnapshot s)
    {
        var findings = new List<CtFinding>();
        findings.AddRange(AutomaticAssignment(s));
        findings.AddRange(AssignmentRestriction(s));
        findings.AddRange(RelatedAccept(s));
        findings.AddRange(DangerousOptions(s));
        findings.AddRange(WildcardExpectations(s));
        findings.AddRange(UntrustedPayload(s));
        foreach (var f in findings) f.Backend = s.Backend;
        return findings;
    }

    // ---- automatic assignment ----

    private static IEnumerable<CtFinding> AutomaticAssignment(HelperSecuritySnapshot s)
    {
        if (s.AutomaticAssignment is not { } value)
        {
            yield return Pass(AutomaticAssignmentCheck, CtSeverity.High, "net.netfilter.nf_conntrack_helper",
                "This kernel has no nf_conntrack_helper sysctl: automatic helper assignment was removed in Linux 6.0, so helpers are attached only by explicit rules (nft `ct helper set`, iptables CT --helper).");
            yield break;
        }
        if (value == 0)
        {
            yield return Pass(AutomaticAssignmentCheck, CtSeverity.High, "net.netfilter.nf_conntrack_helper", "nf_conntrack_helper=0: helpers are attached only by explicit rules.");
            yield break;
        }
        yield return Fail(AutomaticAssignmentCheck, CtSeverity.High, "net.netfilter.nf_conntrack_helper",
            $"nf_conntrack_helper={value}: every loaded helper parses all traffic to its port, on every address and interface. Switch it off and assign helpers with restricted rules (New-CtHelper -DestinationAddress). Connections that already have a helper keep it.",
            $"Set-CtSetting -Name nf_conntrack_helper -Value 0{CmdletNetns(s)}");
    }

    // ---- helper assignment without an address restriction ----

    private static IEnumerable<CtFinding> AssignmentRestriction(HelperSecuritySnapshot s)
    {
        var any = false;
        foreach (var rule in s.Ruleset.Rules.Where(r => r.Facts.HelperAssigned is not null))
        {
            any = true;
            var facts = rule.Facts;
            var target = rule.Location;
            if (HasDestinationRestriction(facts))
            {
                yield return Pass(AssignmentUnrestrictedCheck, CtSeverity.Medium, target, $"`{rule.Text}` assigns the helper only to connections to {string.Join(", ", DestinationValues(facts))}.");
                continue;
            }
            var replace = NftReplace(s, rule, "ip daddr <server-address> " + rule.Text);
            yield return Fail(AssignmentUnrestrictedCheck, CtSeverity.Medium, target,
                $"`{rule.Text}` assigns the helper to connections to any address: forged traffic toward any host makes it open RELATED paths. Restrict it to the servers that need it (seed 000: use daddr in the assignment rule).",
                replace ?? $"Recreate the helper with New-CtHelper -DestinationAddress <server-address>{CmdletNetns(s)} (the rule's names cannot be quoted safely on a command line)");
        }
        foreach (var rule in s.Iptables.Where(r => r.CtHelper is not null))
        {
            any = true;
            if (rule.Destination is { Negated: false })
            {
                yield return Pass(AssignmentUnrestrictedCheck, CtSeverity.Medium, rule.Location, $"`{rule.Text}` assigns the {rule.CtHelper} helper only to connections to {rule.Destination.Value}.");
                continue;
            }
            yield return Fail(AssignmentUnrestrictedCheck, CtSeverity.Medium, rule.Location,
                $"`{rule.Text}` assigns the {rule.CtHelper} helper to connections to any address. Restrict it with -d (seed 001).",
                $"{NativeNetns(s)}{Tool(rule)} -t {rule.Table} -R {rule.Chain} {rule.Position} -d <server-address> {rule.Text}");
        }
        if (!any) yield return Pass(AssignmentUnrestrictedCheck, CtSeverity.Medium, "ruleset", "No rule assigns a helper.");
    }

    private static bool HasDestinationRestriction(NftRuleFacts facts) =>
        facts.Where("ip daddr", "ip6 daddr").Any(m => !m.Negated);

    private static IEnumerable<string> DestinationValues(NftRuleFacts facts) =>
        facts.Where("ip daddr", "ip6 daddr").Where(m => !m.Negated).SelectMany(m => m.Values);

    // ---- RELATED accepted without helper and address ----

    private static IEnumerable<CtFinding> RelatedAccept(HelperSecuritySnapshot s)
    {
        var any = false;
        foreach (var rule in s.Ruleset.Rules)
        {
            var facts = rule.Facts;
            if (facts.Verdict != "accept" || !facts.CtStates.Contains("related")) continue;
            if (s.Ruleset.ChainOf(rule) is not { } chain) continue;
            var hooks = s.Ruleset.BaseChainsReaching(chain).Select(c => c.Hook).ToHashSet();
            if (!hooks.Overlaps(["input", "forward", "prerouting"])) continue;
            any = true;
            var target = rule.Location;
            if (OnlyIcmp(facts))
            {
                yield return Pass(RelatedUnrestrictedCheck, CtSeverity.High, target, $"`{rule.Text}` accepts only RELATED ICMP errors, which no helper creates.");
                continue;
            }
            var helper = facts.Where("ct helper").Any(m => !m.Negated);
            var address = facts.Where("ip daddr", "ip6 daddr", "ip saddr", "ip6 saddr").Any(m => !m.Negated);
            if (helper && address)
            {
                yield return Pass(RelatedUnrestrictedCheck, CtSeverity.High, target, $"`{rule.Text}` accepts RELATED traffic of one helper, to or from given addresses.");
                continue;
            }
            var missing = (helper, address) switch
            {
                (false, false) => "neither a helper match (ct helper \"NAME\") nor an address restriction",
                (false, true) => "no helper match (ct helper \"NAME\")",
                _ => "no address restriction",
            };
            yield return Fail(RelatedUnrestrictedCheck, helper || address ? CtSeverity.Medium : CtSeverity.High, target,
                $"`{rule.Text}` accepts RELATED traffic with {missing}: whatever expectation a helper was talked into creating is let through. Accept RELATED per helper and toward the servers concerned (seed 001); RELATED ICMP errors need their own rule.",
                RelatedRemediation(s, rule, facts));
        }
        foreach (var rule in s.Iptables.Where(r => r.Target == "ACCEPT" && r.CtStates.Contains("related") && r.Table == "filter" && r.Chain is not ("OUTPUT" or "POSTROUTING")))
        {
            any = true;
            var helper = rule.HelperMatch is not null;
            var address = rule.Destination is { Negated: false } || rule.Source is { Negated: false };
            if (rule.Protocol is { Negated: false, Value: "icmp" or "ipv6-icmp" or "icmpv6" or "1" or "58" } || (helper && address))
            {
                yield return Pass(RelatedUnrestrictedCheck, CtSeverity.High, rule.Location, $"`{rule.Text}` accepts RELATED traffic narrowly.");
                continue;
            }
            var missing = (helper, address) switch
            {
                (false, false) => "neither -m helper --helper NAME nor an address restriction",
                (false, true) => "no -m helper --helper NAME",
                _ => "no address restriction",
            };
            yield return Fail(RelatedUnrestrictedCheck, helper || address ? CtSeverity.Medium : CtSeverity.High, rule.Location,
                $"`{rule.Text}` accepts RELATED traffic with {missing} (seed 001): whatever expectation a helper was talked into creating is let through.",
                IptablesRelatedRemediation(s, rule));
        }
        if (!any) yield return Pass(RelatedUnrestrictedCheck, CtSeverity.High, "ruleset", "No rule accepts RELATED traffic.");
    }

    /// <summary>A narrow RELATED rule (per helper, toward the server, and one for ICMP errors) before the wide one, which keeps its other states or goes.</summary>
    private static string IptablesRelatedRemediation(HelperSecuritySnapshot s, IptablesRule rule)
    {
        var tool = $"{NativeNetns(s)}{Tool(rule)} -t {rule.Table}";
        var icmp = rule.Family == CtFamily.IPv6 ? "ipv6-icmp" : "icmp";
        var narrow = $"{tool} -I {rule.Chain} {rule.Position} -p {icmp} -m conntrack --ctstate RELATED -j ACCEPT; "
            + $"{tool} -I {rule.Chain} {rule.Position} -m conntrack --ctstate RELATED -m helper --helper <helper> -d <server-address> -j ACCEPT; ";
        var moved = rule.Position + 2;
        var rest = System.Text.RegularExpressions.Regex.Replace(rule.Text, @"--(ct)?state (\S+)", m =>
        {
            var kept = m.Groups[2].Value.Split(',').Where(x => !x.Equals("RELATED", StringComparison.OrdinalIgnoreCase)).ToList();
            return kept.Count == 0 ? "" : $"--{m.Groups[1].Value}state {string.Join(',', kept)}";
        });
        return rule.CtStates.Count > 1
            ? narrow + $"{tool} -R {rule.Chain} {moved} {rest}"
            : narrow + $"{tool} -D {rule.Chain} {moved}";
    }

    private static string Tool(IptablesRule rule) => $"{(rule.Family == CtFamily.IPv6 ? "ip6tables" : "iptables")}{(rule.Legacy ? "-legacy" : "")}";

    private static bool OnlyIcmp(NftRuleFacts facts) =>
        facts.Where("meta l4proto", "ip protocol", "ip6 nexthdr").Any(m => !m.Negated && m.Values.All(v => v is "icmp" or "ipv6-icmp" or "icmpv6" or "1" or "58"))
        || facts.Matches.Any(m => m.Subject.StartsWith("icmp", StringComparison.Ordinal) && !m.Negated);

    private static string RelatedRemediation(HelperSecuritySnapshot s, NftRule rule, NftRuleFacts facts)
    {
        var states = facts.CtStates.Where(x => x != "related").ToList();
        var table = NftName(rule.Table);
        var chain = NftName(rule.Chain);
        if (table is null || chain is null)
            return "Replace the rule by hand: its table or chain name cannot be quoted safely on a command line.";
        var head = $"{rule.Family} {table} {chain}";
        var keep = states.Count > 0
            ? $"replace rule {head} handle {rule.Handle} ct state {string.Join(',', states)} accept"
            : $"delete rule {head} handle {rule.Handle}";
        return $"{NativeNetns(s)}nft '{keep}; add rule {head} ct state related meta l4proto {{ icmp, ipv6-icmp }} accept; add rule {head} ct state related ct helper \"<helper>\" ip daddr <server-address> accept'";
    }

    // ---- dangerous module options ----

    private static readonly (string Module, string Option, string Safe, string Why)[] Dangerous =
    [
        ("nf_conntrack_ftp", "loose", "N", "ftp loose=1 lets a client's PORT/EPRT name any address, so the helper expects connections to third hosts (FTP bounce through the firewall)."),
        ("nf_conntrack_sip", "sip_direct_media", "1", "sip_direct_media=0 expects media from any address, to any address the SDP names."),
        ("nf_conntrack_sip", "sip_direct_signalling", "1", "sip_direct_signalling=0 expects incoming calls from any address, not only the registrar."),
    ];

    private static IEnumerable<CtFinding> DangerousOptions(HelperSecuritySnapshot s)
    {
        foreach (var (module, option, safe, why) in Dangerous)
        {
            var key = $"{module}.{option}";
            var target = $"{module}.{option}";
            if (!s.ModuleParameters.TryGetValue(key, out var value)) continue; // module not present
            if (value is null)
            {
                yield return new CtFinding
                {
                    Check = DangerousOptionCheck, Passed = false, Severity = CtSeverity.Medium, Target = target,
                    Message = $"/sys/module/{module}/parameters/{option} could not be read (root only); the option may be on.",
                    Remediation = "Run the audit as root.",
                };
                continue;
            }
            var on = HelperModules.Parse(value) != HelperModules.Parse(safe);
            var note = " Module options are global to the host, not per network namespace.";
            if (!on)
            {
                yield return Pass(DangerousOptionCheck, CtSeverity.High, target, $"{option}={value}, the safe default.{note}");
                continue;
            }
            yield return Fail(DangerousOptionCheck, CtSeverity.High, target, $"{option}={value}: {why}{note}",
                $"echo {safe} > /sys/module/{module}/parameters/{option}");
        }
    }


    // ---- wildcard expectations now ----

    private static IEnumerable<CtFinding> WildcardExpectations(HelperSecuritySnapshot s)
    {
        var wild = s.Expectations.Where(e => e.WildcardSource).ToList();
        if (wild.Count == 0)
        {
            yield return Pass(WildcardExpectationCheck, CtSeverity.High, "expectation table",
                $"No expectation accepts any source address now ({s.Expectations.Count} expectation{(s.Expectations.Count == 1 ? "" : "s")}).");
            yield break;
        }
        foreach (var e in wild)
            yield return Fail(WildcardExpectationCheck, CtSeverity.High, $"expectation {e.Id}",
                $"The {e.Helper} expectation {e.Tuple} (master {e.Master}) accepts a connection from any source address: anyone who reaches {e.Tuple.Destination} port {e.Tuple.DestinationPort} first gets in as RELATED (seed 004, NAT slipstreaming). Check the helper's options and what may talk to it.",
                $"Get-CtExpectation{CmdletNetns(s)} | Where-Object Id -eq {e.Id} | Remove-CtExpectation");
    }

    // ---- payload-chosen fields reachable from untrusted interfaces ----

    private static IEnumerable<CtFinding> UntrustedPayload(HelperSecuritySnapshot s)
    {
        if (s.UntrustedInterfaces.Count == 0)
        {
            yield return new CtFinding
            {
                Check = UntrustedPayloadCheck, Passed = true, Severity = CtSeverity.Information, Target = "interfaces",
                Message = $"Not checked: {s.UntrustedReason}. Name them with -UntrustedInterface.",
            };
            yield break;
        }
        var settings = new EngineSettings();
        foreach (var (key, value) in s.ModuleParameters)
            if (HelperModules.Parse(value) is { } v) settings.Set(key, v);
        var helpers = HelperCatalog.Describe(settings, s.Backend).Where(h => !h.Userspace).ToList();
        var any = false;
        foreach (var rule in s.Ruleset.Rules.Where(r => r.Facts.HelperAssigned is not null))
        {
            var obj = s.Ruleset.Helpers.FirstOrDefault(h => h.Family == rule.Family && h.Table == rule.Table && h.Name == rule.Facts.HelperAssigned);
            if (obj is null || s.Ruleset.ChainOf(rule) is not { } chain) continue;
            any = true;
            var type = helpers.FirstOrDefault(h => h.Name == obj.Type && h.Protocol.ToString().Equals(obj.Protocol, StringComparison.OrdinalIgnoreCase));
            var chosen = type?.Expectations.Where(x => x.PayloadChosen && Applies(x, type.Options)).ToList() ?? [];
            var reachable = UntrustedReaching(s, rule, chain);
            var target = rule.Location;
            if (chosen.Count == 0 || reachable.Count == 0)
            {
                yield return Pass(UntrustedPayloadCheck, CtSeverity.High, target, reachable.Count == 0
                    ? $"`{rule.Text}` ({obj.Type}) cannot match connections arriving on {string.Join(", ", s.UntrustedInterfaces)} (untrusted: {s.UntrustedReason})."
                    : $"The {obj.Type} helper takes no expectation field from the payload with the current options.");
                continue;
            }
            var address = chosen.Any(x => x.DestinationAddress == CtFieldOrigin.InCommand || x.SourceAddress == CtFieldOrigin.InCommand);
            var fields = string.Join("; ", chosen.Select(Describe).Distinct());
            var quoted = reachable.Select(RemediationText.NftInterface).ToList();
            var exclude = string.Join(", ", quoted);
            var fix = quoted.All(q => q is not null)
                ? NftReplace(s, rule, $"iifname != {(quoted.Count == 1 ? exclude : $"{{ {exclude} }}")} {rule.Text}")
                : null;
            yield return Fail(UntrustedPayloadCheck, address ? CtSeverity.High : CtSeverity.Medium, target,
                $"`{rule.Text}` lets connections arriving on {string.Join(", ", reachable)} (untrusted: {s.UntrustedReason}) feed the {obj.Type} helper, whose expectations take {fields} from the payload: a peer there chooses what is opened (seed 001, degree of freedom).",
                fix ?? "Restrict the rule to trusted input interfaces by hand: an interface name cannot be quoted safely on a command line.");
        }
        if (!any) yield return Pass(UntrustedPayloadCheck, CtSeverity.High, "ruleset", "No rule assigns a helper.");
    }

    private static bool Applies(CtExpectationShape shape, IDictionary<string, long> options)
    {
        if (shape.Option is null) return true;
        var eq = shape.Option.IndexOf('=');
        if (eq < 0) return true;
        var name = shape.Option[..eq];
        return !options.TryGetValue(name, out var value) || value.ToString(CultureInfo.InvariantCulture) == shape.Option[(eq + 1)..];
    }

    private static string Describe(CtExpectationShape x)
    {
        var f = new List<string>();
        if (x.SourceAddress == CtFieldOrigin.InCommand) f.Add("source address");
        if (x.SourcePort == CtFieldOrigin.InCommand) f.Add("source port");
        if (x.DestinationAddress == CtFieldOrigin.InCommand) f.Add("destination address");
        if (x.DestinationPort == CtFieldOrigin.InCommand) f.Add("destination port");
        return $"the {string.Join(" and ", f)} of its {x.Name}";
    }

    /// <summary>The untrusted interfaces whose incoming connections the rule can match.</summary>
    private static List<string> UntrustedReaching(HelperSecuritySnapshot s, NftRule rule, NftChain chain)
    {
        var hooks = s.Ruleset.BaseChainsReaching(chain).Select(c => c.Hook).ToList();
        if (!hooks.Any(h => h is "prerouting" or "input" or "forward")) return [];
        var facts = rule.Facts;
        var reachable = new List<string>();
        foreach (var name in s.UntrustedInterfaces)
        {
            var ok = true;
            foreach (var m in facts.Where("meta iifname", "meta iif"))
            {
                var listed = m.Values.Any(v => v == name || (v.EndsWith('*') && name.StartsWith(v[..^1], StringComparison.Ordinal)));
                if (m.Negated ? listed : !listed) ok = false;
            }
            if (ok) reachable.Add(name);
        }
        return reachable;
    }

    // ---- remediation text ----

    /// <summary>`nft replace rule …` for <paramref name="rule"/> with <paramref name="newText"/>, or null when a name cannot be quoted safely.</summary>
    private static string? NftReplace(HelperSecuritySnapshot s, NftRule rule, string newText)
    {
        var table = NftName(rule.Table);
        var chain = NftName(rule.Chain);
        if (table is null || chain is null || newText.Contains('\'')) return null;
        return $"{NativeNetns(s)}nft 'replace rule {rule.Family} {table} {chain} handle {rule.Handle} {newText}'";
    }

    /// <summary>A table or chain name as nft's command line takes it, or null when it cannot be written inside single quotes.</summary>
    private static string? NftName(string name)
    {
        if (name.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '-' or '.' or '/') && char.IsAsciiLetter(name[0])) return name;
        return name.Any(c => c is '"' or '\'' or '\\' || char.IsControl(c)) ? null : $"\"{name}\"";
    }

    private static string NativeNetns(HelperSecuritySnapshot s) => RemediationText.NamespacePrefix(s.NetworkNamespace, s.NamespacePath, out _);

    private static string CmdletNetns(HelperSecuritySnapshot s) =>
        s.NetworkNamespace is { } n ? $" -NetworkNamespace '{n.Replace("'", "''", StringComparison.Ordinal)}'" : "";

    private static CtFinding Pass(string check, CtSeverity severity, string target, string message) =>
        new() { Check = check, Passed = true, Severity = severity, Target = target, Message = message };

    private static CtFinding Fail(string check, CtSeverity severity, string target, string message, string remediation) =>
        new() { Check = check, Passed = false, Severity = severity, Target = target, Message = message, Remediation = remediation };
}
