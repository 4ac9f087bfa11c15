using System.Collections;
using System.Reflection;
using System.Text.Json;
using System.Text.Json.Serialization;
using ConntrackTools.Json;

namespace ConntrackTools.DesiredState;

/// <summary>Whether an instance should exist (DSC's and Ansible's "state: present/absent").</summary>
public enum CtEnsure
{
    Present,
    Absent,
}

/// <summary>A property that identifies an instance (DSC key): Get, Test and Set look the instance up by these.</summary>
[AttributeUsage(AttributeTargets.Property)]
public sealed class CtKeyAttribute : Attribute;

/// <summary>A property that the system reports but a desired state cannot set; input values are ignored.</summary>
[AttributeUsage(AttributeTargets.Property)]
public sealed class CtReadOnlyAttribute : Attribute;

/// <summary>
/// The properties of one instance of a desired-state resource, as DSC v3 and the Ansible modules
/// exchange them in JSON. In a desired state a null property means "not specified, leave as it is";
/// in an actual state (Get, Test, Set results) every property the system has is filled in.
/// </summary>
public abstract class CtResourceInstance
{
    /// <summary>DSC v3's canonical _inDesiredState: null from get and set, true or false from test.</summary>
    [JsonPropertyName("_inDesiredState")]
    [JsonPropertyOrder(1000)]
    [CtReadOnly]
    public bool? InDesiredState { get; set; }
}

/// <summary>What Test found: the actual state, and the desired properties that differ from it.</summary>
public sealed class CtResourceTestResult
{
    public string Resource { get; set; } = "";
    public CtResourceInstance DesiredState { get; set; } = null!;
    public CtResourceInstance ActualState { get; set; } = null!;
    public bool InDesiredState { get; set; }
    public string[] DifferingProperties { get; set; } = [];

    public override string ToString() =>
        InDesiredState ? $"{Resource}: in desired state" : $"{Resource}: differs in {string.Join(", ", DifferingProperties)}";
}

/// <summary>What Set did (or, with WhatIf, would do): the state before and after, and what changed.</summary>
public sealed class CtResourceSetResult
{
    public string Resource { get; set; } = "";
    public CtResourceInstance BeforeState { get; set; } = null!;
    public CtResourceInstance AfterState { get; set; } = null!;
    public string[] ChangedProperties { get; set; } = [];
    public bool Changed => ChangedProperties.Length > 0;
    public bool WhatIf { get; set; }

    /// <summary>What was sent to the system (nft JSON documents, sysctl writes), for logs and -WhatIf.</summary>
    public string[] Actions { get; set; } = [];

    public override string ToString() =>
        Changed ? $"{Resource}: {(WhatIf ? "would change" : "changed")} {string.Join(", ", ChangedProperties)}" : $"{Resource}: no change";
}

/// <summary>A desired state that cannot be applied or read as given (bad JSON, unknown property, invalid value).</summary>
public sealed class CtResourceInputException(string message, Exception? inner = null) : ArgumentException(message, inner);

/// <summary>One desired-state resource: how to read, compare and enforce its instances.</summary>
public interface ICtResource
{
    /// <summary>The short name, e.g. CtHelperPolicy; the DSC type is "ConntrackTools/" + Name.</summary>
    string Name { get; }
    Type InstanceType { get; }
    string Description { get; }

    /// <summary>Reads a desired state from JSON (names case-insensitive; unknown names refused).</summary>
    CtResourceInstance Parse(string json);

    /// <summary>Makes an instance from a PowerShell-style property table (names case-insensitive).</summary>
    CtResourceInstance FromProperties(IDictionary properties);

    CtResourceInstance Get(CtResourceInstance desired);
    CtResourceTestResult Test(CtResourceInstance desired);
    CtResourceSetResult Set(CtResourceInstance desired, bool whatIf);

    /// <summary>Every instance that exists; <paramref name="filter"/> may give keys (NetworkNamespace, Table ...) to narrow it.</summary>
    IEnumerable<CtResourceInstance> Export(CtResourceInstance? filter);
}

/// <summary>
/// The shared half of every resource: parsing, the comparison behind Test, and Set's
/// "test first, change only what differs, report it" (idempotence lives here, once).
/// A resource implements reading the actual state and applying the differences.
/// </summary>
public abstract class CtResource<T> : ICtResource where T : CtResourceInstance, new()
{
    private static readonly JsonSerializerOptions StrictInput = new(CtJson.Input)
    {
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
    };

    private static readonly PropertyInfo[] Properties = typeof(T)
        .GetProperties(BindingFlags.Public | BindingFlags.Instance)
        .Where(p => p.CanRead && p.CanWrite && p.GetIndexParameters().Length == 0)
        .ToArray();

    public abstract string Name { get; }
    public abstract string Description { get; }
    public Type InstanceType => typeof(T);

    /// <summary>The actual state of the instance that <paramref name="desired"/>'s keys name (Ensure Absent when it does not exist).</summary>
    protected abstract T Read(T desired);

    /// <summary>
    /// Brings the system from <paramref name="actual"/> to <paramref name="desired"/>, changing only
    /// <paramref name="differing"/>; a ruleset change is one nft transaction. Returns what was sent.
    /// </summary>
    protected abstract IReadOnlyList<string> Apply(T desired, T actual, IReadOnlyList<string> differing);

    /// <summary>Every existing instance, narrowed by the keys set in <paramref name="filter"/>.</summary>
    protected abstract IEnumerable<T> List(T? filter);

    /// <summary>
    /// Checks a desired state and fills in the defaults that identify it (table, chain ...). Throws
    /// CtResourceInputException with a message that says what to change.
    /// </summary>
    protected virtual void Validate(T desired) { }

    /// <summary>
    /// The desired properties that differ from the actual state. The default compares every
    /// property the desired state sets, except keys and read-only ones; lists compare as sets
    /// (order and case of text do not matter); Ensure Absent needs only the instance to be gone.
    /// </summary>
    protected virtual List<string> Compare(T desired, T actual)
    {
        var differing = new List<string>();
        var ensure = typeof(T).GetProperty("Ensure");
        if (ensure is not null)
        {
            var want = (CtEnsure?)ensure.GetValue(desired) ?? CtEnsure.Present;
            var have = (CtEnsure?)ensure.GetValue(actual) ?? CtEnsure.Absent;
            if (want != have) differing.Add("Ensure");
            if (want == CtEnsure.Absent || have == CtEnsure.Absent) return differing;
        }
        foreach (var p in Properties)
        {
            if (p.Name == "Ensure" || p.IsDefined(typeof(CtKeyAttribute)) || p.IsDefined(typeof(CtReadOnlyAttribute))) continue;
            var want = p.GetValue(desired);
            if (want is null) continue;
            if (!ValuesEqual(want, p.GetValue(actual))) differing.Add(p.Name);
        }
        return differing;
    }

    /// <summary>What the actual state would look like after Set: the desired properties over the actual ones.</summary>
    protected virtual T Predict(T desired, T actual)
    {
        var ensure = typeof(T).GetProperty("Ensure");
        if (ensure is not null && (CtEnsure?)ensure.GetValue(desired) == CtEnsure.Absent)
        {
            var gone = new T();
            foreach (var p in Properties.Where(p => p.IsDefined(typeof(CtKeyAttribute)))) p.SetValue(gone, p.GetValue(actual) ?? p.GetValue(desired));
            ensure.SetValue(gone, CtEnsure.Absent);
            return gone;
        }
        var after = Clone(actual);
        foreach (var p in Properties)
        {
            if (p.IsDefined(typeof(CtReadOnlyAttribute))) continue;
            // Keys as the system reports them (a canonical name), not as the input spelled them.
            if (p.IsDefined(typeof(CtKeyAttribute)) && p.GetValue(actual) is not null) continue;
            var want = p.GetValue(desired);
            if (want is not null) p.SetValue(after, want);
        }
        if (ensure is not null) ensure.SetValue(after, CtEnsure.Present);
        return after;
    }

    public CtResourceInstance Parse(string json)
    {
        if (string.IsNullOrWhiteSpace(json))
            throw new CtResourceInputException($"The {Name} input is empty; give a JSON object with its properties.");
        T? value;
        try
        {
            RefuseUnknownProperties(json);
            value = JsonSerializer.Deserialize<T>(json, StrictInput);
        }
        catch (JsonException ex)
        {
            if (PropertyAt(ex.Path) is { } property)
                throw new CtResourceInputException($"The {Name} input is not valid: {property.Name} must be {Expected(property.PropertyType)}.", ex);
            var where = ex.Path is { Length: > 1 } path ? $" at {path}" : "";
            throw new CtResourceInputException($"The {Name} input is not valid{where}: {Clean(ex.Message)}", ex);
        }
        if (value is null) throw new CtResourceInputException($"The {Name} input is empty; give a JSON object with its properties.");
        RefuseUnnamedEnumValues(value);
        return value;
    }

    // System.Text.Json's own message names the .NET type; this one names the property and lists the valid ones.
    private void RefuseUnknownProperties(string json)
    {
        using var doc = JsonDocument.Parse(json, new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
        if (doc.RootElement.ValueKind == JsonValueKind.Null) return;
        if (doc.RootElement.ValueKind != JsonValueKind.Object)
            throw new CtResourceInputException($"The {Name} input must be a JSON object with its properties, not {(doc.RootElement.ValueKind == JsonValueKind.Array ? "an array" : "a single value")}.");
        foreach (var property in doc.RootElement.EnumerateObject())
        {
            if (!JsonNames.Contains(property.Name, StringComparer.OrdinalIgnoreCase))
                throw new CtResourceInputException(
                    $"{Name} has no property '{Printable(property.Name)}'. Its properties are: {string.Join(", ", JsonNames)}.");
        }
    }

    // The input converter takes enum numbers (for model objects); a desired state must name its values.
    private void RefuseUnnamedEnumValues(T value)
    {
        foreach (var p in Properties)
        {
            var type = Nullable.GetUnderlyingType(p.PropertyType) ?? p.PropertyType;
            if (!type.IsEnum || type.IsDefined(typeof(FlagsAttribute), false)) continue;
            if (p.GetValue(value) is { } v && !Enum.IsDefined(type, v))
                throw new CtResourceInputException($"{p.Name} of {Name} is {v}, which is not one of: {string.Join(", ", Enum.GetNames(type))}.");
        }
    }

    // "$.Value" or "$.DestinationPort[1]": the property whose value did not convert.
    private static PropertyInfo? PropertyAt(string? path)
    {
        if (path is null || !path.StartsWith("$.", StringComparison.Ordinal)) return null;
        var name = path[2..].Split('[', '.')[0];
        var json = CtJson.Input.GetTypeInfo(typeof(T)).Properties.FirstOrDefault(p => p.Name.Equals(name, StringComparison.OrdinalIgnoreCase));
        return json is null ? null : Properties.FirstOrDefault(p => p.Name.Equals(json.Name, StringComparison.OrdinalIgnoreCase)) ??
            Properties.FirstOrDefault(p => p.GetCustomAttribute<JsonPropertyNameAttribute>()?.Name == json.Name);
    }

    // What a property takes, in words instead of System.Text.Json's .NET type names.
    private static string Expected(Type type)
    {
        type = Nullable.GetUnderlyingType(type) ?? type;
        if (type == typeof(string)) return "a string (or null)";
        if (type == typeof(bool)) return "true or false (or null)";
        if (type == typeof(int) || type == typeof(long) || type == typeof(uint) || type == typeof(ushort) || type == typeof(byte))
            return "a whole number (or null)";
        if (type.IsEnum) return $"one of {string.Join(", ", Enum.GetNames(type).Select(n => $"\"{n}\""))} (or null)";
        if (type.IsArray) return $"an array of {Items(type.GetElementType()!)} (or null)";
        return "a JSON value of the right type";
    }

    private static string Items(Type type)
    {
        type = Nullable.GetUnderlyingType(type) ?? type;
        if (type == typeof(string)) return "strings";
        if (type == typeof(bool)) return "booleans";
        if (type.IsEnum) return $"names ({string.Join(", ", Enum.GetNames(type))})";
        return type.IsPrimitive ? "whole numbers" : "values";
    }

    private static readonly string[] JsonNames = [.. CtJson.Input.GetTypeInfo(typeof(T)).Properties.Select(p => p.Name)];

    private static readonly HashSet<string> ListNames = new(
        CtJson.Input.GetTypeInfo(typeof(T)).Properties.Where(p => p.PropertyType.IsArray).Select(p => p.Name), StringComparer.OrdinalIgnoreCase);

    /// <summary>Input text in messages: control characters shown as escapes, at most 80 characters, so an error is one readable line.</summary>
    protected static string Printable(string text)
    {
        var shown = string.Concat(text.Select(c => char.IsControl(c) ? $"\\u{(int)c:x4}" : c.ToString()));
        return shown.Length > 80 ? shown[..80] + "..." : shown;
    }

    public CtResourceInstance FromProperties(IDictionary properties)
    {
        // Through JSON, so that a table and a DSC document are read by the same rules.
        var map = new Dictionary<string, object?>(StringComparer.OrdinalIgnoreCase);
        foreach (DictionaryEntry e in properties)
        {
            var name = e.Key.ToString() ?? "";
            var value = Plain(e.Value);
            // PowerShell gives one value where a list is meant (DestinationPort = 21): a list of one, as parameter binding does.
            if (value is not null and not Array && ListNames.Contains(name)) value = new[] { value };
            map[name] = value;
        }
        return Parse(JsonSerializer.Serialize(map, CtJson.Compact));
    }

    public CtResourceInstance Get(CtResourceInstance desired)
    {
        var d = Checked(desired);
        var actual = Read(d);
        actual.InDesiredState = null;
        return actual;
    }

    public CtResourceTestResult Test(CtResourceInstance desired)
    {
        var d = Checked(desired);
        var actual = Read(d);
        var differing = Compare(d, actual);
        actual.InDesiredState = differing.Count == 0;
        return new CtResourceTestResult
        {
            Resource = Name,
            DesiredState = d,
            ActualState = actual,
            InDesiredState = differing.Count == 0,
            DifferingProperties = [.. differing],
        };
    }

    public CtResourceSetResult Set(CtResourceInstance desired, bool whatIf)
    {
        var d = Checked(desired);
        var before = Read(d);
        before.InDesiredState = null;
        var differing = Compare(d, before);
        if (differing.Count == 0)
            return new CtResourceSetResult { Resource = Name, BeforeState = before, AfterState = before, WhatIf = whatIf };
        if (whatIf)
        {
            var predicted = Predict(d, before);
            predicted.InDesiredState = null;
            return new CtResourceSetResult { Resource = Name, BeforeState = before, AfterState = predicted, ChangedProperties = [.. differing], WhatIf = true };
        }
        var actions = Apply(d, before, differing);
        var after = Read(d);
        after.InDesiredState = null;
        return new CtResourceSetResult { Resource = Name, BeforeState = before, AfterState = after, ChangedProperties = [.. differing], Actions = [.. actions] };
    }

    public IEnumerable<CtResourceInstance> Export(CtResourceInstance? filter)
    {
        T? f = filter is null ? null : Checked(filter, validate: false);
        foreach (var item in List(f))
        {
            item.InDesiredState = null;
            yield return item;
        }
    }

    private T Checked(CtResourceInstance instance, bool validate = true)
    {
        if (instance is not T typed)
            throw new CtResourceInputException($"{Name} takes a {typeof(T).Name}, not a {instance.GetType().Name}.");
        if (validate) Validate(typed);
        return typed;
    }

    private static T Clone(T value) =>
        JsonSerializer.Deserialize<T>(JsonSerializer.Serialize(value, CtJson.Compact), CtJson.Input)!;

    /// <summary>Equality for comparison: lists as sets, text case-insensitively, numbers by value.</summary>
    protected static bool ValuesEqual(object? want, object? have)
    {
        if (want is null) return have is null;
        if (have is null) return want is IEnumerable e && want is not string && !e.Cast<object?>().Any();
        if (want is string ws) return have is string hs && string.Equals(ws, hs, StringComparison.OrdinalIgnoreCase);
        if (want is IEnumerable wl && have is IEnumerable hl)
        {
            var a = wl.Cast<object?>().Select(Key).Distinct().Order(StringComparer.Ordinal).ToArray();
            var b = hl.Cast<object?>().Select(Key).Distinct().Order(StringComparer.Ordinal).ToArray();
            return a.SequenceEqual(b);
        }
        return Key(want) == Key(have);
    }

    private static string Key(object? v) => v switch
    {
        null => "",
        string s => s.ToLowerInvariant(),
        IFormattable f => f.ToString(null, System.Globalization.CultureInfo.InvariantCulture).ToLowerInvariant(),
        _ => v.ToString()?.ToLowerInvariant() ?? "",
    };

    // PowerShell values (PSObject wrappers are unwrapped by the cmdlet) to what JSON can carry.
    private static object? Plain(object? v) => v switch
    {
        null => null,
        string or bool or int or long or uint or ulong or short or ushort or byte or double or decimal => v,
        Enum e => e.ToString(),
        IDictionary d => d.Cast<DictionaryEntry>().ToDictionary(x => x.Key.ToString() ?? "", x => Plain(x.Value)),
        IEnumerable list => list.Cast<object?>().Select(Plain).ToArray(),
        _ => v.ToString(),
    };

    private static string Clean(string message)
    {
        // System.Text.Json appends "Path: $.x | LineNumber: 0 | BytePositionInLine: 12." which the caller already has.
        var cut = message.IndexOf(" Path: ", StringComparison.Ordinal);
        return cut > 0 ? message[..cut] : message;
    }
}

/// <summary>The resources this module offers, by name (short "CtSetting" or DSC type "ConntrackTools/CtSetting").</summary>
public static class CtResources
{
    public const string DscTypePrefix = "ConntrackTools/";

    /// <summary>Every resource class of this assembly (non-abstract, public parameterless constructor), by name.</summary>
    public static IReadOnlyList<ICtResource> All { get; } = typeof(CtResources).Assembly.GetTypes()
        .Where(t => t is { IsClass: true, IsAbstract: false } && typeof(ICtResource).IsAssignableFrom(t) && t.GetConstructor(Type.EmptyTypes) is not null)
        .Select(t => (ICtResource)Activator.CreateInstance(t)!)
        .OrderBy(r => r.Name, StringComparer.Ordinal)
        .ToArray();

    public static ICtResource Find(string name)
    {
        var shortName = name.StartsWith(DscTypePrefix, StringComparison.OrdinalIgnoreCase) ? name[DscTypePrefix.Length..] : name;
        return All.FirstOrDefault(r => r.Name.Equals(shortName, StringComparison.OrdinalIgnoreCase))
            ?? throw new CtResourceInputException(
                $"There is no resource '{name}'. The resources are: {string.Join(", ", All.Select(r => r.Name))}.");
    }
}
