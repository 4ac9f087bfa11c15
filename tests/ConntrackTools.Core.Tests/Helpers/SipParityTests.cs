using ConntrackTools.Kernel.Conntrack;
using Xunit;
using Xunit.Abstractions;

namespace ConntrackTools.Tests.Helpers;

/// <summary>
/// Kernel parity of the sip helper: a real SIP dialogue between the namespaces runs under A's nft
/// `ct helper set "sip"`; A's capture, replayed into an engine with the same rule (and the same
/// module options), must give the connection events and the expectation events (tuple, mask,
/// master, class, helper, flags, NEW timeout) that `conntrack -E` and `conntrack -E expect` recorded.
/// </summary>
public class SipParityTests(ITestOutputHelper output)
{
    [KernelTheory("conntrack", "nft", "tcpdump", "python3")]
    [InlineData("udp", false, true)]
    [InlineData("udp", true, true)]
    [InlineData("tcp", false, true)]
    // sip_direct_media=0 and sip_direct_signalling=0 (host-wide module parameters, restored after).
    [InlineData("udp", false, false)]
    public void A_sip_dialogue_replays_into_the_kernels_connections_and_expectations(string transport, bool ipv6, bool direct)
    {
        using var net = new TestNetwork("sip");
        var options = new Dictionary<string, long> { ["sip_direct_media"] = direct ? 1 : 0, ["sip_direct_signalling"] = direct ? 1 : 0 };
        KernelRecording recording;
        using (SipScenarios.ModuleParameters(options))
            recording = SipScenarios.Record(net, n => SipScenarios.Dialogue(n, transport, ipv6));
        try
        {
            var result = Replay(recording, options);

            // The dialogue did what it is meant to, on the kernel.
            var created = recording.ExpectationEvents.Where(e => e.Type == KernelEventType.New).ToList();
            var (a, b) = ipv6 ? (net.A6, net.B6) : (net.A4, net.B4);
            var any = ipv6 ? "::" : "0.0.0.0";
            if (transport == "udp")
            {
                // INVITE: A's audio and video pairs; 200 OK: B's; REGISTER: the registrar's call to A:5060;
                // the registrar's INVITE on that expected connection: B's audio pair again.
                Assert.Equal(11, created.Count);
                Assert.Equal([1, 1, 2, 2, 1, 1, 2, 2, 0, 1, 1], created.Select(e => (int)e.Class!.Value));
                var register = created[8];
                Assert.Equal($"src={(direct ? b : any)} dst={a} sport=0 dport={SipScenarios.SipPort}", register.Tuple);
                Assert.Equal(["PERMANENT", "INACTIVE"], register.Flags);
                Assert.Equal(180u, register.Timeout);
                Assert.Equal($"src={(direct ? a : any)} dst={b} sport=0 dport=49180", created[4].Tuple);
                // The registrar's 2xx made it active for its expires=3600 (its DESTROY, at the flush, says so).
                var registered = recording.ExpectationEvents.Single(e => e.Type == KernelEventType.Destroy && e.Class == 0);
                Assert.Equal(["PERMANENT"], registered.Flags);
                Assert.InRange(registered.Timeout, 3500u, 3600u);
                var engineRegistered = result.ExpectationEvents.Single(e => e.Type == CtEventType.Destroy && e.Expectation.Class == 0);
                Assert.InRange((long)engineRegistered.Expectation.Timeout!.Value - registered.Timeout, -1, 1);
                // The RTP datagram from A used B's RTP expectation.
                Assert.Contains(recording.Events, e => e.Type == KernelEventType.New && e.Original.Contains("dport=49180"));
            }
            else
            {
                // INVITE and 200 OK (the second message of a segment); the re-INVITE cut in two makes nothing.
                Assert.Equal([$"src={b} dst={a} sport=0 dport=49170", $"src={b} dst={a} sport=0 dport=49171",
                    $"src={a} dst={b} sport=0 dport=49180", $"src={a} dst={b} sport=0 dport=49181"], created.Select(e => e.Tuple));
            }
            Assert.All(created, e => Assert.Equal("sip", e.Helper));
            AssertSame(result);
        }
        finally
        {
            File.Delete(recording.CapturePath);
        }
    }

    [KernelFact("conntrack", "nft", "tcpdump", "python3")]
    public void Crafted_and_malformed_messages_are_accepted_dropped_and_expected_as_the_kernel_does()
    {
        using var net = new TestNetwork("sipe");
        var recording = SipScenarios.Record(net, SipScenarios.EdgeCases);
        try
        {
            var result = Replay(recording, new Dictionary<string, long>());

            // The kernel dropped the first packet of 6004 (media port 80), 6005 (no c=), 6006 (no
            // status code) and 6010 (a CSeq beyond 32 bits): no entry for them. The others pass.
            var entries = recording.Events.Where(e => e.Type == KernelEventType.New).Select(e => int.Parse(e.OriginalField("sport")!)).Order();
            Assert.Equal([6001, 6002, 6003, 6007, 6008, 6009, 6011, 6012, 6013, 6014], entries);
            // From B's messages to B's addresses: 6001's audio and video, 6008 (a Latin-1 letter is a
            // letter), 6009's registration (compact headers, continuation lines) and 6011 (c= 010.x.x.x);
            // not 6002 (expires=0x10 reads as 0), 6003 (contact port 80), 6012 and 6014 (ports that do
            // not fit sip_strtouint: inactive) nor 6013 (the contact's port runs into the end).
            var created = recording.ExpectationEvents.Where(e => e.Type == KernelEventType.New).ToList();
            int[] ports = [30000, 30001, 30002, 30003, 30020, 30021, 5070, 30040, 30041];
            Assert.Equal(ports.Select(p => $"src={net.A4} dst={net.B4} sport=0 dport={p}"), created.Select(e => e.Tuple));
            Assert.Equal([1, 1, 2, 2, 1, 1, 0, 1, 1], created.Select(e => (int)e.Class!.Value));
            AssertSame(result);
        }
        finally
        {
            File.Delete(recording.CapturePath);
        }
    }

    /// <summary>The capture replayed with the helper rules and options, and both sides printed.</summary>
    private EngineReplay.Result Replay(KernelRecording recording, Dictionary<string, long> options)
    {
        // On a thread of its own: masters die with live expectations here, which must not hang the replay.
        var replay = Task.Run(() => EngineReplay.Run(recording, options.ToDictionary(o => "nf_conntrack_sip." + o.Key, o => o.Value), SipScenarios.EngineRules));
        Assert.True(replay.Wait(TimeSpan.FromSeconds(60)), "the engine did not finish replaying the capture");
        var result = replay.Result;
        foreach (var e in recording.Events) output.WriteLine(e.Line);
        foreach (var e in recording.ExpectationEvents) output.WriteLine(e.Line);
        output.WriteLine("-- engine --");
        foreach (var e in result.Events) output.WriteLine($"[{e.Type.ToString().ToUpperInvariant()}] {e.Connection} {e.Connection.Status}");
        foreach (var e in result.ExpectationEvents) output.WriteLine($"{EngineReplay.Signature(e)} timeout={e.Expectation.Timeout}");
        foreach (var m in result.Engine.HelperMessages) output.WriteLine(m);
        return result;
    }

    private static void AssertSame(EngineReplay.Result result)
    {
        var differences = EngineReplay.Differences(result);
        Assert.True(differences.Count == 0, $"the engine's connections differ from the kernel's:\n{string.Join("\n", differences)}");
        var expectationDifferences = EngineReplay.ExpectationDifferences(result);
        Assert.True(expectationDifferences.Count == 0, $"the engine's expectations differ from the kernel's:\n{string.Join("\n", expectationDifferences)}");
    }
}
