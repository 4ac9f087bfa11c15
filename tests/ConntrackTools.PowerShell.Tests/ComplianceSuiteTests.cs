using Xunit;

namespace ConntrackTools.Tests;

/// <summary>
/// The compliance suite shipped in the module (Compliance/ConntrackTools.Compliance.Tests.ps1), run
/// as a user runs it with Invoke-Pester (here under the Pester-compatible runner), against a
/// hardened namespace and a broken one.
/// </summary>
public class ComplianceSuiteTests
{
    private static string Suite => Path.Combine(PsSession.ModuleFolder, "Compliance", "ConntrackTools.Compliance.Tests.ps1");

    /// <summary>B hardened for helpers (HelperSecurityTests) and against spoofing: rp_filter for IPv4, a fib rule for IPv6.</summary>
    private static void Harden(TestNetwork net, string related = "")
    {
        HelperSecurityTests.Harden(net, related: related);
        foreach (var dev in new[] { "all", "veth0", "wan0", "wan0p" })
            TestNetwork.Exec(net.B, "sysctl", "-qw", $"net/ipv4/conf/{dev}/rp_filter=1");
        TestNetwork.Nft(net.B,
            "table inet antispoof {\n  chain pre {\n    type filter hook prerouting priority raw;\n" +
            "    meta nfproto ipv6 fib saddr . iif oif missing drop\n  }\n}\n");
    }

    [KernelFact("nft", "conntrack", "iptables", "sysctl")]
    public void The_shipped_suite_passes_on_a_hardened_namespace()
    {
        Assert.True(File.Exists(Suite), $"the module does not ship {Suite}");
        using var net = new TestNetwork("ch");
        using var ps = new PsSession();
        Harden(net);
        var result = PesterRunner.Run(ps, Suite, new Dictionary<string, object> { ["NetworkNamespace"] = net.B });
        Assert.True(result.FailedCount == 0 && result.TotalCount > 0, result.Report());
        Assert.Contains(result.Tests, t => t.ExpandedName.StartsWith("HelperAssignmentUnrestricted on inet fw pre handle", StringComparison.Ordinal));
        Assert.Contains(result.Tests, t => t.ExpandedName == "ReversePathFilter on veth0/IPv6");
        Assert.Contains(result.Tests, t => t.ExpandedName == "ReversePathFilter on wan0/IPv4");
    }

    [KernelFact("nft", "conntrack", "iptables", "sysctl")]
    public void The_shipped_suite_fails_exactly_the_broken_checks_and_says_how_to_fix_them()
    {
        using var net = new TestNetwork("cb");
        using var ps = new PsSession();
        Harden(net, related: "ct state established,related accept");
        TestNetwork.Exec(net.B, "sysctl", "-qw", "net/ipv4/conf/all/rp_filter=0", "net/ipv4/conf/veth0/rp_filter=0");
        var result = PesterRunner.Run(ps, Suite, new Dictionary<string, object> { ["NetworkNamespace"] = net.B });
        var failed = result.Failed.Select(t => t.ExpandedName).Order().ToList();
        Assert.True(failed.Count == 2, result.Report());
        Assert.StartsWith("RelatedAcceptUnrestricted on inet fw in handle", failed[0]);
        Assert.Equal("ReversePathFilter on veth0/IPv4", failed[1]);
        var related = result.Failed.First(t => t.ExpandedName.StartsWith("RelatedAccept", StringComparison.Ordinal));
        Assert.Contains(related.Errors, e => e.Contains("Fix: ip netns exec", StringComparison.Ordinal) && e.Contains("ct state established accept", StringComparison.Ordinal));

        // Leaving a part out: only the helper checks.
        var helpersOnly = PesterRunner.Run(ps, Suite, new Dictionary<string, object> { ["NetworkNamespace"] = net.B, ["SkipAntiSpoof"] = true });
        Assert.Equal(1, helpersOnly.FailedCount);
        Assert.DoesNotContain(helpersOnly.Tests, t => t.ExpandedName.StartsWith("ReversePathFilter", StringComparison.Ordinal) && t.Result != "Skipped");
    }
}
