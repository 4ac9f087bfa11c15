using System.Management.Automation;
using ConntrackTools.Kernel.Conntrack;

namespace ConntrackTools.Commands;

/// <summary>Gets the expectations helpers have created, like `conntrack -L expect`.</summary>
[Cmdlet(VerbsCommon.Get, "CtExpectation")]
[OutputType(typeof(CtExpectation))]
public sealed class GetCtExpectationCommand : CtKernelCmdlet
{
    #region Parameters

    [Parameter]
    public CtFamily Family { get; set; }

    [Parameter]
    [Alias("Proto")]
    public CtProtocol[]? Protocol { get; set; }

    [Parameter(Position = 0)]
    [SupportsWildcards]
    [ArgumentCompleter(typeof(HelperNameCompleter))]
    public string[]? Helper { get; set; }

    /// <summary>The expected connection's source address or network.</summary>
    [Parameter]
    [Alias("Src")]
    public string[]? Source { get; set; }

    [Parameter]
    [Alias("Dst")]
    public string[]? Destination { get; set; }

    [Parameter]
    [Alias("Dport")]
    public ushort[]? DestinationPort { get; set; }

    /// <summary>The master connection's original source address or network.</summary>
    [Parameter]
    public string[]? MasterSource { get; set; }

    [Parameter]
    public string[]? MasterDestination { get; set; }

    [Parameter]
    public ushort[]? MasterDestinationPort { get; set; }

    [Parameter]
    public ushort[]? Zone { get; set; }

    [Parameter]
    public uint[]? Id { get; set; }

    #endregion

    protected override void ProcessRecord()
    {
        using var client = OpenKernel();
        CtExpectationFilter filter;
        try
        {
            filter = new CtExpectationFilter
            {
                Family = MyInvocation.BoundParameters.ContainsKey(nameof(Family)) ? Family : null,
                Protocol = Protocol,
                Helper = Helper,
                Source = Parse.Networks(Source, nameof(Source)),
                Destination = Parse.Networks(Destination, nameof(Destination)),
                DestinationPort = DestinationPort,
                MasterSource = Parse.Networks(MasterSource, nameof(MasterSource)),
                MasterDestination = Parse.Networks(MasterDestination, nameof(MasterDestination)),
                MasterDestinationPort = MasterDestinationPort,
                Zone = Zone,
                Id = Id,
            };
        }
        catch (ArgumentException ex)
        {
            FailArgument("InvalidFilter", ex.Message, null);
            return;
        }
        try
        {
            client.DumpExpectations(filter, WriteObject, Cancellation);
        }
        catch (Exception ex) when (ex is not PipelineStoppedException)
        {
            Fail(ex, NetworkNamespace ?? "kernel");
        }
    }
}
