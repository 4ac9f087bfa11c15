using System.Runtime.InteropServices;
using Xunit;

namespace ConntrackTools.Tests;

/// <summary>
/// A test that needs root and the real kernel (network namespaces, ctnetlink) and some reference
/// tools. Outside CI it is skipped, with the reason, where those are missing; under CI (CI=true,
/// where .ci/run installs everything and runs as root) it never skips, so a missing piece fails.
/// </summary>
public sealed class KernelFactAttribute : FactAttribute
{
    public KernelFactAttribute(params string[] tools)
    {
        if (Environment.GetEnvironmentVariable("CI") == "true") return;
        Skip = Requirements.Missing(tools);
    }
}

/// <summary>A theory with the same requirements as <see cref="KernelFactAttribute"/>.</summary>
public sealed class KernelTheoryAttribute : TheoryAttribute
{
    public KernelTheoryAttribute(params string[] tools)
    {
        if (Environment.GetEnvironmentVariable("CI") == "true") return;
        Skip = Requirements.Missing(tools);
    }
}

public static class Requirements
{
    [DllImport("libc")]
    private static extern uint geteuid();

    public static bool IsRoot => geteuid() == 0;

    /// <summary>Why a kernel test cannot run here, or null when it can.</summary>
    public static string? Missing(params string[] tools)
    {
        if (!IsRoot) return "needs root (CAP_NET_ADMIN, CAP_SYS_ADMIN) to make network namespaces and read conntrack tables";
        if (!File.Exists("/proc/sys/net/netfilter/nf_conntrack_max") && !File.Exists("/proc/net/nf_conntrack"))
            return "needs a kernel with nf_conntrack loaded";
        foreach (var tool in new[] { "ip" }.Concat(tools))
            if (Which(tool) is null) return $"needs '{tool}' on PATH (run tests/run-all.sh, which installs the reference tools)";
        return null;
    }

    public static string? Which(string tool)
    {
        foreach (var dir in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':').Concat(["/usr/sbin", "/sbin"]))
        {
            var path = Path.Combine(dir, tool);
            if (File.Exists(path)) return path;
        }
        return null;
    }
}
