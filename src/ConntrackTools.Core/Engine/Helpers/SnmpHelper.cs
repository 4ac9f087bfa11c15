namespace ConntrackTools.Engine.Helpers;

/// <summary>
/// nf_conntrack_snmp: SNMP requests broadcast to UDP port 161 expect the answers from the hosts of
/// the network (see <see cref="BroadcastHelper"/>); timeout 30 seconds. Its NAT part
/// (nf_nat_snmp_hook, for NATed connections) has nothing to do in the engine, which does no NAT.
/// </summary>
internal sealed class SnmpHelper : BroadcastHelper
{
    public override string Name => "snmp";
    public override IReadOnlyList<ushort> Ports { get; } = [161];
    protected override uint DefaultTimeout => 30;

    /// <summary>snmp_conntrack_help.</summary>
    public override HelperVerdict Help(HelperCall call, ReadOnlySpan<byte> l4)
    {
        BroadcastHelp(call);
        return HelperVerdict.Accept;
    }
}
