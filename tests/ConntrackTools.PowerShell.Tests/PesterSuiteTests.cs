using Xunit;

namespace ConntrackTools.Tests;

/// <summary>
/// Every *.Tests.ps1 suite of the repository, run by the Pester-compatible runner (tests/Pester/Runner.ps1)
/// in the hosted engine with the module imported; and the runner itself, on fixtures whose failures it
/// must report exactly.
/// </summary>
public class PesterSuiteTests
{
    private static readonly string[] Skipped = ["bin", "obj", "out", ".git", "Compliance"];

    private static string Fixture(string name) => Path.Combine(PsSession.RepoRoot, "tests", "Pester", "Fixtures", name);

    /// <summary>The suites, relative to the repository root; those under a Compliance folder have tests of their own.</summary>
    public static TheoryData<string> Suites() => [.. SuitePaths()];

    private static List<string> SuitePaths() =>
        [.. FindSuites(new DirectoryInfo(PsSession.RepoRoot)).Select(f => Path.GetRelativePath(PsSession.RepoRoot, f)).Order(StringComparer.Ordinal)];

    private static IEnumerable<string> FindSuites(DirectoryInfo dir)
    {
        foreach (var file in dir.EnumerateFiles("*.Tests.ps1")) yield return file.FullName;
        foreach (var sub in dir.EnumerateDirectories())
        {
            if (Skipped.Contains(sub.Name, StringComparer.OrdinalIgnoreCase)) continue;
            foreach (var file in FindSuites(sub)) yield return file;
        }
    }

    [Theory]
    [MemberData(nameof(Suites))]
    public void The_suite_passes_under_the_runner(string suite)
    {
        using var ps = new PsSession();
        var result = PesterRunner.Run(ps, suite);
        Assert.True(result.TotalCount > 0 && result.FailedCount == 0 && result.Result == "Passed", result.Report());
    }

    [Fact]
    public void The_suites_include_the_runners_self_test_and_not_its_fixtures()
    {
        var suites = SuitePaths();
        Assert.Contains(Path.Combine("tests", "Pester", "Runner.Tests.ps1"), suites);
        Assert.Contains(Path.Combine("tests", "Pester", "Module.Tests.ps1"), suites);
        Assert.DoesNotContain(suites, s => s.Contains("Fixtures", StringComparison.Ordinal) || s.Split(Path.DirectorySeparatorChar).Contains("Compliance"));
    }

    [Fact]
    public void The_runner_reports_exactly_the_failures_of_a_failing_suite()
    {
        var log = new List<string>();
        using var ps = new PsSession();
        var result = PesterRunner.Run(ps, Fixture("Failures.Fixture.ps1"), new Dictionary<string, object> { ["Log"] = log });

        Assert.Equal(
            ("Failed", 11, 3, 7, 1, 2, 0),
            (result.Result, result.TotalCount, result.PassedCount, result.FailedCount, result.SkippedCount, result.FailedBlocksCount, result.FailedContainersCount));
        Assert.Equal(
            [
                ("Failures.passes", "Passed"),
                ("Failures.fails an assertion", "Failed"),
                ("Failures.throws", "Failed"),
                ("Failures.is skipped", "Skipped"),
                ("Failures.case 1", "Passed"),
                ("Failures.case 2", "Failed"),
                ("Failures.a failing BeforeAll.first", "Failed"),
                ("Failures.a failing BeforeAll.nested.second", "Failed"),
                ("Failures.a failing AfterEach.passes its body", "Failed"),
                ("Failures.a failing AfterAll.passes", "Passed"),
                ("Failures.a failing It.fails", "Failed"),
            ],
            result.Tests.Select(t => (t.ExpandedPath, t.Result)));

        string Error(string path) => Assert.Single(result.Tests.Single(t => t.ExpandedPath == path).Errors);
        // Should's message as Pester words it, and where the assertion is.
        var assertion = Error("Failures.fails an assertion");
        Assert.StartsWith("Expected 2, because the fixture says so, but got 1." + Environment.NewLine, assertion, StringComparison.Ordinal);
        Assert.Contains("Failures.Fixture.ps1:11", assertion, StringComparison.Ordinal);
        Assert.StartsWith("Expected 1, but got 2.", Error("Failures.case 2"), StringComparison.Ordinal);
        Assert.StartsWith("thrown by the test", Error("Failures.throws"), StringComparison.Ordinal);
        Assert.StartsWith("BeforeAll broke", Error("Failures.a failing BeforeAll.nested.second"), StringComparison.Ordinal);
        Assert.StartsWith("AfterEach broke", Error("Failures.a failing AfterEach.passes its body"), StringComparison.Ordinal);
        // Name keeps the template; ExpandedName has the data.
        Assert.Equal(
            [("case <Value>", "case 1"), ("case <Value>", "case 2")],
            result.Tests.Where(t => t.Name.StartsWith("case", StringComparison.Ordinal)).Select(t => (t.Name, t.ExpandedName)));
        Assert.Equal(
            [("Failures.a failing BeforeAll", "BeforeAll broke"), ("Failures.a failing AfterAll", "AfterAll broke")],
            result.FailedBlocks.Select(b => (b.Name, Assert.Single(b.Errors).Split(Environment.NewLine)[0])));
        // Teardowns ran after every failure, inner before outer; no test ran after its BeforeAll failed.
        Assert.Equal(
            ["AfterAll after a failing BeforeAll", "AfterEach after a failing It", "AfterAll after a failing It", "outer AfterAll"],
            log);
    }

    [Fact]
    public void A_suite_that_fails_at_discovery_or_is_missing_fails_its_container()
    {
        using var ps = new PsSession();
        var result = PesterRunner.Run(ps, Fixture("DiscoveryFailure.Fixture.ps1"));
        Assert.Equal(("Failed", 0, 1), (result.Result, result.TotalCount, result.FailedContainersCount));
        Assert.StartsWith("discovery broke", Assert.Single(Assert.Single(result.FailedContainers).Errors), StringComparison.Ordinal);

        result = PesterRunner.Run(ps, Fixture("NoSuch.Tests.ps1"));
        Assert.Equal(("Failed", 0, 1), (result.Result, result.TotalCount, result.FailedContainersCount));
        Assert.Contains("was not found", Assert.Single(Assert.Single(result.FailedContainers).Errors), StringComparison.Ordinal);
    }

    [Fact]
    public void A_parameterized_suite_gets_its_Data_at_discovery_and_in_the_run()
    {
        using var ps = new PsSession();
        var result = PesterRunner.Run(ps, Fixture("Data.Fixture.ps1"), new Dictionary<string, object> { ["Name"] = "lab", ["Expected"] = "lab" });
        Assert.True(result is { Result: "Passed", TotalCount: 3 }, result.Report());
        // The default of -Count (2) decided the cases at discovery and is a variable of the run.
        Assert.Equal(
            ["Data for lab.has the name it was given", "Data for lab.case 1 of 2", "Data for lab.case 2 of 2"],
            result.Tests.Select(t => t.ExpandedPath));

        result = PesterRunner.Run(ps, Fixture("Data.Fixture.ps1"), new Dictionary<string, object> { ["Name"] = "lab", ["Count"] = 3, ["Expected"] = "fleet" });
        Assert.Equal((4, 3, 1), (result.TotalCount, result.PassedCount, result.FailedCount));
        var failed = Assert.Single(result.Failed);
        Assert.Equal("Data for lab.has the name it was given", failed.ExpandedPath);
        Assert.StartsWith("Expected strings to be the same, but they were different.", Assert.Single(failed.Errors), StringComparison.Ordinal);
    }

    [Fact]
    public void Output_Detailed_lists_every_test_Normal_the_failures_and_None_nothing()
    {
        var fixture = Fixture("ScriptRoot.Fixture.ps1");
        var folder = Path.GetDirectoryName(fixture)!;
        static string Run(string output, string fixture, string root)
        {
            using var ps = new PsSession();
            return ps.Render($$"""
                . '{{PesterRunner.RunnerScript}}'
                Invoke-Pester -Container (New-PesterContainer -Path '{{fixture}}' -Data @{ ExpectedRoot = '{{root}}' }) -Output {{output}}
                """);
        }

        var detailed = Run("Detailed", fixture, folder);
        Assert.Contains("Describing PSScriptRoot", detailed, StringComparison.Ordinal);
        Assert.Contains(" [+] in BeforeEach", detailed, StringComparison.Ordinal);
        Assert.Contains("Tests Passed: 4, Failed: 0, Skipped: 0, NotRun: 0", detailed, StringComparison.Ordinal);

        var normal = Run("Normal", fixture, "/elsewhere");
        Assert.DoesNotContain("Describing", normal, StringComparison.Ordinal);
        Assert.Contains("[-] PSScriptRoot.in BeforeEach", normal, StringComparison.Ordinal);
        Assert.Contains("Expected strings to be the same, but they were different.", normal, StringComparison.Ordinal);
        Assert.Contains("Tests Passed: 0, Failed: 4, Skipped: 0, NotRun: 0", normal, StringComparison.Ordinal);

        Assert.Equal("", Run("None", fixture, "/elsewhere").Trim());
    }

    [Fact]
    public void PSScriptRoot_is_the_suites_folder_in_every_block()
    {
        var folder = Path.GetDirectoryName(Fixture("ScriptRoot.Fixture.ps1"))!;
        using var ps = new PsSession();
        var result = PesterRunner.Run(ps, Fixture("ScriptRoot.Fixture.ps1"), new Dictionary<string, object> { ["ExpectedRoot"] = folder });
        Assert.True(result is { Result: "Passed", TotalCount: 4 }, result.Report());
        Assert.Equal($"at discovery is {folder}", result.Tests[0].ExpandedName);

        // The runner's own folder is not the answer: the same suite fails everywhere when told so.
        var runnerFolder = Path.GetDirectoryName(PesterRunner.RunnerScript)!;
        result = PesterRunner.Run(ps, Fixture("ScriptRoot.Fixture.ps1"), new Dictionary<string, object> { ["ExpectedRoot"] = runnerFolder });
        Assert.Equal((4, 4), (result.TotalCount, result.FailedCount));
    }
}
