using System.Buffers.Binary;

namespace ConntrackTools.Engine.Helpers.Userspace;

/// <summary>
/// conntrackd's tns helper (src/helpers/tns.c, "Type tns inet tcp", policy 1, 300 s): Oracle
/// SQL*Net. A listener's REDIRECT (type 5) carries "(ADDRESS=(PROTOCOL=TCP)(HOST=a.b.c.d)(PORT=n))",
/// or, when its data length is 0, the very next DATA packet (type 6) does; that expects the
/// client's connection to the address and port: from the client's address, any port, TCP, no
/// flags. Only the server's direction is read, and only once traffic went both ways; HOST must be
/// a dotted IPv4 address (for an IPv6 connection it lands in the first 32 bits). The expectation
/// goes through its own ctnetlink request: if the kernel refuses it, the packet is dropped.
/// </summary>
internal sealed class TnsHelper() : UserspaceHelper("tns", 1, 300)
{
    private const byte TypeRedirect = 5, TypeData = 6;
    private const int HeaderSize = 8; // struct tns_header: len, csum, type, reserved, header_csum

    private static ReadOnlySpan<byte> Open => "("u8;
    private static ReadOnlySpan<byte> HostKey => "HOST="u8;
    private static ReadOnlySpan<byte> PortKey => "PORT="u8;

    public override CtProtocol Protocol => CtProtocol.Tcp;
    public override IReadOnlyList<ushort> Ports { get; } = [1521];

    public override IReadOnlyList<CtExpectationShape> Shapes => _shapes ??=
        [Shape("redirected session", CtProtocol.Tcp, CtFieldOrigin.Fixed, CtFieldOrigin.Any, CtFieldOrigin.InCommand, CtFieldOrigin.InCommand)];
    private CtExpectationShape[]? _shapes;

    /// <summary>struct tns_info: scan the next DATA packet.</summary>
    private sealed class TnsInfo
    {
        public bool Parse;
    }

    /// <summary>tns_helper_cb.</summary>
    protected override HelperVerdict Callback(HelperCall call, ReadOnlySpan<byte> l4)
    {
        // Until there's been traffic both ways, don't look into TCP packets; and the server's direction only.
        if (call.Info is not (CtInfo.Established or CtInfo.EstablishedReply) || call.Direction != 1) return HelperVerdict.Accept;
        var info = call.State as TnsInfo ?? (TnsInfo)(call.State = new TnsInfo());

        // The TNS header starts right after the TCP header; a segment without data reads the
        // pkt_buff's zeros there (type 0). The "datalen < sizeof(tns_header)" check compares the
        // whole IP packet's length and never fires.
        var dataoff = (Libc.At(l4, 12) >> 4) * 4;
        var type = Libc.At(l4, dataoff + 4);
        if (type == TypeRedirect)
        {
            dataoff += HeaderSize;
            info.Parse = false;
            // struct tns_redirect { data_len }: 0 means the address comes in the next DATA packet.
            if ((Libc.At(l4, dataoff) << 8 | Libc.At(l4, dataoff + 1)) == 0)
            {
                info.Parse = true;
                return HelperVerdict.Accept;
            }
        }
        else if (!(info.Parse && type == TypeData))
        {
            // Parse only the very next DATA packet.
            info.Parse = false;
            return HelperVerdict.Accept;
        }

        // find_pattern skips another tns_header's size from dataoff: for a REDIRECT that is past
        // the redirect's data_len and the first 6 bytes of its text, harmless before "(".
        var found = FindPattern(dataoff + HeaderSize < l4.Length ? l4[(dataoff + HeaderSize)..] : default, out var host, out var port);
        info.Parse = false;
        if (!found) return HelperVerdict.Accept;

        // From the client (the original source) to HOST:PORT. cmd.u3 holds only the IPv4 address,
        // zero-padded, so an IPv6 connection expects it in the first 32 bits.
        var daddr = call.Family == CtFamily.IPv4 ? host : (UInt128)host << 96;
        var exp = Init(call, call.Original.Source, daddr, CtProtocol.Tcp, null, port, CtExpectationFlags.None);
        // NAT (nf_nat_tns) is not modelled. Can't expect this? Best to drop packet now.
        if (!Add(call, exp))
        {
            call.Log("TNS: cannot add expectation");
            return HelperVerdict.Drop;
        }
        return HelperVerdict.Accept;
    }

    /// <summary>
    /// find_pattern: C string searches (they stop at a NUL or the packet's end) for "(", then
    /// "HOST=" after it, a dotted quad ended by ')', then "(" and "PORT=" after the address, and a
    /// port ended by ')'. The length bounds the source passes are the whole packet's and never
    /// cut before the data does.
    /// </summary>
    private static bool FindPattern(ReadOnlySpan<byte> data, out uint host, out ushort port)
    {
        host = 0;
        port = 0;
        var p = Libc.StrStr(data, Open);
        if (p < 0) return false;
        var h = Libc.StrStr(data[(p + 1)..], HostKey);
        if (h < 0) return false;
        var offset = p + 1 + h + HostKey.Length;
        data = data[offset..];

        Span<uint> array = stackalloc uint[4];
        var length = TryNumber(data, array, (byte)'.', (byte)')');
        if (length == 0) return false;
        host = (array[0] << 24) | (array[1] << 16) | (array[2] << 8) | array[3];

        var rest = data[length..];
        p = Libc.StrStr(rest, Open);
        if (p < 0) return false;
        var k = Libc.StrStr(rest[p..], PortKey);
        if (k < 0) return false;
        return GetPort(rest[(p + k + PortKey.Length)..], (byte)')', out port) != 0;
    }

    /// <summary>try_number: array.Length numbers separated by sep (spaces skipped), ended by term; the length read, or 0.</summary>
    private static int TryNumber(ReadOnlySpan<byte> data, Span<uint> array, byte sep, byte term)
    {
        array.Clear();
        int i = 0, len = 0;
        for (; i < array.Length; len++)
        {
            var c = Libc.At(data, len);
            if (c is >= (byte)'0' and <= (byte)'9') array[i] = array[i] * 10 + (uint)(c - '0');
            else if (c == sep) i++;
            else if (c == ' ') continue;
            else return c == term && i == array.Length - 1 ? len : 0;
        }
        return 0; // failed to fill the numbers
    }

    /// <summary>get_port: digits (spaces skipped, 16-bit arithmetic) up to the delimiter; the length read, or 0 (also for port 0).</summary>
    private static int GetPort(ReadOnlySpan<byte> data, byte delim, out ushort port)
    {
        port = 0;
        ushort value = 0;
        for (var i = 0; ; i++)
        {
            var c = Libc.At(data, i);
            if (c == delim)
            {
                if (value == 0) return 0;
                port = value;
                return i + 1;
            }
            if (c is >= (byte)'0' and <= (byte)'9') value = (ushort)(value * 10 + c - '0');
            else if (c != ' ') return 0; // some other crap
        }
    }
}
