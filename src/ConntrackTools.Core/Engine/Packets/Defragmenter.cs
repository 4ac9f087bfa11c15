using System.Buffers.Binary;

namespace ConntrackTools.Engine;

/// <summary>What <see cref="Defragmenter.Defragment"/> did with a fragment.</summary>
internal enum DefragmentResult : byte
{
    /// <summary>Kept for later (NF_STOLEN): conntrack sees nothing now.</summary>
    Queued,
    /// <summary>The fragment completed its datagram, which conntrack sees now (as a raw IP packet).</summary>
    Reassembled,
    /// <summary>Dropped (overlap, inconsistent lengths, memory limit, oversize): conntrack never sees it.</summary>
    Dropped,
    /// <summary>
    /// nf_ct_frag6_gather handed the fragment on unreassembled (IPv6 only: a first fragment without
    /// its upper-layer header, a non-last fragment whose length is not a multiple of 8, a jumbo
    /// payload): conntrack sees it as it is; parse it with <see cref="PacketParser.ParseUnreassembled"/>.
    /// </summary>
    PassThrough,
}

/// <summary>
/// Reassembles IPv4 and IPv6 fragments the way nf_defrag_ipv4 (ip_defrag, ip_frag_queue,
/// ip_frag_reasm) and nf_defrag_ipv6 (nf_ct_frag6_gather, nf_ct_frag6_queue, nf_ct_frag6_reasm)
/// do before conntrack sees a packet; both share inet_frag_queue_insert's overlap rules (RFC 5722:
/// an overlap discards the whole datagram, an exact duplicate only itself). Queues expire by packet
/// time: ipfrag_time (30 s) for IPv4, nf_conntrack_frag6_timeout (60 s) for IPv6, counted from the
/// first fragment. Fragments are rare, so this class allocates freely; one per engine, not thread-safe.
/// </summary>
internal sealed class Defragmenter
{
    private const long NanosecondsPerSecond = 1_000_000_000;

    // IPFRAG_ECN_* bits and ip_frag_ecn_table (net/ipv4/inet_fragment.c): mixing Not-ECT with ECT
    // or CE drops the datagram; CE with ECT gives CE.
    private const int EcnNotEct = 0x01;
    private const int EcnCe = 0x08;

    private readonly Dictionary<Key, Queue> _queues = [];
    private readonly LinkedList<Queue> _byAge = new();
    private long _memory;

    /// <summary>net.ipv4.ipfrag_time, in nanoseconds.</summary>
    public long Ipv4TimeoutNs { get; set; } = 30 * NanosecondsPerSecond;

    /// <summary>net.netfilter.nf_conntrack_frag6_timeout, in nanoseconds.</summary>
    public long Ipv6TimeoutNs { get; set; } = 60 * NanosecondsPerSecond;

    /// <summary>
    /// ipfrag_high_thresh / nf_conntrack_frag6_high_thresh: above this many bytes queued, fragments
    /// are dropped until queues expire. The kernel counts skb truesize; this counts the fragment
    /// plus a fixed overhead per fragment (<see cref="FragmentOverhead"/>), so it only approximates.
    /// </summary>
    public long HighThresholdBytes { get; set; } = 4 * 1024 * 1024;

    /// <summary>What one queued fragment costs beyond its bytes, for <see cref="HighThresholdBytes"/>.</summary>
    public int FragmentOverhead { get; set; } = 512;

    /// <summary>Datagrams waiting for fragments.</summary>
    public int QueueCount => _queues.Count;

    /// <summary>Datagrams reassembled (IPSTATS_MIB_REASMOKS).</summary>
    public long ReassembledCount { get; private set; }

    /// <summary>Fragments or datagrams given up (IPSTATS_MIB_REASMFAILS, duplicates included).</summary>
    public long FailedCount { get; private set; }

    /// <summary>Queues that timed out (IPSTATS_MIB_REASMTIMEOUT).</summary>
    public long TimedOutCount { get; private set; }

    /// <summary>
    /// Parses a frame and, when it is a fragment, queues it: true with the whole datagram (a raw IP
    /// packet, to parse with <see cref="LinkType.Raw"/>) when this fragment completed it.
    /// </summary>
    public bool TryReassemble(LinkType link, ReadOnlySpan<byte> frame, long timestampNs, out ReadOnlyMemory<byte> datagram)
    {
        datagram = default;
        if (PacketParser.Parse(link, frame, out var packet) != ParseResult.Fragment) return false;
        return Defragment(packet.Datagram, timestampNs, out datagram) == DefragmentResult.Reassembled;
    }

    /// <summary>
    /// Queues one fragment: <paramref name="datagram"/> is the fragment's IP datagram
    /// (<see cref="ParsedPacket.Datagram"/> of a <see cref="ParseResult.Fragment"/>); one cut by
    /// the capture's snapshot length cannot be joined and is dropped. <paramref name="zone"/>
    /// separates conntrack zones, as the kernel's defrag user (IP_DEFRAG_CONNTRACK_IN + zone) does.
    /// </summary>
    public DefragmentResult Defragment(ReadOnlySpan<byte> datagram, long timestampNs, out ReadOnlyMemory<byte> reassembled, ushort zone = 0)
    {
        reassembled = default;
        Expire(timestampNs);
        if (datagram.IsEmpty) return Fail();
        return (datagram[0] >> 4) switch
        {
            4 => QueueIPv4(datagram, timestampNs, zone, out reassembled),
            6 => QueueIPv6(datagram, timestampNs, zone, out reassembled),
            _ => Fail(),
        };
    }

    /// <summary>Drops the queues whose time ran out by <paramref name="nowNs"/> (ip_expire, nf_ct_frag6_expire).</summary>
    public void Expire(long nowNs)
    {
        while (_byAge.First is { } node && nowNs >= node.Value.Deadline)
        {
            Kill(node.Value);
            TimedOutCount++;
            FailedCount++;
        }
    }

    /// <summary>ip_defrag → ip_frag_queue for one IPv4 fragment.</summary>
    private DefragmentResult QueueIPv4(ReadOnlySpan<byte> ip, long now, ushort zone, out ReadOnlyMemory<byte> reassembled)
    {
        reassembled = default;
        if (ip.Length < 20) return Fail();
        var ihl = (ip[0] & 0x0F) << 2;
        int totalLength = BinaryPrimitives.ReadUInt16BigEndian(ip[2..]);
        if (ihl < 20 || totalLength < ihl || totalLength > ip.Length) return Fail();
        ip = ip[..totalLength];

        var flags = BinaryPrimitives.ReadUInt16BigEndian(ip[6..]);
        var key = new Key(
            CtFamily.IPv4,
            ip[9],
            BinaryPrimitives.ReadUInt16BigEndian(ip[4..]),
            BinaryPrimitives.ReadUInt32BigEndian(ip[12..]),
            BinaryPrimitives.ReadUInt32BigEndian(ip[16..]),
            zone);
        var queue = Find(key, now, Ipv4TimeoutNs);
        if (queue is null) return Fail();

        var offset = (flags & 0x1FFF) << 3;
        var end = offset + totalLength - ihl;
        var more = (flags & 0x2000) != 0;

        if (!more)
        {
            // The last fragment: bits beyond it, or a different end, mean corruption.
            if (end < queue.Length || (queue.LastIn && end != queue.Length)) return Discard(queue);
            queue.LastIn = true;
            queue.Length = end;
        }
        else
        {
            end &= ~7; // ip_frag_queue trims a non-last fragment to a multiple of 8
            if (end > queue.Length)
            {
                if (queue.LastIn) return Discard(queue);
                queue.Length = end;
            }
        }
        if (end == offset) return Discard(queue);

        switch (queue.Insert(offset, end, ip[ihl..(ihl + end - offset)]))
        {
            case Insertion.Duplicate:
                return Fail();
            case Insertion.Overlap:
                return Discard(queue);
        }

        AddMemory(end - offset);
        queue.Ecn |= 1 << (ip[1] & 3);
        var fragmentSize = end - offset + ihl;
        queue.MaxSize = Math.Max(queue.MaxSize, fragmentSize);
        if ((flags & 0x4000) != 0) queue.MaxDfSize = Math.Max(queue.MaxDfSize, fragmentSize);
        if (offset == 0)
        {
            queue.FirstIn = true;
            queue.Header = ip[..ihl].ToArray();
        }

        if (!queue.Complete) return DefragmentResult.Queued;
        return ReassembleIPv4(queue, out reassembled);
    }

    /// <summary>ip_frag_reasm: the first fragment's header over the joined payload.</summary>
    private DefragmentResult ReassembleIPv4(Queue queue, out ReadOnlyMemory<byte> reassembled)
    {
        reassembled = default;
        Kill(queue); // ipq_kill: the queue is done whatever happens next
        var header = queue.Header!;
        var length = header.Length + queue.Length;
        if (length > 65535) return Fail(); // out_oversize
        if (!EcnAllowed(queue.Ecn)) return Fail();

        var buffer = new byte[length];
        header.CopyTo(buffer, 0);
        queue.CopyPayload(buffer.AsSpan(header.Length));
        BinaryPrimitives.WriteUInt16BigEndian(buffer.AsSpan(2), (ushort)length);
        // IP_DF survives only if every fragment of the biggest size had it (IPSKB_FRAG_PMTU).
        BinaryPrimitives.WriteUInt16BigEndian(buffer.AsSpan(6), queue.MaxDfSize == queue.MaxSize ? (ushort)0x4000 : (ushort)0);
        if ((queue.Ecn & EcnCe) != 0) buffer[1] |= 3;
        BinaryPrimitives.WriteUInt16BigEndian(buffer.AsSpan(10), 0);
        BinaryPrimitives.WriteUInt16BigEndian(buffer.AsSpan(10), HeaderChecksum(buffer.AsSpan(0, header.Length)));
        ReassembledCount++;
        reassembled = buffer;
        return DefragmentResult.Reassembled;
    }

    /// <summary>nf_ct_frag6_gather → nf_ct_frag6_queue for one IPv6 fragment.</summary>
    private DefragmentResult QueueIPv6(ReadOnlySpan<byte> ip, long now, ushort zone, out ReadOnlyMemory<byte> reassembled)
    {
        reassembled = default;
        if (ip.Length < 40) return Fail();
        int payloadLength = BinaryPrimitives.ReadUInt16BigEndian(ip[4..]);
        if (payloadLength == 0) return DefragmentResult.PassThrough; // jumbo payload inhibits the fragment header
        if (payloadLength + 40 > ip.Length) return Fail();
        ip = ip[..(payloadLength + 40)];

        if (!FindFragmentHeader(ip, out var previousNextHeaderAt, out var fragmentAt)) return DefragmentResult.PassThrough;
        if (FirstFragmentTruncated(ip, fragmentAt)) return DefragmentResult.PassThrough; // RFC 8200 section 4.5
        if (fragmentAt + 8 > ip.Length) return Fail();

        var key = new Key(
            CtFamily.IPv6,
            0,
            BinaryPrimitives.ReadUInt32BigEndian(ip[(fragmentAt + 4)..]),
            BinaryPrimitives.ReadUInt128BigEndian(ip[8..]),
            BinaryPrimitives.ReadUInt128BigEndian(ip[24..]),
            zone);
        var queue = Find(key, now, Ipv6TimeoutNs);
        if (queue is null) return Fail();

        var fragmentField = BinaryPrimitives.ReadUInt16BigEndian(ip[(fragmentAt + 2)..]);
        var offset = fragmentField & ~7;
        var payloadStart = fragmentAt + 8;
        var end = offset + (ip.Length - payloadStart);
        if (end > 65535) return Fail();

        if ((fragmentField & 1) == 0)
        {
            if (end < queue.Length || (queue.LastIn && end != queue.Length)) return Fail(); // "already received last fragment"
            queue.LastIn = true;
            queue.Length = end;
        }
        else
        {
            if ((end & 7) != 0)
            {
                // "end of fragment not rounded to 8 bytes": the queue dies, the packet goes on (-EPROTO).
                Kill(queue);
                FailedCount++;
                return DefragmentResult.PassThrough;
            }
            if (end > queue.Length)
            {
                if (queue.LastIn) return Fail(); // "last packet already reached"
                queue.Length = end;
            }
        }
        if (end == offset) return Fail();

        switch (queue.Insert(offset, end, ip[payloadStart..]))
        {
            case Insertion.Duplicate:
                FailedCount++;
                return DefragmentResult.Queued; // "No error for duplicates, pretend they got queued."
            case Insertion.Overlap:
                return Discard(queue);
        }

        AddMemory(end - offset);
        queue.Ecn |= 1 << ((ip[1] >> 4) & 3); // ipv6_get_dsfield's ECN bits
        if (offset == 0)
        {
            queue.FirstIn = true;
            // The unfragmentable part, with the fragment header's next header already in place
            // of the header before it (nf_ct_frag6_reasm removes the fragment header).
            var header = ip[..fragmentAt].ToArray();
            header[previousNextHeaderAt] = ip[fragmentAt];
            queue.Header = header;
        }

        if (!queue.Complete) return DefragmentResult.Queued;
        return ReassembleIPv6(queue, out reassembled);
    }

    /// <summary>nf_ct_frag6_reasm: the first fragment's unfragmentable part, without the fragment header, over the joined payload.</summary>
    private DefragmentResult ReassembleIPv6(Queue queue, out ReadOnlyMemory<byte> reassembled)
    {
        reassembled = default;
        Kill(queue);
        var header = queue.Header!;
        var payloadLength = header.Length - 40 + queue.Length;
        if (payloadLength > 65535) return Fail();
        if (!EcnAllowed(queue.Ecn)) return Fail();

        var buffer = new byte[header.Length + queue.Length];
        header.CopyTo(buffer, 0);
        queue.CopyPayload(buffer.AsSpan(header.Length));
        BinaryPrimitives.WriteUInt16BigEndian(buffer.AsSpan(4), (ushort)payloadLength);
        if ((queue.Ecn & EcnCe) != 0) buffer[1] |= 0x30;
        ReassembledCount++;
        reassembled = buffer;
        return DefragmentResult.Reassembled;
    }

    /// <summary>find_prev_fhdr: the fragment header's offset and where the next-header byte that names it sits.</summary>
    private static bool FindFragmentHeader(ReadOnlySpan<byte> ip, out int previousNextHeaderAt, out int fragmentAt)
    {
        previousNextHeaderAt = 6;
        fragmentAt = 40;
        var next = ip[6];
        while (next != IpProto.Fragment)
        {
            if (next is not (IpProto.HopByHop or IpProto.Routing or IpProto.Ah or IpProto.DestinationOptions)) return false;
            if (fragmentAt + 2 > ip.Length) return false;
            var headerLength = next == IpProto.Ah ? (ip[fragmentAt + 1] + 2) << 2 : (ip[fragmentAt + 1] + 1) << 3;
            previousNextHeaderAt = fragmentAt;
            next = ip[fragmentAt];
            fragmentAt += headerLength;
        }
        return fragmentAt <= ip.Length;
    }

    /// <summary>ipv6frag_thdr_truncated: a first fragment must hold the upper-layer header (TCP 20, UDP 8, ICMPv6 8, others 1 byte).</summary>
    private static bool FirstFragmentTruncated(ReadOnlySpan<byte> ip, int fragmentAt)
    {
        if (fragmentAt + 4 > ip.Length) return false;
        if ((BinaryPrimitives.ReadUInt16BigEndian(ip[(fragmentAt + 2)..]) & ~7) != 0) return false;
        var next = ip[fragmentAt];
        var offset = fragmentAt + 8;
        while (next is IpProto.HopByHop or IpProto.Routing or IpProto.Fragment or IpProto.Ah or IpProto.NoNextHeader or IpProto.DestinationOptions)
        {
            if (next == IpProto.NoNextHeader || offset + 2 > ip.Length) return false;
            if (next == IpProto.Fragment)
            {
                if (offset + 4 > ip.Length) return false;
                if ((BinaryPrimitives.ReadUInt16BigEndian(ip[(offset + 2)..]) & ~7) != 0) return false;
                next = ip[offset];
                offset += 8;
                continue;
            }
            var headerLength = next == IpProto.Ah ? (ip[offset + 1] + 2) << 2 : (ip[offset + 1] + 1) << 3;
            next = ip[offset];
            offset += headerLength;
        }
        offset += next switch { IpProto.Tcp => 20, IpProto.Udp => 8, IpProto.IcmpV6 => 8, _ => 1 };
        return offset > ip.Length;
    }

    /// <summary>inet_frag_find: the datagram's queue, made if new; null above the memory threshold.</summary>
    private Queue? Find(Key key, long now, long timeout)
    {
        if (_memory > HighThresholdBytes) return null;
        if (_queues.TryGetValue(key, out var queue)) return queue;
        queue = new Queue(key, now + timeout);
        _queues.Add(key, queue);
        // Kept in deadline order: IPv4 and IPv6 time out differently, and pcapng interfaces may
        // interleave out of order, so walk back from the newest (usually no step at all).
        var after = _byAge.Last;
        while (after is not null && after.Value.Deadline > queue.Deadline) after = after.Previous;
        queue.Node = after is null ? _byAge.AddFirst(queue) : _byAge.AddAfter(after, queue);
        return queue;
    }

    private void AddMemory(int bytes) => _memory += bytes + FragmentOverhead;

    /// <summary>inet_frag_kill: forgets the queue and releases its memory.</summary>
    private void Kill(Queue queue)
    {
        if (queue.Node is null) return;
        _queues.Remove(queue.Key);
        _byAge.Remove(queue.Node);
        queue.Node = null;
        _memory -= queue.Bytes + (long)queue.FragmentCount * FragmentOverhead;
    }

    private DefragmentResult Discard(Queue queue)
    {
        Kill(queue);
        return Fail();
    }

    private DefragmentResult Fail()
    {
        FailedCount++;
        return DefragmentResult.Dropped;
    }

    /// <summary>ip_frag_ecn_table: Not-ECT mixed with ECT(0), ECT(1) or CE is dropped.</summary>
    private static bool EcnAllowed(int ecn) => (ecn & EcnNotEct) == 0 || ecn == EcnNotEct;

    private static ushort HeaderChecksum(ReadOnlySpan<byte> header)
    {
        uint sum = 0;
        for (var i = 0; i + 1 < header.Length; i += 2) sum += BinaryPrimitives.ReadUInt16BigEndian(header[i..]);
        while (sum > 0xFFFF) sum = (sum & 0xFFFF) + (sum >> 16);
        return (ushort)~sum;
    }

    /// <summary>The kernel's frag queue key: ipq's (saddr, daddr, id, protocol, user) and frag_queue's (id, saddr, daddr, user).</summary>
    private readonly record struct Key(CtFamily Family, byte Protocol, uint Id, UInt128 Source, UInt128 Destination, ushort Zone);

    private enum Insertion : byte { Ok, Duplicate, Overlap }

    /// <summary>One datagram being reassembled (struct inet_frag_queue), its fragments kept in runs as the kernel keeps them.</summary>
    private sealed class Queue(Key key, long deadline)
    {
        // Runs (FRAG_CB frag_run_len): contiguous fragments appended in order; sorted by offset.
        private readonly List<Run> _runs = [];
        private Run? _lastRun;

        public Key Key { get; } = key;
        public long Deadline { get; } = deadline;
        public LinkedListNode<Queue>? Node { get; set; }
        public bool FirstIn { get; set; }
        public bool LastIn { get; set; }
        /// <summary>The datagram's payload length as far as known (q.len).</summary>
        public int Length { get; set; }
        /// <summary>Payload bytes received (q.meat).</summary>
        public int Bytes { get; private set; }
        public int FragmentCount { get; private set; }
        public int Ecn { get; set; }
        public int MaxSize { get; set; }
        public int MaxDfSize { get; set; }
        /// <summary>The first fragment's header (IPv4) or unfragmentable part (IPv6).</summary>
        public byte[]? Header { get; set; }
        public bool Complete => FirstIn && LastIn && Bytes == Length;

        /// <summary>inet_frag_queue_insert.</summary>
        public Insertion Insert(int offset, int end, ReadOnlySpan<byte> payload)
        {
            var fragment = new Fragment(offset, payload.ToArray());
            if (_lastRun is null)
            {
                NewRun(fragment, 0);
            }
            else if (_lastRun.End < end)
            {
                // The common case: the fragment goes to the end.
                if (offset < _lastRun.End) return Insertion.Overlap;
                if (offset == _lastRun.End) _lastRun.Fragments.Add(fragment);
                else NewRun(fragment, _runs.Count);
            }
            else
            {
                // Somewhere before the end: a new run between the others, an exact duplicate of
                // (part of) one run, or an overlap.
                var index = 0;
                while (index < _runs.Count && _runs[index].End <= offset) index++;
                if (index < _runs.Count && end > _runs[index].Offset)
                {
                    var run = _runs[index];
                    return offset >= run.Offset && end <= run.End ? Insertion.Duplicate : Insertion.Overlap;
                }
                _runs.Insert(index, new Run(fragment));
            }
            Bytes += end - offset;
            FragmentCount++;
            return Insertion.Ok;
        }

        private void NewRun(Fragment fragment, int index)
        {
            var run = new Run(fragment);
            _runs.Insert(index, run);
            _lastRun = run;
        }

        public void CopyPayload(Span<byte> destination)
        {
            foreach (var run in _runs)
                foreach (var fragment in run.Fragments)
                    fragment.Data.CopyTo(destination[fragment.Offset..]);
        }
    }

    private sealed class Run(Fragment first)
    {
        public List<Fragment> Fragments { get; } = [first];
        public int Offset => Fragments[0].Offset;
        public int End => Fragments[^1].Offset + Fragments[^1].Data.Length;
    }

    private readonly record struct Fragment(int Offset, byte[] Data);
}
