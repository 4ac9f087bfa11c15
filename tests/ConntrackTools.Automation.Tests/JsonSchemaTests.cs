using System.Collections.Concurrent;
using System.Reflection;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using ConntrackTools.Engine;
using ConntrackTools.Engine.Helpers;
using ConntrackTools.DesiredState;
using ConntrackTools.Json;
using ConntrackTools.Kernel;
using ConntrackTools.Kernel.Netlink;
using NJsonSchema;
using Xunit;

namespace ConntrackTools.Tests;

/// <summary>
/// The committed schemas (schemas/*.schema.json) against the model and against real objects: a schema
/// lists exactly the properties of its type, with null where the type allows it; objects from the
/// engine and from the kernel, written by CtJson (in process) and by ctsh -OutputFormat Json
/// (ConvertTo-CtJson), validate; a document of the wrong shape does not.
/// </summary>
public sealed class JsonSchemaTests
{
    /// <summary>Every type the cmdlets emit has its own schema file; the types nested in them are "$defs" there.</summary>
    public static readonly Type[] SchemaTypes =
    [
        typeof(CtConnection), typeof(CtTuple), typeof(CtExpectation), typeof(CtEvent), typeof(CtExpectationEvent), typeof(CtEventLoss),
        typeof(CtStatistic), typeof(CtCpuStatistic), typeof(CtHelper), typeof(CtExpectPolicy), typeof(CtExpectationShape),
        typeof(CtHelperObject), typeof(CtRule), typeof(CtSetting), typeof(CtHelperAssignment), typeof(CtFinding), typeof(CtEngine),
        typeof(CtResourceTestResult), typeof(CtResourceSetResult),
    ];

    private static readonly ConcurrentDictionary<string, JsonSchema> Parsed = new();

    private static string RepoRoot { get; } = FindRepoRoot();

    private static string SchemaPath(string type) => Path.Combine(RepoRoot, "schemas", type + ".schema.json");

    private static JsonObject SchemaDocument(string type) => JsonNode.Parse(File.ReadAllText(SchemaPath(type)))!.AsObject();

    private static JsonSchema Schema(string type) =>
        Parsed.GetOrAdd(type, t => JsonSchema.FromJsonAsync(File.ReadAllText(SchemaPath(t))).GetAwaiter().GetResult());

    /// <summary>
    /// The model: the public classes of namespace ConntrackTools in Core (Model/), and the results of
    /// Invoke-CtResource (the resource states themselves are described by their DSC manifests).
    /// </summary>
    private static IEnumerable<Type> ModelTypes() =>
        typeof(CtConnection).Assembly.GetExportedTypes().Where(t => t.IsClass && t.Namespace == "ConntrackTools")
            .Concat([typeof(CtResourceTestResult), typeof(CtResourceSetResult)]);

    public static TheoryData<string> ModelTypeNames()
    {
        var data = new TheoryData<string>();
        foreach (var t in ModelTypes()) data.Add(t.Name);
        return data;
    }

    /// <summary>Validates JSON text against a type's schema; fails with the errors and the text.</summary>
    private static void AssertValid(string type, string json)
    {
        var errors = Schema(type).Validate(json);
        Assert.True(errors.Count == 0, $"{type} does not match schemas/{type}.schema.json: {string.Join("; ", errors.Select(e => e.ToString().ReplaceLineEndings(" ")))}\n{json}");
    }

    private static void AssertValid(string type, JsonNode? node) => AssertValid(type, node!.ToJsonString(CtJson.Compact));

    [Fact]
    public void Every_model_type_has_a_schema_file_or_a_definition_and_every_schema_file_a_type()
    {
        var files = Directory.GetFiles(Path.Combine(RepoRoot, "schemas"), "*.schema.json").Select(f => Path.GetFileName(f)[..^".schema.json".Length]).Order().ToArray();
        Assert.Equal(SchemaTypes.Select(t => t.Name).Order(), files);
        var nested = files.SelectMany(f => Nested(SchemaDocument(f))).Select(n => (string?)n["title"]).ToHashSet();
        foreach (var t in ModelTypes())
            Assert.True(files.Contains(t.Name) || nested.Contains(t.Name), $"{t.Name} is in the model but neither has schemas/{t.Name}.schema.json nor is nested in one");

        // The build stages every schema into the module folder.
        var staged = Directory.GetFiles(Path.Combine(RepoRoot, "out", "ConntrackTools", "schemas")).Select(Path.GetFileName).Order().ToArray();
        Assert.Equal(files.Select(f => f + ".schema.json"), staged);
    }

    [Fact]
    public void Every_model_type_a_cmdlet_declares_as_output_has_a_schema()
    {
        // [OutputType(typeof(X), typeof(Y))] in the cmdlet sources, resolved against the model.
        var declared = Directory.GetFiles(Path.Combine(RepoRoot, "src", "ConntrackTools", "Commands"), "*.cs")
            .SelectMany(f => Regex.Matches(File.ReadAllText(f), @"\[OutputType\(([^\]]*)\)\]").Select(m => m.Groups[1].Value))
            .SelectMany(args => Regex.Matches(args, @"typeof\((\w+)\)").Select(m => m.Groups[1].Value))
            .ToHashSet();
        var model = ModelTypes().Select(t => t.Name).ToHashSet();
        var emitted = declared.Where(model.Contains).ToList();
        Assert.Contains("CtConnection", emitted);
        foreach (var name in emitted) Assert.True(File.Exists(SchemaPath(name)), $"a cmdlet writes {name}, but schemas/{name}.schema.json does not exist");
    }

    [Theory]
    [MemberData(nameof(ModelTypeNames))]
    public void A_schema_lists_exactly_the_types_public_properties_in_order_with_null_where_the_type_allows_it(string typeName)
    {
        var type = ModelTypes().Single(t => t.Name == typeName);
        // The type's own file, and every place it is nested in a file (inline, with its name as "title"): all must agree with the type.
        var schemas = SchemaTypes.Select(t => t.Name)
            .SelectMany(f => f == typeName
                ? [(File: f, Node: SchemaDocument(f))]
                : Nested(SchemaDocument(f)).Where(n => (string?)n["title"] == typeName).Select(n => (File: f, Node: n)))
            .ToList();
        Assert.NotEmpty(schemas);
        var nullability = new NullabilityInfoContext();
        var properties = type.GetProperties(BindingFlags.Public | BindingFlags.Instance);
        foreach (var (file, schema) in schemas)
        {
            var where = file == typeName ? $"schemas/{file}.schema.json" : $"{typeName} nested in schemas/{file}.schema.json";
            Assert.Equal(typeName, (string?)schema["title"]);
            Assert.Contains("object", schema["type"] is JsonArray types ? types.Select(t => (string?)t) : [(string?)schema["type"]]);
            Assert.False((bool?)schema["additionalProperties"] ?? true, $"{where}: additionalProperties must be false");
            var listed = schema["properties"]!.AsObject().Select(p => p.Key).ToArray();
            Assert.True(properties.Select(p => p.Name).SequenceEqual(listed),
                $"{where} lists [{string.Join(", ", listed)}] but {typeName} has [{string.Join(", ", properties.Select(p => p.Name))}]: update the schema with the type (the JSON shape is documented and stable).");
            Assert.Equal(listed, schema["required"]!.AsArray().Select(n => (string?)n));
            foreach (var p in properties)
            {
                var nullable = Nullable.GetUnderlyingType(p.PropertyType) is not null
                    || (!p.PropertyType.IsValueType && nullability.Create(p).ReadState == NullabilityState.Nullable);
                Assert.True(nullable == AdmitsNull(schema["properties"]![p.Name]!), $"{where}: {p.Name} is {(nullable ? "" : "not ")}nullable in {typeName}, the schema says otherwise");
            }
        }
    }

    /// <summary>
    /// The object schemas nested in a schema (a connection's tuples, a helper's policies): inline,
    /// named by "title". Inline rather than "$defs": NJsonSchema does not resolve a "$ref" inside a
    /// "$defs" entry (RicoSuter/NJsonSchema#1536), which an event's connection's tuple would need.
    /// </summary>
    private static IEnumerable<JsonObject> Nested(JsonObject root)
    {
        var pending = new Stack<JsonNode?>(root.Select(p => p.Value));
        while (pending.TryPop(out var node))
        {
            if (node is JsonObject o)
            {
                if (o["title"] is JsonValue && o["properties"] is JsonObject) yield return o;
                foreach (var (_, child) in o) pending.Push(child);
            }
            else if (node is JsonArray a)
            {
                foreach (var child in a) pending.Push(child);
            }
        }
    }

    private static bool AdmitsNull(JsonNode property) =>
        property["type"] switch
        {
            JsonArray types => types.Any(t => (string?)t == "null"),
            JsonValue single => (string?)single == "null",
            _ => property["anyOf"] is JsonArray any && any.Any(a => (string?)a!["type"] == "null"),
        };

    [Fact]
    public void Engine_objects_from_the_lab_capture_validate_against_their_schemas()
    {
        var lab = Path.Combine(RepoRoot, "examples", "lab.pcap");
        var settings = new EngineSettings();
        settings.Rules.Add(EngineRule.Parse("tcp dport 21 ct helper set ftp"));
        var engine = new ConntrackEngine("schema", settings);
        // Written when they happen: the engine updates its objects in place.
        var events = new List<string>();
        var expectationEvents = new List<(CtExpectationEvent Event, string Json)>();
        engine.Subscribe(e => events.Add(CtJson.Serialize(e)));
        engine.SubscribeExpectations(e => expectationEvents.Add((e, CtJson.Serialize(e))));
        using (var reader = CaptureFileReader.Open(lab))
            while (reader.TryRead(out var r)) engine.Process(r.LinkType, r.Data, r.OriginalLength, r.TimestampNs);

        var connections = engine.Snapshot();
        Assert.Contains(connections, c => c.Master is not null && c.Helper is null);
        Assert.Contains(connections, c => c.Helper == "ftp" && c.TcpFlagsOriginal is not null);
        foreach (var c in connections) AssertValid("CtConnection", CtJson.Serialize(c));
        foreach (var t in connections.SelectMany(c => new[] { c.Original, c.Reply })) AssertValid("CtTuple", CtJson.Serialize(t));
        Assert.NotEmpty(events);
        foreach (var e in events) AssertValid("CtEvent", e);
        Assert.Contains(expectationEvents, e => e.Event.Type == CtEventType.New);
        foreach (var (e, json) in expectationEvents)
        {
            AssertValid("CtExpectationEvent", json);
            AssertValid("CtExpectation", CtJson.Serialize(e.Expectation));
        }
        var statistics = engine.GetStatistics();
        AssertValid("CtStatistic", CtJson.Serialize(statistics));
        var helpers = HelperCatalog.Describe(engine.Settings, engine.Backend).ToList();
        Assert.True(helpers.Count > 10);
        foreach (var h in helpers)
        {
            AssertValid("CtHelper", CtJson.Serialize(h));
            foreach (var p in h.Policies) AssertValid("CtExpectPolicy", CtJson.Serialize(p));
            foreach (var s in h.Expectations) AssertValid("CtExpectationShape", CtJson.Serialize(s));
        }
        AssertValid("CtEventLoss", CtJson.Serialize(new CtEventLoss { Time = DateTimeOffset.UnixEpoch, Lost = null, TotalLost = 12, ReceiveBufferSize = 212992 }));
        AssertValid("CtCpuStatistic", CtJson.Serialize(new CtCpuStatistic { Cpu = 1, Found = 3 }));

        // The engine as Get-CtEngine describes it.
        var name = "schema" + Guid.NewGuid().ToString("N")[..8];
        Assert.True(EngineHost.TryCreate(name, new EngineSettings(), out var host));
        try
        {
            host.RunFiles([lab], null, null, CancellationToken.None);
            AssertValid("CtEngine", CtJson.Serialize(host.Describe()));
        }
        finally
        {
            EngineHost.Remove(name);
        }
    }

    [KernelFact("nft", "conntrack", "python3")]
    public void Kernel_objects_from_a_test_namespace_written_by_ctsh_OutputFormat_Json_validate_against_their_schemas()
    {
        using var net = new TestNetwork("js");
        net.Tcp(net.B4, 8080);
        net.Ping(net.B4);
        // What the Ansible facts module asks for, and the objects the write cmdlets make, in one run.
        var script = $$"""
            $ns = '{{net.B}}'
            New-CtConnection -Netns $ns tcp -Source 10.9.0.1 -Destination {{net.B4}} -Sport 40000 -Dport 6667 -State Established -Timeout 300 -Helper irc | Out-Null
            Get-CtConnection -Netns $ns -Dport 6667 | New-CtExpectation -Destination 10.9.0.1 -Dport 5555 -Timeout 120 -Helper irc | Out-Null
            New-CtHelper -Netns $ns ftp-standard -Type ftp -Table fw -DestinationAddress {{net.B4}} | Out-Null
            New-CtNotrackRule -Netns $ns -Protocol udp -DestinationPort 53 | Out-Null
            [ordered]@{
                CtConnection = @(Get-CtConnection -Netns $ns)
                CtExpectation = @(Get-CtExpectation -Netns $ns)
                CtStatistic = @(Get-CtStatistic -Netns $ns)
                CtCpuStatistic = @(Get-CtStatistic -Netns $ns -PerCpu)
                CtHelper = @(Get-CtHelper -Netns $ns)
                CtHelperObject = @(Get-CtHelper -Netns $ns -Ruleset)
                CtRule = @(Get-CtNotrackRule -Netns $ns)
                CtSetting = @(Get-CtSetting -Netns $ns)
                CtFinding = @(Test-CtAntiSpoof -Netns $ns) + @(Test-CtHelperSecurity -Netns $ns)
            }
            """;
        var r = Shell.Run(Path.Combine(RepoRoot, "ctsh"), ["-OutputFormat", "Json", "-Command", script], timeoutMs: 120_000);
        Assert.True(r.ExitCode == 0, $"ctsh exited {r.ExitCode}: {r.Stderr}");
        var facts = Assert.Single(JsonNode.Parse(r.Stdout)!.AsArray())!.AsObject();
        foreach (var (type, items) in facts)
        {
            Assert.True(items!.AsArray().Count > 0, $"no {type} was written");
            foreach (var item in items.AsArray()) AssertValid(type, item);
        }
        var connections = facts["CtConnection"]!.AsArray();
        Assert.Contains(connections, c => (string?)c!["Helper"] == "irc" && (string?)c["State"] == "Established");
        Assert.Contains(connections, c => (string?)c!["Protocol"] == "Tcp" && c["Start"] is not null && c["OriginalPackets"] is not null);
        Assert.All(connections, c => Assert.Equal($"kernel:{net.B}", (string?)c!["Backend"]));
        Assert.Contains(facts["CtHelperObject"]!.AsArray(), o => (string?)o!["Name"] == "ftp-standard" && o["Rules"]!.AsArray().Count == 1);

        // CtHelperAssignment is read in Core alone (the helper audit reports it as a finding).
        var assignment = ConntrackSettings.AutomaticHelperAssignment(NetworkNamespace.Resolve(net.B));
        AssertValid("CtHelperAssignment", CtJson.Serialize(assignment));
    }

    [Fact]
    public void A_document_of_the_wrong_shape_fails_validation()
    {
        var good = JsonNode.Parse(CtJson.Serialize(new CtConnection
        {
            Family = CtFamily.IPv4,
            Protocol = CtProtocol.Udp,
            Original = new CtTuple { Source = System.Net.IPAddress.Parse("192.0.2.1"), Destination = System.Net.IPAddress.Parse("192.0.2.2"), Protocol = CtProtocol.Udp, SourcePort = 1, DestinationPort = 53 },
            Status = CtStatus.Confirmed,
        }))!.AsObject();
        AssertValid("CtConnection", good);

        static JsonObject With(JsonObject o, Action<JsonObject> change)
        {
            var copy = o.DeepClone().AsObject();
            change(copy);
            return copy;
        }
        var wrong = new Dictionary<string, JsonObject>
        {
            ["Status as a number"] = With(good, o => o["Status"] = 8),
            ["an unknown flag"] = With(good, o => o["Status"] = new JsonArray("Confirmed", "Bogus")),
            ["a property the type lacks"] = With(good, o => o["Extra"] = 1),
            ["a property left out"] = With(good, o => o.Remove("Stop")),
            ["null where the type has none"] = With(good, o => o["Mark"] = null),
            ["a nested tuple's address as a number"] = With(good, o => o["Original"]!["Source"] = 3221225985),
            ["a port out of range"] = With(good, o => o["Original"]!["SourcePort"] = 70000),
            ["a state by a name the enum lacks"] = With(good, o => o["State"] = "Bogus"),
        };
        foreach (var (what, document) in wrong)
            Assert.True(Schema("CtConnection").Validate(document.ToJsonString()).Count > 0, $"{what}: the schema accepted {document.ToJsonString()}");
    }

    private static string FindRepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "ConntrackTools.slnx"))) return dir.FullName;
        throw new DirectoryNotFoundException("repository root (ConntrackTools.slnx) not found above " + AppContext.BaseDirectory);
    }

    [KernelFact("ip")]
    public void Resource_results_keep_their_states_concrete_shape_and_validate()
    {
        using var ns = new ScratchNamespace();
        var resource = CtResources.Find("CtSetting");
        var desired = resource.Parse($$"""{"NetworkNamespace":"{{ns.Name}}","Name":"nf_conntrack_acct","Value":1}""");
        var test = JsonNode.Parse(CtJson.Serialize(resource.Test(desired)))!;
        AssertValid("CtResourceTestResult", test);
        // The states are written as what they are (CtSettingState), not as the base type's one property.
        Assert.Equal("nf_conntrack_acct", (string?)test["ActualState"]!["Name"]);
        Assert.Equal(false, (bool?)test["ActualState"]!["_inDesiredState"]);
        Assert.Equal(1, (long?)test["DesiredState"]!["Value"]);
        var set = JsonNode.Parse(CtJson.Serialize(resource.Set(desired, whatIf: true)))!;
        AssertValid("CtResourceSetResult", set);
        Assert.Equal(1, (long?)set["AfterState"]!["Value"]);
        Assert.Equal(0, (long?)set["BeforeState"]!["Value"]);
        Assert.Equal(["Value"], set["ChangedProperties"]!.AsArray().Select(n => (string?)n));
    }

    /// <summary>A bare network namespace of the test's own, removed afterwards.</summary>
    private sealed class ScratchNamespace : IDisposable
    {
        public string Name { get; } = "ctjs" + Guid.NewGuid().ToString("N")[..8];

        public ScratchNamespace() => Shell.Check("ip", "netns", "add", Name);

        public void Dispose() => Shell.Run("ip", ["netns", "del", Name]);
    }
}
