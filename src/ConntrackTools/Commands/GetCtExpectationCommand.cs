using System.Management.Automation;
using ConntrackTools.Kernel.Conntrack;

namespace ConntrackTools.Commands;

/// <summary>Gets the expectations helpers have created, like `conntrack -L expect`.</summary>
[Cmdlet(VerbsCommon.Get, "CtExpectation", DefaultParameterSetName = FilterSet)]
[OutputType(typeof(CtExpectation))]
public sealed class GetCtExpectationCommand : CtExpectationFilterCmdlet
{
    protected override void ProcessRecord()
    {
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
