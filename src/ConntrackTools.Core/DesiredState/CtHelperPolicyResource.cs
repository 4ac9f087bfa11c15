using System.Runtime.CompilerServices;
using System.Text.Json.Nodes;
using ConntrackTools.Engine.Helpers;
using ConntrackTools.Kernel.Netlink;
using ConntrackTools.Kernel.Nftables;

namespace ConntrackTools.DesiredState;

/// <summary>
/// An nftables ct helper object and the rules that assign it (`ct helper set`), restricted by
/// destination address, port and input interface: seed 000's steps 1 and 2 as one desired state.
/// </summary>
public sealed class CtHelperPolicyState : CtResourceInstance
{
    /// <summary>The network namespace (name, path or PID); null for the one the command runs in.</summary>
    [CtKey]
    public string? NetworkNamespace { get; set; }

    /// <summary>The table's family: inet (default), ip or ip6.</summary>
    [CtKey]
    public string? Family { get; set; }

    /// <summary>The table (default conntrack).</summary>
    [CtKey]
    public string? Table { get; set; }

    /// <summary>The ct helper object's name, which `ct helper set` refers to.</summary>
    [CtKey]
    public string? Name { get; set; }

    public CtEnsure? Ensure { get; set; }

    /// <summary>The kernel helper the object stands for: ftp, tftp, sip, irc, ... (case-sensitive, as the kernel names them).</summary>
    public string? Type { get; set; }

    /// <summary>tcp or udp; the helper's own protocol by default.</summary>
    public string? Protocol { get; set; }

    /// <summary>The chain of the assigning rules (default helpers, made on Hook when missing).</summary>
    public string? Chain { get; set; }

    /// <summary>The hook of that chain: prerouting (default), input, forward or output.</summary>
    public string? Hook { get; set; }

    /// <summary>The servers the helper is for: addresses or prefixes.</summary>
    public string[]? DestinationAddress { get; set; }

    /// <summary>The server ports; the helper's own ports by default.</summary>
    public int[]? DestinationPort { get; set; }

    /// <summary>Assign the helper only to connections that arrive on these interfaces.</summary>
    public string[]? InputInterface { get; set; }

    /// <summary>Allows a Present policy without DestinationAddress: the helper then parses connections to any address.</summary>
    public bool? AllowAnyDestination { get; set; }

    /// <summary>The object's handle in its table.</summary>
    [CtReadOnly]
    public long? Handle { get; set; }

    /// <summary>The assigning rules, in nft's syntax.</summary>
    [CtReadOnly]
    public string[]? Rules { get; set; }

    /// <summary>Tracked connections with this object's kernel helper (objects of the same type share the count).</summary>
    [CtReadOnly]
    public int? Connections { get; set; }

    public override string ToString() => $"{Family} {Table} {Name}: {Ensure}";
}

/// <summary>
/// CtHelperPolicy: Test compares the object (Type, Protocol) and its assigning rules (Chain, Hook,
/// DestinationAddress, DestinationPort, InputInterface) with the desired state; Set changes them in
/// one nft transaction: new rules replace the old ones when a rule property differs, and the object
/// is made again (with its rules) when Type or Protocol differ. Absent removes the object and every
/// rule assigning it, then a chain and table that are left empty; nothing else is touched.
/// </summary>
public sealed class CtHelperPolicyResource : CtResource<CtHelperPolicyState>
{
    private const string AdviceSeed000 =
        "The nftables guide to helpers (seed 000) says: \"it is critical that you use a daddr expression to restrict such traffic to that specific host\" in the rule that assigns the helper; otherwise forged traffic toward any address makes the helper open RELATED paths.";

    private static readonly string[] RuleProperties = ["Chain", "Hook", "DestinationAddress", "DestinationPort", "InputInterface", "Rules"];

    /// <summary>What Read found, for Compare and Apply of the same Test or Set (the state object is the key).</summary>
    private sealed record Snapshot(NftRuleset Ruleset, NftCtHelper? Helper, List<NftRule> Rules, bool Plain);

    private readonly ConditionalWeakTable<CtHelperPolicyState, Snapshot> _snapshots = new();

    private static readonly Lazy<List<CtHelper>> KernelHelpers = new(() => HelperCatalog.Describe(null, "kernel").Where(h => !h.Userspace).ToList());

    public override string Name => "CtHelperPolicy";

    public override string Description =>
        "An nftables ct helper object and the rules that assign it to new connections, restricted by destination address, port and input interface.";

    protected override void Validate(CtHelperPolicyState d)
    {
        Input(() =>
        {
            (d.Family, d.Table) = TableKeys(d.Family, d.Table);
            if (d.Name is null) throw new ArgumentException("Name is required: the ct helper object's name, such as ftp-standard.");
            RulesetBuilder.ValidateName("helper object", d.Name);
            // Only the keys (and Ensure): a lookup, as Get and "does it exist" Tests give it; nothing to fill in.
            var policy = d.Ensure != CtEnsure.Absent
                && new object?[] { d.Type, d.Protocol, d.Chain, d.Hook, d.DestinationAddress, d.DestinationPort, d.InputInterface, d.AllowAnyDestination }.Any(v => v is not null);
            d.Ensure ??= CtEnsure.Present;
            if (policy) d.Chain ??= "helpers";
            if (d.Chain is not null) RulesetBuilder.ValidateName("chain", d.Chain);
            if (policy) d.Hook ??= "prerouting";
            if (d.Hook is not null)
            {
                d.Hook = d.Hook.ToLowerInvariant();
                if (d.Hook is not ("prerouting" or "input" or "forward" or "output"))
                    throw new ArgumentException($"Hook '{d.Hook}' is not one of prerouting, input, forward, output.");
            }
            if (d.Protocol is not null)
            {
                d.Protocol = d.Protocol.ToLowerInvariant();
                if (d.Protocol is not ("tcp" or "udp")) throw new ArgumentException($"Protocol '{d.Protocol}' is not one of tcp, udp: a ct helper object serves one of them.");
            }
            if (d.DestinationAddress is not null) d.DestinationAddress = CanonicalAddresses(d.Family, d.DestinationAddress);
            d.DestinationPort = Ports("DestinationPort", d.DestinationPort);
            d.InputInterface = Interfaces(d.InputInterface);
            if (d.Type is not null) CheckType(d, fillPorts: policy);
            if (!policy) return;
            if (d.Type is null) throw new ArgumentException(TypeRequired);
            if (d.DestinationAddress is not { Length: > 0 })
            {
                if (d.AllowAnyDestination != true)
                    throw new ArgumentException($"The helper policy {RulesetBuilder.Show(d.Name)} has no DestinationAddress. {AdviceSeed000} Give DestinationAddress (the servers' addresses or prefixes), or set AllowAnyDestination to true to assign the helper to connections to any address.");
                d.DestinationAddress = [];
            }
        });
    }

    private static string TypeRequired =>
        $"Type is required when Ensure is Present: the kernel helper the object stands for ({string.Join(", ", KernelHelpers.Value.Select(h => h.Name).Distinct())}).";

    /// <summary>Checks Type against the kernel's helpers (as New-CtHelper does) and fills Protocol and DestinationPort from it.</summary>
    private static void CheckType(CtHelperPolicyState d, bool fillPorts)
    {
        var type = d.Type!;
        RulesetBuilder.ValidateName("helper type", type);
        var kernel = KernelHelpers.Value;
        var candidates = kernel.Where(h => h.Name == type).ToList();
        if (candidates.Count == 0)
        {
            var ci = kernel.FirstOrDefault(h => string.Equals(h.Name, type, StringComparison.OrdinalIgnoreCase));
            throw new ArgumentException($"Type '{type}' is not a kernel helper{(ci is null ? "" : $" (helper names are case-sensitive: '{ci.Name}')")}. Kernel helpers: {string.Join(", ", kernel.Select(h => h.Name).Distinct())}.");
        }
        string Served() => string.Join(" and ", candidates.Select(h => h.Protocol.ToString().ToLowerInvariant()));
        if (d.Protocol is null)
        {
            if (candidates.Select(h => h.Protocol).Distinct().Count() > 1)
                throw new ArgumentException($"The {type} helper serves {Served()}; say which with Protocol.");
            d.Protocol = candidates[0].Protocol == CtProtocol.Udp ? "udp" : "tcp";
        }
        var protocol = d.Protocol == "udp" ? CtProtocol.Udp : CtProtocol.Tcp;
        var helper = candidates.FirstOrDefault(h => h.Protocol == protocol)
            ?? throw new ArgumentException($"The {type} helper serves {Served()}, not {d.Protocol}.");
        if (fillPorts) d.DestinationPort ??= [.. helper.Ports.Select(p => (int)p).Distinct().Order()];
    }

    /// <summary>A ruleset resource's table keys, checked, with their defaults: family inet, table conntrack.</summary>
    internal static (string Family, string Table) TableKeys(string? family, string? table)
    {
        family = (family ?? "inet").ToLowerInvariant();
        if (family is not ("inet" or "ip" or "ip6")) throw new ArgumentException($"Family '{family}' is not one of inet, ip, ip6.");
        table ??= RulesetBuilder.DefaultTable;
        RulesetBuilder.ValidateName("table", table);
        return (family, table);
    }

    /// <summary>Ports checked (1 to 65535), without repeats, in order.</summary>
    internal static int[]? Ports(string what, int[]? ports)
    {
        if (ports is null) return null;
        foreach (var p in ports)
            if (p is < 1 or > 65535) throw new ArgumentException($"{what} {p} is not a port: 1 to 65535.");
        return [.. ports.Distinct().Order()];
    }

    /// <summary>Interface names checked as the kernel and nft take them, without repeats.</summary>
    internal static string[]? Interfaces(string[]? names)
    {
        if (names is null) return null;
        foreach (var n in names) RulesetBuilder.ValidateInterface(n ?? "");
        return [.. names.Distinct(StringComparer.Ordinal)];
    }

    /// <summary>Addresses and prefixes in canonical form (a full-length prefix as the address, as nft prints it), checked against the table's family.</summary>
    internal static string[] CanonicalAddresses(string family, string[] addresses)
    {
        var result = new List<string>();
        foreach (var a in addresses)
        {
            var parsed = RulesetBuilder.ParseAddress(a ?? "");
            if ((family == "ip" && parsed.Family != CtFamily.IPv4) || (family == "ip6" && parsed.Family != CtFamily.IPv6))
                throw new ArgumentException($"{parsed.Text} is not an {(family == "ip" ? "IPv4" : "IPv6")} address, and the table's family is {family}.");
            var full = parsed.Prefix == (parsed.Family == CtFamily.IPv4 ? 32 : 128);
            result.Add(full ? parsed.Address : parsed.Text);
        }
        return [.. result.Distinct(StringComparer.Ordinal)];
    }

    protected override CtHelperPolicyState Read(CtHelperPolicyState desired)
    {
        var ruleset = NftClient.ListRuleset(desired.NetworkNamespace);
        var helper = ruleset.Helpers.FirstOrDefault(h => h.Family == desired.Family && h.Table == desired.Table && h.Name == desired.Name);
        if (helper is null)
        {
            var absent = new CtHelperPolicyState
            {
                NetworkNamespace = desired.NetworkNamespace, Family = desired.Family, Table = desired.Table, Name = desired.Name, Ensure = CtEnsure.Absent,
            };
            _snapshots.AddOrUpdate(absent, new Snapshot(ruleset, null, [], true));
            return absent;
        }
        return Describe(ruleset, helper, desired.NetworkNamespace, CountConnections(desired.NetworkNamespace));
    }

    protected override IEnumerable<CtHelperPolicyState> List(CtHelperPolicyState? filter)
    {
        var ns = filter?.NetworkNamespace;
        var ruleset = NftClient.ListRuleset(ns);
        var helpers = ruleset.Helpers
            .Where(h => (filter?.Family is null || string.Equals(h.Family, filter.Family, StringComparison.OrdinalIgnoreCase))
                && (filter?.Table is null || h.Table == filter.Table) && (filter?.Name is null || h.Name == filter.Name))
            .ToList();
        var counts = helpers.Count > 0 ? CountConnections(ns) : null;
        return helpers.Select(h => Describe(ruleset, h, ns, counts)).ToList();
    }

    /// <summary>The state of an existing object, read literally (a name made by another tool is carried as it is).</summary>
    private CtHelperPolicyState Describe(NftRuleset ruleset, NftCtHelper helper, string? ns, Dictionary<string, int>? counts)
    {
        var rules = HelperRuleset.AssigningRules(ruleset, helper).ToList();
        var shapes = rules.Select(NftRuleShape.Read).ToList();
        var chains = rules.Select(r => r.Chain).Distinct(StringComparer.Ordinal).ToList();
        var chain = chains.Count == 1 ? ruleset.ChainOf(rules[0]) : null;
        var hook = chain is null ? null : chain.Hook ?? ruleset.BaseChainsReaching(chain).Select(c => c.Hook).FirstOrDefault();
        bool SameInEvery(Func<NftRuleShape, IEnumerable<string>> of) =>
            shapes.Select(s => string.Join(',', of(s).Distinct().Order(StringComparer.Ordinal))).Distinct().Count() <= 1;
        var plain = shapes.All(s => s.Plain && s.HelperAssigned == helper.Name && s.Protocol == helper.Protocol
                && s.SourceAddresses.Count == 0 && s.SourcePorts.Count == 0 && s.OutputInterfaces.Count == 0)
            && SameInEvery(s => s.InputInterfaces)
            && SameInEvery(s => s.DestinationPorts.Select(p => p.ToString(System.Globalization.CultureInfo.InvariantCulture)))
            // One rule per address family, as RulesetBuilder makes them; a rule without addresses stands alone.
            && (shapes.Count <= 1 || (shapes.All(s => s.AddressFamily is not null) && shapes.Select(s => s.AddressFamily).Distinct().Count() == shapes.Count))
            && chains.Count <= 1;
        var state = new CtHelperPolicyState
        {
            NetworkNamespace = ns,
            Family = helper.Family,
            Table = helper.Table,
            Name = helper.Name,
            Ensure = CtEnsure.Present,
            Type = helper.Type,
            Protocol = helper.Protocol,
            Chain = chain?.Name,
            Hook = hook,
            DestinationAddress = [.. shapes.SelectMany(s => s.DestinationAddresses).Distinct(StringComparer.Ordinal)],
            DestinationPort = [.. shapes.SelectMany(s => s.DestinationPorts).Distinct().Order()],
            InputInterface = [.. shapes.SelectMany(s => s.InputInterfaces).Distinct(StringComparer.Ordinal)],
            // True only when a rule assigns the helper to any address; an object without rules assigns nothing.
            AllowAnyDestination = shapes.Any(s => s.DestinationAddresses.Count == 0),
            Handle = helper.Handle,
            Rules = [.. rules.Select(r => r.Text)],
            Connections = counts?.GetValueOrDefault(helper.Type),
        };
        _snapshots.AddOrUpdate(state, new Snapshot(ruleset, helper, rules, plain));
        return state;
    }

    /// <summary>Tracked connections per kernel helper; null when the conntrack table cannot be read (Connections is then not reported).</summary>
    private static Dictionary<string, int>? CountConnections(string? ns)
    {
        try
        {
            return HelperRuleset.ConnectionsByHelper(ns);
        }
        catch (Exception ex) when (ex is NetlinkException or IOException or UnauthorizedAccessException or System.Net.Sockets.SocketException)
        {
            return null;
        }
    }

    protected override List<string> Compare(CtHelperPolicyState desired, CtHelperPolicyState actual)
    {
        var differing = base.Compare(desired, actual);
        // A permission checked by Validate, not a property of the ruleset: never a difference.
        differing.Remove("AllowAnyDestination");
        if (desired.Ensure == CtEnsure.Absent || actual.Ensure != CtEnsure.Present) return differing;
        // nft merges prefixes and drops addresses a prefix covers: compare what the lists cover.
        if (differing.Contains("DestinationAddress") && NftAddressRanges.SameCoverage(desired.DestinationAddress ?? [], actual.DestinationAddress ?? []))
            differing.Remove("DestinationAddress");
        // Names are case-sensitive in nft and the kernel; the framework compares text without case.
        if (desired.Type is not null && desired.Type != actual.Type) differing.Add("Type");
        if (desired.Chain is not null && desired.Chain != actual.Chain) differing.Add("Chain");
        if (desired.InputInterface is not null && !SameOrdinal(desired.InputInterface, actual.InputInterface ?? [])) differing.Add("InputInterface");
        // Rules that say more than these properties (a counter, a second rule of one family ...) are rewritten.
        if (!differing.Intersect(RuleProperties).Any() && _snapshots.TryGetValue(actual, out var snap) && !snap.Plain) differing.Add("Rules");
        var order = typeof(CtHelperPolicyState).GetProperties().Select(p => p.Name).ToList();
        return [.. differing.Distinct().OrderBy(order.IndexOf)];
    }

    internal static bool SameOrdinal(IEnumerable<string> a, IEnumerable<string> b) =>
        a.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).SequenceEqual(b.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal));

    protected override CtHelperPolicyState Predict(CtHelperPolicyState desired, CtHelperPolicyState actual)
    {
        var after = base.Predict(desired, actual);
        if (desired.Ensure == CtEnsure.Absent) return after;
        var plan = Plan(desired, actual, Compare(desired, actual));
        after.Handle = plan.Recreate ? null : actual.Handle;
        if (plan.Recreate && actual.Ensure != CtEnsure.Present) after.Connections = null;
        if (plan.NewRules is not null) after.Rules = plan.NewRules;
        // As Read reports them: a list the rules do not use is empty, not unknown.
        after.DestinationAddress ??= [];
        after.DestinationPort ??= [];
        after.InputInterface ??= [];
        after.AllowAnyDestination = after.DestinationAddress is not { Length: > 0 };
        return after;
    }

    protected override IReadOnlyList<string> Apply(CtHelperPolicyState desired, CtHelperPolicyState actual, IReadOnlyList<string> differing)
    {
        var plan = Plan(desired, actual, differing);
        if (plan.Commands.Count == 0) return [];
        try
        {
            NftClient.Apply(desired.NetworkNamespace, plan.Commands);
        }
        catch (NftException ex) when (ex.Message.Contains("datatype mismatch", StringComparison.Ordinal))
        {
            throw new NftException($"{ex.Message}. nft reads the object name in `ct helper set` as a value, where names such as tcp, udp or ip are keywords. Choose another Name", ex.Document);
        }
        return [NftClient.Document(plan.Commands)];
    }

    private sealed record ChangePlan(List<JsonNode> Commands, bool Recreate, string[]? NewRules);

    /// <summary>The one transaction that brings the ruleset from <paramref name="actual"/> to <paramref name="desired"/>.</summary>
    private ChangePlan Plan(CtHelperPolicyState desired, CtHelperPolicyState actual, IReadOnlyList<string> differing)
    {
        var snap = _snapshots.TryGetValue(actual, out var s) ? s : ReadSnapshot(desired);
        var commands = new List<JsonNode>();
        if (desired.Ensure == CtEnsure.Absent)
        {
            if (snap.Helper is null) return new ChangePlan(commands, false, null);
            commands.AddRange(RulesetBuilder.RemoveHelper(snap.Ruleset, snap.Helper, out var removed));
            commands.AddRange(RulesetBuilder.DeleteEmptied(snap.Ruleset, snap.Helper.Family, snap.Helper.Table, removed, snap.Helper.Name));
            return new ChangePlan(commands, true, null);
        }
        if (snap.Helper is null && desired.Type is null)
            throw new CtResourceInputException(TypeRequired.Replace("when Ensure is Present", "to create the object", StringComparison.Ordinal));
        // Desired properties over the actual ones: what is not specified stays as it is.
        var effective = base.Predict(desired, actual);
        var request = new HelperObjectRequest
        {
            Family = effective.Family!,
            Table = effective.Table!,
            Name = effective.Name!,
            Type = effective.Type!,
            Protocol = effective.Protocol == "udp" ? CtProtocol.Udp : CtProtocol.Tcp,
            AssignRule = true,
            Chain = effective.Chain ?? "helpers",
            Hook = effective.Hook ?? "prerouting",
            DestinationAddresses = effective.DestinationAddress ?? [],
            DestinationPorts = [.. (effective.DestinationPort ?? []).Select(p => (ushort)p)],
            InputInterfaces = effective.InputInterface ?? [],
        };
        var recreate = snap.Helper is null || differing.Contains("Type") || differing.Contains("Protocol");
        var rulesChange = recreate || differing.Intersect(RuleProperties).Any();
        return Input(() =>
        {
            if (snap.Helper is not null && recreate) commands.AddRange(RulesetBuilder.RemoveHelper(snap.Ruleset, snap.Helper, out _));
            else if (rulesChange) commands.AddRange(snap.Rules.Select(RulesetBuilder.DeleteRule));
            if (recreate)
            {
                commands.Add(RulesetBuilder.AddTable(request.Family, request.Table));
                commands.Add(RulesetBuilder.HelperObjectCommand(request));
            }
            string[]? texts = null;
            if (rulesChange)
            {
                var add = RulesetBuilder.AssignHelper(request, snap.Ruleset, acceptReachedChain: true);
                commands.AddRange(add);
                texts = [.. add.Select(NftRuleShape.TextOf).OfType<string>()];
            }
            return new ChangePlan(commands, recreate, texts);
        });
    }

    private Snapshot ReadSnapshot(CtHelperPolicyState desired)
    {
        var ruleset = NftClient.ListRuleset(desired.NetworkNamespace);
        var helper = ruleset.Helpers.FirstOrDefault(h => h.Family == desired.Family && h.Table == desired.Table && h.Name == desired.Name);
        return new Snapshot(ruleset, helper, helper is null ? [] : HelperRuleset.AssigningRules(ruleset, helper).ToList(), true);
    }

    /// <summary>Runs a check or a build step, turning its ArgumentException (what to change) into the resource's input error.</summary>
    internal static T Input<T>(Func<T> step)
    {
        try
        {
            return step();
        }
        catch (ArgumentException ex) when (ex is not CtResourceInputException)
        {
            throw new CtResourceInputException(ex.Message, ex);
        }
    }

    internal static void Input(Action step) => Input(() => { step(); return true; });
}
