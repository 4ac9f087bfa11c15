namespace ConntrackTools.Tests;

/// <summary>
/// The traffic of the parity scenarios: each method makes real traffic between a TestNetwork's
/// namespaces (A the client, B the server unless said otherwise), loading whatever nft rules the
/// scenario needs first. Record them with <see cref="Record"/>, which captures on A's veth0 and
/// listens to A's conntrack: replaying that capture into the engine must give the same events.
/// </summary>
public static class ParityScenarios
{
    public const int TcpPort = 8080;
    public const int TcpRefusedPort = 8081;
    public const int TcpResetPort = 8082;
    public const int TcpHalfOpenPort = 8083;
    public const int SimOpenPortA = 6001;
    public const int SimOpenPortB = 6002;
    public const int UdpPort = 5353;
    public const int UdpOneWayPort = 5354;
    public const int UdpUnreachablePort = 5355;
    public const int ZonePort = 5356;
    public const ushort Zone = 5;
    public const int NotrackPort = 9000;
    public const int SctpPortA = 5001;
    public const int SctpPortB = 5002;
    public const int TftpPort = 69;

    /// <summary>
    /// Timeouts short enough that every entry a scenario leaves ends within seconds (all but
    /// ESTABLISHED, SCTP ESTABLISHED and the helpers' expectations keep their defaults).
    /// </summary>
    public static readonly IReadOnlyDictionary<string, int> ShortTimeouts = new Dictionary<string, int>
    {
        ["nf_conntrack_tcp_timeout_syn_sent"] = 2,
        ["nf_conntrack_tcp_timeout_syn_recv"] = 2,
        ["nf_conntrack_tcp_timeout_fin_wait"] = 2,
        ["nf_conntrack_tcp_timeout_close_wait"] = 2,
        ["nf_conntrack_tcp_timeout_last_ack"] = 2,
        ["nf_conntrack_tcp_timeout_time_wait"] = 2,
        ["nf_conntrack_tcp_timeout_close"] = 2,
        ["nf_conntrack_udp_timeout"] = 2,
        ["nf_conntrack_udp_timeout_stream"] = 3,
        ["nf_conntrack_icmp_timeout"] = 2,
        ["nf_conntrack_icmpv6_timeout"] = 2,
        ["nf_conntrack_sctp_timeout_closed"] = 2,
        ["nf_conntrack_sctp_timeout_cookie_wait"] = 2,
        ["nf_conntrack_sctp_timeout_cookie_echoed"] = 2,
        ["nf_conntrack_sctp_timeout_shutdown_sent"] = 2,
        ["nf_conntrack_sctp_timeout_shutdown_recd"] = 2,
        ["nf_conntrack_sctp_timeout_shutdown_ack_sent"] = 2,
        ["nf_conntrack_gre_timeout"] = 2,
        ["nf_conntrack_gre_timeout_stream"] = 3,
        ["nf_conntrack_generic_timeout"] = 2,
    };

    /// <summary>Sets <see cref="ShortTimeouts"/> in a namespace.</summary>
    public static void UseShortTimeouts(string ns) =>
        TestNetwork.Exec(ns, ["sysctl", "-qw", .. ShortTimeouts.Select(kv => $"net.netfilter.{kv.Key}={kv.Value}")]);

    /// <summary>
    /// Short timeouts in both namespaces, a recorder on A, the scenario, then every entry's end:
    /// expiry within <paramref name="expiryTimeout"/> (reaped by dumps), a flush for what is left.
    /// </summary>
    public static KernelRecording Record(TestNetwork net, Action<TestNetwork> scenario, KernelRecorderOptions? options = null, TimeSpan? expiryTimeout = null)
    {
        UseShortTimeouts(net.A);
        UseShortTimeouts(net.B);
        WaitForIpv6(net.A);
        WaitForIpv6(net.B);
        using var recorder = KernelRecorder.Start(net.A, options);
        scenario(net);
        return recorder.Finish(expiryTimeout ?? TimeSpan.FromSeconds(20));
    }

    /// <summary>
    /// Waits (up to 5 s) until no IPv6 address of the namespace is tentative: right after the veth
    /// comes up, duplicate address detection of the link-local address runs for about a second,
    /// and traffic then can wait a neighbour-solicitation retransmission (1 s) for its first answer.
    /// </summary>
    public static void WaitForIpv6(string ns)
    {
        var deadline = Environment.TickCount64 + 5000;
        while (TestNetwork.Exec(ns, "ip", "-6", "addr", "show", "tentative").Trim().Length > 0 && Environment.TickCount64 < deadline)
            Thread.Sleep(100);
    }

    private static string Server(TestNetwork net, bool ipv6) => ipv6 ? net.B6 : net.B4;

    private static string Script => TestNetwork.TrafficScript;

    /// <summary>An HTTP/1.0-like exchange: GET, <paramref name="bytes"/> of answer, the server closes first.</summary>
    public static void TcpOpenTransferClose(TestNetwork net, bool ipv6 = false, int bytes = 20_000, int port = TcpPort)
    {
        var server = net.StartServer(net.B, "python3", Script, "http-server", port.ToString(), bytes.ToString());
        TestNetwork.Exec(net.A, "python3", Script, "http-client", Server(net, ipv6), port.ToString());
        server.WaitForExit(10_000);
    }

    /// <summary>SYN to a port nobody listens on: B answers RST/ACK (connection refused).</summary>
    public static void TcpRefused(TestNetwork net, bool ipv6 = false, int port = TcpRefusedPort) =>
        TestNetwork.Exec(net.A, "python3", Script, "tcp-refused", Server(net, ipv6), port.ToString());

    /// <summary>An established connection that the server ends with RST (close with SO_LINGER 0) after part of an answer.</summary>
    public static void TcpResetMidConnection(TestNetwork net, bool ipv6 = false, int port = TcpResetPort)
    {
        var server = net.StartServer(net.B, "python3", Script, "tcp-abort-server", port.ToString());
        TestNetwork.Exec(net.A, "python3", Script, "tcp-abort-client", Server(net, ipv6), port.ToString());
        server.WaitForExit(10_000);
    }

    /// <summary>
    /// TCP simultaneous open between fixed ports, both SYNs crossing: B's SYN is held in an htb
    /// queue on B's veth0 while A's SYN reaches B (traffic.py tcp-simopen explains how). Runs
    /// from the root namespace with sockets made inside A and B. Leaves permanent neighbour
    /// entries behind and a 60-byte filler frame (ethertype 0x88b5) in A's capture.
    /// </summary>
    public static void TcpSimultaneousOpen(TestNetwork net, bool ipv6 = false, int portA = SimOpenPortA, int portB = SimOpenPortB) =>
        Shell.Check("python3", Script, "tcp-simopen", net.A, net.B, ipv6 ? net.A6 : net.A4, Server(net, ipv6), portA.ToString(), portB.ToString());

    /// <summary>
    /// A SYN that gets no answer: B drops it in a raw-priority prerouting chain (before B's own
    /// conntrack); A gives up after 0.5 s, before its first retransmission, so A's entry stays in
    /// SYN_SENT until it expires.
    /// </summary>
    public static void TcpHalfOpen(TestNetwork net, bool ipv6 = false, int port = TcpHalfOpenPort)
    {
        TestNetwork.Nft(net.B,
            "table inet ctparity_drop {\n" +
            $"  chain pre {{ type filter hook prerouting priority raw; tcp dport {port} drop; }}\n" +
            "}\n");
        TestNetwork.Exec(net.A, "python3", Script, "tcp-syn", Server(net, ipv6), port.ToString(), "0.5");
    }

    /// <summary>One UDP request and its answer (traffic.py udp-client/udp-server).</summary>
    public static void UdpRequestResponse(TestNetwork net, bool ipv6 = false, int port = UdpPort, int count = 1) =>
        net.Udp(Server(net, ipv6), port, count);

    /// <summary>Datagrams to a listener that never answers: the entry stays [UNREPLIED].</summary>
    public static void UdpOneWay(TestNetwork net, bool ipv6 = false, int port = UdpOneWayPort, int count = 3)
    {
        var sink = net.StartServer(net.B, "python3", Script, "udp-sink", port.ToString(), count.ToString());
        TestNetwork.Exec(net.A, "python3", Script, "udp-send", Server(net, ipv6), port.ToString(), count.ToString());
        sink.WaitForExit(10_000);
    }

    /// <summary>ICMP or ICMPv6 echo request and reply.</summary>
    public static void IcmpEcho(TestNetwork net, bool ipv6 = false, int count = 1) => net.Ping(Server(net, ipv6), count);

    /// <summary>
    /// One datagram to a closed port: B answers ICMP port unreachable (ICMPv6 destination
    /// unreachable, code 4), which A's conntrack takes as RELATED to the UDP entry, so no entry of its own.
    /// </summary>
    public static void UdpPortUnreachable(TestNetwork net, bool ipv6 = false, int port = UdpUnreachablePort) =>
        TestNetwork.Exec(net.A, "python3", Script, "udp-send", Server(net, ipv6), port.ToString(), "1");

    /// <summary>
    /// An SCTP association. With SCTP sockets (traffic.py sctp-server/sctp-client) when the kernel
    /// makes them; otherwise in raw IPPROTO_SCTP packets from one process (traffic.py sctp-assoc),
    /// which this 6.18 kernel (conntrack's SCTP tracker built in, no SCTP sockets) needs.
    /// Returns "sockets" or "raw".
    /// </summary>
    public static string SctpAssociation(TestNetwork net, bool ipv6 = false, int portA = SctpPortA, int portB = SctpPortB)
    {
        if (TestNetwork.Try(net.A, "python3", Script, "sctp-available").ExitCode == 0)
        {
            var server = net.StartServer(net.B, "python3", Script, "sctp-server", portB.ToString());
            TestNetwork.Exec(net.A, "python3", Script, "sctp-client", Server(net, ipv6), portB.ToString());
            server.WaitForExit(10_000);
            return "sockets";
        }
        Shell.Check("python3", Script, "sctp-assoc", net.A, net.B, ipv6 ? net.A6 : net.A4, Server(net, ipv6), portA.ToString(), portB.ToString());
        return "raw";
    }

    /// <summary>
    /// GRE version 0 packets from A to B, each answered: conntrack tracks them as gre with keys 0
    /// (nf_conntrack_proto_gre treats non-PPTP GRE like the generic tracker). Raw IPPROTO_GRE
    /// sockets, as this kernel has no GRE tunnel devices (and so no GRE handler that would answer
    /// with ICMP); on a kernel with ip_gre the scenario needs a tunnel instead.
    /// </summary>
    public static void GreExchange(TestNetwork net, int count = 2) =>
        Shell.Check("python3", Script, "gre-exchange", net.A, net.B, net.A4, net.B4, count.ToString());

    /// <summary>
    /// A UDP exchange in conntrack zone <see cref="Zone"/>: A sets the zone in raw-priority
    /// prerouting and output chains (before conntrack looks the packet up) for that port only.
    /// </summary>
    public static void ZonedUdp(TestNetwork net, bool ipv6 = false, int port = ZonePort, ushort zone = Zone)
    {
        TestNetwork.Nft(net.A,
            "table inet ctparity_zone {\n" +
            $"  chain pre {{ type filter hook prerouting priority raw; udp sport {port} ct zone set {zone}; }}\n" +
            $"  chain out {{ type filter hook output priority raw; udp dport {port} ct zone set {zone}; }}\n" +
            "}\n");
        net.Udp(Server(net, ipv6), port);
    }

    /// <summary>
    /// A TCP exchange on a port that A does not track: `notrack` in raw-priority prerouting and
    /// output chains, so the capture has the packets and conntrack has no event for them.
    /// </summary>
    public static void NotrackTcp(TestNetwork net, bool ipv6 = false, int port = NotrackPort)
    {
        TestNetwork.Nft(net.A,
            "table inet ctparity_notrack {\n" +
            $"  chain pre {{ type filter hook prerouting priority raw; tcp sport {port} notrack; }}\n" +
            $"  chain out {{ type filter hook output priority raw; tcp dport {port} notrack; }}\n" +
            "}\n");
        net.Tcp(Server(net, ipv6), port);
    }

    /// <summary>
    /// A TFTP read request under A's `ct helper set "tftp"` (output chain, udp dport 69): the helper
    /// expects B's answer from any port to the client's port. B only receives (nobody answers),
    /// so the expectation dies with its master. Record with Expectations = true.
    /// </summary>
    public static void TftpReadRequest(TestNetwork net, bool ipv6 = false)
    {
        TestNetwork.Nft(net.A,
            "table inet ctparity_tftp {\n" +
            "  ct helper tftp-standard { type \"tftp\" protocol udp; }\n" +
            $"  chain out {{ type filter hook output priority filter; udp dport {TftpPort} ct helper set \"tftp-standard\"; }}\n" +
            "}\n");
        var sink = net.StartServer(net.B, "python3", Script, "udp-sink", TftpPort.ToString(), "1");
        TestNetwork.Exec(net.A, "python3", Script, "tftp-read", Server(net, ipv6));
        sink.WaitForExit(10_000);
    }
}
