using System.Management.Automation;
using ConntrackTools.Audit;

namespace ConntrackTools.Commands;

/// <summary>
/// Checks how safely conntrack helpers are used (seed 001, "Secure use of helpers", and the
/// nftables helper guide): automatic assignment, unrestricted assignment rules, RELATED accepted
/// too widely, dangerous module options, wildcard expectations present now, and helpers whose
/// payload-chosen fields can be fed from untrusted interfaces. One finding per check and target.
/// </summary>
[Cmdlet(VerbsDiagnostic.Test, "CtHelperSecurity")]
[OutputType(typeof(CtFinding))]
[OutputType(typeof(bool))]
public sealed class TestCtHelperSecurityCommand : CtKernelCmdlet
{
    /// <summary>Interfaces whose traffic is not trusted; by default, those that carry a default route.</summary>
    [Parameter(Position = 0)]
    [ValidateNotNullOrEmpty]
    public string[]? UntrustedInterface { get; set; }

    /// <summary>Only these checks.</summary>
    [Parameter]
    [ValidateSet(HelperSecurityAudit.AutomaticAssignmentCheck, HelperSecurityAudit.AssignmentUnrestrictedCheck, HelperSecurityAudit.RelatedUnrestrictedCheck,
        HelperSecurityAudit.DangerousOptionCheck, HelperSecurityAudit.WildcardExpectationCheck, HelperSecurityAudit.UntrustedPayloadCheck)]
    public string[]? Check { get; set; }

    /// <summary>Write only the failed findings.</summary>
    [Parameter]
    public SwitchParameter FailedOnly { get; set; }

    /// <summary>Write only $true when every check passes, else $false.</summary>
    [Parameter]
    public SwitchParameter Quiet { get; set; }

    protected override void ProcessRecord()
    {
        List<CtFinding> findings;
        try
        {
            var snapshot = HelperSecuritySnapshot.Collect(NetworkNamespace, UntrustedInterface, Cancellation);
            findings = HelperSecurityAudit.Run(snapshot);
        }
        catch (Exception ex) when (ex is not PipelineStoppedException)
        {
            Fail(ex, Where());
            return;
        }
        var selected = findings.Where(f => Check is null || Check.Contains(f.Check, StringComparer.OrdinalIgnoreCase)).ToList();
        if (Quiet)
        {
            WriteObject(selected.All(f => f.Passed));
            return;
        }
        foreach (var f in selected.Where(f => !FailedOnly || !f.Passed)) WriteObject(f);
    }
}
