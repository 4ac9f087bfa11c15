using System.Globalization;
using System.Management.Automation;
using ConntrackTools.Engine.Helpers;
using ConntrackTools.Kernel;
using ConntrackTools.Kernel.Nftables;

namespace ConntrackTools.Commands;

/// <summary>
/// Gets connection tracking helpers: those the kernel offers (the nf_conntrack_* helpers built in
/// or loaded, with their module options), or those an engine runs, with the options it was given.
/// Each comes with its expectation policies and, for every kind of expectation it creates, which
/// fields the master fixes and which the payload chooses (seed 001's degree of freedom).
/// </summary>
[Cmdlet(VerbsCommon.Get, "CtHelper", DefaultParameterSetName = KernelSet)]
[OutputType(typeof(CtHelper), ParameterSetName = [KernelSet, EngineSet])]
[OutputType(typeof(CtHelperObject), ParameterSetName = [RulesetSet])]
public sealed class GetCtHelperCommand : CtRulesetCmdlet
{
    private const string KernelSet = "Kernel";
    private const string EngineSet = "Engine";
    private const string RulesetSet = "Ruleset";

    /// <summary>Helper names; wildcards allowed.</summary>
    [Parameter(Position = 0)]
    [ArgumentCompleter(typeof(HelperNameCompleter))]
    [SupportsWildcards]
    [ValidateNotNullOrEmpty]
    public string[]? Name { get; set; }

    /// <summary>List an engine's helpers, with the options it was started with.</summary>
    [Parameter(Mandatory = true, ParameterSetName = EngineSet)]
    [ArgumentCompleter(typeof(EngineNameCompleter))]
    [ValidateNotNullOrEmpty]
    public string? Engine { get; set; }

    /// <summary>List the nftables ct helper objects (with the rules that assign them and their connection counts) instead of the helpers.</summary>
    [Parameter(Mandatory = true, ParameterSetName = RulesetSet)]
    public SwitchParameter Ruleset { get; set; }

    /// <summary>Only objects of this table.</summary>
    [Parameter(ParameterSetName = RulesetSet)]
    [ValidateNotNullOrEmpty]
    public string? Table { get; set; }

    protected override void ProcessRecord()
    {
        if (Ruleset)
        {
            WriteObjects();
            return;
        }
        var patterns = (Name ?? ["*"]).Select(n => new WildcardPattern(n, WildcardOptions.IgnoreCase)).ToList();
        var matched = new bool[patterns.Count];
        List<CtHelper> helpers;
        try
        {
            helpers = Helpers().ToList();
        }
        catch (Exception ex) when (ex is ConntrackTools.Kernel.Netlink.NetworkNamespaceNotFoundException or ConntrackTools.Kernel.Netlink.NetlinkException or NftException or IOException or UnauthorizedAccessException)
        {
            Fail(ex, Where());
            return;
        }
        foreach (var helper in helpers)
        {
            var hit = false;
            for (var i = 0; i < patterns.Count; i++)
                if (patterns[i].IsMatch(helper.Name)) { matched[i] = true; hit = true; }
            if (hit) WriteObject(helper);
        }
        for (var i = 0; i < patterns.Count; i++)
            if (!matched[i] && !WildcardPattern.ContainsWildcardCharacters(Name![i]))
                WriteError(new ErrorRecord(new ItemNotFoundException($"There is no helper named '{Name[i]}' {(Engine is null ? "in this kernel" : "in the engine")}. Helpers: {string.Join(", ", Engine is null ? helpers.Select(h => h.Name).Distinct() : HelperCatalog.Names)}."),
                    "HelperNotFound", ErrorCategory.ObjectNotFound, Name[i]));
    }

    private void WriteObjects()
    {
        var objects = HelperRuleset.Objects(ReadRuleset(), Backend()).Where(o => Table is null || o.Table == Table).ToList();
        var counts = Counts();
        var patterns = (Name ?? ["*"]).Select(n => new WildcardPattern(n, WildcardOptions.IgnoreCase)).ToList();
        foreach (var o in objects.Where(o => patterns.Any(p => p.IsMatch(o.Name))))
        {
            o.Connections = counts?.GetValueOrDefault(o.Type);
            WriteObject(o);
        }
        foreach (var n in Name ?? [])
            if (!WildcardPattern.ContainsWildcardCharacters(n) && !objects.Any(o => string.Equals(o.Name, n, StringComparison.OrdinalIgnoreCase)))
                WriteError(new ErrorRecord(new ItemNotFoundException($"There is no ct helper object named '{n}'{(Table is null ? "" : $" in table '{Table}'")} in {Where()}."),
                    "HelperObjectNotFound", ErrorCategory.ObjectNotFound, n));
    }

    /// <summary>Connections per kernel helper; null with a warning when the table cannot be read.</summary>
    private Dictionary<string, int>? Counts()
    {
        try
        {
            return HelperRuleset.ConnectionsByHelper(NetworkNamespace, Cancellation);
        }
        catch (Exception ex) when (ex is ConntrackTools.Kernel.Netlink.NetlinkException or UnauthorizedAccessException)
        {
            WriteWarning($"Connections per helper are not counted: the conntrack table could not be read ({ex.Message}).");
            return null;
        }
    }

    private IEnumerable<CtHelper> Helpers()
    {
        if (Engine is not null)
        {
            var host = ResolveEngine(Engine);
            lock (host.Gate)
            {
                var described = HelperCatalog.Describe(host.Engine.Settings, host.Engine.Backend).ToList();
                var used = host.Engine.Snapshot().Where(c => !string.IsNullOrEmpty(c.Helper)).GroupBy(c => c.Helper!).ToDictionary(g => g.Key, g => g.Count());
                foreach (var h in described) h.Connections = used.GetValueOrDefault(h.Name);
                return described;
            }
        }
        var backend = NetworkNamespace is null ? "kernel" : $"kernel:{NetworkNamespace}";
        // What the kernel offers: asked of the kernel itself (a dry-run ct helper object of each
        // type); without CAP_NET_ADMIN, the modules present under /sys/module instead.
        var offered = HelperRuleset.OfferedHelpers(NetworkNamespace);
        if (offered is null) WriteVerbose("The kernel could not be asked which helpers it offers (needs CAP_NET_ADMIN); listing the helper modules under /sys/module.");
        var present = HelperCatalog.Describe(null, backend)
            .Where(h => !h.Userspace && (offered?.Contains((h.Name, h.Protocol)) ?? Directory.Exists(Path.Combine(HelperModules.Root, h.Module)))).ToList();
        // The module parameters become engine settings, so that policies drawn from them (irc's
        // max_dcc_channels, ...) show as the kernel applies them. An option that cannot be read is
        // left out rather than shown at its default: an audit must not be told "off" when it may be on.
        var settings = new ConntrackTools.Engine.EngineSettings();
        var unread = new HashSet<string>(StringComparer.Ordinal);
        var parameters = HelperModules.Read(present);
        foreach (var p in parameters)
        {
            if (p.Value is { } v) settings.Set(p.Key, v);
            else unread.Add(p.Key);
        }
        var denied = parameters.Where(p => p.Refused).Select(p => p.Key).ToList();
        if (denied.Count > 0)
            WriteWarning($"The module options {string.Join(", ", denied)} could not be read (/sys/module/*/parameters is readable by root only) and are left out. Run as root to see them.");
        var list = HelperCatalog.Describe(settings, backend).Where(h => present.Any(p => p.Name == h.Name && p.Protocol == h.Protocol)).ToList();
        foreach (var h in list)
            foreach (var option in h.Options.Keys.Where(o => unread.Contains($"{h.Module}.{o}")).ToList()) h.Options.Remove(option);
        var counts = Counts();
        NftRuleset? ruleset = null;
        try
        {
            ruleset = NftClient.ListRuleset(NetworkNamespace);
        }
        catch (NftException ex)
        {
            WriteWarning($"The ct helper objects are not listed: the nftables ruleset could not be read ({ex.Message}).");
        }
        foreach (var h in list)
        {
            h.Connections = counts?.GetValueOrDefault(h.Name);
            h.Objects = ruleset is null ? [] : [.. ruleset.Helpers.Where(o => o.Type == h.Name && o.Protocol == h.Protocol.ToString().ToLowerInvariant()).Select(o => $"{o.Family} {o.Table} {o.Name}")];
        }
        return list;
    }
}
