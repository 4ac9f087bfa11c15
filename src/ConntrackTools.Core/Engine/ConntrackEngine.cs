using System.Buffers.Binary;
using System.Net;
using ConntrackTools.Engine.Helpers;

namespace ConntrackTools.Engine;

/// <summary>
/// The userspace connection tracker: packets in, the kernel's table and events out. It follows
/// nf_conntrack_in for every packet: defragment, raw-table rules (notrack, zone, mark), ICMP
/// errors RELATED to the flow they quote, lookup from either direction, the protocol tracker,
/// confirm (NEW), accounting, SEEN_REPLY, and one UPDATE or DESTROY per packet from the event
/// bits it set. Time is the packets' time: entries expire when a later packet's timestamp passes
/// their timeout, so a capture always gives the same result. Not thread-safe: the owner
/// serialises access (see <see cref="EngineHost"/>).
/// </summary>
public sealed class ConntrackEngine
{
    private const long NsPerSecond = 1_000_000_000;
    private readonly FlowTable _table = new();
    private readonly TimerHeap _timers = new();
    private long _epochNs = long.MinValue; // timers count milliseconds from the first packet
    private readonly Defragmenter _defrag = new();
    private readonly ConntrackLookup _lookup;
    private readonly Listeners<CtEvent> _listeners = new();
    private uint _nextId = 1;
    private long _now;
    private long _nextExpiry = long.MaxValue;

    // Helpers and expectations (nf_conntrack_helper.c, nf_conntrack_expect.c).
    private readonly Dictionary<int, FlowHelp> _help = [];
    // Live expectations by destination (address, port, protocol), as the kernel hashes them; each list oldest first.
    private readonly Dictionary<(UInt128, ushort, byte, CtFamily), List<Expectation>> _expectations = [];
    private int _expectationCount;
    private readonly Listeners<CtExpectationEvent> _expectationListeners = new();
    private readonly HelperCall _call;
    private readonly GreKeymapLookup _greLookup;
    private readonly Queue<string> _helperLog = new();
    private uint _nextExpectationId = 1;
    private long _nextExpectationExpiry = long.MaxValue;

    public ConntrackEngine(string name, EngineSettings? settings = null)
    {
        Name = name;
        Settings = settings ?? new EngineSettings();
        Backend = $"engine:{name}";
        _lookup = Lookup;
        _call = new HelperCall(this);
        _greLookup = (in QuotedTuple t) => GreKeymap.Lookup(t);
    }

    public string Name { get; }
    public string Backend { get; }
    public EngineSettings Settings { get; }

    /// <summary>The time of the latest packet (Unix nanoseconds), the engine's "now".</summary>
    public long NowNs => _now;

    /// <summary>Entries in the table.</summary>
    public int Count => _table.Count;

    // Counters, as conntrack -S names them where they exist.
    public long Packets { get; private set; }
    public long NotIp { get; private set; }
    public long Invalid { get; private set; }
    public long Untracked { get; private set; }
    public long Related { get; private set; }
    public long Found { get; private set; }
    public long New { get; private set; }
    public long Deleted { get; private set; }
    public long Dropped { get; private set; }
    public long Truncated { get; private set; }
    public long Fragments { get; private set; }

    // conntrack -S expect
    public long ExpectationsNew { get; private set; }
    public long ExpectationsCreated { get; private set; }
    public long ExpectationsDeleted { get; private set; }

    /// <summary>Expectations alive now.</summary>
    public int ExpectationCount => _expectationCount;

    /// <summary>nf_ct_helper_log's messages, the latest 100: why a helper dropped a packet or could not expect.</summary>
    public IReadOnlyList<string> HelperMessages { get { lock (_helperLog) return [.. _helperLog]; } }

    internal GreKeymap GreKeymap { get; } = new();

    /// <summary>Bytes held by the flow table (flows and index), for the memory figure per flow.</summary>
    internal long TableBytes => _table.BytesAllocated + _timers.BytesAllocated;

    /// <summary>Receives every event as it is made (on the thread that feeds packets).</summary>
    public void Subscribe(Action<CtEvent> listener) => _listeners.Add(listener);

    public void Unsubscribe(Action<CtEvent> listener) => _listeners.Remove(listener);

    /// <summary>Receives every expectation event (NEW, DESTROY) as it is made.</summary>
    public void SubscribeExpectations(Action<CtExpectationEvent> listener) => _expectationListeners.Add(listener);

    public void UnsubscribeExpectations(Action<CtExpectationEvent> listener) => _expectationListeners.Remove(listener);

    /// <summary>Feeds one captured frame.</summary>
    public void Process(LinkType link, ReadOnlySpan<byte> frame, int originalLength, long timestampNs)
    {
        Packets++;
        Advance(timestampNs);
        var result = PacketParser.Parse(link, frame, originalLength, out var p);
        switch (result)
        {
            case ParseResult.Ok:
                Track(ref p);
                return;
            case ParseResult.NotIp:
                NotIp++;
                return;
            case ParseResult.Truncated:
                Truncated++;
                return;
            case ParseResult.Malformed:
                if (!p.IpLayerDrop) Invalid++;
                return;
            case ParseResult.Fragment:
                Fragments++;
                var d = _defrag.Defragment(p.Datagram, timestampNs, out var whole);
                if (d == DefragmentResult.Reassembled)
                {
                    if (PacketParser.Parse(LinkType.Raw, whole.Span, out var q) == ParseResult.Ok) Track(ref q);
                    else Invalid++;
                }
                else if (d == DefragmentResult.PassThrough)
                {
                    if (PacketParser.ParseUnreassembled(p.Datagram, out var q) == ParseResult.Ok) Track(ref q);
                    else Invalid++;
                }
                return;
        }
    }

    /// <summary>Moves the clock to <paramref name="timestampNs"/> (never back) and expires what timed out by then, in expiry order.</summary>
    public void Advance(long timestampNs)
    {
        if (_epochNs == long.MinValue) _epochNs = timestampNs;
        if (timestampNs > _now) _now = timestampNs;
        if (_now >= _nextExpectationExpiry) ExpireExpectations();
        if (_now < _nextExpiry) return;
        var nowMs = Ms(_now);
        while (_timers.TryPeek(out var dueMs, out var index) && dueMs <= nowMs)
        {
            _timers.Pop();
            ref var f = ref _table[index];
            if (!f.InUse) continue;                          // freed since
            if (f.ExpiresNs > _now)
            {
                if (Ms(f.ExpiresNs) > dueMs) Schedule(index, f.ExpiresNs); // refreshed since: look again then
                continue;
            }
            Destroy(index, f.ExpiresNs);
        }
        _nextExpiry = _timers.TryPeek(out var next, out _) ? _epochNs + (long)next * 1_000_000 : long.MaxValue;
    }

    private uint Ms(long ns) => (uint)Math.Clamp((ns - _epochNs + 999_999) / 1_000_000, 0, uint.MaxValue);

    private void Schedule(int index, long expiresNs)
    {
        _timers.Push(Ms(expiresNs), index);
        var due = _epochNs + (long)Ms(expiresNs) * 1_000_000;
        if (due < _nextExpiry) _nextExpiry = due;
    }

    private void Track(ref ParsedPacket p)
    {
        // Raw table, before conntrack: notrack, zone, mark.
        ushort zone = 0;
        uint mark = 0;
        ConntrackHelper? helper = null;
        var rules = Settings.Rules;
        if (rules.Count > 0)
        {
            var hasPorts = KindOf(p.Protocol) == TupleKind.Ports;
            for (var i = 0; i < rules.Count; i++)
            {
                var r = rules[i];
                if (!r.Matches(p.Family, p.Protocol, p.Source, p.Destination, p.SourcePort, p.DestinationPort, hasPorts)) continue;
                switch (r.Action)
                {
                    case EngineRuleAction.NoTrack:
                        Untracked++;
                        return;
                    case EngineRuleAction.Zone:
                        zone = (ushort)r.Value;
                        break;
                    case EngineRuleAction.Mark:
                        mark = r.Value;
                        break;
                    case EngineRuleAction.Helper:
                        // nft_ct_helper_obj_eval: the object's protocol must be the packet's; the first one set wins.
                        helper ??= r.HelperFor((CtProtocol)p.Protocol, p.Family);
                        break;
                }
            }
        }

        // ICMP errors quoting a tracked flow are RELATED to it (nf_conntrack_handle_icmp).
        if (p.Protocol == (byte)CtProtocol.Icmp && p.Family == CtFamily.IPv4)
        {
            _zone = zone;
            Span<byte> dst = stackalloc byte[4];
            BinaryPrimitives.WriteUInt32BigEndian(dst, (uint)p.Destination);
            switch (IcmpTracker.Error(p.L4, dst, _lookup, out _, GreKeymap.Count > 0 ? _greLookup : null))
            {
                case IcmpErrorResult.Related: Related++; return;
                case IcmpErrorResult.Invalid: Invalid++; return;
                case IcmpErrorResult.Untracked: Untracked++; return;
            }
        }
        else if (p.Protocol == (byte)CtProtocol.IcmpV6 && p.Family == CtFamily.IPv6)
        {
            _zone = zone;
            Span<byte> src = stackalloc byte[16];
            Span<byte> dst = stackalloc byte[16];
            BinaryPrimitives.WriteUInt128BigEndian(src, p.Source);
            BinaryPrimitives.WriteUInt128BigEndian(dst, p.Destination);
            var hopLimit = p.Datagram.Length > 7 ? p.Datagram[7] : (byte)0;
            switch (IcmpV6Tracker.Error(p.L4, src, dst, hopLimit, _lookup, out _, GreKeymap.Count > 0 ? _greLookup : null))
            {
                case IcmpErrorResult.Related: Related++; return;
                case IcmpErrorResult.Invalid: Invalid++; return;
                case IcmpErrorResult.Untracked: Untracked++; return;
            }
        }

        var tuple = new QuotedTuple { Family = p.Family, Protocol = p.Protocol, Source = p.Source, Destination = p.Destination };
        switch (KindOf(p.Protocol))
        {
            case TupleKind.Ports:
                tuple.SourceId = p.SourcePort;
                tuple.DestinationId = p.DestinationPort;
                break;
            case TupleKind.Icmp:
                tuple.SourceId = p.IcmpId;
                tuple.DestinationId = (ushort)(p.IcmpType << 8 | p.IcmpCode);
                break;
            case TupleKind.Keys:
                tuple.DestinationId = (ushort)p.GreKey;
                if (GreKeymap.Count > 0 && GreTracker.IsEnhanced(p.L4)) tuple.SourceId = GreKeymap.Lookup(tuple); // version 1 (PPTP) only
                break;
        }

        while (true)
        {
            var index = _table.Find(tuple, zone, out var reply);
            if (index < 0)
            {
                NewFlow(ref p, tuple, zone, mark, helper);
                return;
            }
            Found++;
            if (!Existing(index, reply, ref p)) return;
            // Repeat: the old entry died (TCP SYN reopening TIME_WAIT); look the packet up again.
        }
    }

    private ushort _zone; // the zone of the packet whose ICMP error is being looked up

    private bool Lookup(in QuotedTuple tuple, out bool replyDirection) => _table.Find(tuple, _zone, out replyDirection) >= 0;

    private void NewFlow(ref ParsedPacket p, in QuotedTuple tuple, ushort zone, uint mark, ConntrackHelper? ruleHelper)
    {
        // Which packets may create an entry (the trackers' new() checks and invert failures).
        var proto = (CtProtocol)p.Protocol;
        if (proto == CtProtocol.Icmp && !IcmpTracker.IsValidNew(p.IcmpType)) { Invalid++; return; }
        if (proto == CtProtocol.IcmpV6 && !IcmpV6Tracker.IsValidNew(p.IcmpType)) { Invalid++; return; }
        if (_table.Count >= Settings.Max) { Dropped++; return; }

        var index = _table.Allocate();
        ref var f = ref _table[index];
        f.Key = FlowKey.From(tuple, zone);
        f.Mark = mark;
        f.StartNs = _now;

        // init_conntrack: an expected connection is RELATED to its master; any other may get a helper.
        var exp = _expectationCount > 0 ? TakeExpectation(tuple, zone) : null;
        FlowHelp? help = null;
        if (exp is not null)
        {
            f.Status |= CtStatus.Expected;
            f.Mark = _table[exp.MasterIndex].Mark;
            help = new FlowHelp { Master = exp.MasterKey, Helper = exp.AssignHelper };
            ExpectationsNew++;
        }
        if (help?.Helper is null)
        {
            var assign = ruleHelper;
            if (assign is not null) f.Status |= CtStatus.Helper; // nft ct helper set, like the CT target, marks it explicit
            else if (exp is null && Settings.AutomaticHelpers) assign = HelperRegistry.ByPort(tuple.Family, (CtProtocol)tuple.Protocol, tuple.DestinationId);
            if (assign is not null) (help ??= new FlowHelp()).Helper = assign;
        }
        if (help is not null)
        {
            _help[index] = help;
            f.Extensions |= FlowExtensions.Help;
        }
        if (exp?.ArrivalAction is { } arrived)
        {
            PrepareCall(index, help ?? new FlowHelp(), CtInfo.Related);
            arrived(_call, exp);
        }

        var events = ConntrackEvents.None;
        var verdict = RunTracker(ref f, reply: false, ref p, ref events, isNew: true, out var timeout);
        if (verdict is not (TrackerVerdict.Accept or TrackerVerdict.AcceptNoRefresh))
        {
            ReleaseNew(index);
            if (verdict == TrackerVerdict.Drop) Dropped++; else Invalid++;
            return;
        }
        f.ExpiresNs = _now + timeout * NsPerSecond;
        // nf_confirm: the helper reads the first packet too, before the entry is confirmed.
        if (help?.Helper is not null && CallHelper(index, exp is null ? CtInfo.New : CtInfo.Related, p.L4) == HelperVerdict.Drop)
        {
            ReleaseNew(index);
            Dropped++;
            return;
        }
        // nf_conntrack_confirm: the entry enters the table; NEW carries the state after this packet.
        f.Status |= CtStatus.Confirmed;
        f.Id = _nextId++;
        Account(ref f, reply: false, p.Length);
        _table.Insert(index);
        New++;
        Schedule(index, f.ExpiresNs);
        if (_listeners.Any) Emit(CtEventType.New, index);
    }

    /// <summary>A packet of an existing flow; false when done, true when it must be looked up again (Repeat).</summary>
    private bool Existing(int index, bool reply, ref ParsedPacket p)
    {
        ref var f = ref _table[index];
        // resolve_normal_ct: ctinfo as the packet arrives (SEEN_REPLY is set only after the tracker).
        var info = reply ? CtInfo.EstablishedReply
            : (f.Status & CtStatus.SeenReply) != 0 ? CtInfo.Established
            : (f.Status & CtStatus.Expected) != 0 ? CtInfo.Related : CtInfo.New;
        var events = ConntrackEvents.None;
        var verdict = RunTracker(ref f, reply, ref p, ref events, isNew: false, out var timeout);
        switch (verdict)
        {
            case TrackerVerdict.Repeat:
                Destroy(index, _now);
                return true;
            case TrackerVerdict.Invalid:
                Invalid++;
                if (timeout != 0) SetExpiry(ref f, index, _now + timeout * NsPerSecond);
                break;
            case TrackerVerdict.Drop:
                Dropped++;
                break;
            case TrackerVerdict.Accept:
                if ((events & ConntrackEvents.Destroy) != 0)
                {
                    // nf_ct_kill_acct: counted, then gone; only DESTROY is reported.
                    Account(ref f, reply, p.Length);
                    Destroy(index, _now);
                    return false;
                }
                if ((f.Status & CtStatus.FixedTimeout) == 0) SetExpiry(ref f, index, _now + timeout * NsPerSecond);
                Account(ref f, reply, p.Length);
                goto case TrackerVerdict.AcceptNoRefresh;
            case TrackerVerdict.AcceptNoRefresh:
                // nf_conntrack_in, after the tracker: the first accepted reply sets SEEN_REPLY.
                if (reply && (f.Status & CtStatus.SeenReply) == 0)
                {
                    f.Status |= CtStatus.SeenReply;
                    events |= ConntrackEvents.Reply;
                }
                if ((f.Extensions & FlowExtensions.Help) != 0 && CallHelper(index, info, p.L4) == HelperVerdict.Drop) Dropped++;
                break;
        }
        if (events != ConntrackEvents.None && _listeners.Any) Emit(CtEventType.Update, index);
        return false;
    }

    private TrackerVerdict RunTracker(ref Flow f, bool reply, ref ParsedPacket p, ref ConntrackEvents events, bool isNew, out uint timeout)
    {
        var t = Settings.Timeouts;
        switch ((CtProtocol)p.Protocol)
        {
            case CtProtocol.Tcp:
                {
                    if (!TcpSegment.TryParse(p.L4, out var seg)) { timeout = 0; return TrackerVerdict.Invalid; }
                    if (isNew && !TcpTracker.TryNew(ref f.Proto.Tcp, seg, p.L4.Length, Settings.Tcp)) { timeout = 0; return TrackerVerdict.Invalid; }
                    var left = f.ExpiresNs > _now ? (uint)Math.Min(uint.MaxValue, (f.ExpiresNs - _now) / NsPerSecond) : 0u;
                    return TcpTracker.Packet(ref f.Proto.Tcp, ref f.Status, reply, seg, p.L4.Length, Settings.Tcp, isNew ? uint.MaxValue : left, ref events, out timeout);
                }
            case CtProtocol.Udp:
                return UdpTracker.Packet(ref f.Proto.Udp, ref f.Status, reply, p.L4, _now, t.Udp, ref events, out timeout);
            case CtProtocol.UdpLite:
                return UdpTracker.PacketLite(ref f.Status, p.L4, t.Udp, ref events, out timeout);
            case CtProtocol.Sctp:
                if (isNew && !SctpTracker.TryNew(ref f.Proto.Sctp, p.L4, t.Sctp)) { timeout = 0; return TrackerVerdict.Invalid; }
                return SctpTracker.Packet(ref f.Proto.Sctp, ref f.Status, reply, p.L4, t.Sctp, ref events, out timeout);
            case CtProtocol.Icmp:
                return IcmpTracker.Packet((byte)(f.Key.DestinationId >> 8), t.Icmp, out timeout);
            case CtProtocol.IcmpV6:
                return IcmpV6Tracker.Packet((byte)(f.Key.DestinationId >> 8), f.Status, t.IcmpV6, out timeout);
            case CtProtocol.Gre:
                return GreTracker.Packet(ref f.Proto.Gre, ref f.Status, t.Gre, ref events, out timeout);
            default:
                return GenericTracker.Packet(t.Generic, out timeout);
        }
    }

    private void SetExpiry(ref Flow f, int index, long expires)
    {
        var earlier = expires < f.ExpiresNs;
        f.ExpiresNs = expires;
        if (!earlier) return; // a timer at or before the old time is pending and will look again
        Schedule(index, expires);
    }

    private void Account(ref Flow f, bool reply, int bytes)
    {
        if (!Settings.Accounting) return;
        if (reply) { f.ReplyPackets++; f.ReplyBytes += (ulong)bytes; }
        else { f.OriginalPackets++; f.OriginalBytes += (ulong)bytes; }
    }

    private void Destroy(int index, long atNs)
    {
        Deleted++;
        if (_listeners.Any) Emit(CtEventType.Destroy, index, atNs);
        if ((_table[index].Extensions & FlowExtensions.Help) != 0) DestroyHelp(index);
        _table.Remove(index);
    }

    /// <summary>A new entry that is not confirmed after all (invalid first packet, or a helper's drop).</summary>
    private void ReleaseNew(int index)
    {
        if ((_table[index].Extensions & FlowExtensions.Help) != 0) DestroyHelp(index);
        _table.Release(index);
    }

    /// <summary>Removes every entry (conntrack -F): a DESTROY each.</summary>
    public void Flush()
    {
        foreach (var i in _table.InUse().ToList()) Destroy(i, _now);
    }

    private void Emit(CtEventType type, int index, long? stopNs = null)
    {
        var ct = ToConnection(index);
        if (type == CtEventType.Destroy && Settings.Timestamps) ct.Stop = FromNs(stopNs ?? _now);
        _listeners.Raise(new CtEvent { Type = type, Time = FromNs(_now), Connection = ct, Backend = Backend });
    }

    /// <summary>The table now, as CtConnection objects (oldest first).</summary>
    public List<CtConnection> Snapshot()
    {
        var list = new List<CtConnection>(_table.Count);
        foreach (var i in _table.InUse()) list.Add(ToConnection(i));
        list.Sort((a, b) => a.Id.CompareTo(b.Id));
        return list;
    }

    /// <summary>Statistics in the kernel's shape.</summary>
    public CtStatistic GetStatistics() => new()
    {
        Backend = Backend,
        Count = (uint)_table.Count,
        Max = (uint)Settings.Max,
        Found = (ulong)Found,
        Invalid = (ulong)Invalid,
        Insert = 0,
        Drop = (ulong)Dropped,
        ExpectationNew = (ulong)ExpectationsNew,
        ExpectationCreate = (ulong)ExpectationsCreated,
        ExpectationDelete = (ulong)ExpectationsDeleted,
        Cpus = [],
    };

    // ---- Helpers and expectations ----

    private void PrepareCall(int index, FlowHelp help, CtInfo info)
    {
        ref var f = ref _table[index];
        var key = f.Key.Tuple;
        IcmpTracker.TryInvert(key, out var reply);
        _call.FlowIndex = index;
        _call.Help = help;
        _call.Info = info;
        _call.Original = key;
        _call.Reply = reply;
        _call.Zone = f.Key.Zone;
        _call.Status = f.Status;
        _call.Master = help.Master?.Tuple;
    }

    private HelperVerdict CallHelper(int index, CtInfo info, ReadOnlySpan<byte> l4)
    {
        if (!_help.TryGetValue(index, out var help) || help.Helper is null) return HelperVerdict.Accept;
        PrepareCall(index, help, info);
        return help.Helper.Help(_call, l4);
    }

    private void DestroyHelp(int index)
    {
        if (!_help.TryGetValue(index, out var help)) return;
        if (help.Helper is not null)
        {
            PrepareCall(index, help, CtInfo.Established);
            help.Helper.Destroy(_call);
        }
        // nf_ct_remove_expectations: they die with their master (RemoveExpectation takes each off the master's list).
        foreach (var e in help.Expectations.ToArray()) RemoveExpectation(e);
        _help.Remove(index);
        if (GreKeymap.Count > 0) GreKeymap.RemoveAll(index);
        _table[index].Extensions = 0;
    }

    /// <summary>nf_ct_find_expectation: the newest live expectation the tuple matches; unlinked (DESTROY) unless permanent.</summary>
    private Expectation? TakeExpectation(in QuotedTuple tuple, ushort zone)
    {
        var exp = FindExpectation(tuple, zone, activeOnly: true);
        if (exp is null) return null;
        if ((exp.Flags & CtExpectationFlags.Permanent) == 0) RemoveExpectation(exp);
        return exp;
    }

    private static (UInt128, ushort, byte, CtFamily) BucketOf(in QuotedTuple t) => (t.Destination, t.DestinationId, t.Protocol, t.Family);

    internal Expectation? FindExpectation(in QuotedTuple tuple, ushort zone, bool activeOnly)
    {
        if (_expectationCount == 0 || !_expectations.TryGetValue(BucketOf(tuple), out var bucket)) return null;
        for (var i = bucket.Count - 1; i >= 0; i--)
        {
            var e = bucket[i];
            if (activeOnly && (e.Flags & CtExpectationFlags.Inactive) != 0) continue;
            if (e.Matches(tuple, zone)) return e;
        }
        return null;
    }

    /// <summary>nf_ct_expect_related: __nf_ct_expect_check, then nf_ct_expect_insert and IPEXP_NEW.</summary>
    internal ExpectResult ExpectRelated(HelperCall call, Expectation exp, bool skipMaster)
    {
        var master = call.Help;
        if (master.Helper is null) return ExpectResult.NoHelper;
        exp.MasterIndex = call.FlowIndex;
        exp.MasterKey = _table[call.FlowIndex].Key;
        exp.MasterHelper = master.Helper;
        // Only expectations to the same destination can match or clash (the kernel looks in one hash bucket).
        var bucket = _expectations.TryGetValue(BucketOf(exp.Tuple), out var b) ? b : null;
        for (var k = 0; bucket is not null && k < bucket.Count; k++)
        {
            var i = bucket[k];
            if ((skipMaster || i.MasterIndex == exp.MasterIndex) && i.SameAs(exp))
            {
                if (i.Class != exp.Class || i.MasterIndex != exp.MasterIndex) return ExpectResult.AlreadyExists;
                RemoveExpectation(i); // the new one replaces it
                break;
            }
            if (i.ClashesWith(exp)) return ExpectResult.Busy;
        }
        var policy = master.Helper.Policy(exp.Class, Settings);
        if (exp.Class >= master.Expecting.Length) Array.Resize(ref master.Expecting, exp.Class + 1);
        if (policy.MaxExpected > 0 && master.Expecting[exp.Class] >= policy.MaxExpected)
        {
            // evict_oldest_expect: the oldest of its class (the list is newest first).
            var oldest = master.Expectations.FindLast(e => e.Class == exp.Class);
            if (oldest is not null) RemoveExpectation(oldest);
            if (master.Expecting[exp.Class] >= policy.MaxExpected) return ExpectResult.TooMany;
        }
        if (_expectationCount >= Settings.ExpectMax)
        {
            HelperLog(master.Helper.Name, "nf_conntrack: expectation table full");
            return ExpectResult.TooMany;
        }
        exp.Id = _nextExpectationId++;
        exp.ExpiresNs = _now + policy.Timeout * NsPerSecond;
        exp.Linked = true;
        master.Expectations.Insert(0, exp);
        master.Expecting[exp.Class]++;
        if (!_expectations.TryGetValue(BucketOf(exp.Tuple), out bucket)) _expectations[BucketOf(exp.Tuple)] = bucket = [];
        bucket.Add(exp);
        _expectationCount++;
        if (exp.ExpiresNs < _nextExpectationExpiry) _nextExpectationExpiry = exp.ExpiresNs;
        ExpectationsCreated++;
        if (_expectationListeners.Any) EmitExpectation(CtEventType.New, exp);
        return ExpectResult.Added;
    }

    /// <summary>nf_ct_unlink_expect: out of the table and its master's list, with IPEXP_DESTROY; false when already gone.</summary>
    internal bool RemoveExpectation(Expectation exp)
    {
        if (!exp.Linked) return false;
        exp.Linked = false;
        var key = BucketOf(exp.Tuple);
        var bucket = _expectations[key];
        bucket.Remove(exp);
        if (bucket.Count == 0) _expectations.Remove(key);
        _expectationCount--;
        if (_help.TryGetValue(exp.MasterIndex, out var master))
        {
            master.Expectations.Remove(exp);
            master.Expecting[exp.Class]--;
        }
        ExpectationsDeleted++;
        if (_expectationListeners.Any) EmitExpectation(CtEventType.Destroy, exp);
        return true;
    }

    internal void SetExpectationTimeout(Expectation exp, uint seconds)
    {
        if (!exp.Linked) return;
        exp.ExpiresNs = _now + seconds * NsPerSecond;
        _nextExpectationExpiry = AllExpectations().Min(e => e.ExpiresNs);
    }

    private IEnumerable<Expectation> AllExpectations() => _expectations.Values.SelectMany(b => b);

    private void ExpireExpectations()
    {
        foreach (var e in AllExpectations().Where(e => e.ExpiresNs <= _now).OrderBy(e => e.ExpiresNs).ToList()) RemoveExpectation(e);
        _nextExpectationExpiry = _expectationCount == 0 ? long.MaxValue : AllExpectations().Min(e => e.ExpiresNs);
    }

    internal void RefreshFlow(int index, uint seconds)
    {
        ref var f = ref _table[index];
        if ((f.Status & CtStatus.FixedTimeout) != 0) return;
        var expires = _now + seconds * NsPerSecond;
        if ((f.Status & CtStatus.Confirmed) == 0) f.ExpiresNs = expires; // confirm schedules it
        else SetExpiry(ref f, index, expires);
    }

    internal bool KillFlow(in QuotedTuple tuple, ushort zone)
    {
        var index = _table.Find(tuple, zone, out _);
        if (index < 0) return false;
        Destroy(index, _now);
        return true;
    }

    internal void HelperLog(string helper, string message)
    {
        lock (_helperLog)
        {
            if (_helperLog.Count == 100) _helperLog.Dequeue();
            _helperLog.Enqueue($"{FromNs(_now):O} nf_ct_{helper}: {message}");
        }
    }

    private void EmitExpectation(CtEventType type, Expectation exp)
    {
        _expectationListeners.Raise(new CtExpectationEvent { Type = type, Time = FromNs(_now), Expectation = ToExpectation(exp), Backend = Backend });
    }

    /// <summary>The expectation table now (oldest first).</summary>
    public List<CtExpectation> SnapshotExpectations() => [.. AllExpectations().OrderBy(e => e.Id).Select(ToExpectation)];

    private CtExpectation ToExpectation(Expectation e)
    {
        var all = e.Family == CtFamily.IPv4 ? (UInt128)uint.MaxValue : UInt128.MaxValue;
        return new CtExpectation
        {
            Id = e.Id,
            Family = e.Family,
            Tuple = ToTuple(e.Tuple),
            Mask = new CtTuple
            {
                Source = ToAddress(e.Family, e.SourceMask),
                Destination = ToAddress(e.Family, all),
                Protocol = e.Protocol,
                SourcePort = e.SourcePortMask,
                DestinationPort = ushort.MaxValue,
            },
            Master = ToTuple(e.MasterKey.Tuple),
            Timeout = e.ExpiresNs > _now ? (uint)((e.ExpiresNs - _now) / NsPerSecond) : 0,
            Helper = e.MasterHelper?.Name,
            Class = (uint)e.Class,
            Flags = e.Flags,
            Zone = e.Zone,
            Backend = Backend,
        };
    }

    private CtConnection ToConnection(int index)
    {
        ref var f = ref _table[index];
        var proto = (CtProtocol)f.Key.Protocol;
        var key = f.Key.Tuple;
        IcmpTracker.TryInvert(key, out var reply);
        var ct = new CtConnection
        {
            Id = f.Id,
            Family = key.Family,
            Protocol = proto,
            Original = ToTuple(key),
            Reply = ToTuple(reply),
            Status = f.Status,
            Timeout = f.ExpiresNs > _now ? (uint)((f.ExpiresNs - _now) / NsPerSecond) : 0,
            Mark = f.Mark,
            Zone = f.Key.Zone,
            Use = 1,
            Backend = Backend,
        };
        if ((f.Extensions & FlowExtensions.Help) != 0 && _help.TryGetValue(index, out var help))
        {
            ct.Helper = help.Helper?.Name;
            if (help.Master is { } m) ct.Master = ToTuple(m.Tuple);
        }
        if (Settings.Accounting)
        {
            ct.OriginalPackets = f.OriginalPackets;
            ct.OriginalBytes = f.OriginalBytes;
            ct.ReplyPackets = f.ReplyPackets;
            ct.ReplyBytes = f.ReplyBytes;
        }
        if (Settings.Timestamps) ct.Start = FromNs(f.StartNs);
        switch (proto)
        {
            case CtProtocol.Tcp:
                ct.State = f.Proto.Tcp.CtState;
                ct.TcpFlagsOriginal = f.Proto.Tcp.Original.Flags;
                ct.TcpFlagsReply = f.Proto.Tcp.Reply.Flags;
                ct.TcpWindowScaleOriginal = f.Proto.Tcp.Original.Scale;
                ct.TcpWindowScaleReply = f.Proto.Tcp.Reply.Scale;
                break;
            case CtProtocol.Sctp:
                ct.State = SctpTracker.StateOf(f.Proto.Sctp);
                ct.SctpVtagOriginal = f.Proto.Sctp.VtagOriginal;
                ct.SctpVtagReply = f.Proto.Sctp.VtagReply;
                break;
        }
        return ct;
    }

    private static CtTuple ToTuple(in QuotedTuple t)
    {
        var tuple = new CtTuple { Source = ToAddress(t.Family, t.Source), Destination = ToAddress(t.Family, t.Destination), Protocol = (CtProtocol)t.Protocol };
        switch (KindOf(t.Protocol))
        {
            case TupleKind.Ports:
            case TupleKind.Keys: // GRE keys travel as ports in ctnetlink
                tuple.SourcePort = t.SourceId;
                tuple.DestinationPort = t.DestinationId;
                break;
            case TupleKind.Icmp:
                tuple.IcmpType = t.IcmpType;
                tuple.IcmpCode = t.IcmpCode;
                tuple.IcmpId = t.SourceId;
                break;
        }
        return tuple;
    }

    private enum TupleKind : byte { None, Ports, Icmp, Keys }

    /// <summary>What a protocol's tuple holds beside the addresses (its pkt_to_tuple).</summary>
    private static TupleKind KindOf(byte protocol) => (CtProtocol)protocol switch
    {
        CtProtocol.Tcp or CtProtocol.Udp or CtProtocol.UdpLite or CtProtocol.Sctp or CtProtocol.Dccp => TupleKind.Ports,
        CtProtocol.Icmp or CtProtocol.IcmpV6 => TupleKind.Icmp,
        CtProtocol.Gre => TupleKind.Keys,
        _ => TupleKind.None,
    };

    internal static IPAddress ToAddress(CtFamily family, UInt128 value)
    {
        Span<byte> bytes = stackalloc byte[16];
        if (family == CtFamily.IPv4)
        {
            BinaryPrimitives.WriteUInt32BigEndian(bytes, (uint)value);
            return new IPAddress(bytes[..4]);
        }
        BinaryPrimitives.WriteUInt128BigEndian(bytes, value);
        return new IPAddress(bytes);
    }

    private static DateTimeOffset FromNs(long ns) => DateTimeOffset.UnixEpoch.AddTicks(ns / 100);
}
