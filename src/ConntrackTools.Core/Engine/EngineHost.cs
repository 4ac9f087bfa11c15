using System.Collections.Concurrent;
using System.Diagnostics;

namespace ConntrackTools.Engine;

/// <summary>
/// An engine with its source, kept by name for the session: capture files read to the end (on the
/// caller's thread, with progress), or a live interface read on a thread of its own until stopped.
/// Every access to the engine goes through <see cref="Gate"/>.
/// </summary>
public sealed class EngineHost : IDisposable
{
    private static readonly ConcurrentDictionary<string, EngineHost> Registry = new(StringComparer.OrdinalIgnoreCase);
    private Thread? _liveThread;
    private volatile bool _stop;
    private IntPtr _pcap;
    private long _firstNs = long.MinValue;

    private EngineHost(string name, EngineSettings settings)
    {
        Engine = new ConntrackEngine(name, settings);
        Started = DateTimeOffset.UtcNow;
    }

    public ConntrackEngine Engine { get; }
    public object Gate { get; } = new();
    public string Name => Engine.Name;
    public CtEngineState State { get; private set; } = CtEngineState.Running;
    public string[] Source { get; private set; } = [];
    public string? Filter { get; private set; }
    public string? Error { get; private set; }
    public DateTimeOffset Started { get; }

    /// <summary>Registers a new engine; false when the name is taken.</summary>
    public static bool TryCreate(string name, EngineSettings settings, out EngineHost host)
    {
        host = new EngineHost(name, settings);
        return Registry.TryAdd(name, host);
    }

    public static bool TryGet(string name, out EngineHost host) => Registry.TryGetValue(name, out host!);

    public static IReadOnlyList<EngineHost> All => [.. Registry.Values.OrderBy(h => h.Started)];

    public static bool Remove(string name)
    {
        if (!Registry.TryRemove(name, out var host)) return false;
        host.Dispose();
        return true;
    }

    /// <summary>
    /// Reads capture files in order to their end. A damaged file stops the reading with a
    /// <see cref="CaptureFormatException"/> naming the packet; what was tracked until then stays.
    /// <paramref name="progress"/> gets (bytes read, bytes in all files, packets) now and then.
    /// </summary>
    public void RunFiles(IReadOnlyList<string> paths, string? filter, Action<long, long, long>? progress, CancellationToken cancel)
    {
        ArgumentNullException.ThrowIfNull(paths);
        Source = [.. paths];
        Filter = filter;
        var total = paths.Sum(p => new FileInfo(p).Length);
        long done = 0;
        var clock = Stopwatch.StartNew();
        try
        {
            foreach (var path in paths)
            {
                using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 20);
                using var reader = new CaptureFileReader(stream, path);
                BpfFilter? bpf = null;
                try
                {
                    var batch = 0;
                    Monitor.Enter(Gate);
                    try
                    {
                        while (!_stop && reader.TryRead(out var r))
                        {
                            var pass = true;
                            if (filter is not null)
                            {
                                if (bpf is null || bpf.LinkType != r.LinkType) { bpf?.Dispose(); bpf = new BpfFilter(filter, r.LinkType); }
                                pass = bpf.Matches(r.Data, r.OriginalLength);
                            }
                            if (pass)
                            {
                                if (_firstNs == long.MinValue) _firstNs = r.TimestampNs;
                                Engine.Process(r.LinkType, r.Data, r.OriginalLength, r.TimestampNs);
                            }
                            if (++batch < 65536) continue;
                            // Let queries in, report progress, notice Ctrl+C.
                            batch = 0;
                            Monitor.Exit(Gate);
                            cancel.ThrowIfCancellationRequested();
                            if (progress is not null && clock.ElapsedMilliseconds > 200)
                            {
                                progress(done + stream.Position, total, Engine.Packets);
                                clock.Restart();
                            }
                            Monitor.Enter(Gate);
                        }
                    }
                    finally
                    {
                        if (Monitor.IsEntered(Gate)) Monitor.Exit(Gate);
                    }
                }
                finally
                {
                    bpf?.Dispose();
                }
                done += stream.Length;
                if (_stop) break;
            }
            State = _stop ? CtEngineState.Stopped : CtEngineState.Completed;
            progress?.Invoke(total, total, Engine.Packets);
        }
        catch (OperationCanceledException)
        {
            State = CtEngineState.Stopped;
            throw;
        }
        catch (Exception ex)
        {
            State = CtEngineState.Failed;
            Error = ex.Message;
            throw;
        }
    }

    /// <summary>Starts reading an interface (in <paramref name="netns"/> when given) on a thread of its own.</summary>
    public unsafe void StartLive(string device, string? filter, string? netns, int snapLength = 262144)
    {
        Source = [netns is null ? device : $"{device} (netns {netns})"];
        Filter = filter;
        IntPtr Open()
        {
            var err = stackalloc byte[LibPcap.ErrorBufferSize];
            var p = LibPcap.Create(device, err);
            if (p == IntPtr.Zero)
                throw new InvalidOperationException($"Cannot open interface '{device}': {System.Runtime.InteropServices.Marshal.PtrToStringUTF8((IntPtr)err)}");
            LibPcap.SetSnapLength(p, snapLength);
            LibPcap.SetPromiscuous(p, 0);
            LibPcap.SetTimeout(p, 100);
            LibPcap.SetImmediateMode(p, 1);
            LibPcap.SetBufferSize(p, 32 << 20);
            LibPcap.SetTimestampPrecision(p, LibPcap.PrecisionNano);
            var rc = LibPcap.Activate(p);
            if (rc < 0)
            {
                var message = LibPcap.Error(p);
                LibPcap.Close(p);
                throw new InvalidOperationException($"Cannot capture on '{device}': {message}{(rc == -8 ? " (it needs root or CAP_NET_RAW)" : "")}.");
            }
            if (filter is not null)
            {
                LibPcap.BpfProgram program;
                if (LibPcap.Compile(p, &program, filter) != 0 || LibPcap.SetFilter(p, &program) != 0)
                {
                    var message = LibPcap.Error(p);
                    LibPcap.Close(p);
                    throw new ArgumentException($"The capture filter '{filter}' is not valid BPF (tcpdump syntax): {message}.");
                }
                LibPcap.FreeCode(&program);
            }
            return p;
        }
        _pcap = netns is null ? Open() : Kernel.Netlink.NetworkNamespace.Resolve(netns).Run(Open);
        var link = LibPcap.FromDlt(LibPcap.DataLink(_pcap));
        if (!LinkTypes.IsSupported((int)link))
        {
            LibPcap.Close(_pcap);
            _pcap = IntPtr.Zero;
            throw new NotSupportedException($"Interface '{device}' has link type {LinkTypes.Describe((int)link)}, which the engine does not read.");
        }
        _liveThread = new Thread(() => LiveLoop(link)) { IsBackground = true, Name = $"engine {Name}" };
        _liveThread.Start();
    }

    private unsafe void LiveLoop(LinkType link)
    {
        try
        {
            while (!_stop)
            {
                LibPcap.PacketHeader* header;
                byte* data;
                var rc = LibPcap.NextEx(_pcap, &header, &data);
                if (rc == 0) continue; // timeout: look at _stop
                if (rc < 0)
                {
                    if (_stop) break;
                    throw new IOException($"Capture on {Source[0]} failed: {LibPcap.Error(_pcap)}");
                }
                var ns = header->Seconds * 1_000_000_000 + header->Fraction;
                if (_firstNs == long.MinValue) _firstNs = ns;
                lock (Gate) Engine.Process(link, new ReadOnlySpan<byte>(data, (int)header->CapturedLength), (int)header->Length, ns);
            }
            State = CtEngineState.Stopped;
        }
        catch (Exception ex)
        {
            Error = ex.Message;
            State = CtEngineState.Failed;
        }
    }

    /// <summary>Stops a live engine; its table stays queryable.</summary>
    public void Stop()
    {
        _stop = true;
        if (_pcap != IntPtr.Zero) LibPcap.BreakLoop(_pcap);
        // The capture thread ends within its 100 ms read timeout; only then is the handle closed.
        if (_liveThread is null || _liveThread.Join(5000)) ClosePcap();
        if (State == CtEngineState.Running && _liveThread is not null) State = CtEngineState.Stopped;
    }

    private void ClosePcap()
    {
        if (_pcap == IntPtr.Zero) return;
        LibPcap.Close(_pcap);
        _pcap = IntPtr.Zero;
    }

    /// <summary>What Get-CtEngine shows.</summary>
    public CtEngine Describe()
    {
        lock (Gate)
        {
            var defaults = new EngineSettings();
            return new CtEngine
            {
                Name = Name,
                State = State,
                Source = Source,
                Filter = Filter,
                Packets = Engine.Packets,
                Connections = Engine.Count,
                Invalid = Engine.Invalid,
                Untracked = Engine.Untracked,
                FirstPacket = _firstNs == long.MinValue ? null : DateTimeOffset.UnixEpoch.AddTicks(_firstNs / 100),
                LastPacket = Engine.NowNs == 0 ? null : DateTimeOffset.UnixEpoch.AddTicks(Engine.NowNs / 100),
                Started = Started,
                Error = Error,
                Rules = [.. Engine.Settings.Rules.Select(r => r.ToString())],
                Settings = [.. EngineSettings.SettingNames.Where(n => Engine.Settings.Get(n) != defaults.Get(n)).Select(n => $"{n} = {Engine.Settings.Get(n)}")],
            };
        }
    }

    public void Dispose() => Stop();
}
