using System.Buffers.Binary;
using ConntrackTools.Engine;

namespace ConntrackTools.Tests.Engine;

/// <summary>
/// One handcrafted TCP segment of a scenario, with what the tracker should make of it. Original
/// direction is client → server. An expected State of None means "no entry any more".
/// </summary>
public sealed record Pkt(bool Reply, byte Flags, uint Seq, uint Ack)
{
    public const ushort DefaultWindow = 64240;

    public ushort Win { get; init; } = DefaultWindow;
    public int Payload { get; init; }
    /// <summary>TCP options as hex, a multiple of 4 bytes.</summary>
    public string Options { get; init; } = "";
    public CtState? State { get; init; }
    internal TrackerVerdict? Verdict { get; init; }
    public uint? Timeout { get; init; }
    public bool? Assured { get; init; }
    internal ConntrackEvents? Events { get; init; }

    /// <summary>The TCP header and payload (checksum left 0: the tracker does not check it).</summary>
    public byte[] Build()
    {
        var options = Convert.FromHexString(Options);
        var bytes = new byte[20 + options.Length + Payload];
        BinaryPrimitives.WriteUInt16BigEndian(bytes, 40000);
        BinaryPrimitives.WriteUInt16BigEndian(bytes.AsSpan(2), 8080);
        BinaryPrimitives.WriteUInt32BigEndian(bytes.AsSpan(4), Seq);
        BinaryPrimitives.WriteUInt32BigEndian(bytes.AsSpan(8), Ack);
        bytes[12] = (byte)((20 + options.Length) / 4 << 4);
        bytes[13] = Flags;
        BinaryPrimitives.WriteUInt16BigEndian(bytes.AsSpan(14), Win);
        options.CopyTo(bytes, 20);
        return bytes;
    }

    public override string ToString() =>
        $"{(Reply ? "reply" : "orig")} {FlagNames(Flags)} seq={Seq} ack={Ack} win={Win}{(Payload > 0 ? $" len={Payload}" : "")}";

    public static string FlagNames(byte flags)
    {
        var names = new List<string>();
        if ((flags & TcpFlags.Syn) != 0) names.Add("SYN");
        if ((flags & TcpFlags.Fin) != 0) names.Add("FIN");
        if ((flags & TcpFlags.Rst) != 0) names.Add("RST");
        if ((flags & TcpFlags.Psh) != 0) names.Add("PSH");
        if ((flags & TcpFlags.Ack) != 0) names.Add("ACK");
        if ((flags & TcpFlags.Urg) != 0) names.Add("URG");
        return names.Count == 0 ? "none" : string.Join('|', names);
    }
}

/// <summary>A packet sequence for one connection, and the sysctls it runs under.</summary>
public sealed record Scenario(string Name, Pkt[] Packets, (string Name, long Value)[] Sysctls)
{
    internal TcpSettings Settings()
    {
        var settings = new TcpSettings();
        foreach (var (name, value) in Sysctls) settings.Set(name, value);
        return settings;
    }
}

/// <summary>What one packet did, as the engine (or the kernel) shows it afterwards.</summary>
internal sealed record Observation(
    TrackerVerdict Verdict, CtState State, bool Assured, bool Unreplied, uint Timeout,
    ConntrackEvents Events, ulong OrigPackets, ulong ReplyPackets, bool Flipped);

/// <summary>
/// The part of nf_conntrack_in around the TCP tracker, as the engine will do it: tcp_new for a new
/// entry, packet(), SEEN_REPLY and IPCT_REPLY after an accepted reply, the refresh with counting,
/// nf_ct_kill on Repeat (then the packet again as new) and on Accept+Destroy.
/// </summary>
internal sealed class ConnectionEmulator(TcpSettings settings)
{
    public TcpState State;
    public CtStatus Status;
    public bool Exists;
    /// <summary>The entry was made by a reply-side packet (a reopen by the server): directions swap.</summary>
    public bool Flipped;
    public uint Timeout;
    public ulong OrigPackets, ReplyPackets;

    public Observation Send(Pkt p)
    {
        var bytes = p.Build();
        var events = ConntrackEvents.None;
        var repeated = false;
        TrackerVerdict verdict;
        if (!TcpSegment.TryParse(bytes, out var segment))
            return Observe(TrackerVerdict.Invalid, events);
        while (true)
        {
            var isNew = !Exists;
            if (isNew)
            {
                var fresh = default(TcpState);
                if (!TcpTracker.TryNew(ref fresh, segment, bytes.Length, settings))
                {
                    verdict = TrackerVerdict.Invalid;
                    break;
                }
                State = fresh;
                Status = CtStatus.None;
                Flipped = p.Reply;
                Timeout = 0;
                OrigPackets = ReplyPackets = 0;
            }
            var reply = p.Reply != Flipped;
            var packetEvents = ConntrackEvents.None;
            verdict = TcpTracker.Packet(ref State, ref Status, reply, segment, bytes.Length, settings, Timeout, ref packetEvents, out var timeout);
            events |= packetEvents;
            if (verdict == TrackerVerdict.Repeat)
            {
                // nf_ct_kill, then the packet is looked up again and finds nothing.
                Exists = false;
                repeated = true;
                events |= ConntrackEvents.Destroy;
                continue;
            }
            if (isNew)
            {
                if (verdict is not (TrackerVerdict.Accept or TrackerVerdict.AcceptNoRefresh)) break;
                Exists = true;
                events |= ConntrackEvents.New;
            }
            switch (verdict)
            {
                case TrackerVerdict.Accept:
                    if (reply) ReplyPackets++; else OrigPackets++;
                    if ((packetEvents & ConntrackEvents.Destroy) != 0) Exists = false;
                    else Timeout = timeout;
                    break;
                case TrackerVerdict.Invalid when timeout != 0:
                    if (Timeout >= 120 && Timeout > timeout) Timeout = timeout;
                    break;
            }
            if (Exists && reply && verdict is TrackerVerdict.Accept or TrackerVerdict.AcceptNoRefresh
                && (Status & CtStatus.SeenReply) == 0)
            {
                Status |= CtStatus.SeenReply;
                events |= ConntrackEvents.Reply;
            }
            break;
        }
        return Observe(repeated ? TrackerVerdict.Repeat : verdict, events);
    }

    private Observation Observe(TrackerVerdict verdict, ConntrackEvents events) => new(
        verdict, Exists ? State.CtState : CtState.None, (Status & CtStatus.Assured) != 0,
        (Status & CtStatus.SeenReply) == 0, Exists ? Timeout : 0, events, OrigPackets, ReplyPackets, Flipped);
}

/// <summary>
/// The scenarios: every cell of tcp_conntracks reached from real handshakes, and the behaviours
/// around the table. The expectations are the kernel's (checked on Linux 6.18 by TcpKernelParityTests).
/// </summary>
public static class TcpScenarios
{
    public const byte S = TcpFlags.Syn, SA = TcpFlags.Syn | TcpFlags.Ack, A = TcpFlags.Ack, PA = TcpFlags.Psh | TcpFlags.Ack;
    public const byte FA = TcpFlags.Fin | TcpFlags.Ack, R = TcpFlags.Rst, RA = TcpFlags.Rst | TcpFlags.Ack;

    internal const TrackerVerdict Accept = TrackerVerdict.Accept, NoRefresh = TrackerVerdict.AcceptNoRefresh;
    internal const TrackerVerdict Invalid = TrackerVerdict.Invalid, Repeat = TrackerVerdict.Repeat;

    /// <summary>MSS 1460, SACK-permitted, timestamps, NOP, window scale 7: what Linux sends in a SYN.</summary>
    public const string SynOptionsWs7 = "020405b40402080a000000010000000001030307";
    /// <summary>MSS 1460, SACK-permitted, timestamps, no window scale (NOP padding).</summary>
    public const string SynOptionsNoWs = "020405b40402080a000000010000000001010101";

    public static Pkt O(byte flags, uint seq, uint ack = 0) => new(false, flags, seq, ack);
    public static Pkt Rp(byte flags, uint seq, uint ack = 0) => new(true, flags, seq, ack);

    internal static Pkt Is(this Pkt p, CtState state, TrackerVerdict verdict = Accept, uint? timeout = null) =>
        p with { State = state, Verdict = verdict, Timeout = timeout };

    public static readonly string[] StateNames = ["NO", "SS", "SR", "ES", "FW", "CW", "LA", "TW", "CL", "S2"];
    public static readonly string[] IndexNames = ["syn", "synack", "fin", "ack", "rst", "none"];

    // tcp_conntracks as the kernel writes it, with what the code around it does to some cells:
    // IG ignored (NF_ACCEPT, no refresh), IV invalid, RP reopen (nf_ct_kill + NF_REPEAT, then a
    // new SYN_SENT entry), SS* and S2* a SYN before any reply (accepted, neither refreshed nor
    // counted), CL! RST before any reply (nf_ct_kill_acct: the entry is deleted).
    private static readonly string[][] Expected =
    [
        [
            /*            NO   SS   SR   ES   FW   CW   LA   TW   CL   S2 */
            /* syn    */ "SS   SS*  IG   IG   IG   IG   IG   RP   RP   S2",
            /* synack */ "IV   IV   SR   IV   IV   IV   IV   IV   IV   SR",
            /* fin    */ "IV   IV   FW   FW   LA   LA   LA   TW   CL   IV",
            /* ack    */ "ES   IV   ES   ES   CW   CW   TW   TW   CL   IV",
            /* rst    */ "IV   CL!  CL   CL   CL   CL   CL   CL   CL   CL",
            /* none   */ "IV   IV   IV   IV   IV   IV   IV   IV   IV   IV",
        ],
        [
            /*            NO   SS   SR   ES   FW   CW   LA   TW   CL   S2 */
            /* syn    */ "IV   S2*  IV   IV   IV   IV   IV   RP   IV   S2",
            /* synack */ "IV   SR   IG   IG   IG   IG   IG   IG   IG   SR",
            /* fin    */ "IV   IV   FW   FW   LA   LA   LA   TW   CL   IV",
            /* ack    */ "IV   IG   SR   ES   CW   CW   TW   TW   CL   IG",
            /* rst    */ "IV   CL!  CL   CL   CL   CL   CL   CL   CL   CL",
            /* none   */ "IV   IV   IV   IV   IV   IV   IV   IV   IV   IV",
        ],
    ];

    /// <summary>The expected cell: state name as in <see cref="StateNames"/> plus a marker.</summary>
    public static string ExpectedCell(bool reply, int index, int state) =>
        Expected[reply ? 1 : 0][index].Split(' ', StringSplitOptions.RemoveEmptyEntries)[state];

    private const uint Cisn = 1000, Sisn = 5000;

    /// <summary>
    /// Packets that take a fresh connection to <paramref name="state"/>, and the client's and
    /// server's next sequence numbers there.
    /// </summary>
    private static (Pkt[] Packets, uint Cnext, uint Snext) Reach(string state) => state switch
    {
        "NO" => ([], Cisn, Sisn),
        "SS" => ([O(S, Cisn).Is(CtState.SynSent, Accept, 120)], Cisn + 1, Sisn),
        // A reply SYN before any reply is not refreshed or counted, like a retransmitted SYN.
        "S2" => ([.. Reach("SS").Packets, Rp(S, Sisn).Is(CtState.SynSent2, NoRefresh, 120)], Cisn + 1, Sisn + 1),
        "SR" => ([.. Reach("SS").Packets, Rp(SA, Sisn, Cisn + 1).Is(CtState.SynRecv, Accept, 60)], Cisn + 1, Sisn + 1),
        "ES" => ([.. Reach("SR").Packets, O(A, Cisn + 1, Sisn + 1).Is(CtState.Established, Accept, 432000)], Cisn + 1, Sisn + 1),
        "FW" => ([.. Reach("ES").Packets, O(FA, Cisn + 1, Sisn + 1).Is(CtState.FinWait, Accept, 120)], Cisn + 2, Sisn + 1),
        "CW" => ([.. Reach("FW").Packets, Rp(A, Sisn + 1, Cisn + 2).Is(CtState.CloseWait, Accept, 60)], Cisn + 2, Sisn + 1),
        "LA" => ([.. Reach("CW").Packets, Rp(FA, Sisn + 1, Cisn + 2).Is(CtState.LastAck, Accept, 30)], Cisn + 2, Sisn + 2),
        "TW" => ([.. Reach("LA").Packets, O(A, Cisn + 2, Sisn + 2).Is(CtState.TimeWait, Accept, 120)], Cisn + 2, Sisn + 2),
        "CL" => ([.. Reach("ES").Packets, O(R, Cisn + 1).Is(CtState.Close, Accept, 10)], Cisn + 1, Sisn + 1),
        _ => throw new ArgumentOutOfRangeException(nameof(state), state, null),
    };

    private static CtState StateOf(string name) => (CtState)Array.IndexOf(StateNames, name);

    /// <summary>The probe for one cell: a segment of the row's class, in sequence for the state reached.</summary>
    private static Pkt Probe(bool reply, int index, string state, uint cnext, uint snext)
    {
        var (next, peer, isn) = reply ? (snext, cnext, Sisn) : (cnext, snext, Cisn);
        return index switch
        {
            0 => new Pkt(reply, S, isn, 0),
            1 => new Pkt(reply, SA, isn, peer),
            2 => new Pkt(reply, FA, next, peer),
            3 => new Pkt(reply, A, next, peer),
            // The classic refused connection: RST|ACK with SEQ 0 answering the SYN.
            4 when reply && state == "SS" => new Pkt(reply, RA, 0, peer),
            4 => new Pkt(reply, R, next, 0),
            _ => new Pkt(reply, TcpFlags.Psh, next, peer),
        };
    }

    private static Pkt ExpectCell(Pkt probe, bool reply, int index, int stateIndex)
    {
        var cell = ExpectedCell(reply, index, stateIndex);
        var old = (CtState)stateIndex;
        return cell switch
        {
            "IV" => probe with { State = old, Verdict = Invalid },
            "IG" => probe with { State = old, Verdict = NoRefresh },
            "RP" => probe with { State = CtState.SynSent, Verdict = Repeat, Timeout = 120 },
            ['S', _, '*'] => probe with { State = StateOf(cell[..2]), Verdict = NoRefresh },
            "CL!" => probe with { State = CtState.None, Verdict = Accept },
            _ => probe with { State = StateOf(cell), Verdict = Accept },
        };
    }

    /// <summary>One scenario per table cell (the reply side of NONE cannot happen on a real entry).</summary>
    public static IEnumerable<Scenario> TableCells()
    {
        foreach (var reply in new[] { false, true })
            for (var index = 0; index < IndexNames.Length; index++)
                for (var s = 0; s < StateNames.Length; s++)
                {
                    if (reply && s == 0) continue;
                    var (prefix, cnext, snext) = Reach(StateNames[s]);
                    var probe = ExpectCell(Probe(reply, index, StateNames[s], cnext, snext), reply, index, s);
                    yield return new Scenario(CellName(reply, index, s), [.. prefix, probe], []);
                }
    }

    public static string CellName(bool reply, int index, int state) =>
        $"cell {(reply ? "reply" : "orig")} {IndexNames[index]} in {StateNames[state]}";

    /// <summary>Scenarios around the table, with the sysctls they need.</summary>
    public static IEnumerable<Scenario> Behaviours()
    {
        // A whole connection as Linux makes it: options, window scale 7, data, FIN both ways.
        yield return new Scenario("open transfer close", [
            O(S, 1000) with { Options = SynOptionsWs7, State = CtState.SynSent, Verdict = Accept, Timeout = 120, Events = ConntrackEvents.New | ConntrackEvents.ProtoInfo },
            Rp(SA, 5000, 1001) with { Options = SynOptionsWs7, Win = 65160, State = CtState.SynRecv, Verdict = Accept, Timeout = 60, Events = ConntrackEvents.ProtoInfo | ConntrackEvents.Reply },
            O(A, 1001, 5001) with { Win = 502, State = CtState.Established, Verdict = Accept, Timeout = 432000, Assured = true, Events = ConntrackEvents.ProtoInfo | ConntrackEvents.Assured },
            O(PA, 1001, 5001) with { Win = 502, Payload = 1000, State = CtState.Established, Verdict = Accept, Timeout = 300, Events = ConntrackEvents.None },
            Rp(A, 5001, 2001) with { Win = 501, State = CtState.Established, Verdict = Accept, Timeout = 432000 },
            Rp(PA, 5001, 2001) with { Win = 501, Payload = 1400, State = CtState.Established, Verdict = Accept, Timeout = 300 },
            O(A, 2001, 6401) with { Win = 480, State = CtState.Established, Verdict = Accept, Timeout = 432000 },
            O(FA, 2001, 6401) with { Win = 480, State = CtState.FinWait, Verdict = Accept, Timeout = 120, Events = ConntrackEvents.ProtoInfo },
            Rp(FA, 6401, 2002) with { Win = 501, State = CtState.LastAck, Verdict = Accept, Timeout = 30, Events = ConntrackEvents.ProtoInfo },
            O(A, 2002, 6402) with { Win = 480, State = CtState.TimeWait, Verdict = Accept, Timeout = 120, Events = ConntrackEvents.ProtoInfo },
        ], []);

        // Only one side offers window scaling: neither direction scales, a window of 10 is 10
        // bytes. Data past it but within what the receiver could take is ignored; far past, invalid.
        yield return new Scenario("window scale needs both sides", [
            O(S, 1000) with { Options = SynOptionsWs7 },
            Rp(SA, 5000, 1001) with { Options = SynOptionsNoWs, Win = 65160 },
            O(A, 1001, 5001) with { Win = 10 },
            Rp(PA, 5001, 1001) with { Payload = 10, State = CtState.Established, Verdict = Accept },
            Rp(PA, 6001, 1001) with { Payload = 200, State = CtState.Established, Verdict = NoRefresh },
            Rp(PA, 5001 + 200000, 1001) with { Payload = 100, State = CtState.Established, Verdict = Invalid },
        ], []);

        // Both sides scale by 7: a window of 10 is 1280 bytes.
        yield return new Scenario("window scale both sides", [
            O(S, 1000) with { Options = SynOptionsWs7 },
            Rp(SA, 5000, 1001) with { Options = SynOptionsWs7, Win = 65160 },
            O(A, 1001, 5001) with { Win = 10 },
            Rp(PA, 5001, 1001) with { Payload = 1000, State = CtState.Established, Verdict = Accept },
            Rp(PA, 6001, 1001) with { Payload = 200, State = CtState.Established, Verdict = Accept },
            Rp(PA, 5001 + 200000, 1001) with { Payload = 100, State = CtState.Established, Verdict = Invalid },
        ], []);

        // Sequence numbers that wrap through 0 in both directions.
        const uint cw = 0xFFFFFF00, sw = 0xFFFFFFF0;
        yield return new Scenario("sequence wraparound", [
            O(S, cw).Is(CtState.SynSent),
            Rp(SA, sw, cw + 1).Is(CtState.SynRecv),
            O(A, cw + 1, sw + 1).Is(CtState.Established),
            O(PA, cw + 1, sw + 1) with { Payload = 1000, State = CtState.Established, Verdict = Accept },
            Rp(PA, sw + 1, unchecked(cw + 1001)) with { Payload = 1000, State = CtState.Established, Verdict = Accept },
            O(PA, unchecked(cw + 1001), unchecked(sw + 1001)) with { Payload = 1000, State = CtState.Established, Verdict = Accept, Timeout = 300 },
            Rp(A, unchecked(sw + 1001), unchecked(cw + 2001)).Is(CtState.Established, Accept, 432000),
            // Data from before the wrap that the server acked long ago, far out of the window now.
            O(PA, unchecked(cw + 2001 + 0x80000000), unchecked(sw + 1001)) with { Payload = 10, State = CtState.Established, Verdict = Invalid },
            O(FA, unchecked(cw + 2001), unchecked(sw + 1001)).Is(CtState.FinWait),
            Rp(FA, unchecked(sw + 1001), unchecked(cw + 2002)).Is(CtState.LastAck),
            O(A, unchecked(cw + 2002), unchecked(sw + 1002)).Is(CtState.TimeWait),
        ], []);

        // Out of the window: data beyond what the receiver allowed, an ACK for unseen data, and
        // old data below the window.
        var ooo = new Pkt[]
        {
            O(S, 1000) with { Win = 1000 },
            Rp(SA, 5000, 1001) with { Win = 1000 },
            O(A, 1001, 5001) with { Win = 1000 },
            O(PA, 1001 + 100000, 5001) with { Payload = 100, State = CtState.Established, Verdict = Invalid },
            O(A, 1001, 5001 + 100000) with { Win = 1000, State = CtState.Established, Verdict = Invalid },
        };
        yield return new Scenario("out of window", ooo, []);
        yield return new Scenario("out of window be_liberal", [
            .. ooo[..3],
            ooo[3] with { Verdict = Accept },
            ooo[4] with { Verdict = Accept },
        ], [("nf_conntrack_tcp_be_liberal", 1)]);

        // Old data below the lower bound: ignored (accepted, not refreshed).
        yield return new Scenario("data under the lower bound", [
            O(S, 1000) with { Win = 1000 },
            Rp(SA, 5000, 1001) with { Win = 1000 },
            O(A, 1001, 5001) with { Win = 1000 },
            O(PA, 1001, 5001) with { Win = 1000, Payload = 1000 },
            Rp(A, 5001, 2001) with { Win = 1000 },
            O(PA, 2001, 5001) with { Win = 1000, Payload = 1000 },
            Rp(A, 5001, 3001) with { Win = 1000 },
            O(PA, 1001, 5001) with { Win = 1000, Payload = 100, State = CtState.Established, Verdict = NoRefresh },
        ], []);

        // More than the window, but within what the receiver could take: td_end follows, ignored.
        yield return new Scenario("bytes more than expected", [
            O(S, 1000) with { Win = 1000 },
            Rp(SA, 5000, 1001) with { Win = 1000 },
            O(A, 1001, 5001) with { Win = 1000 },
            O(PA, 1001, 5001) with { Win = 1000, Payload = 1000 },
            O(PA, 2002, 5001) with { Win = 1000, Payload = 500, State = CtState.Established, Verdict = NoRefresh },
            Rp(A, 5001, 2502) with { Win = 1000, State = CtState.Established, Verdict = Accept },
        ], []);

        // Simultaneous open: SYN both ways, SYN/ACK both ways, ACKs.
        yield return new Scenario("simultaneous open", [
            O(S, 1000).Is(CtState.SynSent, Accept, 120),
            Rp(S, 5000).Is(CtState.SynSent2, NoRefresh, 120),
            O(SA, 1000, 5001).Is(CtState.SynRecv, Accept, 60),
            Rp(SA, 5000, 1001).Is(CtState.SynRecv, NoRefresh),
            Rp(A, 5001, 1001) with { State = CtState.Established, Verdict = Accept, Assured = true },
            O(A, 1001, 5001).Is(CtState.Established, Accept, 432000),
        ], []);

        // SYN on TIME_WAIT: the old entry dies and the SYN makes a new one.
        yield return new Scenario("reopen from time wait", [
            .. Reach("TW").Packets,
            O(S, 90000) with { State = CtState.SynSent, Verdict = Repeat, Timeout = 120, Assured = false },
            Rp(SA, 70000, 90001).Is(CtState.SynRecv, Accept, 60),
            O(A, 90001, 70001) with { State = CtState.Established, Verdict = Accept, Assured = true },
        ], []);

        // The server reopens (roles switch): the new entry's original direction is the server's.
        yield return new Scenario("reopen by the server", [
            .. Reach("TW").Packets,
            Rp(S, 70000).Is(CtState.SynSent, Repeat, 120),
            O(SA, 90000, 70001).Is(CtState.SynRecv, Accept, 60),
        ], []);

        // Retransmitted ACKs: after max_retrans (3) identical ones the max_retrans timeout applies.
        // (It must stay above SYN_SENT's 120 s here: before any ACK, last_win is 0 and caps the
        // timeout at max_retrans too.)
        yield return new Scenario("retransmissions", [
            .. Reach("ES").Packets,
            O(A, 1001, 5001).Is(CtState.Established, Accept, 432000),
            O(A, 1001, 5001).Is(CtState.Established, Accept, 432000),
            O(A, 1001, 5001).Is(CtState.Established, Accept, 200),
            O(A, 1001, 5001).Is(CtState.Established, Accept, 200),
            Rp(A, 5001, 1001).Is(CtState.Established, Accept, 432000),
        ], [("nf_conntrack_tcp_timeout_max_retrans", 200)]);

        // Unacknowledged data keeps the unacknowledged timeout until the peer ACKs it.
        yield return new Scenario("unacknowledged data", [
            .. Reach("ES").Packets,
            O(PA, 1001, 5001) with { Payload = 100, State = CtState.Established, Timeout = 250 },
            O(PA, 1001, 5001) with { Payload = 100, State = CtState.Established, Timeout = 250 },
            Rp(A, 5001, 1051).Is(CtState.Established, Accept, 250),
            Rp(A, 5001, 1101).Is(CtState.Established, Accept, 432000),
        ], [("nf_conntrack_tcp_timeout_unacknowledged", 250)]);

        // Loose pickup of a connection in the middle; ASSURED once a reply was seen and more came.
        yield return new Scenario("loose pickup", [
            O(PA, 7000, 9000) with { Payload = 100, State = CtState.Established, Verdict = Accept, Timeout = 300, Assured = false },
            Rp(A, 9000, 7100) with { State = CtState.Established, Verdict = Accept, Timeout = 300, Assured = false },
            O(PA, 7100, 9000) with { Payload = 100, State = CtState.Established, Verdict = Accept, Timeout = 300, Assured = true },
            Rp(A, 9000, 7200) with { State = CtState.Established, Verdict = Accept, Timeout = 432000, Assured = true },
        ], []);
        yield return new Scenario("no pickup without loose", [
            O(PA, 7000, 9000) with { Payload = 100, State = CtState.None, Verdict = Invalid },
            O(S, 7000).Is(CtState.SynSent),
        ], [("nf_conntrack_tcp_loose", 0)]);

        // RSTs in ESTABLISHED: below td_maxack invalid, in window but not exact keeps the state
        // (a challenge ACK may follow), exact closes.
        yield return new Scenario("rst sequence checks", [
            .. Reach("ES").Packets,
            Rp(R, 4000).Is(CtState.Established, Invalid),
            Rp(R, 5101).Is(CtState.Established, Accept, 10),
            Rp(R, 5001).Is(CtState.Close, Accept, 10),
        ], []);
        yield return new Scenario("rst below maxack with ignore_invalid_rst", [
            .. Reach("ES").Packets,
            Rp(R, 4000).Is(CtState.Established, Accept, 10),
        ], [("nf_conntrack_tcp_ignore_invalid_rst", 1)]);

        // A RST at the end of a train of data from the same side closes.
        yield return new Scenario("rst after data train", [
            .. Reach("ES").Packets,
            Rp(PA, 5001, 1001) with { Payload = 19 },
            Rp(RA, 5020, 1001).Is(CtState.Close, Accept, 10),
        ], []);

        // RFC 5961 challenge ACK in LAST_ACK: a SYN from the client is ignored, the server's
        // challenge ACK does not count as the last ACK, the real one does.
        yield return new Scenario("challenge ack in last ack", [
            .. Reach("LA").Packets,
            O(S, 90000).Is(CtState.LastAck, NoRefresh),
            Rp(A, 5002, 1002).Is(CtState.LastAck, NoRefresh),
            O(A, 1002, 5002).Is(CtState.TimeWait, Accept, 120),
        ], []);

        // The server answers a SYN we ignored with a SYN/ACK: get in sync from what was annotated.
        yield return new Scenario("ignored syn then synack resync", [
            .. Reach("ES").Packets,
            O(S, 90000) with { Options = SynOptionsWs7, State = CtState.Established, Verdict = NoRefresh },
            Rp(SA, 70000, 90001) with { Options = SynOptionsWs7, State = CtState.SynRecv, Verdict = Accept, Timeout = 60, Events = ConntrackEvents.ProtoInfo },
            O(A, 90001, 70001).Is(CtState.Established, Accept),
        ], []);

        // A challenge ACK answering our SYN, then the client's RST with that ACK number: closes.
        yield return new Scenario("rst after challenge ack to syn", [
            O(S, 1000).Is(CtState.SynSent),
            Rp(A, 7000, 12345).Is(CtState.SynSent, NoRefresh),
            O(R, 12345).Is(CtState.Close, Accept, 10),
        ], []);

        // SYN retransmissions before a reply do not refresh the timeout; a higher ISN re-inits.
        yield return new Scenario("syn retransmission", [
            O(S, 1000).Is(CtState.SynSent, Accept, 120),
            O(S, 1000).Is(CtState.SynSent, NoRefresh, 120),
            O(S, 3000).Is(CtState.SynSent, NoRefresh, 120),
            Rp(SA, 5000, 3001).Is(CtState.SynRecv, Accept, 60),
        ], []);

        // An out-of-window FIN then an out-of-window RST the other way on an ASSURED entry:
        // nf_tcp_handle_invalid lowers the timeout to the unacknowledged one.
        yield return new Scenario("invalid fin and rst shorten the timeout", [
            .. Reach("ES").Packets,
            O(FA, 1001 + 1000000, 5001).Is(CtState.Established, Invalid, 432000),
            Rp(R, 5001 + 1000000).Is(CtState.Established, Invalid, 300),
        ], []);

        // RST|ACK with a zero ACK from a broken stack: the ACK is taken as right.
        yield return new Scenario("rst ack with zero ack", [
            .. Reach("ES").Packets,
            Rp(RA, 5001, 0).Is(CtState.Close, Accept, 10),
        ], []);

        // The server resets a SYN we ignored (a): the entry goes without window checks.
        yield return new Scenario("rst answering an ignored syn", [
            .. Reach("ES").Packets,
            O(S, 90000).Is(CtState.Established, NoRefresh),
            Rp(RA, 0, 90001).Is(CtState.Close, Accept, 10),
        ], []);

        // The client resets after an ACK of a half-open connection we let through (c).
        yield return new Scenario("rst answering a half-open ack", [
            O(S, 1000).Is(CtState.SynSent),
            Rp(A, 7000, 12345).Is(CtState.SynSent, NoRefresh),
            O(RA, 12345, 7000).Is(CtState.Close, Accept, 10),
        ], []);

        // Keep-alives (SEQ one below td_end, no data) are in the window; repeated, they count as
        // retransmissions.
        yield return new Scenario("keepalives", [
            .. Reach("ES").Packets,
            O(A, 1000, 5001).Is(CtState.Established, Accept, 432000),
            Rp(A, 5001, 1001).Is(CtState.Established, Accept, 432000),
            O(A, 1000, 5001).Is(CtState.Established, Accept, 432000),
            O(A, 1000, 5001).Is(CtState.Established, Accept, 432000),
            O(A, 1000, 5001).Is(CtState.Established, Accept, 432000),
            O(A, 1000, 5001).Is(CtState.Established, Accept, 300),
        ], []);

        // A zero window: the last window seen is 0, so the max_retrans timeout applies.
        yield return new Scenario("zero window", [
            .. Reach("ES").Packets,
            O(PA, 1001, 5001) with { Payload = 100 },
            Rp(A, 5001, 1101) with { Win = 0, State = CtState.Established, Verdict = Accept, Timeout = 300 },
            O(PA, 1101, 5001) with { Payload = 1, State = CtState.Established },
            Rp(A, 5001, 1101) with { Win = 1000, State = CtState.Established, Verdict = Accept, Timeout = 300 },
            Rp(A, 5001, 1102) with { Win = 1000, State = CtState.Established, Verdict = Accept, Timeout = 432000 },
        ], []);

        // SACK blocks raise the acknowledged edge; one beyond what the sender sent is invalid.
        yield return new Scenario("sack blocks", [
            O(S, 1000) with { Options = SynOptionsWs7 },
            Rp(SA, 5000, 1001) with { Options = SynOptionsWs7 },
            O(A, 1001, 5001) with { Win = 500 },
            O(PA, 1001, 5001) with { Win = 500, Payload = 1400 },
            Rp(A, 5001, 1501) with { Win = 500, Options = "0101050a" + "000007d100000961", State = CtState.Established, Verdict = Accept },
            Rp(A, 5001, 1501) with { Win = 500, Options = "0101050a" + "000007d100000bb8", State = CtState.Established, Verdict = Invalid },
            Rp(A, 5001, 2401) with { Win = 500, State = CtState.Established, Verdict = Accept, Timeout = 432000 },
        ], []);

        // Data on the SYN (TCP Fast Open style) counts in td_end.
        yield return new Scenario("syn with data", [
            O(S, 1000) with { Payload = 100, State = CtState.SynSent },
            Rp(SA, 5000, 1101).Is(CtState.SynRecv),
            O(A, 1101, 5001).Is(CtState.Established, Accept, 432000),
        ], []);

        // Invalid flag combinations are INVALID before any tracking.
        yield return new Scenario("invalid flag combinations", [
            .. Reach("ES").Packets,
            O(TcpFlags.Syn | TcpFlags.Fin, 1001).Is(CtState.Established, Invalid),
            O(TcpFlags.Syn | TcpFlags.Rst, 1001).Is(CtState.Established, Invalid),
            O(TcpFlags.Fin, 1001).Is(CtState.Established, Invalid),
            O(0, 1001).Is(CtState.Established, Invalid),
            O(TcpFlags.Urg, 1001).Is(CtState.Established, Invalid),
            O(TcpFlags.Rst | TcpFlags.Fin, 1001).Is(CtState.Established, Invalid),
            O(A | TcpFlags.Ece | TcpFlags.Cwr | TcpFlags.Psh, 1001, 5001).Is(CtState.Established, Accept),
        ], []);
    }

    public static IReadOnlyDictionary<string, Scenario> All { get; } =
        TableCells().Concat(Behaviours()).ToDictionary(s => s.Name);
}
