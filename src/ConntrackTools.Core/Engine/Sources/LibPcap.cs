using System.Runtime.InteropServices;

namespace ConntrackTools.Engine;

/// <summary>
/// The few libpcap calls the engine needs, bound at run time to the system's libpcap (the library
/// under tcpdump and SharpPcap): live capture (pcap_create … pcap_next_ex) and BPF filters
/// (pcap_compile, and pcap_offline_filter for capture files).
/// </summary>
internal static unsafe class LibPcap
{
    private static readonly Lazy<IntPtr> Library = new(Load);

    [StructLayout(LayoutKind.Sequential)]
    public struct PacketHeader
    {
        public long Seconds;
        public long Fraction; // microseconds, or nanoseconds with PCAP_TSTAMP_PRECISION_NANO
        public uint CapturedLength;
        public uint Length;
    }

    [StructLayout(LayoutKind.Sequential)]
    public struct BpfProgram
    {
        public uint Length;
        public IntPtr Instructions;
    }

    public const int ErrorBufferSize = 256;

    // libpcap's API speaks DLT_ numbers; files speak LINKTYPE_ numbers. They differ for raw IP only.
    private const int DltRaw = 12;

    public static int ToDlt(LinkType link) => link == LinkType.Raw ? DltRaw : (int)link;

    public static LinkType FromDlt(int dlt) => dlt is DltRaw or 14 ? LinkType.Raw : (LinkType)dlt;
    public const int PrecisionNano = 1;

    private static IntPtr Load()
    {
        foreach (var name in new[] { "libpcap.so.1", "libpcap.so.0.8", "libpcap.so" })
            if (NativeLibrary.TryLoad(name, out var handle)) return handle;
        throw new DllNotFoundException("libpcap is not installed: install it (Debian: apt-get install libpcap0.8) to capture from interfaces or use BPF filters.");
    }

    private static IntPtr F(string name) => NativeLibrary.GetExport(Library.Value, name);

    public static bool IsAvailable
    {
        get
        {
            try { return Library.Value != IntPtr.Zero; }
            catch (DllNotFoundException) { return false; }
        }
    }

    public static IntPtr Create(string device, byte* errbuf) =>
        ((delegate* unmanaged<byte*, byte*, IntPtr>)F("pcap_create"))(Utf8(device), errbuf);

    public static int SetSnapLength(IntPtr p, int snaplen) => ((delegate* unmanaged<IntPtr, int, int>)F("pcap_set_snaplen"))(p, snaplen);
    public static int SetPromiscuous(IntPtr p, int on) => ((delegate* unmanaged<IntPtr, int, int>)F("pcap_set_promisc"))(p, on);
    public static int SetTimeout(IntPtr p, int ms) => ((delegate* unmanaged<IntPtr, int, int>)F("pcap_set_timeout"))(p, ms);
    public static int SetImmediateMode(IntPtr p, int on) => ((delegate* unmanaged<IntPtr, int, int>)F("pcap_set_immediate_mode"))(p, on);
    public static int SetBufferSize(IntPtr p, int bytes) => ((delegate* unmanaged<IntPtr, int, int>)F("pcap_set_buffer_size"))(p, bytes);
    public static int SetTimestampPrecision(IntPtr p, int precision) => ((delegate* unmanaged<IntPtr, int, int>)F("pcap_set_tstamp_precision"))(p, precision);
    public static int Activate(IntPtr p) => ((delegate* unmanaged<IntPtr, int>)F("pcap_activate"))(p);
    public static int DataLink(IntPtr p) => ((delegate* unmanaged<IntPtr, int>)F("pcap_datalink"))(p);
    public static int NextEx(IntPtr p, PacketHeader** header, byte** data) => ((delegate* unmanaged<IntPtr, PacketHeader**, byte**, int>)F("pcap_next_ex"))(p, header, data);
    public static void BreakLoop(IntPtr p) => ((delegate* unmanaged<IntPtr, void>)F("pcap_breakloop"))(p);
    public static void Close(IntPtr p) => ((delegate* unmanaged<IntPtr, void>)F("pcap_close"))(p);
    public static IntPtr OpenDead(int linkType, int snaplen) => ((delegate* unmanaged<int, int, IntPtr>)F("pcap_open_dead"))(linkType, snaplen);
    public static int SetFilter(IntPtr p, BpfProgram* program) => ((delegate* unmanaged<IntPtr, BpfProgram*, int>)F("pcap_setfilter"))(p, program);
    public static void FreeCode(BpfProgram* program) => ((delegate* unmanaged<BpfProgram*, void>)F("pcap_freecode"))(program);
    public static int OfflineFilter(BpfProgram* program, PacketHeader* header, byte* data) =>
        ((delegate* unmanaged<BpfProgram*, PacketHeader*, byte*, int>)F("pcap_offline_filter"))(program, header, data);

    public static int Compile(IntPtr p, BpfProgram* program, string filter) =>
        ((delegate* unmanaged<IntPtr, BpfProgram*, byte*, int, uint, int>)F("pcap_compile"))(p, program, Utf8(filter), 1, 0xFFFFFFFF);

    public static string Error(IntPtr p) => Marshal.PtrToStringUTF8(((delegate* unmanaged<IntPtr, IntPtr>)F("pcap_geterr"))(p)) ?? "unknown libpcap error";

    /// <summary>A NUL-terminated UTF-8 copy that lives as long as the process (few, small strings).</summary>
    private static byte* Utf8(string s) => (byte*)Marshal.StringToCoTaskMemUTF8(s);
}

/// <summary>A compiled BPF filter (tcpdump syntax) applied to captured frames of one link type.</summary>
public sealed unsafe class BpfFilter : IDisposable
{
    private readonly IntPtr _dead;
    private LibPcap.BpfProgram _program;
    private bool _disposed;

    public BpfFilter(string expression, LinkType linkType, int snapLength = 262144)
    {
        Expression = expression;
        LinkType = linkType;
        _dead = LibPcap.OpenDead(LibPcap.ToDlt(linkType), snapLength);
        fixed (LibPcap.BpfProgram* p = &_program)
        {
            if (LibPcap.Compile(_dead, p, expression) != 0)
            {
                var error = LibPcap.Error(_dead);
                LibPcap.Close(_dead);
                throw new ArgumentException($"The capture filter '{expression}' is not valid BPF (tcpdump syntax): {error}.");
            }
        }
    }

    public string Expression { get; }
    public LinkType LinkType { get; }

    /// <summary>True when the frame passes the filter.</summary>
    public bool Matches(ReadOnlySpan<byte> frame, int originalLength)
    {
        var header = new LibPcap.PacketHeader { CapturedLength = (uint)frame.Length, Length = (uint)originalLength };
        fixed (byte* data = frame)
        fixed (LibPcap.BpfProgram* p = &_program)
            return LibPcap.OfflineFilter(p, &header, data) != 0;
    }

    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        fixed (LibPcap.BpfProgram* p = &_program) LibPcap.FreeCode(p);
        LibPcap.Close(_dead);
    }
}
