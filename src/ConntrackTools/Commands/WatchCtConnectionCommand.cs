using System.Management.Automation;
using ConntrackTools.Kernel.Conntrack;

namespace ConntrackTools.Commands;

/// <summary>
/// Writes connection events as the kernel reports them, like `conntrack -E`, with the filters of
/// Get-CtConnection. Runs until -Count events, -Timeout seconds, or Ctrl+C.
/// </summary>
[Cmdlet(VerbsCommon.Watch, "CtConnection", DefaultParameterSetName = FilterSet)]
[OutputType(typeof(CtEvent), typeof(CtEventLoss))]
public sealed class WatchCtConnectionCommand : CtConnectionFilterCmdlet
{
    [Parameter]
    public CtEventType[] EventType { get; set; } = [CtEventType.New, CtEventType.Update, CtEventType.Destroy];

    /// <summary>Stop after this many seconds.</summary>
    [Parameter]
    [ValidateRange(0.0, double.MaxValue)]
    public double Timeout { get; set; }

    /// <summary>Stop after this many events.</summary>
    [Parameter]
    [ValidateRange(1, int.MaxValue)]
    public int Count { get; set; }

    /// <summary>The socket's receive buffer in bytes; it absorbs bursts (default 16 MiB).</summary>
    [Parameter]
    [ValidateRange(4096, int.MaxValue)]
    public int ReceiveBufferSize { get; set; } = 16 << 20;

    /// <summary>Also write a CtEventLoss object where the kernel dropped events.</summary>
    [Parameter]
    public SwitchParameter IncludeLoss { get; set; }

    /// <summary>Watch an engine's events (a live engine, or one still reading its files) instead of the kernel's.</summary>
    [Parameter]
    [ArgumentCompleter(typeof(EngineNameCompleter))]
    [ValidateNotNullOrEmpty]
    public string? Engine { get; set; }

    protected override void ProcessRecord()
    {
        ConntrackTools.Engine.ICtEventSource listener;
        if (Engine is not null)
        {
            var host = ResolveEngine(Engine);
            var engineFilter = GetFilter(null);
            listener = new ConntrackTools.Engine.EngineEventSource(host, EventType, engineFilter.IsEmpty ? null : engineFilter);
            Watch(listener);
            return;
        }
        var labels = ConnLabelMap.Load();
        var filter = GetFilter(labels);
        try
        {
            var kernel = ConntrackEventListener.Open(NetworkNamespace, EventType, [], ReceiveBufferSize, labels: labels);
            kernel.ConnectionFilter = filter.IsEmpty ? null : filter;
            listener = kernel;
        }
        catch (Exception ex)
        {
            Fail(ex, Where());
            return;
        }
        Watch(listener);
    }

    private void Watch(ConntrackTools.Engine.ICtEventSource listener)
    {
        var bound = MyInvocation.BoundParameters;
        RunWatch(listener, bound.ContainsKey(nameof(Timeout)) ? Timeout : null, bound.ContainsKey(nameof(Count)) ? Count : null, IncludeLoss);
    }
}
