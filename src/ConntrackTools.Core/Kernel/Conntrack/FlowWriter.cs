using ConntrackTools.Kernel.Netlink;

namespace ConntrackTools.Kernel.Conntrack;

/// <summary>
/// What Set-CtConnection changes on an existing entry: the fields ctnetlink_change_conntrack
/// accepts. Null leaves a field as it is.
/// </summary>
public sealed class CtConnectionChange
{
    /// <summary>The new mark; with <see cref="MarkMask"/> only the masked bits change.</summary>
    public uint? Mark { get; set; }
    public uint? MarkMask { get; set; }

    /// <summary>The new timeout in seconds.</summary>
    public uint? Timeout { get; set; }

    /// <summary>Status bits to set (the kernel never clears SEEN_REPLY, ASSURED or CONFIRMED).</summary>
    public CtStatus? AddStatus { get; set; }

    /// <summary>Label bits to set and to clear.</summary>
    public int[]? AddLabel { get; set; }
    public int[]? RemoveLabel { get; set; }

    /// <summary>A new TCP or SCTP protocol state.</summary>
    public CtState? State { get; set; }

    public bool IsEmpty => Mark is null && Timeout is null && AddStatus is null && AddLabel is null && RemoveLabel is null && State is null;
}

/// <summary>Connection messages for IPCTNL_MSG_CT_NEW (create and update) and IPCTNL_MSG_CT_DELETE.</summary>
internal static class FlowWriter
{
    /// <summary>
    /// The attributes of a new entry as ctnetlink_create_conntrack reads them: both tuples,
    /// timeout, status, protocol state, mark, zone, labels and helper.
    /// </summary>
    public static void WriteCreate(NetlinkWriter w, CtConnection ct)
    {
        TupleCodec.Encode(w, Cta.CTA_TUPLE_ORIG, ct.Original);
        TupleCodec.Encode(w, Cta.CTA_TUPLE_REPLY, ct.Reply);
        if (ct.Status != CtStatus.None) w.PutU32BE(Cta.CTA_STATUS, (uint)ct.Status);
        w.PutU32BE(Cta.CTA_TIMEOUT, ct.Timeout ?? throw new ArgumentException("A new connection needs a timeout."));
        if (ct.Mark != 0) w.PutU32BE(Cta.CTA_MARK, ct.Mark);
        if (ct.Zone != 0) w.PutU16BE(Cta.CTA_ZONE, ct.Zone);
        WriteProtoinfo(w, ct.Protocol, ct.State, ct.SctpVtagOriginal, ct.SctpVtagReply);
        if (ct.Labels is { Length: > 0 } labels)
        {
            w.PutBytes(Cta.CTA_LABELS, FlowCodec.LabelBitmap(labels));
            w.PutBytes(Cta.CTA_LABELS_MASK, FlowCodec.LabelBitmap(labels));
        }
        if (!string.IsNullOrEmpty(ct.Helper))
        {
            var help = w.BeginNested(Cta.CTA_HELP);
            w.PutString(Cta.CTA_HELP_NAME, ct.Helper);
            w.EndNested(help);
        }
    }

    /// <summary>An update of the entry <paramref name="ct"/> names (by original tuple and zone).</summary>
    public static void WriteUpdate(NetlinkWriter w, CtConnection ct, CtConnectionChange change)
    {
        WriteIdentity(w, ct, withId: false);
        if (change.Timeout is { } timeout) w.PutU32BE(Cta.CTA_TIMEOUT, timeout);
        if (change.AddStatus is { } add)
        {
            // ctnetlink_change_status refuses to clear the bits the kernel owns, so send what is set plus what is added.
            w.PutU32BE(Cta.CTA_STATUS, (uint)(ct.Status | add));
        }
        if (change.Mark is { } mark)
        {
            var mask = change.MarkMask ?? uint.MaxValue;
            w.PutU32BE(Cta.CTA_MARK, mark & mask);
            if (change.MarkMask is not null) w.PutU32BE(Cta.CTA_MARK_MASK, mask);
        }
        if (change.State is { } state) WriteProtoinfo(w, ct.Protocol, state, ct.SctpVtagOriginal ?? 0, ct.SctpVtagReply ?? 0);
        if (change.AddLabel is not null || change.RemoveLabel is not null)
        {
            var set = change.AddLabel ?? [];
            w.PutBytes(Cta.CTA_LABELS, FlowCodec.LabelBitmap(set));
            w.PutBytes(Cta.CTA_LABELS_MASK, FlowCodec.LabelBitmap(set.Concat(change.RemoveLabel ?? [])));
        }
    }

    /// <summary>Names one entry: its original tuple, its zone, and (for deletes) its id, so a reused tuple is not hit.</summary>
    public static void WriteIdentity(NetlinkWriter w, CtConnection ct, bool withId)
    {
        TupleCodec.Encode(w, Cta.CTA_TUPLE_ORIG, ct.Original);
        if (ct.Zone != 0) w.PutU16BE(Cta.CTA_ZONE, ct.Zone);
        if (withId && ct.Id != 0) w.PutU32BE(Cta.CTA_ID, ct.Id);
    }

    private static void WriteProtoinfo(NetlinkWriter w, CtProtocol protocol, CtState state, uint? vtagOriginal, uint? vtagReply)
    {
        if (state == CtState.None) return;
        var info = w.BeginNested(Cta.CTA_PROTOINFO);
        switch (protocol)
        {
            case CtProtocol.Tcp:
                {
                    var n = StateCodec.ToTcp(state);
                    if (n <= 0) throw new ArgumentException($"{state} is not a TCP state. TCP states are SynSent, SynRecv, Established, FinWait, CloseWait, LastAck, TimeWait, Close and SynSent2.");
                    var tcp = w.BeginNested(Cta.CTA_PROTOINFO_TCP);
                    w.PutU8(Cta.CTA_PROTOINFO_TCP_STATE, (byte)n);
                    w.EndNested(tcp);
                    break;
                }
            case CtProtocol.Sctp:
                {
                    var n = StateCodec.ToSctp(state);
                    if (n <= 0) throw new ArgumentException($"{state} is not an SCTP state. SCTP states are Closed, CookieWait, CookieEchoed, Established, ShutdownSent, ShutdownRecd, ShutdownAckSent, HeartbeatSent.");
                    var sctp = w.BeginNested(Cta.CTA_PROTOINFO_SCTP);
                    w.PutU8(Cta.CTA_PROTOINFO_SCTP_STATE, (byte)n);
                    if (vtagOriginal is { } vo) w.PutU32BE(Cta.CTA_PROTOINFO_SCTP_VTAG_ORIGINAL, vo);
                    if (vtagReply is { } vr) w.PutU32BE(Cta.CTA_PROTOINFO_SCTP_VTAG_REPLY, vr);
                    w.EndNested(sctp);
                    break;
                }
            default:
                throw new ArgumentException($"{protocol} has no protocol state; -State applies to TCP and SCTP.");
        }
        w.EndNested(info);
    }
}
