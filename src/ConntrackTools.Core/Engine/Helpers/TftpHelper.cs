using System.Buffers.Binary;

namespace ConntrackTools.Engine.Helpers;

/// <summary>
/// nf_conntrack_tftp: a read or write request (opcode 1 or 2, in either direction) expects the
/// transfer: UDP from the server's address, any port, back to the client's address and port.
/// Nothing in it comes from the payload but the decision to expect.
/// </summary>
internal sealed class TftpHelper : ConntrackHelper
{
    private const ushort Read = 1, Write = 2;

    public override string Name => "tftp";
    public override CtProtocol Protocol => CtProtocol.Udp;
    public override IReadOnlyList<ushort> Ports { get; } = [69];
    public override IReadOnlyList<ExpectPolicy> Policies { get; } = [new("tftp", 1, 5 * 60)];

    public override IReadOnlyList<CtExpectationShape> Shapes => _shapes ??=
        [Shape("transfer", CtProtocol.Udp, CtFieldOrigin.Fixed, CtFieldOrigin.Any, CtFieldOrigin.Fixed, CtFieldOrigin.Fixed)];
    private CtExpectationShape[]? _shapes;

    public override HelperVerdict Help(HelperCall call, ReadOnlySpan<byte> l4)
    {
        if (!HelperCall.UdpPayload(l4, out var payload) || payload.Length < 2) return HelperVerdict.Accept;
        var opcode = BinaryPrimitives.ReadUInt16BigEndian(payload);
        if (opcode is not (Read or Write)) return HelperVerdict.Accept;
        var reply = call.Reply;
        var exp = call.NewExpectation(0, call.Family, reply.Source, reply.Destination, CtProtocol.Udp, null, reply.DestinationId);
        if (call.ExpectRelated(exp) == ExpectResult.Added) return HelperVerdict.Accept;
        call.Log("cannot add expectation");
        return HelperVerdict.Drop;
    }
}
