using System.Buffers.Binary;
using ConntrackTools.Engine;
using ConntrackTools.Tests.Engine;

namespace ConntrackTools.Tests.Helpers;

/// <summary>PPTP control messages (RFC 2637) and enhanced GRE packets, as bytes.</summary>
internal static class PptpPackets
{
    public const ushort StartSessionRequest = 1, StartSessionReply = 2, StopSessionRequest = 3, StopSessionReply = 4,
        EchoRequest = 5, EchoReply = 6, OutCallRequest = 7, OutCallReply = 8, InCallRequest = 9, InCallReply = 10,
        InCallConnect = 11, CallClearRequest = 12, CallDisconnectNotify = 13, WanErrorNotify = 14, SetLinkInfo = 15;

    /// <summary>The size of each message's body (the kernel's struct), by type.</summary>
    public static readonly int[] BodySize = [0, 144, 144, 4, 4, 4, 8, 156, 20, 208, 12, 16, 4, 136, 28, 12];

    /// <summary>A control packet: pptp_pkt_hdr (length, type 1, magic cookie), control header, body.</summary>
    public static byte[] Control(ushort type, byte[] body, ushort packetType = 1, uint cookie = 0x1a2b3c4d)
    {
        var bytes = new byte[12 + body.Length];
        BinaryPrimitives.WriteUInt16BigEndian(bytes, (ushort)bytes.Length);
        BinaryPrimitives.WriteUInt16BigEndian(bytes.AsSpan(2), packetType);
        BinaryPrimitives.WriteUInt32BigEndian(bytes.AsSpan(4), cookie);
        BinaryPrimitives.WriteUInt16BigEndian(bytes.AsSpan(8), type);
        body.CopyTo(bytes, 12);
        return bytes;
    }

    /// <summary>A message of its full size: the call id, the peer's call id and a result code at the offsets the type has them.</summary>
    public static byte[] Message(ushort type, ushort callId = 0, ushort peerCallId = 0, byte result = 1, int? length = null)
    {
        var body = new byte[length ?? BodySize[type]];
        void U16(int at, ushort v) { if (at + 2 <= body.Length) BinaryPrimitives.WriteUInt16BigEndian(body.AsSpan(at), v); }
        void U8(int at, byte v) { if (at < body.Length) body[at] = v; }
        switch (type)
        {
            case StartSessionRequest: U16(0, 0x0100); break;
            case StartSessionReply: U16(0, 0x0100); U8(2, result); break;
            case StopSessionReply: U8(0, result); break;
            case OutCallRequest: U16(0, callId); U16(2, 1); break;
            case OutCallReply: U16(0, callId); U16(2, peerCallId); U8(4, result); break;
            case InCallRequest: U16(0, callId); U16(2, 1); break;
            case InCallReply: U16(0, callId); U16(2, peerCallId); U8(4, result); break;
            case InCallConnect: U16(0, peerCallId); break;
            case CallClearRequest: U16(0, callId); break;
            case CallDisconnectNotify: U16(0, callId); U8(2, result); break;
            case WanErrorNotify: U16(0, peerCallId); break;
            case SetLinkInfo: U16(0, peerCallId); break;
        }
        return Control(type, body);
    }

    /// <summary>An enhanced GRE (version 1) header with the key bit, PPP, and the receiver's call id; then a payload.</summary>
    public static byte[] Gre(ushort callId, int payload = 4, ushort flagsVersion = 0x2001, ushort protocol = 0x880B)
    {
        var bytes = new byte[8 + payload];
        BinaryPrimitives.WriteUInt16BigEndian(bytes, flagsVersion);
        BinaryPrimitives.WriteUInt16BigEndian(bytes.AsSpan(2), protocol);
        BinaryPrimitives.WriteUInt16BigEndian(bytes.AsSpan(4), (ushort)payload);
        BinaryPrimitives.WriteUInt16BigEndian(bytes.AsSpan(6), callId);
        return bytes;
    }
}

/// <summary>
/// A PNS (client) and a PAC (server) talking through an engine: a TCP control connection to 1723
/// whose segments carry what the test sends, and GRE both ways. The engine gets the nft-like rule
/// that assigns the pptp helper; the events and expectation events are collected.
/// </summary>
internal sealed class PptpSession
{
    public const long S = 1_000_000_000;
    private const byte Syn = 0x02, Ack = 0x10, Psh = 0x08, Rst = 0x04;

    private uint _clientSeq = 1000, _serverSeq = 5000;

    public PptpSession(string client = "10.7.0.1", string server = "10.7.0.2", ushort clientPort = 40000, EngineSettings? settings = null)
    {
        Client = client;
        Server = server;
        ClientPort = clientPort;
        settings ??= new EngineSettings();
        settings.Rules.Add(EngineRule.Parse("tcp dport 1723 ct helper set pptp"));
        Engine = new ConntrackEngine("pptp", settings);
        Engine.Subscribe(Events.Add);
        Engine.SubscribeExpectations(ExpectationEvents.Add);
    }

    /// <summary>A second control connection through the same engine (and the same clock).</summary>
    public PptpSession(PptpSession other, ushort clientPort)
    {
        Client = other.Client;
        Server = other.Server;
        ClientPort = clientPort;
        Engine = other.Engine;
        Events = other.Events;
        ExpectationEvents = other.ExpectationEvents;
        _clock = other._clock;
    }

    public string Client { get; }
    public string Server { get; }
    public ushort ClientPort { get; }
    public ConntrackEngine Engine { get; }
    public List<CtEvent> Events { get; } = [];
    public List<CtExpectationEvent> ExpectationEvents { get; } = [];

    private readonly long[] _clock = [1_700_000_000 * S];

    public long Now => _clock[0];

    public void Raw(string source, string destination, byte protocol, byte[] l4)
    {
        var ip = source.Contains(':') ? TestFrames.Ipv6(source, destination, protocol, l4).Bytes : TestFrames.Ipv4(source, destination, protocol, l4).Bytes;
        _clock[0] += S / 1000;
        Engine.Process(LinkType.Raw, ip, ip.Length, Now);
    }

    public void Wait(long ns) => Engine.Advance(_clock[0] += ns);

    public PptpSession Handshake()
    {
        Raw(Client, Server, 6, Ip.TcpSegment(ClientPort, 1723, _clientSeq++, 0, Syn, []));
        Raw(Server, Client, 6, Ip.TcpSegment(1723, ClientPort, _serverSeq++, _clientSeq, Syn | Ack, []));
        Raw(Client, Server, 6, Ip.TcpSegment(ClientPort, 1723, _clientSeq, _serverSeq, Ack, []));
        return this;
    }

    /// <summary>A segment from the PNS (client) with this payload.</summary>
    public PptpSession FromClient(byte[] payload)
    {
        Raw(Client, Server, 6, Ip.TcpSegment(ClientPort, 1723, _clientSeq, _serverSeq, Psh | Ack, payload));
        _clientSeq += (uint)payload.Length;
        return this;
    }

    /// <summary>A segment from the PAC (server) with this payload.</summary>
    public PptpSession FromServer(byte[] payload)
    {
        Raw(Server, Client, 6, Ip.TcpSegment(1723, ClientPort, _serverSeq, _clientSeq, Psh | Ack, payload));
        _serverSeq += (uint)payload.Length;
        return this;
    }

    /// <summary>The client resets the control connection (the entry then lives out the CLOSE timeout).</summary>
    public void Reset() => Raw(Client, Server, 6, Ip.TcpSegment(ClientPort, 1723, _clientSeq, _serverSeq, Rst | Ack, []));

    /// <summary>Start-Control-Connection-Request and its Reply.</summary>
    public PptpSession StartSession(byte result = 1) =>
        FromClient(PptpPackets.Message(PptpPackets.StartSessionRequest)).FromServer(PptpPackets.Message(PptpPackets.StartSessionReply, result: result));

    /// <summary>Outgoing-Call-Request (PNS call id) and its Reply (PAC call id).</summary>
    public PptpSession OutgoingCall(ushort pnsCallId, ushort pacCallId, byte result = 1) =>
        FromClient(PptpPackets.Message(PptpPackets.OutCallRequest, pnsCallId))
        .FromServer(PptpPackets.Message(PptpPackets.OutCallReply, pacCallId, pnsCallId, result));

    /// <summary>A GRE packet from the PNS to the PAC carries the PAC's call id.</summary>
    public void GreToServer(ushort pacCallId) => Raw(Client, Server, 47, PptpPackets.Gre(pacCallId));

    /// <summary>A GRE packet from the PAC to the PNS carries the PNS's call id.</summary>
    public void GreToClient(ushort pnsCallId) => Raw(Server, Client, 47, PptpPackets.Gre(pnsCallId));

    public List<CtExpectation> Expectations => Engine.SnapshotExpectations();

    public List<CtConnection> Gre => [.. Engine.Snapshot().Where(c => c.Protocol == CtProtocol.Gre)];

    public CtConnection Control => Engine.Snapshot().Single(c => c.Protocol == CtProtocol.Tcp);
}
