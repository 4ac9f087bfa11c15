using System.Text.Json;
using System.Text.Json.Nodes;
using ConntrackTools.DesiredState;
using Xunit;

namespace ConntrackTools.Tests;

/// <summary>
/// The CtNotrack resource through the Core API against the real kernel, in namespaces made for each
/// test: what Set writes is read back with `nft -j list ruleset`, and real TCP traffic between the
/// namespaces is untracked after Set and tracked again after Absent.
/// </summary>
public class NotrackResourceTests
{
    private static readonly ICtResource Resource = CtResources.Find("CtNotrack");

    private static CtNotrackState Desired(string netns, object properties)
    {
        var node = JsonSerializer.SerializeToNode(properties)!.AsObject();
        node["NetworkNamespace"] = netns;
        return (CtNotrackState)Resource.Parse(node.ToJsonString());
    }

    private static string NftJson(string netns) => TestNetwork.Exec(netns, "nft", "-j", "list", "ruleset");

    /// <summary>The ruleset without handles and metainfo, for comparing two namespaces.</summary>
    private static string Normalized(string netns)
    {
        var items = JsonNode.Parse(NftJson(netns))!["nftables"]!.AsArray().Where(i => i!.AsObject().First().Key != "metainfo").Select(i => i!.DeepClone()).ToList();
        foreach (var item in items) item!.AsObject().First().Value!.AsObject().Remove("handle");
        return new JsonArray([.. items]).ToJsonString();
    }

    /// <summary>
    /// Loads nft JSON commands (the items of an "nftables" array) with `nft -j -f -`. The default
    /// chain name, notrack, is an nft keyword that nft 1.0.6's syntax cannot name at all, so rules
    /// made by hand in it go through JSON too.
    /// </summary>
    private static void Load(string netns, params string[] commands)
    {
        var r = Shell.Run("ip", ["netns", "exec", netns, "nft", "-j", "-f", "-"], stdin: "{\"nftables\":[" + string.Join(",", commands) + "]}");
        Assert.True(r.ExitCode == 0, r.Stderr);
    }

    private const string Table = "{\"add\":{\"table\":{\"family\":\"inet\",\"name\":\"conntrack\"}}}";
    private const string Chain = "{\"add\":{\"chain\":{\"family\":\"inet\",\"table\":\"conntrack\",\"name\":\"notrack_prerouting\",\"type\":\"filter\",\"hook\":\"prerouting\",\"prio\":-300,\"policy\":\"accept\"}}}";

    /// <summary>An "add rule" command for inet conntrack notrack: the match expressions (JSON) and the statement.</summary>
    private static string AddRule(string matches, string statement, string? comment)
    {
        var rule = new JsonObject
        {
            ["family"] = "inet", ["table"] = "conntrack", ["chain"] = "notrack_prerouting",
            ["expr"] = JsonNode.Parse("[" + matches + (matches.Length > 0 ? "," : "") + statement + "]"),
        };
        if (comment is not null) rule["comment"] = comment;
        return new JsonObject { ["add"] = new JsonObject { ["rule"] = rule } }.ToJsonString();
    }

    private static string Match(string protocol, string field, string right) =>
        $"{{\"match\":{{\"op\":\"==\",\"left\":{{\"payload\":{{\"protocol\":\"{protocol}\",\"field\":\"{field}\"}}}},\"right\":{right}}}}}";

    private const string Notrack = "{\"notrack\":null}";

    /// <summary>The rules of the resources' default table, inet conntrack.</summary>
    private static List<JsonObject> Rules(string netns) =>
        [.. JsonNode.Parse(NftJson(netns))!["nftables"]!.AsArray().Where(i => i!.AsObject().First().Key == "rule").Select(i => i!["rule"]!.AsObject())
            .Where(r => r["table"]!.GetValue<string>() == "conntrack")];

    /// <summary>conntrack -L lines whose original direction goes to the port.</summary>
    private static List<string> OriginalTo(string netns, int port) =>
        [.. TestNetwork.Exec(netns, "conntrack", "-L").Split('\n')
            .Where(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries).FirstOrDefault(w => w.StartsWith("dport=", StringComparison.Ordinal)) == $"dport={port}")];

    [KernelFact("nft", "conntrack", "python3")]
    public void Set_exempts_real_traffic_a_second_Set_changes_nothing_and_Absent_tracks_it_again()
    {
        using var net = new TestNetwork("np");
        var desired = Desired(net.B, new { Name = "web", Protocol = "tcp", DestinationAddress = new[] { net.B4 }, DestinationPort = new[] { 8080 } });
        var set = Resource.Set(desired, whatIf: false);
        Assert.Equal(["Ensure"], set.ChangedProperties);
        Assert.Equal(3, JsonNode.Parse(Assert.Single(set.Actions))!["nftables"]!.AsArray().Count); // table, chain, rule

        // The same rule written by hand in the other namespace.
        Load(net.A, Table, Chain, AddRule(Match("ip", "daddr", $"\"{net.B4}\"") + "," + Match("tcp", "dport", "8080"), Notrack, "ConntrackTools:web"));
        Assert.Equal(Normalized(net.A), Normalized(net.B));

        var after = (CtNotrackState)set.AfterState;
        var handle = Rules(net.B).Single(r => r["comment"]?.GetValue<string>() == "ConntrackTools:web")["handle"]!.GetValue<long>();
        Assert.Equal((CtEnsure.Present, "prerouting", "notrack_prerouting", "tcp", handle, $"ip daddr {net.B4} tcp dport 8080 notrack"),
            (after.Ensure, after.Hook, after.Chain, after.Protocol, after.Handle, after.Rule));

        var before = NftJson(net.B);
        var again = Resource.Set(Desired(net.B, new { Name = "web", Protocol = "TCP", DestinationAddress = new[] { net.B4 + "/32" }, DestinationPort = new[] { 8080, 8080 } }), whatIf: false);
        Assert.False(again.Changed);
        Assert.Empty(again.Actions);
        Assert.Equal(before, NftJson(net.B));
        Assert.True(Resource.Test(desired).InDesiredState);
        var got = (CtNotrackState)Resource.Get(Desired(net.B, new { Name = "web" }));
        Assert.Equal((handle, after.Rule), (got.Handle, got.Rule));

        // Real traffic: B does not track the client's packets (its replies still make an entry of their own).
        net.Tcp(net.B4, 8080);
        Assert.Empty(OriginalTo(net.B, 8080));
        Assert.NotEmpty(OriginalTo(net.A, 8080));

        var gone = Resource.Set(Desired(net.B, new { Name = "web", Ensure = "Absent" }), whatIf: false);
        Assert.Equal(["Ensure"], gone.ChangedProperties);
        // The chain and table the rule leaves empty go too.
        Assert.DoesNotContain("table inet conntrack", TestNetwork.Exec(net.B, "nft", "list", "ruleset"));
        before = NftJson(net.B);
        Assert.False(Resource.Set(Desired(net.B, new { Name = "web", Ensure = "Absent" }), whatIf: false).Changed);
        Assert.Equal(before, NftJson(net.B));
        TestNetwork.Exec(net.B, "conntrack", "-F");
        net.Tcp(net.B4, 8080);
        Assert.NotEmpty(OriginalTo(net.B, 8080));
    }

    [KernelFact("nft")]
    public void Changing_one_property_replaces_the_rule_in_one_transaction()
    {
        using var net = new TestNetwork("nc");
        Resource.Set(Desired(net.A, new { Name = "dns", Protocol = "udp", DestinationPort = new[] { 53 } }), whatIf: false);
        var old = Rules(net.A).Single();

        var ports = Desired(net.A, new { Name = "dns", Protocol = "udp", DestinationPort = new[] { 53, 5353 } });
        var test = Resource.Test(ports);
        Assert.Equal(["DestinationPort"], test.DifferingProperties);
        var set = Resource.Set(ports, whatIf: false);
        Assert.Equal(["DestinationPort"], set.ChangedProperties);
        var doc = JsonNode.Parse(Assert.Single(set.Actions))!["nftables"]!.AsArray();
        Assert.Equal(["delete", "add", "add"], doc.Select(c => c!.AsObject().First().Key)); // the rule out, the table (a no-op) and the new rule in
        Assert.Equal(old["handle"]!.GetValue<long>(), doc[0]!["delete"]!["rule"]!["handle"]!.GetValue<long>());
        var now = Rules(net.A).Single();
        Assert.NotEqual(old["handle"]!.GetValue<long>(), now["handle"]!.GetValue<long>());
        Assert.Equal("udp dport { 53, 5353 } notrack", ((CtNotrackState)set.AfterState).Rule);
        Assert.True(Resource.Test(ports).InDesiredState);

        // Leaving a property out keeps it: only the addresses change.
        var addresses = Desired(net.A, new { Name = "dns", SourceAddress = new[] { "198.51.100.0/25", "198.51.100.128/25" } });
        Assert.Equal(["SourceAddress"], Resource.Test(addresses).DifferingProperties);
        Resource.Set(addresses, whatIf: false);
        Assert.Equal("ip saddr { 198.51.100.0/24 } udp dport { 53, 5353 } notrack", ((CtNotrackState)Resource.Get(addresses)).Rule);
        Assert.True(Resource.Test(addresses).InDesiredState); // what the halves cover is what nft merged them into

        // The hook: the rule moves to the output chain.
        var output = Desired(net.A, new { Name = "dns", Hook = "output", OutputInterface = new[] { "veth0" } });
        Assert.Equal(["Hook", "Chain", "OutputInterface"], Resource.Test(output).DifferingProperties);
        var moved = (CtNotrackState)Resource.Set(output, whatIf: false).AfterState;
        Assert.Equal(("output", "notrack_output"), (moved.Hook, moved.Chain));
        Assert.Contains("priority raw", TestNetwork.Exec(net.A, "nft", "list", "chain", "inet", "conntrack", "notrack_output"));
        Assert.Single(Rules(net.A));

        // What would not work is refused before nft: an input interface on output, ports of icmp.
        var before = NftJson(net.A);
        Assert.Throws<CtResourceInputException>(() => Resource.Set(Desired(net.A, new { Name = "dns", Hook = "output", InputInterface = new[] { "veth0" } }), whatIf: false));
        Assert.Throws<CtResourceInputException>(() => Resource.Set(Desired(net.A, new { Name = "dns", Hook = "output", Protocol = "icmp" }), whatIf: false));
        Assert.Throws<CtResourceInputException>(() => Resource.Set(Desired(net.A, new { Name = "mixed", SourceAddress = new[] { "192.0.2.1" }, DestinationAddress = new[] { "2001:db8::1" } }), whatIf: false));
        Assert.Throws<CtResourceInputException>(() => Resource.Set(Desired(net.A, new { Name = "everything" }), whatIf: false));
        Assert.Equal(before, NftJson(net.A));
    }

    [KernelFact("nft")]
    public void Only_rules_named_ConntrackTools_NAME_are_the_resources_and_Absent_touches_nothing_else()
    {
        using var net = new TestNetwork("no");
        TestNetwork.Nft(net.A, "table inet canary { chain c { type filter hook input priority 0; ip saddr 10.9.9.9 counter; }; }\n");
        // What New-CtNotrackRule makes (comment "ConntrackTools"), a rule without comment, and a
        // non-notrack rule that carries the resource's comment: none of them is the resource's.
        Load(net.A, Table, Chain,
            AddRule(Match("udp", "dport", "53"), Notrack, "ConntrackTools"),
            AddRule(Match("tcp", "dport", "25"), Notrack, null),
            AddRule(Match("ip", "saddr", "\"10.7.7.7\""), "{\"counter\":null}", "ConntrackTools:web"));
        var foreign = Rules(net.A).Select(r => r.ToJsonString()).ToList();

        Assert.Equal(CtEnsure.Absent, ((CtNotrackState)Resource.Get(Desired(net.A, new { Name = "web" }))).Ensure);
        Assert.Empty(Resource.Export(new CtNotrackState { NetworkNamespace = net.A }));
        Assert.False(Resource.Set(Desired(net.A, new { Name = "web", Ensure = "Absent" }), whatIf: false).Changed);

        Resource.Set(Desired(net.A, new { Name = "web", Protocol = "tcp", DestinationPort = new[] { 80 } }), whatIf: false);
        Resource.Set(Desired(net.A, new { Name = "web2", Protocol = "tcp", DestinationPort = new[] { 81 } }), whatIf: false);
        Assert.Equal(["web", "web2"], Resource.Export(new CtNotrackState { NetworkNamespace = net.A }).Cast<CtNotrackState>().Select(s => s.Name!).Order(StringComparer.Ordinal));

        Resource.Set(Desired(net.A, new { Name = "web", Ensure = "Absent" }), whatIf: false);
        var left = Rules(net.A);
        Assert.Equal([.. foreign, .. left.Where(r => r["comment"]?.GetValue<string>() == "ConntrackTools:web2").Select(r => r.ToJsonString())],
            left.Select(r => r.ToJsonString()));
        Resource.Set(Desired(net.A, new { Name = "web2", Ensure = "Absent" }), whatIf: false);
        Assert.Equal(foreign, Rules(net.A).Select(r => r.ToJsonString()));
        Assert.Contains("chain notrack_prerouting", TestNetwork.Exec(net.A, "nft", "list", "ruleset")); // not empty: it stays
    }

    [KernelFact("nft")]
    public void WhatIf_changes_nothing_and_predicts_the_state_after()
    {
        using var net = new TestNetwork("nw");
        var desired = Desired(net.A, new { Name = "ntp", Protocol = "udp", SourcePort = new[] { 123 }, InputInterface = new[] { "veth0" } });
        var before = NftJson(net.A);
        var what = Resource.Set(desired, whatIf: true);
        Assert.Equal(before, NftJson(net.A));
        Assert.True(what.WhatIf);
        Assert.Equal(["Ensure"], what.ChangedProperties);
        var p = (CtNotrackState)what.AfterState;
        Assert.Equal("iifname \"veth0\" udp sport 123 notrack", p.Rule);
        var a = (CtNotrackState)Resource.Set(desired, whatIf: false).AfterState;
        Assert.Equal((a.Ensure, a.Hook, a.Chain, a.Protocol, a.Rule, string.Join(",", a.SourcePort!), string.Join(",", a.InputInterface!)),
            (p.Ensure, p.Hook, p.Chain, p.Protocol, p.Rule, string.Join(",", p.SourcePort!), string.Join(",", p.InputInterface!)));

        before = NftJson(net.A);
        var gone = Resource.Set(Desired(net.A, new { Name = "ntp", Ensure = "Absent" }), whatIf: true);
        Assert.Equal(before, NftJson(net.A));
        Assert.Equal((CtEnsure.Absent, "ntp"), (((CtNotrackState)gone.AfterState).Ensure, ((CtNotrackState)gone.AfterState).Name));
    }

    [KernelFact("nft")]
    public void Export_lists_every_named_rule_and_each_tests_in_desired_state()
    {
        using var net = new TestNetwork("ne");
        Resource.Set(Desired(net.A, new { Name = "a", Protocol = "tcp", DestinationAddress = new[] { "192.0.2.0/24" }, DestinationPort = new[] { 80, 443 } }), whatIf: false);
        Resource.Set(Desired(net.A, new { Name = "b", Family = "ip6", Table = "raw6", Hook = "output", Protocol = "ipv6-icmp", DestinationAddress = new[] { "2001:db8::/64" } }), whatIf: false);
        Resource.Set(Desired(net.A, new { Name = "c", InputInterface = new[] { "veth0", "lo" } }), whatIf: false);
        // A rule made by hand with the resource's comment (and a name it would refuse) is read literally.
        Load(net.A, AddRule(Match("ip", "saddr", "\"10.6.6.6\""), Notrack, "ConntrackTools:we ird;{}"));

        var all = Resource.Export(new CtNotrackState { NetworkNamespace = net.A }).Cast<CtNotrackState>().ToList();
        Assert.Equal(["a", "b", "c", "we ird;{}"], all.Select(s => s.Name!).Order(StringComparer.Ordinal));
        foreach (var s in all.Where(s => s.Name != "we ird;{}"))
        {
            var test = Resource.Test(Resource.Parse(ConntrackTools.Json.CtJson.Serialize(s)));
            Assert.True(test.InDesiredState, $"{s.Name}: {string.Join(",", test.DifferingProperties)}");
        }
        var b = all.Single(s => s.Name == "b");
        Assert.Equal(("ip6", "raw6", "output", "notrack_output", "ipv6-icmp"), (b.Family, b.Table, b.Hook, b.Chain, b.Protocol));
        var weird = all.Single(s => s.Name == "we ird;{}");
        Assert.Equal(("ip saddr 10.6.6.6 notrack", "10.6.6.6"), (weird.Rule, Assert.Single(weird.SourceAddress!)));
        Assert.Throws<CtResourceInputException>(() => Resource.Test(weird));
        Assert.Equal(["b"], Resource.Export(new CtNotrackState { NetworkNamespace = net.A, Table = "raw6" }).Cast<CtNotrackState>().Select(s => s.Name!));
    }

    [KernelFact("nft")]
    public void Hostile_values_are_refused_before_nft()
    {
        using var net = new TestNetwork("nh");
        TestNetwork.Nft(net.A, "table inet canary { chain c { type filter hook input priority 0; }; }\n");
        var before = NftJson(net.A);
        var hostile = new (string Property, object Value)[]
        {
            ("Name", "w\"x"), ("Name", "a;b"), ("Name", "a\nb"), ("Name", "@set"), ("Name", "$v"), ("Name", "c} {"), ("Name", new string('n', 120)),
            ("Table", "t\"; flush ruleset; add table ip evil {}"), ("Chain", "c} { chain x"), ("Chain", "a\nb"), ("Family", "inet;"),
            ("Hook", "input"), ("Hook", "prerouting; flush ruleset"), ("Protocol", "tcp; flush ruleset"), ("Protocol", "\"tcp\""),
            ("InputInterface", new[] { "eth*" }), ("InputInterface", new[] { "a\"b" }), ("InputInterface", new[] { "@x" }), ("OutputInterface", new[] { "a b" }),
            ("SourceAddress", new[] { "10.0.0.1; flush ruleset" }), ("DestinationAddress", new[] { "10.0.0.0/33" }), ("DestinationAddress", new[] { "host.example" }),
            ("SourcePort", new[] { 0 }), ("DestinationPort", new[] { 65536 }),
        };
        foreach (var (property, value) in hostile)
        {
            var node = JsonSerializer.SerializeToNode(new { Name = "ok", Protocol = "tcp", DestinationPort = new[] { 8080 } })!.AsObject();
            node[property] = JsonSerializer.SerializeToNode(value);
            node["NetworkNamespace"] = net.A;
            var desired = Resource.Parse(node.ToJsonString());
            Assert.Throws<CtResourceInputException>(() => Resource.Set(desired, whatIf: false));
            Assert.Throws<CtResourceInputException>(() => Resource.Set(desired, whatIf: true));
        }
        Assert.Equal(before, NftJson(net.A));
    }
}
