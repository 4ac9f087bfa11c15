using ConntrackTools.Kernel.Conntrack;
using Xunit;
using Xunit.Abstractions;

namespace ConntrackTools.Tests;

/// <summary>
/// The event listener (Watch-CtConnection, Watch-CtExpectation) against `conntrack -E`: the same
/// real traffic between namespaces, heard by both at once, gives the same events for the same
/// entries (by the kernel's id): type, tuples, state, status, mark, zone, helper.
/// </summary>
public class KernelEventTests(ITestOutputHelper output)
{
    private static string Signature(CtEvent e)
    {
        var c = e.Connection;
        return string.Join(' ', new[]
        {
            e.Type.ToString().ToUpperInvariant(), Name(c.Protocol), c.State == CtState.None ? null : StateCodec.ConntrackName(c.State),
            c.Original.ToString(), c.Unreplied ? "[UNREPLIED]" : null, c.Reply.ToString(), c.Status.HasFlag(CtStatus.Assured) ? "[ASSURED]" : null,
            c.Mark != 0 ? $"mark={c.Mark}" : null, c.Zone != 0 ? $"zone={c.Zone}" : null, c.Helper is null ? null : $"helper={c.Helper}",
        }.Where(s => !string.IsNullOrEmpty(s)));
    }

    private static string Name(CtProtocol p) => p == CtProtocol.IcmpV6 ? "icmpv6" : p.ToString().ToLowerInvariant();

    private static List<object> Drain(ConntrackEventListener listener)
    {
        var items = new List<object>();
        while (listener.TryTake(out var item, 1500, CancellationToken.None)) items.Add(item!);
        return items;
    }

    [KernelTheory("conntrack", "nft", "tcpdump", "python3")]
    [InlineData(false)]
    [InlineData(true)]
    public void A_tcp_connection_gives_the_events_conntrack_E_records(bool ipv6)
    {
        using var net = new TestNetwork("ev");
        using var listener = ConntrackEventListener.Open(net.A, [CtEventType.New, CtEventType.Update, CtEventType.Destroy], []);
        listener.Start();
        var recording = ParityScenarios.Record(net, n => ParityScenarios.TcpOpenTransferClose(n, ipv6));
        File.Delete(recording.CapturePath);
        var ours = Drain(listener).OfType<CtEvent>().Where(e => e.Connection.Protocol == CtProtocol.Tcp).ToList();
        var theirs = recording.Events.Where(e => e.ProtocolName == "tcp" && e.Type != KernelEventType.Listed).ToList();
        foreach (var e in theirs) output.WriteLine(e.Signature);
        output.WriteLine("-- listener --");
        foreach (var e in ours) output.WriteLine(Signature(e));

        Assert.Equal(["NEW", "UPDATE", "UPDATE", "UPDATE", "UPDATE", "UPDATE", "DESTROY"], theirs.Select(e => e.Type.ToString().ToUpperInvariant()));
        Assert.Equal(theirs.Select(e => e.Signature), ours.Select(Signature));
        Assert.Equal(theirs.Select(e => e.Id), ours.Select(e => e.Connection.Id));
        Assert.Equal(0, listener.Lost);
        // The DESTROY carries the final counters, as conntrack -E prints them.
        Assert.Equal((theirs[^1].OrigPackets, theirs[^1].ReplyPackets), (ours[^1].Connection.OriginalPackets, ours[^1].Connection.ReplyPackets));
    }

    [KernelFact("conntrack", "nft", "tcpdump", "python3")]
    public void A_helpers_expectation_gives_the_events_conntrack_E_expect_records()
    {
        using var net = new TestNetwork("ex");
        using var listener = ConntrackEventListener.Open(net.A, [], [CtEventType.New, CtEventType.Destroy]);
        listener.Start();
        var recording = ParityScenarios.Record(net, n => ParityScenarios.TftpReadRequest(n), new KernelRecorderOptions { Expectations = true });
        File.Delete(recording.CapturePath);
        var ours = Drain(listener).OfType<CtExpectationEvent>().ToList();
        var theirs = recording.ExpectationEvents;
        foreach (var e in theirs) output.WriteLine(e.Line);

        Assert.Equal(["New", "Destroy"], theirs.Select(e => e.Type.ToString()));
        Assert.Equal(theirs.Select(e => e.Type.ToString()), ours.Select(e => e.Type.ToString()));
        for (var i = 0; i < theirs.Count; i++)
        {
            var exp = ours[i].Expectation;
            Assert.Equal(theirs[i].Tuple, exp.Tuple.ToString());
            Assert.Equal(theirs[i].Master, exp.Master.ToString());
            Assert.Equal(theirs[i].Protocol, (int)exp.Protocol);
            Assert.Equal("tftp", exp.Helper);
        }
        Assert.Contains("sport=0", theirs[0].Mask);
        Assert.True(ours[0].Expectation.WildcardSourcePort);
    }
}
