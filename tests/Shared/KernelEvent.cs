using System.Globalization;

namespace ConntrackTools.Tests;

/// <summary>What a conntrack line reports: an event from `conntrack -E`, or a row of `conntrack -L`.</summary>
public enum KernelEventType
{
    New,
    Update,
    Destroy,
    /// <summary>Not an event: one entry of a `conntrack -L` listing (the final table of a recording).</summary>
    Listed,
}

/// <summary>
/// One conntrack entry as `conntrack -E -o timestamp,extended,id` (or `conntrack -L -o extended,id`)
/// prints it, kept in conntrack's own words so that the engine's events can be printed the same way
/// and compared field by field. Fields conntrack leaves out are null (Timeout on an expiry DESTROY,
/// State for UDP) or zero (Mark, Zone).
/// </summary>
public sealed record KernelEvent
{
    public KernelEventType Type { get; init; }

    /// <summary>The timestamp conntrack printed: when the conntrack process received the event (gettimeofday), not a kernel time.</summary>
    public DateTimeOffset? Time { get; init; }

    /// <summary>Address family number as printed: 2 (ipv4) or 10 (ipv6).</summary>
    public int Family { get; init; }

    /// <summary>IP protocol number: 6, 17, 1, 58, 132, 47, ...</summary>
    public int Protocol { get; init; }

    /// <summary>conntrack's protocol name: tcp, udp, icmp, icmpv6, sctp, gre, udplite, unknown.</summary>
    public string ProtocolName { get; init; } = "";

    /// <summary>Seconds left; conntrack omits it on a DESTROY caused by expiry.</summary>
    public uint? Timeout { get; init; }

    /// <summary>TCP or SCTP state (SYN_SENT, SYN_SENT2, ESTABLISHED, COOKIE_WAIT, ...); null for stateless protocols.</summary>
    public string? State { get; init; }

    /// <summary>The original tuple as printed, without counters: "src=.. dst=.. sport=.. dport=..", "src=.. dst=.. type=8 code=0 id=..", "src=.. dst=.. srckey=0x0 dstkey=0x0".</summary>
    public string Original { get; init; } = "";

    /// <summary>The reply tuple, printed the same way.</summary>
    public string Reply { get; init; } = "";

    /// <summary>Status words as conntrack prints them, without the brackets, in order: UNREPLIED, ASSURED, OFFLOAD, HW_OFFLOAD.</summary>
    public IReadOnlyList<string> Status { get; init; } = [];

    public uint Mark { get; init; }
    public ushort Zone { get; init; }
    public string? Helper { get; init; }
    public uint Id { get; init; }
    public ulong? OrigPackets { get; init; }
    public ulong? OrigBytes { get; init; }
    public ulong? ReplyPackets { get; init; }
    public ulong? ReplyBytes { get; init; }
    public long? DeltaTime { get; init; }
    public uint? Use { get; init; }

    /// <summary>[USERSPACE]: the event was caused by a ctnetlink request (conntrack -I/-D/-F), not by a packet or expiry.</summary>
    public bool Userspace { get; init; }

    /// <summary>The line as conntrack printed it.</summary>
    public string Line { get; init; } = "";

    /// <summary>[UNREPLIED] is printed: IPS_SEEN_REPLY is not set.</summary>
    public bool Unreplied => Status.Contains("UNREPLIED");

    public bool SeenReply => !Unreplied;
    public bool Assured => Status.Contains("ASSURED");

    /// <summary>
    /// What a parity comparison compares: type, protocol, state, tuples, status, mark, zone and helper;
    /// not the time, id, timeout, counters or use, which differ between runs or back ends.
    /// </summary>
    public string Signature => string.Join(' ', new[]
    {
        Type.ToString().ToUpperInvariant(), ProtocolName, State, Original, Unreplied ? "[UNREPLIED]" : null, Reply,
        Assured ? "[ASSURED]" : null, Mark != 0 ? $"mark={Mark}" : null, Zone != 0 ? $"zone={Zone}" : null,
        Helper is null ? null : $"helper={Helper}",
    }.Where(s => !string.IsNullOrEmpty(s)));

    public override string ToString() => Signature;

    /// <summary>The value of a tuple field (sport, dport, type, id, ...) of the original tuple, or null.</summary>
    public string? OriginalField(string name) => TupleField(Original, name);

    public string? ReplyField(string name) => TupleField(Reply, name);

    internal static string? TupleField(string tuple, string name)
    {
        foreach (var part in tuple.Split(' '))
            if (part.StartsWith(name + "=", StringComparison.Ordinal)) return part[(name.Length + 1)..];
        return null;
    }
}

/// <summary>One expectation as `conntrack -E expect -o timestamp` (or `conntrack -L expect`) prints it.</summary>
public sealed record KernelExpectationEvent
{
    public KernelEventType Type { get; init; }
    public DateTimeOffset? Time { get; init; }
    public uint Timeout { get; init; }
    public int Protocol { get; init; }

    /// <summary>2 or 10, from the form of the addresses (the expectation line does not print the family).</summary>
    public int Family { get; init; }

    /// <summary>The expected tuple: "src=.. dst=.. sport=.. dport=..".</summary>
    public string Tuple { get; init; } = "";

    /// <summary>The mask, printed like a tuple: "src=255.255.255.255 dst=.. sport=0 dport=65535".</summary>
    public string Mask { get; init; } = "";

    /// <summary>The master's original tuple.</summary>
    public string Master { get; init; } = "";

    public ushort Zone { get; init; }
    public uint? Class { get; init; }
    public string? Helper { get; init; }

    /// <summary>PERMANENT, INACTIVE, USERSPACE as printed.</summary>
    public IReadOnlyList<string> Flags { get; init; } = [];

    public string Line { get; init; } = "";

    public string Signature => string.Join(' ', new[]
    {
        Type.ToString().ToUpperInvariant(), $"proto={Protocol}", Tuple, "mask " + Mask, "master " + Master,
        Zone != 0 ? $"zone={Zone}" : null, Class is { } c ? $"class={c}" : null, Helper is null ? null : $"helper={Helper}",
        Flags.Count > 0 ? string.Join(',', Flags) : null,
    }.Where(s => !string.IsNullOrEmpty(s)));

    public override string ToString() => Signature;
}

/// <summary>
/// Parses conntrack-tools' text output (libnetfilter_conntrack's snprintf_default for entries and
/// expectations). Layout of an entry line:
/// <c>[secs.usecs]\t [TYPE] l3name l3num l4name l4num [timeout] [STATE] tuple [packets= bytes=] [UNREPLIED]
/// tuple [packets= bytes=] [ASSURED] [OFFLOAD] [mark=] [secctx=] [zone=] [delta-time=] [use=] [id=] [USERSPACE] [portid=] [progname=]</c>.
/// </summary>
public static class KernelEventParser
{
    private static readonly HashSet<string> TupleKeys = ["src", "dst", "sport", "dport", "type", "code", "id", "srckey", "dstkey"];

    /// <summary>Parses one entry line (event or listing row); null for lines that are not entries (summaries, blank lines).</summary>
    public static KernelEvent? Parse(string line)
    {
        var tokens = Tokens(line, out var time);
        var i = 0;
        var type = KernelEventType.Listed;
        if (i < tokens.Length && TryType(tokens[i], out var parsedType)) { type = parsedType; i++; }
        if (tokens.Length - i < 5) return null;
        if (!int.TryParse(tokens[i + 1], NumberStyles.None, CultureInfo.InvariantCulture, out var family)) return null;
        var protocolName = tokens[i + 2];
        if (!int.TryParse(tokens[i + 3], NumberStyles.None, CultureInfo.InvariantCulture, out var protocol)) return null;
        i += 4;
        uint? timeout = null;
        if (uint.TryParse(tokens[i], NumberStyles.None, CultureInfo.InvariantCulture, out var to)) { timeout = to; i++; }
        string? state = null;
        if (i < tokens.Length && !tokens[i].Contains('=') && !tokens[i].StartsWith('[')) state = tokens[i++];

        var original = new List<string>();
        var reply = new List<string>();
        var status = new List<string>();
        ulong? op = null, ob = null, rp = null, rb = null;
        uint mark = 0, id = 0;
        uint? use = null;
        ushort zone = 0;
        string? helper = null;
        long? delta = null;
        var userspace = false;
        // 0 before the tuples, 1 in the original, 2 in the reply, 3 after both.
        var phase = 0;
        for (; i < tokens.Length; i++)
        {
            var token = tokens[i];
            if (token.StartsWith('[') && token.EndsWith(']'))
            {
                var word = token[1..^1];
                if (word == "USERSPACE") userspace = true;
                else status.Add(word);
                if (phase == 2) phase = 3;
                continue;
            }
            var eq = token.IndexOf('=', StringComparison.Ordinal);
            if (eq < 0) continue;
            var key = token[..eq];
            var value = token[(eq + 1)..];
            if (key == "src" && phase < 2)
            {
                phase++;
            }
            if (phase is 1 or 2)
            {
                var tuple = phase == 1 ? original : reply;
                // ICMP tuples end with their own id=; the entry's id= comes after the reply tuple.
                if (TupleKeys.Contains(key) && (key != "id" || (HasKey(tuple, "type") && !HasKey(tuple, "id"))))
                {
                    tuple.Add(token);
                    continue;
                }
                if (key is "packets" or "bytes")
                {
                    var n = ulong.Parse(value, CultureInfo.InvariantCulture);
                    if (phase == 1) { if (key == "packets") op = n; else ob = n; }
                    else { if (key == "packets") rp = n; else rb = n; }
                    continue;
                }
                if (key.StartsWith("zone-", StringComparison.Ordinal)) continue; // directional zones: not used here
                if (phase == 2) phase = 3;
            }
            switch (key)
            {
                case "mark": mark = uint.Parse(value, CultureInfo.InvariantCulture); break;
                case "zone": zone = ushort.Parse(value, CultureInfo.InvariantCulture); break;
                case "helper": helper = value; break;
                case "use": use = uint.Parse(value, CultureInfo.InvariantCulture); break;
                case "id": id = uint.Parse(value, CultureInfo.InvariantCulture); break;
                case "delta-time": delta = long.Parse(value, CultureInfo.InvariantCulture); break;
                default: break; // secctx, labels, portid, progname: kept in Line only
            }
        }
        if (original.Count == 0 || reply.Count == 0) return null;
        return new KernelEvent
        {
            Type = type,
            Time = time,
            Family = family,
            Protocol = protocol,
            ProtocolName = protocolName,
            Timeout = timeout,
            State = state,
            Original = string.Join(' ', original),
            Reply = string.Join(' ', reply),
            Status = status,
            Mark = mark,
            Zone = zone,
            Helper = helper,
            Id = id,
            OrigPackets = op,
            OrigBytes = ob,
            ReplyPackets = rp,
            ReplyBytes = rb,
            DeltaTime = delta,
            Use = use,
            Userspace = userspace,
            Line = line,
        };
    }

    /// <summary>Parses `conntrack -L -o extended,id` output: one <see cref="KernelEventType.Listed"/> entry per line.</summary>
    public static List<KernelEvent> ParseListing(string text, DateTimeOffset? time = null) =>
        [.. text.Split('\n').Select(Parse).OfType<KernelEvent>().Select(e => e with { Time = time })];

    /// <summary>Parses one expectation line; null for lines that are not expectations.</summary>
    public static KernelExpectationEvent? ParseExpectation(string line)
    {
        var tokens = Tokens(line, out var time);
        var i = 0;
        var type = KernelEventType.Listed;
        if (i < tokens.Length && TryType(tokens[i], out var parsedType)) { type = parsedType; i++; }
        if (tokens.Length - i < 3 || !uint.TryParse(tokens[i], NumberStyles.None, CultureInfo.InvariantCulture, out var timeout)) return null;
        if (!tokens[i + 1].StartsWith("proto=", StringComparison.Ordinal)) return null;
        var protocol = int.Parse(tokens[i + 1][6..], CultureInfo.InvariantCulture);
        var parts = new[] { new List<string>(), new List<string>(), new List<string>() };
        var part = 0;
        ushort zone = 0;
        uint? cls = null;
        string? helper = null;
        var flags = new List<string>();
        for (i += 2; i < tokens.Length; i++)
        {
            var token = tokens[i];
            var eq = token.IndexOf('=', StringComparison.Ordinal);
            if (eq < 0)
            {
                flags.AddRange(token.Split(',', StringSplitOptions.RemoveEmptyEntries));
                continue;
            }
            var key = token[..eq];
            var value = token[(eq + 1)..];
            if (key.StartsWith("mask-", StringComparison.Ordinal)) { part = 1; key = key[5..]; }
            else if (key.StartsWith("master-", StringComparison.Ordinal)) { part = 2; key = key[7..]; }
            if (TupleKeys.Contains(key))
            {
                parts[part].Add($"{key}={value}");
                continue;
            }
            switch (key)
            {
                case "zone": zone = ushort.Parse(value, CultureInfo.InvariantCulture); break;
                case "class": cls = uint.Parse(value, CultureInfo.InvariantCulture); break;
                case "helper": helper = value; break;
                default: break;
            }
        }
        if (parts[0].Count == 0) return null;
        var src = parts[0][0];
        return new KernelExpectationEvent
        {
            Type = type,
            Time = time,
            Timeout = timeout,
            Protocol = protocol,
            Family = src.Contains(':') ? 10 : 2,
            Tuple = string.Join(' ', parts[0]),
            Mask = string.Join(' ', parts[1]),
            Master = string.Join(' ', parts[2]),
            Zone = zone,
            Class = cls,
            Helper = helper,
            Flags = flags,
            Line = line,
        };
    }

    /// <summary>Parses `conntrack -L expect` output.</summary>
    public static List<KernelExpectationEvent> ParseExpectationListing(string text, DateTimeOffset? time = null) =>
        [.. text.Split('\n').Select(ParseExpectation).OfType<KernelExpectationEvent>().Select(e => e with { Time = time })];

    /// <summary>
    /// "[1795441050.622373]": seconds and microseconds since the epoch. conntrack prints tv_usec
    /// as an integer: zero-padded for flow events ("%-.6ld"), but left-justified with spaces for
    /// expectation events ("[1795442259.69588 ]" is .069588 s), so the part after the dot is a
    /// count of microseconds, not a decimal fraction.
    /// </summary>
    public static bool TryTimestamp(string token, out DateTimeOffset time)
    {
        time = default;
        if (token.Length < 3 || token[0] != '[' || token[^1] != ']') return false;
        var body = token[1..^1].Trim();
        var dot = body.IndexOf('.', StringComparison.Ordinal);
        var secondsText = dot < 0 ? body : body[..dot];
        var usecText = dot < 0 ? "0" : body[(dot + 1)..].Trim();
        if (!long.TryParse(secondsText, NumberStyles.None, CultureInfo.InvariantCulture, out var seconds)) return false;
        if (!long.TryParse(usecText, NumberStyles.None, CultureInfo.InvariantCulture, out var usec) || usec > 999_999) return false;
        time = DateTimeOffset.UnixEpoch.AddTicks(seconds * TimeSpan.TicksPerSecond + usec * 10);
        return true;
    }

    /// <summary>Splits a line into tokens, taking a leading "[secs.usecs ]" timestamp (which may hold spaces) off first.</summary>
    private static string[] Tokens(string line, out DateTimeOffset? time)
    {
        time = null;
        var text = line.TrimStart();
        if (text.StartsWith('[') && text.IndexOf(']', StringComparison.Ordinal) is var close and > 0 && TryTimestamp(text[..(close + 1)], out var t))
        {
            time = t;
            text = text[(close + 1)..];
        }
        return text.Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries);
    }

    private static bool TryType(string token, out KernelEventType type)
    {
        type = token switch
        {
            "[NEW]" => KernelEventType.New,
            "[UPDATE]" => KernelEventType.Update,
            "[DESTROY]" => KernelEventType.Destroy,
            _ => KernelEventType.Listed,
        };
        return type != KernelEventType.Listed;
    }

    private static bool HasKey(List<string> tuple, string key) => tuple.Exists(p => p.StartsWith(key + "=", StringComparison.Ordinal));
}
