using System.Management.Automation;
using System.Net;
using ConntrackTools.Kernel.Conntrack;
using ConntrackTools.Kernel.Netlink;

namespace ConntrackTools.Commands;

/// <summary>
/// Creates a connection in the kernel's table, like `conntrack -I`, with the same rules for what is
/// required; or copies connections piped in (from another namespace, or from the engine).
/// Writes the created entry as the kernel holds it.
/// </summary>
[Cmdlet(VerbsCommon.New, "CtConnection", SupportsShouldProcess = true, DefaultParameterSetName = FieldsSet)]
[OutputType(typeof(CtConnection))]
public sealed class NewCtConnectionCommand : CtKernelCmdlet
{
    private const string FieldsSet = "Fields";
    private const string InputObjectSet = "InputObject";

    #region Parameters

    /// <summary>Connections to copy into the table (-NetworkNamespace says which).</summary>
    [Parameter(Mandatory = true, ValueFromPipeline = true, ParameterSetName = InputObjectSet)]
    public CtConnection[]? InputObject { get; set; }

    [Parameter(Mandatory = true, ParameterSetName = FieldsSet, Position = 0)]
    [Alias("Proto")]
    public CtProtocol Protocol { get; set; }

    [Parameter(ParameterSetName = FieldsSet)]
    [Alias("Src", "OriginalSource")]
    public IPAddress? Source { get; set; }

    [Parameter(ParameterSetName = FieldsSet)]
    [Alias("Dst", "OriginalDestination")]
    public IPAddress? Destination { get; set; }

    [Parameter(ParameterSetName = FieldsSet)]
    [Alias("Sport")]
    public ushort? SourcePort { get; set; }

    [Parameter(ParameterSetName = FieldsSet)]
    [Alias("Dport")]
    public ushort? DestinationPort { get; set; }

    [Parameter(ParameterSetName = FieldsSet)]
    public IPAddress? ReplySource { get; set; }

    [Parameter(ParameterSetName = FieldsSet)]
    public IPAddress? ReplyDestination { get; set; }

    [Parameter(ParameterSetName = FieldsSet)]
    public ushort? ReplySourcePort { get; set; }

    [Parameter(ParameterSetName = FieldsSet)]
    public ushort? ReplyDestinationPort { get; set; }

    [Parameter(ParameterSetName = FieldsSet)]
    public byte? IcmpType { get; set; }

    [Parameter(ParameterSetName = FieldsSet)]
    public byte? IcmpCode { get; set; }

    [Parameter(ParameterSetName = FieldsSet)]
    public ushort? IcmpId { get; set; }

    [Parameter(ParameterSetName = FieldsSet)]
    public CtState State { get; set; }

    [Parameter(ParameterSetName = FieldsSet)]
    public CtStatus[]? Status { get; set; }

    /// <summary>Seconds until the entry expires (required, as conntrack -I's --timeout).</summary>
    [Parameter(ParameterSetName = FieldsSet)]
    [Parameter(ParameterSetName = InputObjectSet)]
    [ValidateRange(0, int.MaxValue)]
    public uint Timeout { get; set; }

    [Parameter(ParameterSetName = FieldsSet)]
    [UInt32Bits]
    public uint Mark { get; set; }

    [Parameter(ParameterSetName = FieldsSet)]
    public ushort Zone { get; set; }

    /// <summary>Label numbers or connlabel.conf names.</summary>
    [Parameter(ParameterSetName = FieldsSet)]
    public string[]? Label { get; set; }

    /// <summary>A helper to attach (ftp, sip, ...), as a `ct helper` rule would.</summary>
    [Parameter(ParameterSetName = FieldsSet)]
    [ArgumentCompleter(typeof(HelperNameCompleter))]
    public string? Helper { get; set; }

    #endregion

    protected override void ProcessRecord()
    {
        if (ParameterSetName == InputObjectSet)
        {
            foreach (var source in InputObject ?? [])
            {
                var copy = Copy(source);
                try
                {
                    ConnectionRequest.Complete(copy);
                }
                catch (ArgumentException ex)
                {
                    WriteError(new ErrorRecord(ex, "InvalidConnection", ErrorCategory.InvalidArgument, source));
                    continue;
                }
                Create(copy, source);
            }
            return;
        }
        CtConnection ct;
        try
        {
            ct = FromParameters();
            ConnectionRequest.Complete(ct);
        }
        catch (ArgumentException ex)
        {
            FailArgument("InvalidConnection", ex.Message, null);
            return;
        }
        Create(ct, ct);
    }

    private CtConnection FromParameters()
    {
        var bound = MyInvocation.BoundParameters;
        var status = CtStatus.None;
        foreach (var s in Status ?? []) status |= s;
        var ct = new CtConnection
        {
            Protocol = Protocol,
            Original = new CtTuple { Source = Source, Destination = Destination, SourcePort = SourcePort, DestinationPort = DestinationPort, IcmpType = IcmpType, IcmpCode = IcmpCode, IcmpId = IcmpId },
            Reply = new CtTuple { Source = ReplySource, Destination = ReplyDestination, SourcePort = ReplySourcePort, DestinationPort = ReplyDestinationPort },
            State = State,
            Status = status,
            Timeout = bound.ContainsKey(nameof(Timeout)) ? Timeout : null,
            Mark = Mark,
            Zone = Zone,
            Helper = Helper,
        };
        if (ct.Reply.Source is not null && Protocol is CtProtocol.Icmp or CtProtocol.IcmpV6 && ct.Original.Source is null)
        {
            // ICMP fields describe the direction that was given.
            (ct.Reply.IcmpType, ct.Reply.IcmpCode, ct.Reply.IcmpId) = (IcmpType, IcmpCode, IcmpId);
            (ct.Original.IcmpType, ct.Original.IcmpCode, ct.Original.IcmpId) = ((byte?)null, (byte?)null, (ushort?)null);
        }
        if (Label is not null) ct.Labels = Parse.Labels(Label, ClientFor(null).LabelMap);
        return ct;
    }

    /// <summary>What of a piped connection makes a new one: tuples, state, the status bits a user may set, mark, zone, labels, helper.</summary>
    private CtConnection Copy(CtConnection source) => new()
    {
        Family = source.Family,
        Protocol = source.Protocol,
        Original = source.Original,
        Reply = source.Reply,
        State = source.State,
        Status = source.Status & (CtStatus.SeenReply | CtStatus.Assured | CtStatus.FixedTimeout),
        Timeout = MyInvocation.BoundParameters.ContainsKey(nameof(Timeout)) ? Timeout : source.Timeout is > 0 ? source.Timeout : 120,
        Mark = source.Mark,
        Zone = source.Zone,
        Labels = source.Labels,
        Helper = source.Helper,
        SctpVtagOriginal = source.SctpVtagOriginal,
        SctpVtagReply = source.SctpVtagReply,
    };

    private void Create(CtConnection ct, object target)
    {
        var where = Where();
        if (!ShouldProcess($"{ct} in {where}", "Create connection")) return;
        try
        {
            var client = ClientFor(null);
            client.CreateConnection(ct);
            var created = client.GetConnection(ct) ?? ct;
            if (ct.Labels is { Length: > 0 } && created.Labels is not { Length: > 0 })
                WriteWarning($"The connection was created without its labels: the kernel attaches labels only in a namespace where a rule uses them (for example nft 'ct label set ...'), and {where} has none.");
            WriteObject(created);
        }
        catch (NetlinkException ex) when (ex.ErrnoName == "EOPNOTSUPP" && !string.IsNullOrEmpty(ct.Helper))
        {
            WriteError(new ErrorRecord(new InvalidOperationException($"The kernel has no helper named '{ct.Helper}' for {ct.Protocol} in {where} ({ex.Message}). Helpers are ftp, sip, tftp, irc, h323, pptp, amanda, sane, snmp and netbios-ns, where the kernel has them built in or loaded.", ex),
                "HelperNotFound", ErrorCategory.ObjectNotFound, ct.Helper));
        }
        catch (Exception ex) when (ex is NetlinkException or ArgumentException)
        {
            WriteNotFoundAware(ex, target, "connection");
        }
        catch (Exception ex) when (ex is not PipelineStoppedException)
        {
            Fail(ex, where);
        }
    }
}
