using System.Globalization;
using System.IO.Compression;
using System.Runtime.InteropServices;
using System.Text;
using ConntrackTools.Kernel.Netlink;

namespace ConntrackTools.Kernel;

/// <summary>
/// Reads and writes sysctls under /proc/sys, in a network namespace. The net.* sysctls belong to the
/// network namespace of the thread that looks them up (fs/proc/proc_sysctl.c looks the table set up
/// through current->nsproxy, net/sysctl_net.c's net_ctl_header_lookup), so with a namespace the file
/// is opened, read and written on a thread that entered it (<see cref="NetworkNamespace.Run{T}"/>).
/// A null namespace means the calling thread's own, so these methods also work inside
/// <see cref="Run{T}"/> to read many keys with one trip into the namespace.
/// </summary>
/// <remarks>
/// Keys are accepted in three forms. The path under /proc/sys, "net/ipv4/conf/veth0.100/rp_filter",
/// is the unambiguous one; "/proc/sys/..." is the same. sysctl(8)'s dotted form,
/// "net.netfilter.nf_conntrack_max", writes the dots of an interface name as slashes
/// ("net.ipv4.conf.veth0/100.rp_filter"), as sysctl(8) does; a dotted key that keeps the
/// interface's dots ("net.ipv4.conf.veth0.100.rp_filter") is matched against the entries that exist.
/// </remarks>
public static class Sysctl
{
    /// <summary>Where procfs shows the sysctls.</summary>
    public const string Root = "/proc/sys";

    private static readonly Lazy<int?> Hz = new(ReadKernelHz);
    private static readonly Lazy<Version?> Release = new(ReadKernelVersion);

    /// <summary>
    /// CONFIG_HZ of the running kernel, from /proc/config.gz or /boot/config-RELEASE; null when the
    /// kernel's configuration is not readable. proc_dointvec_jiffies refuses seconds above INT_MAX / HZ.
    /// </summary>
    public static int? KernelHz => Hz.Value;

    /// <summary>The running kernel's version (kernel.osrelease, e.g. 6.18.44), or null when unreadable.</summary>
    public static Version? KernelVersion => Release.Value;

    /// <summary>Runs <paramref name="action"/> in <paramref name="ns"/> (on a thread that entered it), or here when null.</summary>
    public static T Run<T>(NetworkNamespace? ns, Func<T> action)
    {
        ArgumentNullException.ThrowIfNull(action);
        return ns is null ? action() : ns.Run(action);
    }

    /// <summary>The file a key names, without looking at the file system: "net.ipv4.ip_forward" is /proc/sys/net/ipv4/ip_forward.</summary>
    public static string ToPath(string key) => Root + "/" + string.Join('/', Parse(key, out _));

    /// <summary>True when the sysctl exists (as a file) in the namespace.</summary>
    public static bool Exists(NetworkNamespace? ns, string key) => Run(ns, () => File.Exists(Resolve(key)));

    /// <summary>The sysctl's text, trimmed; throws <see cref="SysctlException"/> (ENOENT when there is no such sysctl).</summary>
    public static string Read(NetworkNamespace? ns, string key) => Run(ns, () => ReadFile(Resolve(key), key));

    /// <summary>The sysctl's text, trimmed, or null when there is no such sysctl; other failures throw <see cref="SysctlException"/>.</summary>
    public static string? TryRead(NetworkNamespace? ns, string key) => Run(ns, () => TryReadFile(Resolve(key), key));

    /// <summary>The sysctl as a number, or null when it does not exist or does not hold one number.</summary>
    public static long? TryReadInt64(NetworkNamespace? ns, string key) => ParseInt64(TryRead(ns, key));

    /// <summary>Reads several sysctls with one trip into the namespace; keys that do not exist are left out.</summary>
    public static IReadOnlyDictionary<string, string> ReadMany(NetworkNamespace? ns, IEnumerable<string> keys)
    {
        ArgumentNullException.ThrowIfNull(keys);
        var list = keys.ToList();
        return Run(ns, () =>
        {
            var result = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var key in list)
                if (TryReadFile(Resolve(key), key) is { } text) result[key] = text;
            return result;
        });
    }

    /// <summary>
    /// The names in a sysctl directory, sorted ("net/ipv4/conf" gives all, default, lo and each
    /// interface of the namespace); empty when there is no such directory.
    /// </summary>
    public static IReadOnlyList<string> List(NetworkNamespace? ns, string directoryKey) => Run(ns, () =>
    {
        var dir = Resolve(directoryKey);
        if (!Directory.Exists(dir)) return (IReadOnlyList<string>)[];
        return [.. Directory.EnumerateFileSystemEntries(dir).Select(System.IO.Path.GetFileName).OfType<string>().Order(StringComparer.Ordinal)];
    });

    /// <summary>The file mode of the sysctl (0644, or 0444 for one the kernel registered read-only here), or null when it does not exist.</summary>
    public static UnixFileMode? GetMode(NetworkNamespace? ns, string key) => Run(ns, () => ModeOf(Resolve(key)));

    /// <summary>Writes a sysctl; throws <see cref="SysctlException"/> with the kernel's errno when it refuses (EINVAL, EACCES, EPERM, ...).</summary>
    public static void Write(NetworkNamespace? ns, string key, string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        Run(ns, () =>
        {
            WriteFile(Resolve(key), key, value);
            return 0;
        });
    }

    /// <summary>Writes a number to a sysctl.</summary>
    public static void Write(NetworkNamespace? ns, string key, long value) =>
        Write(ns, key, value.ToString(CultureInfo.InvariantCulture));

    /// <summary>
    /// True when the calling thread is in the initial network namespace, false when not, null when
    /// that cannot be told. Compares with PID 1's namespace; where /proc/1/ns/net cannot be read
    /// (PID 1 of a sandbox or container), uses net.nf_conntrack_max, which nf_conntrack registers
    /// in the initial namespace only (nf_conntrack_standalone.c's nf_ct_netfilter_table).
    /// </summary>
    public static bool? InInitialNamespace()
    {
        try
        {
            var mine = new FileInfo("/proc/thread-self/ns/net").LinkTarget;
            var init = new FileInfo("/proc/1/ns/net").LinkTarget;
            if (mine is not null && init is not null) return mine == init;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // Not allowed to look at PID 1: fall through.
        }
        if (!File.Exists(Root + "/net/netfilter/nf_conntrack_count")) return null;
        return File.Exists(Root + "/net/nf_conntrack_max");
    }

    internal static long? ParseInt64(string? text) =>
        long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var v) ? v : null;

    /// <summary>The key's segments under /proc/sys; <paramref name="dotted"/> says whether it was in sysctl(8)'s dotted form.</summary>
    internal static string[] Parse(string key, out bool dotted)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(key);
        var k = key.Trim();
        if (k.StartsWith(Root + "/", StringComparison.Ordinal)) k = k[(Root.Length + 1)..];
        else if (k.StartsWith('/')) throw new ArgumentException($"'{key}' is not a sysctl: a path must be under {Root}.", nameof(key));
        var slash = k.IndexOf('/', StringComparison.Ordinal);
        // Slash form when the first segment has no dot ("net/ipv4/conf/veth0.100/rp_filter");
        // sysctl(8)'s dotted form otherwise, where '/' stands for a dot inside a name.
        dotted = slash < 0 ? k.Contains('.', StringComparison.Ordinal) : k[..slash].Contains('.', StringComparison.Ordinal);
        var segments = dotted ? k.Split('.').Select(s => s.Replace('/', '.')).ToArray() : k.Split('/');
        foreach (var s in segments)
            if (s.Length == 0 || s is "." or "..")
                throw new ArgumentException($"'{key}' is not a sysctl name: it has an empty, '.' or '..' part.", nameof(key));
        return segments;
    }

    /// <summary>The file a key names, looked up in the calling thread's namespace (for dotted keys whose names contain dots).</summary>
    internal static string Resolve(string key)
    {
        var segments = Parse(key, out var dotted);
        var direct = Root + "/" + string.Join('/', segments);
        if (!dotted || File.Exists(direct) || Directory.Exists(direct)) return direct;
        return Search(Root, segments, 0) ?? direct;
    }

    // "net.ipv4.conf.veth0.100.rp_filter": try the parts one by one, joining neighbours with dots
    // where the shorter name does not exist, and backtrack when a longer one fits.
    private static string? Search(string dir, string[] segments, int from)
    {
        for (var to = from + 1; to <= segments.Length; to++)
        {
            var candidate = dir + "/" + string.Join('.', segments[from..to]);
            if (to == segments.Length)
            {
                if (File.Exists(candidate)) return candidate;
            }
            else if (Directory.Exists(candidate) && Search(candidate, segments, to) is { } found)
            {
                return found;
            }
        }
        return null;
    }

    internal static UnixFileMode? ModeOf(string path)
    {
        try
        {
            // procfs is Linux's; the guard is for the platform analyzer.
            return !OperatingSystem.IsWindows() && File.Exists(path) ? File.GetUnixFileMode(path) : null;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    internal static string? TryReadFile(string path, string key)
    {
        try
        {
            return ReadFile(path, key);
        }
        catch (SysctlException ex) when (ex.Errno is Native.ENOENT or Native.ENOTDIR)
        {
            return null;
        }
    }

    internal static unsafe string ReadFile(string path, string key)
    {
        var fd = Native.Open(path, Native.O_RDONLY | Native.O_CLOEXEC);
        if (fd < 0) throw new SysctlException(Marshal.GetLastPInvokeError(), "read", path, key);
        try
        {
            var buffer = new byte[4096];
            var length = 0;
            while (true)
            {
                if (length == buffer.Length) Array.Resize(ref buffer, buffer.Length * 2);
                nint n;
                fixed (byte* p = &buffer[length]) n = Native.Read(fd, p, (nuint)(buffer.Length - length));
                if (n < 0)
                {
                    var errno = Marshal.GetLastPInvokeError();
                    if (errno == Native.EINTR) continue;
                    throw new SysctlException(errno, "read", path, key);
                }
                if (n == 0) break;
                length += (int)n;
            }
            return Encoding.UTF8.GetString(buffer, 0, length).Trim();
        }
        finally
        {
            Native.Close(fd);
        }
    }

    internal static unsafe void WriteFile(string path, string key, string value)
    {
        var fd = Native.Open(path, Native.O_WRONLY | Native.O_CLOEXEC);
        if (fd < 0) throw new SysctlException(Marshal.GetLastPInvokeError(), "write", path, key);
        try
        {
            // One write, as sysctl(8) does: the kernel's handlers parse what one write brings.
            var bytes = Encoding.UTF8.GetBytes(value.Trim() + "\n");
            while (true)
            {
                nint n;
                fixed (byte* p = bytes) n = Native.Write(fd, p, (nuint)bytes.Length);
                if (n >= 0) return;
                var errno = Marshal.GetLastPInvokeError();
                if (errno != Native.EINTR) throw new SysctlException(errno, "write", path, key);
            }
        }
        finally
        {
            Native.Close(fd);
        }
    }

    private static int? ReadKernelHz()
    {
        try
        {
            if (File.Exists("/proc/config.gz"))
            {
                using var gz = new GZipStream(File.OpenRead("/proc/config.gz"), CompressionMode.Decompress);
                using var reader = new StreamReader(gz);
                if (FindHz(reader) is { } hz) return hz;
            }
            var release = TryReadFile(Root + "/kernel/osrelease", "kernel.osrelease");
            var boot = $"/boot/config-{release}";
            if (release is not null && File.Exists(boot))
            {
                using var reader = new StreamReader(boot);
                return FindHz(reader);
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or InvalidDataException or SysctlException)
        {
            // An unreadable configuration leaves HZ unknown; callers then use the loosest limit.
        }
        return null;
    }

    private static int? FindHz(StreamReader reader)
    {
        while (reader.ReadLine() is { } line)
            if (line.StartsWith("CONFIG_HZ=", StringComparison.Ordinal) &&
                int.TryParse(line.AsSpan("CONFIG_HZ=".Length), NumberStyles.None, CultureInfo.InvariantCulture, out var hz) && hz > 0)
                return hz;
        return null;
    }

    private static Version? ReadKernelVersion()
    {
        try
        {
            var release = TryReadFile(Root + "/kernel/osrelease", "kernel.osrelease");
            if (release is null) return null;
            var numbers = new List<int>();
            foreach (var part in release.Split('.'))
            {
                var digits = new string(part.TakeWhile(char.IsAsciiDigit).ToArray());
                if (digits.Length == 0 || !int.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out var n)) break;
                numbers.Add(n);
                if (digits.Length != part.Length || numbers.Count == 3) break;
            }
            return numbers.Count switch
            {
                0 => null,
                1 => new Version(numbers[0], 0),
                2 => new Version(numbers[0], numbers[1]),
                _ => new Version(numbers[0], numbers[1], numbers[2]),
            };
        }
        catch (SysctlException)
        {
            return null;
        }
    }
}

/// <summary>A sysctl that could not be read or written, with the errno the kernel gave.</summary>
public sealed class SysctlException : IOException
{
    public SysctlException(int errno, string operation, string path, string key)
        : base($"{operation} {path}: {Native.ErrnoText(errno)} ({Native.ErrnoName(errno)})")
    {
        Errno = errno;
        Operation = operation;
        Path = path;
        Key = key;
    }

    /// <summary>The positive errno value (EACCES = 13, EINVAL = 22, ...).</summary>
    public int Errno { get; }

    /// <summary>The symbolic name of <see cref="Errno"/>, e.g. "EACCES".</summary>
    public string ErrnoName => Native.ErrnoName(Errno);

    /// <summary>"read" or "write".</summary>
    public string Operation { get; }

    /// <summary>The file under /proc/sys.</summary>
    public string Path { get; }

    /// <summary>The key as the caller gave it.</summary>
    public string Key { get; }
}
