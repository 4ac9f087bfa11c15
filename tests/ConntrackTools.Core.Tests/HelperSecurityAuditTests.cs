using ConntrackTools.Audit;
using ConntrackTools.Kernel.Nftables;
using Xunit;

namespace ConntrackTools.Tests;

/// <summary>
/// The helper-security checks on snapshots, for what this kernel cannot show: the nf_conntrack_helper
/// sysctl (gone since 6.0) and dangerous module options (global to the host, so the kernel tests
/// never switch them on).
/// </summary>
public class HelperSecurityAuditTests
{
    private static CtFinding Only(HelperSecuritySnapshot s, string check) =>
        Assert.Single(HelperSecurityAudit.Run(s), f => f.Check == check);

    [Fact]
    public void Automatic_assignment_where_the_sysctl_exists_is_checked()
    {
        var on = Only(new HelperSecuritySnapshot { AutomaticAssignment = 1, NetworkNamespace = "fw1" }, HelperSecurityAudit.AutomaticAssignmentCheck);
        Assert.False(on.Passed);
        Assert.Equal(CtSeverity.High, on.Severity);
        Assert.Equal("Set-CtSetting -Name nf_conntrack_helper -Value 0 -NetworkNamespace 'fw1'", on.Remediation);
        Assert.True(Only(new HelperSecuritySnapshot { AutomaticAssignment = 0 }, HelperSecurityAudit.AutomaticAssignmentCheck).Passed);
        var gone = Only(new HelperSecuritySnapshot { AutomaticAssignment = null }, HelperSecurityAudit.AutomaticAssignmentCheck);
        Assert.True(gone.Passed);
        Assert.Contains("removed in Linux 6.0", gone.Message);
    }

    [Theory]
    [InlineData("nf_conntrack_ftp.loose", "Y", "echo N > /sys/module/nf_conntrack_ftp/parameters/loose")]
    [InlineData("nf_conntrack_sip.sip_direct_media", "0", "echo 1 > /sys/module/nf_conntrack_sip/parameters/sip_direct_media")]
    [InlineData("nf_conntrack_sip.sip_direct_signalling", "0", "echo 1 > /sys/module/nf_conntrack_sip/parameters/sip_direct_signalling")]
    public void Dangerous_options_fail_with_the_command_that_restores_the_safe_value(string key, string value, string remediation)
    {
        var safe = new Dictionary<string, string?>
        {
            ["nf_conntrack_ftp.loose"] = "N",
            ["nf_conntrack_sip.sip_direct_media"] = "1",
            ["nf_conntrack_sip.sip_direct_signalling"] = "1",
        };
        Assert.All(HelperSecurityAudit.Run(new HelperSecuritySnapshot { ModuleParameters = safe }).Where(f => f.Check == HelperSecurityAudit.DangerousOptionCheck), f => Assert.True(f.Passed));
        var bad = new Dictionary<string, string?>(safe) { [key] = value };
        var failed = HelperSecurityAudit.Run(new HelperSecuritySnapshot { ModuleParameters = bad }).Where(f => !f.Passed).ToList();
        var f = Assert.Single(failed);
        Assert.Equal((HelperSecurityAudit.DangerousOptionCheck, key, remediation), (f.Check, f.Target, f.Remediation));
        // An option that could not be read is not reported safe.
        var unread = new Dictionary<string, string?>(safe) { [key] = null };
        var unreadFinding = Assert.Single(HelperSecurityAudit.Run(new HelperSecuritySnapshot { ModuleParameters = unread }), x => x.Target == key);
        Assert.False(unreadFinding.Passed);
        Assert.Contains("could not be read", unreadFinding.Message);
    }

    [Fact]
    public void Ftp_loose_makes_the_payload_choose_the_address_too()
    {
        const string json = """
            {"nftables":[{"table":{"family":"inet","name":"fw","handle":1}},
            {"ct helper":{"family":"inet","name":"f","table":"fw","handle":2,"type":"ftp","protocol":"tcp","l3proto":"inet"}},
            {"chain":{"family":"inet","table":"fw","name":"pre","handle":3,"type":"filter","hook":"prerouting","prio":0,"policy":"accept"}},
            {"rule":{"family":"inet","table":"fw","chain":"pre","handle":4,"expr":[{"match":{"op":"==","left":{"payload":{"protocol":"ip","field":"daddr"}},"right":"192.0.2.1"}},{"match":{"op":"==","left":{"payload":{"protocol":"tcp","field":"dport"}},"right":21}},{"ct helper":"f"}]}}]}
            """;
        HelperSecuritySnapshot Snap(string loose) => new()
        {
            Ruleset = NftRuleset.Parse(json),
            UntrustedInterfaces = ["wan0"],
            ModuleParameters = new Dictionary<string, string?> { ["nf_conntrack_ftp.loose"] = loose },
        };
        var strict = Only(Snap("N"), HelperSecurityAudit.UntrustedPayloadCheck);
        Assert.Equal((false, CtSeverity.Medium), (strict.Passed, strict.Severity));
        Assert.Contains("destination port", strict.Message);
        Assert.DoesNotContain("destination address", strict.Message);
        var loose = Only(Snap("Y"), HelperSecurityAudit.UntrustedPayloadCheck);
        Assert.Equal((false, CtSeverity.High), (loose.Passed, loose.Severity));
        Assert.Contains("destination address", loose.Message);
        Assert.Equal("nft 'replace rule inet fw pre handle 4 iifname != \"wan0\" ip daddr 192.0.2.1 tcp dport 21 ct helper set \"f\"'", strict.Remediation);
    }
}
