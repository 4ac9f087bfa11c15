using System.Management.Automation;
using Xunit;

namespace ConntrackTools.Tests;

/// <summary>Helpers and expectations through the cmdlets: Get-CtHelper, and an engine's expectations and RELATED connections.</summary>
public class HelperCmdletTests
{
    private static string Lab => Path.Combine(PsSession.RepoRoot, "examples", "lab.pcap");

    private static string Unique(string prefix) => $"{prefix}{Guid.NewGuid():N}"[..14];

    [Fact]
    public void The_lab_capture_with_the_ftp_helper_has_a_related_data_connection()
    {
        var name = Unique("h");
        using var ps = new PsSession();
        try
        {
            ps.Objects($"Start-CtEngine -Name {name} -Path '{Lab}' -Rule 'tcp dport 21 ct helper set ftp'");
            var table = ps.Objects($"Get-CtConnection -Engine {name}").Select(o => (CtConnection)o.BaseObject).ToList();
            var control = Assert.Single(table, c => c.DestinationPort == 21);
            Assert.Equal("ftp", control.Helper);
            // The PASV data connection: expected, with the control connection as its master.
            var data = ps.Objects($"Get-CtConnection -Engine {name} | Where-Object {{ $_.Status -band [ConntrackTools.CtStatus]::Expected }}")
                .Select(o => (CtConnection)o.BaseObject).ToList();
            Assert.Equal(control.Original.ToString(), Assert.Single(data).Master?.ToString());
            // The expectation was used: none is left, and the statistics count it.
            Assert.Empty(ps.Objects($"Get-CtExpectation -Engine {name}"));
            var stats = (CtStatistic)ps.Objects($"Get-CtStatistic -Engine {name}")[0].BaseObject;
            Assert.Equal((1ul, 1ul), (stats.ExpectationCreate, stats.ExpectationNew));
            // Without the helper the same capture has no RELATED connection.
            var plain = Unique("p");
            ps.Objects($"Start-CtEngine -Name {plain} -Path '{Lab}'");
            Assert.Empty(ps.Objects($"Get-CtConnection -Engine {plain} | Where-Object {{ $_.Status -band [ConntrackTools.CtStatus]::Expected }}"));
            Assert.All(ps.Objects($"Get-CtConnection -Engine {plain}"), o => Assert.Null(((CtConnection)o.BaseObject).Helper));
            ps.Run($"Remove-CtEngine {plain}");
        }
        finally
        {
            ps.Run($"Remove-CtEngine {name} -ErrorAction SilentlyContinue");
        }
    }

    [Fact]
    public void Get_CtHelper_lists_the_engines_helpers_with_its_options_and_degree_of_freedom()
    {
        var name = Unique("o");
        using var ps = new PsSession();
        try
        {
            ps.Objects($"Start-CtEngine -Name {name} -Path '{Lab}' -Setting @{{ 'nf_conntrack_ftp.loose' = 1 }}");
            var ftp = (CtHelper)Assert.Single(ps.Objects($"Get-CtHelper -Engine {name} -Name ftp")).BaseObject;
            Assert.Equal((1L, $"engine:{name}"), (ftp.Options["loose"], ftp.Backend));
            Assert.Contains(ftp.Expectations, s => s.Option == "loose=1" && s.DestinationAddress == CtFieldOrigin.InCommand);
            var all = ps.Objects($"Get-CtHelper -Engine {name}").Select(o => (CtHelper)o.BaseObject).ToList();
            Assert.Contains(all, h => h.Name == "tftp" && !h.Userspace);
            Assert.Contains(all, h => h.Name == "ssdp" && h.Userspace);
            // Wildcards, and the shapes piped out of the helpers.
            Assert.All(ps.Objects($"Get-CtHelper -Engine {name} t*"), o => Assert.StartsWith("t", ((CtHelper)o.BaseObject).Name, StringComparison.OrdinalIgnoreCase));
            var chosen = ps.Objects($"Get-CtHelper -Engine {name} | ForEach-Object Expectations | Where-Object PayloadChosen");
            Assert.Contains(chosen, o => ((CtExpectationShape)o.BaseObject).Helper == "ftp");
            // Views render.
            var text = ps.Render($"Get-CtHelper -Engine {name} ftp, tftp");
            Assert.Contains("loose=1", text);
            Assert.Contains("dst port", text);
            Assert.Contains("InCommand", ps.Render($"(Get-CtHelper -Engine {name} ftp).Expectations"));
            // A name no helper has is an error that names the helpers.
            var (_, errors) = ps.Run($"Get-CtHelper -Engine {name} -Name nosuch");
            Assert.Equal("HelperNotFound,ConntrackTools.Commands.GetCtHelperCommand", Assert.Single(errors).FullyQualifiedErrorId);
            Assert.Contains("ftp", errors[0].Exception.Message);
        }
        finally
        {
            ps.Run($"Remove-CtEngine {name} -ErrorAction SilentlyContinue");
        }
    }

    [KernelFact]
    public void Get_CtHelper_lists_the_kernels_helpers_with_their_module_options()
    {
        using var ps = new PsSession();
        var helpers = ps.Objects("Get-CtHelper").Select(o => (CtHelper)o.BaseObject).ToList();
        // Those this kernel offers (asked of the kernel, so pptp too, which has no parameters and
        // so no /sys/module entry when built in): at least every helper module present.
        Assert.NotEmpty(helpers);
        Assert.All(helpers, h => Assert.False(h.Userspace));
        foreach (var module in new[] { "nf_conntrack_ftp", "nf_conntrack_tftp", "nf_conntrack_irc", "nf_conntrack_sip" })
            if (Directory.Exists($"/sys/module/{module}")) Assert.Contains(helpers, h => h.Module == module);
        if (Directory.Exists("/sys/module/nf_conntrack_ftp"))
        {
            var loose = File.ReadAllText("/sys/module/nf_conntrack_ftp/parameters/loose").Trim() == "Y" ? 1L : 0L;
            Assert.Equal(loose, Assert.Single(helpers, h => h.Name == "ftp").Options["loose"]);
        }
    }

    [KernelFact("python3")]
    public void Watch_CtExpectation_streams_a_live_engines_expectations()
    {
        using var net = new TestNetwork("ph");
        var name = Unique("w");
        using var ps = new PsSession();
        try
        {
            ps.Objects($"Start-CtEngine {name} -Interface veth0 -NetworkNamespace {net.A} -Filter udp -Rule 'udp dport 69 ct helper set tftp'");
            var reader = Task.Run(async () =>
            {
                await Task.Delay(800);
                TestNetwork.Exec(net.A, "python3", TestNetwork.TrafficScript, "tftp-read", net.B4);
            });
            var events = ps.Objects($"Watch-CtExpectation -Engine {name} -EventType New -Count 1 -Timeout 20").Select(o => (CtExpectationEvent)o.BaseObject).ToList();
            reader.Wait();
            var e = Assert.Single(events);
            Assert.Equal((CtEventType.New, $"engine:{name}", "tftp"), (e.Type, e.Backend, e.Expectation.Helper));
            Assert.Equal(net.B4, e.Expectation.Tuple.Source?.ToString());
            Assert.Equal((ushort)69, e.Expectation.Master.DestinationPort);
            // The same expectation in the table, through the kernel's filters.
            Assert.Single(ps.Objects($"Get-CtExpectation -Engine {name} -Helper tftp"));
            Assert.Empty(ps.Objects($"Get-CtExpectation -Engine {name} -Helper ftp"));
        }
        finally
        {
            ps.Run($"Remove-CtEngine {name} -ErrorAction SilentlyContinue");
        }
    }
}
