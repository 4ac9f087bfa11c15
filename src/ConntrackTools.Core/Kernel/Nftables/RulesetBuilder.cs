using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text.Json.Nodes;

namespace ConntrackTools.Kernel.Nftables;

/// <summary>What New-CtHelper asks for: a ct helper object and, optionally, the rule that assigns it.</summary>
public sealed class HelperObjectRequest
{
    public string Family { get; init; } = "inet";
    public string Table { get; init; } = RulesetBuilder.DefaultTable;
    public required string Name { get; init; }
    public required string Type { get; init; }
    public CtProtocol Protocol { get; init; } = CtProtocol.Tcp;

    /// <summary>Add the `ct helper set` rule too.</summary>
    public bool AssignRule { get; init; }

    public string Chain { get; init; } = "helpers";

    /// <summary>The hook of the chain when it has to be made.</summary>
    public string Hook { get; init; } = "prerouting";

    public IReadOnlyList<string> DestinationAddresses { get; init; } = [];
    public IReadOnlyList<ushort> DestinationPorts { get; init; } = [];
    public IReadOnlyList<string> InputInterfaces { get; init; } = [];
}

/// <summary>What New-CtNotrack asks for: a rule that exempts matching packets from tracking.</summary>
public sealed class NotrackRequest
{
    public string Family { get; init; } = "inet";
    public string Table { get; init; } = RulesetBuilder.DefaultTable;
    public string Chain { get; init; } = "notrack_prerouting";

    /// <summary>prerouting (packets arriving) or output (locally generated).</summary>
    public string Hook { get; init; } = "prerouting";

    public CtProtocol? Protocol { get; init; }
    public IReadOnlyList<string> SourceAddresses { get; init; } = [];
    public IReadOnlyList<string> DestinationAddresses { get; init; } = [];
    public IReadOnlyList<ushort> SourcePorts { get; init; } = [];
    public IReadOnlyList<ushort> DestinationPorts { get; init; } = [];
    public IReadOnlyList<string> InputInterfaces { get; init; } = [];
    public IReadOnlyList<string> OutputInterfaces { get; init; } = [];
    public string? Comment { get; init; }
}

/// <summary>
/// Builds nft JSON commands for helper objects, their rules and notrack rules. Every user value is
/// checked first (names: no control characters, nothing nft would read as a reference; addresses:
/// parsed as IP addresses or prefixes; ports: numbers) and then written as a JSON value, never as
/// nft syntax.
/// </summary>
public static class RulesetBuilder
{
    public const string DefaultTable = "conntrack";
    public const string Comment = "ConntrackTools";

    private static readonly string[] Families = ["inet", "ip", "ip6", "bridge", "netdev", "arp"];

    /// <summary>
    /// Checks a table, chain or object name; throws ArgumentException saying why it is refused.
    /// nft prints these names unquoted (`table inet NAME {`), so a name that is not a plain
    /// identifier would not load back from a saved ruleset, and could even be read there as nft
    /// syntax (a name with "; flush ruleset"). Names are therefore letters, digits, '_', '-' and '.',
    /// starting with a letter or '_'. Existing objects with other names are still read, listed and
    /// removed literally: only what this module creates is held to this.
    /// </summary>
    public static void ValidateName(string what, string? value)
    {
        if (string.IsNullOrEmpty(value)) throw new ArgumentException($"The {what} name is empty.");
        if (value.Length > 255) throw new ArgumentException($"The {what} name '{value[..20]}…' is {value.Length} characters long; nftables allows 255.");
        var bad = value.FirstOrDefault(c => !(char.IsAsciiLetterOrDigit(c) || c is '_' or '-' or '.'));
        if (bad != default || !(char.IsAsciiLetter(value[0]) || value[0] == '_'))
            throw new ArgumentException($"The {what} name {Show(value)} is refused: {(bad != default ? $"it contains {Describe(bad)}" : "it does not start with a letter or '_'")}. `nft list ruleset` prints names unquoted, so such a name would not load back from a saved ruleset and could be read there as nft syntax. Use letters, digits, '_', '-' and '.', starting with a letter.");
        if (NftClient.IsKeyword(value))
            throw new ArgumentException($"The {what} name '{value}' is refused: nft reads it as a keyword, so `nft list ruleset` would print a ruleset that does not load back. Choose another name, e.g. '{value}_1'.");
    }

    private static string Describe(char c) => c switch
    {
        '\n' => "a newline",
        '\r' => "a carriage return",
        '\t' => "a tab",
        ' ' => "a space",
        _ when char.IsControl(c) => $"the control character U+{(int)c:X4}",
        _ => $"'{c}'",
    };

    /// <summary>Checks an interface name as the kernel's dev_valid_name does, and refuses nft's wildcard '*'.</summary>
    public static void ValidateInterface(string value)
    {
        if (string.IsNullOrEmpty(value) || value.Length > 15 || value is "." or ".." || value.Any(c => c is '/' or ':' || char.IsWhiteSpace(c) || char.IsControl(c)))
            throw new ArgumentException($"{Show(value)} is not a valid interface name: 1 to 15 characters, without '/', ':' or white space.");
        if (value.Any(c => c is '*' or '"' or '\\') || value[0] is '@' or '$')
            throw new ArgumentException($"The interface name {Show(value)} contains '*', '\"' or '\\' or starts with '@' or '$', which nft reads as a wildcard, a quote or a reference.");
    }

    public static void ValidateFamily(string family)
    {
        if (!Families.Contains(family)) throw new ArgumentException($"'{family}' is not an nftables family: use inet, ip or ip6.");
    }

    /// <summary>An address or prefix ("10.0.0.1", "10.0.0.0/24", "fd00::/64") in canonical form, with its family.</summary>
    public static (string Text, CtFamily Family, string Address, int? Prefix) ParseAddress(string value)
    {
        var slash = value.IndexOf('/');
        var addrText = slash < 0 ? value : value[..slash];
        if (!IPAddress.TryParse(addrText, out var addr) || addrText.Contains('%'))
            throw new ArgumentException($"{Show(value)} is not an IP address or prefix (such as 192.0.2.10, 192.0.2.0/24 or 2001:db8::/64). Host names are not accepted.");
        if (addr.IsIPv4MappedToIPv6) addr = addr.MapToIPv4();
        var family = addr.AddressFamily == AddressFamily.InterNetwork ? CtFamily.IPv4 : CtFamily.IPv6;
        var max = family == CtFamily.IPv4 ? 32 : 128;
        if (slash < 0) return (addr.ToString(), family, addr.ToString(), null);
        if (!int.TryParse(value[(slash + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out var len) || len > max)
            throw new ArgumentException($"{Show(value)} has an invalid prefix length: 0 to {max}.");
        var network = Network(addr, len);
        return ($"{network}/{len}", family, network.ToString(), len);
    }

    private static IPAddress Network(IPAddress addr, int len)
    {
        var bytes = addr.GetAddressBytes();
        for (var i = 0; i < bytes.Length; i++)
        {
            var bits = Math.Clamp(len - i * 8, 0, 8);
            bytes[i] &= (byte)(0xff << (8 - bits));
        }
        return new IPAddress(bytes);
    }

    /// <summary>The commands that make the object (and its rule); the table and chain are made when missing.</summary>
    public static List<JsonNode> AddHelper(HelperObjectRequest r, NftRuleset existing)
    {
        ValidateFamily(r.Family);
        ValidateName("table", r.Table);
        ValidateName("helper object", r.Name);
        ValidateName("helper type", r.Type);
        if (r.Protocol is not (CtProtocol.Tcp or CtProtocol.Udp)) throw new ArgumentException("A ct helper object serves tcp or udp.");
        if (existing.Helpers.Any(h => h.Family == r.Family && h.Table == r.Table && h.Name == r.Name))
            throw new RulesetConflictException($"The table {r.Family} {Show(r.Table)} already has a ct helper object named {Show(r.Name)}. Remove it with Remove-CtHelper, or choose another name.");
        var commands = new List<JsonNode> { TableCommand(r.Family, r.Table), HelperObjectCommand(r) };
        if (!r.AssignRule) return commands;
        commands.AddRange(AssignHelper(r, existing));
        return commands;
    }

    /// <summary>The command that adds the ct helper object itself (no checks against the ruleset).</summary>
    public static JsonNode HelperObjectCommand(HelperObjectRequest r) => NftClient.Command("add", new JsonObject
    {
        ["ct helper"] = new JsonObject
        {
            ["family"] = r.Family,
            ["table"] = r.Table,
            ["name"] = r.Name,
            ["type"] = r.Type,
            ["protocol"] = r.Protocol == CtProtocol.Tcp ? "tcp" : "udp",
            ["l3proto"] = r.Family is "ip" or "ip6" ? r.Family : "inet",
        },
    });

    /// <summary>
    /// The commands that add the rules assigning the object of <paramref name="r"/>, one per address
    /// family, and their chain when it is missing. With <paramref name="acceptReachedChain"/> an
    /// existing regular chain that a base chain on the hook jumps to is used as it is.
    /// </summary>
    public static List<JsonNode> AssignHelper(HelperObjectRequest r, NftRuleset existing, bool acceptReachedChain = false)
    {
        ValidateName("chain", r.Chain);
        var commands = new List<JsonNode>();
        if (ChainCommand(existing, r.Family, r.Table, r.Chain, r.Hook, 0, acceptReachedChain) is { } chain) commands.Add(chain);
        var proto = r.Protocol == CtProtocol.Tcp ? "tcp" : "udp";
        foreach (var (family, addresses) in ByFamily(r.Family, r.DestinationAddresses))
        {
            var expr = new JsonArray();
            AddInterfaces(expr, "iifname", r.InputInterfaces);
            if (addresses.Count > 0) expr.Add(Match(Payload(family == CtFamily.IPv4 ? "ip" : "ip6", "daddr"), "==", AddressSet(addresses)));
            if (r.DestinationPorts.Count > 0) expr.Add(Match(Payload(proto, "dport"), "==", PortSet(r.DestinationPorts)));
            else expr.Add(Match(new JsonObject { ["meta"] = new JsonObject { ["key"] = "l4proto" } }, "==", proto));
            expr.Add(new JsonObject { ["ct helper"] = r.Name });
            commands.Add(RuleCommand(r.Family, r.Table, r.Chain, expr, Comment));
        }
        return commands;
    }

    /// <summary>
    /// Deletes for what removing <paramref name="removed"/> (and the object <paramref name="removedHelper"/>)
    /// leaves empty in their table: base chains that accept anyway and had only those rules, then the
    /// table when it holds nothing else. What Remove-CtHelper does, for the desired-state resources.
    /// </summary>
    public static IEnumerable<JsonNode> DeleteEmptied(NftRuleset ruleset, string family, string table, IReadOnlyCollection<NftRule> removed, string? removedHelper)
    {
        var removedHandles = removed.Where(r => r.Family == family && r.Table == table).Select(r => (r.Chain, r.Handle)).ToHashSet();
        var tableChains = ruleset.Chains.Where(c => c.Family == family && c.Table == table).ToList();
        var emptied = tableChains.Where(c => removedHandles.Any(r => r.Chain == c.Name)
            && c.Hook is not null && c.Policy is null or "accept"
            && ruleset.Rules.Where(r => r.Family == c.Family && r.Table == c.Table && r.Chain == c.Name).All(r => removedHandles.Contains((r.Chain, r.Handle)))).ToList();
        var commands = new List<JsonNode>();
        foreach (var c in emptied)
            commands.Add(NftClient.Command("delete", new JsonObject { ["chain"] = new JsonObject { ["family"] = c.Family, ["table"] = c.Table, ["name"] = c.Name } }));
        var otherObjects = ruleset.Helpers.Any(h => h.Family == family && h.Table == table && h.Name != removedHelper);
        if (ruleset.Tables.Any(t => t.Family == family && t.Name == table) && !otherObjects && tableChains.All(emptied.Contains) && ruleset.HasOnlyKnown(family, table))
            commands.Add(NftClient.Command("delete", new JsonObject { ["table"] = new JsonObject { ["family"] = family, ["name"] = table } }));
        return commands;
    }

    /// <summary>The commands that make a notrack rule (and its table and chain when missing).</summary>
    public static List<JsonNode> AddNotrack(NotrackRequest r, NftRuleset existing)
    {
        ValidateFamily(r.Family);
        ValidateName("table", r.Table);
        ValidateName("chain", r.Chain);
        if (r.Hook is not ("prerouting" or "output")) throw new ArgumentException("Notrack rules go in a prerouting or output chain (the raw priority runs before conntrack there).");
        if (r.OutputInterfaces.Count > 0 && r.Hook != "output") throw new ArgumentException("-OutputInterface needs -Hook output: in prerouting the output interface is not yet known.");
        if (r.InputInterfaces.Count > 0 && r.Hook == "output") throw new ArgumentException("-InputInterface needs -Hook prerouting: locally generated packets have no input interface.");
        if ((r.SourcePorts.Count > 0 || r.DestinationPorts.Count > 0) && r.Protocol is not (CtProtocol.Tcp or CtProtocol.Udp or CtProtocol.Sctp or CtProtocol.Dccp or CtProtocol.UdpLite))
            throw new ArgumentException("Ports need -Protocol tcp, udp, sctp, dccp or udplite.");
        var commands = new List<JsonNode> { TableCommand(r.Family, r.Table) };
        if (existing.Chains.FirstOrDefault(c => c.Family == r.Family && c.Table == r.Table && c.Name == r.Chain) is { Priority: > -200 } late)
            throw new RulesetConflictException($"The chain {r.Family} {Show(r.Table)} {Show(r.Chain)} has priority {late.Priority}, after conntrack (-200) has tracked the packet, so notrack there does nothing. Give a chain at the raw priority (-300), or a new -Chain name.");
        if (ChainCommand(existing, r.Family, r.Table, r.Chain, r.Hook, -300) is { } chain) commands.Add(chain);
        var families = ByFamily(r.Family, [.. r.SourceAddresses, .. r.DestinationAddresses]).Select(f => f.Family).ToList();
        foreach (var family in families)
        {
            var expr = new JsonArray();
            AddInterfaces(expr, "iifname", r.InputInterfaces);
            AddInterfaces(expr, "oifname", r.OutputInterfaces);
            var ipProto = family == CtFamily.IPv4 ? "ip" : "ip6";
            var src = r.SourceAddresses.Select(ParseAddress).Where(a => a.Family == family).Select(a => a.Text).ToList();
            var dst = r.DestinationAddresses.Select(ParseAddress).Where(a => a.Family == family).Select(a => a.Text).ToList();
            if (src.Count > 0) expr.Add(Match(Payload(ipProto, "saddr"), "==", AddressSet(src)));
            if (dst.Count > 0) expr.Add(Match(Payload(ipProto, "daddr"), "==", AddressSet(dst)));
            if (r.Protocol is { } p)
            {
                var name = ProtocolName(p);
                if (r.SourcePorts.Count == 0 && r.DestinationPorts.Count == 0)
                    expr.Add(Match(new JsonObject { ["meta"] = new JsonObject { ["key"] = "l4proto" } }, "==", name));
                if (r.SourcePorts.Count > 0) expr.Add(Match(Payload(name, "sport"), "==", PortSet(r.SourcePorts)));
                if (r.DestinationPorts.Count > 0) expr.Add(Match(Payload(name, "dport"), "==", PortSet(r.DestinationPorts)));
            }
            if (expr.Count == 0) throw new ArgumentException("A notrack rule without any match would exempt all traffic from tracking; give at least one of -Protocol, -SourceAddress, -DestinationAddress, ports or interfaces.");
            expr.Add(new JsonObject { ["notrack"] = null });
            commands.Add(RuleCommand(r.Family, r.Table, r.Chain, expr, r.Comment ?? Comment));
        }
        return commands;
    }

    /// <summary>The commands that delete a helper object and every rule of its table that assigns it.</summary>
    public static List<JsonNode> RemoveHelper(NftRuleset ruleset, NftCtHelper helper, out List<NftRule> rules)
    {
        rules = HelperRuleset.AssigningRules(ruleset, helper).ToList();
        var commands = rules.Select(DeleteRule).ToList();
        commands.Add(NftClient.Command("delete", new JsonObject
        {
            ["ct helper"] = new JsonObject { ["family"] = helper.Family, ["table"] = helper.Table, ["name"] = helper.Name },
        }));
        return commands;
    }

    public static JsonNode DeleteRule(NftRule rule) => NftClient.Command("delete", new JsonObject
    {
        ["rule"] = new JsonObject { ["family"] = rule.Family, ["table"] = rule.Table, ["chain"] = rule.Chain, ["handle"] = rule.Handle },
    });

    /// <summary>The command that adds a table (nft's add leaves an existing one as it is).</summary>
    public static JsonNode AddTable(string family, string table) => TableCommand(family, table);

    private static JsonNode TableCommand(string family, string table) =>
        NftClient.Command("add", new JsonObject { ["table"] = new JsonObject { ["family"] = family, ["name"] = table } });

    private static JsonNode? ChainCommand(NftRuleset existing, string family, string table, string chain, string hook, int priority, bool acceptReachedChain = false)
    {
        if (hook is not ("prerouting" or "input" or "forward" or "output" or "postrouting"))
            throw new ArgumentException($"'{hook}' is not a hook: use prerouting, input, forward or output.");
        if (existing.Chains.FirstOrDefault(c => c.Family == family && c.Table == table && c.Name == chain) is { } found)
        {
            if (acceptReachedChain && found.Hook is null && existing.BaseChainsReaching(found).Any(c => c.Hook == hook)) return null;
            if (found.Hook != hook)
                throw new RulesetConflictException($"The chain {family} {Show(table)} {Show(chain)} exists {(found.Hook is null ? "as a regular chain" : $"on the {found.Hook} hook")}, not on {hook}. Give another -Chain.");
            return null;
        }
        return NftClient.Command("add", new JsonObject
        {
            ["chain"] = new JsonObject
            {
                ["family"] = family, ["table"] = table, ["name"] = chain,
                ["type"] = "filter", ["hook"] = hook, ["prio"] = priority, ["policy"] = "accept",
            },
        });
    }

    private static JsonNode RuleCommand(string family, string table, string chain, JsonArray expr, string? comment)
    {
        var rule = new JsonObject { ["family"] = family, ["table"] = table, ["chain"] = chain, ["expr"] = expr };
        if (comment is not null)
        {
            if (comment.Any(c => char.IsControl(c) || c is '"' or '\\') || comment.Length > 128)
                throw new ArgumentException("A rule comment must be at most 128 characters, without control characters, '\"' or '\\' (nft prints it in double quotes, and a saved ruleset must load back).");
            rule["comment"] = comment;
        }
        return NftClient.Command("add", new JsonObject { ["rule"] = rule });
    }

    /// <summary>Addresses grouped by family; one group with none when no address is given (for inet) or the table's family.</summary>
    private static List<(CtFamily Family, List<string> Addresses)> ByFamily(string tableFamily, IReadOnlyList<string> addresses)
    {
        var parsed = addresses.Select(ParseAddress).ToList();
        foreach (var a in parsed)
            if ((tableFamily == "ip" && a.Family != CtFamily.IPv4) || (tableFamily == "ip6" && a.Family != CtFamily.IPv6))
                throw new ArgumentException($"{a.Text} is not an {(tableFamily == "ip" ? "IPv4" : "IPv6")} address, and the table's family is {tableFamily}.");
        if (parsed.Count == 0)
            return [(tableFamily == "ip6" ? CtFamily.IPv6 : CtFamily.IPv4, [])];
        return parsed.GroupBy(a => a.Family).OrderBy(g => g.Key).Select(g => (g.Key, g.Select(a => a.Text).Distinct().ToList())).ToList();
    }

    private static void AddInterfaces(JsonArray expr, string key, IReadOnlyList<string> names)
    {
        if (names.Count == 0) return;
        foreach (var n in names) ValidateInterface(n);
        JsonNode right = names.Count == 1 ? JsonValue.Create(names[0])! : new JsonObject { ["set"] = new JsonArray([.. names.Distinct().Select(n => (JsonNode)JsonValue.Create(n)!)]) };
        expr.Add(Match(new JsonObject { ["meta"] = new JsonObject { ["key"] = key } }, "==", right));
    }

    private static JsonObject Payload(string protocol, string field) =>
        new() { ["payload"] = new JsonObject { ["protocol"] = protocol, ["field"] = field } };

    private static JsonObject Match(JsonNode left, string op, JsonNode right) =>
        new() { ["match"] = new JsonObject { ["op"] = op, ["left"] = left, ["right"] = right } };

    private static JsonNode AddressSet(List<string> addresses)
    {
        JsonNode One(string a) => a.IndexOf('/') is var i and > 0
            ? new JsonObject { ["prefix"] = new JsonObject { ["addr"] = a[..i], ["len"] = int.Parse(a[(i + 1)..], CultureInfo.InvariantCulture) } }
            : JsonValue.Create(a)!;
        return addresses.Count == 1 ? One(addresses[0]) : new JsonObject { ["set"] = new JsonArray([.. addresses.Select(One)]) };
    }

    private static JsonNode PortSet(IReadOnlyList<ushort> ports)
    {
        var distinct = ports.Distinct().Order().ToList();
        return distinct.Count == 1 ? JsonValue.Create((int)distinct[0])! : new JsonObject { ["set"] = new JsonArray([.. distinct.Select(p => (JsonNode)JsonValue.Create((int)p)!)]) };
    }

    public static string ProtocolName(CtProtocol p) => p switch
    {
        CtProtocol.IcmpV6 => "ipv6-icmp",
        CtProtocol.UdpLite => "udplite",
        _ => p.ToString().ToLowerInvariant(),
    };

    /// <summary>A name as error messages show it: quoted, control characters escaped.</summary>
    public static string Show(string value) => NftText.Quote(value);
}

/// <summary>The ruleset already holds something that conflicts with the change asked for.</summary>
public sealed class RulesetConflictException(string message) : InvalidOperationException(message);
