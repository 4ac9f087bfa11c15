namespace ConntrackTools.HelpBuilder.Tests;

/// <summary>A scratch folder for one test, removed afterwards.</summary>
internal sealed class TempDirectory : IDisposable
{
    public TempDirectory()
    {
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "HelpBuilder.Tests-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Path);
    }

    public string Path { get; }

    public string Combine(params string[] parts) => System.IO.Path.Combine([Path, .. parts]);

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
            // A leftover scratch folder in /tmp is not worth failing a test for.
        }
    }
}

internal static class Fixtures
{
    public static string Directory => Path.Combine(AppContext.BaseDirectory, "fixtures");

    public static string Read(params string[] parts) => File.ReadAllText(Path.Combine([Directory, .. parts]));

    public const string SamplePage = "Get-CtConnection.md";

    /// <summary>The repository root, found from the test's output folder.</summary>
    public static string RepositoryRoot
    {
        get
        {
            for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            {
                if (File.Exists(Path.Combine(dir.FullName, "Directory.Packages.props")))
                {
                    return dir.FullName;
                }
            }

            throw new InvalidOperationException("repository root not found above " + AppContext.BaseDirectory);
        }
    }
}

/// <summary>One in-process run of the tool over a help folder made for the test.</summary>
internal sealed class BuildRun
{
    public required int ExitCode { get; init; }

    public required string Log { get; init; }

    public required string Errors { get; init; }

    public required string OutputDirectory { get; init; }

    public string MamlPath => Path.Combine(OutputDirectory, "en-US", "ConntrackTools.dll-Help.xml");

    /// <summary>Writes <paramref name="pages"/> (file name → text) to en-US under <paramref name="root"/> and builds them.</summary>
    public static BuildRun Help(TempDirectory root, params (string Name, string Text)[] pages)
    {
        string help = root.Combine("en-US");
        Directory.CreateDirectory(help);
        foreach (var (name, text) in pages)
        {
            File.WriteAllText(Path.Combine(help, name), text);
        }

        return Run(new BuildOptions
        {
            OutputDirectory = root.Combine("out", "ConntrackTools"),
            HelpDirectory = help,
            ModuleAssembly = "ConntrackTools.dll",
        });
    }

    public static BuildRun Run(BuildOptions options)
    {
        using var log = new StringWriter();
        using var errors = new StringWriter();
        int exitCode = HelpBuild.Run(options, log, errors);
        return new BuildRun
        {
            ExitCode = exitCode,
            Log = log.ToString(),
            Errors = errors.ToString(),
            OutputDirectory = options.OutputDirectory,
        };
    }
}
