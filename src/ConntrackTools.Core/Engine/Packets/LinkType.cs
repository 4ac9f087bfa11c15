namespace ConntrackTools.Engine;

/// <summary>
/// The link layers the engine reads, numbered as the capture file formats number them (pcap's
/// LINKTYPE_* values, https://www.tcpdump.org/linktypes.html).
/// </summary>
public enum LinkType : ushort
{
    /// <summary>BSD loopback: a 4-byte address family in the capturing host's byte order.</summary>
    Null = 0,
    /// <summary>Ethernet II, with optional 802.1Q / 802.1ad VLAN tags.</summary>
    Ethernet = 1,
    /// <summary>Raw IP: the version nibble says IPv4 or IPv6.</summary>
    Raw = 101,
    /// <summary>OpenBSD loopback: like <see cref="Null"/>, the family in network byte order.</summary>
    Loop = 108,
    /// <summary>Linux cooked capture v1 (tcpdump -i any): 16-byte header, protocol at offset 14.</summary>
    LinuxSll = 113,
    /// <summary>Raw IPv4.</summary>
    Ipv4 = 228,
    /// <summary>Raw IPv6.</summary>
    Ipv6 = 229,
    /// <summary>Linux cooked capture v2: 20-byte header with the interface index, protocol at offset 0.</summary>
    LinuxSll2 = 276,
}

/// <summary>Helpers for <see cref="LinkType"/> values read from files.</summary>
public static class LinkTypes
{
    /// <summary>Whether the engine can parse frames of this link type.</summary>
    public static bool IsSupported(int value) => value is 0 or 1 or 101 or 108 or 113 or 228 or 229 or 276;

    /// <summary>The LINKTYPE_ name of a value, for messages ("LINKTYPE_ETHERNET (1)").</summary>
    public static string Describe(int value) => value switch
    {
        0 => "LINKTYPE_NULL (0)",
        1 => "LINKTYPE_ETHERNET (1)",
        101 => "LINKTYPE_RAW (101)",
        108 => "LINKTYPE_LOOP (108)",
        113 => "LINKTYPE_LINUX_SLL (113)",
        228 => "LINKTYPE_IPV4 (228)",
        229 => "LINKTYPE_IPV6 (229)",
        276 => "LINKTYPE_LINUX_SLL2 (276)",
        105 => "LINKTYPE_IEEE802_11 (105)",
        127 => "LINKTYPE_IEEE802_11_RADIOTAP (127)",
        220 => "LINKTYPE_USB_LINUX_MMAPPED (220)",
        253 => "LINKTYPE_NETLINK (253)",
        _ => $"link type {value}",
    };
}
