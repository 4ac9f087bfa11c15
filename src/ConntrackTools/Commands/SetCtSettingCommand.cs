using System.Collections;
using System.Globalization;
using System.Management.Automation;
using ConntrackTools.Kernel;
using NetNs = ConntrackTools.Kernel.Netlink.NetworkNamespace;

namespace ConntrackTools.Commands;

/// <summary>
/// Changes connection tracking sysctls of a network namespace, like `sysctl -w net.netfilter.X=N`
/// run there: one by name (also piped from Get-CtSetting), or several from a hashtable. Values are
/// checked against the ranges of the kernel's ctl_tables before anything is written.
/// </summary>
[Cmdlet(VerbsCommon.Set, "CtSetting", SupportsShouldProcess = true, DefaultParameterSetName = NameSet)]
[OutputType(typeof(CtSetting))]
public sealed class SetCtSettingCommand : CtKernelCmdlet
{
    private const string NameSet = "Name";
    private const string SettingSet = "Setting";

    #region Parameters

    /// <summary>The setting, with or without "net.netfilter.".</summary>
    [Parameter(Mandatory = true, Position = 0, ParameterSetName = NameSet, ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(CtSettingNameCompleter))]
    public string? Name { get; set; }

    /// <summary>The new value.</summary>
    [Parameter(Mandatory = true, Position = 1, ParameterSetName = NameSet, ValueFromPipelineByPropertyName = true)]
    public long Value { get; set; }

    /// <summary>Several settings at once: @{ nf_conntrack_acct = 1; nf_conntrack_timestamp = 1 }.</summary>
    [Parameter(Mandatory = true, ParameterSetName = SettingSet)]
    [ValidateNotNull]
    public IDictionary? Setting { get; set; }

    /// <summary>Where a piped setting was read ("kernel:NETNS"), so that it is changed there.</summary>
    [Parameter(ParameterSetName = NameSet, ValueFromPipelineByPropertyName = true)]
    public string? Backend { get; set; }

    /// <summary>Write each changed setting as the kernel now holds it.</summary>
    [Parameter]
    public SwitchParameter PassThru { get; set; }

    #endregion

    private readonly Dictionary<string, NetNs> _namespaces = new(StringComparer.Ordinal);

    protected override void BeginProcessing()
    {
        if (NetworkNamespace is null) return;
        try
        {
            _namespaces[NetworkNamespace] = NetNs.Resolve(NetworkNamespace);
        }
        catch (Exception ex)
        {
            Fail(ex, NetworkNamespace);
        }
    }

    protected override void ProcessRecord()
    {
        if (ParameterSetName == SettingSet) SetMany();
        else SetOne();
    }

    private void SetOne()
    {
        NetNs? ns;
        CtSetting current;
        try
        {
            ns = NamespaceFor(Backend);
            current = ConntrackSettings.Get(ns, Name!);
        }
        catch (CtSettingNotFoundException ex)
        {
            WriteError(NotFound(ex));
            return;
        }
        catch (Exception ex) when (ex is not PipelineStoppedException)
        {
            WriteReadError(ex, Name);
            return;
        }
        var where = ConntrackSettings.BackendOf(ns);
        if (!Check(current, Value, null, where, batch: false)) return;
        var outcome = Apply(ns, current, Value, where, out var error);
        if (outcome == Outcome.Refused) WriteError(error!);
        else if (PassThru && outcome != Outcome.Declined) WriteObject(ConntrackSettings.Get(ns, current.Name));
    }

    private void SetMany()
    {
        NetNs? ns = NetworkNamespace is null ? null : _namespaces[NetworkNamespace];
        var where = ConntrackSettings.BackendOf(ns);
        IReadOnlyList<CtSetting> settings;
        try
        {
            settings = ConntrackSettings.List(ns);
        }
        catch (Exception ex) when (ex is not PipelineStoppedException)
        {
            WriteReadError(ex, where);
            return;
        }

        // Everything is checked before anything is written.
        var wanted = new List<(CtSetting Current, long Value)>();
        var pending = new Dictionary<string, long>(StringComparer.Ordinal);
        var problems = 0;
        foreach (DictionaryEntry e in Setting!)
        {
            var raw = e.Key?.ToString() ?? "";
            var name = ConntrackSettings.Normalize(raw);
            var current = settings.FirstOrDefault(s => s.Name == name);
            if (current is null)
            {
                WriteError(Unchanged(NotFound(new CtSettingNotFoundException(raw, ConntrackSettings.NearNames(raw)))));
                problems++;
                continue;
            }
            if (!TryConvert(e.Value, out var value))
            {
                WriteError(Unchanged(new ErrorRecord(new ArgumentException($"The value of {name} must be a whole number (or $true / $false), not '{e.Value}'."),
                    "InvalidSetting", ErrorCategory.InvalidArgument, raw)));
                problems++;
                continue;
            }
            if (!pending.TryAdd(name, value))
            {
                WriteError(Unchanged(new ErrorRecord(new ArgumentException($"{name} is given twice."), "InvalidSetting", ErrorCategory.InvalidArgument, raw)));
                problems++;
                continue;
            }
            wanted.Add((current, value));
        }
        var checkedOk = new List<KeyValuePair<CtSetting, long>>();
        foreach (var (current, value) in wanted)
        {
            if (Check(current, value, pending, where, batch: true)) checkedOk.Add(new(current, value));
            else if (!IsHelperNoOp(current, value)) problems++;
        }
        if (problems > 0) return;
        var toWrite = ConntrackSettings.InWriteOrder(checkedOk).Select(c => (Current: c.Key, c.Value)).ToList();

        var written = new List<string>();
        for (var i = 0; i < toWrite.Count; i++)
        {
            var (current, value) = toWrite[i];
            var outcome = Apply(ns, current, value, where, out var error);
            if (outcome == Outcome.Written) written.Add(current.Name);
            if (outcome != Outcome.Refused) continue;
            var rest = toWrite.Skip(i + 1).Select(w => w.Current.Name).ToList();
            var detail = $"{error!.Exception.Message} Written before it: {(written.Count > 0 ? string.Join(", ", written) : "none")}. " +
                $"Not written: {string.Join(", ", rest.Prepend(current.Name))}.";
            error.ErrorDetails = new ErrorDetails(detail) { RecommendedAction = error.ErrorDetails?.RecommendedAction ?? "" };
            WriteError(error);
            return;
        }
        if (PassThru && !MyInvocation.BoundParameters.ContainsKey("WhatIf"))
        {
            var now = ConntrackSettings.List(ns);
            foreach (var (current, _) in toWrite) WriteObject(now.First(s => s.Name == current.Name));
        }
    }

    private static bool IsHelperNoOp(CtSetting setting, long value) =>
        setting.Name == ConntrackSettings.HelperSetting && value == 0 && ConntrackSettings.WasRemoved(setting);

    /// <summary>
    /// Whether the value may be written. Writes the errors (and the nf_conntrack_helper warning) and
    /// returns false when not; nf_conntrack_helper=1 on a kernel without it stops the command.
    /// </summary>
    private bool Check(CtSetting setting, long value, IReadOnlyDictionary<string, long>? pending, string where, bool batch)
    {
        if (setting.Name == ConntrackSettings.HelperSetting && ConntrackSettings.WasRemoved(setting))
        {
            if (value == 0)
            {
                WriteWarning($"nf_conntrack_helper=0 changes nothing in {where}: this kernel ({Sysctl.KernelVersion}) has no automatic helper assignment, " +
                    "which Linux 6.0 removed together with the sysctl, so it is already impossible. Helpers are assigned only by explicit rules: " +
                    "nft `ct helper set`, iptables `-j CT --helper`.");
                return false;
            }
            ThrowTerminatingError(new ErrorRecord(
                new NotSupportedException($"nf_conntrack_helper cannot be set to {value} in {where}: this kernel ({Sysctl.KernelVersion}) no longer supports automatic helper assignment. " +
                    "Linux 6.0 removed it together with the nf_conntrack_helper sysctl" + (batch ? "; no setting was changed" : "") + ". " +
                    "Assign helpers with explicit rules instead, for the traffic that needs them: nft `ct helper set \"ftp\"` in a prerouting chain " +
                    "(with a `ct helper \"ftp\"` object), or iptables `-t raw -A PREROUTING -p tcp --dport 21 -j CT --helper ftp`."),
                "AutomaticHelperAssignmentRemoved", ErrorCategory.NotImplemented, setting.Name));
        }
        try
        {
            ConntrackSettings.CheckValue(setting, value, pending);
            return true;
        }
        catch (CtSettingNotAvailableException ex)
        {
            var record = new ErrorRecord(ex, "SettingNotAvailable", ErrorCategory.NotImplemented, setting.Name);
            WriteError(batch ? Unchanged(record) : record);
        }
        catch (CtSettingRangeException ex)
        {
            var record = new ErrorRecord(ex, "ValueOutOfRange", ErrorCategory.InvalidArgument, setting.Name);
            WriteError(batch ? Unchanged(record) : record);
        }
        return false;
    }

    private enum Outcome
    {
        Written,
        Unchanged,
        Declined,
        Refused,
    }

    /// <summary>Writes one value after ShouldProcess; Refused, with the error, when the kernel refused it.</summary>
    private Outcome Apply(NetNs? ns, CtSetting current, long value, string where, out ErrorRecord? error)
    {
        error = null;
        var v = value.ToString(CultureInfo.InvariantCulture);
        if (current.Value == value)
        {
            WriteVerbose($"{current.Name} is already {v} in {where}; nothing to change.");
            return Outcome.Unchanged;
        }
        var from = current.Value?.ToString(CultureInfo.InvariantCulture) ?? "(unreadable)";
        var action = $"Set {current.Name} from {from} to {v} in {where}";
        // Say so before the kernel does: -WhatIf on a read-only setting should not look like it would work.
        var readOnly = current.Writable ? "" : " (read-only here: the kernel will refuse it)";
        if (!ShouldProcess(action + readOnly, action + readOnly + "?", "Set-CtSetting")) return Outcome.Declined;
        try
        {
            ConntrackSettings.Write(ns, current, value);
            return Outcome.Written;
        }
        catch (CtSettingWriteException ex)
        {
            error = WriteRefused(ex, current);
            return Outcome.Refused;
        }
    }

    private static ErrorRecord WriteRefused(CtSettingWriteException ex, CtSetting setting)
    {
        var (id, category) = ex.ErrnoName switch
        {
            "EACCES" or "EPERM" or "EROFS" => (setting.Writable ? "PermissionDenied" : "SettingReadOnly", ErrorCategory.PermissionDenied),
            "EINVAL" or "ERANGE" => ("KernelRejectedValue", ErrorCategory.InvalidArgument),
            "ENOMEM" => ("KernelOutOfResources", ErrorCategory.LimitsExceeded),
            "ENOENT" => ("SettingNotAvailable", ErrorCategory.ObjectNotFound),
            _ => ("SysctlWriteFailed", ErrorCategory.WriteError),
        };
        var record = new ErrorRecord(ex, id, category, setting.Name);
        if (ex.Advice.Length > 0) record.ErrorDetails = new ErrorDetails(ex.Message) { RecommendedAction = ex.Advice };
        return record;
    }

    /// <summary>-NetworkNamespace, else the namespace a piped setting was read from, else the current one.</summary>
    private NetNs? NamespaceFor(string? backend)
    {
        var spec = NetworkNamespace;
        if (spec is null && backend is not null)
        {
            if (backend.StartsWith("engine:", StringComparison.Ordinal))
                throw new ErrorRecordException(new ErrorRecord(
                    new InvalidOperationException($"This setting belongs to an engine ({backend}); an engine's settings are fixed when it starts (Start-CtEngine -Setting). To change the kernel's, give -NetworkNamespace, or pipe settings read from the kernel."),
                    "EngineSettingReadOnly", ErrorCategory.InvalidOperation, backend));
            if (backend.StartsWith("kernel:", StringComparison.Ordinal)) spec = backend["kernel:".Length..];
        }
        if (spec is null) return null;
        if (!_namespaces.TryGetValue(spec, out var ns)) _namespaces[spec] = ns = NetNs.Resolve(spec);
        return ns;
    }

    private void WriteReadError(Exception ex, object? target)
    {
        if (ex is SysctlException io) WriteError(new ErrorRecord(io, "SysctlReadFailed", ErrorCategory.ReadError, target));
        else WriteItemError(ex, target);
    }

    private static ErrorRecord NotFound(CtSettingNotFoundException ex) =>
        new(new ItemNotFoundException(ex.Message, ex), "SettingNotFound", ErrorCategory.ObjectNotFound, ex.Name);

    private static ErrorRecord Unchanged(ErrorRecord record)
    {
        var message = record.ErrorDetails?.Message ?? record.Exception.Message;
        record.ErrorDetails = new ErrorDetails(message + " No setting was changed.") { RecommendedAction = record.ErrorDetails?.RecommendedAction ?? "" };
        return record;
    }

    private static bool TryConvert(object? value, out long result)
    {
        result = 0;
        var v = value is PSObject pso ? pso.BaseObject : value;
        switch (v)
        {
            case bool b:
                result = b ? 1 : 0;
                return true;
            case null:
                return false;
            case string s:
                return long.TryParse(s.Trim(), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out result);
            case double or float or decimal:
                var d = Convert.ToDecimal(v, CultureInfo.InvariantCulture);
                if (decimal.Truncate(d) != d || d < long.MinValue || d > long.MaxValue) return false;
                result = (long)d;
                return true;
            case IConvertible c:
                try
                {
                    result = c.ToInt64(CultureInfo.InvariantCulture);
                    return true;
                }
                catch (Exception ex) when (ex is InvalidCastException or OverflowException or FormatException)
                {
                    return false;
                }
            default:
                return false;
        }
    }
}
