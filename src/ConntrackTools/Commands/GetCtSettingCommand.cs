using System.Collections;
using System.Management.Automation;
using System.Management.Automation.Language;
using ConntrackTools.Kernel;

namespace ConntrackTools.Commands;

/// <summary>
/// Gets the connection tracking sysctls of a network namespace (net.netfilter.nf_conntrack_*), with
/// the kernel's defaults, units and ranges, and which of them this kernel lacks (nf_conntrack_helper
/// since Linux 6.0); or an engine's settings under the same names.
/// </summary>
[Cmdlet(VerbsCommon.Get, "CtSetting")]
[OutputType(typeof(CtSetting))]
public sealed class GetCtSettingCommand : CtKernelCmdlet
{
    /// <summary>Names or wildcard patterns, with or without "net.netfilter.".</summary>
    [Parameter(Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [SupportsWildcards]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(CtSettingNameCompleter))]
    public string[]? Name { get; set; }

    /// <summary>Read an engine's settings instead of the kernel's.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(EngineNameCompleter))]
    public string? Engine { get; set; }

    private IReadOnlyList<CtSetting>? _settings;

    protected override void ProcessRecord()
    {
        _settings ??= Load();
        if (Name is null)
        {
            WriteObject(_settings, enumerateCollection: true);
            return;
        }
        foreach (var raw in Name)
        {
            var name = ConntrackSettings.Normalize(raw);
            if (WildcardPattern.ContainsWildcardCharacters(name))
            {
                var pattern = WildcardPattern.Get(name, WildcardOptions.IgnoreCase);
                foreach (var s in _settings)
                    if (pattern.IsMatch(s.Name)) WriteObject(s);
                continue;
            }
            if (_settings.FirstOrDefault(s => s.Name == name) is { } found)
            {
                WriteObject(found);
                continue;
            }
            var near = ConntrackSettings.NearNames(raw);
            var known = Engine is null ? "" : $" The engine '{Engine}' has: {string.Join(", ", _settings.Select(s => s.Name))}.";
            WriteError(new ErrorRecord(
                new ItemNotFoundException(new CtSettingNotFoundException(raw, near).Message + known),
                "SettingNotFound", ErrorCategory.ObjectNotFound, raw));
        }
    }

    private IReadOnlyList<CtSetting> Load()
    {
        if (Engine is not null) return EngineSettings(ResolveEngine(Engine));
        try
        {
            var ns = NetworkNamespace is null ? null : Kernel.Netlink.NetworkNamespace.Resolve(NetworkNamespace);
            return ConntrackSettings.List(ns);
        }
        catch (Exception ex) when (ex is not PipelineStoppedException)
        {
            if (ex is SysctlException io)
                ThrowTerminatingError(new ErrorRecord(io, "SysctlReadFailed", ErrorCategory.ReadError, Where()));
            Fail(ex, Where());
            throw; // not reached: Fail always throws
        }
    }

    /// <summary>An engine's sysctl-named settings (not the helpers' module options), described by the catalog.</summary>
    private static List<CtSetting> EngineSettings(ConntrackTools.Engine.EngineHost host)
    {
        IReadOnlyDictionary<string, long> values;
        lock (host.Gate) values = host.Engine.Settings.ToDictionary();
        var list = new List<CtSetting>();
        foreach (var (name, value) in values)
        {
            if (name.Contains('.', StringComparison.Ordinal)) continue;
            var def = ConntrackSettings.Find(name);
            list.Add(new CtSetting
            {
                Name = name,
                Value = value,
                Default = def?.Default,
                Unit = def?.Unit ?? "",
                Description = def?.Description ?? "",
                Minimum = def?.Minimum,
                Maximum = def?.Maximum,
                Available = true,
                Writable = false,
                Note = $"A setting of the engine '{host.Name}', fixed when it started (Start-CtEngine -Setting).",
                Backend = $"engine:{host.Name}",
            });
        }
        return list;
    }
}

/// <summary>Completes setting names: the catalog's and those the current namespace has.</summary>
public sealed class CtSettingNameCompleter : IArgumentCompleter
{
    public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete, CommandAst commandAst, IDictionary fakeBoundParameters)
    {
        var pattern = WildcardPattern.Get(ConntrackSettings.Normalize(wordToComplete ?? "") + "*", WildcardOptions.IgnoreCase);
        var names = new SortedSet<string>(ConntrackSettings.Catalog.Select(d => d.Name), StringComparer.Ordinal);
        foreach (var n in Sysctl.List(null, ConntrackSettings.Directory))
            if (n.StartsWith("nf_conntrack_", StringComparison.Ordinal) || n.StartsWith("nf_flowtable_", StringComparison.Ordinal)) names.Add(n);
        foreach (var name in names)
            if (pattern.IsMatch(name))
                yield return new CompletionResult(name, name, CompletionResultType.ParameterValue, ConntrackSettings.Find(name)?.Description ?? name);
    }
}
