using System.Management.Automation;
using Xunit;

namespace ConntrackTools.Tests;

/// <summary>The built module folder, its manifest, and help for every exported cmdlet.</summary>
public class ModuleTests
{
    /// <summary>The cmdlet assembly as the module folder ships it.</summary>
    private static System.Reflection.Assembly ModuleAssembly =>
        System.Reflection.Assembly.LoadFrom(Path.Combine(PsSession.ModuleFolder, "ConntrackTools.dll"));

    [Fact]
    public void The_module_folder_holds_exactly_the_staged_files_and_no_PowerShell_assembly()
    {
        var files = Directory.EnumerateFiles(PsSession.ModuleFolder, "*", SearchOption.AllDirectories)
            .Select(f => Path.GetRelativePath(PsSession.ModuleFolder, f).Replace('\\', '/'))
            .Order(StringComparer.Ordinal).ToArray();
        Assert.DoesNotContain(files, f => f.Contains("System.Management.Automation", StringComparison.OrdinalIgnoreCase));
        Assert.Contains("ConntrackTools.psd1", files);
        Assert.Contains("ConntrackTools.dll", files);
        Assert.Contains("ConntrackTools.Core.dll", files);
        Assert.Contains("en-US/ConntrackTools.dll-Help.xml", files);
        Assert.Contains("en-US/about_ConntrackTools.help.txt", files);
        Assert.Contains("en-US/about_ConntrackTools_Automation.help.txt", files);
        // Every format and type file in the repo is staged and named in the manifest.
        using var ps = new PsSession();
        var listed = ps.Objects("$m = Get-Module ConntrackTools; @($m.ExportedFormatFiles) + @($m.ExportedTypeFiles)")
            .Select(o => Path.GetRelativePath(PsSession.ModuleFolder, o.ToString()!).Replace('\\', '/')).Order().ToArray();
        var inRepo = Directory.EnumerateFiles(Path.Combine(PsSession.RepoRoot, "Formats"), "*.ps1xml").Select(f => "Formats/" + Path.GetFileName(f)).Order().ToArray();
        Assert.Equal(inRepo, listed);
        foreach (var f in listed) Assert.Contains(f, files);
    }

    [Fact]
    public void The_manifest_exports_every_cmdlet_class_and_nothing_else()
    {
        using var ps = new PsSession();
        var exported = ps.Objects("(Get-Module ConntrackTools).ExportedCmdlets.Keys").Select(o => o.ToString()).Order().ToArray();
        var classes = ModuleAssembly.GetTypes()
            .Select(t => t.GetCustomAttributes(typeof(CmdletAttribute), false).OfType<CmdletAttribute>().FirstOrDefault())
            .OfType<CmdletAttribute>().Select(a => $"{a.VerbName}-{a.NounName}").Order().ToArray();
        Assert.NotEmpty(classes);
        Assert.Equal(classes, exported);
        var version = ps.Objects("(Get-Module ConntrackTools).Version.ToString()").Single().ToString();
        Assert.Equal(ModuleAssembly.GetName().Version!.ToString(3), version);
    }

    public static TheoryData<string> Cmdlets()
    {
        var data = new TheoryData<string>();
        foreach (var t in ModuleAssembly.GetTypes())
            if (t.GetCustomAttributes(typeof(CmdletAttribute), false).FirstOrDefault() is CmdletAttribute a) data.Add($"{a.VerbName}-{a.NounName}");
        return data;
    }

    [Theory]
    [MemberData(nameof(Cmdlets))]
    public void Every_cmdlet_has_help_with_synopsis_description_every_parameter_and_examples(string cmdlet)
    {
        using var ps = new PsSession();
        var help = ps.Objects($"Get-Help {cmdlet} -Full").Single();
        var synopsis = help.Properties["Synopsis"].Value?.ToString()?.Trim();
        Assert.False(string.IsNullOrEmpty(synopsis) || synopsis.StartsWith(cmdlet, StringComparison.Ordinal), $"{cmdlet}: no synopsis (got '{synopsis}')");
        var description = ps.Objects($"(Get-Help {cmdlet} -Full).description | ForEach-Object {{ $_.Text }}");
        Assert.True(description.Count > 0 && description.Any(d => d.ToString()!.Length > 20), $"{cmdlet}: no description");
        var examples = ps.Objects($"(Get-Help {cmdlet} -Full).examples.example | ForEach-Object {{ $_.code }}");
        Assert.True(examples.Count >= 1, $"{cmdlet}: no examples");
        foreach (var code in examples) Assert.Contains("-Ct", code.ToString()!);

        var documented = ps.Objects($"(Get-Help {cmdlet} -Full).parameters.parameter | ForEach-Object {{ $_.name }}").Select(o => o.ToString()!).ToHashSet(StringComparer.OrdinalIgnoreCase);
        var actual = ps.Objects($"(Get-Command {cmdlet}).Parameters.Keys").Select(o => o.ToString()!)
            .Where(p => !CommonParameters.Contains(p)).ToArray();
        Assert.NotEmpty(actual);
        foreach (var p in actual)
        {
            Assert.True(documented.Contains(p), $"{cmdlet}: parameter -{p} has no help");
            var text = ps.Objects($"(Get-Help {cmdlet} -Parameter {p}).description | ForEach-Object {{ $_.Text }}");
            Assert.True(text.Count > 0 && text[0].ToString()!.Length > 5, $"{cmdlet}: parameter -{p} has an empty description");
        }
        foreach (var p in documented) Assert.Contains(p, actual, StringComparer.OrdinalIgnoreCase);
    }

    [Fact]
    public void The_about_topic_is_found_by_Get_Help()
    {
        using var ps = new PsSession();
        var text = string.Join("\n", ps.Objects("Get-Help about_ConntrackTools").Select(o => o.ToString()));
        Assert.Contains("ctnetlink", text);
        Assert.Contains("NetworkNamespace", text);
    }

    private static readonly HashSet<string> CommonParameters = new(StringComparer.OrdinalIgnoreCase)
    {
        "Verbose", "Debug", "ErrorAction", "WarningAction", "InformationAction", "ProgressAction", "ErrorVariable",
        "WarningVariable", "InformationVariable", "OutVariable", "OutBuffer", "PipelineVariable", "WhatIf", "Confirm",
    };
}
