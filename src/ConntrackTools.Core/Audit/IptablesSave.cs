using System.Diagnostics;
using System.Text;
using ConntrackTools.Kernel.Netlink;

namespace ConntrackTools.Audit;

/// <summary>
/// The iptables (or ip6tables) rules of a network namespace, read from `iptables-save`: tables,
/// chains with their policies, and rules with their options parsed (interfaces, addresses,
/// protocol, matches with their options, the target with its options). nft shows the rules that
/// iptables-nft made, but not the options of the xtables matches and targets they use; this is
/// where those are read.
/// </summary>
public sealed class IptablesSave
{
    public CtFamily Family { get; init; } = CtFamily.IPv4;

    /// <summary>"nf_tables" (iptables-nft) or "legacy", from the header iptables-save writes; "" when unknown.</summary>
    public string Variant { get; set; } = "";

    /// <summary>False when no iptables-save binary was found: the rules could not be read (see <see cref="Notes"/>).</summary>
    public bool Available { get; set; } = true;

    public List<IptablesChain> Chains { get; } = [];
    public List<IptablesRule> Rules { get; } = [];

    /// <summary>What the reader could not do or noticed (binary missing, legacy tables beside nf_tables ones, lines it could not parse).</summary>
    public List<string> Notes { get; } = [];

    /// <summary>The tables that have at least a chain: "raw", "mangle", "filter", "nat", "security".</summary>
    public IEnumerable<string> Tables => Chains.Select(c => c.Table).Distinct(StringComparer.Ordinal);

    /// <summary>The name iptables goes by for this family: iptables or ip6tables.</summary>
    public string Command => Family == CtFamily.IPv6 ? "ip6tables" : "iptables";

    /// <summary>The rules of one chain, in order.</summary>
    public IEnumerable<IptablesRule> RulesOf(string table, string chain) =>
        Rules.Where(r => r.Table == table && r.Chain == chain);

    public IptablesChain? Chain(string table, string chain) =>
        Chains.FirstOrDefault(c => c.Table == table && c.Name == chain);

    /// <summary>The built-in chains (PREROUTING, INPUT, ...) from which a chain is reached through -j or -g (itself when built in).</summary>
    public IReadOnlyList<IptablesChain> BuiltinChainsReaching(string table, string chain)
    {
        var result = new List<IptablesChain>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var queue = new Queue<string>([chain]);
        while (queue.TryDequeue(out var c))
        {
            if (!seen.Add(c)) continue;
            if (Chain(table, c) is { IsBuiltin: true } builtin) result.Add(builtin);
            foreach (var r in Rules.Where(r => r.Table == table && r.Target == c)) queue.Enqueue(r.Chain);
        }
        return result;
    }

    /// <summary>
    /// Runs iptables-save (ip6tables-save for IPv6) in a network namespace (null: the current one)
    /// and parses its output. When the nf_tables variant says legacy tables are present too, they
    /// are read with iptables-legacy-save and added. No binary, or one that fails: an empty result
    /// (Available false) with a note. Refused for lack of privileges: UnauthorizedAccessException.
    /// </summary>
    public static IptablesSave Read(string? networkNamespace, CtFamily family)
    {
        if (networkNamespace is null) return ReadHere(family);
        return NetworkNamespace.Resolve(networkNamespace).Run(() => ReadHere(family));
    }

    internal static IptablesSave ReadHere(CtFamily family)
    {
        var tool = family == CtFamily.IPv6 ? "ip6tables" : "iptables";
        var result = NativeTool.Run($"{tool}-save");
        if (result is null)
        {
            var none = new IptablesSave { Family = family, Available = false };
            none.Notes.Add($"{tool}-save is not installed, so {tool} rules were not read (rules that iptables-nft made still show in the nft ruleset)");
            return none;
        }
        try
        {
            result.ThrowIfFailed();
        }
        catch (NativeToolException ex)
        {
            // Not a permission problem (that throws): a kernel without the tables it needs, for one.
            var failed = new IptablesSave { Family = family, Available = false };
            failed.Notes.Add($"{tool} rules were not read: {ex.Message}");
            return failed;
        }
        var save = Parse(result.Stdout, family);
        if (save.Variant == "nf_tables" && (result.Stdout + result.Stderr).Contains("legacy tables present", StringComparison.Ordinal)
            && NativeTool.Run($"{tool}-legacy-save") is { ExitCode: 0 } legacy)
        {
            var old = Parse(legacy.Stdout, family);
            foreach (var c in old.Chains) save.Chains.Add(c with { Legacy = true });
            foreach (var r in old.Rules)
            {
                r.Legacy = true;
                save.Rules.Add(r);
            }
            save.Notes.Add($"{tool}-legacy tables are present beside the nf_tables ones; both were read");
        }
        return save;
    }

    /// <summary>Parses iptables-save output (the `*table`, `:CHAIN POLICY [p:b]`, `-A CHAIN ...` and `COMMIT` lines).</summary>
    public static IptablesSave Parse(string text, CtFamily family = CtFamily.IPv4)
    {
        var save = new IptablesSave { Family = family };
        string? table = null;
        var positions = new Dictionary<(string, string), int>();
        var lineNumber = 0;
        foreach (var raw in text.Split('\n'))
        {
            lineNumber++;
            var line = raw.TrimEnd('\r');
            if (line.StartsWith("# Generated by", StringComparison.Ordinal))
            {
                if (save.Variant.Length == 0)
                    save.Variant = line.Contains("(nf_tables)", StringComparison.Ordinal) ? "nf_tables" : line.Contains("(legacy)", StringComparison.Ordinal) ? "legacy" : "";
                continue;
            }
            if (line.Length == 0 || line[0] == '#' || line == "COMMIT") continue;
            if (line[0] == '*')
            {
                table = line[1..].Trim();
                continue;
            }
            if (table is null) continue;
            if (line[0] == ':')
            {
                // :PREROUTING ACCEPT [0:0]  or  :MYCHAIN - [0:0]
                var parts = line[1..].Split(' ', StringSplitOptions.RemoveEmptyEntries);
                if (parts.Length >= 2)
                    save.Chains.Add(new IptablesChain(family, table, parts[0], parts[1] == "-" ? null : parts[1]));
                continue;
            }
            // [packets:bytes] -A ... when saved with -c.
            if (line[0] == '[' && line.IndexOf("] ", StringComparison.Ordinal) is var close and > 0) line = line[(close + 2)..];
            if (!line.StartsWith("-A ", StringComparison.Ordinal)) continue;
            try
            {
                var rule = IptablesRule.Parse(family, table, line[3..]);
                var key = (table, rule.Chain);
                rule.Position = positions[key] = positions.GetValueOrDefault(key) + 1;
                save.Rules.Add(rule);
            }
            catch (FormatException ex)
            {
                save.Notes.Add($"line {lineNumber} was not understood ({ex.Message}): {line}");
            }
        }
        return save;
    }
}

/// <summary>A chain of an iptables table; Policy is null for a user-defined chain.</summary>
public sealed record IptablesChain(CtFamily Family, string Table, string Name, string? Policy)
{
    public bool IsBuiltin => Policy is not null;

    /// <summary>Read from iptables-legacy-save beside nf_tables tables.</summary>
    public bool Legacy { get; init; }
}

/// <summary>An option with its values: `--dport 21`, `! --ctstate NEW`, `--tcp-flags SYN,ACK SYN`. Name without the dashes.</summary>
public sealed record IptablesOption(string Name, bool Negated, IReadOnlyList<string> Values)
{
    /// <summary>The first value, or "" for a flag such as --invert.</summary>
    public string Value => Values.Count > 0 ? Values[0] : "";

    public override string ToString() =>
        $"{(Negated ? "! " : "")}--{Name}{string.Concat(Values.Select(v => " " + IptablesRule.QuoteValue(v)))}";
}

/// <summary>A match module of a rule (`-m conntrack --ctstate RELATED`), with its options.</summary>
public sealed class IptablesMatch(string name)
{
    public string Name { get; } = name;
    public List<IptablesOption> Options { get; } = [];

    public IptablesOption? Option(string name) => Options.FirstOrDefault(o => o.Name == name);

    public bool Has(string name) => Options.Any(o => o.Name == name);

    public override string ToString() => $"-m {Name}{string.Concat(Options.Select(o => " " + o))}";
}

/// <summary>An address (-s/-d) or interface (-i/-o) of a rule, and whether it is negated (`! -s 10.0.0.0/8`).</summary>
public sealed record IptablesValue(string Value, bool Negated)
{
    public override string ToString() => Negated ? $"! {Value}" : Value;
}

/// <summary>
/// One `-A CHAIN ...` line of iptables-save with its options parsed. The generic options are
/// properties (Source, Destination, InInterface, OutInterface, Protocol); each `-m NAME` is an
/// <see cref="IptablesMatch"/>; the target (-j, or -g for a goto) has its own options.
/// </summary>
public sealed class IptablesRule
{
    public CtFamily Family { get; init; }
    public string Table { get; init; } = "";
    public string Chain { get; init; } = "";

    /// <summary>1-based position in its chain, as `iptables -L --line-numbers` counts.</summary>
    public int Position { get; internal set; }

    /// <summary>The rule as iptables-save wrote it, without "-A CHAIN".</summary>
    public string Text { get; init; } = "";

    public IptablesValue? Source { get; private set; }
    public IptablesValue? Destination { get; private set; }
    public IptablesValue? InInterface { get; private set; }
    public IptablesValue? OutInterface { get; private set; }
    public IptablesValue? Protocol { get; private set; }

    /// <summary>-f (or ! -f): only non-first fragments (IPv4).</summary>
    public IptablesValue? Fragment { get; private set; }

    public List<IptablesMatch> Matches { get; } = [];

    /// <summary>ACCEPT, DROP, RETURN, a user chain, CT, NOTRACK, ...; null for a rule without target.</summary>
    public string? Target { get; private set; }

    /// <summary>True for -g (goto): the chain does not return here.</summary>
    public bool Goto { get; private set; }

    public List<IptablesOption> TargetOptions { get; } = [];

    /// <summary>Read from iptables-legacy-save beside nf_tables tables.</summary>
    public bool Legacy { get; internal set; }

    /// <summary>Where the rule is, as a user finds it: "iptables -t raw PREROUTING rule 2".</summary>
    public string Location => $"{(Family == CtFamily.IPv6 ? "ip6tables" : "iptables")}{(Legacy ? "-legacy" : "")} -t {Table} {Chain} rule {Position}";

    public IptablesMatch? Match(string name) => Matches.FirstOrDefault(m => m.Name == name);

    /// <summary>An option of a match: ("conntrack", "ctstate"), ("helper", "helper"), ("rpfilter", "invert").</summary>
    public IptablesOption? Option(string match, string option) => Matches.Where(m => m.Name == match).Select(m => m.Option(option)).FirstOrDefault(o => o is not null);

    public IptablesOption? TargetOption(string name) => TargetOptions.FirstOrDefault(o => o.Name == name);

    /// <summary>The destination port(s) the rule matches (tcp/udp/sctp/dccp --dport, multiport --dports/--ports); null when it does not test them.</summary>
    public IptablesOption? DestinationPort =>
        Matches.Where(m => m.Name is "tcp" or "udp" or "sctp" or "dccp" or "udplite").Select(m => m.Option("dport") ?? m.Option("destination-port")).FirstOrDefault(o => o is not null)
        ?? Matches.Where(m => m.Name == "multiport").Select(m => m.Option("dports") ?? m.Option("destination-ports") ?? m.Option("ports")).FirstOrDefault(o => o is not null);

    public IptablesOption? SourcePort =>
        Matches.Where(m => m.Name is "tcp" or "udp" or "sctp" or "dccp" or "udplite").Select(m => m.Option("sport") ?? m.Option("source-port")).FirstOrDefault(o => o is not null)
        ?? Matches.Where(m => m.Name == "multiport").Select(m => m.Option("sports") ?? m.Option("source-ports") ?? m.Option("ports")).FirstOrDefault(o => o is not null);

    /// <summary>The conntrack states required (-m conntrack --ctstate, -m state --state), lower case; empty when not tested or negated.</summary>
    public IReadOnlySet<string> CtStates =>
        Matches.Where(m => m.Name is "conntrack" or "state")
            .Select(m => m.Option("ctstate") ?? m.Option("state"))
            .Where(o => o is { Negated: false })
            .SelectMany(o => o!.Value.Split(',', StringSplitOptions.RemoveEmptyEntries))
            .Select(s => s.ToLowerInvariant())
            .ToHashSet(StringComparer.Ordinal);

    /// <summary>The helper a `-m helper --helper NAME` match requires; null when none.</summary>
    public string? HelperMatch => Option("helper", "helper")?.Value;

    /// <summary>The helper a `-j CT --helper NAME` rule assigns; null when none.</summary>
    public string? CtHelper => Target == "CT" ? TargetOption("helper")?.Value : null;

    /// <summary>-j NOTRACK or -j CT --notrack.</summary>
    public bool Notrack => Target == "NOTRACK" || (Target == "CT" && TargetOption("notrack") is not null);

    /// <summary>`-m rpfilter --invert`: matches packets that fail the reverse-path check.</summary>
    public bool RpfilterInvert => Match("rpfilter") is { } m && m.Has("invert");

    public override string ToString() => $"{Location}: {Text}";

    /// <summary>Quotes a value the way iptables-save does, when it needs quotes.</summary>
    internal static string QuoteValue(string v) =>
        v.Length > 0 && !v.Any(c => char.IsWhiteSpace(c) || c is '"' or '\'' or '\\')
            ? v
            : "\"" + v.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal) + "\"";

    /// <summary>Parses the part of an -A line after "-A "; throws FormatException on what it cannot read.</summary>
    public static IptablesRule Parse(CtFamily family, string table, string spec)
    {
        var lexer = new Lexer(spec);
        var chain = lexer.Raw() ?? throw new FormatException("no chain name");
        var rule = new IptablesRule { Family = family, Table = table, Chain = chain, Text = spec[Math.Min(spec.Length, chain.Length + 1)..].Trim() };
        IptablesMatch? match = null;
        var inTarget = false;
        while (lexer.Peek() is { } token)
        {
            var negated = false;
            if (token is { Text: "!", Quoted: false })
            {
                lexer.Next();
                negated = true;
                token = lexer.Peek() ?? throw new FormatException("'!' at the end");
            }
            lexer.Next();
            var t = token.Text;
            if (token.Quoted) throw new FormatException($"unexpected value {t}");
            switch (t)
            {
                case "-s" or "--source" or "--src":
                    rule.Source = new IptablesValue(lexer.Value(t), negated);
                    continue;
                case "-d" or "--destination" or "--dst":
                    rule.Destination = new IptablesValue(lexer.Value(t), negated);
                    continue;
                case "-i" or "--in-interface":
                    // Interface names cannot hold white space but can hold quotes: iptables-save writes them as they are.
                    rule.InInterface = new IptablesValue(lexer.Raw() ?? throw new FormatException($"{t} without a value"), negated);
                    continue;
                case "-o" or "--out-interface":
                    rule.OutInterface = new IptablesValue(lexer.Raw() ?? throw new FormatException($"{t} without a value"), negated);
                    continue;
                case "-p" or "--protocol":
                    rule.Protocol = new IptablesValue(lexer.Value(t), negated);
                    continue;
                case "-f" or "--fragment":
                    rule.Fragment = new IptablesValue("", negated);
                    continue;
                case "-m" or "--match":
                    match = new IptablesMatch(lexer.Value(t));
                    rule.Matches.Add(match);
                    inTarget = false;
                    continue;
                case "-j" or "--jump" or "-g" or "--goto":
                    rule.Target = lexer.Value(t);
                    rule.Goto = t is "-g" or "--goto";
                    inTarget = true;
                    continue;
            }
            if (!t.StartsWith("--", StringComparison.Ordinal) || t.Length < 3)
                throw new FormatException($"unexpected '{t}'");
            // A module option: its values run to the next option, '!' or generic option.
            var values = new List<string>();
            while (lexer.Peek() is { } v && (v.Quoted || !(v.Text == "!" || (v.Text.Length > 1 && v.Text[0] == '-' && !IsNumber(v.Text)))))
            {
                values.Add(v.Text);
                lexer.Next();
            }
            var option = new IptablesOption(t[2..], negated, values);
            if (inTarget) rule.TargetOptions.Add(option);
            else if (match is not null) match.Options.Add(option);
            else throw new FormatException($"option {t} before any -m or -j");
        }
        return rule;
    }

    private static bool IsNumber(string s) => s.Length > 1 && s[0] == '-' && s[1..].All(char.IsAsciiDigit);

    private readonly record struct Token(string Text, bool Quoted);

    /// <summary>Splits an -A line into words: white space separates, "..." quotes with \" and \\ escapes, as iptables-save writes them.</summary>
    private sealed class Lexer(string text)
    {
        private int _pos;
        private Token? _peeked;

        public Token? Peek()
        {
            if (_peeked is null) _peeked = Read(raw: false);
            return _peeked;
        }

        public void Next()
        {
            if (_peeked is null) Read(raw: false);
            _peeked = null;
        }

        /// <summary>The next word as it is, quotes included.</summary>
        public string? Raw()
        {
            if (_peeked is not null) throw new InvalidOperationException("raw read after peek");
            return Read(raw: true)?.Text;
        }

        public string Value(string option)
        {
            var t = Peek() ?? throw new FormatException($"{option} without a value");
            Next();
            return t.Text;
        }

        private Token? Read(bool raw)
        {
            while (_pos < text.Length && char.IsWhiteSpace(text[_pos])) _pos++;
            if (_pos >= text.Length) return null;
            var sb = new StringBuilder();
            if (!raw && text[_pos] == '"')
            {
                _pos++;
                while (_pos < text.Length && text[_pos] != '"')
                {
                    if (text[_pos] == '\\' && _pos + 1 < text.Length && text[_pos + 1] is '"' or '\\') _pos++;
                    sb.Append(text[_pos++]);
                }
                if (_pos >= text.Length) throw new FormatException("unterminated quotes");
                _pos++;
                return new Token(sb.ToString(), true);
            }
            while (_pos < text.Length && !char.IsWhiteSpace(text[_pos])) sb.Append(text[_pos++]);
            return new Token(sb.ToString(), false);
        }
    }
}

/// <summary>Runs a command-line tool found on PATH (or in the sbin directories), with a time limit.</summary>
internal static class NativeTool
{
    internal sealed record Result(string Tool, IReadOnlyList<string> Arguments, int ExitCode, string Stdout, string Stderr)
    {
        public void ThrowIfFailed()
        {
            if (ExitCode == 0) return;
            var message = Stderr.Trim().Length > 0 ? Stderr.Trim() : Stdout.Trim();
            var command = $"{Tool} {string.Join(' ', Arguments)}".Trim();
            if (message.Contains("Permission denied", StringComparison.OrdinalIgnoreCase) || message.Contains("Operation not permitted", StringComparison.OrdinalIgnoreCase))
                throw new UnauthorizedAccessException($"`{command}` was refused: {message}.");
            throw new NativeToolException(Tool, $"`{command}` failed (exit code {ExitCode}): {message}", notInstalled: false);
        }
    }

    private static readonly string[] ExtraDirectories = ["/usr/local/sbin", "/usr/sbin", "/sbin", "/usr/bin", "/bin"];

    public static string? Find(string tool)
    {
        foreach (var dir in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries).Concat(ExtraDirectories))
        {
            var path = Path.Combine(dir, tool);
            if (File.Exists(path)) return path;
        }
        return null;
    }

    /// <summary>Runs <paramref name="tool"/> with <paramref name="args"/>; null when the tool is not installed. Runs in the calling thread's network namespace.</summary>
    public static Result? Run(string tool, params string[] args)
    {
        var path = Find(tool);
        if (path is null) return null;
        var psi = new ProcessStartInfo(path)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        foreach (var a in args) psi.ArgumentList.Add(a);
        psi.Environment["LC_ALL"] = "C";
        using var p = Process.Start(psi) ?? throw new InvalidOperationException($"could not start {path}");
        p.StandardInput.Close();
        var stderr = p.StandardError.ReadToEndAsync();
        var stdout = p.StandardOutput.ReadToEndAsync();
        if (!p.WaitForExit(30_000))
        {
            p.Kill(entireProcessTree: true);
            throw new TimeoutException($"{tool} {string.Join(' ', args)} did not finish within 30 seconds.");
        }
        p.WaitForExit();
        return new Result(tool, args, p.ExitCode, stdout.GetAwaiter().GetResult(), stderr.GetAwaiter().GetResult());
    }
}

/// <summary>A command-line tool the audits read from (ip, iptables-save) is missing or failed.</summary>
public sealed class NativeToolException(string tool, string message, bool notInstalled) : Exception(message)
{
    public string Tool { get; } = tool;

    /// <summary>True when the tool is not installed; false when it ran and failed.</summary>
    public bool NotInstalled { get; } = notInstalled;
}
