using System.Management.Automation;
using ConntrackTools.Kernel.Netlink;

namespace ConntrackTools.Commands;

/// <summary>
/// What every ConntrackTools cmdlet shares: cancellation on Ctrl+C, and turning exceptions into
/// ErrorRecords with a stable ErrorId, the right category, and a message that says what to do.
/// </summary>
public abstract class CtCmdlet : PSCmdlet, IDisposable
{
    private readonly CancellationTokenSource _cancel = new();

    /// <summary>Cancelled by StopProcessing (Ctrl+C, Stop-Job, a downstream Select -First).</summary>
    protected CancellationToken Cancellation => _cancel.Token;

    protected override void StopProcessing() => _cancel.Cancel();

    /// <summary>Writes an error for one item and lets the pipeline go on.</summary>
    protected void WriteItemError(Exception ex, object? target) => WriteError(ErrorMapper.ToErrorRecord(ex, target));

    /// <summary>Stops the command with an error record made from <paramref name="ex"/>.</summary>
    protected void Fail(Exception ex, object? target)
    {
        if (ex is OperationCanceledException) throw new PipelineStoppedException();
        ThrowTerminatingError(ErrorMapper.ToErrorRecord(ex, target));
    }

    /// <summary>Stops the command with an argument error.</summary>
    protected void FailArgument(string errorId, string message, object? target) =>
        ThrowTerminatingError(new ErrorRecord(new ArgumentException(message), errorId, ErrorCategory.InvalidArgument, target));

    /// <summary>Releases what a command holds (sockets); called once when PowerShell disposes it.</summary>
    protected virtual void DisposeResources()
    {
    }

    /// <summary>
    /// Writes an error for one item, where a NotFound from the kernel says which item is gone:
    /// "the connection … no longer exists" reads better than a bare ENOENT.
    /// </summary>
    protected void WriteNotFoundAware(Exception ex, object target, string what)
    {
        if (ex is NetlinkException { ErrnoName: "ENOENT" } nl)
        {
            WriteError(new ErrorRecord(new ItemNotFoundException($"The {what} {target} does not exist (it expired, was deleted, or was replaced by a new entry with the same tuple): {nl.Message}", nl),
                "NotFound", ErrorCategory.ObjectNotFound, target));
            return;
        }
        if (ex is NetlinkException { ErrnoName: "EEXIST" } exists)
        {
            WriteError(new ErrorRecord(new InvalidOperationException($"The {what} {target} already exists{(what == "connection" ? "; change it with Set-CtConnection, or remove it first" : "; remove it first")}: {exists.Message}", exists),
                "AlreadyExists", ErrorCategory.ResourceExists, target));
            return;
        }
        WriteItemError(ex, target);
    }

    public void Dispose()
    {
        DisposeResources();
        _cancel.Dispose();
        GC.SuppressFinalize(this);
    }
}

/// <summary>Maps Core's exceptions to ErrorRecords.</summary>
public static class ErrorMapper
{
    public static ErrorRecord ToErrorRecord(Exception ex, object? target)
    {
        switch (ex)
        {
            case ErrorRecordException { ErrorRecord: { } record }:
                return record;
            case NetworkNamespaceNotFoundException nsEx:
                return new ErrorRecord(ex, "NetworkNamespaceNotFound", ErrorCategory.ObjectNotFound, nsEx.Spec);
            case NetlinkException nl:
                return FromNetlink(nl, target);
            case Kernel.Nftables.NftUnavailableException:
                return new ErrorRecord(ex, "NftablesUnavailable", ErrorCategory.NotInstalled, target);
            case Kernel.Nftables.NftException nft:
                return FromNft(nft, target);
            case Kernel.Nftables.RulesetConflictException:
                return new ErrorRecord(ex, "RulesetConflict", ErrorCategory.ResourceExists, target);
            case ArgumentException:
                return new ErrorRecord(ex, "InvalidArgument", ErrorCategory.InvalidArgument, target);
            case InvalidDataException:
                return new ErrorRecord(ex, "MalformedKernelReply", ErrorCategory.InvalidData, target);
            case UnauthorizedAccessException:
                return new ErrorRecord(new UnauthorizedAccessException(ex.Message + " Run as root, or with CAP_NET_ADMIN.", ex), "PermissionDenied", ErrorCategory.PermissionDenied, target);
            default:
                return new ErrorRecord(ex, "UnexpectedError", ErrorCategory.NotSpecified, target);
        }
    }

    private static ErrorRecord FromNft(Kernel.Nftables.NftException nft, object? target)
    {
        var (id, category, advice) = nft.ErrnoName switch
        {
            "EPERM" => ("PermissionDenied", ErrorCategory.PermissionDenied, "Reading or changing the nftables ruleset needs CAP_NET_ADMIN: run as root (for example with sudo)."),
            "ENOENT" => ("NftObjectNotFound", ErrorCategory.ObjectNotFound, "A table, chain, object or helper named in the change does not exist in the kernel: check the names (Get-CtHelper lists the helpers this kernel offers)."),
            "EEXIST" => ("AlreadyExists", ErrorCategory.ResourceExists, "Remove the existing object first, or choose another name."),
            "EBUSY" => ("NftObjectInUse", ErrorCategory.ResourceBusy, "Something still refers to it: remove the rules that use it first."),
            _ => ("NftRejected", ErrorCategory.InvalidArgument, "nft refused the change; nothing was applied (a change is one transaction)."),
        };
        return new ErrorRecord(nft, id, category, target)
        {
            ErrorDetails = new ErrorDetails($"nft: {nft.Message}. {advice}") { RecommendedAction = advice },
        };
    }

    private static ErrorRecord FromNetlink(NetlinkException nl, object? target)
    {
        string id;
        ErrorCategory category;
        var advice = "";
        switch (nl.ErrnoName)
        {
            case "EPERM":
            case "EACCES":
                id = "PermissionDenied";
                category = ErrorCategory.PermissionDenied;
                advice = " Conntrack administration through ctnetlink needs CAP_NET_ADMIN in the network namespace's owning user namespace: run as root (for example with sudo), or grant the process CAP_NET_ADMIN.";
                break;
            case "EPROTONOSUPPORT":
            case "EOPNOTSUPP":
            case "EAFNOSUPPORT":
                id = "CtnetlinkUnavailable";
                category = ErrorCategory.NotInstalled;
                advice = " The kernel does not offer this through ctnetlink: load the nf_conntrack_netlink module (modprobe nf_conntrack_netlink) or use a kernel built with CONFIG_NF_CT_NETLINK.";
                break;
            case "ENOENT":
                id = "NotFound";
                category = ErrorCategory.ObjectNotFound;
                break;
            case "EEXIST":
                id = "AlreadyExists";
                category = ErrorCategory.ResourceExists;
                break;
            case "EINVAL":
                id = "KernelRejectedRequest";
                category = ErrorCategory.InvalidArgument;
                advice = " The kernel rejected the request as invalid; check the values given.";
                break;
            case "ENOBUFS":
            case "ENOMEM":
            case "ENOSPC":
                id = "KernelOutOfResources";
                category = ErrorCategory.LimitsExceeded;
                break;
            case "EBUSY":
                id = "Busy";
                category = ErrorCategory.ResourceBusy;
                break;
            default:
                id = "NetlinkError";
                category = ErrorCategory.NotSpecified;
                break;
        }
        var record = new ErrorRecord(nl, id, category, target);
        if (advice.Length > 0) record.ErrorDetails = new ErrorDetails(nl.Message + "." + advice) { RecommendedAction = advice.Trim() };
        return record;
    }
}

/// <summary>Carries a ready ErrorRecord through Core code that only knows exceptions.</summary>
public sealed class ErrorRecordException(ErrorRecord record) : Exception(record.Exception?.Message)
{
    public ErrorRecord ErrorRecord { get; } = record;
}
