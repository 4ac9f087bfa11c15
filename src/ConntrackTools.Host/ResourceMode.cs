using System.Management.Automation;
using System.Management.Automation.Runspaces;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace ConntrackTools.Host;

/// <summary>
/// <c>ctsh -Resource NAME -Operation get|test|set|export [-WhatIf]</c>, the command a DSC v3
/// manifest and the Ansible modules run: reads the instance's JSON from stdin, runs
/// Invoke-CtResource -Json in the module, and writes only its JSON lines to stdout. Errors and
/// warnings go to stderr as DSC trace lines ({"error":"..."}, {"warn":"..."}); the exit code says
/// what kind of failure it was. The input is passed as a parameter value, never as script text.
/// </summary>
internal static class ResourceMode
{
    /// <summary>Exit code: the operation failed (the kernel refused, a namespace is missing ...).</summary>
    public const int ErrorExitCode = 1;

    /// <summary>Exit code: the input was refused (bad JSON, unknown property, invalid value, unknown resource).</summary>
    public const int InvalidInputExitCode = 2;

    /// <summary>Exit code: not allowed (not root, no CAP_NET_ADMIN).</summary>
    public const int PermissionDeniedExitCode = 3;

    private static readonly string[] Operations = ["get", "test", "set", "export"];

    private static readonly JsonSerializerOptions TraceJson = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static int Run(ShellArguments options, TextReader stdin, TextWriter stdout, TextWriter stderr)
    {
        string? problem = options switch
        {
            { Resource: null } => "-Operation and -WhatIf need -Resource NAME.",
            { Command: not null } or { File: not null } => "-Resource runs a resource; it cannot be combined with -Command or -File.",
            { Operation: null } => "-Resource needs -Operation get, test, set or export.",
            _ when !Operations.Contains(options.Operation, StringComparer.OrdinalIgnoreCase) =>
                $"-Operation is '{options.Operation}'; it must be get, test, set or export.",
            { WhatIf: true } when !options.Operation.Equals("set", StringComparison.OrdinalIgnoreCase) => "-WhatIf goes with -Operation set.",
            _ => null,
        };
        if (problem is not null)
        {
            Trace(stderr, "error", "ctsh: " + problem);
            return InvalidInputExitCode;
        }

        string? modulePath = ModuleLocator.Find(
            options.Module,
            Environment.GetEnvironmentVariable(ModuleLocator.EnvironmentVariable),
            AppContext.BaseDirectory,
            out string notFound);
        if (modulePath is null)
        {
            Trace(stderr, "error", "ctsh: " + notFound);
            return ErrorExitCode;
        }

        // All of stdin, as DSC writes it and closes it; a terminal gives none (export needs none).
        bool stdinIsTerminal = ReferenceEquals(stdin, Console.In) && !Console.IsInputRedirected;
        string input = stdinIsTerminal ? string.Empty : stdin.ReadToEnd();

        // Nothing reaches stdout but the JSON lines: the host's own output ("What if: ...") is dropped.
        var host = new CtshHost(TextWriter.Null, TextWriter.Null, 120) { Input = null };
        CtshSession session;
        try
        {
            session = new CtshSession(host, modulePath);
        }
        catch (RuntimeException ex)
        {
            var reason = ex is RunspaceOpenModuleLoadException { ErrorRecords.Count: > 0 } load ? Message(load.ErrorRecords[0]) : ex.Message;
            Trace(stderr, "error", $"ctsh: the module '{modulePath}' failed to import: {reason}");
            return ErrorExitCode;
        }

        using (session)
        {
            return Invoke(session, options, input, stdout, stderr);
        }
    }

    /// <summary>The exit code for an error of this category: 2 for input the resource refused, 3 for missing privileges, else 1.</summary>
    public static int ExitCodeOf(ErrorCategory category) => category switch
    {
        ErrorCategory.InvalidArgument or ErrorCategory.InvalidData or ErrorCategory.InvalidType
            or ErrorCategory.SyntaxError or ErrorCategory.ParserError or ErrorCategory.MetadataError => InvalidInputExitCode,
        ErrorCategory.PermissionDenied or ErrorCategory.SecurityError => PermissionDeniedExitCode,
        _ => ErrorExitCode,
    };

    private static int Invoke(CtshSession session, ShellArguments options, string input, TextWriter stdout, TextWriter stderr)
    {
        using PowerShell ps = PowerShell.Create();
        ps.Runspace = session.Runspace;
        ps.AddCommand("Invoke-CtResource")
            .AddParameter("Name", options.Resource)
            .AddParameter("Method", options.Operation)
            .AddParameter("InputJson", input)
            .AddParameter("Json");
        if (options.WhatIf)
        {
            ps.AddParameter("WhatIf");
        }

        var errors = new List<ErrorRecord>();
        try
        {
            foreach (PSObject line in ps.Invoke())
            {
                stdout.WriteLine(line?.BaseObject.ToString());
            }
        }
        catch (RuntimeException ex)
        {
            errors.Add(ex.ErrorRecord);
        }

        foreach (WarningRecord warning in ps.Streams.Warning)
        {
            Trace(stderr, "warn", warning.Message);
        }

        errors.InsertRange(0, ps.Streams.Error);
        foreach (ErrorRecord error in errors)
        {
            Trace(stderr, "error", Message(error));
        }

        stdout.Flush();
        stderr.Flush();
        return errors.Count == 0 ? 0 : ExitCodeOf(errors[0].CategoryInfo.Category);
    }

    /// <summary>The error's message, with what to do when the message does not already say it.</summary>
    private static string Message(ErrorRecord error)
    {
        string message = error.ErrorDetails?.Message is { Length: > 0 } details ? details : error.Exception?.Message ?? error.ToString();
        string? action = error.ErrorDetails?.RecommendedAction;
        return string.IsNullOrEmpty(action) || message.Contains(action, StringComparison.Ordinal) ? message : $"{message} {action}";
    }

    private static void Trace(TextWriter stderr, string level, string message)
    {
        stderr.WriteLine(JsonSerializer.Serialize(new Dictionary<string, string> { [level] = message }, TraceJson));
        stderr.Flush();
    }
}
