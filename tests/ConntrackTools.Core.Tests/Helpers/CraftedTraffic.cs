using ConntrackTools.Engine;

namespace ConntrackTools.Tests.Helpers;

/// <summary>
/// Crafted traffic for the helpers' unit tests: raw IP packets (LINKTYPE_RAW) fed straight into an
/// engine, a millisecond apart, with its connection and expectation events collected.
/// </summary>
public sealed class CraftedTraffic
{
    public const long Second = 1_000_000_000;

    public ConntrackEngine Engine { get; }
    public List<CtEvent> Events { get; } = [];
    public List<CtExpectationEvent> ExpectationEvents { get; } = [];
    public long Now { get; private set; } = 1_700_000_000L * Second;

    public CraftedTraffic(IReadOnlyDictionary<string, long>? options, params string[] rules)
    {
        var settings = new EngineSettings();
        foreach (var (name, value) in options ?? new Dictionary<string, long>()) settings.Set(name, value);
        foreach (var r in rules) settings.Rules.Add(EngineRule.Parse(r));
        Engine = new ConntrackEngine("crafted", settings);
        Engine.Subscribe(Events.Add);
        Engine.SubscribeExpectations(ExpectationEvents.Add);
    }

    public CraftedTraffic(params string[] rules) : this(null, rules) { }

    /// <summary>The expectations alive now.</summary>
    public List<CtExpectation> Expectations => Engine.SnapshotExpectations();

    /// <summary>Feeds one IP packet.</summary>
    public void Send(byte[] packet)
    {
        Now += Second / 1000;
        Engine.Process(LinkType.Raw, packet, packet.Length, Now);
    }

    /// <summary>Lets time pass (timers run).</summary>
    public void Advance(double seconds)
    {
        Now += (long)(seconds * Second);
        Engine.Advance(Now);
    }

    /// <summary>A UDP datagram from src:sport to dst:dport.</summary>
    public void Udp(string src, ushort sport, string dst, ushort dport, byte[] payload) => Send(Ip.Udp(src, sport, dst, dport, payload));

    /// <summary>ASCII bytes with C escapes already resolved by the caller ("\u0001" for \1).</summary>
    public static byte[] Text(string s) => [.. s.Select(c => (byte)c)];
}

/// <summary>A TCP connection between two endpoints of a <see cref="CraftedTraffic"/>, with right sequence numbers.</summary>
public sealed class CraftedTcp(CraftedTraffic traffic, string client, ushort clientPort, string server, ushort serverPort)
{
    private const byte Fin = Ip.Fin, Syn = Ip.Syn, Psh = Ip.Psh, Ack = Ip.Ack;
    private uint _clientSeq = 1000, _serverSeq = 900_000;

    /// <summary>The three-way handshake.</summary>
    public CraftedTcp Open()
    {
        Segment(false, Syn, []);
        _clientSeq++;
        Segment(true, Syn | Ack, []);
        _serverSeq++;
        Segment(false, Ack, []);
        return this;
    }

    /// <summary>Data from the client, acknowledged by the server.</summary>
    public void FromClient(byte[] data)
    {
        Segment(false, Psh | Ack, data);
        _clientSeq += (uint)data.Length;
        Segment(true, Ack, []);
    }

    /// <summary>Data from the server, acknowledged by the client.</summary>
    public void FromServer(byte[] data)
    {
        Segment(true, Psh | Ack, data);
        _serverSeq += (uint)data.Length;
        Segment(false, Ack, []);
    }

    public void FromClient(string text) => FromClient(CraftedTraffic.Text(text));

    /// <summary>FIN from the client, FIN/ACK from the server, last ACK.</summary>
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
        traffic.Send(fromServer
            ? Ip.Tcp(server, serverPort, client, clientPort, _serverSeq, ack, flags, payload)
            : Ip.Tcp(client, clientPort, server, serverPort, _clientSeq, ack, flags, payload));
    }
}
