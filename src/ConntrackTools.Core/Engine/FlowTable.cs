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
/// One tracked flow: struct nf_conn without what the engine does not need. Only the original tuple
/// is kept; the reply tuple is its inverse (the engine does no NAT).
/// </summary>
internal struct Flow
{
    public QuotedTuple Key;
    public ProtoState Proto;
    public ulong OriginalPackets, OriginalBytes, ReplyPackets, ReplyBytes;
    public long StartNs;
    public long ExpiresNs;
    public CtStatus Status;
    public uint Id;
    public uint Mark;
    /// <summary>Bumped when the slot is freed, so stale timer entries are recognised.</summary>
    public uint Generation;
    public ushort Zone;
    public bool InUse;
}

/// <summary>
/// The flow table: flows in one array, found from either direction through an open-addressing
/// index (linear probing, backward-shift deletion) keyed by (zone, tuple). Each flow has two
/// index slots, one per direction. Nothing is allocated per lookup.
/// </summary>
internal sealed class FlowTable
{
    private Flow[] _flows = new Flow[1024];
    private int[] _free = new int[1024];
    private int _freeCount;
    private int _high; // flows [0, _high) have been used at least once

    // Index slots: (flow << 1 | direction) + 1; 0 is empty. The hash is kept to skip most compares.
    private int[] _slots = new int[4096];
    private uint[] _hashes = new uint[4096];
    private int _mask = 4095;

    public int Count { get; private set; }

    public ref Flow this[int index] => ref _flows[index];

    /// <summary>Indices of the flows in use, for snapshots.</summary>
    public IEnumerable<int> InUse()
    {
        for (var i = 0; i < _high; i++)
            if (_flows[i].InUse) yield return i;
    }

    /// <summary>The flow whose original or reply tuple is <paramref name="t"/> in <paramref name="zone"/>: its index and direction (1 = reply), or -1.</summary>
    public int Find(in QuotedTuple t, ushort zone, out bool reply)
    {
        var h = Hash(t, zone);
        var i = (int)h & _mask;
        while (true)
        {
            var slot = _slots[i];
            if (slot == 0) { reply = false; return -1; }
            if (_hashes[i] == h)
            {
                var flow = (slot - 1) >> 1;
                var dir = ((slot - 1) & 1) != 0;
                ref var f = ref _flows[flow];
                if (f.Zone == zone && (dir ? MatchesInverse(f.Key, t) : Equal(f.Key, t)))
                {
                    reply = dir;
                    return flow;
                }
            }
            i = (i + 1) & _mask;
        }
    }

    /// <summary>Takes a free flow slot (not yet indexed), zeroed.</summary>
    public int Allocate()
    {
        int index;
        if (_freeCount > 0) index = _free[--_freeCount];
        else
        {
            if (_high == _flows.Length)
            {
                Array.Resize(ref _flows, _flows.Length * 2);
                Array.Resize(ref _free, _flows.Length);
            }
            index = _high++;
        }
        var generation = _flows[index].Generation;
        _flows[index] = default;
        _flows[index].Generation = generation;
        return index;
    }

    /// <summary>Returns a slot that was allocated but never indexed (the first packet was invalid).</summary>
    public void Release(int index)
    {
        _flows[index].Generation++;
        _flows[index].InUse = false;
        _free[_freeCount++] = index;
    }

    /// <summary>Indexes an allocated flow under both its tuples (nf_conntrack_confirm's hash insert).</summary>
    public void Insert(int index)
    {
        if ((Count + 1) * 2 > (_mask + 1) * 3 / 4) Grow();
        ref var f = ref _flows[index];
        f.InUse = true;
        Count++;
        Put(Hash(f.Key, f.Zone), (index << 1) + 1);
        IcmpTracker.TryInvert(f.Key, out var reply);
        Put(Hash(reply, f.Zone), (index << 1 | 1) + 1);
    }

    /// <summary>Removes a flow from the index and frees its slot.</summary>
    public void Remove(int index)
    {
        ref var f = ref _flows[index];
        Unput(Hash(f.Key, f.Zone), (index << 1) + 1);
        IcmpTracker.TryInvert(f.Key, out var reply);
        Unput(Hash(reply, f.Zone), (index << 1 | 1) + 1);
        Count--;
        Release(index);
    }

    /// <summary>Bytes held per flow in use: flow array and index, amortised.</summary>
    public long BytesAllocated =>
        (long)_flows.Length * Unsafe.SizeOf<Flow>() + (long)_free.Length * sizeof(int) + (long)_slots.Length * (sizeof(int) + sizeof(uint));

    private void Put(uint h, int value)
    {
        var i = (int)h & _mask;
        while (_slots[i] != 0) i = (i + 1) & _mask;
        _slots[i] = value;
        _hashes[i] = h;
    }

    private void Unput(uint h, int value)
    {
        var i = (int)h & _mask;
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
            var home = (int)_hashes[j] & _mask;
            // Move j into the hole at i when its home is not in (i, j] (cyclically).
            if (i <= j ? (home <= i || home > j) : (home <= i && home > j))
            {
                _slots[i] = _slots[j];
                _hashes[i] = _hashes[j];
                i = j;
            }
        }
        _slots[i] = 0;
        _hashes[i] = 0;
    }

    private void Grow()
    {
        var oldSlots = _slots;
        var oldHashes = _hashes;
        _slots = new int[oldSlots.Length * 2];
        _hashes = new uint[oldSlots.Length * 2];
        _mask = _slots.Length - 1;
        for (var i = 0; i < oldSlots.Length; i++)
            if (oldSlots[i] != 0) Put(oldHashes[i], oldSlots[i]);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool Equal(in QuotedTuple a, in QuotedTuple b) =>
        a.Source == b.Source && a.Destination == b.Destination && a.SourceId == b.SourceId &&
        a.DestinationId == b.DestinationId && a.Protocol == b.Protocol && a.Family == b.Family;

    /// <summary>True when <paramref name="t"/> is the inverse of <paramref name="original"/> (nf_ct_invert_tuple).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool MatchesInverse(in QuotedTuple original, in QuotedTuple t)
    {
        if (original.Protocol != t.Protocol || original.Family != t.Family || original.Source != t.Destination || original.Destination != t.Source) return false;
        if (original.Protocol is (byte)CtProtocol.Icmp or (byte)CtProtocol.IcmpV6)
        {
            if (!IcmpTracker.TryInvert(original, out var inverse)) return false;
            return inverse.SourceId == t.SourceId && inverse.DestinationId == t.DestinationId;
        }
        return original.SourceId == t.DestinationId && original.DestinationId == t.SourceId;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static uint Hash(in QuotedTuple t, ushort zone)
    {
        var h = (ulong)t.Source ^ (ulong)(t.Source >> 64) * 0x9E3779B97F4A7C15UL;
        h ^= ((ulong)t.Destination ^ (ulong)(t.Destination >> 64) * 0xC2B2AE3D27D4EB4FUL) + 0x165667B19E3779F9UL;
        h ^= ((ulong)t.SourceId << 48) | ((ulong)t.DestinationId << 32) | ((ulong)t.Protocol << 16) | zone;
        h *= 0xFF51AFD7ED558CCDUL;
        h ^= h >> 33;
        h *= 0xC4CEB9FE1A85EC53UL;
        h ^= h >> 29;
        var result = (uint)h;
        return result == 0 ? 1u : result;
    }
}
