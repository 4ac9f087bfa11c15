namespace ConntrackTools.Engine.Helpers;

/// <summary>What a helper tells the engine to do with the packet it read (NF_ACCEPT or NF_DROP).</summary>
internal enum HelperVerdict
{
    Accept,

    /// <summary>The kernel would drop the packet: a partial command, or an expectation it could not add.</summary>
    Drop,
}

/// <summary>enum ip_conntrack_info: how a packet relates to its connection, as helpers see it.</summary>
internal enum CtInfo : byte
{
    /// <summary>Original direction, after a reply was seen.</summary>
    Established = 0,

    /// <summary>Original direction of an expected connection before its reply (or an ICMP error).</summary>
    Related = 1,

    /// <summary>Original direction before any reply.</summary>
    New = 2,

    /// <summary>Reply direction.</summary>
    EstablishedReply = 3,
    RelatedReply = 4,
}

/// <summary>An expectation class's limits (struct nf_conntrack_expect_policy).</summary>
internal readonly record struct ExpectPolicy(string Name, int MaxExpected, uint Timeout);

/// <summary>A module option with its default, e.g. nf_conntrack_ftp's loose=0.</summary>
internal readonly record struct HelperOption(string Name, long Default, string Description);

/// <summary>
/// A protocol helper as the kernel defines one (struct nf_conntrack_helper): the protocol and ports
/// it is registered for, its expectation policies, and help(), called for every packet of a
/// connection it is attached to. Helpers keep no state of their own: per-connection state lives in
/// <see cref="HelperCall.State"/> and options come from the engine's settings, so one instance
/// serves every engine.
/// </summary>
internal abstract class ConntrackHelper
{
    /// <summary>The name nft and conntrack use ("ftp", "sip", "RAS", ...).</summary>
    public abstract string Name { get; }
    public abstract CtProtocol Protocol { get; }

    /// <summary>The default ports: the server port of the master connection.</summary>
    public abstract IReadOnlyList<ushort> Ports { get; }

    /// <summary>Expectation classes, indexed by class number.</summary>
    public abstract IReadOnlyList<ExpectPolicy> Policies { get; }

    /// <summary>The policy of a class as the engine is set up (conntrackd's helpers take theirs from options).</summary>
    public virtual ExpectPolicy Policy(int expectClass, EngineSettings settings) =>
        expectClass < Policies.Count ? Policies[expectClass] : default;

    /// <summary>What each kind of expectation fixes and what it reads from the payload.</summary>
    public abstract IReadOnlyList<CtExpectationShape> Shapes { get; }

    /// <summary>The module whose parameters hold the options: "nf_conntrack_ftp", or conntrackd's "ct_helper_dhcpv6".</summary>
    public virtual string Module => "nf_conntrack_" + Name;

    public virtual IReadOnlyList<HelperOption> Options => [];

    /// <summary>conntrackd's userspace helpers (nfnetlink_cthelper): never assigned automatically.</summary>
    public virtual bool Userspace => false;

    /// <summary>Whether the old automatic assignment by port (nf_conntrack_helper=1) could pick this helper.</summary>
    public virtual bool AutoAssign => !Userspace;

    /// <summary>The address families the helper is registered for.</summary>
    public virtual bool Supports(CtFamily family) => true;

    /// <summary>help(): reads one packet (the whole layer-4 segment) of a connection the helper is attached to.</summary>
    public abstract HelperVerdict Help(HelperCall call, ReadOnlySpan<byte> l4);

    /// <summary>destroy(): the connection is going away (PPTP tears down its GRE sessions).</summary>
    public virtual void Destroy(HelperCall call) { }

    /// <summary>The option's full name as the engine's settings know it: "nf_conntrack_ftp.loose".</summary>
    public string OptionName(string option) => Module + "." + option;

    public CtHelper Describe(EngineSettings? settings = null, string backend = "engine") => new()
    {
        Name = Name,
        Protocol = Protocol,
        Ports = [.. Ports],
        Policies = [.. Policies.Select((p, i) => settings is null ? p : Policy(i, settings))
            .Select((p, i) => new CtExpectPolicy { Class = i, Name = p.Name, MaxExpected = p.MaxExpected, Timeout = p.Timeout })],
        Expectations = [.. Shapes],
        Options = new SortedDictionary<string, long>(Options.ToDictionary(o => o.Name, o => settings?.HelperOption(OptionName(o.Name)) ?? o.Default), StringComparer.Ordinal),
        Userspace = Userspace,
        Module = Module,
        AutoAssignable = AutoAssign,
        Backend = backend,
    };

    /// <summary>A shape, for <see cref="Shapes"/>.</summary>
    protected CtExpectationShape Shape(string name, CtProtocol protocol, CtFieldOrigin sourceAddress, CtFieldOrigin sourcePort,
        CtFieldOrigin destinationAddress, CtFieldOrigin destinationPort, string? option = null) => new()
        {
            Helper = Name,
            Name = name,
            Protocol = protocol,
            SourceAddress = sourceAddress,
            SourcePort = sourcePort,
            DestinationAddress = destinationAddress,
            DestinationPort = destinationPort,
            Option = option,
        };

    public override string ToString() => Name;
}
