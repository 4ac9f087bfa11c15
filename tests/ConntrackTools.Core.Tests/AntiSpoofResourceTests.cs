using System.Text.Json;
using ConntrackTools.Audit;
using ConntrackTools.DesiredState;
using Xunit;

namespace ConntrackTools.Tests;

/// <summary>
/// The CtAntiSpoof desired-state resource against the real kernel, through the Core API, in
/// namespaces the tests make (A is the one administered; B sends to it over the veth pair). Every
/// change is checked where the kernel keeps it (the sysctl file, `nft -j list ruleset`), against
/// Test-CtAntiSpoof's audit, and, for the fib rules, against traffic: spoofed packets from B are
/// dropped, and ping, neighbour discovery and DAD still work. No sysctl of the root namespace is
/// written: every state names namespace A.
/// </summary>
public class AntiSpoofResourceTests
{
    private static readonly CtAntiSpoofResource Resource = new();

    /// <summary>The anti-spoof audit tests' lab (rp_filter off in A, probe counters behind A's prerouting), with the resource's views of it.</summary>
    private sealed class Lab(string tag) : AntiSpoofAuditTests.Lab(tag)
    {
        public CtAntiSpoofState State(string family, CtEnsure? ensure = null, string? method = null, string? mode = null, string iface = "veth0") =>
            new() { NetworkNamespace = A, InterfaceName = iface, Family = family, Ensure = ensure, Method = method, Mode = mode };

        public string RpFilter(string iface = "veth0") => TestNetwork.Exec(A, "cat", $"/proc/sys/net/ipv4/conf/{iface}/rp_filter").Trim();

        public string Ruleset() => TestNetwork.Exec(A, "nft", "-j", "list", "ruleset");

        public string Chain() => TestNetwork.Exec(A, "nft", "list", "chain", "inet", "conntrack", "antispoof");

        public CtFinding Audit(string family, string iface = "veth0") =>
            Assert.Single(AntiSpoofAudit.Run(A, [iface], family == "IPv4" ? CtFamily.IPv4 : CtFamily.IPv6));

        /// <summary>Whether UDP packets from B with a source no route in A leads to get through A (to A or forwarded).</summary>
        public bool SpoofedArrive(string family) => SpoofedArrive(family == "IPv4" ? CtFamily.IPv4 : CtFamily.IPv6);
    }

    private static CtAntiSpoofState Actual(CtResourceInstance instance) => Assert.IsType<CtAntiSpoofState>(instance);

    /// <summary>Ensure, Method, Mode and Protected in one line ("-" for null), for compact assertions.</summary>
    private static string Show(CtAntiSpoofState s) => $"{s.Ensure} {s.Method ?? "-"} {s.Mode ?? "-"} {s.Protected?.ToString() ?? "-"}";

    [KernelFact("python3")]
    public void RpFilter_strict_loose_and_absent_write_only_the_interfaces_sysctl_and_a_second_set_changes_nothing()
    {
        using var lab = new Lab("rp");
        var rootAll = File.ReadAllText("/proc/sys/net/ipv4/conf/all/rp_filter");
        Assert.Equal("0", lab.RpFilter());
        Assert.False(lab.Audit("IPv4").Passed);

        var test = Resource.Test(lab.State("IPv4"));
        Assert.False(test.InDesiredState);
        Assert.Equal(["Ensure"], test.DifferingProperties);
        var before = Actual(test.ActualState);
        Assert.Equal("Absent RpFilter - False", Show(before));
        Assert.False(before.InDesiredState);
        Assert.True(lab.SpoofedArrive("IPv4"));

        // Strict, the default: rp_filter 1.
        var set = Resource.Set(lab.State("ipv4"), whatIf: false);
        Assert.True(set.Changed);
        Assert.Equal(["Ensure"], set.ChangedProperties);
        Assert.Equal($"write 1 to /proc/sys/net/ipv4/conf/veth0/rp_filter in network namespace {lab.A}", Assert.Single(set.Actions));
        Assert.Equal("1", lab.RpFilter());
        var after = Actual(set.AfterState);
        Assert.Equal("Present RpFilter Strict True", Show(after));
        Assert.Equal("IPv4", after.Family);
        Assert.Contains("Protected by rp_filter (strict)", after.Finding);
        Assert.True(lab.Audit("IPv4").Passed);
        Assert.False(lab.SpoofedArrive("IPv4"));

        var again = Resource.Set(lab.State("IPv4", CtEnsure.Present, "RpFilter", "Strict"), whatIf: false);
        Assert.False(again.Changed);
        Assert.Empty(again.Actions);
        Assert.True(Resource.Test(lab.State("IPv4")).InDesiredState);

        // Loose: 2, and still protected.
        set = Resource.Set(lab.State("IPv4", mode: "loose"), whatIf: false);
        Assert.Equal(["Mode"], set.ChangedProperties);
        Assert.Equal("2", lab.RpFilter());
        Assert.Equal("Loose", Actual(set.AfterState).Mode);
        Assert.Contains("Protected by rp_filter (loose)", lab.Audit("IPv4").Message);
        Assert.False(Resource.Set(lab.State("IPv4", mode: "Loose"), whatIf: false).Changed);

        // Absent: 0.
        set = Resource.Set(lab.State("IPv4", CtEnsure.Absent), whatIf: false);
        Assert.Equal(["Ensure"], set.ChangedProperties);
        Assert.Equal("0", lab.RpFilter());
        Assert.Equal("Absent RpFilter - False", Show(Actual(set.AfterState)));
        Assert.False(lab.Audit("IPv4").Passed);
        Assert.False(Resource.Set(lab.State("IPv4", CtEnsure.Absent), whatIf: false).Changed);

        // conf/all is never written, here or in the root namespace.
        Assert.Equal("0", TestNetwork.Exec(lab.A, "cat", "/proc/sys/net/ipv4/conf/all/rp_filter").Trim());
        Assert.Equal(rootAll, File.ReadAllText("/proc/sys/net/ipv4/conf/all/rp_filter"));
    }

    [KernelFact("nft", "python3", "ping")]
    public void Fib_for_IPv6_adds_the_audits_rules_once_keeps_neighbour_discovery_and_absent_removes_only_its_own()
    {
        using var lab = new Lab("fb");
        // Another interface with its own instance, and a canary table, which Absent must leave alone.
        TestNetwork.Exec(lab.A, "ip", "link", "add", "veth1", "type", "veth", "peer", "name", "veth1", "netns", lab.B);
        TestNetwork.Exec(lab.A, "ip", "link", "set", "veth1", "up");
        TestNetwork.Nft(lab.A, "table ip canary {\n  chain c { type filter hook input priority 0; counter; }\n}\n");
        Assert.True(Resource.Set(lab.State("IPv6", iface: "veth1"), whatIf: false).Changed);
        Assert.False(lab.Audit("IPv6").Passed);
        Assert.True(lab.SpoofedArrive("IPv6"));

        var set = Resource.Set(lab.State("IPv6"), whatIf: false);
        Assert.True(set.Changed);
        Assert.Equal(["Ensure"], set.ChangedProperties);
        var document = Assert.Single(set.Actions);
        Assert.Contains("\"comment\":\"ConntrackTools:antispoof:veth0:IPv6\"", document);
        var after = Actual(set.AfterState);
        Assert.Equal("Present Fib Strict True", Show(after));
        Assert.Contains("Protected by the nft fib rule inet conntrack antispoof handle", after.Finding);
        Assert.True(lab.Audit("IPv6").Passed);

        // The kernel holds the audit's rules, with the comment, in the prerouting chain at raw priority.
        using (var doc = JsonDocument.Parse(lab.Ruleset()))
        {
            var items = doc.RootElement.GetProperty("nftables").EnumerateArray().ToList();
            var chain = Assert.Single(items, i => i.TryGetProperty("chain", out var c) && c.GetProperty("name").GetString() == "antispoof").GetProperty("chain");
            Assert.Equal(("inet", "conntrack", "prerouting", -300), (chain.GetProperty("family").GetString(), chain.GetProperty("table").GetString(), chain.GetProperty("hook").GetString(), chain.GetProperty("prio").GetInt32()));
            var ours = items.Where(i => i.TryGetProperty("rule", out var r) && r.TryGetProperty("comment", out var c) && c.GetString() == "ConntrackTools:antispoof:veth0:IPv6").ToList();
            Assert.Equal(2, ours.Count);
            Assert.All(ours, r => Assert.Equal("antispoof", r.GetProperty("rule").GetProperty("chain").GetString()));
        }
        var text = lab.Chain();
        Assert.Contains("iifname \"veth0\" icmpv6 type { nd-router-advert, nd-neighbor-solicit } accept comment \"ConntrackTools:antispoof:veth0:IPv6\"", text);
        Assert.Contains("iifname \"veth0\" meta nfproto ipv6 fib saddr . iif oif missing drop comment \"ConntrackTools:antispoof:veth0:IPv6\"", text);
        Assert.True(text.IndexOf("nd-router-advert", StringComparison.Ordinal) < text.IndexOf("veth0\" meta nfproto ipv6 fib", StringComparison.Ordinal));

        // The second Set sends nothing: the ruleset, handles included, is as it was.
        var ruleset = lab.Ruleset();
        var again = Resource.Set(lab.State("IPv6", CtEnsure.Present, "Fib", "Strict"), whatIf: false);
        Assert.False(again.Changed);
        Assert.Empty(again.Actions);
        Assert.Equal(ruleset, lab.Ruleset());
        Assert.True(Resource.Test(lab.State("IPv6")).InDesiredState);

        // Spoofed sources are dropped; neighbour discovery, ping and DAD go on.
        Assert.False(lab.SpoofedArrive("IPv6"));
        lab.NormalTrafficFlows();

        // Loose: `fib saddr oif`, which the audit counts as (loose) protection; the source has no route at all here, so it is dropped too.
        set = Resource.Set(lab.State("IPv6", mode: "Loose"), whatIf: false);
        Assert.Equal(["Mode"], set.ChangedProperties);
        Assert.Equal("Loose", Actual(set.AfterState).Mode);
        text = lab.Chain();
        Assert.Contains("iifname \"veth0\" meta nfproto ipv6 fib saddr oif missing drop comment \"ConntrackTools:antispoof:veth0:IPv6\"", text);
        Assert.DoesNotContain("veth0\" meta nfproto ipv6 fib saddr . iif", text);
        var loose = lab.Audit("IPv6");
        Assert.True(loose.Passed, loose.Message);
        Assert.Contains("(loose)", loose.Message);
        Assert.False(lab.SpoofedArrive("IPv6"));
        Assert.False(Resource.Set(lab.State("IPv6", mode: "Loose"), whatIf: false).Changed);

        // An edited rule is not the desired state: Set puts the audit's rule back.
        var handle = JsonDocument.Parse(lab.Ruleset()).RootElement.GetProperty("nftables").EnumerateArray()
            .Select(i => i.TryGetProperty("rule", out var r) ? r : default)
            .Last(r => r.ValueKind == JsonValueKind.Object && r.TryGetProperty("comment", out var c) && c.GetString() == "ConntrackTools:antispoof:veth0:IPv6")
            .GetProperty("handle").GetInt64();
        TestNetwork.Exec(lab.A, "nft", "replace", "rule", "inet", "conntrack", "antispoof", "handle", handle.ToString(), "iifname", "veth0", "counter", "comment", "\"ConntrackTools:antispoof:veth0:IPv6\"");
        var edited = Resource.Test(lab.State("IPv6", mode: "Loose"));
        Assert.False(edited.InDesiredState);
        Assert.Equal(["Mode"], edited.DifferingProperties);
        Assert.Equal("Present Fib - False", Show(Actual(edited.ActualState)));
        Assert.True(Resource.Set(lab.State("IPv6", mode: "Loose"), whatIf: false).Changed);
        Assert.True(Resource.Test(lab.State("IPv6", mode: "Loose")).InDesiredState);

        // Absent removes veth0's rules only: veth1's rules, the canary table and the test's own table stay.
        set = Resource.Set(lab.State("IPv6", CtEnsure.Absent), whatIf: false);
        Assert.Equal(["Ensure"], set.ChangedProperties);
        Assert.Equal("Absent Fib - False", Show(Actual(set.AfterState)));
        text = lab.Chain();
        Assert.DoesNotContain("veth0", text);
        Assert.Contains("iifname \"veth1\" meta nfproto ipv6 fib saddr . iif oif missing drop comment \"ConntrackTools:antispoof:veth1:IPv6\"", text);
        Assert.True(lab.Audit("IPv6", "veth1").Passed);
        Assert.False(lab.Audit("IPv6").Passed);
        Assert.True(lab.SpoofedArrive("IPv6"));
        Assert.False(Resource.Set(lab.State("IPv6", CtEnsure.Absent), whatIf: false).Changed);

        // The last instance gone, the chain and table it emptied go too; nothing else does.
        Assert.True(Resource.Set(lab.State("IPv6", CtEnsure.Absent, iface: "veth1"), whatIf: false).Changed);
        var tables = TestNetwork.Exec(lab.A, "nft", "list", "tables");
        Assert.DoesNotContain("conntrack", tables);
        Assert.Contains("table ip canary", tables);
        Assert.Contains("table inet cttest", tables);
        Assert.Contains("table inet probe", tables);
    }

    [KernelFact("nft", "python3", "ping")]
    public void Fib_for_IPv4_is_the_drop_rule_alone_and_protects_without_rp_filter()
    {
        using var lab = new Lab("f4");
        Assert.True(lab.SpoofedArrive("IPv4"));
        var set = Resource.Set(lab.State("IPv4", method: "fib"), whatIf: false);
        Assert.Equal("Present Fib Strict True", Show(Actual(set.AfterState)));
        var text = lab.Chain();
        Assert.Contains("iifname \"veth0\" meta nfproto ipv4 fib saddr . iif oif missing drop comment \"ConntrackTools:antispoof:veth0:IPv4\"", text);
        Assert.DoesNotContain("icmpv6", text);
        Assert.Equal("0", lab.RpFilter());
        Assert.Contains("Protected by the nft fib rule", lab.Audit("IPv4").Message);
        Assert.False(lab.SpoofedArrive("IPv4"));
        lab.NormalTrafficFlows();
        Assert.False(Resource.Set(lab.State("IPv4", method: "Fib"), whatIf: false).Changed);

        // The methods are separate instances: RpFilter's is absent, and its Set leaves the fib rule alone.
        Assert.Equal(CtEnsure.Absent, Actual(Resource.Get(lab.State("IPv4"))).Ensure);
        Assert.True(Resource.Set(lab.State("IPv4", method: "RpFilter"), whatIf: false).Changed);
        Assert.Equal("1", lab.RpFilter());
        Assert.True(Resource.Test(lab.State("IPv4", method: "Fib")).InDesiredState);
        Assert.True(Resource.Set(lab.State("IPv4", CtEnsure.Absent, "Fib"), whatIf: false).Changed);
        Assert.Equal("1", lab.RpFilter());
        Assert.DoesNotContain("conntrack", TestNetwork.Exec(lab.A, "nft", "list", "tables"));
    }

    [KernelFact("nft")]
    public void WhatIf_predicts_the_change_and_changes_nothing()
    {
        using var lab = new Lab("wi");
        var ruleset = lab.Ruleset();
        foreach (var state in new[] { lab.State("IPv4"), lab.State("IPv6"), lab.State("IPv4", mode: "Loose", method: "Fib") })
        {
            var r = Resource.Set(state, whatIf: true);
            Assert.True(r.WhatIf);
            Assert.True(r.Changed);
            Assert.Equal(["Ensure"], r.ChangedProperties);
            Assert.Empty(r.Actions);
            var predicted = Actual(r.AfterState);
            Assert.Equal($"Present {state.Method} {state.Mode} -", Show(predicted));
            Assert.Equal(CtEnsure.Absent, Actual(r.BeforeState).Ensure);
        }
        Assert.Equal("0", lab.RpFilter());
        Assert.Equal(ruleset, lab.Ruleset());

        // From present to absent, too.
        Resource.Set(lab.State("IPv6"), whatIf: false);
        ruleset = lab.Ruleset();
        var absent = Resource.Set(lab.State("IPv6", CtEnsure.Absent), whatIf: true);
        Assert.True(absent.Changed);
        Assert.Equal("Absent Fib - -", Show(Actual(absent.AfterState)));
        Assert.Equal(ruleset, lab.Ruleset());
    }

    [KernelFact("nft")]
    public void Export_lists_every_interface_but_lo_in_both_families_and_each_instance_tests_in_desired_state()
    {
        using var lab = new Lab("ex");
        TestNetwork.Exec(lab.A, "ip", "link", "add", "veth1", "type", "veth", "peer", "name", "veth1", "netns", lab.B);
        Resource.Set(lab.State("IPv4", mode: "Loose"), whatIf: false);
        Resource.Set(lab.State("IPv6"), whatIf: false);
        Resource.Set(lab.State("IPv4", method: "Fib", iface: "veth1"), whatIf: false);

        var all = Resource.Export(new CtAntiSpoofState { NetworkNamespace = lab.A }).Cast<CtAntiSpoofState>().ToList();
        Assert.Equal(["veth0/IPv4", "veth0/IPv6", "veth1/IPv4", "veth1/IPv6"], all.Select(s => $"{s.InterfaceName}/{s.Family}"));
        Assert.All(all, s => Assert.Equal(lab.A, s.NetworkNamespace));
        Assert.All(all, s => Assert.Null(s.InDesiredState));
        Assert.Equal(["Present RpFilter Loose True", "Present Fib Strict True", "Present Fib Strict True", "Absent Fib - False"], all.Select(Show));
        foreach (var s in all)
        {
            var t = Resource.Test(s);
            Assert.True(t.InDesiredState, $"{s.InterfaceName}/{s.Family}: {string.Join(", ", t.DifferingProperties)}");
        }

        // Through JSON as DSC gives it back, and narrowed by the keys.
        var json = CtResourceJson(all[0]);
        Assert.True(Resource.Test(Resource.Parse(json)).InDesiredState);
        Assert.Equal(["veth0/IPv6", "veth1/IPv6"], Resource.Export(new CtAntiSpoofState { NetworkNamespace = lab.A, Family = "ipv6" }).Cast<CtAntiSpoofState>().Select(s => $"{s.InterfaceName}/{s.Family}"));
        Assert.Equal(["veth1/IPv4", "veth1/IPv6"], Resource.Export(new CtAntiSpoofState { NetworkNamespace = lab.A, InterfaceName = "veth1" }).Cast<CtAntiSpoofState>().Select(s => $"{s.InterfaceName}/{s.Family}"));
    }

    private static string CtResourceJson(CtAntiSpoofState s) => Json.CtJson.Serialize(s);

    public static TheoryData<string> HostileNames() =>
    [
        "a\"b", "x\nflush ruleset", "eth0 ; flush", "veth*", "@set", "$var", "a\\b", "", "..", "a/b", "sixteen-chars-xx", "a:b",
    ];

    [KernelTheory("nft")]
    [MemberData(nameof(HostileNames))]
    public void Hostile_interface_names_are_refused_before_anything_is_written(string name)
    {
        using var lab = new Lab("hn");
        var ruleset = lab.Ruleset();
        foreach (var (family, method) in new[] { ("IPv4", "RpFilter"), ("IPv6", "Fib"), ("IPv4", "Fib") })
        {
            var ex = Assert.Throws<CtResourceInputException>(() => Resource.Set(lab.State(family, method: method, iface: name), whatIf: false));
            Assert.Contains(name.Length == 0 ? "InterfaceName is required" : "interface name", ex.Message);
            Assert.Throws<CtResourceInputException>(() => Resource.Set(lab.State(family, CtEnsure.Absent, method, iface: name), whatIf: false));
        }
        Assert.Equal(ruleset, lab.Ruleset());
        Assert.Equal("0", lab.RpFilter());
    }

    [KernelFact("nft")]
    public void Unknown_interfaces_wrong_families_and_other_bad_values_are_refused_with_what_to_do()
    {
        using var lab = new Lab("bv");
        var ruleset = lab.Ruleset();

        string Refused(CtAntiSpoofState s) => Assert.Throws<CtResourceInputException>(() => Resource.Set(s, whatIf: false)).Message;

        Assert.Equal($"There is no interface named \"nosuch0\" in network namespace \"{lab.A}\". Interfaces: veth0.", Refused(lab.State("IPv6", iface: "nosuch0")));
        Assert.Contains("IPv6 has no rp_filter", Refused(lab.State("IPv6", method: "RpFilter")));
        Assert.Contains("use Method Fib", Refused(lab.State("ipv6", CtEnsure.Absent, "rpfilter")));
        Assert.Equal("Family \"IPv5\" is not valid: use IPv4 or IPv6.", Refused(lab.State("IPv5")));
        Assert.Equal("Family is required: IPv4 or IPv6.", Refused(lab.State(null!)));
        Assert.Equal("Method \"rp_filter; flush ruleset\" is not valid: use RpFilter or Fib.", Refused(lab.State("IPv4", method: "rp_filter; flush ruleset")));
        Assert.Equal("Mode \"{ strict }\" is not valid: use Strict or Loose.", Refused(lab.State("IPv4", mode: "{ strict }")));
        Assert.Equal("Ensure 7 is not valid: use Present or Absent.", Refused(lab.State("IPv4", (CtEnsure)7)));
        Assert.Contains("is the loopback interface", Refused(lab.State("IPv4", iface: "lo")));
        Assert.Contains("Network namespace 'nosuch;ns' not found", Refused(new CtAntiSpoofState { NetworkNamespace = "nosuch;ns", InterfaceName = "veth0", Family = "IPv4" }));
        Assert.Throws<CtResourceInputException>(() => Resource.Parse("""{"InterfaceName":"veth0","Family":"IPv4","Table":"x"}"""));

        // An interface that is gone: nothing to remove, and no error.
        Assert.True(Resource.Test(lab.State("IPv6", CtEnsure.Absent, iface: "nosuch0")).InDesiredState);

        Assert.Equal(ruleset, lab.Ruleset());
        Assert.Equal("0", lab.RpFilter());
    }

    [KernelFact("nft")]
    public void A_name_the_kernel_allows_with_quotes_braces_and_semicolons_is_carried_literally()
    {
        using var lab = new Lab("ln");
        const string odd = "v$x;{1}'";
        TestNetwork.Exec(lab.A, "ip", "link", "add", odd, "type", "veth", "peer", "name", "p0", "netns", lab.B);
        var v6 = Resource.Set(lab.State("IPv6", iface: odd), whatIf: false);
        Assert.True(Actual(v6.AfterState).Protected, Actual(v6.AfterState).Finding);
        Assert.Contains($"iifname \"{odd}\" meta nfproto ipv6 fib saddr . iif oif missing drop comment \"ConntrackTools:antispoof:{odd}:IPv6\"", lab.Chain());
        var v4 = Resource.Set(lab.State("IPv4", iface: odd), whatIf: false);
        Assert.True(Actual(v4.AfterState).Protected);
        Assert.Equal("1", lab.RpFilter(odd));
        Assert.Contains("table inet probe", TestNetwork.Exec(lab.A, "nft", "list", "tables"));
        Assert.True(Resource.Test(lab.State("IPv6", iface: odd)).InDesiredState);
        Assert.True(Resource.Set(lab.State("IPv6", CtEnsure.Absent, iface: odd), whatIf: false).Changed);
    }
}
