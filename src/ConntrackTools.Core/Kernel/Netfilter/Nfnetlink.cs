namespace ConntrackTools.Kernel.Netfilter;

/// <summary>nfnetlink: subsystem ids and message types (include/uapi/linux/netfilter/nfnetlink.h).</summary>
public static class Nfnetlink
{
    public const byte SubsysCtnetlink = 1;
    public const byte SubsysCtnetlinkExp = 2;

    public const byte AF_UNSPEC = 0;
    public const byte AF_INET = 2;
    public const byte AF_INET6 = 10;

    // Multicast groups (enum nfnetlink_groups).
    public const int GroupConntrackNew = 1;
    public const int GroupConntrackUpdate = 2;
    public const int GroupConntrackDestroy = 3;
    public const int GroupConntrackExpNew = 4;
    public const int GroupConntrackExpUpdate = 5;
    public const int GroupConntrackExpDestroy = 6;

    /// <summary>(subsystem &lt;&lt; 8) | message, the nlmsg_type of an nfnetlink message.</summary>
    public static ushort MessageType(byte subsystem, byte message) => (ushort)((subsystem << 8) | message);

    public static byte Subsystem(ushort type) => (byte)(type >> 8);

    public static byte Message(ushort type) => (byte)type;
}
