using System.Globalization;
using System.Management.Automation;
using System.Management.Automation.Host;
using System.Reflection;

namespace ConntrackTools.Host;

/// <summary>
/// A PSHost that writes pipeline output (Out-Default, Write-Host) to one TextWriter and errors,
/// warnings, verbose and debug lines to another; usable in-process as a capturing host.
/// </summary>
public sealed class CtshHost : PSHost
{
    private readonly CtshHostUserInterface _ui;

    /// <summary>Creates a host writing output to <paramref name="stdout"/>, diagnostics to <paramref name="stderr"/>, formatting for <paramref name="width"/> columns.</summary>
    public CtshHost(TextWriter stdout, TextWriter stderr, int width)
    {
        ArgumentNullException.ThrowIfNull(stdout);
        ArgumentNullException.ThrowIfNull(stderr);
        ArgumentOutOfRangeException.ThrowIfLessThan(width, 10);
        Output = stdout;
        ErrorOutput = stderr;
        Width = width;
        _ui = new CtshHostUserInterface(this);
    }

    /// <summary>Where pipeline output and Write-Host go.</summary>
    public TextWriter Output { get; }

    /// <summary>Where errors, warnings, verbose, debug and progress go.</summary>
    public TextWriter ErrorOutput { get; }

    /// <summary>The buffer width that Out-Default formats for.</summary>
    public int Width { get; }

    /// <summary>Where prompts (ShouldProcess confirmation, mandatory parameters, $Host.UI.ReadLine) read from; null means prompts fail with an error.</summary>
    public TextReader? Input { get; set; }

    /// <summary>True when <see cref="Input"/> is the console's terminal, so passwords can be read without echo.</summary>
    public bool InputIsTerminal { get; set; }

    /// <summary>Show progress records as a status line on <see cref="ErrorOutput"/> (only sensible when it is a terminal).</summary>
    public bool ShowProgress { get; set; }

    /// <summary>Tell the formatter that the output understands ANSI escape sequences ($PSStyle renders when true).</summary>
    public bool SupportsVirtualTerminal { get; set; }

    /// <summary>True once the script ran <c>exit</c> (or called $Host.SetShouldExit).</summary>
    public bool ShouldExit { get; private set; }

    /// <summary>The code passed to <c>exit</c>; meaningful when <see cref="ShouldExit"/> is true.</summary>
    public int ExitCode { get; private set; }

    /// <inheritdoc/>
    public override string Name => "ctsh";

    /// <inheritdoc/>
    public override Version Version { get; } = typeof(CtshHost).Assembly.GetName().Version ?? new Version(0, 0);

    /// <inheritdoc/>
    public override Guid InstanceId { get; } = Guid.NewGuid();

    /// <inheritdoc/>
    public override PSHostUserInterface UI => _ui;

    /// <inheritdoc/>
    public override CultureInfo CurrentCulture => CultureInfo.CurrentCulture;

    /// <inheritdoc/>
    public override CultureInfo CurrentUICulture => CultureInfo.CurrentUICulture;

    /// <summary>Called by the engine for <c>exit N</c>: records the code; the caller decides when to leave.</summary>
    public override void SetShouldExit(int exitCode)
    {
        ShouldExit = true;
        ExitCode = exitCode;
    }

    /// <summary>Forgets an earlier <c>exit</c>, so a session can be reused after one.</summary>
    public void ResetShouldExit()
    {
        ShouldExit = false;
        ExitCode = 0;
    }

    /// <summary>Writes one error record to <see cref="ErrorOutput"/> in the concise "Command: message" form.</summary>
    public void WriteErrorRecord(ErrorRecord record) => _ui.WriteErrorLine(ErrorFormatter.Format(record));

    /// <summary>Flushes both writers (and clears a progress line if one is shown).</summary>
    public void Flush() => _ui.Flush();

    /// <inheritdoc/>
    public override void EnterNestedPrompt() =>
        throw new PSNotImplementedException("ctsh does not support nested prompts.");

    /// <inheritdoc/>
    public override void ExitNestedPrompt() =>
        throw new PSNotImplementedException("ctsh does not support nested prompts.");

    /// <inheritdoc/>
    public override void NotifyBeginApplication()
    {
    }

    /// <inheritdoc/>
    public override void NotifyEndApplication()
    {
    }

    /// <summary>The informational version of ctsh, for -Help.</summary>
    internal static string DisplayVersion =>
        typeof(CtshHost).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion
        ?? typeof(CtshHost).Assembly.GetName().Version?.ToString()
        ?? "0.0";
}
