using ConntrackTools.Kernel.Netfilter;
using ConntrackTools.Kernel.Netlink;

namespace ConntrackTools.Kernel.Conntrack;

/// <summary>
/// The kernel back end's read path: dumps of the connection and expectation tables, and the
/// statistics, over one ctnetlink socket in the host's or a given network namespace.
/// Dumps stream: each object is handed to the caller as it is decoded, nothing is collected.
/// </summary>
public sealed class ConntrackClient : IDisposable
{
    private readonly NetlinkSocket _socket;
    private readonly NetlinkWriter _writer = new();
    private ConnLabelMap? _labels;
    private bool _labelsLoaded;

    private ConntrackClient(NetlinkSocket socket, string backend)
    {
        _socket = socket;
        Backend = backend;
    }

    /// <summary>"kernel" or "kernel:NETNS": the Backend stamped on every object this client reads.</summary>
    public string Backend { get; }

    /// <summary>Opens a ctnetlink socket; <paramref name="networkNamespace"/> is NAME, PATH or PID, or null for this one.</summary>
    public static ConntrackClient Open(string? networkNamespace = null)
    {
        var netns = string.IsNullOrEmpty(networkNamespace) ? null : NetworkNamespace.Resolve(networkNamespace);
        var socket = NetlinkSocket.Open(Native.NETLINK_NETFILTER, netns);
        return new ConntrackClient(socket, netns is null ? "kernel" : $"kernel:{netns.Spec}");
    }

    /// <summary>Label names for decoded connections; read from connlabel.conf on first use.</summary>
    public ConnLabelMap? LabelMap
    {
        get
        {
            if (!_labelsLoaded) { _labels = ConnLabelMap.Load(); _labelsLoaded = true; }
            return _labels;
        }
        set { _labels = value; _labelsLoaded = true; }
    }

    /// <summary>Dumps the connection table, handing each entry that passes <paramref name="filter"/> to <paramref name="onConnection"/>.</summary>
    public DumpResult DumpConnections(CtConnectionFilter? filter, Action<CtConnection> onConnection, CancellationToken cancel = default)
    {
        filter?.Validate();
        var family = filter?.EffectiveFamily ?? CtFamily.Unspecified;
        var seq = Begin(Nfnetlink.SubsysCtnetlink, CtMsg.IPCTNL_MSG_CT_GET, NetlinkSocket.NLM_F_REQUEST | NetlinkSocket.NLM_F_DUMP, (byte)family);
        filter?.WriteKernelFilter(_writer);
        _writer.EndMessage(seq);
        var backend = Backend;
        var labels = LabelMap;
        var wanted = Nfnetlink.MessageType(Nfnetlink.SubsysCtnetlink, CtMsg.IPCTNL_MSG_CT_NEW);
        return _socket.Dump(_writer, seq, "dump conntrack table", (in NetlinkMessage m) =>
        {
            if (m.Type != wanted) return;
            var ct = FlowCodec.Decode(m.NetfilterFamily, m.NetfilterAttributes, backend, labels);
            if (filter is null || filter.Matches(ct)) onConnection(ct);
        }, cancel);
    }

    /// <summary>Dumps the expectation table.</summary>
    public DumpResult DumpExpectations(CtExpectationFilter? filter, Action<CtExpectation> onExpectation, CancellationToken cancel = default)
    {
        var family = filter?.Family ?? CtFamily.Unspecified;
        var seq = Begin(Nfnetlink.SubsysCtnetlinkExp, CtMsg.IPCTNL_MSG_EXP_GET, NetlinkSocket.NLM_F_REQUEST | NetlinkSocket.NLM_F_DUMP, (byte)family);
        _writer.EndMessage(seq);
        var backend = Backend;
        var wanted = Nfnetlink.MessageType(Nfnetlink.SubsysCtnetlinkExp, CtMsg.IPCTNL_MSG_EXP_NEW);
        return _socket.Dump(_writer, seq, "dump expectation table", (in NetlinkMessage m) =>
        {
            if (m.Type != wanted) return;
            var exp = ExpectCodec.Decode(m.NetfilterFamily, m.NetfilterAttributes, backend);
            if (filter is null || filter.Matches(exp)) onExpectation(exp);
        }, cancel);
    }

    /// <summary>The table count and limit, with the per-CPU counters of `conntrack -S` and `conntrack -S expect`.</summary>
    public CtStatistic GetStatistics()
    {
        var stats = new CtStatistic { Backend = Backend };
        var byCpu = new SortedDictionary<int, CtCpuStatistic>();
        CtCpuStatistic Cpu(int n)
        {
            if (!byCpu.TryGetValue(n, out var c)) byCpu[n] = c = new CtCpuStatistic { Cpu = n, Backend = Backend };
            return c;
        }

        var seq = Begin(Nfnetlink.SubsysCtnetlink, CtMsg.IPCTNL_MSG_CT_GET_STATS_CPU, NetlinkSocket.NLM_F_REQUEST | NetlinkSocket.NLM_F_DUMP, Nfnetlink.AF_UNSPEC);
        _writer.EndMessage(seq);
        _socket.Dump(_writer, seq, "read conntrack statistics", (in NetlinkMessage m) =>
            StatsCodec.DecodeCpu(m.NetfilterAttributes, Cpu(m.NetfilterResourceId)));

        seq = Begin(Nfnetlink.SubsysCtnetlinkExp, CtMsg.IPCTNL_MSG_EXP_GET_STATS_CPU, NetlinkSocket.NLM_F_REQUEST | NetlinkSocket.NLM_F_DUMP, Nfnetlink.AF_UNSPEC);
        _writer.EndMessage(seq);
        _socket.Dump(_writer, seq, "read expectation statistics", (in NetlinkMessage m) =>
            StatsCodec.DecodeExpectCpu(m.NetfilterAttributes, Cpu(m.NetfilterResourceId)));

        seq = Begin(Nfnetlink.SubsysCtnetlink, CtMsg.IPCTNL_MSG_CT_GET_STATS, NetlinkSocket.NLM_F_REQUEST | NetlinkSocket.NLM_F_ACK, Nfnetlink.AF_UNSPEC);
        _writer.EndMessage(seq);
        _socket.Execute(_writer, seq, "read conntrack count", (in NetlinkMessage m) => StatsCodec.DecodeGlobal(m.NetfilterAttributes, stats));

        stats.Cpus = [.. byCpu.Values];
        StatsCodec.Sum(stats);
        return stats;
    }

    private uint Begin(byte subsystem, byte message, ushort flags, byte family)
    {
        _writer.Reset();
        _writer.BeginMessage(Nfnetlink.MessageType(subsystem, message), flags);
        _writer.PutNfGenMsg(family);
        return _socket.NextSequence();
    }

    public void Dispose() => _socket.Dispose();
}
