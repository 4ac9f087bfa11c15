using System.Buffers.Binary;

namespace ConntrackTools.Engine.Helpers.Userspace;

/// <summary>
/// conntrackd's rpc helper (src/helpers/rpc.c, registered for TCP and UDP, policy 1, 300 s): a
/// portmapper (program 100000 version 2) PMAPPROC_GETPORT call from the client is remembered by
/// its XID, and the accepted, successful reply with that XID expects the client's connection to
/// the port it names: from the client's address, any port, to the server's address, over the
/// protocol the call asked for, PERMANENT. That is how NFSv3's mountd, nlockmgr and nfs ports
/// get through; there is no separate nfs or mountd helper. Over TCP the 4-byte record mark is
/// skipped unread, and only once traffic went both ways. The expectation goes through its own
/// ctnetlink request (cthelper_add_expect): if the kernel refuses it, the reply is dropped.
/// Any refusal forgets the XID.
/// </summary>
internal abstract class RpcHelper() : UserspaceHelper("rpc", 1, 300)
{
    private const uint SupportedRpcVersion = 2, PmapProg = 100000, PmapVers = 2, PmapProcGetport = 3;
    private const uint Call = 0, Reply = 1, MsgAccepted = 0, Success = 0;
    private const uint MaxAuthBytes = 400;

    public sealed override IReadOnlyList<ushort> Ports { get; } = [111];

    public sealed override IReadOnlyList<CtExpectationShape> Shapes => _shapes ??=
    [
        Shape("program port (GETPORT reply)", CtProtocol.Tcp, CtFieldOrigin.Fixed, CtFieldOrigin.Any, CtFieldOrigin.Fixed, CtFieldOrigin.InCommand),
        Shape("program port (GETPORT reply)", CtProtocol.Udp, CtFieldOrigin.Fixed, CtFieldOrigin.Any, CtFieldOrigin.Fixed, CtFieldOrigin.InCommand),
    ];
    private CtExpectationShape[]? _shapes;

    /// <summary>struct rpc_info: the helper's private data, kept by the kernel with the connection.</summary>
    private sealed class RpcInfo
    {
        public uint Xid, Prog, Vers, Prot;
    }

    /// <summary>rpc_helper_cb.</summary>
    protected sealed override HelperVerdict Callback(HelperCall call, ReadOnlySpan<byte> l4)
    {
        var tcp = call.Original.Protocol == (byte)CtProtocol.Tcp;
        // Until there's been traffic both ways, don't look into TCP packets.
        if (tcp && call.Info is not (CtInfo.Established or CtInfo.EstablishedReply)) return HelperVerdict.Accept;
        var info = call.State as RpcInfo ?? (RpcInfo)(call.State = new RpcInfo());

        // The offset counts from the layer-4 header here, the source's from the network header; the
        // "offset % 4" check never fires (IPv4 headers are whole words, IPv6's is 40 bytes).
        var offset = tcp ? (Libc.At(l4, 12) >> 4) * 4 + 4 /* record mark */ : 8;
        var datalen = l4.Length;

        // rpc_msg { xid, direction, call_body | reply_body }
        if (datalen < offset + 8) return HelperVerdict.Accept;
        var xid = Word(l4, offset);
        var rmDir = Word(l4, offset + 4);
        offset += 8;
        var verdict = HelperVerdict.Accept;

        if (rmDir == Call && call.Direction == 0)
        {
            if (RpcCall(l4, offset, info))
            {
                info.Xid = xid;
                return verdict;
            }
        }
        else if (rmDir == Reply && call.Direction == 1 && xid == info.Xid && RpcReply(l4, offset, out var port))
        {
            // From the client (the original source) to the server, over the protocol the call named.
            var original = call.Original;
            var protocol = (CtProtocol)(byte)info.Prot; // uint8_t l4proto
            var ports = protocol is CtProtocol.Tcp or CtProtocol.Udp;
            if (!ports && HasPortAttributes(protocol))
            {
                // cthelper_expect_init sets no ports for other protocols, and ctnetlink_parse_tuple
                // refuses such a tuple when the protocol wants ports (EINVAL).
                call.Log("RPC: cannot add expectation");
                verdict = HelperVerdict.Drop;
            }
            else
            {
                var exp = Init(call, original.Source, original.Destination, protocol, null, ports ? port : (ushort)0, CtExpectationFlags.Permanent);
                // NAT (nf_nat_rpc) is not modelled. Can't expect this? Best to drop packet now.
                if (!Add(call, exp))
                {
                    call.Log("RPC: cannot add expectation");
                    verdict = HelperVerdict.Drop;
                }
            }
        }
        info.Xid = 0;
        return verdict;
    }

    /// <summary>rpc_call: a portmap GETPORT call of exactly the right size; fills prog, vers and prot as it reads them.</summary>
    private static bool RpcCall(ReadOnlySpan<byte> data, int offset, RpcInfo info)
    {
        // rpcvers, prog, vers, proc, then cred and verf headers (flavour and length).
        var at = offset;
        if (data.Length < (offset += 4 * 4 + 2 * 2 * 4)) return false;
        if (Word(data, at) != SupportedRpcVersion) return false;
        if (Word(data, at + 4) != PmapProg) return false;
        if (Word(data, at + 8) != PmapVers) return false;
        if (Word(data, at + 12) != PmapProcGetport) return false;
        at += 16;
        // Check and skip the credentials.
        var length = Word(data, at + 4);
        at += 8;
        if (length > MaxAuthBytes) return false;
        var r = (int)RoundUp(length);
        if (data.Length < (offset += r)) return false;
        at += r;
        // Check and skip the verifier.
        length = Word(data, at + 4);
        at += 8;
        if (length > MaxAuthBytes) return false;
        r = (int)RoundUp(length);
        if (data.Length < (offset += r)) return false;
        at += r;
        // pmap { prog, vers, prot, port }: the call ends there.
        if (data.Length != offset + 4 * 4) return false;
        info.Prog = Word(data, at);
        info.Vers = Word(data, at + 4);
        info.Prot = Word(data, at + 8);
        if (info.Prot is not (6 or 17)) return false;
        return Word(data, at + 12) == 0; // the port asked about must be zero
    }

    /// <summary>rpc_reply: MSG_ACCEPTED, a verifier, SUCCESS and a nonzero port (the XDR word cut to 16 bits), nothing more.</summary>
    private static bool RpcReply(ReadOnlySpan<byte> data, int offset, out ushort port)
    {
        port = 0;
        var at = offset;
        if (data.Length < (offset += 4)) return false;
        if (Word(data, at) != MsgAccepted) return false;
        at += 4;
        if (data.Length < (offset += 2 * 4)) return false;
        var length = Word(data, at + 4);
        at += 8;
        if (length > MaxAuthBytes) return false;
        var r = (int)RoundUp(length);
        // verifier + accept_stat + port
        if (data.Length != (offset += r) + 2 * 4) return false;
        at += r;
        if (Word(data, at) != Success) return false;
        port = (ushort)Word(data, at + 4);
        return port != 0;
    }

    /// <summary>Protocols whose nlattr_to_tuple needs attributes conntrackd does not send for them.</summary>
    private static bool HasPortAttributes(CtProtocol protocol) =>
        protocol is CtProtocol.Icmp or CtProtocol.IcmpV6 or CtProtocol.Gre or CtProtocol.Sctp or CtProtocol.UdpLite;

    private static uint RoundUp(uint n) => (n + 3) / 4 * 4;

    /// <summary>IXDR_GET_INT32: a big-endian word.</summary>
    private static uint Word(ReadOnlySpan<byte> data, int at) => BinaryPrimitives.ReadUInt32BigEndian(data[at..]);
}

/// <summary>rpc for TCP ("Type rpc inet tcp"): portmapper on port 111 over TCP, with record marking.</summary>
internal sealed class RpcTcpHelper : RpcHelper
{
    public override CtProtocol Protocol => CtProtocol.Tcp;
}

/// <summary>rpc for UDP ("Type rpc inet udp"): portmapper on port 111 over UDP.</summary>
internal sealed class RpcUdpHelper : RpcHelper
{
    public override CtProtocol Protocol => CtProtocol.Udp;
}
