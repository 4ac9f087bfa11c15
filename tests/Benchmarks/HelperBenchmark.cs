using System.Diagnostics;
using System.Text;
using ConntrackTools.Engine;
using ConntrackTools.Tests;

namespace ConntrackTools.Benchmarks;

/// <summary>
/// What a helper costs (issue: engine helpers): the same synthetic control traffic replayed
/// through the plain tracker and through the helper, packets per second on one thread. FTP: N
/// control connections exchanging command/reply lines (NOOP/200), one in ten a PASV whose 227
/// reply makes an expectation (evicting the previous one: max_expected 1). SIP: N UDP signalling
/// flows, OPTIONS/200 keepalives and one call in ten whose SDP makes RTP/RTCP expectations.
/// </summary>
internal static class HelperBenchmark
{
    public static int Run(string[] args)
    {
        var flows = args.Length > 1 ? int.Parse(args[1]) : 1_000;
        var packets = args.Length > 2 ? int.Parse(args[2]) : 200;
        Console.WriteLine($"helpers: {flows} control connections x {packets} lines; {Environment.ProcessorCount} CPUs; one thread");

        var noop = Encoding.ASCII.GetBytes("NOOP\r\n");
        var pasv = Encoding.ASCII.GetBytes("PASV\r\n");
        var ok = Encoding.ASCII.GetBytes("200 NOOP ok.\r\n");
        var (open, data, _) = SyntheticCapture.Tcp(flows, packets, 21, (flow, k, reply) =>
        {
            var passive = k / 2 % 10 == 9;
            if (!reply) return passive ? pasv : noop;
            if (!passive) return ok;
            var a = SyntheticCapture.ServerAddress(flow);
            var port = 10000 + flow % 55000; // one port per connection: expectations of two masters never clash (that is EBUSY)
            return Encoding.ASCII.GetBytes($"227 Entering Passive Mode ({a >> 24},{a >> 16 & 255},{a >> 8 & 255},{a & 255},{port >> 8},{port & 255}).\r\n");
        });
        var plain = Measure("ftp control, plain tracker", open, data, []);
        var helped = Measure("ftp control, ftp helper", open, data, ["tcp dport 21 ct helper set ftp"], expectations: flows * (packets / 20));
        Console.WriteLine($"ftp helper cost: {(1 / helped - 1 / plain) * 1e9:F0} ns per packet ({helped / plain:P0} of the plain tracker's rate)");

        // SIP over UDP: OPTIONS/200 keepalives, and one call in ten (INVITE with SDP audio, 200 OK with SDP) making RTP/RTCP expectations.
        var sip = SyntheticCapture.Udp(flows, packets, 5060, (flow, k, reply) => Encoding.ASCII.GetBytes(SipMessage(flow, k, reply)));
        var sipPlain = Measure("sip signalling, plain tracker", [], sip, []);
        var sipHelped = Measure("sip signalling, sip helper", [], sip, ["udp dport 5060 ct helper set sip"], expectations: -1);
        Console.WriteLine($"sip helper cost: {(1 / sipHelped - 1 / sipPlain) * 1e9:F0} ns per packet ({sipHelped / sipPlain:P0} of the plain tracker's rate)");
        return 0;
    }

    private static string Address(uint a) => $"{a >> 24}.{a >> 16 & 255}.{a >> 8 & 255}.{a & 255}";

    /// <summary>Exchange k/2 of a SIP flow: a call (INVITE with SDP, 200 with SDP) every tenth, else OPTIONS and 200.</summary>
    private static string SipMessage(int flow, int k, bool reply)
    {
        var client = Address(SyntheticCapture.ClientAddress(flow));
        var server = Address(SyntheticCapture.ServerAddress(flow));
        var cport = SyntheticCapture.ClientPortOf(flow);
        var call = k / 2 % 10 == 9;
        var cseq = k / 2 + 1;
        var method = call ? "INVITE" : "OPTIONS";
        var media = 20000 + 2 * (flow % 20000);
        var sdp = call ? $"v=0\r\no=- 1 1 IN IP4 {(reply ? server : client)}\r\ns=-\r\nc=IN IP4 {(reply ? server : client)}\r\nt=0 0\r\nm=audio {media} RTP/AVP 0\r\n" : "";
        var head = reply ? "SIP/2.0 200 OK" : $"{method} sip:bench@{server} SIP/2.0";
        return $"{head}\r\nVia: SIP/2.0/UDP {client}:{cport};branch=z9hG4bK{flow}x{k / 2}\r\nFrom: <sip:a@{client}>;tag={flow}\r\nTo: <sip:bench@{server}>\r\n" +
               $"Call-ID: {flow}-{k / 2}@{client}\r\nCSeq: {cseq} {method}\r\nContact: <sip:a@{client}:{cport}>\r\n" +
               (call ? "Content-Type: application/sdp\r\n" : "") + $"Content-Length: {sdp.Length}\r\n\r\n{sdp}";
    }

    /// <summary>Best of three: packets per second of <paramref name="data"/> after <paramref name="open"/>.</summary>
    private static double Measure(string label, List<SyntheticCapture.Frame> open, List<SyntheticCapture.Frame> data, string[] rules, long expectations = 0)
    {
        var best = double.MaxValue;
        long created = 0;
        for (var round = 0; round < 3; round++)
        {
            var settings = new EngineSettings { ExpectMax = 1 << 20 }; // one live expectation per connection
            foreach (var r in rules) settings.Rules.Add(EngineRule.Parse(r));
            var engine = new ConntrackEngine("bench-helper", settings);
            foreach (var f in open) engine.Process(LinkType.Raw, f.Data, f.Data.Length, f.TimestampNs);
            var sw = Stopwatch.StartNew();
            foreach (var f in data) engine.Process(LinkType.Raw, f.Data, f.Data.Length, f.TimestampNs);
            sw.Stop();
            if (engine.Invalid != 0 || engine.Dropped != 0) throw new InvalidOperationException($"{label}: {engine.Invalid} invalid, {engine.Dropped} dropped");
            created = engine.ExpectationsCreated;
            best = Math.Min(best, sw.Elapsed.TotalSeconds);
        }
        if (expectations >= 0 && created != expectations) throw new InvalidOperationException($"{label}: {created} expectations, {expectations} expected");
        var rate = data.Count / best;
        Console.WriteLine($"{label}: {rate / 1e6:F2} Mpps (best of 3: {data.Count} packets in {best:F3} s), {created} expectations");
        return rate;
    }
}
