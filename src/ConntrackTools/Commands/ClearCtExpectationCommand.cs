using System.Management.Automation;

namespace ConntrackTools.Commands;

/// <summary>Flushes the expectation table, like `conntrack -F expect`, or only one helper's expectations.</summary>
[Cmdlet(VerbsCommon.Clear, "CtExpectation", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High)]
[OutputType(typeof(void))]
public sealed class ClearCtExpectationCommand : CtKernelCmdlet
{
    /// <summary>Only this helper's expectations (the kernel deletes them by helper name).</summary>
    [Parameter(Position = 0)]
    [ArgumentCompleter(typeof(HelperNameCompleter))]
    public string? Helper { get; set; }

    protected override void ProcessRecord()
    {
        var what = Helper is null ? "every expectation" : $"the expectations of helper {Helper}";
        if (!ShouldProcess($"{what} in {Where()}", "Flush")) return;
        try
        {
            ClientFor(null).FlushExpectations(Helper);
        }
        catch (Exception ex) when (ex is not PipelineStoppedException)
        {
            Fail(ex, Where());
        }
    }
}
