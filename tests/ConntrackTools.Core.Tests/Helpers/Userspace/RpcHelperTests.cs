using Xunit;
using static ConntrackTools.Tests.Helpers.HelperRun;

namespace ConntrackTools.Tests.Helpers.Userspace;

/// <summary>conntrackd's rpc helper: portmapper GETPORT replies expect the client's connection to the named port (NFSv3, mountd).</summary>
public class RpcHelperTests
{
    private const string Client = "10.0.0.1", Server = "10.0.0.2";
    private const uint Mountd = 100005, Nfs = 100003;

    [Fact]
    public void A_udp_GETPORT_for_mountd_expects_the_mount_call()
    {
        var run = new HelperRun("udp dport 111 ct helper set rpc");
        run.Send(Ip.Udp(Client, 700, Server, 111, Messages.GetPortCall(0x11223344, Mountd, 3, 17)));
        Assert.Empty(run.Expectations);
        run.Send(Ip.Udp(Server, 111, Client, 700, Messages.GetPortReply(0x11223344, 20048)));

        var exp = Assert.Single(run.Expectations);
        AssertExpectation(exp, CtProtocol.Udp, Client, null, Server, 20048, 300, CtExpectationFlags.Permanent, "rpc");
        Assert.Equal((ushort?)111, exp.Master.DestinationPort);

        run.Send(Ip.Udp(Client, 701, Server, 20048, [0, 0, 0, 1, 0, 0, 0, 0]));
        AssertRelated(run.Connection(Client, 701), Client, 111);
        Assert.Single(run.Expectations); // PERMANENT
    }

    [Fact]
    public void NFSv3_over_tcp_mountd_then_nfs_with_record_marking()
    {
        var run = new HelperRun("tcp dport 111 ct helper set rpc");
        var pmap = new TcpFlow(run, Client, 800, Server, 111);
        pmap.Open();
        pmap.Client(Messages.RecordMarked(Messages.GetPortCall(1, Mountd, 3, 6, cred: Messages.AuthSys())));
        pmap.Server(Messages.RecordMarked(Messages.GetPortReply(1, 20048)));
        var mountd = Assert.Single(run.Expectations);
        AssertExpectation(mountd, CtProtocol.Tcp, Client, null, Server, 20048, 300, CtExpectationFlags.Permanent, "rpc");

        // ExpectMax 1: the nfs port's expectation evicts mountd's.
        pmap.ClientAck();
        pmap.Client(Messages.RecordMarked(Messages.GetPortCall(2, Nfs, 3, 6)));
        pmap.Server(Messages.RecordMarked(Messages.GetPortReply(2, 2049)));
        var nfs = Assert.Single(run.Expectations);
        AssertExpectation(nfs, CtProtocol.Tcp, Client, null, Server, 2049, 300, CtExpectationFlags.Permanent, "rpc");
        Assert.Equal([CtEventType.New, CtEventType.Destroy, CtEventType.New], run.ExpectationEvents.Select(e => e.Type));

        new TcpFlow(run, Client, 801, Server, 2049).Open();
        AssertRelated(run.Connection(Client, 801), Client, 111);
    }

    [Fact]
    public void A_GETPORT_for_udp_on_a_tcp_connection_expects_udp()
    {
        var run = new HelperRun("tcp dport 111 ct helper set rpc");
        var pmap = new TcpFlow(run, Client, 800, Server, 111);
        pmap.Open();
        pmap.Client(Messages.RecordMarked(Messages.GetPortCall(7, Mountd, 3, 17)));
        pmap.Server(Messages.RecordMarked(Messages.GetPortReply(7, 20048)));
        AssertExpectation(Assert.Single(run.Expectations), CtProtocol.Udp, Client, null, Server, 20048, 300, CtExpectationFlags.Permanent, "rpc");
    }

    public static TheoryData<string, byte[], byte[]> Refusals => new()
    {
        { "wrong xid", Messages.GetPortCall(5, Mountd, 3, 17), Messages.GetPortReply(6, 20048) },
        { "MSG_DENIED", Messages.GetPortCall(5, Mountd, 3, 17), Messages.GetPortReply(5, 20048, replyStat: 1) },
        { "PROG_UNAVAIL", Messages.GetPortCall(5, Mountd, 3, 17), Messages.GetPortReply(5, 20048, acceptStat: 1) },
        { "port 0 (not registered)", Messages.GetPortCall(5, Mountd, 3, 17), Messages.GetPortReply(5, 0) },
        { "port 65536 cut to 0", Messages.GetPortCall(5, Mountd, 3, 17), Messages.GetPortReply(5, 65536) },
        { "reply with a trailing word", Messages.GetPortCall(5, Mountd, 3, 17), [.. Messages.GetPortReply(5, 20048), 0, 0, 0, 0] },
        { "reply cut short", Messages.GetPortCall(5, Mountd, 3, 17), Messages.GetPortReply(5, 20048)[..24] },
        { "call cut short", Messages.GetPortCall(5, Mountd, 3, 17)[..52], Messages.GetPortReply(5, 20048) },
        { "call with a port", Messages.GetPortCall(5, Mountd, 3, 17, port: 20048), Messages.GetPortReply(5, 20048) },
        { "call for ICMP", Messages.GetPortCall(5, Mountd, 3, 1), Messages.GetPortReply(5, 20048) },
        { "not portmap (an NFS call)", Patch(Messages.GetPortCall(5, Mountd, 3, 17), 12, Nfs), Messages.GetPortReply(5, 20048) },
        { "rpcbind version 3", Patch(Messages.GetPortCall(5, Mountd, 3, 17), 16, 3), Messages.GetPortReply(5, 20048) },
        { "PMAPPROC_DUMP", Patch(Messages.GetPortCall(5, Mountd, 3, 17), 20, 4), Messages.GetPortReply(5, 20048) },
        { "RPC version 1", Patch(Messages.GetPortCall(5, Mountd, 3, 17), 8, 1), Messages.GetPortReply(5, 20048) },
        { "credentials over 400 bytes", Patch(Messages.GetPortCall(5, Mountd, 3, 17), 28, 404), Messages.GetPortReply(5, 20048) },
        { "a reply as the call", Messages.GetPortReply(5, 20048), Messages.GetPortReply(5, 20048) },
    };

    [Theory]
    [MemberData(nameof(Refusals))]
    public void A_refused_exchange_expects_nothing(string why, byte[] callMessage, byte[] replyMessage)
    {
        var run = new HelperRun("udp dport 111 ct helper set rpc");
        run.Send(Ip.Udp(Client, 700, Server, 111, callMessage));
        run.Send(Ip.Udp(Server, 111, Client, 700, replyMessage));
        Assert.True(run.Expectations.Count == 0, why);
        Assert.Equal(0, run.Engine.Dropped);
    }

    [Fact]
    public void A_wrong_reply_forgets_the_xid()
    {
        var run = new HelperRun("udp dport 111 ct helper set rpc");
        run.Send(Ip.Udp(Client, 700, Server, 111, Messages.GetPortCall(5, Mountd, 3, 17)));
        run.Send(Ip.Udp(Server, 111, Client, 700, Messages.GetPortReply(5, 20048, acceptStat: 1)));
        run.Send(Ip.Udp(Server, 111, Client, 700, Messages.GetPortReply(5, 20048)));
        Assert.Empty(run.Expectations);
        // A new call is remembered again, and a successful reply forgets it too.
        run.Send(Ip.Udp(Client, 700, Server, 111, Messages.GetPortCall(6, Mountd, 3, 17)));
        run.Send(Ip.Udp(Server, 111, Client, 700, Messages.GetPortReply(6, 20048)));
        run.Send(Ip.Udp(Server, 111, Client, 700, Messages.GetPortReply(6, 20049)));
        Assert.Equal((ushort?)20048, Assert.Single(run.Expectations).Tuple.DestinationPort);
    }

    [Fact]
    public void A_tcp_reply_before_the_handshake_completes_is_not_read()
    {
        var run = new HelperRun("tcp dport 111 ct helper set rpc");
        // A data-bearing SYN (as with TCP Fast Open): ctinfo NEW, not looked into.
        run.Send(Ip.Tcp(Client, 800, Server, 111, 1000, 0, Ip.Syn, Messages.RecordMarked(Messages.GetPortCall(1, Mountd, 3, 6))));
        run.Send(Ip.Tcp(Server, 111, Client, 800, 5000, 1001, Ip.Syn | Ip.Ack));
        run.Send(Ip.Tcp(Server, 111, Client, 800, 5001, 1001, Ip.Psh | Ip.Ack, Messages.RecordMarked(Messages.GetPortReply(1, 20048))));
        Assert.Empty(run.Expectations);
    }

    [Fact]
    public void An_identical_reply_changes_nothing_and_a_zone_other_than_0_drops_it()
    {
        // ctnetlink_new_expect finds the live expectation first and answers 0: no DESTROY, no NEW.
        var run = new HelperRun("udp dport 111 ct helper set rpc");
        for (var i = 0; i < 2; i++)
        {
            run.Send(Ip.Udp(Client, 700, Server, 111, Messages.GetPortCall(9, Mountd, 3, 17)));
            run.Send(Ip.Udp(Server, 111, Client, 700, Messages.GetPortReply(9, 20048)));
        }
        Assert.Single(run.Expectations);
        Assert.Single(run.ExpectationEvents);

        // conntrackd's request names no zone: the master is looked for in zone 0, not found, the reply dropped.
        var zoned = new HelperRun("udp dport 111 ct zone set 5", "udp sport 111 ct zone set 5", "udp dport 111 ct helper set rpc");
        zoned.Send(Ip.Udp(Client, 700, Server, 111, Messages.GetPortCall(9, Mountd, 3, 17)));
        zoned.Send(Ip.Udp(Server, 111, Client, 700, Messages.GetPortReply(9, 20048)));
        Assert.Empty(zoned.Expectations);
        Assert.Equal(1, zoned.Engine.Dropped);
    }

    private static byte[] Patch(byte[] message, int offset, uint value)
    {
        var copy = (byte[])message.Clone();
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(copy.AsSpan(offset), value);
        return copy;
    }
}
