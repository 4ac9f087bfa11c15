namespace ConntrackTools;

/// <summary>How much a failed check matters.</summary>
public enum CtSeverity
{
    /// <summary>Worth knowing; nothing to fix.</summary>
    Information,

    Low,
    Medium,
    High,
}

/// <summary>
/// The result of one audit check (Test-CtAntiSpoof, Test-CtHelperSecurity) against one target: an
/// interface and family, a rule, a sysctl, a helper option, an expectation. A passed check is a
/// finding too, so a compliance run shows what was checked as well as what failed.
/// </summary>
public sealed class CtFinding
{
    /// <summary>Stable name of the check, such as "ReversePathFilter" or "HelperAssignmentUnrestricted".</summary>
    public string Check { get; set; } = "";

    public bool Passed { get; set; }

    /// <summary>How much the failure matters; the severity the check would have when it passes too.</summary>
    public CtSeverity Severity { get; set; }

    /// <summary>What was checked: "veth0/IPv4", "inet fw pre handle 4", "nf_conntrack_ftp.loose".</summary>
    public string Target { get; set; } = "";

    /// <summary>What was found, in a sentence that names the values read.</summary>
    public string Message { get; set; } = "";

    /// <summary>
    /// A command that fixes the failure, runnable from pwsh (and, where it is a native command, from
    /// sh). Parts the audit cannot know are written as &lt;placeholders&gt;. Empty when passed.
    /// </summary>
    public string Remediation { get; set; } = "";

    /// <summary>Where the check ran: "kernel" or "kernel:NETNS".</summary>
    public string Backend { get; set; } = "kernel";

    public override string ToString() => $"{(Passed ? "PASS" : "FAIL")} {Check} {Target}";
}
