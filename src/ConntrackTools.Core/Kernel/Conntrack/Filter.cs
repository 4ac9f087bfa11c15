using System.Net;
using ConntrackTools.Kernel.Netlink;

namespace ConntrackTools.Kernel.Conntrack;

/// <summary>
/// What to select from the connection table: every filter a `conntrack -L` user has. The kernel
/// applies what it can (family, mark/mask, zone, status, CTA_FILTER on tuples); the reader applies
/// every filter again, so the result never depends on what a kernel version filters.
/// Arrays mean "any of"; null means "no filter".
/// </summary>
public sealed class CtConnectionFilter
{
    public CtFamily? Family { get; set; }
    public CtProtocol[]? Protocol { get; set; }
    public IPNetwork[]? Source { get; set; }
    public IPNetwork[]? Destination { get; set; }
    public IPNetwork[]? ReplySource { get; set; }
    public IPNetwork[]? ReplyDestination { get; set; }
    public ushort[]? SourcePort { get; set; }
    public ushort[]? DestinationPort { get; set; }
    public ushort[]? ReplySourcePort { get; set; }
    public ushort[]? ReplyDestinationPort { get; set; }
    public byte[]? IcmpType { get; set; }
    public byte[]? IcmpCode { get; set; }
    public ushort[]? IcmpId { get; set; }
    public CtState[]? State { get; set; }

    /// <summary>Every one of these bits must be set (conntrack --status).</summary>
    public CtStatus? Status { get; set; }
    public uint? Mark { get; set; }

    /// <summary>With <see cref="Mark"/>: (mark &amp; MarkMask) == Mark, as `conntrack --mark M/MASK`.</summary>
    public uint? MarkMask { get; set; }
    public ushort[]? Zone { get; set; }
    public string[]? Helper { get; set; }
    public uint[]? Id { get; set; }

    /// <summary>Every one of these label bits must be set (conntrack --label).</summary>
    public int[]? Label { get; set; }

    /// <summary>True when the filter selects everything.</summary>
    public bool IsEmpty =>
        (Family is null || Family == CtFamily.Unspecified) && Protocol is null && Source is null && Destination is null &&
        ReplySource is null && ReplyDestination is null && SourcePort is null && DestinationPort is null &&
        ReplySourcePort is null && ReplyDestinationPort is null && IcmpType is null && IcmpCode is null && IcmpId is null &&
        State is null && Status is null && Mark is null && Zone is null && Helper is null && Id is null && Label is null;

    /// <summary>Throws <see cref="ArgumentException"/> for combinations no entry can match.</summary>
    public void Validate()
    {
        if (MarkMask is not null && Mark is null)
            throw new ArgumentException("-MarkMask needs -Mark: give the value the masked mark must equal, e.g. -Mark 0x10 -MarkMask 0xf0.");
        var families = AllNetworks().Select(n => TupleCodec.FamilyOf(n.BaseAddress)).Distinct().ToArray();
        if (families.Length > 1)
            throw new ArgumentException("The address filters mix IPv4 and IPv6; a connection has one family. Give addresses of one family, or run the command once per family.");
        if (Family is { } f && f != CtFamily.Unspecified && families.Length == 1 && families[0] != f)
            throw new ArgumentException($"-Family {f} does not match the {families[0]} addresses given.");
        if (Label is not null)
            foreach (var l in Label)
                if (l is < 0 or > 127) throw new ArgumentException($"Connection label {l} is out of range: labels are numbered 0 to 127.");
    }

    private IEnumerable<IPNetwork> AllNetworks() =>
        (Source ?? []).Concat(Destination ?? []).Concat(ReplySource ?? []).Concat(ReplyDestination ?? []);

    /// <summary>The family the filter implies: -Family, or the family of the addresses given.</summary>
    public CtFamily EffectiveFamily
    {
        get
        {
            if (Family is { } f && f != CtFamily.Unspecified) return f;
            foreach (var n in AllNetworks()) return TupleCodec.FamilyOf(n.BaseAddress);
            return CtFamily.Unspecified;
        }
    }

    /// <summary>True when a connection passes every filter.</summary>
    public bool Matches(CtConnection ct)
    {
        var family = EffectiveFamily;
        if (family != CtFamily.Unspecified && ct.Family != family) return false;
        if (Protocol is not null && Array.IndexOf(Protocol, ct.Protocol) < 0) return false;
        if (!MatchAddress(Source, ct.Original.Source) || !MatchAddress(Destination, ct.Original.Destination)) return false;
        if (!MatchAddress(ReplySource, ct.Reply.Source) || !MatchAddress(ReplyDestination, ct.Reply.Destination)) return false;
        if (!MatchValue(SourcePort, ct.Original.SourcePort) || !MatchValue(DestinationPort, ct.Original.DestinationPort)) return false;
        if (!MatchValue(ReplySourcePort, ct.Reply.SourcePort) || !MatchValue(ReplyDestinationPort, ct.Reply.DestinationPort)) return false;
        if (!MatchValue(IcmpType, ct.Original.IcmpType) || !MatchValue(IcmpCode, ct.Original.IcmpCode) || !MatchValue(IcmpId, ct.Original.IcmpId)) return false;
        if (State is not null && Array.IndexOf(State, ct.State) < 0) return false;
        if (Status is { } status && (ct.Status & status) != status) return false;
        if (Mark is { } mark && (ct.Mark & (MarkMask ?? uint.MaxValue)) != mark) return false;
        if (Zone is not null && Array.IndexOf(Zone, ct.Zone) < 0 && !ZoneOfDirection(ct)) return false;
        if (Id is not null && Array.IndexOf(Id, ct.Id) < 0) return false;
        if (Helper is not null && !MatchHelper(ct.Helper)) return false;
        if (Label is not null)
        {
            if (ct.Labels is null) return Label.Length == 0;
            foreach (var l in Label)
                if (Array.IndexOf(ct.Labels, l) < 0) return false;
        }
        return true;
    }

    // nf_ct_zone_equal_any: a directional zone matches in either direction.
    private bool ZoneOfDirection(CtConnection ct) =>
        (ct.Original.Zone is { } zo && Array.IndexOf(Zone!, zo) >= 0) || (ct.Reply.Zone is { } zr && Array.IndexOf(Zone!, zr) >= 0);

    private bool MatchHelper(string? helper)
    {
        foreach (var pattern in Helper!)
        {
            if (helper is null) { if (pattern.Length == 0) return true; continue; }
            if (Wildcard.IsMatch(pattern, helper)) return true;
        }
        return false;
    }

    private static bool MatchAddress(IPNetwork[]? networks, IPAddress? address)
    {
        if (networks is null) return true;
        if (address is null) return false;
        foreach (var n in networks)
            if (n.Contains(address)) return true;
        return false;
    }

    private static bool MatchValue<T>(T[]? values, T? value) where T : struct, IEquatable<T>
    {
        if (values is null) return true;
        if (value is not { } v) return false;
        foreach (var x in values)
            if (x.Equals(v)) return true;
        return false;
    }

    /// <summary>
    /// Adds to a dump request the attributes that let the kernel filter (ctnetlink_alloc_filter):
    /// CTA_MARK/CTA_MARK_MASK, CTA_STATUS/CTA_STATUS_MASK, CTA_ZONE, and CTA_FILTER with the
    /// original and reply tuples. Only single values are pushed down; sets are matched in the reader.
    /// </summary>
    internal void WriteKernelFilter(NetlinkWriter writer)
    {
        if (Mark is { } mark)
        {
            writer.PutU32BE(Cta.CTA_MARK, mark);
            writer.PutU32BE(Cta.CTA_MARK_MASK, MarkMask ?? uint.MaxValue);
        }
        if (Status is { } status && status != CtStatus.None)
        {
            writer.PutU32BE(Cta.CTA_STATUS, (uint)status);
            writer.PutU32BE(Cta.CTA_STATUS_MASK, (uint)status);
        }
        if (Zone is { Length: 1 }) writer.PutU16BE(Cta.CTA_ZONE, Zone[0]);

        // CTA_FILTER needs an IPv4 or IPv6 family (EOPNOTSUPP otherwise), and port or ICMP flags
        // need the protocol number.
        if (EffectiveFamily == CtFamily.Unspecified) return;
        var protocol = Protocol is { Length: 1 } ? Protocol[0] : (CtProtocol?)null;
        var orig = new CtTuple();
        var reply = new CtTuple();
        var origFlags = TupleFlags(orig, Single(Source), Single(Destination), protocol, Single(SourcePort), Single(DestinationPort), icmp: true);
        var replyFlags = TupleFlags(reply, Single(ReplySource), Single(ReplyDestination), protocol, Single(ReplySourcePort), Single(ReplyDestinationPort), icmp: false);
        if (origFlags == CtaFilterFlags.None && replyFlags == CtaFilterFlags.None) return;
        if (origFlags != CtaFilterFlags.None) TupleCodec.Encode(writer, Cta.CTA_TUPLE_ORIG, orig);
        if (replyFlags != CtaFilterFlags.None) TupleCodec.Encode(writer, Cta.CTA_TUPLE_REPLY, reply);
        var filter = writer.BeginNested(Cta.CTA_FILTER);
        // Host byte order: the kernel reads these with nla_get_u32, unlike the other CTA_ numbers.
        writer.PutU32(Cta.CTA_FILTER_ORIG_FLAGS, (uint)origFlags);
        writer.PutU32(Cta.CTA_FILTER_REPLY_FLAGS, (uint)replyFlags);
        writer.EndNested(filter);
    }

    private CtaFilterFlags TupleFlags(CtTuple tuple, IPNetwork? src, IPNetwork? dst, CtProtocol? protocol, ushort? sport, ushort? dport, bool icmp)
    {
        var flags = CtaFilterFlags.None;
        // IPv4 only: ctnetlink_filter_match_tuple tests IPv6 addresses with !ipv6_addr_cmp(), which
        // rejects the entries that are equal (seen on 6.18), so IPv6 addresses are matched here only.
        if (IsHost(src) && IsV4(src)) { tuple.Source = src!.Value.BaseAddress; flags |= CtaFilterFlags.IpSrc; }
        if (IsHost(dst) && IsV4(dst)) { tuple.Destination = dst!.Value.BaseAddress; flags |= CtaFilterFlags.IpDst; }
        if (protocol is not { } p) return flags;
        tuple.Protocol = p;
        flags |= CtaFilterFlags.ProtoNum;
        if (p is CtProtocol.Tcp or CtProtocol.Udp)
        {
            if (sport is { } s) { tuple.SourcePort = s; flags |= CtaFilterFlags.ProtoSrcPort; }
            if (dport is { } d) { tuple.DestinationPort = d; flags |= CtaFilterFlags.ProtoDstPort; }
        }
        else if (icmp && p is CtProtocol.Icmp or CtProtocol.IcmpV6)
        {
            var v6 = p == CtProtocol.IcmpV6;
            if (Single(IcmpType) is { } t) { tuple.IcmpType = t; flags |= v6 ? CtaFilterFlags.IcmpV6Type : CtaFilterFlags.IcmpType; }
            if (Single(IcmpCode) is { } c) { tuple.IcmpCode = c; flags |= v6 ? CtaFilterFlags.IcmpV6Code : CtaFilterFlags.IcmpCode; }
            if (Single(IcmpId) is { } id) { tuple.IcmpId = id; flags |= v6 ? CtaFilterFlags.IcmpV6Id : CtaFilterFlags.IcmpId; }
        }
        return flags;
    }

    private static bool IsV4(IPNetwork? n) => n?.BaseAddress.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork;

    private static bool IsHost(IPNetwork? n) =>
        n is { } net && net.PrefixLength == (net.BaseAddress.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ? 128 : 32);

    private static T? Single<T>(T[]? values) where T : struct => values is { Length: 1 } ? values[0] : null;
}

/// <summary>What to select from the expectation table.</summary>
public sealed class CtExpectationFilter
{
    public CtFamily? Family { get; set; }
    public CtProtocol[]? Protocol { get; set; }
    public string[]? Helper { get; set; }
    public IPNetwork[]? Source { get; set; }
    public IPNetwork[]? Destination { get; set; }
    public ushort[]? DestinationPort { get; set; }
    public IPNetwork[]? MasterSource { get; set; }
    public IPNetwork[]? MasterDestination { get; set; }
    public ushort[]? MasterDestinationPort { get; set; }
    public ushort[]? Zone { get; set; }
    public uint[]? Id { get; set; }
    public string[]? Class { get; set; }

    public bool Matches(CtExpectation exp)
    {
        if (Family is { } f && f != CtFamily.Unspecified && exp.Family != f) return false;
        if (Protocol is not null && Array.IndexOf(Protocol, exp.Protocol) < 0) return false;
        if (Helper is not null && !Helper.Any(p => exp.Helper is not null && Wildcard.IsMatch(p, exp.Helper))) return false;
        if (!Contains(Source, exp.Tuple.Source) || !Contains(Destination, exp.Tuple.Destination)) return false;
        if (DestinationPort is not null && (exp.Tuple.DestinationPort is not { } dp || Array.IndexOf(DestinationPort, dp) < 0)) return false;
        if (!Contains(MasterSource, exp.Master.Source) || !Contains(MasterDestination, exp.Master.Destination)) return false;
        if (MasterDestinationPort is not null && (exp.Master.DestinationPort is not { } mp || Array.IndexOf(MasterDestinationPort, mp) < 0)) return false;
        if (Zone is not null && Array.IndexOf(Zone, exp.Zone) < 0) return false;
        if (Id is not null && Array.IndexOf(Id, exp.Id) < 0) return false;
        return true;
    }

    private static bool Contains(IPNetwork[]? networks, IPAddress? address) =>
        networks is null || (address is not null && networks.Any(n => n.Contains(address)));
}

/// <summary>PowerShell-style wildcards (* and ?), case-insensitive, for helper names.</summary>
internal static class Wildcard
{
    public static bool IsMatch(string pattern, string text) => Match(pattern.AsSpan(), text.AsSpan());

    private static bool Match(ReadOnlySpan<char> p, ReadOnlySpan<char> t)
    {
        int pi = 0, ti = 0, star = -1, mark = 0;
        while (ti < t.Length)
        {
            if (pi < p.Length && (p[pi] == '?' || char.ToLowerInvariant(p[pi]) == char.ToLowerInvariant(t[ti]))) { pi++; ti++; }
            else if (pi < p.Length && p[pi] == '*') { star = pi++; mark = ti; }
            else if (star >= 0) { pi = star + 1; ti = ++mark; }
            else return false;
        }
        while (pi < p.Length && p[pi] == '*') pi++;
        return pi == p.Length;
    }
}
