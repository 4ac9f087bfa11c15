using System.Management.Automation;
using ConntrackTools.Kernel.Conntrack;

namespace ConntrackTools.Commands;

/// <summary>
/// Gets tracked connections, like `conntrack -L`, with its filters. The kernel filters what it can
/// (family, mark/mask, zone, status, single addresses, ports and ICMP fields); the rest is
/// filtered as entries stream in, so memory does not grow with the table.
/// </summary>
[Cmdlet(VerbsCommon.Get, "CtConnection", DefaultParameterSetName = FilterSet)]
[OutputType(typeof(CtConnection))]
public sealed class GetCtConnectionCommand : CtConnectionFilterCmdlet
{
    /// <summary>Zero the packet and byte counters of the entries read, in the same step (conntrack -L -z).</summary>
    [Parameter(ParameterSetName = FilterSet)]
    public SwitchParameter ResetCounters { get; set; }

    /// <summary>Read an engine's table (Start-CtEngine) instead of the kernel's.</summary>
    [Parameter]
    [ArgumentCompleter(typeof(EngineNameCompleter))]
    [ValidateNotNullOrEmpty]
    public string? Engine { get; set; }

    protected override void ProcessRecord()
    {
        if (Engine is not null)
        {
            var host = ResolveEngine(Engine);
            if (ResetCounters) FailArgument("EngineCountersReadOnly", "-ResetCounters applies to the kernel; an engine's counters follow its capture.", Engine);
            var engineFilter = GetFilter(null);
            List<CtConnection> table;
            lock (host.Gate) table = host.Engine.Snapshot();
            foreach (var ct in table)
                if (engineFilter.Matches(ct)) WriteObject(ct);
            return;
        }
        using var client = OpenKernel();
        var filter = GetFilter(client.LabelMap);
        try
        {
            var result = ResetCounters
                ? client.DumpConnectionsAndZeroCounters(filter, WriteObject, Cancellation)
                : client.DumpConnections(filter, WriteObject, Cancellation);
            if (result.Interrupted)
                WriteWarning("The connection table changed while it was being read (NLM_F_DUMP_INTR); some entries may be missing or repeated. Run the command again for a consistent view.");
        }
        catch (Exception ex) when (ex is not PipelineStoppedException)
        {
            Fail(ex, NetworkNamespace ?? "kernel");
        }
    }
}
