namespace ConntrackTools.Engine;

/// <summary>The ICMPv6 timeout in seconds (nf_ct_icmpv6_timeout).</summary>
internal sealed class IcmpV6Settings
{
    /// <summary>nf_conntrack_icmpv6_timeout.</summary>
    public uint Timeout { get; set; } = 30;

    private static readonly Sysctl.Entry<IcmpV6Settings>[] Entries =
    [
        new("nf_conntrack_icmpv6_timeout", s => s.Timeout, (s, v) => s.Timeout = v),
    ];

    public static IReadOnlyList<string> SysctlNames { get; } = Sysctl.Names(Entries);
    public bool TrySet(string sysctlName, uint value) => Sysctl.TrySet(Entries, this, sysctlName, value);
    public bool TryGet(string sysctlName, out uint value) => Sysctl.TryGet(Entries, this, sysctlName, out value);
    public void Set(string sysctlName, uint value) => Sysctl.Set(Entries, this, sysctlName, value);
}

/// <summary>
/// The ICMPv6 tracker of net/netfilter/nf_conntrack_proto_icmpv6.c (Linux 6.18). Echo request and
/// node information query open a conntrack, their replies answer it; neighbour discovery and
/// multicast listener messages are UNTRACKED; types below 128 are errors RELATED to the flow they
/// quote; a redirect is RELATED when it carries a redirected header. Checksums are not verified.
/// </summary>
internal static class IcmpV6Tracker
{
    public const byte EchoRequest = 128, EchoReply = 129, MgmQuery = 130, MgmReport = 131, MgmReduction = 132,
        RouterSolicitation = 133, RouterAdvertisement = 134, NeighbourSolicitation = 135,
        NeighbourAdvertisement = 136, Redirect = 137, NiQuery = 139, NiReply = 140, Mld2Report = 143,
        MrdiscAdv = 151, MrdiscSol = 152;

    private const int HeaderLength = 8;       // struct icmp6hdr
    private const int RedirectLength = 40;    // struct rd_msg: header, target, destination
    private const byte OptionRedirectedHeader = 4; // ND_OPT_REDIRECT_HDR

    /// <summary>invmap / nf_conntrack_invert_icmpv6_tuple: the type the reply tuple carries.</summary>
    public static bool TryInvertType(byte type, out byte inverse)
    {
        inverse = type switch
        {
            EchoRequest => EchoReply,
            EchoReply => EchoRequest,
            NiQuery => NiReply,
            NiReply => NiQuery,
            _ => 0,
        };
        return inverse != 0;
    }

    /// <summary>valid_new in nf_conntrack_icmpv6_packet.</summary>
    public static bool IsValidNew(byte type) => type is EchoRequest or NiQuery;

    /// <summary>noct_valid_new: the types that are never tracked (IP_CT_UNTRACKED).</summary>
    public static bool IsUntracked(byte type) => type is MgmQuery or MgmReport or MgmReduction or RouterSolicitation
        or RouterAdvertisement or NeighbourSolicitation or NeighbourAdvertisement or Mld2Report or MrdiscAdv or MrdiscSol;

    /// <summary>icmpv6_pkt_to_tuple: type, code and identifier; false when the 8-byte header is not all there.</summary>
    public static bool TryGetTuple(ReadOnlySpan<byte> l4, out byte type, out byte code, out ushort id) =>
        IcmpTracker.TryGetTuple(l4, out type, out code, out id);

    /// <summary>
    /// nf_conntrack_icmpv6_packet: on the first packet (status without Confirmed) the original type
    /// must be a request; every accepted packet refreshes the ICMPv6 timeout.
    /// </summary>
    public static TrackerVerdict Packet(byte originalType, CtStatus status, IcmpV6Settings settings, out uint timeoutSeconds)
    {
        ArgumentNullException.ThrowIfNull(settings);
        timeoutSeconds = 0;
        if ((status & CtStatus.Confirmed) == 0 && !IsValidNew(originalType)) return TrackerVerdict.Invalid;
        timeoutSeconds = settings.Timeout;
        return TrackerVerdict.Accept;
    }

    /// <summary>
    /// nf_conntrack_icmpv6_error, run before normal tracking for every ICMPv6 packet. The outer
    /// addresses are 16 bytes each; the hop limit is the outer header's (a redirect needs 255 and a
    /// link-local source).
    /// </summary>
    public static IcmpErrorResult Error(ReadOnlySpan<byte> l4, ReadOnlySpan<byte> outerSource, ReadOnlySpan<byte> outerDestination,
        byte hopLimit, ConntrackLookup lookup, out ConntrackInfo ctinfo, GreKeymapLookup? greKeymap = null)
    {
        ctinfo = default;
        if (l4.Length < HeaderLength) return IcmpErrorResult.Invalid; // short packet
        byte type = l4[0];
        if (IsUntracked(type))
        {
            ctinfo = ConntrackInfo.Untracked;
            return IcmpErrorResult.Untracked;
        }
        if (type == Redirect) return RedirectError(l4, outerSource, outerDestination, hopLimit, lookup, out ctinfo, greKeymap);
        if (type >= 128) return IcmpErrorResult.NotError;
        return IcmpTracker.InetError(CtFamily.IPv6, l4.Slice(HeaderLength), outerDestination, lookup, out ctinfo, greKeymap);
    }

    /// <summary>nf_conntrack_icmpv6_redirect: only the first option is looked at, and only a redirected header counts.</summary>
    private static IcmpErrorResult RedirectError(ReadOnlySpan<byte> l4, ReadOnlySpan<byte> outerSource,
        ReadOnlySpan<byte> outerDestination, byte hopLimit, ConntrackLookup lookup, out ConntrackInfo ctinfo,
        GreKeymapLookup? greKeymap)
    {
        ctinfo = default;
        if (l4.Length < RedirectLength) return IcmpErrorResult.Invalid; // short redirect
        if (l4[1] != 0) return IcmpErrorResult.NotError;
        if (hopLimit != 255 || !IsLinkLocal(outerSource)) return IcmpErrorResult.Invalid;
        if (l4.Length < RedirectLength + 2 || l4[RedirectLength + 1] == 0) return IcmpErrorResult.Invalid; // without options
        if (l4[RedirectLength] != OptionRedirectedHeader) return IcmpErrorResult.NotError;
        var quoted = l4.Length > RedirectLength + 8 ? l4.Slice(RedirectLength + 8) : default;
        return IcmpTracker.InetError(CtFamily.IPv6, quoted, outerDestination, lookup, out ctinfo, greKeymap);
    }

    /// <summary>ipv6_addr_type(addr) &amp; IPV6_ADDR_LINKLOCAL: fe80::/10, or multicast of link-local scope.</summary>
    public static bool IsLinkLocal(ReadOnlySpan<byte> address) =>
        address.Length == 16 &&
        ((address[0] == 0xFE && (address[1] & 0xC0) == 0x80) || (address[0] == 0xFF && (address[1] & 0x0F) == 0x02));
}
