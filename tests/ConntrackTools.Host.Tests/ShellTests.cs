using Xunit;

namespace ConntrackTools.Host.Tests;

/// <summary>ctsh's command line, run in-process through Shell.Run with captured stdin, stdout and stderr.</summary>
public sealed class ShellTests(FakeModule module) : IClassFixture<FakeModule>
{
    private (int Code, string Out, string Err) CtshWithInput(string stdin, params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        int code = Shell.Run(["-Module", module.Manifest, .. args], new StringReader(stdin), output, error);
        return (code, output.ToString(), error.ToString());
    }

    private (int Code, string Out, string Err) Ctsh(params string[] args) => CtshWithInput(string.Empty, args);

    private static string[] Lines(string text) =>
        text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    [Fact]
    public void Command_prints_an_expression_through_Out_Default()
    {
        var (code, stdout, stderr) = Ctsh("-Command", "1+1");

        Assert.Equal(0, code);
        Assert.Equal(["2"], Lines(stdout));
        Assert.Equal(string.Empty, stderr);
    }

    [Fact]
    public void Short_c_joins_the_rest_of_the_line_as_pwsh_does()
    {
        var (code, stdout, _) = Ctsh("-c", "Get-FakeThing", "-Name", "abc", "-Count", "2");

        Assert.Equal(0, code);
        Assert.Contains("abc1", stdout);
        Assert.Contains("abc2", stdout);
    }

    [Fact]
    public void Module_format_view_renders_through_Out_Default()
    {
        var (code, stdout, _) = Ctsh("-c", "Get-FakeThing -Name row -Count 2");

        Assert.Equal(0, code);
        string[] lines = Lines(stdout);
        Assert.Equal("THING-NAME   VAL", lines[0]);
        Assert.StartsWith("----------", lines[1]);
        Assert.Equal("row1         42", lines[2]);
        Assert.DoesNotContain("\x1b[", stdout);
    }

    [Fact]
    public void Non_terminating_error_goes_to_stderr_with_the_command_name_and_fails()
    {
        var (code, stdout, stderr) = Ctsh("-c", "Invoke-FakeError");

        Assert.Equal(1, code);
        Assert.Equal(["after the error"], Lines(stdout));
        Assert.Equal(["Invoke-FakeError: fake failure"], Lines(stderr));
    }

    [Fact]
    public void Error_silenced_by_ErrorAction_does_not_fail()
    {
        var (code, _, stderr) = Ctsh("-c", "Invoke-FakeError -ErrorAction SilentlyContinue");

        Assert.Equal(0, code);
        Assert.Equal(string.Empty, stderr);
    }

    [Fact]
    public void Terminating_error_stops_the_script_and_fails()
    {
        var (code, stdout, stderr) = Ctsh("-c", "'before'; throw 'boom'; 'not reached'");

        Assert.Equal(1, code);
        Assert.Equal(["before"], Lines(stdout));
        Assert.Equal(["Exception: boom"], Lines(stderr));
    }

    [Fact]
    public void ErrorAction_Stop_reports_the_error_once()
    {
        var (code, stdout, stderr) = Ctsh("-c", "Invoke-FakeError -ErrorAction Stop; 'not reached'");

        Assert.Equal(1, code);
        Assert.DoesNotContain("not reached", stdout);
        Assert.Single(Lines(stderr));
        Assert.Contains("fake failure", stderr);
    }

    [Fact]
    public void Unknown_command_names_the_command()
    {
        var (code, _, stderr) = Ctsh("-c", "Get-NoSuchThing");

        Assert.Equal(1, code);
        Assert.StartsWith("Get-NoSuchThing: The term 'Get-NoSuchThing' is not recognized", stderr);
    }

    [Fact]
    public void Parse_error_goes_to_stderr_with_its_position_and_nothing_runs()
    {
        var (code, stdout, stderr) = Ctsh("-c", "'ran'; 1 +");

        Assert.Equal(1, code);
        Assert.Equal(string.Empty, stdout);
        Assert.StartsWith("ParserError: line 1, column 11: ", stderr);
    }

    [Fact]
    public void Warning_goes_to_stderr_and_does_not_fail()
    {
        var (code, stdout, stderr) = Ctsh("-c", "Invoke-FakeWarning");

        Assert.Equal(0, code);
        Assert.Equal(["after the warning"], Lines(stdout));
        Assert.Equal(["WARNING: careful now"], Lines(stderr));
    }

    [Fact]
    public void Verbose_shows_only_when_asked()
    {
        const string Script = "& { [CmdletBinding()] param() $PSCmdlet.WriteVerbose('details') }";

        Assert.Equal(string.Empty, Ctsh("-c", Script).Err);
        Assert.Equal(["VERBOSE: details"], Lines(Ctsh("-c", Script + " -Verbose").Err));
    }

    [Theory]
    [InlineData("exit 3", 3)]
    [InlineData("'out'; exit 7; 'not reached'", 7)]
    [InlineData("exit 0", 0)]
    public void Exit_sets_the_exit_code(string script, int expected)
    {
        var (code, stdout, _) = Ctsh("-c", script);

        Assert.Equal(expected, code);
        Assert.DoesNotContain("not reached", stdout);
    }

    [Fact]
    public void File_binds_named_and_positional_arguments_and_args()
    {
        string script = module.WriteFile("args.ps1", """
            param($First, $Second, [switch]$Flag)
            "first=$First second=$Second flag=$Flag rest=$($args -join ',') root=$PSScriptRoot"
            """);

        var (code, stdout, stderr) = Ctsh("-File", script, "one", "-Second", "two", "three", "-Flag:$false", "four");

        Assert.Equal(string.Empty, stderr);
        Assert.Equal(0, code);
        Assert.Equal([$"first=one second=two flag=False rest=three,four root={module.Root}"], Lines(stdout));
    }

    [Fact]
    public void File_without_param_block_gets_args()
    {
        string script = module.WriteFile("plain.ps1", "\"count=$($args.Count) last=$($args[-1])\"");

        var (code, stdout, _) = Ctsh("-File", script, "a", "b", "c");

        Assert.Equal(0, code);
        Assert.Equal(["count=3 last=c"], Lines(stdout));
    }

    [Fact]
    public void Exit_in_a_file_sets_the_exit_code()
    {
        string script = module.WriteFile("exit.ps1", "param($Code) 'before'; exit $Code; 'not reached'");

        var (code, stdout, _) = Ctsh("-File", script, "4");

        Assert.Equal(4, code);
        Assert.Equal(["before"], Lines(stdout));
    }

    [Fact]
    public void File_that_writes_an_error_fails()
    {
        string script = module.WriteFile("error.ps1", "Invoke-FakeError");

        var (code, _, stderr) = Ctsh("-File", script);

        Assert.Equal(1, code);
        Assert.Contains("Invoke-FakeError: fake failure", stderr);
    }

    [Fact]
    public void First_bare_argument_is_the_script_file()
    {
        string script = module.WriteFile("bare.ps1", "\"bare $args\"");

        using var output = new StringWriter();
        using var error = new StringWriter();
        int code = Shell.Run(["-Module", module.Manifest, script, "x"], new StringReader(string.Empty), output, error);

        Assert.Equal(0, code);
        Assert.Equal(["bare x"], Lines(output.ToString()));
    }

    [Fact]
    public void Missing_script_file_is_a_usage_error()
    {
        var (code, _, stderr) = Ctsh("-File", Path.Combine(module.Root, "nope.ps1"));

        Assert.Equal(Shell.UsageExitCode, code);
        Assert.Contains("nope.ps1", stderr);
    }

    [Fact]
    public void Script_on_stdin_runs_as_one_script()
    {
        var (code, stdout, stderr) = CtshWithInput("$x = 5\nfunction Double {\n  $x * 2\n}\nDouble\n");

        Assert.Equal(string.Empty, stderr);
        Assert.Equal(0, code);
        Assert.Equal(["10"], Lines(stdout));
    }

    [Fact]
    public void Command_dash_reads_stdin_and_keeps_its_exit_code()
    {
        var (code, stdout, _) = CtshWithInput("'from stdin'\nexit 9\n", "-Command", "-");

        Assert.Equal(9, code);
        Assert.Equal(["from stdin"], Lines(stdout));
    }

    [Fact]
    public void Interactive_prompt_continues_incomplete_input_and_leaves_on_exit()
    {
        var (code, stdout, stderr) = CtshWithInput("function Greet {\n  'hello'\n}\nGreet\nexit 5\n'not reached'\n", "-Interactive");

        Assert.Equal(5, code);
        Assert.Equal(string.Empty, stderr);
        Assert.Contains(Shell.ContinuationPrompt, stdout);
        Assert.Contains("hello", stdout);
        Assert.DoesNotContain("not reached", stdout);
        Assert.StartsWith(Shell.Prompt, stdout);
    }

    [Fact]
    public void Interactive_prompt_reports_an_error_and_carries_on()
    {
        var (code, stdout, stderr) = CtshWithInput("Invoke-FakeError\n'still here'\n", "-Interactive");

        Assert.Equal(0, code);
        Assert.Contains("Invoke-FakeError: fake failure", stderr);
        Assert.Contains("still here", stdout);
    }

    [Fact]
    public void Confirmation_prompt_reads_the_answer_from_stdin()
    {
        var yes = CtshWithInput("y\n", "-c", "Remove-FakeThing -Name a");
        var no = CtshWithInput("n\n", "-c", "Remove-FakeThing -Name b");

        Assert.Equal(0, yes.Code);
        Assert.Equal(["removed a"], Lines(yes.Out));
        Assert.Contains("[Y] Yes", yes.Err);
        Assert.Equal(0, no.Code);
        Assert.Equal(string.Empty, no.Out);
    }

    [Fact]
    public void NonInteractive_refuses_to_prompt_with_a_hint()
    {
        var (code, stdout, stderr) = CtshWithInput("y\n", "-NonInteractive", "-c", "Remove-FakeThing");

        Assert.Equal(1, code);
        Assert.Equal(string.Empty, stdout);
        Assert.Contains("-Confirm:$false", stderr);
    }

    [Fact]
    public void Missing_module_exits_2_with_a_helpful_message()
    {
        string missing = Path.Combine(module.Root, "NotThere", "ConntrackTools.psd1");
        using var output = new StringWriter();
        using var error = new StringWriter();

        int code = Shell.Run(["-Module", missing, "-c", "1"], new StringReader(string.Empty), output, error);

        Assert.Equal(Shell.ModuleNotFoundExitCode, code);
        Assert.Equal(string.Empty, output.ToString());
        Assert.Contains(missing, error.ToString());
        Assert.Contains("dotnet build", error.ToString());
    }

    [Fact]
    public void Module_folder_is_accepted_in_place_of_the_manifest()
    {
        using var output = new StringWriter();
        using var error = new StringWriter();

        int code = Shell.Run(["-Module", module.Folder, "-c", "(Get-FakeThing).Value"], new StringReader(string.Empty), output, error);

        Assert.Equal(0, code);
        Assert.Equal(["42"], Lines(output.ToString()));
    }

    [Fact]
    public void Module_that_fails_to_import_exits_1_with_its_error()
    {
        string folder = Path.Combine(module.Root, "Broken");
        Directory.CreateDirectory(folder);
        File.WriteAllText(Path.Combine(folder, "Broken.psd1"), "@{ RootModule = 'Broken.psm1'; ModuleVersion = '1.0'; FunctionsToExport = '*' }");
        File.WriteAllText(Path.Combine(folder, "Broken.psm1"), "throw 'broken on purpose'");
        using var output = new StringWriter();
        using var error = new StringWriter();

        int code = Shell.Run(["-Module", folder, "-c", "'not reached'"], new StringReader(string.Empty), output, error);

        Assert.Equal(1, code);
        Assert.Equal(string.Empty, output.ToString());
        Assert.Contains("failed to import", error.ToString());
        Assert.Contains("broken on purpose", error.ToString());
    }

    [Fact]
    public void Help_prints_usage()
    {
        var (code, stdout, _) = Ctsh("-Help");

        Assert.Equal(0, code);
        Assert.Contains("-Command", stdout);
        Assert.Contains("-File", stdout);
        Assert.Equal(0, Ctsh("-?").Code);
    }

    [Theory]
    [InlineData("-Bogus")]
    [InlineData("-Command")]
    [InlineData("-File")]
    public void Bad_command_line_is_a_usage_error(string arg)
    {
        var (code, stdout, stderr) = Ctsh(arg);

        Assert.Equal(Shell.UsageExitCode, code);
        Assert.Equal(string.Empty, stdout);
        Assert.StartsWith("ctsh: ", stderr);
    }
    // ---- -Resource: the DSC v3 / Ansible mode, against a fake Invoke-CtResource ----

    /// <summary>A module whose Invoke-CtResource echoes what it was given, or fails as its input asks.</summary>
    private string ResourceModule()
    {
        string folder = Path.Combine(module.Root, "FakeRes");
        string manifest = Path.Combine(folder, "FakeRes.psd1");
        if (File.Exists(manifest))
        {
            return manifest;
        }

        Directory.CreateDirectory(folder);
        File.WriteAllText(Path.Combine(folder, "FakeRes.psm1"), """"
            function Invoke-CtResource {
                [CmdletBinding(SupportsShouldProcess)]
                param([string]$Name, [string]$Method, [AllowEmptyString()][string]$InputJson, [switch]$Json)
                if ($InputJson -match '^fail:(\w+)$') {
                    $record = [System.Management.Automation.ErrorRecord]::new(
                        [System.InvalidOperationException]::new("failed as $($Matches[1])"), 'FakeFailure', $Matches[1], $Name)
                    $record.ErrorDetails = [System.Management.Automation.ErrorDetails]::new("failed as $($Matches[1]) with ""quotes""")
                    $record.ErrorDetails.RecommendedAction = 'Do the other thing.'
                    $PSCmdlet.WriteError($record)
                    return
                }
                if ($InputJson -eq 'throw') { throw 'thrown' }
                if ($InputJson -eq 'warn') { $PSCmdlet.WriteWarning('careful') }
                if ($PSCmdlet.ShouldProcess($Name, 'Set')) { 'changed' }
                "$Name|$Method|$Json|$WhatIfPreference"
                $InputJson
            }
            """");
        File.WriteAllText(manifest, "@{ RootModule = 'FakeRes.psm1'; ModuleVersion = '1.0.0'; FunctionsToExport = '*' }");
        return manifest;
    }

    private (int Code, string[] Out, string Err) Resource(string stdin, params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        int code = Shell.Run(["-Module", ResourceModule(), .. args], new StringReader(stdin), output, error);
        return (code, output.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries), error.ToString());
    }

    private static System.Text.Json.Nodes.JsonObject TraceLine(string stderr) =>
        Assert.IsType<System.Text.Json.Nodes.JsonObject>(System.Text.Json.Nodes.JsonNode.Parse(Assert.Single(Lines(stderr))));

    [Fact]
    public void Resource_mode_passes_all_of_stdin_as_a_value_and_prints_only_the_commands_lines()
    {
        string input = "{\"Name\": \"a'b\\\"; $(exit 7); `whoami`\",\n \"Value\": 1}\n";
        var (code, stdout, stderr) = Resource(input, "-Resource", "CtThing", "-Operation", "get");

        Assert.Equal(0, code);
        Assert.Equal(["changed", "CtThing|get|True|False", "{\"Name\": \"a'b\\\"; $(exit 7); `whoami`\",", " \"Value\": 1}"], stdout);
        Assert.Equal(string.Empty, stderr);
    }

    [Fact]
    public void Resource_mode_WhatIf_reaches_the_command_and_its_messages_stay_off_stdout()
    {
        var (code, stdout, stderr) = Resource("{}", "-Resource", "CtThing", "-Operation", "set", "-WhatIf");

        Assert.Equal(0, code);
        Assert.Equal(["CtThing|set|True|True", "{}"], stdout);
        Assert.Equal(string.Empty, stderr);
    }

    [Theory]
    [InlineData("InvalidArgument", 2)]
    [InlineData("InvalidData", 2)]
    [InlineData("PermissionDenied", 3)]
    [InlineData("ObjectNotFound", 1)]
    [InlineData("InvalidOperation", 1)]
    [InlineData("NotImplemented", 1)]
    public void Resource_mode_errors_are_JSON_trace_lines_and_the_exit_code_follows_the_category(string category, int expected)
    {
        var (code, stdout, stderr) = Resource($"fail:{category}", "-Resource", "CtThing", "-Operation", "test");

        Assert.Equal(expected, code);
        Assert.Empty(stdout);
        Assert.Equal($"failed as {category} with \"quotes\" Do the other thing.", (string?)TraceLine(stderr)["error"]);
    }

    [Fact]
    public void Resource_mode_reports_a_terminating_error_and_a_warning_as_trace_lines()
    {
        var (code, stdout, stderr) = Resource("throw", "-Resource", "CtThing", "-Operation", "set");
        Assert.Equal(1, code);
        Assert.Empty(stdout);
        Assert.Equal("thrown", (string?)TraceLine(stderr)["error"]);

        (code, stdout, stderr) = Resource("warn", "-Resource", "CtThing", "-Operation", "export");
        Assert.Equal(0, code);
        Assert.Equal(["changed", "CtThing|export|True|False", "warn"], stdout);
        Assert.Equal("careful", (string?)TraceLine(stderr)["warn"]);
    }

    [Theory]
    [InlineData("-Operation", "get")]
    [InlineData("-Resource", "CtThing")]
    [InlineData("-Resource", "CtThing", "-Operation", "delete")]
    [InlineData("-Resource", "CtThing", "-Operation", "get", "-WhatIf")]
    [InlineData("-Resource", "CtThing", "-Operation", "get", "-Command", "1")]
    public void Resource_mode_refuses_a_bad_command_line_with_exit_2_and_an_error_line(params string[] args)
    {
        var (code, stdout, stderr) = Resource("{}", args);

        Assert.Equal(2, code);
        Assert.Empty(stdout);
        Assert.StartsWith("ctsh: ", (string?)TraceLine(stderr)["error"]);
    }

    [Fact]
    public void Resource_mode_without_the_module_fails_with_an_error_line()
    {
        string missing = Path.Combine(module.Root, "NotThere", "ConntrackTools.psd1");
        using var output = new StringWriter();
        using var error = new StringWriter();

        int code = Shell.Run(["-Module", missing, "-Resource", "CtSetting", "-Operation", "get"], new StringReader("{}"), output, error);

        Assert.Equal(1, code);
        Assert.Equal(string.Empty, output.ToString());
        Assert.Contains(missing, (string?)TraceLine(error.ToString())["error"]);
        Assert.Contains("-Resource", Ctsh("-Help").Out);
    }

    /// <summary>
    /// A module with a stand-in ConvertTo-CtJson that writes, only when given -AsArray, the input as one
    /// compact JSON array of strings (the real cmdlet is tested with the real module in the Automation tests).
    /// </summary>
    private string JsonModule()
    {
        string folder = Path.Combine(module.Root, "JsonFake");
        string manifest = Path.Combine(folder, "JsonFake.psd1");
        if (File.Exists(manifest))
        {
            return manifest;
        }

        Directory.CreateDirectory(folder);
        File.WriteAllText(Path.Combine(folder, "JsonFake.psm1"), """
            function ConvertTo-CtJson {
                [CmdletBinding()]
                param([Parameter(ValueFromPipeline)] $InputObject, [switch]$AsArray, [switch]$Compress)
                begin { $items = [System.Collections.Generic.List[string]]::new() }
                process { $items.Add("$InputObject") }
                end { if ($AsArray) { '[' + ((@($items) | ForEach-Object { '"' + $_ + '"' }) -join ',') + ']' } else { 'not an array' } }
            }
            function Invoke-JsonError {
                [CmdletBinding()]
                param()
                'before the error'
                $PSCmdlet.WriteError([System.Management.Automation.ErrorRecord]::new(
                    [System.InvalidOperationException]::new('json failure'), 'JsonFailure', 'InvalidOperation', $null))
                'after the error'
            }
            """);
        File.WriteAllText(manifest, """
            @{
                RootModule = 'JsonFake.psm1'
                ModuleVersion = '1.0.0'
                GUID = '9a4d2c1e-5b6f-4e7a-8c9d-0e1f2a3b4c5d'
                FunctionsToExport = '*'
            }
            """);
        return manifest;
    }

    private (int Code, string Out, string Err) CtshJson(params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        int code = Shell.Run(["-Module", JsonModule(), "-OutputFormat", "Json", .. args], new StringReader(string.Empty), output, error);
        return (code, output.ToString(), error.ToString());
    }

    [Fact]
    public void OutputFormat_Json_writes_the_output_through_ConvertTo_CtJson_AsArray_unwrapped()
    {
        string longText = new('x', 300);
        var (code, stdout, stderr) = CtshJson("-Command", $"'a'; '{longText}'; 42");

        Assert.Equal(string.Empty, stderr);
        Assert.Equal(0, code);
        // One line although it is wider than the 120 columns Out-Default would wrap at.
        Assert.Equal([$"[\"a\",\"{longText}\",\"42\"]"], Lines(stdout));
    }

    [Fact]
    public void OutputFormat_Json_applies_to_a_file_and_to_stdin()
    {
        string script = module.WriteFile("json.ps1", "param($Name) \"hello $Name\"");

        Assert.Equal(["[\"hello you\"]"], Lines(CtshJson("-File", script, "you").Out));

        using var output = new StringWriter();
        using var error = new StringWriter();
        int code = Shell.Run(["-Module", JsonModule(), "-o", "json"], new StringReader("'from stdin'\n"), output, error);
        Assert.Equal(0, code);
        Assert.Equal(["[\"from stdin\"]"], Lines(output.ToString()));
    }

    [Fact]
    public void OutputFormat_Json_keeps_errors_on_stderr_and_fails()
    {
        var (code, stdout, stderr) = CtshJson("-c", "Invoke-JsonError");

        Assert.Equal(1, code);
        Assert.Equal(["[\"before the error\",\"after the error\"]"], Lines(stdout));
        Assert.Equal(["Invoke-JsonError: json failure"], Lines(stderr));
    }

    [Fact]
    public void OutputFormat_Text_is_the_default_output()
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        int code = Shell.Run(["-Module", JsonModule(), "-OutputFormat", "Text", "-c", "'plain'"], new StringReader(string.Empty), output, error);

        Assert.Equal(0, code);
        Assert.Equal(["plain"], Lines(output.ToString()));
    }

    [Theory]
    [InlineData("Xml")]
    [InlineData("")]
    public void OutputFormat_other_than_Text_or_Json_is_a_usage_error(string format)
    {
        string[] args = format.Length == 0 ? ["-OutputFormat"] : ["-OutputFormat", format, "-c", "1"];
        var (code, stdout, stderr) = Ctsh(args);

        Assert.Equal(Shell.UsageExitCode, code);
        Assert.Equal(string.Empty, stdout);
        Assert.StartsWith("ctsh: -OutputFormat ", stderr);
    }
}
