using System.Management.Automation;
using Xunit;

namespace ConntrackTools.Tests;

/// <summary>The cmdlets on the real kernel, run by the PowerShell engine: binding, pipeline, views, serialisation, errors.</summary>
public class CmdletTests
{
    private static TestNetwork TrafficNetwork()
    {
        var net = new TestNetwork("ps");
        net.Tcp(net.B4, 8080, 2);
        net.Udp(net.B6, 5353, 1);
        net.Ping(net.B4);
        return net;
    }

    [KernelFact("nft", "ping", "python3")]
    public void Get_CtConnection_emits_typed_objects_that_filter_and_pipe()
    {
        using var net = TrafficNetwork();
        using var ps = new PsSession();
        var all = ps.Objects($"Get-CtConnection -NetworkNamespace {net.A}");
        Assert.True(all.Count >= 4, $"{all.Count} entries");
        Assert.All(all, o => Assert.IsType<CtConnection>(o.BaseObject));
        var tcp = ps.Objects($"Get-CtConnection -Netns {net.A} -Protocol tcp -State TimeWait -DestinationPort 8080");
        Assert.Equal(2, tcp.Count);
        Assert.All(tcp, o => Assert.Equal(net.B4, ((CtConnection)o.BaseObject).Destination!.ToString()));
        var v6 = ps.Objects($"Get-CtConnection -Netns {net.A} -Family IPv6 | Where-Object {{ $_.Protocol -eq 'Udp' -and -not $_.Unreplied }}");
        Assert.Single(v6);
        var byNetwork = ps.Objects($"Get-CtConnection -Netns {net.A} -Destination {net.B4.Substring(0, net.B4.LastIndexOf('.'))}.0/24 -Protocol icmp");
        Assert.Single(byNetwork);
        Assert.Equal($"kernel:{net.A}", ((CtConnection)byNetwork[0].BaseObject).Backend);
        // 0xffff0000 is an Int32 (-65536) to PowerShell's parser; it still binds as the mask it means.
        var hexMark = ps.Objects($"Get-CtConnection -Netns {net.A} -Mark 0x0 -MarkMask 0xffff0000");
        Assert.Equal(all.Count, hexMark.Count);
        Assert.Empty(ps.Objects($"Get-CtConnection -Netns {net.A} -Mark '0x10' -MarkMask 0xffffffff"));
    }

    [KernelFact("nft", "ping", "python3")]
    public void The_table_view_renders_like_conntrack_L_and_survives_a_CliXml_round_trip()
    {
        using var net = TrafficNetwork();
        using var ps = new PsSession();
        var text = ps.Render($"Get-CtConnection -Netns {net.A} -Protocol tcp");
        Assert.Contains("Proto", text);
        Assert.Contains("State", text);
        Assert.Contains("Destination", text);
        Assert.Contains("TimeWait", text);
        Assert.Contains(net.B4, text);
        Assert.Contains("ASSURED", text);
        Assert.Contains($"Backend: kernel:{net.A}", text);

        var roundTrip = ps.Render($"$x = [System.Management.Automation.PSSerializer]::Serialize(@(Get-CtConnection -Netns {net.A} -Protocol tcp)); [System.Management.Automation.PSSerializer]::Deserialize($x)");
        Assert.Contains("Proto", roundTrip);
        Assert.Contains(net.B4, roundTrip);
        Assert.Contains("ASSURED", roundTrip);

        var deserialized = ps.Objects($"$x = [System.Management.Automation.PSSerializer]::Serialize(@(Get-CtConnection -Netns {net.A} -Protocol tcp)); [System.Management.Automation.PSSerializer]::Deserialize($x)");
        Assert.Equal(2, deserialized.Count);
        Assert.Contains("Deserialized.ConntrackTools.CtConnection", deserialized[0].TypeNames);
        // The tuple travels as an object (SerializationDepth 2), not as a string.
        var original = (PSObject)deserialized[0].Properties["Original"].Value;
        Assert.Equal(net.B4, original.Properties["Destination"].Value.ToString());
        Assert.Equal("8080", original.Properties["DestinationPort"].Value.ToString());
    }

    [KernelFact]
    public void Get_CtStatistic_reports_the_count_and_per_cpu_rows()
    {
        using var net = new TestNetwork("pst");
        TableFiller.Fill(net.A, 40);
        using var ps = new PsSession();
        var stats = (CtStatistic)ps.Objects($"Get-CtStatistic -NetworkNamespace {net.A}").Single().BaseObject;
        Assert.Equal(40u, stats.Count);
        var cpus = ps.Objects($"Get-CtStatistic -NetworkNamespace {net.A} -PerCpu");
        Assert.Equal(Environment.ProcessorCount, cpus.Count);
        var text = ps.Render($"Get-CtStatistic -NetworkNamespace {net.A}");
        Assert.Contains("Count", text);
        Assert.Contains("40", text);
    }

    [KernelFact("nft", "vsftpd", "python3", "ss")]
    public void Get_CtExpectation_shows_the_ftp_helpers_expectation_in_its_view()
    {
        using var net = new TestNetwork("pse");
        using var ftp = new FtpScenario(net, ipv6: false, "PASV");
        using var ps = new PsSession();
        var exp = (CtExpectation)ps.Objects($"Get-CtExpectation ftp -NetworkNamespace {net.B} -MasterDestinationPort 21").Single().BaseObject;
        Assert.Equal(net.A4, exp.Tuple.Source!.ToString());
        Assert.Empty(ps.Objects($"Get-CtExpectation sip -NetworkNamespace {net.B}"));
        var text = ps.Render($"Get-CtExpectation -NetworkNamespace {net.B}");
        Assert.Contains("Helper", text);
        Assert.Contains("ftp", text);
        Assert.Contains($"{net.B4}:21", text);
        Assert.Contains($"{net.B4}:{exp.Tuple.DestinationPort}", text);
    }

    [KernelFact]
    public void An_unknown_namespace_is_an_ObjectNotFound_error_record()
    {
        using var ps = new PsSession();
        var (_, errors) = ps.Run("Get-CtConnection -NetworkNamespace no-such-netns-ct");
        var e = Assert.Single(errors);
        Assert.Equal("NetworkNamespaceNotFound,ConntrackTools.Commands.GetCtConnectionCommand", e.FullyQualifiedErrorId);
        Assert.Equal(ErrorCategory.ObjectNotFound, e.CategoryInfo.Category);
        Assert.Contains("ip netns list", e.ToString());
    }

    [Theory]
    [InlineData("-Source 10.0.0", "not an IPv4 or IPv6 address")]
    [InlineData("-Destination 10.0.0.0/33", "invalid prefix length")]
    [InlineData("-MarkMask 0xff", "-MarkMask needs -Mark")]
    [InlineData("-Source 10.0.0.1 -Destination 2001:db8::1", "mix IPv4 and IPv6")]
    [InlineData("-Family IPv6 -Source 10.0.0.1", "does not match")]
    [InlineData("-Label 200", "0 to 127")]
    public void Bad_filter_values_are_InvalidArgument_error_records(string arguments, string message)
    {
        using var ps = new PsSession();
        var (_, errors) = ps.Run("Get-CtConnection " + arguments);
        var e = Assert.Single(errors);
        Assert.Equal("InvalidFilter,ConntrackTools.Commands.GetCtConnectionCommand", e.FullyQualifiedErrorId);
        Assert.Equal(ErrorCategory.InvalidArgument, e.CategoryInfo.Category);
        Assert.Contains(message, e.ToString());
    }

    [Fact]
    public void Unknown_enum_values_fail_at_binding_with_the_valid_names()
    {
        using var ps = new PsSession();
        var (_, errors) = ps.Run("Get-CtConnection -Protocol tcpp");
        var e = Assert.Single(errors);
        Assert.Equal(ErrorCategory.InvalidArgument, e.CategoryInfo.Category);
        Assert.Contains("Tcp", e.ToString()); // the engine lists the valid names
        Assert.Contains("UdpLite", e.ToString());
    }

    [KernelFact("setpriv")]
    public void Without_CAP_NET_ADMIN_the_error_says_what_is_needed()
    {
        var ctsh = FindCtsh();
        // Root without CAP_NET_ADMIN: the kernel answers EPERM to every nfnetlink request.
        var r = Shell.Run("setpriv", ["--bounding-set", "-net_admin", "--inh-caps", "-net_admin", "dotnet", ctsh, "-Module", PsSession.ModuleManifest, "-Command", "Get-CtConnection"],
            env: new Dictionary<string, string> { ["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1" });
        Assert.NotEqual(0, r.ExitCode);
        Assert.Contains("CAP_NET_ADMIN", r.Stderr);
        Assert.DoesNotContain("   at ", r.Stderr); // no stack trace
    }

    internal static string FindCtsh()
    {
        var local = Path.Combine(AppContext.BaseDirectory, "ctsh.dll");
        if (File.Exists(local)) return local;
        throw new FileNotFoundException("ctsh.dll not found next to the tests");
    }
}
