using System.Management.Automation;
using ConntrackTools.Kernel.Netlink;

namespace ConntrackTools.Commands;

/// <summary>Deletes expectations, like `conntrack -D expect`: those piped in, or those that match the filters.</summary>
[Cmdlet(VerbsCommon.Remove, "CtExpectation", SupportsShouldProcess = true, DefaultParameterSetName = FilterSet)]
[OutputType(typeof(CtExpectation))]
public sealed class RemoveCtExpectationCommand : CtExpectationFilterCmdlet
{
    private const string InputObjectSet = "InputObject";

    [Parameter(Mandatory = true, ValueFromPipeline = true, ParameterSetName = InputObjectSet)]
    public CtExpectation[]? InputObject { get; set; }

    /// <summary>Write each deleted expectation.</summary>
    [Parameter]
    public SwitchParameter PassThru { get; set; }

    protected override void ProcessRecord()
    {
        if (ParameterSetName == InputObjectSet)
        {
            foreach (var exp in InputObject ?? []) Delete(exp, reportMissing: true);
            return;
        }
        if (!HasFilter)
        {
            FailArgument("FilterRequired", "Remove-CtExpectation without a filter would delete every expectation. Give a filter, pipe the expectations to delete, or use Clear-CtExpectation.", null);
            return;
        }
        var client = ClientFor(null);
        var filter = GetFilter();
        var matches = new List<CtExpectation>();
        try
        {
            client.DumpExpectations(filter, matches.Add, Cancellation);
        }
        catch (Exception ex) when (ex is not PipelineStoppedException)
        {
            Fail(ex, Where());
        }
        if (matches.Count == 0)
        {
            WriteError(new ErrorRecord(new ItemNotFoundException($"No expectation in {Where()} matches the filter; nothing was deleted."),
                "NoMatch", ErrorCategory.ObjectNotFound, filter));
            return;
        }
        foreach (var exp in matches) Delete(exp, reportMissing: false);
    }

    private void Delete(CtExpectation exp, bool reportMissing)
    {
        if (!ShouldProcess($"{exp} in {Where(exp.Backend)}", "Remove expectation")) return;
        try
        {
            ClientFor(exp.Backend).DeleteExpectation(exp);
            if (PassThru) WriteObject(exp);
        }
        catch (NetlinkException ex) when (ex.ErrnoName == "ENOENT" && !reportMissing)
        {
            WriteVerbose($"{exp} was gone before it could be deleted.");
        }
        catch (Exception ex) when (ex is NetlinkException or ArgumentException or ErrorRecordException)
        {
            WriteNotFoundAware(ex, exp, "expectation");
        }
        catch (Exception ex) when (ex is not PipelineStoppedException)
        {
            Fail(ex, Where(exp.Backend));
        }
    }
}
