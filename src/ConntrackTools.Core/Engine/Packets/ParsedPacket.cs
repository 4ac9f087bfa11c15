namespace ConntrackTools.Engine;

/// <summary>What <see cref="PacketParser"/> made of a frame.</summary>
internal enum ParseResult : byte
{
    /// <summary>An IPv4 or IPv6 datagram whose headers conntrack can read: the tuple fields are set.</summary>
    Ok,
    /// <summary>Not IP (ARP, LLDP, other ethertypes, runt link headers): conntrack never sees it.</summary>
    NotIp,
    /// <summary>
    /// The kernel would not track it: the IP layer drops it before the conntrack hook
    /// (<see cref="ParsedPacket.IpLayerDrop"/>: ip_rcv_core, ipv6_rcv), or conntrack counts it invalid
    /// (get_l4proto, nf_ct_get_tuple, the protocol's error() checks). <see cref="ParsedPacket.Reason"/> says which check.
    /// </summary>
    Malformed,
    /// <summary>An IPv4 or IPv6 fragment: nf_defrag_ipv4/ipv6 reassemble it first (<see cref="Defragmenter"/>).</summary>
    Fragment,
    /// <summary>
    /// The capture's snapshot length cut off headers that conntrack reads; the kernel saw the whole
    /// packet, so what it did cannot be known. Only when the frame is shorter than its original length.
    /// </summary>
    Truncated,
}

/// <summary>
/// One parsed packet: the fields conntrack's tuple and trackers read, with spans into the frame.
/// Filled by <see cref="PacketParser.Parse(LinkType, ReadOnlySpan{byte}, out ParsedPacket)"/>;
/// numbers are in host order, addresses are big-endian numbers (10.0.0.1 is 0x0A000001).
/// </summary>
internal ref struct ParsedPacket
{
    /// <summary>IPv4 or IPv6 (Unspecified when the frame is not IP).</summary>
    public CtFamily Family;

    /// <summary>The layer-4 protocol: for IPv6 the header after the extension headers (ipv6_skip_exthdr).</summary>
    public byte Protocol;

    /// <summary>The tuple's source and destination addresses; IPv4 in the low 32 bits.</summary>
    public UInt128 Source, Destination;

    /// <summary>The IP datagram's length, what conntrack's byte counters add (IPv4 total length, IPv6 payload length + 40).</summary>
    public int Length;

    /// <summary>The IP datagram as captured: from the network header to its end, without link padding.</summary>
    public ReadOnlySpan<byte> Datagram;

    /// <summary>From the layer-4 header to the end of the datagram (as captured).</summary>
    public ReadOnlySpan<byte> L4;

    /// <summary>Offset of the layer-4 header in <see cref="Datagram"/> (the kernel's dataoff/protoff).</summary>
    public int L4Offset;

    /// <summary>True when the capture holds less than the whole datagram (snaplen): <see cref="L4"/> ends early, <see cref="Length"/> is still the real length.</summary>
    public bool Snapped;

    /// <summary>Ports for TCP, UDP, UDP-Lite, SCTP and DCCP (nf_ct_get_tuple_ports); zero otherwise.</summary>
    public ushort SourcePort, DestinationPort;

    /// <summary>ICMP / ICMPv6 type and code (icmp_pkt_to_tuple, icmpv6_pkt_to_tuple).</summary>
    public byte IcmpType, IcmpCode;

    /// <summary>ICMP / ICMPv6 identifier, for the query types conntrack tracks (echo, timestamp, info, address mask, node info); zero otherwise.</summary>
    public ushort IcmpId;

    /// <summary>
    /// An ICMP error (types 3, 4, 5, 11, 12: icmp_is_err) or ICMPv6 error (every type below 128, as
    /// nf_conntrack_icmpv6_error decides) whose quoted packet was parsed into the Inner* fields.
    /// </summary>
    public bool IsIcmpError;

    /// <summary>The quoted packet's protocol (after its IPv6 extension headers).</summary>
    public byte InnerProtocol;

    /// <summary>The quoted packet's addresses, as quoted (the direction of the packet that caused the error).</summary>
    public UInt128 InnerSource, InnerDestination;

    /// <summary>The quoted packet's ports (TCP, UDP, UDP-Lite, SCTP, DCCP).</summary>
    public ushort InnerSourcePort, InnerDestinationPort;

    /// <summary>The quoted packet's ICMP type and code, when it is ICMP / ICMPv6.</summary>
    public byte InnerIcmpType, InnerIcmpCode;

    /// <summary>The quoted packet's ICMP identifier, for query types.</summary>
    public ushort InnerIcmpId;

    /// <summary>The quoted packet's GRE key (PPTP call id), when it is GRE version 1.</summary>
    public uint InnerGreKey;

    /// <summary>GRE version (0 for RFC 2784 GRE, 1 for PPTP's enhanced GRE).</summary>
    public ushort GreVersion;

    /// <summary>PPTP GRE (version 1): the call id, which gre_pkt_to_tuple puts in the tuple's destination key; 0 otherwise.</summary>
    public uint GreKey;

    /// <summary>The outer 802.1Q / 802.1ad VLAN id, 0 when untagged.</summary>
    public ushort VlanId;

    /// <summary>Linux packet type from a cooked (SLL/SLL2) header: 0 host, 1 broadcast, 2 multicast, 3 other host, 4 outgoing.</summary>
    public byte LinkPacketType;

    /// <summary>The interface index from an SLL2 header, 0 otherwise.</summary>
    public int InterfaceIndex;

    /// <summary>For <see cref="ParseResult.Fragment"/>: the IP identification (16 bits for IPv4, 32 for IPv6).</summary>
    public uint FragmentId;

    /// <summary>For <see cref="ParseResult.Fragment"/>: the fragment offset in bytes.</summary>
    public int FragmentOffset;

    /// <summary>For <see cref="ParseResult.Fragment"/>: the more-fragments flag.</summary>
    public bool MoreFragments;

    /// <summary>
    /// For <see cref="ParseResult.Malformed"/>: the IP layer's own checks failed (bad version, header
    /// length or total length), so the kernel drops the packet before conntrack and counts nothing there.
    /// </summary>
    public bool IpLayerDrop;

    /// <summary>
    /// The tuple (addresses, protocol, ports, ICMP or GRE fields; for an ICMP error the quoted
    /// packet's) was read. Always true for <see cref="ParseResult.Ok"/>; for
    /// <see cref="ParseResult.Malformed"/> it means the protocol's error() check failed only after
    /// nf_ct_get_tuple succeeded, so the kernel looked up (or made) the connection first.
    /// </summary>
    public bool HasTuple;

    /// <summary>Why the result is not <see cref="ParseResult.Ok"/>, in the kernel's log words where it has some.</summary>
    public string? Reason;

    /// <summary>The ICMPv4 query types icmp_pkt_to_tuple's callers track (valid_new/invmap in nf_conntrack_proto_icmp.c).</summary>
    internal static bool IsIcmpQuery(byte type) => type is 0 or 8 or 13 or 14 or 15 or 16 or 17 or 18;

    /// <summary>The ICMPv6 query types nf_conntrack_proto_icmpv6.c tracks (echo, node information).</summary>
    internal static bool IsIcmpV6Query(byte type) => type is 128 or 129 or 139 or 140;

    /// <summary>icmp_is_err: the ICMPv4 types that quote a packet.</summary>
    internal static bool IsIcmpErrorType(byte type) => type is 3 or 4 or 5 or 11 or 12;
}
