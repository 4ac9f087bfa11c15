namespace ConntrackTools.Engine.Helpers;

/// <summary>
/// nf_conntrack_irc: reads the client's "PRIVMSG nick :\1DCC SEND|CHAT|MOVE|TSEND|SCHAT arg ip port..."
/// (only client to server, once traffic went both ways) and expects the DCC connection: TCP from
/// anywhere to the client's address and the port offered. An offer naming another address than the
/// client's (or port 0) is refused as forged. IPv4 only, as the kernel registers it.
/// </summary>
internal sealed class IrcHelper : ConntrackHelper
{
    /// <summary>MAX_SEARCH_SIZE: the kernel reads at most this much of a segment.</summary>
    private const int MaxSearchSize = 4095;

    /// <summary>MINMATCHLEN: the shortest DCC protocol word.</summary>
    private const int MinMatchLength = 5;

    /// <summary>dccprotos, in the kernel's order (each with its trailing space).</summary>
    private static readonly byte[][] DccProtos = [.. new[] { "SEND ", "CHAT ", "MOVE ", "TSEND ", "SCHAT " }.Select(s => s.Select(c => (byte)c).ToArray())];

    private static ReadOnlySpan<byte> Privmsg => "PRIVMSG "u8;
    private static ReadOnlySpan<byte> DccStart => "\u0001DCC "u8;

    public override string Name => "irc";
    public override CtProtocol Protocol => CtProtocol.Tcp;
    public override IReadOnlyList<ushort> Ports { get; } = [6667];

    /// <summary>irc_exp_policy: max_dcc_channels and dcc_timeout at their defaults.</summary>
    public override IReadOnlyList<ExpectPolicy> Policies { get; } = [new("irc", DefaultMaxDccChannels, DefaultDccTimeout)];

    /// <summary>nf_conntrack_irc_init: irc_exp_policy from max_dcc_channels and dcc_timeout.</summary>
    public override ExpectPolicy Policy(int expectClass, EngineSettings settings) =>
        new("irc", (int)Math.Clamp(settings.HelperOption(OptionName("max_dcc_channels")), 1, int.MaxValue),
            (uint)Math.Min(settings.HelperOption(OptionName("dcc_timeout")), uint.MaxValue));

    private const int DefaultMaxDccChannels = 8;
    private const uint DefaultDccTimeout = 300;

    public override IReadOnlyList<HelperOption> Options { get; } =
    [
        new("max_dcc_channels", DefaultMaxDccChannels, "Max number of expected DCC channels per IRC session (1 to 255); the oldest is evicted for a new one."),
        new("dcc_timeout", DefaultDccTimeout, "Timeout in seconds of an unestablished DCC channel."),
    ];

    public override IReadOnlyList<CtExpectationShape> Shapes => _shapes ??=
        [Shape("DCC connection", CtProtocol.Tcp, CtFieldOrigin.Any, CtFieldOrigin.Any, CtFieldOrigin.Fixed, CtFieldOrigin.InCommand)];
    private CtExpectationShape[]? _shapes;

    /// <summary>nf_ct_helper_init(&amp;irc[i], AF_INET, ...): no IPv6 helper is registered.</summary>
    public override bool Supports(CtFamily family) => family == CtFamily.IPv4;


    /// <summary>help() of nf_conntrack_irc.c.</summary>
    public override HelperVerdict Help(HelperCall call, ReadOnlySpan<byte> l4)
    {
        // If packet is coming from IRC server.
        if (call.Direction == 1) return HelperVerdict.Accept;
        // Until there's been traffic both ways, don't look in packets.
        if (call.Info is not (CtInfo.Established or CtInfo.EstablishedReply)) return HelperVerdict.Accept;
        if (!HelperCall.TcpPayload(l4, out var segment, out _)) return HelperVerdict.Accept;
        // The first MAX_SEARCH_SIZE bytes; data_limit is their end.
        var payload = segment[..Math.Min(segment.Length, MaxSearchSize)];
        var limit = payload.Length;
        var data = 0;

        // Skip any whitespace.
        while (data < limit - 10)
        {
            if (payload[data] is (byte)' ' or (byte)'\r' or (byte)'\n') data++;
            else break;
        }

        // strlen("PRIVMSG x ")=10
        if (data < limit - 10)
        {
            if (!EqualsIgnoreCase(payload.Slice(data, Privmsg.Length), Privmsg)) return HelperVerdict.Accept;
            data += Privmsg.Length;
        }

        // strlen(" :\1DCC SENT t AAAAAAAA P\1\n")=26
        while (data < limit - (21 + MinMatchLength))
        {
            // Find first " :", the start of message.
            if (payload[data] != ' ' || payload[data + 1] != ':')
            {
                data++;
                continue;
            }
            data += 2;

            // Then check that place only for the DCC command.
            if (!Matches(payload, data, DccStart)) return HelperVerdict.Accept;
            data += DccStart.Length;

            foreach (var proto in DccProtos)
            {
                if (!Matches(payload, data, proto)) continue;
                data += proto.Length;
                // A line that does not parse leaves data past the word: the next words are compared there.
                if (!ParseDcc(payload, data, limit, out var dccIp, out var dccPort)) continue;

                // dcc_ip can be the internal OR external (NAT'ed) IP.
                var tuple = call.Tuple(0);
                if (((uint)tuple.Source != dccIp && (uint)call.Tuple(1).Destination != dccIp) || dccPort == 0)
                {
                    call.Log($"Forged DCC command from {ConntrackEngine.ToAddress(CtFamily.IPv4, tuple.Source)}: {ConntrackEngine.ToAddress(CtFamily.IPv4, dccIp)}:{dccPort}");
                    continue;
                }

                // The connection comes to the client: the reply tuple's destination.
                var reply = call.Tuple(1);
                var exp = call.NewExpectation(0, reply.Family, null, reply.Destination, CtProtocol.Tcp, null, dccPort);
                return ExpectWithOptions(call, exp);
            }
        }
        return HelperVerdict.Accept;
    }

    /// <summary>nf_ct_expect_related under irc_exp_policy (see <see cref="Policy"/>); a failure drops the packet.</summary>
    private static HelperVerdict ExpectWithOptions(HelperCall call, Expectation exp)
    {
        if (call.ExpectRelated(exp) == ExpectResult.Added) return HelperVerdict.Accept;
        call.Log("cannot add expectation");
        return HelperVerdict.Drop;
    }

    /// <summary>
    /// parse_dcc: after the argument's space, "ip port" as decimal numbers, with a newline somewhere
    /// before the end (simple_strtoul reads up to the first non-digit). The kernel looks for the
    /// newline up to and including data_end, which is data_limit, one byte past what it read: what
    /// lies there (the skb's tail, or irc_buffer's byte left from an earlier copy) is taken as no
    /// newline, as the 6.18 kernel behaved for an offer without its newline (the parity test sends one).
    /// </summary>
    private static bool ParseDcc(ReadOnlySpan<byte> payload, int data, int end, out uint ip, out ushort port)
    {
        ip = 0;
        port = 0;
        // At least 12: "AAAAAAAA P\1\n".
        while (At(payload, data++) != ' ')
            if (data > end - 12) return false;

        // Make sure we have a newline character within the packet boundaries.
        var tmp = data;
        for (; tmp <= end; tmp++)
            if (At(payload, tmp) == '\n') break;
        if (tmp > end || At(payload, tmp) != '\n') return false;

        ip = (uint)SimpleStrtoul(payload, ref data);
        // Skip blanks between ip and port.
        while (At(payload, data) == ' ')
        {
            if (data >= end) return false;
            data++;
        }
        port = (ushort)SimpleStrtoul(payload, ref data);
        return true;
    }

    /// <summary>simple_strtoul(cp, &amp;end, 10): decimal digits, wrapping in 64 bits, no sign or spaces.</summary>
    private static ulong SimpleStrtoul(ReadOnlySpan<byte> payload, ref int p)
    {
        ulong value = 0;
        for (var c = At(payload, p); c is >= (byte)'0' and <= (byte)'9'; c = At(payload, ++p))
            value = unchecked(value * 10 + (ulong)(c - '0'));
        return value;
    }

    /// <summary>A byte of what the helper read; past its end (where the kernel reads whatever follows) nothing matches.</summary>
    private static byte At(ReadOnlySpan<byte> payload, int i) => (uint)i < (uint)payload.Length ? payload[i] : (byte)0;

    /// <summary>memcmp(data + at, word, strlen(word)) == 0.</summary>
    private static bool Matches(ReadOnlySpan<byte> payload, int at, ReadOnlySpan<byte> word) =>
        at >= 0 && at <= payload.Length - word.Length && payload.Slice(at, word.Length).SequenceEqual(word);

    /// <summary>
    /// strncasecmp(word, data, n) == 0. The word is ASCII, so the kernel's tolower (which also lowers
    /// Latin-1 capitals, never to ASCII) comes to ASCII's; a NUL in the data is a mismatch either way.
    /// </summary>
    private static bool EqualsIgnoreCase(ReadOnlySpan<byte> data, ReadOnlySpan<byte> word)
    {
        for (var i = 0; i < word.Length; i++)
            if (ToLower(data[i]) != ToLower(word[i])) return false;
        return true;
    }

    private static byte ToLower(byte c) => c is >= (byte)'A' and <= (byte)'Z' ? (byte)(c + 32) : c;
}
