using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using ConntrackTools.DesiredState;
using Xunit;

namespace ConntrackTools.Tests;

/// <summary>
/// The Ansible collection (ansible/ansible_collections/conntracktools/netfilter) under real
/// ansible-core: the shipped example playbook applied to network namespaces made for the test,
/// checked against the kernel (nft -j, sysctl, conntrack); idempotence, check mode, diff mode and
/// failures; ansible-doc; and the help topic and DSC configuration that ship with the playbook.
/// </summary>
public sealed class AnsibleTests
{
    private const string Fqcn = "conntracktools.netfilter.";

    // The example playbook's tasks that change something, by name, and its facts task.
    private const string TimeoutTask = "Forget idle established TCP connections after two hours instead of five days";
    private const string LooseTask = "Track TCP connections only from their start (no loose pickup)";
    private const string HelperTask = "Run the ftp helper for the FTP servers only";
    private const string DnsInTask = "Do not track the queries to this host's DNS resolver";
    private const string DnsOutTask = "Nor its answers";
    private const string AntiSpoof4Task = "Drop IPv4 packets with spoofed sources on the uplink (rp_filter, strict)";
    private const string AntiSpoof6Task = "Drop IPv6 packets with spoofed sources on the uplink (fib rule)";
    private const string FactsTask = "Gather conntrack facts";
    private static readonly string[] ChangingTasks = [TimeoutTask, LooseTask, HelperTask, DnsInTask, DnsOutTask, AntiSpoof4Task, AntiSpoof6Task];

    private static Dictionary<string, object?> Vars(TestNetwork net) => new()
    {
        ["conntrack_netns"] = net.B,
        ["uplink"] = "veth0",
        ["ftp_servers"] = new[] { net.B4 },
    };

    #region The example playbook against the kernel

    [KernelFact("ansible-playbook", "nft", "conntrack", "vsftpd", "python3")]
    public void The_example_playbook_sets_what_it_asks_and_a_second_run_changes_nothing()
    {
        using var net = new TestNetwork("an");
        var untouched = Ruleset(net.A).ToJsonString();

        var first = AnsibleRunner.Playbook(AnsibleRunner.ExamplePlaybook, Vars(net), diff: true);
        Assert.True(first.ExitCode == 0, first.ToString());
        Assert.Equal(ChangingTasks.Length, first.Recap("changed"));
        foreach (var name in ChangingTasks)
        {
            var task = first.Task(name);
            Assert.True(task.Changed, task.ToString());
            Assert.NotEmpty(task["changed_properties"]!.AsArray());
            Assert.NotNull(task["diff"]?["before"]);
            Assert.NotNull(task["diff"]?["after"]);
            Assert.Equal(task["state"]!.ToJsonString(), task["diff"]!["after"]!.ToJsonString());
            Assert.DoesNotContain("_inDesiredState", task.Result.ToJsonString());
        }
        var timeout = first.Task(TimeoutTask);
        Assert.NotEqual(7200, (long)timeout["diff"]!["before"]!["Value"]!);
        Assert.Equal(7200, (long)timeout["diff"]!["after"]!["Value"]!);
        Assert.Equal(["Value"], Names(timeout["changed_properties"]));
        var helper = first.Task(HelperTask);
        Assert.Equal("Absent", (string?)helper["diff"]!["before"]!["Ensure"]);
        Assert.Equal("Present", (string?)helper["diff"]!["after"]!["Ensure"]);
        Assert.Contains("Ensure", Names(helper["changed_properties"]));

        // The kernel holds what the playbook asked for, in the namespace it named and nowhere else.
        Assert.Equal("7200", Sysctl(net.B, "net.netfilter.nf_conntrack_tcp_timeout_established"));
        Assert.Equal("0", Sysctl(net.B, "net.netfilter.nf_conntrack_tcp_loose"));
        Assert.Equal("1", Sysctl(net.B, "net.ipv4.conf.veth0.rp_filter"));
        var ruleset = Ruleset(net.B);
        var ftpObject = Assert.Single(Objects(ruleset, "ct helper"), o => (string?)o["name"] == "ftp-servers");
        Assert.Equal(("inet", "conntrack", "ftp", "tcp"), ((string?)ftpObject["family"], (string?)ftpObject["table"], (string?)ftpObject["type"], (string?)ftpObject["protocol"]));
        var assigning = Assert.Single(Rules(ruleset), r => Expr(r).Contains("{\"ct helper\":\"ftp-servers\"}"));
        Assert.Matches(PayloadMatch("ip", "daddr", $"\"{net.B4}\""), Expr(assigning));
        Assert.Matches(PayloadMatch("tcp", "dport", "21"), Expr(assigning));
        var dnsIn = Assert.Single(Rules(ruleset), r => (string?)r["comment"] == "ConntrackTools:dns-in");
        Assert.Contains("{\"notrack\":null}", Expr(dnsIn));
        Assert.Matches(PayloadMatch("udp", "dport", "53"), Expr(dnsIn));
        Assert.Equal("prerouting", Hook(ruleset, dnsIn));
        var dnsOut = Assert.Single(Rules(ruleset), r => (string?)r["comment"] == "ConntrackTools:dns-out");
        Assert.Matches(PayloadMatch("udp", "sport", "53"), Expr(dnsOut));
        Assert.Equal("output", Hook(ruleset, dnsOut));
        // IPv6: neighbour discovery's accepts, then the fib drop, each with the instance's comment.
        var fib = Rules(ruleset).Where(r => (string?)r["comment"] == "ConntrackTools:antispoof:veth0:IPv6").ToList();
        Assert.NotEmpty(fib);
        Assert.All(fib, r => Assert.Equal(("inet", "conntrack", "antispoof"), ((string?)r["family"], (string?)r["table"], (string?)r["chain"])));
        Assert.Contains("\"fib\"", Expr(fib[^1]));
        Assert.Contains("\"drop\"", Expr(fib[^1]));
        Assert.Equal(untouched, Ruleset(net.A).ToJsonString());

        // A real FTP session gets the helper from the policy; the second run changes nothing and
        // its facts count the session.
        using var ftp = new FtpScenario(net, ipv6: false, "PASV", assignHelper: false);
        Assert.Contains("227", ftp.Reply);
        Assert.Contains("helper=ftp", TestNetwork.Exec(net.B, "conntrack", "-L", "-p", "tcp", "--dport", "21"));
        Assert.Contains("ftp", TestNetwork.Exec(net.B, "conntrack", "-L", "expect"));

        var second = AnsibleRunner.Playbook(AnsibleRunner.ExamplePlaybook, Vars(net));
        Assert.True(second.ExitCode == 0, second.ToString());
        Assert.Equal(0, second.Recap("changed"));
        Assert.Equal(0, second.Recap("failures"));
        foreach (var name in ChangingTasks)
        {
            Assert.False(second.Task(name).Changed, second.Task(name).ToString());
            Assert.Empty(second.Task(name)["changed_properties"]!.AsArray());
        }
        Assert.Equal(ruleset.ToJsonString(), Ruleset(net.B).ToJsonString());

        Assert.False(first.Task(FactsTask).Changed);
        Assert.False(second.Task(FactsTask).Changed);
        var facts = second.Task(FactsTask)["ansible_facts"]!["conntrack"]!.AsObject();
        Assert.Equal(net.B, (string?)facts["network_namespace"]);
        Assert.True((long)facts["connections"]! >= 1, facts.ToJsonString());
        Assert.True((long)facts["expectations"]! >= 1, facts.ToJsonString());
        Assert.Equal(1, (int)facts["helpers_in_use"]!["ftp"]!);
        var findings = facts["findings"]!.AsArray().Select(f => f!.AsObject()).ToList();
        Assert.All(findings, f => Assert.False((bool)f["Passed"]!));
        // The policy restricted the helper and turned anti-spoofing on: those audits pass now.
        Assert.DoesNotContain(findings, f => (string?)f["Check"] == "ReversePathFilter" && ((string?)f["Target"])!.StartsWith("veth0/", StringComparison.Ordinal));
        Assert.DoesNotContain(findings, f => (string?)f["Check"] == "HelperAssignmentUnrestricted");
        Assert.False(facts.ContainsKey("settings")); // gather_settings: false
        Assert.Contains("helpers in use {'ftp': 1}", second.Task("Report them").Message);
    }

    [KernelFact("ansible-playbook", "nft", "python3")]
    public void Check_mode_on_a_fresh_namespace_reports_what_would_change_with_a_diff_and_changes_nothing()
    {
        using var net = new TestNetwork("ac");
        var before = KernelSnapshot(net.B);

        var run = AnsibleRunner.Playbook(AnsibleRunner.ExamplePlaybook, Vars(net), check: true, diff: true);
        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Equal(ChangingTasks.Length, run.Recap("changed"));
        foreach (var name in ChangingTasks)
        {
            var task = run.Task(name);
            Assert.True(task.Changed, task.ToString());
            Assert.NotEmpty(task["changed_properties"]!.AsArray());
            Assert.NotEqual(task["diff"]!["before"]!.ToJsonString(), task["diff"]!["after"]!.ToJsonString());
        }
        // The diff's after is the prediction (set -WhatIf); the kernel has the before.
        var loose = run.Task(LooseTask);
        Assert.Equal(0, (long)loose["diff"]!["after"]!["Value"]!);
        Assert.Equal((long)loose["diff"]!["before"]!["Value"]!, long.Parse(Sysctl(net.B, "net.netfilter.nf_conntrack_tcp_loose")));
        var helper = run.Task(HelperTask);
        Assert.Equal(("Absent", "Present"), ((string?)helper["diff"]!["before"]!["Ensure"], (string?)helper["diff"]!["after"]!["Ensure"]));
        Assert.Equal(before, KernelSnapshot(net.B));

        // Facts are read in check mode too; before the policy, IPv6 on veth0 is open to spoofing.
        var facts = run.Task(FactsTask)["ansible_facts"]!["conntrack"]!.AsObject();
        foreach (var key in new[] { "connections", "expectations", "helpers_in_use", "findings" }) Assert.True(facts.ContainsKey(key), key);
        Assert.Empty(facts["helpers_in_use"]!.AsObject());
        Assert.Contains(facts["findings"]!.AsArray(), f => (string?)f!["Check"] == "ReversePathFilter" && (string?)f["Target"] == "veth0/IPv6");
    }

    #endregion

    #region Bad arguments

    [KernelFact("ansible-playbook", "nft", "python3")]
    public void Bad_arguments_fail_with_a_clear_message_and_change_nothing()
    {
        using var net = new TestNetwork("ab");
        var marker = Path.Combine(Path.GetTempPath(), $"ctpwned{Guid.NewGuid():N}");
        var before = KernelSnapshot(net.B);
        // Every task is expected to fail; ignore_errors lets the play go on to the next one.
        // !unsafe keeps Jinja away from the values, so they reach the module exactly as written.
        var playbook = $$$"""
            - hosts: localhost
              gather_facts: false
              module_defaults:
                group/conntracktools.netfilter.conntrack:
                  network_namespace: "{{ conntrack_netns }}"
              tasks:
                - name: unknown option
                  conntracktools.netfilter.ct_setting: { name: nf_conntrack_tcp_loose, value: 0, bogus_option: 1 }
                  ignore_errors: true
                - name: bad choice
                  conntracktools.netfilter.ct_helper_policy: { name: ftp-x, type: ftp, state: maybe, destination_address: [192.0.2.1] }
                  ignore_errors: true
                - name: bad type
                  conntracktools.netfilter.ct_setting: { name: nf_conntrack_tcp_loose, value: lots }
                  ignore_errors: true
                - name: type missing
                  conntracktools.netfilter.ct_helper_policy: { name: ftp-x, destination_address: [192.0.2.1] }
                  ignore_errors: true
                - name: both interfaces
                  conntracktools.netfilter.ct_notrack: { name: n, input_interface: [veth0], output_interface: [veth0] }
                  ignore_errors: true
                - name: port without protocol
                  conntracktools.netfilter.ct_notrack: { name: n, destination_port: [53] }
                  ignore_errors: true
                - name: rp_filter for ipv6
                  conntracktools.netfilter.ct_antispoof: { interface: veth0, family: ipv6, method: rp_filter }
                  ignore_errors: true
                - name: hostile name with a quote
                  conntracktools.netfilter.ct_helper_policy: { name: !unsafe 'ftp"; flush ruleset', type: ftp, destination_address: [192.0.2.1] }
                  ignore_errors: true
                - name: hostile name with a newline
                  conntracktools.netfilter.ct_helper_policy: { name: "ftp\nflush ruleset", type: ftp, destination_address: [192.0.2.1] }
                  ignore_errors: true
                - name: hostile name with braces
                  conntracktools.netfilter.ct_notrack: { name: !unsafe 'n }{ flush ruleset', protocol: udp, destination_port: [53] }
                  ignore_errors: true
                - name: hostile name with a command
                  conntracktools.netfilter.ct_notrack: { name: !unsafe '$(touch {{{marker}}})', protocol: udp, destination_port: [53] }
                  ignore_errors: true
                - name: hostile address
                  conntracktools.netfilter.ct_helper_policy: { name: ftp-x, type: ftp, destination_address: [!unsafe '192.0.2.1; flush ruleset'] }
                  ignore_errors: true
                - name: hostile interface
                  conntracktools.netfilter.ct_antispoof: { interface: !unsafe 'veth0"; flush ruleset', family: ipv6 }
                  ignore_errors: true
                - name: hostile setting name
                  conntracktools.netfilter.ct_setting: { name: !unsafe 'nf_conntrack_tcp_loose; sysctl -w net.netfilter.nf_conntrack_tcp_loose=1', value: 0 }
                  ignore_errors: true
                - name: hostile namespace for facts
                  conntracktools.netfilter.ct_facts: { network_namespace: !unsafe "nosuch'; exit 0; '$(touch {{{marker}}})" }
                  ignore_errors: true
                - name: hostile interface for facts
                  conntracktools.netfilter.ct_facts: { untrusted_interface: ["veth0\nlo"] }
                  ignore_errors: true
            """;
        var run = AnsibleRunner.PlaybookText(playbook, new Dictionary<string, object?> { ["conntrack_netns"] = net.B });
        Assert.True(run.Tasks.Count == 16 && run.Tasks.All(t => t.Failed), run.ToString());
        Assert.Equal(16, run.Recap("ignored"));
        Assert.All(run.Tasks, t =>
        {
            Assert.True(t.Message.Length > 15, t.ToString());
            Assert.DoesNotContain("MODULE FAILURE", t.Message);
            Assert.DoesNotContain("Traceback", t.Result.ToJsonString());
        });

        // Ansible's own checks, before ctsh runs.
        Assert.Contains("Unsupported parameters", run.Task("unknown option").Message);
        Assert.Contains("bogus_option", run.Task("unknown option").Message);
        Assert.Contains("value of state must be one of: present, absent, got: maybe", run.Task("bad choice").Message);
        Assert.Contains("value", run.Task("bad type").Message);
        Assert.Contains("int", run.Task("bad type").Message);
        Assert.Contains("state is present but all of the following are missing: type", run.Task("type missing").Message);
        Assert.Contains("mutually exclusive", run.Task("both interfaces").Message);
        Assert.Contains("protocol", run.Task("port without protocol").Message);
        Assert.Contains("rp_filter is IPv4 only", run.Task("rp_filter for ipv6").Message);
        Assert.Contains("untrusted_interface", run.Task("hostile interface for facts").Message);

        // The resource's checks: ctsh refused the input (exit 2) with its own message, naming what is wrong.
        foreach (var (task, what) in new[]
        {
            ("hostile name with a quote", "name"), ("hostile name with a newline", "name"), ("hostile name with braces", "name"),
            ("hostile name with a command", "name"), ("hostile address", "address"), ("hostile interface", "interface"),
        })
        {
            var t = run.Task(task);
            Assert.True((int?)t["rc"] == 2, t.ToString());
            Assert.Equal("invalid input", (string?)t["failure"]);
            Assert.Contains(what, t.Message, StringComparison.OrdinalIgnoreCase);
        }
        Assert.Contains((int?)run.Task("hostile setting name")["rc"], new int?[] { 1, 2 });
        Assert.Contains("nosuch", run.Task("hostile namespace for facts").Message);

        Assert.False(File.Exists(marker), "a value was run as a command");
        Assert.Equal(before, KernelSnapshot(net.B));
    }

    #endregion

    #region ansible-doc

    public static TheoryData<string, string[]> ModuleOptions() => new()
    {
        { "ct_helper_policy", ["allow_any_destination", "chain", "ctsh", "destination_address", "destination_port", "family", "hook", "input_interface", "name", "network_namespace", "protocol", "state", "table", "type"] },
        { "ct_setting", ["ctsh", "name", "network_namespace", "value"] },
        { "ct_notrack", ["chain", "ctsh", "destination_address", "destination_port", "family", "hook", "input_interface", "name", "network_namespace", "output_interface", "protocol", "source_address", "source_port", "state", "table"] },
        { "ct_antispoof", ["ctsh", "family", "interface", "method", "mode", "network_namespace", "state"] },
        { "ct_facts", ["ctsh", "gather_settings", "network_namespace", "untrusted_interface"] },
    };

    [AnsibleTheory("ansible-doc")]
    [MemberData(nameof(ModuleOptions))]
    public void Ansible_doc_renders_each_module_with_its_options_examples_and_return_values(string module, string[] options)
    {
        var text = AnsibleRunner.Doc("-t", "module", Fqcn + module);
        Assert.True(text.ExitCode == 0, text.Stderr + text.Stdout);
        Assert.Contains("OPTIONS (= is mandatory)", text.Stdout);
        Assert.Contains("EXAMPLES:", text.Stdout);
        Assert.Contains("RETURN VALUES:", text.Stdout);
        foreach (var option in options) Assert.Matches(new Regex($"^[-=] {option}$", RegexOptions.Multiline), text.Stdout);

        var json = AnsibleRunner.Doc("-t", "module", "-j", Fqcn + module);
        Assert.True(json.ExitCode == 0, json.Stderr);
        var doc = JsonNode.Parse(json.Stdout)![Fqcn + module]!;
        Assert.Equal(options, doc["doc"]!["options"]!.AsObject().Select(o => o.Key).Order(StringComparer.Ordinal));
        Assert.All(doc["doc"]!["options"]!.AsObject(), o => Assert.False(string.IsNullOrWhiteSpace(o.Value!["description"]!.ToJsonString().Trim('"', '[', ']'))));
        Assert.NotNull(doc["examples"]);
        Assert.NotNull(doc["return"]);
    }

    [AnsibleFact("ansible-doc")]
    public void Ansible_doc_lists_the_five_modules_of_the_collection()
    {
        var list = AnsibleRunner.Doc("--list", "-j", "conntracktools.netfilter");
        Assert.True(list.ExitCode == 0, list.Stderr);
        var names = JsonNode.Parse(list.Stdout)!.AsObject().Select(p => p.Key).Order(StringComparer.Ordinal);
        Assert.Equal(AnsibleRunner.Modules.Select(m => Fqcn + m), names);
    }

    [AnsibleFact("ansible-galaxy")]
    public void The_collection_builds_with_ansible_galaxy_and_holds_the_five_modules()
    {
        var dir = Directory.CreateTempSubdirectory("ctgalaxy").FullName;
        try
        {
            var r = Shell.Run("ansible-galaxy", ["collection", "build", AnsibleRunner.CollectionRoot, "--output-path", dir]);
            Assert.True(r.ExitCode == 0, r.Stderr + r.Stdout);
            var archive = Path.Combine(dir, "conntracktools-netfilter-0.9.0.tar.gz");
            Assert.True(File.Exists(archive), r.Stdout);
            var files = Shell.Check("tar", "tzf", archive).Split('\n', StringSplitOptions.RemoveEmptyEntries);
            foreach (var module in AnsibleRunner.Modules) Assert.Contains($"plugins/modules/{module}.py", files);
            Assert.Contains("plugins/module_utils/ctsh.py", files);
            Assert.Contains("meta/runtime.yml", files);
            var manifest = JsonNode.Parse(Shell.Check("tar", "xzOf", archive, "MANIFEST.json"))!["collection_info"]!;
            Assert.Equal(("conntracktools", "netfilter", "0.9.0"), ((string?)manifest["namespace"], (string?)manifest["name"], (string?)manifest["version"]));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    #endregion

    #region The modules' own logic

    [AnsibleFact("python3")]
    public void The_collections_unit_tests_pass()
    {
        var r = Shell.Run("/usr/bin/python3", ["-m", "unittest", "-v", "ansible_collections.conntracktools.netfilter.tests.unit.plugins.module_utils.test_ctsh"],
            env: new Dictionary<string, string> { ["PYTHONPATH"] = AnsibleRunner.CollectionsPath, ["PYTHONDONTWRITEBYTECODE"] = "1" });
        Assert.True(r.ExitCode == 0, r.Stderr + r.Stdout);
        Assert.Matches(@"Ran \d+ tests", r.Stderr);
        Assert.DoesNotContain("skipped", r.Stderr);
    }

    /// <summary>
    /// The example playbook against a stand-in ctsh (tests/fake/fake_ctsh.py) that logs each call:
    /// the modules send fixed argument lists and JSON on stdin, run set only outside check mode
    /// (set -WhatIf in check mode with diff), and report changed from what set says.
    /// </summary>
    [AnsibleFact("ansible-playbook", "python3")]
    public void The_modules_call_ctsh_with_fixed_arguments_and_their_input_as_json()
    {
        var dir = Directory.CreateTempSubdirectory("ctfake").FullName;
        try
        {
            var ctsh = Path.Combine(dir, "ctsh");
            File.Copy(Path.Combine(AnsibleRunner.CollectionRoot, "tests", "fake", "fake_ctsh.py"), ctsh);
            Shell.Check("chmod", "700", ctsh);
            var log = Path.Combine(dir, "log.jsonl");
            var env = new Dictionary<string, string> { ["FAKE_CTSH_STATE"] = Path.Combine(dir, "state.json"), ["FAKE_CTSH_LOG"] = log };
            var vars = new Dictionary<string, object?> { ["conntrack_netns"] = "fw1", ["uplink"] = "wan0" };

            var check = AnsibleRunner.Playbook(AnsibleRunner.ExamplePlaybook, vars, check: true, diff: true, ctsh: ctsh, environment: env);
            Assert.True(check.ExitCode == 0, check.ToString());
            Assert.Equal(ChangingTasks.Length, check.Recap("changed"));
            Assert.False(File.Exists(env["FAKE_CTSH_STATE"]), "check mode set something");
            var checkCalls = Calls(log);
            Assert.DoesNotContain(checkCalls, c => c.Argv is [.., "set"]);
            Assert.Equal(ChangingTasks.Length, checkCalls.Count(c => c.Argv is [.., "set", "-WhatIf"]));
            File.Delete(log);

            var first = AnsibleRunner.Playbook(AnsibleRunner.ExamplePlaybook, vars, diff: true, ctsh: ctsh, environment: env);
            Assert.True(first.ExitCode == 0, first.ToString());
            Assert.Equal(ChangingTasks.Length, first.Recap("changed"));
            var second = AnsibleRunner.Playbook(AnsibleRunner.ExamplePlaybook, vars, ctsh: ctsh, environment: env);
            Assert.Equal(0, second.Recap("changed"));
            Assert.Equal(1, (int)second.Task(FactsTask)["ansible_facts"]!["conntrack"]!["helpers_in_use"]!["ftp"]!);

            var calls = Calls(log);
            foreach (var call in calls)
            {
                var resourceCall = call.Argv is ["-Resource", "CtSetting" or "CtHelperPolicy" or "CtNotrack" or "CtAntiSpoof", "-Operation", "test" or "set"];
                var factsCall = call.Argv is ["-OutputFormat", "Json", "-Command", _];
                Assert.True(resourceCall || factsCall, string.Join(' ', call.Argv));
                if (resourceCall) Assert.Equal("fw1", (string?)JsonNode.Parse(call.Stdin)!["NetworkNamespace"]);
                if (factsCall) Assert.Equal(("fw1", "wan0", "0"), (call.Env["CONNTRACKTOOLS_FACTS_NETNS"], call.Env["CONNTRACKTOOLS_FACTS_UNTRUSTED"], call.Env["CONNTRACKTOOLS_FACTS_SETTINGS"]));
            }
            var helper = Assert.Single(calls, c => c.Argv is [_, "CtHelperPolicy", _, "set"]);
            Assert.Equal(JsonNode.Parse("""{"AllowAnyDestination":false,"Chain":"helpers","DestinationAddress":["192.0.2.21"],"DestinationPort":[21],"Ensure":"Present","Family":"inet","Hook":"prerouting","Name":"ftp-servers","NetworkNamespace":"fw1","Table":"conntrack","Type":"ftp"}""")!.ToJsonString(),
                JsonNode.Parse(helper.Stdin)!.ToJsonString());
            Assert.Equal(3 * ChangingTasks.Length + 2, calls.Count); // run 1: test and set per task; run 2: test only; facts in each

            // A hostile name reaches ctsh literally, in JSON, and its refusal is the task's failure.
            File.Delete(log);
            var hostile = "ftp\"; flush ruleset\n}{ $(reboot)";
            var bad = AnsibleRunner.PlaybookText("""
                - hosts: localhost
                  gather_facts: false
                  tasks:
                    - name: hostile
                      conntracktools.netfilter.ct_helper_policy: { name: "{{ hostile }}", type: ftp, destination_address: [192.0.2.1] }
                """, new Dictionary<string, object?> { ["hostile"] = hostile }, ctsh: ctsh, environment: env);
            var failed = bad.Task("hostile");
            Assert.True(failed.Failed, bad.ToString());
            Assert.Contains("is not an nft identifier", failed.Message);
            Assert.Equal(2, (int)failed["rc"]!);
            Assert.Equal("invalid input", (string?)failed["failure"]);
            var sent = Assert.Single(Calls(log));
            Assert.Equal(["-Resource", "CtHelperPolicy", "-Operation", "test"], sent.Argv);
            Assert.Equal(hostile, (string?)JsonNode.Parse(sent.Stdin)!["Name"]);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    #endregion

    #region The help topic, the examples and the DSC configuration

    [Fact]
    public void The_help_topic_shows_the_shipped_playbook_and_DSC_configuration_and_is_staged()
    {
        var topic = File.ReadAllText(Path.Combine(AnsibleRunner.RepoRoot, "en-US", "about_ConntrackTools_Automation.md"));
        var blocks = Regex.Matches(topic, "^```yaml\n(.*?)^```$", RegexOptions.Multiline | RegexOptions.Singleline).Select(m => m.Groups[1].Value).ToList();
        Assert.Contains(File.ReadAllText(AnsibleRunner.ExamplePlaybook), blocks);
        Assert.Contains(File.ReadAllText(AnsibleRunner.ExampleDscConfiguration), blocks);

        var staged = Path.Combine(AnsibleRunner.RepoRoot, "out", "ConntrackTools", "en-US", "about_ConntrackTools_Automation.help.txt");
        Assert.True(File.Exists(staged), staged + " is not staged (the build makes it from en-US)");
        var text = File.ReadAllText(staged);
        Assert.StartsWith("TOPIC\n    about_ConntrackTools_Automation\n", text);
        Assert.Contains("conntracktools.netfilter.ct_helper_policy:", text);
        Assert.Contains("type: ConntrackTools/CtHelperPolicy", text);
    }

    [AnsibleFact("python3")]
    public void The_DSC_configuration_names_existing_resources_and_only_their_properties()
    {
        var document = DscDocument();
        Assert.Equal("https://aka.ms/dsc/schemas/v3/bundled/config/document.json", (string?)document["$schema"]);
        var types = new List<string>();
        foreach (var (type, properties) in DscInstances(document, new Dictionary<string, JsonNode?>()))
        {
            types.Add(type);
            Assert.StartsWith(CtResources.DscTypePrefix, type);
            var resource = CtResources.Find(type);
            var instance = resource.Parse(properties.ToJsonString()); // unknown properties and bad values throw
            Assert.IsType(resource.InstanceType, instance);
        }
        Assert.Equal(["ConntrackTools/CtAntiSpoof", "ConntrackTools/CtHelperPolicy", "ConntrackTools/CtNotrack", "ConntrackTools/CtSetting"],
            types.Distinct().Order(StringComparer.Ordinal));
    }

    /// <summary>
    /// The DSC configuration as `dsc config set` applies it: each instance (parameters resolved,
    /// NetworkNamespace added) through its manifest's set command, ctsh -Resource X -Operation set;
    /// then test says every instance is in the desired state, and the kernel agrees.
    /// </summary>
    [KernelFact("nft", "python3")]
    public void The_DSC_configuration_applied_through_ctsh_is_then_in_the_desired_state()
    {
        using var net = new TestNetwork("ad");
        var parameters = new Dictionary<string, JsonNode?> { ["uplink"] = "veth0", ["ftpServers"] = new JsonArray(net.B4) };
        var instances = DscInstances(DscDocument(), parameters).ToList();
        Assert.Equal(7, instances.Count);
        foreach (var (type, properties) in instances)
        {
            properties["NetworkNamespace"] = net.B;
            var set = Shell.Run(AnsibleRunner.Ctsh, ["-Resource", type, "-Operation", "set"], stdin: properties.ToJsonString());
            Assert.True(set.ExitCode == 0, $"{type} set: {set.Stderr}{set.Stdout}");
            var lines = set.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
            Assert.Equal(2, lines.Length);
            Assert.NotEmpty(JsonNode.Parse(lines[1])!.AsArray());
        }
        foreach (var (type, properties) in instances)
        {
            var test = Shell.Run(AnsibleRunner.Ctsh, ["-Resource", type, "-Operation", "test"], stdin: properties.ToJsonString());
            Assert.True(test.ExitCode == 0, $"{type} test: {test.Stderr}");
            var lines = test.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
            Assert.True((bool)JsonNode.Parse(lines[0])!["_inDesiredState"]!, $"{type}: {test.Stdout}");
            Assert.Empty(JsonNode.Parse(lines[1])!.AsArray());
        }
        Assert.Equal("7200", Sysctl(net.B, "net.netfilter.nf_conntrack_tcp_timeout_established"));
        Assert.Equal("1", Sysctl(net.B, "net.ipv4.conf.veth0.rp_filter"));
        Assert.Single(Rules(Ruleset(net.B)), r => Expr(r).Contains("{\"ct helper\":\"ftp-servers\"}") && Expr(r).Contains(net.B4));
    }

    #endregion

    #region Helpers

    private sealed record CtshCall(string[] Argv, string Stdin, Dictionary<string, string> Env);

    private static List<CtshCall> Calls(string log) => File.ReadAllLines(log).Select(line =>
    {
        var o = JsonNode.Parse(line)!;
        return new CtshCall(o["argv"]!.AsArray().Select(a => (string)a!).ToArray(), (string)o["stdin"]!,
            o["env"]!.AsObject().ToDictionary(p => p.Key, p => (string)p.Value!));
    }).ToList();

    private static string[] Names(JsonNode? array) => array!.AsArray().Select(n => (string)n!).ToArray();

    /// <summary>The namespace's ruleset from `nft -j list ruleset`, with counters zeroed (traffic of the link moves them).</summary>
    private static JsonArray Ruleset(string ns)
    {
        var ruleset = JsonNode.Parse(TestNetwork.Exec(ns, "nft", "-j", "list", "ruleset"))!["nftables"]!.AsArray();
        ZeroCounters(ruleset);
        return ruleset;
    }

    private static void ZeroCounters(JsonNode? node)
    {
        if (node is JsonArray array)
        {
            foreach (var item in array) ZeroCounters(item);
        }
        else if (node is JsonObject o)
        {
            if (o["counter"] is JsonObject counter && counter.ContainsKey("packets"))
            {
                counter["packets"] = 0;
                counter["bytes"] = 0;
            }
            foreach (var (_, value) in o) ZeroCounters(value);
        }
    }

    /// <summary>A match of a payload field against a value or a set that holds it, in a rule's compact JSON.</summary>
    private static Regex PayloadMatch(string protocol, string field, string value) =>
        new($"\\{{\"payload\":\\{{\"protocol\":\"{protocol}\",\"field\":\"{field}\"\\}}\\}},\"right\":(\\{{\"set\":\\[[^\\]]*)?{Regex.Escape(value)}[,\\]}}]");

    private static IEnumerable<JsonObject> Objects(JsonArray ruleset, string kind) =>
        ruleset.Select(o => o![kind]).OfType<JsonObject>();

    private static IEnumerable<JsonObject> Rules(JsonArray ruleset) => Objects(ruleset, "rule");

    private static string Expr(JsonObject rule) => rule["expr"]!.ToJsonString();

    /// <summary>The hook of the chain a rule is in.</summary>
    private static string? Hook(JsonArray ruleset, JsonObject rule) =>
        (string?)Objects(ruleset, "chain").Single(c => (string?)c["family"] == (string?)rule["family"]
            && (string?)c["table"] == (string?)rule["table"] && (string?)c["name"] == (string?)rule["chain"])["hook"];

    private static string Sysctl(string ns, string name) => TestNetwork.Exec(ns, "sysctl", "-n", name).Trim();

    /// <summary>What the playbook may change in a namespace: its whole ruleset and the sysctls it sets.</summary>
    private static string KernelSnapshot(string ns) => string.Join("\n",
        Ruleset(ns).ToJsonString(),
        Sysctl(ns, "net.netfilter.nf_conntrack_tcp_timeout_established"),
        Sysctl(ns, "net.netfilter.nf_conntrack_tcp_loose"),
        Sysctl(ns, "net.ipv4.conf.veth0.rp_filter"),
        Sysctl(ns, "net.ipv4.conf.all.rp_filter"));

    /// <summary>examples/automation/conntrack.dsc.yaml, read by PyYAML (which ansible-core brings).</summary>
    private static JsonObject DscDocument()
    {
        var r = Shell.Run("/usr/bin/python3", ["-c", "import json, sys, yaml; json.dump(yaml.safe_load(open(sys.argv[1])), sys.stdout)", AnsibleRunner.ExampleDscConfiguration]);
        Assert.True(r.ExitCode == 0, r.Stderr);
        return JsonNode.Parse(r.Stdout)!.AsObject();
    }

    /// <summary>
    /// The document's resource instances with "[parameters('x')]" replaced as DSC does: by the value
    /// given in <paramref name="parameters"/>, else the parameter's defaultValue.
    /// </summary>
    private static IEnumerable<(string Type, JsonObject Properties)> DscInstances(JsonObject document, IDictionary<string, JsonNode?> parameters)
    {
        var declared = document["parameters"]?.AsObject() ?? [];
        foreach (var resource in document["resources"]!.AsArray())
        {
            var properties = new JsonObject();
            foreach (var (name, value) in resource!["properties"]!.AsObject())
            {
                var reference = value is JsonValue v && v.TryGetValue<string>(out var s) ? Regex.Match(s, @"^\[parameters\('(\w+)'\)\]$") : Match.Empty;
                if (!reference.Success)
                {
                    properties[name] = value?.DeepClone();
                    continue;
                }
                var parameter = reference.Groups[1].Value;
                Assert.True(declared.ContainsKey(parameter), $"{name} uses the undeclared parameter {parameter}");
                properties[name] = (parameters.TryGetValue(parameter, out var given) ? given : declared[parameter]!["defaultValue"])?.DeepClone();
            }
            yield return ((string)resource["type"]!, properties);
        }
    }

    #endregion
}
