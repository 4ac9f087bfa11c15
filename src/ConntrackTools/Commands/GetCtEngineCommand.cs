using System.Management.Automation;
using ConntrackTools.Engine;

namespace ConntrackTools.Commands;

/// <summary>Gets the engines kept in this session: their state, source, packets and connections.</summary>
[Cmdlet(VerbsCommon.Get, "CtEngine")]
[OutputType(typeof(CtEngine))]
public sealed class GetCtEngineCommand : PSCmdlet
{
    [Parameter(Position = 0, ValueFromPipelineByPropertyName = true)]
    [SupportsWildcards]
    [ArgumentCompleter(typeof(EngineNameCompleter))]
    public string[]? Name { get; set; }

    protected override void ProcessRecord()
    {
        foreach (var pattern in Name ?? ["*"])
        {
            var wildcard = WildcardPattern.Get(pattern, WildcardOptions.IgnoreCase);
            var found = false;
            foreach (var host in EngineHost.All)
            {
                if (!wildcard.IsMatch(host.Name)) continue;
                found = true;
                WriteObject(host.Describe());
            }
            if (!found && !WildcardPattern.ContainsWildcardCharacters(pattern))
                WriteError(new ErrorRecord(new ItemNotFoundException($"There is no engine named '{pattern}' in this session."), "EngineNotFound", ErrorCategory.ObjectNotFound, pattern));
        }
    }
}
