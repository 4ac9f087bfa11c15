using System.Globalization;
using ConntrackTools.Engine;
using ConntrackTools.Kernel.Conntrack;

namespace ConntrackTools.Tests;

/// <summary>
/// The engine half of the parity harness: a <see cref="KernelRecording"/>'s capture is replayed into
/// an engine set up like the namespace (its nf_conntrack sysctls, and raw-table rules equivalent to
/// its nft ruleset), with the recorder's end (expiry, then a flush of what was left) applied at the
/// same points; the engine's events are then put side by side with the kernel's, entry by entry.
/// </summary>
public static class EngineReplay
{
    /// <summary>One event reduced to what both must agree on.</summary>
    public static string Step(string type, string? state, bool unreplied, bool assured, string? counters) =>
        string.Join(' ', new[] { type, state, unreplied ? "[UNREPLIED]" : null, assured ? "[ASSURED]" : null, counters }.Where(s => !string.IsNullOrEmpty(s)));

    public sealed record Result(ConntrackEngine Engine, List<CtEvent> Events, Dictionary<string, List<string[]>> Kernel, Dictionary<string, List<string[]>> Replay);

    public static Result Run(KernelRecording recording, params string[] rules)
    {
        var settings = new EngineSettings();
        foreach (var (name, value) in recording.Sysctls)
        {
            if (!long.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var n)) continue;
            try { settings.Set(name, n); } catch (ArgumentException) { } // settings the engine has no use for (buckets, log_invalid, ...)
        }
        foreach (var r in rules) settings.Rules.Add(EngineRule.Parse(r));
        var engine = new ConntrackEngine("replay", settings);
        var events = new List<CtEvent>();
        engine.Subscribe(events.Add);
        using (var reader = CaptureFileReader.Open(recording.CapturePath))
            while (reader.TryRead(out var r)) engine.Process(r.LinkType, r.Data, r.OriginalLength, r.TimestampNs);
        // The recorder waited for expiry (reaping by dumps), then flushed what was left.
        var flush = recording.Actions.FirstOrDefault(a => a.Kind == RecorderActionKind.Flush);
        engine.Advance(ToNs(flush?.Time ?? recording.EndTime));
        if (flush is not null) engine.Flush();

        var kernel = new Dictionary<string, List<string[]>>();
        foreach (var group in recording.Events.Where(e => e.Type != KernelEventType.Listed).GroupBy(e => e.Id))
        {
            var first = group.First();
            var key = Key(first.ProtocolName, first.Original, first.Zone);
            Add(kernel, key, [.. group.Select(e => Step(e.Type.ToString().ToUpperInvariant(), e.State, e.Unreplied, e.Assured,
                e.Type == KernelEventType.Destroy && e.OrigPackets is not null ? $"packets={e.OrigPackets}/{e.ReplyPackets} bytes={e.OrigBytes}/{e.ReplyBytes}" : null))]);
        }
        var replay = new Dictionary<string, List<string[]>>();
        foreach (var group in events.GroupBy(e => e.Connection.Id))
        {
            var c = group.First().Connection;
            var key = Key(ProtocolName(c.Protocol), Tuple(c.Original), c.Zone);
            Add(replay, key, [.. group.Select(e => Step(e.Type.ToString().ToUpperInvariant(),
                e.Connection.State == CtState.None ? null : StateCodec.ConntrackName(e.Connection.State),
                e.Connection.Unreplied, e.Connection.Status.HasFlag(CtStatus.Assured),
                e.Type == CtEventType.Destroy ? $"packets={e.Connection.OriginalPackets}/{e.Connection.ReplyPackets} bytes={e.Connection.OriginalBytes}/{e.Connection.ReplyBytes}" : null))]);
        }
        return new Result(engine, events, kernel, replay);
    }

    /// <summary>The differences, one line each, or none when the engine did what the kernel did.</summary>
    public static List<string> Differences(Result r)
    {
        var problems = new List<string>();
        foreach (var key in r.Kernel.Keys.Union(r.Replay.Keys).Order(StringComparer.Ordinal))
        {
            var k = r.Kernel.GetValueOrDefault(key) ?? [];
            var e = r.Replay.GetValueOrDefault(key) ?? [];
            var ks = k.Select(s => string.Join(" | ", s)).ToList();
            var es = e.Select(s => string.Join(" | ", s)).ToList();
            if (!ks.SequenceEqual(es))
                problems.Add($"{key}\n    kernel: {string.Join("\n            ", ks.DefaultIfEmpty("(none)"))}\n    engine: {string.Join("\n            ", es.DefaultIfEmpty("(none)"))}");
        }
        return problems;
    }

    private static void Add(Dictionary<string, List<string[]>> map, string key, string[] steps)
    {
        if (!map.TryGetValue(key, out var list)) map[key] = list = [];
        list.Add(steps);
    }

    /// <summary>"udp src=.. dst=.. sport=.. dport=.. zone=N", GRE keys read as conntrack prints them.</summary>
    private static string Key(string protocol, string original, ushort zone)
    {
        var words = original.Split(' ', StringSplitOptions.RemoveEmptyEntries)
            .Select(w => w.StartsWith("srckey=", StringComparison.Ordinal) ? "sport=" + Convert.ToUInt16(w[7..], 16)
                : w.StartsWith("dstkey=", StringComparison.Ordinal) ? "dport=" + Convert.ToUInt16(w[7..], 16) : w);
        return $"{protocol} {string.Join(' ', words)} zone={zone}";
    }

    private static string Tuple(CtTuple t)
    {
        var s = t.ToString();
        var zone = s.IndexOf(" zone=", StringComparison.Ordinal);
        return zone < 0 ? s : s[..zone];
    }

    private static string ProtocolName(CtProtocol p) => p switch
    {
        CtProtocol.IcmpV6 => "icmpv6",
        CtProtocol.UdpLite => "udplite",
        _ when Enum.IsDefined(p) => p.ToString().ToLowerInvariant(),
        _ => "unknown",
    };

    private static long ToNs(DateTimeOffset t) => (t - DateTimeOffset.UnixEpoch).Ticks * 100;
}
