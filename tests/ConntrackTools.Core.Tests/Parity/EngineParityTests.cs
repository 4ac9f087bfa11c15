using Xunit;
using Xunit.Abstractions;

namespace ConntrackTools.Tests.Parity;

/// <summary>
/// Parity: real traffic between namespaces runs on the kernel under the recorder; its capture is
/// replayed into an engine; every entry's event sequence (type, state, [UNREPLIED], [ASSURED], and
/// the DESTROY's counters) must be the kernel's.
/// </summary>
public class EngineParityTests(ITestOutputHelper output)
{
    private static readonly Dictionary<string, (Action<TestNetwork> Scenario, string[] Rules)> Scenarios = new()
    {
        ["tcp open transfer close"] = (n => ParityScenarios.TcpOpenTransferClose(n), []),
        ["tcp open transfer close ipv6"] = (n => ParityScenarios.TcpOpenTransferClose(n, ipv6: true), []),
        ["tcp refused"] = (n => ParityScenarios.TcpRefused(n), []),
        ["tcp reset mid-connection"] = (n => ParityScenarios.TcpResetMidConnection(n), []),
        ["tcp simultaneous open"] = (n => ParityScenarios.TcpSimultaneousOpen(n), []),
        ["tcp half-open times out"] = (n => ParityScenarios.TcpHalfOpen(n), []),
        ["udp request response"] = (n => ParityScenarios.UdpRequestResponse(n), []),
        ["udp one way"] = (n => ParityScenarios.UdpOneWay(n), []),
        ["icmp echo"] = (n => ParityScenarios.IcmpEcho(n), []),
        ["icmpv6 echo"] = (n => ParityScenarios.IcmpEcho(n, ipv6: true), []),
        ["udp port unreachable (related icmp)"] = (n => ParityScenarios.UdpPortUnreachable(n), []),
        ["udp port unreachable ipv6 (related icmpv6)"] = (n => ParityScenarios.UdpPortUnreachable(n, ipv6: true), []),
        ["sctp association"] = (n => ParityScenarios.SctpAssociation(n), []),
        ["gre"] = (n => ParityScenarios.GreExchange(n), []),
        ["zone"] = (n => ParityScenarios.ZonedUdp(n), [$"udp port {ParityScenarios.ZonePort} ct zone set {ParityScenarios.Zone}"]),
        ["notrack"] = (n => ParityScenarios.NotrackTcp(n), [$"tcp port {ParityScenarios.NotrackPort} notrack"]),
    };

    public static TheoryData<string> Names() => [.. Scenarios.Keys];

    [KernelTheory("conntrack", "nft", "tcpdump", "python3", "ping")]
    [MemberData(nameof(Names))]
    public void The_engine_replays_the_capture_into_the_kernels_events(string scenario)
    {
        var (run, rules) = Scenarios[scenario];
        using var net = new TestNetwork("par");
        var recording = ParityScenarios.Record(net, run);
        try
        {
            var result = EngineReplay.Run(recording, rules);
            foreach (var e in recording.Events) output.WriteLine(e.Line);
            output.WriteLine("-- engine --");
            foreach (var e in result.Events) output.WriteLine($"[{e.Type.ToString().ToUpperInvariant()}] {e.Connection} {e.Connection.Status}");
            Assert.NotEmpty(result.Kernel.Count > 0 || scenario == "notrack" ? [1] : Array.Empty<int>());
            var differences = EngineReplay.Differences(result);
            Assert.True(differences.Count == 0, $"{scenario}: the engine differs from the kernel:\n{string.Join("\n", differences)}");
            if (scenario == "notrack")
            {
                Assert.Empty(result.Events);
                Assert.True(result.Engine.Untracked > 0, "the capture has the untracked packets");
            }
        }
        finally
        {
            File.Delete(recording.CapturePath);
        }
    }
}
