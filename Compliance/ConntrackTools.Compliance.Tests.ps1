<#
.SYNOPSIS
    Connection tracking compliance checks, for Pester 5: how safely helpers are used (seed 001's
    checklist, Test-CtHelperSecurity) and whether every interface is protected against spoofing
    (Test-CtAntiSpoof). Each finding is one test; a failed test's message says what was found and
    the command that fixes it.
.DESCRIPTION
    Run it against this host or a network namespace:

        $suite = Join-Path (Get-Module ConntrackTools -ListAvailable)[0].ModuleBase 'Compliance/ConntrackTools.Compliance.Tests.ps1'
        Invoke-Pester -Container (New-PesterContainer -Path $suite -Data @{ NetworkNamespace = 'fw1'; UntrustedInterface = 'wan0' }) -Output Detailed

    Data (all optional):
      NetworkNamespace     the namespace to check (a name, a path, or a PID); this one when left out
      UntrustedInterface   interfaces whose traffic is not trusted; those with a default route when left out
      Interface            interfaces to check for anti-spoofing; all but lo when left out
      SkipAntiSpoof        leave the anti-spoofing checks out
      SkipHelperSecurity   leave the helper checks out
#>
param(
    [string] $NetworkNamespace,
    [string[]] $UntrustedInterface,
    [string[]] $Interface,
    [switch] $SkipAntiSpoof,
    [switch] $SkipHelperSecurity
)

BeforeDiscovery {
    if (-not (Get-Command Test-CtHelperSecurity -ErrorAction SilentlyContinue)) {
        Import-Module (Join-Path $PSScriptRoot '../ConntrackTools.psd1') -ErrorAction Stop
    }
    $where = @{}
    if ($NetworkNamespace) { $where.NetworkNamespace = $NetworkNamespace }

    function ConvertTo-Case($Finding) {
        @{
            Check       = $Finding.Check
            Target      = $Finding.Target
            Passed      = $Finding.Passed
            Severity    = "$($Finding.Severity)"
            Message     = $Finding.Message
            Remediation = $Finding.Remediation
        }
    }

    $helperCases = @()
    if (-not $SkipHelperSecurity) {
        $helperArgs = $where.Clone()
        if ($UntrustedInterface) { $helperArgs.UntrustedInterface = $UntrustedInterface }
        $helperCases = @(Test-CtHelperSecurity @helperArgs | ForEach-Object { ConvertTo-Case $_ })
    }
    $spoofCases = @()
    if (-not $SkipAntiSpoof) {
        $spoofArgs = $where.Clone()
        if ($Interface) { $spoofArgs.InterfaceName = $Interface }
        $spoofCases = @(Test-CtAntiSpoof @spoofArgs | ForEach-Object { ConvertTo-Case $_ })
    }
}

Describe 'Conntrack helper security' -Skip:$SkipHelperSecurity {
    It '<Check> on <Target>' -ForEach $helperCases {
        $Passed | Should -BeTrue -Because "$Message Fix: $Remediation"
    }
}

Describe 'Anti-spoofing' -Skip:$SkipAntiSpoof {
    It '<Check> on <Target>' -ForEach $spoofCases {
        $Passed | Should -BeTrue -Because "$Message Fix: $Remediation"
    }
}
