using ConntrackTools.Engine;
using Xunit;

namespace ConntrackTools.Tests.Engine;

public class ProtocolTimeoutsTests
{
    [Fact]
    public void Defaults_are_the_kernels()
    {
        // Read from /proc/sys/net/netfilter of a fresh namespace on Linux 6.18.44
        // (also checked live by UdpGreKernelParityTests).
        var expected = new Dictionary<string, uint>
        {
            ["nf_conntrack_generic_timeout"] = 600,
            ["nf_conntrack_udp_timeout"] = 30,
            ["nf_conntrack_udp_timeout_stream"] = 120,
            ["nf_conntrack_icmp_timeout"] = 30,
            ["nf_conntrack_icmpv6_timeout"] = 30,
            ["nf_conntrack_gre_timeout"] = 30,
            ["nf_conntrack_gre_timeout_stream"] = 180,
            ["nf_conntrack_sctp_timeout_closed"] = 10,
            ["nf_conntrack_sctp_timeout_cookie_wait"] = 3,
            ["nf_conntrack_sctp_timeout_cookie_echoed"] = 3,
            ["nf_conntrack_sctp_timeout_established"] = 210,
            ["nf_conntrack_sctp_timeout_shutdown_sent"] = 3,
            ["nf_conntrack_sctp_timeout_shutdown_recd"] = 3,
            ["nf_conntrack_sctp_timeout_shutdown_ack_sent"] = 3,
            ["nf_conntrack_sctp_timeout_heartbeat_sent"] = 30,
        };
        var timeouts = new ProtocolTimeouts();
        Assert.Equal(expected.Keys.Order(), ProtocolTimeouts.SysctlNames.Order());
        foreach (var (name, value) in expected)
        {
            Assert.True(timeouts.TryGet(name, out var got), name);
            Assert.Equal(value, got);
        }
    }

    [Fact]
    public void Set_reaches_the_tracker_that_owns_the_name()
    {
        var timeouts = new ProtocolTimeouts();
        timeouts.Set("nf_conntrack_udp_timeout_stream", 99);
        timeouts.Set("net.netfilter.nf_conntrack_sctp_timeout_established", 98);
        timeouts.Set("net/netfilter/nf_conntrack_gre_timeout", 97);
        timeouts.Set("/proc/sys/net/netfilter/nf_conntrack_icmpv6_timeout", 96);
        Assert.Equal(99u, timeouts.Udp.TimeoutStream);
        Assert.Equal(98u, timeouts.Sctp.TimeoutEstablished);
        Assert.Equal(97u, timeouts.Gre.Timeout);
        Assert.Equal(96u, timeouts.IcmpV6.Timeout);
        Assert.Equal(30u, timeouts.Icmp.Timeout);
    }

    [Theory]
    [InlineData("nf_conntrack_sctp_timeout_heartbeat_acked")] // removed in 6.3
    [InlineData("nf_conntrack_dccp_timeout_request")]         // DCCP tracking removed in 6.16
    [InlineData("nf_conntrack_tcp_timeout_established")]      // the TCP tracker's own
    [InlineData("")]
    public void Unknown_names_are_refused(string name)
    {
        var timeouts = new ProtocolTimeouts();
        Assert.False(timeouts.TrySet(name, 1));
        Assert.False(timeouts.TryGet(name, out _));
        var ex = Assert.Throws<ArgumentException>(() => timeouts.Set(name, 1));
        Assert.Contains("nf_conntrack_udp_timeout", ex.Message);
    }
}
