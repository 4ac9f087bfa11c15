using System.Diagnostics;
using System.Management.Automation;
using System.Management.Automation.Runspaces;
using ConntrackTools.Kernel.Conntrack;
using ConntrackTools.Tests;

namespace ConntrackTools.Benchmarks;

// Dump benchmark (issue: kernel read path). Fills a namespace's table with N entries, then times
// `conntrack -L > /dev/null`, the in-process API, and the hosted pipeline in the same run.
internal static class DumpBenchmark
{
    public static int Run(string[] args)
    {
        var n = args.Length > 1 ? int.Parse(args[1]) : 200_000;
        var rounds = args.Length > 2 ? int.Parse(args[2]) : 3;
        using var net = new TestNetwork("bench");
        TestNetwork.Exec(net.A, "sysctl", "-qw", $"net.netfilter.nf_conntrack_max={Math.Max(n * 2, 262144)}");
        TableFiller.Fill(net.A, n);
        var count = TestNetwork.Exec(net.A, "conntrack", "-C").Trim();
        Console.WriteLine($"table: {count} entries in namespace {net.A}; {Environment.ProcessorCount} CPUs; {rounds} rounds, best of each");

        // conntrack -L > /dev/null, timed by bash so that its user and system time are the child's.
        (double wall, double user, double sys) TimedConntrack()
        {
            var r = Shell.Run("/usr/bin/env", ["bash", "-c", $"TIMEFORMAT='%R %U %S'; time (ip netns exec {net.A} conntrack -L > /dev/null 2>&1)"]);
            var parts = r.Stderr.Trim().Split(' ');
            return (double.Parse(parts[0]), double.Parse(parts[1]), double.Parse(parts[2]));
        }

        // Wall time of one call, with this process's user and system time over it.
        (double wall, double user, double sys, T result) Measure<T>(Func<T> work)
        {
            var self = Process.GetCurrentProcess();
            self.Refresh();
            var u0 = self.UserProcessorTime; var s0 = self.PrivilegedProcessorTime;
            var sw = Stopwatch.StartNew();
            var result = work();
            sw.Stop();
            self.Refresh();
            return (sw.Elapsed.TotalSeconds, (self.UserProcessorTime - u0).TotalSeconds, (self.PrivilegedProcessorTime - s0).TotalSeconds, result);
        }

        (double wall, double user, double sys, long allocated, int objects) InProcess()
        {
            using var client = ConntrackClient.Open(net.A);
            var a0 = GC.GetAllocatedBytesForCurrentThread();
            var objects = 0;
            var m = Measure(() => client.DumpConnections(null, _ => objects++));
            return (m.wall, m.user, m.sys, GC.GetAllocatedBytesForCurrentThread() - a0, objects);
        }

        var module = ConntrackTools.Host.ModuleLocator.Find(null, null, AppContext.BaseDirectory, out var problem)
            ?? throw new FileNotFoundException(problem);
        var iss = InitialSessionState.CreateDefault2();
        iss.ImportPSModule(module);
        using var runspace = RunspaceFactory.CreateRunspace(iss);
        runspace.Open();

        // Runs a script in the hosted engine; the result is its first output object.
        (double wall, double user, double sys, object? result) Hosted(string script)
        {
            using var ps = PowerShell.Create();
            ps.Runspace = runspace;
            ps.AddScript(script);
            var m = Measure(() => ps.Invoke());
            return (m.wall, m.user, m.sys, m.result.Count > 0 ? m.result[0].BaseObject : null);
        }

        var toNull = $"Get-CtConnection -NetworkNamespace {net.A} | Out-Null";
        var perObject = $"$n = 0; Get-CtConnection -NetworkNamespace {net.A} | ForEach-Object {{ $n++ }} ; $n";

        // Warm up JIT and caches once, then take the best of each.
        InProcess(); Hosted(toNull); Hosted(perObject); TimedConntrack();
        var ct = Enumerable.Range(0, rounds).Select(_ => TimedConntrack()).MinBy(r => r.wall);
        var api = Enumerable.Range(0, rounds).Select(_ => InProcess()).MinBy(r => r.wall);
        var host = Enumerable.Range(0, rounds).Select(_ => Hosted(toNull)).MinBy(r => r.wall);
        var hostFe = Enumerable.Range(0, rounds).Select(_ => Hosted(perObject)).MinBy(r => r.wall);
        var peak = Process.GetCurrentProcess().PeakWorkingSet64;

        Console.WriteLine($"conntrack -L > /dev/null      wall {ct.wall:F3} s  user {ct.user:F3} s  sys {ct.sys:F3} s");
        Console.WriteLine($"in-process API (objects)      wall {api.wall:F3} s  user {api.user:F3} s  sys {api.sys:F3} s  ratio {api.wall / ct.wall:F2}x  user/entry {api.user / api.objects * 1e6:F2} us  allocated/entry {api.allocated / (double)api.objects:F0} B  entries {api.objects}");
        Console.WriteLine($"hosted: Get-CtConnection|Out-Null wall {host.wall:F3} s  user {host.user:F3} s  ratio {host.wall / ct.wall:F2}x");
        Console.WriteLine($"hosted: |ForEach-Object {{$n++}} wall {hostFe.wall:F3} s  user {hostFe.user:F3} s  ratio {hostFe.wall / ct.wall:F2}x  entries {hostFe.result}");
        Console.WriteLine($"peak working set {peak / 1048576.0:F0} MiB (the whole benchmark process, PowerShell engine included)");
        return 0;
    }
}
