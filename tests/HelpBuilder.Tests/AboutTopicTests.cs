namespace ConntrackTools.HelpBuilder.Tests;

public sealed class AboutTopicTests : IDisposable
{
    private readonly TempDirectory _root = new();

    public void Dispose() => _root.Dispose();

    [Fact]
    public void SampleTopicBecomesIndentedWrappedText()
    {
        var run = BuildRun.Help(_root, ("about_Sample.md", Fixtures.Read("en-US", "about_Sample.md")));
        Assert.True(run.ExitCode == 0, run.Errors);

        string text = File.ReadAllText(Path.Combine(run.OutputDirectory, "en-US", "about_Sample.help.txt"));
        Assert.StartsWith(
            "TOPIC\n    about_Sample\n\nSHORT DESCRIPTION\n    A sample about topic for the help builder's tests.\n\nLONG DESCRIPTION\n",
            text,
            StringComparison.Ordinal);

        string[] lines = text.TrimEnd('\n').Split('\n');
        Assert.All(lines, line => Assert.True(line.Length <= 80, $"longer than 80 columns: '{line}'"));
        Assert.Contains("    - A first item with code and bold text.", lines);
        // A wrapped list item hangs under its text; an absolute link keeps its address.
        Assert.Contains("    - A second item that links to Get-CtConnection and to the conntrack manual", lines);
        Assert.Contains("      (https://manpages.debian.org/conntrack.8).", lines);
        Assert.Contains("  A subtopic", lines);
        Assert.Contains("    Get-CtConnection -Protocol tcp", lines);
        Assert.Contains("EXAMPLES", lines);
        Assert.Contains("SEE ALSO", lines);
        Assert.Contains("KEYWORDS", lines);
        Assert.EndsWith("KEYWORDS\n    - sample\n", text, StringComparison.Ordinal);
        Assert.DoesNotContain("**", text, StringComparison.Ordinal);
        Assert.DoesNotContain("`", text, StringComparison.Ordinal);
    }

    [Fact]
    public void PlatyPSTemplateLayoutIsReadToo()
    {
        var run = BuildRun.Help(_root, ("about_Template.md", Fixtures.Read("about_Template.md")));
        Assert.True(run.ExitCode == 0, run.Errors);

        string text = File.ReadAllText(Path.Combine(run.OutputDirectory, "en-US", "about_Template.help.txt"));
        Assert.Equal(
            "TOPIC\n    about_Template\n\n"
            + "SHORT DESCRIPTION\n    The layout of platyPS 0.14's New-MarkdownAboutHelp template.\n\n"
            + "LONG DESCRIPTION\n    Sections are first-level headings here.\n\n"
            + "  Optional Subtopic\n    Subtopic text.\n\n"
            + "SEE ALSO\n    Nothing.\n",
            text);
    }

    [Fact]
    public void UnknownSectionIsAnError()
    {
        string page = Fixtures.Read("en-US", "about_Sample.md").Replace("## SEE ALSO", "## RELATED", StringComparison.Ordinal);
        var run = BuildRun.Help(_root, ("about_Sample.md", page));
        Assert.Equal(1, run.ExitCode);
        Assert.Contains("about_Sample.md(", run.Errors, StringComparison.Ordinal);
        Assert.Contains("HB0221", run.Errors, StringComparison.Ordinal);
        Assert.Contains("'## RELATED'", run.Errors, StringComparison.Ordinal);
    }

    [Fact]
    public void MissingShortDescriptionIsAnError()
    {
        string page = "# about_Sample\n\n## LONG DESCRIPTION\n\nText.\n";
        var run = BuildRun.Help(_root, ("about_Sample.md", page));
        Assert.Equal(1, run.ExitCode);
        Assert.Contains("SHORT DESCRIPTION", run.Errors, StringComparison.Ordinal);
    }

    [Fact]
    public void TopicNameMustMatchTheFileName()
    {
        string page = Fixtures.Read("en-US", "about_Sample.md").Replace("# about_Sample", "# about_Other", StringComparison.Ordinal);
        var run = BuildRun.Help(_root, ("about_Sample.md", page));
        Assert.Equal(1, run.ExitCode);
        Assert.Contains("about_Other", run.Errors, StringComparison.Ordinal);
    }

    [Fact]
    public void RemovedTopicIsRemovedFromTheOutput()
    {
        var first = BuildRun.Help(_root, ("about_Sample.md", Fixtures.Read("en-US", "about_Sample.md")));
        Assert.Equal(0, first.ExitCode);
        string topic = Path.Combine(first.OutputDirectory, "en-US", "about_Sample.help.txt");
        Assert.True(File.Exists(topic));

        File.Delete(_root.Combine("en-US", "about_Sample.md"));
        var second = BuildRun.Help(_root);
        Assert.Equal(0, second.ExitCode);
        Assert.False(File.Exists(topic));
    }

    [Fact]
    public void TheModulesOwnHelpBuilds()
    {
        // en-US/ of this repository: the about topic and every cmdlet page must pass the build's checks.
        string root = Fixtures.RepositoryRoot;
        var run = BuildRun.Run(new BuildOptions
        {
            OutputDirectory = _root.Combine("out", "ConntrackTools"),
            Manifest = Path.Combine(root, "ConntrackTools.psd1"),
            Version = "0.1.0",
            HelpDirectory = Path.Combine(root, "en-US"),
            ModuleAssembly = "ConntrackTools.dll",
        });
        Assert.True(run.ExitCode == 0, run.Errors);

        string text = File.ReadAllText(Path.Combine(run.OutputDirectory, "en-US", "about_ConntrackTools.help.txt"));
        Assert.StartsWith("TOPIC\n    about_ConntrackTools\n\nSHORT DESCRIPTION\n", text, StringComparison.Ordinal);
        Assert.Contains("./ctsh -Command 'Get-CtConnection -Protocol tcp'", text, StringComparison.Ordinal);
    }
}
