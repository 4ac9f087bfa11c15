namespace ConntrackTools.Engine.Helpers;

/// <summary>
/// nf_conntrack_amanda: every datagram from the Amanda server (the reply direction) pushes the
/// master's timeout to master_timeout; one carrying "CONNECT " has, up to its next newline, the
/// ports of up to four streams ("DATA ", "MESG ", "INDEX ", "STATE "), and each port read is
/// expected: TCP from the client's address, any port, to the server's address and that port.
/// IPv4 and IPv6. The kernel's ts_algo (the text search algorithm) changes nothing found, so the
/// engine has no such option.
/// </summary>
internal sealed class AmandaHelper : ConntrackHelper
{
    private const uint DefaultMasterTimeout = 300;

    /// <summary>search[]: SEARCH_CONNECT, SEARCH_NEWLINE, then SEARCH_DATA to SEARCH_STATE, the ports.</summary>
    private static ReadOnlySpan<byte> Connect => "CONNECT "u8;

    private static readonly byte[][] PortWords = [.. new[] { "DATA ", "MESG ", "INDEX ", "STATE " }.Select(s => s.Select(c => (byte)c).ToArray())];

    public override string Name => "amanda";
    public override CtProtocol Protocol => CtProtocol.Udp;
    public override IReadOnlyList<ushort> Ports { get; } = [10080];
    public override IReadOnlyList<ExpectPolicy> Policies { get; } = [new("amanda", 4, 180)];

    public override IReadOnlyList<HelperOption> Options { get; } =
        [new("master_timeout", DefaultMasterTimeout, "Timeout in seconds the master connection gets from each datagram of the Amanda server.")];

    public override IReadOnlyList<CtExpectationShape> Shapes => _shapes ??=
        [Shape("data, message, index or state stream", CtProtocol.Tcp, CtFieldOrigin.Fixed, CtFieldOrigin.Any, CtFieldOrigin.Fixed, CtFieldOrigin.InCommand)];
    private CtExpectationShape[]? _shapes;


    /// <summary>amanda_help.</summary>
    public override HelperVerdict Help(HelperCall call, ReadOnlySpan<byte> l4)
    {
        // Only look at packets from the Amanda server.
        if (call.Direction == 0) return HelperVerdict.Accept;

        // Increase the UDP timeout of the master connection as replies from Amanda clients to the server can be quite delayed.
        call.Refresh((uint)Math.Min(call.Option("master_timeout"), uint.MaxValue));

        // No data?
        if (!HelperCall.UdpPayload(l4, out var data) || data.IsEmpty) return HelperVerdict.Accept;

        var start = data.IndexOf(Connect);
        if (start < 0) return HelperVerdict.Accept;
        start += Connect.Length;

        var stop = data[start..].IndexOf((byte)'\n');
        if (stop < 0) return HelperVerdict.Accept;
        stop += start;

        var verdict = HelperVerdict.Accept;
        var line = data[start..stop];
        foreach (var word in PortWords)
        {
            // skb_find_text(skb, start, stop, ...): the whole word before the newline.
            var off = line.IndexOf(word);
            if (off < 0) continue;
            off += start + word.Length;

            // At most five characters up to the newline, read as simple_strtoul does.
            var len = Math.Min(5, stop - off);
            ulong value = 0;
            for (var i = 0; i < len && data[off + i] is >= (byte)'0' and <= (byte)'9'; i++)
                value = value * 10 + (ulong)(data[off + i] - '0');
            var port = (ushort)value; // htons(simple_strtoul(...)) keeps the low 16 bits
            if (port == 0) break;

            var tuple = call.Original;
            var exp = call.NewExpectation(0, call.Family, tuple.Source, tuple.Destination, CtProtocol.Tcp, null, port);
            if (call.ExpectRelated(exp) != ExpectResult.Added)
            {
                // The kernel goes on with the next word, and drops the datagram in the end.
                call.Log("cannot add expectation");
                verdict = HelperVerdict.Drop;
            }
        }
        return verdict;
    }
}
