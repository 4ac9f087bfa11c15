using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;

namespace ConntrackTools.Tests;

/// <summary>
/// A small ASN.1 PER (aligned, X.691) writer: bits, octet alignment, constrained whole numbers,
/// length determinants, open types, choice indexes and extension additions. Enough to write the
/// H.225 and H.245 messages the H.323 helpers read, field by field from the ASN.1 definitions.
/// </summary>
public sealed class PerWriter
{
    private readonly List<byte> _buf = [];
    private int _bits;

    public int BitLength => _bits;

    public PerWriter Bit(bool value)
    {
        if (_bits % 8 == 0) _buf.Add(0);
        if (value) _buf[^1] |= (byte)(0x80 >> (_bits % 8));
        _bits++;
        return this;
    }

    /// <summary>The <paramref name="count"/> low bits of <paramref name="value"/>, most significant first.</summary>
    public PerWriter Bits(ulong value, int count)
    {
        for (var i = count - 1; i >= 0; i--) Bit(((value >> i) & 1) != 0);
        return this;
    }

    public PerWriter Align()
    {
        _bits = (_bits + 7) / 8 * 8;
        return this;
    }

    /// <summary>Octets, aligned first.</summary>
    public PerWriter Octets(ReadOnlySpan<byte> bytes)
    {
        Align();
        foreach (var b in bytes)
        {
            _buf.Add(b);
            _bits += 8;
        }
        return this;
    }

    public PerWriter Octet(int value) => Octets([(byte)value]);

    public PerWriter UInt16(int value) => Octets([(byte)(value >> 8), (byte)value]);

    /// <summary>A length determinant (aligned): one octet below 128, two below 16384.</summary>
    public PerWriter Length(int n)
    {
        if (n < 128) return Octet(n);
        if (n < 16384) return Octets([(byte)(0x80 | (n >> 8)), (byte)n]);
        throw new ArgumentOutOfRangeException(nameof(n), "fragmented lengths are not written");
    }

    /// <summary>The bits a constrained whole number of this many values takes as a bit-field.</summary>
    public static int BitsFor(long range)
    {
        var n = 0;
        while ((1L << n) < range) n++;
        return n;
    }

    /// <summary>A constrained whole number: a bit-field up to 255 values, one octet for 256, two up to 64K, else 1-4 octets after a 2-bit length.</summary>
    public PerWriter Constrained(long value, long lb, long ub)
    {
        var range = ub - lb + 1;
        var v = value - lb;
        if (range <= 255) return Bits((ulong)v, BitsFor(range));
        if (range == 256) return Octet((int)v);
        if (range <= 65536) return UInt16((int)v);
        var octets = v < 0x100 ? 1 : v < 0x10000 ? 2 : v < 0x1000000 ? 3 : 4;
        Bits((ulong)(octets - 1), 2);
        Align();
        for (var i = octets - 1; i >= 0; i--) Octet((int)(v >> (8 * i)) & 0xff);
        return this;
    }

    /// <summary>A normally small non-negative whole number (up to 63).</summary>
    public PerWriter NormallySmall(int n) => Bit(false).Bits((ulong)n, 6);

    /// <summary>An open type: the inner encoding as an octet string (one zero octet when empty).</summary>
    public PerWriter Open(Action<PerWriter> inner)
    {
        var w = new PerWriter();
        inner(w);
        var bytes = w.ToArray();
        if (bytes.Length == 0) bytes = [0];
        Length(bytes.Length);
        return Octets(bytes);
    }

    /// <summary>A choice's index: root alternatives as a bit-field (after the extension bit when extensible), others as an extension.</summary>
    public PerWriter Choice(int index, int rootCount, bool extensible, Action<PerWriter>? alternative = null)
    {
        if (extensible && index >= rootCount)
        {
            Bit(true).NormallySmall(index - rootCount);
            return Open(w => alternative?.Invoke(w));
        }
        if (extensible) Bit(false);
        Bits((ulong)index, BitsFor(rootCount));
        alternative?.Invoke(this);
        return this;
    }

    /// <summary>Extension additions: their count, presence bitmap, then each present one as an open type.</summary>
    public PerWriter Extensions(params Action<PerWriter>?[] additions)
    {
        NormallySmall(additions.Length - 1);
        foreach (var a in additions) Bit(a is not null);
        foreach (var a in additions)
            if (a is not null) Open(a);
        return this;
    }

    /// <summary>An OBJECT IDENTIFIER: length and BER contents.</summary>
    public PerWriter ObjectIdentifier(params byte[] ber) => Length(ber.Length).Octets(ber);

    public byte[] ToArray() => [.. _buf];
}

/// <summary>
/// H.225 (RAS, Q.931 user-user information) and H.245 messages written with <see cref="PerWriter"/>
/// from the ASN.1 of H.225.0 v4 and H.245: only the mandatory fields and those the helpers read.
/// </summary>
public static class H323Messages
{
    /// <summary>H.225.0 version 4: {itu-t(0) recommendation(0) h(8) 2250 version(0) 4}.</summary>
    private static readonly byte[] H225Version4 = [0x00, 0x08, 0x91, 0x4a, 0x00, 0x04];

    public static readonly byte[] ConferenceId = Convert.FromHexString("00112233445566778899aabbccddeeff");
    public static readonly byte[] CallId = Convert.FromHexString("0f1e2d3c4b5a69788796a5b4c3d2e1f0");

    /// <summary>H.225 TransportAddress: ipAddress (IPv4) or ip6Address.</summary>
    public static void TransportAddress(PerWriter w, IPAddress ip, int port)
    {
        if (ip.AddressFamily == AddressFamily.InterNetwork)
            w.Choice(0, 7, true, a => a.Octets(ip.GetAddressBytes()).UInt16(port));
        else
            w.Choice(3, 7, true, a => a.Bit(false).Octets(ip.GetAddressBytes()).UInt16(port));
    }

    /// <summary>H.245 TransportAddress: unicastAddress iPAddress or iP6Address.</summary>
    public static void H245Address(PerWriter w, IPAddress ip, int port) =>
        w.Choice(0, 2, true, u => u.Choice(ip.AddressFamily == AddressFamily.InterNetwork ? 0 : 2, 5, true,
            a => a.Bit(false).Octets(ip.GetAddressBytes()).UInt16(port)));

    /// <summary>EndpointType: a terminal, nothing else.</summary>
    private static void EndpointType(PerWriter w) =>
        w.Bit(false).Bits(0b000001, 6).Bit(false).Bits(0, 1) // terminal present: TerminalInfo {}, no extension
            .Bit(false).Bit(false); // mc, undefinedNode

    private static void VendorIdentifier(PerWriter w) => w.Bit(false).Bits(0, 2).Bit(false).Octet(0xb5).Octet(0).UInt16(0x1234);

    private static void CallIdentifier(PerWriter w) => w.Bit(false).Octets(CallId);

    /// <summary>SEQUENCE OF OCTET STRING (fastStart, h245Control): encoded messages, each with its length.</summary>
    private static void OctetStrings(PerWriter w, byte[][] items)
    {
        w.Length(items.Length);
        foreach (var o in items) w.Length(o.Length).Octets(o);
    }

    /// <summary>Setup-UUIE.</summary>
    public static Action<PerWriter> Setup((IPAddress Ip, int Port)? h245 = null, byte[][]? fastStart = null, (IPAddress Ip, int Port)? destCallSignal = null) => w =>
    {
        w.Bit(true).Bit(h245 is not null).Bit(false).Bit(false).Bit(destCallSignal is not null).Bits(0, 3);
        w.ObjectIdentifier(H225Version4);
        if (h245 is { } h) TransportAddress(w, h.Ip, h.Port);
        EndpointType(w);
        if (destCallSignal is { } d) TransportAddress(w, d.Ip, d.Port);
        w.Bit(false).Octets(ConferenceId); // activeMC, conferenceID
        w.Choice(0, 3, true); // conferenceGoal create
        w.Choice(0, 4, true); // callType pointToPoint
        // sourceCallSignalAddress, remoteExtensionAddress, callIdentifier, h245SecurityCapability, tokens,
        // cryptoTokens, fastStart, mediaWaitForConnect, canOverlapSend
        w.Extensions(null, null, CallIdentifier, null, null, null, fastStart is null ? null : f => OctetStrings(f, fastStart),
            f => f.Bit(false), f => f.Bit(false));
    };

    /// <summary>CallProceeding-UUIE (or Alerting-UUIE, which starts alike).</summary>
    public static Action<PerWriter> CallProceeding((IPAddress Ip, int Port)? h245 = null, byte[][]? fastStart = null) => w =>
    {
        w.Bit(true).Bit(h245 is not null);
        w.ObjectIdentifier(H225Version4);
        EndpointType(w);
        if (h245 is { } h) TransportAddress(w, h.Ip, h.Port);
        // callIdentifier, h245SecurityMode, tokens, cryptoTokens, fastStart
        w.Extensions(CallIdentifier, null, null, null, fastStart is null ? null : f => OctetStrings(f, fastStart));
    };

    /// <summary>Progress-UUIE (an extension alternative of the message body): everything up to fastStart is in its root.</summary>
    public static Action<PerWriter> Progress((IPAddress Ip, int Port)? h245 = null, byte[][]? fastStart = null) => w =>
    {
        w.Bit(false).Bit(h245 is not null).Bits(0, 3).Bit(fastStart is not null);
        w.ObjectIdentifier(H225Version4);
        EndpointType(w);
        if (h245 is { } h) TransportAddress(w, h.Ip, h.Port);
        CallIdentifier(w);
        if (fastStart is not null) OctetStrings(w, fastStart);
    };

    /// <summary>Connect-UUIE.</summary>
    public static Action<PerWriter> Connect((IPAddress Ip, int Port)? h245 = null, byte[][]? fastStart = null) => w =>
    {
        w.Bit(true).Bit(h245 is not null);
        w.ObjectIdentifier(H225Version4);
        if (h245 is { } h) TransportAddress(w, h.Ip, h.Port);
        EndpointType(w);
        w.Octets(ConferenceId);
        // callIdentifier, h245SecurityMode, tokens, cryptoTokens, fastStart, multipleCalls, maintainConnection
        w.Extensions(CallIdentifier, null, null, null, fastStart is null ? null : f => OctetStrings(f, fastStart), f => f.Bit(false), f => f.Bit(false));
    };

    /// <summary>Facility-UUIE; reason 1 is callForwarded, 5 startH245 (an extension alternative).</summary>
    public static Action<PerWriter> Facility(int reason, (IPAddress Ip, int Port)? alternative = null, (IPAddress Ip, int Port)? h245 = null) => w =>
    {
        w.Bit(true).Bit(alternative is not null).Bit(false).Bit(true);
        w.ObjectIdentifier(H225Version4);
        if (alternative is { } a) TransportAddress(w, a.Ip, a.Port);
        w.Octets(ConferenceId);
        w.Choice(reason, 4, true);
        // callIdentifier, destExtraCallInfo, remoteExtensionAddress, tokens, cryptoTokens, conferences, h245Address
        w.Extensions(CallIdentifier, null, null, null, null, null, h245 is null ? null : f => TransportAddress(f, h245.Value.Ip, h245.Value.Port));
    };

    /// <summary>H323-UserInformation with the message body (index into h323-message-body) and tunnelled H.245 messages.</summary>
    public static byte[] UserInformation(int bodyIndex, Action<PerWriter> body, byte[][]? h245Control = null)
    {
        var w = new PerWriter();
        w.Bit(false).Bit(false); // no extension, no user-data
        w.Bit(true).Bit(false); // H323-UU-PDU: extensions, no nonStandardData
        w.Choice(bodyIndex, 7, true, body);
        // h4501SupplementaryService, h245Tunneling, h245Control
        w.Extensions(null, f => f.Bit(h245Control is not null), h245Control is null ? null : f => OctetStrings(f, h245Control));
        return w.ToArray();
    }

    public const int SetupBody = 0, CallProceedingBody = 1, ConnectBody = 2, AlertingBody = 3, FacilityBody = 6, ProgressBody = 7;
    public const byte Q931Setup = 0x05, Q931CallProceeding = 0x02, Q931Alerting = 0x01, Q931Connect = 0x07, Q931Facility = 0x62, Q931Progress = 0x03;

    /// <summary>A Q.931 message (call reference 2 bytes) whose user-user element carries the H.225 user information.</summary>
    public static byte[] Q931(byte messageType, byte[] userInformation, bool fromDestination = false, int callReference = 0x1234)
    {
        var b = new List<byte> { 0x08, 0x02, (byte)((fromDestination ? 0x80 : 0) | ((callReference >> 8) & 0x7f)), (byte)callReference, messageType };
        if (messageType == Q931Setup) b.AddRange([0x04, 0x03, 0x88, 0x90, 0xa5]); // bearer capability
        var len = userInformation.Length + 1;
        b.AddRange([0x7e, (byte)(len >> 8), (byte)len, 0x05]);
        b.AddRange(userInformation);
        return [.. b];
    }

    /// <summary>A TPKT (RFC 1006) around a message.</summary>
    public static byte[] Tpkt(byte[] message) => [0x03, 0x00, (byte)((message.Length + 4) >> 8), (byte)(message.Length + 4), .. message];

    /// <summary>H2250LogicalChannelParameters with a session and optional media (RTP) and media control (RTCP) addresses.</summary>
    private static void H2250(PerWriter w, int sessionId, (IPAddress Ip, int Port)? media, (IPAddress Ip, int Port)? control)
    {
        w.Bit(false).Bit(false).Bit(false).Bit(media is not null).Bit(false).Bit(control is not null).Bits(0, 5);
        w.Octet(sessionId);
        if (media is { } m) H245Address(w, m.Ip, m.Port);
        if (control is { } c) H245Address(w, c.Ip, c.Port);
    }

    /// <summary>OpenLogicalChannel: G.711 audio over H.225.0 (RTP), or T.120 data on a separate LAN stack at <paramref name="t120"/>.</summary>
    public static byte[] OpenLogicalChannel(int channel, (IPAddress Ip, int Port)? media = null, (IPAddress Ip, int Port)? control = null,
        int sessionId = 1, (IPAddress Ip, int Port)? reverseControl = null, (IPAddress Ip, int Port)? t120 = null) =>
        MultimediaSystemControlMessage(0, 11, 3, w => OpenLogicalChannelBody(w, channel, media, control, sessionId, reverseControl, t120));

    /// <summary>The OpenLogicalChannel sequence alone (a fastStart element).</summary>
    public static byte[] FastStartChannel(int channel, (IPAddress Ip, int Port)? media = null, (IPAddress Ip, int Port)? control = null,
        int sessionId = 1, (IPAddress Ip, int Port)? reverseControl = null, (IPAddress Ip, int Port)? t120 = null)
    {
        var w = new PerWriter();
        OpenLogicalChannelBody(w, channel, media, control, sessionId, reverseControl, t120);
        return w.ToArray();
    }

    private static void OpenLogicalChannelBody(PerWriter w, int channel, (IPAddress Ip, int Port)? media, (IPAddress Ip, int Port)? control,
        int sessionId, (IPAddress Ip, int Port)? reverseControl, (IPAddress Ip, int Port)? t120)
    {
        w.Bit(t120 is not null).Bit(reverseControl is not null); // extensions (separateStack), reverseLogicalChannelParameters
        w.UInt16(channel - 1);
        // forwardLogicalChannelParameters: no extension, no portNumber
        w.Bit(false).Bit(false);
        if (t120 is null) w.Choice(3, 6, true, a => a.Choice(3, 14, true, g => g.Octet(20 - 1))); // audioData g711Ulaw64k 20
        else
            w.Choice(4, 6, true, d => d.Bit(false).Choice(1, 10, true, p => p.Choice(10, 7, true)) // data: t120 separateLANStack
                .Constrained(640, 0, 4294967295)); // maxBitRate
        w.Choice(3, 3, true, h => H2250(h, sessionId, media, control)); // h2250LogicalChannelParameters
        if (reverseControl is not null)
        {
            // reverseLogicalChannelParameters: no extension, multiplexParameters present
            w.Bit(false).Bit(true);
            w.Choice(3, 6, true, a => a.Choice(3, 14, true, g => g.Octet(20 - 1)));
            w.Choice(2, 2, true, h => H2250(h, sessionId, null, reverseControl));
        }
        if (t120 is { } t)
        {
            // separateStack: NetworkAccessParameters { networkAddress localAreaAddress, associateConference }
            w.Extensions(n => n.Bit(false).Bits(0, 2).Choice(2, 3, true, a => H245Address(a, t.Ip, t.Port)).Bit(false));
        }
    }

    /// <summary>OpenLogicalChannelAck with H2250LogicalChannelAckParameters (forwardMultiplexAckParameters).</summary>
    public static byte[] OpenLogicalChannelAck(int channel, (IPAddress Ip, int Port)? media = null, (IPAddress Ip, int Port)? control = null, int sessionId = 1) =>
        MultimediaSystemControlMessage(1, 19, 5, w =>
        {
            w.Bit(true).Bit(false); // extensions, no reverseLogicalChannelParameters
            w.UInt16(channel - 1);
            // separateStack, forwardMultiplexAckParameters
            w.Extensions(null, f => f.Choice(0, 1, true, h =>
            {
                h.Bit(false).Bit(false).Bit(true).Bit(media is not null).Bit(control is not null).Bit(false);
                h.Bits((ulong)(sessionId - 1), 8);
                if (media is { } m) H245Address(h, m.Ip, m.Port);
                if (control is { } c) H245Address(h, c.Ip, c.Port);
            }));
        });

    /// <summary>MultimediaSystemControlMessage: request (0) or response (1), the message's index among the root alternatives, and the message.</summary>
    public static byte[] MultimediaSystemControlMessage(int kind, int rootCount, int index, Action<PerWriter> message)
    {
        var w = new PerWriter();
        w.Choice(kind, 4, true);
        w.Choice(index, rootCount, true, message);
        return w.ToArray();
    }


    // ---- RAS (H.225.0 RasMessage, over UDP) ----

    public const int GatekeeperRequestIndex = 0, GatekeeperConfirmIndex = 1, RegistrationRequestIndex = 3, RegistrationConfirmIndex = 4,
        UnregistrationRequestIndex = 6, UnregistrationConfirmIndex = 7, AdmissionConfirmIndex = 10, LocationConfirmIndex = 19;

    private static byte[] Ras(int index, Action<PerWriter> message)
    {
        var w = new PerWriter();
        w.Choice(index, 24, true, message);
        return w.ToArray();
    }

    private static void Addresses(PerWriter w, (IPAddress Ip, int Port)[] list)
    {
        w.Length(list.Length);
        foreach (var (ip, port) in list) TransportAddress(w, ip, port);
    }

    /// <summary>GatekeeperRequest: where the endpoint takes RAS messages.</summary>
    public static byte[] GatekeeperRequest(int seq, IPAddress ras, int rasPort) => Ras(GatekeeperRequestIndex, w =>
    {
        w.Bit(false).Bits(0, 4).UInt16(seq - 1).ObjectIdentifier(H225Version4);
        TransportAddress(w, ras, rasPort);
        EndpointType(w);
    });

    /// <summary>GatekeeperConfirm: the gatekeeper's RAS address.</summary>
    public static byte[] GatekeeperConfirm(int seq, IPAddress ras, int rasPort) => Ras(GatekeeperConfirmIndex, w =>
    {
        w.Bit(false).Bits(0, 2).UInt16(seq - 1).ObjectIdentifier(H225Version4);
        TransportAddress(w, ras, rasPort);
    });

    /// <summary>
    /// RegistrationRequest: call signalling and RAS addresses, an optional timeToLive; the
    /// mandatory extensions of version 2 (keepAlive, willSupplyUUIEs, maintainConnection) follow
    /// it unless <paramref name="timeToLiveLast"/>.
    /// </summary>
    public static byte[] RegistrationRequest(int seq, (IPAddress Ip, int Port)[] callSignal, (IPAddress Ip, int Port)[] ras, uint? timeToLive = null,
        bool timeToLiveLast = false) => Ras(RegistrationRequestIndex, w =>
    {
        w.Bit(true).Bits(0, 3).UInt16(seq - 1).ObjectIdentifier(H225Version4);
        w.Bit(false); // discoveryComplete
        Addresses(w, callSignal);
        Addresses(w, ras);
        EndpointType(w);
        VendorIdentifier(w);
        Action<PerWriter>? ttl = timeToLive is { } t ? f => f.Constrained(t, 1, 4294967295) : null;
        if (timeToLiveLast) w.Extensions(null, ttl);
        // alternateEndpoints, timeToLive, tokens, cryptoTokens, integrityCheckValue, keepAlive, endpointIdentifier, willSupplyUUIEs, maintainConnection
        else w.Extensions(null, ttl, null, null, null, f => f.Bit(false), null, f => f.Bit(false), f => f.Bit(false));
    });

    /// <summary>RegistrationConfirm: the gatekeeper's call signalling addresses, an optional timeToLive.</summary>
    public static byte[] RegistrationConfirm(int seq, (IPAddress Ip, int Port)[] callSignal, uint? timeToLive = null) => Ras(RegistrationConfirmIndex, w =>
    {
        w.Bit(true).Bits(0, 3).UInt16(seq - 1).ObjectIdentifier(H225Version4);
        Addresses(w, callSignal);
        const string id = "EP1";
        w.Bits((ulong)(id.Length - 1), 7).Octets(Encoding.BigEndianUnicode.GetBytes(id)); // endpointIdentifier
        Action<PerWriter>? ttl = timeToLive is { } t ? f => f.Constrained(t, 1, 4294967295) : null;
        // alternateGatekeeper, timeToLive, tokens, cryptoTokens, integrityCheckValue, willRespondToIRR, preGrantedARQ, maintainConnection
        w.Extensions(null, ttl, null, null, null, f => f.Bit(false), null, f => f.Bit(false));
    });

    /// <summary>UnregistrationRequest.</summary>
    public static byte[] UnregistrationRequest(int seq, (IPAddress Ip, int Port)[] callSignal) => Ras(UnregistrationRequestIndex, w =>
    {
        w.Bit(false).Bits(0, 3).UInt16(seq - 1);
        Addresses(w, callSignal);
    });

    /// <summary>UnregistrationConfirm.</summary>
    public static byte[] UnregistrationConfirm(int seq) => Ras(UnregistrationConfirmIndex, w => w.Bit(false).Bit(false).UInt16(seq - 1));

    /// <summary>AdmissionConfirm: where to place the call.</summary>
    public static byte[] AdmissionConfirm(int seq, IPAddress destination, int port) => Ras(AdmissionConfirmIndex, w =>
    {
        w.Bit(false).Bits(0, 2).UInt16(seq - 1).Constrained(640, 0, 4294967295);
        w.Choice(0, 2, true); // callModel direct
        TransportAddress(w, destination, port);
    });

    /// <summary>LocationConfirm: the call signalling and RAS addresses of the endpoint looked for.</summary>
    public static byte[] LocationConfirm(int seq, IPAddress callSignal, int callSignalPort, IPAddress ras, int rasPort) => Ras(LocationConfirmIndex, w =>
    {
        w.Bit(false).Bit(false).UInt16(seq - 1);
        TransportAddress(w, callSignal, callSignalPort);
        TransportAddress(w, ras, rasPort);
    });

    public static byte[] Hex(string hex) => Convert.FromHexString(hex.Replace(" ", "", StringComparison.Ordinal));
}

/// <summary>
/// The H.323 kernel parity scenario: an endpoint in A registers with a gatekeeper in B over RAS
/// (UDP 1719), places a call over Q.931 (TCP 1720) that B answers with an H.245 address, opens a
/// logical channel over that H.245 connection, and unregisters. A's nft gives the RAS and Q.931
/// connections their helpers (`ct helper set` in the output chain); the rest are expected
/// connections that get their helper from the expectation. Every byte is written by
/// <see cref="H323Messages"/> and played by traffic_h323.py over real sockets.
/// </summary>
public static class H323Scenarios
{
    public const int RasPort = 1719, RegistrationPort = 1718, Q931Port = 1720, LocatedPort = 1721, ForwardPort = 1730, H245Port = 1800, EndpointRasPort = 20000;

    /// <summary>The engine's rules equivalent to the scenario's nft ruleset.</summary>
    public static readonly string[] EngineRules = [$"udp dport {RasPort} ct helper set \"RAS\"", $"tcp dport {Q931Port} ct helper set \"Q.931\""];

    public static string Script => Path.Combine(Path.GetDirectoryName(TestNetwork.TrafficScript)!, "traffic_h323.py");

    /// <summary>Runs a dialogue (the steps of traffic_h323.py) from the root namespace.</summary>
    public static void Play(IEnumerable<Dictionary<string, object>> steps)
    {
        var file = Path.Combine(Path.GetTempPath(), $"h323-{Environment.ProcessId}-{Guid.NewGuid():N}.json");
        File.WriteAllText(file, JsonSerializer.Serialize(new Dictionary<string, object> { ["steps"] = steps.ToList() }));
        try
        {
            var r = Shell.Run("python3", [Script, file], 60_000);
            if (r.ExitCode != 0) throw new InvalidOperationException($"traffic_h323.py failed: {r.Stderr}");
        }
        finally
        {
            File.Delete(file);
        }
    }

    public static string ToHex(byte[] bytes) => Convert.ToHexString(bytes).ToLowerInvariant();

    /// <summary>The whole call. Record with Expectations = true; replay with <see cref="EngineRules"/>.</summary>
    public static void Call(TestNetwork net, bool ipv6 = false)
    {
        TestNetwork.Nft(net.A,
            "table inet ctparity_h323 {\n" +
            "  ct helper ras-std { type \"RAS\" protocol udp; }\n" +
            "  ct helper q931-std { type \"Q.931\" protocol tcp; }\n" +
            $"  chain out {{ type filter hook output priority filter; udp dport {RasPort} ct helper set \"ras-std\"; tcp dport {Q931Port} ct helper set \"q931-std\"; }}\n" +
            "}\n");
        Play(CallSteps(ipv6 ? net.A6 : net.A4, ipv6 ? net.B6 : net.B4, net.A, net.B));
    }

    /// <summary>
    /// A registration alone: RRQ from A (call signalling address A:1720, time to live 60) and the
    /// gatekeeper's RCF with <paramref name="confirmedTimeToLive"/>; then <paramref name="after"/>
    /// runs while the registration is fresh.
    /// </summary>
    public static void Register(TestNetwork net, bool ipv6, uint confirmedTimeToLive, Action? after = null)
    {
        TestNetwork.Nft(net.A,
            "table inet ctparity_h323 {\n" +
            "  ct helper ras-std { type \"RAS\" protocol udp; }\n" +
            $"  chain out {{ type filter hook output priority filter; udp dport {RasPort} ct helper set \"ras-std\"; }}\n" +
            "}\n");
        string a = ipv6 ? net.A6 : net.A4, b = ipv6 ? net.B6 : net.B4;
        var ipA = IPAddress.Parse(a);
        var ipB = IPAddress.Parse(b);
        Play(
        [
            new() { ["op"] = "udp", ["name"] = "ep", ["ns"] = net.A, ["addr"] = a, ["port"] = EndpointRasPort },
            new() { ["op"] = "udp", ["name"] = "gk", ["ns"] = net.B, ["addr"] = b, ["port"] = RasPort },
            new() { ["op"] = "send", ["from"] = "ep", ["to"] = "gk", ["addr"] = b, ["port"] = RasPort,
                ["hex"] = ToHex(H323Messages.RegistrationRequest(1, [(ipA, Q931Port)], [(ipA, EndpointRasPort)], 60)) },
            new() { ["op"] = "send", ["from"] = "gk", ["to"] = "ep", ["addr"] = a, ["port"] = EndpointRasPort,
                ["hex"] = ToHex(H323Messages.RegistrationConfirm(1, [(ipB, Q931Port)], confirmedTimeToLive)) },
        ]);
        after?.Invoke();
    }

    /// <summary>The dialogue of <see cref="Call"/> between endpoint <paramref name="a"/> (in <paramref name="nsA"/>) and gatekeeper and callee <paramref name="b"/>.</summary>
    public static List<Dictionary<string, object>> CallSteps(string a, string b, string nsA, string nsB)
    {
        var ipA = IPAddress.Parse(a);
        var ipB = IPAddress.Parse(b);
        var steps = new List<Dictionary<string, object>>();
        void Step(params (string Key, object Value)[] kv) => steps.Add(kv.ToDictionary(x => x.Key, x => x.Value));
        void Udp(string from, string to, string addr, int port, byte[] data) => Step(("op", "send"), ("from", from), ("to", to), ("addr", addr), ("port", port), ("hex", ToHex(data)));
        void Tcp(string from, string to, byte[] data) => Step(("op", "tsend"), ("from", from), ("to", to), ("hex", ToHex(data)));

        // RAS: discovery (the gatekeeper answers from another port: a RAS expectation), registration
        // (the endpoint's call signalling address: a Q.931 expectation), admission and location
        // confirms (Q.931 expectations to the callee).
        Step(("op", "udp"), ("name", "ep"), ("ns", nsA), ("addr", a), ("port", EndpointRasPort));
        Step(("op", "udp"), ("name", "gk"), ("ns", nsB), ("addr", b), ("port", RasPort));
        Step(("op", "udp"), ("name", "gk2"), ("ns", nsB), ("addr", b), ("port", RegistrationPort));
        Udp("ep", "gk", b, RasPort, H323Messages.GatekeeperRequest(1, ipA, EndpointRasPort));
        Udp("gk", "ep", a, EndpointRasPort, H323Messages.GatekeeperConfirm(1, ipB, RegistrationPort));
        Udp("ep", "gk2", b, RegistrationPort, H323Messages.RegistrationRequest(2, [(ipA, Q931Port)], [(ipA, EndpointRasPort)], timeToLive: 60));
        Udp("gk2", "ep", a, EndpointRasPort, H323Messages.RegistrationConfirm(2, [(ipB, Q931Port)], timeToLive: 5));
        Udp("gk2", "ep", a, EndpointRasPort, H323Messages.AdmissionConfirm(3, ipB, Q931Port));
        Udp("gk2", "ep", a, EndpointRasPort, H323Messages.LocationConfirm(4, ipB, LocatedPort, ipB, RegistrationPort));

        // Q.931: the call (expected by the ACF): Setup with a fastStart channel and a tunnelled T.120
        // channel, CallProceeding, Connect with an H.245 address and a fastStart channel, Facilities
        // forwarding the call and giving another H.245 address.
        Step(("op", "listen"), ("name", "q931"), ("ns", nsB), ("addr", b), ("port", Q931Port));
        Step(("op", "connect"), ("name", "caller"), ("ns", nsA), ("addr", b), ("port", Q931Port), ("listener", "q931"), ("accepted", "callee"));
        Tcp("caller", "callee", H323Messages.Tpkt(H323Messages.Q931(H323Messages.Q931Setup,
            H323Messages.UserInformation(H323Messages.SetupBody, H323Messages.Setup(fastStart: [H323Messages.FastStartChannel(1, control: (ipA, 5001))]),
                h245Control: [H323Messages.OpenLogicalChannel(3, t120: (ipA, 1503))]))));
        Tcp("callee", "caller", H323Messages.Tpkt(H323Messages.Q931(H323Messages.Q931CallProceeding,
            H323Messages.UserInformation(H323Messages.CallProceedingBody, H323Messages.CallProceeding()), fromDestination: true)));
        Tcp("callee", "caller", H323Messages.Tpkt(H323Messages.Q931(H323Messages.Q931Connect,
            H323Messages.UserInformation(H323Messages.ConnectBody, H323Messages.Connect((ipB, H245Port),
                [H323Messages.FastStartChannel(1, media: (ipB, 6000), control: (ipB, 6001))])), fromDestination: true)));
        Tcp("callee", "caller", H323Messages.Tpkt(H323Messages.Q931(H323Messages.Q931Facility,
            H323Messages.UserInformation(H323Messages.FacilityBody, H323Messages.Facility(1, alternative: (ipB, ForwardPort))), fromDestination: true)));
        // A Facility with an H.245 address, its TPKT header sent alone first (as NetMeeting does).
        var startH245 = H323Messages.Tpkt(H323Messages.Q931(H323Messages.Q931Facility,
            H323Messages.UserInformation(H323Messages.FacilityBody, H323Messages.Facility(5, h245: (ipB, H245Port + 1))), fromDestination: true));
        Tcp("callee", "caller", startH245[..4]);
        Tcp("callee", "caller", startH245[4..]);
        // Forwarded to the caller itself: the same route, so callforward_filter expects nothing.
        Tcp("callee", "caller", H323Messages.Tpkt(H323Messages.Q931(H323Messages.Q931Facility,
            H323Messages.UserInformation(H323Messages.FacilityBody, H323Messages.Facility(1, alternative: (ipA, ForwardPort + 1))), fromDestination: true)));

        // H.245 (expected by the Connect): OpenLogicalChannel from the caller, its Ack from the callee.
        Step(("op", "listen"), ("name", "h245"), ("ns", nsB), ("addr", b), ("port", H245Port));
        Step(("op", "connect"), ("name", "control"), ("ns", nsA), ("addr", b), ("port", H245Port), ("listener", "h245"), ("accepted", "control-b"));
        Tcp("control", "control-b", H323Messages.Tpkt(H323Messages.OpenLogicalChannel(2, control: (ipA, 5003), sessionId: 2)));
        Tcp("control-b", "control", H323Messages.Tpkt(H323Messages.OpenLogicalChannelAck(2, media: (ipB, 6002), control: (ipB, 6003), sessionId: 2)));
        Step(("op", "close"), ("name", "control"), ("peer", "control-b"));
        Step(("op", "close"), ("name", "caller"), ("peer", "callee"));

        // RAS: unregistration drops the registration's expectations.
        Udp("ep", "gk2", b, RegistrationPort, H323Messages.UnregistrationRequest(5, [(ipA, Q931Port)]));
        Udp("gk2", "ep", a, EndpointRasPort, H323Messages.UnregistrationConfirm(5));
        return steps;
    }
}
