using System.Text;

namespace ConntrackTools.HelpBuilder;

/// <summary>Word wrapping for about_*.help.txt, which Get-Help shows as written.</summary>
internal static class TextWrap
{
    public const int Width = 80;

    /// <summary>
    /// Wraps <paramref name="text"/> to <see cref="Width"/> columns. The first line starts with
    /// <paramref name="firstIndent"/> (which may carry a list marker), the others with
    /// <paramref name="indent"/>. Hard line breaks in the text are kept; a word longer than a
    /// line is left whole rather than cut.
    /// </summary>
    public static IEnumerable<string> Wrap(string text, string firstIndent, string indent)
    {
        string prefix = firstIndent;
        foreach (string hardLine in text.Split('\n'))
        {
            var line = new StringBuilder(prefix);
            bool empty = true;
            foreach (string word in hardLine.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            {
                if (!empty && line.Length + 1 + word.Length > Width)
                {
                    yield return line.ToString();
                    line.Clear().Append(indent);
                    empty = true;
                }

                if (!empty)
                {
                    line.Append(' ');
                }

                line.Append(word);
                empty = false;
            }

            yield return line.ToString().TrimEnd();
            prefix = indent;
        }
    }
}
