using System.Net;
using ConntrackTools.Engine;
using ConntrackTools.Engine.Helpers;
using Xunit;

namespace ConntrackTools.Tests.Helpers;

/// <summary>
/// The Q.931, H.245 and RAS helpers in an engine, fed crafted TCP and UDP packets: the
/// expectations each message makes (tuple, mask, class, flags, timeout, helper of the expected
/// connection), the ones it must not make (addresses not the sender's, port 0, another family,
/// options off), TPKT framing, decoding errors (accepted, nothing expected) and drops (an
/// expectation that cannot be added).
/// </summary>
public class H323HelperTests
{
    private const string A = "10.0.0.1", B = "10.0.0.2", C = "10.0.0.3";
    private const string A6 = "fd00::1", B6 = "fd00::2";
    private static readonly IPAddress IpA = IPAddress.Parse(A), IpB = IPAddress.Parse(B), IpC = IPAddress.Parse(C);

    private static H323TestKit Kit(params (string Name, long Value)[] settings)
    {
        var s = new EngineSettings();
        foreach (var (name, value) in settings) s.Set(name, value);
        return new H323TestKit(s, H323Scenarios.EngineRules);
    }

    private static byte[] Q931(byte type, int body, Action<PerWriter> uuie, bool fromDestination = false, byte[][]? h245 = null) =>
        H323Messages.Tpkt(H323Messages.Q931(type, H323Messages.UserInformation(body, uuie, h245), fromDestination));

    private static byte[] Connect((IPAddress, int)? h245 = null, byte[][]? fastStart = null) =>
        Q931(H323Messages.Q931Connect, H323Messages.ConnectBody, H323Messages.Connect(h245, fastStart), true);

    private static byte[] Facility(int reason, (IPAddress, int)? alternative = null, (IPAddress, int)? h245 = null) =>
        Q931(H323Messages.Q931Facility, H323Messages.FacilityBody, H323Messages.Facility(reason, alternative, h245), true);

    private static CtConnection Connection(H323TestKit kit, ushort destinationPort) =>
        Assert.Single(kit.Engine.Snapshot(), c => c.DestinationPort == destinationPort);

    // ---- Q.931 and H.245 ----

    [Fact]
    public void A_connects_h245_address_expects_the_h245_connection_which_gets_the_h245_helper_and_its_channels()
    {
        var kit = Kit();
        var call = kit.Tcp(A, 40000, B, 1720);
        call.Server(Connect((IpB, 1800)));

        var exp = Assert.Single(kit.Engine.SnapshotExpectations());
        Assert.Equal("tcp 10.0.0.1:* -> 10.0.0.2:1800", H323TestKit.Describe(exp));
        Assert.Equal(("Q.931", 0u, 240u, CtExpectationFlags.None), (exp.Helper, exp.Class!.Value, exp.Timeout!.Value, exp.Flags));
        Assert.Equal(Connection(kit, 1720).Original.ToString(), exp.Master.ToString());

        // The H.245 connection arrives: RELATED to the call, with the H.245 helper; the expectation is used up.
        var control = kit.Tcp(A, 40001, B, 1800);
        var h245 = Connection(kit, 1800);
        Assert.Equal("H.245", h245.Helper);
        Assert.True(h245.Status.HasFlag(CtStatus.Expected));
        Assert.Equal(Connection(kit, 1720).Original.ToString(), h245.Master?.ToString());
        Assert.Empty(kit.Expected());

        // OpenLogicalChannel from the caller (its RTCP address, odd port) and the callee's Ack (RTP and RTCP).
        control.Client(H323Messages.Tpkt(H323Messages.OpenLogicalChannel(1, control: (IpA, 5001))));
        control.Server(H323Messages.Tpkt(H323Messages.OpenLogicalChannelAck(1, media: (IpB, 6002))));
        Assert.Equal(
        [
            "udp 10.0.0.2:* -> 10.0.0.1:5000", "udp 10.0.0.2:* -> 10.0.0.1:5001",
            "udp 10.0.0.1:* -> 10.0.0.2:6002", "udp 10.0.0.1:* -> 10.0.0.2:6003",
        ], kit.Expected());
        Assert.All(kit.Engine.SnapshotExpectations(), e => Assert.Equal(("H.245", 0u), (e.Helper, e.Class!.Value)));
        Assert.All(kit.Engine.SnapshotExpectations(), e => Assert.InRange(e.Timeout!.Value, 239u, 240u));
        Assert.Equal(0, kit.Engine.Dropped);
    }

    [Fact]
    public void Fast_start_and_tunnelled_h245_channels_are_expected_rtp_even_rtcp_odd_and_t120_permanent()
    {
        var kit = Kit();
        var call = kit.Tcp(A, 40000, B, 1720);
        call.Client(Q931(H323Messages.Q931Setup, H323Messages.SetupBody,
            H323Messages.Setup(fastStart: [H323Messages.FastStartChannel(1, media: (IpA, 5005), reverseControl: (IpA, 5011))]),
            h245: [H323Messages.OpenLogicalChannel(2, t120: (IpA, 1503))]));

        Assert.Equal(
        [
            "udp 10.0.0.2:* -> 10.0.0.1:5004", "udp 10.0.0.2:* -> 10.0.0.1:5005", // forward media (5005: RTP 5004)
            "udp 10.0.0.2:* -> 10.0.0.1:5010", "udp 10.0.0.2:* -> 10.0.0.1:5011", // reverse media control
            "tcp 10.0.0.2:* -> 10.0.0.1:1503", // T.120 (tunnelled H.245)
        ], kit.Expected());
        var t120 = kit.Engine.SnapshotExpectations().Single(e => e.Tuple.Protocol == CtProtocol.Tcp);
        Assert.Equal(CtExpectationFlags.Permanent, t120.Flags);
    }

    [Fact]
    public void Call_proceeding_alerting_and_progress_carry_h245_addresses_and_fast_start_too()
    {
        var kit = Kit();
        var call = kit.Tcp(A, 40000, B, 1720);
        call.Server(Q931(H323Messages.Q931CallProceeding, H323Messages.CallProceedingBody, H323Messages.CallProceeding((IpB, 1800)), true));
        call.Server(Q931(H323Messages.Q931Alerting, H323Messages.AlertingBody,
            H323Messages.CallProceeding(fastStart: [H323Messages.FastStartChannel(1, media: (IpB, 6000))]), true));
        call.Server(Q931(H323Messages.Q931Progress, H323Messages.ProgressBody,
            H323Messages.Progress((IpB, 1801), [H323Messages.FastStartChannel(2, control: (IpB, 6011))]), true));
        Assert.Equal(
        [
            "tcp 10.0.0.1:* -> 10.0.0.2:1800", "udp 10.0.0.1:* -> 10.0.0.2:6000", "udp 10.0.0.1:* -> 10.0.0.2:6001",
            "tcp 10.0.0.1:* -> 10.0.0.2:1801", "udp 10.0.0.1:* -> 10.0.0.2:6010", "udp 10.0.0.1:* -> 10.0.0.2:6011",
        ], kit.Expected());
    }

    [Fact]
    public void Addresses_that_are_not_the_senders_or_have_port_zero_or_another_family_expect_nothing()
    {
        var kit = Kit();
        var call = kit.Tcp(A, 40000, B, 1720);
        call.Server(Connect((IpC, 1800))); // a third party's
        call.Server(Connect((IpB, 0)));
        call.Server(Connect((IPAddress.Parse(B6), 1800))); // IPv6 on an IPv4 call
        call.Server(Connect(fastStart: [H323Messages.FastStartChannel(1, media: (IpA, 6000))])); // the caller's address, from the callee
        call.Client(Q931(H323Messages.Q931Setup, H323Messages.SetupBody, H323Messages.Setup(h245: (IpB, 1800))));
        Assert.Empty(kit.Expected());
        Assert.Equal(0, kit.Engine.Dropped);
    }

    [Fact]
    public void Ipv6_calls_expect_ipv6_addresses()
    {
        var kit = Kit();
        var call = kit.Tcp(A6, 40000, B6, 1720);
        call.Server(Connect((IPAddress.Parse(B6), 1800), [H323Messages.FastStartChannel(1, control: (IPAddress.Parse(B6), 7001))]));
        Assert.Equal(["tcp fd00::1:* -> fd00::2:1800", "udp fd00::1:* -> fd00::2:7000", "udp fd00::1:* -> fd00::2:7001"], kit.Expected());
        call.Server(Connect((IpB, 1801))); // IPv4 on an IPv6 call
        Assert.Equal(3, kit.Expected().Count);
    }

    [Fact]
    public void Every_tpkt_of_a_segment_is_read_and_a_tpkt_header_sent_alone_announces_the_next_segment()
    {
        var kit = Kit();
        var call = kit.Tcp(A, 40000, B, 1720);
        // Two TPKTs in one segment.
        call.Server([.. Connect((IpB, 1800)), .. Facility(5, h245: (IpB, 1801))]);
        Assert.Equal(["tcp 10.0.0.1:* -> 10.0.0.2:1800", "tcp 10.0.0.1:* -> 10.0.0.2:1801"], kit.Expected());

        // NetMeeting: the TPKT header, then its data in the next segment.
        var tpkt = Connect((IpB, 1802));
        call.Server(tpkt[..4]);
        call.Server(tpkt[4..]);
        Assert.Contains("tcp 10.0.0.1:* -> 10.0.0.2:1802", kit.Expected());

        // A header alone, then a segment without data: the announced length is forgotten.
        tpkt = Connect((IpB, 1803));
        call.Server(tpkt[..4]);
        call.AckFrom(fromServer: true);
        call.Server(tpkt[4..]);
        // A TPKT cut short (its length says more than the segment holds), then the rest: neither is read.
        tpkt = Connect((IpB, 1804));
        call.Server(tpkt[..20]);
        call.Server(tpkt[20..]);
        // Not a TPKT at all.
        call.Server(tpkt[4..]);
        // A TPKT whose length is below 4.
        call.Server([0x03, 0x00, 0x00, 0x02, .. tpkt[4..]]);
        Assert.Equal(3, kit.Expected().Count);
        Assert.Equal(0, kit.Engine.Dropped);
    }

    [Fact]
    public void A_message_that_does_not_decode_is_accepted_and_expects_nothing()
    {
        var kit = Kit();
        var call = kit.Tcp(A, 40000, B, 1720);
        var good = Connect((IpB, 1800));
        var q931 = good[4..];
        call.Server(H323Messages.Tpkt([0x09, .. q931[1..]])); // another protocol discriminator
        call.Server(H323Messages.Tpkt(q931[..^6])); // the user-user element cut short
        call.Server(H323Messages.Tpkt([.. q931[..12], 0xff, 0xff, 0xff])); // garbage in the UUIE
        Assert.Empty(kit.Expected());
        Assert.Equal(0, kit.Engine.Dropped);
        // A decoding error ends the segment's TPKTs: the good one after the bad one is not read.
        call.Server([.. H323Messages.Tpkt(q931[..^6]), .. good]);
        Assert.Empty(kit.Expected());
        call.Server(good);
        Assert.Single(kit.Expected());
    }

    [Fact]
    public void A_forwarded_call_is_expected_unless_both_parties_route_alike()
    {
        var kit = Kit();
        var call = kit.Tcp(A, 40000, B, 1720);
        call.Server(Facility(1, alternative: (IpC, 1730)));
        Assert.Equal(["tcp 10.0.0.1:* -> 10.0.0.3:1730"], kit.Expected());
        // The second leg gets the Q.931 helper.
        kit.Tcp(A, 40002, C, 1730);
        Assert.Equal("Q.931", Connection(kit, 1730).Helper);

        // Forwarded to the caller itself: the same route, filtered; an h245Address in a forwarding Facility is not read.
        call.Server(Facility(1, alternative: (IpA, 1731), h245: (IpB, 1800)));
        call.Server(Facility(1, h245: (IpB, 1800))); // no alternativeAddress
        Assert.Empty(kit.Expected());

        var unfiltered = Kit(("nf_conntrack_h323.callforward_filter", 0));
        unfiltered.Tcp(A, 40000, B, 1720).Server(Facility(1, alternative: (IpA, 1731)));
        Assert.Equal(["tcp 10.0.0.1:* -> 10.0.0.1:1731"], unfiltered.Expected());
    }

    [Fact]
    public void An_expectation_that_cannot_be_added_drops_the_message_and_takes_back_its_rtp_half()
    {
        var kit = Kit(("nf_conntrack_expect_max", 1));
        var call = kit.Tcp(A, 40000, B, 1720);
        call.Server(Connect(fastStart: [H323Messages.FastStartChannel(1, media: (IpB, 6000))]));

        Assert.Empty(kit.Expected());
        Assert.Equal(1, kit.Engine.Dropped);
        Assert.Contains(kit.Engine.HelperMessages, m => m.EndsWith("nf_ct_Q.931: cannot process Q.931 message", StringComparison.Ordinal));
        Assert.Equal(["New udp 10.0.0.1:* -> 10.0.0.2:6000", "Destroy udp 10.0.0.1:* -> 10.0.0.2:6000"],
            kit.ExpectationEvents.Select(e => $"{e.Type} {H323TestKit.Describe(e.Expectation)}"));
    }

    [Fact]
    public void The_q931_policy_keeps_at_most_twenty_expectations_evicting_the_oldest()
    {
        var kit = Kit();
        var call = kit.Tcp(A, 40000, B, 1720);
        call.Server(Connect(fastStart: [.. Enumerable.Range(0, 11).Select(i => H323Messages.FastStartChannel(i + 1, media: (IpB, 6000 + 2 * i)))]));
        var left = kit.Expected();
        Assert.Equal(20, left.Count);
        Assert.DoesNotContain("udp 10.0.0.1:* -> 10.0.0.2:6000", left);
        Assert.Contains("udp 10.0.0.1:* -> 10.0.0.2:6021", left);
        Assert.Equal(0, kit.Engine.Dropped);
    }

    // ---- RAS ----

    [Fact]
    public void A_registration_expects_calls_from_the_gatekeeper_and_the_confirmed_time_to_live_times_the_connection()
    {
        var kit = Kit();
        kit.Udp(A, 1719, B, 1719, H323Messages.RegistrationRequest(1, [(IpC, 1720), (IpA, 0), (IpA, 1720)], [(IpA, 1719)], 60));
        var exp = Assert.Single(kit.Engine.SnapshotExpectations());
        Assert.Equal("tcp 10.0.0.2:* -> 10.0.0.1:1720", H323TestKit.Describe(exp)); // the first address of the sender's own with a port
        Assert.Equal(("RAS", CtExpectationFlags.Permanent), (exp.Helper, exp.Flags));
        Assert.InRange(exp.Timeout!.Value, 239u, 240u);

        kit.Udp(B, 1719, A, 1719, H323Messages.RegistrationConfirm(1, [(IpB, 1720)], 45));
        Assert.Equal(45u, Connection(kit, 1719).Timeout);
        Assert.InRange(Assert.Single(kit.Engine.SnapshotExpectations()).Timeout!.Value, 239u, 240u); // the RCF's lookup does not match a gatekeeper-only expectation

        // Calls from the gatekeeper arrive RELATED, with the Q.931 helper; the expectation stays for the next.
        kit.Tcp(B, 41000, A, 1720);
        kit.Tcp(B, 41001, A, 1720);
        Assert.All(kit.Engine.Snapshot().Where(c => c.DestinationPort == 1720), c => Assert.Equal(("Q.931", true), (c.Helper, c.Status.HasFlag(CtStatus.Expected))));
        Assert.Single(kit.Expected());
    }

    [Fact]
    public void With_gkrouted_only_off_anyone_may_call_and_the_rcf_sets_the_expectations_timeout()
    {
        var kit = Kit(("nf_conntrack_h323.gkrouted_only", 0));
        kit.Udp(A, 1719, B, 1719, H323Messages.RegistrationRequest(1, [(IpA, 1720)], [(IpA, 1719)], 60));
        Assert.Equal(["tcp *:* -> 10.0.0.1:1720"], kit.Expected());
        kit.Udp(B, 1719, A, 1719, H323Messages.RegistrationConfirm(1, [(IpB, 1720)], 45));
        Assert.Equal(45u, Assert.Single(kit.Engine.SnapshotExpectations()).Timeout);
        kit.Tcp(C, 42000, A, 1720);
        Assert.Equal("Q.931", Connection(kit, 1720).Helper);
    }

    [Fact]
    public void Without_a_time_to_live_the_registration_takes_default_rrq_ttl()
    {
        var kit = Kit(("nf_conntrack_h323.default_rrq_ttl", 77));
        kit.Udp(A, 1719, B, 1719, H323Messages.RegistrationRequest(1, [(IpA, 1720)], [(IpA, 1719)]));
        kit.Udp(B, 1719, A, 1719, H323Messages.RegistrationConfirm(1, [(IpB, 1720)]));
        Assert.Equal(77u, Connection(kit, 1719).Timeout);
    }

    [Fact]
    public void A_time_to_live_that_ends_the_rrq_fails_its_decoding_so_nothing_is_expected()
    {
        var kit = Kit();
        kit.Udp(A, 1719, B, 1719, H323Messages.RegistrationRequest(1, [(IpA, 1720)], [(IpA, 1719)], 60, timeToLiveLast: true));
        Assert.Empty(kit.Expected());
        Assert.Equal(0, kit.Engine.Dropped);
        Assert.Single(kit.Engine.Snapshot()); // the datagram itself is tracked as usual
    }

    [Fact]
    public void Unregistration_drops_the_connections_expectations_and_gives_it_thirty_seconds()
    {
        var kit = Kit();
        kit.Udp(A, 1719, B, 1719, H323Messages.RegistrationRequest(1, [(IpA, 1720)], [(IpA, 1719)], 600));
        kit.Udp(B, 1719, A, 1719, H323Messages.RegistrationConfirm(1, [(IpB, 1720)]));
        Assert.Equal(600u, Connection(kit, 1719).Timeout); // the RRQ's time to live, until the next datagram's UDP timeout
        kit.Udp(B, 1719, A, 1719, H323Messages.AdmissionConfirm(2, IpB, 1720));
        Assert.Equal(2, kit.Expected().Count);
        kit.Udp(A, 1719, B, 1719, H323Messages.UnregistrationRequest(3, [(IpA, 1720)]));
        Assert.Empty(kit.Expected());
        Assert.Equal(30u, Connection(kit, 1719).Timeout);
        Assert.Equal(2, kit.ExpectationEvents.Count(e => e.Type == CtEventType.Destroy));
    }

    [Fact]
    public void A_gatekeeper_confirm_naming_another_ras_address_expects_ras_there_but_never_from_an_expected_connection()
    {
        var kit = Kit();
        kit.Udp(A, 1719, B, 1719, H323Messages.GatekeeperRequest(1, IpA, 1719));
        kit.Udp(B, 1719, A, 1719, H323Messages.GatekeeperConfirm(1, IpB, 1719)); // the discovery address itself
        Assert.Empty(kit.Expected());
        kit.Udp(B, 1719, A, 1719, H323Messages.GatekeeperConfirm(1, IpB, 1718));
        Assert.Equal(["udp 10.0.0.1:* -> 10.0.0.2:1718"], kit.Expected());

        kit.Udp(A, 1719, B, 1718, H323Messages.RegistrationRequest(2, [(IpA, 1720)], [(IpA, 1719)], 60));
        var registration = Connection(kit, 1718);
        Assert.Equal(("RAS", true), (registration.Helper, registration.Status.HasFlag(CtStatus.Expected)));
        Assert.Equal(["tcp 10.0.0.2:* -> 10.0.0.1:1720"], kit.Expected()); // the RAS helper read the RRQ
        kit.Udp(B, 1718, A, 1719, H323Messages.GatekeeperConfirm(3, IpB, 1717));
        Assert.Single(kit.Expected());
    }

    [Fact]
    public void Admission_and_location_confirms_expect_the_call_they_allow()
    {
        var kit = Kit();
        kit.Udp(A, 1719, B, 1719, H323Messages.GatekeeperRequest(1, IpA, 1719));
        kit.Udp(B, 1719, A, 1719, H323Messages.AdmissionConfirm(1, IpA, 1720)); // the receiver's own address: the answering side
        Assert.Empty(kit.Expected());
        kit.Udp(B, 1719, A, 1719, H323Messages.AdmissionConfirm(2, IpC, 1720));
        kit.Udp(B, 1719, A, 1719, H323Messages.LocationConfirm(3, IpC, 1721, IpC, 1719));
        Assert.Equal(["tcp 10.0.0.1:* -> 10.0.0.3:1720", "tcp 10.0.0.1:* -> 10.0.0.3:1721"], kit.Expected());
        Assert.All(kit.Engine.SnapshotExpectations(), e => Assert.Equal(CtExpectationFlags.Permanent, e.Flags));
        kit.Tcp(A, 43000, C, 1721);
        Assert.Equal("Q.931", Connection(kit, 1721).Helper);
    }

    [Fact]
    public void A_ras_expectation_that_cannot_be_added_drops_the_datagram()
    {
        var kit = Kit(("nf_conntrack_expect_max", 1));
        kit.Udp(A, 1719, B, 1719, H323Messages.GatekeeperRequest(1, IpA, 1719));
        kit.Udp(B, 1719, A, 1719, H323Messages.AdmissionConfirm(2, IpC, 1720));
        kit.Udp(B, 1719, A, 1719, H323Messages.AdmissionConfirm(3, IpC, 1721));
        Assert.Equal(["tcp 10.0.0.1:* -> 10.0.0.3:1720"], kit.Expected());
        Assert.Equal(1, kit.Engine.Dropped);
        Assert.Contains(kit.Engine.HelperMessages, m => m.EndsWith("nf_ct_RAS: cannot process RAS message", StringComparison.Ordinal));
    }

    // ---- Registration, options, robustness ----

    [Fact]
    public void The_three_helpers_are_registered_with_the_kernels_policies_ports_and_module_options()
    {
        var settings = new EngineSettings();
        settings.Set("nf_conntrack_h323.gkrouted_only", 0);
        var q931 = HelperRegistry.Find("Q.931", CtProtocol.Tcp)!.Describe(settings);
        var ras = HelperRegistry.Find("RAS", CtProtocol.Udp)!.Describe(settings);
        var h245 = HelperRegistry.Find("H.245")!.Describe(settings);

        Assert.Equal(("nf_conntrack_h323", 1720, 20, 240u), (q931.Module, Assert.Single(q931.Ports), q931.Policies[0].MaxExpected, q931.Policies[0].Timeout));
        Assert.Equal(("nf_conntrack_h323", 1719, 32, 240u), (ras.Module, Assert.Single(ras.Ports), ras.Policies[0].MaxExpected, ras.Policies[0].Timeout));
        Assert.Equal((CtProtocol.Udp, 0, 18, 240u, false), (h245.Protocol, h245.Ports.Length, h245.Policies[0].MaxExpected, h245.Policies[0].Timeout, h245.AutoAssignable));
        Assert.Equal(new Dictionary<string, long> { ["callforward_filter"] = 1, ["default_rrq_ttl"] = 300, ["gkrouted_only"] = 0 }, ras.Options);
        Assert.Contains(ras.Expectations, s => s.Option == "gkrouted_only=0" && s.SourceAddress == CtFieldOrigin.Any);
        Assert.Contains(q931.Expectations, s => s.DestinationAddress == CtFieldOrigin.InCommand && s.Name.Contains("forwarded", StringComparison.Ordinal));
        Assert.All(h245.Expectations, s => Assert.Equal((CtFieldOrigin.Fixed, CtFieldOrigin.Fixed, CtFieldOrigin.InCommand), (s.SourceAddress, s.DestinationAddress, s.DestinationPort)));
        Assert.Contains("nf_conntrack_h323.callforward_filter", EngineSettings.SettingNames);
    }

    [Fact]
    public void Automatic_assignment_by_port_gives_q931_and_ras_but_never_h245()
    {
        var settings = new EngineSettings();
        settings.Set("nf_conntrack_helper", 1);
        var kit = new H323TestKit(settings);
        kit.Tcp(A, 40000, B, 1720);
        kit.Udp(A, 1719, B, 1719, H323Messages.GatekeeperRequest(1, IpA, 1719));
        kit.Tcp(A, 40001, B, 1800);
        Assert.Equal("Q.931", Connection(kit, 1720).Helper);
        Assert.Equal("RAS", Connection(kit, 1719).Helper);
        Assert.Null(Connection(kit, 1800).Helper);
        Assert.Null(HelperRegistry.ByPort(CtFamily.IPv4, CtProtocol.Udp, 0));
    }

    [Fact]
    public void Mutated_and_random_payloads_through_the_engine_never_throw()
    {
        var random = new Random(1720);
        var kit = Kit();
        var call = kit.Tcp(A, 40000, B, 1720);
        call.Server(Connect((IpB, 1800)));
        var control = kit.Tcp(A, 40001, B, 1800);
        var q931 = new[]
        {
            Connect((IpB, 1801), [H323Messages.FastStartChannel(1, (IpB, 6000), (IpB, 6001))]),
            Facility(1, (IpC, 1730)),
            Q931(H323Messages.Q931Setup, H323Messages.SetupBody, H323Messages.Setup((IpA, 1800), [H323Messages.FastStartChannel(1, control: (IpA, 5001))])),
        };
        var h245 = new[] { H323Messages.Tpkt(H323Messages.OpenLogicalChannel(1, (IpA, 5000), (IpA, 5001))), H323Messages.Tpkt(H323Messages.OpenLogicalChannelAck(1, (IpB, 6000))) };
        var ras = new[]
        {
            H323Messages.RegistrationRequest(1, [(IpA, 1720)], [(IpA, 1719)], 60), H323Messages.RegistrationConfirm(1, [(IpB, 1720)], 60),
            H323Messages.GatekeeperConfirm(1, IpB, 1718), H323Messages.AdmissionConfirm(1, IpC, 1720), H323Messages.UnregistrationRequest(1, [(IpA, 1720)]),
        };
        byte[] Mutate(byte[] b)
        {
            var c = (byte[])b.Clone();
            for (var k = random.Next(1, 4); k > 0; k--) c[random.Next(c.Length)] ^= (byte)random.Next(1, 256);
            return random.Next(3) == 0 ? c[..random.Next(1, c.Length)] : c;
        }
        for (var i = 0; i < 1500; i++)
        {
            var fromServer = random.Next(2) == 0;
            call.Send(fromServer, Mutate(q931[i % q931.Length]));
            control.Send(fromServer, Mutate(h245[i % h245.Length]));
            if (fromServer) kit.Udp(B, 1719, A, 1719, Mutate(ras[i % ras.Length]));
            else kit.Udp(A, 1719, B, 1719, Mutate(ras[i % ras.Length]));
            var noise = new byte[random.Next(1, 60)];
            random.NextBytes(noise);
            call.Send(fromServer, noise);
        }
        // Still tracking: a good message still expects.
        call.Server(Connect((IpB, 1899)));
        Assert.Contains("tcp 10.0.0.1:* -> 10.0.0.2:1899", kit.Expected());
    }
}
