using System.Globalization;
using System.Management.Automation;
using System.Management.Automation.Language;
using System.Management.Automation.Runspaces;
using System.Runtime.InteropServices;
using System.Text;

namespace ConntrackTools.Host;

/// <summary>
/// ctsh's command line: -Command, -File, a script on stdin, or an interactive prompt, run in a
/// <see cref="CtshSession"/> with the ConntrackTools module imported.
/// </summary>
public static class Shell
{
    /// <summary>Exit code when the module cannot be found.</summary>
    public const int ModuleNotFoundExitCode = 2;

    /// <summary>Exit code for a bad command line or a missing script file (pwsh uses the same, EX_USAGE).</summary>
    public const int UsageExitCode = 64;

    /// <summary>Exit code when the process is asked to end with SIGTERM.</summary>
    public const int TerminatedExitCode = 143;

    /// <summary>The first-line prompt of the interactive mode.</summary>
    public const string Prompt = "PS ctsh> ";

    /// <summary>The prompt while a statement is incomplete.</summary>
    public const string ContinuationPrompt = ">> ";

    private const string Usage = """
        ctsh - a PowerShell host for the ConntrackTools module, for machines without pwsh.

        Usage:
          ctsh [-Module PATH] -Command TEXT...      run TEXT (the rest of the line); -Command - reads stdin
          ctsh [-Module PATH] -File SCRIPT [ARGS]   run a script; ARGS bind to its parameters and $args
          ctsh -OutputFormat Json -Command TEXT...  the output as one JSON array, for scripts (also with -File)
          ctsh [-Module PATH] < script.ps1          run the script read from stdin
          ctsh [-Module PATH]                       interactive prompt (stdin is a terminal, or -Interactive)
          ctsh -Resource NAME -Operation OP [-WhatIf]  a desired-state resource for DSC v3 and Ansible: the
                              instance's JSON on stdin; get, test, set or export; JSON lines out

        Options:
          -Command, -c TEXT   command text; all remaining arguments are joined with spaces
          -File, -f PATH      script file; all remaining arguments go to the script
          -Module, -m PATH    the module's .psd1 or its folder (default: $CONNTRACKTOOLS_MODULE, then
                              out/ConntrackTools/ConntrackTools.psd1 above ctsh's own folder)
          -Interactive, -i    prompt for commands even when stdin is not a terminal
          -NonInteractive     never prompt (ShouldProcess confirmation, mandatory parameters) - fail instead
          -OutputFormat, -o F Text (default) or Json: the output as one JSON array (ConvertTo-CtJson -AsArray),
                              for scripts that parse it; errors still go to stderr
          -NoProfile, -NoLogo accepted for pwsh compatibility; ctsh has no profiles or banner
          -Help, -?           this text

        Output goes through Out-Default, so the module's views are used; width is $COLUMNS, else the
        terminal's, else 120. Errors, warnings, verbose and debug lines go to stderr.
        Exit code: 0; 1 when an error was written; N for `exit N`; 2 when the module is not found or
        not built; 64 for a bad command line; 130 after Ctrl+C. With -Resource: stdout holds only DSC v3
        JSON lines, stderr trace lines ({"error":"..."}), and the exit code is 0 success, 1 error,
        2 invalid input, 3 permission denied (run as root or with CAP_NET_ADMIN).
        """;

    /// <summary>Runs ctsh with <paramref name="args"/>; the console streams make it the real program, other readers/writers capture it. Returns the exit code.</summary>
    public static int Run(string[] args, TextReader stdin, TextWriter stdout, TextWriter stderr)
    {
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(stdin);
        ArgumentNullException.ThrowIfNull(stdout);
        ArgumentNullException.ThrowIfNull(stderr);

        ShellArguments options;
        try
        {
            options = ShellArguments.Parse(args);
        }
        catch (ArgumentException ex)
        {
            stderr.WriteLine($"ctsh: {ex.Message}");
            stderr.WriteLine("Run 'ctsh -Help' for usage.");
            return UsageExitCode;
        }

        if (options.Help)
        {
            stdout.WriteLine(Usage.TrimEnd());
            stdout.WriteLine();
            stdout.WriteLine($"ctsh {CtshHost.DisplayVersion}");
            return 0;
        }

        if (options.Resource is not null || options.Operation is not null || options.WhatIf)
        {
            return ResourceMode.Run(options, stdin, stdout, stderr);
        }

        // Only the real console streams can be terminals; anything else is a capture.
        bool stdinIsTerminal = ReferenceEquals(stdin, Console.In) && !Console.IsInputRedirected;
        bool stdoutIsTerminal = ReferenceEquals(stdout, Console.Out) && !Console.IsOutputRedirected;
        bool stderrIsTerminal = ReferenceEquals(stderr, Console.Error) && !Console.IsErrorRedirected;

        Mode mode = options switch
        {
            { Command: "-" } => Mode.Stdin,
            { Command: not null } => Mode.Command,
            { File: not null } => Mode.File,
            { Interactive: true } => Mode.Interactive,
            _ when stdinIsTerminal => Mode.Interactive,
            _ => Mode.Stdin,
        };

        string? modulePath = ModuleLocator.Find(
            options.Module,
            Environment.GetEnvironmentVariable(ModuleLocator.EnvironmentVariable),
            AppContext.BaseDirectory,
            out string problem);
        if (modulePath is null)
        {
            stderr.WriteLine($"ctsh: {problem}");
            return ModuleNotFoundExitCode;
        }

        if (mode == Mode.File && !File.Exists(options.File))
        {
            stderr.WriteLine($"ctsh: the script file '{options.File}' does not exist.");
            return UsageExitCode;
        }

        var host = new CtshHost(stdout, stderr, BufferWidth(stdoutIsTerminal))
        {
            // Prompts read stdin unless stdin is the script itself or prompting is refused.
            Input = options.NonInteractive || mode == Mode.Stdin ? null : stdin,
            InputIsTerminal = stdinIsTerminal,
            ShowProgress = stderrIsTerminal,
            SupportsVirtualTerminal = stdoutIsTerminal
                && Environment.GetEnvironmentVariable("NO_COLOR") is null
                && Environment.GetEnvironmentVariable("TERM") != "dumb",
        };

        CtshSession session;
        try
        {
            session = new CtshSession(host, modulePath);
        }
        catch (RuntimeException ex)
        {
            ReportImportFailure(ex, modulePath, host);
            return 1;
        }

        session.JsonOutput = options.OutputFormat == ShellOutputFormat.Json;
        using (session)
        {
            using var signals = new SignalHandlers(session, mode == Mode.Interactive);
            int exitCode = mode switch
            {
                Mode.Command => session.InvokeScript(options.Command!),
                Mode.File => session.InvokeFile(options.File!, options.FileArguments),
                Mode.Stdin => session.InvokeScript(stdin.ReadToEnd()),
                _ => RunInteractive(session, stdin),
            };

            if (signals.Terminated)
            {
                return TerminatedExitCode;
            }

            return signals.Interrupted && mode != Mode.Interactive ? CtshSession.StoppedExitCode : exitCode;
        }
    }

    /// <summary>The read-eval-print loop: reads lines until the parser has a complete input, runs it, until `exit` or end of input.</summary>
    private static int RunInteractive(CtshSession session, TextReader stdin)
    {
        CtshHost host = session.Host;
        var input = new StringBuilder();
        int lastExitCode = 0;
        while (true)
        {
            host.UI.Write(input.Length == 0 ? Prompt : ContinuationPrompt);
            host.Flush();
            string? line = stdin.ReadLine();
            if (line is null)
            {
                host.UI.WriteLine();
                if (input.Length > 0)
                {
                    lastExitCode = session.InvokeScript(input.ToString());
                }

                return host.ShouldExit ? host.ExitCode : lastExitCode;
            }

            // An empty line ends an incomplete statement, which then reports its parse error.
            bool forceRun = input.Length > 0 && string.IsNullOrWhiteSpace(line);
            input.AppendLine(line);
            string text = input.ToString();
            if (!forceRun && IsIncomplete(text))
            {
                continue;
            }

            input.Clear();
            if (string.IsNullOrWhiteSpace(text))
            {
                continue;
            }

            lastExitCode = session.InvokeScript(text);
            if (host.ShouldExit)
            {
                return host.ExitCode;
            }
        }
    }

    private static bool IsIncomplete(string text)
    {
        Parser.ParseInput(text, out _, out ParseError[] errors);
        return errors.Length > 0 && errors.All(e => e.IncompleteInput);
    }

    /// <summary>$COLUMNS, else the terminal's width when stdout is one, else 120.</summary>
    private static int BufferWidth(bool stdoutIsTerminal)
    {
        if (int.TryParse(Environment.GetEnvironmentVariable("COLUMNS"), NumberStyles.None, CultureInfo.InvariantCulture, out int columns) && columns >= 10)
        {
            return columns;
        }

        if (stdoutIsTerminal)
        {
            try
            {
                if (Console.WindowWidth >= 10)
                {
                    return Console.WindowWidth;
                }
            }
            catch (IOException)
            {
                // No terminal size available: fall through to the default.
            }
        }

        return 120;
    }

    private static void ReportImportFailure(RuntimeException ex, string modulePath, CtshHost host)
    {
        host.UI.WriteErrorLine($"ctsh: the module '{modulePath}' failed to import:");
        if (ex is RunspaceOpenModuleLoadException { ErrorRecords.Count: > 0 } load)
        {
            foreach (ErrorRecord record in load.ErrorRecords)
            {
                host.WriteErrorRecord(record);
            }
        }
        else
        {
            host.WriteErrorRecord(ex.ErrorRecord);
        }

        host.Flush();
    }

    private enum Mode
    {
        Command,
        File,
        Stdin,
        Interactive,
    }

    /// <summary>
    /// Ctrl+C stops the running pipeline (so the cmdlet's StopProcessing runs) instead of killing the
    /// process; a second Ctrl+C outside the interactive prompt kills it. SIGTERM stops it the same way.
    /// </summary>
    private sealed class SignalHandlers : IDisposable
    {
        private readonly CtshSession _session;
        private readonly bool _interactive;
        private readonly PosixSignalRegistration _sigterm;
        private int _interrupts;

        public SignalHandlers(CtshSession session, bool interactive)
        {
            _session = session;
            _interactive = interactive;
            Console.CancelKeyPress += OnCancelKeyPress;
            _sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, OnSigterm);
        }

        public bool Interrupted => _interrupts > 0;

        public bool Terminated { get; private set; }

        public void Dispose()
        {
            Console.CancelKeyPress -= OnCancelKeyPress;
            _sigterm.Dispose();
        }

        private void OnCancelKeyPress(object? sender, ConsoleCancelEventArgs e)
        {
            if (_interactive)
            {
                // At the prompt Ctrl+C only stops the running command; `exit` or Ctrl+D leave.
                e.Cancel = true;
                _session.Stop();
                return;
            }

            e.Cancel = Interlocked.Increment(ref _interrupts) == 1;
            _session.Stop();
        }

        private void OnSigterm(PosixSignalContext context)
        {
            if (Terminated)
            {
                return;
            }

            Terminated = true;
            context.Cancel = true;
            _session.Stop();
        }
    }
}
