namespace ConntrackTools.Host;

/// <summary>ctsh's command line, parsed the way pwsh parses its own (case-insensitive, - or --).</summary>
internal sealed class ShellArguments
{
    public string? Command { get; private set; }

    public string? File { get; private set; }

    public IReadOnlyList<string> FileArguments { get; private set; } = [];

    public string? Module { get; private set; }

    public bool Help { get; private set; }

    public bool NonInteractive { get; private set; }

    public bool Interactive { get; private set; }

    /// <summary>-Resource: run a desired-state resource (DSC v3, Ansible) instead of a script; see <see cref="ResourceMode"/>.</summary>
    public string? Resource { get; private set; }

    /// <summary>-Operation of -Resource: get, test, set or export.</summary>
    public string? Operation { get; private set; }

    /// <summary>-WhatIf of -Resource -Operation set: predict, change nothing.</summary>
    public bool WhatIf { get; private set; }

    /// <summary>Text (through Out-Default, the default) or Json (one JSON array of the output, through ConvertTo-CtJson -AsArray).</summary>
    public ShellOutputFormat OutputFormat { get; private set; }

    /// <summary>Parses <paramref name="args"/>; throws <see cref="ArgumentException"/> with a message for the user.</summary>
    public static ShellArguments Parse(IReadOnlyList<string> args)
    {
        var parsed = new ShellArguments();
        for (int i = 0; i < args.Count; i++)
        {
            string arg = args[i];
            if (arg == "-")
            {
                // As pwsh: a lone - reads the script from stdin.
                parsed.Command = arg;
                return parsed;
            }

            if (arg.Length < 2 || arg[0] != '-')
            {
                // As pwsh: the first bare argument is the script file, the rest are its arguments.
                parsed.File = arg;
                parsed.FileArguments = args.Skip(i + 1).ToArray();
                return parsed;
            }

            switch (arg.TrimStart('-').ToUpperInvariant())
            {
                case "C" or "COMMAND":
                    // As pwsh: -Command takes the rest of the line, joined with spaces.
                    if (i + 1 >= args.Count)
                    {
                        throw new ArgumentException($"{arg} needs the command text (or - to read it from stdin).");
                    }

                    parsed.Command = string.Join(' ', args.Skip(i + 1));
                    return parsed;

                case "F" or "FILE":
                    if (i + 1 >= args.Count)
                    {
                        throw new ArgumentException($"{arg} needs the path of a script file.");
                    }

                    parsed.File = args[i + 1];
                    parsed.FileArguments = args.Skip(i + 2).ToArray();
                    return parsed;

                case "M" or "MODULE":
                    if (i + 1 >= args.Count)
                    {
                        throw new ArgumentException($"{arg} needs the path of the module's .psd1 or folder.");
                    }

                    parsed.Module = args[++i];
                    break;

                case "?" or "H" or "HELP":
                    parsed.Help = true;
                    break;

                case "NONINTERACTIVE" or "NONI":
                    parsed.NonInteractive = true;
                    break;

                case "INTERACTIVE" or "I":
                    parsed.Interactive = true;
                    break;

                case "RESOURCE":
                    if (i + 1 >= args.Count)
                    {
                        throw new ArgumentException($"{arg} needs the name of a resource, such as CtSetting.");
                    }

                    parsed.Resource = args[++i];
                    break;

                case "OPERATION":
                    if (i + 1 >= args.Count)
                    {
                        throw new ArgumentException($"{arg} needs get, test, set or export.");
                    }

                    parsed.Operation = args[++i];
                    break;

                case "WHATIF":
                    parsed.WhatIf = true;
                    break;

                case "OUTPUTFORMAT" or "OF" or "O":
                    if (i + 1 >= args.Count)
                    {
                        throw new ArgumentException($"{arg} needs Text or Json.");
                    }

                    parsed.OutputFormat = args[++i].ToUpperInvariant() switch
                    {
                        "TEXT" => ShellOutputFormat.Text,
                        "JSON" => ShellOutputFormat.Json,
                        _ => throw new ArgumentException($"{arg} takes Text or Json, not '{args[i]}'."),
                    };
                    break;

                case "NOPROFILE" or "NOP" or "NOLOGO" or "NOL":
                    // Accepted for pwsh compatibility: ctsh never runs profiles or prints a banner.
                    break;

                default:
                    throw new ArgumentException($"unknown option '{arg}'.");
            }
        }

        return parsed;
    }
}

/// <summary>How ctsh writes a command's output.</summary>
internal enum ShellOutputFormat
{
    /// <summary>Through Out-Default, with the module's views.</summary>
    Text,

    /// <summary>One indented JSON array of every output object, in the module's JSON shape (ConvertTo-CtJson -AsArray).</summary>
    Json,
}
