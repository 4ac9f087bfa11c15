using System.Text.Json.Nodes;
using Xunit;

namespace ConntrackTools.Tests;

/// <summary>
/// The CtNotrack DSC resource run as DSC runs it (dsc/ConntrackTools.CtNotrack.dsc.resource.json),
/// in a namespace made for each test; the kernel's state read with `nft -j list ruleset`.
/// NotrackResourceTests has the depth.
/// </summary>
public sealed class DscNotrackTests
{
    private static readonly DscManifest Manifest = DscManifest.Load("CtNotrack");

    private static DscRun Run(string operation, JsonNode? input) => DscHarness.Run(Manifest, operation, input);

    private static JsonObject Rule(DscNamespace ns, params (string Name, object? Value)[] properties) => DscHarness.Input(ns.Name, properties);

    private static readonly (string, object?)[] Dns =
        [("Name", "dns"), ("Protocol", "udp"), ("DestinationAddress", new[] { "192.0.2.53" }), ("DestinationPort", new[] { 53 }), ("InputInterface", new[] { "veth0" })];

    private static List<JsonObject> Named(string ruleset, string name) =>
        [.. NftState.Items(ruleset, "rule").Where(r => (string?)r["comment"] == "ConntrackTools:" + name)];

    [Fact]
    public void The_schema_refuses_what_the_resource_refuses()
    {
        Assert.Equal(["Name"], Manifest.EmbeddedSchema["required"]!.AsArray().Select(n => (string)n!));
        Assert.Empty(Manifest.Validate("""{"Name":"dns","Protocol":"udp","DestinationPort":[53],"SourceAddress":null}"""));
        Assert.NotEmpty(Manifest.Validate("""{"Protocol":"udp"}"""));
        Assert.NotEmpty(Manifest.Validate("""{"Name":"dns","Hook":"input"}"""));
        Assert.NotEmpty(Manifest.Validate("""{"Name":"dns","Family":"arp"}"""));
        Assert.NotEmpty(Manifest.Validate("""{"Name":"dns","SourcePort":[65536]}"""));
        Assert.NotEmpty(Manifest.Validate("""{"Name":"dns","DestinationAddress":"192.0.2.53"}"""));
        Assert.NotEmpty(Manifest.Validate("""{"Name":"dns","Comment":"x"}"""));
    }

    [KernelFact("nft")]
    public void Get_test_set_set_again_whatIf_export_and_absent_as_DSC_runs_them()
    {
        using var ns = new DscNamespace("nt");
        NftState.LoadCanary(ns.Name);
        var empty = NftState.Json(ns.Name);

        var get = Run("get", Rule(ns, ("Name", "dns")));
        Assert.True(get.ExitCode == 0, get.ToString());
        var absent = get.State();
        Assert.Equal((ns.Name, "inet", "conntrack", "dns", "Absent"),
            ((string?)absent["NetworkNamespace"], (string?)absent["Family"], (string?)absent["Table"], (string?)absent["Name"], (string?)absent["Ensure"]));
        Assert.All(["Hook", "Chain", "Protocol", "SourceAddress", "DestinationAddress", "SourcePort", "DestinationPort", "InputInterface", "OutputInterface", "Handle", "Rule", "_inDesiredState"],
            p => Assert.Null(absent[p]));

        var want = Rule(ns, Dns);
        var test = Run("test", want);
        Assert.True(test.ExitCode == 0, test.ToString());
        Assert.Equal(false, (bool?)test.State()["_inDesiredState"]);
        Assert.Equal(["Ensure"], test.Names());

        var whatIf = Run("whatIf", want);
        Assert.True(whatIf.ExitCode == 0, whatIf.ToString());
        Assert.Equal(["Ensure"], whatIf.Names());
        var predicted = whatIf.State();
        Assert.Equal(("Present", "prerouting", "notrack_prerouting", "iifname \"veth0\" ip daddr 192.0.2.53 udp dport 53 notrack"),
            ((string?)predicted["Ensure"], (string?)predicted["Hook"], (string?)predicted["Chain"], (string?)predicted["Rule"]));
        Assert.Equal(empty, NftState.Json(ns.Name));

        // set: one rule with the comment ConntrackTools:dns, in a chain at the raw priority.
        var set = Run("set", want);
        Assert.True(set.ExitCode == 0, set.ToString());
        Assert.Equal(["Ensure"], set.Names());
        var after = set.State();
        var ruleset = NftState.Json(ns.Name);
        var chain = Assert.Single(NftState.Items(ruleset, "chain"), c => (string?)c["table"] == "conntrack");
        Assert.Equal(("notrack_prerouting", "filter", "prerouting", -300), ((string?)chain["name"], (string?)chain["type"], (string?)chain["hook"], (int?)chain["prio"]));
        var rule = Assert.Single(Named(ruleset, "dns"));
        Assert.Equal(("inet", "conntrack", "notrack_prerouting", (long?)after["Handle"]), ((string?)rule["family"], (string?)rule["table"], (string?)rule["chain"], (long?)rule["handle"]));
        Assert.Equal(["meta iifname == \"veth0\"", "ip daddr == \"192.0.2.53\"", "udp dport == 53", "notrack"], NftState.Terms(rule));
        Assert.True(NftState.HasCanary(ruleset));
        Assert.Equal(NftState.Without(predicted, "Handle"), NftState.Without(after, "Handle"));

        var again = Run("set", want);
        Assert.True(again.ExitCode == 0, again.ToString());
        Assert.Empty(again.Names());
        Assert.Equal(ruleset, NftState.Json(ns.Name));
        Assert.Equal(after.ToJsonString(), again.State().ToJsonString());

        test = Run("test", want);
        Assert.Equal(true, (bool?)test.State()["_inDesiredState"]);
        Assert.Empty(test.Names());

        // whatIf on a change: the rule it would write, nothing written.
        var change = Rule(ns, ("Name", "dns"), ("DestinationPort", new[] { 853, 53 }));
        whatIf = Run("whatIf", change);
        Assert.True(whatIf.ExitCode == 0, whatIf.ToString());
        Assert.Equal(["DestinationPort"], whatIf.Names());
        predicted = whatIf.State();
        Assert.Equal("iifname \"veth0\" ip daddr 192.0.2.53 udp dport { 53, 853 } notrack", (string?)predicted["Rule"]);
        Assert.Null((long?)predicted["Handle"]);
        Assert.Equal(ruleset, NftState.Json(ns.Name));

        // ... and set: the rule replaced in one transaction (a new handle), still one rule.
        set = Run("set", change);
        Assert.Equal(["DestinationPort"], set.Names());
        ruleset = NftState.Json(ns.Name);
        rule = Assert.Single(Named(ruleset, "dns"));
        Assert.NotEqual((long?)after["Handle"], (long?)rule["handle"]);
        Assert.Equal(["meta iifname == \"veth0\"", "ip daddr == \"192.0.2.53\"", "udp dport == {53,853}", "notrack"], NftState.Terms(rule));
        Assert.Equal(NftState.Without(predicted, "Handle"), NftState.Without(set.State(), "Handle"));

        // export: one line per named rule (the canary's notrack rule has no name), each in desired state.
        var ntp = Rule(ns, ("Family", "ip"), ("Table", "raw4"), ("Name", "ntp-out"), ("Hook", "output"), ("Protocol", "udp"), ("SourcePort", new[] { 123 }), ("OutputInterface", new[] { "eth1" }));
        Assert.Equal(["Ensure"], Run("set", ntp).Names());
        ruleset = NftState.Json(ns.Name);
        var raw4 = Assert.Single(NftState.Items(ruleset, "chain"), c => (string?)c["table"] == "raw4");
        Assert.Equal(("ip", "notrack_output", "output", -300), ((string?)raw4["family"], (string?)raw4["name"], (string?)raw4["hook"], (int?)raw4["prio"]));
        Assert.Equal(["meta oifname == \"eth1\"", "udp sport == 123", "notrack"], NftState.Terms(Assert.Single(Named(ruleset, "ntp-out"))));
        var export = Run("export", DscHarness.Input(ns.Name));
        Assert.True(export.ExitCode == 0, export.ToString());
        var states = Enumerable.Range(0, export.Lines.Count).Select(export.State).ToList();
        Assert.Equal(["conntrack/dns", "raw4/ntp-out"], states.Select(s => $"{s["Table"]}/{s["Name"]}").Order(StringComparer.Ordinal));
        foreach (var s in states)
        {
            var t = Run("test", s);
            Assert.True(t.ExitCode == 0 && (bool?)t.State()["_inDesiredState"] == true, t.ToString());
        }
        var ip = Run("export", DscHarness.Input(ns.Name, ("Family", "ip")));
        Assert.Single(ip.Lines);
        Assert.Equal("ntp-out", (string?)ip.State()["Name"]);

        // Absent: the rule goes, and the chain and table it leaves empty; nothing else.
        var gone = Run("set", Rule(ns, ("Name", "dns"), ("Ensure", "Absent")));
        Assert.True(gone.ExitCode == 0, gone.ToString());
        Assert.Equal(["Ensure"], gone.Names());
        Assert.Equal("Absent", (string?)gone.State()["Ensure"]);
        var left = NftState.Json(ns.Name);
        Assert.Empty(Named(left, "dns"));
        Assert.DoesNotContain(NftState.Items(left, "table"), t => (string?)t["name"] == "conntrack");
        Assert.Single(Named(left, "ntp-out"));
        Assert.True(NftState.HasCanary(left));

        var goneAgain = Run("set", Rule(ns, ("Name", "dns"), ("Ensure", "Absent")));
        Assert.True(goneAgain.ExitCode == 0, goneAgain.ToString());
        Assert.Empty(goneAgain.Names());
        Assert.Equal(left, NftState.Json(ns.Name));
    }

    [KernelFact("nft")]
    public void Hostile_values_in_every_string_property_exit_2_and_leave_the_ruleset_as_it_was()
    {
        using var ns = new DscNamespace("nt");
        NftState.LoadCanary(ns.Name);
        Assert.Equal(0, Run("set", Rule(ns, Dns)).ExitCode);
        var before = NftState.Json(ns.Name);
        (string, object?)[] output = [("Name", "ntp-out"), ("Hook", "output"), ("Protocol", "udp"), ("SourcePort", new[] { 123 }), ("OutputInterface", new[] { "eth1" })];

        var properties = new (string Property, (string, object?)[] Base, Func<string, object> Value, string Says)[]
        {
            ("Name", Dns, v => v, "notrack rule name"),
            ("Table", Dns, v => v, "table name"),
            ("Chain", Dns, v => v, "chain name"),
            ("Family", Dns, v => v, "Family"),
            ("Hook", Dns, v => v, "Hook"),
            ("Protocol", Dns, v => v, "Protocol"),
            ("SourceAddress", Dns, v => new[] { "192.0.2.1" + v }, "is not an IP address"),
            ("DestinationAddress", Dns, v => new[] { "192.0.2.53" + v }, "is not an IP address"),
            ("InputInterface", Dns, v => new[] { "veth0", v }, "interface name"),
            ("OutputInterface", output, v => new[] { v }, "interface name"),
        };
        var failures = new List<string>();
        foreach (var (property, baseState, value, says) in properties)
        {
            foreach (var hostile in DscHelperPolicyTests.Hostile)
            {
                if (property.EndsWith("Interface", StringComparison.Ordinal) && DscHelperPolicyTests.KernelInterfaceNames.Contains(hostile)) continue;
                var input = Rule(ns, [.. baseState.Where(p => p.Item1 != property), (property, value(hostile))]);
                var run = Run("set", input);
                if (run.ExitCode != 2 || run.Lines.Count != 0 || run.Errors.Count != 1 || !run.Errors[0].Contains(says, StringComparison.Ordinal))
                    failures.Add($"{property} = {input[property]!.ToJsonString()}: {run}");
            }
        }
        Assert.True(failures.Count == 0, string.Join("\n\n", failures));
        var after = NftState.Json(ns.Name);
        Assert.Equal(before, after);
        Assert.True(NftState.HasCanary(after));
    }

    [KernelFact("nft")]
    public void Interface_names_the_kernel_allows_are_carried_literally_as_JSON_strings()
    {
        using var ns = new DscNamespace("nt");
        var want = Rule(ns, ("Name", "odd"), ("Protocol", "udp"), ("InputInterface", DscHelperPolicyTests.KernelInterfaceNames));
        var set = Run("set", want);
        Assert.True(set.ExitCode == 0, set.ToString());
        var ruleset = NftState.Json(ns.Name);
        Assert.Equal(["meta iifname == {\"`reboot`\",\"x'y\",\"x;y\",\"x{y}\"}", "meta l4proto == \"udp\"", "notrack"], NftState.Terms(Assert.Single(Named(ruleset, "odd"))));
        Assert.Empty(Run("set", want).Names());
        Assert.Equal(ruleset, NftState.Json(ns.Name));
    }

    public static TheoryData<string, string, string> BadInput() => new()
    {
        { "unknown property", """{"Name":"dns","Protocol":"udp","Comment":"x"}""", "has no property 'Comment'" },
        { "Name a number", """{"Name":53,"Protocol":"udp"}""", "Name must be a string" },
        { "SourcePort a string", """{"Name":"dns","Protocol":"udp","SourcePort":"123"}""", "SourcePort must be an array of whole numbers" },
        { "DestinationPort 0", """{"Name":"dns","Protocol":"udp","DestinationPort":[0]}""", "DestinationPort 0 is not a port" },
        { "SourceAddress a string", """{"Name":"dns","Protocol":"udp","SourceAddress":"192.0.2.1"}""", "SourceAddress must be an array of strings" },
        { "OutputInterface an object", """{"Name":"dns","Hook":"output","Protocol":"udp","OutputInterface":{"name":"eth0"}}""", "OutputInterface must be an array of strings" },
        { "Ensure not a name", """{"Name":"dns","Protocol":"udp","Ensure":"Gone"}""", "Ensure must be one of \"Present\", \"Absent\"" },
        { "Ensure a number", """{"Name":"dns","Protocol":"udp","Ensure":2}""", "Ensure of CtNotrack is 2" },
        { "Hook", """{"Name":"dns","Protocol":"udp","Hook":"input"}""", "Hook 'input' is not one of prerouting, output" },
        { "Protocol", """{"Name":"dns","Protocol":"tcpx"}""", "Protocol 'tcpx' is not one of" },
        { "Family", """{"Name":"dns","Protocol":"udp","Family":"arp"}""", "Family 'arp' is not one of inet, ip, ip6" },
        { "OutputInterface in prerouting", """{"Name":"dns","Protocol":"udp","OutputInterface":["eth0"]}""", "OutputInterface needs Hook output" },
        { "InputInterface in output", """{"Name":"dns","Hook":"output","Protocol":"udp","InputInterface":["eth0"]}""", "InputInterface needs Hook prerouting" },
        { "ports of icmp", """{"Name":"dns","Protocol":"icmp","DestinationPort":[53]}""", "Ports need Protocol tcp, udp, sctp, dccp or udplite, not icmp" },
        { "ports without Protocol", """{"Name":"dns","DestinationPort":[53]}""", "Ports need Protocol" },
        { "no match at all", """{"Name":"dns","Hook":"prerouting"}""", "would exempt all traffic from tracking" },
        { "mixed families", """{"Name":"dns","SourceAddress":["192.0.2.1"],"DestinationAddress":["2001:db8::1"]}""", "mix IPv4 and IPv6" },
        { "no Name", """{"Protocol":"udp"}""", "Name is required" },
        { "Name too long", $$"""{"Name":"{{new string('n', 114)}}","Protocol":"udp"}""", "allows 113" },
    };

    [KernelTheory("nft")]
    [MemberData(nameof(BadInput))]
    public void Wrong_types_unknown_properties_and_invalid_values_exit_2_naming_the_property(string what, string input, string message)
    {
        using var ns = new DscNamespace("nt");
        NftState.LoadCanary(ns.Name);
        var before = NftState.Json(ns.Name);
        var json = $"{{\"NetworkNamespace\":\"{ns.Name}\",{input[1..]}";
        // set and whatIf: some checks need the merged state, which only they build.
        foreach (var op in (string[])["set", "whatIf"])
        {
            var run = DscHarness.RunRaw(Manifest, op, json);
            Assert.True(run.ExitCode == 2, $"{what}: {run}");
            Assert.Empty(run.Lines);
            Assert.Contains(message, Assert.Single(run.Errors));
        }
        Assert.Equal(before, NftState.Json(ns.Name));
    }
}
