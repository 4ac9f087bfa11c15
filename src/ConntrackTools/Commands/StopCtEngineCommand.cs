using System.Management.Automation;
using ConntrackTools.Engine;

namespace ConntrackTools.Commands;

/// <summary>Stops a live engine's capture; its table stays for queries until Remove-CtEngine.</summary>
[Cmdlet(VerbsLifecycle.Stop, "CtEngine", SupportsShouldProcess = true)]
[OutputType(typeof(CtEngine))]
public sealed class StopCtEngineCommand : PSCmdlet
{
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    [ArgumentCompleter(typeof(EngineNameCompleter))]
    public string[]? Name { get; set; }

    [Parameter]
    public SwitchParameter PassThru { get; set; }

    protected override void ProcessRecord()
    {
        foreach (var name in Name ?? [])
        {
            if (!EngineHost.TryGet(name, out var host))
            {
                WriteError(new ErrorRecord(new ItemNotFoundException($"There is no engine named '{name}' in this session."), "EngineNotFound", ErrorCategory.ObjectNotFound, name));
                continue;
            }
            if (!ShouldProcess(name, "Stop engine")) continue;
            host.Stop();
            if (PassThru) WriteObject(host.Describe());
        }
    }
}
