using System.Management.Automation;
using ConntrackTools.Engine;
using Xunit;

namespace ConntrackTools.Tests;

/// <summary>The engine cmdlets as PowerShell runs them: files, queries with -Engine, errors, live capture.</summary>
public class EngineCmdletTests
{
    private static string WriteCapture(int flows, int packets, bool close = true)
    {
        var path = Path.Combine(Path.GetTempPath(), $"ct-eng-{Guid.NewGuid():N}.pcap");
        var (open, data, closing) = SyntheticCapture.Tcp(flows, packets, 20);
        using var w = new PcapWriter(path, LinkType.Raw);
        foreach (var f in open.Concat(data).Concat(close ? closing : [])) w.Write(f.TimestampNs, f.Data);
        return path;
    }

    private static string Unique(string prefix) => $"{prefix}{Guid.NewGuid():N}"[..14];

    [Fact]
    public void A_capture_is_read_to_the_end_and_answers_the_same_cmdlets_as_the_kernel()
    {
        var path = WriteCapture(20, 4, close: false);
        var name = Unique("e");
        using var ps = new PsSession();
        try
        {
            var engine = Assert.IsType<CtEngine>(Assert.Single(ps.Objects($"Start-CtEngine -Name {name} -Path '{path}'")).BaseObject);
            Assert.Equal((CtEngineState.Completed, 20, 20L * 7), (engine.State, engine.Connections, engine.Packets));

            var all = ps.Objects($"Get-CtConnection -Engine {name}").Select(o => Assert.IsType<CtConnection>(o.BaseObject)).ToList();
            Assert.Equal(20, all.Count);
            Assert.All(all, c => Assert.Equal((CtState.Established, $"engine:{name}"), (c.State, c.Backend)));
            // The filters of the kernel back end work the same.
            Assert.Single(ps.Objects($"Get-CtConnection -Engine {name} -Destination 192.168.0.3"));
            Assert.Equal(20, ps.Objects($"Get-CtConnection -Engine {name} -Protocol Tcp -Dport 443 -State Established").Count);
            Assert.Empty(ps.Objects($"Get-CtConnection -Engine {name} -Protocol Udp"));
            var stats = Assert.IsType<CtStatistic>(Assert.Single(ps.Objects($"Get-CtStatistic -Engine {name}")).BaseObject);
            Assert.Equal(20u, stats.Count);
            // Views render, with the engine as the group.
            var text = ps.Render($"Get-CtConnection -Engine {name} -Destination 192.168.0.3");
            Assert.Contains($"Backend: engine:{name}", text);
            Assert.Contains("Established", text);
            Assert.Contains(name, ps.Render("Get-CtEngine"));

            // The name is taken until the engine is removed.
            var (_, errors) = ps.Run($"Start-CtEngine -Name {name} -Path '{path}'");
            Assert.Equal("EngineExists,ConntrackTools.Commands.StartCtEngineCommand", Assert.Single(errors).FullyQualifiedErrorId);
            ps.Objects($"Remove-CtEngine {name}");
            (_, errors) = ps.Run($"Get-CtConnection -Engine {name}");
            Assert.Equal("EngineNotFound,ConntrackTools.Commands.GetCtConnectionCommand", Assert.Single(errors).FullyQualifiedErrorId);
            Assert.Equal(ErrorCategory.ObjectNotFound, errors[0].CategoryInfo.Category);
        }
        finally
        {
            ps.Run($"Remove-CtEngine {name} -ErrorAction SilentlyContinue");
            File.Delete(path);
        }
    }

    [Fact]
    public void Settings_rules_and_filters_shape_what_is_tracked()
    {
        var path = WriteCapture(10, 2);
        var names = new[] { Unique("s"), Unique("r"), Unique("f") };
        using var ps = new PsSession();
        try
        {
            // FIN/ACK closes every flow: they wait in TIME_WAIT for the timeout the setting gives.
            var e = (CtEngine)ps.Objects($"Start-CtEngine {names[0]} '{path}' -Setting @{{ 'net.netfilter.nf_conntrack_tcp_timeout_time_wait' = 7 }}")[0].BaseObject;
            Assert.Equal(10, e.Connections);
            Assert.Contains("nf_conntrack_tcp_timeout_time_wait = 7", e.Settings);
            Assert.All(ps.Objects($"Get-CtConnection -Engine {names[0]}"), o =>
            {
                var c = (CtConnection)o.BaseObject;
                Assert.Equal(CtState.TimeWait, c.State);
                Assert.InRange(c.Timeout!.Value, 6u, 7u);
            });
            e = (CtEngine)ps.Objects($"Start-CtEngine {names[1]} '{path}' -Rule 'tcp port 443 ct zone set 9'")[0].BaseObject;
            Assert.All(ps.Objects($"Get-CtConnection -Engine {names[1]}"), o => Assert.Equal((ushort)9, ((CtConnection)o.BaseObject).Zone));
            e = (CtEngine)ps.Objects($"Start-CtEngine {names[2]} '{path}' -Filter 'host 192.168.0.1'")[0].BaseObject;
            Assert.Equal(1, e.Connections);

            var (_, errors) = ps.Run($"Start-CtEngine {Unique("x")} '{path}' -Setting @{{ nf_conntrack_nonsense = 1 }}");
            Assert.Equal("InvalidSetting,ConntrackTools.Commands.StartCtEngineCommand", Assert.Single(errors).FullyQualifiedErrorId);
            (_, errors) = ps.Run($"Start-CtEngine {Unique("x")} '{path}' -Rule 'udp dport 53 explode'");
            Assert.Contains("explode", Assert.Single(errors).ToString());
            (_, errors) = ps.Run($"Start-CtEngine {Unique("x")} '{path}' -Filter 'host and and'");
            Assert.Equal(ErrorCategory.InvalidArgument, Assert.Single(errors).CategoryInfo.Category);
            (_, errors) = ps.Run($"Start-CtEngine {Unique("x")} '/nonexistent/x.pcap'");
            Assert.Equal("CaptureNotFound,ConntrackTools.Commands.StartCtEngineCommand", Assert.Single(errors).FullyQualifiedErrorId);
        }
        finally
        {
            // Only this test's engines: engines are per process, and other test classes run alongside.
            ps.Run($"Remove-CtEngine {string.Join(',', names)} -ErrorAction SilentlyContinue");
            File.Delete(path);
        }
    }

    [Fact]
    public void A_truncated_capture_names_the_packet_and_keeps_what_was_tracked()
    {
        var path = WriteCapture(30, 2, close: false);
        var name = Unique("t");
        var bytes = File.ReadAllBytes(path);
        File.WriteAllBytes(path, bytes[..(bytes.Length - 30)]); // cut into the last packet
        using var ps = new PsSession();
        try
        {
            var (output, errors) = ps.Run($"Start-CtEngine {name} '{path}'");
            var error = Assert.Single(errors);
            Assert.Equal("CaptureDamaged,ConntrackTools.Commands.StartCtEngineCommand", error.FullyQualifiedErrorId);
            Assert.Equal(ErrorCategory.InvalidData, error.CategoryInfo.Category);
            Assert.Contains("packet 150", error.ToString());
            var engine = Assert.IsType<CtEngine>(Assert.Single(output).BaseObject);
            Assert.Equal(CtEngineState.Failed, engine.State);
            Assert.Equal(149, engine.Packets);
            Assert.Equal(30, ps.Objects($"Get-CtConnection -Engine {name}").Count);
        }
        finally
        {
            ps.Run($"Remove-CtEngine {name}");
            File.Delete(path);
        }
    }

    [KernelFact("ping")]
    public void A_live_engine_tracks_an_interface_in_a_namespace_and_streams_its_events()
    {
        using var net = new TestNetwork("pl");
        var name = Unique("l");
        using var ps = new PsSession();
        try
        {
            var engine = (CtEngine)ps.Objects($"Start-CtEngine {name} -Interface veth0 -NetworkNamespace {net.A} -Filter icmp")[0].BaseObject;
            Assert.Equal(CtEngineState.Running, engine.State);
            var pinger = Task.Run(async () => { await Task.Delay(800); net.Ping(net.B4, 2); });
            var events = ps.Objects($"Watch-CtConnection -Engine {name} -Count 2 -Timeout 20").Select(o => (CtEvent)o.BaseObject).ToList();
            pinger.Wait();
            Assert.Equal((CtEventType.New, CtEventType.Update), (events[0].Type, events[1].Type));
            Assert.Equal(CtProtocol.Icmp, events[0].Connection.Protocol);
            Assert.True(events[1].Connection.Status.HasFlag(CtStatus.SeenReply));

            ps.Objects($"Stop-CtEngine {name}");
            var after = (CtEngine)ps.Objects($"Get-CtEngine {name}")[0].BaseObject;
            Assert.Equal(CtEngineState.Stopped, after.State);
            var ct = Assert.IsType<CtConnection>(Assert.Single(ps.Objects($"Get-CtConnection -Engine {name}")).BaseObject);
            Assert.Equal((net.A4, net.B4, 2ul, 2ul), (ct.Source!.ToString(), ct.Destination!.ToString(), ct.OriginalPackets!.Value, ct.ReplyPackets!.Value));
        }
        finally
        {
            ps.Run($"Remove-CtEngine {name}");
        }
    }
}
