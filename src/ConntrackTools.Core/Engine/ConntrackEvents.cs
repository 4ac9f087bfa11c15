namespace ConntrackTools.Engine;

/// <summary>
/// The kernel's per-packet event cache bits (enum ip_conntrack_events, nf_conntrack_common.h).
/// Trackers set them while handling a packet; the engine turns them into one NEW, UPDATE or
/// DESTROY event per packet the way ctnetlink_conntrack_event does.
/// </summary>
[Flags]
internal enum ConntrackEvents : ushort
{
    None = 0,
    New = 1 << 0,
    Related = 1 << 1,
    Destroy = 1 << 2,
    Reply = 1 << 3,
    Assured = 1 << 4,
    ProtoInfo = 1 << 5,
    Helper = 1 << 6,
    Mark = 1 << 7,
    SeqAdjust = 1 << 8,
    Secmark = 1 << 9,
    Label = 1 << 10,
    Synproxy = 1 << 11,
}

/// <summary>What a protocol tracker decided about one packet (the kernel's packet() return value).</summary>
internal enum TrackerVerdict : byte
{
    /// <summary>NF_ACCEPT after nf_ct_refresh_acct: counted, timeout refreshed to the returned value.</summary>
    Accept,
    /// <summary>NF_ACCEPT without refreshing or counting (e.g. tcp_in_window's NFCT_TCP_IGNORE).</summary>
    AcceptNoRefresh,
    /// <summary>-NF_ACCEPT: the packet is INVALID for this connection; not counted, nothing changes.</summary>
    Invalid,
    /// <summary>NF_DROP.</summary>
    Drop,
    /// <summary>nf_ct_kill then -NF_REPEAT: the old entry dies (DESTROY) and the packet is looked up again as new.</summary>
    Repeat,
}

/// <summary>
/// An engine's subscribers to one kind of event: added and removed from any thread, raised on the
/// thread that feeds packets. <see cref="Any"/> lets the engine skip building events nobody reads.
/// </summary>
internal sealed class Listeners<T>
{
    private readonly List<Action<T>> _list = [];
    private volatile bool _any;

    public bool Any => _any;

    public void Add(Action<T> listener)
    {
        lock (_list) _list.Add(listener);
        _any = true;
    }

    public void Remove(Action<T> listener)
    {
        lock (_list)
        {
            _list.Remove(listener);
            _any = _list.Count > 0;
        }
    }

    public void Raise(T e)
    {
        lock (_list)
            foreach (var l in _list) l(e);
    }
}
