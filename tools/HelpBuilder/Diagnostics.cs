namespace ConntrackTools.HelpBuilder;

/// <summary>One problem found in a help source, tied to the file and line it came from.</summary>
internal sealed record Diagnostic(string File, int Line, string Code, string Message)
{
    /// <summary>
    /// MSBuild's canonical error format ("file(line): error CODE: text"), so that the Exec task in
    /// Module.targets reports each problem as a build error that points at the markdown line.
    /// </summary>
    public override string ToString() =>
        Line > 0 ? $"{File}({Line}): error {Code}: {Message}" : $"{File}: error {Code}: {Message}";
}

/// <summary>
/// Collects problems instead of stopping at the first, so one build shows every broken page.
/// Everything is an error: help is held to a warnings-as-errors policy like the code.
/// </summary>
internal sealed class DiagnosticBag
{
    private readonly List<Diagnostic> _items = [];

    public IReadOnlyList<Diagnostic> Items => _items;

    public bool HasErrors => _items.Count > 0;

    public void Add(string file, int line, string code, string message) =>
        _items.Add(new Diagnostic(file, line, code, message));
}

/// <summary>The stable codes of <see cref="Diagnostic"/>, one per kind of problem.</summary>
internal static class DiagnosticCodes
{
    public const string ManifestNotFound = "HB0100";
    public const string ManifestVersionMissing = "HB0101";
    public const string InvalidVersion = "HB0102";
    public const string HelpFolderNotFound = "HB0200";
    public const string UnrecognizedPage = "HB0201";
    public const string FrontMatter = "HB0210";
    public const string ExternalHelpFile = "HB0211";
    public const string ModuleName = "HB0212";
    public const string OnlineVersion = "HB0213";
    public const string Title = "HB0220";
    public const string UnknownSection = "HB0221";
    public const string DuplicateSection = "HB0222";
    public const string UnexpectedContent = "HB0223";
    public const string MissingSynopsis = "HB0230";
    public const string MissingDescription = "HB0231";
    public const string MissingExample = "HB0232";
    public const string ExampleWithoutCode = "HB0233";
    public const string ParameterWithoutYaml = "HB0240";
    public const string InvalidYaml = "HB0241";
    public const string DuplicateParameter = "HB0242";
    public const string UnknownParameterSet = "HB0243";
    public const string SyntaxWithoutCode = "HB0244";
    public const string RelatedLinks = "HB0250";
    public const string Placeholder = "HB0260";
    public const string AboutTopic = "HB0300";
}
