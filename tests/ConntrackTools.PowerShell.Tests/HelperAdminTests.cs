using System.Management.Automation;
using System.Text.Json;
using System.Text.Json.Nodes;
using Xunit;

namespace ConntrackTools.Tests;

/// <summary>
/// New-/Get-/Remove-CtHelper and the NOTRACK cmdlets against the real kernel: what they write is
/// read back with `nft -j list ruleset`, and real traffic shows its effect.
/// </summary>
public class HelperAdminTests
{
    /// <summary>The ruleset as `nft -j list ruleset` gives it, without handles, comments and metainfo, for comparison.</summary>
    private static string Normalized(string netns)
    {
        var doc = JsonNode.Parse(TestNetwork.Exec(netns, "nft", "-j", "list", "ruleset"))!;
        var items = doc["nftables"]!.AsArray().Where(i => i!.AsObject().First().Key != "metainfo").Select(i => i!.DeepClone()).ToList();
        foreach (var item in items)
        {
            var body = item!.AsObject().First().Value!.AsObject();
            body.Remove("handle");
            body.Remove("comment");
        }
        return new JsonArray([.. items]).ToJsonString();
    }

    /// <summary>conntrack -L lines whose original direction goes to (or comes from) the port.</summary>
    private static List<string> OriginalTo(string netns, int port) => Lines(netns, "dport", port);

    private static List<string> OriginalFrom(string netns, int port) => Lines(netns, "sport", port);

    private static List<string> Lines(string netns, string key, int port) =>
        TestNetwork.Exec(netns, "conntrack", "-L").Split('\n')
            .Where(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries).FirstOrDefault(w => w.StartsWith(key + "=", StringComparison.Ordinal)) == $"{key}={port}")
            .ToList();

    /// <summary>Stops the vsftpd of a namespace (FtpScenario leaves it listening), so the next scenario starts its own.</summary>
    private static void StopVsftpd(string netns)
    {
        foreach (var pid in Shell.Check("ip", "netns", "pids", netns).Split('\n', StringSplitOptions.RemoveEmptyEntries))
            if (File.Exists($"/proc/{pid}/comm") && File.ReadAllText($"/proc/{pid}/comm").Trim() == "vsftpd")
                Shell.Run("kill", [pid]);
        for (var i = 0; i < 50 && TestNetwork.Try(netns, "ss", "-ltn", "sport = :21").Stdout.Contains(":21"); i++) Thread.Sleep(100);
    }

    private static string NftJson(string netns) => TestNetwork.Exec(netns, "nft", "-j", "list", "ruleset");

    [KernelFact("nft")]
    public void New_CtHelper_builds_what_the_seed_example_builds_by_hand()
    {
        using var net = new TestNetwork("ha");
        using var ps = new PsSession();
        // Seed 000, steps 1 and 2, written by hand in A ...
        TestNetwork.Nft(net.A,
            "table inet stateful_ftp {\n  ct helper ftp-standard {\n    type \"ftp\" protocol tcp;\n  }\n" +
            "  chain PRE {\n    type filter hook prerouting priority filter;\n    tcp dport 21 ct helper set \"ftp-standard\"\n  }\n}\n");
        // ... and by New-CtHelper in B.
        var made = ps.Objects($"New-CtHelper -Netns {net.B} -Name ftp-standard -Type ftp -Table stateful_ftp -Chain PRE -AssignRule -WarningAction SilentlyContinue");
        var o = Assert.IsType<CtHelperObject>(Assert.Single(made).BaseObject);
        Assert.Equal(Normalized(net.A), Normalized(net.B));
        Assert.Equal(("ftp-standard", "ftp", CtProtocol.Tcp, "stateful_ftp", $"kernel:{net.B}"), (o.Name, o.Type, o.Protocol, o.Table, o.Backend));
        var rule = Assert.Single(o.Rules);
        Assert.Equal(("PRE", "prerouting", "ftp-standard", "tcp dport 21 ct helper set \"ftp-standard\""), (rule.Chain, rule.Hook, rule.Helper, rule.Text));
        Assert.Contains("\"comment\": \"ConntrackTools\"", NftJson(net.B).Replace("\":\"", "\": \""));
    }

    [KernelFact("nft", "conntrack", "vsftpd", "python3")]
    public void A_real_FTP_transfer_through_New_CtHelper_creates_expectations_and_Remove_CtHelper_stops_them()
    {
        using var net = new TestNetwork("hf");
        using var ps = new PsSession();
        var made = ps.Objects($"New-CtHelper -Netns {net.B} ftp-standard -Type ftp -Table fw -DestinationAddress {net.B4}");
        Assert.Equal(net.B4, Assert.Single(Assert.Single(Assert.IsType<CtHelperObject>(Assert.Single(made).BaseObject).Rules).DestinationAddresses));

        using (var ftp = new FtpScenario(net, ipv6: false, "PASV", assignHelper: false))
        {
            Assert.Contains("227", ftp.Reply);
            var exp = Assert.Single(ps.Objects($"Get-CtExpectation -Netns {net.B}"));
            Assert.Equal("ftp", ((CtExpectation)exp.BaseObject).Helper);
            Assert.Contains("helper=ftp", TestNetwork.Exec(net.B, "conntrack", "-L"));
            var counted = Assert.IsType<CtHelperObject>(Assert.Single(ps.Objects($"Get-CtHelper -Netns {net.B} -Ruleset")).BaseObject);
            Assert.Equal(1, counted.Connections);
            var helper = Assert.IsType<CtHelper>(Assert.Single(ps.Objects($"Get-CtHelper -Netns {net.B} ftp")).BaseObject);
            Assert.Equal(1, helper.Connections);
            Assert.Equal(["inet fw ftp-standard"], helper.Objects);
        }
        StopVsftpd(net.B);
        TestNetwork.Exec(net.B, "conntrack", "-F");

        ps.Objects($"Get-CtHelper -Netns {net.B} -Ruleset | Remove-CtHelper");
        Assert.DoesNotContain("fw", NftJson(net.B));
        using (var ftp = new FtpScenario(net, ipv6: false, "PASV", assignHelper: false))
        {
            Assert.Contains("227", ftp.Reply);
            Assert.Empty(ps.Objects($"Get-CtExpectation -Netns {net.B}"));
            Assert.DoesNotContain("helper=", TestNetwork.Exec(net.B, "conntrack", "-L"));
        }
    }

    [KernelFact("nft", "conntrack", "vsftpd", "python3")]
    public void A_helper_restricted_to_another_server_does_not_parse_this_servers_traffic()
    {
        using var net = new TestNetwork("hr");
        using var ps = new PsSession();
        ps.Objects($"New-CtHelper -Netns {net.B} ftp-standard -Type ftp -DestinationAddress 192.0.2.10");
        using var ftp = new FtpScenario(net, ipv6: false, "PASV", assignHelper: false);
        Assert.Contains("227", ftp.Reply);
        Assert.Empty(ps.Objects($"Get-CtExpectation -Netns {net.B}"));
    }

    [KernelFact("nft")]
    public void Hostile_names_are_refused_when_creating_and_carried_literally_when_reading_and_removing()
    {
        using var net = new TestNetwork("hh");
        using var ps = new PsSession();
        TestNetwork.Nft(net.A, "table inet canary { chain c { type filter hook input priority 0; }; }\n");
        var before = NftJson(net.A);

        // Quotes, semicolons, braces, newlines, spaces, references: refused before nft sees them,
        // because `nft list ruleset` prints names unquoted and a saved ruleset would not load back
        // (or would run the text as nft commands). Nothing changes.
        foreach (var (param, bad) in new[]
        {
            ("-Table", "'t\"; flush ruleset; add table ip evil {}'"), ("-Chain", "'c} { chain x'"), ("-Name", "'h''x'"),
            ("-Name", "\"a`nb\""), ("-Name", "'@set'"), ("-Name", "'$v'"), ("-Table", "' lead'"), ("-Name", "'a;b'"),
        })
        {
            var objectName = param == "-Name" ? bad : "ok";
            var extra = param == "-Name" ? "" : $"{param} {bad}";
            var (_, errors) = ps.Run($"New-CtHelper -Netns {net.A} -Name {objectName} -Type ftp -DestinationAddress 10.1.2.3 {extra}");
            var e = Assert.Single(errors);
            Assert.Equal(ErrorCategory.InvalidArgument, e.CategoryInfo.Category);
            Assert.Contains("load back", e.Exception.Message);
        }
        foreach (var bad in new[] { "-DestinationAddress 'host.example'", "-DestinationAddress '10.0.0.1; flush ruleset'", "-InputInterface 'eth*'", "-InputInterface 'a\"b'" })
        {
            var (_, errors) = ps.Run($"New-CtHelper -Netns {net.A} -Name ok -Type ftp {bad}");
            Assert.Equal(ErrorCategory.InvalidArgument, Assert.Single(errors).CategoryInfo.Category);
        }
        Assert.Equal(before, NftJson(net.A));

        // Names nft reads as keywords (`tcp` as the helper, `notrack` as a chain, `ct` as a table) would
        // not load back from `nft list ruleset`: refused before anything is sent.
        foreach (var keyword in new[] { "-Name tcp", "-Name ok -Chain notrack", "-Name ok -Table ct" })
        {
            var (_, errs) = ps.Run($"New-CtHelper -Netns {net.A} {keyword} -Type ftp -AssignRule -DestinationAddress 192.0.2.1");
            var keywordError = Assert.Single(errs);
            Assert.Equal(ErrorCategory.InvalidArgument, keywordError.CategoryInfo.Category);
            Assert.Contains("keyword", keywordError.Exception.Message + keywordError.ErrorDetails?.Message);
        }
        Assert.Equal(before, NftJson(net.A));

        // Objects another tool made with such names are listed and removed literally, through JSON.
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
        var listed = Assert.IsType<CtHelperObject>(Assert.Single(ps.Objects($"Get-CtHelper -Netns {net.A} -Ruleset")).BaseObject);
        Assert.Equal((name, table, 1), (listed.Name, listed.Table, listed.Rules.Length));
        ps.Objects($"Get-CtHelper -Netns {net.A} -Ruleset | Remove-CtHelper");
        var json = JsonNode.Parse(NftJson(net.A))!["nftables"]!.AsArray();
        Assert.Contains(json, i => i!["table"]?["name"]?.GetValue<string>() == "canary");
        Assert.DoesNotContain(json, i => i!["table"]?["name"]?.GetValue<string>() is "evil" or table);
    }

    [KernelFact("nft")]
    public void WhatIf_shows_the_exact_json_and_changes_nothing_and_conflicts_are_errors()
    {
        using var net = new TestNetwork("hw");
        using var ps = new PsSession();
        var before = NftJson(net.A);
        var text = ps.Render($"New-CtHelper -Netns {net.A} sip-provider -Type sip -Protocol udp -DestinationAddress 192.0.2.0/24,2001:db8::1 -WhatIf");
        Assert.Equal(before, NftJson(net.A));
        var json = text[text.IndexOf("{\"nftables\"", StringComparison.Ordinal)..].ReplaceLineEndings("").Trim();
        var doc = JsonNode.Parse(json)!["nftables"]!.AsArray();
        Assert.Equal(5, doc.Count); // table, object, chain, one rule per family
        Assert.Contains("{\"prefix\":{\"addr\":\"192.0.2.0\",\"len\":24}}", json);
        Assert.Contains("\"ip6\",\"field\":\"daddr\"}},\"right\":\"2001:db8::1\"", json);

        ps.Objects($"New-CtHelper -Netns {net.A} sip-provider -Type sip -Protocol udp");
        var (_, errors) = ps.Run($"New-CtHelper -Netns {net.A} sip-provider -Type sip -Protocol udp");
        Assert.Equal("RulesetConflict,ConntrackTools.Commands.NewCtHelperCommand", Assert.Single(errors).FullyQualifiedErrorId);
        (_, errors) = ps.Run($"New-CtHelper -Netns {net.A} x -Type sip");
        Assert.Equal("ProtocolRequired,ConntrackTools.Commands.NewCtHelperCommand", Assert.Single(errors).FullyQualifiedErrorId);
        (_, errors) = ps.Run($"New-CtHelper -Netns {net.A} x -Type FTP");
        Assert.Contains("case-sensitive", Assert.Single(errors).Exception.Message);
        (_, errors) = ps.Run($"Remove-CtHelper -Netns {net.A} nosuch");
        Assert.Equal("HelperObjectNotFound,ConntrackTools.Commands.RemoveCtHelperCommand", Assert.Single(errors).FullyQualifiedErrorId);
        ps.Objects($"Remove-CtHelper -Netns {net.A} sip-provider -WhatIf");
        Assert.Contains("sip-provider", NftJson(net.A));
    }

    [KernelFact("nft")]
    public void Remove_CtHelper_keeps_what_it_did_not_make()
    {
        using var net = new TestNetwork("hk");
        using var ps = new PsSession();
        TestNetwork.Nft(net.A, "table inet fw {\n  set allowed { type ipv4_addr; }\n  chain pre { type filter hook prerouting priority 0; ip saddr 10.9.9.9 counter; }\n}\n");
        ps.Objects($"New-CtHelper -Netns {net.A} ftp1 -Type ftp -Table fw -Chain pre -DestinationAddress 10.0.0.1");
        ps.Objects($"New-CtHelper -Netns {net.A} tftp1 -Type tftp -Table fw -Chain pre -DestinationAddress 10.0.0.1");
        ps.Objects($"Remove-CtHelper -Netns {net.A} ftp1");
        var text = TestNetwork.Exec(net.A, "nft", "list", "ruleset");
        Assert.DoesNotContain("ct helper ftp1 ", text);
        Assert.Contains("ct helper tftp1 ", text);
        Assert.Contains("ip saddr 10.9.9.9 counter", text);
        ps.Objects($"Remove-CtHelper -Netns {net.A} tftp1 -Table fw -Family inet");
        text = TestNetwork.Exec(net.A, "nft", "list", "ruleset");
        Assert.Contains("set allowed", text);
        Assert.Contains("chain pre", text);
    }

    [KernelFact("nft", "conntrack", "python3")]
    public void Notrack_rules_exempt_traffic_and_removing_them_tracks_it_again()
    {
        using var net = new TestNetwork("hn");
        using var ps = new PsSession();
        var (output, errors) = ps.Run($"New-CtNotrackRule -Netns {net.B} -Protocol Tcp -DestinationPort 8080 -DestinationAddress {net.B4} -WarningVariable w; $w");
        Assert.Empty(errors);
        var rule = Assert.IsType<CtRule>(output[0].BaseObject);
        Assert.Equal(("Notrack", "prerouting", $"ip daddr {net.B4} tcp dport 8080 notrack"), (rule.Kind, rule.Hook, rule.Text));
        Assert.Contains("RELATED", output[1].ToString());
        Assert.Contains("priority raw", TestNetwork.Exec(net.B, "nft", "list", "ruleset"));

        net.Tcp(net.B4, 8080);
        // The client's packets are untracked in B; B's replies are not, as seed 003 warns: they make
        // an entry of their own, from port 8080.
        Assert.Empty(OriginalTo(net.B, 8080));
        Assert.NotEmpty(OriginalFrom(net.B, 8080));
        Assert.NotEmpty(OriginalTo(net.A, 8080)); // A still tracks its side

        // The reply direction exempted too (output hook): B tracks nothing of it.
        ps.Objects($"New-CtNotrackRule -Netns {net.B} -Hook output -Protocol Tcp -SourcePort 8080 -SourceAddress {net.B4} -WarningAction SilentlyContinue");
        TestNetwork.Exec(net.B, "conntrack", "-F");
        net.Tcp(net.B4, 8080);
        Assert.DoesNotContain("8080", TestNetwork.Exec(net.B, "conntrack", "-L"));

        var listed = ps.Objects($"Get-CtNotrackRule -Netns {net.B}").Select(o => (CtRule)o.BaseObject).ToList();
        Assert.Equal(2, listed.Count);
        Assert.Contains(listed, r => r.Handle == rule.Handle);
        Assert.Contains(listed, r => r.Hook == "output" && r.Chain == "notrack_output");
        ps.Objects($"Get-CtNotrackRule -Netns {net.B} | Remove-CtNotrackRule");
        Assert.Empty(ps.Objects($"Get-CtNotrackRule -Netns {net.B}"));
        net.Tcp(net.B4, 8080);
        Assert.NotEmpty(OriginalTo(net.B, 8080));
    }

    [KernelFact("nft")]
    public void Notrack_rules_refuse_what_would_not_work()
    {
        using var net = new TestNetwork("hv");
        using var ps = new PsSession();
        var before = NftJson(net.A);
        foreach (var bad in new[]
        {
            "-Protocol Tcp -OutputInterface veth0",
            "-Hook output -InputInterface veth0",
            "-DestinationPort 80",
            "-Table x",
            "-Family ip -DestinationAddress fd00::1",
        })
        {
            var (_, errors) = ps.Run($"New-CtNotrackRule -Netns {net.A} {bad}");
            Assert.Equal(ErrorCategory.InvalidArgument, Assert.Single(errors).CategoryInfo.Category);
        }
        Assert.Equal(before, NftJson(net.A));
        TestNetwork.Nft(net.A, "table inet fw { chain pre { type filter hook prerouting priority 0; tcp dport 22 accept; }; }\n");
        var handle = JsonNode.Parse(NftJson(net.A))!["nftables"]!.AsArray().First(i => i!["rule"]?["table"]?.GetValue<string>() == "fw")!["rule"]!["handle"]!.GetValue<long>();
        var (_, errs) = ps.Run($"Remove-CtNotrackRule -Netns {net.A} -Table fw -Chain pre -Handle {handle}");
        Assert.Equal("NotANotrackRule,ConntrackTools.Commands.RemoveCtNotrackRuleCommand", Assert.Single(errs).FullyQualifiedErrorId);
        Assert.Contains("tcp dport 22 accept", TestNetwork.Exec(net.A, "nft", "list", "ruleset"));
    }

    [KernelFact("nft")]
    public void Get_CtHelper_asks_the_kernel_which_helpers_it_offers()
    {
        using var net = new TestNetwork("ho");
        using var ps = new PsSession();
        var names = ps.Objects($"Get-CtHelper -Netns {net.A}").Select(o => (CtHelper)o.BaseObject).Select(h => $"{h.Name}/{h.Protocol}").ToList();
        // pptp has no module parameters and so no /sys/module entry when built in; the kernel still offers it.
        foreach (var expected in new[] { "ftp/Tcp", "tftp/Udp", "sip/Udp", "sip/Tcp", "pptp/Tcp", "RAS/Udp", "Q.931/Tcp", "irc/Tcp" })
            Assert.Contains(expected, names);
        Assert.DoesNotContain(names, n => n.StartsWith("dhcpv6", StringComparison.Ordinal));
        // The ruleset shows in the tree: nothing yet.
        Assert.All(ps.Objects($"Get-CtHelper -Netns {net.A}"), o => Assert.Empty(((CtHelper)o.BaseObject).Objects));
    }
}
