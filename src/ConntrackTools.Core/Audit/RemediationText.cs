using ConntrackTools.Kernel.Netlink;

namespace ConntrackTools.Audit;

/// <summary>
/// Quoting for the remediation commands both audits write: words that sh and pwsh read the same,
/// interface names as nft strings, and the prefix that runs a command in the audited namespace.
/// </summary>
internal static class RemediationText
{
    /// <summary>
    /// What runs a native command in the audited namespace, for sh and pwsh: `ip netns exec NAME `
    /// for a named one, `nsenter --net=PATH ` otherwise, "" for this one. <paramref name="note"/>
    /// says when the name had to become a placeholder.
    /// </summary>
    internal static string NamespacePrefix(string? spec, string? path, out string? note)
    {
        note = null;
        if (spec is null) return "";
        path ??= spec.Contains('/') ? spec : int.TryParse(spec, out _) ? $"/proc/{spec}/ns/net" : $"{NetworkNamespace.NamedRoot}/{spec}";
        var named = !spec.Contains('/') && path == $"{NetworkNamespace.NamedRoot}/{spec}";
        var word = ShellWord(named ? spec : path);
        if (word is null) note = "The namespace's name cannot be quoted safely for sh and pwsh: replace <namespace> with it.";
        return named ? $"ip netns exec {word ?? "<namespace>"} " : $"nsenter --net={word ?? "<namespace>"} ";
    }

    /// <summary>
    /// A word for sh and pwsh alike: as it is when it holds only characters neither shell treats
    /// specially, else in single quotes (literal in both). Null when it cannot be quoted for both:
    /// it holds a single quote (or one of the typographic quotes pwsh also takes for one), or a
    /// character outside printable ASCII.
    /// </summary>
    internal static string? ShellWord(string s)
    {
        if (s.Length == 0) return "''";
        var bare = s.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '.' or '/' or '=' or ':' or '+' or '-');
        if (bare && (char.IsAsciiLetterOrDigit(s[0]) || s[0] is '/' or '_'))
            return s;
        if (s.All(c => c is >= ' ' and <= '~' && c != '\''))
            return $"'{s}'";
        return null;
    }

    /// <summary>
    /// An interface name as an nft string inside a single-quoted shell word: "name", with a final
    /// '*' written \* so that nft does not read it as a wildcard. Null when the name holds a double
    /// quote or a backslash (nft strings have no escapes for them), or anything ShellWord refuses.
    /// </summary>
    internal static string? NftInterface(string name)
    {
        if (name.Any(c => c is '"' or '\\' or '\'' || c < ' ' || c > '~')) return null;
        return "\"" + (name.EndsWith('*') ? name[..^1] + "\\*" : name) + "\"";
    }
}
