using System.Buffers.Binary;

namespace ConntrackTools.Engine;

/// <summary>
/// Per-flow GRE state, struct nf_ct_gre: the flow's own timeouts in seconds, taken from the
/// settings on its first packet; the PPTP helper raises them for the calls it sets up.
/// </summary>
internal struct GreState
{
    /// <summary>timeout: while unreplied.</summary>
    public uint TimeoutSeconds;
    /// <summary>stream_timeout: once replied.</summary>
    public uint StreamTimeoutSeconds;
}

/// <summary>The GRE timeouts in seconds (gre_timeouts in nf_conntrack_proto_gre.c).</summary>
internal sealed class GreSettings
{
    /// <summary>timeouts[GRE_CT_UNREPLIED]: nf_conntrack_gre_timeout.</summary>
    public uint Timeout { get; set; } = 30;
    /// <summary>timeouts[GRE_CT_REPLIED]: nf_conntrack_gre_timeout_stream.</summary>
    public uint TimeoutStream { get; set; } = 180;

    private static readonly Sysctl.Entry<GreSettings>[] Entries =
    [
        new("nf_conntrack_gre_timeout", s => s.Timeout, (s, v) => s.Timeout = v),
        new("nf_conntrack_gre_timeout_stream", s => s.TimeoutStream, (s, v) => s.TimeoutStream = v),
    ];

    public static IReadOnlyList<string> SysctlNames { get; } = Sysctl.Names(Entries);
    public bool TrySet(string sysctlName, uint value) => Sysctl.TrySet(Entries, this, sysctlName, value);
    public bool TryGet(string sysctlName, out uint value) => Sysctl.TryGet(Entries, this, sysctlName, out value);
    public void Set(string sysctlName, uint value) => Sysctl.Set(Entries, this, sysctlName, value);
}

/// <summary>
/// The GRE tracker of net/netfilter/nf_conntrack_proto_gre.c (Linux 6.18). Version 0 (RFC 1701/2784)
/// is tracked like the generic protocol, keys 0 in both directions, whatever key the header has.
/// Version 1 (PPTP's enhanced GRE, RFC 2637) keys the tuple by call id: the destination key is the
/// packet's call id and the source key comes from the keymap that the PPTP helper fills
/// (gre_keymap_lookup); without the helper it is 0.
/// </summary>
internal static class GreTracker
{
    /// <summary>GRE_PROTO_PPP: the protocol of PPTP's GRE packets.</summary>
    public const ushort ProtocolPpp = 0x880B;

    /// <summary>
    /// gre_pkt_to_tuple without the keymap: the destination key (PPTP call id) of a version 1
    /// packet, zeros otherwise (also for a version 1 packet too short for its call id). False for a
    /// version 1 packet that does not carry PPP: the kernel makes no tuple and the packet is INVALID.
    /// </summary>
    public static bool TryGetKeys(ReadOnlySpan<byte> l4, out ushort sourceKey, out ushort destinationKey)
    {
        sourceKey = 0;
        destinationKey = 0;
        // struct gre_base_hdr: flags and version (be16), protocol (be16).
        if (l4.Length < 4 || (BinaryPrimitives.ReadUInt16BigEndian(l4) & 0x0007) != 1) return true;
        // struct pptp_gre_header: only up to the call id is needed.
        if (l4.Length < 8) return true;
        if (BinaryPrimitives.ReadUInt16BigEndian(l4.Slice(2)) != ProtocolPpp) return false;
        destinationKey = BinaryPrimitives.ReadUInt16BigEndian(l4.Slice(6));
        return true;
    }

    /// <summary>A version 1 (PPTP) packet carrying PPP with its call id: the case where gre_pkt_to_tuple consults the keymap.</summary>
    public static bool IsEnhanced(ReadOnlySpan<byte> l4) =>
        l4.Length >= 8 && (BinaryPrimitives.ReadUInt16BigEndian(l4) & 0x0007) == 1 &&
        BinaryPrimitives.ReadUInt16BigEndian(l4.Slice(2)) == ProtocolPpp;

    /// <summary>
    /// nf_conntrack_gre_packet: the first packet copies the settings' timeouts into the flow; the
    /// unreplied one applies until a reply was seen, then the stream one, and the first packet after
    /// the reply sets ASSURED (not with IPS_NAT_CLASH). SEEN_REPLY is the engine's to set, as for UDP.
    /// </summary>
    public static TrackerVerdict Packet(ref GreState s, ref CtStatus status, GreSettings settings,
        ref ConntrackEvents events, out uint timeoutSeconds)
    {
        ArgumentNullException.ThrowIfNull(settings);
        if ((status & CtStatus.Confirmed) == 0)
        {
            // Initialize to sane values; a helper (PPTP) may increase them.
            s.StreamTimeoutSeconds = settings.TimeoutStream;
            s.TimeoutSeconds = settings.Timeout;
        }

        var seen = status;
        if ((seen & CtStatus.SeenReply) == 0)
        {
            timeoutSeconds = s.TimeoutSeconds;
            return TrackerVerdict.Accept;
        }

        timeoutSeconds = s.StreamTimeoutSeconds;
        if ((seen & CtStatus.NatClash) != 0) return TrackerVerdict.Accept;
        if ((status & CtStatus.Assured) == 0)
        {
            status |= CtStatus.Assured;
            events |= ConntrackEvents.Assured;
        }
        return TrackerVerdict.Accept;
    }
}
