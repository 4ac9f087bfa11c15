using System.Globalization;
using System.Management.Automation;
using System.Management.Automation.Language;
using System.Text;

namespace ConntrackTools.Host;

/// <summary>
/// Renders errors the way pwsh's concise error view reads: "Get-CtConnection: message", with the
/// script position for errors raised in a script file, and no .NET stack trace.
/// </summary>
public static class ErrorFormatter
{
    /// <summary>Formats one error record as "Command: message" (plus "    at file:line" for script files).</summary>
    public static string Format(ErrorRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        if (record.Exception is ParseException { Errors.Length: > 0 } parse)
        {
            return Format(parse.Errors);
        }

        var text = new StringBuilder();
        text.Append(Prefix(record)).Append(": ").Append(Message(record));

        InvocationInfo? where = record.InvocationInfo;
        if (where is not null && !string.IsNullOrEmpty(where.ScriptName) && where.ScriptLineNumber > 0)
        {
            text.AppendLine().Append(CultureInfo.InvariantCulture, $"    at {where.ScriptName}:{where.ScriptLineNumber}");
        }

        return text.ToString();
    }

    /// <summary>Formats parser errors, one per line: "ParserError: file:line:column: message".</summary>
    public static string Format(IReadOnlyList<ParseError> errors)
    {
        ArgumentNullException.ThrowIfNull(errors);
        var text = new StringBuilder();
        foreach (ParseError error in errors)
        {
            if (text.Length > 0)
            {
                text.AppendLine();
            }

            IScriptExtent extent = error.Extent;
            string place = string.IsNullOrEmpty(extent.File)
                ? string.Create(CultureInfo.InvariantCulture, $"line {extent.StartLineNumber}, column {extent.StartColumnNumber}")
                : string.Create(CultureInfo.InvariantCulture, $"{extent.File}:{extent.StartLineNumber}:{extent.StartColumnNumber}");
            text.Append(CultureInfo.InvariantCulture, $"ParserError: {place}: {error.Message}");
        }

        return text.ToString();
    }

    private static string Message(ErrorRecord record)
    {
        string? message = record.ErrorDetails?.Message;
        if (string.IsNullOrEmpty(message))
        {
            message = record.Exception?.Message;
        }

        return string.IsNullOrEmpty(message) ? record.ToString() : message;
    }

    /// <summary>The command that failed, as pwsh's concise view chooses it.</summary>
    private static string Prefix(ErrorRecord record)
    {
        string? command = record.InvocationInfo?.MyCommand?.Name;
        if (!string.IsNullOrWhiteSpace(command) && record.InvocationInfo?.MyCommand is not ScriptInfo)
        {
            return command;
        }

        // A command that was not found: pwsh names it ("Get-Foo: The term 'Get-Foo' is not recognized ...").
        if (record.Exception is CommandNotFoundException { CommandName: { Length: > 0 } missing })
        {
            return missing;
        }

        if (record.CategoryInfo.Category == ErrorCategory.ParserError)
        {
            return "ParserError";
        }

        string activity = record.CategoryInfo.Activity;
        if (!string.IsNullOrWhiteSpace(activity))
        {
            return activity;
        }

        return record.Exception switch
        {
            RuntimeException { WasThrownFromThrowStatement: true } => "Exception",
            null => "Error",
            Exception ex => ex.GetType().Name,
        };
    }
}
