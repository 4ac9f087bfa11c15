namespace ConntrackTools.Host;

/// <summary>
/// Finds the module manifest ctsh imports: -Module PATH, else $CONNTRACKTOOLS_MODULE, else
/// out/ConntrackTools/ConntrackTools.psd1 in the start folder or one of its parents.
/// </summary>
public static class ModuleLocator
{
    /// <summary>The environment variable that names the module when -Module is not given.</summary>
    public const string EnvironmentVariable = "CONNTRACKTOOLS_MODULE";

    /// <summary>Where `dotnet build` stages the module, relative to the repository root.</summary>
    public static readonly string RelativeManifestPath = Path.Combine("out", "ConntrackTools", "ConntrackTools.psd1");

    /// <summary>Returns the manifest's full path, or null with <paramref name="problem"/> saying what is missing and what to do.</summary>
    public static string? Find(string? explicitPath, string? environmentValue, string startDirectory, out string problem)
    {
        ArgumentNullException.ThrowIfNull(startDirectory);
        if (!string.IsNullOrEmpty(explicitPath))
        {
            return Resolve(explicitPath, "-Module", out problem);
        }

        if (!string.IsNullOrEmpty(environmentValue))
        {
            return Resolve(environmentValue, "$" + EnvironmentVariable, out problem);
        }

        for (DirectoryInfo? dir = new(Path.GetFullPath(startDirectory)); dir is not null; dir = dir.Parent)
        {
            string candidate = Path.Combine(dir.FullName, RelativeManifestPath);
            if (File.Exists(candidate))
            {
                problem = string.Empty;
                return candidate;
            }
        }

        problem =
            $"the ConntrackTools module is not built: there is no {RelativeManifestPath} in {startDirectory} or any folder above it. "
            + "Run `dotnet build` in the repository root first (the ./ctsh script does this for you), "
            + $"or name the module with -Module PATH or ${EnvironmentVariable}.";
        return null;
    }

    /// <summary>A manifest file as given, or a folder holding &lt;folder name&gt;.psd1, ConntrackTools.psd1 or a single .psd1.</summary>
    private static string? Resolve(string path, string source, out string problem)
    {
        string full = Path.GetFullPath(path);
        problem = string.Empty;
        if (File.Exists(full))
        {
            return full;
        }

        if (Directory.Exists(full))
        {
            string byFolderName = Path.Combine(full, Path.GetFileName(Path.TrimEndingDirectorySeparator(full)) + ".psd1");
            if (File.Exists(byFolderName))
            {
                return byFolderName;
            }

            string byModuleName = Path.Combine(full, "ConntrackTools.psd1");
            if (File.Exists(byModuleName))
            {
                return byModuleName;
            }

            string[] manifests = Directory.GetFiles(full, "*.psd1");
            if (manifests.Length == 1)
            {
                return manifests[0];
            }

            problem = $"no module manifest (.psd1) in folder '{full}' (from {source}). Run `dotnet build` in the repository root to stage out/ConntrackTools/, or point {source} at a .psd1 file.";
            return null;
        }

        problem = $"module not found: '{full}' (from {source}) does not exist. Run `dotnet build` in the repository root to stage out/ConntrackTools/, or fix the path.";
        return null;
    }
}
