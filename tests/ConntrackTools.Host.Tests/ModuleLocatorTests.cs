using Xunit;

namespace ConntrackTools.Host.Tests;

public sealed class ModuleLocatorTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("ctsh-locator-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Fact]
    public void Finds_the_staged_module_above_the_start_folder()
    {
        string manifest = Path.Combine(_root, ModuleLocator.RelativeManifestPath);
        Directory.CreateDirectory(Path.GetDirectoryName(manifest)!);
        File.WriteAllText(manifest, "@{}");
        string start = Path.Combine(_root, "src", "ConntrackTools.Host", "bin", "Release", "net10.0");
        Directory.CreateDirectory(start);

        string? found = ModuleLocator.Find(null, null, start, out string problem);

        Assert.Equal(manifest, found);
        Assert.Equal(string.Empty, problem);
    }

    [Fact]
    public void Not_built_says_to_run_dotnet_build()
    {
        string? found = ModuleLocator.Find(null, null, _root, out string problem);

        Assert.Null(found);
        Assert.Contains("dotnet build", problem);
        Assert.Contains(ModuleLocator.EnvironmentVariable, problem);
    }

    [Fact]
    public void Explicit_path_wins_over_the_environment_and_the_environment_over_the_search()
    {
        string a = Path.Combine(_root, "a.psd1");
        string b = Path.Combine(_root, "b.psd1");
        File.WriteAllText(a, "@{}");
        File.WriteAllText(b, "@{}");

        Assert.Equal(a, ModuleLocator.Find(a, b, _root, out _));
        Assert.Equal(b, ModuleLocator.Find(null, b, _root, out _));
    }

    [Fact]
    public void Missing_environment_path_names_the_variable()
    {
        string? found = ModuleLocator.Find(null, Path.Combine(_root, "gone.psd1"), _root, out string problem);

        Assert.Null(found);
        Assert.Contains("$" + ModuleLocator.EnvironmentVariable, problem);
    }

    [Fact]
    public void Folder_without_a_manifest_is_reported()
    {
        string? found = ModuleLocator.Find(_root, null, _root, out string problem);

        Assert.Null(found);
        Assert.Contains("no module manifest", problem);
    }
}
