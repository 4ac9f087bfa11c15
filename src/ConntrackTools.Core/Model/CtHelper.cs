namespace ConntrackTools;

/// <summary>
/// A connection tracking helper: the kernel's (nf_conntrack_ftp, ...) or one of conntrackd's
/// userspace helpers, with its expectation policies and, for each kind of expectation it creates,
/// where each field of the expected tuple comes from (the "degree of freedom" of a helper).
/// </summary>
public sealed class CtHelper
{
    public string Name { get; set; } = "";
    public CtProtocol Protocol { get; set; }

    /// <summary>The ports the helper is registered for (the server's port of the master connection).</summary>
    public ushort[] Ports { get; set; } = [];

    /// <summary>Limits per expectation class: how many a master may have at once, and their timeout.</summary>
    public CtExpectPolicy[] Policies { get; set; } = [];

    /// <summary>What each kind of expectation fixes and what it takes from the payload.</summary>
    public CtExpectationShape[] Expectations { get; set; } = [];

    /// <summary>Module options and their values (e.g. loose for ftp).</summary>
    public IDictionary<string, long> Options { get; set; } = new SortedDictionary<string, long>(StringComparer.Ordinal);

    /// <summary>True for conntrackd's userspace helpers (cthelper), false for the kernel's.</summary>
    public bool Userspace { get; set; }

    /// <summary>The kernel module (nf_conntrack_ftp) or conntrackd helper library (ct_helper_dhcpv6) that provides it.</summary>
    public string Module { get; set; } = "";

    /// <summary>True when the helper is assigned by port when automatic assignment is on (nf_conntrack_helper=1).</summary>
    public bool AutoAssignable { get; set; }

    /// <summary>Tracked connections that have this helper now (null when not counted).</summary>
    public int? Connections { get; set; }

    /// <summary>The nftables ct helper objects of this type ("inet conntrack ftp-standard"), kernel back end only.</summary>
    public string[] Objects { get; set; } = [];

    public string Backend { get; set; } = "kernel";

    public override string ToString() => $"{Name} ({Protocol.ToString().ToLowerInvariant()} {string.Join(',', Ports)})";
}

/// <summary>An expectation class's policy (struct nf_conntrack_expect_policy).</summary>
public sealed class CtExpectPolicy
{
    public int Class { get; set; }
    public string Name { get; set; } = "";

    /// <summary>Expectations one master may hold in this class; the oldest is evicted for a new one. 0 is no limit.</summary>
    public int MaxExpected { get; set; }

    /// <summary>Seconds an expectation lives unless a connection arrives.</summary>
    public uint Timeout { get; set; }

    public override string ToString() => $"{Name}: max {MaxExpected}, {Timeout}s";
}

/// <summary>Where a field of an expected connection's tuple comes from.</summary>
public enum CtFieldOrigin
{
    /// <summary>Fixed: taken from the master connection's tuple (an address or port already in use).</summary>
    Fixed,

    /// <summary>"In CMD": read from the payload, so whoever writes the payload chooses it.</summary>
    InCommand,

    /// <summary>Any value matches (a wildcard in the mask).</summary>
    Any,

    /// <summary>Any address in the network of the interface the request left by (broadcast helpers).</summary>
    InterfaceNetwork,
}

/// <summary>
/// One kind of expectation a helper creates, field by field: seed 001's "degree of freedom" table,
/// read from the helper's source rather than the flattened table.
/// </summary>
public sealed class CtExpectationShape
{
    public string Helper { get; set; } = "";

    /// <summary>What is expected: "data connection (PORT/EPRT)", "RTP/RTCP media", ...</summary>
    public string Name { get; set; } = "";
    public CtProtocol Protocol { get; set; }
    public CtFieldOrigin SourceAddress { get; set; }
    public CtFieldOrigin SourcePort { get; set; }
    public CtFieldOrigin DestinationAddress { get; set; }
    public CtFieldOrigin DestinationPort { get; set; }

    /// <summary>The module option under which this shape applies, e.g. "loose=1"; null when always.</summary>
    public string? Option { get; set; }

    /// <summary>True when a payload-derived field lets a sender aim the expectation somewhere it does not itself talk to.</summary>
    public bool PayloadChosen => SourceAddress == CtFieldOrigin.InCommand || DestinationAddress == CtFieldOrigin.InCommand
        || DestinationPort == CtFieldOrigin.InCommand || SourcePort == CtFieldOrigin.InCommand;

    public override string ToString() =>
        $"{Helper} {Name}: src {SourceAddress}:{SourcePort} dst {DestinationAddress}:{DestinationPort}{(Option is null ? "" : $" ({Option})")}";
}
