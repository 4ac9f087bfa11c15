using System.Globalization;
using ConntrackTools.Kernel;
using NetNs = ConntrackTools.Kernel.Netlink.NetworkNamespace;

namespace ConntrackTools.DesiredState;

/// <summary>One nf_conntrack sysctl of a network namespace, as the CtSetting resource reads and sets it.</summary>
public sealed class CtSettingState : CtResourceInstance
{
    /// <summary>The network namespace (NAME, PATH or PID); null: the namespace the command runs in.</summary>
    [CtKey]
    public string? NetworkNamespace { get; set; }

    /// <summary>The setting, in any form Get-CtSetting takes; reported as the catalog's name (nf_conntrack_tcp_loose).</summary>
    [CtKey]
    public string? Name { get; set; }

    /// <summary>The value (seconds, entries, 0/1 ...); required for test and set.</summary>
    public long? Value { get; set; }

    /// <summary>The kernel's default; null where the kernel computes it at boot.</summary>
    [CtReadOnly]
    public long? Default { get; set; }

    /// <summary>"seconds", "entries", "boolean" ...; null for a sysctl the catalog does not know.</summary>
    [CtReadOnly]
    public string? Unit { get; set; }

    /// <summary>False where the kernel makes the setting read-only (nf_conntrack_count; the global limits outside the initial namespace).</summary>
    [CtReadOnly]
    public bool? Writable { get; set; }

    /// <summary>False when this kernel has no such sysctl (removed, not built, module not loaded).</summary>
    [CtReadOnly]
    public bool? Available { get; set; }

    public override string ToString()
    {
        var value = Value is { } v ? v.ToString(CultureInfo.InvariantCulture) : Available == false ? "(not available)" : "(not given)";
        return $"{Name}={value}" + (NetworkNamespace is { } ns ? $" in {ns}" : "");
    }
}

/// <summary>
/// The CtSetting resource: one nf_conntrack sysctl per network namespace, read and written through
/// <see cref="ConntrackSettings"/>, so that names, ranges and the kernel's refusals are those of
/// Get-CtSetting and Set-CtSetting. A value is written only when it differs.
/// </summary>
public sealed class CtSettingResource : CtResource<CtSettingState>
{
    public override string Name => "CtSetting";

    public override string Description =>
        "One connection tracking sysctl (net.netfilter.nf_conntrack_*) of a network namespace: its value, checked against the kernel's range and written only when it differs.";

    protected override void Validate(CtSettingState desired)
    {
        if (desired.NetworkNamespace is { } ns && string.IsNullOrWhiteSpace(ns))
            throw new CtResourceInputException("NetworkNamespace is empty: give a name that `ip netns list` shows, a path to a namespace file, or a process id; leave it out (or null) for the namespace the command runs in.");
        if (string.IsNullOrWhiteSpace(desired.Name))
            throw new CtResourceInputException("CtSetting needs Name, the setting to manage, such as \"nf_conntrack_tcp_timeout_established\" (Get-CtSetting lists them).");
        var name = ConntrackSettings.Normalize(desired.Name);
        // Sysctl file names under net/netfilter are lower-case words with underscores; anything
        // else (paths, quotes, newlines) is refused here, before the namespace is even entered.
        if (!name.All(c => c is (>= 'a' and <= 'z') or (>= '0' and <= '9') or '_'))
            throw new CtResourceInputException(
                $"'{Printable(desired.Name)}' is not a conntrack setting name: names are letters, digits and underscores, such as nf_conntrack_tcp_loose, with or without \"net.netfilter.\". Get-CtSetting lists them.");
        desired.Name = name;
    }

    protected override CtSettingState Read(CtSettingState desired) =>
        ToState(Setting(Namespace(desired.NetworkNamespace), desired.Name!), desired.NetworkNamespace);

    protected override List<string> Compare(CtSettingState desired, CtSettingState actual)
    {
        if (desired.Value is not { } value)
            throw new CtResourceInputException($"CtSetting needs Value to test or set {desired.Name}: the value it should have ({RangeOf(desired)}).");
        var setting = Setting(Namespace(desired.NetworkNamespace), desired.Name!);
        // Linux 6.0 removed nf_conntrack_helper with automatic assignment: 0 (off) is the state
        // such a kernel is always in, as Set-CtSetting says.
        if (setting.Name == ConntrackSettings.HelperSetting && value == 0 && ConntrackSettings.WasRemoved(setting)) return [];
        try
        {
            ConntrackSettings.CheckValue(setting, value);
        }
        catch (CtSettingRangeException ex)
        {
            throw new CtResourceInputException(ex.Message, ex);
        }
        return base.Compare(desired, actual);
    }

    /// <summary>A setting the namespace holds read-only fails the prediction as the write would (EACCES), not "would change".</summary>
    protected override CtSettingState Predict(CtSettingState desired, CtSettingState actual)
    {
        if (actual.Writable == false && desired.Value is { } value)
        {
            var ns = Namespace(desired.NetworkNamespace);
            ConntrackSettings.CheckWritable(ns, Setting(ns, desired.Name!), value);
        }
        return base.Predict(desired, actual);
    }

    protected override IReadOnlyList<string> Apply(CtSettingState desired, CtSettingState actual, IReadOnlyList<string> differing)
    {
        var ns = Namespace(desired.NetworkNamespace);
        var value = desired.Value!.Value;
        ConntrackSettings.Set(ns, desired.Name!, value);
        return [$"sysctl net.netfilter.{desired.Name}={value.ToString(CultureInfo.InvariantCulture)} in {ConntrackSettings.BackendOf(ns)}"];
    }

    protected override IEnumerable<CtSettingState> List(CtSettingState? filter)
    {
        var spec = filter?.NetworkNamespace;
        var name = filter?.Name is { Length: > 0 } n ? ConntrackSettings.Normalize(n) : null;
        return ConntrackSettings.List(Namespace(spec))
            .Where(s => s.Available && (name is null || s.Name == name))
            .Select(s => ToState(s, spec))
            .ToList();
    }

    private static NetNs? Namespace(string? spec)
    {
        if (spec is null) return null;
        try
        {
            return NetNs.Resolve(spec);
        }
        catch (ArgumentException ex)
        {
            throw new CtResourceInputException($"NetworkNamespace '{Printable(spec)}' is not valid: {ex.Message}", ex);
        }
    }

    private static CtSetting Setting(NetNs? ns, string name)
    {
        try
        {
            return ConntrackSettings.Get(ns, name);
        }
        catch (CtSettingNotFoundException ex)
        {
            // A name that is no setting is a mistake in the input, not a failure of the system.
            throw new CtResourceInputException(ex.Message, ex);
        }
    }

    private static CtSettingState ToState(CtSetting s, string? spec) => new()
    {
        NetworkNamespace = spec,
        Name = s.Name,
        Value = s.Value,
        Default = s.Default,
        Unit = s.Unit.Length > 0 ? s.Unit : null,
        Writable = s.Writable,
        Available = s.Available,
    };

    private static string RangeOf(CtSettingState desired) =>
        ConntrackSettings.Find(desired.Name!) is { } def
            ? ConntrackSettings.RangeText(new CtSetting { Unit = def.Unit, Minimum = def.Minimum, Maximum = def.Maximum })
            : "a whole number";
}
