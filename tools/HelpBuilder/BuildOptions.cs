namespace ConntrackTools.HelpBuilder;

/// <summary>The command line, parsed. See <see cref="Usage"/>.</summary>
internal sealed record BuildOptions
{
    public const string Usage = """
        Usage: HelpBuilder --out DIR [--manifest FILE.psd1 --version VERSION]
                           [--help DIR --module-assembly NAME.dll]

          --out DIR              the staged module folder (out/ConntrackTools/)
          --manifest FILE.psd1   module manifest to copy into DIR with its ModuleVersion stamped
          --version VERSION      the version to stamp (2 to 4 dotted numbers, e.g. 0.1.0)
          --help DIR             help sources: Verb-Noun.md cmdlet pages in platyPS 0.14 format and
                                 about_*.md topics; the output goes to a folder of the same name
                                 (en-US) under --out
          --module-assembly NAME the assembly holding the cmdlets: the MAML file is NAME-Help.xml
                                 (the assembly itself is not read)

        Exit codes: 0 built (files written only when changed), 1 help or manifest errors
        (printed as "file(line): error HBnnnn: message"), 2 bad command line.
        """;

    public required string OutputDirectory { get; init; }

    public string? Manifest { get; init; }

    public string? Version { get; init; }

    public string? HelpDirectory { get; init; }

    public string? ModuleAssembly { get; init; }

    /// <summary>Parses <paramref name="args"/>; on failure returns null and says why in <paramref name="error"/>.</summary>
    public static BuildOptions? Parse(IReadOnlyList<string> args, out string? error)
    {
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        string[] known = ["--out", "--manifest", "--version", "--help", "--module-assembly"];
        for (int i = 0; i < args.Count; i++)
        {
            string name = args[i];
            if (!known.Contains(name, StringComparer.Ordinal))
            {
                error = $"unknown argument '{name}'";
                return null;
            }

            if (i + 1 >= args.Count || args[i + 1].StartsWith("--", StringComparison.Ordinal))
            {
                error = $"{name} needs a value";
                return null;
            }

            if (!values.TryAdd(name, args[++i]))
            {
                error = $"{name} is given twice";
                return null;
            }
        }

        error = (values.ContainsKey("--out"), values.ContainsKey("--manifest"), values.ContainsKey("--version"),
                 values.ContainsKey("--help"), values.ContainsKey("--module-assembly")) switch
        {
            (false, _, _, _, _) => "--out is required",
            (_, true, false, _, _) => "--manifest needs --version",
            (_, false, true, _, _) => "--version needs --manifest",
            (_, _, _, true, false) => "--help needs --module-assembly (the MAML file is named after it)",
            (_, _, _, false, true) => "--module-assembly needs --help",
            (_, false, _, false, _) => "nothing to do: give --manifest/--version, --help/--module-assembly, or both",
            _ => null,
        };

        if (error is not null)
        {
            return null;
        }

        return new BuildOptions
        {
            OutputDirectory = values["--out"],
            Manifest = values.GetValueOrDefault("--manifest"),
            Version = values.GetValueOrDefault("--version"),
            HelpDirectory = values.GetValueOrDefault("--help"),
            ModuleAssembly = values.GetValueOrDefault("--module-assembly"),
        };
    }
}
