using System.Management.Automation;
using System.Net;
using ConntrackTools.Kernel.Conntrack;
using ConntrackTools.Kernel.Netlink;

namespace ConntrackTools.Commands;

/// <summary>
/// Creates an expectation, like `conntrack -I expect`: a connection the kernel will accept as
/// RELATED to a master. The master is piped in (a connection from Get-CtConnection) or named by
/// its original tuple. Fields of the expected tuple that are not given are wildcards.
/// </summary>
[Cmdlet(VerbsCommon.New, "CtExpectation", SupportsShouldProcess = true, DefaultParameterSetName = MasterFieldsSet)]
[OutputType(typeof(CtExpectation))]
public sealed class NewCtExpectationCommand : CtKernelCmdlet
{
    private const string MasterObjectSet = "MasterObject";
    private const string MasterFieldsSet = "MasterFields";

    #region Parameters

    /// <summary>The master connection.</summary>
    [Parameter(Mandatory = true, ValueFromPipeline = true, ParameterSetName = MasterObjectSet)]
    public CtConnection? Master { get; set; }

    [Parameter(Mandatory = true, ParameterSetName = MasterFieldsSet)]
    public IPAddress? MasterSource { get; set; }

    [Parameter(Mandatory = true, ParameterSetName = MasterFieldsSet)]
    public IPAddress? MasterDestination { get; set; }

    [Parameter(ParameterSetName = MasterFieldsSet)]
    public ushort? MasterSourcePort { get; set; }

    [Parameter(ParameterSetName = MasterFieldsSet)]
    public ushort? MasterDestinationPort { get; set; }

    /// <summary>The master's protocol; the expected connection's too, unless -ExpectedProtocol says otherwise.</summary>
    [Parameter(Mandatory = true, ParameterSetName = MasterFieldsSet)]
    [Alias("Proto")]
    public CtProtocol Protocol { get; set; }

    /// <summary>The expected connection's protocol, when it differs from the master's (an RTP/UDP flow of a SIP/TCP call).</summary>
    [Parameter]
    public CtProtocol ExpectedProtocol { get; set; }

    /// <summary>The expected connection's source; omitted, any source.</summary>
    [Parameter]
    [Alias("Src")]
    public IPAddress? Source { get; set; }

    [Parameter(Mandatory = true)]
    [Alias("Dst")]
    public IPAddress? Destination { get; set; }

    /// <summary>The expected connection's source port; omitted, any source port.</summary>
    [Parameter]
    [Alias("Sport")]
    public ushort? SourcePort { get; set; }

    [Parameter]
    [Alias("Dport")]
    public ushort? DestinationPort { get; set; }

    [Parameter]
    public IPAddress? MaskSource { get; set; }

    [Parameter]
    public IPAddress? MaskDestination { get; set; }

    [Parameter]
    public ushort? MaskSourcePort { get; set; }

    [Parameter]
    public ushort? MaskDestinationPort { get; set; }

    /// <summary>Seconds until the expectation expires unused (required, as conntrack's --timeout).</summary>
    [Parameter(Mandatory = true)]
    public uint Timeout { get; set; }

    [Parameter]
    [ArgumentCompleter(typeof(HelperNameCompleter))]
    public string? Helper { get; set; }

    [Parameter]
    public CtExpectationFlags Flags { get; set; }

    [Parameter]
    public ushort Zone { get; set; }

    [Parameter]
    public uint Class { get; set; }

    #endregion

    protected override void ProcessRecord()
    {
        var bound = MyInvocation.BoundParameters;
        var master = Master is { } m
            ? new CtTuple { Source = m.Original.Source, Destination = m.Original.Destination, Protocol = m.Protocol, SourcePort = m.Original.SourcePort, DestinationPort = m.Original.DestinationPort, IcmpType = m.Original.IcmpType, IcmpCode = m.Original.IcmpCode, IcmpId = m.Original.IcmpId }
            : new CtTuple { Source = MasterSource, Destination = MasterDestination, Protocol = Protocol, SourcePort = MasterSourcePort, DestinationPort = MasterDestinationPort };
        var exp = new CtExpectation
        {
            Master = master,
            Tuple = new CtTuple
            {
                Protocol = bound.ContainsKey(nameof(ExpectedProtocol)) ? ExpectedProtocol : master.Protocol,
                Source = Source,
                Destination = Destination,
                SourcePort = SourcePort,
                DestinationPort = DestinationPort,
            },
            Mask = new CtTuple { Source = MaskSource, Destination = MaskDestination, SourcePort = MaskSourcePort, DestinationPort = MaskDestinationPort },
            Timeout = Timeout,
            Helper = Helper,
            Flags = Flags,
            Zone = bound.ContainsKey(nameof(Zone)) ? Zone : Master?.Zone ?? 0,
            Class = bound.ContainsKey(nameof(Class)) ? Class : null,
        };
        try
        {
            ExpectationRequest.Complete(exp);
        }
        catch (ArgumentException ex)
        {
            FailArgument("InvalidExpectation", ex.Message, null);
            return;
        }
        var where = Where(Master?.Backend);
        if (!ShouldProcess($"{exp.Tuple} (master {exp.Master}) in {where}", "Create expectation")) return;
        try
        {
            var client = ClientFor(Master?.Backend);
            client.CreateExpectation(exp);
            CtExpectation? created = null;
            var filter = new CtExpectationFilter { Zone = [exp.Zone] };
            client.DumpExpectations(filter, e =>
            {
                if (SameTuple(e.Tuple, exp.Tuple) && SameTuple(e.Master, exp.Master)) created = e;
            }, Cancellation);
            WriteObject(created ?? exp);
        }
        catch (Exception ex) when (ex is NetlinkException or ArgumentException or ErrorRecordException)
        {
            if (ex is NetlinkException { ErrnoName: "ENOENT" } nl)
            {
                WriteError(new ErrorRecord(new ItemNotFoundException($"The master connection {exp.Master} does not exist in {where}{(exp.Zone != 0 ? $" zone {exp.Zone}" : "")}: {nl.Message}", nl),
                    "MasterNotFound", ErrorCategory.ObjectNotFound, exp.Master));
                return;
            }
            if (ex is NetlinkException { ErrnoName: "EOPNOTSUPP" } unsupported)
            {
                WriteError(new ErrorRecord(new InvalidOperationException($"The kernel refused the expectation ({unsupported.Message}): the master {exp.Master} has no helper attached, or there is no helper '{exp.Helper}'. Attach one with an nft 'ct helper set' rule, or create the master with New-CtConnection -Helper.", unsupported),
                    "MasterHasNoHelper", ErrorCategory.InvalidOperation, exp.Master));
                return;
            }
            WriteNotFoundAware(ex, exp, "expectation");
        }
        catch (Exception ex) when (ex is not PipelineStoppedException)
        {
            Fail(ex, where);
        }
    }

    private static bool SameTuple(CtTuple a, CtTuple b) =>
        Equals(a.Source, b.Source) && Equals(a.Destination, b.Destination) && a.Protocol == b.Protocol &&
        (a.SourcePort ?? 0) == (b.SourcePort ?? 0) && (a.DestinationPort ?? 0) == (b.DestinationPort ?? 0);
}
