using System.Collections;
using System.Management.Automation;
using System.Management.Automation.Language;

namespace ConntrackTools.Commands;

/// <summary>Completes -NetworkNamespace with the names `ip netns list` shows.</summary>
public sealed class NetworkNamespaceCompleter : IArgumentCompleter
{
    public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete, CommandAst commandAst, IDictionary fakeBoundParameters)
    {
        var pattern = WildcardPattern.Get((wordToComplete ?? "") + "*", WildcardOptions.IgnoreCase);
        foreach (var name in Kernel.Netlink.NetworkNamespace.ListNames())
            if (pattern.IsMatch(name)) yield return new CompletionResult(name, name, CompletionResultType.ParameterValue, $"network namespace {name}");
    }
}

/// <summary>Completes -Helper with the names of the kernel's conntrack helpers.</summary>
public sealed class HelperNameCompleter : IArgumentCompleter
{
    /// <summary>The helper names as nf_conntrack_*.c register them.</summary>
    internal static readonly string[] KernelHelpers =
        ["amanda", "ftp", "H.245", "irc", "netbios-ns", "pptp", "Q.931", "RAS", "sane", "sip", "snmp", "snmp_trap", "tftp"];

    public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete, CommandAst commandAst, IDictionary fakeBoundParameters)
    {
        var pattern = WildcardPattern.Get((wordToComplete ?? "") + "*", WildcardOptions.IgnoreCase);
        foreach (var name in KernelHelpers.Union(Engine.Helpers.HelperCatalog.Names, StringComparer.OrdinalIgnoreCase))
            if (pattern.IsMatch(name)) yield return new CompletionResult(name, name, CompletionResultType.ParameterValue, $"conntrack helper {name}");
    }
}

/// <summary>Completes -Engine and -Name with the engines kept in this session.</summary>
public sealed class EngineNameCompleter : IArgumentCompleter
{
    public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete, CommandAst commandAst, IDictionary fakeBoundParameters)
    {
        var pattern = WildcardPattern.Get((wordToComplete ?? "") + "*", WildcardOptions.IgnoreCase);
        foreach (var host in Engine.EngineHost.All)
            if (pattern.IsMatch(host.Name)) yield return new CompletionResult(host.Name, host.Name, CompletionResultType.ParameterValue, $"engine {host.Name} ({host.State})");
    }
}
