using System.Text;
using System.Xml;
using System.Xml.Linq;

namespace ConntrackTools.HelpBuilder;

/// <summary>
/// Writes cmdlet help as MAML, the XML that Get-Help reads from &lt;assembly&gt;-Help.xml. The shape
/// is platyPS 0.14's (Markdown.MAML's MamlRenderer): the same elements, in the same order, with
/// the same attributes and the same quirks (no parameterValue for a switch inside a syntax item,
/// a switch's default "False", padded example titles), so that Get-Help shows our help exactly as
/// it shows help built by New-ExternalHelp.
/// </summary>
internal static class MamlWriter
{
    public static readonly XNamespace Msh = "http://msh";
    public static readonly XNamespace Maml = "http://schemas.microsoft.com/maml/2004/10";
    public static readonly XNamespace Command = "http://schemas.microsoft.com/maml/dev/command/2004/10";
    public static readonly XNamespace Dev = "http://schemas.microsoft.com/maml/dev/2004/10";
    public static readonly XNamespace MSHelp = "http://msdn.microsoft.com/mshelp";

    public static XDocument ToDocument(IEnumerable<CommandHelp> commands) =>
        new(
            new XDeclaration("1.0", "utf-8", null),
            new XElement(Msh + "helpItems", new XAttribute("schema", "maml"), commands.Select(CommandElement)));

    /// <summary>The document as UTF-8 bytes, indented, with "\n" line ends: the same bytes on every OS.</summary>
    public static byte[] ToBytes(XDocument document)
    {
        var settings = new XmlWriterSettings
        {
            Encoding = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false),
            Indent = true,
            IndentChars = "  ",
            NewLineChars = "\n",
            NewLineHandling = NewLineHandling.Replace,
        };

        using var stream = new MemoryStream();
        using (var writer = XmlWriter.Create(stream, settings))
        {
            document.Save(writer);
        }

        stream.WriteByte((byte)'\n');
        return stream.ToArray();
    }

    private static XElement CommandElement(CommandHelp command) =>
        new(Command + "command",
            new XAttribute(XNamespace.Xmlns + "maml", Maml),
            new XAttribute(XNamespace.Xmlns + "command", Command),
            new XAttribute(XNamespace.Xmlns + "dev", Dev),
            new XAttribute(XNamespace.Xmlns + "MSHelp", MSHelp),
            new XElement(Command + "details",
                new XElement(Command + "name", command.Name),
                new XElement(Command + "verb", command.Verb),
                new XElement(Command + "noun", command.Noun),
                new XElement(Maml + "description", Paragraphs(command.Synopsis))),
            new XElement(Maml + "description", Paragraphs(command.Description)),
            new XElement(Command + "syntax", SyntaxItems(command)),
            new XElement(Command + "parameters",
                command.Parameters.Where(p => p.Metadata.Count > 0).Select(p => ParameterElement(p, p.Metadata[0], inSyntax: false))),
            new XElement(Command + "inputTypes", command.Inputs.Select(type => TypeElement("inputType", type))),
            new XElement(Command + "returnValues", command.Outputs.Select(type => TypeElement("returnValue", type))),
            new XElement(Maml + "alertSet", new XElement(Maml + "alert", Paragraphs(command.Notes))),
            new XElement(Command + "examples", command.Examples.Select(ExampleElement)),
            new XElement(Command + "relatedLinks", Links(command).Select(LinkElement)));

    private static IEnumerable<XElement> Paragraphs(IEnumerable<string> paragraphs) =>
        paragraphs.Select(text => new XElement(Maml + "para", text));

    /// <summary>
    /// One syntax item per parameter set, built from the parameters' yaml as platyPS does: a
    /// parameter is in a set when its yaml names the set or says "(All)"; when it has a yaml block
    /// for that very set, that block's Required and Position apply. Sets come in the order of
    /// ## SYNTAX; a command without named sets has one item with every parameter.
    /// </summary>
    private static IEnumerable<XElement> SyntaxItems(CommandHelp command)
    {
        var sets = new List<string>(command.ParameterSets);
        if (sets.Count == 0)
        {
            foreach (string set in command.Parameters.SelectMany(p => p.Metadata).Where(m => !m.InAllSets).SelectMany(m => m.ParameterSets))
            {
                if (!sets.Contains(set, StringComparer.OrdinalIgnoreCase))
                {
                    sets.Add(set);
                }
            }
        }

        if (sets.Count == 0)
        {
            yield return SyntaxItem(command, command.Parameters.Where(p => p.Metadata.Count > 0).Select(p => (p, p.Metadata[0])));
            yield break;
        }

        foreach (string set in sets)
        {
            var members = new List<(ParameterHelp, ParameterMetadata)>();
            foreach (var parameter in command.Parameters)
            {
                var metadata = parameter.Metadata.FirstOrDefault(m => !m.InAllSets && m.AppliesTo(set))
                    ?? parameter.Metadata.FirstOrDefault(m => m.InAllSets);
                if (metadata is not null)
                {
                    members.Add((parameter, metadata));
                }
            }

            yield return SyntaxItem(command, members);
        }
    }

    private static XElement SyntaxItem(CommandHelp command, IEnumerable<(ParameterHelp Parameter, ParameterMetadata Metadata)> members) =>
        new(Command + "syntaxItem",
            new XElement(Maml + "name", command.Name),
            // Positional parameters first, by position, then the named ones in page order
            // (a stable sort, as platyPS's OrderBy on Position).
            members
                .OrderBy(m => m.Metadata.Position == "named" ? int.MaxValue : int.Parse(m.Metadata.Position, System.Globalization.CultureInfo.InvariantCulture))
                .Select(m => ParameterElement(m.Parameter, m.Metadata, inSyntax: true)));

    private static XElement ParameterElement(ParameterHelp parameter, ParameterMetadata metadata, bool inSyntax)
    {
        string type = metadata.IsSwitch ? "SwitchParameter" : metadata.Type;
        return new XElement(Command + "parameter",
            new XAttribute("required", metadata.Required),
            new XAttribute("variableLength", true),
            new XAttribute("globbing", metadata.Globbing),
            new XAttribute("pipelineInput", metadata.PipelineInput),
            new XAttribute("position", metadata.Position),
            new XAttribute("aliases", metadata.Aliases.Count > 0 ? string.Join(", ", metadata.Aliases) : "none"),
            new XElement(Maml + "name", parameter.Name),
            new XElement(Maml + "description", Paragraphs(parameter.Description)),
            inSyntax && metadata.AcceptedValues.Count > 0
                ? new XElement(Command + "parameterValueGroup",
                    metadata.AcceptedValues.Select(value => new XElement(Command + "parameterValue",
                        new XAttribute("required", false), new XAttribute("variableLength", false), value)))
                : null,
            // As platyPS: inside a syntax item a switch shows no value, so Get-Help prints "[-Force]".
            !inSyntax || !metadata.IsSwitch
                ? new XElement(Command + "parameterValue",
                    new XAttribute("required", !metadata.IsSwitch), new XAttribute("variableLength", false), type)
                : null,
            new XElement(Dev + "type", new XElement(Maml + "name", type), new XElement(Maml + "uri")),
            new XElement(Dev + "defaultValue",
                metadata.IsSwitch && (metadata.DefaultValue is null || metadata.DefaultValue.Equals("None", StringComparison.OrdinalIgnoreCase))
                    ? "False"
                    : metadata.DefaultValue ?? "None"));
    }

    private static XElement TypeElement(string element, TypeHelp type) =>
        new(Command + element,
            new XElement(Dev + "type", new XElement(Maml + "name", type.TypeName)),
            new XElement(Maml + "description", Paragraphs(type.Description)));

    private static XElement ExampleElement(ExampleHelp example) =>
        new(Command + "example",
            new XElement(Maml + "title", PadExampleTitle(example.Title)),
            new XElement(Dev + "code", example.Code),
            new XElement(Dev + "remarks", Paragraphs(example.Remarks)));

    /// <summary>The front matter's online version first, as "Online Version:", then the page's links.</summary>
    private static IEnumerable<LinkHelp> Links(CommandHelp command) =>
        command.OnlineVersion is null
            ? command.Links
            : command.Links.Prepend(new LinkHelp("Online Version:", command.OnlineVersion));

    /// <summary>
    /// A link to another help page (Get-CtExpectation.md) keeps its text and gets an empty uri:
    /// Get-Help shows the text, and a uri it cannot open would break Get-Help -Online.
    /// </summary>
    private static XElement LinkElement(LinkHelp link) =>
        new(Maml + "navigationLink",
            new XElement(Maml + "linkText", link.Text),
            new XElement(Maml + "uri", MarkdownText.IsAbsoluteUri(link.Uri) ? link.Uri : string.Empty));

    /// <summary>"Example 1: x" becomes "---------- Example 1: x ----------", 64 wide, as platyPS pads it.</summary>
    internal static string PadExampleTitle(string title)
    {
        if (string.IsNullOrWhiteSpace(title) || title.Length >= 62)
        {
            return title;
        }

        string dashes = new('-', (64 - title.Length - 2) / 2);
        return $"{dashes} {title} {dashes}";
    }
}
