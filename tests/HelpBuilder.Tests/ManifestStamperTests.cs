using System.Text;

namespace ConntrackTools.HelpBuilder.Tests;

public sealed class ManifestStamperTests : IDisposable
{
    private const string Manifest = """
        @{
            RootModule = 'ConntrackTools.dll'
            # ModuleVersion = '9.9.9' in a comment is not the key
            <# nor in a block comment: ModuleVersion = '8.8.8' #>
            ModuleVersion        = '0.0.1'
            Description = 'Says ModuleVersion = ''7.7.7'' in a string'
            RequiredModules = @(
                @{ ModuleName = 'Other'; ModuleVersion = '1.2.3' }
            )
            PrivateData = @{ PSData = @{ ReleaseNotes = @'
        ModuleVersion = '6.6.6'
        '@ } }
        }
        """;

    private readonly TempDirectory _root = new();

    public void Dispose() => _root.Dispose();

    [Fact]
    public void ReplacesOnlyTheTopLevelModuleVersion()
    {
        string stamped = ManifestStamper.Stamp(Manifest, "1.4.0")!;
        Assert.Equal(Manifest.Replace("ModuleVersion        = '0.0.1'", "ModuleVersion        = '1.4.0'", StringComparison.Ordinal), stamped);
        Assert.Contains("ModuleVersion = '1.2.3'", stamped, StringComparison.Ordinal);
        Assert.Contains("'9.9.9'", stamped, StringComparison.Ordinal);
        Assert.Contains("'6.6.6'", stamped, StringComparison.Ordinal);
    }

    [Fact]
    public void DoubleQuotedValueIsStampedToo()
    {
        Assert.Equal("@{ ModuleVersion = \"2.0\" }", ManifestStamper.Stamp("@{ ModuleVersion = \"1.0\" }", "2.0"));
    }

    [Fact]
    public void ManifestWithoutModuleVersionIsNotStamped()
    {
        Assert.Null(ManifestStamper.Stamp("@{ RequiredModules = @(@{ ModuleVersion = '1.0' }) }", "2.0"));
    }

    [Theory]
    [InlineData("0.1.0", true)]
    [InlineData("1.2", true)]
    [InlineData("1.2.3.4", true)]
    [InlineData("1", false)]
    [InlineData("1.2.3-preview", false)]
    [InlineData("1.2.3.4.5", false)]
    public void VersionsAreChecked(string version, bool valid) =>
        Assert.Equal(valid, ManifestStamper.IsValidVersion(version));

    [Fact]
    public void StampedCopyIsWrittenOnlyWhenItChanges()
    {
        string manifest = _root.Combine("ConntrackTools.psd1");
        byte[] bom = Encoding.UTF8.Preamble.ToArray();
        File.WriteAllBytes(manifest, [.. bom, .. Encoding.UTF8.GetBytes(Manifest)]);
        var options = new BuildOptions { OutputDirectory = _root.Combine("out"), Manifest = manifest, Version = "0.1.0" };

        var first = BuildRun.Run(options);
        Assert.True(first.ExitCode == 0, first.Errors);
        string stamped = _root.Combine("out", "ConntrackTools.psd1");
        byte[] bytes = File.ReadAllBytes(stamped);
        Assert.True(bytes.AsSpan().StartsWith(bom), "the manifest's BOM is kept");
        Assert.Contains("ModuleVersion        = '0.1.0'", Encoding.UTF8.GetString(bytes), StringComparison.Ordinal);
        Assert.Contains("written", first.Log, StringComparison.Ordinal);

        var past = new DateTime(2020, 1, 1, 0, 0, 0, DateTimeKind.Utc);
        File.SetLastWriteTimeUtc(stamped, past);
        var second = BuildRun.Run(options);
        Assert.Equal(0, second.ExitCode);
        Assert.Contains("unchanged", second.Log, StringComparison.Ordinal);
        Assert.Equal(past, File.GetLastWriteTimeUtc(stamped));

        var third = BuildRun.Run(options with { Version = "0.2.0" });
        Assert.Equal(0, third.ExitCode);
        Assert.NotEqual(past, File.GetLastWriteTimeUtc(stamped));
        Assert.Contains("'0.2.0'", File.ReadAllText(stamped), StringComparison.Ordinal);
    }

    [Fact]
    public void MissingManifestAndBadVersionAreErrors()
    {
        var missing = BuildRun.Run(new BuildOptions { OutputDirectory = _root.Combine("out"), Manifest = _root.Combine("none.psd1"), Version = "0.1.0" });
        Assert.Equal(1, missing.ExitCode);
        Assert.Contains("none.psd1", missing.Errors, StringComparison.Ordinal);
        Assert.Contains("HB0100", missing.Errors, StringComparison.Ordinal);

        string manifest = _root.Combine("ConntrackTools.psd1");
        File.WriteAllText(manifest, Manifest);
        var badVersion = BuildRun.Run(new BuildOptions { OutputDirectory = _root.Combine("out"), Manifest = manifest, Version = "latest" });
        Assert.Equal(1, badVersion.ExitCode);
        Assert.Contains("HB0102", badVersion.Errors, StringComparison.Ordinal);
        Assert.False(File.Exists(_root.Combine("out", "ConntrackTools.psd1")));
    }
}
