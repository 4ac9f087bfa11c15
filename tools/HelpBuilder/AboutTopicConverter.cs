using Markdig.Syntax;

namespace ConntrackTools.HelpBuilder;

/// <summary>
/// Turns an about topic written in markdown into the about_*.help.txt that Get-Help about_X shows,
/// as platyPS's New-ExternalHelp does for about pages: "TOPIC" and the topic name, then each
/// section as an upper-case heading with its text indented four spaces and wrapped at 80 columns.
/// Get-Help takes a topic's synopsis from the line after "SHORT DESCRIPTION".
///
/// Two layouts are read. PowerShell's own about pages (and this repository's):
/// "# about_Name", then "## SHORT DESCRIPTION", "## LONG DESCRIPTION", ... and "###" subtopics.
/// platyPS 0.14's New-MarkdownAboutHelp template: "# Title", "## about_Name", then "# SHORT
/// DESCRIPTION", ... and "##" subtopics.
/// </summary>
internal static class AboutTopicConverter
{
    private const string Indent = "    ";

    private static readonly string[] KnownSections =
    [
        "SHORT DESCRIPTION", "LONG DESCRIPTION", "EXAMPLES", "NOTE", "NOTES", "TROUBLESHOOTING NOTE",
        "TROUBLESHOOTING NOTES", "SEE ALSO", "KEYWORDS",
    ];

    /// <summary>The help text, or null when the page has errors (reported to the page's bag).</summary>
    public static string? Convert(HelpPage page)
    {
        int errorsBefore = page.Diagnostics.Items.Count;
        var blocks = page.Blocks;
        if (blocks.Count == 0 || blocks[0] is not HeadingBlock { Level: 1 } title)
        {
            page.Error(blocks.Count > 0 ? blocks[0] : null, DiagnosticCodes.AboutTopic,
                $"an about topic starts with '# {page.Name}'");
            return null;
        }

        int sectionLevel = 2;
        int first = 1;
        string topic = MarkdownText.HeadingText(title);
        if (blocks.Count > 1 && blocks[1] is HeadingBlock { Level: 2 } lookup
            && MarkdownText.HeadingText(lookup).StartsWith("about_", StringComparison.OrdinalIgnoreCase))
        {
            // platyPS's template: the second heading is the name the help system looks up.
            topic = MarkdownText.HeadingText(lookup);
            sectionLevel = 1;
            first = 2;
        }

        if (!string.Equals(topic, page.Name, StringComparison.OrdinalIgnoreCase))
        {
            page.Error(title, DiagnosticCodes.AboutTopic,
                $"topic name '{topic}' does not match the file name '{page.Name}'; Get-Help finds a topic by its file name");
        }

        var text = new List<string> { "TOPIC", Indent + page.Name, string.Empty };
        var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        bool inSection = false;
        foreach (var block in blocks.Skip(first))
        {
            if (block is HeadingBlock heading && heading.Level <= sectionLevel)
            {
                string name = MarkdownText.HeadingText(heading);
                if (heading.Level < sectionLevel)
                {
                    page.Error(heading, DiagnosticCodes.AboutTopic,
                        $"'{new string('#', heading.Level)} {name}': sections of this topic are '{new string('#', sectionLevel)}' headings");
                }
                else if (!KnownSections.Contains(name, StringComparer.OrdinalIgnoreCase))
                {
                    page.Error(heading, DiagnosticCodes.UnknownSection,
                        $"unknown section '{new string('#', sectionLevel)} {name}'; an about topic has {string.Join(", ", KnownSections)} (subtopics go one level deeper)");
                }
                else if (!seen.Add(name))
                {
                    page.Error(heading, DiagnosticCodes.DuplicateSection, $"section '{name}' appears twice");
                }

                TrimTrailingBlank(text);
                text.Add(string.Empty);
                text.Add(name.ToUpperInvariant());
                inSection = true;
                continue;
            }

            if (!inSection)
            {
                page.Error(block, DiagnosticCodes.UnexpectedContent,
                    "text before the first section; it belongs under SHORT DESCRIPTION or LONG DESCRIPTION");
                continue;
            }

            if (block is HeadingBlock subtopic)
            {
                TrimTrailingBlank(text);
                text.Add(string.Empty);
                text.Add("  " + MarkdownText.HeadingText(subtopic));
                continue;
            }

            AddBlock(page, block, text, Indent);
            text.Add(string.Empty);
        }

        foreach (string required in new[] { "SHORT DESCRIPTION", "LONG DESCRIPTION" })
        {
            if (!seen.Contains(required))
            {
                page.Error(title, DiagnosticCodes.AboutTopic,
                    $"{page.Name} has no {new string('#', sectionLevel)} {required} section");
            }
        }

        if (page.Diagnostics.Items.Count > errorsBefore)
        {
            return null;
        }

        TrimTrailingBlank(text);
        return string.Join("\n", CollapseBlankLines(text)) + "\n";
    }

    private static void AddBlock(HelpPage page, Block block, List<string> text, string indent)
    {
        switch (block)
        {
            case ParagraphBlock paragraph:
                text.AddRange(TextWrap.Wrap(MarkdownText.InlineText(paragraph.Inline), indent, indent));
                break;
            case ListBlock list:
                {
                    int number = int.TryParse(list.OrderedStart, out int start) ? start : 1;
                    foreach (var item in list.OfType<ListItemBlock>())
                    {
                        string marker = list.IsOrdered ? $"{number++}. " : "- ";
                        string hanging = indent + new string(' ', marker.Length);
                        bool firstChild = true;
                        foreach (var child in item)
                        {
                            if (firstChild && child is ParagraphBlock lead)
                            {
                                text.AddRange(TextWrap.Wrap(MarkdownText.InlineText(lead.Inline), indent + marker, hanging));
                            }
                            else
                            {
                                if (firstChild)
                                {
                                    text.Add(indent + marker.TrimEnd());
                                }

                                AddBlock(page, child, text, hanging);
                            }

                            firstChild = false;
                        }
                    }

                    break;
                }
            case CodeBlock code:
                text.AddRange(MarkdownText.CodeText(code).Split('\n').Select(line => line.Length == 0 ? string.Empty : indent + line));
                break;
            case QuoteBlock quote:
                foreach (var child in quote)
                {
                    AddBlock(page, child, text, indent + "  ");
                }

                break;
            case Markdig.Extensions.Tables.Table:
                text.AddRange(MarkdownText.SourceLines(block, page.Source).Select(line => indent + line));
                break;
            case LinkReferenceDefinitionGroup:
                break;
            default:
                page.Error(block, DiagnosticCodes.UnexpectedContent,
                    $"unsupported markdown ({block.GetType().Name}) in an about topic");
                break;
        }
    }

    private static void TrimTrailingBlank(List<string> text)
    {
        while (text.Count > 0 && text[^1].Length == 0)
        {
            text.RemoveAt(text.Count - 1);
        }
    }

    private static IEnumerable<string> CollapseBlankLines(IEnumerable<string> lines)
    {
        bool previousBlank = false;
        foreach (string line in lines)
        {
            bool blank = line.Length == 0;
            if (!(blank && previousBlank))
            {
                yield return line;
            }

            previousBlank = blank;
        }
    }
}
