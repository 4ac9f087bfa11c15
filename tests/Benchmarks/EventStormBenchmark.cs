using System.Diagnostics;
using System.Management.Automation;
using System.Management.Automation.Runspaces;
using ConntrackTools.Kernel.Conntrack;
using ConntrackTools.Tests;

namespace ConntrackTools.Benchmarks;

/// <summary>
/// Event storm (issue: kernel write path and events). N entries are created in batches of
/// ctnetlink NEW messages (what `conntrack -R` would do; conntrack-tools 1.4.7 has no -R) and then
/// flushed, while a listener watches NEW and DESTROY: 2N events in two bursts. Reported: events
/// received per second over the bursts, and the losses the kernel counted, which with the received
/// events must add up to 2N. Run once with a large buffer and once with a small one, so that
/// losses happen and are shown to be counted. Then the same through Watch-CtConnection in the
/// hosted PowerShell engine.
/// </summary>
internal static class EventStormBenchmark
{
    public static int Run(string[] args)
    {
        var n = args.Length > 1 ? int.Parse(args[1]) : 200_000;
        var bigBuffer = (args.Length > 2 ? int.Parse(args[2]) : 64 * 1024) * 1024;
        using var net = new TestNetwork("storm");
        TestNetwork.Exec(net.A, "sysctl", "-qw", $"net.netfilter.nf_conntrack_max={Math.Max(n * 2, 262144)}");
        Console.WriteLine($"storm: {n} entries created then flushed in namespace {net.A} (2x{n} events); {Environment.ProcessorCount} CPUs");

        foreach (var buffer in new[] { bigBuffer, 256 * 1024 })
        {
            var r = InProcess(net.A, n, buffer);
            Console.WriteLine($"in-process listener, buffer {buffer / 1024} KiB (granted {r.granted / 1024} KiB):");
            Console.WriteLine($"  received {r.received} in {r.seconds:F3} s = {r.received / r.seconds:F0} events/s overall; NEW burst {r.created.Rate:F0}/s (paced by the kernel creating entries), DESTROY burst (flush) {r.destroyed.Rate:F0}/s");
            Console.WriteLine($"  lost (kernel-counted) {r.lost}; received+lost = {r.received + r.lost} of {2 * n}{(r.received + r.lost == 2 * n ? ": every event accounted for" : ": MISMATCH")}; {r.reports} loss reports");
        }

        // The listener's own rate, without the kernel's producer pacing it: the storm waits in a
        // 1 GiB receive buffer while the reader is not yet started, then is drained.
        {
            using var listener = ConntrackEventListener.Open(net.A, [CtEventType.New, CtEventType.Destroy], [], 1 << 30, queueCapacity: 1 << 20);
            var produce = Stopwatch.StartNew();
            TableFiller.Fill(net.A, n);
            var fill = produce.Elapsed.TotalSeconds;
            TestNetwork.Exec(net.A, "conntrack", "-F");
            var flush = produce.Elapsed.TotalSeconds - fill;
            var self = Process.GetCurrentProcess();
            self.Refresh();
            var cpu0 = self.TotalProcessorTime;
            var drain = Stopwatch.StartNew();
            listener.Start();
            long got = 0, lost = 0;
            while (got + lost < 2L * n && listener.TryTake(out var item, 3000, CancellationToken.None))
            {
                if (item is CtEventLoss l) lost += l.Lost ?? 0; else got++;
            }
            drain.Stop();
            self.Refresh();
            Console.WriteLine($"kernel producer alone: {n} creates in {fill:F3} s ({n / fill:F0}/s), flush of {n} in {flush:F3} s ({n / flush:F0}/s, incl. starting conntrack)");
            Console.WriteLine($"drain of the buffered storm: received {got} in {drain.Elapsed.TotalSeconds:F3} s = {got / drain.Elapsed.TotalSeconds:F0} events/s (CPU {(self.TotalProcessorTime - cpu0).TotalSeconds / Math.Max(1, got) * 1e6:F2} us/event); lost {lost}");
        }

        var module = ConntrackTools.Host.ModuleLocator.Find(null, null, AppContext.BaseDirectory, out var problem) ?? throw new FileNotFoundException(problem);
        var iss = InitialSessionState.CreateDefault2();
        iss.ImportPSModule(module);
        using var runspace = RunspaceFactory.CreateRunspace(iss);
        runspace.Open();
        using var ps = PowerShell.Create();
        ps.Runspace = runspace;
        ps.AddScript($"$n = 0; $lost = 0; Watch-CtConnection -Netns {net.A} -EventType New,Destroy -Count {2 * n} -Timeout 60 -ReceiveBufferSize {bigBuffer} -IncludeLoss -WarningAction SilentlyContinue | ForEach-Object {{ if ($_ -is [ConntrackTools.CtEventLoss]) {{ $lost += $_.Lost }} else {{ $n++ }} }}; \"$n $lost\"");
        var sw = new Stopwatch();
        var output = new PSDataCollection<PSObject>();
        var run = ps.BeginInvoke<PSObject, PSObject>(null, output);
        Thread.Sleep(1500); // the watch is listening
        sw.Start();
        TableFiller.Fill(net.A, n);
        TestNetwork.Exec(net.A, "conntrack", "-F");
        run.AsyncWaitHandle.WaitOne();
        sw.Stop();
        var parts = output.Count > 0 ? output[0].ToString().Split(' ') : ["0", "0"];
        var received = long.Parse(parts[0]);
        Console.WriteLine($"hosted Watch-CtConnection | ForEach-Object: received {received} in {sw.Elapsed.TotalSeconds:F3} s (fill + flush + drain) = {received / sw.Elapsed.TotalSeconds:F0} events/s; lost (counted) {parts[1]}; errors {ps.Streams.Error.Count}");
        return 0;
    }

    private sealed class Phase
    {
        public long Count;
        public long First;
        public long Last;
        public double Rate => Count < 2 ? 0 : Count / Stopwatch.GetElapsedTime(First, Last).TotalSeconds;
    }

    private static (long received, long lost, double seconds, int granted, int reports, Phase created, Phase destroyed) InProcess(string netns, int n, int buffer)
    {
        using var listener = ConntrackEventListener.Open(netns, [CtEventType.New, CtEventType.Destroy], [], buffer, queueCapacity: 1 << 20);
        listener.Start();
        long received = 0, lost = 0;
        var reports = 0;
        var created = new Phase();
        var destroyed = new Phase();
        var consumer = new Thread(() =>
        {
            while (listener.TryTake(out var item, 3000, CancellationToken.None))
            {
                if (item is CtEventLoss loss) { lost += loss.Lost ?? 0; reports++; }
                else if (item is CtEvent e)
                {
                    received++;
                    var phase = e.Type == CtEventType.New ? created : destroyed;
                    var now = Stopwatch.GetTimestamp();
                    if (phase.Count++ == 0) phase.First = now;
                    phase.Last = now;
                }
                if (received + lost >= 2L * n) break;
            }
        });
        consumer.Start();
        TableFiller.Fill(netns, n);
        TestNetwork.Exec(netns, "conntrack", "-F");
        consumer.Join();
        if (listener.CheckLoss() is { } tail) { lost += tail.Lost ?? 0; reports++; }
        var all = Stopwatch.GetElapsedTime(created.Count > 0 ? created.First : destroyed.First, destroyed.Count > 0 ? destroyed.Last : created.Last).TotalSeconds;
        return (received, lost, all, listener.ReceiveBufferSize, reports, created, destroyed);
    }
}
