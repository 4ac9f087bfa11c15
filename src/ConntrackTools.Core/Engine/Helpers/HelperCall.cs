using System.Buffers.Binary;

namespace ConntrackTools.Engine.Helpers;

/// <summary>
/// What a helper sees of the connection it is called for, and what it may do: the kernel's
/// (skb, ct, ctinfo) and the nf_ct_expect_* calls. One instance per engine, refilled for each
/// call; a helper must not keep it.
/// </summary>
internal sealed class HelperCall
{
    private readonly ConntrackEngine _engine;

    internal HelperCall(ConntrackEngine engine) => _engine = engine;

    internal int FlowIndex { get; set; }
    internal FlowHelp Help { get; set; } = null!;

    public CtInfo Info { get; internal set; }

    /// <summary>0 for the original direction, 1 for the reply (CTINFO2DIR).</summary>
    public int Direction => Info >= CtInfo.EstablishedReply ? 1 : 0;
    public CtFamily Family => Original.Family;
    public QuotedTuple Original { get; internal set; }
    public QuotedTuple Reply { get; internal set; }

    /// <summary>ct->tuplehash[dir].tuple.</summary>
    public QuotedTuple Tuple(int direction) => direction == 0 ? Original : Reply;
    public ushort Zone { get; internal set; }
    public CtStatus Status { get; internal set; }

    /// <summary>The master's original tuple, for an expected connection.</summary>
    public QuotedTuple? Master { get; internal set; }

    /// <summary>The packet's time, Unix nanoseconds.</summary>
    public long NowNs => _engine.NowNs;

    /// <summary>The helper's per-connection data (nfct_help_data), created by the helper on first use.</summary>
    public object? State { get => Help.State; set => Help.State = value; }

    /// <summary>The helper attached to this connection.</summary>
    public ConntrackHelper Helper => Help.Helper!;

    /// <summary>A module option as the engine is set up ("loose" of nf_conntrack_ftp), or its default.</summary>
    public long Option(string name)
    {
        var helper = Helper;
        var full = helper.OptionName(name);
        if (_engine.Settings.TryGetHelperOption(full, out var v)) return v;
        foreach (var o in helper.Options) if (o.Name == name) return o.Default;
        throw new ArgumentException($"{helper.Name} has no option '{name}'.", nameof(name));
    }

    /// <summary>nf_ct_expect_alloc + nf_ct_expect_init: a null source address or port is a wildcard.</summary>
    public Expectation NewExpectation(int expectClass, CtFamily family, UInt128? source, UInt128 destination, CtProtocol protocol, ushort? sourcePort, ushort destinationPort) => new()
    {
        Class = expectClass,
        Family = family,
        Protocol = protocol,
        Source = source ?? 0,
        SourceMask = source is null ? 0 : family == CtFamily.IPv4 ? uint.MaxValue : UInt128.MaxValue,
        Destination = destination,
        SourcePort = sourcePort ?? 0,
        SourcePortMask = sourcePort is null ? (ushort)0 : ushort.MaxValue,
        DestinationPort = destinationPort,
        MasterIndex = FlowIndex,
    };

    /// <summary>nf_ct_expect_related: checks, evicts, inserts and reports it; anything but Added means the kernel's call failed.</summary>
    public ExpectResult ExpectRelated(Expectation expectation, bool skipMaster = false) => _engine.ExpectRelated(this, expectation, skipMaster);

    /// <summary>This connection's live expectations, newest first (help->expectations).</summary>
    public IReadOnlyList<Expectation> Expectations => Help.Expectations;

    /// <summary>nf_ct_unexpect_related / nf_ct_remove_expect: false when it was already gone.</summary>
    public bool RemoveExpectation(Expectation expectation) => _engine.RemoveExpectation(expectation);

    /// <summary>nf_ct_expect_find_get: the live expectation a connection with this tuple would match, in this zone.</summary>
    public Expectation? FindExpectation(in QuotedTuple tuple) => _engine.FindExpectation(tuple, Zone, activeOnly: false);

    /// <summary>Restarts an expectation's timer (SIP refreshes registrations).</summary>
    public void SetExpectationTimeout(Expectation expectation, uint seconds) => _engine.SetExpectationTimeout(expectation, seconds);

    /// <summary>nf_ct_refresh: this connection now expires <paramref name="seconds"/> from now.</summary>
    public void Refresh(uint seconds) => _engine.RefreshFlow(FlowIndex, seconds);

    /// <summary>Kills the connection with this tuple (either direction) in this zone, as nf_ct_kill does; false when none.</summary>
    public bool KillConnection(in QuotedTuple tuple) => _engine.KillFlow(tuple, Zone);

    /// <summary>nf_ct_gre_keymap_add: GRE packets matching <paramref name="tuple"/> (addresses and destination key) get its source key.</summary>
    public void AddGreKeymap(in QuotedTuple tuple) => _engine.GreKeymap.Add(FlowIndex, tuple);

    /// <summary>nf_ct_gre_keymap_destroy: forgets this connection's GRE keys.</summary>
    public void RemoveGreKeymaps() => _engine.GreKeymap.RemoveAll(FlowIndex);

    /// <summary>nf_ct_helper_log: why the helper dropped a packet or refused to expect.</summary>
    public void Log(string message) => _engine.HelperLog(Helper.Name, message);

    /// <summary>The TCP payload of a segment and its sequence number; false when there is none (no data, or a short header).</summary>
    public static bool TcpPayload(ReadOnlySpan<byte> l4, out ReadOnlySpan<byte> payload, out uint seq)
    {
        payload = default;
        seq = 0;
        if (l4.Length < 20) return false;
        var doff = (l4[12] >> 4) * 4;
        seq = BinaryPrimitives.ReadUInt32BigEndian(l4[4..]);
        if (doff < 20 || doff >= l4.Length) return false;
        payload = l4[doff..];
        return true;
    }

    /// <summary>The UDP payload (after the 8-byte header); false when the datagram is shorter than its header.</summary>
    public static bool UdpPayload(ReadOnlySpan<byte> l4, out ReadOnlySpan<byte> payload)
    {
        payload = l4.Length >= 8 ? l4[8..] : default;
        return l4.Length >= 8;
    }

    /// <summary>An address as a tuple holds it, from 4 or 16 bytes in network order.</summary>
    public static UInt128 Address(ReadOnlySpan<byte> bytes) =>
        bytes.Length == 4 ? BinaryPrimitives.ReadUInt32BigEndian(bytes) : BinaryPrimitives.ReadUInt128BigEndian(bytes);
}

/// <summary>A connection's helper extension (struct nf_conn_help): its helper, data and expectations.</summary>
internal sealed class FlowHelp
{
    public ConntrackHelper? Helper;
    public object? State;

    /// <summary>Newest first, as the kernel's hlist_add_head keeps them.</summary>
    public readonly List<Expectation> Expectations = [];
    public int[] Expecting = new int[4];

    /// <summary>For an expected connection: its master's original tuple (ct->master).</summary>
    public FlowKey? Master;
}

/// <summary>
/// The GRE keymap (nf_conntrack_proto_gre.c): PPTP tells the tracker which call id a GRE packet's
/// tuple carries as its source key, since a GRE header carries only the destination's.
/// </summary>
internal sealed class GreKeymap
{
    private readonly List<(int Owner, QuotedTuple Tuple)> _entries = [];

    public int Count => _entries.Count;

    /// <summary>Adds an entry; the kernel keeps equal entries of other connections too, and the helper limits its own.</summary>
    public void Add(int owner, in QuotedTuple tuple) => _entries.Add((owner, tuple));

    public void RemoveAll(int owner) => _entries.RemoveAll(e => e.Owner == owner);

    /// <summary>The source key for a GRE tuple, or 0 (gre_keymap_lookup).</summary>
    public ushort Lookup(in QuotedTuple t)
    {
        foreach (var (_, k) in _entries)
            if (k.Family == t.Family && k.Source == t.Source && k.Destination == t.Destination && k.DestinationId == t.DestinationId)
                return k.SourceId;
        return 0;
    }
}
