using System.Collections;
using System.Management.Automation;
using System.Management.Automation.Language;
using ConntrackTools.Audit;

namespace ConntrackTools.Commands;

/// <summary>
/// Checks, per interface and family, that packets with spoofed source addresses are dropped before
/// connection tracking helpers can parse them: rp_filter (IPv4), nft fib rules, iptables rpfilter
/// matches, and manual per-interface rules. Writes one CtFinding per interface and family.
/// </summary>
[Cmdlet(VerbsDiagnostic.Test, "CtAntiSpoof")]
[OutputType(typeof(CtFinding))]
public sealed class TestCtAntiSpoofCommand : CtKernelCmdlet
{
    #region Parameters

    /// <summary>Only these interfaces (wildcards allowed); all but lo when not given.</summary>
    [Parameter(Position = 0)]
    [Alias("Interface")]
    [SupportsWildcards]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(InterfaceNameCompleter))]
    public string[]? InterfaceName { get; set; }

    /// <summary>Only this family; both when not given.</summary>
    [Parameter]
    [ValidateSet("IPv4", "IPv6")]
    public CtFamily Family { get; set; }

    #endregion

    protected override void ProcessRecord()
    {
        AntiSpoofInput input;
        try
        {
            input = AntiSpoofAudit.Read(NetworkNamespace);
        }
        catch (Exception ex) when (ex is not PipelineStoppedException)
        {
            ThrowTerminatingError(ReadError(ex));
            return;
        }
        foreach (var note in input.Notes) WriteVerbose(note);

        var patterns = (InterfaceName ?? ["*"]).Select(n => new WildcardPattern(n, WildcardOptions.IgnoreCase)).ToList();
        var matched = new bool[patterns.Count];
        foreach (var nic in input.Network.Interfaces)
            for (var i = 0; i < patterns.Count; i++)
                if (patterns[i].IsMatch(nic.Name))
                {
                    matched[i] = true;
                    if (nic.IsLoopback && InterfaceName is not null && !WildcardPattern.ContainsWildcardCharacters(InterfaceName[i]))
                        WriteVerbose($"{nic.Name} is not checked: it is the loopback interface, whose packets are local by construction; rp_filter, fib and rpfilter all let them pass.");
                }
        for (var i = 0; i < matched.Length; i++)
            if (!matched[i] && !WildcardPattern.ContainsWildcardCharacters(InterfaceName![i]))
                WriteError(new ErrorRecord(
                    new ItemNotFoundException($"There is no interface named '{InterfaceName[i]}' in {Where()}. Interfaces: {string.Join(", ", input.Network.Interfaces.Select(n => n.Name))}."),
                    "InterfaceNotFound", ErrorCategory.ObjectNotFound, InterfaceName[i]));

        var findings = AntiSpoofAudit.Evaluate(input, name => patterns.Any(p => p.IsMatch(name)), Family == CtFamily.Unspecified ? null : Family);
        WriteObject(findings, enumerateCollection: true);
    }

    /// <summary>An error for what stopped the audit from reading the namespace.</summary>
    private ErrorRecord ReadError(Exception ex)
    {
        var where = Where();
        switch (ex)
        {
            case NativeToolException { NotInstalled: true } tool:
                return new ErrorRecord(ex, "ToolNotInstalled", ErrorCategory.NotInstalled, tool.Tool);
            case NativeToolException tool:
                return new ErrorRecord(ex, "ToolFailed", ErrorCategory.InvalidResult, tool.Tool);
            case UnauthorizedAccessException:
            case Kernel.Nftables.NftException { ErrnoName: "EPERM" }:
                var advice = "Reading the nftables ruleset and the iptables rules needs CAP_NET_ADMIN (and entering another network namespace CAP_SYS_ADMIN): run PowerShell as root, for example with sudo.";
                return new ErrorRecord(new UnauthorizedAccessException($"{ex.Message.TrimEnd('.')}. {advice}", ex), "PermissionDenied", ErrorCategory.PermissionDenied, where)
                {
                    ErrorDetails = new ErrorDetails($"{ex.Message.TrimEnd('.')}. {advice}") { RecommendedAction = advice },
                };
            default:
                return ErrorMapper.ToErrorRecord(ex, where);
        }
    }
}

/// <summary>Completes -InterfaceName with the interfaces of the namespace given by -NetworkNamespace (or the current one).</summary>
public sealed class InterfaceNameCompleter : IArgumentCompleter
{
    public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete, CommandAst commandAst, IDictionary fakeBoundParameters)
    {
        var netns = fakeBoundParameters?["NetworkNamespace"] as string ?? fakeBoundParameters?["Netns"] as string;
        List<string> names;
        try
        {
            names = NetworkInfo.Read(netns).Interfaces.Where(i => !i.IsLoopback).Select(i => i.Name).ToList();
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            names = [];
        }
        var pattern = WildcardPattern.Get((wordToComplete ?? "") + "*", WildcardOptions.IgnoreCase);
        foreach (var name in names)
            if (pattern.IsMatch(name))
            {
                var text = name.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '.' or '-' or '@') ? name : "'" + name.Replace("'", "''", StringComparison.Ordinal) + "'";
                yield return new CompletionResult(text, name, CompletionResultType.ParameterValue, $"interface {name}");
            }
    }
}
