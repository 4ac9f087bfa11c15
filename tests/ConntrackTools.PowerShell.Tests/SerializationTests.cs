using System.Management.Automation;
using System.Text.Json.Nodes;
using ConntrackTools.Json;
using Xunit;

namespace ConntrackTools.Tests;

/// <summary>
/// The module's objects through a CliXml round trip, as remoting, jobs and Import-Clixml make them
/// (PSSerializer is the serializer remoting uses, with the types file's depths and methods): the
/// Deserialized.* objects show the same tables, keep the properties a user filters on, and write the
/// same JSON; and ConvertTo-CtJson in the engine writes CtJson's shape.
/// </summary>
public class SerializationTests
{
    private static string Lab => Path.Combine(PsSession.RepoRoot, "examples", "lab.pcap");

    private static string Unique(string prefix) => $"{prefix}{Guid.NewGuid():N}"[..14];

    private static PsSession Session()
    {
        var ps = new PsSession();
        ps.Objects("function global:RT { param($o) [System.Management.Automation.PSSerializer]::Deserialize([System.Management.Automation.PSSerializer]::Serialize($o)) }");
        return ps;
    }

    /// <summary>
    /// Asserts that $global:NAME round-trips into Deserialized.ConntrackTools.TYPE objects that render
    /// the same table text and write the same JSON; returns the deserialized objects.
    /// </summary>
    private static List<PSObject> AssertSurvives(PsSession ps, string name, string type, string header)
    {
        var travelled = ps.Objects($"RT $global:{name}").ToList();
        Assert.Equal(ps.Objects($"@($global:{name}).Count").Single().BaseObject, travelled.Count);
        Assert.All(travelled, o => Assert.Equal("Deserialized.ConntrackTools." + type, o.TypeNames[0]));

        var original = ps.Render($"$global:{name}");
        Assert.Contains(header, original);
        Assert.Equal(original, ps.Render($"RT $global:{name}"));

        var json = ps.Objects($"$global:{name} | ConvertTo-CtJson -Compress -AsArray").Single().ToString();
        Assert.Equal(json, ps.Objects($"RT $global:{name} | ConvertTo-CtJson -Compress -AsArray").Single().ToString());
        return travelled;
    }

    private static object? Property(PSObject o, string path)
    {
        object? value = o;
        foreach (var name in path.Split('.'))
            value = value is PSObject p ? p.Properties[name]?.Value : null;
        return value is PSObject { BaseObject: not PSCustomObject } wrapped ? wrapped.BaseObject : value;
    }

    [Fact]
    public void Engine_objects_keep_their_views_properties_and_JSON_through_a_CliXml_round_trip()
    {
        var name = Unique("s");
        using var ps = Session();
        try
        {
            ps.Objects($"Start-CtEngine -Name {name} -Path '{Lab}' -Rule 'tcp dport 21 ct helper set ftp'");
            ps.Objects($"$global:c = @(Get-CtConnection -Engine {name})");
            var connections = AssertSurvives(ps, "c", "CtConnection", "Proto  State");
            var originals = ps.Objects("$global:c").Select(o => (CtConnection)o.BaseObject).ToList();
            for (var i = 0; i < originals.Count; i++)
            {
                var (o, r) = (originals[i], connections[i]);
                Assert.Equal(o.Source!.ToString(), Property(r, "Source")!.ToString());
                Assert.Equal(o.Original.Destination!.ToString(), Property(r, "Original.Destination")!.ToString());
                Assert.Equal(o.Reply.SourcePort, (ushort?)Property(r, "Reply.SourcePort"));
                // Enumerations travel as their names, flags as "A, B": readable, and filters work on them.
                Assert.Equal(o.State.ToString(), Property(r, "State"));
                Assert.Equal(o.Status.ToString(), Property(r, "Status"));
                Assert.Equal(o.Protocol.ToString(), Property(r, "Original.Protocol"));
            }
            var data = Assert.Single(connections, r => Property(r, "Master") is not null);
            Assert.Equal((ushort)21, (ushort?)Property(data, "Master.DestinationPort"));
            Assert.Contains("Expected", (string)Property(data, "Status")!);
            Assert.Equal(originals.Count(c => c.State == CtState.TimeWait), ps.Objects("@(RT $global:c | Where-Object State -eq 'TimeWait').Count").Single().BaseObject);
            Assert.NotEqual(0, ps.Objects("@(RT $global:c | Where-Object { [ConntrackTools.CtStatus]$_.Status -band [ConntrackTools.CtStatus]::Assured }).Count").Single().BaseObject);

            // Events: a time with milliseconds, and the connection two levels down.
            ps.Objects("$global:e = @($global:c | ForEach-Object { [ConntrackTools.CtEvent]@{ Type = 'Destroy'; Time = [datetimeoffset]::new(2026, 11, 23, 10, 0, 1, 234, [timespan]::FromHours(1)); Connection = $_ } })");
            var events = AssertSurvives(ps, "e", "CtEvent", "Event");
            Assert.Equal("Destroy", Property(events[0], "Type"));
            Assert.Equal(originals[0].Source!.ToString(), Property(events[0], "Connection.Original.Source")!.ToString());

            ps.Objects("$global:l = @([ConntrackTools.CtEventLoss]@{ Time = [datetimeoffset]::new(2026, 11, 23, 10, 0, 2, 345, [timespan]::Zero); Lost = 5; TotalLost = 9; ReceiveBufferSize = 212992 })");
            AssertSurvives(ps, "l", "CtEventLoss", "ReceiveBuffer");
            ps.Objects($"$global:g = @(Get-CtEngine {name})");
            AssertSurvives(ps, "g", "CtEngine", "Packets");
            ps.Objects($"$global:t = @(Get-CtStatistic -Engine {name})");
            AssertSurvives(ps, "t", "CtStatistic", "EarlyDrop");
            ps.Objects($"$global:h = @(Get-CtHelper -Engine {name})");
            var helpers = AssertSurvives(ps, "h", "CtHelper", "Payload chooses");
            var ftp = Assert.Single(helpers, h => (string?)Property(h, "Name") == "ftp");
            Assert.Equal(300u, Property(((System.Collections.IList)Property(ftp, "Policies")!).Cast<PSObject>().Single(), "Timeout"));
            ps.Objects($"$global:x = @((Get-CtHelper -Engine {name} -Name sip)[0].Expectations)");
            AssertSurvives(ps, "x", "CtExpectationShape", "DestinationAddress");
        }
        finally
        {
            ps.Run($"Remove-CtEngine {name} -ErrorAction SilentlyContinue");
        }
    }

    [Fact]
    public void ConvertTo_CtJson_writes_CtJsons_shape_and_nests_what_scripts_build()
    {
        var name = Unique("j");
        using var ps = Session();
        try
        {
            ps.Objects($"Start-CtEngine -Name {name} -Path '{Lab}' -Rule 'tcp dport 21 ct helper set ftp'");
            var connections = ps.Objects($"Get-CtConnection -Engine {name}").Select(o => (CtConnection)o.BaseObject).ToList();
            var lines = ps.Objects($"Get-CtConnection -Engine {name} | ConvertTo-CtJson -Compress").Select(o => o.ToString()).ToList();
            Assert.Equal(connections.Select(c => CtJson.Serialize(c)), lines);
            var array = JsonNode.Parse(ps.Objects($"Get-CtConnection -Engine {name} | ConvertTo-CtJson -AsArray").Single().ToString())!.AsArray();
            Assert.Equal(connections.Count, array.Count);
            Assert.Contains("\n  {", ps.Objects($"Get-CtConnection -Engine {name} | ConvertTo-CtJson -AsArray").Single().ToString());

            // What the Ansible facts module sends: a hashtable of counts and arrays of the module's objects.
            var ftp = (CtHelper)ps.Objects($"Get-CtHelper -Engine {name} -Name ftp").Single().BaseObject;
            var facts = JsonNode.Parse(ps.Objects($"@{{ Connections = @(Get-CtConnection -Engine {name}).Count; Helpers = @(Get-CtHelper -Engine {name} -Name ftp); Findings = @() }} | ConvertTo-CtJson").Single().ToString())!;
            Assert.Equal(connections.Count, (int)facts["Connections"]!);
            Assert.True(JsonNode.DeepEquals(JsonNode.Parse(CtJson.Serialize(ftp)), facts["Helpers"]![0]));
            Assert.Empty(facts["Findings"]!.AsArray());

            Assert.Equal("""{"A":1,"B":{"C":[1,"x",true,null],"D":"::1"}}""",
                ps.Objects("[pscustomobject]@{ A = 1; B = [ordered]@{ C = @(1, 'x', $true, $null); D = [System.Net.IPAddress]::IPv6Loopback } } | ConvertTo-CtJson -Compress").Single().ToString());
            Assert.Equal("null", ps.Objects("$null | ConvertTo-CtJson").Single().ToString());
            Assert.Equal("[]", ps.Objects("@() | ConvertTo-CtJson -AsArray").Single().ToString());
            Assert.Equal("[1,2]", ps.Objects("ConvertTo-CtJson -InputObject @(1, 2) -Compress").Single().ToString());

            // A type the module does not know: its plain properties, one level deep, nothing of PowerShell's.
            var file = JsonNode.Parse(ps.Objects($"$f = [System.IO.FileInfo]::new('{Lab}'); $f.PSObject.Properties.Add([psnoteproperty]::new('PSPath', 'x')); $f | ConvertTo-CtJson").Single().ToString())!;
            Assert.Equal(("lab.pcap", new FileInfo(Lab).Length, Path.GetDirectoryName(Lab)), ((string?)file["Name"], (long)file["Length"]!, (string?)file["Directory"]));
            Assert.False(file.AsObject().ContainsKey("PSPath"));
        }
        finally
        {
            ps.Run($"Remove-CtEngine {name} -ErrorAction SilentlyContinue");
        }
    }

    [KernelFact("nft", "conntrack")]
    public void Kernel_objects_keep_their_views_properties_and_JSON_through_a_CliXml_round_trip()
    {
        using var net = new TestNetwork("sz");
        using var ps = Session();
        ps.Objects($"New-CtConnection -Netns {net.B} tcp -Source 10.9.0.1 -Destination {net.B4} -Sport 40000 -Dport 6667 -State Established -Timeout 300 -Helper irc");
        ps.Objects($"Get-CtConnection -Netns {net.B} -Dport 6667 | New-CtExpectation -Destination 10.9.0.1 -Dport 5555 -Timeout 120 -Helper irc");

        ps.Objects($"$global:c = @(Get-CtConnection -Netns {net.B})");
        var connection = Assert.Single(AssertSurvives(ps, "c", "CtConnection", "Proto  State"));
        Assert.Equal(("10.9.0.1", "Established", "irc"), (Property(connection, "Source")!.ToString(), Property(connection, "State"), Property(connection, "Helper")));

        ps.Objects($"$global:x = @(Get-CtExpectation -Netns {net.B})");
        var expectation = Assert.Single(AssertSurvives(ps, "x", "CtExpectation", "Expected"));
        Assert.Equal(("10.9.0.1", (ushort)5555, "Tcp"), (Property(expectation, "Tuple.Destination")!.ToString(), (ushort)Property(expectation, "Tuple.DestinationPort")!, Property(expectation, "Protocol")));
        Assert.Equal("10.9.0.1", Property(expectation, "Master.Source")!.ToString());
        ps.Objects("$global:xe = @($global:x | ForEach-Object { [ConntrackTools.CtExpectationEvent]@{ Type = 'New'; Time = [datetimeoffset]::new(2026, 11, 23, 10, 0, 3, 456, [timespan]::Zero); Expectation = $_ } })");
        var expectationEvent = Assert.Single(AssertSurvives(ps, "xe", "CtExpectationEvent", "Expected"));
        Assert.Equal("10.9.0.1", Property(expectationEvent, "Expectation.Tuple.Destination")!.ToString());

        ps.Objects($"$global:p = @(Get-CtStatistic -Netns {net.B} -PerCpu)");
        AssertSurvives(ps, "p", "CtCpuStatistic", "ChainTooLong");

        ps.Objects($"$global:o = @(New-CtHelper -Netns {net.B} ftp-standard -Type ftp -Table fw -DestinationAddress {net.B4})");
        var helperObject = Assert.Single(AssertSurvives(ps, "o", "CtHelperObject", "Assigned by"));
        var rule = ((System.Collections.IList)Property(helperObject, "Rules")!).Cast<PSObject>().Single();
        Assert.Equal(net.B4, ((System.Collections.IList)Property(rule, "DestinationAddresses")!).Cast<object>().Single().ToString());

        ps.Objects($"New-CtNotrackRule -Netns {net.B} -Protocol udp -DestinationPort 53");
        ps.Objects($"$global:r = @(Get-CtNotrackRule -Netns {net.B})");
        var notrack = Assert.Single(AssertSurvives(ps, "r", "CtRule", "Handle"));
        Assert.Contains("notrack", (string)Property(notrack, "Text")!);

        ps.Objects($"$global:s = @(Get-CtSetting -Netns {net.B})");
        var settings = AssertSurvives(ps, "s", "CtSetting", "Writable");
        Assert.Equal(1L, Property(settings.Single(s => (string?)Property(s, "Name") == "nf_conntrack_acct"), "Value"));

        ps.Objects($"$global:f = @(Test-CtAntiSpoof -Netns {net.B}) + @(Test-CtHelperSecurity -Netns {net.B})");
        var findings = AssertSurvives(ps, "f", "CtFinding", "Severity");
        Assert.Contains(findings, f => Property(f, "Passed") is false);
        Assert.Equal(ps.Objects("@($global:f | Where-Object { -not $_.Passed }).Count").Single().BaseObject,
            ps.Objects("@(RT $global:f | Where-Object { -not $_.Passed }).Count").Single().BaseObject);
    }
}
