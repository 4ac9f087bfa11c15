using System.Diagnostics;

namespace ConntrackTools.HelpBuilder.Tests;

public sealed class CommandLineTests : IDisposable
{
    private readonly TempDirectory _root = new();

    public void Dispose() => _root.Dispose();

    [Fact]
    public void TheBuildsCommandLineParses()
    {
        var options = BuildOptions.Parse(
            ["--manifest", "/r/ConntrackTools.psd1", "--version", "0.1.0", "--help", "/r/en-US", "--module-assembly", "ConntrackTools.dll", "--out", "/r/out/ConntrackTools/"],
            out string? error);
        Assert.Null(error);
        Assert.Equal(
            new BuildOptions
            {
                Manifest = "/r/ConntrackTools.psd1",
                Version = "0.1.0",
                HelpDirectory = "/r/en-US",
                ModuleAssembly = "ConntrackTools.dll",
                OutputDirectory = "/r/out/ConntrackTools/",
            },
            options);
    }

    [Theory]
    [InlineData("--out is required", "--manifest", "m.psd1", "--version", "1.0")]
    [InlineData("--manifest needs --version", "--out", "o", "--manifest", "m.psd1")]
    [InlineData("--help needs --module-assembly", "--out", "o", "--help", "en-US")]
    [InlineData("unknown argument '--verbose'", "--out", "o", "--verbose")]
    [InlineData("--version needs a value", "--out", "o", "--manifest", "m.psd1", "--version")]
    [InlineData("nothing to do", "--out", "o")]
    public void BadCommandLinesAreRefused(string expected, params string[] args)
    {
        Assert.Null(BuildOptions.Parse(args, out string? error));
        Assert.Contains(expected, error, StringComparison.Ordinal);
    }

    [Fact]
    public void ToolExitCodesAsTheBuildSeesThem()
    {
        // The way Module.targets runs it: dotnet HelpBuilder.dll ...
        string dll = Path.Combine(AppContext.BaseDirectory, "HelpBuilder.dll");
        string help = _root.Combine("en-US");
        Directory.CreateDirectory(help);
        string page = Fixtures.Read("en-US", Fixtures.SamplePage);
        File.WriteAllText(Path.Combine(help, Fixtures.SamplePage), page);
        string[] args = ["--help", help, "--module-assembly", "ConntrackTools.dll", "--out", _root.Combine("out")];

        var ok = RunTool(dll, args);
        Assert.True(ok.ExitCode == 0, ok.Errors);
        Assert.True(File.Exists(_root.Combine("out", "en-US", "ConntrackTools.dll-Help.xml")));

        File.WriteAllText(Path.Combine(help, Fixtures.SamplePage), page.Replace("## SYNOPSIS", "## SYNOPSES", StringComparison.Ordinal));
        var broken = RunTool(dll, args);
        Assert.Equal(1, broken.ExitCode);
        Assert.Contains($"{Path.Combine(help, Fixtures.SamplePage)}(", broken.Errors, StringComparison.Ordinal);
        Assert.Contains("error HB0230", broken.Errors, StringComparison.Ordinal);

        var usage = RunTool(dll, ["--out"]);
        Assert.Equal(2, usage.ExitCode);
        Assert.Contains("Usage:", usage.Errors, StringComparison.Ordinal);
    }

    private static (int ExitCode, string Output, string Errors) RunTool(string dll, IEnumerable<string> args)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(dll);
        foreach (string arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromMinutes(1)))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException("HelpBuilder did not finish within a minute");
        }

        return (process.ExitCode, output.Result, errors.Result);
    }
}
