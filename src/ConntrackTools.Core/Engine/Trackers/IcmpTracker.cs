using System.Buffers.Binary;

namespace ConntrackTools.Engine;

/// <summary>enum ip_conntrack_info: how a packet relates to its conntrack.</summary>
internal enum ConntrackInfo : byte
{
    Established = 0,
    Related = 1,
    New = 2,
    EstablishedReply = 3,
    RelatedReply = 4,
    Untracked = 7,
}

/// <summary>What the ICMP/ICMPv6 error path (nf_conntrack_handle_icmp) decided before normal tracking.</summary>
internal enum IcmpErrorResult : byte
{
    /// <summary>NF_ACCEPT without a conntrack: not an error message; track the packet normally.</summary>
    NotError,
    /// <summary>-NF_ACCEPT: counted as "error", the packet gets no conntrack (ct state invalid).</summary>
    Invalid,
    /// <summary>The packet belongs to the quoted flow with the ctinfo given (RELATED or RELATED_REPLY); nothing is refreshed.</summary>
    Related,
    /// <summary>IP_CT_UNTRACKED: ICMPv6 neighbour discovery and multicast listener messages.</summary>
    Untracked,
}

/// <summary>
/// The parts of struct nf_conntrack_tuple that identify one direction of a flow, as the kernel reads
/// them from a packet quoted in an ICMP error (nf_ct_get_tuplepr). Addresses are big-endian numbers,
/// IPv4 in the low 32 bits (union nf_inet_addr, zero-padded); the per-protocol words are in host order.
/// </summary>
internal struct QuotedTuple
{
    public CtFamily Family;
    public byte Protocol;
    public UInt128 Source;
    public UInt128 Destination;
    /// <summary>src.u.all: source port, ICMP id or GRE key.</summary>
    public ushort SourceId;
    /// <summary>dst.u.all: destination port or GRE key; for ICMP and ICMPv6 type &lt;&lt; 8 | code.</summary>
    public ushort DestinationId;

    public readonly byte IcmpType => (byte)(DestinationId >> 8);
    public readonly byte IcmpCode => (byte)DestinationId;
}

/// <summary>Finds the conntrack whose original or reply tuple equals <paramref name="tuple"/> exactly (nf_conntrack_find_get).</summary>
internal delegate bool ConntrackLookup(in QuotedTuple tuple, out bool replyDirection);

/// <summary>gre_keymap_lookup: the source key the PPTP helper registered for this tuple, or 0.</summary>
internal delegate ushort GreKeymapLookup(in QuotedTuple tuple);

/// <summary>The ICMP timeout in seconds (nf_ct_icmp_timeout).</summary>
internal sealed class IcmpSettings
{
    /// <summary>nf_conntrack_icmp_timeout.</summary>
    public uint Timeout { get; set; } = 30;

    private static readonly Sysctl.Entry<IcmpSettings>[] Entries =
    [
        new("nf_conntrack_icmp_timeout", s => s.Timeout, (s, v) => s.Timeout = v),
    ];

    public static IReadOnlyList<string> SysctlNames { get; } = Sysctl.Names(Entries);
    public bool TrySet(string sysctlName, uint value) => Sysctl.TrySet(Entries, this, sysctlName, value);
    public bool TryGet(string sysctlName, out uint value) => Sysctl.TryGet(Entries, this, sysctlName, out value);
    public void Set(string sysctlName, uint value) => Sysctl.Set(Entries, this, sysctlName, value);
}

/// <summary>
/// The ICMP tracker of net/netfilter/nf_conntrack_proto_icmp.c (Linux 6.18), and the error path
/// shared with ICMPv6 (nf_conntrack_inet_error). An ICMP "connection" is keyed by id, type and code;
/// the reply tuple carries the inverse type (echo ↔ echo reply, ...). Only requests (echo,
/// timestamp, info, address mask) open one; a reply without its request is INVALID; other
/// non-error types cannot be inverted, so the kernel makes no conntrack for them (INVALID too).
/// Errors (destination unreachable, source quench, redirect, time exceeded, parameter problem)
/// are RELATED to the flow they quote, or INVALID. Checksums are not verified.
/// </summary>
internal static class IcmpTracker
{
    public const byte EchoReply = 0, DestUnreach = 3, SourceQuench = 4, Redirect = 5, Echo = 8,
        TimeExceeded = 11, ParameterProb = 12, Timestamp = 13, TimestampReply = 14, InfoRequest = 15,
        InfoReply = 16, Address = 17, AddressReply = 18;

    /// <summary>NR_ICMP_TYPES: 18 is the highest known type; anything above is INVALID.</summary>
    public const byte MaxType = 18;

    private const int HeaderLength = 8; // struct icmphdr

    /// <summary>invmap / nf_conntrack_invert_icmp_tuple: the type the reply tuple carries.</summary>
    public static bool TryInvertType(byte type, out byte inverse)
    {
        inverse = type switch
        {
            Echo => EchoReply,
            EchoReply => Echo,
            Timestamp => TimestampReply,
            TimestampReply => Timestamp,
            InfoRequest => InfoReply,
            InfoReply => InfoRequest,
            Address => AddressReply,
            AddressReply => Address,
            _ => 0,
        };
        return type is Echo or EchoReply or Timestamp or TimestampReply or InfoRequest or InfoReply or Address or AddressReply;
    }

    /// <summary>valid_new in nf_conntrack_icmp_packet: the types that may open a conntrack.</summary>
    public static bool IsValidNew(byte type) => type is Echo or Timestamp or InfoRequest or Address;

    /// <summary>icmp_is_err: the types handled by the error path.</summary>
    public static bool IsErrorType(byte type) => type is DestUnreach or SourceQuench or Redirect or TimeExceeded or ParameterProb;

    /// <summary>
    /// icmp_pkt_to_tuple: type, code and id (un.echo.id, also read for types that have none).
    /// False when the 8-byte header is not all there.
    /// </summary>
    public static bool TryGetTuple(ReadOnlySpan<byte> l4, out byte type, out byte code, out ushort id)
    {
        type = code = 0;
        id = 0;
        if (l4.Length < HeaderLength) return false;
        type = l4[0];
        code = l4[1];
        id = BinaryPrimitives.ReadUInt16BigEndian(l4.Slice(4));
        return true;
    }

    /// <summary>
    /// nf_conntrack_icmp_packet, for both directions: the original tuple's type must be one that may
    /// open a conntrack (so a lone echo reply is INVALID); every packet refreshes the ICMP timeout.
    /// </summary>
    public static TrackerVerdict Packet(byte originalType, IcmpSettings settings, out uint timeoutSeconds)
    {
        ArgumentNullException.ThrowIfNull(settings);
        timeoutSeconds = 0;
        if (!IsValidNew(originalType)) return TrackerVerdict.Invalid;
        timeoutSeconds = settings.Timeout;
        return TrackerVerdict.Accept;
    }

    /// <summary>
    /// nf_conntrack_icmpv4_error, run before normal tracking for every ICMP packet. The L4 span
    /// starts at the ICMP header; <paramref name="outerDestination"/> is the outer IPv4 header's
    /// destination (4 bytes).
    /// </summary>
    public static IcmpErrorResult Error(ReadOnlySpan<byte> l4, ReadOnlySpan<byte> outerDestination, ConntrackLookup lookup,
        out ConntrackInfo ctinfo, GreKeymapLookup? greKeymap = null)
    {
        ctinfo = default;
        if (l4.Length < HeaderLength) return IcmpErrorResult.Invalid; // short packet
        byte type = l4[0];
        if (type > MaxType) return IcmpErrorResult.Invalid;          // RFC 1122 3.2.2: unknown types
        if (!IsErrorType(type)) return IcmpErrorResult.NotError;
        return InetError(CtFamily.IPv4, l4.Slice(HeaderLength), outerDestination, lookup, out ctinfo, greKeymap);
    }

    /// <summary>The ctinfo of an error RELATED to a flow found in the given direction.</summary>
    public static ConntrackInfo RelatedInfo(bool replyDirection) => replyDirection ? ConntrackInfo.RelatedReply : ConntrackInfo.Related;

    /// <summary>
    /// nf_conntrack_inet_error: the quoted packet (starting at its IP header) names a flow; its
    /// inverted tuple is looked up (the quoted packet went the other way), and the error is RELATED
    /// (found as original tuple) or RELATED_REPLY (found as reply tuple), provided the outer
    /// destination is the found tuple's destination, i.e. the quoted packet's source. Anything else
    /// is INVALID.
    /// </summary>
    public static IcmpErrorResult InetError(CtFamily family, ReadOnlySpan<byte> quoted, ReadOnlySpan<byte> outerDestination,
        ConntrackLookup lookup, out ConntrackInfo ctinfo, GreKeymapLookup? greKeymap = null)
    {
        ArgumentNullException.ThrowIfNull(lookup);
        ctinfo = default;
        if (!TryGetQuotedTuple(family, quoted, out var original, greKeymap)) return IcmpErrorResult.Invalid;
        if (!TryInvert(original, out var inner)) return IcmpErrorResult.Invalid;
        if (!lookup(in inner, out bool replyDirection)) return IcmpErrorResult.Invalid;
        // ct->tuplehash[dir].tuple.dst.u3 equals the looked-up tuple's destination.
        if (ReadAddress(outerDestination) != inner.Destination) return IcmpErrorResult.Invalid;
        ctinfo = RelatedInfo(replyDirection);
        return IcmpErrorResult.Related;
    }

    /// <summary>An address of 4 or 16 bytes as a number (union nf_inet_addr); other lengths read as 0.</summary>
    public static UInt128 ReadAddress(ReadOnlySpan<byte> address) => address.Length switch
    {
        4 => BinaryPrimitives.ReadUInt32BigEndian(address),
        16 => BinaryPrimitives.ReadUInt128BigEndian(address),
        _ => UInt128.Zero,
    };

    /// <summary>
    /// nf_ct_get_tuplepr on a quoted packet: ipv4_get_l4proto (no fragments beyond the first, IHL
    /// within the data) or ipv6_get_l4proto (extension headers skipped, no non-first fragment),
    /// then the protocol's pkt_to_tuple: ports for TCP, UDP, UDP-Lite and SCTP, type/code/id for
    /// ICMP and ICMPv6, keys for GRE, nothing for the rest.
    /// </summary>
    public static bool TryGetQuotedTuple(CtFamily family, ReadOnlySpan<byte> quoted, out QuotedTuple tuple,
        GreKeymapLookup? greKeymap = null)
    {
        tuple = default;
        tuple.Family = family;
        int protoff;
        byte protonum;
        switch (family)
        {
            case CtFamily.IPv4:
                if (quoted.Length < 20) return false;
                if ((BinaryPrimitives.ReadUInt16BigEndian(quoted.Slice(6)) & 0x1FFF) != 0) return false; // IP_OFFSET
                protoff = (quoted[0] & 0x0F) << 2;
                if (protoff > quoted.Length) return false; // bogus IHL (an IHL of 0 is not rejected: protoff is absolute in the kernel)
                protonum = quoted[9];
                tuple.Source = BinaryPrimitives.ReadUInt32BigEndian(quoted.Slice(12));
                tuple.Destination = BinaryPrimitives.ReadUInt32BigEndian(quoted.Slice(16));
                break;
            case CtFamily.IPv6:
                if (quoted.Length < 7) return false;
                protonum = quoted[6];
                protoff = SkipIPv6ExtensionHeaders(quoted, 40, ref protonum, out ushort fragOff);
                if (protoff < 0 || (fragOff & 0xFFF8) != 0) return false;
                if (quoted.Length < 40) return false;
                tuple.Source = BinaryPrimitives.ReadUInt128BigEndian(quoted.Slice(8));
                tuple.Destination = BinaryPrimitives.ReadUInt128BigEndian(quoted.Slice(24));
                break;
            default:
                return false;
        }

        tuple.Protocol = protonum;
        var l4 = protoff <= quoted.Length ? quoted.Slice(protoff) : default;
        switch ((CtProtocol)protonum)
        {
            case CtProtocol.Icmp:
            case CtProtocol.IcmpV6:
                if (l4.Length < 8) return false;
                tuple.DestinationId = (ushort)(l4[0] << 8 | l4[1]);
                tuple.SourceId = BinaryPrimitives.ReadUInt16BigEndian(l4.Slice(4));
                return true;
            case CtProtocol.Gre:
                if (!GreTracker.TryGetKeys(l4, out _, out ushort destinationKey)) return false;
                tuple.DestinationId = destinationKey;
                if (greKeymap is not null && GreTracker.IsEnhanced(l4)) tuple.SourceId = greKeymap(in tuple);
                return true;
            case CtProtocol.Tcp:
            case CtProtocol.Udp:
            case CtProtocol.UdpLite:
            case CtProtocol.Sctp:
                if (l4.Length < 4) return false;
                tuple.SourceId = BinaryPrimitives.ReadUInt16BigEndian(l4);
                tuple.DestinationId = BinaryPrimitives.ReadUInt16BigEndian(l4.Slice(2));
                return true;
            default:
                return true;
        }
    }

    /// <summary>
    /// nf_ct_invert_tuple: addresses swapped; for ICMP and ICMPv6 the inverse type (false when the
    /// type has none), id and code kept; for the rest src.u and dst.u swapped.
    /// </summary>
    public static bool TryInvert(in QuotedTuple original, out QuotedTuple inverse)
    {
        inverse = original;
        inverse.Source = original.Destination;
        inverse.Destination = original.Source;
        byte inverseType;
        switch ((CtProtocol)original.Protocol)
        {
            case CtProtocol.Icmp:
                if (!TryInvertType(original.IcmpType, out inverseType)) return false;
                inverse.DestinationId = (ushort)(inverseType << 8 | original.IcmpCode);
                return true;
            case CtProtocol.IcmpV6:
                if (!IcmpV6Tracker.TryInvertType(original.IcmpType, out inverseType)) return false;
                inverse.DestinationId = (ushort)(inverseType << 8 | original.IcmpCode);
                return true;
            default:
                inverse.SourceId = original.DestinationId;
                inverse.DestinationId = original.SourceId;
                return true;
        }
    }

    /// <summary>
    /// ipv6_skip_exthdr: walks hop-by-hop, routing, fragment, AH and destination options headers;
    /// -1 for "no next header" or a header cut short. A non-first fragment stops the walk.
    /// </summary>
    public static int SkipIPv6ExtensionHeaders(ReadOnlySpan<byte> packet, int start, ref byte nexthdr, out ushort fragOff)
    {
        fragOff = 0;
        while (nexthdr is 0 or 43 or 44 or 51 or 59 or 60)
        {
            if (nexthdr == 59) return -1; // NEXTHDR_NONE
            if (start + 2 > packet.Length) return -1;
            int hdrlen;
            if (nexthdr == 44)
            {
                if (start + 4 > packet.Length) return -1;
                fragOff = BinaryPrimitives.ReadUInt16BigEndian(packet.Slice(start + 2));
                if ((fragOff & ~0x7) != 0) break;
                hdrlen = 8;
            }
            else if (nexthdr == 51)
            {
                hdrlen = (packet[start + 1] + 2) << 2; // ipv6_authlen
            }
            else
            {
                hdrlen = (packet[start + 1] + 1) << 3; // ipv6_optlen
            }
            nexthdr = packet[start];
            start += hdrlen;
        }
        return start;
    }
}
