namespace ConntrackTools.Engine.Helpers;

/// <summary>
/// nf_nat_snmp_basic's "snmp_trap" helper (UDP 162, IPv4): it sets up no expectation and only
/// rewrites addresses inside SNMP replies and traps of NATed connections. The engine does no NAT,
/// so help() always accepts, as the kernel's does for a connection without NAT; the helper is
/// here so that rules and connections can name it.
/// </summary>
internal sealed class SnmpTrapHelper : ConntrackHelper
{
    public override string Name => "snmp_trap";
    public override string Module => "nf_nat_snmp_basic";
    public override CtProtocol Protocol => CtProtocol.Udp;
    public override IReadOnlyList<ushort> Ports { get; } = [162];

    /// <summary>snmp_exp_policy: max_expected 0, timeout 180 (never used).</summary>
    public override IReadOnlyList<ExpectPolicy> Policies { get; } = [new("snmp_trap", 0, 180)];
    public override IReadOnlyList<CtExpectationShape> Shapes { get; } = [];

    public override bool Supports(CtFamily family) => family == CtFamily.IPv4;

    /// <summary>help() of nf_nat_snmp_basic_main.c: without NAT (ct->status &amp; IPS_NAT_MASK) it accepts.</summary>
    public override HelperVerdict Help(HelperCall call, ReadOnlySpan<byte> l4) => HelperVerdict.Accept;
}
