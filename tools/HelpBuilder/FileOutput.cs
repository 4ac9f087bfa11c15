namespace ConntrackTools.HelpBuilder;

/// <summary>
/// Writes a build output only when its bytes differ from what is there, so an unchanged input
/// leaves the file's timestamp alone and incremental builds stay incremental.
/// </summary>
internal static class FileOutput
{
    /// <returns>True when the file was written, false when it already held these bytes.</returns>
    public static bool WriteIfChanged(string path, byte[] content)
    {
        if (File.Exists(path))
        {
            var existing = File.ReadAllBytes(path);
            if (existing.AsSpan().SequenceEqual(content))
            {
                return false;
            }
        }

        string? directory = Path.GetDirectoryName(Path.GetFullPath(path));
        if (directory is not null)
        {
            Directory.CreateDirectory(directory);
        }

        File.WriteAllBytes(path, content);
        return true;
    }
}
