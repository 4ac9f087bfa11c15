using System.Buffers.Binary;
using ConntrackTools.Engine.Helpers;
using Xunit;
using Xunit.Abstractions;

namespace ConntrackTools.Tests.Helpers;

/// <summary>nf_conntrack_sane in the engine: the SANE_NET_START request/reply state machine, and kernel parity.</summary>
public class SaneHelperTests(ITestOutputHelper output)
{
    private static readonly string Rule = SmallHelperScenarios.Rule("sane", "tcp", 6566);

    private static byte[] Request(uint rpc, int length = 8)
    {
        var b = new byte[length];
        if (length >= 4) BinaryPrimitives.WriteUInt32BigEndian(b, rpc);
        return b;
    }

    /// <summary>struct sane_reply_net_start and a resource string after it.</summary>
    private static byte[] Reply(uint status, ushort zero, ushort port, int length = 13)
    {
        var b = new byte[length];
        Span<byte> head = stackalloc byte[8];
        BinaryPrimitives.WriteUInt32BigEndian(head, status);
        BinaryPrimitives.WriteUInt16BigEndian(head[4..], zero);
        BinaryPrimitives.WriteUInt16BigEndian(head[6..], port);
        head[..Math.Min(8, length)].CopyTo(b);
        return b;
    }

    private static (CraftedTraffic, CraftedTcp) Session(bool ipv6 = false)
    {
        var t = new CraftedTraffic(Rule);
        return (t, new CraftedTcp(t, ipv6 ? "fd00::1" : "10.2.2.1", 41000, ipv6 ? "fd00::2" : "10.2.2.2", 6566).Open());
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void A_successful_start_reply_expects_the_data_connection_from_the_client_to_the_server(bool ipv6)
    {
        var (t, tcp) = Session(ipv6);
        tcp.FromClient(Request(7));
        tcp.FromServer(Reply(0, 0, 7000));

        var exp = Assert.Single(t.Expectations);
        var (c, s) = ipv6 ? ("fd00::1", "fd00::2") : ("10.2.2.1", "10.2.2.2");
        Assert.Equal($"src={c} dst={s} sport=0 dport=7000", exp.Tuple.ToString());
        Assert.False(exp.WildcardSource);
        Assert.True(exp.WildcardSourcePort);
        Assert.Equal(CtProtocol.Tcp, exp.Protocol);
        Assert.Equal(("sane", 0u), (exp.Helper, exp.Class));
        Assert.Equal(300u, t.ExpectationEvents[0].Expectation.Timeout);
        Assert.Equal($"src={c} dst={s} sport=41000 dport=6566", exp.Master.ToString());

        // The data connection is RELATED and uses it up.
        new CraftedTcp(t, c, 42000, s, 7000).Open();
        Assert.Empty(t.Expectations);
        Assert.True(Assert.Single(t.Engine.Snapshot(), x => x.DestinationPort == 7000).Status.HasFlag(CtStatus.Expected));
    }

    [Theory]
    [InlineData(7u, 7, 0u, (ushort)0, 13, "a request of 7 bytes is not read")]
    [InlineData(7u, 9, 0u, (ushort)0, 13, "nor one of 9")]
    [InlineData(6u, 8, 0u, (ushort)0, 13, "another RPC")]
    [InlineData(7u, 8, 1u, (ushort)0, 13, "saned refused the command")]
    [InlineData(7u, 8, 0u, (ushort)1, 13, "the zero word is not zero")]
    [InlineData(7u, 8, 0u, (ushort)0, 7, "the reply is too short")]
    public void Other_exchanges_expect_nothing(uint rpc, int requestLength, uint status, ushort zero, int replyLength, string why)
    {
        var (t, tcp) = Session();
        tcp.FromClient(Request(rpc, requestLength));
        tcp.FromServer(Reply(status, zero, 7000, replyLength));
        Assert.True(t.Expectations.Count == 0, why);
        Assert.Equal(0, t.Engine.Dropped);
    }

    [Fact]
    public void Only_the_reply_right_after_the_request_is_read()
    {
        var (t, tcp) = Session();
        tcp.FromClient(Request(7));
        tcp.FromServer(Reply(0, 0, 0, 5)); // too short: the state is back to normal anyway
        tcp.FromServer(Reply(0, 0, 7000));
        Assert.Empty(t.Expectations);

        // A request of another RPC after SANE_NET_START cancels it.
        tcp.FromClient(Request(7));
        tcp.FromClient(Request(3));
        tcp.FromServer(Reply(0, 0, 7000));
        Assert.Empty(t.Expectations);

        // A request of the wrong length leaves the state as it was.
        tcp.FromClient(Request(7));
        tcp.FromClient(Request(3, 12));
        tcp.FromServer(Reply(0, 0, 7001));
        Assert.Equal((ushort)7001, Assert.Single(t.Expectations).Tuple.DestinationPort);
    }

    [Fact]
    public void A_second_start_replaces_the_first_expectation()
    {
        var (t, tcp) = Session();
        tcp.FromClient(Request(7));
        tcp.FromServer(Reply(0, 0, 7000));
        tcp.FromClient(Request(7));
        tcp.FromServer(Reply(0, 0, 7001));
        Assert.Equal((ushort)7001, Assert.Single(t.Expectations).Tuple.DestinationPort);
        Assert.Equal(["New 7000", "Destroy 7000", "New 7001"], t.ExpectationEvents.Select(e => $"{e.Type} {e.Expectation.Tuple.DestinationPort}"));
    }

    [Fact]
    public void Random_segments_never_throw()
    {
        var random = new Random(6566);
        var (t, tcp) = Session();
        for (var i = 0; i < 2000; i++)
        {
            var b = new byte[random.Next(1, 16)];
            random.NextBytes(b);
            if (b.Length >= 8 && random.Next(4) == 0) b[0] = b[1] = b[2] = 0;
            if (random.Next(2) == 0) tcp.FromClient(b); else tcp.FromServer(b);
        }
        Assert.InRange(t.Expectations.Count, 0, 1);
        Assert.Equal(0, t.Engine.Dropped);
    }

    [Fact]
    public void Sane_is_described_as_registered()
    {
        var d = Assert.Single(HelperRegistry.All, h => h.Name == "sane").Describe();
        Assert.Equal(new ushort[] { 6566 }, d.Ports);
        Assert.Equal((1, 300u), (d.Policies[0].MaxExpected, d.Policies[0].Timeout));
        Assert.Empty(d.Options);
        var shape = Assert.Single(d.Expectations);
        Assert.Equal((CtFieldOrigin.Fixed, CtFieldOrigin.Any, CtFieldOrigin.Fixed, CtFieldOrigin.InCommand),
            (shape.SourceAddress, shape.SourcePort, shape.DestinationAddress, shape.DestinationPort));
    }

    [KernelTheory("conntrack", "nft", "tcpdump", "python3")]
    [InlineData(false, 0)]
    [InlineData(true, 0)]
    [InlineData(false, 9)] // SANE_STATUS_ACCESS_DENIED: nothing expected
    public void The_engine_replays_the_kernels_sane_expectation(bool ipv6, int status)
    {
        using var net = new TestNetwork("sane");
        var (recording, replay) = SmallHelperScenarios.RecordAndReplay(net, n => SmallHelperScenarios.SaneStart(n, ipv6, status), [Rule]);
        foreach (var line in SmallHelperScenarios.Describe(recording, replay)) output.WriteLine(line);

        Assert.Equal(status == 0 ? 1 : 0, recording.ExpectationEvents.Count(e => e.Type == KernelEventType.New));
        Assert.NotEmpty(recording.Events);
        Assert.Empty(EngineReplay.ExpectationDifferences(replay));
        Assert.Empty(EngineReplay.Differences(replay));
        Assert.Equal(status == 0, replay.Events.Any(e => e.Connection.DestinationPort == SmallHelperScenarios.SaneDataPort && e.Connection.Status.HasFlag(CtStatus.Expected)));
    }
}
