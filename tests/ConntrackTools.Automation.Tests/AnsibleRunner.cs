using System.Text.Json.Nodes;
using Xunit;

namespace ConntrackTools.Tests;

/// <summary>One task's result on one host, as the ct_results callback reports it.</summary>
public sealed record AnsibleTaskResult(string Task, string Action, string Host, string Status, JsonObject Result)
{
    public bool Changed => Result["changed"]?.GetValue<bool>() == true;
    public bool Failed => Status == "failed";
    public string Message => (string?)Result["msg"] ?? "";

    /// <summary>The module's return value <paramref name="name"/> (state, before, diff ...).</summary>
    public JsonNode? this[string name] => Result[name];

    public override string ToString() => $"{Status}{(Changed ? " changed" : "")} {Task}: {Message}";
}

/// <summary>What one ansible-playbook run printed and returned.</summary>
public sealed class AnsibleRun
{
    public required int ExitCode { get; init; }
    public required string Stdout { get; init; }
    public required string Stderr { get; init; }
    public required IReadOnlyList<AnsibleTaskResult> Tasks { get; init; }

    /// <summary>The play recap per host: ok, changed, failures, skipped, unreachable, ...</summary>
    public required JsonObject Stats { get; init; }

    public int Recap(string counter, string host = "localhost") => Stats[host]?[counter]?.GetValue<int>()
        ?? throw new InvalidOperationException($"no '{counter}' for {host} in the recap: {this}");

    /// <summary>The result of the task named <paramref name="name"/> (the only one of that name).</summary>
    public AnsibleTaskResult Task(string name) =>
        Tasks.SingleOrDefault(t => t.Task == name) ?? throw new InvalidOperationException($"no task '{name}' ran: {this}");

    public IEnumerable<AnsibleTaskResult> ByAction(string action) => Tasks.Where(t => t.Action == action);

    /// <summary>Everything, for assertion messages.</summary>
    public override string ToString() =>
        $"exit {ExitCode}\n{string.Join("\n", Tasks)}\nstderr: {Stderr}\nstdout: {(Tasks.Count == 0 ? Stdout : "(parsed)")}";
}

/// <summary>
/// Runs ansible-core's own tools against the repository's collection (ansible/), as a user would:
/// ANSIBLE_COLLECTIONS_PATH points at it, the inventory is the local host with the local
/// connection, and ctsh is the repository's (CONNTRACKTOOLS_CTSH). ansible-core has no JSON stdout
/// callback of its own (ansible.posix has), so the collection's test callback ct_results prints
/// every task's result and the recap as one JSON document.
/// </summary>
public static class AnsibleRunner
{
    public const string LocalInventory = "localhost ansible_connection=local ansible_python_interpreter=/usr/bin/python3\n";

    public static string RepoRoot { get; } = FindRepoRoot();
    public static string CollectionsPath => Path.Combine(RepoRoot, "ansible");
    public static string CollectionRoot => Path.Combine(CollectionsPath, "ansible_collections", "conntracktools", "netfilter");
    public static string Ctsh => Path.Combine(RepoRoot, "ctsh");
    public static string ExamplePlaybook => Path.Combine(RepoRoot, "examples", "automation", "playbook.yml");
    public static string ExampleDscConfiguration => Path.Combine(RepoRoot, "examples", "automation", "conntrack.dsc.yaml");

    public static readonly string[] Modules = ["ct_antispoof", "ct_facts", "ct_helper_policy", "ct_notrack", "ct_setting"];

    /// <summary>
    /// Runs <paramref name="playbook"/> on the local host. <paramref name="extraVars"/> go in a JSON
    /// file (-e @file), so values reach the play exactly as given.
    /// </summary>
    public static AnsibleRun Playbook(string playbook, IDictionary<string, object?>? extraVars = null, bool check = false, bool diff = false,
        string? ctsh = null, IDictionary<string, string>? environment = null, int timeoutMs = 600_000)
    {
        var dir = Directory.CreateTempSubdirectory("ctansible").FullName;
        try
        {
            var inventory = Path.Combine(dir, "inventory.ini");
            File.WriteAllText(inventory, LocalInventory);
            var vars = new Dictionary<string, object?>(extraVars ?? new Dictionary<string, object?>()) { ["conntrack_hosts"] = "localhost" };
            var varsFile = Path.Combine(dir, "vars.json");
            File.WriteAllText(varsFile, System.Text.Json.JsonSerializer.Serialize(vars));
            List<string> args = ["-i", inventory, "-e", "@" + varsFile, playbook];
            if (check) args.Add("--check");
            if (diff) args.Add("--diff");
            var env = AnsibleEnvironment(dir, ctsh);
            if (environment is not null) foreach (var (k, v) in environment) env[k] = v;
            var r = Shell.Run("ansible-playbook", args, timeoutMs, env: env);
            return Parse(r);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    /// <summary>Writes <paramref name="yaml"/> to a file and runs it as a playbook.</summary>
    public static AnsibleRun PlaybookText(string yaml, IDictionary<string, object?>? extraVars = null, bool check = false, bool diff = false,
        string? ctsh = null, IDictionary<string, string>? environment = null)
    {
        var file = Path.Combine(Path.GetTempPath(), $"ctplay{Guid.NewGuid():N}.yml");
        File.WriteAllText(file, yaml);
        try
        {
            return Playbook(file, extraVars, check, diff, ctsh, environment);
        }
        finally
        {
            File.Delete(file);
        }
    }

    /// <summary>Runs ansible-doc with the repository's collection.</summary>
    public static Shell.Result Doc(params string[] args)
    {
        var dir = Directory.CreateTempSubdirectory("ctansible").FullName;
        try
        {
            return Shell.Run("ansible-doc", args, 120_000, env: AnsibleEnvironment(dir, null));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    private static Dictionary<string, string> AnsibleEnvironment(string dir, string? ctsh)
    {
        var config = Path.Combine(dir, "ansible.cfg");
        File.WriteAllText(config, ""); // no ansible.cfg of the machine or the working directory applies
        return new Dictionary<string, string>
        {
            ["ANSIBLE_CONFIG"] = config,
            ["ANSIBLE_COLLECTIONS_PATH"] = CollectionsPath,
            ["ANSIBLE_COLLECTIONS_SCAN_SYS_PATH"] = "False",
            ["ANSIBLE_CALLBACK_PLUGINS"] = Path.Combine(CollectionRoot, "tests", "callback_plugins"),
            ["ANSIBLE_STDOUT_CALLBACK"] = "ct_results",
            ["ANSIBLE_LOCAL_TEMP"] = Path.Combine(dir, "tmp"),
            ["ANSIBLE_RETRY_FILES_ENABLED"] = "False",
            ["ANSIBLE_NOCOLOR"] = "1",
            ["ANSIBLE_HOST_KEY_CHECKING"] = "False",
            ["LANG"] = "C.UTF-8",
            ["LC_ALL"] = "C.UTF-8",
            ["CONNTRACKTOOLS_CTSH"] = ctsh ?? Ctsh,
        };
    }

    private static AnsibleRun Parse(Shell.Result r)
    {
        var start = r.Stdout.IndexOf("{\n", StringComparison.Ordinal);
        JsonObject? doc = null;
        if (start >= 0)
        {
            try
            {
                doc = JsonNode.Parse(r.Stdout[start..])?.AsObject();
            }
            catch (System.Text.Json.JsonException)
            {
                doc = null;
            }
        }
        var tasks = (doc?["tasks"]?.AsArray() ?? []).Select(t => new AnsibleTaskResult(
            (string)t!["task"]!, (string)t["action"]!, (string)t["host"]!, (string)t["status"]!, t["result"]!.AsObject())).ToList();
        return new AnsibleRun
        {
            ExitCode = r.ExitCode,
            Stdout = r.Stdout,
            Stderr = r.Stderr,
            Tasks = tasks,
            Stats = doc?["stats"]?.AsObject() ?? [],
        };
    }

    private static string FindRepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "ConntrackTools.slnx"))) return dir.FullName;
        throw new DirectoryNotFoundException("ConntrackTools.slnx not found above " + AppContext.BaseDirectory);
    }
}

/// <summary>
/// A test that runs ansible-core's tools (no root needed). Outside CI it is skipped where they are
/// missing; under CI (CI=true, where tests/run-all.sh installs ansible-core) it never skips.
/// </summary>
public sealed class AnsibleFactAttribute : FactAttribute
{
    public AnsibleFactAttribute(params string[] tools)
    {
        if (Environment.GetEnvironmentVariable("CI") == "true") return;
        var missing = tools.FirstOrDefault(t => Requirements.Which(t) is null);
        if (missing is not null) Skip = $"needs '{missing}' on PATH (ansible-core; tests/run-all.sh installs it)";
    }
}

/// <summary>A theory with the requirements of <see cref="AnsibleFactAttribute"/>.</summary>
public sealed class AnsibleTheoryAttribute : TheoryAttribute
{
    public AnsibleTheoryAttribute(params string[] tools)
    {
        if (Environment.GetEnvironmentVariable("CI") == "true") return;
        var missing = tools.FirstOrDefault(t => Requirements.Which(t) is null);
        if (missing is not null) Skip = $"needs '{missing}' on PATH (ansible-core; tests/run-all.sh installs it)";
    }
}
