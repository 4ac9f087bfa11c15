using System.Text;
using Markdig;
using Markdig.Extensions.Tables;
using Markdig.Extensions.Yaml;
using Markdig.Syntax;
using Markdig.Syntax.Inlines;

namespace ConntrackTools.HelpBuilder;

/// <summary>
/// The Markdig side: parsing, and turning blocks and inlines into the plain text that MAML and
/// about_*.help.txt carry. Get-Help shows text, so emphasis markers and backticks are dropped;
/// a link keeps its text and, when it points outside the help (an absolute URI), the address in
/// parentheses, as platyPS does.
/// </summary>
internal static class MarkdownText
{
    private static readonly MarkdownPipeline Pipeline = new MarkdownPipelineBuilder()
        .UseYamlFrontMatter()
        .UsePipeTables()
        .Build();

    public static MarkdownDocument Parse(string text) => Markdown.Parse(text, Pipeline);

    /// <summary>Markdig counts lines from 0; messages count from 1.</summary>
    public static int LineOf(Block block) => block.Line + 1;

    public static string InlineText(ContainerInline? inline)
    {
        if (inline is null)
        {
            return string.Empty;
        }

        var text = new StringBuilder();
        AppendInlines(inline, text);
        return text.ToString().Trim();
    }

    public static string HeadingText(HeadingBlock heading) => InlineText(heading.Inline);

    /// <summary>The text of a code block, without its fences and without trailing blank lines.</summary>
    public static string CodeText(LeafBlock block)
    {
        var lines = new List<string>();
        var group = block.Lines;
        for (int i = 0; i < group.Count; i++)
        {
            lines.Add(group.Lines[i].Slice.ToString().TrimEnd());
        }

        while (lines.Count > 0 && lines[^1].Length == 0)
        {
            lines.RemoveAt(lines.Count - 1);
        }

        return string.Join("\n", lines);
    }

    /// <summary>The lines of a code block with their 1-based line numbers in the file.</summary>
    public static IReadOnlyList<(string Text, int Line)> CodeLines(LeafBlock block)
    {
        var lines = new List<(string, int)>();
        var group = block.Lines;
        for (int i = 0; i < group.Count; i++)
        {
            var line = group.Lines[i];
            lines.Add((line.Slice.ToString(), line.Line + 1));
        }

        return lines;
    }

    /// <summary>The info string of a fenced block (```yaml gives "yaml"); empty for indented code.</summary>
    public static string FenceInfo(Block block) =>
        block is FencedCodeBlock fenced ? (fenced.Info ?? string.Empty).Trim() : string.Empty;

    /// <summary>The raw source lines of a block, for content shown as written (tables).</summary>
    public static IReadOnlyList<string> SourceLines(Block block, string source)
    {
        int start = Math.Clamp(block.Span.Start, 0, source.Length);
        int end = Math.Clamp(block.Span.End + 1, start, source.Length);
        return source[start..end].Replace("\r\n", "\n", StringComparison.Ordinal)
            .Split('\n')
            .Select(line => line.TrimEnd())
            .Where(line => line.Length > 0)
            .ToList();
    }

    /// <summary>
    /// The front matter as key/value pairs. platyPS writes only flat "key: value" lines there, so
    /// that is all this reads; quotes around a value are removed.
    /// </summary>
    public static Dictionary<string, string>? FrontMatter(MarkdownDocument document)
    {
        if (document.Count == 0 || document[0] is not YamlFrontMatterBlock block)
        {
            return null;
        }

        var values = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        var group = block.Lines;
        for (int i = 0; i < group.Count; i++)
        {
            string line = group.Lines[i].Slice.ToString();
            if (line.Trim() is "---" or "...")
            {
                continue;
            }

            int colon = line.IndexOf(':', StringComparison.Ordinal);
            if (colon <= 0)
            {
                continue;
            }

            string value = line[(colon + 1)..].Trim();
            if (value.Length >= 2 && (value[0] == '\'' || value[0] == '"') && value[^1] == value[0])
            {
                value = value[1..^1];
            }

            values[line[..colon].Trim()] = value;
        }

        return values;
    }

    public static bool IsAbsoluteUri(string? uri) =>
        !string.IsNullOrWhiteSpace(uri) && Uri.TryCreate(uri, UriKind.Absolute, out var parsed)
        && (parsed.Scheme == Uri.UriSchemeHttp || parsed.Scheme == Uri.UriSchemeHttps);

    /// <summary>True when a table block came from the pipe-table extension.</summary>
    public static bool IsTable(Block block) => block is Table;

    private static void AppendInlines(ContainerInline container, StringBuilder text)
    {
        for (var inline = container.FirstChild; inline is not null; inline = inline.NextSibling)
        {
            switch (inline)
            {
                case LiteralInline literal:
                    text.Append(literal.Content.ToString());
                    break;
                case CodeInline code:
                    text.Append(code.Content);
                    break;
                case AutolinkInline autolink:
                    text.Append(autolink.Url);
                    break;
                case LinkInline link:
                    {
                        var label = new StringBuilder();
                        AppendInlines(link, label);
                        string labelText = label.ToString().Trim();
                        text.Append(labelText);
                        if (IsAbsoluteUri(link.Url) && !string.Equals(labelText, link.Url, StringComparison.Ordinal))
                        {
                            text.Append(" (").Append(link.Url).Append(')');
                        }

                        break;
                    }
                case LineBreakInline lineBreak:
                    text.Append(lineBreak.IsHard ? "\n" : " ");
                    break;
                case HtmlEntityInline entity:
                    text.Append(entity.Transcoded.ToString());
                    break;
                case HtmlInline html:
                    // "<CommonParameters>" and the like parse as HTML; they are meant as text.
                    text.Append(html.Tag);
                    break;
                case ContainerInline nested:
                    AppendInlines(nested, text);
                    break;
                default:
                    text.Append(inline.ToString());
                    break;
            }
        }
    }
}
