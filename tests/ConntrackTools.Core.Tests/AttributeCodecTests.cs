using System.Buffers.Binary;
using System.Net;
using ConntrackTools.Kernel.Conntrack;
using ConntrackTools.Kernel.Netlink;
using Xunit;

namespace ConntrackTools.Tests;

/// <summary>Byte-level tests of the netlink writer and reader, and of the conntrack decoders on built messages.</summary>
public class AttributeCodecTests
{
    [Fact]
    public void Writer_lays_out_header_nfgenmsg_and_padded_big_endian_attributes()
    {
        var w = new NetlinkWriter();
        w.BeginMessage(0x0101, NetlinkSocket.NLM_F_REQUEST | NetlinkSocket.NLM_F_DUMP);
        w.PutNfGenMsg(2, 0x1234);
        w.PutU8(7, 0xAB);
        w.PutU32BE(8, 0x01020304);
        w.EndMessage(42);
        var b = w.Written.ToArray();
        Assert.Equal(16 + 4 + 8 + 8, b.Length);
        Assert.Equal((uint)b.Length, BinaryPrimitives.ReadUInt32LittleEndian(b));
        Assert.Equal(0x0101, BinaryPrimitives.ReadUInt16LittleEndian(b.AsSpan(4)));
        Assert.Equal(0x0301, BinaryPrimitives.ReadUInt16LittleEndian(b.AsSpan(6)));
        Assert.Equal(42u, BinaryPrimitives.ReadUInt32LittleEndian(b.AsSpan(8)));
        Assert.Equal(new byte[] { 2, 0, 0x12, 0x34 }, b[16..20]);
        // u8 attribute: len 5, type 7, payload, 3 bytes of padding
        Assert.Equal(new byte[] { 5, 0, 7, 0, 0xAB, 0, 0, 0 }, b[20..28]);
        Assert.Equal(new byte[] { 8, 0, 8, 0, 1, 2, 3, 4 }, b[28..36]);
    }

    [Fact]
    public void Nested_attributes_round_trip_through_the_reader()
    {
        var w = new NetlinkWriter();
        var outer = w.BeginNested(1);
        w.PutAddress(3, IPAddress.Parse("2001:db8::1"));
        w.PutU16BE(2, 8080);
        w.PutString(6, "ftp");
        w.EndNested(outer);
        w.PutU64BE(9, 0x0102030405060708);

        var r = new AttributeReader(w.Written);
        Assert.True(r.MoveNext());
        Assert.Equal(1, r.Type); // NLA_F_NESTED is masked off
        var inner = r.Nested;
        Assert.True(inner.MoveNext());
        Assert.Equal(IPAddress.Parse("2001:db8::1"), inner.Address);
        Assert.True(inner.MoveNext());
        Assert.Equal(8080, inner.U16);
        Assert.True(inner.MoveNext());
        Assert.Equal("ftp", inner.String);
        Assert.False(inner.MoveNext());
        Assert.True(r.MoveNext());
        Assert.Equal(0x0102030405060708UL, r.U64);
        Assert.False(r.MoveNext());
        Assert.False(r.Truncated);
    }

    [Fact]
    public void Reader_stops_at_an_attribute_longer_than_the_buffer()
    {
        byte[] bad = [12, 0, 1, 0, 1, 2, 3, 4]; // says 12 bytes, has 8
        var r = new AttributeReader(bad);
        Assert.False(r.MoveNext());
        Assert.True(r.Truncated);
    }

    [Fact]
    public void Short_payload_for_a_typed_getter_is_InvalidData_not_an_overrun()
    {
        byte[] attr = [6, 0, 3, 0, 1, 2, 0, 0]; // a u32 attribute with 2 bytes of payload
        var r = new AttributeReader(attr);
        Assert.True(r.MoveNext());
        uint value = 0;
        var ex = Record.Exception(() => { var rr = new AttributeReader(attr); rr.MoveNext(); value = rr.U32; });
        Assert.IsType<InvalidDataException>(ex);
        Assert.Equal(0u, value);
    }

    [Fact]
    public void Error_message_with_extended_ack_text_is_parsed()
    {
        // nlmsgerr: error -22, the capped original header, then NLMSGERR_ATTR_MSG "bad zone"
        var payload = new List<byte>();
        payload.AddRange(BitConverter.GetBytes(-22));
        payload.AddRange(new byte[16]);
        var text = "bad zone\0"u8.ToArray();
        payload.AddRange(BitConverter.GetBytes((ushort)(4 + text.Length)));
        payload.AddRange(BitConverter.GetBytes((ushort)1));
        payload.AddRange(text);
        while (payload.Count % 4 != 0) payload.Add(0);
        var errno = NetlinkSocket.ParseError(payload.ToArray(), 0x100 | 0x200, out var ack);
        Assert.Equal(22, errno);
        Assert.Equal("bad zone", ack);
        var ex = new NetlinkException(errno, "create conntrack", ack);
        Assert.Equal("EINVAL", ex.ErrnoName);
        Assert.Contains("bad zone", ex.Message);
    }

    [Fact]
    public void Connection_message_decodes_every_field()
    {
        var w = new NetlinkWriter();
        TupleCodec.Encode(w, Cta.CTA_TUPLE_ORIG, new CtTuple { Source = IPAddress.Parse("10.0.0.1"), Destination = IPAddress.Parse("10.0.0.2"), Protocol = CtProtocol.Tcp, SourcePort = 1000, DestinationPort = 80 });
        TupleCodec.Encode(w, Cta.CTA_TUPLE_REPLY, new CtTuple { Source = IPAddress.Parse("10.0.0.2"), Destination = IPAddress.Parse("10.0.0.1"), Protocol = CtProtocol.Tcp, SourcePort = 80, DestinationPort = 1000, Zone = 5 });
        w.PutU32BE(Cta.CTA_STATUS, (uint)(CtStatus.Assured | CtStatus.SeenReply | CtStatus.Confirmed));
        w.PutU32BE(Cta.CTA_TIMEOUT, 431999);
        w.PutU32BE(Cta.CTA_MARK, 0xdeadbeef);
        w.PutU16BE(Cta.CTA_ZONE, 3);
        w.PutU32BE(Cta.CTA_USE, 1);
        w.PutU32BE(Cta.CTA_ID, 123456);
        var info = w.BeginNested(Cta.CTA_PROTOINFO);
        var tcp = w.BeginNested(Cta.CTA_PROTOINFO_TCP);
        w.PutU8(Cta.CTA_PROTOINFO_TCP_STATE, 3);
        w.PutU8(Cta.CTA_PROTOINFO_TCP_WSCALE_ORIGINAL, 7);
        w.PutBytes(Cta.CTA_PROTOINFO_TCP_FLAGS_REPLY, [0x23, 0]);
        w.EndNested(tcp);
        w.EndNested(info);
        var help = w.BeginNested(Cta.CTA_HELP);
        w.PutString(Cta.CTA_HELP_NAME, "ftp");
        w.EndNested(help);
        var counters = w.BeginNested(Cta.CTA_COUNTERS_ORIG);
        w.PutU64BE(Cta.CTA_COUNTERS_PACKETS, 5);
        w.PutU64BE(Cta.CTA_COUNTERS_BYTES, 500);
        w.EndNested(counters);
        var ts = w.BeginNested(Cta.CTA_TIMESTAMP);
        w.PutU64BE(Cta.CTA_TIMESTAMP_START, 1_700_000_000_123_456_700UL);
        w.EndNested(ts);
        w.PutBytes(Cta.CTA_LABELS, FlowCodec.LabelBitmap([1, 70]));
        var sec = w.BeginNested(Cta.CTA_SECCTX);
        w.PutString(Cta.CTA_SECCTX_NAME, "system_u:object_r:unlabeled_t:s0");
        w.EndNested(sec);
        TupleCodec.Encode(w, Cta.CTA_TUPLE_MASTER, new CtTuple { Source = IPAddress.Parse("10.0.0.1"), Destination = IPAddress.Parse("10.0.0.2"), Protocol = CtProtocol.Tcp, SourcePort = 999, DestinationPort = 21 });

        var ct = FlowCodec.Decode(2, new AttributeReader(w.Written), "kernel", null);
        Assert.Equal(CtFamily.IPv4, ct.Family);
        Assert.Equal(CtProtocol.Tcp, ct.Protocol);
        Assert.Equal("src=10.0.0.1 dst=10.0.0.2 sport=1000 dport=80", ct.Original.ToString());
        Assert.Equal((ushort)5, ct.Reply.Zone);
        Assert.Equal(CtState.Established, ct.State);
        Assert.Equal(CtStatus.Assured | CtStatus.SeenReply | CtStatus.Confirmed, ct.Status);
        Assert.False(ct.Unreplied);
        Assert.Equal(431999u, ct.Timeout);
        Assert.Equal(0xdeadbeefu, ct.Mark);
        Assert.Equal((ushort)3, ct.Zone);
        Assert.Equal(1u, ct.Use);
        Assert.Equal(123456u, ct.Id);
        Assert.Equal((byte)7, ct.TcpWindowScaleOriginal);
        Assert.Equal(CtTcpFlags.WindowScale | CtTcpFlags.SackPermitted | CtTcpFlags.MaxAckSet, ct.TcpFlagsReply);
        Assert.Equal("ftp", ct.Helper);
        Assert.Equal(5ul, ct.OriginalPackets);
        Assert.Equal(500ul, ct.OriginalBytes);
        Assert.Null(ct.ReplyPackets);
        Assert.Equal(DateTimeOffset.FromUnixTimeSeconds(1_700_000_000).AddTicks(1_234_567), ct.Start);
        Assert.Null(ct.Stop);
        Assert.Equal(new[] { 1, 70 }, ct.Labels);
        Assert.Equal("system_u:object_r:unlabeled_t:s0", ct.SecurityContext);
        Assert.Equal((ushort)21, ct.Master!.DestinationPort);
    }

    [Fact]
    public void Expectation_message_decodes_tuple_mask_master_and_flags()
    {
        var w = new NetlinkWriter();
        TupleCodec.Encode(w, Cta.CTA_EXPECT_MASTER, new CtTuple { Source = IPAddress.Parse("10.0.0.1"), Destination = IPAddress.Parse("10.0.0.2"), Protocol = CtProtocol.Tcp, SourcePort = 40000, DestinationPort = 21 });
        TupleCodec.Encode(w, Cta.CTA_EXPECT_TUPLE, new CtTuple { Source = IPAddress.Parse("10.0.0.1"), Destination = IPAddress.Parse("10.0.0.2"), Protocol = CtProtocol.Tcp, SourcePort = 0, DestinationPort = 50000 });
        TupleCodec.Encode(w, Cta.CTA_EXPECT_MASK, new CtTuple { Source = IPAddress.Parse("255.255.255.255"), Destination = IPAddress.Parse("255.255.255.255"), Protocol = CtProtocol.Tcp, SourcePort = 0, DestinationPort = 0xFFFF });
        w.PutU32BE(Cta.CTA_EXPECT_TIMEOUT, 299);
        w.PutU32BE(Cta.CTA_EXPECT_ID, 77);
        w.PutString(Cta.CTA_EXPECT_HELP_NAME, "ftp");
        w.PutU16BE(Cta.CTA_EXPECT_ZONE, 2);
        w.PutU32BE(Cta.CTA_EXPECT_FLAGS, 5);
        w.PutU32BE(Cta.CTA_EXPECT_CLASS, 0);
        var exp = ExpectCodec.Decode(2, new AttributeReader(w.Written), "kernel");
        Assert.Equal(CtProtocol.Tcp, exp.Protocol);
        Assert.Equal((ushort)50000, exp.Tuple.DestinationPort);
        Assert.Equal((ushort)21, exp.Master.DestinationPort);
        Assert.Equal((ushort)0, exp.Mask.SourcePort);
        Assert.True(exp.WildcardSourcePort);
        Assert.False(exp.WildcardSource);
        Assert.Equal(299u, exp.Timeout);
        Assert.Equal(77u, exp.Id);
        Assert.Equal("ftp", exp.Helper);
        Assert.Equal((ushort)2, exp.Zone);
        Assert.Equal(CtExpectationFlags.Permanent | CtExpectationFlags.Userspace, exp.Flags);
        Assert.Equal(0u, exp.Class);
    }

    [Theory]
    [InlineData(new int[0])]
    [InlineData(new[] { 0 })]
    [InlineData(new[] { 0, 7, 8, 63, 64, 127 })]
    public void Label_bitmap_round_trips(int[] labels) =>
        Assert.Equal(labels, FlowCodec.LabelBits(FlowCodec.LabelBitmap(labels)));
}
