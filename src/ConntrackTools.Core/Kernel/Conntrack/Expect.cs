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
}
