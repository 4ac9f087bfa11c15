namespace ConntrackTools.Engine.Helpers;

/// <summary>enum sip_header_types: the SIP headers the helper looks up (ct_sip_hdrs).</summary>
internal enum SipHeader
{
    CSeq,
    From,
    To,
    Contact,
    ViaUdp,
    ViaTcp,
    Expires,
    ContentLength,
    CallId,
}

/// <summary>enum sdp_header_types (ct_sdp_hdrs_v4 / _v6).</summary>
internal enum SdpHeader
{
    Unspec,
    Version,
    Owner,
    Connection,
    Media,
}

/// <summary>
/// One SIP message as nf_conntrack_sip's parsers read it (dptr, datalen): offsets count from the
/// message's first byte and <see cref="Length"/> is datalen, the limit the parsers respect. Where
/// the kernel reads past that limit (strncasecmp compares its whole needle, a ':' is looked for
/// right after a header name) the bytes are the rest of the segment, as in the kernel's linear
/// skb, and 0 past its end. The address family is the connection's (nf_ct_l3num): it decides
/// between in4_pton and in6_pton, "IN IP4 " and "IN IP6 ". Numbers are read as 6.18's stable
/// kernels read them: sip_strtouint and sip_parse_port, bounded, where older ones used simple_strtoul.
/// </summary>
internal readonly ref struct SipText
{
    private readonly ReadOnlySpan<byte> _data;

    public SipText(ReadOnlySpan<byte> data, int length, CtFamily family)
    {
        _data = data;
        Length = length;
        Family = family;
    }

    /// <summary>datalen.</summary>
    public int Length { get; }

    public CtFamily Family { get; }

    /// <summary>The byte at <paramref name="i"/>; 0 past the end of the segment.</summary>
    public byte this[int i] => (uint)i < (uint)_data.Length ? _data[i] : (byte)0;

    // ---- Character classes (lib/ctype.c: Latin-1 letters are letters too) ----

    public static bool IsAlpha(byte c) => c is >= (byte)'A' and <= (byte)'Z' or >= (byte)'a' and <= (byte)'z' or >= 192 and not 215 and not 247;

    public static bool IsDigit(byte c) => c is >= (byte)'0' and <= (byte)'9';

    private static byte Lower(byte c) => c is >= (byte)'A' and <= (byte)'Z' ? (byte)(c + 32) : c;

    /// <summary>iswordc: the characters of a Call-ID word.</summary>
    private static bool IsWordChar(byte c) =>
        IsAlpha(c) || IsDigit(c) || c is (byte)'!' or (byte)'"' or (byte)'%' or >= (byte)'(' and <= (byte)'+' or (byte)':' or (byte)'<' or (byte)'>'
            or (byte)'?' or >= (byte)'[' and <= (byte)']' or (byte)'_' or (byte)'`' or (byte)'{' or (byte)'}' or (byte)'~' or >= (byte)'-' and <= (byte)'/'
            or (byte)'\'';

    /// <summary>strncasecmp(dptr + at, needle, len) == 0 (a NUL in the data never matches).</summary>
    public bool CaseEquals(int at, ReadOnlySpan<byte> needle)
    {
        for (var k = 0; k < needle.Length; k++)
            if (Lower(this[at + k]) != Lower(needle[k])) return false;
        return true;
    }

    /// <summary>strncmp(dptr + at, needle, len) == 0.</summary>
    private bool BytesEqual(int at, ReadOnlySpan<byte> needle)
    {
        for (var k = 0; k < needle.Length; k++)
            if (this[at + k] != needle[k]) return false;
        return true;
    }

    private bool IsNewline(int at) => this[at] is (byte)'\r' or (byte)'\n';

    /// <summary>
    /// sip_strtouint: decimal digits within <paramref name="len"/> bytes (the kernel's bounded
    /// replacement of simple_strtoul). More than 11 digits, or a value above UINT_MAX, gives 0 with
    /// <paramref name="end"/> left at the start, as when there is no digit at all.
    /// </summary>
    public uint Strtouint(int at, uint len, out int end)
    {
        const uint max = 11; // sizeof("4294967295")
        var olen = len;
        if (len > max) len = max;
        ulong result = 0;
        var s = at;
        while (olen > 0 && IsDigit(this[s]))
        {
            if (len == 0) goto fail;
            result = result * 10 + (uint)(this[s] - '0');
            if (result > uint.MaxValue) goto fail;
            s++;
            len--;
            olen--;
        }
        end = s;
        return (uint)result;
    fail:
        end = at;
        return 0;
    }

    /// <summary>
    /// sip_parse_port: after an address, nothing (5060) or ':' and 1 to 5 digits in 1024..65535,
    /// followed by something before the limit; false when malformed (or at the limit).
    /// </summary>
    private bool ParsePort(int at, out int end, int limit, out ushort port)
    {
        end = at;
        port = 0;
        if (at >= limit) return false;
        if (this[at] != ':')
        {
            port = SipHelper.SipPort;
            return true;
        }
        at++; // skip ':'
        uint p = 0;
        var len = 0;
        while (at < limit && IsDigit(this[at]))
        {
            p = p * 10 + (uint)(this[at] - '0');
            at++;
            if (++len > 5) return false; // max "65535"
        }
        if (len == 0 || at >= limit) return false;
        if (p is < 1024 or > 65535) return false;
        port = (ushort)p;
        end = at;
        return true;
    }

    // ---- Match lengths (the match_len of struct sip_header) ----

    private enum Match : byte { Digits, SkipEndpoint, Endpoint, CallId, Media, SdpAddress }

    private readonly record struct HeaderSpec(byte[] Name, byte[]? Compact, byte[]? Search, Match Match);

    /// <summary>ct_sip_hdrs.</summary>
    private static readonly HeaderSpec[] SipHeaders =
    [
        new("CSeq"u8.ToArray(), null, null, Match.Digits),
        new("From"u8.ToArray(), "f"u8.ToArray(), "sip:"u8.ToArray(), Match.SkipEndpoint),
        new("To"u8.ToArray(), "t"u8.ToArray(), "sip:"u8.ToArray(), Match.SkipEndpoint),
        new("Contact"u8.ToArray(), "m"u8.ToArray(), "sip:"u8.ToArray(), Match.SkipEndpoint),
        new("Via"u8.ToArray(), "v"u8.ToArray(), "UDP "u8.ToArray(), Match.Endpoint),
        new("Via"u8.ToArray(), "v"u8.ToArray(), "TCP "u8.ToArray(), Match.Endpoint),
        new("Expires"u8.ToArray(), null, null, Match.Digits),
        new("Content-Length"u8.ToArray(), "l"u8.ToArray(), null, Match.Digits),
        new("Call-Id"u8.ToArray(), "i"u8.ToArray(), null, Match.CallId),
    ];

    /// <summary>ct_sdp_hdrs_v4 and ct_sdp_hdrs_v6, indexed by <see cref="SdpHeader"/> (Unspec is empty).</summary>
    private static readonly HeaderSpec[] SdpHeadersV4 =
    [
        new([], null, null, Match.Digits),
        new("v="u8.ToArray(), null, null, Match.Digits),
        new("o="u8.ToArray(), null, "IN IP4 "u8.ToArray(), Match.SdpAddress),
        new("c="u8.ToArray(), null, "IN IP4 "u8.ToArray(), Match.SdpAddress),
        new("m="u8.ToArray(), null, null, Match.Media),
    ];

    private static readonly HeaderSpec[] SdpHeadersV6 =
    [
        new([], null, null, Match.Digits),
        new("v="u8.ToArray(), null, null, Match.Digits),
        new("o="u8.ToArray(), null, "IN IP6 "u8.ToArray(), Match.SdpAddress),
        new("c="u8.ToArray(), null, "IN IP6 "u8.ToArray(), Match.SdpAddress),
        new("m="u8.ToArray(), null, null, Match.Media),
    ];

    private int MatchLength(Match match, int at, int limit, ref int shift) => match switch
    {
        Match.Digits => DigitsLength(at, limit),
        Match.SkipEndpoint => SkipEndpointLength(at, limit, ref shift),
        Match.Endpoint => EndpointLength(at, limit),
        Match.CallId => CallIdLength(at, limit),
        Match.Media => MediaLength(at, limit),
        _ => SdpAddressLength(at, limit),
    };

    /// <summary>string_len: letters.</summary>
    private int StringLength(int at, int limit)
    {
        var len = 0;
        while (at < limit && IsAlpha(this[at])) { at++; len++; }
        return len;
    }

    /// <summary>digits_len.</summary>
    private int DigitsLength(int at, int limit)
    {
        var len = 0;
        while (at < limit && IsDigit(this[at])) { at++; len++; }
        return len;
    }

    /// <summary>word_len.</summary>
    private int WordLength(int at, int limit)
    {
        var len = 0;
        while (at < limit && IsWordChar(this[at])) { at++; len++; }
        return len;
    }

    /// <summary>callid_len: word[@word].</summary>
    private int CallIdLength(int at, int limit)
    {
        var len = WordLength(at, limit);
        at += len;
        if (len == 0 || at == limit || this[at] != '@') return len;
        at++;
        len++;
        var domain = WordLength(at, limit);
        return domain == 0 ? 0 : len + domain;
    }

    /// <summary>media_len: the media type, one space, the port's digits.</summary>
    private int MediaLength(int at, int limit)
    {
        var len = StringLength(at, limit);
        at += len;
        if (at >= limit || this[at] != ' ') return 0;
        len++;
        at++;
        return len + DigitsLength(at, limit);
    }

    /// <summary>epaddr_len: an address (bracketed for IPv6) and an optional ":port" that sip_parse_port accepts.</summary>
    private int EndpointLength(int at, int limit)
    {
        var start = at;
        if (!ParseAddress(at, out at, out _, limit, true)) return 0;
        if (!ParsePort(at, out at, limit, out _)) return 0;
        return at - start;
    }

    /// <summary>skp_epaddr_len: skips user info up to an '@' on the line (counted in shift), then epaddr_len.</summary>
    private int SkipEndpointLength(int at, int limit, ref int shift)
    {
        var start = at;
        var s = shift;
        while (at < limit && this[at] != '@' && this[at] != '\r' && this[at] != '\n')
        {
            shift++;
            at++;
        }
        if (at < limit && this[at] == '@')
        {
            at++;
            shift++;
        }
        else
        {
            at = start;
            shift = s;
        }
        return EndpointLength(at, limit);
    }

    /// <summary>sdp_addr_len.</summary>
    private int SdpAddressLength(int at, int limit) => SdpParseAddress(at, out var end, out _, limit) ? end - at : 0;

    // ---- Addresses ----

    /// <summary>sip_parse_addr: in4_pton, or in6_pton inside brackets (required when <paramref name="delim"/>).</summary>
    public bool ParseAddress(int at, out int end, out UInt128 address, int limit, bool delim)
    {
        address = 0;
        end = at;
        if (Family == CtFamily.IPv4) return In4Pton(at, limit - at, out address, out end);
        if (at < limit && this[at] == '[') at++;
        else if (delim) return false;
        if (!In6Pton(at, limit - at, out address, out end)) return false;
        if (end < limit && this[end] == ']') end++;
        else if (delim) return false;
        return true;
    }

    /// <summary>sdp_parse_addr: a bare address.</summary>
    private bool SdpParseAddress(int at, out int end, out UInt128 address, int limit) =>
        Family == CtFamily.IPv4 ? In4Pton(at, limit - at, out address, out end) : In6Pton(at, limit - at, out address, out end);

    private const int XDigit = 0x00010000, Digit = 0x00020000, ColonMask = 0x00700000, Colon1 = 0x00100000, Colon2 = 0x00200000,
        Colon12 = 0x00400000, Dot = 0x00800000, Delim = 0x10000000, Null = 0x20000000;

    /// <summary>xdigit2bin with delim -1: anything but a hex digit, ':' or '.' ends the address.</summary>
    private static int XDigitToBin(byte c)
    {
        if (c == ':') return ColonMask;
        if (c == '.') return Dot;
        if (IsDigit(c)) return (c - '0') | XDigit | Digit;
        if (c is >= (byte)'a' and <= (byte)'f' or >= (byte)'A' and <= (byte)'F') return ((c | 0x20) - 'a' + 10) | XDigit;
        return Delim;
    }

    /// <summary>in4_pton(src, srclen, dst, -1, &amp;end): four decimal octets up to any other character.</summary>
    private bool In4Pton(int s, int srclen, out UInt128 address, out int end)
    {
        address = 0;
        uint result = 0;
        int value = 0, i = 0;
        var seen = false;
        while (true)
        {
            var c = XDigitToBin(srclen > 0 ? this[s] : (byte)0);
            if ((c & (Digit | Dot | Delim | ColonMask)) == 0) goto fail;
            if ((c & (Dot | Delim | ColonMask)) != 0)
            {
                if (!seen) goto fail;
                result = result << 8 | (uint)value;
                value = 0;
                seen = false;
                i++;
                if ((c & (Delim | ColonMask)) != 0)
                {
                    if (i != 4) goto fail;
                    break;
                }
            }
            else
            {
                value = value * 10 + (c & 0xff);
                seen = true;
                if (value > 255) goto fail;
            }
            if (i >= 4) goto fail;
            s++;
            srclen--;
        }
        address = result;
        end = s;
        return true;
    fail:
        end = s;
        return false;
    }

    /// <summary>in6_pton(src, srclen, dst, -1, &amp;end): the kernel's state machine, "::" and a dotted IPv4 tail included.</summary>
    private bool In6Pton(int s, int srclen, out UInt128 address, out int end)
    {
        address = 0;
        Span<byte> dbuf = stackalloc byte[16];
        dbuf.Clear();
        int tok = -1, d = 0, dc = -1, w = 0;
        var state = Colon12 | XDigit | Null;
        while (true)
        {
            var c = XDigitToBin(srclen > 0 ? this[s] : (byte)0);
            if ((c & state) == 0) goto fail;
            if ((c & (Delim | ColonMask)) != 0)
            {
                // process one 16-bit word
                if ((state & Null) == 0)
                {
                    dbuf[d++] = (byte)(w >> 8);
                    dbuf[d++] = (byte)w;
                }
                w = 0;
                if ((c & Delim) != 0) break; // the last word
                switch (state & ColonMask)
                {
                    case Colon2:
                        dc = d;
                        state = XDigit | Delim;
                        if (dc >= 16) state |= Null;
                        break;
                    case Colon1 | Colon12:
                        state = XDigit | Colon2;
                        break;
                    case Colon1:
                        state = XDigit;
                        break;
                    case Colon12:
                        state = Colon2;
                        break;
                    default:
                        state = 0;
                        break;
                }
                tok = s + 1;
            }
            else if ((c & Dot) != 0)
            {
                var from = tok < 0 ? s : tok;
                if (!In4Pton(from, srclen + (s - from), out var v4, out s)) goto fail;
                dbuf[d++] = (byte)(v4 >> 24);
                dbuf[d++] = (byte)(v4 >> 16);
                dbuf[d++] = (byte)(v4 >> 8);
                dbuf[d++] = (byte)v4;
                break;
            }
            else
            {
                w = (w << 4) | (0xff & c);
                state = Colon1 | Delim;
                if ((w & 0xf000) == 0) state |= XDigit;
                if (dc < 0 && d + 2 < 16)
                {
                    state |= Colon12;
                    state &= ~Delim;
                }
                if (d + 2 >= 16) state &= ~(Colon1 | Colon12);
            }
            // cont:
            if ((dc >= 0 && d + 4 < 16) || d + 4 == 16) state |= Dot;
            if (d >= 16) state &= ~(XDigit | ColonMask);
            s++;
            srclen--;
        }

        Span<byte> dst = stackalloc byte[16];
        var i = 15;
        d--;
        if (dc >= 0)
        {
            while (d >= dc) dst[i--] = dbuf[d--];
            while (i >= dc) dst[i--] = 0;
            while (i >= 0) dst[i--] = dbuf[d--];
        }
        else dbuf.CopyTo(dst);
        address = HelperCall.Address(dst);
        end = s;
        return true;
    fail:
        end = s;
        return false;
    }

    // ---- SIP headers ----

    /// <summary>sip_follow_continuation: past a newline; the first non-blank of a continuation line, or -1 (NULL).</summary>
    private int FollowContinuation(int at, int limit)
    {
        if (++at >= limit) return -1;
        if (this[at - 1] == '\r' && this[at] == '\n' && ++at >= limit) return -1;
        if (this[at] != ' ' && this[at] != '\t') return -1;
        for (; at < limit; at++)
            if (this[at] != ' ' && this[at] != '\t') break;
        return at;
    }

    /// <summary>sip_skip_whitespace: blanks and continuation lines; -1 (NULL) when a line ends the header.</summary>
    private int SkipWhitespace(int at, int limit)
    {
        for (; at < limit; at++)
        {
            if (this[at] is (byte)' ' or (byte)'\t') continue;
            if (!IsNewline(at)) break;
            return FollowContinuation(at, limit);
        }
        return at;
    }

    /// <summary>ct_sip_header_search: a needle (any case) within a header's value and its continuation lines; -1 when none.</summary>
    private int HeaderSearch(int at, int limit, ReadOnlySpan<byte> needle)
    {
        for (limit -= needle.Length; at < limit; at++)
        {
            if (IsNewline(at))
            {
                at = FollowContinuation(at, limit);
                if (at < 0) break;
                continue;
            }
            if (CaseEquals(at, needle)) return at;
        }
        return -1;
    }

    /// <summary>
    /// ct_sip_get_header: the first header of the type at the start of a line after
    /// <paramref name="dataoff"/> (full name, or compact name not followed by a letter), its value's
    /// offset and match length: 1 found, 0 none, -1 found but its value does not parse. A header
    /// name not followed by a colon ends the search.
    /// </summary>
    public int GetHeader(int dataoff, SipHeader type, out int matchoff, out int matchlen)
    {
        var hdr = SipHeaders[(int)type];
        var limit = Length;
        var shift = 0;
        matchoff = matchlen = 0;
        for (var at = dataoff; at < limit; at++)
        {
            // Find beginning of line
            if (!IsNewline(at)) continue;
            if (++at >= limit) break;
            if (this[at - 1] == '\r' && this[at] == '\n' && ++at >= limit) break;
            // Skip continuation lines
            if (this[at] is (byte)' ' or (byte)'\t') continue;
            if (limit - at >= hdr.Name.Length && CaseEquals(at, hdr.Name)) at += hdr.Name.Length;
            else if (hdr.Compact is { } compact && limit - at >= compact.Length + 1 && CaseEquals(at, compact) && !IsAlpha(this[at + compact.Length]))
                at += compact.Length;
            else continue;

            // Find and skip colon
            at = SkipWhitespace(at, limit);
            if (at < 0) break;
            if (this[at] != ':' || ++at >= limit) break;
            // Skip whitespace after colon
            at = SkipWhitespace(at, limit);
            if (at < 0) break;

            matchoff = at;
            if (hdr.Search is { } search)
            {
                at = HeaderSearch(at, limit, search);
                if (at < 0) return -1;
                at += search.Length;
            }
            matchlen = MatchLength(hdr.Match, at, limit, ref shift);
            if (matchlen == 0) return -1;
            matchoff = at + shift;
            return 1;
        }
        return 0;
    }

    /// <summary>ct_sip_next_header: the next value of a comma-separated list within the same header.</summary>
    private int NextHeader(int dataoff, SipHeader type, out int matchoff, out int matchlen)
    {
        var hdr = SipHeaders[(int)type];
        var shift = 0;
        matchoff = matchlen = 0;
        var at = HeaderSearch(dataoff, Length, ","u8);
        if (at < 0) return 0;
        at = HeaderSearch(at, Length, hdr.Search);
        if (at < 0) return 0;
        at += hdr.Search!.Length;
        matchoff = at;
        matchlen = MatchLength(hdr.Match, at, Length, ref shift);
        if (matchlen == 0) return -1;
        matchoff += shift;
        return 1;
    }

    /// <summary>ct_sip_walk_headers: the next parsable header of the type (the rest of the current list first when <paramref name="inHeader"/>).</summary>
    private int WalkHeaders(int dataoff, SipHeader type, ref int inHeader, bool trackInHeader, out int matchoff, out int matchlen)
    {
        int ret;
        matchoff = matchlen = 0;
        if (trackInHeader && inHeader != 0)
        {
            while (true)
            {
                ret = NextHeader(dataoff, type, out matchoff, out matchlen);
                if (ret > 0) return ret;
                if (ret == 0) break;
                dataoff = matchoff;
            }
            inHeader = 0;
        }
        while (true)
        {
            ret = GetHeader(dataoff, type, out matchoff, out matchlen);
            if (ret > 0) break;
            if (ret == 0) return ret;
            dataoff = matchoff;
        }
        if (trackInHeader) inHeader = 1;
        return 1;
    }

    /// <summary>
    /// ct_sip_parse_header_uri: the URI address of the next header of the type, and its port (5060
    /// when none). A stream of headers is read by passing <paramref name="dataoff"/> and
    /// <paramref name="inHeader"/> along (with <paramref name="stream"/>). A URI whose address or
    /// port does not parse is skipped by the header walk already, so -1 is for the kernel's sake.
    /// </summary>
    public int ParseHeaderUri(ref int dataoff, ref int inHeader, bool stream, SipHeader type, out int matchoff, out int matchlen, out UInt128 address, out ushort port)
    {
        address = 0;
        port = 0;
        var ret = WalkHeaders(stream ? dataoff : 0, type, ref inHeader, stream, out matchoff, out matchlen);
        if (ret == 0) return ret;
        if (!ParseAddress(matchoff, out var c, out address, Length, true)) return -1;
        if (!ParsePort(c, out c, Length, out port)) return -1;
        if (stream) dataoff = c;
        return 1;
    }

    /// <summary>The end of the current list element: the next ',' in the header, or datalen.</summary>
    private int ParamLimit(int dataoff)
    {
        var limit = HeaderSearch(dataoff, Length, ","u8);
        return limit < 0 ? Length : limit;
    }

    /// <summary>ct_sip_parse_param: a "name=" parameter's value, up to ';' or the element's end.</summary>
    private int ParseParam(int dataoff, ReadOnlySpan<byte> name, out int matchoff, out int matchlen)
    {
        matchoff = matchlen = 0;
        var limit = ParamLimit(dataoff);
        var start = HeaderSearch(dataoff, limit, name);
        if (start < 0) return 0;
        start += name.Length;
        var end = HeaderSearch(start, limit, ";"u8);
        if (end < 0) end = limit;
        matchoff = start;
        matchlen = end - start;
        return 1;
    }

    /// <summary>ct_sip_parse_numerical_param: 1 and the value (decimal, within the list element), 0 when absent, -1 when no number follows.</summary>
    public int ParseNumericalParam(int dataoff, ReadOnlySpan<byte> name, ref uint value)
    {
        var limit = ParamLimit(dataoff);
        var start = HeaderSearch(dataoff, limit, name);
        if (start < 0) return 0;
        start += name.Length;
        value = Strtouint(start, (uint)(limit - start), out var end);
        return start == end ? -1 : 1;
    }

    /// <summary>ct_sip_parse_transport: "transport=" TCP or UDP, which must be the connection's protocol; without it, the connection's.</summary>
    public bool ParseTransport(int dataoff, CtProtocol connection, out CtProtocol protocol)
    {
        protocol = connection;
        if (ParseParam(dataoff, "transport="u8, out var matchoff, out _) == 0) return true;
        if (CaseEquals(matchoff, "TCP"u8)) protocol = CtProtocol.Tcp;
        else if (CaseEquals(matchoff, "UDP"u8)) protocol = CtProtocol.Udp;
        else return false;
        return protocol == connection;
    }

    // ---- SDP ----

    /// <summary>ct_sdp_header_search: a needle (exact case) on the current line only.</summary>
    private int SdpHeaderSearch(int at, int limit, ReadOnlySpan<byte> needle)
    {
        for (limit -= needle.Length; at < limit; at++)
        {
            if (IsNewline(at)) break;
            if (BytesEqual(at, needle)) return at;
        }
        return -1;
    }

    /// <summary>
    /// ct_sip_get_sdp_header: the first SDP line of the type after <paramref name="dataoff"/>,
    /// stopping at the first line of type <paramref name="term"/>: 1 found, 0 none, -1 unparsable.
    /// </summary>
    public int GetSdpHeader(int dataoff, SdpHeader type, SdpHeader term, out int matchoff, out int matchlen)
    {
        var table = Family == CtFamily.IPv4 ? SdpHeadersV4 : SdpHeadersV6;
        var hdr = table[(int)type];
        var thdr = table[(int)term];
        var limit = Length;
        var shift = 0;
        matchoff = matchlen = 0;
        for (var at = dataoff; at < limit; at++)
        {
            // Find beginning of line
            if (!IsNewline(at)) continue;
            if (++at >= limit) break;
            if (this[at - 1] == '\r' && this[at] == '\n' && ++at >= limit) break;

            if (term != SdpHeader.Unspec && limit - at >= thdr.Name.Length && CaseEquals(at, thdr.Name)) break;
            if (limit - at >= hdr.Name.Length && CaseEquals(at, hdr.Name)) at += hdr.Name.Length;
            else continue;

            matchoff = at;
            if (hdr.Search is { } search)
            {
                at = SdpHeaderSearch(at, limit, search);
                if (at < 0) return -1;
                at += search.Length;
            }
            matchlen = MatchLength(hdr.Match, at, limit, ref shift);
            if (matchlen == 0) return -1;
            matchoff = at + shift;
            return 1;
        }
        return 0;
    }

    /// <summary>ct_sip_parse_sdp_addr: an o= or c= line's address.</summary>
    public int ParseSdpAddress(int dataoff, SdpHeader type, SdpHeader term, out int matchoff, out int matchlen, out UInt128 address)
    {
        address = 0;
        var ret = GetSdpHeader(dataoff, type, term, out matchoff, out matchlen);
        if (ret <= 0) return ret;
        return SdpParseAddress(matchoff, out _, out address, matchoff + matchlen) ? 1 : -1;
    }
}
