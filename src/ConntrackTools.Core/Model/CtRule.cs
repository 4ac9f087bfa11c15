namespace ConntrackTools;

/// <summary>
/// An nftables rule that matters to connection tracking: one that assigns a helper
/// (`ct helper set`) or exempts traffic from tracking (`notrack`). Family, Table, Chain and Handle
/// name it the way `nft delete rule` does.
/// </summary>
public sealed class CtRule
{
    /// <summary>"HelperAssignment" or "Notrack".</summary>
    public string Kind { get; set; } = "";

    public string Family { get; set; } = "";
    public string Table { get; set; } = "";
    public string Chain { get; set; } = "";
    public long Handle { get; set; }

    /// <summary>The hook of the base chain the rule is in or reached from (prerouting, output, ...).</summary>
    public string? Hook { get; set; }

    /// <summary>The helper object a HelperAssignment rule sets.</summary>
    public string? Helper { get; set; }

    public string[] SourceAddresses { get; set; } = [];
    public string[] DestinationAddresses { get; set; } = [];
    public string[] DestinationPorts { get; set; } = [];
    public string[] InputInterfaces { get; set; } = [];

    /// <summary>The rule in nft's syntax.</summary>
    public string Text { get; set; } = "";

    public string? Comment { get; set; }

    /// <summary>Where it was read: "kernel" or "kernel:NETNS".</summary>
    public string Backend { get; set; } = "kernel";

    public override string ToString() => $"{Family} {Table} {Chain} handle {Handle}: {Text}";
}

/// <summary>
/// An nftables `ct helper` object: a name in a table standing for a kernel helper (Type) on one
/// protocol, which `ct helper set NAME` rules attach to new connections.
/// </summary>
public sealed class CtHelperObject
{
    public string Name { get; set; } = "";

    /// <summary>The kernel helper it stands for (ftp, sip, RAS, ...): what `ct helper "ftp"` matches and conntrack shows.</summary>
    public string Type { get; set; } = "";

    public CtProtocol Protocol { get; set; }

    /// <summary>The layer-3 family it serves: ip, ip6 or inet (both).</summary>
    public string L3Protocol { get; set; } = "inet";

    public string Family { get; set; } = "inet";
    public string Table { get; set; } = "";
    public long Handle { get; set; }

    /// <summary>The rules that assign this object.</summary>
    public CtRule[] Rules { get; set; } = [];

    /// <summary>
    /// Tracked connections that have this object's kernel helper now. The kernel records the helper,
    /// not the object, so objects of the same type share the count.
    /// </summary>
    public int? Connections { get; set; }

    public string Backend { get; set; } = "kernel";

    public override string ToString() => $"{Family} {Table} {Name} ({Type} {Protocol.ToString().ToLowerInvariant()})";
}
