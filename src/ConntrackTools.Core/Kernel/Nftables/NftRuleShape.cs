using System.Globalization;
using System.Text.Json;

namespace ConntrackTools.Kernel.Nftables;

/// <summary>
/// What a simple rule matches, read for the desired-state resources: interfaces, addresses, one
/// protocol with its ports, and its one statement (`ct helper set` or `notrack`). <see cref="Plain"/>
/// says whether that is all the rule does, so that rebuilding it from these lists gives the same
/// rule; a rule with anything else (a counter, a negation, a port range, a second match of the same
/// kind) is not plain and is rewritten when its resource is set.
/// </summary>
public sealed class NftRuleShape
{
    /// <summary>The protocols whose matches have ports (nft's `tcp dport`, `udp sport` ...).</summary>
    internal static readonly string[] PortProtocols = ["tcp", "udp", "sctp", "dccp", "udplite"];

    public List<string> InputInterfaces { get; } = [];
    public List<string> OutputInterfaces { get; } = [];
    public List<string> SourceAddresses { get; } = [];
    public List<string> DestinationAddresses { get; } = [];
    public List<int> SourcePorts { get; } = [];
    public List<int> DestinationPorts { get; } = [];

    /// <summary>"ip" or "ip6" when the rule matches addresses of one family, null when it matches none.</summary>
    public string? AddressFamily { get; private set; }

    /// <summary>The layer-4 protocol the rule requires (from a port match or `meta l4proto`), as nft names it.</summary>
    public string? Protocol { get; private set; }

    /// <summary>True when the protocol comes from `meta l4proto` rather than from a port match.</summary>
    public bool ProtocolMatch { get; private set; }

    /// <summary>The object a `ct helper set` statement assigns, or null.</summary>
    public string? HelperAssigned { get; private set; }

    public bool Notrack { get; private set; }

    /// <summary>True when the rule is nothing but the matches above (each once, with ==) and one statement.</summary>
    public bool Plain { get; private set; } = true;

    public static NftRuleShape Read(NftRule rule)
    {
        var shape = new NftRuleShape();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var statements = 0;
        foreach (var e in rule.Expressions)
        {
            if (e.ValueKind != JsonValueKind.Object) { shape.Plain = false; continue; }
            var p = e.EnumerateObject().FirstOrDefault();
            switch (p.Name)
            {
                case "match":
                    shape.ReadMatch(p.Value, seen);
                    break;
                case "ct helper":
                    statements++;
                    if (p.Value.ValueKind == JsonValueKind.String) shape.HelperAssigned = p.Value.GetString();
                    else shape.Plain = false;
                    break;
                case "notrack":
                    statements++;
                    shape.Notrack = true;
                    break;
                default:
                    shape.Plain = false;
                    break;
            }
        }
        if (statements != 1) shape.Plain = false;
        return shape;
    }

    private void ReadMatch(JsonElement m, HashSet<string> seen)
    {
        var subject = NftText.Subject(m.GetProperty("left"));
        var op = m.TryGetProperty("op", out var o) ? o.GetString() ?? "==" : "==";
        var values = NftText.Values(m.GetProperty("right"));
        if (op is not ("==" or "in") || !seen.Add(subject)) { Plain = false; return; }
        var words = subject.Split(' ');
        switch (subject)
        {
            case "meta iifname":
                InputInterfaces.AddRange(values);
                return;
            case "meta oifname":
                OutputInterfaces.AddRange(values);
                return;
            case "ip saddr" or "ip6 saddr" or "ip daddr" or "ip6 daddr":
                if (AddressFamily is not null && AddressFamily != words[0]) Plain = false;
                AddressFamily = words[0];
                (words[1] == "saddr" ? SourceAddresses : DestinationAddresses).AddRange(values);
                return;
            case "meta l4proto":
                if (values.Count != 1) { Plain = false; return; }
                SetProtocol(values[0]);
                ProtocolMatch = true;
                return;
        }
        if (words.Length == 2 && PortProtocols.Contains(words[0]) && words[1] is "sport" or "dport")
        {
            SetProtocol(words[0]);
            foreach (var v in values)
            {
                if (int.TryParse(v, NumberStyles.None, CultureInfo.InvariantCulture, out var port) && port is > 0 and <= 65535)
                    (words[1] == "sport" ? SourcePorts : DestinationPorts).Add(port);
                else
                    Plain = false; // a range or a named service: not a list of ports
            }
            return;
        }
        Plain = false;
    }

    private void SetProtocol(string name)
    {
        if (Protocol is not null && Protocol != name) Plain = false;
        Protocol ??= name;
    }

    /// <summary>The rule a command of <see cref="RulesetBuilder"/> adds, in nft's syntax (for predictions; display only).</summary>
    public static string? TextOf(System.Text.Json.Nodes.JsonNode command)
    {
        if (command["add"]?["rule"]?["expr"] is not System.Text.Json.Nodes.JsonArray expr) return null;
        using var doc = JsonDocument.Parse(expr.ToJsonString());
        return NftText.Render(doc.RootElement.EnumerateArray().Select(x => x.Clone()).ToArray());
    }
}
