using System.Buffers.Binary;
using ConntrackTools.Engine;
using Xunit;

namespace ConntrackTools.Tests.Engine;

public class UdpTrackerTests
{
    private const long Second = 1_000_000_000;

    internal static byte[] Datagram(int payload = 4, int? lengthField = null, ushort checksum = 0)
    {
        var d = new byte[8 + payload];
        BinaryPrimitives.WriteUInt16BigEndian(d, 4000);
        BinaryPrimitives.WriteUInt16BigEndian(d.AsSpan(2), 4001);
        BinaryPrimitives.WriteUInt16BigEndian(d.AsSpan(4), (ushort)(lengthField ?? d.Length));
        BinaryPrimitives.WriteUInt16BigEndian(d.AsSpan(6), checksum);
        return d;
    }

    /// <summary>One UDP flow as nf_conntrack_in drives the tracker: Confirmed after the first packet, SEEN_REPLY after a reply.</summary>
    private sealed class Flow(UdpSettings? settings = null, CtStatus initial = CtStatus.None)
    {
        public UdpState State;
        public CtStatus Status = initial;
        public ConntrackEvents Events;
        public readonly UdpSettings Settings = settings ?? new UdpSettings();

        public (TrackerVerdict Verdict, uint Timeout) Feed(bool reply, long nowNs, byte[]? packet = null)
        {
            Events = ConntrackEvents.None;
            var verdict = UdpTracker.Packet(ref State, ref Status, reply, packet ?? Datagram(), nowNs, Settings, ref Events, out uint timeout);
            if (verdict != TrackerVerdict.Accept) return (verdict, timeout);
            if (reply && (Status & CtStatus.SeenReply) == 0)
            {
                Status |= CtStatus.SeenReply;
                Events |= ConntrackEvents.Reply;
            }
            Status |= CtStatus.Confirmed;
            return (verdict, timeout);
        }
    }

    [Fact]
    public void Unreplied_then_replied_then_a_stream_after_two_seconds()
    {
        // The sequence run against the kernel in UdpGreKernelParityTests: NEW 30, UPDATE 30 (reply),
        // UPDATE 120 [ASSURED] for the first packet more than two seconds after the first one.
        var flow = new Flow();
        long t0 = 1_000 * Second;
        Assert.Equal((TrackerVerdict.Accept, 30u), flow.Feed(false, t0));
        Assert.Equal(t0 + 2 * Second, flow.State.StreamTimestampNs);
        Assert.Equal((TrackerVerdict.Accept, 30u), flow.Feed(true, t0 + Second / 10));
        Assert.Equal(ConntrackEvents.Reply, flow.Events);
        Assert.Equal((TrackerVerdict.Accept, 30u), flow.Feed(false, t0 + Second / 5));
        Assert.Equal(ConntrackEvents.None, flow.Events);
        Assert.Equal((TrackerVerdict.Accept, 30u), flow.Feed(true, t0 + 2 * Second)); // time_after is strict
        Assert.False(flow.Status.HasFlag(CtStatus.Assured));

        Assert.Equal((TrackerVerdict.Accept, 120u), flow.Feed(false, t0 + 2 * Second + 1));
        Assert.Equal(ConntrackEvents.Assured, flow.Events);
        Assert.True(flow.Status.HasFlag(CtStatus.Assured));
        Assert.Equal((TrackerVerdict.Accept, 120u), flow.Feed(true, t0 + 3 * Second));
        Assert.Equal(ConntrackEvents.None, flow.Events);
    }

    [Fact]
    public void A_quick_request_and_answer_is_never_assured()
    {
        var flow = new Flow();
        flow.Feed(false, 0);
        flow.Feed(true, Second / 100);
        var (_, timeout) = flow.Feed(false, Second);
        Assert.Equal(30u, timeout);
        Assert.False(flow.Status.HasFlag(CtStatus.Assured));
    }

    [Fact]
    public void Without_a_reply_the_timeout_stays_unreplied_whatever_the_time()
    {
        var flow = new Flow();
        flow.Feed(false, 0);
        Assert.Equal((TrackerVerdict.Accept, 30u), flow.Feed(false, 100 * Second));
        Assert.False(flow.Status.HasFlag(CtStatus.Assured));
    }

    [Fact]
    public void NAT_clash_entries_get_the_stream_timeout_but_never_ASSURED()
    {
        var flow = new Flow(initial: CtStatus.NatClash);
        flow.Feed(false, 0);
        flow.Feed(true, 1);
        Assert.Equal((TrackerVerdict.Accept, 120u), flow.Feed(false, 3 * Second));
        Assert.False(flow.Status.HasFlag(CtStatus.Assured));
        Assert.Equal(ConntrackEvents.None, flow.Events);
    }

    [Fact]
    public void Timeouts_follow_the_sysctls()
    {
        var settings = new UdpSettings();
        settings.Set("nf_conntrack_udp_timeout", 10);
        settings.Set("net.netfilter.nf_conntrack_udp_timeout_stream", 300);
        var flow = new Flow(settings);
        Assert.Equal(10u, flow.Feed(false, 0).Timeout);
        flow.Feed(true, 1);
        Assert.Equal(300u, flow.Feed(false, 5 * Second).Timeout);
    }

    public static TheoryData<string, byte[], bool> UdpErrors() => new()
    {
        { "short header", new byte[7], true },
        { "length beyond the packet", Datagram(4, lengthField: 13), true },
        { "length below the header", Datagram(4, lengthField: 7), true },
        { "length shorter than the packet", Datagram(4, lengthField: 8), false },
        { "exact", Datagram(0), false },
        { "no checksum", Datagram(4, checksum: 0), false },
    };

    [Theory]
    [MemberData(nameof(UdpErrors))]
    public void Udp_error_checks_the_length(string what, byte[] packet, bool invalid)
    {
        Assert.True(invalid == UdpTracker.IsError(packet), what);
        var flow = new Flow();
        Assert.Equal(invalid ? TrackerVerdict.Invalid : TrackerVerdict.Accept, flow.Feed(false, 0, packet).Verdict);
    }

    public static TheoryData<string, byte[], bool> UdpLiteErrors() => new()
    {
        { "short header", new byte[7], true },
        { "coverage 0 means all", Datagram(4, lengthField: 0, checksum: 1), false },
        { "coverage below the header", Datagram(4, lengthField: 7, checksum: 1), true },
        { "coverage beyond the packet", Datagram(4, lengthField: 13, checksum: 1), true },
        { "partial coverage", Datagram(4, lengthField: 8, checksum: 1), false },
        { "checksum missing", Datagram(4, checksum: 0), true },
    };

    [Theory]
    [MemberData(nameof(UdpLiteErrors))]
    public void Udplite_error_checks_coverage_and_checksum(string what, byte[] packet, bool invalid) =>
        Assert.True(invalid == UdpTracker.IsLiteError(packet), what);

    [Fact]
    public void Udplite_is_assured_by_the_first_packet_after_the_reply_without_the_two_second_rule()
    {
        var settings = new UdpSettings();
        var status = CtStatus.Confirmed;
        var events = ConntrackEvents.None;
        var packet = Datagram(4, checksum: 0xBEEF);
        Assert.Equal(TrackerVerdict.Accept, UdpTracker.PacketLite(ref status, packet, settings, ref events, out var timeout));
        Assert.Equal(30u, timeout);
        status |= CtStatus.SeenReply;
        Assert.Equal(TrackerVerdict.Accept, UdpTracker.PacketLite(ref status, packet, settings, ref events, out timeout));
        Assert.Equal(120u, timeout);
        Assert.Equal(ConntrackEvents.Assured, events);
        Assert.True(status.HasFlag(CtStatus.Assured));

        status = CtStatus.Confirmed | CtStatus.SeenReply | CtStatus.NatClash;
        events = ConntrackEvents.None;
        UdpTracker.PacketLite(ref status, packet, settings, ref events, out timeout);
        Assert.Equal(120u, timeout);
        Assert.False(status.HasFlag(CtStatus.Assured));
        Assert.Equal(TrackerVerdict.Invalid, UdpTracker.PacketLite(ref status, Datagram(4, checksum: 0), settings, ref events, out _));
    }
}
