using System.Collections;
using System.Collections.Concurrent;
using System.Management.Automation;
using System.Text;

namespace ConntrackTools.Tests;

/// <summary>
/// Runs a *.Tests.ps1 file through the Pester-compatible runner (tests/Pester/Runner.ps1) in a
/// <see cref="PsSession"/>, with the module imported, and returns what Pester 5's result object says:
/// the counts and every test's result and errors.
/// </summary>
/// <example>A shipped suite run against an engine, asserting which of its tests failed:
/// <code>
/// using var ps = new PsSession();
/// var result = PesterRunner.Run(ps, "path/to/Some.Tests.ps1", new Dictionary&lt;string, object&gt; { ["Engine"] = name });
/// Assert.Equal(["Helpers.ftp is restricted to its server"], result.Failed.Select(t => t.ExpandedPath));
/// </code></example>
public static class PesterRunner
{
    // -Data crosses into the runspace through this table: PsSession runs script text only, and the
    // values may be any object (a list the suite fills, a model object), not just what a literal can say.
    private static readonly ConcurrentDictionary<string, Hashtable?> Handoff = new();

    public static string RunnerScript => Path.Combine(PsSession.RepoRoot, "tests", "Pester", "Runner.ps1");

    /// <summary>Runs one test file (absolute, or relative to the repository root) with optional -Data.</summary>
    public static PesterResult Run(PsSession session, string path, IDictionary<string, object>? data = null)
    {
        var file = Path.GetFullPath(Path.IsPathRooted(path) ? path : Path.Combine(PsSession.RepoRoot, path));
        var key = Guid.NewGuid().ToString("N");
        Handoff[key] = data is null ? null : new Hashtable(data.ToDictionary(p => p.Key, p => p.Value), StringComparer.OrdinalIgnoreCase);
        try
        {
            var (output, errors) = session.Run($"""
                . '{Quote(RunnerScript)}'
                $data = [ConntrackTools.Tests.PesterRunner]::TakeData('{key}')
                Invoke-Pester -Container (New-PesterContainer -Path '{Quote(file)}' -Data $data) -Output None -PassThru
                """);
            var run = output.LastOrDefault(o => o.TypeNames.Contains("PesterRunner.Run"))
                ?? throw new InvalidOperationException($"The runner returned no result for {file}: {string.Join("; ", errors.Select(Describe))}");
            return PesterResult.From(file, run, errors.Select(Describe).ToList());
        }
        finally
        {
            Handoff.TryRemove(key, out _);
        }
    }

    /// <summary>For the runner script only: the -Data stashed for one run.</summary>
    public static Hashtable? TakeData(string key) => Handoff.TryRemove(key, out var data) ? data : null;

    private static string Quote(string text) => text.Replace("'", "''", StringComparison.Ordinal);

    internal static string Describe(ErrorRecord error)
    {
        var pso = PSObject.AsPSObject(error);
        var message = pso.Properties["DisplayErrorMessage"]?.Value as string ?? error.Exception.Message;
        var trace = pso.Properties["DisplayStackTrace"]?.Value as string ?? error.ScriptStackTrace;
        return string.IsNullOrWhiteSpace(trace) ? message : message + Environment.NewLine + trace;
    }
}

/// <summary>One test of a run: its names as Pester 5 gives them, Passed/Failed/Skipped/NotRun, and its errors.</summary>
public sealed record PesterTest(string Name, string ExpandedName, string ExpandedPath, string Result, IReadOnlyList<string> Errors);

/// <summary>A block (BeforeAll/AfterAll) or container (discovery, file-level setup) that failed, with its errors.</summary>
public sealed record PesterFailure(string Name, IReadOnlyList<string> Errors);

/// <summary>Pester 5's run result, read back from the runspace.</summary>
public sealed class PesterResult
{
    public required string File { get; init; }
    public required string Result { get; init; }
    public required int TotalCount { get; init; }
    public required int PassedCount { get; init; }
    public required int FailedCount { get; init; }
    public required int SkippedCount { get; init; }
    public required int NotRunCount { get; init; }
    public required int FailedBlocksCount { get; init; }
    public required int FailedContainersCount { get; init; }
    public required IReadOnlyList<PesterTest> Tests { get; init; }
    public required IReadOnlyList<PesterFailure> FailedBlocks { get; init; }
    public required IReadOnlyList<PesterFailure> FailedContainers { get; init; }

    /// <summary>Non-terminating errors the suite wrote while it ran (they fail no test, as in Pester).</summary>
    public required IReadOnlyList<string> StreamErrors { get; init; }

    public IEnumerable<PesterTest> Failed => Tests.Where(t => t.Result == "Failed");

    public IEnumerable<PesterTest> Passed => Tests.Where(t => t.Result == "Passed");

    public IEnumerable<PesterTest> Skipped => Tests.Where(t => t.Result == "Skipped");

    /// <summary>The counts and every failure with its messages, for an assertion's text.</summary>
    public string Report()
    {
        var text = new StringBuilder();
        text.AppendLine($"{File}: {Result}, {TotalCount} tests: {PassedCount} passed, {FailedCount} failed, {SkippedCount} skipped; {FailedBlocksCount} blocks and {FailedContainersCount} containers failed");
        foreach (var test in Failed) Append(text, test.ExpandedPath, test.Errors);
        foreach (var block in FailedBlocks) Append(text, $"block {block.Name}", block.Errors);
        foreach (var container in FailedContainers) Append(text, $"container {container.Name}", container.Errors);
        foreach (var error in StreamErrors) Append(text, "error stream", [error]);
        return text.ToString();
    }

    private static void Append(StringBuilder text, string where, IEnumerable<string> errors)
    {
        text.AppendLine($"[-] {where}");
        foreach (var line in errors.SelectMany(e => e.Split('\n')))
            text.AppendLine("    " + line.TrimEnd('\r'));
    }

    internal static PesterResult From(string file, PSObject run, IReadOnlyList<string> streamErrors) => new()
    {
        File = file,
        Result = (string)Value(run, "Result")!,
        TotalCount = (int)Value(run, "TotalCount")!,
        PassedCount = (int)Value(run, "PassedCount")!,
        FailedCount = (int)Value(run, "FailedCount")!,
        SkippedCount = (int)Value(run, "SkippedCount")!,
        NotRunCount = (int)Value(run, "NotRunCount")!,
        FailedBlocksCount = (int)Value(run, "FailedBlocksCount")!,
        FailedContainersCount = (int)Value(run, "FailedContainersCount")!,
        Tests = Items(run, "Tests").Select(t => new PesterTest(
            (string)Value(t, "Name")!, (string)Value(t, "ExpandedName")!, (string)Value(t, "ExpandedPath")!,
            (string)Value(t, "Result")!, Errors(t))).ToList(),
        FailedBlocks = Items(run, "FailedBlocks").Select(b => new PesterFailure((string)Value(b, "ExpandedPath")!, Errors(b))).ToList(),
        FailedContainers = Items(run, "FailedContainers").Select(c => new PesterFailure((string)Value(c, "Name")!, Errors(c))).ToList(),
        StreamErrors = streamErrors,
    };

    private static object? Value(PSObject o, string name) =>
        (o.Properties[name] ?? throw new InvalidOperationException($"The runner's result has no property {name}.")).Value is { } v
            ? v is PSObject p && p.BaseObject is not PSCustomObject ? p.BaseObject : v
            : null;

    private static IEnumerable<PSObject> Items(PSObject o, string name) =>
        ((IEnumerable?)Value(o, name) ?? Array.Empty<object>()).Cast<object>().Select(PSObject.AsPSObject);

    private static List<string> Errors(PSObject o) =>
        ((IEnumerable?)Value(o, "ErrorRecord") ?? Array.Empty<object>()).Cast<object>()
            .Select(e => e is PSObject p ? p.BaseObject : e).OfType<ErrorRecord>().Select(PesterRunner.Describe).ToList();
}
