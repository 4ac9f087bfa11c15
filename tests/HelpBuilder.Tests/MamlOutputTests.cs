using System.Xml.Linq;

namespace ConntrackTools.HelpBuilder.Tests;

/// <summary>The MAML built from the sample platyPS page (fixtures/en-US/Get-CtConnection.md).</summary>
public sealed class MamlOutputTests : IDisposable
{
    private static readonly XNamespace Msh = "http://msh";
    private static readonly XNamespace Maml = "http://schemas.microsoft.com/maml/2004/10";
    private static readonly XNamespace Command = "http://schemas.microsoft.com/maml/dev/command/2004/10";
    private static readonly XNamespace Dev = "http://schemas.microsoft.com/maml/dev/2004/10";

    private readonly TempDirectory _root = new();
    private readonly XElement _command;

    public MamlOutputTests()
    {
        var run = BuildRun.Help(_root, (Fixtures.SamplePage, Fixtures.Read("en-US", Fixtures.SamplePage)));
        Assert.True(run.ExitCode == 0, run.Errors);
        var document = XDocument.Load(run.MamlPath);
        Assert.Equal(Msh + "helpItems", document.Root!.Name);
        Assert.Equal("maml", (string?)document.Root.Attribute("schema"));
        _command = Assert.Single(document.Root.Elements(Command + "command"));
    }

    public void Dispose() => _root.Dispose();

    [Fact]
    public void DetailsHoldNameVerbNounAndSynopsis()
    {
        var details = _command.Element(Command + "details")!;
        Assert.Equal("Get-CtConnection", (string?)details.Element(Command + "name"));
        Assert.Equal("Get", (string?)details.Element(Command + "verb"));
        Assert.Equal("CtConnection", (string?)details.Element(Command + "noun"));
        Assert.Equal(["Gets entries of the connection tracking table."], Paragraphs(details.Element(Maml + "description")));
    }

    [Fact]
    public void DescriptionIsOneParaPerMarkdownParagraphWithoutMarkup()
    {
        Assert.Equal(
            [
                "The Get-CtConnection cmdlet dumps the conntrack table through ctnetlink, as conntrack -L does.",
                "Filters on mark and zone are applied in the kernel.",
            ],
            Paragraphs(_command.Element(Maml + "description")));
    }

    [Fact]
    public void ElementsComeInPlatyPSOrder()
    {
        Assert.Equal(
            [
                Command + "details", Maml + "description", Command + "syntax", Command + "parameters",
                Command + "inputTypes", Command + "returnValues", Maml + "alertSet", Command + "examples",
                Command + "relatedLinks",
            ],
            _command.Elements().Select(e => e.Name));
    }

    [Fact]
    public void ParametersCarryTheirYamlAsAttributes()
    {
        var parameters = _command.Element(Command + "parameters")!.Elements(Command + "parameter").ToList();
        Assert.Equal(
            ["Protocol", "State", "Mark", "MarkMask", "Zone", "NetworkNamespace", "IncludeCounters", "Engine"],
            parameters.Select(p => (string?)p.Element(Maml + "name")));

        var protocol = parameters[0];
        Assert.Equal("false", (string?)protocol.Attribute("required"));
        Assert.Equal("0", (string?)protocol.Attribute("position"));
        Assert.Equal("True (ByPropertyName)", (string?)protocol.Attribute("pipelineInput"));
        Assert.Equal("false", (string?)protocol.Attribute("globbing"));
        Assert.Equal("p, Proto", (string?)protocol.Attribute("aliases"));
        Assert.Equal("String[]", (string?)protocol.Element(Command + "parameterValue"));
        Assert.Equal("String[]", (string?)protocol.Element(Dev + "type")!.Element(Maml + "name"));
        Assert.Equal("None", (string?)protocol.Element(Dev + "defaultValue"));
        Assert.Equal(["Layer 4 protocols to list."], Paragraphs(protocol.Element(Maml + "description")));

        var state = parameters[1];
        Assert.Equal("named", (string?)state.Attribute("position"));
        Assert.Equal("true", (string?)state.Attribute("globbing"));
        Assert.Equal("none", (string?)state.Attribute("aliases"));
        Assert.Equal("False", (string?)state.Attribute("pipelineInput"));

        Assert.Equal("0xffffffff", (string?)parameters[3].Element(Dev + "defaultValue"));

        var engine = parameters[7];
        Assert.Equal("true", (string?)engine.Attribute("required"));

        var counters = parameters[6];
        Assert.Equal("SwitchParameter", (string?)counters.Element(Command + "parameterValue"));
        Assert.Equal("false", (string?)counters.Element(Command + "parameterValue")!.Attribute("required"));
        Assert.Equal("False", (string?)counters.Element(Dev + "defaultValue"));
    }

    [Fact]
    public void SyntaxHasOneItemPerParameterSetBuiltFromTheYaml()
    {
        var items = _command.Element(Command + "syntax")!.Elements(Command + "syntaxItem").ToList();
        Assert.Equal(2, items.Count);
        Assert.All(items, item => Assert.Equal("Get-CtConnection", (string?)item.Element(Maml + "name")));

        Assert.Equal(
            ["Protocol", "State", "Mark", "MarkMask", "Zone", "NetworkNamespace", "IncludeCounters"],
            ParameterNames(items[0]));
        Assert.Equal(["Protocol", "State", "Engine"], ParameterNames(items[1]));

        var engine = items[1].Elements(Command + "parameter").Single(p => (string?)p.Element(Maml + "name") == "Engine");
        Assert.Equal("true", (string?)engine.Attribute("required"));
    }

    [Fact]
    public void SyntaxListsAcceptedValuesAndShowsNoValueForASwitch()
    {
        var kernel = _command.Element(Command + "syntax")!.Elements(Command + "syntaxItem").First();
        var protocol = kernel.Elements(Command + "parameter").Single(p => (string?)p.Element(Maml + "name") == "Protocol");
        Assert.Equal(
            ["tcp", "udp", "icmp", "icmpv6", "sctp", "gre"],
            protocol.Element(Command + "parameterValueGroup")!.Elements(Command + "parameterValue").Select(v => v.Value));

        var counters = kernel.Elements(Command + "parameter").Single(p => (string?)p.Element(Maml + "name") == "IncludeCounters");
        Assert.Null(counters.Element(Command + "parameterValue"));
    }

    [Fact]
    public void ExamplesHavePaddedTitlesCodeAndRemarks()
    {
        var examples = _command.Element(Command + "examples")!.Elements(Command + "example").ToList();
        Assert.Equal(2, examples.Count);

        string title = (string)examples[0].Element(Maml + "title")!;
        Assert.Matches("^-+ Example 1: List TCP connections -+$", title);
        Assert.Equal("Get-CtConnection -Protocol tcp", (string?)examples[0].Element(Dev + "code"));
        Assert.Equal(["Lists every tracked TCP connection."], Paragraphs(examples[0].Element(Dev + "remarks")));

        // Both code blocks of example 2 (command and output) are in dev:code; the text before the
        // code comes first in the remarks.
        string code = (string)examples[1].Element(Dev + "code")!;
        Assert.StartsWith("Get-CtConnection -NetworkNamespace fw1 -State ESTABLISHED\n\nProtocol State", code, StringComparison.Ordinal);
        Assert.Contains("10.1.0.114:4123 -> 10.7.43.52:22", code, StringComparison.Ordinal);
        Assert.Equal(
            ["Connections are read inside another network namespace.", "Only established flows are shown."],
            Paragraphs(examples[1].Element(Dev + "remarks")));
    }

    [Fact]
    public void InputsOutputsAndNotes()
    {
        var input = Assert.Single(_command.Element(Command + "inputTypes")!.Elements(Command + "inputType"));
        Assert.Equal("System.String[]", (string?)input.Element(Dev + "type")!.Element(Maml + "name"));
        Assert.Equal(["Protocol names, by property name."], Paragraphs(input.Element(Maml + "description")));

        var output = Assert.Single(_command.Element(Command + "returnValues")!.Elements(Command + "returnValue"));
        Assert.Equal("ConntrackTools.Model.CtConnection", (string?)output.Element(Dev + "type")!.Element(Maml + "name"));

        Assert.Equal(
            ["Reading another namespace needs CAP_NET_ADMIN in it."],
            Paragraphs(_command.Element(Maml + "alertSet")!.Element(Maml + "alert")));
    }

    [Fact]
    public void RelatedLinksStartWithTheOnlineVersionAndKeepOnlyAbsoluteUris()
    {
        var links = _command.Element(Command + "relatedLinks")!.Elements(Maml + "navigationLink")
            .Select(l => ((string?)l.Element(Maml + "linkText"), (string?)l.Element(Maml + "uri")))
            .ToList();
        Assert.Equal(
            [
                ("Online Version:", "https://example.invalid/ConntrackTools/Get-CtConnection"),
                ("Get-CtExpectation", string.Empty),
                ("conntrack(8)", "https://manpages.debian.org/conntrack.8"),
            ],
            links);
    }

    [Fact]
    public void CommonParametersIsNotAParameter()
    {
        Assert.DoesNotContain(
            _command.Descendants(Command + "parameter"),
            p => (string?)p.Element(Maml + "name") == "CommonParameters");
    }

    [Fact]
    public void ExampleTitlePaddingMatchesPlatyPS()
    {
        Assert.Equal(new string('-', 26) + " Example 1 " + new string('-', 26), MamlWriter.PadExampleTitle("Example 1"));
        foreach (string title in new[] { "Example 2: x", "Example 3: List the TCP connections on this host" })
        {
            string padded = MamlWriter.PadExampleTitle(title);
            Assert.InRange(padded.Length, 63, 64);
            Assert.Contains(" " + title + " ", padded, StringComparison.Ordinal);
        }

        string longTitle = new('x', 70);
        Assert.Equal(longTitle, MamlWriter.PadExampleTitle(longTitle));
    }

    private static List<string> Paragraphs(XElement? container) =>
        container?.Elements(Maml + "para").Select(p => p.Value).ToList() ?? [];

    private static List<string?> ParameterNames(XElement syntaxItem) =>
        syntaxItem.Elements(Command + "parameter").Select(p => (string?)p.Element(Maml + "name")).ToList();
}
