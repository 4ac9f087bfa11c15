using System.Text.Json.Nodes;
using Xunit;

namespace ConntrackTools.Tests;

/// <summary>
/// The CtSetting DSC resource run as DSC runs it (dsc/ConntrackTools.CtSetting.dsc.resource.json:
/// ctsh with the manifest's arguments, JSON on stdin), in namespaces made for each test. Settings
/// of the root namespace are only read, never written.
/// </summary>
public sealed class DscSettingTests
{
    private static readonly DscManifest Manifest = DscManifest.Load("CtSetting");

    private static DscRun Run(string operation, JsonNode? input) => DscHarness.Run(Manifest, operation, input);

    private static JsonObject Setting(DscNamespace ns, string name, long? value = null) =>
        DscHarness.Input(ns.Name, ("Name", name), ("Value", value));

    [Fact]
    public void The_manifest_follows_the_contract_and_its_schema_is_the_state_class()
    {
        Assert.Empty(Manifest.ContractProblems());
        Assert.Equal(["Name"], Manifest.EmbeddedSchema["required"]!.AsArray().Select(n => (string)n!));

        // The schema has teeth: what the resource would refuse, it refuses too.
        Assert.Empty(Manifest.Validate("""{"Name":"nf_conntrack_acct","Value":1,"NetworkNamespace":null}"""));
        Assert.NotEmpty(Manifest.Validate("""{"Name":"nf_conntrack_acct","Bogus":1}"""));
        Assert.NotEmpty(Manifest.Validate("""{"Name":"nf_conntrack_acct","Value":"1"}"""));
        Assert.NotEmpty(Manifest.Validate("""{"Value":1}"""));
        Assert.NotEmpty(Manifest.Validate("""{"Name":null}"""));
    }

    public static TheoryData<string> Manifests() => [.. DscManifest.Files().Select(Path.GetFileName).OfType<string>()];

    [Theory]
    [MemberData(nameof(Manifests))]
    public void Every_manifest_in_dsc_follows_the_contract(string file)
    {
        Assert.Empty(DscManifest.LoadFile(Path.Combine(DscManifest.Folder, file)).ContractProblems());
    }

    [KernelFact("sysctl")]
    public void Get_reports_what_sysctl_reads_in_the_namespace_under_the_catalog_name()
    {
        using var ns = new DscNamespace();
        foreach (var name in (string[])["nf_conntrack_tcp_loose", "net.netfilter.nf_conntrack_udp_timeout", "NF_CONNTRACK_TCP_TIMEOUT_ESTABLISHED", "nf_conntrack_max"])
        {
            var run = Run("get", Setting(ns, name));
            Assert.True(run.ExitCode == 0, run.ToString());
            var state = run.State();
            var canonical = name.Replace("net.netfilter.", "").ToLowerInvariant();
            Assert.Equal(canonical, (string?)state["Name"]);
            Assert.Equal(ns.Name, (string?)state["NetworkNamespace"]);
            Assert.Equal(ns.Sysctl(canonical), ((long?)state["Value"])?.ToString());
            Assert.Equal(true, (bool?)state["Available"]);
            Assert.Null(state["_inDesiredState"]);
        }
        var udp = Run("get", Setting(ns, "nf_conntrack_udp_timeout")).State();
        Assert.Equal((30L, "seconds", true), ((long?)udp["Default"], (string?)udp["Unit"], (bool?)udp["Writable"]));
        Assert.Equal(false, (bool?)Run("get", Setting(ns, "nf_conntrack_max")).State()["Writable"]);
    }

    [KernelFact("sysctl")]
    public void Test_set_and_set_again_are_idempotent_and_change_only_the_namespace()
    {
        using var ns = new DscNamespace();
        var root = DscNamespace.RootSnapshot();
        Assert.Equal("120", ns.Sysctl("nf_conntrack_tcp_timeout_time_wait"));
        var want = Setting(ns, "nf_conntrack_tcp_timeout_time_wait", 33);

        var test = Run("test", want);
        Assert.True(test.ExitCode == 0, test.ToString());
        Assert.Equal(false, (bool?)test.State()["_inDesiredState"]);
        Assert.Equal(120, (long?)test.State()["Value"]);
        Assert.Equal(["Value"], test.Names());

        var set = Run("set", want);
        Assert.True(set.ExitCode == 0, set.ToString());
        Assert.Equal(["Value"], set.Names());
        Assert.Equal(33, (long?)set.State()["Value"]);
        Assert.Equal("33", ns.Sysctl("nf_conntrack_tcp_timeout_time_wait"));

        var again = Run("set", want);
        Assert.True(again.ExitCode == 0, again.ToString());
        Assert.Empty(again.Names());
        Assert.Equal(33, (long?)again.State()["Value"]);

        test = Run("test", want);
        Assert.Equal(true, (bool?)test.State()["_inDesiredState"]);
        Assert.Empty(test.Names());

        // A name in another form is the same instance.
        Assert.Empty(Run("set", Setting(ns, "net.netfilter.NF_CONNTRACK_TCP_TIMEOUT_TIME_WAIT", 33)).Names());
        Assert.Equal(root, DscNamespace.RootSnapshot());
    }

    [KernelFact("sysctl")]
    public void WhatIf_predicts_the_change_and_changes_nothing()
    {
        using var ns = new DscNamespace();
        var before = ns.Snapshot();
        var run = Run("whatIf", Setting(ns, "nf_conntrack_tcp_loose", 0));
        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Equal(0, (long?)run.State()["Value"]);
        Assert.Equal(["Value"], run.Names());
        Assert.Equal("1", ns.Sysctl("nf_conntrack_tcp_loose"));
        Assert.Equal(before, ns.Snapshot());

        // In the desired state there is nothing to predict.
        Assert.Empty(Run("whatIf", Setting(ns, "nf_conntrack_tcp_loose", 1)).Names());
    }

    [KernelFact("sysctl")]
    public void Export_lists_every_setting_of_the_namespace_with_its_value()
    {
        using var ns = new DscNamespace();
        var export = Run("export", DscHarness.Input(ns.Name));
        Assert.True(export.ExitCode == 0, export.ToString());
        var states = Enumerable.Range(0, export.Lines.Count).Select(i => export.State(i)).ToList();
        var files = TestNetwork.Exec(ns.Name, "ls", "/proc/sys/net/netfilter").Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Where(f => f.StartsWith("nf_conntrack_", StringComparison.Ordinal) || f.StartsWith("nf_flowtable_", StringComparison.Ordinal))
            .Order(StringComparer.Ordinal).ToArray();
        Assert.Equal(files, states.Select(s => (string)s["Name"]!).Order(StringComparer.Ordinal));
        var snapshot = ns.Snapshot();
        foreach (var s in states.Where(s => (string)s["Name"]! != "nf_conntrack_count"))
        {
            Assert.Equal(ns.Name, (string?)s["NetworkNamespace"]);
            Assert.Equal(snapshot["net.netfilter." + (string)s["Name"]!], ((long?)s["Value"])?.ToString());
        }

        // An exported state is a valid desired state: testing it finds the namespace in that state.
        var udp = states.Single(s => (string)s["Name"]! == "nf_conntrack_udp_timeout");
        Assert.Equal(true, (bool?)Run("test", udp).State()["_inDesiredState"]);
    }

    public static TheoryData<string, string?, string> BadInput() => new()
    {
        { "unknown property", """{"Name":"nf_conntrack_tcp_loose","Value":0,"Valu":0,"NetworkNamespace":"NS"}""", "has no property 'Valu'" },
        { "wrong type", """{"Name":"nf_conntrack_tcp_loose","Value":"0","NetworkNamespace":"NS"}""", "Value must be a whole number" },
        { "fraction", """{"Name":"nf_conntrack_tcp_loose","Value":0.5,"NetworkNamespace":"NS"}""", "Value must be a whole number" },
        { "quotes and semicolons", """{"Name":"nf_conntrack_tcp_loose\"; sysctl -w net.netfilter.nf_conntrack_tcp_loose=0; \"","Value":0,"NetworkNamespace":"NS"}""", "is not a conntrack setting name" },
        { "braces", """{"Name":"nf_conntrack_tcp_loose}{\"Value\":0}","Value":0,"NetworkNamespace":"NS"}""", "is not a conntrack setting name" },
        { "newline", """{"Name":"nf_conntrack_tcp_loose\nnf_conntrack_acct","Value":1,"NetworkNamespace":"NS"}""", "is not a conntrack setting name" },
        { "path", """{"Name":"../../ipv4/ip_forward","Value":1,"NetworkNamespace":"NS"}""", "is not a conntrack setting name" },
        { "unknown setting", """{"Name":"nf_conntrack_tcp_lose","Value":0,"NetworkNamespace":"NS"}""", "Did you mean nf_conntrack_tcp_loose" },
        { "out of range", """{"Name":"nf_conntrack_tcp_loose","Value":2,"NetworkNamespace":"NS"}""", "out of range for nf_conntrack_tcp_loose" },
        { "no value", """{"Name":"nf_conntrack_tcp_loose","NetworkNamespace":"NS"}""", "needs Value" },
        { "no name", """{"Value":0,"NetworkNamespace":"NS"}""", "needs Name" },
        { "empty stdin", "", "input is empty" },
        { "not JSON", "Name=nf_conntrack_tcp_loose Value=0", "input is not valid" },
        { "an array", """[{"Name":"nf_conntrack_tcp_loose","Value":0}]""", "must be a JSON object" },
    };

    [KernelTheory("sysctl")]
    [MemberData(nameof(BadInput))]
    public void Bad_input_exits_2_with_an_error_line_and_writes_nothing(string what, string? input, string message)
    {
        using var ns = new DscNamespace();
        var root = DscNamespace.RootSnapshot();
        var before = ns.Snapshot();
        foreach (var op in (string[])["set", "test"])
        {
            var run = DscHarness.RunRaw(Manifest, op, input?.Replace("\"NS\"", $"\"{ns.Name}\"", StringComparison.Ordinal));
            Assert.True(run.ExitCode == 2, $"{what}: {run}");
            Assert.Empty(run.Lines);
            Assert.Contains(message, Assert.Single(run.Errors));
        }
        Assert.Equal(before, ns.Snapshot());
        Assert.Equal(root, DscNamespace.RootSnapshot());
    }

    [KernelFact("sysctl")]
    public void A_hostile_namespace_is_looked_up_literally_and_not_found()
    {
        var root = DscNamespace.RootSnapshot();
        foreach (var netns in (string[])["x; ip netns add pwned", "$(touch /tmp/ctdsc-pwned)", "../../../etc/passwd"])
        {
            var run = Run("set", DscHarness.Input(netns, ("Name", "nf_conntrack_tcp_loose"), ("Value", 0)));
            Assert.True(run.ExitCode == 1, run.ToString());
            Assert.Contains("not found", Assert.Single(run.Errors));
        }
        Assert.False(File.Exists("/tmp/ctdsc-pwned"));
        Assert.DoesNotContain("pwned", Shell.Check("ip", "netns", "list"));
        Assert.Equal(root, DscNamespace.RootSnapshot());
    }

    [KernelFact("sysctl")]
    public void A_setting_read_only_in_a_child_namespace_fails_with_the_kernels_reason()
    {
        using var ns = new DscNamespace();
        var before = ns.Sysctl("nf_conntrack_max");
        var want = Setting(ns, "nf_conntrack_max", 4096);
        var test = Run("test", want);
        Assert.Equal(["Value"], test.Names());
        Assert.Equal(false, (bool?)test.State()["Writable"]);

        var run = Run("set", want);
        Assert.True(run.ExitCode == 1, run.ToString());
        Assert.Empty(run.Lines);
        var error = Assert.Single(run.Errors);
        Assert.Contains("Permission denied (EACCES)", error);
        Assert.Contains("can only be changed in the initial network namespace", error);
        Assert.Equal(before, ns.Sysctl("nf_conntrack_max"));

        // The prediction (DSC's whatIf, Ansible's check mode) fails as the write does, rather than promising a change.
        var predicted = Run("whatIf", want);
        Assert.True(predicted.ExitCode == 1, predicted.ToString());
        Assert.Empty(predicted.Lines);
        Assert.Contains("can only be changed in the initial network namespace", Assert.Single(predicted.Errors));
        Assert.Equal(before, ns.Sysctl("nf_conntrack_max"));
    }

    [KernelFact("sysctl", "setpriv")]
    public void Without_privileges_the_exit_code_is_3_and_the_message_says_what_is_needed()
    {
        using var ns = new DscNamespace();
        var before = ns.Snapshot();
        var run = DscHarness.Run(Manifest, "set", Setting(ns, "nf_conntrack_tcp_loose", 0), unprivileged: true);
        Assert.True(run.ExitCode == 3, run.ToString());
        Assert.Contains("root", Assert.Single(run.Errors));
        Assert.Equal(before, ns.Snapshot());
    }

    [Fact]
    public void The_resource_name_and_operation_are_checked_before_the_input()
    {
        var unknown = Shell.Run(Path.Combine(DscManifest.RepoRoot, "ctsh"), ["-Resource", "CtNoSuch", "-Operation", "get"], stdin: "{}");
        Assert.Equal(2, unknown.ExitCode);
        Assert.Contains("There is no resource 'CtNoSuch'", (string?)JsonNode.Parse(unknown.Stderr)!["error"]);
        Assert.Equal("", unknown.Stdout);
        var badOp = Shell.Run(Path.Combine(DscManifest.RepoRoot, "ctsh"), ["-Resource", "CtSetting", "-Operation", "delete"], stdin: "{}");
        Assert.Equal(2, badOp.ExitCode);
        Assert.Contains("get, test, set or export", (string?)JsonNode.Parse(badOp.Stderr)!["error"]);
    }
}
