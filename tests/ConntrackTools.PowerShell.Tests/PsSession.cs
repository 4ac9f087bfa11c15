using System.Collections.ObjectModel;
using System.Management.Automation;
using System.Management.Automation.Runspaces;
using ConntrackTools.Host;

namespace ConntrackTools.Tests;

/// <summary>
/// A runspace of the real PowerShell engine with the built module imported from out/ConntrackTools,
/// as a user's pwsh would, and a host that captures what Out-Default renders.
/// </summary>
public sealed class PsSession : IDisposable
{
    private readonly StringWriter _out = new();
    private readonly StringWriter _err = new();
    private readonly Runspace _runspace;

    public PsSession(int width = 160)
    {
        var iss = InitialSessionState.CreateDefault2();
        iss.ImportPSModule(ModuleManifest);
        _runspace = RunspaceFactory.CreateRunspace(new CtshHost(_out, _err, width), iss);
        _runspace.Open();
    }

    public static string RepoRoot { get; } = FindRepoRoot();

    public static string ModuleFolder => Path.Combine(RepoRoot, "out", "ConntrackTools");

    public static string ModuleManifest => Path.Combine(ModuleFolder, "ConntrackTools.psd1");

    /// <summary>Runs a script; returns its output and the errors it wrote (non-terminating and terminating).</summary>
    public (Collection<PSObject> Output, List<ErrorRecord> Errors) Run(string script)
    {
        using var ps = PowerShell.Create();
        ps.Runspace = _runspace;
        ps.AddScript(script);
        var errors = new List<ErrorRecord>();
        Collection<PSObject> output;
        try
        {
            output = ps.Invoke();
        }
        catch (RuntimeException ex)
        {
            output = [];
            errors.Add(ex.ErrorRecord);
        }
        errors.AddRange(ps.Streams.Error);
        return (output, errors);
    }

    /// <summary>Runs a script and stops it (as Ctrl+C does) after <paramref name="after"/>; returns what it wrote and whether it ended.</summary>
    public (Collection<PSObject> Output, List<ErrorRecord> Errors) RunStopped(string script, TimeSpan after)
    {
        using var ps = PowerShell.Create();
        ps.Runspace = _runspace;
        ps.AddScript(script);
        var output = new PSDataCollection<PSObject>();
        var async = ps.BeginInvoke<PSObject, PSObject>(null, output);
        Thread.Sleep(after);
        ps.Stop();
        if (!async.AsyncWaitHandle.WaitOne(TimeSpan.FromSeconds(10)))
            throw new TimeoutException($"'{script}' did not end within 10 s of being stopped.");
        var errors = ps.Streams.Error.Where(e => e.Exception is not PipelineStoppedException).ToList();
        return ([.. output], errors);
    }

    /// <summary>Runs a script and returns its objects; fails the test when it wrote errors.</summary>
    public Collection<PSObject> Objects(string script)
    {
        var (output, errors) = Run(script);
        if (errors.Count > 0) throw new InvalidOperationException($"'{script}' wrote errors: {string.Join("; ", errors.Select(e => e.FullyQualifiedErrorId + ": " + e))}");
        return output;
    }

    /// <summary>Renders a pipeline through Out-Default with the module's views; returns the text.</summary>
    public string Render(string script)
    {
        _out.GetStringBuilder().Clear();
        var (_, errors) = Run(script + " | Out-Default");
        if (errors.Count > 0) throw new InvalidOperationException($"'{script}' wrote errors: {string.Join("; ", errors)}");
        return _out.ToString();
    }

    public void Dispose()
    {
        _runspace.Dispose();
        _out.Dispose();
        _err.Dispose();
    }

    private static string FindRepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "ConntrackTools.slnx"))) return dir.FullName;
        throw new DirectoryNotFoundException("repository root (ConntrackTools.slnx) not found above " + AppContext.BaseDirectory);
    }
}
