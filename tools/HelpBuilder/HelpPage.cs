using Markdig.Syntax;

namespace ConntrackTools.HelpBuilder;

/// <summary>A markdown help source being read: its path, text and parse, and where its problems go.</summary>
internal sealed class HelpPage
{
    public HelpPage(string path, string source, DiagnosticBag diagnostics)
    {
        Path = path;
        Source = source;
        Diagnostics = diagnostics;
        Document = MarkdownText.Parse(source);
    }

    public string Path { get; }

    /// <summary>The file name without ".md": the cmdlet or about topic the page must document.</summary>
    public string Name => System.IO.Path.GetFileNameWithoutExtension(Path);

    public string Source { get; }

    public MarkdownDocument Document { get; }

    public DiagnosticBag Diagnostics { get; }

    /// <summary>
    /// The top-level blocks after the front matter, without reference-link definitions (they
    /// stand wherever the author put them and carry no text of their own).
    /// </summary>
    public IReadOnlyList<Block> Blocks =>
        Document.Where(block => block is not (Markdig.Extensions.Yaml.YamlFrontMatterBlock or LinkReferenceDefinitionGroup)).ToList();

    public void Error(Block? block, string code, string message) =>
        Diagnostics.Add(Path, block is null ? 0 : MarkdownText.LineOf(block), code, message);

    public void Error(int line, string code, string message) => Diagnostics.Add(Path, line, code, message);

    /// <summary>
    /// Splits <paramref name="blocks"/> at headings of <paramref name="level"/>: the blocks before
    /// the first such heading, then each heading with the blocks under it. Headings of a higher
    /// level (fewer #) are not expected here; the caller has already split on them.
    /// </summary>
    public static (List<Block> Leading, List<(HeadingBlock Heading, List<Block> Body)> Parts) SplitAt(
        IEnumerable<Block> blocks, int level)
    {
        var leading = new List<Block>();
        var parts = new List<(HeadingBlock, List<Block>)>();
        foreach (var block in blocks)
        {
            if (block is HeadingBlock heading && heading.Level == level)
            {
                parts.Add((heading, []));
            }
            else if (parts.Count == 0)
            {
                leading.Add(block);
            }
            else
            {
                parts[^1].Item2.Add(block);
            }
        }

        return (leading, parts);
    }

    /// <summary>
    /// Text blocks as MAML paragraphs: a paragraph is one maml:para; a list item is one, marked
    /// "- " or "1. "; a code block gives one indented para per line so Get-Help keeps its shape.
    /// Anything else (a heading, raw HTML, a rule) is reported where it stands.
    /// </summary>
    public List<string> Paragraphs(IEnumerable<Block> blocks, string where)
    {
        var paragraphs = new List<string>();
        foreach (var block in blocks)
        {
            AddParagraphs(block, paragraphs, string.Empty, where);
        }

        return paragraphs;
    }

    private void AddParagraphs(Block block, List<string> paragraphs, string indent, string where)
    {
        switch (block)
        {
            case ParagraphBlock paragraph:
                paragraphs.Add(indent + MarkdownText.InlineText(paragraph.Inline));
                break;
            case ListBlock list:
                {
                    int number = int.TryParse(list.OrderedStart, out int start) ? start : 1;
                    foreach (var item in list.OfType<ListItemBlock>())
                    {
                        string marker = list.IsOrdered ? $"{number++}. " : "- ";
                        var itemParagraphs = new List<string>();
                        foreach (var child in item)
                        {
                            AddParagraphs(child, itemParagraphs, string.Empty, where);
                        }

                        for (int i = 0; i < itemParagraphs.Count; i++)
                        {
                            paragraphs.Add(indent + (i == 0 ? marker : new string(' ', marker.Length)) + itemParagraphs[i]);
                        }
                    }

                    break;
                }
            case QuoteBlock quote:
                foreach (var child in quote)
                {
                    AddParagraphs(child, paragraphs, indent, where);
                }

                break;
            case CodeBlock code:
                foreach (string line in MarkdownText.CodeText(code).Split('\n'))
                {
                    paragraphs.Add(indent + "    " + line);
                }

                break;
            case Markdig.Extensions.Tables.Table:
                paragraphs.AddRange(MarkdownText.SourceLines(block, Source).Select(line => indent + line));
                break;
            case HeadingBlock heading:
                Error(block, DiagnosticCodes.UnexpectedContent,
                    $"unexpected heading '{new string('#', heading.Level)} {MarkdownText.HeadingText(heading)}' in {where}");
                break;
            case LinkReferenceDefinitionGroup:
                break;
            default:
                Error(block, DiagnosticCodes.UnexpectedContent,
                    $"unsupported markdown ({block.GetType().Name}) in {where}");
                break;
        }
    }
}
