using System.Buffers.Binary;
using ConntrackTools.Kernel.Netlink;

namespace ConntrackTools.Kernel.Conntrack;

/// <summary>A ctnetlink connection message → <see cref="CtConnection"/> (ctnetlink_fill_info's attributes).</summary>
internal static class FlowCodec
{
    public static CtConnection Decode(byte family, AttributeReader attrs, string backend, ConnLabelMap? labelMap)
    {
        var ct = new CtConnection { Family = (CtFamily)family, Backend = backend };
        while (attrs.MoveNext())
        {
            switch (attrs.Type)
            {
                case Cta.CTA_TUPLE_ORIG:
                    ct.Original = TupleCodec.Decode(attrs.Nested);
                    ct.Protocol = ct.Original.Protocol;
                    break;
                case Cta.CTA_TUPLE_REPLY:
                    ct.Reply = TupleCodec.Decode(attrs.Nested);
                    break;
                case Cta.CTA_TUPLE_MASTER:
                    ct.Master = TupleCodec.Decode(attrs.Nested);
                    break;
                case Cta.CTA_STATUS:
                    ct.Status = (CtStatus)attrs.U32;
                    break;
                case Cta.CTA_TIMEOUT:
                    ct.Timeout = attrs.U32;
                    break;
                case Cta.CTA_MARK:
                    ct.Mark = attrs.U32;
                    break;
                case Cta.CTA_ZONE:
                    ct.Zone = attrs.U16;
                    break;
                case Cta.CTA_USE:
                    ct.Use = attrs.U32;
                    break;
                case Cta.CTA_ID:
                    ct.Id = attrs.U32;
                    break;
                case Cta.CTA_PROTOINFO:
                    DecodeProtoinfo(attrs.Nested, ct);
                    break;
                case Cta.CTA_HELP:
                    {
                        var help = attrs.Nested;
                        while (help.MoveNext())
                            if (help.Type == Cta.CTA_HELP_NAME) ct.Helper = Names.Intern(help.Payload);
                        break;
                    }
                case Cta.CTA_COUNTERS_ORIG:
                    {
                        DecodeCounters(attrs.Nested, out var packets, out var bytes);
                        ct.OriginalPackets = packets;
                        ct.OriginalBytes = bytes;
                        break;
                    }
                case Cta.CTA_COUNTERS_REPLY:
                    {
                        DecodeCounters(attrs.Nested, out var packets, out var bytes);
                        ct.ReplyPackets = packets;
                        ct.ReplyBytes = bytes;
                        break;
                    }
                case Cta.CTA_TIMESTAMP:
                    {
                        var ts = attrs.Nested;
                        while (ts.MoveNext())
                        {
                            if (ts.Type == Cta.CTA_TIMESTAMP_START) ct.Start = FromNanoseconds(ts.U64);
                            else if (ts.Type == Cta.CTA_TIMESTAMP_STOP) ct.Stop = FromNanoseconds(ts.U64);
                        }
                        break;
                    }
                case Cta.CTA_SECCTX:
                    {
                        var sec = attrs.Nested;
                        while (sec.MoveNext())
                            if (sec.Type == Cta.CTA_SECCTX_NAME) ct.SecurityContext = Names.Intern(sec.Payload);
                        break;
                    }
                case Cta.CTA_LABELS:
                    ct.Labels = LabelBits(attrs.Payload);
                    if (labelMap is not null && ct.Labels.Length > 0) ct.LabelNames = labelMap.NamesOf(ct.Labels);
                    break;
                case Cta.CTA_SEQ_ADJ_ORIG:
                    ct.SequenceAdjustmentOriginal = DecodeSeqAdj(attrs.Nested);
                    break;
                case Cta.CTA_SEQ_ADJ_REPLY:
                    ct.SequenceAdjustmentReply = DecodeSeqAdj(attrs.Nested);
                    break;
            }
        }
        return ct;
    }

    private static void DecodeProtoinfo(AttributeReader attrs, CtConnection ct)
    {
        while (attrs.MoveNext())
        {
            var info = attrs.Nested;
            switch (attrs.Type)
            {
                case Cta.CTA_PROTOINFO_TCP:
                    while (info.MoveNext())
                    {
                        switch (info.Type)
                        {
                            case Cta.CTA_PROTOINFO_TCP_STATE: ct.State = StateCodec.FromTcp(info.U8); break;
                            case Cta.CTA_PROTOINFO_TCP_WSCALE_ORIGINAL: ct.TcpWindowScaleOriginal = info.U8; break;
                            case Cta.CTA_PROTOINFO_TCP_WSCALE_REPLY: ct.TcpWindowScaleReply = info.U8; break;
                            // struct nf_ct_tcp_flags { __u8 flags; __u8 mask; }
                            case Cta.CTA_PROTOINFO_TCP_FLAGS_ORIGINAL: ct.TcpFlagsOriginal = (CtTcpFlags)info.U8; break;
                            case Cta.CTA_PROTOINFO_TCP_FLAGS_REPLY: ct.TcpFlagsReply = (CtTcpFlags)info.U8; break;
                        }
                    }
                    break;
                case Cta.CTA_PROTOINFO_SCTP:
                    while (info.MoveNext())
                    {
                        switch (info.Type)
                        {
                            case Cta.CTA_PROTOINFO_SCTP_STATE: ct.State = StateCodec.FromSctp(info.U8); break;
                            case Cta.CTA_PROTOINFO_SCTP_VTAG_ORIGINAL: ct.SctpVtagOriginal = info.U32; break;
                            case Cta.CTA_PROTOINFO_SCTP_VTAG_REPLY: ct.SctpVtagReply = info.U32; break;
                        }
                    }
                    break;
                case Cta.CTA_PROTOINFO_DCCP:
                    while (info.MoveNext())
                    {
                        switch (info.Type)
                        {
                            case Cta.CTA_PROTOINFO_DCCP_STATE: ct.State = StateCodec.FromDccp(info.U8); break;
                            case Cta.CTA_PROTOINFO_DCCP_ROLE: ct.DccpRole = info.U8; break;
                            case Cta.CTA_PROTOINFO_DCCP_HANDSHAKE_SEQ: ct.DccpHandshakeSequence = info.U64; break;
                        }
                    }
                    break;
            }
        }
    }

    private static void DecodeCounters(AttributeReader attrs, out ulong packets, out ulong bytes)
    {
        packets = bytes = 0;
        while (attrs.MoveNext())
        {
            switch (attrs.Type)
            {
                case Cta.CTA_COUNTERS_PACKETS: packets = attrs.U64; break;
                case Cta.CTA_COUNTERS_BYTES: bytes = attrs.U64; break;
                case Cta.CTA_COUNTERS32_PACKETS: packets = attrs.U32; break;
                case Cta.CTA_COUNTERS32_BYTES: bytes = attrs.U32; break;
            }
        }
    }

    private static CtSequenceAdjustment DecodeSeqAdj(AttributeReader attrs)
    {
        var adj = new CtSequenceAdjustment();
        while (attrs.MoveNext())
        {
            switch (attrs.Type)
            {
                case Cta.CTA_SEQADJ_CORRECTION_POS: adj.CorrectionPosition = attrs.U32; break;
                case Cta.CTA_SEQADJ_OFFSET_BEFORE: adj.OffsetBefore = unchecked((int)attrs.U32); break;
                case Cta.CTA_SEQADJ_OFFSET_AFTER: adj.OffsetAfter = unchecked((int)attrs.U32); break;
            }
        }
        return adj;
    }

    internal static DateTimeOffset FromNanoseconds(ulong ns) => DateTimeOffset.UnixEpoch.AddTicks((long)(ns / 100));

    /// <summary>
    /// CTA_LABELS is the kernel's label bitmap (an array of unsigned long, little-endian here):
    /// bit N of the bitmap is label N, as libnetfilter_conntrack's nfct_bitmask reads it.
    /// </summary>
    internal static int[] LabelBits(ReadOnlySpan<byte> bitmap)
    {
        var count = 0;
        foreach (var b in bitmap) count += System.Numerics.BitOperations.PopCount(b);
        if (count == 0) return [];
        var bits = new int[count];
        var k = 0;
        for (var i = 0; i < bitmap.Length; i++)
        {
            var b = bitmap[i];
            for (var bit = 0; b != 0; bit++, b >>= 1)
                if ((b & 1) != 0) bits[k++] = i * 8 + bit;
        }
        return bits;
    }

    /// <summary>The bitmap for a set of label numbers, sized as the kernel wants it (16 bytes).</summary>
    internal static byte[] LabelBitmap(IEnumerable<int> labels)
    {
        var bitmap = new byte[16];
        foreach (var label in labels)
        {
            if (label is < 0 or > 127) throw new ArgumentOutOfRangeException(nameof(labels), label, "Connection labels are numbered 0 to 127.");
            bitmap[label / 8] |= (byte)(1 << (label % 8));
        }
        return bitmap;
    }

    internal static uint ReadU32BE(ReadOnlySpan<byte> span) => BinaryPrimitives.ReadUInt32BigEndian(span);
}

/// <summary>
/// Interns the few distinct strings a dump repeats (helper names, security contexts), so that a
/// 200,000-entry table does not carry 200,000 copies of "ftp".
/// </summary>
internal static class Names
{
    private static readonly object Gate = new();
    private static string[] _known = [];

    public static string Intern(ReadOnlySpan<byte> nulTerminated)
    {
        var nul = nulTerminated.IndexOf((byte)0);
        var bytes = nul >= 0 ? nulTerminated[..nul] : nulTerminated;
        var known = _known;
        foreach (var s in known)
            if (s.Length == bytes.Length && Matches(s, bytes)) return s;
        var text = System.Text.Encoding.UTF8.GetString(bytes);
        lock (Gate)
        {
            if (_known.Length < 64) _known = [.. _known, text];
        }
        return text;
    }

    private static bool Matches(string s, ReadOnlySpan<byte> bytes)
    {
        for (var i = 0; i < bytes.Length; i++)
            if (s[i] != bytes[i]) return false;
        return true;
    }
}
