using System.Management.Automation;
using ConntrackTools.Engine;

namespace ConntrackTools.Commands;

/// <summary>Stops an engine if it runs and forgets it, with its table.</summary>
[Cmdlet(VerbsCommon.Remove, "CtEngine", SupportsShouldProcess = true)]
[OutputType(typeof(void))]
public sealed class RemoveCtEngineCommand : PSCmdlet
{
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    [SupportsWildcards]
    [ArgumentCompleter(typeof(EngineNameCompleter))]
    public string[]? Name { get; set; }

    protected override void ProcessRecord()
    {
        foreach (var pattern in Name ?? [])
        {
            var wildcard = WildcardPattern.Get(pattern, WildcardOptions.IgnoreCase);
            var matches = EngineHost.All.Where(h => wildcard.IsMatch(h.Name)).ToList();
            if (matches.Count == 0 && !WildcardPattern.ContainsWildcardCharacters(pattern))
                WriteError(new ErrorRecord(new ItemNotFoundException($"There is no engine named '{pattern}' in this session."), "EngineNotFound", ErrorCategory.ObjectNotFound, pattern));
            foreach (var host in matches)
                if (ShouldProcess(host.Name, "Remove engine")) EngineHost.Remove(host.Name);
        }
    }
}
