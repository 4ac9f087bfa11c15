namespace ConntrackTools.Engine.Helpers;

/// <summary>
/// nf_conntrack_broadcast_help, shared by netbios-ns and snmp: a request sent to the broadcast
/// address of a local interface's network expects the answers, which come from the hosts of that
/// network rather than from the broadcast address: UDP from any address of the network (the
/// interface's netmask over the broadcast address), from the helper's port, to the requester's
/// address and port. The expectation is PERMANENT (every answer until it times out), and the
/// request's entry is refreshed to the helper's timeout.
/// <para>
/// The kernel acts only on locally generated packets (skb->sk set) routed as broadcast
/// (RTCF_BROADCAST) whose destination is the broadcast address of a primary address of the
/// output interface. A capture says nothing of sockets, routes or interfaces, so the engine
/// deviates: it takes every packet of the original direction for locally generated, and its
/// destination for the broadcast address of an interface when it is the directed broadcast of
/// the /broadcast_prefix network around the packet's source address (the module option
/// "broadcast_prefix", the engine's own, default 24; 0 turns the helper off; 31 and 32 have no
/// broadcast address, as `ip addr add ... brd +` gives none). The limited broadcast
/// 255.255.255.255 is routed as broadcast but is no interface's broadcast address (`brd +`
/// never sets it), so it expects nothing and refreshes nothing, as in the kernel.
/// </para>
/// </summary>
internal abstract class BroadcastHelper : ConntrackHelper
{
    /// <summary>The default of the engine's broadcast_prefix option.</summary>
    private const int DefaultBroadcastPrefix = 24;

    public override CtProtocol Protocol => CtProtocol.Udp;

    /// <summary>The module's timeout parameter: the master's refresh and the expectation's timeout (exp_policy.timeout).</summary>
    protected abstract uint DefaultTimeout { get; }

    /// <summary>exp_policy: max_expected 1, the timeout parameter's default.</summary>
    public override IReadOnlyList<ExpectPolicy> Policies => _policies ??= [new(Name, 1, DefaultTimeout)];
    private ExpectPolicy[]? _policies;

    /// <summary>The module init copies the timeout parameter into exp_policy.timeout.</summary>
    public override ExpectPolicy Policy(int expectClass, EngineSettings settings) =>
        new(Name, 1, (uint)Math.Min(settings.HelperOption(OptionName("timeout")), uint.MaxValue));

    public override IReadOnlyList<HelperOption> Options => _options ??=
    [
        new("timeout", DefaultTimeout, "Timeout in seconds of the master connection and of the expectation of replies."),
        new("broadcast_prefix", DefaultBroadcastPrefix,
            "Engine only: the prefix length of the local network whose directed broadcast address (around the request's source address) counts as a local interface's broadcast address; 0 for none."),
    ];
    private HelperOption[]? _options;

    public override IReadOnlyList<CtExpectationShape> Shapes => _shapes ??=
        [Shape("replies to a broadcast", CtProtocol.Udp, CtFieldOrigin.InterfaceNetwork, CtFieldOrigin.Fixed, CtFieldOrigin.Fixed, CtFieldOrigin.Fixed)];
    private CtExpectationShape[]? _shapes;

    /// <summary>.tuple.src.l3num = NFPROTO_IPV4: no IPv6 helper is registered.</summary>
    public override bool Supports(CtFamily family) => family == CtFamily.IPv4;


    /// <summary>nf_conntrack_broadcast_help: always NF_ACCEPT.</summary>
    protected void BroadcastHelp(HelperCall call)
    {
        // We're only interested in locally generated packets (the engine's deviation: all of the original direction).
        if (call.Direction != 0) return;

        var original = call.Original;
        var mask = InterfaceMask((uint)original.Source, (uint)original.Destination, call.Option("broadcast_prefix"));
        if (mask == 0) return;

        // The reply tuple, from the helper's own port (helper->tuple.src.u.udp.port), the source under the netmask.
        var reply = call.Reply;
        var exp = call.NewExpectation(0, CtFamily.IPv4, reply.Source, reply.Destination, CtProtocol.Udp, Ports[0], reply.DestinationId);
        exp.SourceMask = mask;
        exp.Flags = CtExpectationFlags.Permanent;
        var timeout = (uint)Math.Min(call.Option("timeout"), uint.MaxValue);
        call.ExpectRelated(exp); // nf_ct_expect_related's result is not looked at

        call.Refresh(timeout);
    }

    /// <summary>
    /// The ifa_mask of the interface address whose ifa_broadcast is the destination, or 0: here the
    /// /prefix network around the source, when the destination is its directed broadcast address.
    /// </summary>
    internal static uint InterfaceMask(uint source, uint destination, long prefix)
    {
        if (prefix is < 1 or > 30) return 0;
        var mask = uint.MaxValue << (int)(32 - prefix);
        return destination == ((source & mask) | ~mask) ? mask : 0;
    }
}
