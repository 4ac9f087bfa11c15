namespace ConntrackTools.Engine.Helpers.Userspace;

/// <summary>
/// A conntrackd userspace helper (conntrack-tools src/helpers/*.c) as the kernel runs it: an
/// nfnetlink_cthelper helper whose help() (nfnl_userspace_cthelper) queues every packet of the
/// connection to conntrackd (cthelper.c nfq_queue_cb), which runs the helper's callback and
/// answers with a verdict. Expectations reach the kernel in one of two ways, and the two differ:
/// <list type="bullet">
/// <item>in the verdict (myct->exp, NFQA_EXP: <see cref="Attach"/>): nfqnl_ct_parse applies the
/// echoed NFQA_CT first and then ctnetlink_glue_attach_expect, whose result nobody reads;</item>
/// <item>by a ctnetlink request of its own (cthelper_add_expect: <see cref="Add"/>), whose failure
/// the callback turns into NF_DROP.</item>
/// </list>
/// Both end in ctnetlink_alloc_expect, which clears NF_CT_EXPECT_USERSPACE from the flags and
/// takes class 0 (conntrackd sends no CTA_EXPECT_CLASS), and in nf_ct_expect_related, whose
/// nf_ct_expect_insert sets the timeout from the master's helper policy: conntrackd's Policy
/// section (ExpectMax, ExpectTimeout) as nfnetlink_cthelper registered it, never a timeout of
/// conntrackd's own. Those two values are the options "expect_max" and "expect_timeout" of the
/// module "ct_helper_NAME", defaulting to the helper's ctd_helper policy (which is also what
/// doc/helper/conntrackd.conf sets). NAT mangling is not modelled: the engine does no NAT.
/// </summary>
internal abstract class UserspaceHelper : ConntrackHelper
{
    /// <summary>NF_CT_EXPECT_MAX_CNT: nfnl_cthelper_expect_policy refuses a larger ExpectMax.</summary>
    private const long MaxExpectMax = 255;

    private readonly string _name;
    private readonly ExpectPolicy[] _defaults;

    protected UserspaceHelper(string name, int expectMax, uint expectTimeout)
    {
        _name = name;
        _defaults = [new(name, expectMax, expectTimeout)];
        Options =
        [
            new("expect_max", expectMax, "conntrackd.conf Policy ExpectMax: live expectations per connection (0 = no limit; 255 at most)."),
            new("expect_timeout", expectTimeout, "conntrackd.conf Policy ExpectTimeout: seconds an expectation lives."),
        ];
    }

    /// <summary>The ctd_helper's name, which is also its policy's name.</summary>
    public sealed override string Name => _name;
    public sealed override bool Userspace => true;
    public sealed override string Module => "ct_helper_" + Name;
    public sealed override IReadOnlyList<HelperOption> Options { get; }

    /// <summary>The single policy (class 0) every conntrackd helper has, as its ctd_helper defines it.</summary>
    public sealed override IReadOnlyList<ExpectPolicy> Policies => _defaults;

    /// <summary>The policy conntrackd registered: the expect_max and expect_timeout options (ExpectMax is at most 255).</summary>
    public sealed override ExpectPolicy Policy(int expectClass, EngineSettings settings) =>
        new(_name, (int)Math.Min(settings.HelperOption(OptionName("expect_max")), MaxExpectMax), (uint)settings.HelperOption(OptionName("expect_timeout")));

    /// <summary>nfnl_userspace_cthelper + nfq_queue_cb: every packet goes to the callback.</summary>
    public sealed override HelperVerdict Help(HelperCall call, ReadOnlySpan<byte> l4) => Callback(call, l4);

    /// <summary>The ctd_helper's cb: one packet (the whole layer-4 segment), ctinfo and direction in <paramref name="call"/>.</summary>
    protected abstract HelperVerdict Callback(HelperCall call, ReadOnlySpan<byte> l4);

    /// <summary>
    /// cthelper_expect_init: class 0; a null source address or port is a wildcard (mask 0), a given
    /// one is exact (all ones, the whole 128 bits for IPv6 as conntrackd 1.4.7 builds it).
    /// </summary>
    protected static Expectation Init(HelperCall call, UInt128? source, UInt128 destination, CtProtocol protocol, ushort? sourcePort, ushort destinationPort, CtExpectationFlags flags)
    {
        var exp = call.NewExpectation(0, call.Family, source, destination, protocol, sourcePort, destinationPort);
        exp.Flags = flags & ~CtExpectationFlags.Userspace; // ctnetlink_alloc_expect
        return exp;
    }

    /// <summary>
    /// The verdict's NFQA_EXP (nfqnl_ct_parse): ctnetlink_glue_parse_ct first applies the NFQA_CT that
    /// conntrackd echoes, whose CTA_TIMEOUT fails with EPERM on a fixed-timeout entry, and then
    /// nothing is attached; ctnetlink_glue_attach_expect's own errors are ignored.
    /// <paramref name="timeout"/> is a CTA_TIMEOUT the callback set (dhcpv6), applied before the expectation.
    /// </summary>
    protected static void Attach(HelperCall call, Expectation exp, uint timeout = 0)
    {
        if ((call.Status & CtStatus.FixedTimeout) != 0) return;
        if (timeout > 0) call.Refresh(timeout);
        call.ExpectRelated(exp);
    }

    /// <summary>
    /// cthelper_add_expect: IPCTNL_MSG_EXP_NEW with NLM_F_CREATE; true when ctnetlink answers 0.
    /// ctnetlink_new_expect answers 0 without creating anything when a live expectation already
    /// matches the tuple (any master: the update changes nothing without CTA_EXPECT_TIMEOUT).
    /// Neither the expectation nor its master carries a zone, so ctnetlink looks for the master in
    /// zone 0: a master in another zone is not found (ENOENT). (A zone-0 expectation that matches
    /// the tuple would still make it answer 0 there; the engine does not look across zones.)
    /// </summary>
    protected static bool Add(HelperCall call, Expectation exp)
    {
        if (call.Zone != 0) return false;
        if (call.FindExpectation(exp.Tuple) is not null) return true;
        return call.ExpectRelated(exp) == ExpectResult.Added;
    }
}
