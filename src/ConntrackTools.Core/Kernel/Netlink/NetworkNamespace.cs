using System.Runtime.InteropServices;

namespace ConntrackTools.Kernel.Netlink;

/// <summary>A network namespace named the way `ip netns` names them, by a path to its nsfs file, or by a PID.</summary>
public sealed class NetworkNamespace
{
    /// <summary>Where `ip netns add NAME` bind-mounts named namespaces.</summary>
    public const string NamedRoot = "/run/netns";

    private NetworkNamespace(string spec, string path)
    {
        Spec = spec;
        Path = path;
    }

    /// <summary>What the user gave: NAME, PATH or PID.</summary>
    public string Spec { get; }

    /// <summary>The nsfs file that setns opens.</summary>
    public string Path { get; }

    public override string ToString() => Spec;

    /// <summary>
    /// Resolves NAME (under /run/netns), PATH (an absolute or relative path to an nsfs file) or PID
    /// (/proc/PID/ns/net). Throws <see cref="NetworkNamespaceNotFoundException"/> when there is none.
    /// </summary>
    public static NetworkNamespace Resolve(string spec)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(spec);
        string path;
        if (spec.Contains('/')) path = System.IO.Path.GetFullPath(spec);
        else if (int.TryParse(spec, out var pid) && pid > 0) path = $"/proc/{pid}/ns/net";
        else path = System.IO.Path.Combine(NamedRoot, spec);
        if (!File.Exists(path)) throw new NetworkNamespaceNotFoundException(spec, path);
        return new NetworkNamespace(spec, path);
    }

    /// <summary>The names `ip netns list` would show, for completion.</summary>
    public static IEnumerable<string> ListNames() =>
        Directory.Exists(NamedRoot)
            ? Directory.EnumerateFiles(NamedRoot).Select(System.IO.Path.GetFileName).OfType<string>().Order(StringComparer.Ordinal)
            : [];

    /// <summary>
    /// Runs <paramref name="action"/> on a dedicated thread that has entered this namespace. setns
    /// changes only the calling thread, and the thread ends afterwards, so no pooled thread is
    /// left in a foreign namespace. Sockets made there stay in that namespace for their life.
    /// </summary>
    public T Run<T>(Func<T> action)
    {
        T? result = default;
        Exception? failure = null;
        var thread = new Thread(() =>
        {
            try
            {
                var fd = Native.Open(Path, Native.O_RDONLY | Native.O_CLOEXEC);
                if (fd < 0) throw new NetlinkException(Marshal.GetLastPInvokeError(), $"open network namespace '{Spec}' ({Path})");
                try
                {
                    if (Native.SetNs(fd, Native.CLONE_NEWNET) < 0)
                    {
                        var errno = Marshal.GetLastPInvokeError();
                        if (errno == Native.EINVAL) throw new NetworkNamespaceNotFoundException(Spec, Path, "is not a network namespace");
                        throw new NetlinkException(errno, $"enter network namespace '{Spec}'");
                    }
                }
                finally
                {
                    Native.Close(fd);
                }
                result = action();
            }
            catch (Exception ex)
            {
                failure = ex;
            }
        }, maxStackSize: 256 * 1024) { IsBackground = true, Name = "ctnetns" };
        thread.Start();
        thread.Join();
        if (failure is not null) System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(failure).Throw();
        return result!;
    }
}

/// <summary>A -NetworkNamespace value that names no network namespace.</summary>
public sealed class NetworkNamespaceNotFoundException(string spec, string path, string reason = "does not exist")
    : Exception($"Network namespace '{spec}' not found: {path} {reason}. Give a name that `ip netns list` shows, a path to a namespace file such as /proc/PID/ns/net, or a process id.")
{
    public string Spec { get; } = spec;
    public string Path { get; } = path;
}
