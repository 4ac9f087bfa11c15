using ConntrackTools.Engine;
using Xunit;

namespace ConntrackTools.Tests.Engine;

public class GreGenericTrackerTests
{
    // raw_packets.py's GRE packets: version 0 plain, version 1 PPTP (K bit, protocol PPP, call id).
    internal static readonly byte[] Version0 = [0x00, 0x00, 0x08, 0x00];
    internal static byte[] Pptp(ushort callId) => [0x20, 0x01, 0x88, 0x0B, 0, 0, (byte)(callId >> 8), (byte)callId];

    [Fact]
    public void Version0_keys_are_zero_whatever_the_header_says()
    {
        Assert.True(GreTracker.TryGetKeys(Version0, out var src, out var dst));
        Assert.Equal((0, 0), (src, dst));
        byte[] withKey = [0x20, 0x00, 0x08, 0x00, 0x12, 0x34, 0x56, 0x78]; // K bit and key, version 0
        Assert.True(GreTracker.TryGetKeys(withKey, out src, out dst));
        Assert.Equal((0, 0), (src, dst));
        Assert.True(GreTracker.TryGetKeys([], out _, out _)); // even no header: generic behaviour
        Assert.False(GreTracker.IsEnhanced(Version0));
    }

    [Fact]
    public void Version1_is_keyed_by_call_id_with_source_key_zero_without_the_pptp_keymap()
    {
        Assert.True(GreTracker.TryGetKeys(Pptp(0x1234), out var src, out var dst));
        Assert.Equal((0, 0x1234), (src, dst));
        Assert.True(GreTracker.IsEnhanced(Pptp(1)));
        // Too short for the call id: still a tuple, keys zero.
        Assert.True(GreTracker.TryGetKeys(Pptp(0x1234)[..6], out src, out dst));
        Assert.Equal((0, 0), (src, dst));
        // Version 1 that is not PPP: no tuple, INVALID.
        Assert.False(GreTracker.TryGetKeys([0x20, 0x01, 0x08, 0x00, 0, 0, 0x12, 0x34], out _, out _));
    }

    [Fact]
    public void Gre_unreplied_then_stream_and_assured_on_the_packet_after_the_reply()
    {
        // The kernel (UdpGreKernelParityTests): NEW 30 [UNREPLIED], UPDATE 30 (reply), UPDATE 180 [ASSURED].
        var settings = new GreSettings();
        var s = new GreState();
        var status = CtStatus.None;
        var events = ConntrackEvents.None;
        Assert.Equal(TrackerVerdict.Accept, GreTracker.Packet(ref s, ref status, settings, ref events, out var timeout));
        Assert.Equal((30u, 30u, 180u), (timeout, s.TimeoutSeconds, s.StreamTimeoutSeconds));
        status |= CtStatus.Confirmed;
        GreTracker.Packet(ref s, ref status, settings, ref events, out timeout); // the reply itself
        Assert.Equal(30u, timeout);
        Assert.Equal(ConntrackEvents.None, events);
        status |= CtStatus.SeenReply;
        GreTracker.Packet(ref s, ref status, settings, ref events, out timeout);
        Assert.Equal(180u, timeout);
        Assert.Equal(ConntrackEvents.Assured, events);
        Assert.True(status.HasFlag(CtStatus.Assured));
    }

    [Fact]
    public void Gre_timeouts_are_the_flows_own_once_set()
    {
        var settings = new GreSettings();
        settings.Set("nf_conntrack_gre_timeout", 20);
        settings.Set("nf_conntrack_gre_timeout_stream", 200);
        var s = new GreState();
        var status = CtStatus.None;
        var events = ConntrackEvents.None;
        GreTracker.Packet(ref s, ref status, settings, ref events, out var timeout);
        Assert.Equal(20u, timeout);
        status |= CtStatus.Confirmed;
        // The PPTP helper raises a call's timeouts; later sysctl changes do not touch the flow.
        s.StreamTimeoutSeconds = 18000;
        settings.TimeoutStream = 1;
        status |= CtStatus.SeenReply;
        GreTracker.Packet(ref s, ref status, settings, ref events, out timeout);
        Assert.Equal(18000u, timeout);

        var clash = new GreState();
        var clashStatus = CtStatus.NatClash;
        events = ConntrackEvents.None;
        GreTracker.Packet(ref clash, ref clashStatus, settings, ref events, out _);
        clashStatus |= CtStatus.Confirmed | CtStatus.SeenReply;
        GreTracker.Packet(ref clash, ref clashStatus, settings, ref events, out timeout);
        Assert.Equal(1u, timeout);
        Assert.False(clashStatus.HasFlag(CtStatus.Assured));
    }

    [Fact]
    public void Generic_refreshes_with_its_ten_minutes()
    {
        var settings = new GenericSettings();
        Assert.Equal(TrackerVerdict.Accept, GenericTracker.Packet(settings, out var timeout));
        Assert.Equal(600u, timeout);
        settings.Set("net.netfilter.nf_conntrack_generic_timeout", 60);
        GenericTracker.Packet(settings, out timeout);
        Assert.Equal(60u, timeout);
    }
}
