namespace ConntrackTools;

/// <summary>
/// An expectation: a connection a helper expects, with the tuple and mask it must match, the master
/// connection that created it, and what it gets when it arrives.
/// </summary>
public sealed class CtExpectation
{
    public uint Id { get; set; }
    public CtFamily Family { get; set; }
    public CtProtocol Protocol => Tuple.Protocol;
    public CtTuple Tuple { get; set; } = new();

    /// <summary>Which parts of <see cref="Tuple"/> must match: zero bits (0.0.0.0, port 0) are wildcards.</summary>
    public CtTuple Mask { get; set; } = new();

    /// <summary>The master connection's original tuple.</summary>
    public CtTuple Master { get; set; } = new();

    /// <summary>Seconds left before the expectation expires.</summary>
    public uint? Timeout { get; set; }
    public string? Helper { get; set; }
    public uint? Class { get; set; }
    public CtExpectationFlags Flags { get; set; }
    public ushort Zone { get; set; }

    /// <summary>The expectation function (e.g. "nf_nat_follow_master"), when the kernel names one.</summary>
    public string? Function { get; set; }

    /// <summary>For NAT: the direction and tuple the expected connection is mangled to.</summary>
    public uint? NatDirection { get; set; }
    public CtTuple? NatTuple { get; set; }

    public string Backend { get; set; } = "kernel";

    /// <summary>True when the mask leaves the source address open (any source may use it).</summary>
    public bool WildcardSource => Mask.Source is { } m && IsZero(m);

    /// <summary>True when the mask leaves the source port open.</summary>
    public bool WildcardSourcePort => Mask.SourcePort is 0;

    private static bool IsZero(System.Net.IPAddress address)
    {
        Span<byte> bytes = stackalloc byte[16];
        address.TryWriteBytes(bytes, out var n);
        return !bytes[..n].ContainsAnyExcept((byte)0);
    }

    public override string ToString() => $"{Helper} {Tuple} master: {Master}";
}
