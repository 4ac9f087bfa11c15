using Xunit;
using Xunit.Abstractions;

namespace ConntrackTools.Tests.Parity;

/// <summary>
/// The ftp helper against the kernel's: real FTP (vsftpd and curl) between namespaces with the
/// kernel's helper assigned in A; the capture replayed into an engine with the same assignment
/// must give the same connection events and the same expectation events (tuple, mask, master,
/// class, helper, timeout), and the data connection must be RELATED to the control connection.
/// </summary>
public class FtpParityTests(ITestOutputHelper output)
{
    [KernelTheory("conntrack", "nft", "tcpdump", "vsftpd", "curl", "python3")]
    [InlineData("pasv", false)]
    [InlineData("epsv", false)]
    [InlineData("port", false)]
    [InlineData("eprt", false)]
    [InlineData("epsv", true)]
    [InlineData("eprt", true)]
    public void A_transfer_gives_the_kernels_expectation_and_related_data_connection(string mode, bool ipv6)
    {
        var (recording, result) = RecordAndReplay("pft", n => HelperScenarios.FtpTransfer(n, ipv6, mode));
        try
        {
            Assert.Single(recording.ExpectationEvents, e => e.Type == KernelEventType.New);
            var control = result.Events.First(e => e.Type == CtEventType.New && e.Connection.DestinationPort == 21).Connection;
            Assert.Equal("ftp", control.Helper);
            Assert.True(control.Status.HasFlag(CtStatus.Helper), "ct helper set marks the helper explicit (IPS_HELPER)");
            var data = result.Events.Where(e => e.Type == CtEventType.New && e.Connection.Status.HasFlag(CtStatus.Expected)).Select(e => e.Connection).ToList();
            var related = Assert.Single(data);
            Assert.Equal(control.Original.ToString(), related.Master?.ToString());
            Assert.Null(related.Helper);
            Assert.Equal(1, result.Engine.ExpectationsNew);
        }
        finally
        {
            File.Delete(recording.CapturePath);
        }
    }

    [KernelFact("conntrack", "nft", "tcpdump", "vsftpd", "python3")]
    public void A_second_PASV_evicts_the_first_expectation_and_a_third_party_PORT_is_refused()
    {
        var (recording, result) = RecordAndReplay("pfe", n =>
        {
            var answers = HelperScenarios.FtpCommands(n, false, "PASV", "PASV", "PORT 192,0,2,7,200,1", "EPRT |1|192.0.2.8|51001|");
            output.WriteLine(answers);
        });
        try
        {
            // Two PASV: the second evicts the first (max_expected 1); the third-party addresses make none.
            Assert.Equal(2, recording.ExpectationEvents.Count(e => e.Type == KernelEventType.New));
            Assert.DoesNotContain(recording.ExpectationEvents, e => e.Tuple.Contains("192.0.2."));
            Assert.Equal(2, result.Engine.ExpectationsCreated);
        }
        finally
        {
            File.Delete(recording.CapturePath);
        }
    }

    /// <summary>
    /// Records the scenario and replays it; records once more when the engine differs. When client
    /// and server close the control connection at the same moment, the kernel can process the two
    /// FINs in the other order from the one tcpdump captured them in (one side's FIN passes
    /// conntrack on output before the capture sees it, the other's after), and no engine can see
    /// what the capture does not hold. A real difference shows in both recordings and fails.
    /// </summary>
    private (KernelRecording Recording, EngineReplay.Result Result) RecordAndReplay(string tag, Action<TestNetwork> scenario)
    {
        for (var attempt = 1; ; attempt++)
        {
            using var net = new TestNetwork(tag);
            var recording = ParityScenarios.Record(net, scenario, new KernelRecorderOptions { Expectations = true });
            var (result, differences) = Replay(recording);
            if (differences.Count == 0) return (recording, result);
            File.Delete(recording.CapturePath);
            Assert.True(attempt < 2, $"the engine differs from the kernel:\n{string.Join("\n", differences)}");
            output.WriteLine($"-- recording {attempt} differed; recording again --\n{string.Join("\n", differences)}");
        }
    }

    private (EngineReplay.Result Result, List<string> Differences) Replay(KernelRecording recording, IReadOnlyDictionary<string, long>? settings = null)
    {
        var result = EngineReplay.Run(recording, settings, HelperScenarios.FtpRule);
        foreach (var e in recording.Events) output.WriteLine(e.Line);
        foreach (var e in recording.ExpectationEvents) output.WriteLine(e.Line);
        output.WriteLine("-- engine --");
        foreach (var e in result.Events) output.WriteLine($"[{e.Type.ToString().ToUpperInvariant()}] {e.Connection} {e.Connection.Status} helper={e.Connection.Helper} master={e.Connection.Master}");
        foreach (var e in result.ExpectationEvents) output.WriteLine(EngineReplay.Signature(e) + " timeout=" + e.Expectation.Timeout);
        foreach (var m in result.Engine.HelperMessages) output.WriteLine(m);
        var differences = EngineReplay.Differences(result).Concat(EngineReplay.ExpectationDifferences(result)).Select(d => d.ToString()!).ToList();
        return (result, differences);
    }
}

/// <summary>
/// The tftp helper against the kernel's: curl reads a file from tftpd-hpa; the server's answer
/// from its own port is RELATED through the expectation the read request made.
/// </summary>
public class TftpParityTests(ITestOutputHelper output)
{
    [KernelTheory("conntrack", "nft", "tcpdump", "curl", "in.tftpd")]
    [InlineData(false)]
    [InlineData(true)]
    public void A_read_gives_the_kernels_expectation_and_related_transfer(bool ipv6)
    {
        using var net = new TestNetwork("ptt");
        var recording = ParityScenarios.Record(net, n => HelperScenarios.TftpTransfer(n, ipv6), new KernelRecorderOptions { Expectations = true });
        try
        {
            var result = EngineReplay.Run(recording, HelperScenarios.TftpRule);
            foreach (var e in recording.Events) output.WriteLine(e.Line);
            foreach (var e in recording.ExpectationEvents) output.WriteLine(e.Line);
            output.WriteLine("-- engine --");
            foreach (var e in result.Events) output.WriteLine($"[{e.Type.ToString().ToUpperInvariant()}] {e.Connection} {e.Connection.Status} master={e.Connection.Master}");
            foreach (var e in result.ExpectationEvents) output.WriteLine(EngineReplay.Signature(e));
            var differences = EngineReplay.Differences(result).Concat(EngineReplay.ExpectationDifferences(result)).ToList();
            Assert.True(differences.Count == 0, $"the engine differs from the kernel:\n{string.Join("\n", differences)}");
            Assert.Single(recording.ExpectationEvents, e => e.Type == KernelEventType.New);
            var transfer = Assert.Single(result.Events, e => e.Type == CtEventType.New && e.Connection.Status.HasFlag(CtStatus.Expected)).Connection;
            Assert.Equal((ushort)69, transfer.Master?.DestinationPort);
        }
        finally
        {
            File.Delete(recording.CapturePath);
        }
    }
}
