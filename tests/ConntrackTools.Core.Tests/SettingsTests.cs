using System.Globalization;
using ConntrackTools.Kernel;
using ConntrackTools.Kernel.Netlink;
using Xunit;

namespace ConntrackTools.Tests;

/// <summary>
/// The sysctl reader/writer and the conntrack settings catalog, against the real kernel in network
/// namespaces made for each test. The root namespace's sysctls are only read, never written.
/// </summary>
public class SettingsTests
{
    /// <summary>A fresh network namespace, removed afterwards: its sysctls have the kernel's per-namespace defaults.</summary>
    private sealed class Scratch : IDisposable
    {
        private static int _counter;

        public Scratch()
        {
            Name = $"ctset{Environment.ProcessId % 100000}x{Interlocked.Increment(ref _counter)}";
            Shell.Check("ip", "netns", "add", Name);
            Ns = NetworkNamespace.Resolve(Name);
        }

        public string Name { get; }
        public NetworkNamespace Ns { get; }

        /// <summary>What `sysctl -n KEY` prints inside the namespace.</summary>
        public string SysctlN(string key) => TestNetwork.Exec(Name, "sysctl", "-n", key).Trim();

        public void Dispose() => Shell.Run("ip", ["netns", "del", Name]);
    }

    private static string RootValue(string name) => File.ReadAllText("/proc/sys/net/netfilter/" + name).Trim();

    // ---- key forms and names, no kernel needed ----

    [Theory]
    [InlineData("net/netfilter/nf_conntrack_max", "/proc/sys/net/netfilter/nf_conntrack_max")]
    [InlineData("/proc/sys/net/netfilter/nf_conntrack_max", "/proc/sys/net/netfilter/nf_conntrack_max")]
    [InlineData("net.netfilter.nf_conntrack_max", "/proc/sys/net/netfilter/nf_conntrack_max")]
    [InlineData("net.ipv4.conf.veth0/100.rp_filter", "/proc/sys/net/ipv4/conf/veth0.100/rp_filter")]
    [InlineData("net/ipv4/conf/veth0.100/rp_filter", "/proc/sys/net/ipv4/conf/veth0.100/rp_filter")]
    [InlineData("kernel/osrelease", "/proc/sys/kernel/osrelease")]
    public void Keys_in_slash_dotted_and_proc_forms_name_the_same_file(string key, string path) =>
        Assert.Equal(path, Sysctl.ToPath(key));

    [Theory]
    [InlineData("/etc/passwd")]
    [InlineData("net/../../etc/passwd")]
    [InlineData("net//ipv4")]
    [InlineData("net..ipv4")]
    public void Keys_that_leave_proc_sys_are_refused(string key) =>
        Assert.Throws<ArgumentException>(() => Sysctl.ToPath(key));

    [Theory]
    [InlineData("nf_conntrack_acct")]
    [InlineData("net.netfilter.nf_conntrack_acct")]
    [InlineData("net/netfilter/nf_conntrack_acct")]
    [InlineData("/proc/sys/net/netfilter/nf_conntrack_acct")]
    [InlineData(" NF_CONNTRACK_ACCT ")]
    public void Setting_names_are_taken_with_or_without_the_prefix(string name) =>
        Assert.Equal("nf_conntrack_acct", ConntrackSettings.Normalize(name));

    [Fact]
    public void The_initial_namespaces_alias_net_nf_conntrack_max_is_nf_conntrack_max()
    {
        Assert.Equal("nf_conntrack_max", ConntrackSettings.Normalize("net.nf_conntrack_max"));
        Assert.Equal("net.ipv4.ip_forward", ConntrackSettings.Normalize("net.ipv4.ip_forward"));
    }

    [Fact]
    public void A_misspelt_name_gets_near_names()
    {
        Assert.Equal("nf_conntrack_tcp_loose", ConntrackSettings.NearNames("nf_conntrack_tcp_lose")[0]);
        Assert.Contains("nf_conntrack_tcp_timeout_established", ConntrackSettings.NearNames("tcp_timeout_established"));
        Assert.Empty(ConntrackSettings.NearNames("completely_unrelated_words_here"));
    }

    [Fact]
    public void The_catalog_has_the_ranges_of_the_kernels_ctl_tables()
    {
        // nf_conntrack_standalone.c: booleans are proc_dou8vec_minmax 0..1, log_invalid a u8,
        // expect_max 1..INT_MAX, max 0..INT_MAX, events 0..2 (SYSCTL_TWO).
        Assert.Equal((0L, 1L), (ConntrackSettings.Find("nf_conntrack_acct")!.Minimum, ConntrackSettings.Find("nf_conntrack_acct")!.Maximum));
        Assert.Equal((0L, 255L), (ConntrackSettings.Find("nf_conntrack_log_invalid")!.Minimum, ConntrackSettings.Find("nf_conntrack_log_invalid")!.Maximum));
        Assert.Equal((1L, int.MaxValue), (ConntrackSettings.Find("nf_conntrack_expect_max")!.Minimum, ConntrackSettings.Find("nf_conntrack_expect_max")!.Maximum));
        Assert.Equal((0L, int.MaxValue), (ConntrackSettings.Find("nf_conntrack_max")!.Minimum, ConntrackSettings.Find("nf_conntrack_max")!.Maximum));
        Assert.Equal(2L, ConntrackSettings.Find("nf_conntrack_events")!.Maximum);
        Assert.Null(ConntrackSettings.Find("nf_conntrack_count")!.Maximum);
        Assert.Equal(int.MaxValue / (Sysctl.KernelHz ?? 100), ConntrackSettings.Find("nf_conntrack_udp_timeout")!.Maximum);
        Assert.False(ConntrackSettings.Find("nf_conntrack_max")!.PerNamespace);
        Assert.True(ConntrackSettings.Find("nf_conntrack_tcp_loose")!.PerNamespace);
        Assert.Equal(new Version(6, 0), ConntrackSettings.Find("nf_conntrack_helper")!.RemovedIn);
        Assert.Null(ConntrackSettings.Find("nf_conntrack_nosuch"));
    }

    [Fact]
    public void A_value_outside_the_range_is_refused_without_touching_the_kernel()
    {
        var loose = new CtSetting { Name = "nf_conntrack_tcp_loose", Unit = "boolean", Minimum = 0, Maximum = 1, Available = true, Writable = true, Value = 1 };
        var ex = Assert.Throws<CtSettingRangeException>(() => ConntrackSettings.CheckValue(loose, 2));
        Assert.Contains("0 (off) or 1 (on)", ex.Message);
        ConntrackSettings.CheckValue(loose, 0);
        var timeout = new CtSetting { Name = "nf_conntrack_udp_timeout", Unit = "seconds", Minimum = 0, Maximum = 8589934, Available = true, Writable = true };
        Assert.Throws<CtSettingRangeException>(() => ConntrackSettings.CheckValue(timeout, -1));
        Assert.Contains("0 to 8589934 seconds", Assert.Throws<CtSettingRangeException>(() => ConntrackSettings.CheckValue(timeout, 8589935)).Message);
        var gone = new CtSetting { Name = "nf_conntrack_dccp_loose", Available = false, Note = "removed" };
        Assert.Throws<CtSettingNotAvailableException>(() => ConntrackSettings.CheckValue(gone, 0));
    }

    [Fact]
    public void A_range_bounded_by_a_sibling_uses_the_siblings_pending_value()
    {
        // nf_conntrack_reasm.c: low_thresh's extra2 is high_thresh, high_thresh's extra1 is low_thresh.
        var low = new CtSetting { Name = "nf_conntrack_frag6_low_thresh", Unit = "bytes", Minimum = 0, Maximum = 4194304, Available = true, Writable = true };
        Assert.Throws<CtSettingRangeException>(() => ConntrackSettings.CheckValue(low, 5_000_000));
        ConntrackSettings.CheckValue(low, 5_000_000, new Dictionary<string, long> { ["nf_conntrack_frag6_high_thresh"] = 6_000_000 });
    }

    // ---- the real kernel, in namespaces made here ----

    [KernelFact("sysctl")]
    public void A_fresh_namespace_reads_as_sysctl_reports_and_holds_the_catalogs_defaults()
    {
        using var s = new Scratch();
        var settings = ConntrackSettings.List(s.Ns);
        Assert.All(settings, x => Assert.Equal("kernel:" + s.Name, x.Backend));
        var available = settings.Where(x => x.Available).ToList();
        Assert.Contains(available, x => x.Name == "nf_conntrack_tcp_loose");
        foreach (var x in available)
        {
            Assert.Equal(s.SysctlN("net.netfilter." + x.Name), x.Value?.ToString(CultureInfo.InvariantCulture));
            // A new namespace starts from the kernel's per-namespace defaults (nf_conntrack_pernet_init
            // and the trackers' init_net functions), so the catalog's defaults must be what it holds.
            if (x.Default is { } d && ConntrackSettings.Find(x.Name) is { PerNamespace: true })
                Assert.True(d == x.Value, $"{x.Name}: catalog default {d}, fresh namespace {x.Value}");
        }
        // Every conntrack sysctl this kernel has is in the catalog (with its unit and range).
        var files = TestNetwork.Exec(s.Name, "ls", "/proc/sys/net/netfilter").Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Where(k => k.StartsWith("nf_conntrack_", StringComparison.Ordinal) || k.StartsWith("nf_flowtable_", StringComparison.Ordinal)).ToList();
        Assert.NotEmpty(files);
        foreach (var f in files) Assert.True(ConntrackSettings.Find(f) is not null, $"{f} is not in the catalog");
        Assert.Equal(files.Order(StringComparer.Ordinal), available.Select(x => x.Name).Order(StringComparer.Ordinal));
    }

    [KernelFact("sysctl")]
    public void Setting_a_per_namespace_value_changes_that_namespace_only()
    {
        using var s = new Scratch();
        var rootLoose = RootValue("nf_conntrack_tcp_loose");
        var rootEstablished = RootValue("nf_conntrack_tcp_timeout_established");
        var loose = ConntrackSettings.Set(s.Ns, "net.netfilter.nf_conntrack_tcp_loose", 1 - long.Parse(rootLoose, CultureInfo.InvariantCulture));
        var established = ConntrackSettings.Set(s.Ns, "nf_conntrack_tcp_timeout_established", 3601);
        Assert.Equal(s.SysctlN("net.netfilter.nf_conntrack_tcp_loose"), loose.Value?.ToString(CultureInfo.InvariantCulture));
        Assert.Equal(("3601", 3601L), (s.SysctlN("net.netfilter.nf_conntrack_tcp_timeout_established"), established.Value));
        Assert.Equal(3601L, ConntrackSettings.Get(s.Ns, "nf_conntrack_tcp_timeout_established").Value);
        Assert.Equal(rootLoose, RootValue("nf_conntrack_tcp_loose"));
        Assert.Equal(rootEstablished, RootValue("nf_conntrack_tcp_timeout_established"));
    }

    [KernelFact("sysctl")]
    public void The_timeout_limit_is_the_kernels_INT_MAX_over_HZ()
    {
        using var s = new Scratch();
        var max = ConntrackSettings.Get(s.Ns, "nf_conntrack_udp_timeout").Maximum!.Value;
        Assert.Throws<CtSettingRangeException>(() => ConntrackSettings.Set(s.Ns, "nf_conntrack_udp_timeout", max + 1));
        Assert.Equal("30", s.SysctlN("net.netfilter.nf_conntrack_udp_timeout"));
        // proc_dointvec_jiffies: the kernel takes INT_MAX / HZ seconds and refuses one more (EINVAL),
        // so the catalog's limit is the kernel's where HZ is known.
        Sysctl.Write(s.Ns, "net/netfilter/nf_conntrack_udp_timeout", max);
        Assert.Equal(max.ToString(CultureInfo.InvariantCulture), s.SysctlN("net.netfilter.nf_conntrack_udp_timeout"));
        if (Sysctl.KernelHz is not null)
            Assert.Equal("EINVAL", Assert.Throws<SysctlException>(() => Sysctl.Write(s.Ns, "net/netfilter/nf_conntrack_udp_timeout", max + 1)).ErrnoName);
        // A boolean's range comes from extra1/extra2: the kernel refuses 2 too.
        Assert.Equal("EINVAL", Assert.Throws<SysctlException>(() => Sysctl.Write(s.Ns, "net.netfilter.nf_conntrack_tcp_loose", 2)).ErrnoName);
        Assert.Throws<CtSettingRangeException>(() => ConntrackSettings.Set(s.Ns, "nf_conntrack_tcp_loose", 2));
    }

    [KernelFact("sysctl")]
    public void Global_settings_are_read_only_in_a_child_namespace_and_the_kernel_says_EACCES()
    {
        using var s = new Scratch();
        var max = ConntrackSettings.Get(s.Ns, "nf_conntrack_max");
        Assert.True(max.Available);
        Assert.False(max.Writable);
        Assert.Contains("initial network namespace", max.Note);
        var before = s.SysctlN("net.netfilter.nf_conntrack_max");
        var ex = Assert.Throws<CtSettingWriteException>(() => ConntrackSettings.Write(s.Ns, max, 1000));
        Assert.Equal("EACCES", ex.ErrnoName);
        Assert.Contains("(EACCES)", ex.Message);
        Assert.Contains("can only be changed in the initial network namespace", ex.Advice);
        Assert.Equal(before, s.SysctlN("net.netfilter.nf_conntrack_max"));
        Assert.False(ConntrackSettings.Get(s.Ns, "nf_conntrack_count").Writable);
        // In the initial namespace the same files are writable (only read here).
        Assert.True(ConntrackSettings.Get(null, "nf_conntrack_max").Writable);
        Assert.Equal("kernel", ConntrackSettings.Get(null, "nf_conntrack_max").Backend);
    }

    [KernelFact("sysctl")]
    public void Nf_conntrack_helper_follows_what_this_kernel_has()
    {
        using var s = new Scratch();
        var exists = Sysctl.Exists(s.Ns, "net/netfilter/nf_conntrack_helper");
        var helper = ConntrackSettings.Get(s.Ns, "nf_conntrack_helper");
        var status = ConntrackSettings.AutomaticHelperAssignment(s.Ns);
        Assert.Equal(exists, helper.Available);
        if (!exists)
        {
            // This machine (Linux 6.18) takes this branch: Linux 6.0 removed the sysctl with
            // automatic helper assignment.
            Assert.True(Sysctl.KernelVersion >= new Version(6, 0), $"kernel {Sysctl.KernelVersion} lacks nf_conntrack_helper");
            Assert.Null(helper.Value);
            Assert.False(helper.Writable);
            Assert.Contains("Linux 6.0", helper.Note);
            Assert.Contains("ct helper set", helper.Note);
            Assert.True(ConntrackSettings.WasRemoved(helper));
            Assert.Equal((false, false), (status.Supported, status.Enabled));
            Assert.Contains("explicit rules", status.Message);
            // 0 is what the kernel does anyway: nothing to write; 1 is impossible.
            Assert.False(ConntrackSettings.Set(s.Ns, "nf_conntrack_helper", 0).Available);
            Assert.Throws<CtSettingNotAvailableException>(() => ConntrackSettings.Set(s.Ns, "nf_conntrack_helper", 1));
        }
        else
        {
            // A kernel before 6.0: the sysctl works like any other per-namespace switch.
            Assert.True(helper.Writable);
            Assert.Equal(1L, ConntrackSettings.Set(s.Ns, "nf_conntrack_helper", 1).Value);
            Assert.Equal("1", s.SysctlN("net.netfilter.nf_conntrack_helper"));
            Assert.True(ConntrackSettings.AutomaticHelperAssignment(s.Ns).Enabled);
            Assert.Equal(0L, ConntrackSettings.Set(s.Ns, "nf_conntrack_helper", 0).Value);
            Assert.False(ConntrackSettings.AutomaticHelperAssignment(s.Ns).Enabled);
        }
    }

    [KernelFact("sysctl")]
    public void An_unknown_name_is_not_found_with_near_names()
    {
        using var s = new Scratch();
        var ex = Assert.Throws<CtSettingNotFoundException>(() => ConntrackSettings.Get(s.Ns, "nf_conntrack_tcp_lose"));
        Assert.Contains("nf_conntrack_tcp_loose", ex.NearNames);
        Assert.Contains("Did you mean", ex.Message);
    }

    [KernelFact("sysctl")]
    public void Generic_sysctls_are_read_and_written_in_the_namespace_with_dotted_interface_names()
    {
        using var s = new Scratch();
        Shell.Check("ip", "-n", s.Name, "link", "add", "d0", "type", "veth", "peer", "name", "d0.100");
        // The namespace's own interfaces, not the root's.
        var conf = Sysctl.List(s.Ns, "net/ipv4/conf");
        Assert.Equal(new[] { "all", "d0", "d0.100", "default", "lo" }, conf);
        Sysctl.Write(s.Ns, "net/ipv4/conf/d0.100/rp_filter", 2);
        Sysctl.Write(s.Ns, "net.ipv4.conf.d0.rp_filter", 1);
        Assert.Equal("2", s.SysctlN("net.ipv4.conf.d0/100.rp_filter"));
        Assert.Equal("1", s.SysctlN("net.ipv4.conf.d0.rp_filter"));
        // sysctl(8)'s dotted form, with the interface's dot as a slash or (found by lookup) as a dot.
        Assert.Equal("2", Sysctl.Read(s.Ns, "net.ipv4.conf.d0/100.rp_filter"));
        Assert.Equal("2", Sysctl.Read(s.Ns, "net.ipv4.conf.d0.100.rp_filter"));
        Assert.Equal(1L, Sysctl.TryReadInt64(s.Ns, "net/ipv4/conf/d0/rp_filter"));
        Assert.True(Sysctl.Exists(s.Ns, "net/ipv4/conf/d0.100/rp_filter"));
        Assert.False(Sysctl.Exists(null, "net/ipv4/conf/d0.100/rp_filter"));
        Assert.Null(Sysctl.TryRead(s.Ns, "net/ipv4/conf/nosuch0/rp_filter"));
        Assert.Equal("ENOENT", Assert.Throws<SysctlException>(() => Sysctl.Read(s.Ns, "net/ipv4/conf/nosuch0/rp_filter")).ErrnoName);
        var many = Sysctl.ReadMany(s.Ns, ["net/ipv4/conf/d0/rp_filter", "net/ipv4/conf/d0.100/rp_filter", "net/ipv4/conf/nosuch0/rp_filter"]);
        Assert.Equal(2, many.Count);
        Assert.Equal("2", many["net/ipv4/conf/d0.100/rp_filter"]);
        Assert.Equal("EINVAL", Assert.Throws<SysctlException>(() => Sysctl.Write(s.Ns, "net/ipv4/conf/d0/rp_filter", "x")).ErrnoName);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead,
            Sysctl.GetMode(s.Ns, "net/ipv4/conf/d0/rp_filter"));
    }

    [KernelFact("sysctl")]
    public void The_initial_namespace_is_told_apart()
    {
        using var s = new Scratch();
        Assert.True(Sysctl.InInitialNamespace());
        Assert.False(Sysctl.Run(s.Ns, Sysctl.InInitialNamespace));
    }
}
