using System.Globalization;
using Xunit;
using Xunit.Abstractions;

namespace ConntrackTools.Tests.Helpers;

/// <summary>
/// Kernel parity of the pptp helper: a real control connection between the namespaces under the
/// kernel's pptp helper, its GRE both ways, recorded with the expectation events; the capture
/// replayed into the engine must give the same connection and expectation events.
/// </summary>
public class PptpParityTests(ITestOutputHelper output)
{
    public static TheoryData<string> Variants() => [.. PptpScenarios.Variants];

    [KernelTheory("conntrack", "nft", "tcpdump", "python3")]
    [MemberData(nameof(Variants))]
    public void The_engine_replays_a_pptp_call_into_the_kernels_events_and_expectations(string variant)
    {
        using var net = new TestNetwork("pp");
        var recording = ParityScenarios.Record(net, n => PptpScenarios.Call(n, variant), new KernelRecorderOptions { Expectations = true });
        try
        {
            var result = EngineReplay.Run(recording, PptpScenarios.EngineSettings(variant), PptpScenarios.Rule);
            foreach (var e in recording.Events) output.WriteLine(e.Line);
            foreach (var e in recording.ExpectationEvents) output.WriteLine(e.Line);
            output.WriteLine("-- engine --");
            foreach (var e in result.Events) output.WriteLine($"[{e.Type.ToString().ToUpperInvariant()}] {e.Connection} {e.Connection.Status}");
            foreach (var e in result.ExpectationEvents) output.WriteLine(EngineReplay.Signature(e));

            // The scenario did what it is for: GRE was tracked, and a call that was set up made the kernel expect both directions.
            Assert.Contains(recording.Events, e => e.ProtocolName == "gre");
            var expected = variant == "refused" ? 0 : 2;
            Assert.Equal(expected, recording.ExpectationEvents.Count(e => e.Type == KernelEventType.New));
            // The GRE connection of the call hung up would outlive the wait (stream timeout 60 s): the
            // kernel ended it with its master (no flush was needed), and so must the engine.
            if (variant == "hangup") Assert.DoesNotContain(recording.Actions, a => a.Kind == RecorderActionKind.Flush);

            var differences = EngineReplay.Differences(result);
            Assert.True(differences.Count == 0, $"{variant}: the engine differs from the kernel:\n{string.Join("\n", differences)}");
            var expectations = EngineReplay.ExpectationDifferences(result with { KernelExpectationEvents = [.. recording.ExpectationEvents.Select(PortNotation)] });
            Assert.True(expectations.Count == 0, $"{variant}: the engine's expectations differ from the kernel's:\n{string.Join("\n", expectations)}");
        }
        finally
        {
            File.Delete(recording.CapturePath);
        }
    }

    /// <summary>
    /// conntrack prints a GRE expectation's keys as "srckey=0x1234 dstkey=0x5678"; the engine's
    /// expectation, like its connections, has them as ports: "sport=4660 dport=22136".
    /// </summary>
    private static KernelExpectationEvent PortNotation(KernelExpectationEvent e) => e with
    {
        Tuple = Ports(e.Tuple),
        Mask = Ports(e.Mask),
        Master = Ports(e.Master),
    };

    private static string Ports(string tuple) => string.Join(' ', tuple.Split(' ').Select(w =>
        w.StartsWith("srckey=", StringComparison.Ordinal) ? "sport=" + Key(w[7..])
        : w.StartsWith("dstkey=", StringComparison.Ordinal) ? "dport=" + Key(w[7..]) : w));

    private static ushort Key(string hex) => ushort.Parse(hex.StartsWith("0x", StringComparison.Ordinal) ? hex[2..] : hex, NumberStyles.HexNumber, CultureInfo.InvariantCulture);
}
