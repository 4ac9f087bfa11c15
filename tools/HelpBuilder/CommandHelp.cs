namespace ConntrackTools.HelpBuilder;

/// <summary>
/// One cmdlet's help as read from its platyPS page: what New-ExternalHelp's MamlCommand holds.
/// Text is kept as a list of paragraphs, each one a maml:para.
/// </summary>
internal sealed class CommandHelp
{
    public required string Name { get; init; }

    public required string SourceFile { get; init; }

    public string Verb => Name.Split('-', 2)[0];

    public string Noun => Name.Contains('-', StringComparison.Ordinal) ? Name.Split('-', 2)[1] : string.Empty;

    public List<string> Synopsis { get; } = [];

    public List<string> Description { get; } = [];

    /// <summary>Parameter sets in the order of the SYNTAX section; empty when it names none.</summary>
    public List<string> ParameterSets { get; } = [];

    public string? DefaultParameterSet { get; set; }

    public List<ParameterHelp> Parameters { get; } = [];

    public bool SupportsCommonParameters { get; set; }

    public List<ExampleHelp> Examples { get; } = [];

    public List<TypeHelp> Inputs { get; } = [];

    public List<TypeHelp> Outputs { get; } = [];

    public List<string> Notes { get; } = [];

    public List<LinkHelp> Links { get; } = [];

    /// <summary>The front matter's "online version": Get-Help -Online opens it.</summary>
    public string? OnlineVersion { get; set; }
}

internal sealed class ParameterHelp
{
    public required string Name { get; init; }

    public int Line { get; init; }

    public List<string> Description { get; } = [];

    /// <summary>
    /// One entry per ```yaml block. platyPS writes several only when the parameter's metadata
    /// differs between parameter sets (Required in one, optional in another); the first is the
    /// one shown in the PARAMETERS part of Get-Help.
    /// </summary>
    public List<ParameterMetadata> Metadata { get; } = [];
}

internal sealed class ParameterMetadata
{
    public const string AllParameterSets = "(All)";

    public int Line { get; init; }

    public string Type { get; set; } = string.Empty;

    /// <summary>Set names from "Parameter Sets"; "(All)" (or none given) means every set.</summary>
    public List<string> ParameterSets { get; } = [];

    public List<string> Aliases { get; } = [];

    public List<string> AcceptedValues { get; } = [];

    public bool Required { get; set; }

    /// <summary>"named" or a zero-based position, lower-cased as in MAML.</summary>
    public string Position { get; set; } = "named";

    public string? DefaultValue { get; set; }

    /// <summary>As written: "False", "True (ByValue)", "True (ByPropertyName)", ...</summary>
    public string PipelineInput { get; set; } = "False";

    public bool Globbing { get; set; }

    public bool InAllSets => ParameterSets.Count == 0
        || ParameterSets.Any(set => string.Equals(set, AllParameterSets, StringComparison.OrdinalIgnoreCase));

    public bool IsSwitch => Type.Equals("SwitchParameter", StringComparison.OrdinalIgnoreCase)
        || Type.Equals("switch", StringComparison.OrdinalIgnoreCase)
        || Type.Equals("System.Management.Automation.SwitchParameter", StringComparison.OrdinalIgnoreCase);

    public bool AppliesTo(string parameterSet) =>
        InAllSets || ParameterSets.Any(set => string.Equals(set, parameterSet, StringComparison.OrdinalIgnoreCase));
}

internal sealed class ExampleHelp
{
    public required string Title { get; init; }

    public string Code { get; set; } = string.Empty;

    public List<string> Remarks { get; } = [];
}

internal sealed record TypeHelp(string TypeName, IReadOnlyList<string> Description);

internal sealed record LinkHelp(string Text, string Uri);
