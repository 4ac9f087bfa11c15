
namespace ConntrackTools.Kernel.Conntrack;

/// <summary>
/// Completes and checks a connection to create, with `conntrack -I`'s rules: a protocol and a
/// timeout; both addresses of one direction (the other direction is its inverse when not given);
/// both ports for port protocols (keys for GRE); type, code and id for ICMP; a state for TCP and
/// SCTP. Failures are <see cref="ArgumentException"/>s whose message says what to add.
/// </summary>
public static class ConnectionRequest
{
    public static void Complete(CtConnection ct)
    {
        ArgumentNullException.ThrowIfNull(ct);
        var p = ct.Protocol;
        if (p == 0 && ct.Original.Protocol == 0 && ct.Reply.Protocol == 0)
            throw new ArgumentException("A new connection needs -Protocol (tcp, udp, icmp, ... or a number).");
        if (ct.Timeout is null)
            throw new ArgumentException("A new connection needs -Timeout, in seconds (conntrack -I requires --timeout too).");
        ct.Original.Protocol = ct.Reply.Protocol = p;

        var hasOriginal = ct.Original.Source is not null || ct.Original.Destination is not null;
        var hasReply = ct.Reply.Source is not null || ct.Reply.Destination is not null;
        if (!hasOriginal && !hasReply)
            throw new ArgumentException("A new connection needs -Source and -Destination (or -ReplySource and -ReplyDestination).");
        if (hasOriginal) RequireAddresses(ct.Original, "-Source and -Destination");
        if (hasReply) RequireAddresses(ct.Reply, "-ReplySource and -ReplyDestination");
        if (hasOriginal && !hasReply) ct.Reply = Invert(ct.Original);
        if (hasReply && !hasOriginal) ct.Original = Invert(ct.Reply);

        var family = TupleCodec.FamilyOf(ct.Original.Source);
        if (TupleCodec.FamilyOf(ct.Original.Destination) != family || TupleCodec.FamilyOf(ct.Reply.Source) != family || TupleCodec.FamilyOf(ct.Reply.Destination) != family)
            throw new ArgumentException("The addresses mix IPv4 and IPv6; both directions of a connection have one family.");
        if (ct.Family != CtFamily.Unspecified && ct.Family != family)
            throw new ArgumentException($"-Family {ct.Family} does not match the {family} addresses given.");
        ct.Family = family;
        if (p == CtProtocol.Icmp && family == CtFamily.IPv6) throw new ArgumentException("ICMP is for IPv4; use IcmpV6 with IPv6 addresses.");
        if (p == CtProtocol.IcmpV6 && family == CtFamily.IPv4) throw new ArgumentException("IcmpV6 is for IPv6; use Icmp with IPv4 addresses.");

        if (HasPorts(p))
        {
            var what = p == CtProtocol.Gre ? "GRE keys (-SourcePort and -DestinationPort carry them)" : "-SourcePort and -DestinationPort";
            if (ct.Original.SourcePort is null || ct.Original.DestinationPort is null || ct.Reply.SourcePort is null || ct.Reply.DestinationPort is null)
                throw new ArgumentException($"A {p} connection needs {what} (conntrack -I requires --sport and --dport).");
        }
        else if (ct.Original.SourcePort is not null || ct.Original.DestinationPort is not null)
        {
            throw new ArgumentException($"{p} has no ports; ports apply to TCP, UDP, UDPlite, SCTP, DCCP and GRE.");
        }
        if (p is CtProtocol.Icmp or CtProtocol.IcmpV6)
        {
            if (ct.Original.IcmpType is null || ct.Original.IcmpCode is null)
                throw new ArgumentException("An ICMP connection needs -IcmpType and -IcmpCode (and -IcmpId, which is 0 when omitted), as conntrack -I does.");
            ct.Original.IcmpId ??= 0;
            ct.Reply.IcmpId ??= ct.Original.IcmpId;
        }
        if (p is CtProtocol.Tcp or CtProtocol.Sctp && ct.State == CtState.None)
            throw new ArgumentException($"A {p} connection needs -State (conntrack -I requires --state).");
        if (p == CtProtocol.Sctp)
        {
            // The kernel wants both verification tags with an SCTP state (EINVAL otherwise); conntrack
            // asks for --orig-vtag and --reply-vtag, here they are 0 unless given.
            ct.SctpVtagOriginal ??= 0;
            ct.SctpVtagReply ??= 0;
        }
        if (p is not (CtProtocol.Tcp or CtProtocol.Sctp) && ct.State != CtState.None)
            throw new ArgumentException($"{p} has no protocol state; -State applies to TCP and SCTP.");
        // The kernel treats CTA_STATUS on a new entry as a change of a confirmed one and refuses a
        // status that lacks CONFIRMED (EBUSY); conntrack -I -u adds the bit the same way.
        if (ct.Status != CtStatus.None) ct.Status |= CtStatus.Confirmed;
    }

    private static bool HasPorts(CtProtocol p) =>
        p is CtProtocol.Tcp or CtProtocol.Udp or CtProtocol.UdpLite or CtProtocol.Sctp or CtProtocol.Dccp or CtProtocol.Gre;

    private static void RequireAddresses(CtTuple t, string names)
    {
        if (t.Source is null || t.Destination is null)
            throw new ArgumentException($"Give both {names}: a direction of a connection needs both addresses.");
    }

    /// <summary>The other direction: addresses and ports swapped, an ICMP query type turned into its reply (nf_ct_invert_tuple).</summary>
    public static CtTuple Invert(CtTuple t) => new()
    {
        Source = t.Destination,
        Destination = t.Source,
        Protocol = t.Protocol,
        SourcePort = t.DestinationPort,
        DestinationPort = t.SourcePort,
        IcmpType = t.IcmpType is { } type ? InvertIcmpType(t.Protocol, type) : null,
        IcmpCode = t.IcmpCode,
        IcmpId = t.IcmpId,
    };

    /// <summary>
    /// The reply type of an ICMP query (icmp_invert_tuple's invmap). Types without one are kept,
    /// and the kernel refuses them, as it refuses them from conntrack -I.
    /// </summary>
    public static byte InvertIcmpType(CtProtocol protocol, byte type) => (byte)(protocol == CtProtocol.IcmpV6
        ? type switch { 128 => 129, 129 => 128, 139 => 140, 140 => 139, _ => type }
        : type switch { 8 => 0, 0 => 8, 13 => 14, 14 => 13, 15 => 16, 16 => 15, 17 => 18, 18 => 17, _ => type });

}
