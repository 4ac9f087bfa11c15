namespace ConntrackTools.Kernel.Conntrack;

// The ctnetlink numbers, named as include/uapi/linux/netfilter/nfnetlink_conntrack.h names them.
#pragma warning disable CA1707 // kernel names keep their underscores, so they can be grepped for

internal static class CtMsg
{
    public const byte IPCTNL_MSG_CT_NEW = 0;
    public const byte IPCTNL_MSG_CT_GET = 1;
    public const byte IPCTNL_MSG_CT_DELETE = 2;
    public const byte IPCTNL_MSG_CT_GET_CTRZERO = 3;
    public const byte IPCTNL_MSG_CT_GET_STATS_CPU = 4;
    public const byte IPCTNL_MSG_CT_GET_STATS = 5;
    public const byte IPCTNL_MSG_CT_GET_DYING = 6;
    public const byte IPCTNL_MSG_CT_GET_UNCONFIRMED = 7;

    public const byte IPCTNL_MSG_EXP_NEW = 0;
    public const byte IPCTNL_MSG_EXP_GET = 1;
    public const byte IPCTNL_MSG_EXP_DELETE = 2;
    public const byte IPCTNL_MSG_EXP_GET_STATS_CPU = 3;
}

internal static class Cta
{
    public const ushort CTA_TUPLE_ORIG = 1;
    public const ushort CTA_TUPLE_REPLY = 2;
    public const ushort CTA_STATUS = 3;
    public const ushort CTA_PROTOINFO = 4;
    public const ushort CTA_HELP = 5;
    public const ushort CTA_NAT_SRC = 6;
    public const ushort CTA_TIMEOUT = 7;
    public const ushort CTA_MARK = 8;
    public const ushort CTA_COUNTERS_ORIG = 9;
    public const ushort CTA_COUNTERS_REPLY = 10;
    public const ushort CTA_USE = 11;
    public const ushort CTA_ID = 12;
    public const ushort CTA_NAT_DST = 13;
    public const ushort CTA_TUPLE_MASTER = 14;
    public const ushort CTA_SEQ_ADJ_ORIG = 15;
    public const ushort CTA_SEQ_ADJ_REPLY = 16;
    public const ushort CTA_SECMARK = 17;
    public const ushort CTA_ZONE = 18;
    public const ushort CTA_SECCTX = 19;
    public const ushort CTA_TIMESTAMP = 20;
    public const ushort CTA_MARK_MASK = 21;
    public const ushort CTA_LABELS = 22;
    public const ushort CTA_LABELS_MASK = 23;
    public const ushort CTA_SYNPROXY = 24;
    public const ushort CTA_FILTER = 25;
    public const ushort CTA_STATUS_MASK = 26;
    public const ushort CTA_TIMESTAMP_EVENT = 27;

    public const ushort CTA_TUPLE_IP = 1;
    public const ushort CTA_TUPLE_PROTO = 2;
    public const ushort CTA_TUPLE_ZONE = 3;

    public const ushort CTA_IP_V4_SRC = 1;
    public const ushort CTA_IP_V4_DST = 2;
    public const ushort CTA_IP_V6_SRC = 3;
    public const ushort CTA_IP_V6_DST = 4;

    public const ushort CTA_PROTO_NUM = 1;
    public const ushort CTA_PROTO_SRC_PORT = 2;
    public const ushort CTA_PROTO_DST_PORT = 3;
    public const ushort CTA_PROTO_ICMP_ID = 4;
    public const ushort CTA_PROTO_ICMP_TYPE = 5;
    public const ushort CTA_PROTO_ICMP_CODE = 6;
    public const ushort CTA_PROTO_ICMPV6_ID = 7;
    public const ushort CTA_PROTO_ICMPV6_TYPE = 8;
    public const ushort CTA_PROTO_ICMPV6_CODE = 9;

    public const ushort CTA_PROTOINFO_TCP = 1;
    public const ushort CTA_PROTOINFO_DCCP = 2;
    public const ushort CTA_PROTOINFO_SCTP = 3;

    public const ushort CTA_PROTOINFO_TCP_STATE = 1;
    public const ushort CTA_PROTOINFO_TCP_WSCALE_ORIGINAL = 2;
    public const ushort CTA_PROTOINFO_TCP_WSCALE_REPLY = 3;
    public const ushort CTA_PROTOINFO_TCP_FLAGS_ORIGINAL = 4;
    public const ushort CTA_PROTOINFO_TCP_FLAGS_REPLY = 5;

    public const ushort CTA_PROTOINFO_DCCP_STATE = 1;
    public const ushort CTA_PROTOINFO_DCCP_ROLE = 2;
    public const ushort CTA_PROTOINFO_DCCP_HANDSHAKE_SEQ = 3;

    public const ushort CTA_PROTOINFO_SCTP_STATE = 1;
    public const ushort CTA_PROTOINFO_SCTP_VTAG_ORIGINAL = 2;
    public const ushort CTA_PROTOINFO_SCTP_VTAG_REPLY = 3;

    public const ushort CTA_COUNTERS_PACKETS = 1;
    public const ushort CTA_COUNTERS_BYTES = 2;
    public const ushort CTA_COUNTERS32_PACKETS = 3;
    public const ushort CTA_COUNTERS32_BYTES = 4;

    public const ushort CTA_TIMESTAMP_START = 1;
    public const ushort CTA_TIMESTAMP_STOP = 2;

    public const ushort CTA_HELP_NAME = 1;
    public const ushort CTA_SECCTX_NAME = 1;

    public const ushort CTA_SEQADJ_CORRECTION_POS = 1;
    public const ushort CTA_SEQADJ_OFFSET_BEFORE = 2;
    public const ushort CTA_SEQADJ_OFFSET_AFTER = 3;

    public const ushort CTA_FILTER_ORIG_FLAGS = 1;
    public const ushort CTA_FILTER_REPLY_FLAGS = 2;

    public const ushort CTA_EXPECT_MASTER = 1;
    public const ushort CTA_EXPECT_TUPLE = 2;
    public const ushort CTA_EXPECT_MASK = 3;
    public const ushort CTA_EXPECT_TIMEOUT = 4;
    public const ushort CTA_EXPECT_ID = 5;
    public const ushort CTA_EXPECT_HELP_NAME = 6;
    public const ushort CTA_EXPECT_ZONE = 7;
    public const ushort CTA_EXPECT_FLAGS = 8;
    public const ushort CTA_EXPECT_CLASS = 9;
    public const ushort CTA_EXPECT_NAT = 10;
    public const ushort CTA_EXPECT_FN = 11;

    public const ushort CTA_EXPECT_NAT_DIR = 1;
    public const ushort CTA_EXPECT_NAT_TUPLE = 2;

    public const ushort CTA_STATS_SEARCHED = 1;
    public const ushort CTA_STATS_FOUND = 2;
    public const ushort CTA_STATS_NEW = 3;
    public const ushort CTA_STATS_INVALID = 4;
    public const ushort CTA_STATS_IGNORE = 5;
    public const ushort CTA_STATS_DELETE = 6;
    public const ushort CTA_STATS_DELETE_LIST = 7;
    public const ushort CTA_STATS_INSERT = 8;
    public const ushort CTA_STATS_INSERT_FAILED = 9;
    public const ushort CTA_STATS_DROP = 10;
    public const ushort CTA_STATS_EARLY_DROP = 11;
    public const ushort CTA_STATS_ERROR = 12;
    public const ushort CTA_STATS_SEARCH_RESTART = 13;
    public const ushort CTA_STATS_CLASH_RESOLVE = 14;
    public const ushort CTA_STATS_CHAIN_TOOLONG = 15;

    public const ushort CTA_STATS_GLOBAL_ENTRIES = 1;
    public const ushort CTA_STATS_GLOBAL_MAX_ENTRIES = 2;

    public const ushort CTA_STATS_EXP_NEW = 1;
    public const ushort CTA_STATS_EXP_CREATE = 2;
    public const ushort CTA_STATS_EXP_DELETE = 3;
}

/// <summary>CTA_FILTER flag bits (CTA_FILTER_F_*, net/netfilter/nf_conntrack_netlink.c).</summary>
[Flags]
internal enum CtaFilterFlags : uint
{
    None = 0,
    IpSrc = 1 << 0,
    IpDst = 1 << 1,
    TupleZone = 1 << 2,
    ProtoNum = 1 << 3,
    ProtoSrcPort = 1 << 4,
    ProtoDstPort = 1 << 5,
    IcmpType = 1 << 6,
    IcmpCode = 1 << 7,
    IcmpId = 1 << 8,
    IcmpV6Type = 1 << 9,
    IcmpV6Code = 1 << 10,
    IcmpV6Id = 1 << 11,
}
#pragma warning restore CA1707
