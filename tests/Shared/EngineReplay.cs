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

    public sealed record Result(ConntrackEngine Engine, List<CtEvent> Events, Dictionary<string, List<string[]>> Kernel, Dictionary<string, List<string[]>> Replay)
    {
        public List<CtExpectationEvent> ExpectationEvents { get; init; } = [];
        public IReadOnlyList<KernelExpectationEvent> KernelExpectationEvents { get; init; } = [];

        /// <summary>Packets tcpdump reported lost (-1 when it did not say).</summary>
        public int PacketsDropped { get; init; }
    }

    public static Result Run(KernelRecording recording, params string[] rules) => Run(recording, null, rules);

    /// <summary>As <see cref="Run(KernelRecording, string[])"/>, with engine settings beyond the namespace's sysctls (helper options such as "nf_conntrack_ftp.loose").</summary>
    public static Result Run(KernelRecording recording, IReadOnlyDictionary<string, long>? extraSettings, params string[] rules)
    {
        var settings = new EngineSettings();
        foreach (var (name, value) in recording.Sysctls)
        {
            if (!long.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var n)) continue;
            try { settings.Set(name, n); } catch (ArgumentException) { } // settings the engine has no use for (buckets, log_invalid, ...)
        }
        foreach (var (name, value) in extraSettings ?? new Dictionary<string, long>()) settings.Set(name, value);
        foreach (var r in rules) settings.Rules.Add(EngineRule.Parse(r));
        var engine = new ConntrackEngine("replay", settings);
        var events = new List<CtEvent>();
        var expectations = new List<CtExpectationEvent>();
        engine.Subscribe(events.Add);
        engine.SubscribeExpectations(expectations.Add);
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
        return new Result(engine, events, kernel, replay) { ExpectationEvents = expectations, KernelExpectationEvents = recording.ExpectationEvents, PacketsDropped = recording.PacketsDropped };
    }

    /// <summary>
    /// An engine expectation event as `conntrack -E expect` prints one, reduced to what
    /// <see cref="KernelExpectationEvent.Signature"/> keeps (not the timeout).
    /// </summary>
    public static string Signature(CtExpectationEvent e)
    {
        var x = e.Expectation;
        var flags = new List<string>();
        if (x.Flags.HasFlag(CtExpectationFlags.Permanent)) flags.Add("PERMANENT");
        if (x.Flags.HasFlag(CtExpectationFlags.Inactive)) flags.Add("INACTIVE");
        if (x.Flags.HasFlag(CtExpectationFlags.Userspace)) flags.Add("USERSPACE");
        return string.Join(' ', new[]
        {
            e.Type.ToString().ToUpperInvariant(), $"proto={(int)x.Protocol}", Tuple(x.Tuple), "mask " + Tuple(x.Mask), "master " + Tuple(x.Master),
            x.Zone != 0 ? $"zone={x.Zone}" : null, x.Class is { } c ? $"class={c}" : null, x.Helper is null ? null : $"helper={x.Helper}",
            flags.Count > 0 ? string.Join(',', flags) : null,
        }.Where(s => !string.IsNullOrEmpty(s)));
    }

    /// <summary>
    /// The differences between the kernel's expectation events and the engine's: the same events
    /// (tuple, mask, master, class, helper, flags), in the same order of creation, and a NEW's
    /// timeout equal to the kernel's or one second more (conntrack prints the seconds left,
    /// truncated, when the event is read).
    /// </summary>
    public static List<string> ExpectationDifferences(Result r)
    {
        var problems = new List<string>();
        var kernel = r.KernelExpectationEvents.Select(e => (Sig: e.Signature, e.Type, e.Timeout)).ToList();
        var engine = r.ExpectationEvents.Select(e => (Sig: Signature(e), e.Type, Timeout: e.Expectation.Timeout ?? 0)).ToList();
        var ks = kernel.Select(k => k.Sig).Order(StringComparer.Ordinal).ToList();
        var es = engine.Select(k => k.Sig).Order(StringComparer.Ordinal).ToList();
        if (!ks.SequenceEqual(es))
        {
            problems.Add($"expectation events differ\n    kernel: {string.Join("\n            ", ks.DefaultIfEmpty("(none)"))}\n    engine: {string.Join("\n            ", es.DefaultIfEmpty("(none)"))}");
            return problems;
        }
        var kNew = kernel.Where(k => k.Type == KernelEventType.New).ToList();
        var eNew = engine.Where(k => k.Type == CtEventType.New).ToList();
        if (!kNew.Select(k => k.Sig).SequenceEqual(eNew.Select(e => e.Sig)))
            problems.Add($"expectations created in another order\n    kernel: {string.Join("\n            ", kNew.Select(k => k.Sig))}\n    engine: {string.Join("\n            ", eNew.Select(k => k.Sig))}");
        else
            for (var i = 0; i < kNew.Count; i++)
                if (eNew[i].Timeout != kNew[i].Timeout && eNew[i].Timeout != kNew[i].Timeout + 1)
                    problems.Add($"timeout of {kNew[i].Sig}: kernel {kNew[i].Timeout}, engine {eNew[i].Timeout}");
        return problems;
    }

    /// <summary>The differences, one line each, or none when the engine did what the kernel did.</summary>
    public static List<string> Differences(Result r)
    {
        var problems = new List<string>();
        if (r.PacketsDropped > 0) problems.Add($"tcpdump dropped {r.PacketsDropped} packets: the capture is not what the kernel saw");
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
