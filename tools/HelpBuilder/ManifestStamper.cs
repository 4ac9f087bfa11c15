namespace ConntrackTools.HelpBuilder;

/// <summary>
/// Puts the build's version into the module manifest's <c>ModuleVersion = '...'</c>, leaving every
/// other byte of the .psd1 alone. Only the top-level key is changed: a RequiredModules entry such
/// as <c>@{ ModuleName = 'X'; ModuleVersion = '1.0' }</c> is nested one hashtable deeper and is
/// skipped. The scan knows just enough PowerShell to do that: hashtable nesting, quoted strings
/// (with '' and backtick escapes), here-strings and comments.
/// </summary>
internal static class ManifestStamper
{
    private const string Key = "ModuleVersion";

    /// <summary>True for the versions a manifest's ModuleVersion takes: 2 to 4 dotted numbers.</summary>
    public static bool IsValidVersion(string version) =>
        Version.TryParse(version, out _) && !version.Contains(' ', StringComparison.Ordinal);

    /// <summary>
    /// The manifest text with its top-level ModuleVersion value replaced by <paramref name="version"/>,
    /// or null when the manifest has no top-level <c>ModuleVersion = '...'</c>.
    /// </summary>
    public static string? Stamp(string manifest, string version)
    {
        var value = FindModuleVersionValue(manifest);
        if (value is null)
        {
            return null;
        }

        var (start, length) = value.Value;
        return string.Concat(manifest.AsSpan(0, start), version, manifest.AsSpan(start + length));
    }

    /// <summary>Where the characters between the quotes of the top-level ModuleVersion value are.</summary>
    internal static (int Start, int Length)? FindModuleVersionValue(string text)
    {
        int depth = 0;
        int i = 0;
        while (i < text.Length)
        {
            char c = text[i];
            if (c == '#')
            {
                i = SkipToLineEnd(text, i);
            }
            else if (c == '<' && Next(text, i) == '#')
            {
                i = SkipPast(text, i + 2, "#>");
            }
            else if (c == '@' && (Next(text, i) == '\'' || Next(text, i) == '"') && IsLineEndAfter(text, i + 2))
            {
                i = SkipPast(text, i + 2, "\n" + Next(text, i) + "@");
            }
            else if (c is '\'' or '"')
            {
                i = SkipString(text, i);
            }
            else if (c == '{')
            {
                depth++;
                i++;
            }
            else if (c == '}')
            {
                depth--;
                i++;
            }
            else if (depth == 1 && IsKeyAt(text, i))
            {
                int j = SkipBlanks(text, i + Key.Length);
                if (j < text.Length && text[j] == '=')
                {
                    j = SkipBlanks(text, j + 1);
                    if (j < text.Length && text[j] is '\'' or '"')
                    {
                        int end = SkipString(text, j);
                        return (j + 1, end - j - 2);
                    }
                }

                i += Key.Length;
            }
            else
            {
                i++;
            }
        }

        return null;
    }

    private static char Next(string text, int i) => i + 1 < text.Length ? text[i + 1] : '\0';

    private static bool IsKeyAt(string text, int i) =>
        string.CompareOrdinal(text, i, Key, 0, Key.Length) == 0
        && (i == 0 || !IsNameChar(text[i - 1]))
        && (i + Key.Length == text.Length || !IsNameChar(text[i + Key.Length]));

    private static bool IsNameChar(char c) => char.IsLetterOrDigit(c) || c is '_' or '-';

    private static bool IsLineEndAfter(string text, int i)
    {
        while (i < text.Length && text[i] is ' ' or '\t')
        {
            i++;
        }

        return i >= text.Length || text[i] is '\r' or '\n';
    }

    private static int SkipBlanks(string text, int i)
    {
        while (i < text.Length && char.IsWhiteSpace(text[i]))
        {
            i++;
        }

        return i;
    }

    private static int SkipToLineEnd(string text, int i)
    {
        int end = text.IndexOf('\n', i);
        return end < 0 ? text.Length : end + 1;
    }

    private static int SkipPast(string text, int from, string terminator)
    {
        int end = text.IndexOf(terminator, from, StringComparison.Ordinal);
        return end < 0 ? text.Length : end + terminator.Length;
    }

    /// <summary>The index just past the string that opens at <paramref name="i"/>.</summary>
    private static int SkipString(string text, int i)
    {
        char quote = text[i];
        int j = i + 1;
        while (j < text.Length)
        {
            if (quote == '"' && text[j] == '`')
            {
                j += 2;
                continue;
            }

            if (text[j] == quote)
            {
                // '' inside '...' (and "" inside "...") is an escaped quote, not the end.
                if (j + 1 < text.Length && text[j + 1] == quote)
                {
                    j += 2;
                    continue;
                }

                return j + 1;
            }

            j++;
        }

        return text.Length;
    }
}
