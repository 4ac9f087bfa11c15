using System.Globalization;
using System.Text;
using System.Text.Json;

namespace ConntrackTools.Kernel.Nftables;

/// <summary>A ruleset as `nft -j list ruleset` shows it: tables, chains, ct helper objects and rules.</summary>
public sealed class NftRuleset
{
    public List<NftTable> Tables { get; } = [];
    public List<NftChain> Chains { get; } = [];
    public List<NftCtHelper> Helpers { get; } = [];
    public List<NftRule> Rules { get; } = [];

    /// <summary>Everything else a table holds (sets, maps, counters, flowtables, other objects): kind, family, table.</summary>
    public List<(string Kind, string Family, string Table)> Others { get; } = [];

    /// <summary>True when the table holds nothing but chains, rules and ct helper objects.</summary>
    public bool HasOnlyKnown(string family, string table) => !Others.Any(o => o.Family == family && o.Table == table);

    public static NftRuleset Parse(string json)
    {
        var ruleset = new NftRuleset();
        if (string.IsNullOrWhiteSpace(json)) return ruleset;
        using var doc = JsonDocument.Parse(json);
        if (!doc.RootElement.TryGetProperty("nftables", out var items)) return ruleset;
        foreach (var item in items.EnumerateArray())
            foreach (var p in item.EnumerateObject())
            {
                var o = p.Value;
                switch (p.Name)
                {
                    case "table":
                        ruleset.Tables.Add(new NftTable(Str(o, "family"), Str(o, "name"), Num(o, "handle")));
                        break;
                    case "chain":
                        ruleset.Chains.Add(new NftChain(Str(o, "family"), Str(o, "table"), Str(o, "name"), Num(o, "handle"),
                            OptStr(o, "type"), OptStr(o, "hook"), o.TryGetProperty("prio", out var prio) && prio.ValueKind == JsonValueKind.Number ? prio.GetInt32() : null, OptStr(o, "policy")));
                        break;
                    case "ct helper":
                        ruleset.Helpers.Add(new NftCtHelper(Str(o, "family"), Str(o, "table"), Str(o, "name"), Num(o, "handle"),
                            Str(o, "type"), Str(o, "protocol"), OptStr(o, "l3proto") ?? Str(o, "family")));
                        break;
                    case "rule":
                        var expr = o.TryGetProperty("expr", out var e) && e.ValueKind == JsonValueKind.Array
                            ? e.EnumerateArray().Select(x => x.Clone()).ToArray()
                            : [];
                        ruleset.Rules.Add(new NftRule(Str(o, "family"), Str(o, "table"), Str(o, "chain"), Num(o, "handle"), OptStr(o, "comment"), expr));
                        break;
                    case "metainfo":
                        break;
                    default:
                        if (o.ValueKind == JsonValueKind.Object) ruleset.Others.Add((p.Name, Str(o, "family"), Str(o, "table")));
                        break;
                }
            }
        return ruleset;
    }

    /// <summary>The chain a rule lives in.</summary>
    public NftChain? ChainOf(NftRule rule) =>
        Chains.FirstOrDefault(c => c.Family == rule.Family && c.Table == rule.Table && c.Name == rule.Chain);

    /// <summary>
    /// The base chains from which <paramref name="chain"/> is reached (itself when it is one),
    /// following jump and goto statements.
    /// </summary>
    public IReadOnlyList<NftChain> BaseChainsReaching(NftChain chain)
    {
        var result = new List<NftChain>();
        var seen = new HashSet<NftChain>();
        var queue = new Queue<NftChain>([chain]);
        while (queue.TryDequeue(out var c))
        {
            if (!seen.Add(c)) continue;
            if (c.Hook is not null) result.Add(c);
            foreach (var r in Rules.Where(r => r.Family == c.Family && r.Table == c.Table && r.Facts.JumpTarget == c.Name))
                if (ChainOf(r) is { } from) queue.Enqueue(from);
        }
        return result;
    }

    private static string Str(JsonElement o, string name) => OptStr(o, name) ?? "";

    private static string? OptStr(JsonElement o, string name) =>
        o.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;

    private static long Num(JsonElement o, string name) =>
        o.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Number ? v.GetInt64() : 0;
}

public sealed record NftTable(string Family, string Name, long Handle);

/// <summary>A chain; Hook is null for a regular (non-base) chain.</summary>
public sealed record NftChain(string Family, string Table, string Name, long Handle, string? Type, string? Hook, int? Priority, string? Policy);

/// <summary>A `ct helper` object: its name, the kernel helper it stands for (Type), protocol and layer-3 family.</summary>
public sealed record NftCtHelper(string Family, string Table, string Name, long Handle, string Type, string Protocol, string L3Proto);

/// <summary>A rule, its expressions kept as nft's JSON gives them, and what the audits read from them.</summary>
public sealed class NftRule(string family, string table, string chain, long handle, string? comment, JsonElement[] expressions)
{
    private NftRuleFacts? _facts;

    public string Family { get; } = family;
    public string Table { get; } = table;
    public string Chain { get; } = chain;
    public long Handle { get; } = handle;
    public string? Comment { get; } = comment;
    public IReadOnlyList<JsonElement> Expressions { get; } = expressions;

    public NftRuleFacts Facts => _facts ??= NftRuleFacts.Read(Expressions);

    /// <summary>The rule in nft's syntax, for display (what `nft list ruleset` prints, for the common expressions).</summary>
    public string Text => NftText.Render(Expressions);

    /// <summary>Where the rule is, as a user names it: "inet fw pre handle 4".</summary>
    public string Location => $"{Family} {Table} {Chain} handle {Handle}";

    public override string ToString() => $"{Location}: {Text}";
}

/// <summary>One match of a rule: subject ("ip daddr", "tcp dport", "meta iifname", "ct state"), operator and values.</summary>
public sealed record NftMatch(string Subject, string Op, IReadOnlyList<string> Values)
{
    public bool Negated => Op == "!=";
}

/// <summary>What a rule matches and does, as far as the audits need it.</summary>
public sealed class NftRuleFacts
{
    public List<NftMatch> Matches { get; } = [];

    /// <summary>The ct helper object this rule assigns (`ct helper set NAME`), or null.</summary>
    public string? HelperAssigned { get; private set; }

    /// <summary>True for a rule with the `notrack` statement.</summary>
    public bool Notrack { get; private set; }

    /// <summary>accept, drop, reject, jump, goto, return, queue; null when the rule has no verdict.</summary>
    public string? Verdict { get; private set; }

    /// <summary>The chain a jump or goto goes to.</summary>
    public string? JumpTarget { get; private set; }

    /// <summary>iptables-nft matches and targets the rule carries (names only: nft cannot show their options).</summary>
    public List<string> XtMatches { get; } = [];
    public List<string> XtTargets { get; } = [];

    /// <summary>True when the rule has a `fib saddr . iif oif` reverse-path test.</summary>
    public bool ReversePathFib { get; private set; }

    public IEnumerable<NftMatch> Where(params string[] subjects) => Matches.Where(m => subjects.Contains(m.Subject));

    public bool Has(params string[] subjects) => Matches.Any(m => subjects.Contains(m.Subject));

    /// <summary>The ct states the rule requires (new, established, related, untracked, invalid), empty when it does not test them.</summary>
    public IReadOnlySet<string> CtStates =>
        Matches.Where(m => m.Subject == "ct state" && !m.Negated).SelectMany(m => m.Values).ToHashSet(StringComparer.Ordinal);

    internal static NftRuleFacts Read(IReadOnlyList<JsonElement> expressions)
    {
        var facts = new NftRuleFacts();
        foreach (var e in expressions)
        {
            if (e.ValueKind != JsonValueKind.Object) continue;
            foreach (var p in e.EnumerateObject())
                switch (p.Name)
                {
                    case "match":
                        var subject = NftText.Subject(p.Value.GetProperty("left"));
                        var op = p.Value.TryGetProperty("op", out var o) ? o.GetString() ?? "==" : "==";
                        facts.Matches.Add(new NftMatch(subject, op, NftText.Values(p.Value.GetProperty("right"))));
                        if (p.Value.GetProperty("left").TryGetProperty("fib", out var fib) && IsReversePath(fib, p.Value.GetProperty("right"), op))
                            facts.ReversePathFib = true;
                        break;
                    case "ct helper":
                        facts.HelperAssigned = p.Value.ValueKind == JsonValueKind.String ? p.Value.GetString() : NftText.Expression(p.Value);
                        break;
                    case "notrack":
                        facts.Notrack = true;
                        break;
                    case "accept" or "drop" or "reject" or "return" or "queue" or "continue":
                        facts.Verdict ??= p.Name;
                        break;
                    case "jump" or "goto":
                        facts.Verdict ??= p.Name;
                        if (p.Value.TryGetProperty("target", out var t)) facts.JumpTarget = t.GetString();
                        break;
                    case "xt":
                        var name = p.Value.TryGetProperty("name", out var n) ? n.GetString() ?? "" : "";
                        if (p.Value.TryGetProperty("type", out var type) && type.GetString() == "target") facts.XtTargets.Add(name);
                        else facts.XtMatches.Add(name);
                        break;
                }
        }
        return facts;
    }

    /// <summary>`fib saddr . iif oif missing drop` (or `oif 0`): the source is not reachable back through the input interface.</summary>
    private static bool IsReversePath(JsonElement fib, JsonElement right, string op)
    {
        if (!fib.TryGetProperty("result", out var result) || result.GetString() != "oif") return false;
        if (!fib.TryGetProperty("flags", out var flags) || flags.ValueKind != JsonValueKind.Array) return false;
        var f = flags.EnumerateArray().Select(x => x.GetString()).ToHashSet();
        if (!f.Contains("saddr") || !f.Contains("iif")) return false;
        var missing = right.ValueKind == JsonValueKind.False || (right.ValueKind == JsonValueKind.String && right.GetString() is "0" or "missing")
            || (right.ValueKind == JsonValueKind.Number && right.GetInt32() == 0);
        return missing && op == "==";
    }
}

/// <summary>Renders nft JSON expressions in nft's own syntax, for display only (never parsed back).</summary>
internal static class NftText
{
    public static string Render(IEnumerable<JsonElement> expressions) =>
        string.Join(' ', expressions.Select(Statement).Where(s => s.Length > 0));

    private static string Statement(JsonElement e)
    {
        if (e.ValueKind != JsonValueKind.Object) return e.ToString();
        var p = e.EnumerateObject().FirstOrDefault();
        return p.Name switch
        {
            "match" => Match(p.Value),
            "ct helper" => $"ct helper set {Quote(p.Value.ValueKind == JsonValueKind.String ? p.Value.GetString()! : Expression(p.Value))}",
            "notrack" or "accept" or "drop" or "return" or "continue" => p.Name,
            "reject" => "reject",
            "jump" or "goto" => $"{p.Name} {(p.Value.TryGetProperty("target", out var t) ? t.GetString() : "?")}",
            "counter" => p.Value.ValueKind == JsonValueKind.Object && p.Value.TryGetProperty("packets", out var pk)
                ? $"counter packets {pk} bytes {(p.Value.TryGetProperty("bytes", out var b) ? b.ToString() : "0")}" : "counter",
            "xt" => $"xt {(p.Value.TryGetProperty("type", out var ty) ? ty.GetString() : "")} {(p.Value.TryGetProperty("name", out var n) ? n.GetString() : "")}",
            "log" => "log",
            _ => $"{p.Name} {p.Value.GetRawText()}",
        };
    }

    private static string Match(JsonElement m)
    {
        var left = Subject(m.GetProperty("left"));
        var op = m.TryGetProperty("op", out var o) ? o.GetString() : "==";
        var right = Expression(m.GetProperty("right"));
        if (left == "fib saddr . iif oif" && right is "false" or "0") right = "missing";
        // nft prints the interface and helper keys without "meta", and their names quoted.
        if (left is "meta iifname" or "meta oifname" or "meta iif" or "meta oif")
        {
            if (m.GetProperty("right").ValueKind == JsonValueKind.String) right = Quote(right);
            left = left["meta ".Length..];
        }
        if (left == "ct helper" && m.GetProperty("right").ValueKind == JsonValueKind.String) right = Quote(right);
        return op is "==" or "in" ? $"{left} {right}" : $"{left} {op} {right}";
    }

    /// <summary>"ip daddr", "tcp dport", "meta iifname", "ct state", "fib saddr . iif oif".</summary>
    public static string Subject(JsonElement left)
    {
        if (left.ValueKind != JsonValueKind.Object) return left.ToString();
        var p = left.EnumerateObject().FirstOrDefault();
        switch (p.Name)
        {
            case "payload":
                return $"{Prop(p.Value, "protocol")} {Prop(p.Value, "field")}";
            case "meta":
                return $"meta {Prop(p.Value, "key")}";
            case "ct":
                var dir = Prop(p.Value, "dir");
                return dir.Length > 0 ? $"ct {dir} {Prop(p.Value, "key")}" : $"ct {Prop(p.Value, "key")}";
            case "fib":
                var flags = p.Value.TryGetProperty("flags", out var f) && f.ValueKind == JsonValueKind.Array
                    ? string.Join(" . ", f.EnumerateArray().Select(x => x.GetString()))
                    : Prop(p.Value, "flags");
                return $"fib {flags} {Prop(p.Value, "result")}";
            default:
                return $"{p.Name} {p.Value.GetRawText()}";
        }
    }

    /// <summary>A right-hand side as nft prints it.</summary>
    public static string Expression(JsonElement right) => right.ValueKind switch
    {
        JsonValueKind.String => right.GetString()!,
        JsonValueKind.Number => right.GetRawText(),
        JsonValueKind.True => "true",
        JsonValueKind.False => "false",
        JsonValueKind.Array => string.Join(',', right.EnumerateArray().Select(Expression)),
        JsonValueKind.Object when right.TryGetProperty("prefix", out var pre) => $"{Prop(pre, "addr")}/{Prop(pre, "len")}",
        JsonValueKind.Object when right.TryGetProperty("range", out var range) && range.GetArrayLength() == 2 => $"{Expression(range[0])}-{Expression(range[1])}",
        JsonValueKind.Object when right.TryGetProperty("set", out var set) => set.ValueKind == JsonValueKind.Array
            ? "{ " + string.Join(", ", set.EnumerateArray().Select(Expression)) + " }"
            : Expression(set),
        _ => right.GetRawText(),
    };

    /// <summary>The values of a right-hand side, each as nft prints it (a set gives its elements).</summary>
    public static IReadOnlyList<string> Values(JsonElement right) => right.ValueKind switch
    {
        JsonValueKind.Array => right.EnumerateArray().Select(Expression).ToList(),
        JsonValueKind.Object when right.TryGetProperty("set", out var set) && set.ValueKind == JsonValueKind.Array => set.EnumerateArray().Select(Expression).ToList(),
        _ => [Expression(right)],
    };

    private static string Prop(JsonElement o, string name) =>
        o.TryGetProperty(name, out var v) ? v.ValueKind == JsonValueKind.String ? v.GetString()! : v.GetRawText() : "";

    /// <summary>A name in double quotes, as nft prints object names (display only).</summary>
    public static string Quote(string s)
    {
        var b = new StringBuilder("\"");
        foreach (var c in s) b.Append(c == '"' ? "\\\"" : char.IsControl(c) ? $"\\x{(int)c:x2}" : c.ToString(CultureInfo.InvariantCulture));
        return b.Append('"').ToString();
    }
}
