using System.Buffers.Binary;

namespace ConntrackTools.Engine.Helpers.Userspace;

/// <summary>
/// conntrackd's ssdp helper (src/helpers/ssdp.c, registered for UDP and TCP, policy 8, 300 s):
/// <list type="bullet">
/// <item>an M-SEARCH to 239.255.255.250 (ff02::c, ff05::c) expects the devices' unicast replies:
/// UDP from anywhere to the searcher's address and port;</item>
/// <item>a reply's "LOCATION: http://addr:port/" header expects the description fetch: TCP from
/// anywhere to that address and port (any address: nothing checks it);</item>
/// <item>an HTTP SUBSCRIBE whose "CALLBACK: &lt;http://addr:port/&gt;" names the subscriber expects the
/// device's NOTIFY callbacks: TCP from the device to the subscriber at that port, and each NOTIFY
/// renews that expectation from its own connection.</item>
/// </list>
/// The first two are PERMANENT, the last two not; all carry the ssdp helper (CTA_EXPECT_HELP_NAME)
/// so the connections they admit are helped in turn.
/// </summary>
internal abstract class SsdpHelper() : UserspaceHelper("ssdp", 8, 300)
{
    private const int ValueSize = 256; // char hdr_val[256]

    private static readonly UInt128 SsdpGroup = 0xEFFF_FFFA; // 239.255.255.250
    private static readonly UInt128 UpnpLinkLocal = (UInt128)0xFF02 << 112 | 0xC;
    private static readonly UInt128 UpnpSiteLocal = (UInt128)0xFF05 << 112 | 0xC;

    public override IReadOnlyList<CtExpectationShape> Shapes => _shapes ??=
    [
        Shape("M-SEARCH reply", CtProtocol.Udp, CtFieldOrigin.Any, CtFieldOrigin.Any, CtFieldOrigin.Fixed, CtFieldOrigin.Fixed),
        Shape("LOCATION description fetch", CtProtocol.Tcp, CtFieldOrigin.Any, CtFieldOrigin.Any, CtFieldOrigin.InCommand, CtFieldOrigin.InCommand),
        Shape("SUBSCRIBE callback (NOTIFY)", CtProtocol.Tcp, CtFieldOrigin.Fixed, CtFieldOrigin.Any, CtFieldOrigin.Fixed, CtFieldOrigin.InCommand),
        Shape("NOTIFY renewal", CtProtocol.Tcp, CtFieldOrigin.Fixed, CtFieldOrigin.Any, CtFieldOrigin.Fixed, CtFieldOrigin.Fixed),
    ];
    private CtExpectationShape[]? _shapes;

    /// <summary>ssdp_helper_cb.</summary>
    protected sealed override HelperVerdict Callback(HelperCall call, ReadOnlySpan<byte> l4)
    {
        // All new conntracks are M-SEARCH queries.
        if (call.Info == CtInfo.New) return HandleSsdpNew(call, l4);
        // All other UDP conntracks are replies to one (several devices may answer).
        if (call.Original.Protocol == (byte)CtProtocol.Udp) return HandleSsdpReply(call, l4);
        // TCP: SUBSCRIBE (control point to device) or NOTIFY (device to control point).
        if (call.Info == CtInfo.Established) return HandleHttpRequest(call, l4);
        return HelperVerdict.Accept;
    }

    /// <summary>handle_ssdp_new: an M-SEARCH to the SSDP group expects unicast replies to its sender.</summary>
    private static HelperVerdict HandleSsdpNew(HelperCall call, ReadOnlySpan<byte> l4)
    {
        var original = call.Original;
        var daddr = original.Destination;
        var good = call.Family == CtFamily.IPv4 ? daddr == SsdpGroup : daddr == UpnpLinkLocal || daddr == UpnpSiteLocal;
        if (!good) return HelperVerdict.Accept;

        // dataoff = iph->ihl * 4 + sizeof(udphdr), read from the network header as an IPv4 header.
        // For IPv4 that is the UDP payload. For IPv6, "ihl" is the traffic class's high nibble:
        // with the usual traffic class 0 the helper compares the first 8 bytes of the IPv6 source
        // address with "M-SEARCH", so an IPv6 M-SEARCH expects nothing. (The engine does not see
        // the traffic class and takes it as 0.)
        bool msearch;
        if (call.Family == CtFamily.IPv4)
        {
            if (l4.Length <= 8) return HelperVerdict.Accept; // dataoff >= pktb_len: no data
            // memcmp of 8 bytes: past a shorter payload are the pkt_buff's zeros, which never match.
            msearch = Libc.StartsWith(l4[8..], "M-SEARCH");
        }
        else
        {
            Span<byte> source = stackalloc byte[16];
            BinaryPrimitives.WriteUInt128BigEndian(source, original.Source);
            msearch = Libc.StartsWith(source, "M-SEARCH");
        }
        if (!msearch) return HelperVerdict.Accept;

        var exp = Init(call, null, original.Source, CtProtocol.Udp, null, original.SourceId, CtExpectationFlags.Permanent);
        exp.AssignHelper = Find(call);
        Attach(call, exp);
        return HelperVerdict.Accept;
    }

    /// <summary>handle_ssdp_reply: a LOCATION header expects the connection to the URL's address and port.</summary>
    private static HelperVerdict HandleSsdpReply(HelperCall call, ReadOnlySpan<byte> l4)
    {
        if (l4.Length < 8) return HelperVerdict.Accept; // short packet
        Span<byte> value = stackalloc byte[ValueSize];
        if (!FindHeader("LOCATION: ", l4[8..], value, out var length, out _)) return HelperVerdict.Accept;
        if (!ParseUrl(Libc.CString(value[..length]), call.Family, out var addr, out var port)) return HelperVerdict.Accept;

        var exp = Init(call, null, addr, CtProtocol.Tcp, null, port, CtExpectationFlags.Permanent);
        exp.AssignHelper = Find(call);
        Attach(call, exp);
        return HelperVerdict.Accept;
    }

    /// <summary>handle_http_request: NOTIFY renews the callback expectation; SUBSCRIBE with our own address creates it.</summary>
    private static HelperVerdict HandleHttpRequest(HelperCall call, ReadOnlySpan<byte> l4)
    {
        var doff = (Libc.At(l4, 12) >> 4) * 4;
        var data = doff < l4.Length ? l4[doff..] : default;

        if (data.Length >= 7 && Libc.StartsWith(data, "NOTIFY ")) return RenewExpectation(call);
        if (data.Length < 10 || !Libc.StartsWith(data, "SUBSCRIBE ")) return HelperVerdict.Accept;

        Span<byte> value = stackalloc byte[ValueSize];
        if (!FindHeader("CALLBACK: <", data, value, out var length, out _)) return HelperVerdict.Accept;
        if (!ParseUrl(Libc.CString(value[..length]), call.Family, out var cbaddr, out var cbport)) return HelperVerdict.Accept;

        var dir = call.Direction;
        // The callback must name the subscriber itself (memcmp of the whole address union).
        if (call.Tuple(dir).Source != cbaddr) return HelperVerdict.Accept;

        // From the device (the reply's source) to the subscriber (the reply's destination), any source port.
        var reply = call.Tuple(1 - dir);
        var exp = Init(call, reply.Source, reply.Destination, CtProtocol.Tcp, null, cbport, CtExpectationFlags.None);
        exp.AssignHelper = Find(call);
        Attach(call, exp);
        return HelperVerdict.Accept;
    }

    /// <summary>renew_exp: a NOTIFY expects the next one on the same addresses and destination port.</summary>
    private static HelperVerdict RenewExpectation(HelperCall call)
    {
        var own = call.Tuple(call.Direction);
        var exp = Init(call, own.Source, own.Destination, CtProtocol.Tcp, null, own.DestinationId, CtExpectationFlags.None);
        exp.AssignHelper = Find(call);
        Attach(call, exp);
        return HelperVerdict.Accept;
    }

    /// <summary>CTA_EXPECT_HELP_NAME "ssdp": __nf_conntrack_helper_find for the master's protocol.</summary>
    private static ConntrackHelper? Find(HelperCall call) => HelperRegistry.Find("ssdp", (CtProtocol)call.Original.Protocol);

    /// <summary>
    /// find_hdr: the header <paramref name="name"/> (case-insensitive, at a line start) and its value
    /// up to the next '\r', copied into <paramref name="value"/> (char[256]: at most 255 bytes, and
    /// past the data the pkt_buff's zeros, which are no '\r').
    /// </summary>
    private static bool FindHeader(string name, ReadOnlySpan<byte> data, Span<byte> value, out int length, out int position)
    {
        length = 0;
        position = 0;
        var nameLength = name.Length;
        var dataLength = data.Length;
        var at = 0;
        while (true)
        {
            if (dataLength < nameLength + 2) return false;
            if (Libc.StartsWithIgnoreCase(data[at..], name)) break;
            int i;
            for (i = 0; ; i++)
            {
                if (i >= dataLength - 1) return false;
                if (data[at + i] == '\r' && data[at + i + 1] == '\n') break;
            }
            dataLength -= i + 2;
            at += i + 2;
        }
        at += nameLength;
        position = at;
        for (var i = 0; i < value.Length; i++)
        {
            var c = Libc.At(data, at + i);
            if (c == '\r')
            {
                length = i;
                return true;
            }
            value[i] = c;
        }
        return false;
    }

    /// <summary>
    /// parse_url: "http://a.b.c.d[:port]" (IPv4 connections only) or "http://[v6]..." (IPv6 only).
    /// Without ":" right after the address the port is 80, and for the bracketed IPv6 form it is
    /// always 80 (the character after the address is ']'). The port is strtol's value cut to 16 bits.
    /// </summary>
    private static bool ParseUrl(ReadOnlySpan<byte> url, CtFamily family, out UInt128 addr, out ushort port)
    {
        addr = 0;
        port = 0;
        int end;
        if (Libc.StartsWithIgnoreCase(url, "http://["))
        {
            if (family != CtFamily.IPv6) return false;
            url = url[8..];
            end = url.IndexOf((byte)']');
            if (end < 0 || end > 63) return false;
            if (!Libc.InetPton6(url[..end], out addr)) return false;
        }
        else if (Libc.StartsWithIgnoreCase(url, "http://"))
        {
            if (family != CtFamily.IPv4) return false;
            url = url[7..];
            // Digits and dots; the source also walks over '\0' into hdr_val's unset bytes, which
            // the engine cannot know: it stops at the end of the string.
            for (end = 0; end < url.Length && url[end] is (byte)'.' or >= (byte)'0' and <= (byte)'9'; end++) { }
            if (end > 63) return false;
            if (!Libc.InetPton4(url[..end], out var v4)) return false;
            addr = v4;
        }
        else return false;

        port = Libc.At(url, end) != ':' ? (ushort)80 : (ushort)Libc.StrToL(url[(end + 1)..]);
        return true;
    }
}

/// <summary>ssdp for UDP ("Type ssdp inet udp"): M-SEARCH on port 1900 and the replies to it.</summary>
internal sealed class SsdpUdpHelper : SsdpHelper
{
    public override CtProtocol Protocol => CtProtocol.Udp;
    public override IReadOnlyList<ushort> Ports { get; } = [1900];
}

/// <summary>ssdp for TCP ("Type ssdp inet tcp"): UPnP eventing (SUBSCRIBE/NOTIFY) on the device's HTTP port, which has no fixed number.</summary>
internal sealed class SsdpTcpHelper : SsdpHelper
{
    public override CtProtocol Protocol => CtProtocol.Tcp;
    public override IReadOnlyList<ushort> Ports { get; } = [];
}
