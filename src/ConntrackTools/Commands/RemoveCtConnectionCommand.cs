using System.Management.Automation;
using ConntrackTools.Kernel.Conntrack;
using ConntrackTools.Kernel.Netlink;

namespace ConntrackTools.Commands;

/// <summary>
/// Deletes connections, like `conntrack -D`: those piped in, or every one that matches the
/// filters of Get-CtConnection. Each is deleted by tuple, zone and id, so an entry that was
/// replaced since it was read is left alone.
/// </summary>
[Cmdlet(VerbsCommon.Remove, "CtConnection", SupportsShouldProcess = true, DefaultParameterSetName = FilterSet)]
[OutputType(typeof(CtConnection))]
public sealed class RemoveCtConnectionCommand : CtConnectionFilterCmdlet
{
    private const string InputObjectSet = "InputObject";

    [Parameter(Mandatory = true, ValueFromPipeline = true, ParameterSetName = InputObjectSet)]
    public CtConnection[]? InputObject { get; set; }

    /// <summary>Write each deleted connection.</summary>
    [Parameter]
    public SwitchParameter PassThru { get; set; }

    protected override void ProcessRecord()
    {
        if (ParameterSetName == InputObjectSet)
        {
            foreach (var ct in InputObject ?? []) Delete(ct, reportMissing: true);
            return;
        }
        if (!HasFilter)
        {
            FailArgument("FilterRequired",
                "Remove-CtConnection without a filter would delete every connection (conntrack -D does that). Give a filter, pipe the connections to delete, or use Clear-CtConnection to flush the table.", null);
            return;
        }
        var client = ClientFor(null);
        var filter = GetFilter(client.LabelMap);
        var matches = new List<CtConnection>();
        try
        {
            client.DumpConnections(filter, matches.Add, Cancellation);
        }
        catch (Exception ex) when (ex is not PipelineStoppedException)
        {
            Fail(ex, Where());
        }
        if (matches.Count == 0)
        {
            WriteError(new ErrorRecord(new ItemNotFoundException($"No connection in {Where()} matches the filter; nothing was deleted."),
                "NoMatch", ErrorCategory.ObjectNotFound, filter));
            return;
        }
        var deleted = 0;
        foreach (var ct in matches)
            if (Delete(ct, reportMissing: false)) deleted++;
        WriteVerbose($"{deleted} of {matches.Count} matching connections deleted in {Where()}.");
    }

    private bool Delete(CtConnection ct, bool reportMissing)
    {
        if (!ShouldProcess($"{ct} in {Where(ct.Backend)}", "Remove connection")) return false;
        try
        {
            // An entry read from this very back end is deleted only if it still has its id; one read
            // elsewhere (another namespace, an engine) is named by its tuple alone.
            var sameBackend = NetworkNamespace is null || ct.Backend == Where();
            ClientFor(sameBackend ? ct.Backend : null).DeleteConnection(ct, matchId: sameBackend && !ct.Backend.StartsWith("engine:", StringComparison.Ordinal));
            if (PassThru) WriteObject(ct);
            return true;
        }
        catch (NetlinkException ex) when (ex.ErrnoName == "ENOENT" && !reportMissing)
        {
            WriteVerbose($"{ct} was gone before it could be deleted.");
        }
        catch (Exception ex) when (ex is NetlinkException or ArgumentException or ErrorRecordException)
        {
            WriteNotFoundAware(ex, ct, "connection");
        }
        catch (Exception ex) when (ex is not PipelineStoppedException)
        {
            Fail(ex, Where(ct.Backend));
        }
        return false;
    }
}
