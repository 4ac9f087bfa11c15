using System.Net;
using System.Text.Json.Nodes;
using ConntrackTools.Json;
using Xunit;

namespace ConntrackTools.Tests;

public sealed class CtJsonTests
{
    [Fact]
    public void Addresses_are_strings_enums_names_and_flags_arrays()
    {
        var c = new CtConnection
        {
            Family = CtFamily.IPv6,
            Protocol = CtProtocol.Tcp,
            State = CtState.Established,
            Status = CtStatus.SeenReply | CtStatus.Assured | CtStatus.Confirmed,
            Original = new CtTuple { Source = IPAddress.Parse("2001:db8::1"), Destination = IPAddress.Parse("2001:db8::2"), Protocol = CtProtocol.Tcp, SourcePort = 40000, DestinationPort = 21 },
            Start = new DateTimeOffset(2026, 11, 23, 10, 0, 0, TimeSpan.Zero),
        };
        var node = JsonNode.Parse(CtJson.Serialize(c))!;
        Assert.Equal("IPv6", (string?)node["Family"]);
        Assert.Equal("Established", (string?)node["State"]);
        Assert.Equal(["SeenReply", "Assured", "Confirmed"], node["Status"]!.AsArray().Select(n => (string?)n));
        Assert.Equal("2001:db8::1", (string?)node["Original"]!["Source"]);
        Assert.Equal("2026-11-23T10:00:00+00:00", (string?)node["Start"]);
        Assert.Null(node["Stop"]);
        Assert.True(node.AsObject().ContainsKey("Stop"));
    }

    [Fact]
    public void Flags_and_addresses_read_back()
    {
        var t = System.Text.Json.JsonSerializer.Deserialize<CtTuple>("{\"source\":\"192.0.2.1\",\"protocol\":\"Udp\"}", CtJson.Input)!;
        Assert.Equal(IPAddress.Parse("192.0.2.1"), t.Source);
        Assert.Equal(CtProtocol.Udp, t.Protocol);
        var s = System.Text.Json.JsonSerializer.Deserialize<CtStatus>("[\"Assured\",\"seenreply\"]", CtJson.Input);
        Assert.Equal(CtStatus.Assured | CtStatus.SeenReply, s);
        Assert.Throws<System.Text.Json.JsonException>(() => System.Text.Json.JsonSerializer.Deserialize<CtTuple>("{\"Source\":\"not-an-address\"}", CtJson.Input));
    }
}
