namespace ConntrackTools.Engine.Helpers.Userspace;

/// <summary>
/// conntrackd's dhcpv6 helper (src/helpers/dhcpv6.c, "Type dhcpv6 inet6 udp"): a client's message
/// to a multicast address (Solicit to ff02::1:2) expects the servers' unicast replies: UDP from
/// anywhere to the client's address, port 546, PERMANENT. It also sets the request's own timeout
/// by message type (a Solicit lives 120 s). A message type past the table is dropped.
/// </summary>
internal sealed class Dhcpv6Helper : UserspaceHelper
{
    private const ushort ClientPort = 546;

    /// <summary>dhcpv6_timeouts: the request's timeout in seconds by message type, 0 = leave it.</summary>
    private static readonly uint[] Timeouts =
    [
        0,   // no message has type 0
        120, // Solicit
        0,   // Advertise
        30,  // Request
        4,   // Confirm
        600, // Renew
        600, // Rebind
        0,   // Reply
        1,   // Release
        1,   // Decline
        0,   // Reconfigure
        120, // Information-request
        0,   // Relay-forward
        0,   // Relay-reply
    ];

    public Dhcpv6Helper() : base("dhcpv6", 1, 300) { }

    public override CtProtocol Protocol => CtProtocol.Udp;
    public override IReadOnlyList<ushort> Ports { get; } = [547];

    /// <summary>The example configuration registers it for inet6 only (and the callback ignores IPv4).</summary>
    public override bool Supports(CtFamily family) => family == CtFamily.IPv6;

    public override IReadOnlyList<CtExpectationShape> Shapes => _shapes ??=
        [Shape("server reply to the client", CtProtocol.Udp, CtFieldOrigin.Any, CtFieldOrigin.Any, CtFieldOrigin.Fixed, CtFieldOrigin.Fixed)];
    private CtExpectationShape[]? _shapes;

    /// <summary>dhcpv6_helper_cb.</summary>
    protected override HelperVerdict Callback(HelperCall call, ReadOnlySpan<byte> l4)
    {
        // Only IPv6 packets to a multicast address (ipv6_addr_is_multicast: ff00::/8).
        var packet = call.Tuple(call.Direction);
        if (call.Family != CtFamily.IPv6 || (byte)(packet.Destination >> 120) != 0xff) return HelperVerdict.Accept;

        // The first byte after the UDP header (0 when there is none: the pkt_buff's zeroed tail).
        var type = Libc.At(l4, 8);
        // The source drops type > ARRAY_SIZE (14) and reads dhcpv6_timeouts[14] past the table;
        // built (Debian 1.4.7's ct_helper_dhcpv6.so compares with 13), type 14 is dropped too.
        if (type >= Timeouts.Length)
        {
            call.Log($"Dropping DHCPv6 message with bad type {type}");
            return HelperVerdict.Drop;
        }

        // From anywhere, any port, to the sender's address and the client port.
        var exp = Init(call, null, packet.Source, CtProtocol.Udp, null, ClientPort, CtExpectationFlags.Permanent);
        Attach(call, exp, Timeouts[type]);
        return HelperVerdict.Accept;
    }
}
