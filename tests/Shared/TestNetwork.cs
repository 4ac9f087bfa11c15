using System.Diagnostics;

namespace ConntrackTools.Tests;

/// <summary>
/// Two network namespaces joined by a veth pair, made for one test and removed after it:
/// A is 10.R.S.1 / fd00:R:S::1, B is 10.R.S.2 / fd00:R:S::2. Traffic in tests goes only between
/// them (or to their loopback), never out of the root namespace.
/// </summary>
public sealed class TestNetwork : IDisposable
{
    private static int _counter;
    private readonly List<Process> _processes = [];

    public string A { get; }
    public string B { get; }
    public string A4 { get; }
    public string B4 { get; }
    public string A6 { get; }
    public string B6 { get; }

    public static string TrafficScript { get; } = FindTrafficScript();

    public TestNetwork(string tag = "t")
    {
        var n = Interlocked.Increment(ref _counter);
        var id = $"{Environment.ProcessId % 10000}{n}";
        A = $"ct{tag}{id}a";
        B = $"ct{tag}{id}b";
        var r = Environment.ProcessId % 200 + 20;
        var s = n % 250;
        A4 = $"10.{r}.{s}.1";
        B4 = $"10.{r}.{s}.2";
        A6 = $"fd00:{r}:{s}::1";
        B6 = $"fd00:{r}:{s}::2";
        try
        {
            Shell.Check("ip", "netns", "add", A);
            Shell.Check("ip", "netns", "add", B);
            Shell.Check("ip", "-n", A, "link", "add", "veth0", "type", "veth", "peer", "name", "veth0", "netns", B);
            Setup(A, A4, A6);
            Setup(B, B4, B6);
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    private static void Setup(string ns, string v4, string v6)
    {
        Shell.Check("ip", "-n", ns, "link", "set", "lo", "up");
        Shell.Check("ip", "-n", ns, "addr", "add", v4 + "/24", "dev", "veth0");
        Shell.Check("ip", "-n", ns, "addr", "add", v6 + "/64", "dev", "veth0", "nodad");
        Shell.Check("ip", "-n", ns, "link", "set", "veth0", "up");
        // Counters and timestamps on, so every field conntrack can show is there to compare.
        Shell.Check("ip", "netns", "exec", ns, "sysctl", "-qw", "net.netfilter.nf_conntrack_acct=1", "net.netfilter.nf_conntrack_timestamp=1");
        EnableConntrack(ns);
    }

    /// <summary>
    /// The kernel tracks a namespace's traffic only once a rule there needs conntrack
    /// (nf_ct_netns_get); a `ct state` rule in prerouting and output turns it on.
    /// </summary>
    public static void EnableConntrack(string ns) => Nft(ns,
        "table inet cttest {\n" +
        "  chain pre { type filter hook prerouting priority 0; ct state new counter; }\n" +
        "  chain out { type filter hook output priority 0; ct state new counter; }\n" +
        "}\n");

    /// <summary>Loads a ruleset into a namespace with `nft -f -`; throws with nft's message when it fails.</summary>
    public static void Nft(string ns, string ruleset)
    {
        var r = Shell.Run("ip", ["netns", "exec", ns, "nft", "-f", "-"], stdin: ruleset);
        if (r.ExitCode != 0) throw new InvalidOperationException($"nft in {ns}: {r.Stderr}");
    }

    /// <summary>Runs a command inside a namespace and returns its stdout; throws when it fails.</summary>
    public static string Exec(string ns, params string[] command) => Shell.Check("ip", ["netns", "exec", ns, .. command]);

    /// <summary>Runs a command inside a namespace; returns the whole result, failing or not.</summary>
    public static Shell.Result Try(string ns, params string[] command) => Shell.Run("ip", ["netns", "exec", ns, .. command]);

    /// <summary>Starts a server in a namespace and waits for it to print "ready".</summary>
    public Process StartServer(string ns, params string[] command)
    {
        var p = Shell.Start("ip", ["netns", "exec", ns, .. command]);
        _processes.Add(p);
        var line = p.StandardOutput.ReadLine();
        if (line != "ready") throw new InvalidOperationException($"server {string.Join(' ', command)} did not start: {line} {p.StandardError.ReadToEnd()}");
        return p;
    }

    /// <summary>Starts a long-running process in a namespace (a daemon in the foreground); it is killed on Dispose.</summary>
    public Process StartBackground(string ns, params string[] command)
    {
        var p = Shell.Start("ip", ["netns", "exec", ns, .. command]);
        _processes.Add(p);
        return p;
    }

    /// <summary>Waits until something listens on a TCP port in a namespace.</summary>
    public static void WaitForListener(string ns, int port, int timeoutMs = 10_000, bool udp = false)
    {
        var deadline = Environment.TickCount64 + timeoutMs;
        while (Environment.TickCount64 < deadline)
        {
            if (Try(ns, "ss", udp ? "-Hlun" : "-Hltn", $"sport = :{port}").Stdout.Trim().Length > 0) return;
            Thread.Sleep(50);
        }
        throw new TimeoutException($"nothing listens on port {port} in {ns}");
    }

    /// <summary>Real TCP connections from A to B (port), each open/echo/close.</summary>
    public void Tcp(string serverAddress, int port, int count = 1)
    {
        var server = StartServer(B, "python3", TrafficScript, "tcp-server", port.ToString(), count.ToString());
        Exec(A, "python3", TrafficScript, "tcp-client", serverAddress, port.ToString(), count.ToString());
        server.WaitForExit(10_000);
    }

    /// <summary>UDP request/response from A to B.</summary>
    public void Udp(string serverAddress, int port, int count = 1)
    {
        var server = StartServer(B, "python3", TrafficScript, "udp-server", port.ToString(), count.ToString());
        Exec(A, "python3", TrafficScript, "udp-client", serverAddress, port.ToString(), count.ToString());
        server.WaitForExit(10_000);
    }

    /// <summary>ICMP (or ICMPv6) echo from A to B.</summary>
    public void Ping(string address, int count = 1) =>
        Exec(A, "ping", "-c", count.ToString(), "-i", "0.2", "-W", "2", address);

    public void Dispose()
    {
        foreach (var p in _processes)
        {
            try { if (!p.HasExited) p.Kill(entireProcessTree: true); } catch (InvalidOperationException) { }
            p.Dispose();
        }
        Shell.Run("ip", ["netns", "del", A]);
        Shell.Run("ip", ["netns", "del", B]);
    }

    private static string FindTrafficScript()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "tests", "Shared", "traffic.py");
            if (File.Exists(candidate)) return candidate;
        }
        throw new FileNotFoundException("tests/Shared/traffic.py not found above " + AppContext.BaseDirectory);
    }
}
