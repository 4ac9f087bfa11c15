using System.Management.Automation;

namespace ConntrackTools.Commands;

/// <summary>Gets the table's count and limit and the per-CPU counters, like `conntrack -C` and `conntrack -S`.</summary>
[Cmdlet(VerbsCommon.Get, "CtStatistic")]
[OutputType(typeof(CtStatistic), typeof(CtCpuStatistic))]
public sealed class GetCtStatisticCommand : CtKernelCmdlet
{
    /// <summary>Writes one CtCpuStatistic per CPU instead of the summary.</summary>
    [Parameter]
    public SwitchParameter PerCpu { get; set; }

    protected override void ProcessRecord()
    {
        using var client = OpenKernel();
        CtStatistic stats;
        try
        {
            stats = client.GetStatistics();
        }
        catch (Exception ex)
        {
            Fail(ex, NetworkNamespace ?? "kernel");
            return;
        }
        if (PerCpu) WriteObject(stats.Cpus, enumerateCollection: true);
        else WriteObject(stats);
    }
}
