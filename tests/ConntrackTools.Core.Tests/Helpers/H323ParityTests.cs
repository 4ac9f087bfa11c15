using System.Globalization;
using ConntrackTools.Engine;
using Xunit;
using Xunit.Abstractions;

namespace ConntrackTools.Tests.Helpers;

/// <summary>
/// Kernel parity of the H.323 helpers: <see cref="H323Scenarios.Call"/> runs between two
/// namespaces under A's nft `ct helper` rules while the recorder captures and listens to
/// `conntrack -E` and `conntrack -E expect`; the capture replayed into an engine with the
/// equivalent rules must give the same connection events and the same expectations (tuple, mask,
/// master, class, helper, flags, timeout), created in the same order.
/// </summary>
public class H323ParityTests(ITestOutputHelper output)
{
    [KernelTheory("conntrack", "nft", "tcpdump", "python3")]
    [InlineData(false)]
    [InlineData(true)]
    public void A_registered_call_with_h245_and_media_gives_the_kernels_expectations(bool ipv6)
    {
        using var net = new TestNetwork("h3");
        var recording = ParityScenarios.Record(net, n => H323Scenarios.Call(n, ipv6), new KernelRecorderOptions { Expectations = true });
        try
        {
            var result = EngineReplay.Run(recording, null, H323Scenarios.EngineRules);
            foreach (var e in recording.ExpectationEvents) output.WriteLine(e.Line);
            output.WriteLine("-- engine --");
            foreach (var e in result.ExpectationEvents) output.WriteLine(EngineReplay.Signature(e) + $" timeout={e.Expectation.Timeout}");
            foreach (var m in result.Engine.HelperMessages) output.WriteLine(m);
            Assert.True(recording.PacketsDropped <= 0, $"tcpdump dropped {recording.PacketsDropped} packets: the capture lacks what the kernel saw");

            var news = recording.ExpectationEvents.Where(e => e.Type == KernelEventType.New).ToList();
            // GCF (RAS), RRQ, ACF, LCF (Q.931), Setup (fastStart RTP and RTCP, tunnelled T.120), Connect (H.245; RTP
            // and RTCP for the media channel, the same again for the control channel), Facility (forwarded call),
            // Facility (H.245, sent in two segments), OLC (RTP, RTCP), OLCA (twice RTP and RTCP).
            Assert.Equal(20, news.Count);
            Assert.Contains(news, e => e.Helper == "RAS" && e.Protocol == 17); // the GCF's
            Assert.Equal(3, news.Count(e => e.Helper == "RAS" && e.Protocol == 6 && e.Flags.Contains("PERMANENT"))); // RRQ, ACF, LCF
            Assert.Equal(10, news.Count(e => e.Helper == "Q.931")); // Setup 3, Connect 5, Facilities 2
            Assert.Contains(news, e => e.Helper == "Q.931" && e.Protocol == 6 && e.Flags.Contains("PERMANENT")); // T.120
            Assert.Equal(6, news.Count(e => e.Helper == "H.245" && e.Protocol == 17));

            var differences = EngineReplay.Differences(result);
            Assert.True(differences.Count == 0, $"the engine's connection events differ from the kernel's:\n{string.Join("\n", differences)}");
            var expectations = EngineReplay.ExpectationDifferences(result);
            Assert.True(expectations.Count == 0, $"the engine's expectations differ from the kernel's:\n{string.Join("\n", expectations)}");
        }
        finally
        {
            File.Delete(recording.CapturePath);
        }
    }

    /// <summary>
    /// An RCF's time to live becomes the RAS connection's timeout, and the registration's
    /// expectation's only when the RCF's lookup (find_expect, from a zero source) can match it:
    /// gkrouted_only=0 (any caller) yes, gkrouted_only=1 (the gatekeeper only) no. The module
    /// option is global: the test sets it and puts it back (tests of one class run one at a time).
    /// </summary>
    [KernelTheory("conntrack", "nft", "tcpdump", "python3")]
    [InlineData(0, false)]
    [InlineData(1, false)]
    [InlineData(0, true)]
    public void A_registrations_expectation_takes_the_rcfs_time_to_live_only_when_any_source_may_call(int gkroutedOnly, bool ipv6)
    {
        const string parameter = "/sys/module/nf_conntrack_h323/parameters/gkrouted_only";
        var old = File.ReadAllText(parameter).Trim();
        File.WriteAllText(parameter, gkroutedOnly.ToString(CultureInfo.InvariantCulture));
        try
        {
            using var net = new TestNetwork("h3r");
            var listed = "";
            var recording = ParityScenarios.Record(net, n => H323Scenarios.Register(n, ipv6, 3,
                () => listed = TestNetwork.Exec(n.A, "conntrack", "-L", "expect", "-f", ipv6 ? "ipv6" : "ipv4")), new KernelRecorderOptions { Expectations = true });
            try
            {
                output.WriteLine(listed);
                var kernel = Assert.Single(KernelEventParser.ParseExpectationListing(listed, DateTimeOffset.UtcNow));
                Assert.Equal("PERMANENT", string.Join(',', kernel.Flags));
                // The kernel lists it within a second of the RCF: 2 (of 3) when the RCF reached it, 239 (of 240) when not.
                Assert.InRange(kernel.Timeout, gkroutedOnly == 0 ? 1u : 238u, gkroutedOnly == 0 ? 3u : 240u);

                // The engine, right after the RCF (the first reply of the RAS connection).
                var settings = new EngineSettings();
                settings.Set("nf_conntrack_h323.gkrouted_only", gkroutedOnly);
                settings.Rules.Add(EngineRule.Parse(H323Scenarios.EngineRules[0]));
                var engine = new ConntrackEngine("replay", settings);
                using (var reader = CaptureFileReader.Open(recording.CapturePath))
                    while (reader.TryRead(out var r))
                    {
                        engine.Process(r.LinkType, r.Data, r.OriginalLength, r.TimestampNs);
                        if (engine.Snapshot().Any(c => c.Protocol == CtProtocol.Udp && !c.Unreplied)) break;
                    }
                var ours = Assert.Single(engine.SnapshotExpectations());
                output.WriteLine($"engine: {ours} timeout={ours.Timeout}");
                Assert.Equal(kernel.Tuple, ours.Tuple.ToString());
                Assert.InRange((int)ours.Timeout!.Value - (int)kernel.Timeout, 0, 1);
                var ras = Assert.Single(engine.Snapshot(), c => c.Protocol == CtProtocol.Udp);
                Assert.Equal(3u, ras.Timeout); // nf_ct_refresh with the RCF's time to live

                var result = EngineReplay.Run(recording, new Dictionary<string, long> { ["nf_conntrack_h323.gkrouted_only"] = gkroutedOnly }, H323Scenarios.EngineRules);
                Assert.Empty(EngineReplay.Differences(result));
                Assert.Empty(EngineReplay.ExpectationDifferences(result));
            }
            finally
            {
                File.Delete(recording.CapturePath);
            }
        }
        finally
        {
            File.WriteAllText(parameter, old);
        }
    }
}
