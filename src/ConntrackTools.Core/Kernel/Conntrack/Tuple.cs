using System.Net;
using ConntrackTools.Kernel.Netlink;

namespace ConntrackTools.Kernel.Conntrack;

/// <summary>CTA_TUPLE_* ↔ <see cref="CtTuple"/> (ctnetlink_dump_tuples / ctnetlink_parse_tuple).</summary>
internal static class TupleCodec
{
    public static CtTuple Decode(AttributeReader attrs)
    {
        var tuple = new CtTuple();
        while (attrs.MoveNext())
        {
            switch (attrs.Type)
            {
                case Cta.CTA_TUPLE_IP:
                    DecodeIp(attrs.Nested, tuple);
                    break;
                case Cta.CTA_TUPLE_PROTO:
                    DecodeProto(attrs.Nested, tuple);
                    break;
                case Cta.CTA_TUPLE_ZONE:
                    tuple.Zone = attrs.U16;
                    break;
            }
        }
        return tuple;
    }

    private static void DecodeIp(AttributeReader attrs, CtTuple tuple)
    {
        while (attrs.MoveNext())
        {
            switch (attrs.Type)
            {
                case Cta.CTA_IP_V4_SRC:
                case Cta.CTA_IP_V6_SRC:
                    tuple.Source = attrs.Address;
                    break;
                case Cta.CTA_IP_V4_DST:
                case Cta.CTA_IP_V6_DST:
                    tuple.Destination = attrs.Address;
                    break;
            }
        }
    }

    private static void DecodeProto(AttributeReader attrs, CtTuple tuple)
    {
        while (attrs.MoveNext())
        {
            switch (attrs.Type)
            {
                case Cta.CTA_PROTO_NUM:
                    tuple.Protocol = (CtProtocol)attrs.U8;
                    break;
                case Cta.CTA_PROTO_SRC_PORT:
                    tuple.SourcePort = attrs.U16;
                    break;
                case Cta.CTA_PROTO_DST_PORT:
                    tuple.DestinationPort = attrs.U16;
                    break;
                case Cta.CTA_PROTO_ICMP_ID:
                case Cta.CTA_PROTO_ICMPV6_ID:
                    tuple.IcmpId = attrs.U16;
                    break;
                case Cta.CTA_PROTO_ICMP_TYPE:
                case Cta.CTA_PROTO_ICMPV6_TYPE:
                    tuple.IcmpType = attrs.U8;
                    break;
                case Cta.CTA_PROTO_ICMP_CODE:
                case Cta.CTA_PROTO_ICMPV6_CODE:
                    tuple.IcmpCode = attrs.U8;
                    break;
            }
        }
    }

    /// <summary>
    /// Writes a tuple as a nested attribute. Only the fields that are set are written; which of
    /// them the kernel uses is said by the CTA_FILTER flags or by the operation.
    /// </summary>
    public static void Encode(NetlinkWriter writer, ushort type, CtTuple tuple)
    {
        var outer = writer.BeginNested(type);
        if (tuple.Source is not null || tuple.Destination is not null)
        {
            var ip = writer.BeginNested(Cta.CTA_TUPLE_IP);
            var v6 = (tuple.Source ?? tuple.Destination)!.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6;
            if (tuple.Source is { } src) writer.PutAddress(v6 ? Cta.CTA_IP_V6_SRC : Cta.CTA_IP_V4_SRC, src);
            if (tuple.Destination is { } dst) writer.PutAddress(v6 ? Cta.CTA_IP_V6_DST : Cta.CTA_IP_V4_DST, dst);
            writer.EndNested(ip);
        }
        var proto = writer.BeginNested(Cta.CTA_TUPLE_PROTO);
        writer.PutU8(Cta.CTA_PROTO_NUM, (byte)tuple.Protocol);
        if (tuple.SourcePort is { } sp) writer.PutU16BE(Cta.CTA_PROTO_SRC_PORT, sp);
        if (tuple.DestinationPort is { } dp) writer.PutU16BE(Cta.CTA_PROTO_DST_PORT, dp);
        var icmp6 = tuple.Protocol == CtProtocol.IcmpV6;
        if (tuple.IcmpId is { } id) writer.PutU16BE(icmp6 ? Cta.CTA_PROTO_ICMPV6_ID : Cta.CTA_PROTO_ICMP_ID, id);
        if (tuple.IcmpType is { } t) writer.PutU8(icmp6 ? Cta.CTA_PROTO_ICMPV6_TYPE : Cta.CTA_PROTO_ICMP_TYPE, t);
        if (tuple.IcmpCode is { } c) writer.PutU8(icmp6 ? Cta.CTA_PROTO_ICMPV6_CODE : Cta.CTA_PROTO_ICMP_CODE, c);
        writer.EndNested(proto);
        if (tuple.Zone is { } zone) writer.PutU16BE(Cta.CTA_TUPLE_ZONE, zone);
        writer.EndNested(outer);
    }

    public static CtFamily FamilyOf(IPAddress? address) => address?.AddressFamily switch
    {
        System.Net.Sockets.AddressFamily.InterNetwork => CtFamily.IPv4,
        System.Net.Sockets.AddressFamily.InterNetworkV6 => CtFamily.IPv6,
        _ => CtFamily.Unspecified,
    };
}
