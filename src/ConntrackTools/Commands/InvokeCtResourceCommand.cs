using System.Collections;
using System.Management.Automation;
using System.Management.Automation.Language;
using System.Text.Json;
using System.Text.Json.Nodes;
using ConntrackTools.DesiredState;
using ConntrackTools.Json;
using ConntrackTools.Kernel;

namespace ConntrackTools.Commands;

/// <summary>
/// Runs a desired-state resource (CtSetting, CtHelperPolicy, ...) the way DSC v3 and the Ansible
/// modules do: Get the actual state, Test it against a desired state, Set only what differs, or
/// Export every instance. The properties come from a hashtable, DSC's JSON, or piped states.
/// </summary>
[Cmdlet(VerbsLifecycle.Invoke, "CtResource", SupportsShouldProcess = true, DefaultParameterSetName = NameSet)]
[OutputType(typeof(CtResourceInstance), typeof(CtResourceTestResult), typeof(CtResourceSetResult), typeof(string))]
public sealed class InvokeCtResourceCommand : CtCmdlet
{
    private const string NameSet = "Name";
    private const string InputObjectSet = "InputObject";

    #region Parameters

    /// <summary>The resource: "CtSetting" or its DSC type "ConntrackTools/CtSetting"; with InputObject, taken from its type.</summary>
    [Parameter(Mandatory = true, Position = 0, ParameterSetName = NameSet)]
    [Parameter(Position = 0, ParameterSetName = InputObjectSet)]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(CtResourceNameCompleter))]
    public string? Name { get; set; }

    /// <summary>Get, Test, Set or Export.</summary>
    [Parameter(Mandatory = true, Position = 1)]
    [ValidateSet("Get", "Test", "Set", "Export")]
    public string? Method { get; set; }

    /// <summary>The instance's properties as a hashtable (names case-insensitive); over InputJson or InputObject when given with them.</summary>
    [Parameter]
    public IDictionary? Property { get; set; }

    /// <summary>The instance's properties as DSC's JSON object.</summary>
    [Parameter(ParameterSetName = NameSet)]
    [AllowEmptyString]
    public string? InputJson { get; set; }

    /// <summary>A state (from Export or Get) to use as the instance; its type names the resource.</summary>
    [Parameter(Mandatory = true, ValueFromPipeline = true, ParameterSetName = InputObjectSet)]
    public CtResourceInstance? InputObject { get; set; }

    /// <summary>Write DSC v3's JSON lines instead of objects.</summary>
    [Parameter]
    public SwitchParameter Json { get; set; }

    #endregion

    private ICtResource? _resource;

    protected override void BeginProcessing()
    {
        if (Name is null) return;
        try
        {
            _resource = CtResources.Find(Name!);
        }
        catch (CtResourceInputException ex)
        {
            ThrowTerminatingError(new ErrorRecord(ex, "ResourceNotFound", ErrorCategory.InvalidArgument, Name));
        }
    }

    protected override void ProcessRecord()
    {
        var resource = InputObject is null ? _resource! : ResourceOf(InputObject);
        if (resource is null) return;
        try
        {
            switch (Method!.ToUpperInvariant())
            {
                case "GET":
                    var actual = resource.Get(Desired(resource)!);
                    Write(actual, Json ? DscOutput.Get(actual) : null);
                    break;
                case "TEST":
                    var test = resource.Test(Desired(resource)!);
                    Write(test, Json ? DscOutput.Test(test) : null);
                    break;
                case "SET":
                    if (Set(resource, Desired(resource)!) is { } set) Write(set, Json ? DscOutput.Set(set) : null);
                    break;
                default:
                    var filter = Desired(resource, optional: true);
                    foreach (var instance in resource.Export(filter))
                        Write(instance, Json ? [DscOutput.State(instance)] : null);
                    break;
            }
        }
        catch (Exception ex) when (ex is not PipelineStoppedException and not ParameterBindingException)
        {
            if (ex is OperationCanceledException) throw new PipelineStoppedException();
            WriteError(ToErrorRecord(ex, resource.Name));
        }
    }

    private void Write(object value, IReadOnlyList<string>? lines)
    {
        if (lines is null) WriteObject(value);
        else foreach (var line in lines) WriteObject(line);
    }

    /// <summary>
    /// Tests first, so that the confirmation names what would change ("Set Value from 1 to 0");
    /// in the desired state nothing is asked or sent. With -WhatIf the predicted result is written.
    /// </summary>
    private CtResourceSetResult? Set(ICtResource resource, CtResourceInstance desired)
    {
        var test = resource.Test(desired);
        var whatIf = WhatIfMode;
        if (test.InDesiredState)
        {
            var unchanged = resource.Set(desired, whatIf: true);
            unchanged.WhatIf = whatIf;
            return unchanged;
        }
        if (ShouldProcess(Target(resource, test.ActualState), Action(test))) return resource.Set(desired, whatIf: false);
        return whatIf ? resource.Set(desired, whatIf: true) : null;
    }

    private bool WhatIfMode =>
        (MyInvocation.BoundParameters.TryGetValue("WhatIf", out var w) && w is SwitchParameter { IsPresent: true }) ||
        LanguagePrimitives.IsTrue(GetVariableValue("WhatIfPreference"));

    /// <summary>"CtSetting NetworkNamespace=fw1, Name=nf_conntrack_tcp_loose": the resource and the keys of the instance.</summary>
    private static string Target(ICtResource resource, CtResourceInstance state)
    {
        var node = CtJson.ToNode(state)!.AsObject();
        var keys = state.GetType().GetProperties()
            .Where(p => p.IsDefined(typeof(CtKeyAttribute), true) && node[p.Name] is not null)
            .Select(p => $"{p.Name}={Text(node[p.Name])}");
        return $"{resource.Name} {string.Join(", ", keys)}".TrimEnd();
    }

    /// <summary>"Set Value from 1 to 0": each differing property, from the actual to the desired value.</summary>
    private static string Action(CtResourceTestResult test)
    {
        var have = CtJson.ToNode(test.ActualState)!.AsObject();
        var want = CtJson.ToNode(test.DesiredState)!.AsObject();
        return "Set " + string.Join("; ", test.DifferingProperties.Select(p => $"{p} from {Text(have[p])} to {Text(want[p])}"));
    }

    private static string Text(JsonNode? node) => node switch
    {
        null => "(none)",
        JsonValue v when v.TryGetValue<string>(out var s) => s,
        _ => node.ToJsonString(CtJson.Compact),
    };

    /// <summary>The desired state from InputObject or InputJson, with Property over it; null for an Export without input.</summary>
    private CtResourceInstance? Desired(ICtResource resource, bool optional = false)
    {
        var json = InputObject is not null ? CtJson.Serialize(InputObject) : InputJson;
        if (Property is not null)
        {
            if (string.IsNullOrWhiteSpace(json)) return resource.FromProperties(Plain(Property));
            if (ParseObject(json) is not { } merged) return resource.Parse(json); // the resource says what is wrong with it
            // The table read by the resource's own rules (one value for a list becomes a list of one),
            // then only the properties it names laid over the piped or JSON state.
            var given = CtJson.ToNode(resource.FromProperties(Plain(Property)))!.AsObject();
            foreach (DictionaryEntry e in Property)
            {
                var key = e.Key?.ToString() ?? "";
                foreach (var existing in merged.Select(p => p.Key).Where(k => k.Equals(key, StringComparison.OrdinalIgnoreCase)).ToList())
                    merged.Remove(existing);
                var name = given.Select(p => p.Key).FirstOrDefault(k => k.Equals(key, StringComparison.OrdinalIgnoreCase)) ?? key;
                merged[name] = given[name]?.DeepClone();
            }
            json = merged.ToJsonString(CtJson.Compact);
        }
        if (optional && string.IsNullOrWhiteSpace(json)) return null;
        return resource.Parse(json ?? "");
    }

    private static JsonObject? ParseObject(string json)
    {
        try
        {
            return JsonNode.Parse(json, documentOptions: new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true }) as JsonObject;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static Hashtable Plain(IDictionary properties)
    {
        var table = new Hashtable(StringComparer.OrdinalIgnoreCase);
        foreach (DictionaryEntry e in properties) table[e.Key?.ToString() ?? ""] = PlainValue(e.Value);
        return table;
    }

    // PowerShell's wrappers to what JSON carries: PSObject unwrapped, [pscustomobject] as a table, arrays as arrays.
    private static object? PlainValue(object? value)
    {
        switch (value)
        {
            case null:
                return null;
            case PSObject { BaseObject: PSCustomObject } custom:
                var table = new Hashtable(StringComparer.OrdinalIgnoreCase);
                foreach (var p in custom.Properties) table[p.Name] = PlainValue(p.Value);
                return table;
            case PSObject pso:
                return PlainValue(pso.BaseObject);
            case string or bool:
                return value;
            case Enum e:
                return e.ToString();
            case IDictionary d:
                return Plain(d);
            case IEnumerable list:
                return list.Cast<object?>().Select(PlainValue).ToArray();
            default:
                return value;
        }
    }

    private ICtResource? ResourceOf(CtResourceInstance instance)
    {
        var resource = CtResources.All.FirstOrDefault(r => r.InstanceType == instance.GetType());
        if (resource is null)
        {
            WriteError(new ErrorRecord(
                new ArgumentException($"No resource of this module takes a {instance.GetType().Name}. The resources are: {string.Join(", ", CtResources.All.Select(r => r.Name))}."),
                "ResourceNotFound", ErrorCategory.InvalidArgument, instance));
        }
        else if (_resource is not null && _resource != resource)
        {
            WriteError(new ErrorRecord(
                new ArgumentException($"The piped {instance.GetType().Name} is an instance of {resource.Name}, not of {_resource.Name}: leave -Name out, or pipe {_resource.Name} states."),
                "ResourceInputInvalid", ErrorCategory.InvalidArgument, instance));
            return null;
        }
        return resource;
    }

    private static ErrorRecord ToErrorRecord(Exception ex, string target)
    {
        switch (ex)
        {
            case CtResourceInputException:
                return new ErrorRecord(ex, "ResourceInputInvalid", ErrorCategory.InvalidArgument, target);
            case CtSettingWriteException write:
                return SettingRefused(write);
            case CtSettingNotAvailableException na:
                return new ErrorRecord(ex, "SettingNotAvailable", ErrorCategory.NotImplemented, na.Name);
            case SysctlException { ErrnoName: "EACCES" or "EPERM" } denied:
                return PermissionDenied(denied, denied.Key, "Reading this sysctl needs more privileges: run as root, or with CAP_NET_ADMIN.");
            case SysctlException io:
                return new ErrorRecord(io, "SysctlReadFailed", ErrorCategory.ReadError, io.Key);
            case Kernel.Netlink.NetlinkException { ErrnoName: "EPERM" or "EACCES" } nl when nl.Message.StartsWith("enter network namespace", StringComparison.Ordinal):
                return PermissionDenied(nl, target, "Entering another network namespace needs root (CAP_SYS_ADMIN), and changing what is in it CAP_NET_ADMIN: run as root.");
            case ArgumentException when ex is not PSArgumentException:
                return new ErrorRecord(ex, "ResourceInputInvalid", ErrorCategory.InvalidArgument, target);
            default:
                var record = ErrorMapper.ToErrorRecord(ex, target);
                return record.CategoryInfo.Category == ErrorCategory.PermissionDenied && !Says(record, "CAP_NET_ADMIN")
                    ? PermissionDenied(ex, target, "Run as root, or with CAP_NET_ADMIN.")
                    : record;
        }
    }

    /// <summary>
    /// The kernel refused a sysctl write. EACCES for root means the setting is read-only there (the
    /// global limits outside the initial namespace): that is a fact about the setting, not about the
    /// caller's rights, so it is InvalidOperation; otherwise the caller lacks the privilege.
    /// </summary>
    private static ErrorRecord SettingRefused(CtSettingWriteException ex)
    {
        ErrorRecord record;
        if (ex.ErrnoName is "EACCES" or "EROFS" && Environment.IsPrivilegedProcess)
            record = new ErrorRecord(ex, "SettingReadOnly", ErrorCategory.InvalidOperation, ex.Name);
        else if (ex.ErrnoName is "EACCES" or "EPERM" or "EROFS")
            return PermissionDenied(ex, ex.Name, "Writing sysctls needs root, or CAP_NET_ADMIN in the namespace's user namespace.");
        else if (ex.ErrnoName is "EINVAL" or "ERANGE")
            record = new ErrorRecord(ex, "KernelRejectedValue", ErrorCategory.InvalidArgument, ex.Name);
        else if (ex.ErrnoName is "ENOMEM")
            record = new ErrorRecord(ex, "KernelOutOfResources", ErrorCategory.LimitsExceeded, ex.Name);
        else
            record = new ErrorRecord(ex, "SysctlWriteFailed", ErrorCategory.WriteError, ex.Name);
        if (ex.Advice.Length > 0) record.ErrorDetails = new ErrorDetails(ex.Message) { RecommendedAction = ex.Advice };
        return record;
    }

    private static ErrorRecord PermissionDenied(Exception ex, object? target, string advice)
    {
        var message = ex.Message.Contains("CAP_NET_ADMIN", StringComparison.Ordinal) ? ex.Message : $"{ex.Message.TrimEnd('.')}. {advice}";
        return new ErrorRecord(ex, "PermissionDenied", ErrorCategory.PermissionDenied, target)
        {
            ErrorDetails = new ErrorDetails(message) { RecommendedAction = advice },
        };
    }

    private static bool Says(ErrorRecord record, string text) =>
        (record.ErrorDetails?.Message ?? record.Exception.Message).Contains(text, StringComparison.Ordinal);
}

/// <summary>Completes -Name of Invoke-CtResource with the resources' names.</summary>
public sealed class CtResourceNameCompleter : IArgumentCompleter
{
    public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete, CommandAst commandAst, IDictionary fakeBoundParameters)
    {
        var word = wordToComplete ?? "";
        var pattern = WildcardPattern.Get(word + "*", WildcardOptions.IgnoreCase);
        foreach (var r in CtResources.All)
        {
            var name = word.StartsWith(CtResources.DscTypePrefix, StringComparison.OrdinalIgnoreCase) ? CtResources.DscTypePrefix + r.Name : r.Name;
            if (pattern.IsMatch(name)) yield return new CompletionResult(name, name, CompletionResultType.ParameterValue, r.Description);
        }
    }
}
