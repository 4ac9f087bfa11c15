using System.Diagnostics;
using ConntrackTools.Engine;
using ConntrackTools.Tests;

namespace ConntrackTools.Benchmarks;

/// <summary>
/// The engine's speed and memory (issue: userspace engine). Synthetic captures from
/// <see cref="SyntheticCapture"/>, replayed from memory on one thread:
/// packets/s for packets of existing flows, new flows/s, bytes per tracked flow; then the same TCP
/// capture written to a pcap file and read by the engine and by `tshark -q -z conv,tcp`.
/// </summary>
internal static class EngineBenchmark
{
    public static int Run(string[] args)
    {
        var flows = args.Length > 1 ? int.Parse(args[1]) : 10_000;
        var packets = args.Length > 2 ? int.Parse(args[2]) : 200;
        var payload = args.Length > 3 ? int.Parse(args[3]) : 100;
        Console.WriteLine($"engine: {flows} TCP flows x {packets} data packets of {payload} bytes; {Environment.ProcessorCount} CPUs; one thread");

        var (open, data, close) = SyntheticCapture.Tcp(flows, packets, payload);
        var best = double.MaxValue;
        for (var round = 0; round < 3; round++)
        {
            var engine = new ConntrackEngine("bench");
            foreach (var f in open) engine.Process(LinkType.Raw, f.Data, f.Data.Length, f.TimestampNs);
            var a0 = GC.GetAllocatedBytesForCurrentThread();
            var sw = Stopwatch.StartNew();
            foreach (var f in data) engine.Process(LinkType.Raw, f.Data, f.Data.Length, f.TimestampNs);
            sw.Stop();
            var allocated = GC.GetAllocatedBytesForCurrentThread() - a0;
            if (engine.Count != flows || engine.Invalid != 0) throw new InvalidOperationException($"expected {flows} flows and no invalid packets, got {engine.Count} and {engine.Invalid}");
            best = Math.Min(best, sw.Elapsed.TotalSeconds);
            if (round == 2)
            {
                Console.WriteLine($"existing flows: {data.Count / best / 1e6:F2} Mpps per core (best of 3: {data.Count} packets in {best:F3} s), allocated {allocated} bytes while replaying");
                foreach (var f in close) engine.Process(LinkType.Raw, f.Data, f.Data.Length, f.TimestampNs);
                var closed = engine.Snapshot().Count(c => c.State == CtState.TimeWait);
                Console.WriteLine($"  closed: {closed} of {flows} flows in TIME_WAIT after FIN/ACK");
            }
        }

        // New flows: one UDP datagram each.
        var newCount = Math.Max(flows * 100, 1_000_000);
        var singles = SyntheticCapture.UdpSingles(newCount, 32);
        var settings = new EngineSettings { Max = newCount * 2 };
        var bestNew = double.MaxValue;
        long tableBytes = 0, heapPerFlow = 0;
        for (var round = 0; round < 3; round++)
        {
            GC.Collect();
            var heap0 = GC.GetTotalMemory(true);
            var engine = new ConntrackEngine("bench-new", settings);
            var sw = Stopwatch.StartNew();
            foreach (var f in singles) engine.Process(LinkType.Raw, f.Data, f.Data.Length, f.TimestampNs);
            sw.Stop();
            if (engine.Count != newCount) throw new InvalidOperationException($"expected {newCount} flows, got {engine.Count}");
            bestNew = Math.Min(bestNew, sw.Elapsed.TotalSeconds);
            var heap1 = GC.GetTotalMemory(true);
            tableBytes = engine.TableBytes;
            heapPerFlow = (heap1 - heap0) / newCount;
            GC.KeepAlive(engine);
        }
        Console.WriteLine($"new flows: {newCount / bestNew / 1e6:F2} M/s (best of 3: {newCount} flows in {bestNew:F3} s)");
        Console.WriteLine($"memory: {heapPerFlow} bytes per tracked flow (managed heap growth / flows); flow table arrays {tableBytes / newCount} bytes per flow at this size");

        // The same TCP traffic as a file: engine (reading and parsing included) against tshark.
        var path = Path.Combine(Path.GetTempPath(), $"ct-bench-{Environment.ProcessId}.pcap");
        try
        {
            using (var w = new PcapWriter(path, LinkType.Raw))
                foreach (var f in open.Concat(data).Concat(close)) w.Write(f.TimestampNs, f.Data);
            var size = new FileInfo(path).Length;
            var total = open.Count + data.Count + close.Count;
            var engineFile = double.MaxValue;
            for (var round = 0; round < 3; round++)
            {
                var engine = new ConntrackEngine("bench-file");
                var sw = Stopwatch.StartNew();
                using var reader = CaptureFileReader.Open(path);
                while (reader.TryRead(out var r)) engine.Process(r.LinkType, r.Data, r.OriginalLength, r.TimestampNs);
                sw.Stop();
                engineFile = Math.Min(engineFile, sw.Elapsed.TotalSeconds);
            }
            var tshark = Stopwatch.StartNew();
            var t = Shell.Run("tshark", ["-q", "-z", "conv,tcp", "-r", path]);
            tshark.Stop();
            var conversations = t.Stdout.Split('\n').Count(l => l.Contains("<->", StringComparison.Ordinal));
            Console.WriteLine($"file: {total} packets, {size / 1048576.0:F1} MiB");
            Console.WriteLine($"  engine (read + parse + track):    {engineFile:F3} s = {total / engineFile / 1e6:F2} Mpps");
            Console.WriteLine($"  tshark -q -z conv,tcp -r FILE:    {tshark.Elapsed.TotalSeconds:F3} s (exit {t.ExitCode}, {conversations} conversations)");
            Console.WriteLine($"  engine is {tshark.Elapsed.TotalSeconds / engineFile:F0}x faster than tshark");
        }
        finally
        {
            File.Delete(path);
        }
        return 0;
    }
}
