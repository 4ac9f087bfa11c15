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
    public DumpResult DumpConnections(CtConnectionFilter? filter, Action<CtConnection> onConnection, CancellationToken cancel = default) =>
        DumpConnections(filter, onConnection, cancel, CtMsg.IPCTNL_MSG_CT_GET);

    private DumpResult DumpConnections(CtConnectionFilter? filter, Action<CtConnection> onConnection, CancellationToken cancel, byte message)
    {
        filter?.Validate();
        var family = filter?.EffectiveFamily ?? CtFamily.Unspecified;
        var seq = Begin(Nfnetlink.SubsysCtnetlink, message, NetlinkSocket.NLM_F_REQUEST | NetlinkSocket.NLM_F_DUMP, (byte)family);
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

    /// <summary>
    /// Reads connections and zeroes their counters in the same step (IPCTNL_MSG_CT_GET_CTRZERO,
    /// `conntrack -L -z`): each entry carries the counters it had. Without a filter the whole table
    /// is read and zeroed in one dump. With one, the kernel would zero every entry it dumps, also
    /// those only the reader filters out, so the matches are found first and zeroed one by one.
    /// </summary>
    public DumpResult DumpConnectionsAndZeroCounters(CtConnectionFilter? filter, Action<CtConnection> onConnection, CancellationToken cancel = default)
    {
        ArgumentNullException.ThrowIfNull(onConnection);
        if (filter is null || filter.IsEmpty)
            return DumpConnections(filter, onConnection, cancel, CtMsg.IPCTNL_MSG_CT_GET_CTRZERO);
        var matches = new List<CtConnection>();
        var result = DumpConnections(filter, matches.Add, cancel, CtMsg.IPCTNL_MSG_CT_GET);
        foreach (var ct in matches)
        {
            cancel.ThrowIfCancellationRequested();
            if (Get(ct, CtMsg.IPCTNL_MSG_CT_GET_CTRZERO) is { } zeroed) onConnection(zeroed);
        }
        return result;
    }

    /// <summary>
    /// Creates a connection (IPCTNL_MSG_CT_NEW with NLM_F_CREATE|NLM_F_EXCL, as `conntrack -I`).
    /// Complete it with <see cref="ConnectionRequest.Complete"/> first. EEXIST when it exists.
    /// </summary>
    public void CreateConnection(CtConnection ct)
    {
        ArgumentNullException.ThrowIfNull(ct);
        var seq = Begin(Nfnetlink.SubsysCtnetlink, CtMsg.IPCTNL_MSG_CT_NEW,
            NetlinkSocket.NLM_F_REQUEST | NetlinkSocket.NLM_F_ACK | NetlinkSocket.NLM_F_CREATE | NetlinkSocket.NLM_F_EXCL, (byte)ct.Family);
        FlowWriter.WriteCreate(_writer, ct);
        _writer.EndMessage(seq);
        _socket.Execute(_writer, seq, "create connection");
    }

    /// <summary>Changes an existing connection (IPCTNL_MSG_CT_NEW without NLM_F_CREATE, as `conntrack -U`). ENOENT when it is gone.</summary>
    public void UpdateConnection(CtConnection ct, CtConnectionChange change)
    {
        ArgumentNullException.ThrowIfNull(ct);
        ArgumentNullException.ThrowIfNull(change);
        if (change.AddStatus is not null)
        {
            // The status sent replaces the kernel's: start from what it holds now, not from a
            // possibly older copy, or bits set since (SEEN_REPLY, ASSURED) would be "cleared" (EBUSY).
            ct = GetConnection(ct) ?? throw new NetlinkException(Native.ENOENT, "update connection");
        }
        var seq = Begin(Nfnetlink.SubsysCtnetlink, CtMsg.IPCTNL_MSG_CT_NEW, NetlinkSocket.NLM_F_REQUEST | NetlinkSocket.NLM_F_ACK, (byte)ct.Family);
        FlowWriter.WriteUpdate(_writer, ct, change);
        _writer.EndMessage(seq);
        _socket.Execute(_writer, seq, "update connection");
    }

    /// <summary>
    /// Reads one connection back by its original tuple and zone (IPCTNL_MSG_CT_GET), or null when
    /// the kernel has none.
    /// </summary>
    public CtConnection? GetConnection(CtConnection ct) => Get(ct, CtMsg.IPCTNL_MSG_CT_GET);

    private CtConnection? Get(CtConnection ct, byte message)
    {
        ArgumentNullException.ThrowIfNull(ct);
        var seq = Begin(Nfnetlink.SubsysCtnetlink, message, NetlinkSocket.NLM_F_REQUEST | NetlinkSocket.NLM_F_ACK, (byte)ct.Family);
        FlowWriter.WriteIdentity(_writer, ct, withId: false);
        _writer.EndMessage(seq);
        CtConnection? found = null;
        var backend = Backend;
        var labels = LabelMap;
        try
        {
            _socket.Execute(_writer, seq, "get connection", (in NetlinkMessage m) =>
                found = FlowCodec.Decode(m.NetfilterFamily, m.NetfilterAttributes, backend, labels));
        }
        catch (NetlinkException ex) when (ex.Errno == Native.ENOENT)
        {
            return null;
        }
        return found;
    }

    /// <summary>
    /// Deletes one connection by original tuple, zone and id (IPCTNL_MSG_CT_DELETE), so an entry
    /// that was replaced since it was read is not hit. ENOENT when it is gone.
    /// </summary>
    public void DeleteConnection(CtConnection ct) => DeleteConnection(ct, matchId: true);

    /// <summary>
    /// Deletes one connection by original tuple and zone; with <paramref name="matchId"/> only if
    /// it still has the id it was read with (an entry copied from elsewhere has another id).
    /// </summary>
    public void DeleteConnection(CtConnection ct, bool matchId)
    {
        ArgumentNullException.ThrowIfNull(ct);
        if (ct.Original.Source is null || ct.Original.Destination is null)
            throw new ArgumentException("The connection to delete has no original tuple; without one the kernel would flush the whole table.", nameof(ct));
        var seq = Begin(Nfnetlink.SubsysCtnetlink, CtMsg.IPCTNL_MSG_CT_DELETE, NetlinkSocket.NLM_F_REQUEST | NetlinkSocket.NLM_F_ACK, (byte)ct.Family);
        FlowWriter.WriteIdentity(_writer, ct, withId: matchId);
        _writer.EndMessage(seq);
        _socket.Execute(_writer, seq, "delete connection");
    }

    /// <summary>
    /// Flushes the table (IPCTNL_MSG_CT_DELETE without a tuple), all of it or, through the kernel's
    /// filtered flush (ctnetlink_flush_conntrack), only one family, mark/mask, zone or status.
    /// </summary>
    public void FlushConnections(CtFamily family = CtFamily.Unspecified, uint? mark = null, uint? markMask = null, ushort? zone = null, CtStatus? status = null)
    {
        // NFNETLINK_V1 tells the kernel to honour nfgen_family; version 0 flushes every family.
        var seq = Begin(Nfnetlink.SubsysCtnetlink, CtMsg.IPCTNL_MSG_CT_DELETE, NetlinkSocket.NLM_F_REQUEST | NetlinkSocket.NLM_F_ACK, (byte)family, version: 1);
        if (mark is { } m)
        {
            _writer.PutU32BE(Cta.CTA_MARK, m);
            _writer.PutU32BE(Cta.CTA_MARK_MASK, markMask ?? uint.MaxValue);
        }
        if (zone is { } z) _writer.PutU16BE(Cta.CTA_ZONE, z);
        if (status is { } s)
        {
            _writer.PutU32BE(Cta.CTA_STATUS, (uint)s);
            _writer.PutU32BE(Cta.CTA_STATUS_MASK, (uint)s);
        }
        _writer.EndMessage(seq);
        _socket.Execute(_writer, seq, "flush connection table");
    }

    /// <summary>Creates an expectation (IPCTNL_MSG_EXP_NEW, as `conntrack -I expect`); its master must exist.</summary>
    public void CreateExpectation(CtExpectation exp)
    {
        ArgumentNullException.ThrowIfNull(exp);
        var seq = Begin(Nfnetlink.SubsysCtnetlinkExp, CtMsg.IPCTNL_MSG_EXP_NEW,
            NetlinkSocket.NLM_F_REQUEST | NetlinkSocket.NLM_F_ACK | NetlinkSocket.NLM_F_CREATE | NetlinkSocket.NLM_F_EXCL, (byte)exp.Family);
        ExpectCodec.WriteCreate(_writer, exp);
        _writer.EndMessage(seq);
        _socket.Execute(_writer, seq, "create expectation");
    }

    /// <summary>Deletes one expectation by tuple and id (IPCTNL_MSG_EXP_DELETE).</summary>
    public void DeleteExpectation(CtExpectation exp)
    {
        ArgumentNullException.ThrowIfNull(exp);
        if (exp.Tuple.Source is null && exp.Tuple.Destination is null)
            throw new ArgumentException("The expectation to delete has no tuple; without one the kernel would flush them all.", nameof(exp));
        var seq = Begin(Nfnetlink.SubsysCtnetlinkExp, CtMsg.IPCTNL_MSG_EXP_DELETE, NetlinkSocket.NLM_F_REQUEST | NetlinkSocket.NLM_F_ACK, (byte)exp.Family);
        TupleCodec.Encode(_writer, Cta.CTA_EXPECT_TUPLE, exp.Tuple);
        if (exp.Zone != 0) _writer.PutU16BE(Cta.CTA_EXPECT_ZONE, exp.Zone);
        if (exp.Id != 0) _writer.PutU32BE(Cta.CTA_EXPECT_ID, exp.Id);
        _writer.EndMessage(seq);
        _socket.Execute(_writer, seq, "delete expectation");
    }

    /// <summary>Flushes the expectation table, or only one helper's expectations (CTA_EXPECT_HELP_NAME).</summary>
    public void FlushExpectations(string? helper = null)
    {
        var seq = Begin(Nfnetlink.SubsysCtnetlinkExp, CtMsg.IPCTNL_MSG_EXP_DELETE, NetlinkSocket.NLM_F_REQUEST | NetlinkSocket.NLM_F_ACK, Nfnetlink.AF_UNSPEC);
        if (!string.IsNullOrEmpty(helper)) _writer.PutString(Cta.CTA_EXPECT_HELP_NAME, helper);
        _writer.EndMessage(seq);
        _socket.Execute(_writer, seq, "flush expectation table");
    }

    private uint Begin(byte subsystem, byte message, ushort flags, byte family, byte version = 0)
    {
        _writer.Reset();
        _writer.BeginMessage(Nfnetlink.MessageType(subsystem, message), flags);
        _writer.PutNfGenMsg(family, version: version);
        return _socket.NextSequence();
    }

    public void Dispose() => _socket.Dispose();
}
