using System.Management.Automation;
using System.Text.Json.Nodes;
using ConntrackTools.DesiredState;
using Xunit;

namespace ConntrackTools.Tests;

/// <summary>
/// Invoke-CtResource in the real PowerShell engine, on the CtSetting resource, against the kernel
/// in namespaces made for each test. The root namespace's settings are only read, never written.
/// </summary>
public class ResourceCmdletTests
{
    private const string Id = "ConntrackTools.Commands.InvokeCtResourceCommand";

    private sealed class Scratch : IDisposable
    {
        private static int _counter;

        public Scratch()
        {
            Name = $"ctrs{Environment.ProcessId % 100000}x{Interlocked.Increment(ref _counter)}";
            Shell.Check("ip", "netns", "add", Name);
        }

        public string Name { get; }

        public string Sysctl(string name) => TestNetwork.Exec(Name, "sysctl", "-n", "net.netfilter." + name).Trim();

        /// <summary>"@{ NetworkNamespace = 'NS'; Name = 'NAME'; Value = V }".</summary>
        public string Props(string name, long? value = null) =>
            $"@{{ NetworkNamespace = '{Name}'; Name = '{name}'{(value is { } v ? $"; Value = {v}" : "")} }}";

        public void Dispose() => Shell.Run("ip", ["netns", "del", Name]);
    }

    private static string Root(string name) => File.ReadAllText("/proc/sys/net/netfilter/" + name).Trim();

    private static T One<T>(IEnumerable<PSObject> output) => Assert.IsType<T>(Assert.Single(output).BaseObject);

    [KernelFact("sysctl")]
    public void Get_Test_Set_and_Export_write_the_resources_objects()
    {
        using var s = new Scratch();
        using var ps = new PsSession();
        var rootLoose = Root("nf_conntrack_tcp_loose");

        var got = One<CtSettingState>(ps.Objects($"Invoke-CtResource CtSetting Get -Property {s.Props("net.netfilter.nf_conntrack_tcp_loose")}"));
        Assert.Equal((s.Name, "nf_conntrack_tcp_loose", 1L, 1L, "boolean", true, true), (got.NetworkNamespace, got.Name, got.Value!.Value, got.Default!.Value, got.Unit, got.Writable!.Value, got.Available!.Value));
        Assert.Null(got.InDesiredState);

        var test = One<CtResourceTestResult>(ps.Objects($"Invoke-CtResource ConntrackTools/CtSetting Test -Property {s.Props("nf_conntrack_tcp_loose", 0)}"));
        Assert.Equal(("CtSetting", false), (test.Resource, test.InDesiredState));
        Assert.Equal(["Value"], test.DifferingProperties);
        Assert.Equal(1, ((CtSettingState)test.ActualState).Value);
        Assert.Equal(0, ((CtSettingState)test.DesiredState).Value);

        var set = One<CtResourceSetResult>(ps.Objects($"Invoke-CtResource -Name CtSetting -Method Set -Property {s.Props("nf_conntrack_tcp_loose", 0)}"));
        Assert.True(set.Changed);
        Assert.False(set.WhatIf);
        Assert.Equal(["Value"], set.ChangedProperties);
        Assert.Equal((1L, 0L), (((CtSettingState)set.BeforeState).Value!.Value, ((CtSettingState)set.AfterState).Value!.Value));
        Assert.Contains($"nf_conntrack_tcp_loose=0 in kernel:{s.Name}", Assert.Single(set.Actions));
        Assert.Equal("0", s.Sysctl("nf_conntrack_tcp_loose"));

        var again = One<CtResourceSetResult>(ps.Objects($"Invoke-CtResource CtSetting Set -Property {s.Props("nf_conntrack_tcp_loose", 0)}"));
        Assert.False(again.Changed);
        Assert.Empty(again.Actions);
        Assert.True(One<CtResourceTestResult>(ps.Objects($"Invoke-CtResource CtSetting Test -Property {s.Props("nf_conntrack_tcp_loose", 0)}")).InDesiredState);

        var all = ps.Objects($"Invoke-CtResource CtSetting Export -Property @{{ NetworkNamespace = '{s.Name}' }}").Select(o => Assert.IsType<CtSettingState>(o.BaseObject)).ToList();
        Assert.True(all.Count > 30, $"only {all.Count} settings");
        Assert.All(all, x => Assert.Equal((s.Name, true), (x.NetworkNamespace, x.Available!.Value)));
        Assert.Equal(0, all.Single(x => x.Name == "nf_conntrack_tcp_loose").Value);
        Assert.Equal(rootLoose, Root("nf_conntrack_tcp_loose"));
    }

    [KernelFact("sysctl")]
    public void InputJson_and_Json_speak_DSC()
    {
        using var s = new Scratch();
        using var ps = new PsSession();
        var json = $$"""{"networknamespace":"{{s.Name}}","name":"nf_conntrack_udp_timeout","value":45}""";
        var lines = ps.Objects($"Invoke-CtResource CtSetting Test -InputJson '{json}' -Json").Select(o => Assert.IsType<string>(o.BaseObject)).ToList();
        Assert.Equal(2, lines.Count);
        Assert.Equal(false, (bool?)JsonNode.Parse(lines[0])!["_inDesiredState"]);
        Assert.Equal(30, (long?)JsonNode.Parse(lines[0])!["Value"]);
        Assert.Equal("""["Value"]""", lines[1]);

        lines = [.. ps.Objects($"Invoke-CtResource CtSetting Set -InputJson '{json}' -Json").Select(o => (string)o.BaseObject)];
        Assert.Equal(45, (long?)JsonNode.Parse(lines[0])!["Value"]);
        Assert.Equal("""["Value"]""", lines[1]);
        Assert.Equal("45", s.Sysctl("nf_conntrack_udp_timeout"));

        var get = (string)Assert.Single(ps.Objects($"Invoke-CtResource CtSetting Get -InputJson '{json}' -Json")).BaseObject;
        Assert.Equal($$"""{"NetworkNamespace":"{{s.Name}}","Name":"nf_conntrack_udp_timeout","Value":45,"Default":30,"Unit":"seconds","Writable":true,"Available":true,"_inDesiredState":null}""", get);
        // Property is applied over the JSON.
        var over = One<CtResourceTestResult>(ps.Objects($"Invoke-CtResource CtSetting Test -InputJson '{json}' -Property @{{ Value = 46 }}"));
        Assert.Equal(46, ((CtSettingState)over.DesiredState).Value);
        Assert.False(over.InDesiredState);
    }

    [KernelFact("sysctl")]
    public void Exported_states_pipe_into_Test_and_Set()
    {
        using var a = new Scratch();
        using var b = new Scratch();
        using var ps = new PsSession();
        ps.Objects($"Invoke-CtResource CtSetting Set -Property {a.Props("nf_conntrack_icmp_timeout", 11)}");

        // A's states tested in A: all in the desired state.
        var tests = ps.Objects($"Invoke-CtResource CtSetting Export -Property @{{ NetworkNamespace = '{a.Name}' }} | Where-Object Name -ne nf_conntrack_count | Invoke-CtResource -Method Test")
            .Select(o => Assert.IsType<CtResourceTestResult>(o.BaseObject)).ToList();
        Assert.True(tests.Count > 30);
        Assert.All(tests, t => Assert.True(t.InDesiredState, t.ToString()));

        // A's states tested in B (NetworkNamespace over the piped state): only the one changed in A differs.
        var differ = ps.Objects($"Invoke-CtResource CtSetting Export -Property @{{ NetworkNamespace = '{a.Name}' }} | Where-Object Writable | Invoke-CtResource CtSetting Test -Property @{{ NetworkNamespace = '{b.Name}' }} | Where-Object {{ -not $_.InDesiredState }}")
            .Select(o => (CtResourceTestResult)o.BaseObject).ToList();
        Assert.Equal("nf_conntrack_icmp_timeout", ((CtSettingState)Assert.Single(differ).ActualState).Name);

        // ... and set there.
        var sets = ps.Objects($"Invoke-CtResource CtSetting Get -Property {a.Props("nf_conntrack_icmp_timeout")} | Invoke-CtResource -Method Set -Property @{{ NetworkNamespace = '{b.Name}' }}");
        Assert.True(One<CtResourceSetResult>(sets).Changed);
        Assert.Equal(("11", "11"), (a.Sysctl("nf_conntrack_icmp_timeout"), b.Sysctl("nf_conntrack_icmp_timeout")));
    }

    [KernelFact("sysctl")]
    public void WhatIf_writes_the_predicted_result_and_changes_nothing()
    {
        using var s = new Scratch();
        using var ps = new PsSession();
        var result = One<CtResourceSetResult>(ps.Objects($"Invoke-CtResource CtSetting Set -Property {s.Props("nf_conntrack_acct", 1)} -WhatIf"));
        Assert.True(result.WhatIf);
        Assert.True(result.Changed);
        Assert.Equal(1, ((CtSettingState)result.AfterState).Value);
        Assert.Empty(result.Actions);
        Assert.Equal("0", s.Sysctl("nf_conntrack_acct"));

        var text = ps.Render($"Invoke-CtResource CtSetting Set -Property {s.Props("nf_conntrack_acct", 1)} -WhatIf");
        Assert.Contains($"What if: Performing the operation \"Set Value from 0 to 1\" on target \"CtSetting NetworkNamespace={s.Name}, Name=nf_conntrack_acct\"", text);
        Assert.Contains("would change", text);

        // In the desired state -WhatIf has nothing to ask about.
        var same = One<CtResourceSetResult>(ps.Objects($"Invoke-CtResource CtSetting Set -Property {s.Props("nf_conntrack_acct", 0)} -WhatIf"));
        Assert.False(same.Changed);
        Assert.True(same.WhatIf);
        Assert.Equal("0", s.Sysctl("nf_conntrack_acct"));
    }

    [KernelFact("sysctl")]
    public void Errors_have_stable_ids_and_categories_and_change_nothing()
    {
        using var s = new Scratch();
        using var ps = new PsSession();

        var (_, errors) = ps.Run($"Invoke-CtResource CtNoSuch Get -Property {s.Props("nf_conntrack_acct")}");
        var e = Assert.Single(errors);
        Assert.Equal(($"ResourceNotFound,{Id}", ErrorCategory.InvalidArgument), (e.FullyQualifiedErrorId, e.CategoryInfo.Category));
        Assert.Contains("CtSetting", e.Exception.Message);

        foreach (var (props, message) in new[]
        {
            ($"@{{ NetworkNamespace = '{s.Name}'; Name = 'nf_conntrack_acct'; Value = 1; Colour = 'red' }}", "has no property 'Colour'"),
            ($"@{{ NetworkNamespace = '{s.Name}'; Name = 'nf_conntrack_acct'; Value = 'one' }}", "Value must be a whole number"),
            ($"@{{ NetworkNamespace = '{s.Name}'; Name = \"nf_conntrack_acct`\"; echo {{}}`n\"; Value = 1 }}", "is not a conntrack setting name"),
            (s.Props("nf_conntrack_acct"), "needs Value"),
            (s.Props("nf_conntrack_acct", 5), "out of range"),
            (s.Props("nf_conntrack_acc", 1), "Did you mean nf_conntrack_acct"),
        })
        {
            (_, errors) = ps.Run($"Invoke-CtResource CtSetting Set -Property {props}");
            e = Assert.Single(errors);
            Assert.Equal(($"ResourceInputInvalid,{Id}", ErrorCategory.InvalidArgument), (e.FullyQualifiedErrorId, e.CategoryInfo.Category));
            Assert.Contains(message, e.Exception.Message);
        }
        (_, errors) = ps.Run("Invoke-CtResource CtSetting Get -InputJson '{\"Name\": '");
        Assert.Equal($"ResourceInputInvalid,{Id}", Assert.Single(errors).FullyQualifiedErrorId);
        Assert.Equal("0", s.Sysctl("nf_conntrack_acct"));

        (_, errors) = ps.Run($"Invoke-CtResource CtSetting Set -Property {s.Props("nf_conntrack_max", 1000)}");
        e = Assert.Single(errors);
        Assert.Equal(($"SettingReadOnly,{Id}", ErrorCategory.InvalidOperation), (e.FullyQualifiedErrorId, e.CategoryInfo.Category));
        Assert.Contains("EACCES", e.Exception.Message);
        Assert.Contains("initial network namespace", e.ErrorDetails.RecommendedAction);

        (_, errors) = ps.Run("Invoke-CtResource CtSetting Get -Property @{ NetworkNamespace = 'ctnosuchnamespace0'; Name = 'nf_conntrack_acct' }");
        e = Assert.Single(errors);
        Assert.Equal(($"NetworkNamespaceNotFound,{Id}", ErrorCategory.ObjectNotFound), (e.FullyQualifiedErrorId, e.CategoryInfo.Category));

        var helper = One<CtSettingState>(ps.Objects($"Invoke-CtResource CtSetting Get -Property {s.Props("nf_conntrack_helper")}"));
        if (helper.Available == false)
        {
            // Linux 6.0 removed it: 0 is the state the kernel is always in, 1 cannot be had.
            Assert.True(One<CtResourceTestResult>(ps.Objects($"Invoke-CtResource CtSetting Test -Property {s.Props("nf_conntrack_helper", 0)}")).InDesiredState);
            (_, errors) = ps.Run($"Invoke-CtResource CtSetting Set -Property {s.Props("nf_conntrack_helper", 1)}");
            e = Assert.Single(errors);
            Assert.Equal(($"SettingNotAvailable,{Id}", ErrorCategory.NotImplemented), (e.FullyQualifiedErrorId, e.CategoryInfo.Category));
            Assert.Contains("Linux 6.0", e.Exception.Message);
        }
    }

    [KernelFact("sysctl")]
    public void Views_render_the_state_and_the_results()
    {
        using var s = new Scratch();
        using var ps = new PsSession();
        var state = ps.Render($"Invoke-CtResource CtSetting Get -Property {s.Props("nf_conntrack_udp_timeout")}");
        Assert.Contains($"NetworkNamespace: {s.Name}", state);
        Assert.Matches(@"Name\s+Value\s+Default\s+Unit\s+Writable\s+InDesiredState", state);
        Assert.Matches(@"nf_conntrack_udp_timeout\s+30\s+30 seconds\s+yes", state);

        var test = ps.Render($"Invoke-CtResource CtSetting Test -Property {s.Props("nf_conntrack_udp_timeout", 40)}");
        Assert.Matches(@"Resource\s+InDesiredState\s+Actual\s+Differs \(actual -> desired\)", test);
        Assert.Matches($@"CtSetting\s+False\s+nf_conntrack_udp_timeout=30 in {s.Name}\s+Value: 30 -> 40", test);

        var set = ps.Render($"Invoke-CtResource CtSetting Set -Property {s.Props("nf_conntrack_udp_timeout", 40)}");
        Assert.Matches($@"CtSetting\s+changed\s+nf_conntrack_udp_timeout=40 in {s.Name}\s+Value: 30 -> 40", set);
        set = ps.Render($"Invoke-CtResource CtSetting Set -Property {s.Props("nf_conntrack_udp_timeout", 40)}");
        Assert.Matches(@"CtSetting\s+unchanged", set);
    }

    [Fact]
    public void Name_completes_with_the_resources()
    {
        using var ps = new PsSession();
        var matches = ps.Objects("[System.Management.Automation.CommandCompletion]::CompleteInput('Invoke-CtResource CtS', 21, $null).CompletionMatches | ForEach-Object CompletionText")
            .Select(o => o.ToString()).ToList();
        Assert.Contains("CtSetting", matches);
        matches = [.. ps.Objects("[System.Management.Automation.CommandCompletion]::CompleteInput('Invoke-CtResource ConntrackTools/', 32, $null).CompletionMatches | ForEach-Object CompletionText").Select(o => o.ToString())];
        Assert.Contains("ConntrackTools/CtSetting", matches);
    }
}
