using System.Text.Json.Nodes;
using Xunit;

namespace ConntrackTools.Tests;

/// <summary>
/// The CtAntiSpoof DSC resource run as DSC runs it (dsc/ConntrackTools.CtAntiSpoof.dsc.resource.json),
/// in a namespace made for each test with a veth pair d0/d1 in it. The kernel's state is read with
/// `sysctl` (rp_filter) and `nft -j list ruleset` (fib rules); AntiSpoofResourceTests has the depth.
/// </summary>
public sealed class DscAntiSpoofTests
{
    private static readonly DscManifest Manifest = DscManifest.Load("CtAntiSpoof");

    private static DscRun Run(string operation, JsonNode? input) => DscHarness.Run(Manifest, operation, input);

    /// <summary>A namespace with the veth pair d0/d1 (both ends inside) and the canary table.</summary>
    private sealed class Lab : IDisposable
    {
        private readonly DscNamespace _ns = new("as");

        public Lab(params (string A, string B)[] pairs)
        {
            foreach (var (a, b) in pairs.Length == 0 ? [("d0", "d1")] : pairs)
                Shell.Check("ip", "-n", Name, "link", "add", a, "type", "veth", "peer", "name", b);
            NftState.LoadCanary(Name);
        }

        public string Name => _ns.Name;

        public JsonObject State(string iface, string family, params (string Name, object? Value)[] properties) =>
            DscHarness.Input(Name, [("InterfaceName", iface), ("Family", family), .. properties]);

        /// <summary>What `sysctl -n net.ipv4.conf.IF.rp_filter` prints in the namespace (read from /proc/sys for names sysctl cannot spell).</summary>
        public string RpFilter(string iface) => TestNetwork.Exec(Name, "cat", $"/proc/sys/net/ipv4/conf/{iface}/rp_filter").Trim();

        public string Sysctl(string key) => TestNetwork.Exec(Name, "sysctl", "-n", key).Trim();

        /// <summary>Every net.ipv4.conf sysctl of the namespace, as `sysctl -a` prints them.</summary>
        public string Conf() => TestNetwork.Exec(Name, "sysctl", "-a", "-r", "^net\\.ipv4\\.conf\\.");

        public string Nft() => NftState.Json(Name);

        public void Dispose() => _ns.Dispose();
    }

    private static List<JsonObject> Own(string ruleset, string iface, string family) =>
        [.. NftState.Items(ruleset, "rule").Where(r => (string?)r["comment"] == $"ConntrackTools:antispoof:{iface}:{family}")];

    [Fact]
    public void The_schema_refuses_what_the_resource_refuses()
    {
        Assert.Equal(["InterfaceName", "Family"], Manifest.EmbeddedSchema["required"]!.AsArray().Select(n => (string)n!));
        Assert.Empty(Manifest.Validate("""{"InterfaceName":"eth0","Family":"IPv4","Method":"RpFilter","Mode":null}"""));
        Assert.NotEmpty(Manifest.Validate("""{"InterfaceName":"eth0"}"""));
        Assert.NotEmpty(Manifest.Validate("""{"InterfaceName":"eth0","Family":"IPv5"}"""));
        Assert.NotEmpty(Manifest.Validate("""{"InterfaceName":"eth0","Family":"IPv4","Method":"rp_filter"}"""));
        Assert.NotEmpty(Manifest.Validate("""{"InterfaceName":"eth0","Family":"IPv4","Mode":"Medium"}"""));
        Assert.NotEmpty(Manifest.Validate("""{"InterfaceName":"sixteen-chars-xx","Family":"IPv4"}"""));
        Assert.NotEmpty(Manifest.Validate("""{"InterfaceName":"eth0","Family":"IPv4","Table":"x"}"""));
    }

    [KernelFact("nft", "sysctl")]
    public void RpFilter_get_test_set_set_again_and_whatIf_write_only_the_interfaces_sysctl()
    {
        using var lab = new Lab();
        var conf = lab.Conf();
        var ruleset = lab.Nft();

        var get = Run("get", lab.State("d0", "IPv4"));
        Assert.True(get.ExitCode == 0, get.ToString());
        var absent = get.State();
        Assert.Equal((lab.Name, "d0", "IPv4", "Absent", "RpFilter", null, false),
            ((string?)absent["NetworkNamespace"], (string?)absent["InterfaceName"], (string?)absent["Family"], (string?)absent["Ensure"],
             (string?)absent["Method"], (string?)absent["Mode"], (bool?)absent["Protected"]));
        Assert.Contains("spoofed IPv4 sources are accepted on d0", (string?)absent["Finding"]);

        var want = lab.State("d0", "IPv4");
        var test = Run("test", want);
        Assert.True(test.ExitCode == 0, test.ToString());
        Assert.Equal(false, (bool?)test.State()["_inDesiredState"]);
        Assert.Equal(["Ensure"], test.Names());

        var whatIf = Run("whatIf", want);
        Assert.True(whatIf.ExitCode == 0, whatIf.ToString());
        Assert.Equal(["Ensure"], whatIf.Names());
        var predicted = whatIf.State();
        Assert.Equal(("Present", "RpFilter", "Strict", null), ((string?)predicted["Ensure"], (string?)predicted["Method"], (string?)predicted["Mode"], (bool?)predicted["Protected"]));
        Assert.Equal(conf, lab.Conf());

        var set = Run("set", want);
        Assert.True(set.ExitCode == 0, set.ToString());
        Assert.Equal(["Ensure"], set.Names());
        var after = set.State();
        Assert.Equal(("Present", "Strict", true), ((string?)after["Ensure"], (string?)after["Mode"], (bool?)after["Protected"]));
        Assert.Contains("Protected by rp_filter (strict)", (string?)after["Finding"]);
        Assert.Equal("1", lab.Sysctl("net.ipv4.conf.d0.rp_filter"));
        // Only that one sysctl: not conf/all, not the peer, not default; and no rule.
        Assert.Equal(conf.Replace("net.ipv4.conf.d0.rp_filter = 0", "net.ipv4.conf.d0.rp_filter = 1", StringComparison.Ordinal), lab.Conf());
        Assert.Equal(ruleset, lab.Nft());
        Assert.Equal(NftState.Without(predicted, "Protected", "Finding"), NftState.Without(after, "Protected", "Finding"));

        conf = lab.Conf();
        var again = Run("set", want);
        Assert.True(again.ExitCode == 0, again.ToString());
        Assert.Empty(again.Names());
        Assert.Equal(after.ToJsonString(), again.State().ToJsonString());
        Assert.Equal(conf, lab.Conf());
        Assert.Equal(true, (bool?)Run("test", want).State()["_inDesiredState"]);

        var loose = lab.State("d0", "IPv4", ("Mode", "Loose"));
        whatIf = Run("whatIf", loose);
        Assert.Equal(["Mode"], whatIf.Names());
        Assert.Equal("Loose", (string?)whatIf.State()["Mode"]);
        Assert.Equal(conf, lab.Conf());
        set = Run("set", loose);
        Assert.Equal(["Mode"], set.Names());
        Assert.Equal("2", lab.Sysctl("net.ipv4.conf.d0.rp_filter"));
        Assert.Equal(("0", "0"), (lab.Sysctl("net.ipv4.conf.all.rp_filter"), lab.Sysctl("net.ipv4.conf.d1.rp_filter")));

        // Absent: 0, and again nothing.
        var off = lab.State("d0", "IPv4", ("Ensure", "Absent"));
        var gone = Run("set", off);
        Assert.True(gone.ExitCode == 0, gone.ToString());
        Assert.Equal(["Ensure"], gone.Names());
        Assert.Equal(("Absent", false), ((string?)gone.State()["Ensure"], (bool?)gone.State()["Protected"]));
        Assert.Equal("0", lab.Sysctl("net.ipv4.conf.d0.rp_filter"));
        conf = lab.Conf();
        Assert.Empty(Run("set", off).Names());
        Assert.Equal(conf, lab.Conf());
        Assert.Equal(ruleset, lab.Nft());
    }

    [KernelFact("nft", "sysctl")]
    public void Fib_set_set_again_whatIf_export_and_absent_write_the_audits_rules()
    {
        using var lab = new Lab();
        var conf = lab.Conf();
        var want = lab.State("d0", "IPv6");

        var get = Run("get", want);
        Assert.Equal(("Absent", "Fib", false), ((string?)get.State()["Ensure"], (string?)get.State()["Method"], (bool?)get.State()["Protected"]));

        var set = Run("set", want);
        Assert.True(set.ExitCode == 0, set.ToString());
        Assert.Equal(["Ensure"], set.Names());
        Assert.Equal(("Present", "Fib", "Strict", true),
            ((string?)set.State()["Ensure"], (string?)set.State()["Method"], (string?)set.State()["Mode"], (bool?)set.State()["Protected"]));
        var ruleset = lab.Nft();
        var chain = Assert.Single(NftState.Items(ruleset, "chain"), c => (string?)c["table"] == "conntrack");
        Assert.Equal(("inet", "antispoof", "filter", "prerouting", -300),
            ((string?)chain["family"], (string?)chain["name"], (string?)chain["type"], (string?)chain["hook"], (int?)chain["prio"]));
        Assert.Equal(
            [
                ["meta iifname == \"d0\"", "icmpv6 type == {\"nd-neighbor-solicit\",\"nd-router-advert\"}", "accept"],
                ["meta iifname == \"d0\"", "meta nfproto == \"ipv6\"", "fib saddr . iif oif == false", "drop"],
            ],
            Own(ruleset, "d0", "IPv6").Select(NftState.Terms));
        Assert.True(NftState.HasCanary(ruleset));
        Assert.Equal(conf, lab.Conf());

        Assert.Empty(Run("set", want).Names());
        Assert.Equal(ruleset, lab.Nft());
        Assert.Equal(true, (bool?)Run("test", want).State()["_inDesiredState"]);

        var loose = lab.State("d0", "IPv6", ("Mode", "Loose"));
        var whatIf = Run("whatIf", loose);
        Assert.True(whatIf.ExitCode == 0, whatIf.ToString());
        Assert.Equal(["Mode"], whatIf.Names());
        Assert.Equal(("Loose", null), ((string?)whatIf.State()["Mode"], (bool?)whatIf.State()["Protected"]));
        Assert.Equal(ruleset, lab.Nft());
        Assert.Equal(["Mode"], Run("set", loose).Names());
        ruleset = lab.Nft();
        Assert.Equal(["meta iifname == \"d0\"", "meta nfproto == \"ipv6\"", "fib saddr oif == false", "drop"], NftState.Terms(Own(ruleset, "d0", "IPv6")[1]));
        Assert.Equal(2, Own(ruleset, "d0", "IPv6").Count);

        // export: one line per interface (lo left out) and family, each a desired state the namespace is in.
        Assert.Equal(0, Run("set", lab.State("d1", "IPv4", ("Method", "Fib"))).ExitCode);
        var export = Run("export", DscHarness.Input(lab.Name));
        Assert.True(export.ExitCode == 0, export.ToString());
        var states = Enumerable.Range(0, export.Lines.Count).Select(export.State).ToList();
        Assert.Equal(
            ["d0/IPv4 RpFilter Absent", "d0/IPv6 Fib Present Loose", "d1/IPv4 Fib Present Strict", "d1/IPv6 Fib Absent"],
            states.Select(s => $"{s["InterfaceName"]}/{s["Family"]} {s["Method"]} {s["Ensure"]}{(s["Mode"] is { } m ? " " + m : "")}").Order(StringComparer.Ordinal));
        foreach (var s in states)
        {
            var t = Run("test", s);
            Assert.True(t.ExitCode == 0 && (bool?)t.State()["_inDesiredState"] == true, t.ToString());
        }
        var v6 = Run("export", DscHarness.Input(lab.Name, ("Family", "IPv6")));
        Assert.Equal(["d0", "d1"], Enumerable.Range(0, v6.Lines.Count).Select(i => (string)v6.State(i)["InterfaceName"]!).Order(StringComparer.Ordinal));

        // Absent: the instance's rules go, nothing else; the last one takes the chain and table with it.
        var off = lab.State("d0", "IPv6", ("Ensure", "Absent"));
        var gone = Run("set", off);
        Assert.True(gone.ExitCode == 0, gone.ToString());
        Assert.Equal(["Ensure"], gone.Names());
        ruleset = lab.Nft();
        Assert.Empty(Own(ruleset, "d0", "IPv6"));
        Assert.Single(Own(ruleset, "d1", "IPv4"));
        Assert.Empty(Run("set", off).Names());
        Assert.Equal(ruleset, lab.Nft());

        Assert.Equal(["Ensure"], Run("set", lab.State("d1", "IPv4", ("Method", "Fib"), ("Ensure", "Absent"))).Names());
        ruleset = lab.Nft();
        Assert.DoesNotContain(NftState.Items(ruleset, "table"), t => (string?)t["name"] == "conntrack");
        Assert.True(NftState.HasCanary(ruleset));
        Assert.Equal(conf, lab.Conf());
    }

    [KernelFact("nft", "sysctl")]
    public void Hostile_values_in_every_string_property_exit_2_and_change_no_sysctl_and_no_rule()
    {
        using var lab = new Lab();
        Assert.Equal(0, Run("set", lab.State("d0", "IPv6")).ExitCode);
        var conf = lab.Conf();
        var ruleset = lab.Nft();

        var failures = new List<string>();
        foreach (var hostile in DscHelperPolicyTests.Hostile)
        {
            foreach (var (property, says) in new[] { ("InterfaceName", "interface"), ("Family", "Family"), ("Method", "Method"), ("Mode", "Mode"), ("Ensure", "Ensure") })
            {
                foreach (var (family, method) in new[] { ("IPv4", "RpFilter"), ("IPv6", "Fib"), ("IPv4", "Fib") })
                {
                    var input = lab.State("d0", family, ("Method", method), ("Mode", "Strict"));
                    input[property] = hostile;
                    var run = Run("set", input);
                    if (run.ExitCode != 2 || run.Lines.Count != 0 || run.Errors.Count != 1 || !run.Errors[0].Contains(says, StringComparison.Ordinal))
                        failures.Add($"{property} = {input[property]!.ToJsonString()} ({family} {method}): {run}");
                    if (property != "InterfaceName") break; // the method does not matter for the other properties
                }
            }
        }
        Assert.True(failures.Count == 0, string.Join("\n\n", failures));
        Assert.Equal(conf, lab.Conf());
        Assert.Equal(ruleset, lab.Nft());
        Assert.True(NftState.HasCanary(ruleset));
    }

    [KernelFact("nft", "sysctl")]
    public void Interface_names_the_kernel_allows_are_carried_literally_into_the_sysctl_path_and_the_rules()
    {
        var names = DscHelperPolicyTests.KernelInterfaceNames;
        using var lab = new Lab((names[0], names[1]), (names[2], names[3]));
        foreach (var name in names)
        {
            var rp = Run("set", lab.State(name, "IPv4"));
            Assert.True(rp.ExitCode == 0 && rp.Names().SequenceEqual(["Ensure"]), rp.ToString());
            Assert.Equal("1", lab.RpFilter(name));
            var fib = Run("set", lab.State(name, "IPv6"));
            Assert.True(fib.ExitCode == 0 && (bool?)fib.State()["Protected"] == true, fib.ToString());
            Assert.Equal(name, (string?)Own(lab.Nft(), name, "IPv6")[1]["expr"]![0]!["match"]!["right"]);
        }
        Assert.Equal("0", lab.Sysctl("net.ipv4.conf.all.rp_filter"));
        var ruleset = lab.Nft();
        var export = Run("export", DscHarness.Input(lab.Name));
        Assert.Equal(8, export.Lines.Count);
        for (var i = 0; i < export.Lines.Count; i++)
        {
            Assert.Equal("Present", (string?)export.State(i)["Ensure"]);
            Assert.Equal(true, (bool?)Run("test", export.State(i)).State()["_inDesiredState"]);
            Assert.Empty(Run("set", export.State(i)).Names());
        }
        Assert.Equal(ruleset, lab.Nft());
    }

    public static TheoryData<string, string, string> BadInput() => new()
    {
        { "unknown property", """{"InterfaceName":"d0","Family":"IPv4","Table":"x"}""", "has no property 'Table'" },
        { "InterfaceName a number", """{"InterfaceName":0,"Family":"IPv4"}""", "InterfaceName must be a string" },
        { "Mode an array", """{"InterfaceName":"d0","Family":"IPv4","Mode":["Strict"]}""", "Mode must be a string" },
        { "Protected a string", """{"InterfaceName":"d0","Family":"IPv4","Protected":"yes"}""", "Protected must be true or false" },
        { "Family", """{"InterfaceName":"d0","Family":"IPv5"}""", "Family \"IPv5\" is not valid: use IPv4 or IPv6" },
        { "Method", """{"InterfaceName":"d0","Family":"IPv4","Method":"rp_filter"}""", "Method \"rp_filter\" is not valid: use RpFilter or Fib" },
        { "Mode", """{"InterfaceName":"d0","Family":"IPv4","Mode":"Medium"}""", "Mode \"Medium\" is not valid: use Strict or Loose" },
        { "Ensure not a name", """{"InterfaceName":"d0","Family":"IPv4","Ensure":"Off"}""", "Ensure must be one of \"Present\", \"Absent\"" },
        { "Ensure a number", """{"InterfaceName":"d0","Family":"IPv4","Ensure":5}""", "Ensure of CtAntiSpoof is 5" },
        { "no Family", """{"InterfaceName":"d0"}""", "Family is required" },
        { "no InterfaceName", """{"Family":"IPv4"}""", "InterfaceName is required" },
        { "rp_filter for IPv6", """{"InterfaceName":"d0","Family":"IPv6","Method":"RpFilter"}""", "IPv6 has no rp_filter" },
        { "loopback", """{"InterfaceName":"lo","Family":"IPv4"}""", "is the loopback interface" },
        { "no such interface", """{"InterfaceName":"nosuch0","Family":"IPv4"}""", "There is no interface named \"nosuch0\"" },
    };

    [KernelTheory("nft", "sysctl")]
    [MemberData(nameof(BadInput))]
    public void Wrong_types_unknown_properties_and_invalid_values_exit_2_naming_the_property(string what, string input, string message)
    {
        using var lab = new Lab();
        var conf = lab.Conf();
        var ruleset = lab.Nft();
        var json = $"{{\"NetworkNamespace\":\"{lab.Name}\",{input[1..]}";
        foreach (var op in (string[])["set", "test"])
        {
            var run = DscHarness.RunRaw(Manifest, op, json);
            Assert.True(run.ExitCode == 2, $"{what}: {run}");
            Assert.Empty(run.Lines);
            Assert.Contains(message, Assert.Single(run.Errors));
        }
        Assert.Equal(conf, lab.Conf());
        Assert.Equal(ruleset, lab.Nft());
    }
}
