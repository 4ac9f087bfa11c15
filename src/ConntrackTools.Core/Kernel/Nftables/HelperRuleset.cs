using System.Text.Json.Nodes;
using ConntrackTools.Engine.Helpers;
using ConntrackTools.Kernel.Conntrack;
using ConntrackTools.Kernel.Netlink;

namespace ConntrackTools.Kernel.Nftables;

/// <summary>Reads helper objects, their assigning rules and notrack rules from a ruleset, as the module's objects.</summary>
public static class HelperRuleset
{
    /// <summary>Every ct helper object, with the rules that assign it.</summary>
    public static List<CtHelperObject> Objects(NftRuleset ruleset, string backend) =>
        ruleset.Helpers.Select(h => Object(ruleset, h, backend)).ToList();

    /// <summary>One ct helper object, with the rules that assign it.</summary>
    public static CtHelperObject Object(NftRuleset ruleset, NftCtHelper h, string backend) => new()
    {
        Name = h.Name,
        Type = h.Type,
        Protocol = h.Protocol == "udp" ? CtProtocol.Udp : CtProtocol.Tcp,
        L3Protocol = h.L3Proto,
        Family = h.Family,
        Table = h.Table,
        Handle = h.Handle,
        Rules = [.. AssigningRules(ruleset, h).Select(r => ToCtRule(ruleset, r, backend))],
        Backend = backend,
    };

    /// <summary>The rules of the object's table that assign it.</summary>
    public static IEnumerable<NftRule> AssigningRules(NftRuleset ruleset, NftCtHelper helper) =>
        ruleset.Rules.Where(r => r.Family == helper.Family && r.Table == helper.Table && r.Facts.HelperAssigned == helper.Name);

    /// <summary>Every rule with a notrack statement.</summary>
    public static List<CtRule> NotrackRules(NftRuleset ruleset, string backend) =>
        ruleset.Rules.Where(r => r.Facts.Notrack).Select(r => ToCtRule(ruleset, r, backend)).ToList();

    public static CtRule ToCtRule(NftRuleset ruleset, NftRule rule, string backend)
    {
        var facts = rule.Facts;
        var chain = ruleset.ChainOf(rule);
        var hook = chain is null ? null : chain.Hook ?? ruleset.BaseChainsReaching(chain).Select(c => c.Hook).FirstOrDefault();
        return new CtRule
        {
            Kind = facts.Notrack ? "Notrack" : facts.HelperAssigned is not null ? "HelperAssignment" : "Other",
            Family = rule.Family,
            Table = rule.Table,
            Chain = rule.Chain,
            Handle = rule.Handle,
            Hook = hook,
            Helper = facts.HelperAssigned,
            SourceAddresses = [.. facts.Where("ip saddr", "ip6 saddr").Where(m => !m.Negated).SelectMany(m => m.Values)],
            DestinationAddresses = [.. facts.Where("ip daddr", "ip6 daddr").Where(m => !m.Negated).SelectMany(m => m.Values)],
            DestinationPorts = [.. facts.Matches.Where(m => m.Subject.EndsWith(" dport", StringComparison.Ordinal) && !m.Negated).SelectMany(m => m.Values)],
            InputInterfaces = [.. facts.Where("meta iifname", "meta iif").Where(m => !m.Negated).SelectMany(m => m.Values)],
            Text = rule.Text,
            Comment = rule.Comment,
            Backend = backend,
        };
    }

    /// <summary>Tracked connections per kernel helper name (what CTA_HELP carries), read from the conntrack table.</summary>
    public static Dictionary<string, int> ConnectionsByHelper(string? networkNamespace, CancellationToken cancel = default)
    {
        var counts = new Dictionary<string, int>(StringComparer.Ordinal);
        using var client = ConntrackClient.Open(networkNamespace);
        client.DumpConnections(null, c =>
        {
            if (!string.IsNullOrEmpty(c.Helper)) counts[c.Helper] = counts.GetValueOrDefault(c.Helper) + 1;
        }, cancel);
        return counts;
    }

    /// <summary>
    /// The kernel helpers this kernel offers to nftables, found by asking it to make a ct helper
    /// object of each type in a dry run (nft -c): the kernel looks the helper up (loading its module
    /// if needed) and commits nothing. Null when the probe cannot run (no libnftables, no CAP_NET_ADMIN).
    /// </summary>
    public static HashSet<(string Name, CtProtocol Protocol)>? OfferedHelpers(string? networkNamespace) =>
        // One thread in the namespace for all the probes, rather than one per probe.
        networkNamespace is null ? ProbeHelpers() : NetworkNamespace.Resolve(networkNamespace).Run(ProbeHelpers);

    private static HashSet<(string Name, CtProtocol Protocol)>? ProbeHelpers()
    {
        var offered = new HashSet<(string, CtProtocol)>();
        var candidates = HelperCatalog.Describe(null, "kernel").Where(h => !h.Userspace).Select(h => (h.Name, h.Protocol)).Distinct().ToList();
        try
        {
            foreach (var (name, protocol) in candidates)
            {
                JsonNode[] probe =
                [
                    NftClient.Command("add", new JsonObject { ["table"] = new JsonObject { ["family"] = "inet", ["name"] = "conntracktools_probe" } }),
                    NftClient.Command("add", new JsonObject
                    {
                        ["ct helper"] = new JsonObject
                        {
                            ["family"] = "inet", ["table"] = "conntracktools_probe", ["name"] = "probe",
                            ["type"] = name, ["protocol"] = protocol == CtProtocol.Udp ? "udp" : "tcp", ["l3proto"] = "inet",
                        },
                    }),
                ];
                try
                {
                    NftClient.Apply(null, probe, dryRun: true);
                    offered.Add((name, protocol));
                }
                catch (NftException ex) when (ex.ErrnoName == "ENOENT")
                {
                    // The kernel has no such helper.
                }
            }
        }
        catch (NftException)
        {
            return null;
        }
        return offered;
    }
}
