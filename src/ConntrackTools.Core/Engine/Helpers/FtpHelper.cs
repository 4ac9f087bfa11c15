using System.Buffers.Binary;
using System.Net;

namespace ConntrackTools.Engine.Helpers;

/// <summary>
/// nf_conntrack_ftp: reads PORT and EPRT from the client and 227 (PASV) and 229 (EPSV) replies from
/// the server, at the start of a line only (it tracks the sequence number after each newline), and
/// expects the data connection: from the peer's address, any source port, to the address and port
/// in the command. An address other than the sender's is refused unless the loose option is on.
/// </summary>
internal sealed class FtpHelper : ConntrackHelper
{
    private const int NumSeqToRemember = 2;

    public override string Name => "ftp";
    public override CtProtocol Protocol => CtProtocol.Tcp;
    public override IReadOnlyList<ushort> Ports { get; } = [21];
    public override IReadOnlyList<ExpectPolicy> Policies { get; } = [new("ftp", 1, 5 * 60)];

    public override IReadOnlyList<HelperOption> Options { get; } =
        [new("loose", 0, "Accept PORT/EPRT/PASV addresses other than the sender's (opens connections to third parties).")];

    public override IReadOnlyList<CtExpectationShape> Shapes => _shapes ??=
    [
        Shape("data connection", CtProtocol.Tcp, CtFieldOrigin.Fixed, CtFieldOrigin.Any, CtFieldOrigin.Fixed, CtFieldOrigin.InCommand, "loose=0"),
        Shape("data connection", CtProtocol.Tcp, CtFieldOrigin.Fixed, CtFieldOrigin.Any, CtFieldOrigin.InCommand, CtFieldOrigin.InCommand, "loose=1"),
    ];
    private CtExpectationShape[]? _shapes;

    /// <summary>struct nf_ct_ftp_master: sequence numbers just after a newline, per direction.</summary>
    private sealed class State
    {
        public readonly uint[,] SeqAfterNewline = new uint[2, NumSeqToRemember];
        public readonly int[] Count = new int[2];
    }

    private delegate int GetNum(ReadOnlySpan<byte> data, ref Command cmd, byte term, ref int offset);

    private struct Command
    {
        public CtFamily Family;
        public UInt128 Address;
        public ushort Port;
    }

    private readonly record struct Search(string Pattern, byte Skip, byte Term, GetNum Get);

    private static readonly Search[][] Searches =
    [
        [new("PORT", (byte)' ', (byte)'\r', TryRfc959), new("EPRT", (byte)' ', (byte)'\r', TryEprt)],
        [new("227 ", 0, 0, TryRfc1123), new("229 ", (byte)'(', (byte)')', TryEpsvResponse)],
    ];

    public override HelperVerdict Help(HelperCall call, ReadOnlySpan<byte> l4)
    {
        // Until there's been traffic both ways, don't look in packets.
        if (call.Info is not (CtInfo.Established or CtInfo.EstablishedReply)) return HelperVerdict.Accept;
        if (!HelperCall.TcpPayload(l4, out var data, out var thSeq)) return HelperVerdict.Accept;
        var info = call.State as State ?? (State)(call.State = new State());
        var dir = call.Direction;
        var endsInNewline = data[^1] == (byte)'\n';
        var seq = thSeq + (uint)data.Length;
        var verdict = HelperVerdict.Accept;

        if (!FindNewlineSeq(thSeq, info, dir))
        {
            // Not just after a newline: only remember where the next line starts.
            if (endsInNewline) UpdateNewlineSeq(seq, info, dir);
            return HelperVerdict.Accept;
        }

        // The address defaults to the sender's (EPSV replies carry none).
        var own = call.Tuple(dir);
        var cmd = new Command { Family = call.Family, Address = own.Source };
        var found = 0;
        var i = 0;
        for (; i < Searches[dir].Length; i++)
        {
            found = FindPattern(data, Searches[dir][i], ref cmd);
            if (found != 0) break;
        }
        if (found == -1)
        {
            // A command cut short: the kernel drops it so that the whole line arrives again.
            call.Log($"partial matching of `{Searches[dir][Math.Min(i, Searches[dir].Length - 1)].Pattern}'");
            return HelperVerdict.Drop; // out: the newline position is not updated
        }
        if (found == 1)
        {
            // We refer to the reverse direction tuples: the connection comes the other way.
            var other = call.Tuple(1 - dir);
            var daddr = other.Destination;
            var expect = true;
            if (cmd.Family == call.Family && cmd.Address != own.Source)
            {
                // An address other than the sender's: a third party. Only with loose=1.
                if (call.Option("loose") == 0) expect = false;
                else daddr = cmd.Address;
            }
            if (expect)
            {
                var exp = call.NewExpectation(0, cmd.Family, other.Source, daddr, CtProtocol.Tcp, null, cmd.Port);
                if (call.ExpectRelated(exp) != ExpectResult.Added)
                {
                    call.Log("cannot add expectation");
                    verdict = HelperVerdict.Drop;
                }
            }
        }
        if (endsInNewline) UpdateNewlineSeq(seq, info, dir);
        return verdict;
    }

    /// <summary>find_pattern: 1 matched, 0 not this command, -1 partial (the packet ends inside it).</summary>
    private static int FindPattern(ReadOnlySpan<byte> data, in Search s, ref Command cmd)
    {
        var plen = s.Pattern.Length;
        if (data.Length <= plen)
            return StartsWithIgnoreCase(data, s.Pattern, data.Length) ? -1 : 0;
        if (!StartsWithIgnoreCase(data, s.Pattern, plen)) return 0;
        var i = plen;
        if (s.Skip != 0)
        {
            for (i = plen; data[i] != s.Skip; i++)
                if (i == data.Length - 1) return -1;
            i++;
        }
        var offset = i;
        var numlen = s.Get(data[i..], ref cmd, s.Term, ref offset);
        return numlen == 0 ? -1 : 1;
    }

    private static bool StartsWithIgnoreCase(ReadOnlySpan<byte> data, string pattern, int n)
    {
        for (var k = 0; k < n; k++)
            if (char.ToLowerInvariant((char)data[k]) != char.ToLowerInvariant(pattern[k])) return false;
        return true;
    }

    /// <summary>try_number: array_size numbers separated by sep, ended by term (or anything when term is 0); the length read, or 0.</summary>
    private static int TryNumber(ReadOnlySpan<byte> data, Span<uint> array, byte sep, byte term)
    {
        array.Clear();
        int i = 0, len = 0;
        for (; len < data.Length && i < array.Length; len++)
        {
            var c = data[len];
            if (c is >= (byte)'0' and <= (byte)'9') array[i] = array[i] * 10 + (uint)(c - '0');
            else if (c == sep) i++;
            else
            {
                // Unexpected character: fine if it is the terminator and all numbers are there.
                if ((c == term || term == 0) && i == array.Length - 1) return len;
                return 0;
            }
        }
        return 0;
    }

    /// <summary>try_rfc959: "192,168,1,1,5,6".</summary>
    private static int TryRfc959(ReadOnlySpan<byte> data, ref Command cmd, byte term, ref int offset)
    {
        Span<uint> a = stackalloc uint[6];
        var length = TryNumber(data, a, (byte)',', term);
        if (length == 0) return 0;
        cmd.Address = (uint)((a[0] << 24) | (a[1] << 16) | (a[2] << 8) | a[3]);
        cmd.Port = (ushort)((a[4] << 8) | a[5]);
        return length;
    }

    /// <summary>try_rfc1123: the 227 reply's numbers start at its first digit, parentheses or not.</summary>
    private static int TryRfc1123(ReadOnlySpan<byte> data, ref Command cmd, byte term, ref int offset)
    {
        var i = 0;
        for (; i < data.Length; i++)
            if (data[i] is >= (byte)'0' and <= (byte)'9') break;
        if (i == data.Length) return 0;
        offset += i;
        return TryRfc959(data[i..], ref cmd, 0, ref offset);
    }

    /// <summary>get_port: a number up to the delimiter; the index after it, or 0 (also for port 0).</summary>
    private static int GetPort(ReadOnlySpan<byte> data, int start, byte delim, ref Command cmd)
    {
        ushort port = 0;
        for (var i = start; i < data.Length; i++)
        {
            if (data[i] == delim)
            {
                if (port == 0) break;
                cmd.Port = port;
                return i + 1;
            }
            if (data[i] is >= (byte)'0' and <= (byte)'9') port = (ushort)(port * 10 + data[i] - '0');
            else break;
        }
        return 0;
    }

    /// <summary>try_eprt: "|1|132.235.1.2|6275|" or "|2|3ffe::1|6275|"; the protocol number must be the connection's family.</summary>
    private static int TryEprt(ReadOnlySpan<byte> data, ref Command cmd, byte term, ref int offset)
    {
        if (data.Length <= 3) return 0;
        var delim = data[0];
        if (delim is >= (byte)'0' and <= (byte)'9' || delim < 33 || delim > 126 || data[2] != delim) return 0;
        if ((cmd.Family == CtFamily.IPv4 && data[1] != '1') || (cmd.Family == CtFamily.IPv6 && data[1] != '2')) return 0;
        int length;
        if (data[1] == '1')
        {
            Span<uint> a = stackalloc uint[4];
            length = TryNumber(data[3..], a, (byte)'.', delim);
            if (length != 0) cmd.Address = (uint)((a[0] << 24) | (a[1] << 16) | (a[2] << 8) | a[3]);
        }
        else length = GetIpv6Address(data[3..], delim, ref cmd);
        if (length == 0) return 0;
        return GetPort(data, 3 + length + 1, delim, ref cmd);
    }

    /// <summary>get_ipv6_addr: in6_pton up to the delimiter; the length read, or 0.</summary>
    private static int GetIpv6Address(ReadOnlySpan<byte> data, byte delim, ref Command cmd)
    {
        var end = data[..Math.Min(data.Length, 0xffff)].IndexOf(delim);
        if (end <= 0) return 0;
        Span<char> text = stackalloc char[Math.Min(end, 64)];
        if (end > 64) return 0;
        for (var k = 0; k < end; k++) text[k] = (char)data[k];
        if (!In6Pton(text, out var address)) return 0;
        cmd.Address = address;
        return end;
    }

    /// <summary>in6_pton's grammar: hex groups, one "::", an optional dotted IPv4 tail; no zone or prefix.</summary>
    private static bool In6Pton(ReadOnlySpan<char> text, out UInt128 address)
    {
        address = 0;
        foreach (var c in text)
            if (!(char.IsAsciiHexDigit(c) || c is ':' or '.')) return false;
        if (!IPAddress.TryParse(text, out var ip) || ip.AddressFamily != System.Net.Sockets.AddressFamily.InterNetworkV6) return false;
        Span<byte> bytes = stackalloc byte[16];
        ip.TryWriteBytes(bytes, out _);
        address = BinaryPrimitives.ReadUInt128BigEndian(bytes);
        return true;
    }

    /// <summary>try_epsv_response: "|||6446|".</summary>
    private static int TryEpsvResponse(ReadOnlySpan<byte> data, ref Command cmd, byte term, ref int offset)
    {
        if (data.Length <= 3) return 0;
        var delim = data[0];
        if (delim is >= (byte)'0' and <= (byte)'9' || delim < 33 || delim > 126 || data[1] != delim || data[2] != delim) return 0;
        return GetPort(data, 3, delim, ref cmd);
    }

    private static bool FindNewlineSeq(uint seq, State info, int dir)
    {
        for (var i = 0; i < info.Count[dir]; i++)
            if (info.SeqAfterNewline[dir, i] == seq) return true;
        return false;
    }

    /// <summary>update_nl_seq: remember up to two; a newer one replaces the older.</summary>
    private static void UpdateNewlineSeq(uint nlSeq, State info, int dir)
    {
        for (var i = 0; i < info.Count[dir]; i++)
            if (info.SeqAfterNewline[dir, i] == nlSeq) return;
        if (info.Count[dir] < NumSeqToRemember)
        {
            info.SeqAfterNewline[dir, info.Count[dir]++] = nlSeq;
            return;
        }
        var oldest = Before(info.SeqAfterNewline[dir, 0], info.SeqAfterNewline[dir, 1]) ? 0 : 1;
        if (After(nlSeq, info.SeqAfterNewline[dir, oldest])) info.SeqAfterNewline[dir, oldest] = nlSeq;
    }

    private static bool Before(uint a, uint b) => (int)(a - b) < 0;
    private static bool After(uint a, uint b) => Before(b, a);
}
