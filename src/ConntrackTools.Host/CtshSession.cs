using System.Collections.ObjectModel;
using System.Management.Automation;
using System.Management.Automation.Language;
using System.Management.Automation.Runspaces;

namespace ConntrackTools.Host;

/// <summary>
/// A runspace bound to a <see cref="CtshHost"/>, with a module imported, that runs scripts with
/// their output through Out-Default and their errors on the host's stderr; returns exit codes.
/// </summary>
public sealed class CtshSession : IDisposable
{
    /// <summary>Exit code after <see cref="Stop"/> (Ctrl+C), as a shell reports SIGINT.</summary>
    public const int StoppedExitCode = 130;

    private readonly Lock _sync = new();
    private PowerShell? _current;
    private bool _stopRequested;

    /// <summary>
    /// Opens a runspace on <paramref name="host"/> and imports <paramref name="modulePath"/> (null imports nothing).
    /// Throws a RuntimeException (RunspaceOpenModuleLoadException when the module fails to import).
    /// </summary>
    public CtshSession(CtshHost host, string? modulePath)
    {
        ArgumentNullException.ThrowIfNull(host);
        Host = host;

        // CreateDefault() needs the ConsoleHost assembly, which the package does not carry.
        InitialSessionState iss = InitialSessionState.CreateDefault2();
        if (!string.IsNullOrEmpty(modulePath))
        {
            // Loads the manifest's FormatsToProcess and TypesToProcess as Import-Module does.
            iss.ImportPSModule(Path.GetFullPath(modulePath));
            iss.ThrowOnRunspaceOpenError = true;
        }

        Runspace = RunspaceFactory.CreateRunspace(host, iss);

        // One thread for every pipeline, as pwsh does: thread-affine state survives between commands.
        Runspace.ThreadOptions = PSThreadOptions.ReuseThread;
        try
        {
            Runspace.Open();
        }
        catch
        {
            Runspace.Dispose();
            throw;
        }
    }

    /// <summary>The host that output and errors are written to.</summary>
    public CtshHost Host { get; }

    /// <summary>The open runspace, for callers that want to run their own PowerShell instances in it.</summary>
    public Runspace Runspace { get; }

    /// <summary>True once <see cref="Stop"/> has stopped a running pipeline.</summary>
    public bool Stopped { get; private set; }

    /// <summary>
    /// When true (ctsh -OutputFormat Json), a command's output goes through ConvertTo-CtJson -AsArray
    /// and is written as that one JSON array, unwrapped, instead of through Out-Default.
    /// </summary>
    public bool JsonOutput { get; set; }

    /// <summary>Runs script text (as pwsh -Command does) piped to Out-Default; returns 0, 1 on errors, the code of <c>exit N</c>, or 130 when stopped.</summary>
    public int InvokeScript(string script)
    {
        ArgumentNullException.ThrowIfNull(script);
        Parser.ParseInput(script, out _, out ParseError[] parseErrors);
        if (ReportParseErrors(parseErrors))
        {
            return 1;
        }

        using PowerShell ps = PowerShell.Create();
        ps.Runspace = Runspace;
        AddOutput(ps.AddScript(script));
        return Invoke(ps, fileExitCode: false);
    }

    /// <summary>Runs a script file (as pwsh -File does) with <paramref name="args"/> bound as its parameters and $args; returns the exit code.</summary>
    public int InvokeFile(string path, IReadOnlyList<string> args)
    {
        ArgumentNullException.ThrowIfNull(path);
        ArgumentNullException.ThrowIfNull(args);
        string full = Path.GetFullPath(path);
        using PowerShell ps = PowerShell.Create();
        ps.Runspace = Runspace;

        Command command;
        bool fileExitCode;
        if (full.EndsWith(".ps1", StringComparison.OrdinalIgnoreCase))
        {
            Parser.ParseFile(full, out _, out ParseError[] parseErrors);
            if (ReportParseErrors(parseErrors))
            {
                return 1;
            }

            command = new Command(full, isScript: false);
            fileExitCode = true;
        }
        else
        {
            // As pwsh does on Unix: a file without .ps1 (a #! script) is read and run as script text.
            string text = File.ReadAllText(full);
            Parser.ParseInput(text, full, out _, out ParseError[] parseErrors);
            if (ReportParseErrors(parseErrors))
            {
                return 1;
            }

            command = new Command(text, isScript: true);
            fileExitCode = false;
        }

        foreach (CommandParameter parameter in ScriptArguments(args))
        {
            command.Parameters.Add(parameter);
        }

        ps.Commands.AddCommand(command);
        AddOutput(ps);

        // `exit N` inside a .ps1 ends only that script and leaves N in $LASTEXITCODE.
        if (fileExitCode)
        {
            Runspace.SessionStateProxy.PSVariable.Remove("global:LASTEXITCODE");
        }

        return Invoke(ps, fileExitCode);
    }

    /// <summary>Stops the running pipeline (the cmdlet's StopProcessing runs); safe to call from any thread, e.g. Console.CancelKeyPress.</summary>
    public void Stop()
    {
        lock (_sync)
        {
            _stopRequested = true;
            _current?.BeginStop(null, null);
        }
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        Host.Flush();
        Runspace.Dispose();
    }

    /// <summary>
    /// pwsh -File turns "-Name value", "-Name:value" and "-Switch:$false" into named parameters and
    /// everything else into positional arguments; a script without a param block gets them in $args.
    /// </summary>
    internal static IEnumerable<CommandParameter> ScriptArguments(IReadOnlyList<string> args)
    {
        foreach (string arg in args)
        {
            if (arg.Length > 1 && arg[0] == '-' && (char.IsLetter(arg[1]) || arg[1] == '_'))
            {
                int colon = arg.IndexOf(':', StringComparison.Ordinal);
                if (colon > 1 && colon < arg.Length - 1)
                {
                    string name = arg[1..colon];
                    string value = arg[(colon + 1)..];
                    yield return value.ToUpperInvariant() switch
                    {
                        "$TRUE" or "TRUE" => new CommandParameter(name, true),
                        "$FALSE" or "FALSE" => new CommandParameter(name, false),
                        _ => new CommandParameter(name, value),
                    };
                }
                else
                {
                    yield return new CommandParameter(arg.TrimEnd(':'));
                }
            }
            else
            {
                yield return new CommandParameter(null, arg);
            }
        }
    }

    /// <summary>The end of every pipeline: Out-Default, or ConvertTo-CtJson -AsArray in JSON mode.</summary>
    private void AddOutput(PowerShell ps)
    {
        if (JsonOutput)
        {
            ps.AddCommand("ConvertTo-CtJson").AddParameter("AsArray");
        }
        else
        {
            ps.AddCommand("Out-Default");
        }
    }

    /// <summary>Writes the JSON text ConvertTo-CtJson made as it is: Out-Default could wrap it at the width.</summary>
    private void WriteJson(Collection<PSObject> output)
    {
        if (!JsonOutput)
        {
            return;
        }

        foreach (PSObject item in output)
        {
            Host.UI.WriteLine(item?.ToString() ?? "null");
        }
    }

    private bool ReportParseErrors(ParseError[] errors)
    {
        if (errors.Length == 0)
        {
            return false;
        }

        Host.UI.WriteErrorLine(ErrorFormatter.Format(errors));
        Host.Flush();
        return true;
    }

    private int Invoke(PowerShell ps, bool fileExitCode)
    {
        int errors = 0;
        ps.Streams.Error.DataAdded += (sender, e) =>
        {
            var stream = (PSDataCollection<ErrorRecord>)sender!;
            Host.WriteErrorRecord(stream[e.Index]);
            errors++;
        };

        Host.ResetShouldExit();
        lock (_sync)
        {
            _stopRequested = false;
            _current = ps;
        }

        try
        {
            WriteJson(ps.Invoke());
        }
        catch (PipelineStoppedException) when (_stopRequested)
        {
            Stopped = true;
            return StoppedExitCode;
        }
        catch (ParseException ex) when (ex.Errors is { Length: > 0 })
        {
            Host.UI.WriteErrorLine(ErrorFormatter.Format(ex.Errors));
            errors++;
        }
        catch (RuntimeException ex)
        {
            Host.WriteErrorRecord(ex.ErrorRecord);
            errors++;
        }
        catch (Exception ex) when (ex is InvalidOperationException or IOException or UnauthorizedAccessException)
        {
            Host.WriteErrorRecord(new ErrorRecord(ex, "CtshHostFailure", ErrorCategory.NotSpecified, null));
            errors++;
        }
        finally
        {
            lock (_sync)
            {
                _current = null;
            }

            Host.Flush();
        }

        if (_stopRequested && ps.InvocationStateInfo.State == PSInvocationState.Stopped)
        {
            Stopped = true;
            return StoppedExitCode;
        }

        if (Host.ShouldExit)
        {
            return Host.ExitCode;
        }

        if (fileExitCode && Runspace.SessionStateProxy.GetVariable("global:LASTEXITCODE") is int code && code != 0)
        {
            return code;
        }

        return errors > 0 ? 1 : 0;
    }
}
