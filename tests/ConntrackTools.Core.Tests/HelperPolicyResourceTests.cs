using System.Text.Json;
using System.Text.Json.Nodes;
using ConntrackTools.DesiredState;
using ConntrackTools.Kernel.Nftables;
using Xunit;

namespace ConntrackTools.Tests;

/// <summary>
/// The CtHelperPolicy resource through the Core API against the real kernel, in namespaces made for
/// each test: what Set writes is read back with `nft -j list ruleset`, and real FTP traffic shows
/// the helper attached.
/// </summary>
public class HelperPolicyResourceTests
{
    private static readonly ICtResource Resource = CtResources.Find("ConntrackTools/CtHelperPolicy");

    /// <summary>A desired state from JSON, as DSC and Ansible give it.</summary>
    private static CtHelperPolicyState Desired(string netns, object properties)
    {
        var node = JsonSerializer.SerializeToNode(properties)!.AsObject();
        node["NetworkNamespace"] = netns;
        return (CtHelperPolicyState)Resource.Parse(node.ToJsonString());
    }

    private static string NftJson(string netns) => TestNetwork.Exec(netns, "nft", "-j", "list", "ruleset");

    /// <summary>The ruleset without handles and metainfo, for comparing two namespaces.</summary>
    private static string Normalized(string netns)
    {
        var items = JsonNode.Parse(NftJson(netns))!["nftables"]!.AsArray().Where(i => i!.AsObject().First().Key != "metainfo").Select(i => i!.DeepClone()).ToList();
        foreach (var item in items) item!.AsObject().First().Value!.AsObject().Remove("handle");
        return new JsonArray([.. items]).ToJsonString();
    }

    /// <summary>The items of the ruleset outside one table, with handles (to show they were not touched).</summary>
    private static List<string> Outside(string netns, string table) =>
        [.. JsonNode.Parse(NftJson(netns))!["nftables"]!.AsArray()
            .Where(i => i!.AsObject().First().Key != "metainfo")
            .Where(i => i!.AsObject().First().Value!["table"]?.GetValue<string>() != table && i!["table"]?["name"]?.GetValue<string>() != table)
            .Select(i => i!.ToJsonString())];

    private static List<JsonObject> Items(string netns, string kind) =>
        [.. JsonNode.Parse(NftJson(netns))!["nftables"]!.AsArray().Where(i => i!.AsObject().First().Key == kind).Select(i => i![kind]!.AsObject())];

    [Theory]
    [InlineData("10.0.0.0/25,10.0.0.128/25", "10.0.0.0/24", true)]
    [InlineData("10.0.0.0/24,10.0.0.5", "10.0.0.0/24", true)]
    [InlineData("10.0.0.1/32", "10.0.0.1", true)]
    [InlineData("10.0.0.1-10.0.0.3,10.0.0.4/30", "10.0.0.1-10.0.0.7", true)]
    [InlineData("::/0", "::/1,8000::/1", true)]
    [InlineData("2001:db8::/64", "2001:db8::/63", false)]
    [InlineData("10.0.0.0/24", "10.0.1.0/24", false)]
    [InlineData("10.0.0.1", "::ffff:10.0.0.1", true)]
    [InlineData("0.0.0.0/0", "::/0", false)]
    [InlineData("host.example", "host.example", true)]
    [InlineData("host.example", "10.0.0.1", false)]
    public void Address_lists_compare_by_what_they_cover(string a, string b, bool same) =>
        Assert.Equal(same, NftAddressRanges.SameCoverage(a.Split(','), b.Split(',')));

    [KernelFact("nft")]
    public void Set_from_nothing_builds_the_object_and_restricted_rules_and_a_second_Set_changes_nothing()
    {
        using var net = new TestNetwork("rp");
        var desired = Desired(net.A, new { Name = "ftp-standard", Type = "ftp", DestinationAddress = new[] { net.B4, net.B6 } });

        var set = Resource.Set(desired, whatIf: false);
        Assert.True(set.Changed);
        Assert.Equal(["Ensure"], set.ChangedProperties);
        var sent = JsonNode.Parse(Assert.Single(set.Actions))!["nftables"]!.AsArray();
        Assert.Equal(5, sent.Count); // table, object, chain, one rule per address family

        // What seed 000 builds by hand, restricted as it advises, in the other namespace.
        TestNetwork.Nft(net.B,
            "table inet conntrack {\n  ct helper ftp-standard {\n    type \"ftp\" protocol tcp;\n    l3proto inet;\n  }\n" +
            "  chain helpers {\n    type filter hook prerouting priority filter; policy accept;\n" +
            $"    ip daddr {net.B4} tcp dport 21 ct helper set \"ftp-standard\" comment \"ConntrackTools\"\n" +
            $"    ip6 daddr {net.B6} tcp dport 21 ct helper set \"ftp-standard\" comment \"ConntrackTools\"\n  }}\n}}\n");
        Assert.Equal(Normalized(net.B), Normalized(net.A));

        var after = Assert.IsType<CtHelperPolicyState>(set.AfterState);
        var handle = Items(net.A, "ct helper").Single()["handle"]!.GetValue<long>();
        Assert.Equal((CtEnsure.Present, "ftp", "tcp", "helpers", "prerouting", handle), (after.Ensure, after.Type, after.Protocol, after.Chain, after.Hook, after.Handle));
        Assert.Equal([21], after.DestinationPort!);
        Assert.Equal([net.B4, net.B6], after.DestinationAddress!);
        Assert.Equal(
            [$"ip daddr {net.B4} tcp dport 21 ct helper set \"ftp-standard\"", $"ip6 daddr {net.B6} tcp dport 21 ct helper set \"ftp-standard\""],
            after.Rules!);
        Assert.Equal(0, after.Connections);
        Assert.False(after.AllowAnyDestination);

        var before = NftJson(net.A);
        var again = Resource.Set(Desired(net.A, new { Name = "ftp-standard", Type = "ftp", DestinationAddress = new[] { net.B6, net.B4 } }), whatIf: false);
        Assert.False(again.Changed);
        Assert.Empty(again.Actions);
        Assert.Equal(before, NftJson(net.A));

        var test = Resource.Test(Desired(net.A, new { Name = "ftp-standard", Type = "ftp", DestinationAddress = new[] { net.B4, net.B6 } }));
        Assert.True(test.InDesiredState);
        Assert.Empty(test.DifferingProperties);
        Assert.True(test.ActualState.InDesiredState);

        var got = Assert.IsType<CtHelperPolicyState>(Resource.Get(Desired(net.A, new { Name = "ftp-standard" })));
        Assert.Equal((handle, 2, "inet", "conntrack"), (got.Handle, got.Rules!.Length, got.Family, got.Table));
        Assert.Null(got.InDesiredState);
        var absent = Assert.IsType<CtHelperPolicyState>(Resource.Get(Desired(net.A, new { Name = "nosuch" })));
        Assert.Equal((CtEnsure.Absent, (long?)null), (absent.Ensure, absent.Handle));
    }

    [KernelFact("nft")]
    public void Changing_addresses_or_ports_replaces_only_the_rules_in_one_transaction_and_Type_remakes_the_object()
    {
        using var net = new TestNetwork("rc");
        Resource.Set(Desired(net.A, new { Name = "ftp1", Type = "ftp", DestinationAddress = new[] { "192.0.2.10" } }), whatIf: false);
        var handle = Items(net.A, "ct helper").Single()["handle"]!.GetValue<long>();

        // Only the addresses differ: Test says exactly that; Set swaps the rule and keeps the object.
        var moved = Desired(net.A, new { Name = "ftp1", Type = "ftp", DestinationAddress = new[] { "198.51.100.0/25", "198.51.100.128/25" } });
        var test = Resource.Test(moved);
        Assert.False(test.InDesiredState);
        Assert.Equal(["DestinationAddress"], test.DifferingProperties);
        var set = Resource.Set(moved, whatIf: false);
        Assert.Equal(["DestinationAddress"], set.ChangedProperties);
        var commands = JsonNode.Parse(Assert.Single(set.Actions))!["nftables"]!.AsArray();
        Assert.Equal(["delete", "add"], commands.Select(c => c!.AsObject().First().Key));
        Assert.Equal(handle, Items(net.A, "ct helper").Single()["handle"]!.GetValue<long>());
        // nft merges the two halves into one prefix; what they cover is the same, so it is in desired state.
        Assert.Equal(["ip daddr { 198.51.100.0/24 } tcp dport 21 ct helper set \"ftp1\""], ((CtHelperPolicyState)set.AfterState).Rules!);
        Assert.True(Resource.Test(moved).InDesiredState);
        Assert.False(Resource.Set(moved, whatIf: false).Changed);

        // Only the ports.
        var ports = Desired(net.A, new { Name = "ftp1", Type = "ftp", DestinationAddress = new[] { "198.51.100.0/24" }, DestinationPort = new[] { 2121, 21 } });
        Assert.Equal(["DestinationPort"], Resource.Test(ports).DifferingProperties);
        Assert.Equal(["DestinationPort"], Resource.Set(ports, whatIf: false).ChangedProperties);
        Assert.Contains("tcp dport { 21, 2121 }", TestNetwork.Exec(net.A, "nft", "list", "ruleset"));
        Assert.Equal(handle, Items(net.A, "ct helper").Single()["handle"]!.GetValue<long>());

        // A change that nft refuses halfway leaves everything as it was: another rule refers to the
        // object through a map, so deleting it (to make it again as tftp) fails after the deletes of
        // its assigning rules were already in the batch.
        TestNetwork.Nft(net.A, "table inet conntrack {\n  chain other { type filter hook prerouting priority 10; ct helper set ip saddr map { 10.0.0.1 : \"ftp1\" }; }\n}\n");
        var before = NftJson(net.A);
        var tftp = Desired(net.A, new { Name = "ftp1", Type = "tftp", DestinationAddress = new[] { "198.51.100.0/24" } });
        var failed = Assert.ThrowsAny<NftException>(() => Resource.Set(tftp, whatIf: false));
        Assert.Contains("busy", failed.Message, StringComparison.OrdinalIgnoreCase);
        Assert.Equal(before, NftJson(net.A));

        // Without that reference, a Type change remakes the object and its rules in one transaction.
        TestNetwork.Exec(net.A, "nft", "delete", "chain", "inet", "conntrack", "other");
        var remade = Resource.Set(tftp, whatIf: false);
        Assert.Equal(["Type", "Protocol", "DestinationPort"], remade.ChangedProperties);
        var doc = JsonNode.Parse(Assert.Single(remade.Actions))!["nftables"]!.AsArray();
        Assert.Equal(["delete", "delete", "add", "add", "add"], doc.Select(c => c!.AsObject().First().Key));
        var obj = Items(net.A, "ct helper").Single();
        Assert.Equal(("tftp", "udp"), (obj["type"]!.GetValue<string>(), obj["protocol"]!.GetValue<string>()));
        Assert.NotEqual(handle, obj["handle"]!.GetValue<long>());
        Assert.Equal(["ip daddr 198.51.100.0/24 udp dport 69 ct helper set \"ftp1\""], ((CtHelperPolicyState)remade.AfterState).Rules!);
        Assert.True(Resource.Test(tftp).InDesiredState);
    }

    [KernelFact("nft")]
    public void Absent_removes_the_object_and_its_rules_and_nothing_else()
    {
        using var net = new TestNetwork("ra");
        TestNetwork.Nft(net.A, "table inet canary { chain c { type filter hook input priority 0; ip saddr 10.9.9.9 counter; }; }\n");
        Resource.Set(Desired(net.A, new { Name = "ftp1", Type = "ftp", DestinationAddress = new[] { "192.0.2.10" } }), whatIf: false);
        Resource.Set(Desired(net.A, new { Name = "sip1", Type = "sip", Protocol = "udp", DestinationAddress = new[] { "192.0.2.20", "2001:db8::20" } }), whatIf: false);
        // A rule of someone else's in the same chain, and in the same table a chain of its own.
        TestNetwork.Nft(net.A, "table inet conntrack {\n  chain helpers { ip saddr 10.8.8.8 counter; }\n  chain mine { type filter hook input priority 0; }\n}\n");
        var outside = Outside(net.A, "conntrack");

        var gone = Resource.Set(Desired(net.A, new { Name = "ftp1", Ensure = "Absent" }), whatIf: false);
        Assert.Equal(["Ensure"], gone.ChangedProperties);
        Assert.Equal(CtEnsure.Absent, ((CtHelperPolicyState)gone.AfterState).Ensure);
        var text = TestNetwork.Exec(net.A, "nft", "list", "ruleset");
        Assert.DoesNotContain("ftp1", text);
        Assert.Contains("ct helper sip1", text);
        Assert.Equal(2, Resource.Get(Desired(net.A, new { Name = "sip1" })) is CtHelperPolicyState { Rules: { } r } ? r.Length : -1);
        Assert.Contains("ip saddr 10.8.8.8 counter", text);
        Assert.Contains("chain mine", text);
        Assert.Equal(outside, Outside(net.A, "conntrack"));

        // The second Absent finds nothing to do.
        var before = NftJson(net.A);
        var again = Resource.Set(Desired(net.A, new { Name = "ftp1", Ensure = "Absent" }), whatIf: false);
        Assert.False(again.Changed);
        Assert.Empty(again.Actions);
        Assert.Equal(before, NftJson(net.A));
        Assert.True(Resource.Test(Desired(net.A, new { Name = "ftp1", Ensure = "Absent" })).InDesiredState);

        // When the last policy goes, the chain and table it leaves empty go too; others stay.
        TestNetwork.Exec(net.A, "nft", "delete", "chain", "inet", "conntrack", "mine");
        TestNetwork.Exec(net.A, "nft", "flush", "chain", "inet", "conntrack", "helpers");
        Resource.Set(Desired(net.A, new { Name = "sip1", Type = "sip", Protocol = "udp", DestinationAddress = new[] { "192.0.2.20" } }), whatIf: false);
        Resource.Set(Desired(net.A, new { Name = "sip1", Ensure = "Absent" }), whatIf: false);
        Assert.DoesNotContain(Items(net.A, "table"), t => t["name"]!.GetValue<string>() == "conntrack");
        Assert.Equal(outside, Outside(net.A, "conntrack"));
    }

    [KernelFact("nft")]
    public void WhatIf_changes_nothing_and_predicts_the_state_after()
    {
        using var net = new TestNetwork("rw");
        var desired = Desired(net.A, new { Name = "irc1", Type = "irc", DestinationAddress = new[] { "192.0.2.30" }, InputInterface = new[] { "veth0" } });
        var before = NftJson(net.A);
        var predicted = Resource.Set(desired, whatIf: true);
        Assert.Equal(before, NftJson(net.A));
        Assert.True(predicted.WhatIf);
        Assert.Equal(["Ensure"], predicted.ChangedProperties);
        Assert.Empty(predicted.Actions);
        var p = (CtHelperPolicyState)predicted.AfterState;

        var real = Resource.Set(desired, whatIf: false);
        var a = (CtHelperPolicyState)real.AfterState;
        Assert.Equal(
            (a.Ensure, a.Type, a.Protocol, a.Chain, a.Hook, string.Join(",", a.DestinationAddress!), string.Join(",", a.DestinationPort!), string.Join(",", a.InputInterface!), a.AllowAnyDestination),
            (p.Ensure, p.Type, p.Protocol, p.Chain, p.Hook, string.Join(",", p.DestinationAddress!), string.Join(",", p.DestinationPort!), string.Join(",", p.InputInterface!), p.AllowAnyDestination));
        Assert.Equal(a.Rules, p.Rules);
        Assert.Equal(["iifname \"veth0\" ip daddr 192.0.2.30 tcp dport 6667 ct helper set \"irc1\""], a.Rules!);

        // A change predicted: the object stays (same handle), the rule is the new one.
        var change = Desired(net.A, new { Name = "irc1", Type = "irc", DestinationAddress = new[] { "192.0.2.31" } });
        before = NftJson(net.A);
        var what = Resource.Set(change, whatIf: true);
        Assert.Equal(before, NftJson(net.A));
        Assert.Equal(["DestinationAddress"], what.ChangedProperties);
        var q = (CtHelperPolicyState)what.AfterState;
        Assert.Equal(a.Handle, q.Handle);
        Assert.Equal(["iifname \"veth0\" ip daddr 192.0.2.31 tcp dport 6667 ct helper set \"irc1\""], q.Rules!);
        Assert.Equal(q.Rules, ((CtHelperPolicyState)Resource.Set(change, whatIf: false).AfterState).Rules);
    }

    [KernelFact("nft")]
    public void Export_lists_every_helper_object_and_each_tests_in_desired_state()
    {
        using var net = new TestNetwork("re");
        Resource.Set(Desired(net.A, new { Name = "ftp1", Type = "ftp", DestinationAddress = new[] { "192.0.2.10", "2001:db8::10" } }), whatIf: false);
        Resource.Set(Desired(net.A, new { Name = "tftp1", Type = "tftp", Family = "ip", Table = "fw", Chain = "pre", Hook = "forward", DestinationAddress = new[] { "192.0.2.0/24" }, DestinationPort = new[] { 69, 6969 } }), whatIf: false);
        Resource.Set(Desired(net.A, new { Name = "ftp-any", Type = "ftp", AllowAnyDestination = true, DestinationPort = new[] { 2121 } }), whatIf: false);
        // Seed 000's example, written by hand.
        TestNetwork.Nft(net.A,
            "table inet stateful_ftp {\n  ct helper ftp-standard {\n    type \"ftp\" protocol tcp;\n  }\n" +
            "  chain PRE {\n    type filter hook prerouting priority filter;\n    tcp dport 21 ct helper set \"ftp-standard\"\n  }\n}\n");

        var all = Resource.Export(new CtHelperPolicyState { NetworkNamespace = net.A }).Cast<CtHelperPolicyState>().ToList();
        Assert.Equal(["ftp-any", "ftp-standard", "ftp1", "tftp1"], all.Select(s => s.Name).Order(StringComparer.Ordinal));
        foreach (var s in all)
        {
            Assert.Equal((net.A, CtEnsure.Present), (s.NetworkNamespace, s.Ensure));
            var test = Resource.Test(s);
            Assert.True(test.InDesiredState, $"{s.Name}: {string.Join(",", test.DifferingProperties)}");
        }
        var seed = all.Single(s => s.Name == "ftp-standard");
        Assert.Equal(("stateful_ftp", "PRE", "prerouting", true, 0), (seed.Table, seed.Chain, seed.Hook, seed.AllowAnyDestination, seed.DestinationAddress!.Length));
        var tftp = all.Single(s => s.Name == "tftp1");
        Assert.Equal(("ip", "fw", "pre", "forward", "udp", "69,6969"), (tftp.Family, tftp.Table, tftp.Chain, tftp.Hook, tftp.Protocol, string.Join(",", tftp.DestinationPort!)));

        // Narrowed by table and family.
        Assert.Equal(["tftp1"], Resource.Export(new CtHelperPolicyState { NetworkNamespace = net.A, Table = "fw" }).Cast<CtHelperPolicyState>().Select(s => s.Name));
        Assert.Equal(["tftp1"], Resource.Export(new CtHelperPolicyState { NetworkNamespace = net.A, Family = "ip" }).Cast<CtHelperPolicyState>().Select(s => s.Name));

        // Exported states survive JSON (what DSC and Ansible carry) and still test in desired state.
        foreach (var s in all)
            Assert.True(Resource.Test(Resource.Parse(ConntrackTools.Json.CtJson.Serialize(s))).InDesiredState);
    }

    [KernelFact("nft")]
    public void A_rule_that_says_more_than_the_properties_is_rewritten()
    {
        using var net = new TestNetwork("rx");
        TestNetwork.Nft(net.A,
            "table inet conntrack {\n  ct helper ftp1 { type \"ftp\" protocol tcp; }\n" +
            "  chain helpers {\n    type filter hook prerouting priority filter;\n    ip daddr 192.0.2.10 tcp dport 21 counter ct helper set \"ftp1\"\n  }\n}\n");
        var desired = Desired(net.A, new { Name = "ftp1", Type = "ftp", DestinationAddress = new[] { "192.0.2.10" } });
        Assert.Equal(["Rules"], Resource.Test(desired).DifferingProperties);
        Assert.Equal(["Rules"], Resource.Set(desired, whatIf: false).ChangedProperties);
        Assert.DoesNotContain("dport 21 counter", TestNetwork.Exec(net.A, "nft", "list", "ruleset"));
        Assert.True(Resource.Test(desired).InDesiredState);
    }

    [KernelFact("nft")]
    public void Hostile_values_are_refused_before_nft_and_weird_names_made_by_hand_are_read_literally()
    {
        using var net = new TestNetwork("rh");
        TestNetwork.Nft(net.A, "table inet canary { chain c { type filter hook input priority 0; }; }\n");
        var before = NftJson(net.A);
        var hostile = new (string Property, object Value)[]
        {
            ("Name", "h\"x"), ("Name", "a;b"), ("Name", "a\nb"), ("Name", "@set"), ("Name", "$v"), ("Name", "c} {"),
            ("Table", "t\"; flush ruleset; add table ip evil {}"), ("Table", " lead"), ("Chain", "c} { chain x"), ("Chain", "pre;"),
            ("Family", "inet; flush ruleset"), ("Hook", "prerouting; flush ruleset"), ("Type", "ftp\"; flush ruleset"), ("Protocol", "tcp;"),
            ("InputInterface", new[] { "eth*" }), ("InputInterface", new[] { "a\"b" }), ("InputInterface", new[] { "$if" }), ("InputInterface", new[] { "a\nb" }),
            ("DestinationAddress", new[] { "10.0.0.1; flush ruleset" }), ("DestinationAddress", new[] { "host.example" }), ("DestinationAddress", new[] { "10.0.0.1\n" }),
            ("DestinationAddress", new[] { "{ 10.0.0.1 }" }), ("DestinationPort", new[] { 0 }), ("DestinationPort", new[] { 70000 }),
        };
        foreach (var (property, value) in hostile)
        {
            var node = JsonSerializer.SerializeToNode(new { Name = "ok", Type = "ftp", DestinationAddress = new[] { "192.0.2.10" } })!.AsObject();
            node[property] = JsonSerializer.SerializeToNode(value);
            node["NetworkNamespace"] = net.A;
            var desired = Resource.Parse(node.ToJsonString());
            Assert.Throws<CtResourceInputException>(() => Resource.Set(desired, whatIf: false));
            Assert.Throws<CtResourceInputException>(() => Resource.Test(desired));
        }
        Assert.Equal(before, NftJson(net.A));

        // No restriction at all: refused, quoting seed 000, unless asked for.
        var open = Desired(net.A, new { Name = "ok", Type = "ftp" });
        var refused = Assert.Throws<CtResourceInputException>(() => Resource.Set(open, whatIf: false));
        Assert.Contains("daddr", refused.Message);
        Assert.Contains("AllowAnyDestination", refused.Message);
        Assert.Throws<CtResourceInputException>(() => Resource.Set(Desired(net.A, new { Name = "ok", Type = "ftp", DestinationAddress = Array.Empty<string>() }), whatIf: false));
        Assert.Contains("case-sensitive", Assert.Throws<CtResourceInputException>(() => Resource.Test(Desired(net.A, new { Name = "ok", Type = "FTP", DestinationAddress = new[] { "192.0.2.1" } }))).Message);
        Assert.Throws<CtResourceInputException>(() => Resource.Test(Desired(net.A, new { Name = "ok", Type = "sip", DestinationAddress = new[] { "192.0.2.1" } }))); // tcp or udp?
        Assert.Throws<CtResourceInputException>(() => Resource.Test(Desired(net.A, new { Name = "ok", Family = "ip", Type = "ftp", DestinationAddress = new[] { "2001:db8::1" } })));
        Assert.Throws<CtResourceInputException>(() => Resource.Parse("{\"Name\":\"ok\",\"Evil\":\"x\"}"));
        Assert.Equal(before, NftJson(net.A));

        // An object another tool made with such names is read literally, through JSON.
        const string table = "t\"; flush ruleset; add table ip evil {}";
        const string name = "h'x;\"{}";
        var doc = new JsonObject
        {
            ["nftables"] = new JsonArray(
                new JsonObject { ["add"] = new JsonObject { ["table"] = new JsonObject { ["family"] = "inet", ["name"] = table } } },
                new JsonObject { ["add"] = new JsonObject { ["ct helper"] = new JsonObject { ["family"] = "inet", ["table"] = table, ["name"] = name, ["type"] = "ftp", ["protocol"] = "tcp", ["l3proto"] = "inet" } } },
                new JsonObject { ["add"] = new JsonObject { ["chain"] = new JsonObject { ["family"] = "inet", ["table"] = table, ["name"] = "pre", ["type"] = "filter", ["hook"] = "prerouting", ["prio"] = 0, ["policy"] = "accept" } } },
                new JsonObject { ["add"] = new JsonObject { ["rule"] = new JsonObject { ["family"] = "inet", ["table"] = table, ["chain"] = "pre", ["expr"] = new JsonArray(new JsonObject { ["ct helper"] = name }) } } }),
        };
        var r = Shell.Run("ip", ["netns", "exec", net.A, "nft", "-j", "-f", "-"], stdin: doc.ToJsonString());
        Assert.True(r.ExitCode == 0, r.Stderr);
        var listed = Assert.Single(Resource.Export(new CtHelperPolicyState { NetworkNamespace = net.A }).Cast<CtHelperPolicyState>());
        Assert.Equal((name, table, "pre", "ftp"), (listed.Name, listed.Table, listed.Chain, listed.Type));
        Assert.Equal(["ct helper set \"h'x;\\\"{}\""], listed.Rules!);
        // Its JSON carries the names as strings; a desired state with them is refused, not sent.
        var json = ConntrackTools.Json.CtJson.Serialize(listed);
        Assert.Equal(name, JsonNode.Parse(json)!["Name"]!.GetValue<string>());
        Assert.Throws<CtResourceInputException>(() => Resource.Set(Resource.Parse(json), whatIf: false));
        Assert.Contains(Items(net.A, "table"), t => t["name"]!.GetValue<string>() == "canary");
    }

    /// <summary>Stops the vsftpd of a namespace (FtpScenario leaves it listening), so the next scenario starts its own.</summary>
    private static void StopVsftpd(string netns)
    {
        foreach (var pid in Shell.Check("ip", "netns", "pids", netns).Split('\n', StringSplitOptions.RemoveEmptyEntries))
            if (File.Exists($"/proc/{pid}/comm") && File.ReadAllText($"/proc/{pid}/comm").Trim() == "vsftpd")
                Shell.Run("kill", [pid]);
        for (var i = 0; i < 50 && TestNetwork.Try(netns, "ss", "-ltn", "sport = :21").Stdout.Contains(":21"); i++) Thread.Sleep(100);
    }

    [KernelFact("nft", "conntrack", "vsftpd", "python3")]
    public void A_real_FTP_session_gets_the_helper_after_Set_and_not_after_Absent()
    {
        using var net = new TestNetwork("rf");
        Resource.Set(Desired(net.B, new { Name = "ftp-standard", Type = "ftp", DestinationAddress = new[] { net.B4 } }), whatIf: false);
        using (var ftp = new FtpScenario(net, ipv6: false, "PASV", assignHelper: false))
        {
            Assert.Contains("227", ftp.Reply);
            Assert.Contains("helper=ftp", TestNetwork.Exec(net.B, "conntrack", "-L"));
            Assert.NotEmpty(TestNetwork.Exec(net.B, "conntrack", "-L", "expect").Trim());
            var got = (CtHelperPolicyState)Resource.Get(Desired(net.B, new { Name = "ftp-standard" }));
            Assert.Equal(1, got.Connections);
        }
        StopVsftpd(net.B);
        TestNetwork.Exec(net.B, "conntrack", "-F");

        Resource.Set(Desired(net.B, new { Name = "ftp-standard", Ensure = "Absent" }), whatIf: false);
        using (var ftp = new FtpScenario(net, ipv6: false, "PASV", assignHelper: false))
        {
            Assert.Contains("227", ftp.Reply);
            Assert.DoesNotContain("helper=", TestNetwork.Exec(net.B, "conntrack", "-L"));
            Assert.Empty(TestNetwork.Exec(net.B, "conntrack", "-L", "expect").Trim());
        }
    }
}
