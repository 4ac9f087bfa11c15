using System.Buffers.Binary;
using System.Globalization;
using System.Net;
using ConntrackTools.Engine;

namespace ConntrackTools.Tests;

/// <summary>
/// Kernel parity scenarios for the irc, sane, amanda, netbios-ns and snmp helpers: real TCP and UDP
/// between a TestNetwork's namespaces carrying crafted payloads (traffic_small.py), A the client
/// with the helper assigned by an nft `ct helper` object and `ct helper set` in its output chain.
/// Record them in A with expectations (<see cref="RecordAndReplay"/>) and replay the capture.
/// </summary>
public static class SmallHelperScenarios
{
    public const int IrcPort = 6667;
    public const int IrcDccPort = 5000;
    public const int SanePort = 6566;
    public const int SaneDataPort = 7000;
    public const int AmandaPort = 10080;
    public const int NetbiosNsPort = 137;
    public const int SnmpPort = 161;

    /// <summary>The Amanda reply's ports: DATA, MESG and INDEX.</summary>
    public static readonly int[] AmandaDataPorts = [50000, 50001, 50002];

    /// <summary>traffic_small.py, next to traffic.py.</summary>
    public static string Script => Path.Combine(Path.GetDirectoryName(TestNetwork.TrafficScript)!, "traffic_small.py");

    /// <summary>An IPv4 address as IRC's DCC writes it: one decimal number.</summary>
    public static string DccNumber(string ipv4) =>
        BinaryPrimitives.ReadUInt32BigEndian(IPAddress.Parse(ipv4).GetAddressBytes()).ToString(CultureInfo.InvariantCulture);

    /// <summary>The directed broadcast address of the /24 around an IPv4 address (TestNetwork's networks are /24).</summary>
    public static string Broadcast24(string ipv4)
    {
        var b = IPAddress.Parse(ipv4).GetAddressBytes();
        b[3] = 255;
        return new IPAddress(b).ToString();
    }

    /// <summary>A table in <paramref name="ns"/> whose output chain gives new connections to <paramref name="port"/> the helper.</summary>
    public static void AssignHelper(string ns, string helper, string protocol, int port) =>
        TestNetwork.Nft(ns,
            $"table inet ctsmall_{helper.Replace('-', '_')} {{\n" +
            $"  ct helper h {{ type \"{helper}\" protocol {protocol}; }}\n" +
            $"  chain out {{ type filter hook output priority filter; {protocol} dport {port} ct helper set \"h\"; }}\n" +
            "}\n");

    /// <summary>The engine's rule equivalent to <see cref="AssignHelper"/>.</summary>
    public static string Rule(string helper, string protocol, int port) => $"{protocol} dport {port} ct helper set {helper}";

    /// <summary>
    /// An IRC session from A to B under "irc": a nick; an offer without its newline (unread: the
    /// kernel looks one byte past the segment for the newline, and this line is the longest yet,
    /// so no earlier line's newline can be lying there); a DCC CHAT offer of A's address and port
    /// <see cref="IrcDccPort"/> (expected); offers the helper refuses or cannot read: B's address
    /// (a third party), port 0, a cut line, an unknown DCC word; a lower-case PRIVMSG with a TSEND
    /// offer (expected). After closing, B connects to the offered port: a RELATED connection that
    /// uses up the CHAT expectation.
    /// </summary>
    public static void IrcDcc(TestNetwork net)
    {
        AssignHelper(net.A, "irc", "tcp", IrcPort);
        var a = DccNumber(net.A4);
        var b = DccNumber(net.B4);
        var server = net.StartServer(net.B, "python3", Script, "tcp-lines-server", IrcPort.ToString(), net.A4, IrcDccPort.ToString());
        TestNetwork.Exec(net.A, "python3", Script, "tcp-lines-client", net.B4, IrcPort.ToString(), "--listen", IrcDccPort.ToString(),
            "NICK alice\\r\\n",
            $"PRIVMSG bob :\\x01DCC SEND a-long-file-name.tar.gz {a} 5003 100\\x01",
            $"PRIVMSG bob :\\x01DCC CHAT chat {a} {IrcDccPort}\\x01\\n",
            $"PRIVMSG bob :\\x01DCC SEND file {b} 5001 100\\x01\\n",
            $"PRIVMSG bob :\\x01DCC SEND file {a} 0 100\\x01\\n",
            $"PRIVMSG bob :\\x01DCC SEND f {a[..3]}",
            $"PRIVMSG bob :\\x01DCC RESUME file {a} 5005 100\\x01\\n",
            $"privmsg bob :\\x01DCC TSEND file {a} 5004 100\\x01\\n");
        server.WaitForExit(10_000);
    }

    /// <summary>An IRC session from A to B offering <paramref name="count"/> DCC chats (ports 6000 up): beyond 8 the oldest is evicted.</summary>
    public static void IrcManyOffers(TestNetwork net, int count)
    {
        AssignHelper(net.A, "irc", "tcp", IrcPort);
        var a = DccNumber(net.A4);
        var server = net.StartServer(net.B, "python3", Script, "tcp-lines-server", IrcPort.ToString());
        TestNetwork.Exec(net.A, ["python3", Script, "tcp-lines-client", net.B4, IrcPort.ToString(),
            .. Enumerable.Range(0, count).Select(i => $"PRIVMSG bob :\\x01DCC CHAT chat {a} {6000 + i}\\x01\\n")]);
        server.WaitForExit(10_000);
    }

    /// <summary>
    /// A SANE session from A to B under "sane": SANE_NET_START, then B's reply naming
    /// <see cref="SaneDataPort"/>; when its status is 0 (success), A's data connection there
    /// (RELATED); another status is saned refusing, and nothing is expected.
    /// </summary>
    public static void SaneStart(TestNetwork net, bool ipv6 = false, int status = 0)
    {
        AssignHelper(net.A, "sane", "tcp", SanePort);
        var ok = status == 0;
        var server = net.StartServer(net.B, "python3", Script, "sane-server", SanePort.ToString(), SaneDataPort.ToString(), status.ToString(), "0", ok ? "1" : "0");
        TestNetwork.Exec(net.A, ["python3", Script, "sane-client", ipv6 ? net.B6 : net.B4, SanePort.ToString(), "7", .. ok ? [SaneDataPort.ToString()] : Array.Empty<string>()]);
        server.WaitForExit(10_000);
    }

    /// <summary>
    /// An Amanda request from A to B's UDP <see cref="AmandaPort"/> under "amanda"; B answers
    /// "CONNECT DATA 50000 MESG 50001 INDEX 50002", and A connects to each port (RELATED).
    /// The master keeps master_timeout (300 s): record with a short expiry wait, then a flush.
    /// </summary>
    public static void AmandaConnect(TestNetwork net, bool ipv6 = false)
    {
        AssignHelper(net.A, "amanda", "udp", AmandaPort);
        var reply = $"11 ACK HANDLE 000-1 SEQ 1\\nCONNECT DATA {AmandaDataPorts[0]} MESG {AmandaDataPorts[1]} INDEX {AmandaDataPorts[2]}\\nOPTIONS features=ff;\\n";
        var server = net.StartServer(net.B, ["python3", Script, "udp-answer", AmandaPort.ToString(), reply, .. AmandaDataPorts.SelectMany(p => new[] { "--listen", p.ToString() })]);
        TestNetwork.Exec(net.A, ["python3", Script, "udp-ask", ipv6 ? net.B6 : net.B4, AmandaPort.ToString(), "Amanda 2.6 REQ HANDLE 000-1 SEQ 1\\nSERVICE sendbackup\\n",
            .. AmandaDataPorts.SelectMany(p => new[] { "--connect", p.ToString() })]);
        server.WaitForExit(10_000);
    }

    /// <summary>
    /// Gives A's and B's IPv4 addresses their broadcast address (`brd +`), which TestNetwork does
    /// not: the broadcast helpers look for the destination among the interface's broadcast
    /// addresses, and B takes the directed broadcast only with it.
    /// </summary>
    public static void UseBroadcastAddresses(TestNetwork net)
    {
        foreach (var (ns, address) in new[] { (net.A, net.A4), (net.B, net.B4) })
        {
            TestNetwork.Exec(ns, "ip", "addr", "del", address + "/24", "dev", "veth0");
            TestNetwork.Exec(ns, "ip", "addr", "add", address + "/24", "brd", "+", "dev", "veth0");
        }
    }

    /// <summary>
    /// A broadcast query of the helper's service (netbios-ns on 137, snmp on 161): first to the
    /// limited broadcast 255.255.255.255 (no interface's broadcast address: nothing expected), then
    /// to the network's directed broadcast, which B answers from its own address: the answer
    /// matches the PERMANENT expectation and is RELATED. Call <see cref="UseBroadcastAddresses"/> first.
    /// </summary>
    public static void BroadcastQuery(TestNetwork net, string helper, int port)
    {
        AssignHelper(net.A, helper, "udp", port);
        var server = net.StartServer(net.B, "python3", Script, "udp-answer", port.ToString(), "answer", "--count", "2", "--v4");
        TestNetwork.Exec(net.A, "python3", Script, "udp-ask", "255.255.255.255", port.ToString(), "query", "--broadcast", "--device", "veth0");
        TestNetwork.Exec(net.A, "python3", Script, "udp-ask", Broadcast24(net.A4), port.ToString(), "query", "--broadcast");
        server.WaitForExit(10_000);
    }

    /// <summary>
    /// Records a scenario in A with expectations, replays the capture into an engine with the
    /// rules (and helper options), and returns both; the capture file is deleted.
    /// </summary>
    public static (KernelRecording Recording, EngineReplay.Result Replay) RecordAndReplay(
        TestNetwork net, Action<TestNetwork> scenario, string[] rules, TimeSpan? expiry = null, IReadOnlyDictionary<string, long>? settings = null)
    {
        // Records once more when the engine differs: when both ends close a TCP connection at the
        // same moment, the kernel can process the two FINs in the other order from the one tcpdump
        // captured (one FIN passes conntrack on output before the capture sees it, the other after),
        // which no engine can see. A real difference shows in both recordings, and the caller's
        // assertions fail on the second. The recorder flushes the table when it finishes, so the
        // second recording starts from an empty one.
        for (var attempt = 1; ; attempt++)
        {
            var recording = ParityScenarios.Record(net, scenario, new KernelRecorderOptions { Expectations = true }, expiry);
            try
            {
                var replay = EngineReplay.Run(recording, settings, rules);
                if (attempt == 2 || (!EngineReplay.Differences(replay).Any() && !EngineReplay.ExpectationDifferences(replay).Any()))
                    return (recording, replay);
            }
            finally
            {
                File.Delete(recording.CapturePath);
            }
        }
    }

    /// <summary>Both sides' events, for a test's output.</summary>
    public static IEnumerable<string> Describe(KernelRecording recording, EngineReplay.Result replay) =>
    [
        "-- kernel --",
        .. recording.Events.Select(e => e.Line),
        .. recording.ExpectationEvents.Select(e => e.Line),
        "-- engine --",
        .. replay.Events.Select(e => $"[{e.Type.ToString().ToUpperInvariant()}] {e.Connection} {e.Connection.Status}"),
        .. replay.ExpectationEvents.Select(EngineReplay.Signature),
        .. replay.Engine.HelperMessages,
    ];
}
