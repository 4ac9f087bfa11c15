using ConntrackTools.Engine;

namespace ConntrackTools.Tests.Helpers;

/// <summary>
/// Raw IP packets (link type Raw) for the H.323 helper tests: UDP datagrams and TCP connections
/// with real sequence numbers, fed to an engine as they are made and kept for a pcap.
/// </summary>
internal sealed class H323TestKit
{
    public const long S = 1_000_000_000;
    private long _now = 1_700_000_000L * S;

    public H323TestKit(EngineSettings? settings = null, params string[] rules)
    {
        settings ??= new EngineSettings();
        foreach (var r in rules) settings.Rules.Add(EngineRule.Parse(r));
        Engine = new ConntrackEngine("h323", settings);
        Engine.Subscribe(Events.Add);
        Engine.SubscribeExpectations(ExpectationEvents.Add);
    }

    public ConntrackEngine Engine { get; }
    public List<CtEvent> Events { get; } = [];
    public List<CtExpectationEvent> ExpectationEvents { get; } = [];
    public List<(byte[] Data, long TimestampNs)> Frames { get; } = [];

    /// <summary>The expectations alive now, as "proto src:sport -> dst:dport" (sport * for any), oldest first.</summary>
    public List<string> Expected() => [.. Engine.SnapshotExpectations().Select(Describe)];

    public static string Describe(CtExpectation e) =>
        $"{e.Tuple.Protocol.ToString().ToLowerInvariant()} {(e.WildcardSource ? "*" : e.Tuple.Source)}:{(e.WildcardSourcePort ? "*" : e.Tuple.SourcePort)}" +
        $" -> {e.Tuple.Destination}:{e.Tuple.DestinationPort}";

    public void Advance(long seconds)
    {
        _now += seconds * S;
        Engine.Advance(_now);
    }

    /// <summary>Feeds one IP packet.</summary>
    public void Feed(byte[] ip)
    {
        _now += S / 1000;
        Frames.Add((ip, _now));
        Engine.Process(LinkType.Raw, ip, ip.Length, _now);
    }

    public void Udp(string src, ushort sport, string dst, ushort dport, byte[] payload) => Feed(Ip.Udp(src, sport, dst, dport, payload));

    /// <summary>A TCP connection between a client and a server, opened with the three-way handshake.</summary>
    public H323TcpFlow Tcp(string client, ushort clientPort, string server, ushort serverPort) => new(this, client, clientPort, server, serverPort);

    /// <summary>A pcap (link type Raw) of every packet fed, for tshark.</summary>
    public void WritePcap(string path)
    {
        using var w = new PcapWriter(path, LinkType.Raw);
        foreach (var (data, ts) in Frames) w.Write(ts, data);
    }
}

/// <summary>One TCP connection of an <see cref="H323TestKit"/>: segments each way with consistent sequence numbers.</summary>
internal sealed class H323TcpFlow
{
    private const byte Fin = 0x01, Syn = 0x02, Psh = 0x08, Ack = 0x10;
    private readonly H323TestKit _kit;
    private readonly string _client, _server;
    private readonly ushort _clientPort, _serverPort;
    private uint _clientSeq = 1000, _serverSeq = 50000;

    public H323TcpFlow(H323TestKit kit, string client, ushort clientPort, string server, ushort serverPort)
    {
        (_kit, _client, _clientPort, _server, _serverPort) = (kit, client, clientPort, server, serverPort);
        Segment(false, Syn, []);
        _clientSeq++;
        Segment(true, Syn | Ack, []);
        _serverSeq++;
        Segment(false, Ack, []);
    }

    /// <summary>Data from the client (or from the server when <paramref name="fromServer"/>).</summary>
    public H323TcpFlow Send(bool fromServer, byte[] payload)
    {
        Segment(fromServer, Psh | Ack, payload);
        if (fromServer) _serverSeq += (uint)payload.Length;
        else _clientSeq += (uint)payload.Length;
        return this;
    }

    public H323TcpFlow Client(byte[] payload) => Send(false, payload);
    public H323TcpFlow Server(byte[] payload) => Send(true, payload);

    /// <summary>A pure ACK from one side.</summary>
    public H323TcpFlow AckFrom(bool fromServer)
    {
        Segment(fromServer, Ack, []);
        return this;
    }

    public void Close()
    {
        Segment(false, Fin | Ack, []);
        _clientSeq++;
        Segment(true, Fin | Ack, []);
        _serverSeq++;
        Segment(false, Ack, []);
    }

    private void Segment(bool fromServer, byte flags, byte[] payload)
    {
        var ack = (flags & Ack) != 0 ? (fromServer ? _clientSeq : _serverSeq) : 0;
        _kit.Feed(fromServer
            ? Ip.Tcp(_server, _serverPort, _client, _clientPort, _serverSeq, ack, flags, payload)
            : Ip.Tcp(_client, _clientPort, _server, _serverPort, _clientSeq, ack, flags, payload));
    }
}
