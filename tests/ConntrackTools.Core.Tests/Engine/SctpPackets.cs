using System.Buffers.Binary;
using ConntrackTools.Engine;

namespace ConntrackTools.Tests.Engine;

/// <summary>
/// Builds SCTP packets (from the common header on) the way raw_packets.py does, with the same chunk
/// bodies, so that the engine's trackers and the kernel see the same bytes. The CRC is left zero.
/// </summary>
internal static class SctpPackets
{
    public static readonly Dictionary<string, byte> Names = new()
    {
        ["DATA"] = SctpTracker.Data, ["INIT"] = SctpTracker.Init, ["INIT_ACK"] = SctpTracker.InitAck,
        ["SACK"] = SctpTracker.Sack, ["HEARTBEAT"] = SctpTracker.Heartbeat, ["HEARTBEAT_ACK"] = SctpTracker.HeartbeatAck,
        ["ABORT"] = SctpTracker.Abort, ["SHUTDOWN"] = SctpTracker.Shutdown, ["SHUTDOWN_ACK"] = SctpTracker.ShutdownAck,
        ["ERROR"] = SctpTracker.Error, ["COOKIE_ECHO"] = SctpTracker.CookieEcho, ["COOKIE_ACK"] = SctpTracker.CookieAck,
        ["SHUTDOWN_COMPLETE"] = SctpTracker.ShutdownComplete,
    };

    /// <summary>One chunk: NAME[/INIT_TAG hex][+T], as in raw_packets.py.</summary>
    public static byte[] Chunk(string spec)
    {
        byte flags = 0;
        if (spec.EndsWith("+T", StringComparison.Ordinal))
        {
            flags = SctpTracker.ChunkFlagT;
            spec = spec[..^2];
        }
        var parts = spec.Split('/');
        byte type = Names.TryGetValue(parts[0], out var t) ? t : byte.Parse(parts[0]);
        uint initTag = parts.Length > 1 ? Convert.ToUInt32(parts[1], 16) : 1;
        byte[] body = type switch
        {
            SctpTracker.Init or SctpTracker.InitAck => InitBody(initTag),
            SctpTracker.Data => [0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, (byte)'x'],
            SctpTracker.Sack => [0, 0, 0, 1, 0, 0, 0xFF, 0xFF, 0, 0, 0, 0],
            SctpTracker.Heartbeat or SctpTracker.HeartbeatAck => [0, 1, 0, 8, (byte)'b', (byte)'e', (byte)'a', (byte)'t'],
            SctpTracker.Shutdown => [0, 0, 0, 1],
            SctpTracker.CookieEcho => "cookie!!"u8.ToArray(),
            _ => [],
        };
        int length = 4 + body.Length;
        var chunk = new byte[(length + 3) & ~3];
        chunk[0] = type;
        chunk[1] = flags;
        BinaryPrimitives.WriteUInt16BigEndian(chunk.AsSpan(2), (ushort)length);
        body.CopyTo(chunk, 4);
        return chunk;
    }

    private static byte[] InitBody(uint initTag)
    {
        var b = new byte[16];
        BinaryPrimitives.WriteUInt32BigEndian(b, initTag);
        BinaryPrimitives.WriteUInt32BigEndian(b.AsSpan(4), 65535); // a_rwnd
        BinaryPrimitives.WriteUInt16BigEndian(b.AsSpan(8), 10);
        BinaryPrimitives.WriteUInt16BigEndian(b.AsSpan(10), 10);
        BinaryPrimitives.WriteUInt32BigEndian(b.AsSpan(12), 1);
        return b;
    }

    /// <summary>A packet: common header with the given tag, then the chunks.</summary>
    public static byte[] Packet(uint vtag, params string[] chunks) => Raw(vtag, [.. chunks.Select(Chunk)]);

    public static byte[] Raw(uint vtag, params byte[][] chunks)
    {
        var packet = new byte[12 + chunks.Sum(c => c.Length)];
        BinaryPrimitives.WriteUInt16BigEndian(packet, 5000);
        BinaryPrimitives.WriteUInt16BigEndian(packet.AsSpan(2), 6000);
        BinaryPrimitives.WriteUInt32BigEndian(packet.AsSpan(4), vtag);
        int offset = 12;
        foreach (var c in chunks)
        {
            c.CopyTo(packet, offset);
            offset += c.Length;
        }
        return packet;
    }

    /// <summary>A raw_packets.py step "a:VTAG:CHUNK,CHUNK" or "b:...": direction and packet.</summary>
    public static (bool Reply, byte[] Packet) Step(string step)
    {
        var parts = step.Split(':', 3);
        return (parts[0] == "b", Packet(Convert.ToUInt32(parts[1], 16), parts[2].Split(',')));
    }
}

/// <summary>
/// The engine's side of nf_conntrack_in for one SCTP flow, enough to compare event sequences with
/// the kernel: TryNew on the first packet, Confirmed after it, SEEN_REPLY and IPCT_REPLY after an
/// accepted reply, and one NEW or UPDATE event per packet that cached any event bit, written as
/// conntrack -E shows it: the remaining timeout, the state only with IPCT_PROTOINFO, [UNREPLIED]
/// and [ASSURED]. Packets are 50 ms apart, as raw_packets.py sends them.
/// </summary>
internal sealed class SctpFlow(SctpSettings? settings = null)
{
    public const long StepMs = 50;
    public SctpState State;
    public CtStatus Status;
    public readonly SctpSettings Settings = settings ?? new SctpSettings();
    public uint Timeout;
    public int Invalid;
    public readonly List<string> Events = [];
    private bool _exists;
    private ConntrackEvents _cache;
    private long _nowMs;
    private long _expiresMs;

    public TrackerVerdict Feed(bool reply, byte[] packet)
    {
        _nowMs += StepMs;
        bool isNew = !_exists;
        if (isNew)
        {
            if (reply) throw new InvalidOperationException("a flow starts in the original direction");
            State = default;
            Status = CtStatus.None;
            if (!SctpTracker.TryNew(ref State, packet, Settings))
            {
                Invalid++;
                return TrackerVerdict.Invalid;
            }
        }
        var verdict = SctpTracker.Packet(ref State, ref Status, reply, packet, Settings, ref _cache, out uint timeout);
        if (verdict is TrackerVerdict.Invalid or TrackerVerdict.Drop)
        {
            Invalid++;
            return verdict; // the event bits stay cached on the conntrack, as in the kernel
        }
        if (verdict == TrackerVerdict.Accept)
        {
            Timeout = timeout;
            _expiresMs = _nowMs + timeout * 1000L;
        }
        if (reply && (Status & CtStatus.SeenReply) == 0)
        {
            Status |= CtStatus.SeenReply;
            _cache |= ConntrackEvents.Reply;
        }
        if (isNew)
        {
            _exists = true;
            Status |= CtStatus.Confirmed;
            _cache |= ConntrackEvents.New;
        }
        if (_cache != ConntrackEvents.None)
        {
            var type = (_cache & ConntrackEvents.New) != 0 ? "NEW" : "UPDATE";
            var state = (_cache & ConntrackEvents.ProtoInfo) != 0 ? " " + KernelName(SctpTracker.StateOf(State)) : "";
            var unreplied = (Status & CtStatus.SeenReply) == 0 ? " [UNREPLIED]" : "";
            var assured = (Status & CtStatus.Assured) != 0 ? " [ASSURED]" : "";
            Events.Add($"{type} {(_expiresMs - _nowMs) / 1000}{state}{unreplied}{assured}");
            _cache = ConntrackEvents.None;
        }
        return verdict;
    }

    /// <summary>conntrack's spelling of a state: ShutdownAckSent is SHUTDOWN_ACK_SENT.</summary>
    public static string KernelName(CtState state) =>
        string.Concat(state.ToString().Select((c, i) => i > 0 && char.IsUpper(c) ? "_" + c : c.ToString())).ToUpperInvariant();
}
