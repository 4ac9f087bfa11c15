using System.Net;
using System.Text;

namespace ConntrackTools;

/// <summary>
/// One direction of a connection (or an expectation's tuple or mask): addresses, protocol, and the
/// ports or ICMP type/code/id that identify it, as struct nf_conntrack_tuple holds them.
/// </summary>
public sealed class CtTuple
{
    public IPAddress? Source { get; set; }
    public IPAddress? Destination { get; set; }
    public CtProtocol Protocol { get; set; }
    public ushort? SourcePort { get; set; }
    public ushort? DestinationPort { get; set; }
    public byte? IcmpType { get; set; }
    public byte? IcmpCode { get; set; }
    public ushort? IcmpId { get; set; }

    /// <summary>The zone of this direction when the connection has direction-specific zones.</summary>
    public ushort? Zone { get; set; }

    /// <summary>conntrack's notation: "src=10.0.0.1 dst=10.0.0.2 sport=1000 dport=80".</summary>
    public override string ToString()
    {
        var sb = new StringBuilder(64);
        sb.Append("src=").Append(Source).Append(" dst=").Append(Destination);
        if (SourcePort is { } sp) sb.Append(" sport=").Append(sp);
        if (DestinationPort is { } dp) sb.Append(" dport=").Append(dp);
        if (IcmpType is { } t) sb.Append(" type=").Append(t);
        if (IcmpCode is { } c) sb.Append(" code=").Append(c);
        if (IcmpId is { } id) sb.Append(" id=").Append(id);
        if (Zone is { } z) sb.Append(" zone=").Append(z);
        return sb.ToString();
    }
}
