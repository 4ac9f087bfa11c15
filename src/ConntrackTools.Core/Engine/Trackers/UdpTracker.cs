using System.Buffers.Binary;

namespace ConntrackTools.Engine;

/// <summary>Per-flow UDP state, struct nf_ct_udp: when the flow may become a stream.</summary>
internal struct UdpState
{
    /// <summary>stream_ts: packet time (ns) after which a replied flow gets the stream timeout.</summary>
    public long StreamTimestampNs;
}

/// <summary>The UDP (and UDP-Lite) timeouts in seconds (udp_timeouts in nf_conntrack_proto_udp.c).</summary>
internal sealed class UdpSettings
{
    /// <summary>timeouts[UDP_CT_UNREPLIED]: nf_conntrack_udp_timeout.</summary>
    public uint Timeout { get; set; } = 30;
    /// <summary>timeouts[UDP_CT_REPLIED]: nf_conntrack_udp_timeout_stream.</summary>
    public uint TimeoutStream { get; set; } = 120;

    private static readonly Sysctl.Entry<UdpSettings>[] Entries =
    [
        new("nf_conntrack_udp_timeout", s => s.Timeout, (s, v) => s.Timeout = v),
        new("nf_conntrack_udp_timeout_stream", s => s.TimeoutStream, (s, v) => s.TimeoutStream = v),
    ];

    public static IReadOnlyList<string> SysctlNames { get; } = Sysctl.Names(Entries);
    public bool TrySet(string sysctlName, uint value) => Sysctl.TrySet(Entries, this, sysctlName, value);
    public bool TryGet(string sysctlName, out uint value) => Sysctl.TryGet(Entries, this, sysctlName, out value);
    public void Set(string sysctlName, uint value) => Sysctl.Set(Entries, this, sysctlName, value);
}

/// <summary>
/// The UDP and UDP-Lite trackers of net/netfilter/nf_conntrack_proto_udp.c (Linux 6.18). The L4 span
/// starts at the UDP header and ends where the IP payload ends; checksums are not verified.
/// SEEN_REPLY and IPCT_REPLY are the engine's to set after an accepted reply packet, as
/// nf_conntrack_in does after the tracker, so a tracker sees SEEN_REPLY from the packet after the
/// first reply on.
/// </summary>
internal static class UdpTracker
{
    /// <summary>A replied flow becomes a stream when a packet comes this long after its first one.</summary>
    public const long StreamDelayNs = 2_000_000_000;

    private const int HeaderLength = 8;

    /// <summary>udp_error without the checksum: a whole header, and a length field within the packet.</summary>
    public static bool IsError(ReadOnlySpan<byte> l4)
    {
        if (l4.Length < HeaderLength) return true; // short packet
        int length = BinaryPrimitives.ReadUInt16BigEndian(l4.Slice(4));
        return length > l4.Length || length < HeaderLength; // truncated/malformed packet
    }

    /// <summary>
    /// nf_conntrack_udp_packet: unreplied timeout until a reply is seen; once replied, a packet more
    /// than two seconds after the first (time_after(jiffies, stream_ts)) gets the stream timeout and
    /// sets ASSURED (never with IPS_NAT_CLASH). Time is the packet's, in nanoseconds.
    /// </summary>
    public static TrackerVerdict Packet(ref UdpState s, ref CtStatus status, bool reply, ReadOnlySpan<byte> l4,
        long nowNs, UdpSettings settings, ref ConntrackEvents events, out uint timeoutSeconds)
    {
        ArgumentNullException.ThrowIfNull(settings);
        _ = reply; // the direction only matters for accounting, which the engine does
        timeoutSeconds = 0;
        if (IsError(l4)) return TrackerVerdict.Invalid;

        var seen = status;
        if ((seen & CtStatus.Confirmed) == 0) s.StreamTimestampNs = nowNs + StreamDelayNs;

        if ((seen & CtStatus.SeenReply) == 0)
        {
            timeoutSeconds = settings.Timeout;
            return TrackerVerdict.Accept;
        }

        bool stream = false;
        timeoutSeconds = settings.Timeout;
        if (nowNs > s.StreamTimestampNs)
        {
            timeoutSeconds = settings.TimeoutStream;
            stream = (seen & CtStatus.Assured) == 0;
        }

        // Never ASSURED for IPS_NAT_CLASH: those time out soon.
        if ((seen & CtStatus.NatClash) != 0) return TrackerVerdict.Accept;

        if (stream && (status & CtStatus.Assured) == 0)
        {
            status |= CtStatus.Assured;
            events |= ConntrackEvents.Assured;
        }
        return TrackerVerdict.Accept;
    }

    /// <summary>
    /// udplite_error without the checksum: a whole header, a coverage of 0 (all) or between 8 and
    /// the packet length, and a checksum present (UDP-Lite mandates it).
    /// </summary>
    public static bool IsLiteError(ReadOnlySpan<byte> l4)
    {
        if (l4.Length < HeaderLength) return true; // short packet
        int coverage = BinaryPrimitives.ReadUInt16BigEndian(l4.Slice(4));
        if (coverage != 0 && (coverage < HeaderLength || coverage > l4.Length)) return true; // invalid checksum coverage
        return BinaryPrimitives.ReadUInt16BigEndian(l4.Slice(6)) == 0; // checksum missing
    }

    /// <summary>
    /// nf_conntrack_udplite_packet: no two-second rule; once replied, every packet gets the stream
    /// timeout and the first one sets ASSURED (not with IPS_NAT_CLASH).
    /// </summary>
    public static TrackerVerdict PacketLite(ref CtStatus status, ReadOnlySpan<byte> l4, UdpSettings settings,
        ref ConntrackEvents events, out uint timeoutSeconds)
    {
        ArgumentNullException.ThrowIfNull(settings);
        timeoutSeconds = 0;
        if (IsLiteError(l4)) return TrackerVerdict.Invalid;

        if ((status & CtStatus.SeenReply) == 0)
        {
            timeoutSeconds = settings.Timeout;
            return TrackerVerdict.Accept;
        }

        timeoutSeconds = settings.TimeoutStream;
        if ((status & CtStatus.NatClash) != 0) return TrackerVerdict.Accept;
        if ((status & CtStatus.Assured) == 0)
        {
            status |= CtStatus.Assured;
            events |= ConntrackEvents.Assured;
        }
        return TrackerVerdict.Accept;
    }
}
