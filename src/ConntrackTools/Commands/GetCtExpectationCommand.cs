using System.Management.Automation;
using ConntrackTools.Kernel.Conntrack;

namespace ConntrackTools.Commands;

/// <summary>Gets the expectations helpers have created, like `conntrack -L expect`.</summary>
[Cmdlet(VerbsCommon.Get, "CtExpectation", DefaultParameterSetName = FilterSet)]
[OutputType(typeof(CtExpectation))]
public sealed class GetCtExpectationCommand : CtExpectationFilterCmdlet
{
    /// <summary>Read an engine's expectations instead of the kernel's.</summary>
    [Parameter]
    [ArgumentCompleter(typeof(EngineNameCompleter))]
    [ValidateNotNullOrEmpty]
    public string? Engine { get; set; }

    protected override void ProcessRecord()
    {
        if (Engine is not null)
        {
            var host = ResolveEngine(Engine);
            var engineFilter = GetFilter();
            List<CtExpectation> table;
            lock (host.Gate) table = host.Engine.SnapshotExpectations();
            foreach (var exp in table)
                if (engineFilter.Matches(exp)) WriteObject(exp);
            return;
        }
        using var client = OpenKernel();
        var filter = GetFilter();
        try
        {
            client.DumpExpectations(filter, WriteObject, Cancellation);
        }
        catch (Exception ex) when (ex is not PipelineStoppedException)
        {
            Fail(ex, NetworkNamespace ?? "kernel");
        }
    }
}
