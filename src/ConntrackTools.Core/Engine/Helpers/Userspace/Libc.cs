using System.Buffers.Binary;

namespace ConntrackTools.Engine.Helpers.Userspace;

/// <summary>
/// The C library calls conntrackd's helpers parse with, as glibc does them, on byte spans. A
/// helper reads the packet out of a pkt_buff (libnetfilter_queue pktb_alloc), which is calloc'ed
/// with 256 spare bytes after the packet: reads a little past the end see zeros, so
/// <see cref="At"/> answers 0 there.
/// </summary>
internal static class Libc
{
    /// <summary>The byte at <paramref name="index"/>, or 0 past the end (pktb's zeroed tail).</summary>
    public static byte At(ReadOnlySpan<byte> data, int index) => (uint)index < (uint)data.Length ? data[index] : (byte)0;

    /// <summary>The bytes up to the first NUL: what a C string function sees.</summary>
    public static ReadOnlySpan<byte> CString(ReadOnlySpan<byte> data)
    {
        var nul = data.IndexOf((byte)0);
        return nul < 0 ? data : data[..nul];
    }

    /// <summary>strncasecmp(text, data, text.Length) == 0 in the C locale (a NUL or the end in data differs).</summary>
    public static bool StartsWithIgnoreCase(ReadOnlySpan<byte> data, string text)
    {
        if (data.Length < text.Length) return false;
        for (var i = 0; i < text.Length; i++)
            if (ToLower(data[i]) != ToLower((byte)text[i])) return false;
        return true;
    }

    /// <summary>tolower in the C locale: ASCII letters only.</summary>
    private static byte ToLower(byte c) => c is >= (byte)'A' and <= (byte)'Z' ? (byte)(c | 0x20) : c;

    /// <summary>strncmp / memcmp against ASCII text: case-sensitive.</summary>
    public static bool StartsWith(ReadOnlySpan<byte> data, string text)
    {
        if (data.Length < text.Length) return false;
        for (var i = 0; i < text.Length; i++)
            if (data[i] != text[i]) return false;
        return true;
    }

    /// <summary>strstr on a C string: the index of <paramref name="needle"/> before the first NUL, or -1.</summary>
    public static int StrStr(ReadOnlySpan<byte> data, ReadOnlySpan<byte> needle) => CString(data).IndexOf(needle);

    /// <summary>strtol(s, NULL, 10): spaces, a sign, digits; clamped to LONG_MIN/LONG_MAX on overflow.</summary>
    public static long StrToL(ReadOnlySpan<byte> s)
    {
        var i = 0;
        while (i < s.Length && s[i] is (byte)' ' or (byte)'\t' or (byte)'\n' or (byte)'\v' or (byte)'\f' or (byte)'\r') i++;
        var negative = false;
        if (i < s.Length && s[i] is (byte)'+' or (byte)'-') negative = s[i++] == '-';
        ulong value = 0;
        var overflow = false;
        for (; i < s.Length && s[i] is >= (byte)'0' and <= (byte)'9'; i++)
        {
            var digit = (ulong)(s[i] - '0');
            if (value > (ulong.MaxValue - digit) / 10) { overflow = true; continue; }
            value = value * 10 + digit;
        }
        if (negative)
            return overflow || value > (ulong)long.MaxValue + 1 ? long.MinValue : (long)(0 - value);
        return overflow || value > long.MaxValue ? long.MaxValue : (long)value;
    }

    /// <summary>glibc inet_pton4: four decimal octets, no leading zeros, nothing else; the address in host order.</summary>
    public static bool InetPton4(ReadOnlySpan<byte> src, out uint address)
    {
        address = 0;
        Span<byte> tmp = stackalloc byte[4];
        tmp.Clear();
        int tp = 0, octets = 0;
        var sawDigit = false;
        foreach (var ch in src)
        {
            if (ch is >= (byte)'0' and <= (byte)'9')
            {
                var value = tmp[tp] * 10 + (ch - '0');
                if (sawDigit && tmp[tp] == 0) return false;
                if (value > 255) return false;
                tmp[tp] = (byte)value;
                if (!sawDigit)
                {
                    if (++octets > 4) return false;
                    sawDigit = true;
                }
            }
            else if (ch == '.' && sawDigit)
            {
                if (octets == 4) return false;
                tmp[++tp] = 0;
                sawDigit = false;
            }
            else return false;
        }
        if (octets < 4) return false;
        address = BinaryPrimitives.ReadUInt32BigEndian(tmp);
        return true;
    }

    /// <summary>glibc inet_pton6: hex groups of at most four digits, one "::", a dotted IPv4 tail.</summary>
    public static bool InetPton6(ReadOnlySpan<byte> src, out UInt128 address)
    {
        address = 0;
        Span<byte> tmp = stackalloc byte[16];
        tmp.Clear();
        int tp = 0, colon = -1, s = 0, curtok;
        if (src.IsEmpty) return false;
        if (src[0] == ':')
        {
            s++;
            if (s == src.Length || src[s] != ':') return false;
        }
        curtok = s;
        int xdigits = 0;
        uint val = 0;
        while (s < src.Length)
        {
            var ch = src[s++];
            var digit = HexValue(ch);
            if (digit >= 0)
            {
                if (xdigits == 4) return false;
                val = (val << 4) | (uint)digit;
                xdigits++;
                continue;
            }
            if (ch == ':')
            {
                curtok = s;
                if (xdigits == 0)
                {
                    if (colon >= 0) return false;
                    colon = tp;
                    continue;
                }
                if (s == src.Length) return false;
                if (tp + 2 > 16) return false;
                tmp[tp++] = (byte)(val >> 8);
                tmp[tp++] = (byte)val;
                xdigits = 0;
                val = 0;
                continue;
            }
            if (ch == '.' && tp + 4 <= 16 && InetPton4(src[curtok..], out var v4))
            {
                BinaryPrimitives.WriteUInt32BigEndian(tmp[tp..], v4);
                tp += 4;
                xdigits = 0;
                break;
            }
            return false;
        }
        if (xdigits > 0)
        {
            if (tp + 2 > 16) return false;
            tmp[tp++] = (byte)(val >> 8);
            tmp[tp++] = (byte)val;
        }
        if (colon >= 0)
        {
            if (tp == 16) return false;
            var n = tp - colon;
            tmp.Slice(colon, n).CopyTo(tmp[(16 - n)..]);
            tmp[colon..(16 - n)].Clear();
            tp = 16;
        }
        if (tp != 16) return false;
        address = BinaryPrimitives.ReadUInt128BigEndian(tmp);
        return true;
    }

    private static int HexValue(byte c) => c switch
    {
        >= (byte)'0' and <= (byte)'9' => c - '0',
        >= (byte)'a' and <= (byte)'f' => c - 'a' + 10,
        >= (byte)'A' and <= (byte)'F' => c - 'A' + 10,
        _ => -1,
    };
}
