namespace ConntrackTools.Tests;

/// <summary>
/// SIP dialogues under A's `ct helper set "sip"` (output chain, port 5060, UDP and TCP helper
/// objects), with real sockets from tests/Shared/traffic_sip.py: A is the caller (UAC) and
/// registering UA, B the callee and registrar. See the script for the messages. Record them with
/// <see cref="Record"/> (expectations on; the SIP entries live sip_timeout, an hour, so the
/// recorder flushes them after a short wait) and replay with <see cref="EngineRules"/>.
/// <see cref="EdgeCases"/> sends B's crafted datagrams to A instead.
/// </summary>
public static class SipScenarios
{
    public const int SipPort = 5060;

    /// <summary>The engine's equivalent of the nft rules <see cref="Dialogue"/> loads.</summary>
    public static readonly string[] EngineRules = [$"udp dport {SipPort} ct helper set sip", $"tcp dport {SipPort} ct helper set sip"];

    /// <summary>traffic_sip.py, next to traffic.py.</summary>
    public static string Script { get; } = Path.Combine(Path.GetDirectoryName(TestNetwork.TrafficScript)!, "traffic_sip.py");

    /// <summary>Gives A's UDP and TCP port-5060 connections the sip helper, in a chain on <paramref name="hook"/> (output: A calls; prerouting: A is called).</summary>
    public static void HelperRules(TestNetwork net, string hook) => TestNetwork.Nft(net.A,
        "table inet ctparity_sip {\n" +
        "  ct helper sip-udp { type \"sip\" protocol udp; l3proto inet; }\n" +
        "  ct helper sip-tcp { type \"sip\" protocol tcp; l3proto inet; }\n" +
        "  chain helpers {\n" +
        $"    type filter hook {hook} priority filter;\n" +
        $"    udp dport {SipPort} ct helper set \"sip-udp\"\n" +
        $"    tcp dport {SipPort} ct helper set \"sip-tcp\"\n" +
        "  }\n" +
        "}\n");

    /// <summary>Runs one dialogue ("udp" or "tcp") from A (the caller) to B under A's helper rules.</summary>
    public static void Dialogue(TestNetwork net, string transport, bool ipv6 = false)
    {
        HelperRules(net, "output");
        var (a, b) = ipv6 ? (net.A6, net.B6) : (net.A4, net.B4);
        var uas = net.StartServer(net.B, "python3", Script, "uas", transport, b, a);
        TestNetwork.Exec(net.A, "python3", Script, "uac", transport, a, b);
        Finish(uas, "the SIP UAS in B");
    }

    /// <summary>
    /// The edge cases of traffic_sip.py edge-send (IPv4): crafted datagrams from B to A's port 5060,
    /// each from its own port, so each is the first packet of a connection A's helper reads.
    /// </summary>
    public static void EdgeCases(TestNetwork net)
    {
        HelperRules(net, "prerouting");
        var sink = net.StartServer(net.A, "python3", Script, "edge-sink", net.A4, net.B4);
        TestNetwork.Exec(net.B, "python3", Script, "edge-send", net.B4, net.A4);
        Finish(sink, "the receiver in A");
    }

    private static void Finish(System.Diagnostics.Process process, string what)
    {
        if (!process.WaitForExit(10_000)) throw new TimeoutException(what + " did not finish");
        if (process.ExitCode != 0) throw new InvalidOperationException($"{what} failed: {process.StandardError.ReadToEnd()}");
    }

    private const string Parameters = "/sys/module/nf_conntrack_sip/parameters/";

    /// <summary>
    /// Sets nf_conntrack_sip's module parameters (sip_direct_media, ...) until disposed, when the
    /// old values come back. They are the host's, not a namespace's: only SIP tests may change them.
    /// </summary>
    public static IDisposable ModuleParameters(IReadOnlyDictionary<string, long> values)
    {
        var old = values.Keys.ToDictionary(k => k, k => File.ReadAllText(Parameters + k).Trim());
        foreach (var (name, value) in values) File.WriteAllText(Parameters + name, value.ToString(System.Globalization.CultureInfo.InvariantCulture));
        return new Restore(() =>
        {
            foreach (var (name, value) in old) File.WriteAllText(Parameters + name, value);
        });
    }

    private sealed class Restore(Action restore) : IDisposable
    {
        public void Dispose() => restore();
    }

    /// <summary>Records a scenario in A with `conntrack -E expect`; what has not expired after a few seconds is flushed.</summary>
    public static KernelRecording Record(TestNetwork net, Action<TestNetwork> scenario) =>
        ParityScenarios.Record(net, scenario, new KernelRecorderOptions { Expectations = true }, TimeSpan.FromSeconds(4));
}
