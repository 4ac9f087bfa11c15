namespace ConntrackTools.Engine.Helpers.Userspace;

/// <summary>
/// conntrackd's mdns and slp helpers (src/helpers/mdns.c, slp.c; the same callback): a query sent
/// to a multicast group is answered by unicast from whoever has the answer, so every packet of the
/// connection expects UDP from any address, from the port the query went to, back to the sender's
/// address and port, PERMANENT. The same expectation again replaces the previous one.
/// </summary>
internal abstract class MulticastQueryHelper(string name, ushort port, int expectMax, uint expectTimeout)
    : UserspaceHelper(name, expectMax, expectTimeout)
{
    public sealed override CtProtocol Protocol => CtProtocol.Udp;
    public sealed override IReadOnlyList<ushort> Ports { get; } = [port];

    public sealed override IReadOnlyList<CtExpectationShape> Shapes => _shapes ??=
        [Shape("unicast reply", CtProtocol.Udp, CtFieldOrigin.Any, CtFieldOrigin.Fixed, CtFieldOrigin.Fixed, CtFieldOrigin.Fixed)];
    private CtExpectationShape[]? _shapes;

    /// <summary>mdns_helper_cb / slp_helper_cb.</summary>
    protected sealed override HelperVerdict Callback(HelperCall call, ReadOnlySpan<byte> l4)
    {
        var dir = call.Direction;
        var own = call.Tuple(dir);
        var other = call.Tuple(1 - dir);
        // saddr NULL; daddr = our source; sport = the other side's source port; dport = our source port.
        var exp = Init(call, null, own.Source, CtProtocol.Udp, other.SourceId, own.SourceId, CtExpectationFlags.Permanent);
        Attach(call, exp);
        return HelperVerdict.Accept;
    }
}

/// <summary>mdns.c ("Type mdns inet udp"): unicast replies to an mDNS query (RFC 6762 5.1), port 5353; policy 8, 30 s.</summary>
internal sealed class MdnsHelper() : MulticastQueryHelper("mdns", 5353, 8, 30);

/// <summary>slp.c ("Type slp inet udp"): unicast replies to an SLP multicast request (RFC 2608 6.1), port 427; policy 8, 16 s (CONFIG_MC_MAX + 1).</summary>
internal sealed class SlpHelper() : MulticastQueryHelper("slp", 427, 8, 16);
