using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace ConntrackTools.Engine;

/// <summary>Per-protocol state, one of them per flow (the kernel's union nf_conntrack_proto).</summary>
[StructLayout(LayoutKind.Explicit)]
internal struct ProtoState
{
    [FieldOffset(0)] public TcpState Tcp;
    [FieldOffset(0)] public SctpState Sctp;
    [FieldOffset(0)] public UdpState Udp;
    [FieldOffset(0)] public GreState Gre;
}

/// <summary>
/// A flow's original tuple and zone, packed (40 bytes, 8-aligned: UInt128 fields would pad the
/// flow to 16-byte alignment). Addresses are big-endian numbers split in two halves.
/// </summary>
internal struct FlowKey
{
    public ulong SourceHigh, SourceLow, DestinationHigh, DestinationLow;
    public ushort SourceId, DestinationId;
    public byte Protocol;
    public CtFamily Family;
    public ushort Zone;

    public static FlowKey From(in QuotedTuple t, ushort zone) => new()
    {
        SourceHigh = (ulong)(t.Source >> 64),
        SourceLow = (ulong)t.Source,
        DestinationHigh = (ulong)(t.Destination >> 64),
        DestinationLow = (ulong)t.Destination,
        SourceId = t.SourceId,
        DestinationId = t.DestinationId,
        Protocol = t.Protocol,
        Family = t.Family,
        Zone = zone,
    };

    public readonly QuotedTuple Tuple => new()
    {
        Family = Family,
        Protocol = Protocol,
        Source = new UInt128(SourceHigh, SourceLow),
        Destination = new UInt128(DestinationHigh, DestinationLow),
        SourceId = SourceId,
        DestinationId = DestinationId,
    };
}

/// <summary>
/// One tracked flow: struct nf_conn without what the engine does not need (160 bytes). Only the
/// original tuple is kept; the reply tuple is its inverse (the engine does no NAT). A flow is in
/// the table while its status has CONFIRMED.
/// </summary>
internal struct Flow
{
    public FlowKey Key;
    public ProtoState Proto;
    public ulong OriginalPackets, OriginalBytes, ReplyPackets, ReplyBytes;
    public long StartNs;
    public long ExpiresNs;
    public CtStatus Status;
    public uint Id;
    public uint Mark;

    /// <summary>FlowExtensions bits: what the engine keeps beside the flow. It fills tail padding: the flow stays 168 bytes.</summary>
    public byte Extensions;

    public readonly bool InUse => (Status & CtStatus.Confirmed) != 0;
}

/// <summary>Bits of <see cref="Flow.Extensions"/>.</summary>
internal static class FlowExtensions
{
    /// <summary>The flow has a helper, a master or expectations (nf_conn_help), kept in the engine's side table.</summary>
    public const byte Help = 1;
}

/// <summary>
/// The flow table: flows in one array, found from either direction through an open-addressing
/// index (linear probing, backward-shift deletion) keyed by (zone, tuple). The hash is the same
/// for both directions of a flow (it combines the two endpoints commutatively), so each flow has
/// one index slot, with a 16-bit hash tag beside it to skip most key compares. Nothing is
/// allocated per lookup.
/// </summary>
internal sealed class FlowTable
{
    private Flow[] _flows = new Flow[1024];
    private int _freeHead = -1; // free flows form a list through their Id field
    private int _high; // flows [0, _high) have been used at least once

    // Index slots: flow + 1; 0 is empty.
    private int[] _slots = new int[4096];
    private ushort[] _tags = new ushort[4096];
    private int _mask = 4095;

    public int Count { get; private set; }

    public ref Flow this[int index] => ref _flows[index];

    /// <summary>Indices of the flows in use, for snapshots.</summary>
    public IEnumerable<int> InUse()
    {
        for (var i = 0; i < _high; i++)
            if (_flows[i].InUse) yield return i;
    }

    /// <summary>The flow whose original or reply tuple is <paramref name="t"/> in <paramref name="zone"/>: its index and direction (true = reply), or -1.</summary>
    public int Find(in QuotedTuple t, ushort zone, out bool reply)
    {
        var key = FlowKey.From(t, zone);
        var h = Hash(key);
        var tag = (ushort)(h >> 16);
        var i = (int)h & _mask;
        while (true)
        {
            var slot = _slots[i];
            if (slot == 0) { reply = false; return -1; }
            if (_tags[i] == tag)
            {
                var flow = slot - 1;
                ref var f = ref _flows[flow];
                if (Equal(f.Key, key)) { reply = false; return flow; }
                if (MatchesInverse(f.Key, key)) { reply = true; return flow; }
            }
            i = (i + 1) & _mask;
        }
    }

    /// <summary>Takes a free flow slot (not yet indexed), zeroed.</summary>
    public int Allocate()
    {
        int index;
        if (_freeHead >= 0)
        {
            index = _freeHead;
            _freeHead = (int)_flows[index].Id - 1;
        }
        else
        {
            if (_high == _flows.Length) Array.Resize(ref _flows, _flows.Length * 2);
            index = _high++;
        }
        _flows[index] = default;
        return index;
    }

    /// <summary>Returns a slot that was allocated but never indexed (its first packet was invalid).</summary>
    public void Release(int index)
    {
        _flows[index].Status = CtStatus.None;
        _flows[index].Id = (uint)(_freeHead + 1);
        _freeHead = index;
    }

    /// <summary>Indexes an allocated flow (whose status has CONFIRMED) under both its tuples.</summary>
    public void Insert(int index)
    {
        if (Count + 1 > (_mask + 1) * 3 / 4) Grow();
        Count++;
        Put(index);
    }

    /// <summary>Removes a flow from the index and frees its slot.</summary>
    public void Remove(int index)
    {
        Unput(index);
        Count--;
        Release(index);
    }

    /// <summary>Bytes held by the table's arrays.</summary>
    public long BytesAllocated =>
        (long)_flows.Length * Unsafe.SizeOf<Flow>() + (long)_slots.Length * (sizeof(int) + sizeof(ushort));

    private uint HashOf(int flow) => Hash(_flows[flow].Key);

    private void Put(int flow)
    {
        var h = HashOf(flow);
        var i = (int)h & _mask;
        while (_slots[i] != 0) i = (i + 1) & _mask;
        _slots[i] = flow + 1;
        _tags[i] = (ushort)(h >> 16);
    }

    private void Unput(int flow)
    {
        var value = flow + 1;
        var i = (int)HashOf(flow) & _mask;
        while (_slots[i] != value)
        {
            if (_slots[i] == 0) return;
            i = (i + 1) & _mask;
        }
        // Backward-shift deletion keeps every probe chain unbroken without tombstones.
        var j = i;
        while (true)
        {
            j = (j + 1) & _mask;
            if (_slots[j] == 0) break;
            var home = (int)HashOf(_slots[j] - 1) & _mask;
            // Move j into the hole at i when its home is not in (i, j] (cyclically).
            if (i <= j ? (home <= i || home > j) : (home <= i && home > j))
            {
                _slots[i] = _slots[j];
                _tags[i] = _tags[j];
                i = j;
            }
        }
        _slots[i] = 0;
        _tags[i] = 0;
    }

    private void Grow()
    {
        var old = _slots;
        _slots = new int[old.Length * 2];
        _tags = new ushort[old.Length * 2];
        _mask = _slots.Length - 1;
        foreach (var slot in old)
            if (slot != 0) Put(slot - 1);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool Equal(in FlowKey a, in FlowKey b) =>
        a.SourceLow == b.SourceLow && a.DestinationLow == b.DestinationLow && a.SourceId == b.SourceId &&
        a.DestinationId == b.DestinationId && a.Protocol == b.Protocol && a.Zone == b.Zone &&
        a.SourceHigh == b.SourceHigh && a.DestinationHigh == b.DestinationHigh && a.Family == b.Family;

    /// <summary>True when <paramref name="t"/> is the inverse of <paramref name="original"/> (nf_ct_invert_tuple).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool MatchesInverse(in FlowKey original, in FlowKey t)
    {
        if (original.Protocol != t.Protocol || original.Zone != t.Zone || original.Family != t.Family ||
            original.SourceLow != t.DestinationLow || original.DestinationLow != t.SourceLow ||
            original.SourceHigh != t.DestinationHigh || original.DestinationHigh != t.SourceHigh) return false;
        if (original.Protocol is (byte)CtProtocol.Icmp or (byte)CtProtocol.IcmpV6)
        {
            if (!IcmpTracker.TryInvert(original.Tuple, out var inverse)) return false;
            return inverse.SourceId == t.SourceId && inverse.DestinationId == t.DestinationId;
        }
        return original.SourceId == t.DestinationId && original.DestinationId == t.SourceId;
    }

    /// <summary>
    /// A hash that is the same for a tuple and its inverse: the endpoints (address and port, or
    /// address and ICMP id) are mixed each on its own and added, and the ICMP type, which differs
    /// between request and reply, is left out.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static uint Hash(in FlowKey k)
    {
        var icmp = k.Protocol is (byte)CtProtocol.Icmp or (byte)CtProtocol.IcmpV6;
        var a = Endpoint(k.SourceHigh, k.SourceLow, k.SourceId);
        var b = Endpoint(k.DestinationHigh, k.DestinationLow, icmp ? k.SourceId : k.DestinationId);
        var h = a + b ^ ((ulong)k.Protocol << 16 | k.Zone | (ulong)k.Family << 24);
        h *= 0xFF51AFD7ED558CCDUL;
        h ^= h >> 33;
        h *= 0xC4CEB9FE1A85EC53UL;
        h ^= h >> 29;
        return (uint)h;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong Endpoint(ulong high, ulong low, ushort id)
    {
        var h = (low ^ (ulong)id << 48 ^ id) * 0x9E3779B97F4A7C15UL;
        h ^= high * 0xC2B2AE3D27D4EB4FUL;
        return h ^ (h >> 31);
    }
}

/// <summary>
/// Expiry timers: a binary min-heap of (expiry in ms since the engine's epoch, flow index), 8 bytes
/// an entry. Entries are not removed when a flow is refreshed or freed; the engine checks the flow
/// when an entry comes due (lazy deletion).
/// </summary>
internal sealed class TimerHeap
{
    private ulong[] _items = new ulong[1024];

    public int Count { get; private set; }

    public void Push(uint dueMs, int index)
    {
        if (Count == _items.Length) Array.Resize(ref _items, _items.Length * 2);
        var item = (ulong)dueMs << 32 | (uint)index;
        var i = Count++;
        while (i > 0)
        {
            var parent = (i - 1) >> 1;
            if (_items[parent] <= item) break;
            _items[i] = _items[parent];
            i = parent;
        }
        _items[i] = item;
    }

    public bool TryPeek(out uint dueMs, out int index)
    {
        if (Count == 0) { dueMs = 0; index = 0; return false; }
        dueMs = (uint)(_items[0] >> 32);
        index = (int)(uint)_items[0];
        return true;
    }

    public void Pop()
    {
        var last = _items[--Count];
        var i = 0;
        while (true)
        {
            var child = 2 * i + 1;
            if (child >= Count) break;
            if (child + 1 < Count && _items[child + 1] < _items[child]) child++;
            if (last <= _items[child]) break;
            _items[i] = _items[child];
            i = child;
        }
        if (Count > 0) _items[i] = last;
    }

    public long BytesAllocated => (long)_items.Length * sizeof(ulong);
}
