using ConntrackTools.Kernel.Netlink;

namespace ConntrackTools.Kernel.Conntrack;

/// <summary>A ctnetlink expectation message → <see cref="CtExpectation"/> (ctnetlink_exp_dump_expect).</summary>
internal static class ExpectCodec
{
    public static CtExpectation Decode(byte family, AttributeReader attrs, string backend)
    {
        var exp = new CtExpectation { Family = (CtFamily)family, Backend = backend };
        while (attrs.MoveNext())
        {
            switch (attrs.Type)
            {
                case Cta.CTA_EXPECT_MASTER: exp.Master = TupleCodec.Decode(attrs.Nested); break;
                case Cta.CTA_EXPECT_TUPLE: exp.Tuple = TupleCodec.Decode(attrs.Nested); break;
                case Cta.CTA_EXPECT_MASK: exp.Mask = TupleCodec.Decode(attrs.Nested); break;
                case Cta.CTA_EXPECT_TIMEOUT: exp.Timeout = attrs.U32; break;
                case Cta.CTA_EXPECT_ID: exp.Id = attrs.U32; break;
                case Cta.CTA_EXPECT_HELP_NAME: exp.Helper = Names.Intern(attrs.Payload); break;
                case Cta.CTA_EXPECT_ZONE: exp.Zone = attrs.U16; break;
                case Cta.CTA_EXPECT_FLAGS: exp.Flags = (CtExpectationFlags)attrs.U32; break;
                case Cta.CTA_EXPECT_CLASS: exp.Class = attrs.U32; break;
                case Cta.CTA_EXPECT_FN: exp.Function = Names.Intern(attrs.Payload); break;
                case Cta.CTA_EXPECT_NAT:
                    {
                        var nat = attrs.Nested;
                        while (nat.MoveNext())
                        {
                            if (nat.Type == Cta.CTA_EXPECT_NAT_DIR) exp.NatDirection = nat.U32;
                            else if (nat.Type == Cta.CTA_EXPECT_NAT_TUPLE) exp.NatTuple = TupleCodec.Decode(nat.Nested);
                        }
                        break;
                    }
            }
        }
        // The kernel dumps the mask's protocol number as the tuple's (ctnetlink_exp_dump_mask).
        return exp;
    }

    /// <summary>The attributes ctnetlink_create_expect reads: master, tuple, mask, timeout, zone, flags, class, helper.</summary>
    public static void WriteCreate(NetlinkWriter w, CtExpectation exp)
    {
        TupleCodec.Encode(w, Cta.CTA_EXPECT_MASTER, exp.Master);
        TupleCodec.Encode(w, Cta.CTA_EXPECT_TUPLE, exp.Tuple);
        TupleCodec.Encode(w, Cta.CTA_EXPECT_MASK, exp.Mask);
        w.PutU32BE(Cta.CTA_EXPECT_TIMEOUT, exp.Timeout ?? throw new ArgumentException("A new expectation needs a timeout."));
        if (exp.Zone != 0) w.PutU16BE(Cta.CTA_EXPECT_ZONE, exp.Zone);
        if (exp.Flags != CtExpectationFlags.None) w.PutU32BE(Cta.CTA_EXPECT_FLAGS, (uint)exp.Flags);
        if (exp.Class is { } c) w.PutU32BE(Cta.CTA_EXPECT_CLASS, c);
        if (!string.IsNullOrEmpty(exp.Helper)) w.PutString(Cta.CTA_EXPECT_HELP_NAME, exp.Helper);
    }
}

/// <summary>
/// Completes and checks an expectation to create, with `conntrack -I expect`'s rules: a master
/// (its original tuple: both addresses, and both ports for port protocols), the expected tuple's
/// addresses, and a timeout. A mask that is not given is exact for every field of the tuple that
/// was given and a wildcard for the rest (source port omitted: any source port).
/// </summary>
public static class ExpectationRequest
{
    public static void Complete(CtExpectation exp)
    {
        ArgumentNullException.ThrowIfNull(exp);
        if (exp.Timeout is null)
            throw new ArgumentException("A new expectation needs -Timeout, in seconds (conntrack -I expect requires --timeout too).");
        var m = exp.Master;
        if (m.Source is null || m.Destination is null)
            throw new ArgumentException("A new expectation needs its master connection: pipe one in, or give -MasterSource and -MasterDestination (with -MasterSourcePort and -MasterDestinationPort for TCP and UDP).");
        if (m.Protocol == 0) throw new ArgumentException("A new expectation needs the master's -Protocol.");
        if (IsPortProtocol(m.Protocol) && (m.SourcePort is null || m.DestinationPort is null))
            throw new ArgumentException("The master connection needs -MasterSourcePort and -MasterDestinationPort.");
        var t = exp.Tuple;
        if (t.Protocol == 0) t.Protocol = m.Protocol;
        if (t.Destination is null)
            throw new ArgumentException("A new expectation needs the -Destination address the expected connection goes to.");
        var family = TupleCodec.FamilyOf(m.Source);
        if (TupleCodec.FamilyOf(m.Destination) != family || TupleCodec.FamilyOf(t.Destination) != family || (t.Source is not null && TupleCodec.FamilyOf(t.Source) != family))
            throw new ArgumentException("The addresses mix IPv4 and IPv6; an expectation and its master have one family.");
        exp.Family = family;
        if (IsPortProtocol(t.Protocol) && t.DestinationPort is null)
            throw new ArgumentException("A new expectation for TCP or UDP needs the -DestinationPort the expected connection goes to.");

        var v6 = family == CtFamily.IPv6;
        var any = v6 ? System.Net.IPAddress.IPv6Any : System.Net.IPAddress.Any;
        var all = v6 ? System.Net.IPAddress.Parse("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff") : System.Net.IPAddress.Broadcast;
        var mask = exp.Mask;
        mask.Protocol = t.Protocol;
        mask.Source ??= t.Source is null ? any : all;
        mask.Destination ??= all;
        t.Source ??= any;
        if (IsPortProtocol(t.Protocol))
        {
            mask.SourcePort ??= t.SourcePort is null ? (ushort)0 : ushort.MaxValue;
            mask.DestinationPort ??= ushort.MaxValue;
            t.SourcePort ??= 0;
        }
    }

    private static bool IsPortProtocol(CtProtocol p) =>
        p is CtProtocol.Tcp or CtProtocol.Udp or CtProtocol.UdpLite or CtProtocol.Sctp or CtProtocol.Dccp;
}
