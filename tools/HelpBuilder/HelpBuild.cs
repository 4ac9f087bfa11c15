using System.Text;
using System.Text.RegularExpressions;

namespace ConntrackTools.HelpBuilder;

/// <summary>
/// One run of the tool: read and check every input first, then write the outputs only when there
/// was no error, so a broken page never replaces good staged help with half of a new one.
/// </summary>
internal static partial class HelpBuild
{
    public const int Succeeded = 0;
    public const int Failed = 1;
    public const int BadCommandLine = 2;

    [GeneratedRegex(@"^[A-Za-z]+-[A-Za-z0-9]+$")]
    private static partial Regex CmdletPageName();

    /// <summary>Runs the build described by <paramref name="options"/>; progress to <paramref name="log"/>, errors to <paramref name="errors"/>.</summary>
    public static int Run(BuildOptions options, TextWriter log, TextWriter errors)
    {
        var diagnostics = new DiagnosticBag();
        var outputs = new List<(string Path, byte[] Content)>();
        string outDirectory = Path.GetFullPath(options.OutputDirectory);

        string? moduleName = null;
        if (options.Manifest is not null && options.Version is not null)
        {
            moduleName = Path.GetFileNameWithoutExtension(options.Manifest);
            var stamped = StampManifest(options.Manifest, options.Version, diagnostics);
            if (stamped is not null)
            {
                outputs.Add((Path.Combine(outDirectory, Path.GetFileName(options.Manifest)), stamped));
            }
        }

        string? helpOutDirectory = null;
        var aboutOutputs = new HashSet<string>(StringComparer.Ordinal);
        if (options.HelpDirectory is not null && options.ModuleAssembly is not null)
        {
            string helpDirectory = Path.TrimEndingDirectorySeparator(Path.GetFullPath(options.HelpDirectory));
            helpOutDirectory = Path.Combine(outDirectory, Path.GetFileName(helpDirectory));
            foreach (var (path, content) in BuildHelp(helpDirectory, options.ModuleAssembly, moduleName, diagnostics, log))
            {
                string target = Path.Combine(helpOutDirectory, path);
                outputs.Add((target, content));
                if (path.StartsWith("about_", StringComparison.OrdinalIgnoreCase))
                {
                    aboutOutputs.Add(target);
                }
            }
        }

        if (diagnostics.HasErrors)
        {
            // By file and line, so each page's problems read top to bottom.
            foreach (var diagnostic in diagnostics.Items.OrderBy(d => d.File, StringComparer.Ordinal).ThenBy(d => d.Line))
            {
                errors.WriteLine(diagnostic);
            }

            errors.WriteLine($"HelpBuilder: {diagnostics.Items.Count} error(s); nothing was written.");
            return Failed;
        }

        foreach (var (path, content) in outputs)
        {
            bool written = FileOutput.WriteIfChanged(path, content);
            log.WriteLine($"HelpBuilder: {path} {(written ? "written" : "unchanged")}");
        }

        if (helpOutDirectory is not null)
        {
            RemoveStaleAboutTopics(helpOutDirectory, aboutOutputs, log);
        }

        return Succeeded;
    }

    private static byte[]? StampManifest(string manifest, string version, DiagnosticBag diagnostics)
    {
        if (!ManifestStamper.IsValidVersion(version))
        {
            diagnostics.Add(manifest, 0, DiagnosticCodes.InvalidVersion,
                $"--version '{version}' is not a module version (2 to 4 dotted numbers, such as 0.1.0)");
            return null;
        }

        if (!File.Exists(manifest))
        {
            diagnostics.Add(manifest, 0, DiagnosticCodes.ManifestNotFound, "module manifest not found");
            return null;
        }

        // Keep the manifest's own encoding: a BOM stays a BOM.
        byte[] bytes = File.ReadAllBytes(manifest);
        bool hasBom = bytes.AsSpan().StartsWith(Encoding.UTF8.Preamble);
        string text = new UTF8Encoding(false).GetString(bytes, hasBom ? 3 : 0, bytes.Length - (hasBom ? 3 : 0));
        string? stamped = ManifestStamper.Stamp(text, version);
        if (stamped is null)
        {
            diagnostics.Add(manifest, 0, DiagnosticCodes.ManifestVersionMissing,
                "no top-level ModuleVersion = '...' entry to stamp the version into");
            return null;
        }

        return new UTF8Encoding(hasBom).GetPreamble().Concat(new UTF8Encoding(false).GetBytes(stamped)).ToArray();
    }

    /// <summary>Reads every page of the help folder; yields file names (relative to the output culture folder) and contents.</summary>
    private static IEnumerable<(string Path, byte[] Content)> BuildHelp(
        string helpDirectory, string moduleAssembly, string? moduleName, DiagnosticBag diagnostics, TextWriter log)
    {
        if (!Directory.Exists(helpDirectory))
        {
            diagnostics.Add(helpDirectory, 0, DiagnosticCodes.HelpFolderNotFound, "help folder not found");
            return [];
        }

        string mamlFile = moduleAssembly + "-Help.xml";
        var expectations = new CommandPageExpectations(mamlFile, moduleName);
        var commands = new List<CommandHelp>();
        var results = new List<(string, byte[])>();
        var pages = Directory.EnumerateFiles(helpDirectory, "*.md").Order(StringComparer.Ordinal);
        foreach (string path in pages)
        {
            var page = new HelpPage(path, File.ReadAllText(path), diagnostics);
            if (page.Name.StartsWith("about_", StringComparison.OrdinalIgnoreCase))
            {
                string? text = AboutTopicConverter.Convert(page);
                if (text is not null)
                {
                    results.Add((page.Name + ".help.txt", new UTF8Encoding(false).GetBytes(text)));
                }
            }
            else if (MarkdownText.FrontMatter(page.Document)?.ContainsKey("Module Guid") == true)
            {
                // platyPS's module page (ConntrackTools.md) feeds Update-Help's cab, not Get-Help.
                log.WriteLine($"HelpBuilder: {path} is a module page; skipped");
            }
            else if (CmdletPageName().IsMatch(page.Name))
            {
                var command = CommandPageParser.Parse(page, expectations);
                if (command is not null)
                {
                    commands.Add(command);
                }
            }
            else
            {
                diagnostics.Add(path, 0, DiagnosticCodes.UnrecognizedPage,
                    "not a help page: en-US holds Verb-Noun.md cmdlet pages, about_*.md topics and the module page");
            }
        }

        results.Add((mamlFile, MamlWriter.ToBytes(MamlWriter.ToDocument(commands))));
        return results;
    }

    /// <summary>An about page that was deleted or renamed must not leave its old topic in the module.</summary>
    private static void RemoveStaleAboutTopics(string helpOutDirectory, HashSet<string> current, TextWriter log)
    {
        if (!Directory.Exists(helpOutDirectory))
        {
            return;
        }

        foreach (string stale in Directory.EnumerateFiles(helpOutDirectory, "about_*.help.txt").Where(f => !current.Contains(f)).ToList())
        {
            File.Delete(stale);
            log.WriteLine($"HelpBuilder: {stale} removed (no source page)");
        }
    }
}
