using System.Management.Automation;
using Xunit;

namespace ConntrackTools.Tests;

/// <summary>
/// Get-CtSetting and Set-CtSetting as PowerShell runs them, against the kernel in namespaces made
/// for each test. The root namespace's sysctls are only read, never written.
/// </summary>
public class SettingCmdletTests
{
    private const string GetId = "ConntrackTools.Commands.GetCtSettingCommand";
    private const string SetId = "ConntrackTools.Commands.SetCtSettingCommand";

    /// <summary>A fresh network namespace (kernel defaults), removed afterwards.</summary>
    private sealed class Scratch : IDisposable
    {
        private static int _counter;

        public Scratch()
        {
            Name = $"ctsp{Environment.ProcessId % 100000}x{Interlocked.Increment(ref _counter)}";
            Shell.Check("ip", "netns", "add", Name);
        }

        public string Name { get; }

        public string Sysctl(string name) => TestNetwork.Exec(Name, "sysctl", "-n", "net.netfilter." + name).Trim();

        public void Dispose() => Shell.Run("ip", ["netns", "del", Name]);
    }

    private static string Root(string name) => File.ReadAllText("/proc/sys/net/netfilter/" + name).Trim();

    private static CtSetting Setting(PSObject o) => Assert.IsType<CtSetting>(o.BaseObject);

    [KernelFact("sysctl")]
    public void Get_CtSetting_reads_the_namespaces_values_by_any_form_of_name()
    {
        using var s = new Scratch();
        using var ps = new PsSession();
        var all = ps.Objects($"Get-CtSetting -NetworkNamespace {s.Name}").Select(Setting).ToList();
        Assert.True(all.Count > 40, $"only {all.Count} settings");
        Assert.All(all, x => Assert.Equal($"kernel:{s.Name}", x.Backend));
        foreach (var x in all.Where(x => x.Available))
            Assert.Equal(s.Sysctl(x.Name), x.Value.ToString());

        var udp = Setting(Assert.Single(ps.Objects($"Get-CtSetting -Netns {s.Name} net.netfilter.nf_conntrack_udp_timeout")));
        Assert.Equal(("nf_conntrack_udp_timeout", 30L, 30L, "seconds"), (udp.Name, udp.Value!.Value, udp.Default!.Value, udp.Unit));
        Assert.Equal($"/proc/sys/net/netfilter/nf_conntrack_udp_timeout", udp.Path);
        var sctp = ps.Objects($"Get-CtSetting -Netns {s.Name} *SCTP*").Select(Setting).ToList();
        Assert.Equal(8, sctp.Count);
        Assert.All(sctp, x => Assert.Contains("sctp", x.Name));
        Assert.Equal(2, ps.Objects($"'nf_conntrack_acct', 'net/netfilter/nf_conntrack_checksum' | Get-CtSetting -Netns {s.Name}").Count);

        // An unknown name is an error that suggests names; the other names are still read.
        var (output, errors) = ps.Run($"Get-CtSetting -Netns {s.Name} nf_conntrack_tcp_lose, nf_conntrack_acct");
        Assert.Equal("nf_conntrack_acct", Setting(Assert.Single(output)).Name);
        var e = Assert.Single(errors);
        Assert.Equal($"SettingNotFound,{GetId}", e.FullyQualifiedErrorId);
        Assert.Equal(ErrorCategory.ObjectNotFound, e.CategoryInfo.Category);
        Assert.Contains("nf_conntrack_tcp_loose", e.Exception.Message);
        Assert.Empty(ps.Objects($"Get-CtSetting -Netns {s.Name} nf_nosuch*"));

        (_, errors) = ps.Run("Get-CtSetting -Netns ctnosuchnamespace0");
        Assert.Equal($"NetworkNamespaceNotFound,{GetId}", Assert.Single(errors).FullyQualifiedErrorId);
    }

    [KernelFact("sysctl")]
    public void Set_CtSetting_changes_the_namespace_only_and_WhatIf_changes_nothing()
    {
        using var s = new Scratch();
        using var ps = new PsSession();
        var rootLoose = Root("nf_conntrack_tcp_loose");
        var rootTimeWait = Root("nf_conntrack_tcp_timeout_time_wait");
        Assert.Equal("1", s.Sysctl("nf_conntrack_tcp_loose"));

        var text = ps.Render($"Set-CtSetting nf_conntrack_tcp_loose 0 -NetworkNamespace {s.Name} -WhatIf");
        Assert.Contains($"Set nf_conntrack_tcp_loose from 1 to 0 in kernel:{s.Name}", text);
        Assert.Equal("1", s.Sysctl("nf_conntrack_tcp_loose"));

        var set = Setting(Assert.Single(ps.Objects($"Set-CtSetting nf_conntrack_tcp_loose 0 -NetworkNamespace {s.Name} -PassThru")));
        Assert.Equal((0L, $"kernel:{s.Name}"), (set.Value!.Value, set.Backend));
        Assert.Equal("0", s.Sysctl("nf_conntrack_tcp_loose"));
        Assert.Empty(ps.Objects($"Set-CtSetting -Netns {s.Name} -Name net.netfilter.nf_conntrack_tcp_timeout_time_wait -Value 17"));
        Assert.Equal("17", s.Sysctl("nf_conntrack_tcp_timeout_time_wait"));
        Assert.Equal(1L, Setting(Assert.Single(ps.Objects($"Set-CtSetting -Netns {s.Name} nf_conntrack_acct $true -PassThru"))).Value);

        // The same value again: nothing to write, and no error.
        Assert.Single(ps.Objects($"Set-CtSetting -Netns {s.Name} nf_conntrack_tcp_loose 0 -PassThru"));
        Assert.Equal((rootLoose, rootTimeWait), (Root("nf_conntrack_tcp_loose"), Root("nf_conntrack_tcp_timeout_time_wait")));
    }

    [KernelFact("sysctl")]
    public void Values_out_of_the_kernels_range_and_unknown_names_are_refused_before_writing()
    {
        using var s = new Scratch();
        using var ps = new PsSession();
        var (_, errors) = ps.Run($"Set-CtSetting -Netns {s.Name} nf_conntrack_log_invalid 256");
        var e = Assert.Single(errors);
        Assert.Equal($"ValueOutOfRange,{SetId}", e.FullyQualifiedErrorId);
        Assert.Equal(ErrorCategory.InvalidArgument, e.CategoryInfo.Category);
        Assert.Contains("0 to 255", e.Exception.Message);
        Assert.Equal("0", s.Sysctl("nf_conntrack_log_invalid"));

        (_, errors) = ps.Run($"Set-CtSetting -Netns {s.Name} nf_conntrack_udp_timeout -1; Set-CtSetting -Netns {s.Name} nf_conntrack_udp_timeout 99999999999; Set-CtSetting -Netns {s.Name} nf_conntrack_tcp_be_liberal 2");
        Assert.Equal(3, errors.Count);
        Assert.All(errors, x => Assert.Equal($"ValueOutOfRange,{SetId}", x.FullyQualifiedErrorId));
        Assert.Equal(("30", "0"), (s.Sysctl("nf_conntrack_udp_timeout"), s.Sysctl("nf_conntrack_tcp_be_liberal")));

        (_, errors) = ps.Run($"Set-CtSetting -Netns {s.Name} nf_conntrack_tcp_lose 0");
        e = Assert.Single(errors);
        Assert.Equal($"SettingNotFound,{SetId}", e.FullyQualifiedErrorId);
        Assert.Contains("nf_conntrack_tcp_loose", e.Exception.Message);
    }

    [KernelFact("sysctl")]
    public void Nf_conntrack_max_in_a_child_namespace_is_refused_with_the_kernels_errno()
    {
        using var s = new Scratch();
        using var ps = new PsSession();
        var before = s.Sysctl("nf_conntrack_max");
        var max = Setting(Assert.Single(ps.Objects($"Get-CtSetting -Netns {s.Name} nf_conntrack_max")));
        Assert.False(max.Writable);
        Assert.Contains("initial network namespace", max.Note);

        Assert.Contains("(read-only here: the kernel will refuse it)", ps.Render($"Set-CtSetting -Netns {s.Name} nf_conntrack_max 1000 -WhatIf"));
        var (_, errors) = ps.Run($"Set-CtSetting -Netns {s.Name} nf_conntrack_max 1000");
        var e = Assert.Single(errors);
        Assert.Equal($"SettingReadOnly,{SetId}", e.FullyQualifiedErrorId);
        Assert.Equal(ErrorCategory.PermissionDenied, e.CategoryInfo.Category);
        Assert.Contains("EACCES", e.Exception.Message);
        Assert.Contains("can only be changed in the initial network namespace", e.ErrorDetails.RecommendedAction);
        Assert.Equal(before, s.Sysctl("nf_conntrack_max"));

        (_, errors) = ps.Run($"Set-CtSetting -Netns {s.Name} nf_conntrack_count 5");
        Assert.Equal($"SettingReadOnly,{SetId}", Assert.Single(errors).FullyQualifiedErrorId);
    }

    [KernelFact("sysctl")]
    public void Nf_conntrack_helper_is_set_where_the_kernel_has_it_and_explained_where_not()
    {
        using var s = new Scratch();
        using var ps = new PsSession();
        var exists = Shell.Run("ip", ["netns", "exec", s.Name, "test", "-e", "/proc/sys/net/netfilter/nf_conntrack_helper"]).ExitCode == 0;
        var helper = Setting(Assert.Single(ps.Objects($"Get-CtSetting -Netns {s.Name} nf_conntrack_helper")));
        Assert.Equal(exists, helper.Available);
        if (!exists)
        {
            // This machine (Linux 6.18) takes this branch: Linux 6.0 removed the sysctl and
            // automatic helper assignment with it.
            Assert.Null(helper.Value);
            Assert.Contains("Linux 6.0", helper.Note);
            var (output, errors) = ps.Run($"Set-CtSetting -Netns {s.Name} nf_conntrack_helper 0 3>&1");
            Assert.Empty(errors);
            var warning = Assert.IsType<WarningRecord>(Assert.Single(output).BaseObject);
            Assert.Contains("already impossible", warning.Message);
            (_, errors) = ps.Run($"Set-CtSetting -Netns {s.Name} nf_conntrack_helper 1");
            var e = Assert.Single(errors);
            Assert.Equal($"AutomaticHelperAssignmentRemoved,{SetId}", e.FullyQualifiedErrorId);
            Assert.Equal(ErrorCategory.NotImplemented, e.CategoryInfo.Category);
            Assert.Contains("no longer supports automatic helper assignment", e.Exception.Message);
            // In a hashtable it stops the command before anything is written.
            (_, errors) = ps.Run($"Set-CtSetting -Netns {s.Name} -Setting ([ordered]@{{ nf_conntrack_acct = 1; nf_conntrack_helper = 1 }})");
            Assert.Equal($"AutomaticHelperAssignmentRemoved,{SetId}", Assert.Single(errors).FullyQualifiedErrorId);
            Assert.Equal("0", s.Sysctl("nf_conntrack_acct"));
        }
        else
        {
            // A kernel before 6.0: a per-namespace switch like any other.
            ps.Objects($"Set-CtSetting -Netns {s.Name} nf_conntrack_helper 1");
            Assert.Equal("1", s.Sysctl("nf_conntrack_helper"));
            ps.Objects($"Set-CtSetting -Netns {s.Name} nf_conntrack_helper 0");
            Assert.Equal("0", s.Sysctl("nf_conntrack_helper"));
        }
    }

    [KernelFact("sysctl")]
    public void Settings_bind_from_the_pipeline_by_property_name_and_act_where_they_were_read()
    {
        using var a = new Scratch();
        using var b = new Scratch();
        using var ps = new PsSession();
        var rootAcct = Root("nf_conntrack_acct");
        // The piped setting carries Backend kernel:A, so it is changed in A.
        ps.Objects($"Get-CtSetting -Netns {a.Name} nf_conntrack_acct | Set-CtSetting -Value 1");
        Assert.Equal(("1", "0", rootAcct), (a.Sysctl("nf_conntrack_acct"), b.Sysctl("nf_conntrack_acct"), Root("nf_conntrack_acct")));
        // Any object with Name and Value binds.
        ps.Objects($"[pscustomobject]@{{ Name = 'nf_conntrack_timestamp'; Value = 1 }} | Set-CtSetting -Netns {b.Name}");
        Assert.Equal("1", b.Sysctl("nf_conntrack_timestamp"));
        // Name and Value of A's settings, written to B: -NetworkNamespace wins over Backend.
        ps.Objects($"Set-CtSetting -Netns {a.Name} nf_conntrack_udp_timeout 44; Set-CtSetting -Netns {a.Name} nf_conntrack_icmp_timeout 11");
        ps.Objects($"Get-CtSetting -Netns {a.Name} nf_conntrack_udp_timeout, nf_conntrack_icmp_timeout | Set-CtSetting -Netns {b.Name}");
        Assert.Equal(("44", "11"), (b.Sysctl("nf_conntrack_udp_timeout"), b.Sysctl("nf_conntrack_icmp_timeout")));
    }

    [KernelFact("sysctl")]
    public void A_hashtable_is_checked_whole_before_anything_is_written()
    {
        using var s = new Scratch();
        using var ps = new PsSession();
        var written = ps.Objects($"Set-CtSetting -Netns {s.Name} -Setting @{{ nf_conntrack_acct = 1; 'net.netfilter.nf_conntrack_timestamp' = $true }} -PassThru").Select(Setting).ToList();
        Assert.Equal(["nf_conntrack_acct", "nf_conntrack_timestamp"], written.Select(x => x.Name).Order());
        Assert.All(written, x => Assert.Equal(1L, x.Value));
        Assert.Equal(("1", "1"), (s.Sysctl("nf_conntrack_acct"), s.Sysctl("nf_conntrack_timestamp")));

        // One bad value, one unknown name, one non-number: all reported, nothing written.
        var (_, errors) = ps.Run($"Set-CtSetting -Netns {s.Name} -Setting ([ordered]@{{ nf_conntrack_tcp_loose = 0; nf_conntrack_log_invalid = 999; nf_conntrack_nosuch = 1; nf_conntrack_checksum = 'x' }})");
        Assert.Equal(
            new[] { $"InvalidSetting,{SetId}", $"SettingNotFound,{SetId}", $"ValueOutOfRange,{SetId}" },
            errors.Select(e => e.FullyQualifiedErrorId).Order());
        Assert.All(errors, e => Assert.Contains("No setting was changed", e.ErrorDetails.Message));
        Assert.Equal(("1", "0", "1"), (s.Sysctl("nf_conntrack_tcp_loose"), s.Sysctl("nf_conntrack_log_invalid"), s.Sysctl("nf_conntrack_checksum")));

        // Bounds between settings: low_thresh may not exceed high_thresh, so raising both writes high first.
        ps.Objects($"Set-CtSetting -Netns {s.Name} -Setting ([ordered]@{{ nf_conntrack_frag6_low_thresh = 5000000; nf_conntrack_frag6_high_thresh = 6000000 }})");
        Assert.Equal(("5000000", "6000000"), (s.Sysctl("nf_conntrack_frag6_low_thresh"), s.Sysctl("nf_conntrack_frag6_high_thresh")));
        (_, errors) = ps.Run($"Set-CtSetting -Netns {s.Name} nf_conntrack_frag6_low_thresh 7000000");
        Assert.Equal($"ValueOutOfRange,{SetId}", Assert.Single(errors).FullyQualifiedErrorId);

        // The kernel refuses one write: the error says what was written before it.
        (_, errors) = ps.Run($"Set-CtSetting -Netns {s.Name} -Setting ([ordered]@{{ nf_conntrack_tcp_loose = 0; nf_conntrack_max = 1000; nf_conntrack_udp_timeout = 40 }})");
        var e = Assert.Single(errors);
        Assert.Equal($"SettingReadOnly,{SetId}", e.FullyQualifiedErrorId);
        Assert.Contains("Written before it: nf_conntrack_tcp_loose", e.ErrorDetails.Message);
        Assert.Contains("Not written: nf_conntrack_max, nf_conntrack_udp_timeout", e.ErrorDetails.Message);
        Assert.Equal(("0", "30"), (s.Sysctl("nf_conntrack_tcp_loose"), s.Sysctl("nf_conntrack_udp_timeout")));
    }

    [Fact]
    public void An_engines_settings_are_listed_under_the_same_names_and_cannot_be_set()
    {
        var name = $"s{Guid.NewGuid():N}"[..12];
        var lab = Path.Combine(PsSession.RepoRoot, "examples", "lab.pcap");
        using var ps = new PsSession();
        try
        {
            ps.Objects($"Start-CtEngine -Name {name} -Path '{lab}' -Setting @{{ nf_conntrack_tcp_timeout_established = 300 }}");
            var all = ps.Objects($"Get-CtSetting -Engine {name}").Select(Setting).ToList();
            Assert.All(all, x => Assert.Equal(($"engine:{name}", false), (x.Backend, x.Writable)));
            Assert.DoesNotContain(all, x => x.Name.Contains('.'));
            var est = Assert.Single(all, x => x.Name == "nf_conntrack_tcp_timeout_established");
            Assert.Equal((300L, 432000L, "seconds"), (est.Value!.Value, est.Default!.Value, est.Unit));
            var (_, errors) = ps.Run($"Get-CtSetting -Engine {name} nf_conntrack_tcp_timeout_established | Set-CtSetting -Value 5");
            Assert.Equal($"EngineSettingReadOnly,{SetId}", Assert.Single(errors).FullyQualifiedErrorId);
        }
        finally
        {
            ps.Run($"Remove-CtEngine {name} -ErrorAction SilentlyContinue");
        }
    }

    [KernelFact("sysctl")]
    public void The_view_shows_value_default_unit_and_why_a_setting_cannot_be_changed()
    {
        using var s = new Scratch();
        using var ps = new PsSession();
        var text = ps.Render($"Get-CtSetting -Netns {s.Name} nf_conntrack_acct, nf_conntrack_max, nf_conntrack_tcp_timeout_established");
        Assert.Contains($"kernel:{s.Name}", text);
        foreach (var column in new[] { "Name", "Value", "Default", "Unit", "Writable", "Note" }) Assert.Contains(column, text);
        Assert.Matches(@"nf_conntrack_tcp_timeout_established\s+432000\s+432000\s+seconds\s+yes", text);
        Assert.Matches(@"nf_conntrack_max\s+\d+\s+entries\s+no\s+nf_conntrack_max can only be changed", text);
    }
}
