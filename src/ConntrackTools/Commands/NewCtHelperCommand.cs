using System.Management.Automation;
using ConntrackTools.Engine.Helpers;
using ConntrackTools.Kernel.Nftables;

namespace ConntrackTools.Commands;

/// <summary>
/// Creates an nftables ct helper object and, when asked, the rule that assigns it to new
/// connections, restricted by destination address and port (nftables wiki, "Conntrack helpers").
/// </summary>
[Cmdlet(VerbsCommon.New, "CtHelper", SupportsShouldProcess = true)]
[OutputType(typeof(CtHelperObject))]
public sealed class NewCtHelperCommand : CtRulesetCmdlet
{
    /// <summary>The object's name, which `ct helper set` rules refer to (ftp-standard).</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    public string Name { get; set; } = "";

    /// <summary>The kernel helper it stands for (ftp, tftp, sip, irc, RAS, Q.931, ...); the name when left out.</summary>
    [Parameter(Position = 1, ValueFromPipelineByPropertyName = true)]
    [ArgumentCompleter(typeof(HelperNameCompleter))]
    [ValidateNotNullOrEmpty]
    public string? Type { get; set; }

    /// <summary>tcp or udp; the helper's own protocol when left out.</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    [ValidateSet("Tcp", "Udp", IgnoreCase = true)]
    public string? Protocol { get; set; }

    /// <summary>The table's family: inet (IPv4 and IPv6), ip or ip6.</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    [ValidateSet("inet", "ip", "ip6")]
    public string Family { get; set; } = "inet";

    /// <summary>The table; made when missing.</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    public string Table { get; set; } = RulesetBuilder.DefaultTable;

    /// <summary>Also add the rule that assigns the helper (`ct helper set`); implied by -DestinationAddress, -DestinationPort and -InputInterface.</summary>
    [Parameter]
    public SwitchParameter AssignRule { get; set; }

    /// <summary>The chain of the assigning rule; made when missing, as a filter chain on -Hook.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string Chain { get; set; } = "helpers";

    /// <summary>The hook of the chain when it is made: prerouting (forwarded and incoming), input, forward or output (locally generated).</summary>
    [Parameter]
    [ValidateSet("prerouting", "input", "forward", "output")]
    public string Hook { get; set; } = "prerouting";

    /// <summary>The servers the helper is for: addresses or prefixes. Without them the helper parses traffic to any address.</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    public string[]? DestinationAddress { get; set; }

    /// <summary>The server ports; the helper's default ports when left out.</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    [ValidateRange(1, 65535)]
    public ushort[]? DestinationPort { get; set; }

    /// <summary>Assign the helper only to connections that arrive on these interfaces.</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    public string[]? InputInterface { get; set; }

    protected override void ProcessRecord()
    {
        var type = Type ?? Name;
        var kernel = HelperCatalog.Describe(null, "kernel").Where(h => !h.Userspace).ToList();
        var candidates = kernel.Where(h => h.Name == type).ToList();
        if (candidates.Count == 0)
        {
            var ci = kernel.FirstOrDefault(h => string.Equals(h.Name, type, StringComparison.OrdinalIgnoreCase));
            FailArgument("UnknownHelperType", Type is null
                ? $"'{Name}' is not a kernel helper, so give the helper it stands for with -Type ({string.Join(", ", kernel.Select(h => h.Name).Distinct())})."
                : $"'{type}' is not a kernel helper{(ci is null ? "" : $" (helper names are case-sensitive: '{ci.Name}')")}. Kernel helpers: {string.Join(", ", kernel.Select(h => h.Name).Distinct())}.", type);
        }
        CtProtocol protocol;
        if (Protocol is null)
        {
            if (candidates.Select(h => h.Protocol).Distinct().Count() > 1)
                FailArgument("ProtocolRequired", $"The {type} helper serves {string.Join(" and ", candidates.Select(h => h.Protocol.ToString().ToLowerInvariant()))}; say which with -Protocol.", type);
            protocol = candidates[0].Protocol;
        }
        else
        {
            protocol = Enum.Parse<CtProtocol>(Protocol, ignoreCase: true);
            if (candidates.All(h => h.Protocol != protocol))
                FailArgument("ProtocolNotServed", $"The {type} helper serves {string.Join(" and ", candidates.Select(h => h.Protocol.ToString().ToLowerInvariant()))}, not {protocol.ToString().ToLowerInvariant()}.", type);
        }
        var helper = candidates.First(h => h.Protocol == protocol);
        var assign = AssignRule || DestinationAddress is not null || DestinationPort is not null || InputInterface is not null;
        var ports = DestinationPort ?? (assign ? helper.Ports : []);
        var request = new HelperObjectRequest
        {
            Family = Family,
            Table = Table,
            Name = Name,
            Type = type,
            Protocol = protocol,
            AssignRule = assign,
            Chain = Chain,
            Hook = Hook,
            DestinationAddresses = DestinationAddress ?? [],
            DestinationPorts = ports,
            InputInterfaces = InputInterface ?? [],
        };
        var ruleset = ReadRuleset();
        List<System.Text.Json.Nodes.JsonNode> commands;
        try
        {
            commands = RulesetBuilder.AddHelper(request, ruleset);
        }
        catch (Exception ex) when (ex is ArgumentException or RulesetConflictException)
        {
            Fail(ex, Name);
            return;
        }
        if (assign && DestinationAddress is null)
            WriteWarning($"The {type} helper will parse every {protocol.ToString().ToLowerInvariant()} connection to port {string.Join(",", ports)} of any address. Restrict it to your servers with -DestinationAddress, so that forged traffic to other hosts cannot open RELATED paths (Test-CtHelperSecurity reports such rules).");
        try
        {
            if (!ApplyChange(commands, $"ct helper {RulesetBuilder.Show(Name)} ({type} {protocol.ToString().ToLowerInvariant()})", "Create")) return;
        }
        catch (NftException ex) when (assign && ex.Message.Contains("datatype mismatch", StringComparison.Ordinal))
        {
            Fail(new NftException($"{ex.Message}. nft reads the object name in `ct helper set` as a value, where names such as tcp, udp or ip are keywords. Choose another -Name", ex.Document), Name);
            return;
        }
        catch (Exception ex) when (ex is not PipelineStoppedException)
        {
            Fail(ex, Name);
            return;
        }
        var after = ReadRuleset();
        var made = HelperRuleset.Objects(after, Backend()).FirstOrDefault(o => o.Family == Family && o.Table == Table && o.Name == Name);
        if (made is not null) WriteObject(made);
    }
}
