namespace ConntrackTools.Engine.Helpers;

/// <summary>
/// nf_conntrack_netbios_ns: NetBIOS name service requests broadcast to UDP port 137 expect the
/// answers from the hosts of the network (see <see cref="BroadcastHelper"/>); timeout 3 seconds.
/// </summary>
internal sealed class NetbiosNsHelper : BroadcastHelper
{
    public override string Name => "netbios-ns";
    public override string Module => "nf_conntrack_netbios_ns";
    public override IReadOnlyList<ushort> Ports { get; } = [137];
    protected override uint DefaultTimeout => 3;

    /// <summary>netbios_ns_help.</summary>
    public override HelperVerdict Help(HelperCall call, ReadOnlySpan<byte> l4)
    {
        BroadcastHelp(call);
        return HelperVerdict.Accept;
    }
}
