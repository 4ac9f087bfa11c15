using System.Diagnostics;
using System.Reflection;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using ConntrackTools.DesiredState;
using ConntrackTools.Json;

namespace ConntrackTools.Tests;

/// <summary>
/// A DSC v3 resource manifest (dsc/ConntrackTools.NAME.dsc.resource.json) as DSC reads it: its
/// operations, its embedded schema (compiled with NJsonSchema), and the checks of the manifest
/// against the contract and against the resource's state class.
/// </summary>
public sealed class DscManifest
{
    public const string ManifestSchema = "https://aka.ms/dsc/schemas/v3/bundled/resource/manifest.json";
    public const string JsonSchemaDialect = "https://json-schema.org/draft/2020-12/schema";
    public static readonly string[] Operations = ["get", "set", "whatIf", "test", "export"];

    private DscManifest(string path, JsonObject root, NJsonSchema.JsonSchema schema)
    {
        Path = path;
        Root = root;
        Schema = schema;
        Type = (string?)root["type"] ?? "";
        ResourceName = Type.StartsWith(CtResources.DscTypePrefix, StringComparison.Ordinal) ? Type[CtResources.DscTypePrefix.Length..] : Type;
    }

    /// <summary>The repository root (where ConntrackTools.slnx and ./ctsh are).</summary>
    public static string RepoRoot { get; } = FindRepoRoot();

    /// <summary>dsc/ in the repository.</summary>
    public static string Folder => System.IO.Path.Combine(RepoRoot, "dsc");

    public string Path { get; }

    public JsonObject Root { get; }

    /// <summary>"ConntrackTools/CtSetting".</summary>
    public string Type { get; }

    /// <summary>"CtSetting".</summary>
    public string ResourceName { get; }

    /// <summary>The embedded schema, compiled.</summary>
    public NJsonSchema.JsonSchema Schema { get; }

    public JsonObject EmbeddedSchema => Root["schema"]!["embedded"]!.AsObject();

    /// <summary>The resource of the module this manifest runs (null when the module has none of that name).</summary>
    public ICtResource? Resource => CtResources.All.FirstOrDefault(r => r.Name == ResourceName);

    /// <summary>Every manifest in dsc/.</summary>
    public static IEnumerable<string> Files() => Directory.EnumerateFiles(Folder, "*.dsc.resource.json").Order(StringComparer.Ordinal);

    /// <summary>Reads dsc/ConntrackTools.NAME.dsc.resource.json ("CtSetting" or "ConntrackTools/CtSetting").</summary>
    public static DscManifest Load(string resource)
    {
        var name = resource.StartsWith(CtResources.DscTypePrefix, StringComparison.OrdinalIgnoreCase) ? resource[CtResources.DscTypePrefix.Length..] : resource;
        return LoadFile(System.IO.Path.Combine(Folder, $"ConntrackTools.{name}.dsc.resource.json"));
    }

    public static DscManifest LoadFile(string path)
    {
        var root = JsonNode.Parse(File.ReadAllText(path))?.AsObject() ?? throw new InvalidDataException($"{path} is not a JSON object");
        var embedded = root["schema"]?["embedded"] ?? throw new InvalidDataException($"{path} has no schema.embedded");
        var schema = NJsonSchema.JsonSchema.FromJsonAsync(embedded.ToJsonString()).GetAwaiter().GetResult();
        return new DscManifest(path, root, schema);
    }

    /// <summary>An operation's command: executable, arguments, and how the input is passed.</summary>
    public (string Executable, string[] Args, string? Input) Operation(string operation)
    {
        var op = Root[operation]?.AsObject() ?? throw new InvalidOperationException($"{System.IO.Path.GetFileName(Path)} has no '{operation}' operation");
        return ((string)op["executable"]!, [.. op["args"]!.AsArray().Select(a => (string)a!)], (string?)op["input"]);
    }

    /// <summary>The schema's complaints about one JSON document (empty when it is valid).</summary>
    public IReadOnlyList<string> Validate(string json) =>
        [.. Schema.Validate(json).Select(e => $"{e.Kind} at {e.Path}: {e}")];

    /// <summary>
    /// Where the manifest departs from the contract (contract9.md) or from the resource's state
    /// class: operations and their arguments, exit codes, and a schema whose properties are the
    /// class's JSON properties, in order, with their types, read-only marks and required keys.
    /// </summary>
    public IReadOnlyList<string> ContractProblems()
    {
        var problems = new List<string>();
        void Check(bool ok, string problem)
        {
            if (!ok) problems.Add(problem);
        }

        var file = System.IO.Path.GetFileName(Path);
        Check((string?)Root["$schema"] == ManifestSchema, $"$schema is not {ManifestSchema}");
        Check(Type == CtResources.DscTypePrefix + ResourceName && file == $"ConntrackTools.{ResourceName}.dsc.resource.json", $"type '{Type}' does not match the file name {file}");
        Check((string?)Root["version"] == "0.9.0", "version is not 0.9.0");
        Check(((string?)Root["description"])?.Length > 20, "no description");
        Check(Strings(Root["tags"]).SequenceEqual(["Linux", "netfilter", "conntrack"]), "tags are not Linux, netfilter, conntrack");
        foreach (var op in Operations)
        {
            if (Root[op] is not JsonObject o)
            {
                problems.Add($"no '{op}' operation");
                continue;
            }
            string[] args = ["-Resource", ResourceName, "-Operation", op == "whatIf" ? "set" : op, .. op == "whatIf" ? ["-WhatIf"] : Array.Empty<string>()];
            Check((string?)o["executable"] == "ctsh", $"{op}: executable is not ctsh");
            Check(Strings(o["args"]).SequenceEqual(args), $"{op}: args are not {string.Join(' ', args)}");
            Check((string?)o["input"] == "stdin", $"{op}: input is not stdin");
            var returns = op is "set" or "whatIf" or "test" ? "stateAndDiff" : null;
            Check((string?)o["return"] == returns, $"{op}: return is not {returns ?? "absent"}");
            Check(op != "set" || (bool?)o["implementsPretest"] == true, "set: implementsPretest is not true");
        }
        var exitCodes = Root["exitCodes"]?.AsObject();
        Check(exitCodes is not null && exitCodes.Select(e => e.Key).SequenceEqual(["0", "1", "2", "3"]), "exitCodes are not 0, 1, 2, 3");
        Check((string?)exitCodes?["0"] == "Success" && (string?)exitCodes?["1"] == "Error" && (string?)exitCodes?["2"] == "Invalid input" &&
            ((string?)exitCodes?["3"])?.StartsWith("Permission denied", StringComparison.Ordinal) == true, "exitCodes do not say Success, Error, Invalid input, Permission denied");
        Check(!Root.ToJsonString().Contains("\"$ref\"", StringComparison.Ordinal), "the manifest uses $ref");

        var schema = EmbeddedSchema;
        Check((string?)schema["$schema"] == JsonSchemaDialect, $"schema.embedded.$schema is not {JsonSchemaDialect}");
        Check(((string?)schema["title"])?.Length > 0, "the schema has no title");
        Check((string?)schema["type"] == "object", "the schema's type is not object");
        Check(schema["additionalProperties"] is JsonValue v && v.GetValue<bool>() == false, "the schema allows additionalProperties");
        if (Resource is not { } resource)
        {
            problems.Add($"the module has no resource {ResourceName}");
            return problems;
        }

        var properties = schema["properties"]?.AsObject() ?? [];
        var stateProperties = StateProperties(resource.InstanceType);
        Check(properties.Select(p => p.Key).SequenceEqual(stateProperties.Select(p => p.Json)),
            $"the schema's properties ({string.Join(", ", properties.Select(p => p.Key))}) are not the state class's ({string.Join(", ", stateProperties.Select(p => p.Json))})");
        var required = Strings(schema["required"]).ToHashSet(StringComparer.Ordinal);
        foreach (var (json, property) in stateProperties)
        {
            if (properties[json] is not JsonObject p) continue;
            var isKey = property.IsDefined(typeof(CtKeyAttribute), true);
            var readOnly = property.IsDefined(typeof(CtReadOnlyAttribute), true);
            Check(!required.Contains(json) || isKey, $"{json} is required but is not a key");
            Check(((bool?)p["readOnly"] ?? false) == readOnly, $"{json}: readOnly is {(readOnly ? "missing" : "set on a writable property")}");
            var types = p["type"] is JsonArray a ? Strings(a).ToArray() : [(string?)p["type"] ?? ""];
            Check(required.Contains(json) != types.Contains("null"), required.Contains(json) ? $"{json} is required but allows null" : $"{json} is optional but does not allow null");
            var (type, items, names) = JsonType(property.PropertyType);
            Check(types.Contains(type), $"{json}: type is {string.Join("|", types)}, the class has {type}");
            if (items is not null)
                Check((string?)p["items"]?["type"] == items || Strings(p["items"]?["type"]).Contains(items), $"{json}: items are not {items}");
            if (names is not null)
                Check(Strings(p["enum"]).Where(n => n is not null).SequenceEqual(names), $"{json}: enum is not {string.Join(", ", names)}");
        }
        foreach (var r in required) Check(stateProperties.Any(p => p.Json == r), $"required names {r}, which is no property");
        return problems;
    }

    /// <summary>The state class's properties as CtJson writes them (JSON name, .NET property), in order.</summary>
    public static IReadOnlyList<(string Json, PropertyInfo Property)> StateProperties(Type stateType)
    {
        var written = JsonNode.Parse(CtJson.Serialize(Activator.CreateInstance(stateType)))!.AsObject().Select(p => p.Key);
        var byName = stateType.GetProperties(BindingFlags.Public | BindingFlags.Instance);
        return [.. written.Select(j => (j, byName.First(p =>
            (p.GetCustomAttribute<System.Text.Json.Serialization.JsonPropertyNameAttribute>()?.Name ?? p.Name) == j)))];
    }

    private static (string Type, string? Items, string[]? Enum) JsonType(Type type)
    {
        type = Nullable.GetUnderlyingType(type) ?? type;
        if (type == typeof(string)) return ("string", null, null);
        if (type == typeof(bool)) return ("boolean", null, null);
        if (type.IsEnum) return ("string", null, Enum.GetNames(type));
        if (type.IsArray) return ("array", JsonType(type.GetElementType()!).Type, null);
        if (type.IsPrimitive) return ("integer", null, null);
        return ("object", null, null);
    }

    private static IEnumerable<string?> Strings(JsonNode? node) => node switch
    {
        JsonArray a => a.Select(x => x is JsonValue v && v.TryGetValue<string>(out var s) ? s : null),
        JsonValue v when v.TryGetValue<string>(out var s) => [s],
        _ => [],
    };

    private static string FindRepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(System.IO.Path.Combine(dir.FullName, "ConntrackTools.slnx"))) return dir.FullName;
        throw new DirectoryNotFoundException("repository root (ConntrackTools.slnx) not found above " + AppContext.BaseDirectory);
    }
}

/// <summary>What one operation printed: exit code, stdout lines, stderr (and its DSC trace lines).</summary>
public sealed record DscRun(string Operation, int ExitCode, IReadOnlyList<string> Lines, string Stderr)
{
    /// <summary>Line <paramref name="index"/> of stdout as a JSON object (a state).</summary>
    public JsonObject State(int index = 0) => JsonNode.Parse(Lines[index])!.AsObject();

    /// <summary>Line <paramref name="index"/> of stdout as an array of property names (the diff of test and set).</summary>
    public string[] Names(int index = 1) => [.. JsonNode.Parse(Lines[index])!.AsArray().Select(n => (string)n!)];

    /// <summary>Every stderr line, each parsed as a JSON object (a line that is not one fails).</summary>
    public IReadOnlyList<JsonObject> Trace => [.. Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(ParseTrace)];

    /// <summary>The messages of the {"error":...} trace lines.</summary>
    public IReadOnlyList<string> Errors => [.. Trace.Where(t => t.ContainsKey("error")).Select(t => (string)t["error"]!)];

    public override string ToString() => $"{Operation}: exit {ExitCode}\nstdout:\n{string.Join('\n', Lines)}\nstderr:\n{Stderr}";

    private static JsonObject ParseTrace(string line)
    {
        try
        {
            return JsonNode.Parse(line) as JsonObject ?? throw new InvalidDataException($"stderr line is not a JSON object: {line}");
        }
        catch (JsonException ex)
        {
            throw new InvalidDataException($"stderr line is not a DSC trace line (JSON): {line}", ex);
        }
    }
}

/// <summary>
/// Runs a resource's operations exactly as DSC v3 does from its manifest: the operation's executable
/// (found on a PATH that starts with the repository root, so "ctsh" is ./ctsh) with the manifest's
/// arguments, the input JSON on stdin. Every state line is checked against the manifest's schema
/// and the stateAndDiff shape; a departure throws, so every caller checks it.
/// </summary>
public static class DscHarness
{
    /// <summary>Runs <paramref name="operation"/> (get, set, whatIf, test, export) with <paramref name="input"/> written to stdin as compact JSON (null: nothing).</summary>
    public static DscRun Run(DscManifest manifest, string operation, JsonNode? input, bool unprivileged = false) =>
        RunRaw(manifest, operation, input?.ToJsonString(CtJson.Compact), unprivileged);

    /// <summary>Runs <paramref name="operation"/> with <paramref name="stdin"/> as it is (for input that is not JSON); null closes stdin at once.</summary>
    public static DscRun RunRaw(DscManifest manifest, string operation, string? stdin, bool unprivileged = false)
    {
        var (executable, args, input) = manifest.Operation(operation);
        if (input != "stdin") throw new NotSupportedException($"{operation}: input '{input}' is not supported by the harness (the contract says stdin)");
        var path = string.Join(':', new[] { DscManifest.RepoRoot, Environment.GetEnvironmentVariable("PATH") ?? "" });
        var file = Resolve(executable, path);
        var psi = new ProcessStartInfo
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            StandardOutputEncoding = Encoding.UTF8,
            StandardErrorEncoding = Encoding.UTF8,
        };
        if (unprivileged)
        {
            // As an unprivileged user (nobody), with a HOME it may write.
            psi.FileName = Requirements.Which("setpriv") ?? throw new InvalidOperationException("setpriv is needed to run unprivileged");
            foreach (var a in (string[])["--reuid", "65534", "--regid", "65534", "--clear-groups", file]) psi.ArgumentList.Add(a);
            psi.Environment["HOME"] = Path.GetTempPath();
            psi.Environment["DOTNET_CLI_HOME"] = Path.GetTempPath();
        }
        else
        {
            psi.FileName = file;
        }
        foreach (var a in args) psi.ArgumentList.Add(a);
        psi.Environment["PATH"] = path;

        using var p = Process.Start(psi) ?? throw new InvalidOperationException($"could not start {file}");
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        if (stdin is not null) p.StandardInput.Write(stdin);
        p.StandardInput.Close();
        if (!p.WaitForExit(120_000))
        {
            p.Kill(entireProcessTree: true);
            throw new TimeoutException($"{executable} {string.Join(' ', args)} did not finish in 120 s");
        }
        p.WaitForExit();
        var run = new DscRun(operation, p.ExitCode, stdout.Result.Split('\n', StringSplitOptions.RemoveEmptyEntries), stderr.Result);
        CheckShape(manifest, run);
        return run;
    }

    /// <summary>Builds an instance's JSON: the properties given (null values left out), with NetworkNamespace when <paramref name="netns"/> is given.</summary>
    public static JsonObject Input(string? netns, params (string Name, object? Value)[] properties)
    {
        var o = new JsonObject();
        if (netns is not null) o["NetworkNamespace"] = netns;
        foreach (var (name, value) in properties)
            if (value is not null) o[name] = JsonSerializer.SerializeToNode(value, CtJson.Compact);
        return o;
    }

    /// <summary>
    /// What DSC expects of the output: on success, get one state, test/set/whatIf a state and an
    /// array of names, export one state per line; every state valid against the schema; stderr
    /// only JSON trace lines; a failure has an error line.
    /// </summary>
    private static void CheckShape(DscManifest manifest, DscRun run)
    {
        var problems = new List<string>();
        _ = run.Trace; // every stderr line must be a JSON trace line
        if (run.ExitCode != 0 && run.Errors.Count == 0) problems.Add("a failure without an {\"error\":...} line on stderr");
        if (run.ExitCode == 0)
        {
            var stateLines = run.Operation switch
            {
                "get" => 1,
                "set" or "whatIf" or "test" => 2,
                _ => run.Lines.Count,
            };
            if (run.Lines.Count != stateLines) problems.Add($"{run.Lines.Count} lines on stdout, expected {stateLines}");
            for (var i = 0; i < run.Lines.Count; i++)
            {
                if (run.Operation is "set" or "whatIf" or "test" && i == 1)
                {
                    if (JsonNode.Parse(run.Lines[i]) is not JsonArray names || names.Any(n => n is not JsonValue v || !v.TryGetValue<string>(out _)))
                        problems.Add($"line 2 is not an array of property names: {run.Lines[i]}");
                    continue;
                }
                foreach (var e in manifest.Validate(run.Lines[i])) problems.Add($"line {i + 1} does not match the schema: {e}: {run.Lines[i]}");
                if (run.Operation == "test" && JsonNode.Parse(run.Lines[i])?["_inDesiredState"] is not JsonValue)
                    problems.Add("test's state has no _inDesiredState");
            }
        }
        if (problems.Count > 0) throw new InvalidDataException($"{manifest.Type} {run}\n" + string.Join('\n', problems));
    }

    /// <summary>Finds <paramref name="executable"/> as a shell would on <paramref name="path"/>.</summary>
    private static string Resolve(string executable, string path)
    {
        if (executable.Contains('/')) return Path.GetFullPath(executable, DscManifest.RepoRoot);
        foreach (var dir in path.Split(':', StringSplitOptions.RemoveEmptyEntries))
        {
            var candidate = Path.Combine(dir, executable);
            if (File.Exists(candidate)) return candidate;
        }
        throw new FileNotFoundException($"'{executable}' is not on PATH ({path})");
    }
}

/// <summary>A network namespace made for a test (kernel defaults for its sysctls), removed afterwards.</summary>
public sealed class DscNamespace : IDisposable
{
    private static int _counter;

    public DscNamespace(string tag = "dsc")
    {
        Name = $"ct{tag}{Environment.ProcessId % 100000}x{Interlocked.Increment(ref _counter)}";
        Shell.Check("ip", "netns", "add", Name);
    }

    public string Name { get; }

    /// <summary>What `ip netns exec NS sysctl -n net.netfilter.NAME` prints.</summary>
    public string Sysctl(string name) => TestNetwork.Exec(Name, "sysctl", "-n", "net.netfilter." + name).Trim();

    /// <summary>Every net.netfilter sysctl of the namespace (nf_conntrack_count left out: it moves by itself), as `sysctl -a` prints them.</summary>
    public IReadOnlyDictionary<string, string> Snapshot() => Parse(TestNetwork.Exec(Name, "sysctl", "-a", "-r", "^net\\.netfilter\\."));

    /// <summary>The same for the root namespace, which tests only read.</summary>
    public static IReadOnlyDictionary<string, string> RootSnapshot() => Parse(Shell.Check("sysctl", "-a", "-r", "^net\\.netfilter\\."));

    public void Dispose() => Shell.Run("ip", ["netns", "del", Name]);

    private static Dictionary<string, string> Parse(string text) => text.Split('\n', StringSplitOptions.RemoveEmptyEntries)
        .Select(l => l.Split(" = ", 2))
        .Where(kv => kv.Length == 2 && !kv[0].EndsWith("nf_conntrack_count", StringComparison.Ordinal))
        .ToDictionary(kv => kv[0].Trim(), kv => kv[1].Trim());
}
