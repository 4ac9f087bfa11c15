using System.Net;
using Xunit;
using static ConntrackTools.Tests.Helpers.HelperRun;

namespace ConntrackTools.Tests.Helpers.Userspace;

/// <summary>conntrackd's ssdp helper: M-SEARCH, the LOCATION fetch, SUBSCRIBE callbacks and NOTIFY renewals.</summary>
public class SsdpHelperTests
{
    private const string Client = "192.168.1.10", Device = "192.168.1.40", Group = "239.255.255.250";
    private const string Rule = $"ip daddr {Group}/32 udp dport 1900 ct helper set ssdp";

    [Fact]
    public void Search_reply_description_subscribe_and_notify_each_open_the_next()
    {
        var run = new HelperRun(Rule);

        // 1. M-SEARCH to the group: unicast replies to the searcher's port, from anywhere.
        run.Send(Ip.Udp(Client, 50000, Group, 1900, Messages.MSearch()));
        var search = Assert.Single(run.Expectations);
        AssertExpectation(search, CtProtocol.Udp, null, null, Client, 50000, 300, CtExpectationFlags.Permanent, "ssdp");

        // 2. The device's HTTPU reply is related, helped by ssdp, and its LOCATION expects the description fetch.
        run.Send(Ip.Udp(Device, 1900, Client, 50000, Messages.SsdpResponse($"http://{Device}:49152/description.xml")));
        var reply = run.Connection(Device, 1900);
        AssertRelated(reply, Client, 1900);
        Assert.Equal("ssdp", reply.Helper);
        var location = Assert.Single(run.Expectations, e => e.Protocol == CtProtocol.Tcp);
        AssertExpectation(location, CtProtocol.Tcp, null, null, Device, 49152, 300, CtExpectationFlags.Permanent, "ssdp");
        Assert.Equal((IPAddress.Parse(Device), (ushort?)1900), (location.Master.Source, location.Master.SourcePort));

        // 3. The control point's HTTP connection to the URL is related and helped; its SUBSCRIBE names
        // the control point's own callback, which expects the device's NOTIFY connection (not PERMANENT).
        var http = new TcpFlow(run, Client, 41000, Device, 49152);
        http.Open();
        AssertRelated(run.Connection(Client, 41000), Device, 50000); // its master is the reply connection
        Assert.Equal("ssdp", run.Connection(Client, 41000).Helper);
        http.Client(Messages.Subscribe($"{Device}:49152", $"http://{Client}:5000/notify"));
        var callback = Assert.Single(run.Expectations, e => e.Tuple.DestinationPort == 5000);
        AssertExpectation(callback, CtProtocol.Tcp, Device, null, Client, 5000, 300, CtExpectationFlags.None, "ssdp");

        // 4. The device's callback connection takes it (it is not permanent) and its NOTIFY renews it.
        var notify = new TcpFlow(run, Device, 42000, Client, 5000);
        notify.Open();
        AssertRelated(run.Connection(Device, 42000), Client, 49152);
        Assert.DoesNotContain(run.Expectations, e => e.Tuple.DestinationPort == 5000);
        notify.Client(Messages.Notify($"{Client}:5000"));
        var renewed = Assert.Single(run.Expectations, e => e.Tuple.DestinationPort == 5000);
        AssertExpectation(renewed, CtProtocol.Tcp, Device, null, Client, 5000, 300, CtExpectationFlags.None, "ssdp");
        Assert.Equal((ushort?)42000, renewed.Master.SourcePort);
        Assert.Equal(3, run.Expectations.Count);
    }

    [Theory]
    [InlineData("NOTIFY * HTTP/1.1\r\nHOST: 239.255.255.250:1900\r\n\r\n")] // an announcement, not a search
    [InlineData("m-search * HTTP/1.1\r\n\r\n")]                              // memcmp: case matters
    [InlineData("M-SEARC")]                                                  // cut short
    [InlineData("")]
    public void Only_an_M_SEARCH_to_the_group_expects(string payload)
    {
        var run = new HelperRun(Rule);
        run.Send(Ip.Udp(Client, 50000, Group, 1900, Ip.Ascii(payload)));
        Assert.Equal("ssdp", run.Connection(Client, 50000).Helper);
        Assert.Empty(run.Expectations);
    }

    [Fact]
    public void A_unicast_M_SEARCH_expects_nothing_but_its_reply_LOCATION_does()
    {
        var run = new HelperRun("udp dport 1900 ct helper set ssdp");
        run.Send(Ip.Udp(Client, 50000, Device, 1900, Messages.MSearch($"{Device}:1900")));
        Assert.Empty(run.Expectations);
        run.Send(Ip.Udp(Device, 1900, Client, 50000, Messages.SsdpResponse($"http://{Device}:49152/d.xml")));
        AssertExpectation(Assert.Single(run.Expectations), CtProtocol.Tcp, null, null, Device, 49152, 300, CtExpectationFlags.Permanent, "ssdp");
    }

    [Theory]
    [InlineData("http://192.168.1.99:8080/d.xml", "192.168.1.99", 8080)] // any address: nothing checks it is the device's
    [InlineData("http://192.168.1.40/d.xml", "192.168.1.40", 80)]        // no port: 80
    [InlineData("HTTP://192.168.1.40:99999/", "192.168.1.40", 34463)]    // strtol's value cut to 16 bits
    [InlineData("http://192.168.1.40:-1/", "192.168.1.40", 65535)]
    [InlineData("http://192.168.1.40:x/", "192.168.1.40", 0)]             // no digits: port 0
    public void The_LOCATION_url_gives_address_and_port(string url, string address, ushort port)
    {
        var run = ReplyRun(Messages.SsdpResponse(url));
        AssertExpectation(Assert.Single(Fetches(run)), CtProtocol.Tcp, null, null, address, port, 300, CtExpectationFlags.Permanent, "ssdp");
    }

    [Theory]
    [InlineData("HTTP/1.1 200 OK\r\nST: upnp:rootdevice\r\n\r\n")]                     // no LOCATION
    [InlineData("HTTP/1.1 200 OK\r\nLOCATION:http://192.168.1.40:1/\r\n\r\n")]         // "LOCATION: " needs its space
    [InlineData("HTTP/1.1 200 OK\r\nLOCATION: http://device.local:80/\r\n\r\n")]       // a name, not an address
    [InlineData("HTTP/1.1 200 OK\r\nLOCATION: http://192.168.01.40:80/\r\n\r\n")]      // inet_pton: no leading zeros
    [InlineData("HTTP/1.1 200 OK\r\nLOCATION: http://192.168.1.400:80/\r\n\r\n")]
    [InlineData("HTTP/1.1 200 OK\r\nLOCATION: https://192.168.1.40:80/\r\n\r\n")]
    [InlineData("HTTP/1.1 200 OK\r\nLOCATION: http://[fe80::40]:80/\r\n\r\n")]         // an IPv6 URL in an IPv4 reply
    [InlineData("HTTP/1.1 200 OK\r\nLOCATION: http://192.168.1.40:80/")]               // no '\r' after the value
    public void A_reply_without_a_usable_LOCATION_expects_nothing(string payload)
    {
        var run = ReplyRun(Ip.Ascii(payload));
        Assert.Empty(Fetches(run));
        Assert.Single(run.Expectations); // the search's
    }

    [Fact]
    public void A_LOCATION_value_of_256_bytes_or_more_is_refused()
    {
        var ok = "http://192.168.1.40:80/" + new string('a', 255 - 23);
        Assert.Single(Fetches(ReplyRun(Messages.SsdpResponse(ok))));
        Assert.Empty(Fetches(ReplyRun(Messages.SsdpResponse(ok + "a"))));
    }

    [Fact]
    public void A_SUBSCRIBE_whose_callback_names_another_host_expects_nothing()
    {
        var run = new HelperRun("tcp dport 49152 ct helper set ssdp");
        var http = new TcpFlow(run, Client, 41000, Device, 49152);
        http.Open();
        http.Client(Messages.Subscribe($"{Device}:49152", "http://192.168.1.66:5000/notify"));
        http.Client(Ip.Ascii("GET /description.xml HTTP/1.1\r\nHOST: 192.168.1.40:49152\r\n\r\n"));
        Assert.Empty(run.Expectations);
        // Its own address works, on a connection helped by ssdp/TCP directly.
        http.Client(Messages.Subscribe($"{Device}:49152", $"http://{Client}:5001/notify"));
        AssertExpectation(Assert.Single(run.Expectations), CtProtocol.Tcp, Device, null, Client, 5001, 300, CtExpectationFlags.None, "ssdp");
    }

    [Fact]
    public void A_SUBSCRIBE_from_the_device_side_is_not_read()
    {
        var run = new HelperRun("tcp dport 49152 ct helper set ssdp");
        var http = new TcpFlow(run, Client, 41000, Device, 49152);
        http.Open();
        http.Server(Messages.Subscribe($"{Client}:41000", $"http://{Device}:5000/notify")); // reply direction: not IP_CT_ESTABLISHED
        Assert.Empty(run.Expectations);
    }

    [Fact]
    public void IPv6_M_SEARCH_expects_nothing_and_IPv6_LOCATION_always_means_port_80()
    {
        // handle_ssdp_new reads the payload at ihl * 4 + 8 of the network header; for IPv6 with
        // traffic class 0 that is the source address, never "M-SEARCH".
        var run = new HelperRun("udp dport 1900 ct helper set ssdp");
        run.Send(Ip.Udp("fe80::a", 50000, "ff02::c", 1900, Messages.MSearch("[FF02::C]:1900")));
        Assert.Empty(run.Expectations);

        // A unicast search's reply: parse_url's port is 80 for the bracketed form, ":49152" or not.
        run.Send(Ip.Udp("fe80::a", 50001, "fe80::40", 1900, Messages.MSearch("[fe80::40]:1900")));
        run.Send(Ip.Udp("fe80::40", 1900, "fe80::a", 50001, Messages.SsdpResponse("http://[fe80::40]:49152/d.xml")));
        AssertExpectation(Assert.Single(run.Expectations), CtProtocol.Tcp, null, null, "fe80::40", 80, 300, CtExpectationFlags.Permanent, "ssdp");
    }

    [Fact]
    public void Several_LOCATIONs_on_one_reply_connection_keep_eight()
    {
        var run = new HelperRun(Rule);
        run.Send(Ip.Udp(Client, 50000, Group, 1900, Messages.MSearch()));
        for (var i = 0; i < 10; i++)
            run.Send(Ip.Udp(Device, 1900, Client, 50000, Messages.SsdpResponse($"http://{Device}:{49000 + i}/d.xml")));
        var fetches = run.Expectations.Where(e => e.Protocol == CtProtocol.Tcp).Select(e => (int)e.Tuple.DestinationPort!).Order().ToList();
        Assert.Equal(Enumerable.Range(49002, 8), fetches); // ExpectMax 8: the oldest two were evicted
    }

    /// <summary>An M-SEARCH and a device's reply carrying <paramref name="payload"/>.</summary>
    private static HelperRun ReplyRun(byte[] payload)
    {
        var run = new HelperRun(Rule);
        run.Send(Ip.Udp(Client, 50000, Group, 1900, Messages.MSearch()));
        run.Send(Ip.Udp(Device, 1900, Client, 50000, payload));
        Assert.True(run.Connection(Device, 1900).Status.HasFlag(CtStatus.Expected));
        return run;
    }

    /// <summary>The reply's expectations (TCP), without the search's (UDP).</summary>
    private static List<CtExpectation> Fetches(HelperRun run) => [.. run.Expectations.Where(e => e.Protocol == CtProtocol.Tcp)];
}
