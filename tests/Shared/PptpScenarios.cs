namespace ConntrackTools.Tests;

/// <summary>
/// PPTP parity scenarios: namespace A (the PNS) assigns the kernel's pptp helper to its control
/// connection to B (the PAC) on TCP 1723 through an nft `ct helper` object, and
/// tests/Shared/traffic_pptp.py drives the control messages and the call's GRE (see its variants).
/// Record them with <see cref="ParityScenarios.Record"/> and <c>Expectations = true</c>.
/// </summary>
public static class PptpScenarios
{
    public const int Port = 1723;
    public const ushort PnsCallId = 0x1234;
    public const ushort PacCallId = 0x5678;

    /// <summary>The engine's equivalent of the nft rule below.</summary>
    public const string Rule = "tcp dport 1723 ct helper set pptp";

    /// <summary>traffic_pptp.py, next to traffic.py.</summary>
    public static string Script { get; } = Path.Combine(Path.GetDirectoryName(TestNetwork.TrafficScript)!, "traffic_pptp.py");

    /// <summary>The variants of traffic_pptp.py: outgoing, incoming, hangup, refused.</summary>
    public static readonly IReadOnlyList<string> Variants = ["outgoing", "incoming", "hangup", "refused"];

    /// <summary>
    /// The GRE stream timeout "hangup" runs under: long enough that the call's GRE connection
    /// outlives the recorder's wait unless the end of its control connection kills it.
    /// </summary>
    public const int HangupGreStreamTimeout = 60;

    /// <summary>What the engine must be told beyond the recorded sysctls (read before the scenario changed any).</summary>
    public static IReadOnlyDictionary<string, long>? EngineSettings(string variant) =>
        variant == "hangup" ? new Dictionary<string, long> { ["nf_conntrack_gre_timeout_stream"] = HangupGreStreamTimeout } : null;

    public static void Call(TestNetwork net, string variant)
    {
        if (variant == "hangup")
            TestNetwork.Exec(net.A, "sysctl", "-qw", $"net.netfilter.nf_conntrack_gre_timeout_stream={HangupGreStreamTimeout}");
        TestNetwork.Nft(net.A,
            "table inet ctparity_pptp {\n" +
            "  ct helper pptp-standard { type \"pptp\" protocol tcp; }\n" +
            $"  chain out {{ type filter hook output priority filter; tcp dport {Port} ct helper set \"pptp-standard\"; }}\n" +
            "}\n");
        Shell.Check("python3", Script, "pptp", net.A, net.B, net.A4, net.B4, variant, $"0x{PnsCallId:x}", $"0x{PacCallId:x}");
    }
}
