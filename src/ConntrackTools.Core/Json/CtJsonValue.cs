using System.Collections;
using System.Globalization;
using System.Net;
using System.Numerics;
using System.Reflection;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace ConntrackTools.Json;

/// <summary>
/// Any value in <see cref="CtJson"/>'s shape, for ConvertTo-CtJson and ctsh -OutputFormat Json: the
/// module's own objects exactly as CtJson writes them, and around them what scripts build (hashtables,
/// ordered dictionaries, arrays, strings, numbers), nested. Objects of types the module does not know
/// (a FileInfo, a Process) are written as their public properties one level deep, nested objects and
/// collections as their ToString(), so that what comes out is small and bounded and a getter that
/// throws costs only its own value (null). Nothing here throws for a value it cannot write: the
/// worst case is its ToString().
/// </summary>
public static class CtJsonValue
{
    /// <summary>How deep dictionaries and arrays may nest before a level is written as its ToString() (a hashtable holding itself ends there).</summary>
    public const int MaxDepth = 64;

    private static readonly Assembly CoreAssembly = typeof(CtJsonValue).Assembly;

    /// <summary>
    /// The JSON of <paramref name="value"/>. <paramref name="adapt"/> is called on every value before
    /// it is looked at, so a caller can unwrap its own wrappers: ConvertTo-CtJson turns a PSObject into
    /// its base object, and a PSCustomObject into a dictionary of its properties.
    /// </summary>
    public static JsonNode? ToNode(object? value, Func<object, object?>? adapt = null) =>
        Convert(value, adapt, 0, plainProperties: true);

    /// <summary>The JSON text of <paramref name="value"/>, indented (two spaces) or on one line.</summary>
    public static string ToJson(object? value, bool indented, Func<object, object?>? adapt = null) =>
        Write(ToNode(value, adapt), indented);

    /// <summary>The text of a node made by <see cref="ToNode"/>, with CtJson's encoder (quotes and '&lt;' readable, not escaped for HTML).</summary>
    public static string Write(JsonNode? node, bool indented) =>
        node?.ToJsonString(indented ? CtJson.Indented : CtJson.Compact) ?? "null";

    /// <summary>
    /// The JSON of an object of one of the module's types given as the bag of its properties: what
    /// comes back from remoting, jobs or Import-Clixml (enumerations as their names, flags as "A, B",
    /// times as bags or text). It is written in the type's own shape, as if the object had not
    /// travelled: every property of the type in its order, enumerations by name, flags as arrays.
    /// </summary>
    public static JsonNode FromProperties(Type type, IDictionary properties, Func<object, object?>? adapt = null)
    {
        ArgumentNullException.ThrowIfNull(type);
        ArgumentNullException.ThrowIfNull(properties);
        return FromProperties(type, properties, adapt, 0);
    }

    /// <summary>The module's type of this full name ("ConntrackTools.CtConnection"), or null when the module has none.</summary>
    public static Type? FindModuleType(string fullName)
    {
        var type = CoreAssembly.GetType(fullName, throwOnError: false);
        return type is not null && type.IsClass && IsModuleType(type) ? type : null;
    }

    private static JsonObject FromProperties(Type type, IDictionary properties, Func<object, object?>? adapt, int depth)
    {
        var obj = new JsonObject();
        foreach (var property in type.GetProperties(BindingFlags.Public | BindingFlags.Instance))
        {
            if (property.GetIndexParameters().Length != 0) continue;
            obj[property.Name] = properties.Contains(property.Name) ? ConvertAs(property.PropertyType, properties[property.Name], adapt, depth + 1) : null;
        }
        return obj;
    }

    /// <summary>A travelled value, read back as the type the property has.</summary>
    private static JsonNode? ConvertAs(Type type, object? value, Func<object, object?>? adapt, int depth)
    {
        if (value is not null && adapt is not null) value = adapt(value);
        if (value is null or DBNull) return null;
        var target = Nullable.GetUnderlyingType(type) ?? type;
        try
        {
            if (target.IsEnum && value is not Enum)
            {
                var e = value is string text ? Enum.Parse(target, text, ignoreCase: true) : Enum.ToObject(target, value);
                return CtJson.ToNode(e);
            }
            if (target == typeof(DateTimeOffset) && value is string time)
                return CtJson.ToNode(DateTimeOffset.Parse(time, CultureInfo.InvariantCulture));
            if (target == typeof(IPAddress) && value is string address)
                return CtJson.ToNode(IPAddress.Parse(address));
        }
        catch (Exception ex) when (ex is ArgumentException or FormatException or OverflowException or InvalidCastException)
        {
            // Not what the type holds: written as it came.
            return Convert(value, adapt, depth, plainProperties: false);
        }
        if (depth < MaxDepth && value is IDictionary bag && target.IsClass && IsModuleType(target))
            return FromProperties(target, bag, adapt, depth);
        if (depth < MaxDepth && target.IsGenericType && target.GetGenericTypeDefinition() == typeof(IDictionary<,>) && value is IDictionary travelled)
        {
            // The module's dictionaries (CtHelper.Options) are sorted by key; a Hashtable that travelled is not.
            var valueType = target.GetGenericArguments()[1];
            var obj = new JsonObject();
            foreach (var entry in travelled.Cast<DictionaryEntry>().OrderBy(e => e.Key?.ToString(), StringComparer.Ordinal))
                obj[entry.Key?.ToString() ?? ""] = ConvertAs(valueType, entry.Value, adapt, depth + 1);
            return obj;
        }
        if (depth < MaxDepth && target.IsArray && value is IEnumerable items and not string)
        {
            var element = target.GetElementType()!;
            var array = new JsonArray();
            foreach (var item in items) array.Add(ConvertAs(element, item, adapt, depth + 1));
            return array;
        }
        return Convert(value, adapt, depth, plainProperties: true);
    }

    private static JsonNode? Convert(object? value, Func<object, object?>? adapt, int depth, bool plainProperties)
    {
        if (value is not null && adapt is not null) value = adapt(value);
        switch (value)
        {
            case null or DBNull:
                return null;
            case JsonNode node:
                return node.DeepClone();
            case JsonElement element:
                return JsonSerializer.SerializeToNode(element);
        }

        if (TryScalar(value, out var scalar)) return scalar;

        // The module's own objects (the model, the desired-state results): the one CtJson shape.
        if (IsModuleType(value.GetType())) return Safe(value, v => CtJson.ToNode(v));

        if (depth >= MaxDepth) return Text(value);

        if (value is IDictionary dictionary)
        {
            var obj = new JsonObject();
            try
            {
                foreach (DictionaryEntry entry in dictionary)
                {
                    var key = entry.Key is null ? "" : Convert(entry.Key, adapt, depth + 1, plainProperties: false) switch
                    {
                        JsonValue v when v.TryGetValue<string>(out var s) => s,
                        var other => other?.ToJsonString() ?? "",
                    };
                    obj[key] = Convert(entry.Value, adapt, depth + 1, plainProperties);
                }
            }
            catch (Exception ex) when (ex is InvalidOperationException or NotSupportedException)
            {
                // Changed while enumerated: what was read stands.
            }
            return obj;
        }

        if (value is IEnumerable sequence)
        {
            var array = new JsonArray();
            try
            {
                foreach (var item in sequence) array.Add(Convert(item, adapt, depth + 1, plainProperties));
            }
            catch (Exception ex) when (ex is InvalidOperationException or NotSupportedException)
            {
            }
            return array;
        }

        return plainProperties ? PlainProperties(value, adapt) : Text(value);
    }

    /// <summary>An object of a type the module does not know: its public properties, one level deep.</summary>
    private static JsonNode PlainProperties(object value, Func<object, object?>? adapt)
    {
        var properties = value.GetType().GetProperties(BindingFlags.Public | BindingFlags.Instance)
            .Where(p => p.CanRead && p.GetIndexParameters().Length == 0 && p.GetMethod is { IsPublic: true })
            .ToArray();
        if (properties.Length == 0) return Text(value);
        var obj = new JsonObject();
        foreach (var property in properties)
        {
            object? propertyValue;
            try
            {
                propertyValue = property.GetValue(value);
            }
            catch (Exception)
            {
                // A getter that throws (a Process that has exited, a stream that cannot seek) is just not known.
                obj[property.Name] = null;
                continue;
            }
            if (propertyValue is not null && adapt is not null) propertyValue = adapt(propertyValue);
            obj[property.Name] = propertyValue is null ? null
                : TryScalar(propertyValue, out var scalar) ? scalar
                : Text(propertyValue);
        }
        return obj;
    }

    /// <summary>Values JSON has a literal for, and the few types whose text is their value (addresses, times, enums).</summary>
    private static bool TryScalar(object value, out JsonNode? node)
    {
        switch (value)
        {
            case string s:
                node = JsonValue.Create(s);
                return true;
            case char c:
                node = JsonValue.Create(c.ToString());
                return true;
            case bool b:
                node = JsonValue.Create(b);
                return true;
            case byte or sbyte or short or ushort or int or uint or long or ulong or decimal:
                node = JsonSerializer.SerializeToNode(value, value.GetType(), CtJson.Compact);
                return true;
            case double d:
                node = double.IsFinite(d) ? JsonValue.Create(d) : JsonValue.Create(d.ToString(CultureInfo.InvariantCulture));
                return true;
            case float f:
                node = float.IsFinite(f) ? JsonValue.Create(f) : JsonValue.Create(f.ToString(CultureInfo.InvariantCulture));
                return true;
            case BigInteger big:
                node = JsonNode.Parse(big.ToString(CultureInfo.InvariantCulture));
                return true;
            case Enum or IPAddress or DateTimeOffset or DateTime or TimeSpan or Guid or DateOnly or TimeOnly:
                node = Safe(value, v => CtJson.ToNode(v));
                return true;
            case Version or Uri or Type:
                node = JsonValue.Create(value.ToString());
                return true;
            default:
                node = null;
                return false;
        }
    }

    private static bool IsModuleType(Type type) =>
        type.Assembly == CoreAssembly && type.IsPublic && type.Namespace is { } ns
        && (ns == "ConntrackTools" || ns.StartsWith("ConntrackTools.", StringComparison.Ordinal));

    private static JsonNode? Safe(object value, Func<object, JsonNode?> convert)
    {
        try
        {
            return convert(value);
        }
        catch (Exception)
        {
            // A value the serializer cannot write (a getter that throws): its text, never a failure.
            return Text(value);
        }
    }

    private static JsonValue Text(object value)
    {
        string? text;
        try
        {
            text = value.ToString();
        }
        catch (Exception)
        {
            text = null;
        }
        return JsonValue.Create(text ?? value.GetType().FullName ?? "")!;
    }
}
