using System.Text.RegularExpressions;
using Markdig.Syntax;
using Markdig.Syntax.Inlines;

namespace ConntrackTools.HelpBuilder;

/// <summary>What a cmdlet page is checked against, besides its own content.</summary>
/// <param name="ExternalHelpFile">The MAML file name every page's "external help file" must give.</param>
/// <param name="ModuleName">The module every page's "Module Name" must give; null to not check.</param>
internal sealed record CommandPageExpectations(string? ExternalHelpFile, string? ModuleName);

/// <summary>
/// Reads one cmdlet page in platyPS 0.14's markdown (schema 2.0.0) into a <see cref="CommandHelp"/>,
/// following platyPS's own grammar (Markdown.MAML's ModelTransformerVersion2): the SYNTAX blocks
/// only name the parameter sets, and each syntax is built from the parameters' yaml blocks.
/// It is stricter than platyPS: an unknown section, stray text, a parameter without yaml, a page
/// without synopsis, description or example, or a template placeholder left in is an error.
/// </summary>
internal static partial class CommandPageParser
{
    private const string DefaultSetSuffix = " (Default)";

    private static readonly string[] KnownYamlKeys =
    [
        "Type", "Parameter Sets", "Aliases", "Accepted values", "Required", "Position", "Default value",
        "Accept pipeline input", "Accept wildcard characters", "Applicable",
    ];

    // The placeholders New-MarkdownHelp writes: "{{ Fill Name Description }}", "{{ Add example code here }}".
    [GeneratedRegex(@"\{\{\s*(Fill|Add|Update|Insert)\b[^}]*\}\}", RegexOptions.IgnoreCase)]
    private static partial Regex PlaceholderPattern();

    [GeneratedRegex(@"^(True|False)(\s*\(.*\))?$", RegexOptions.IgnoreCase)]
    private static partial Regex PipelineInputPattern();

    public static CommandHelp? Parse(HelpPage page, CommandPageExpectations expectations)
    {
        var frontMatter = MarkdownText.FrontMatter(page.Document);
        string? onlineVersion = CheckFrontMatter(page, frontMatter, expectations);
        ReportPlaceholders(page);

        var blocks = page.Blocks;
        if (blocks.Count == 0 || blocks[0] is not HeadingBlock { Level: 1 } title)
        {
            page.Error(blocks.Count > 0 ? blocks[0] : null, DiagnosticCodes.Title,
                $"the page must start (after the front matter) with '# {page.Name}'");
            return null;
        }

        string name = MarkdownText.HeadingText(title);
        if (!string.Equals(name, page.Name, StringComparison.Ordinal))
        {
            page.Error(title, DiagnosticCodes.Title,
                $"the title '# {name}' does not match the file name: a page documents the cmdlet it is named after ('# {page.Name}')");
        }

        var command = new CommandHelp { Name = name, SourceFile = page.Path, OnlineVersion = onlineVersion };

        var rest = new List<Block>();
        foreach (var block in blocks.Skip(1))
        {
            if (block is HeadingBlock { Level: 1 } extra)
            {
                page.Error(extra, DiagnosticCodes.Title,
                    $"a second '# {MarkdownText.HeadingText(extra)}': a page documents one cmdlet");
                continue;
            }

            rest.Add(block);
        }

        var (leading, sections) = HelpPage.SplitAt(rest, 2);
        foreach (var stray in leading)
        {
            page.Error(stray, DiagnosticCodes.UnexpectedContent,
                "text between the title and the first '## ' section; it belongs in a section such as ## DESCRIPTION");
        }

        var seen = new Dictionary<string, HeadingBlock>(StringComparer.OrdinalIgnoreCase);
        foreach (var (heading, body) in sections)
        {
            string section = MarkdownText.HeadingText(heading);
            if (seen.TryGetValue(section, out var first))
            {
                page.Error(heading, DiagnosticCodes.DuplicateSection,
                    $"section '## {section}' appears twice (first at line {MarkdownText.LineOf(first)})");
                continue;
            }

            seen[section] = heading;
            switch (section.ToUpperInvariant())
            {
                case "SYNOPSIS":
                    command.Synopsis.AddRange(page.Paragraphs(body, "## SYNOPSIS"));
                    break;
                case "DESCRIPTION":
                    command.Description.AddRange(page.Paragraphs(body, "## DESCRIPTION"));
                    break;
                case "SYNTAX":
                    ReadSyntax(page, body, command);
                    break;
                case "EXAMPLES":
                    ReadExamples(page, body, command);
                    break;
                case "PARAMETERS":
                    ReadParameters(page, body, command);
                    break;
                case "INPUTS":
                    ReadTypes(page, body, command.Inputs, "INPUTS");
                    break;
                case "OUTPUTS":
                    ReadTypes(page, body, command.Outputs, "OUTPUTS");
                    break;
                case "NOTES":
                    command.Notes.AddRange(page.Paragraphs(body, "## NOTES"));
                    break;
                case "RELATED LINKS":
                    ReadLinks(page, body, command);
                    break;
                default:
                    page.Error(heading, DiagnosticCodes.UnknownSection,
                        $"unknown section '## {section}'; a platyPS page has SYNOPSIS, SYNTAX, DESCRIPTION, EXAMPLES, PARAMETERS, INPUTS, OUTPUTS, NOTES, RELATED LINKS");
                    break;
            }
        }

        RequireContent(page, title, seen, command);
        CheckParameterSets(page, command);
        return command;
    }

    private static string? CheckFrontMatter(
        HelpPage page, Dictionary<string, string>? frontMatter, CommandPageExpectations expectations)
    {
        if (frontMatter is null)
        {
            page.Error(1, DiagnosticCodes.FrontMatter,
                "no front matter: a platyPS page starts with '---', external help file, Module Name, online version, 'schema: 2.0.0', '---'");
            return null;
        }

        if (!frontMatter.TryGetValue("schema", out string? schema) || schema != "2.0.0")
        {
            page.Error(1, DiagnosticCodes.FrontMatter,
                $"front matter must say 'schema: 2.0.0' (platyPS 0.14's format), not '{schema ?? "(missing)"}'");
        }

        if (expectations.ExternalHelpFile is not null)
        {
            frontMatter.TryGetValue("external help file", out string? helpFile);
            if (!string.Equals(helpFile, expectations.ExternalHelpFile, StringComparison.OrdinalIgnoreCase))
            {
                page.Error(1, DiagnosticCodes.ExternalHelpFile,
                    $"'external help file: {helpFile}' should be '{expectations.ExternalHelpFile}', the MAML file this page is built into");
            }
        }

        if (expectations.ModuleName is not null && frontMatter.TryGetValue("Module Name", out string? module)
            && !string.Equals(module, expectations.ModuleName, StringComparison.OrdinalIgnoreCase))
        {
            page.Error(1, DiagnosticCodes.ModuleName,
                $"'Module Name: {module}' should be '{expectations.ModuleName}'");
        }

        frontMatter.TryGetValue("online version", out string? online);
        if (string.IsNullOrWhiteSpace(online))
        {
            return null;
        }

        if (!MarkdownText.IsAbsoluteUri(online))
        {
            page.Error(1, DiagnosticCodes.OnlineVersion,
                $"'online version: {online}' is not an http(s) address that Get-Help -Online can open; leave it empty or give one");
            return null;
        }

        return online;
    }

    private static void ReportPlaceholders(HelpPage page)
    {
        string[] lines = page.Source.Split('\n');
        for (int i = 0; i < lines.Length; i++)
        {
            var match = PlaceholderPattern().Match(lines[i]);
            if (match.Success)
            {
                page.Error(i + 1, DiagnosticCodes.Placeholder,
                    $"template placeholder '{match.Value}' left in; write the text it stands for");
            }
        }
    }

    private static void ReadSyntax(HelpPage page, List<Block> body, CommandHelp command)
    {
        var (leading, sets) = HelpPage.SplitAt(body, 3);
        bool singleUnnamed = sets.Count == 0 && leading.Count == 1 && leading[0] is FencedCodeBlock;
        if (!singleUnnamed)
        {
            foreach (var stray in leading)
            {
                page.Error(stray, DiagnosticCodes.UnexpectedContent,
                    "## SYNTAX holds a '### ParameterSetName' heading and a ``` block for each parameter set, and nothing else");
            }
        }

        foreach (var (heading, blocks) in sets)
        {
            string name = MarkdownText.HeadingText(heading);
            if (name.EndsWith(DefaultSetSuffix, StringComparison.OrdinalIgnoreCase))
            {
                name = name[..^DefaultSetSuffix.Length].Trim();
                command.DefaultParameterSet = name;
            }

            command.ParameterSets.Add(name);
            int codeBlocks = blocks.Count(block => block is FencedCodeBlock);
            if (codeBlocks == 0)
            {
                page.Error(heading, DiagnosticCodes.SyntaxWithoutCode,
                    $"parameter set '{name}' in ## SYNTAX has no ``` block with its syntax line");
            }

            foreach (var stray in blocks.Where(block => block is not FencedCodeBlock).Concat(blocks.OfType<FencedCodeBlock>().Skip(1)))
            {
                page.Error(stray, DiagnosticCodes.UnexpectedContent,
                    $"parameter set '{name}' in ## SYNTAX takes one ``` block and nothing else");
            }
        }
    }

    private static void ReadExamples(HelpPage page, List<Block> body, CommandHelp command)
    {
        var (leading, examples) = HelpPage.SplitAt(body, 3);
        foreach (var stray in leading)
        {
            page.Error(stray, DiagnosticCodes.UnexpectedContent,
                "text under ## EXAMPLES before the first '### Example 1: ...' heading");
        }

        foreach (var (heading, blocks) in examples)
        {
            var example = new ExampleHelp { Title = MarkdownText.HeadingText(heading) };
            var introduction = new List<Block>();
            var remarks = new List<Block>();
            var code = new List<string>();
            foreach (var block in blocks)
            {
                if (block is FencedCodeBlock fenced)
                {
                    code.Add(MarkdownText.CodeText(fenced));
                }
                else
                {
                    (code.Count == 0 ? introduction : remarks).Add(block);
                }
            }

            if (code.Count == 0)
            {
                page.Error(heading, DiagnosticCodes.ExampleWithoutCode,
                    $"example '{example.Title}' has no ```powershell block: an example shows a command that runs");
            }

            // platyPS puts every code block of an example into dev:code, blank-line separated;
            // text before the code introduces it and comes first in the remarks.
            example.Code = string.Join("\n\n", code);
            example.Remarks.AddRange(page.Paragraphs(introduction, $"example '{example.Title}'"));
            example.Remarks.AddRange(page.Paragraphs(remarks, $"example '{example.Title}'"));
            command.Examples.Add(example);
        }
    }

    private static void ReadParameters(HelpPage page, List<Block> body, CommandHelp command)
    {
        var (leading, parameters) = HelpPage.SplitAt(body, 3);
        foreach (var stray in leading)
        {
            page.Error(stray, DiagnosticCodes.UnexpectedContent,
                "text under ## PARAMETERS before the first '### -Name' heading");
        }

        var names = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var (heading, blocks) in parameters)
        {
            string text = MarkdownText.HeadingText(heading);
            if (text.Equals("CommonParameters", StringComparison.OrdinalIgnoreCase)
                || text.Equals("WorkflowCommonParameters", StringComparison.OrdinalIgnoreCase))
            {
                command.SupportsCommonParameters = true;
                continue;
            }

            if (!text.StartsWith('-') || text.Length < 2 || text.Contains(' ', StringComparison.Ordinal))
            {
                page.Error(heading, DiagnosticCodes.UnexpectedContent,
                    $"parameter heading '### {text}' should be '### -ParameterName' (or '### CommonParameters')");
                continue;
            }

            var parameter = new ParameterHelp { Name = text[1..], Line = MarkdownText.LineOf(heading) };
            if (!names.Add(parameter.Name))
            {
                page.Error(heading, DiagnosticCodes.DuplicateParameter, $"parameter -{parameter.Name} is documented twice");
                continue;
            }

            var description = new List<Block>();
            foreach (var block in blocks)
            {
                bool isYaml = block is FencedCodeBlock && MarkdownText.FenceInfo(block).Equals("yaml", StringComparison.OrdinalIgnoreCase);
                if (isYaml)
                {
                    var metadata = ReadYaml(page, (FencedCodeBlock)block, parameter.Name);
                    if (metadata is not null)
                    {
                        parameter.Metadata.Add(metadata);
                    }
                }
                else if (parameter.Metadata.Count == 0)
                {
                    description.Add(block);
                }
                else
                {
                    page.Error(block, DiagnosticCodes.UnexpectedContent,
                        $"text after the ```yaml block of -{parameter.Name}; the description goes before it");
                }
            }

            parameter.Description.AddRange(page.Paragraphs(description, $"parameter -{parameter.Name}"));
            if (parameter.Description.Count == 0)
            {
                page.Error(heading, DiagnosticCodes.MissingDescription, $"parameter -{parameter.Name} has no description");
            }

            if (!blocks.Any(block => block is FencedCodeBlock && MarkdownText.FenceInfo(block).Equals("yaml", StringComparison.OrdinalIgnoreCase)))
            {
                page.Error(heading, DiagnosticCodes.ParameterWithoutYaml,
                    $"parameter -{parameter.Name} has no ```yaml block (Type, Parameter Sets, Aliases, Required, Position, Default value, Accept pipeline input, Accept wildcard characters)");
            }

            command.Parameters.Add(parameter);
        }
    }

    private static ParameterMetadata? ReadYaml(HelpPage page, FencedCodeBlock block, string parameter)
    {
        var metadata = new ParameterMetadata { Line = MarkdownText.LineOf(block) };
        var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        bool valid = true;
        foreach (var (text, line) in MarkdownText.CodeLines(block))
        {
            if (string.IsNullOrWhiteSpace(text))
            {
                continue;
            }

            int colon = text.IndexOf(':', StringComparison.Ordinal);
            if (colon <= 0)
            {
                page.Error(line, DiagnosticCodes.InvalidYaml, $"yaml of -{parameter}: expected 'Key: value', got '{text.Trim()}'");
                valid = false;
                continue;
            }

            string key = text[..colon].Trim();
            string value = text[(colon + 1)..].Trim();
            string? known = KnownYamlKeys.FirstOrDefault(k => k.Equals(key, StringComparison.OrdinalIgnoreCase));
            if (known is null)
            {
                page.Error(line, DiagnosticCodes.InvalidYaml, $"yaml of -{parameter}: unknown key '{key}'");
                valid = false;
                continue;
            }

            if (!seen.Add(known))
            {
                page.Error(line, DiagnosticCodes.InvalidYaml, $"yaml of -{parameter}: '{known}' given twice");
                valid = false;
                continue;
            }

            switch (known)
            {
                case "Type":
                    metadata.Type = value;
                    break;
                case "Parameter Sets":
                    metadata.ParameterSets.AddRange(SplitList(value));
                    break;
                case "Aliases":
                    metadata.Aliases.AddRange(SplitList(value));
                    break;
                case "Accepted values":
                    metadata.AcceptedValues.AddRange(SplitList(value));
                    break;
                case "Required":
                    valid &= ReadBoolean(page, line, parameter, known, value, b => metadata.Required = b);
                    break;
                case "Accept wildcard characters":
                    valid &= ReadBoolean(page, line, parameter, known, value, b => metadata.Globbing = b);
                    break;
                case "Position":
                    if (value.Equals("Named", StringComparison.OrdinalIgnoreCase))
                    {
                        metadata.Position = "named";
                    }
                    else if (int.TryParse(value, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out int position))
                    {
                        metadata.Position = position.ToString(System.Globalization.CultureInfo.InvariantCulture);
                    }
                    else
                    {
                        page.Error(line, DiagnosticCodes.InvalidYaml, $"yaml of -{parameter}: Position is 'Named' or a number, not '{value}'");
                        valid = false;
                    }

                    break;
                case "Default value":
                    metadata.DefaultValue = value.Length == 0 ? null : value;
                    break;
                case "Accept pipeline input":
                    if (PipelineInputPattern().IsMatch(value))
                    {
                        metadata.PipelineInput = value;
                    }
                    else
                    {
                        page.Error(line, DiagnosticCodes.InvalidYaml,
                            $"yaml of -{parameter}: Accept pipeline input is 'False' or 'True (ByValue)' / 'True (ByPropertyName)' / 'True (ByValue, ByPropertyName)', not '{value}'");
                        valid = false;
                    }

                    break;
                default:
                    // "Applicable" selects parameters by tag in platyPS; one build here has no tags.
                    break;
            }
        }

        if (metadata.Type.Length == 0)
        {
            page.Error(block, DiagnosticCodes.InvalidYaml, $"yaml of -{parameter} has no Type");
            valid = false;
        }

        return valid ? metadata : null;
    }

    private static bool ReadBoolean(HelpPage page, int line, string parameter, string key, string value, Action<bool> set)
    {
        if (bool.TryParse(value, out bool result))
        {
            set(result);
            return true;
        }

        page.Error(line, DiagnosticCodes.InvalidYaml, $"yaml of -{parameter}: {key} is True or False, not '{value}'");
        return false;
    }

    private static IEnumerable<string> SplitList(string value) =>
        value.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);

    private static void ReadTypes(HelpPage page, List<Block> body, List<TypeHelp> types, string section)
    {
        var (leading, entries) = HelpPage.SplitAt(body, 3);
        foreach (var stray in leading)
        {
            page.Error(stray, DiagnosticCodes.UnexpectedContent,
                $"text under ## {section} must follow a '### TypeName' heading (write '### None' when there is none)");
        }

        foreach (var (heading, blocks) in entries)
        {
            string typeName = MarkdownText.HeadingText(heading);
            types.Add(new TypeHelp(typeName, page.Paragraphs(blocks, $"## {section} / {typeName}")));
        }
    }

    private static void ReadLinks(HelpPage page, List<Block> body, CommandHelp command)
    {
        foreach (var block in body)
        {
            var paragraphs = block switch
            {
                ParagraphBlock paragraph => [paragraph],
                ListBlock list => list.OfType<ListItemBlock>().SelectMany(item => item).ToList(),
                _ => new List<Block>(),
            };

            if (paragraphs.Count == 0 || paragraphs.Any(p => p is not ParagraphBlock))
            {
                page.Error(block, DiagnosticCodes.RelatedLinks, "## RELATED LINKS holds only markdown links, '[Text](address)'");
                continue;
            }

            foreach (var paragraph in paragraphs.Cast<ParagraphBlock>())
            {
                ReadLinkParagraph(page, paragraph, command);
            }
        }
    }

    private static void ReadLinkParagraph(HelpPage page, ParagraphBlock paragraph, CommandHelp command)
    {
        for (var inline = paragraph.Inline?.FirstChild; inline is not null; inline = inline.NextSibling)
        {
            switch (inline)
            {
                case LinkInline { IsImage: false } link:
                    {
                        command.Links.Add(new LinkHelp(MarkdownText.InlineText(link), link.Url ?? string.Empty));
                        break;
                    }
                case AutolinkInline autolink:
                    command.Links.Add(new LinkHelp(autolink.Url, autolink.Url));
                    break;
                case LineBreakInline:
                    break;
                case LiteralInline literal when literal.Content.IsEmptyOrWhitespace():
                    break;
                default:
                    page.Error(paragraph, DiagnosticCodes.RelatedLinks,
                        $"## RELATED LINKS holds only markdown links, '[Text](address)'; found '{MarkdownText.InlineText(paragraph.Inline)}'");
                    return;
            }
        }
    }

    private static void RequireContent(
        HelpPage page, HeadingBlock title, Dictionary<string, HeadingBlock> seen, CommandHelp command)
    {
        if (command.Synopsis.All(string.IsNullOrWhiteSpace))
        {
            page.Error(seen.GetValueOrDefault("SYNOPSIS") ?? title, DiagnosticCodes.MissingSynopsis,
                seen.ContainsKey("SYNOPSIS") ? $"{command.Name}: ## SYNOPSIS is empty" : $"{command.Name} has no ## SYNOPSIS section");
        }

        if (command.Description.All(string.IsNullOrWhiteSpace))
        {
            page.Error(seen.GetValueOrDefault("DESCRIPTION") ?? title, DiagnosticCodes.MissingDescription,
                seen.ContainsKey("DESCRIPTION") ? $"{command.Name}: ## DESCRIPTION is empty" : $"{command.Name} has no ## DESCRIPTION section");
        }

        if (command.Examples.Count == 0)
        {
            page.Error(seen.GetValueOrDefault("EXAMPLES") ?? title, DiagnosticCodes.MissingExample,
                $"{command.Name} has no example: ## EXAMPLES needs at least one '### Example 1: ...' with a ```powershell block");
        }
    }

    /// <summary>A parameter set named in a yaml block but not in ## SYNTAX is almost always a typo.</summary>
    private static void CheckParameterSets(HelpPage page, CommandHelp command)
    {
        if (command.ParameterSets.Count == 0)
        {
            return;
        }

        foreach (var parameter in command.Parameters)
        {
            foreach (var metadata in parameter.Metadata.Where(m => !m.InAllSets))
            {
                foreach (string set in metadata.ParameterSets)
                {
                    if (!command.ParameterSets.Contains(set, StringComparer.OrdinalIgnoreCase))
                    {
                        page.Error(metadata.Line, DiagnosticCodes.UnknownParameterSet,
                            $"-{parameter.Name} names parameter set '{set}', which ## SYNTAX does not have ({string.Join(", ", command.ParameterSets)})");
                    }
                }
            }
        }
    }
}
