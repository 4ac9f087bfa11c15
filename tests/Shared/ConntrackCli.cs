using System.Globalization;
using System.Text.RegularExpressions;
using System.Xml.Linq;

namespace ConntrackTools.Tests;

/// <summary>One entry as conntrack-tools prints it: the reference the differential tests compare against.</summary>
public sealed record CliFlow
{
    public uint Id { get; init; }
    public int Family { get; init; }
    public int Protocol { get; init; }
    public string? OrigSrc { get; init; }
    public string? OrigDst { get; init; }
    public int? OrigSport { get; init; }
    public int? OrigDport { get; init; }
    public string? ReplySrc { get; init; }
    public string? ReplyDst { get; init; }
    public int? ReplySport { get; init; }
    public int? ReplyDport { get; init; }
    public ulong? OrigPackets { get; init; }
    public ulong? OrigBytes { get; init; }
    public ulong? ReplyPackets { get; init; }
    public ulong? ReplyBytes { get; init; }
    public string? State { get; init; }
    public uint Timeout { get; init; }
    public uint Mark { get; init; }
    public ushort Zone { get; init; }
    public uint Use { get; init; }
    public bool Assured { get; init; }
    public bool Unreplied { get; init; }
    public string? Helper { get; init; }
    public long? DeltaTime { get; init; }
    public string[] Labels { get; init; } = [];
    public string? Secctx { get; init; }
    // From the text output: XML leaves ICMP type/code/id out.
    public int? IcmpType { get; set; }
    public int? IcmpCode { get; set; }
    public int? IcmpId { get; set; }
    public string? TextState { get; set; }
}

/// <summary>Runs `conntrack` in a namespace and parses what it prints.</summary>
public static class ConntrackCli
{
    /// <summary>`conntrack -L -o xml,id,timestamp,labels` plus ICMP fields from the text format, keyed by id.</summary>
    public static Dictionary<uint, CliFlow> List(string netns, params string[] filterArgs)
    {
        var xml = TestNetwork.Exec(netns, ["conntrack", "-L", "-o", "xml,extended,id,timestamp,labels", .. filterArgs]);
        // A dump is not a snapshot (ctnetlink_dump_table walks the live hash table): under load,
        // conntrack has been seen to print an entry twice. The reference keeps the first.
        var flows = ParseXml(xml).GroupBy(f => f.Id).ToDictionary(g => g.Key, g => g.First());
        var text = TestNetwork.Exec(netns, ["conntrack", "-L", "-o", "extended,id", .. filterArgs]);
        foreach (var line in text.Split('\n'))
        {
            if (EntryId(line) is not { } id || !flows.TryGetValue(id, out var flow)) continue;
            // libnetfilter_conntrack's XML names SCTP states from the TCP table; its text output is right.
            var state = Regex.Match(line, @"^\S+\s+\d+\s+\S+\s+\d+\s+\d+\s+([A-Z_]+[A-Z0-9_]*)\s");
            flow.TextState = state.Success ? state.Groups[1].Value : null;
            var icmp = Regex.Match(line, @" type=(\d+) code=(\d+) id=(\d+)");
            if (!icmp.Success) continue;
            flow.IcmpType = int.Parse(icmp.Groups[1].Value, CultureInfo.InvariantCulture);
            flow.IcmpCode = int.Parse(icmp.Groups[2].Value, CultureInfo.InvariantCulture);
            flow.IcmpId = int.Parse(icmp.Groups[3].Value, CultureInfo.InvariantCulture);
        }
        return flows;
    }

    /// <summary>The ids `conntrack -L` selects with the given options.</summary>
    public static HashSet<uint> Ids(string netns, params string[] filterArgs)
    {
        var r = TestNetwork.Try(netns, ["conntrack", "-L", "-o", "id", .. filterArgs]);
        if (r.ExitCode != 0) throw new InvalidOperationException($"conntrack -L {string.Join(' ', filterArgs)}: {r.Stderr}");
        return [.. r.Stdout.Split('\n').Select(EntryId).OfType<uint>()];
    }

    /// <summary>The entry id is the last id= of a line; ICMP entries also print their ICMP id= before it, labels come after it.</summary>
    public static uint? EntryId(string line)
    {
        var matches = Regex.Matches(line, @" id=(\d+)\b");
        return matches.Count == 0 ? null : uint.Parse(matches[^1].Groups[1].Value, CultureInfo.InvariantCulture);
    }

    public static IEnumerable<CliFlow> ParseXml(string xml)
    {
        var start = xml.IndexOf("<?xml", StringComparison.Ordinal);
        var end = xml.LastIndexOf("</conntrack>", StringComparison.Ordinal);
        if (start < 0 || end < 0) yield break;
        var doc = XDocument.Parse(xml[start..(end + "</conntrack>".Length)]);
        foreach (var flow in doc.Root!.Elements("flow"))
        {
            XElement Meta(string dir) => flow.Elements("meta").First(m => (string?)m.Attribute("direction") == dir);
            var o = Meta("original");
            var r = Meta("reply");
            var ind = Meta("independent");
            static int? I(XElement? e) => e is null ? null : int.Parse(e.Value, CultureInfo.InvariantCulture);
            static ulong? U(XElement? e) => e is null ? null : ulong.Parse(e.Value, CultureInfo.InvariantCulture);
            yield return new CliFlow
            {
                Id = uint.Parse(ind.Element("id")!.Value, CultureInfo.InvariantCulture),
                Family = (int)o.Element("layer3")!.Attribute("protonum")!,
                Protocol = (int)o.Element("layer4")!.Attribute("protonum")!,
                OrigSrc = o.Element("layer3")!.Element("src")?.Value,
                OrigDst = o.Element("layer3")!.Element("dst")?.Value,
                OrigSport = I(o.Element("layer4")!.Element("sport")),
                OrigDport = I(o.Element("layer4")!.Element("dport")),
                ReplySrc = r.Element("layer3")!.Element("src")?.Value,
                ReplyDst = r.Element("layer3")!.Element("dst")?.Value,
                ReplySport = I(r.Element("layer4")!.Element("sport")),
                ReplyDport = I(r.Element("layer4")!.Element("dport")),
                OrigPackets = U(o.Element("counters")?.Element("packets")),
                OrigBytes = U(o.Element("counters")?.Element("bytes")),
                ReplyPackets = U(r.Element("counters")?.Element("packets")),
                ReplyBytes = U(r.Element("counters")?.Element("bytes")),
                State = ind.Element("state")?.Value,
                Timeout = uint.Parse(ind.Element("timeout")!.Value, CultureInfo.InvariantCulture),
                Mark = uint.Parse(ind.Element("mark")?.Value ?? "0", CultureInfo.InvariantCulture),
                Zone = ushort.Parse(ind.Element("zone")?.Value ?? "0", CultureInfo.InvariantCulture),
                Use = uint.Parse(ind.Element("use")?.Value ?? "0", CultureInfo.InvariantCulture),
                Assured = ind.Element("assured") is not null,
                Unreplied = ind.Element("unreplied") is not null,
                Helper = ind.Element("helper")?.Value,
                DeltaTime = ind.Element("deltatime") is { } d ? long.Parse(d.Value, CultureInfo.InvariantCulture) : null,
                Labels = ind.Element("labels")?.Elements("label").Select(l => l.Value).ToArray() ?? [],
                Secctx = ind.Element("secctx")?.Value,
            };
        }
    }

    /// <summary>libnetfilter_conntrack's state names, which print SYN_SENT2 as LISTEN.</summary>
    public static CtState ParseState(string? name) => name switch
    {
        null => CtState.None,
        "LISTEN" or "SYN_SENT2" => CtState.SynSent2,
        _ => Enum.Parse<CtState>(name.Replace("_", ""), ignoreCase: true),
    };
}

/// <summary>One expectation as `conntrack -L expect -o xml` prints it.</summary>
public sealed record CliExpectation(
    int Family, int Protocol, string Src, string Dst, int Sport, int Dport,
    string MaskSrc, string MaskDst, int MaskSport, int MaskDport,
    string MasterSrc, string MasterDst, int MasterSport, int MasterDport,
    string? Helper, uint Timeout, uint? Class, bool Permanent, bool Inactive, bool Userspace)
{
    public static List<CliExpectation> List(string netns)
    {
        var xml = TestNetwork.Exec(netns, "conntrack", "-L", "expect", "-o", "xml");
        var start = xml.IndexOf("<?xml", StringComparison.Ordinal);
        var end = xml.LastIndexOf("</expect>", StringComparison.Ordinal);
        if (start < 0 || end < 0) return [];
        var doc = System.Xml.Linq.XDocument.Parse(xml[start..(end + "</expect>".Length)]);
        var result = new List<CliExpectation>();
        foreach (var flow in doc.Root!.Elements("flow"))
        {
            var l3 = flow.Element("layer3")!;
            var l4 = flow.Element("layer4")!;
            var meta = flow.Element("meta")!;
            string A(string part, string field) => l3.Element(part)!.Element(field)!.Value;
            int P(string part, string field) => int.Parse(l4.Element(part)!.Element(field)!.Value, System.Globalization.CultureInfo.InvariantCulture);
            result.Add(new CliExpectation(
                (int)l3.Attribute("protonum")!, (int)l4.Attribute("protonum")!,
                A("expected", "src"), A("expected", "dst"), P("expected", "sport"), P("expected", "dport"),
                A("mask", "src"), A("mask", "dst"), P("mask", "sport"), P("mask", "dport"),
                A("master", "src"), A("master", "dst"), P("master", "sport"), P("master", "dport"),
                meta.Element("helper-name")?.Value,
                uint.Parse(meta.Element("timeout")!.Value, System.Globalization.CultureInfo.InvariantCulture),
                meta.Element("class") is { } c ? uint.Parse(c.Value, System.Globalization.CultureInfo.InvariantCulture) : null,
                meta.Element("permanent") is not null, meta.Element("inactive") is not null, meta.Element("userspace") is not null));
        }
        return result;
    }
}
