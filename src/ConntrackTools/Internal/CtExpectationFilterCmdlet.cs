using System.Management.Automation;
using ConntrackTools.Kernel.Conntrack;

namespace ConntrackTools.Commands;

/// <summary>The expectation filters shared by Get-, Remove- and Watch-CtExpectation (the "Filter" parameter set).</summary>
public abstract class CtExpectationFilterCmdlet : CtKernelCmdlet
{
    protected const string FilterSet = "Filter";

    #region Parameters

    [Parameter(ParameterSetName = FilterSet)]
    public CtFamily Family { get; set; }

    [Parameter(ParameterSetName = FilterSet)]
    [Alias("Proto")]
    public CtProtocol[]? Protocol { get; set; }

    [Parameter(ParameterSetName = FilterSet, Position = 0)]
    [SupportsWildcards]
    [ArgumentCompleter(typeof(HelperNameCompleter))]
    public string[]? Helper { get; set; }

    /// <summary>The expected connection's source address or network.</summary>
    [Parameter(ParameterSetName = FilterSet)]
    [Alias("Src")]
    public string[]? Source { get; set; }

    [Parameter(ParameterSetName = FilterSet)]
    [Alias("Dst")]
    public string[]? Destination { get; set; }

    [Parameter(ParameterSetName = FilterSet)]
    [Alias("Dport")]
    public ushort[]? DestinationPort { get; set; }

    /// <summary>The master connection's original source address or network.</summary>
    [Parameter(ParameterSetName = FilterSet)]
    public string[]? MasterSource { get; set; }

    [Parameter(ParameterSetName = FilterSet)]
    public string[]? MasterDestination { get; set; }

    [Parameter(ParameterSetName = FilterSet)]
    public ushort[]? MasterDestinationPort { get; set; }

    [Parameter(ParameterSetName = FilterSet)]
    public ushort[]? Zone { get; set; }

    [Parameter(ParameterSetName = FilterSet)]
    public uint[]? Id { get; set; }

    #endregion

    /// <summary>True when any filter parameter was given.</summary>
    protected bool HasFilter => MyInvocation.BoundParameters.Keys.Any(k => FilterParameters.Contains(k));

    private static readonly HashSet<string> FilterParameters = new(StringComparer.OrdinalIgnoreCase)
    {
        nameof(Family), nameof(Protocol), nameof(Helper), nameof(Source), nameof(Destination), nameof(DestinationPort),
        nameof(MasterSource), nameof(MasterDestination), nameof(MasterDestinationPort), nameof(Zone), nameof(Id),
    };

    /// <summary>The filter the parameters describe; a bad value stops the command with InvalidFilter.</summary>
    protected CtExpectationFilter GetFilter()
    {
        try
        {
            return new CtExpectationFilter
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
            throw; // not reached
        }
    }
}
