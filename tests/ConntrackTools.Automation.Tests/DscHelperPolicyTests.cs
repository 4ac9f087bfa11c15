using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using Xunit;

namespace ConntrackTools.Tests;

/// <summary>
/// The CtHelperPolicy DSC resource run as DSC runs it (dsc/ConntrackTools.CtHelperPolicy.dsc.resource.json:
/// ctsh with the manifest's arguments, JSON on stdin, every state line validated against the
/// embedded schema), in a namespace made for each test. The kernel's state is read with
/// `nft -j list ruleset` and compared structurally; HelperPolicyResourceTests has the depth.
/// </summary>
public sealed class DscHelperPolicyTests
{
    private static readonly DscManifest Manifest = DscManifest.Load("CtHelperPolicy");

    private static DscRun Run(string operation, JsonNode? input) => DscHarness.Run(Manifest, operation, input);

    private static JsonObject Policy(DscNamespace ns, params (string Name, object? Value)[] properties) => DscHarness.Input(ns.Name, properties);

    private static readonly (string, object?)[] Ftp =
        [("Name", "ftp-std"), ("Type", "ftp"), ("DestinationAddress", new[] { "192.0.2.10", "2001:db8::10" })];

    [Fact]
    public void The_schema_refuses_what_the_resource_refuses()
    {
        Assert.Equal(["Name"], Manifest.EmbeddedSchema["required"]!.AsArray().Select(n => (string)n!));
        Assert.Empty(Manifest.Validate("""{"Name":"ftp-std","Type":"ftp","DestinationAddress":["192.0.2.10"],"DestinationPort":[21],"Family":null}"""));
        Assert.NotEmpty(Manifest.Validate("""{"Type":"ftp"}"""));
        Assert.NotEmpty(Manifest.Validate("""{"Name":"ftp-std","Family":"inet6"}"""));
        Assert.NotEmpty(Manifest.Validate("""{"Name":"ftp-std","Protocol":"sctp"}"""));
        Assert.NotEmpty(Manifest.Validate("""{"Name":"ftp-std","Hook":"ingress"}"""));
        Assert.NotEmpty(Manifest.Validate("""{"Name":"ftp-std","Ensure":"present-ish"}"""));
        Assert.NotEmpty(Manifest.Validate("""{"Name":"ftp-std","DestinationPort":"21"}"""));
        Assert.NotEmpty(Manifest.Validate("""{"Name":"ftp-std","DestinationPort":[0]}"""));
        Assert.NotEmpty(Manifest.Validate("""{"Name":"ftp-std","AllowAnyDestination":"yes"}"""));
        Assert.NotEmpty(Manifest.Validate("""{"Name":"ftp-std","InputInterface":["sixteen-chars-xx"]}"""));
        Assert.NotEmpty(Manifest.Validate("""{"Name":"ftp-std","Colour":"red"}"""));
    }

    [KernelFact("nft")]
    public void Get_test_set_set_again_whatIf_export_and_absent_as_DSC_runs_them()
    {
        using var ns = new DscNamespace("hp");
        NftState.LoadCanary(ns.Name);
        var empty = NftState.Json(ns.Name);

        // get on nothing: Absent, the keys with their defaults, nothing else.
        var get = Run("get", Policy(ns, ("Name", "ftp-std")));
        Assert.True(get.ExitCode == 0, get.ToString());
        var absent = get.State();
        Assert.Equal((ns.Name, "inet", "conntrack", "ftp-std", "Absent"),
            ((string?)absent["NetworkNamespace"], (string?)absent["Family"], (string?)absent["Table"], (string?)absent["Name"], (string?)absent["Ensure"]));
        Assert.All(["Type", "Protocol", "Chain", "Hook", "DestinationAddress", "DestinationPort", "InputInterface", "Handle", "Rules", "_inDesiredState"],
            p => Assert.Null(absent[p]));
        Assert.Empty(get.Stderr);

        var want = Policy(ns, Ftp);
        var test = Run("test", want);
        Assert.True(test.ExitCode == 0, test.ToString());
        Assert.Equal((false, "Absent"), ((bool?)test.State()["_inDesiredState"], (string?)test.State()["Ensure"]));
        Assert.Equal(["Ensure"], test.Names());

        // whatIf: the predicted state and what would change; the ruleset is as it was.
        var whatIf = Run("whatIf", want);
        Assert.True(whatIf.ExitCode == 0, whatIf.ToString());
        Assert.Equal(["Ensure"], whatIf.Names());
        var predicted = whatIf.State();
        Assert.Equal(("Present", "ftp", "tcp", "helpers", "prerouting"),
            ((string?)predicted["Ensure"], (string?)predicted["Type"], (string?)predicted["Protocol"], (string?)predicted["Chain"], (string?)predicted["Hook"]));
        Assert.Equal([21], predicted["DestinationPort"]!.AsArray().Select(p => (int)p!));
        Assert.Equal(empty, NftState.Json(ns.Name));

        // set: the object, its chain and one rule per address family, in the kernel.
        var set = Run("set", want);
        Assert.True(set.ExitCode == 0, set.ToString());
        Assert.Equal(["Ensure"], set.Names());
        var after = set.State();
        Assert.Equal("Present", (string?)after["Ensure"]);
        Assert.NotNull((long?)after["Handle"]);
        var ruleset = NftState.Json(ns.Name);
        var helper = Assert.Single(NftState.Items(ruleset, "ct helper"), h => (string?)h["name"] == "ftp-std");
        Assert.Equal(("inet", "conntrack", "ftp", "tcp", (long?)after["Handle"]),
            ((string?)helper["family"], (string?)helper["table"], (string?)helper["type"], (string?)helper["protocol"], (long?)helper["handle"]));
        var chain = Assert.Single(NftState.Items(ruleset, "chain"), c => (string?)c["table"] == "conntrack");
        Assert.Equal(("helpers", "filter", "prerouting"), ((string?)chain["name"], (string?)chain["type"], (string?)chain["hook"]));
        Assert.Equal(
            [
                ["ip daddr == \"192.0.2.10\"", "tcp dport == 21", "ct helper \"ftp-std\""],
                ["ip6 daddr == \"2001:db8::10\"", "tcp dport == 21", "ct helper \"ftp-std\""],
            ],
            NftState.Rules(ruleset, "inet", "conntrack", "helpers").Select(NftState.Terms));
        Assert.True(NftState.HasCanary(ruleset));
        // What whatIf predicted is what set made (the kernel picks the handle).
        Assert.Equal(NftState.Without(predicted, "Handle", "Connections"), NftState.Without(after, "Handle", "Connections"));

        // set again: nothing changed, not even a handle.
        var again = Run("set", want);
        Assert.True(again.ExitCode == 0, again.ToString());
        Assert.Empty(again.Names());
        Assert.Equal(ruleset, NftState.Json(ns.Name));
        Assert.Equal(after.ToJsonString(), again.State().ToJsonString());

        test = Run("test", want);
        Assert.Equal(true, (bool?)test.State()["_inDesiredState"]);
        Assert.Empty(test.Names());

        // whatIf on a changed desired state: the rules it would write; the kernel untouched.
        var change = Policy(ns, ("Name", "ftp-std"), ("Type", "ftp"), ("DestinationAddress", new[] { "192.0.2.0/24" }), ("DestinationPort", new[] { 2121, 21 }));
        whatIf = Run("whatIf", change);
        Assert.True(whatIf.ExitCode == 0, whatIf.ToString());
        Assert.Equal(["DestinationAddress", "DestinationPort"], whatIf.Names());
        predicted = whatIf.State();
        Assert.Equal(["ip daddr 192.0.2.0/24 tcp dport { 21, 2121 } ct helper set \"ftp-std\""], predicted["Rules"]!.AsArray().Select(r => (string)r!));
        Assert.Equal((long?)after["Handle"], (long?)predicted["Handle"]);
        Assert.Equal(ruleset, NftState.Json(ns.Name));

        // ... and set: the rules replaced, the object kept (same handle).
        set = Run("set", change);
        Assert.Equal(["DestinationAddress", "DestinationPort"], set.Names());
        ruleset = NftState.Json(ns.Name);
        Assert.Equal((long?)after["Handle"], (long?)Assert.Single(NftState.Items(ruleset, "ct helper"))["handle"]);
        Assert.Equal(
            [["ip daddr == {\"prefix\":{\"addr\":\"192.0.2.0\",\"len\":24}}", "tcp dport == {21,2121}", "ct helper \"ftp-std\""]],
            NftState.Rules(ruleset, "inet", "conntrack", "helpers").Select(NftState.Terms));
        Assert.Equal(NftState.Without(predicted, "Connections"), NftState.Without(set.State(), "Connections"));

        // export: one line per object, each a desired state the namespace is in.
        Assert.Equal(0, Run("set", Policy(ns, ("Family", "ip"), ("Table", "fw"), ("Name", "sip-5060"), ("Type", "sip"), ("Protocol", "udp"),
            ("DestinationAddress", new[] { "198.51.100.7" }), ("InputInterface", new[] { "eth1" }))).ExitCode);
        var export = Run("export", DscHarness.Input(ns.Name));
        Assert.True(export.ExitCode == 0, export.ToString());
        var states = Enumerable.Range(0, export.Lines.Count).Select(export.State).ToList();
        Assert.Equal(["conntrack/ftp-std", "fw/sip-5060"], states.Select(s => $"{s["Table"]}/{s["Name"]}").Order(StringComparer.Ordinal));
        foreach (var s in states)
        {
            var t = Run("test", s);
            Assert.True(t.ExitCode == 0 && (bool?)t.State()["_inDesiredState"] == true, t.ToString());
        }
        var fw = Run("export", DscHarness.Input(ns.Name, ("Table", "fw")));
        Assert.Single(fw.Lines);
        Assert.Equal("sip-5060", (string?)fw.State()["Name"]);

        // Absent: the object and its rules go, the chain and table it leaves empty too; nothing else.
        ruleset = NftState.Json(ns.Name);
        var gone = Run("set", Policy(ns, ("Name", "ftp-std"), ("Ensure", "Absent")));
        Assert.True(gone.ExitCode == 0, gone.ToString());
        Assert.Equal(["Ensure"], gone.Names());
        Assert.Equal("Absent", (string?)gone.State()["Ensure"]);
        var left = NftState.Json(ns.Name);
        Assert.DoesNotContain(NftState.Items(left, "table"), t => (string?)t["name"] == "conntrack");
        Assert.DoesNotContain("ftp-std", left);
        Assert.Single(NftState.Items(left, "ct helper"), h => (string?)h["name"] == "sip-5060");
        Assert.True(NftState.HasCanary(left));

        var goneAgain = Run("set", Policy(ns, ("Name", "ftp-std"), ("Ensure", "Absent")));
        Assert.True(goneAgain.ExitCode == 0, goneAgain.ToString());
        Assert.Empty(goneAgain.Names());
        Assert.Equal(left, NftState.Json(ns.Name));
        Assert.Equal(true, (bool?)Run("test", Policy(ns, ("Name", "ftp-std"), ("Ensure", "Absent"))).State()["_inDesiredState"]);
    }

    [KernelFact("nft")]
    public void Without_DestinationAddress_it_is_refused_with_seed_000s_advice_unless_AllowAnyDestination()
    {
        using var ns = new DscNamespace("hp");
        NftState.LoadCanary(ns.Name);
        var before = NftState.Json(ns.Name);
        foreach (var op in (string[])["set", "test", "whatIf"])
        {
            var run = Run(op, Policy(ns, ("Name", "ftp-any"), ("Type", "ftp")));
            Assert.True(run.ExitCode == 2, run.ToString());
            Assert.Empty(run.Lines);
            var error = Assert.Single(run.Errors);
            Assert.Contains("has no DestinationAddress", error);
            Assert.Contains("seed 000", error);
            Assert.Contains("it is critical that you use a daddr expression to restrict such traffic to that specific host", error);
            Assert.Contains("set AllowAnyDestination to true", error);
        }
        // An empty list is no restriction either.
        Assert.Equal(2, Run("set", Policy(ns, ("Name", "ftp-any"), ("Type", "ftp"), ("DestinationAddress", Array.Empty<string>()))).ExitCode);
        Assert.Equal(2, Run("set", Policy(ns, ("Name", "ftp-any"), ("Type", "ftp"), ("AllowAnyDestination", false))).ExitCode);
        Assert.Equal(before, NftState.Json(ns.Name));

        var any = Policy(ns, ("Name", "ftp-any"), ("Type", "ftp"), ("AllowAnyDestination", true));
        var set = Run("set", any);
        Assert.True(set.ExitCode == 0, set.ToString());
        Assert.Equal(["Ensure"], set.Names());
        Assert.Equal(true, (bool?)set.State()["AllowAnyDestination"]);
        Assert.Empty(set.State()["DestinationAddress"]!.AsArray());
        var ruleset = NftState.Json(ns.Name);
        Assert.Equal([["tcp dport == 21", "ct helper \"ftp-any\""]], NftState.Rules(ruleset, "inet", "conntrack", "helpers").Select(NftState.Terms));
        Assert.True(NftState.HasCanary(ruleset));

        Assert.Empty(Run("set", any).Names());
        Assert.Equal(ruleset, NftState.Json(ns.Name));
        Assert.Equal(true, (bool?)Run("test", any).State()["_inDesiredState"]);
    }

    /// <summary>Values that nft or a shell would read as syntax.</summary>
    public static readonly string[] Hostile =
        ["x\"y", "x'y", "x{y}", "x;y", "x\ny", "; flush ruleset", "$(reboot)", "`reboot`", "@set"];

    /// <summary>Those of <see cref="Hostile"/> that the kernel allows as interface names (dev_valid_name): carried literally, not refused.</summary>
    public static readonly string[] KernelInterfaceNames = ["x'y", "x{y}", "x;y", "`reboot`"];

    [KernelFact("nft")]
    public void Hostile_values_in_every_string_property_exit_2_and_leave_the_ruleset_as_it_was()
    {
        using var ns = new DscNamespace("hp");
        NftState.LoadCanary(ns.Name);
        Assert.Equal(0, Run("set", Policy(ns, Ftp)).ExitCode);
        var before = NftState.Json(ns.Name);

        // property -> what the error says about it
        var properties = new (string Property, Func<string, object> Value, string Says)[]
        {
            ("Name", v => v, "helper object name"),
            ("Table", v => v, "table name"),
            ("Chain", v => v, "chain name"),
            ("Type", v => v, "helper type name"),
            ("Family", v => v, "Family"),
            ("Protocol", v => v, "Protocol"),
            ("Hook", v => v, "Hook"),
            ("DestinationAddress", v => new[] { "192.0.2.10" + v }, "is not an IP address"),
            ("InputInterface", v => new[] { "eth0", v }, "interface name"),
        };
        var failures = new List<string>();
        foreach (var (property, value, says) in properties)
        {
            foreach (var hostile in Hostile)
            {
                // The kernel allows braces and semicolons in interface names: those are carried literally (below).
                if (property == "InputInterface" && KernelInterfaceNames.Contains(hostile)) continue;
                var input = Policy(ns, [.. Ftp.Where(p => p.Item1 != property), (property, value(hostile))]);
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
        using var ns = new DscNamespace("hp");
        NftState.LoadCanary(ns.Name);
        var want = Policy(ns, [.. Ftp, ("InputInterface", KernelInterfaceNames)]);
        var set = Run("set", want);
        Assert.True(set.ExitCode == 0, set.ToString());
        Assert.Equal(KernelInterfaceNames.Order(StringComparer.Ordinal), set.State()["InputInterface"]!.AsArray().Select(i => (string)i!).Order(StringComparer.Ordinal));
        var ruleset = NftState.Json(ns.Name);
        var rules = NftState.Rules(ruleset, "inet", "conntrack", "helpers");
        Assert.Equal(2, rules.Count);
        Assert.All(rules.Select(NftState.Terms), terms => Assert.Equal("meta iifname == {\"`reboot`\",\"x'y\",\"x;y\",\"x{y}\"}", terms[0]));
        Assert.True(NftState.HasCanary(ruleset));
        Assert.Empty(Run("set", want).Names());
        Assert.Equal(ruleset, NftState.Json(ns.Name));
    }

    public static TheoryData<string, string, string> BadInput() => new()
    {
        { "unknown property", """{"Name":"ftp-std","Type":"ftp","DestinationAddress":["192.0.2.10"],"Colour":"red"}""", "has no property 'Colour'" },
        { "read-only name misspelt", """{"Name":"ftp-std","Type":"ftp","DestinationAddress":["192.0.2.10"],"Handles":1}""", "has no property 'Handles'" },
        { "Name a number", """{"Name":7,"Type":"ftp","DestinationAddress":["192.0.2.10"]}""", "Name must be a string" },
        { "DestinationPort a string", """{"Name":"ftp-std","Type":"ftp","DestinationAddress":["192.0.2.10"],"DestinationPort":"21"}""", "DestinationPort must be an array of whole numbers" },
        { "DestinationPort a fraction", """{"Name":"ftp-std","Type":"ftp","DestinationAddress":["192.0.2.10"],"DestinationPort":[21.5]}""", "DestinationPort must be an array of whole numbers" },
        { "DestinationPort out of range", """{"Name":"ftp-std","Type":"ftp","DestinationAddress":["192.0.2.10"],"DestinationPort":[70000]}""", "DestinationPort 70000 is not a port" },
        { "DestinationAddress a string", """{"Name":"ftp-std","Type":"ftp","DestinationAddress":"192.0.2.10"}""", "DestinationAddress must be an array of strings" },
        { "DestinationAddress of numbers", """{"Name":"ftp-std","Type":"ftp","DestinationAddress":[3221225994]}""", "DestinationAddress must be an array of strings" },
        { "AllowAnyDestination a string", """{"Name":"ftp-std","Type":"ftp","AllowAnyDestination":"yes"}""", "AllowAnyDestination must be true or false" },
        { "Ensure not a name", """{"Name":"ftp-std","Type":"ftp","DestinationAddress":["192.0.2.10"],"Ensure":"Maybe"}""", "Ensure must be one of \"Present\", \"Absent\"" },
        { "Ensure a number", """{"Name":"ftp-std","Type":"ftp","DestinationAddress":["192.0.2.10"],"Ensure":3}""", "Ensure of CtHelperPolicy is 3" },
        { "Family", """{"Name":"ftp-std","Type":"ftp","DestinationAddress":["192.0.2.10"],"Family":"inet6"}""", "Family 'inet6' is not one of inet, ip, ip6" },
        { "Protocol", """{"Name":"ftp-std","Type":"ftp","DestinationAddress":["192.0.2.10"],"Protocol":"sctp"}""", "Protocol 'sctp' is not one of tcp, udp" },
        { "Protocol the helper does not serve", """{"Name":"ftp-std","Type":"ftp","DestinationAddress":["192.0.2.10"],"Protocol":"udp"}""", "The ftp helper serves tcp, not udp" },
        { "Hook", """{"Name":"ftp-std","Type":"ftp","DestinationAddress":["192.0.2.10"],"Hook":"ingress"}""", "Hook 'ingress' is not one of" },
        { "Type case", """{"Name":"ftp-std","Type":"FTP","DestinationAddress":["192.0.2.10"]}""", "Type 'FTP' is not a kernel helper (helper names are case-sensitive: 'ftp')" },
        { "no Type", """{"Name":"ftp-std","DestinationAddress":["192.0.2.10"]}""", "Type is required" },
        { "no Name", """{"Type":"ftp","DestinationAddress":["192.0.2.10"]}""", "Name is required" },
        { "address of the other family", """{"Name":"ftp-std","Family":"ip","Type":"ftp","DestinationAddress":["2001:db8::1"]}""", "is not an IPv4 address" },
        { "a keyword as Name", """{"Name":"tcp","Type":"ftp","DestinationAddress":["192.0.2.10"]}""", "nft reads it as a keyword" },
        { "not JSON", "Name=ftp-std", "input is not valid" },
        { "an array", """[{"Name":"ftp-std"}]""", "must be a JSON object" },
    };

    [KernelTheory("nft")]
    [MemberData(nameof(BadInput))]
    public void Wrong_types_unknown_properties_and_invalid_values_exit_2_naming_the_property(string what, string input, string message)
    {
        using var ns = new DscNamespace("hp");
        NftState.LoadCanary(ns.Name);
        var before = NftState.Json(ns.Name);
        var json = input.StartsWith('{') ? $"{{\"NetworkNamespace\":\"{ns.Name}\",{input[1..]}" : input;
        foreach (var op in (string[])["set", "test"])
        {
            var run = DscHarness.RunRaw(Manifest, op, json);
            Assert.True(run.ExitCode == 2, $"{what}: {run}");
            Assert.Empty(run.Lines);
            Assert.Contains(message, Assert.Single(run.Errors));
        }
        Assert.Equal(before, NftState.Json(ns.Name));
    }
}

/// <summary>
/// The ruleset of a test namespace as the reference tool shows it (`nft -j list ruleset`), read
/// structurally; and a canary table that no resource may touch. Shared by the DSC resource tests.
/// </summary>
internal static class NftState
{
    /// <summary>What `ip netns exec NS nft -j list ruleset` prints, byte for byte.</summary>
    public static string Json(string ns) => TestNetwork.Exec(ns, "nft", "-j", "list", "ruleset");

    /// <summary>A table of another tool's, with a set, a base chain and rules (one of them notrack, one with the module's bare comment).</summary>
    public static void LoadCanary(string ns) => TestNetwork.Nft(ns,
        "table inet canary {\n" +
        "  set keep { type ipv4_addr; elements = { 192.0.2.99 } }\n" +
        "  chain raw { type filter hook prerouting priority raw; udp dport 9999 notrack comment \"ConntrackTools\"; }\n" +
        "  chain c { type filter hook input priority 0; policy accept; ip saddr @keep accept comment \"canary\"; }\n" +
        "}\n");

    public static bool HasCanary(string json) =>
        Items(json, "table").Any(t => (string?)t["family"] == "inet" && (string?)t["name"] == "canary")
        && Items(json, "set").Any(s => (string?)s["table"] == "canary" && (string?)s["name"] == "keep")
        && Rules(json, "inet", "canary", "raw").Count == 1 && Rules(json, "inet", "canary", "c").Count == 1;

    /// <summary>The objects of one kind ("table", "chain", "rule", "ct helper", "set") in the listing.</summary>
    public static List<JsonObject> Items(string json, string kind) =>
        [.. JsonNode.Parse(json)!["nftables"]!.AsArray().Select(n => n?[kind]).OfType<JsonObject>()];

    public static List<JsonObject> Rules(string json, string family, string table, string chain) =>
        [.. Items(json, "rule").Where(r => (string?)r["family"] == family && (string?)r["table"] == table && (string?)r["chain"] == chain)];

    /// <summary>
    /// A rule's expressions, one term each: `ip daddr == "192.0.2.10"`, `tcp dport == {21,2121}`
    /// (set elements sorted), `meta iifname == "veth0"`, `fib saddr . iif oif == false`,
    /// `ct helper "ftp"`, `notrack`, `drop`.
    /// </summary>
    public static IReadOnlyList<string> Terms(JsonObject rule) => [.. rule["expr"]!.AsArray().Select(Term)];

    // Names shown as they are (x'y, not x\u0027y).
    private static readonly JsonSerializerOptions Literal = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    private static string Term(JsonNode? expression)
    {
        var (key, value) = expression!.AsObject().Single();
        if (key != "match") return value is null ? key : $"{key} {value.ToJsonString(Literal)}";
        var (kind, left) = value!["left"]!.AsObject().Single();
        var l = kind switch
        {
            "payload" => $"{left!["protocol"]} {left["field"]}",
            "meta" => $"meta {left!["key"]}",
            "fib" => $"fib {string.Join(" . ", left!["flags"]!.AsArray().Select(f => (string)f!))} {left["result"]}",
            _ => $"{kind} {left?.ToJsonString(Literal)}",
        };
        var right = value["right"] is JsonObject { } o && o["set"] is JsonArray set
            ? "{" + string.Join(",", set.Select(e => e!.ToJsonString(Literal)).Order(StringComparer.Ordinal)) + "}"
            : value["right"]!.ToJsonString(Literal);
        return $"{l} {value["op"]} {right}";
    }

    /// <summary>A state line without some properties (those the kernel decides), for comparison.</summary>
    public static string Without(JsonObject state, params string[] properties)
    {
        var copy = state.DeepClone().AsObject();
        foreach (var p in properties) copy.Remove(p);
        return copy.ToJsonString();
    }
}
