using System.Management.Automation;
using ConntrackTools.Kernel.Conntrack;

namespace ConntrackTools.Commands;

/// <summary>
/// Writes expectation events as the kernel reports them, like `conntrack -E expect`: NEW when a
/// helper expects a connection, DESTROY when it arrives, times out or is deleted.
/// </summary>
[Cmdlet(VerbsCommon.Watch, "CtExpectation", DefaultParameterSetName = FilterSet)]
[OutputType(typeof(CtExpectationEvent), typeof(CtEventLoss))]
public sealed class WatchCtExpectationCommand : CtExpectationFilterCmdlet
{
    [Parameter]
    [ValidateSet("New", "Destroy")]
    public CtEventType[] EventType { get; set; } = [CtEventType.New, CtEventType.Destroy];

    [Parameter]
    [ValidateRange(0.0, double.MaxValue)]
    public double Timeout { get; set; }

    [Parameter]
    [ValidateRange(1, int.MaxValue)]
    public int Count { get; set; }

    [Parameter]
    [ValidateRange(4096, int.MaxValue)]
    public int ReceiveBufferSize { get; set; } = 4 << 20;

    [Parameter]
    public SwitchParameter IncludeLoss { get; set; }

    /// <summary>Watch an engine's events (a live engine, or one still reading its files) instead of the kernel's.</summary>
    [Parameter]
    [ArgumentCompleter(typeof(EngineNameCompleter))]
    [ValidateNotNullOrEmpty]
    public string? Engine { get; set; }

    protected override void ProcessRecord()
    {
        var filter = GetFilter();
        var bound = MyInvocation.BoundParameters;
        if (Engine is not null)
        {
            var host = ResolveEngine(Engine);
            RunWatch(ConntrackTools.Engine.EngineEventSource.ForExpectations(host, EventType, filter),
                bound.ContainsKey(nameof(Timeout)) ? Timeout : null, bound.ContainsKey(nameof(Count)) ? Count : null, IncludeLoss);
            return;
        }
        ConntrackEventListener listener;
        try
        {
            listener = ConntrackEventListener.Open(NetworkNamespace, [], EventType, ReceiveBufferSize);
        }
        catch (Exception ex)
        {
            Fail(ex, Where());
            return;
        }
        listener.ExpectationFilter = filter;
        RunWatch(listener, bound.ContainsKey(nameof(Timeout)) ? Timeout : null, bound.ContainsKey(nameof(Count)) ? Count : null, IncludeLoss);
    }
}
