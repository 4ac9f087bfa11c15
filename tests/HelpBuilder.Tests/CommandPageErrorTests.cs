namespace ConntrackTools.HelpBuilder.Tests;

/// <summary>
/// Each test breaks the sample page one way and checks that the build fails with a message that
/// names the file, the line and the problem, and that it writes nothing.
/// </summary>
public sealed class CommandPageErrorTests : IDisposable
{
    private readonly TempDirectory _root = new();

    public void Dispose() => _root.Dispose();

    private static string Sample => Fixtures.Read("en-US", Fixtures.SamplePage).ReplaceLineEndings("\n");

    private static string Without(string text) => Sample.Replace(text, string.Empty, StringComparison.Ordinal);

    private static string With(string oldText, string newText)
    {
        Assert.Contains(oldText, Sample, StringComparison.Ordinal);
        return Sample.Replace(oldText, newText, StringComparison.Ordinal);
    }

    private BuildRun Build(string page, string name = Fixtures.SamplePage) => BuildRun.Help(_root, (name, page));

    private static int LineOf(string page, string text) =>
        page[..page.IndexOf(text, StringComparison.Ordinal)].Count(c => c == '\n') + 1;

    private void AssertFails(BuildRun run, string code, string fileName = Fixtures.SamplePage)
    {
        Assert.Equal(1, run.ExitCode);
        Assert.Contains(Path.Combine(_root.Path, "en-US", fileName), run.Errors, StringComparison.Ordinal);
        Assert.Contains($"error {code}:", run.Errors, StringComparison.Ordinal);
        Assert.False(File.Exists(run.MamlPath), "nothing is written when there are errors");
    }

    [Fact]
    public void TheUnbrokenSampleBuilds()
    {
        var run = Build(Sample);
        Assert.True(run.ExitCode == 0, run.Errors);
        Assert.Empty(run.Errors);
    }

    [Fact]
    public void MissingSynopsisFailsNamingTheFile()
    {
        var run = Build(Without("## SYNOPSIS\nGets entries of the connection tracking table.\n\n"));
        AssertFails(run, "HB0230");
        // Reported at the title, the line of "# Get-CtConnection".
        Assert.Contains($"{Fixtures.SamplePage}({LineOf(Sample, "# Get-CtConnection")}): error HB0230: Get-CtConnection has no ## SYNOPSIS section", run.Errors, StringComparison.Ordinal);
    }

    [Fact]
    public void EmptySynopsisFails()
    {
        var page = Without("Gets entries of the connection tracking table.\n");
        var run = Build(page);
        AssertFails(run, "HB0230");
        Assert.Contains($"({LineOf(page, "## SYNOPSIS")}): error HB0230: Get-CtConnection: ## SYNOPSIS is empty", run.Errors, StringComparison.Ordinal);
    }

    [Fact]
    public void MissingDescriptionFails()
    {
        var page = With("## DESCRIPTION\n", "## DESCRIPTION\n\n## XDESCRIPTION\n").Replace("## XDESCRIPTION\n", string.Empty, StringComparison.Ordinal);
        page = page[..page.IndexOf("The **Get-CtConnection**", StringComparison.Ordinal)]
            + page[page.IndexOf("## EXAMPLES", StringComparison.Ordinal)..];
        AssertFails(Build(page), "HB0231");
    }

    [Fact]
    public void NoExampleFails()
    {
        var page = Sample[..Sample.IndexOf("### Example 1", StringComparison.Ordinal)]
            + Sample[Sample.IndexOf("## PARAMETERS", StringComparison.Ordinal)..];
        var run = Build(page);
        AssertFails(run, "HB0232");
        Assert.Contains($"({LineOf(page, "## EXAMPLES")}): error HB0232", run.Errors, StringComparison.Ordinal);
    }

    [Fact]
    public void ExampleWithoutCodeFails()
    {
        var run = Build(With("```powershell\nGet-CtConnection -Protocol tcp\n```\n", string.Empty));
        AssertFails(run, "HB0233");
        Assert.Contains("Example 1: List TCP connections", run.Errors, StringComparison.Ordinal);
    }

    [Fact]
    public void ParameterWithoutYamlFails()
    {
        const string zoneYaml = "```yaml\nType: UInt16\nParameter Sets: Kernel\nAliases:\n\nRequired: False\nPosition: Named\nDefault value: None\nAccept pipeline input: False\nAccept wildcard characters: False\n```\n";
        var page = With("The conntrack zone.\n\n" + zoneYaml, "The conntrack zone.\n\n");
        var run = Build(page);
        AssertFails(run, "HB0240");
        Assert.Contains($"({LineOf(page, "### -Zone")}): error HB0240: parameter -Zone has no ```yaml block", run.Errors, StringComparison.Ordinal);
    }

    [Fact]
    public void UnknownSectionFails()
    {
        var page = With("## NOTES\n", "## REMARKS\nSomething.\n\n## NOTES\n");
        var run = Build(page);
        AssertFails(run, "HB0221");
        Assert.Contains($"({LineOf(page, "## REMARKS")}): error HB0221: unknown section '## REMARKS'", run.Errors, StringComparison.Ordinal);
    }

    [Fact]
    public void DuplicateSectionFails() =>
        AssertFails(Build(With("## NOTES\n", "## NOTES\nOne.\n\n## NOTES\n")), "HB0222");

    [Fact]
    public void UnknownYamlKeyFails()
    {
        var page = With("Type: UInt16\n", "Type: UInt16\nMandatory: yes\n");
        var run = Build(page);
        AssertFails(run, "HB0241");
        Assert.Contains($"({LineOf(page, "Mandatory: yes")}): error HB0241: yaml of -Zone: unknown key 'Mandatory'", run.Errors, StringComparison.Ordinal);
    }

    [Fact]
    public void BadYamlValuesFail()
    {
        AssertFails(Build(With("Type: UInt16\nParameter Sets: Kernel\nAliases:\n\nRequired: False", "Type: UInt16\nParameter Sets: Kernel\nAliases:\n\nRequired: maybe")), "HB0241");
        AssertFails(Build(With("Position: 0", "Position: first")), "HB0241");
        AssertFails(Build(With("Accept pipeline input: True (ByPropertyName)", "Accept pipeline input: sometimes")), "HB0241");
    }

    [Fact]
    public void ParameterSetMissingFromSyntaxFails()
    {
        var page = With("Type: String\nParameter Sets: Engine\n", "Type: String\nParameter Sets: Engnie\n");
        var run = Build(page);
        AssertFails(run, "HB0243");
        Assert.Contains("'Engnie'", run.Errors, StringComparison.Ordinal);
    }

    [Fact]
    public void TitleMustMatchTheFileName()
    {
        var run = Build(Sample, "Get-CtConnections.md");
        AssertFails(run, "HB0220", "Get-CtConnections.md");
    }

    [Fact]
    public void FrontMatterIsChecked()
    {
        AssertFails(Build(Sample[(Sample.IndexOf("---\n\n", 4, StringComparison.Ordinal) + 5)..]), "HB0210");
        AssertFails(Build(With("schema: 2.0.0", "schema: 1.0.0")), "HB0210");
        AssertFails(Build(With("external help file: ConntrackTools.dll-Help.xml", "external help file: Other.dll-Help.xml")), "HB0211");
        AssertFails(Build(With("online version: https://example.invalid/ConntrackTools/Get-CtConnection", "online version: Get-CtConnection.md")), "HB0213");
    }

    [Fact]
    public void TemplatePlaceholderFails()
    {
        var page = With("Layer 4 protocols to list.", "{{ Fill Protocol Description }}");
        var run = Build(page);
        AssertFails(run, "HB0260");
        Assert.Contains($"({LineOf(page, "{{ Fill")}): error HB0260", run.Errors, StringComparison.Ordinal);
    }

    [Fact]
    public void StrayTextFails()
    {
        AssertFails(Build(With("## SYNOPSIS\n", "Stray text.\n\n## SYNOPSIS\n")), "HB0223");
        AssertFails(Build(With("### -Protocol\n", "Stray text.\n\n### -Protocol\n")), "HB0223");
        AssertFails(Build(With("Accept wildcard characters: True\n```\n", "Accept wildcard characters: True\n```\n\nText after the yaml.\n")), "HB0223");
    }

    [Fact]
    public void RelatedLinksHoldOnlyLinks() =>
        AssertFails(Build(Sample + "\nSee the kernel documentation.\n"), "HB0250");

    [Fact]
    public void EveryProblemIsReportedNotJustTheFirst()
    {
        var page = Without("## SYNOPSIS\nGets entries of the connection tracking table.\n\n")
            .Replace("## NOTES", "## REMARKS", StringComparison.Ordinal);
        var run = Build(page);
        Assert.Contains("HB0230", run.Errors, StringComparison.Ordinal);
        Assert.Contains("HB0221", run.Errors, StringComparison.Ordinal);
    }

    [Fact]
    public void UnrecognizedFileInTheHelpFolderFails() =>
        AssertFails(Build("# Notes\n", "notes.md"), "HB0201", "notes.md");

    [Fact]
    public void ReferenceStyleLinksAreAccepted()
    {
        var run = Build(With("[Get-CtExpectation](Get-CtExpectation.md)", "[Get-CtExpectation][expect]") + "\n[expect]: Get-CtExpectation.md\n");
        Assert.True(run.ExitCode == 0, run.Errors);
        Assert.Contains("<maml:linkText>Get-CtExpectation</maml:linkText>", File.ReadAllText(run.MamlPath), StringComparison.Ordinal);
    }

    [Fact]
    public void ModulePageIsSkipped()
    {
        var run = BuildRun.Help(_root, ("ConntrackTools.md", "---\nModule Name: ConntrackTools\nModule Guid: 5b0f7c3e-8f0e-4c55-9a43-3f1d0c2e7a61\n---\n\n# ConntrackTools Module\n"));
        Assert.True(run.ExitCode == 0, run.Errors);
    }
}
