using System.Diagnostics;
using ConntrackTools.Engine;

namespace ConntrackTools.Commands;

/// <summary>
/// Drains an event listener on the pipeline thread until -Count events, -Timeout seconds, or
/// Ctrl+C. Losses become a warning at the point they happened (and objects with -IncludeLoss).
/// </summary>
internal static class WatchLoop
{
    public static void Run(ICtEventSource listener, double? timeoutSeconds, int? count, bool includeLoss,
        Action<object> write, Action<string> warn, Action<string> verbose, CancellationToken cancel)
    {
        var clock = Stopwatch.StartNew();
        var emitted = 0;
        listener.Start();
        verbose($"Listening to {listener.Description}.");
        try
        {
            while (count is null || emitted < count)
            {
                var wait = 250;
                if (timeoutSeconds is { } t)
                {
                    var left = t * 1000 - clock.Elapsed.TotalMilliseconds;
                    if (left <= 0) break;
                    wait = (int)Math.Min(wait, Math.Ceiling(left));
                }
                if (!listener.TryTake(out var item, wait, cancel) || item is null) continue;
                if (item is CtEventLoss loss)
                {
                    warn(Describe(loss, listener.Backend));
                    if (includeLoss) write(loss);
                    continue;
                }
                write(item);
                emitted++;
            }
        }
        catch (OperationCanceledException)
        {
            // Ctrl+C: end quietly with what was written.
        }
        if (listener.CheckLoss() is { } last)
        {
            warn(Describe(last, listener.Backend));
            if (includeLoss) write(last);
        }
        verbose($"Received {listener.Received} events in {clock.Elapsed.TotalSeconds:0.0} s, wrote {emitted}; {listener.Lost} were dropped.");
    }

    private static string Describe(CtEventLoss loss, string backend) =>
        backend.StartsWith("engine:", StringComparison.Ordinal)
            ? $"{loss.Lost} events were dropped ({loss.TotalLost} so far): the watch fell {loss.ReceiveBufferSize} events behind the engine, which does not wait for watchers. Watching goes on; narrow the filters or -EventType, or read the table with Get-CtConnection -Engine."
            : loss.Lost is { } n
                ? $"The kernel dropped {n} events ({loss.TotalLost} so far) because the {loss.ReceiveBufferSize / 1024} KiB receive buffer was full (ENOBUFS). Watching goes on; raise -ReceiveBufferSize, or narrow -EventType, for bursts like this."
                : $"The kernel dropped events because the {loss.ReceiveBufferSize / 1024} KiB receive buffer was full (ENOBUFS); it did not say how many. Watching goes on; raise -ReceiveBufferSize.";
}
