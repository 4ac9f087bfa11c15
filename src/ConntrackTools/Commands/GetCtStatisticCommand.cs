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

    /// <summary>Read an engine's statistics instead of the kernel's.</summary>
    [Parameter]
    [ArgumentCompleter(typeof(EngineNameCompleter))]
    [ValidateNotNullOrEmpty]
    public string? Engine { get; set; }

    protected override void ProcessRecord()
    {
        if (Engine is not null)
        {
            var host = ResolveEngine(Engine);
            CtStatistic engineStats;
            lock (host.Gate) engineStats = host.Engine.GetStatistics();
            if (PerCpu) WriteObject(engineStats.Cpus, enumerateCollection: true);
            else WriteObject(engineStats);
            return;
        }
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
