using System.Buffers.Binary;
using System.Net;

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
    private readonly List<Action<CtEvent>> _listeners = [];
    private uint _nextId = 1;
    private long _now;
    private long _nextExpiry = long.MaxValue;

    public ConntrackEngine(string name, EngineSettings? settings = null)
    {
        Name = name;
        Settings = settings ?? new EngineSettings();
        Backend = $"engine:{name}";
        _lookup = Lookup;
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

    /// <summary>Bytes held by the flow table (flows and index), for the memory figure per flow.</summary>
    internal long TableBytes => _table.BytesAllocated + _timers.BytesAllocated;

    /// <summary>Receives every event as it is made (on the thread that feeds packets).</summary>
    public void Subscribe(Action<CtEvent> listener)
    {
        lock (_listeners) _listeners.Add(listener);
        _hasListeners = true;
    }

    public void Unsubscribe(Action<CtEvent> listener)
    {
        lock (_listeners)
        {
            _listeners.Remove(listener);
            _hasListeners = _listeners.Count > 0;
        }
    }

    private volatile bool _hasListeners;

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
                }
            }
        }

        // ICMP errors quoting a tracked flow are RELATED to it (nf_conntrack_handle_icmp).
        if (p.Protocol == (byte)CtProtocol.Icmp && p.Family == CtFamily.IPv4)
        {
            _zone = zone;
            Span<byte> dst = stackalloc byte[4];
            BinaryPrimitives.WriteUInt32BigEndian(dst, (uint)p.Destination);
            switch (IcmpTracker.Error(p.L4, dst, _lookup, out _))
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
            switch (IcmpV6Tracker.Error(p.L4, src, dst, hopLimit, _lookup, out _))
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
                break;
        }

        while (true)
        {
            var index = _table.Find(tuple, zone, out var reply);
            if (index < 0)
            {
                NewFlow(ref p, tuple, zone, mark);
                return;
            }
            Found++;
            if (!Existing(index, reply, ref p)) return;
            // Repeat: the old entry died (TCP SYN reopening TIME_WAIT); look the packet up again.
        }
    }

    private ushort _zone; // the zone of the packet whose ICMP error is being looked up

    private bool Lookup(in QuotedTuple tuple, out bool replyDirection) => _table.Find(tuple, _zone, out replyDirection) >= 0;

    private void NewFlow(ref ParsedPacket p, in QuotedTuple tuple, ushort zone, uint mark)
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
        var events = ConntrackEvents.None;
        var verdict = RunTracker(ref f, reply: false, ref p, ref events, isNew: true, out var timeout);
        if (verdict is not (TrackerVerdict.Accept or TrackerVerdict.AcceptNoRefresh))
        {
            _table.Release(index);
            if (verdict == TrackerVerdict.Drop) Dropped++; else Invalid++;
            return;
        }
        // nf_conntrack_confirm: the entry enters the table; NEW carries the state after this packet.
        f.Status |= CtStatus.Confirmed;
        f.Id = _nextId++;
        f.ExpiresNs = _now + timeout * NsPerSecond;
        Account(ref f, reply: false, p.Length);
        _table.Insert(index);
        New++;
        Schedule(index, f.ExpiresNs);
        if (_hasListeners) Emit(CtEventType.New, index);
    }

    /// <summary>A packet of an existing flow; false when done, true when it must be looked up again (Repeat).</summary>
    private bool Existing(int index, bool reply, ref ParsedPacket p)
    {
        ref var f = ref _table[index];
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
                break;
        }
        if (events != ConntrackEvents.None && _hasListeners) Emit(CtEventType.Update, index);
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
        if (_hasListeners) Emit(CtEventType.Destroy, index, atNs);
        _table.Remove(index);
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
        var e = new CtEvent { Type = type, Time = FromNs(_now), Connection = ct, Backend = Backend };
        lock (_listeners)
            foreach (var l in _listeners) l(e);
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
        Cpus = [],
    };

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
