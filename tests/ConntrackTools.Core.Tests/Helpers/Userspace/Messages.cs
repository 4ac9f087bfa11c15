using System.Buffers.Binary;
using System.Text;

namespace ConntrackTools.Tests.Helpers.Userspace;

/// <summary>Protocol messages built from their specifications (checked with tshark in <see cref="CraftedPacketTests"/>).</summary>
internal static class Messages
{
    // ---- DHCPv6 (RFC 8415) ----

    /// <summary>A client message (Solicit = 1, Request = 3, ...): client id (DUID-LL), elapsed time, IA_NA, ORO.</summary>
    public static byte[] Dhcpv6Client(byte type, int transactionId = 0x00abcdef)
    {
        var b = new List<byte> { type, (byte)(transactionId >> 16), (byte)(transactionId >> 8), (byte)transactionId };
        Option(b, 1, [0, 3, 0, 1, 0x02, 0, 0, 0, 0, 0x0a]);     // OPTION_CLIENTID: DUID-LL, Ethernet, MAC
        Option(b, 8, [0, 0]);                                   // OPTION_ELAPSED_TIME
        Option(b, 3, [0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0]);     // OPTION_IA_NA: IAID 1, T1 0, T2 0
        Option(b, 6, [0, 23]);                                  // OPTION_ORO: DNS servers
        return [.. b];
    }

    /// <summary>An Advertise (2) to the client: server id, client id, IA_NA with an address.</summary>
    public static byte[] Dhcpv6Advertise(int transactionId = 0x00abcdef)
    {
        var b = new List<byte> { 2, (byte)(transactionId >> 16), (byte)(transactionId >> 8), (byte)transactionId };
        Option(b, 2, [0, 3, 0, 1, 0x02, 0, 0, 0, 0, 0x0b]);     // OPTION_SERVERID
        Option(b, 1, [0, 3, 0, 1, 0x02, 0, 0, 0, 0, 0x0a]);     // OPTION_CLIENTID
        var iaaddr = new List<byte>();
        iaaddr.AddRange(System.Net.IPAddress.Parse("2001:db8::100").GetAddressBytes());
        iaaddr.AddRange([0, 0, 0x0e, 0x10, 0, 0, 0x1c, 0x20]); // preferred 3600, valid 7200
        var ia = new List<byte> { 0, 0, 0, 1, 0, 0, 0x07, 0x08, 0, 0, 0x0b, 0x40 }; // IAID 1, T1 1800, T2 2880
        Option(ia, 5, [.. iaaddr]);                             // OPTION_IAADDR
        Option(b, 3, [.. ia]);
        return [.. b];
    }

    private static void Option(List<byte> b, ushort code, byte[] data)
    {
        b.Add((byte)(code >> 8)); b.Add((byte)code);
        b.Add((byte)(data.Length >> 8)); b.Add((byte)data.Length);
        b.AddRange(data);
    }

    // ---- mDNS (RFC 6762, RFC 1035 wire format) ----

    /// <summary>A one-shot query for _services._dns-sd._udp.local PTR, QU bit set (unicast response).</summary>
    public static byte[] MdnsQuery() =>
    [
        0x12, 0x34, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, // id, flags, 1 question
        .. Name("_services", "_dns-sd", "_udp", "local"), 0, 12, 0x80, 1, // PTR, QU | IN
    ];

    /// <summary>The unicast answer: _services._dns-sd._udp.local PTR _http._tcp.local.</summary>
    public static byte[] MdnsAnswer() =>
    [
        0x12, 0x34, 0x84, 0, 0, 1, 0, 1, 0, 0, 0, 0, // response, authoritative; 1 question, 1 answer
        .. Name("_services", "_dns-sd", "_udp", "local"), 0, 12, 0, 1,
        0xc0, 12, 0, 12, 0, 1, 0, 0, 0x11, 0x94, 0, 13, // pointer to the question's name, PTR IN, TTL 4500, rdlength
        5, (byte)'_', (byte)'h', (byte)'t', (byte)'t', (byte)'p', 4, (byte)'_', (byte)'t', (byte)'c', (byte)'p', 0xc0, 35, // _http._tcp + pointer to "local"
    ];

    private static byte[] Name(params string[] labels)
    {
        var b = new List<byte>();
        foreach (var l in labels) { b.Add((byte)l.Length); b.AddRange(Encoding.ASCII.GetBytes(l)); }
        b.Add(0);
        return [.. b];
    }

    // ---- SLPv2 (RFC 2608) ----

    /// <summary>A multicast SrvRqst for service:printer in scope DEFAULT.</summary>
    public static byte[] SlpSrvRqst(ushort xid = 0x4321)
    {
        var body = new List<byte>();
        Str(body, "");               // PRList
        Str(body, "service:printer"); // service type
        Str(body, "DEFAULT");        // scope list
        Str(body, "");               // predicate
        Str(body, "");               // SLP SPI
        return SlpHeader(1, 0x2000, xid, body); // function SrvRqst, REQUEST MCAST
    }

    /// <summary>The SrvRply: no error, one URL entry.</summary>
    public static byte[] SlpSrvRply(ushort xid = 0x4321)
    {
        var body = new List<byte> { 0, 0, 0, 1 }; // error code 0, 1 URL entry
        body.Add(0);                              // reserved
        body.AddRange([0x0e, 0x10]);              // lifetime 3600
        var url = "service:printer:lpr://192.168.1.30/queue";
        Str(body, url);
        body.Add(0);                              // no authentication blocks
        return SlpHeader(2, 0, xid, body);
    }

    private static byte[] SlpHeader(byte function, ushort flags, ushort xid, List<byte> body)
    {
        var b = new List<byte> { 2, function, 0, 0, 0, (byte)(flags >> 8), (byte)flags, 0, 0, 0, (byte)(xid >> 8), (byte)xid };
        Str(b, "en");
        b.AddRange(body);
        b[2] = (byte)(b.Count >> 16); b[3] = (byte)(b.Count >> 8); b[4] = (byte)b.Count;
        return [.. b];
    }

    private static void Str(List<byte> b, string s)
    {
        b.Add((byte)(s.Length >> 8)); b.Add((byte)s.Length);
        b.AddRange(Encoding.ASCII.GetBytes(s));
    }

    // ---- SSDP (UPnP Device Architecture 2.0) ----

    public static byte[] MSearch(string host = "239.255.255.250:1900") => Ip.Ascii(
        "M-SEARCH * HTTP/1.1\r\n" +
        $"HOST: {host}\r\n" +
        "MAN: \"ssdp:discover\"\r\n" +
        "MX: 2\r\n" +
        "ST: ssdp:all\r\n\r\n");

    public static byte[] SsdpResponse(string location) => Ip.Ascii(
        "HTTP/1.1 200 OK\r\n" +
        "CACHE-CONTROL: max-age=1800\r\n" +
        "EXT:\r\n" +
        $"LOCATION: {location}\r\n" +
        "SERVER: Linux/6.1 UPnP/1.1 test/1.0\r\n" +
        "ST: upnp:rootdevice\r\n" +
        "USN: uuid:2fac1234-31f8-11b4-a222-08002b34c003::upnp:rootdevice\r\n\r\n");

    public static byte[] Subscribe(string host, string callback) => Ip.Ascii(
        "SUBSCRIBE /upnp/event/cm HTTP/1.1\r\n" +
        $"HOST: {host}\r\n" +
        $"CALLBACK: <{callback}>\r\n" +
        "NT: upnp:event\r\n" +
        "TIMEOUT: Second-1800\r\n\r\n");

    public static byte[] Notify(string host) => Ip.Ascii(
        "NOTIFY /notify HTTP/1.1\r\n" +
        $"HOST: {host}\r\n" +
        "CONTENT-TYPE: text/xml; charset=\"utf-8\"\r\n" +
        "NT: upnp:event\r\n" +
        "NTS: upnp:propchange\r\n" +
        "SID: uuid:2fac1234-31f8-11b4-a222-08002b34c003\r\n" +
        "SEQ: 0\r\n" +
        "CONTENT-LENGTH: 0\r\n\r\n");

    // ---- ONC RPC portmapper (RFC 5531, RFC 1833 PMAPPROC_GETPORT) ----

    /// <summary>CALL portmap v2 GETPORT(prog, vers, prot, 0) with AUTH_NULL credentials and verifier.</summary>
    public static byte[] GetPortCall(uint xid, uint program, uint version, uint protocol, uint port = 0, byte[]? cred = null) =>
        Words(
        [
            xid, 0, 2, 100000, 2, 3,         // xid, CALL, rpcvers 2, PMAPPROG, PMAPVERS, PMAPPROC_GETPORT
            .. Auth(cred ?? []), 0, 0,       // credentials, AUTH_NULL verifier
            program, version, protocol, port,
        ]);

    /// <summary>REPLY MSG_ACCEPTED, AUTH_NULL verifier, SUCCESS, port.</summary>
    public static byte[] GetPortReply(uint xid, uint port, uint acceptStat = 0, uint replyStat = 0) =>
        Words([xid, 1, replyStat, 0, 0, acceptStat, port]);

    /// <summary>An RPC message over TCP: one record, last fragment (RFC 5531 11).</summary>
    public static byte[] RecordMarked(byte[] message)
    {
        var b = new byte[4 + message.Length];
        BinaryPrimitives.WriteUInt32BigEndian(b, 0x8000_0000u | (uint)message.Length);
        message.CopyTo(b, 4);
        return b;
    }

    private static uint[] Auth(byte[] body)
    {
        var words = new List<uint> { 1, (uint)body.Length }; // AUTH_SYS flavour
        if (body.Length == 0) return [0, 0];                   // AUTH_NULL
        var padded = new byte[(body.Length + 3) / 4 * 4];
        body.CopyTo(padded, 0);
        for (var i = 0; i < padded.Length; i += 4) words.Add(BinaryPrimitives.ReadUInt32BigEndian(padded.AsSpan(i)));
        return [.. words];
    }

    /// <summary>An AUTH_SYS body (RFC 5531 appendix A): stamp, machine name, uid, gid, no groups.</summary>
    public static byte[] AuthSys()
    {
        var b = new List<byte>();
        void W(uint v) { b.Add((byte)(v >> 24)); b.Add((byte)(v >> 16)); b.Add((byte)(v >> 8)); b.Add((byte)v); }
        W(0x5f5e100);
        W(6); b.AddRange(Encoding.ASCII.GetBytes("client")); b.AddRange([0, 0]);
        W(0); W(0); W(0);
        return [.. b];
    }

    private static byte[] Words(uint[] words)
    {
        var b = new byte[words.Length * 4];
        for (var i = 0; i < words.Length; i++) BinaryPrimitives.WriteUInt32BigEndian(b.AsSpan(i * 4), words[i]);
        return b;
    }

    // ---- Oracle TNS ----

    /// <summary>A TNS Connect (type 1) carrying a connect descriptor at offset 58.</summary>
    public static byte[] TnsConnect(string descriptor)
    {
        var data = Encoding.ASCII.GetBytes(descriptor);
        var b = new byte[58 + data.Length];
        BinaryPrimitives.WriteUInt16BigEndian(b, (ushort)b.Length);
        b[4] = 1;
        BinaryPrimitives.WriteUInt16BigEndian(b.AsSpan(8), 0x013a);   // version 314
        BinaryPrimitives.WriteUInt16BigEndian(b.AsSpan(10), 0x012c);  // compatible with 300
        BinaryPrimitives.WriteUInt16BigEndian(b.AsSpan(12), 0x0c41);  // service options
        BinaryPrimitives.WriteUInt16BigEndian(b.AsSpan(14), 0x2000);  // SDU 8192
        BinaryPrimitives.WriteUInt16BigEndian(b.AsSpan(16), 0x7fff);  // TDU 32767
        BinaryPrimitives.WriteUInt16BigEndian(b.AsSpan(18), 0x4f98);  // NT protocol characteristics
        BinaryPrimitives.WriteUInt16BigEndian(b.AsSpan(22), 0x0100);  // value of 1 in hardware
        BinaryPrimitives.WriteUInt16BigEndian(b.AsSpan(24), (ushort)data.Length);
        BinaryPrimitives.WriteUInt16BigEndian(b.AsSpan(26), 58);      // offset to connect data
        BinaryPrimitives.WriteUInt32BigEndian(b.AsSpan(28), 0x0800);  // max receivable connect data
        b[32] = 0x41; b[33] = 0x41;                                  // connect flags
        data.CopyTo(b, 58);
        return b;
    }

    /// <summary>A TNS Redirect (type 5): redirect data length, then the data (which may come later when 0).</summary>
    public static byte[] TnsRedirect(string data, bool announceLength = true)
    {
        var text = Encoding.ASCII.GetBytes(data);
        var b = new byte[10 + text.Length];
        BinaryPrimitives.WriteUInt16BigEndian(b, (ushort)b.Length);
        b[4] = 5;
        BinaryPrimitives.WriteUInt16BigEndian(b.AsSpan(8), announceLength ? (ushort)text.Length : (ushort)0);
        text.CopyTo(b, 10);
        return b;
    }

    /// <summary>A TNS Data packet (type 6): data flags, then the data.</summary>
    public static byte[] TnsData(string data, ushort flags = 0)
    {
        var text = Encoding.ASCII.GetBytes(data);
        var b = new byte[10 + text.Length];
        BinaryPrimitives.WriteUInt16BigEndian(b, (ushort)b.Length);
        b[4] = 6;
        BinaryPrimitives.WriteUInt16BigEndian(b.AsSpan(8), flags);
        text.CopyTo(b, 10);
        return b;
    }
}
