using Xunit;

namespace ConntrackTools.Tests;

/// <summary>
/// Test-CtAntiSpoof through the PowerShell engine: findings for a namespace, the filters, the
/// errors, and remediations that run as pwsh command lines and make the checks pass.
/// </summary>
public class AntiSpoofCmdletTests
{
    /// <summary>A TestNetwork whose namespace A has rp_filter off everywhere (new namespaces copy the root's values).</summary>
    private static TestNetwork Unprotected(string tag)
    {
        var net = new TestNetwork(tag);
        TestNetwork.Exec(net.A, "sysctl", "-qw", "net.ipv4.conf.all.rp_filter=0", "net.ipv4.conf.default.rp_filter=0", "net.ipv4.conf.veth0.rp_filter=0");
        return net;
    }

    private static List<CtFinding> Findings(PsSession ps, string script) =>
        ps.Objects(script).Select(o => (CtFinding)o.BaseObject).ToList();

    [KernelFact("nft")]
    public void Failed_findings_carry_remediations_that_pwsh_runs_and_that_make_the_checks_pass()
    {
        using var net = Unprotected("pa");
        using var ps = new PsSession();
        var findings = Findings(ps, $"Test-CtAntiSpoof -NetworkNamespace {net.A}");
        Assert.Equal(["veth0/IPv4", "veth0/IPv6"], findings.Select(f => f.Target));
        Assert.All(findings, f => Assert.Equal(("ReversePathFilter", false, CtSeverity.High, $"kernel:{net.A}"), (f.Check, f.Passed, f.Severity, f.Backend)));
        Assert.Contains("rp_filter: all=0, veth0=0 → 0 (off)", findings[0].Message);
        Assert.Contains("IPv6 has no rp_filter", findings[1].Message);
        Assert.Equal($"ip netns exec {net.A} sysctl -w net/ipv4/conf/veth0/rp_filter=1", findings[0].Remediation);

        // The remediations as pwsh runs a command line: native commands, single-quoted nft script.
        var (_, errors) = ps.Run($"Test-CtAntiSpoof -NetworkNamespace {net.A} | Where-Object {{ -not $_.Passed }} | ForEach-Object {{ & ([scriptblock]::Create($_.Remediation)) }}");
        Assert.Empty(errors);
        var after = Findings(ps, $"Test-CtAntiSpoof -NetworkNamespace {net.A}");
        Assert.All(after, f => Assert.True(f.Passed, f.Message));
        Assert.All(after, f => Assert.Equal("", f.Remediation));
        Assert.Equal("1", TestNetwork.Exec(net.A, "cat", "/proc/sys/net/ipv4/conf/veth0/rp_filter").Trim());
        Assert.Contains("fib saddr . iif oif missing drop", TestNetwork.Exec(net.A, "nft", "list", "chain", "inet", "conntrack", "antispoof"));
    }

    [KernelFact("nft")]
    public void An_odd_interface_name_survives_pwsh_quoting_in_the_remediation()
    {
        using var net = Unprotected("pq");
        const string odd = "v$x;{1}*";
        TestNetwork.Exec(net.A, "ip", "link", "set", "veth0", "down");
        TestNetwork.Exec(net.A, "ip", "link", "set", "veth0", "name", odd);
        TestNetwork.Exec(net.A, "ip", "link", "set", odd, "up");
        using var ps = new PsSession();
        var findings = Findings(ps, $"Test-CtAntiSpoof -NetworkNamespace {net.A} -InterfaceName 'v`$x;{{1}}`*'");
        Assert.Equal([$"{odd}/IPv4", $"{odd}/IPv6"], findings.Select(f => f.Target));
        var (_, errors) = ps.Run($"Test-CtAntiSpoof -NetworkNamespace {net.A} | ForEach-Object {{ & ([scriptblock]::Create($_.Remediation)) }}");
        Assert.Empty(errors);
        Assert.All(Findings(ps, $"Test-CtAntiSpoof -NetworkNamespace {net.A}"), f => Assert.True(f.Passed, f.Message));
        Assert.Contains("iifname \"v$x;{1}\\*\"", TestNetwork.Exec(net.A, "nft", "list", "chain", "inet", "conntrack", "antispoof"));
    }

    [KernelFact("nft")]
    public void InterfaceName_takes_wildcards_Family_selects_and_lo_is_never_checked()
    {
        using var net = Unprotected("pf");
        TestNetwork.Exec(net.A, "ip", "link", "add", "veth1", "type", "veth", "peer", "name", "wan0");
        using var ps = new PsSession();
        Assert.Equal(["veth0/IPv4", "veth0/IPv6", "veth1/IPv4", "veth1/IPv6", "wan0/IPv4", "wan0/IPv6"],
            Findings(ps, $"Test-CtAntiSpoof -Netns {net.A}").Select(f => f.Target).Order(StringComparer.Ordinal));
        Assert.Equal(["veth0/IPv6", "veth1/IPv6"], Findings(ps, $"Test-CtAntiSpoof 'VETH*' -Family IPv6 -NetworkNamespace {net.A}").Select(f => f.Target).Order(StringComparer.Ordinal));
        Assert.Equal(["wan0/IPv4"], Findings(ps, $"Test-CtAntiSpoof -Interface wan0 -Family IPv4 -NetworkNamespace {net.A}").Select(f => f.Target));
        var (output, errors) = ps.Run($"Test-CtAntiSpoof lo -NetworkNamespace {net.A}");
        Assert.Empty(output);
        Assert.Empty(errors);
        // IPv6 disabled on an interface: it passes, and says why.
        TestNetwork.Exec(net.A, "sysctl", "-qw", "net.ipv6.conf.wan0.disable_ipv6=1");
        var wan = Assert.Single(Findings(ps, $"Test-CtAntiSpoof wan0 -Family IPv6 -NetworkNamespace {net.A}"));
        Assert.True(wan.Passed);
        Assert.Contains("disable_ipv6=1", wan.Message);
    }

    [KernelFact("nft")]
    public void Errors_say_what_is_missing()
    {
        using var net = Unprotected("pe");
        using var ps = new PsSession();
        // An interface that does not exist: a non-terminating error naming the interfaces; the others are still checked.
        var (output, errors) = ps.Run($"Test-CtAntiSpoof nosuch, veth0 -NetworkNamespace {net.A}");
        var error = Assert.Single(errors);
        Assert.Equal("InterfaceNotFound,ConntrackTools.Commands.TestCtAntiSpoofCommand", error.FullyQualifiedErrorId);
        Assert.Equal(System.Management.Automation.ErrorCategory.ObjectNotFound, error.CategoryInfo.Category);
        Assert.Contains("veth0", error.Exception.Message);
        Assert.Equal(2, output.Count);
        // A wildcard that matches nothing is no error.
        (output, errors) = ps.Run($"Test-CtAntiSpoof 'nosuch*' -NetworkNamespace {net.A}");
        Assert.Empty(output);
        Assert.Empty(errors);
        // A namespace that does not exist stops the command.
        (_, errors) = ps.Run("Test-CtAntiSpoof -NetworkNamespace ct-no-such-namespace");
        Assert.Equal("NetworkNamespaceNotFound,ConntrackTools.Commands.TestCtAntiSpoofCommand", Assert.Single(errors).FullyQualifiedErrorId);
        // -Family takes IPv4 and IPv6 only.
        (_, errors) = ps.Run($"Test-CtAntiSpoof -Family Unspecified -NetworkNamespace {net.A}");
        Assert.Contains("ParameterArgumentValidationError", Assert.Single(errors).FullyQualifiedErrorId);
    }

    [KernelFact("nft", "setpriv")]
    public void Without_root_the_command_stops_with_PermissionDenied()
    {
        // The same audit through ctsh, as nobody, in the current namespace: the nft ruleset is refused.
        var ctsh = Path.Combine(Path.GetDirectoryName(typeof(Host.CtshHost).Assembly.Location)!, "ctsh");
        if (!File.Exists(ctsh)) ctsh = Path.Combine(PsSession.RepoRoot, "src", "ConntrackTools.Host", "bin", "Release", "net10.0", "ctsh");
        var r = Shell.Run("setpriv", ["--reuid=65534", "--regid=65534", "--clear-groups", "--inh-caps=-all", ctsh, "-Module", PsSession.ModuleManifest, "-Command",
            "try { Test-CtAntiSpoof -ErrorAction Stop } catch { $_.FullyQualifiedErrorId; $_.CategoryInfo.Category }"],
            env: new Dictionary<string, string> { ["HOME"] = "/tmp", ["DOTNET_CLI_HOME"] = "/tmp" });
        Assert.True(r.Stdout.Contains("PermissionDenied,ConntrackTools.Commands.TestCtAntiSpoofCommand", StringComparison.Ordinal), r.Stdout + r.Stderr);
    }
}
