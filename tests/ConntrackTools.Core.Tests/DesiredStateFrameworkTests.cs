using System.Collections;
using System.Text.Json.Nodes;
using ConntrackTools.DesiredState;
using Xunit;

namespace ConntrackTools.Tests;

/// <summary>
/// The resource framework (DesiredState/CtResource) on a small in-memory resource: parsing,
/// comparison, prediction and Set's idempotence, without a kernel; and the DSC output lines.
/// </summary>
public sealed class DesiredStateFrameworkTests
{
    public sealed class ThingState : CtResourceInstance
    {
        [CtKey]
        public string? Name { get; set; }

        public CtEnsure? Ensure { get; set; }

        public long? Size { get; set; }

        public string[]? Tags { get; set; }

        public string? Comment { get; set; }

        [CtReadOnly]
        public long? Id { get; set; }
    }

    /// <summary>Things in a dictionary; names are stored lower-case, as a system that reports a canonical form.</summary>
    public sealed class ThingResource : CtResource<ThingState>
    {
        public Dictionary<string, ThingState> Store { get; } = new(StringComparer.Ordinal);

        public List<string[]> Applied { get; } = [];

        public override string Name => "CtThing";

        public override string Description => "A thing for tests.";

        protected override void Validate(ThingState desired)
        {
            if (string.IsNullOrWhiteSpace(desired.Name)) throw new CtResourceInputException("CtThing needs Name.");
        }

        protected override ThingState Read(ThingState desired) =>
            Store.TryGetValue(desired.Name!.ToLowerInvariant(), out var t)
                ? Copy(t, CtEnsure.Present)
                : new ThingState { Name = desired.Name!.ToLowerInvariant(), Ensure = CtEnsure.Absent };

        protected override IReadOnlyList<string> Apply(ThingState desired, ThingState actual, IReadOnlyList<string> differing)
        {
            Applied.Add([.. differing]);
            var key = desired.Name!.ToLowerInvariant();
            if (desired.Ensure == CtEnsure.Absent)
            {
                Store.Remove(key);
                return [$"remove {key}"];
            }
            var t = Store.TryGetValue(key, out var existing) ? existing : Store[key] = new ThingState { Name = key, Id = Store.Count + 1 };
            if (desired.Size is { } size) t.Size = size;
            if (desired.Tags is { } tags) t.Tags = tags;
            if (desired.Comment is { } comment) t.Comment = comment;
            return [$"write {key}"];
        }

        protected override IEnumerable<ThingState> List(ThingState? filter) =>
            Store.Values.Where(t => filter?.Name is null || t.Name == filter.Name.ToLowerInvariant()).Select(t => Copy(t, CtEnsure.Present));

        private static ThingState Copy(ThingState t, CtEnsure ensure) =>
            new() { Name = t.Name, Ensure = ensure, Size = t.Size, Tags = t.Tags, Comment = t.Comment, Id = t.Id };
    }

    private static ThingResource WithThing(long size = 5, string[]? tags = null)
    {
        var r = new ThingResource();
        r.Store["box"] = new ThingState { Name = "box", Size = size, Tags = tags ?? ["red", "Blue"], Comment = "kept", Id = 1 };
        return r;
    }

    private static CtResourceInstance Desired(ICtResource r, string json) => r.Parse(json);

    // ---- Compare ----

    [Fact]
    public void Lists_compare_as_sets_regardless_of_order_case_and_repeats()
    {
        var r = WithThing(tags: ["red", "Blue"]);
        Assert.True(r.Test(Desired(r, """{"Name":"box","Tags":["blue","RED","red"]}""")).InDesiredState);
        var t = r.Test(Desired(r, """{"Name":"box","Tags":["blue"]}"""));
        Assert.False(t.InDesiredState);
        Assert.Equal(["Tags"], t.DifferingProperties);
        Assert.Equal(["Tags"], r.Test(Desired(r, """{"Name":"box","Tags":["red","blue","green"]}""")).DifferingProperties);
    }

    [Fact]
    public void An_empty_list_equals_a_missing_one_but_null_is_not_compared()
    {
        var r = WithThing();
        r.Store["box"].Tags = null;
        Assert.True(r.Test(Desired(r, """{"Name":"box","Tags":[]}""")).InDesiredState);
        Assert.Equal(["Tags"], r.Test(Desired(r, """{"Name":"box","Tags":["x"]}""")).DifferingProperties);
        r.Store["box"].Tags = ["x"];
        Assert.True(r.Test(Desired(r, """{"Name":"box","Tags":null,"Size":null}""")).InDesiredState);
    }

    [Fact]
    public void Unspecified_keys_and_read_only_properties_are_not_compared_text_ignores_case()
    {
        var r = WithThing(size: 5);
        var t = r.Test(Desired(r, """{"Name":"BOX","Id":99,"Comment":"KEPT"}"""));
        Assert.True(t.InDesiredState, string.Join(",", t.DifferingProperties));
        Assert.Equal(true, t.ActualState.InDesiredState);
        t = r.Test(Desired(r, """{"Name":"box","Size":6,"Comment":"other"}"""));
        Assert.Equal(["Size", "Comment"], t.DifferingProperties);
        Assert.Equal(false, t.ActualState.InDesiredState);
        Assert.Equal("CtThing: differs in Size, Comment", t.ToString());
    }

    [Fact]
    public void Ensure_Present_is_the_default_and_a_missing_instance_differs_only_in_Ensure()
    {
        var r = new ThingResource();
        var t = r.Test(Desired(r, """{"Name":"box","Size":3}"""));
        Assert.Equal(["Ensure"], t.DifferingProperties);
        Assert.Equal(CtEnsure.Absent, ((ThingState)t.ActualState).Ensure);
    }

    [Fact]
    public void Ensure_Absent_needs_only_the_instance_to_be_gone()
    {
        var r = WithThing();
        Assert.True(new ThingResource().Test(Desired(r, """{"Name":"box","Ensure":"Absent","Size":99}""")).InDesiredState);
        Assert.Equal(["Ensure"], r.Test(Desired(r, """{"Name":"box","Ensure":"absent","Size":99}""")).DifferingProperties);
    }

    // ---- Set, idempotence, prediction ----

    [Fact]
    public void Set_applies_only_what_differs_reads_again_and_the_second_Set_changes_nothing()
    {
        var r = WithThing(size: 5);
        var first = r.Set(Desired(r, """{"Name":"box","Size":7,"Comment":"kept"}"""), whatIf: false);
        Assert.True(first.Changed);
        Assert.Equal(["Size"], first.ChangedProperties);
        Assert.Equal(["Size"], Assert.Single(r.Applied));
        Assert.Equal(["write box"], first.Actions);
        Assert.Equal(5, ((ThingState)first.BeforeState).Size);
        Assert.Equal(7, ((ThingState)first.AfterState).Size);
        Assert.Null(first.AfterState.InDesiredState);

        var second = r.Set(Desired(r, """{"Name":"box","Size":7,"Comment":"kept"}"""), whatIf: false);
        Assert.False(second.Changed);
        Assert.Empty(second.ChangedProperties);
        Assert.Empty(second.Actions);
        Assert.Single(r.Applied);
        Assert.Equal("CtThing: no change", second.ToString());
    }

    [Fact]
    public void Set_creates_a_missing_instance_and_removes_one_that_should_be_absent()
    {
        var r = new ThingResource();
        var created = r.Set(Desired(r, """{"Name":"new","Size":1}"""), whatIf: false);
        Assert.Equal(["Ensure"], created.ChangedProperties);
        Assert.Equal(CtEnsure.Present, ((ThingState)created.AfterState).Ensure);
        Assert.Equal(1, r.Store["new"].Size);
        var removed = r.Set(Desired(r, """{"Name":"new","Ensure":"Absent"}"""), whatIf: false);
        Assert.Equal(["Ensure"], removed.ChangedProperties);
        Assert.Empty(r.Store);
        Assert.False(r.Set(Desired(r, """{"Name":"new","Ensure":"Absent"}"""), whatIf: false).Changed);
        Assert.Equal(2, r.Applied.Count);
    }

    [Fact]
    public void WhatIf_changes_nothing_and_predicts_the_desired_over_the_actual_with_the_systems_keys()
    {
        var r = WithThing(size: 5);
        var result = r.Set(Desired(r, """{"Name":"BOX","Size":9,"Id":42}"""), whatIf: true);
        Assert.True(result.WhatIf);
        Assert.Equal(["Size"], result.ChangedProperties);
        Assert.Empty(r.Applied);
        Assert.Empty(result.Actions);
        Assert.Equal(5, r.Store["box"].Size);
        var predicted = (ThingState)result.AfterState;
        // The key as the system reports it, read-only properties as they are, the rest kept.
        Assert.Equal(("box", 9L, 1L, "kept"), (predicted.Name, predicted.Size!.Value, predicted.Id!.Value, predicted.Comment));
        Assert.Equal(["red", "Blue"], predicted.Tags!);
        Assert.Equal(CtEnsure.Present, predicted.Ensure);
        Assert.Equal("CtThing: would change Size", result.ToString());
    }

    [Fact]
    public void WhatIf_of_Absent_predicts_only_the_keys_and_Ensure_Absent()
    {
        var r = WithThing();
        var predicted = (ThingState)r.Set(Desired(r, """{"Name":"Box","Ensure":"Absent"}"""), whatIf: true).AfterState;
        Assert.Equal(("box", CtEnsure.Absent), (predicted.Name, predicted.Ensure!.Value));
        Assert.Null(predicted.Size);
        Assert.Null(predicted.Tags);
        Assert.True(r.Store.ContainsKey("box"));
    }

    [Fact]
    public void WhatIf_in_the_desired_state_predicts_no_change()
    {
        var r = WithThing(size: 5);
        var result = r.Set(Desired(r, """{"Name":"box","Size":5}"""), whatIf: true);
        Assert.False(result.Changed);
        Assert.True(result.WhatIf);
        Assert.Same(result.BeforeState, result.AfterState);
    }

    [Fact]
    public void Validate_runs_before_anything_is_read_and_Export_narrows_by_keys()
    {
        var r = WithThing();
        var ex = Assert.Throws<CtResourceInputException>(() => r.Test(Desired(r, """{"Size":1}""")));
        Assert.Equal("CtThing needs Name.", ex.Message);
        Assert.Throws<CtResourceInputException>(() => r.Set(Desired(r, "{}"), whatIf: false));
        Assert.Empty(r.Applied);

        r.Store["crate"] = new ThingState { Name = "crate", Size = 2 };
        Assert.Equal(["box", "crate"], r.Export(null).Cast<ThingState>().Select(t => t.Name).Order());
        Assert.Equal("crate", Assert.Single(r.Export(Desired(r, """{"Name":"CRATE"}""")).Cast<ThingState>()).Name);
        Assert.All(r.Export(null), s => Assert.Null(s.InDesiredState));
    }

    // ---- Parse and FromProperties ----

    [Fact]
    public void Parse_takes_names_without_regard_to_case_and_enum_names()
    {
        var r = new ThingResource();
        var t = (ThingState)r.Parse("""{"name":"a","ENSURE":"absent","size":3,"tags":["x"], /* comment */ }""");
        Assert.Equal(("a", CtEnsure.Absent, 3L), (t.Name, t.Ensure!.Value, t.Size!.Value));
        Assert.Equal(["x"], t.Tags!);
        Assert.Null(((ThingState)r.Parse("""{"Name":"a","_inDesiredState":true}""")).Comment);
    }

    [Theory]
    [InlineData("""{"Name":"a","Colour":"red"}""", "CtThing has no property 'Colour'. Its properties are: Name, Ensure, Size, Tags, Comment, Id, _inDesiredState.")]
    [InlineData("""{"Name":"a","Size":"3"}""", "The CtThing input is not valid: Size must be a whole number (or null).")]
    [InlineData("""{"Name":"a","Size":3.5}""", "The CtThing input is not valid: Size must be a whole number (or null).")]
    [InlineData("""{"Name":"a","Size":99999999999999999999}""", "The CtThing input is not valid: Size must be a whole number (or null).")]
    [InlineData("""{"Name":7}""", "The CtThing input is not valid: Name must be a string (or null).")]
    [InlineData("""{"Name":"a","Tags":"x"}""", "The CtThing input is not valid: Tags must be an array of strings (or null).")]
    [InlineData("""{"Name":"a","Ensure":"Gone"}""", "The CtThing input is not valid: Ensure must be one of \"Present\", \"Absent\" (or null).")]
    [InlineData("""{"Name":"a","Ensure":7}""", "Ensure of CtThing is 7, which is not one of: Present, Absent.")]
    [InlineData("", "The CtThing input is empty; give a JSON object with its properties.")]
    [InlineData(" \n\t", "The CtThing input is empty; give a JSON object with its properties.")]
    [InlineData("null", "The CtThing input is empty; give a JSON object with its properties.")]
    [InlineData("""["a"]""", "The CtThing input must be a JSON object with its properties, not an array.")]
    [InlineData("42", "The CtThing input must be a JSON object with its properties, not a single value.")]
    public void Parse_refuses_bad_input_with_a_message_that_names_the_problem(string json, string message)
    {
        var ex = Assert.Throws<CtResourceInputException>(() => new ThingResource().Parse(json));
        Assert.Equal(message, ex.Message);
    }

    [Theory]
    [InlineData("not json")]
    [InlineData("""{"Name":"a",""")]
    [InlineData("""{"Name":"a"} {"Name":"b"}""")]
    public void Parse_refuses_text_that_is_not_one_JSON_object(string json)
    {
        var ex = Assert.Throws<CtResourceInputException>(() => new ThingResource().Parse(json));
        Assert.StartsWith("The CtThing input is not valid: ", ex.Message);
    }

    [Fact]
    public void A_hostile_property_name_is_refused_and_shown_on_one_line()
    {
        var ex = Assert.Throws<CtResourceInputException>(() => new ThingResource().Parse("{\"Name\":\"a\",\"Name\\n\\\"};\":1}"));
        Assert.StartsWith("CtThing has no property 'Name\\u000a\"};'.", ex.Message);
    }

    [Fact]
    public void FromProperties_reads_a_table_by_the_same_rules_as_JSON()
    {
        var r = new ThingResource();
        var t = (ThingState)r.FromProperties(new Hashtable { ["name"] = "a", ["Size"] = 4, ["Tags"] = new object[] { "x", "y" }, ["Ensure"] = CtEnsure.Absent });
        Assert.Equal(("a", 4L, CtEnsure.Absent), (t.Name, t.Size!.Value, t.Ensure!.Value));
        Assert.Equal(["x", "y"], t.Tags!);
        Assert.Throws<CtResourceInputException>(() => r.FromProperties(new Hashtable { ["Name"] = "a", ["Bogus"] = 1 }));
        Assert.Throws<CtResourceInputException>(() => r.FromProperties(new Hashtable { ["Name"] = "a", ["Size"] = "four" }));
    }

    // ---- discovery ----

    [Fact]
    public void Resources_are_found_by_short_name_or_DSC_type_and_only_the_modules_own()
    {
        Assert.Contains(CtResources.All, x => x.Name == "CtSetting");
        Assert.DoesNotContain(CtResources.All, x => x.Name == "CtThing");
        Assert.IsType<CtSettingResource>(CtResources.Find("CtSetting"));
        Assert.IsType<CtSettingResource>(CtResources.Find("conntracktools/ctsetting"));
        Assert.Equal(typeof(CtSettingState), CtResources.Find("ConntrackTools/CtSetting").InstanceType);
        var ex = Assert.Throws<CtResourceInputException>(() => CtResources.Find("CtNothing"));
        Assert.Contains("CtSetting", ex.Message);
    }

    // ---- CtSetting's checks that need no kernel ----

    [Theory]
    [InlineData("""{"Value":1}""", "CtSetting needs Name")]
    [InlineData("""{"Name":"  ","Value":1}""", "CtSetting needs Name")]
    [InlineData("""{"Name":"nf_conntrack_acct\"; rm -rf /","Value":1}""", "is not a conntrack setting name")]
    [InlineData("""{"Name":"../../kernel/hostname","Value":1}""", "is not a conntrack setting name")]
    [InlineData("""{"Name":"nf_conntrack_acct\n{}","Value":1}""", "'nf_conntrack_acct\\u000a{}' is not a conntrack setting name")]
    [InlineData("""{"Name":"nf_conntrack_acct","NetworkNamespace":"","Value":1}""", "NetworkNamespace is empty")]
    public void CtSetting_refuses_names_that_are_no_sysctl_before_entering_a_namespace(string json, string message)
    {
        var r = new CtSettingResource();
        var ex = Assert.Throws<CtResourceInputException>(() => r.Set(r.Parse(json), whatIf: false));
        Assert.Contains(message, ex.Message);
        Assert.DoesNotContain("\n", ex.Message);
    }

    [Fact]
    public void CtSetting_state_has_the_contracts_properties_in_order()
    {
        var names = JsonNode.Parse(Json.CtJson.Serialize(new CtSettingState()))!.AsObject().Select(p => p.Key);
        Assert.Equal(["NetworkNamespace", "Name", "Value", "Default", "Unit", "Writable", "Available", "_inDesiredState"], names);
        Assert.Equal("nf_conntrack_acct=1 in fw1", new CtSettingState { Name = "nf_conntrack_acct", Value = 1, NetworkNamespace = "fw1" }.ToString());
    }

    // ---- DSC lines ----

    [Fact]
    public void DscOutput_writes_the_lines_of_each_operation()
    {
        var r = WithThing(size: 5);
        var test = r.Test(Desired(r, """{"Name":"box","Size":6}"""));
        var lines = DscOutput.Test(test);
        Assert.Equal(2, lines.Count);
        var state = JsonNode.Parse(lines[0])!.AsObject();
        Assert.Equal(false, (bool?)state["_inDesiredState"]);
        Assert.Equal(5, (long?)state["Size"]);
        Assert.Equal("""["Size"]""", lines[1]);
        Assert.DoesNotContain("\n", lines[0]);

        lines = DscOutput.Test(r.Test(Desired(r, """{"Name":"box","Size":5}""")));
        Assert.Equal(true, (bool?)JsonNode.Parse(lines[0])!["_inDesiredState"]);
        Assert.Equal("[]", lines[1]);

        var set = r.Set(Desired(r, """{"Name":"box","Size":8}"""), whatIf: false);
        lines = DscOutput.Set(set);
        Assert.Equal(8, (long?)JsonNode.Parse(lines[0])!["Size"]);
        Assert.Null(JsonNode.Parse(lines[0])!["_inDesiredState"]);
        Assert.True(JsonNode.Parse(lines[0])!.AsObject().ContainsKey("_inDesiredState"));
        Assert.Equal("""["Size"]""", lines[1]);

        var get = Assert.Single(DscOutput.Get(r.Get(Desired(r, """{"Name":"box"}"""))));
        Assert.Equal("""{"Name":"box","Ensure":"Present","Size":8,"Tags":["red","Blue"],"Comment":"kept","Id":1,"_inDesiredState":null}""", get);
        r.Store["crate"] = new ThingState { Name = "crate" };
        Assert.Equal(2, DscOutput.Export(r.Export(null)).Count());
    }

    [Fact]
    public void DscOutput_trace_lines_are_one_JSON_line_whatever_the_message_holds()
    {
        var hostile = "bad \"name\"; {rm -rf /}\nsecond line\\";
        var line = DscOutput.Error(hostile);
        Assert.DoesNotContain("\n", line);
        Assert.Equal(hostile, (string?)JsonNode.Parse(line)!["error"]);
        Assert.Equal("""{"warn":"careful"}""", DscOutput.Warning("careful"));
        Assert.Equal("""{"info":"x"}""", DscOutput.Trace("info", "x"));
    }
}
