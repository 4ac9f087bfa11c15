using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;

namespace ConntrackTools.Tests;

/// <summary>What the recorder did to the kernel's table, with when: the engine replays these too.</summary>
public enum RecorderActionKind
{
    /// <summary>`conntrack -L`: a dump makes the kernel evict entries that have expired (ctnetlink_dump_table → nf_ct_kill), so their DESTROY comes now instead of at the next GC run.</summary>
    Reap,
    /// <summary>`conntrack -F`: every entry left is destroyed; those DESTROY events carry [USERSPACE].</summary>
    Flush,
    /// <summary>The final `conntrack -L -o extended,id` (also a dump, so it reaps as well).</summary>
    Snapshot,
}

public sealed record RecorderAction(RecorderActionKind Kind, DateTimeOffset Time);

public sealed record KernelRecorderOptions
{
    /// <summary>Interface in the namespace to capture on.</summary>
    public string Interface { get; init; } = "veth0";

    /// <summary>Where the pcap goes; a new file under the temp directory when null.</summary>
    public string? CapturePath { get; init; }

    /// <summary>Also run `conntrack -E expect -o timestamp`.</summary>
    public bool Expectations { get; init; }
}

/// <summary>
/// Records the kernel half of a parity scenario in one network namespace: the packets on an
/// interface (tcpdump, pcap with nanosecond timestamps, full frames) and what conntrack reported
/// about them (`conntrack -E -o timestamp,extended,id`, optionally `-E expect`), then the final
/// table, the conntrack sysctls that set the timeouts and the ruleset. Start it after the
/// scenario's sysctls and before its traffic; finish it after.
/// </summary>
public sealed class KernelRecorder : IDisposable
{
    // TEST-NET-1 (RFC 5737): no scenario sends to it, so the probe entry cannot be mistaken for traffic.
    private const string ProbeSrc = "192.0.2.1";
    private const string ProbeDst = "192.0.2.2";
    private const string ProbePort = "9";
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(10);

    private readonly object _gate = new();
    private readonly List<KernelEvent> _events = [];
    private readonly List<KernelExpectationEvent> _expectationEvents = [];
    private readonly List<string> _unparsed = [];
    private readonly List<string> _stderr = [];
    private readonly List<RecorderAction> _actions = [];
    private readonly Process _tcpdump;
    private readonly Process _conntrack;
    private readonly Process? _expect;
    private bool _tcpdumpListening;
    private DateTime _lastEventAt = DateTime.UtcNow;
    private bool _stopped;

    private KernelRecorder(string netns, KernelRecorderOptions options)
    {
        Namespace = netns;
        Interface = options.Interface;
        CapturePath = options.CapturePath ?? Path.Combine(Path.GetTempPath(), $"ctparity-{netns}-{Guid.NewGuid():N}.pcap");
        Sysctls = ReadSysctls(netns);
        StartTime = DateTimeOffset.UtcNow;
        _tcpdump = StartIn(netns, "tcpdump", "-i", Interface, "-n", "-s", "0", "-U", "--immediate-mode", "-B", "16384",
            "--time-stamp-precision=nano", "-Z", "root", "-w", CapturePath);
        _tcpdump.ErrorDataReceived += (_, e) => OnTcpdumpStderr(e.Data);
        _tcpdump.BeginErrorReadLine();
        _tcpdump.BeginOutputReadLine();

        _conntrack = StartIn(netns, "conntrack", "-E", "-o", "timestamp,extended,id");
        _conntrack.OutputDataReceived += (_, e) => OnEventLine(e.Data);
        _conntrack.ErrorDataReceived += (_, e) => OnStderr("conntrack -E", e.Data);
        _conntrack.BeginOutputReadLine();
        _conntrack.BeginErrorReadLine();

        if (options.Expectations)
        {
            _expect = StartIn(netns, "conntrack", "-E", "expect", "-o", "timestamp");
            _expect.OutputDataReceived += (_, e) => OnExpectationLine(e.Data);
            _expect.ErrorDataReceived += (_, e) => OnStderr("conntrack -E expect", e.Data);
            _expect.BeginOutputReadLine();
            _expect.BeginErrorReadLine();
        }
    }

    public string Namespace { get; }
    public string Interface { get; }
    public string CapturePath { get; }
    public DateTimeOffset StartTime { get; }

    /// <summary>Every net.netfilter.nf_conntrack_* sysctl of the namespace when recording started.</summary>
    public IReadOnlyDictionary<string, string> Sysctls { get; }

    /// <summary>
    /// Starts tcpdump and conntrack -E in the namespace and returns once both are really running:
    /// tcpdump has printed "listening on", and a probe entry inserted and deleted with `conntrack -I/-D`
    /// has come back as NEW and DESTROY (its events are left out of the recording). For `-E expect`,
    /// whose probe would need a helper, it waits until the namespace's /proc/net/netlink shows a
    /// ctnetlink socket bound to the three expectation groups.
    /// </summary>
    public static KernelRecorder Start(string netns, KernelRecorderOptions? options = null)
    {
        var recorder = new KernelRecorder(netns, options ?? new KernelRecorderOptions());
        try
        {
            recorder.WaitUntilRunning();
            return recorder;
        }
        catch
        {
            recorder.Dispose();
            throw;
        }
    }

    /// <summary>Events so far, without the probe's.</summary>
    public IReadOnlyList<KernelEvent> Events
    {
        get { lock (_gate) return [.. _events.Where(e => !IsProbe(e))]; }
    }

    public IReadOnlyList<KernelExpectationEvent> ExpectationEvents
    {
        get { lock (_gate) return [.. _expectationEvents]; }
    }

    /// <summary>Waits for an event that matches; throws with what arrived when none does in time.</summary>
    public KernelEvent WaitForEvent(Func<KernelEvent, bool> match, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        lock (_gate)
        {
            while (true)
            {
                var found = _events.Find(e => !IsProbe(e) && match(e));
                if (found is not null) return found;
                var left = deadline - DateTime.UtcNow;
                if (left <= TimeSpan.Zero) throw new TimeoutException($"no matching conntrack event in {timeout.TotalSeconds} s; got:\n{Describe(_events)}");
                Monitor.Wait(_gate, left);
            }
        }
    }

    /// <summary>Waits until no event has arrived for <paramref name="quiet"/> (at most <paramref name="timeout"/>).</summary>
    public void WaitForQuiet(TimeSpan quiet, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        lock (_gate)
        {
            while (true)
            {
                var silentFor = DateTime.UtcNow - _lastEventAt;
                if (silentFor >= quiet) return;
                var left = deadline - DateTime.UtcNow;
                if (left <= TimeSpan.Zero) return;
                Monitor.Wait(_gate, left < quiet - silentFor ? left : quiet - silentFor);
            }
        }
    }

    /// <summary>Ids of entries that had a NEW but no DESTROY yet.</summary>
    public IReadOnlyList<uint> Alive()
    {
        lock (_gate)
        {
            var destroyed = _events.Where(e => e.Type == KernelEventType.Destroy).Select(e => e.Id).ToHashSet();
            return [.. _events.Where(e => e.Type == KernelEventType.New && !IsProbe(e) && !destroyed.Contains(e.Id)).Select(e => e.Id).Distinct()];
        }
    }

    /// <summary>
    /// Waits until every entry that had a NEW has had its DESTROY, dumping the table every
    /// <paramref name="reapInterval"/> meanwhile (unless <paramref name="reap"/> is false) so that
    /// expired entries are evicted at once: the kernel's GC worker is shared by all namespaces and
    /// adapts its interval to the whole host's table, so on its own it reported expiries between
    /// 0.3 and 60 seconds late on this 6.18 host. Returns whether all were destroyed in time.
    /// </summary>
    public bool WaitForDestroyed(TimeSpan timeout, TimeSpan? reapInterval = null, bool reap = true)
    {
        var interval = reapInterval ?? TimeSpan.FromMilliseconds(500);
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            // The events alone can lag: a NEW not yet read would look like "nothing alive". The
            // kernel's own count says whether entries remain; the DESTROYs are then awaited by Stop.
            if (Alive().Count == 0 && KernelCount() == 0) return true;
            var left = deadline - DateTime.UtcNow;
            if (left <= TimeSpan.Zero) return false;
            if (reap) Reap();
            lock (_gate) Monitor.Wait(_gate, left < interval ? left : interval);
        }
    }

    /// <summary>Entries in the namespace's table now (`conntrack -C`).</summary>
    private int KernelCount() => int.Parse(TestNetwork.Exec(Namespace, "conntrack", "-C").Trim(), CultureInfo.InvariantCulture);

    /// <summary>Dumps the table (output thrown away) so that the kernel evicts expired entries now.</summary>
    public void Reap()
    {
        AddAction(RecorderActionKind.Reap);
        var r = TestNetwork.Try(Namespace, "conntrack", "-L");
        if (r.ExitCode != 0) throw new InvalidOperationException($"conntrack -L in {Namespace}: {r.Stderr}");
    }

    /// <summary>`conntrack -F`: ends every entry left (DESTROY with [USERSPACE]), recorded as a flush.</summary>
    public void Flush()
    {
        AddAction(RecorderActionKind.Flush);
        TestNetwork.Exec(Namespace, "conntrack", "-F");
    }

    /// <summary>
    /// The usual end of a scenario: waits up to <paramref name="expiryTimeout"/> for every entry to
    /// expire (reaping as <see cref="WaitForDestroyed"/> does); flushes what is still alive after
    /// that (recorded as a Flush) and waits for those DESTROY events; then stops.
    /// </summary>
    public KernelRecording Finish(TimeSpan expiryTimeout)
    {
        if (!WaitForDestroyed(expiryTimeout))
        {
            Flush();
            if (!WaitForDestroyed(TimeSpan.FromSeconds(5), TimeSpan.FromMilliseconds(100), reap: false))
                throw new TimeoutException($"entries {string.Join(',', Alive())} in {Namespace} got no DESTROY even after a flush");
        }
        return Stop();
    }

    /// <summary>
    /// Takes the final table (`conntrack -L -o extended,id`, and `-L expect` when recording
    /// expectations), waits for the events that dump may have caused, reads the ruleset, then stops
    /// conntrack -E and tcpdump with SIGINT (tcpdump flushes the file and reports drops).
    /// </summary>
    public KernelRecording Stop()
    {
        if (_stopped) throw new InvalidOperationException("the recorder is already stopped");
        var snapshotTime = DateTimeOffset.UtcNow;
        AddAction(RecorderActionKind.Snapshot);
        var table = KernelEventParser.ParseListing(TestNetwork.Exec(Namespace, "conntrack", "-L", "-o", "extended,id"), snapshotTime);
        var expectTable = _expect is null ? [] : KernelEventParser.ParseExpectationListing(TestNetwork.Exec(Namespace, "conntrack", "-L", "expect"), snapshotTime);
        var ruleset = TestNetwork.Exec(Namespace, "nft", "list", "ruleset");
        WaitForQuiet(TimeSpan.FromMilliseconds(300), TimeSpan.FromSeconds(3));
        var endTime = DateTimeOffset.UtcNow;

        _stopped = true;
        Interrupt(_conntrack, "conntrack -E");
        if (_expect is not null) Interrupt(_expect, "conntrack -E expect");
        Interrupt(_tcpdump, "tcpdump");
        var (captured, dropped) = TcpdumpCounts();

        lock (_gate)
        {
            return new KernelRecording
            {
                Namespace = Namespace,
                Interface = Interface,
                CapturePath = CapturePath,
                StartTime = StartTime,
                EndTime = endTime,
                Events = [.. _events.Where(e => !IsProbe(e))],
                ExpectationEvents = [.. _expectationEvents],
                FinalTable = table,
                FinalExpectations = expectTable,
                Sysctls = Sysctls,
                Actions = [.. _actions],
                Ruleset = ruleset,
                PacketsCaptured = captured,
                PacketsDropped = dropped,
                Unparsed = [.. _unparsed],
                Stderr = [.. _stderr],
            };
        }
    }

    /// <summary>
    /// Ends the tools if <see cref="Stop"/> did not. A recording that was never stopped (the
    /// scenario or the start failed) has its capture deleted; a stopped one's capture belongs to
    /// the caller, through <see cref="KernelRecording.CapturePath"/>.
    /// </summary>
    public void Dispose()
    {
        foreach (var p in new[] { _conntrack, _expect, _tcpdump })
        {
            if (p is null) continue;
            try
            {
                if (!p.HasExited)
                {
                    p.Kill();
                    p.WaitForExit(5000);
                }
            }
            catch (InvalidOperationException) { }
            p.Dispose();
        }
        if (!_stopped) File.Delete(CapturePath);
    }

    private void WaitUntilRunning()
    {
        var deadline = DateTime.UtcNow + StartTimeout;
        lock (_gate)
        {
            while (!_tcpdumpListening)
            {
                var left = deadline - DateTime.UtcNow;
                if (left <= TimeSpan.Zero || _tcpdump.HasExited)
                    throw new InvalidOperationException($"tcpdump in {Namespace} did not start: {string.Join('\n', _stderr)}");
                Monitor.Wait(_gate, TimeSpan.FromMilliseconds(Math.Min(200, left.TotalMilliseconds)));
            }
        }

        // The flow listener: a probe entry must come back as NEW, then as DESTROY.
        var probe = new[] { "-p", "udp", "-s", ProbeSrc, "-d", ProbeDst, "--sport", ProbePort, "--dport", ProbePort };
        var inserted = DateTime.UtcNow;
        KernelEvent? probeNew = null;
        while (probeNew is null)
        {
            TestNetwork.Try(Namespace, ["conntrack", "-I", .. probe, "-t", "30"]);
            try
            {
                probeNew = WaitForProbe(KernelEventType.New, null, TimeSpan.FromMilliseconds(500));
            }
            catch (TimeoutException) when (DateTime.UtcNow - inserted < StartTimeout)
            {
                // conntrack -E had not joined the group yet: delete and insert again.
                TestNetwork.Try(Namespace, ["conntrack", "-D", .. probe]);
            }
        }
        TestNetwork.Exec(Namespace, ["conntrack", "-D", .. probe]);
        WaitForProbe(KernelEventType.Destroy, probeNew.Id, StartTimeout);

        if (_expect is not null)
        {
            while (!ExpectationGroupsJoined())
            {
                if (DateTime.UtcNow > deadline + StartTimeout || _expect.HasExited)
                    throw new InvalidOperationException($"conntrack -E expect in {Namespace} did not join the expectation groups: {string.Join('\n', _stderr)}");
                Thread.Sleep(50);
            }
        }
    }

    private KernelEvent WaitForProbe(KernelEventType type, uint? id, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        lock (_gate)
        {
            while (true)
            {
                var found = _events.Find(e => e.Type == type && IsProbe(e) && (id is null || e.Id == id));
                if (found is not null) return found;
                var left = deadline - DateTime.UtcNow;
                if (left <= TimeSpan.Zero) throw new TimeoutException($"conntrack -E in {Namespace} did not report the probe entry's {type}");
                Monitor.Wait(_gate, left);
            }
        }
    }

    /// <summary>The probe's events (every insert of it, should one have been retried) stay out of the recording.</summary>
    private static bool IsProbe(KernelEvent e) => e.Original.StartsWith($"src={ProbeSrc} dst={ProbeDst} ", StringComparison.Ordinal);

    /// <summary>NFNLGRP_CONNTRACK_EXP_NEW, _UPDATE, _DESTROY are groups 4..6: bits 0x38 of /proc/net/netlink's Groups for protocol 12 (NETLINK_NETFILTER).</summary>
    private bool ExpectationGroupsJoined()
    {
        foreach (var line in TestNetwork.Exec(Namespace, "cat", "/proc/net/netlink").Split('\n').Skip(1))
        {
            var f = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (f.Length > 3 && f[1] == "12" && uint.TryParse(f[3], NumberStyles.HexNumber, CultureInfo.InvariantCulture, out var groups) && (groups & 0x38) == 0x38)
                return true;
        }
        return false;
    }

    private void OnEventLine(string? line)
    {
        if (line is null) return;
        var e = KernelEventParser.Parse(line);
        lock (_gate)
        {
            if (e is null || e.Type == KernelEventType.Listed) _unparsed.Add(line);
            else _events.Add(e);
            _lastEventAt = DateTime.UtcNow;
            Monitor.PulseAll(_gate);
        }
    }

    private void OnExpectationLine(string? line)
    {
        if (line is null) return;
        var e = KernelEventParser.ParseExpectation(line);
        lock (_gate)
        {
            if (e is null || e.Type == KernelEventType.Listed) _unparsed.Add(line);
            else _expectationEvents.Add(e);
            _lastEventAt = DateTime.UtcNow;
            Monitor.PulseAll(_gate);
        }
    }

    private void OnTcpdumpStderr(string? line)
    {
        if (line is null) return;
        lock (_gate)
        {
            _stderr.Add("tcpdump: " + line);
            if (line.Contains("listening on", StringComparison.Ordinal)) _tcpdumpListening = true;
            Monitor.PulseAll(_gate);
        }
    }

    private void OnStderr(string source, string? line)
    {
        if (line is null) return;
        lock (_gate) _stderr.Add(source + ": " + line);
    }

    private void AddAction(RecorderActionKind kind)
    {
        lock (_gate) _actions.Add(new RecorderAction(kind, DateTimeOffset.UtcNow));
    }

    /// <summary>"N packets captured", "N packets dropped by kernel" from tcpdump's last words.</summary>
    private (int Captured, int Dropped) TcpdumpCounts()
    {
        int Count(string suffix)
        {
            lock (_gate)
            {
                var line = _stderr.LastOrDefault(l => l.EndsWith(suffix, StringComparison.Ordinal));
                return line is null ? -1 : int.Parse(line["tcpdump: ".Length..].Split(' ')[0], CultureInfo.InvariantCulture);
            }
        }
        return (Count(" packets captured"), Count(" packets dropped by kernel"));
    }

    private static void Interrupt(Process p, string what)
    {
        if (!p.HasExited && kill(p.Id, SIGINT) != 0 && !p.HasExited)
            throw new InvalidOperationException($"could not interrupt {what} (pid {p.Id}): errno {Marshal.GetLastPInvokeError()}");
        if (!p.WaitForExit(5000))
        {
            p.Kill();
            throw new TimeoutException($"{what} did not end on SIGINT");
        }
        p.WaitForExit(); // drains the redirected output into the handlers
    }

    private static Process StartIn(string netns, string tool, params string[] args)
    {
        // `ip netns exec` execs the tool in place, so the process id is the tool's own (for SIGINT).
        var psi = new ProcessStartInfo("ip")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            StandardOutputEncoding = Encoding.UTF8,
        };
        foreach (var a in new[] { "netns", "exec", netns, tool }.Concat(args)) psi.ArgumentList.Add(a);
        return Process.Start(psi) ?? throw new InvalidOperationException($"could not start {tool} in {netns}");
    }

    /// <summary>net.netfilter.nf_conntrack_* of a namespace, by full sysctl name.</summary>
    public static IReadOnlyDictionary<string, string> ReadSysctls(string netns)
    {
        var result = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var line in TestNetwork.Exec(netns, "sysctl", "-a", "--pattern", @"^net\.netfilter\.nf_conntrack_").Split('\n'))
        {
            var eq = line.IndexOf(" = ", StringComparison.Ordinal);
            if (eq > 0) result[line[..eq]] = line[(eq + 3)..].Trim();
        }
        return result;
    }

    private static string Describe(IEnumerable<KernelEvent> events) => string.Join('\n', events.Select(e => e.Line));

    private const int SIGINT = 2;

    [DllImport("libc", SetLastError = true)]
    private static extern int kill(int pid, int sig);
}

/// <summary>The kernel's side of one scenario, ready to compare with the engine's replay of <see cref="CapturePath"/>.</summary>
public sealed record KernelRecording
{
    public string Namespace { get; init; } = "";
    public string Interface { get; init; } = "";
    public string CapturePath { get; init; } = "";
    public DateTimeOffset StartTime { get; init; }

    /// <summary>When the recording ended: the engine's clock should run to here before its table is compared.</summary>
    public DateTimeOffset EndTime { get; init; }

    public IReadOnlyList<KernelEvent> Events { get; init; } = [];
    public IReadOnlyList<KernelExpectationEvent> ExpectationEvents { get; init; } = [];

    /// <summary>`conntrack -L -o extended,id` at the end, as <see cref="KernelEventType.Listed"/> entries.</summary>
    public IReadOnlyList<KernelEvent> FinalTable { get; init; } = [];

    public IReadOnlyList<KernelExpectationEvent> FinalExpectations { get; init; } = [];

    /// <summary>net.netfilter.nf_conntrack_* when recording started (timeouts, tcp_loose, be_liberal, checksum, ...).</summary>
    public IReadOnlyDictionary<string, string> Sysctls { get; init; } = new Dictionary<string, string>();

    /// <summary>Reaps, flushes and the snapshot, in order: what besides packets changed the table.</summary>
    public IReadOnlyList<RecorderAction> Actions { get; init; } = [];

    /// <summary>`nft list ruleset` of the namespace at the end (zones, notrack, helpers the engine must be told about).</summary>
    public string Ruleset { get; init; } = "";

    /// <summary>tcpdump's own counts (-1 when it did not say).</summary>
    public int PacketsCaptured { get; init; }
    public int PacketsDropped { get; init; }

    /// <summary>Lines conntrack printed that the parser did not take as events (should be none).</summary>
    public IReadOnlyList<string> Unparsed { get; init; } = [];

    /// <summary>What the tools wrote to stderr, prefixed with the tool.</summary>
    public IReadOnlyList<string> Stderr { get; init; } = [];

    /// <summary>A timeout sysctl by its short name, e.g. Timeout("tcp_timeout_time_wait").</summary>
    public int Timeout(string name) => int.Parse(Sysctls["net.netfilter.nf_conntrack_" + name], CultureInfo.InvariantCulture);

    /// <summary>The events of one entry, in order.</summary>
    public IReadOnlyList<KernelEvent> EventsOf(uint id) => [.. Events.Where(e => e.Id == id)];

    /// <summary>The ids of entries, in the order of their NEW events.</summary>
    public IReadOnlyList<uint> Entries() => [.. Events.Where(e => e.Type == KernelEventType.New).Select(e => e.Id).Distinct()];

    /// <summary>
    /// Writes the recording to a directory so that a replay can run without root: capture.pcap,
    /// events.txt and expect-events.txt (conntrack's lines), table.txt, expect-table.txt,
    /// sysctl.conf, actions.txt, ruleset.nft and recording.txt (times and counts).
    /// </summary>
    public void Save(string directory)
    {
        Directory.CreateDirectory(directory);
        File.Copy(CapturePath, Path.Combine(directory, "capture.pcap"), overwrite: true);
        File.WriteAllLines(Path.Combine(directory, "events.txt"), Events.Select(e => e.Line));
        File.WriteAllLines(Path.Combine(directory, "expect-events.txt"), ExpectationEvents.Select(e => e.Line));
        File.WriteAllLines(Path.Combine(directory, "table.txt"), FinalTable.Select(e => e.Line));
        File.WriteAllLines(Path.Combine(directory, "expect-table.txt"), FinalExpectations.Select(e => e.Line));
        File.WriteAllLines(Path.Combine(directory, "sysctl.conf"), Sysctls.Select(kv => $"{kv.Key} = {kv.Value}"));
        File.WriteAllLines(Path.Combine(directory, "actions.txt"), Actions.Select(a => $"{Stamp(a.Time)} {a.Kind}"));
        File.WriteAllText(Path.Combine(directory, "ruleset.nft"), Ruleset);
        File.WriteAllLines(Path.Combine(directory, "recording.txt"),
        [
            $"namespace {Namespace}", $"interface {Interface}", $"start {Stamp(StartTime)}", $"end {Stamp(EndTime)}",
            $"captured {PacketsCaptured}", $"dropped {PacketsDropped}",
        ]);
    }

    /// <summary>Reads a directory written by <see cref="Save"/>.</summary>
    public static KernelRecording Load(string directory)
    {
        string[] Lines(string name) => File.Exists(Path.Combine(directory, name)) ? File.ReadAllLines(Path.Combine(directory, name)) : [];
        var meta = Lines("recording.txt").Select(l => l.Split(' ', 2)).Where(p => p.Length == 2).ToDictionary(p => p[0], p => p[1]);
        DateTimeOffset Time(string text) => KernelEventParser.TryTimestamp($"[{text}]", out var t) ? t : throw new FormatException(text);
        var end = Time(meta["end"]);
        return new KernelRecording
        {
            Namespace = meta.GetValueOrDefault("namespace", ""),
            Interface = meta.GetValueOrDefault("interface", ""),
            CapturePath = Path.Combine(directory, "capture.pcap"),
            StartTime = Time(meta["start"]),
            EndTime = end,
            Events = [.. Lines("events.txt").Select(KernelEventParser.Parse).OfType<KernelEvent>()],
            ExpectationEvents = [.. Lines("expect-events.txt").Select(KernelEventParser.ParseExpectation).OfType<KernelExpectationEvent>()],
            FinalTable = KernelEventParser.ParseListing(string.Join('\n', Lines("table.txt")), end),
            FinalExpectations = KernelEventParser.ParseExpectationListing(string.Join('\n', Lines("expect-table.txt")), end),
            Sysctls = Lines("sysctl.conf").Select(l => l.Split(" = ", 2)).Where(p => p.Length == 2).ToDictionary(p => p[0], p => p[1]),
            Actions = [.. Lines("actions.txt").Select(l => l.Split(' ', 2)).Select(p => new RecorderAction(Enum.Parse<RecorderActionKind>(p[1]), Time(p[0])))],
            Ruleset = File.Exists(Path.Combine(directory, "ruleset.nft")) ? File.ReadAllText(Path.Combine(directory, "ruleset.nft")) : "",
            PacketsCaptured = int.Parse(meta.GetValueOrDefault("captured", "-1"), CultureInfo.InvariantCulture),
            PacketsDropped = int.Parse(meta.GetValueOrDefault("dropped", "-1"), CultureInfo.InvariantCulture),
        };
    }

    /// <summary>Seconds.microseconds since the epoch, as conntrack -o timestamp prints them.</summary>
    public static string Stamp(DateTimeOffset time)
    {
        var ticks = (time - DateTimeOffset.UnixEpoch).Ticks;
        return string.Create(CultureInfo.InvariantCulture, $"{ticks / TimeSpan.TicksPerSecond}.{ticks % TimeSpan.TicksPerSecond / 10:D6}");
    }
}
