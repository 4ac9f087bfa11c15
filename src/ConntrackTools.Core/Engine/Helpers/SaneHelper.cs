using System.Buffers.Binary;

namespace ConntrackTools.Engine.Helpers;

/// <summary>
/// nf_conntrack_sane: a client's SANE_NET_START request (a segment of exactly 8 bytes, RPC code 7)
/// makes the server's next reply interesting; a successful reply (status 0, then a zero 16-bit
/// word) names the data port, and the helper expects the data connection: TCP from the client's
/// address, any port, to the server's address and that port. IPv4 and IPv6.
/// </summary>
internal sealed class SaneHelper : ConntrackHelper
{
    /// <summary>SANE_NET_START, the RPC code.</summary>
    private const uint SaneNetStart = 7;

    /// <summary>sizeof(struct sane_request) and sizeof(struct sane_reply_net_start).</summary>
    private const int RequestSize = 8, ReplySize = 8;

    public override string Name => "sane";
    public override CtProtocol Protocol => CtProtocol.Tcp;
    public override IReadOnlyList<ushort> Ports { get; } = [6566];
    public override IReadOnlyList<ExpectPolicy> Policies { get; } = [new("sane", 1, 5 * 60)];

    public override IReadOnlyList<CtExpectationShape> Shapes => _shapes ??=
        [Shape("data connection", CtProtocol.Tcp, CtFieldOrigin.Fixed, CtFieldOrigin.Any, CtFieldOrigin.Fixed, CtFieldOrigin.InCommand)];
    private CtExpectationShape[]? _shapes;

    /// <summary>struct nf_ct_sane_master: enum sane_state (NORMAL 0, START_REQUESTED 1).</summary>
    private sealed class State
    {
        public bool StartRequested;
    }


    /// <summary>help() of nf_conntrack_sane.c.</summary>
    public override HelperVerdict Help(HelperCall call, ReadOnlySpan<byte> l4)
    {
        // Until there's been traffic both ways, don't look in packets.
        if (call.Info is not (CtInfo.Established or CtInfo.EstablishedReply)) return HelperVerdict.Accept;
        // Not a full tcp header, or no data.
        if (!HelperCall.TcpPayload(l4, out var data, out _)) return HelperVerdict.Accept;
        var info = call.State as State ?? (State)(call.State = new State());

        if (call.Direction == 0)
        {
            if (data.Length != RequestSize) return HelperVerdict.Accept;
            // SANE_NET_START: we're interested in the next reply; anything else is not an interesting command.
            info.StartRequested = BinaryPrimitives.ReadUInt32BigEndian(data) == SaneNetStart;
            return HelperVerdict.Accept;
        }

        // Is it a reply to an uninteresting command?
        if (!info.StartRequested) return HelperVerdict.Accept;
        // It's a reply to SANE_NET_START.
        info.StartRequested = false;
        if (data.Length < ReplySize) return HelperVerdict.Accept; // NET_START reply too short

        // saned refused the command, or an invalid reply (the zero word is not zero): ignore it.
        if (BinaryPrimitives.ReadUInt32BigEndian(data) != 0) return HelperVerdict.Accept;
        if (BinaryPrimitives.ReadUInt16BigEndian(data[4..]) != 0) return HelperVerdict.Accept;
        var port = BinaryPrimitives.ReadUInt16BigEndian(data[6..]);

        var tuple = call.Original;
        var exp = call.NewExpectation(0, call.Family, tuple.Source, tuple.Destination, CtProtocol.Tcp, null, port);
        // Can't expect this? Best to drop packet now.
        if (call.ExpectRelated(exp) == ExpectResult.Added) return HelperVerdict.Accept;
        call.Log("cannot add expectation");
        return HelperVerdict.Drop;
    }
}
