using System.Collections.ObjectModel;
using System.Globalization;
using System.Management.Automation;
using System.Management.Automation.Host;
using System.Security;
using System.Text;

namespace ConntrackTools.Host;

/// <summary>
/// The host's UI: output lines to stdout, everything else to stderr with pwsh's prefixes
/// ("WARNING: ", "VERBOSE: ", "DEBUG: "), prompts on stderr answered from the host's Input.
/// </summary>
internal sealed class CtshHostUserInterface : PSHostUserInterface
{
    private readonly CtshHost _host;
    private readonly CtshRawUserInterface _rawUI;
    private readonly Lock _sync = new();
    private bool _progressShown;

    public CtshHostUserInterface(CtshHost host)
    {
        _host = host;
        _rawUI = new CtshRawUserInterface(host);
    }

    public override PSHostRawUserInterface RawUI => _rawUI;

    public override bool SupportsVirtualTerminal => _host.SupportsVirtualTerminal;

    #region output

    public override void Write(string value) => WriteOut(value, newLine: false);

    public override void Write(ConsoleColor foregroundColor, ConsoleColor backgroundColor, string value) =>
        WriteOut(value, newLine: false);

    public override void WriteLine(string value) => WriteOut(value, newLine: true);

    public override void WriteLine() => WriteOut(string.Empty, newLine: true);

    public override void WriteLine(ConsoleColor foregroundColor, ConsoleColor backgroundColor, string value) =>
        WriteOut(value, newLine: true);

    public override void WriteErrorLine(string value) => WriteErr(value, _host.SupportsVirtualTerminal ? "\x1b[31;1m" : null);

    public override void WriteWarningLine(string message) =>
        WriteErr("WARNING: " + message, _host.SupportsVirtualTerminal ? "\x1b[33;1m" : null);

    public override void WriteVerboseLine(string message) =>
        WriteErr("VERBOSE: " + message, _host.SupportsVirtualTerminal ? "\x1b[33;1m" : null);

    public override void WriteDebugLine(string message) =>
        WriteErr("DEBUG: " + message, _host.SupportsVirtualTerminal ? "\x1b[33;1m" : null);

    public override void WriteProgress(long sourceId, ProgressRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        if (!_host.ShowProgress)
        {
            return;
        }

        lock (_sync)
        {
            if (record.RecordType == ProgressRecordType.Completed)
            {
                ClearProgressLine();
                return;
            }

            var line = new StringBuilder(record.Activity);
            if (!string.IsNullOrEmpty(record.StatusDescription))
            {
                line.Append(": ").Append(record.StatusDescription);
            }

            if (record.PercentComplete >= 0)
            {
                line.Append(CultureInfo.InvariantCulture, $" {record.PercentComplete}%");
            }

            string text = line.ToString().ReplaceLineEndings(" ");
            if (text.Length > _host.Width - 1)
            {
                text = text[..(_host.Width - 1)];
            }

            _host.Output.Flush();
            _host.ErrorOutput.Write("\r\x1b[K" + text);
            _host.ErrorOutput.Flush();
            _progressShown = true;
        }
    }

    public void Flush()
    {
        lock (_sync)
        {
            ClearProgressLine();
            _host.Output.Flush();
            _host.ErrorOutput.Flush();
        }
    }

    private void WriteOut(string value, bool newLine)
    {
        // Drops $PSStyle's escape sequences (table headers) unless the output is a terminal.
        value = GetOutputString(value, _host.SupportsVirtualTerminal);
        lock (_sync)
        {
            ClearProgressLine();
            if (newLine)
            {
                _host.Output.WriteLine(value);
            }
            else
            {
                _host.Output.Write(value);
            }
        }
    }

    private void WriteErr(string line, string? ansiColor)
    {
        line = GetOutputString(line, _host.SupportsVirtualTerminal);
        lock (_sync)
        {
            ClearProgressLine();

            // Keeps stdout and stderr in order when both go to the same file or terminal.
            _host.Output.Flush();
            _host.ErrorOutput.WriteLine(ansiColor is null ? line : ansiColor + line + "\x1b[0m");
            _host.ErrorOutput.Flush();
        }
    }

    private void ClearProgressLine()
    {
        if (_progressShown)
        {
            _host.ErrorOutput.Write("\r\x1b[K");
            _host.ErrorOutput.Flush();
            _progressShown = false;
        }
    }

    #endregion

    #region input and prompts

    public override string ReadLine() => ReadInputLine();

    public override SecureString ReadLineAsSecureString()
    {
        TextReader input = RequireInput();
        var secure = new SecureString();
        if (_host.InputIsTerminal)
        {
            // Console.ReadKey(intercept) keeps the secret off the screen.
            while (true)
            {
                ConsoleKeyInfo key = Console.ReadKey(intercept: true);
                if (key.Key == ConsoleKey.Enter)
                {
                    break;
                }

                if (key.Key == ConsoleKey.Backspace)
                {
                    if (secure.Length > 0)
                    {
                        secure.RemoveAt(secure.Length - 1);
                    }

                    continue;
                }

                if (key.KeyChar != '\0')
                {
                    secure.AppendChar(key.KeyChar);
                }
            }

            WriteErrText(Environment.NewLine);
        }
        else
        {
            string line = ReadInputLine();
            foreach (char c in line)
            {
                secure.AppendChar(c);
            }
        }

        secure.MakeReadOnly();
        return secure;
    }

    public override Dictionary<string, PSObject> Prompt(string caption, string message, Collection<FieldDescription> descriptions)
    {
        ArgumentNullException.ThrowIfNull(descriptions);
        RequireInput();
        WriteCaptionAndMessage(caption, message);

        var results = new Dictionary<string, PSObject>(StringComparer.OrdinalIgnoreCase);
        foreach (FieldDescription field in descriptions)
        {
            string label = string.IsNullOrEmpty(field.Label) ? field.Name : field.Label.Replace("&", string.Empty, StringComparison.Ordinal);
            string typeName = field.ParameterTypeFullName ?? string.Empty;

            if (typeName == typeof(SecureString).FullName)
            {
                WriteErrText(label + ": ");
                results[field.Name] = new PSObject(ReadLineAsSecureString());
            }
            else if (typeName == typeof(PSCredential).FullName)
            {
                results[field.Name] = new PSObject(PromptForCredential(caption, message, string.Empty, string.Empty));
            }
            else if (typeName.EndsWith("[]", StringComparison.Ordinal))
            {
                // Like pwsh: one element per line, an empty line ends the list.
                var items = new List<string>();
                while (true)
                {
                    WriteErrText(string.Create(CultureInfo.InvariantCulture, $"{label}[{items.Count}]: "));
                    string line = ReadInputLine();
                    if (line.Length == 0)
                    {
                        break;
                    }

                    items.Add(line);
                }

                results[field.Name] = new PSObject(items.ToArray());
            }
            else
            {
                WriteErrText(label + ": ");
                results[field.Name] = new PSObject(ReadInputLine());
            }
        }

        return results;
    }

    public override PSCredential PromptForCredential(string caption, string message, string userName, string targetName) =>
        PromptForCredential(caption, message, userName, targetName, PSCredentialTypes.Default, PSCredentialUIOptions.Default);

    public override PSCredential PromptForCredential(
        string caption,
        string message,
        string userName,
        string targetName,
        PSCredentialTypes allowedCredentialTypes,
        PSCredentialUIOptions options)
    {
        RequireInput();
        WriteCaptionAndMessage(caption, message);
        if (string.IsNullOrEmpty(userName))
        {
            WriteErrText("User: ");
            userName = ReadInputLine();
        }

        WriteErrText($"Password for user {userName}: ");
        return new PSCredential(userName, ReadLineAsSecureString());
    }

    public override int PromptForChoice(string caption, string message, Collection<ChoiceDescription> choices, int defaultChoice)
    {
        ArgumentNullException.ThrowIfNull(choices);
        RequireInput();
        WriteCaptionAndMessage(caption, message);

        var hotkeys = new string[choices.Count];
        var line = new StringBuilder();
        for (int i = 0; i < choices.Count; i++)
        {
            (hotkeys[i], string label) = SplitHotkey(choices[i].Label);
            line.Append(CultureInfo.InvariantCulture, $"[{hotkeys[i]}] {label}  ");
        }

        line.Append("[?] Help");
        if (defaultChoice >= 0 && defaultChoice < choices.Count)
        {
            line.Append(CultureInfo.InvariantCulture, $" (default is \"{hotkeys[defaultChoice]}\")");
        }

        line.Append(": ");
        while (true)
        {
            WriteErrText(line.ToString());
            string answer = ReadInputLine().Trim();
            if (answer.Length == 0 && defaultChoice >= 0 && defaultChoice < choices.Count)
            {
                return defaultChoice;
            }

            if (answer == "?")
            {
                for (int i = 0; i < choices.Count; i++)
                {
                    WriteErrText($"{hotkeys[i]} - {choices[i].HelpMessage}{Environment.NewLine}");
                }

                continue;
            }

            for (int i = 0; i < choices.Count; i++)
            {
                string label = choices[i].Label.Replace("&", string.Empty, StringComparison.Ordinal);
                if (string.Equals(answer, hotkeys[i], StringComparison.OrdinalIgnoreCase)
                    || string.Equals(answer, label, StringComparison.OrdinalIgnoreCase))
                {
                    return i;
                }
            }
        }
    }

    /// <summary>"&amp;Yes to All" gives ("A", "Yes to All"); a label without '&amp;' uses its first letter.</summary>
    private static (string Hotkey, string Label) SplitHotkey(string label)
    {
        int amp = label.IndexOf('&', StringComparison.Ordinal);
        string plain = label.Replace("&", string.Empty, StringComparison.Ordinal);
        if (amp >= 0 && amp + 1 < label.Length)
        {
            return (char.ToUpperInvariant(label[amp + 1]).ToString(), plain);
        }

        return (plain.Length > 0 ? char.ToUpperInvariant(plain[0]).ToString() : "?", plain);
    }

    private void WriteCaptionAndMessage(string caption, string message)
    {
        if (!string.IsNullOrEmpty(caption))
        {
            WriteErrText(caption + Environment.NewLine);
        }

        if (!string.IsNullOrEmpty(message))
        {
            WriteErrText(message + Environment.NewLine);
        }
    }

    /// <summary>Prompts go to stderr so that stdout stays clean for the pipeline's output.</summary>
    private void WriteErrText(string text)
    {
        lock (_sync)
        {
            ClearProgressLine();
            _host.Output.Flush();
            _host.ErrorOutput.Write(text);
            _host.ErrorOutput.Flush();
        }
    }

    private string ReadInputLine()
    {
        string? line = RequireInput().ReadLine();
        if (line is null)
        {
            // Ends the prompt's line before the error is reported.
            WriteErrText(Environment.NewLine);
            throw NoMoreInput();
        }

        return line;
    }

    private TextReader RequireInput() =>
        _host.Input ?? throw new PSInvalidOperationException(
            "ctsh cannot prompt here: input is not interactive (stdin holds the script, or -NonInteractive was given). "
            + "Pass the value on the command line instead, for example -Confirm:$false or the mandatory parameter.");

    private static PSInvalidOperationException NoMoreInput() =>
        new("ctsh cannot prompt: the end of the input was reached. Pass the value on the command line instead, for example -Confirm:$false.");

    #endregion
}
