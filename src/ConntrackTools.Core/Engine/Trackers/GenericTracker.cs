namespace ConntrackTools.Engine;

/// <summary>The generic timeout in seconds (nf_ct_generic_timeout, nf_conntrack_proto_generic.c).</summary>
internal sealed class GenericSettings
{
    /// <summary>nf_conntrack_generic_timeout.</summary>
    public uint Timeout { get; set; } = 600;

    private static readonly Sysctl.Entry<GenericSettings>[] Entries =
    [
        new("nf_conntrack_generic_timeout", s => s.Timeout, (s, v) => s.Timeout = v),
    ];

    public static IReadOnlyList<string> SysctlNames { get; } = Sysctl.Names(Entries);
    public bool TrySet(string sysctlName, uint value) => Sysctl.TrySet(Entries, this, sysctlName, value);
    public bool TryGet(string sysctlName, out uint value) => Sysctl.TryGet(Entries, this, sysctlName, out value);
    public void Set(string sysctlName, uint value) => Sysctl.Set(Entries, this, sysctlName, value);
}

/// <summary>
/// Every protocol without a tracker of its own (in 6.18 that includes DCCP, whose tracker was
/// removed in 6.16, and ESP, AH, IGMP...): the tuple has addresses and protocol only
/// (generic_pkt_to_tuple leaves src.u and dst.u zero), one entry per address pair.
/// </summary>
internal static class GenericTracker
{
    /// <summary>generic_packet (nf_conntrack_core.c): accept and refresh with the generic timeout.</summary>
    public static TrackerVerdict Packet(GenericSettings settings, out uint timeoutSeconds)
    {
        ArgumentNullException.ThrowIfNull(settings);
        timeoutSeconds = settings.Timeout;
        return TrackerVerdict.Accept;
    }
}
