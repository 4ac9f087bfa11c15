using System.Net;
using System.Reflection;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;

namespace ConntrackTools.Json;

/// <summary>
/// The one JSON shape of everything the module emits, for ConvertTo-CtJson, ctsh's JSON output, the
/// DSC resources and the Ansible modules. Property names are the .NET property names (the names a
/// PowerShell user sees), addresses are strings, plain enums are their names, [Flags] enums are
/// arrays of names (a value an enum does not name is its number), times are ISO 8601 (DateTimeOffset's round-trip form). Nulls are written, so
/// every object of a type has the same keys; the committed schemas under schemas/ describe them.
/// </summary>
public static class CtJson
{
    /// <summary>Options for compact output (one line).</summary>
    public static JsonSerializerOptions Compact { get; } = Create(indented: false);

    /// <summary>Options for readable output (two-space indentation).</summary>
    public static JsonSerializerOptions Indented { get; } = Create(indented: true);

    /// <summary>Options for reading JSON input: property names case-insensitive, comments and trailing commas allowed.</summary>
    public static JsonSerializerOptions Input { get; } = CreateInput();

    public static string Serialize(object? value, bool indented = false) =>
        JsonSerializer.Serialize(value, TypeOf(value), indented ? Indented : Compact);

    public static JsonNode? ToNode(object? value) =>
        value is null ? null : JsonSerializer.SerializeToNode(value, TypeOf(value), Compact);

    // IPAddress.Loopback and its kin are a private subclass, which the address converter would not match.
    private static Type TypeOf(object? value) => value switch
    {
        null => typeof(object),
        IPAddress => typeof(IPAddress),
        _ => value.GetType(),
    };

    private static JsonSerializerOptions Create(bool indented)
    {
        var options = new JsonSerializerOptions
        {
            WriteIndented = indented,
            // Remediation texts and rule texts hold quotes, '<' and '&': readable, not HTML-escaped.
            // The output is JSON for scripts and files, never embedded in HTML.
            Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
            NumberHandling = JsonNumberHandling.Strict,
        };
        AddConverters(options);
        options.MakeReadOnly(populateMissingResolver: true);
        return options;
    }

    private static JsonSerializerOptions CreateInput()
    {
        var options = new JsonSerializerOptions
        {
            PropertyNameCaseInsensitive = true,
            ReadCommentHandling = JsonCommentHandling.Skip,
            AllowTrailingCommas = true,
        };
        AddConverters(options);
        options.MakeReadOnly(populateMissingResolver: true);
        return options;
    }

    private static void AddConverters(JsonSerializerOptions options)
    {
        options.Converters.Add(new IPAddressConverter());
        options.Converters.Add(new ResourceInstanceConverter());
        options.Converters.Add(new FlagsEnumConverterFactory());
        // A value the enum does not name (a protocol number the kernel tracks generically, say) is
        // written as its number rather than failing the whole object.
        options.Converters.Add(new JsonStringEnumConverter(namingPolicy: null, allowIntegerValues: true));
    }

    /// <summary>
    /// A resource state held as its base type (a test or set result's states) is written as what it
    /// is (a CtSettingState with all its properties), not as the base type's one property. Reading
    /// needs the concrete type, which only the resource knows (ICtResource.Parse).
    /// </summary>
    private sealed class ResourceInstanceConverter : JsonConverter<DesiredState.CtResourceInstance>
    {
        public override DesiredState.CtResourceInstance? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
            throw new JsonException("A resource state is read by its resource (Invoke-CtResource -Name ... -InputJson), which knows its type.");

        public override void Write(Utf8JsonWriter writer, DesiredState.CtResourceInstance value, JsonSerializerOptions options) =>
            JsonSerializer.Serialize(writer, value, value.GetType(), options);
    }

    /// <summary>An address as its text form ("192.0.2.1", "2001:db8::1").</summary>
    private sealed class IPAddressConverter : JsonConverter<IPAddress>
    {
        public override IPAddress? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
        {
            var text = reader.GetString();
            if (text is null) return null;
            return IPAddress.TryParse(text, out var address)
                ? address
                : throw new JsonException($"'{text}' is not an IPv4 or IPv6 address.");
        }

        public override void Write(Utf8JsonWriter writer, IPAddress value, JsonSerializerOptions options) =>
            writer.WriteStringValue(value.ToString());
    }

    /// <summary>[Flags] enums as an array of the set flags' names (none set: an empty array).</summary>
    private sealed class FlagsEnumConverterFactory : JsonConverterFactory
    {
        public override bool CanConvert(Type typeToConvert) =>
            typeToConvert.IsEnum && typeToConvert.GetCustomAttribute<FlagsAttribute>() is not null;

        public override JsonConverter CreateConverter(Type typeToConvert, JsonSerializerOptions options) =>
            (JsonConverter)Activator.CreateInstance(typeof(FlagsEnumConverter<>).MakeGenericType(typeToConvert))!;
    }

    private sealed class FlagsEnumConverter<T> : JsonConverter<T> where T : struct, Enum
    {
        // Single-bit members only, in value order: composite members would repeat their bits.
        private static readonly (ulong Bit, string Name)[] Bits = Enum.GetValues<T>()
            .Select(v => (Bit: Convert.ToUInt64(v, System.Globalization.CultureInfo.InvariantCulture), Name: v.ToString()))
            .Where(b => b.Bit != 0 && (b.Bit & (b.Bit - 1)) == 0)
            .OrderBy(b => b.Bit)
            .ToArray();

        public override T Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
        {
            if (reader.TokenType != JsonTokenType.StartArray)
                throw new JsonException($"{typeof(T).Name} is written as an array of flag names.");
            ulong value = 0;
            while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
            {
                var name = reader.GetString();
                if (name is null || !Enum.TryParse<T>(name, ignoreCase: true, out var flag))
                    throw new JsonException($"'{name}' is not a {typeof(T).Name} flag; expected one of: {string.Join(", ", Bits.Select(b => b.Name))}.");
                value |= Convert.ToUInt64(flag, System.Globalization.CultureInfo.InvariantCulture);
            }
            return (T)Enum.ToObject(typeof(T), value);
        }

        public override void Write(Utf8JsonWriter writer, T value, JsonSerializerOptions options)
        {
            var bits = Convert.ToUInt64(value, System.Globalization.CultureInfo.InvariantCulture);
            writer.WriteStartArray();
            foreach (var (bit, name) in Bits)
                if ((bits & bit) != 0) writer.WriteStringValue(name);
            writer.WriteEndArray();
        }
    }
}
