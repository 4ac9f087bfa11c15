#!/usr/bin/env pwsh
<#
.SYNOPSIS
    Builds, tests, documents and packages ConntrackTools, for people with pwsh.
.DESCRIPTION
    Build:   dotnet build, which stages out/ConntrackTools (manifest, assemblies, Formats, MAML).
    Test:    the xunit suites (tests/run-all.sh), then every *.Tests.ps1 under Pester 5 when installed,
             else under the Pester-compatible runner that CI uses (tests/Pester/Runner.ps1).
    Help:    regenerates MAML with platyPS when installed (the build's own HelpBuilder does it otherwise).
    Package: a .nupkg of the module folder for a PowerShell repository.
.EXAMPLE
    ./build.ps1 -Task Build, Test
#>
[CmdletBinding()]
param(
    [ValidateSet('Build', 'Test', 'Help', 'Package')]
    [string[]] $Task = @('Build'),
    [ValidateSet('Debug', 'Release')]
    [string] $Configuration = 'Release'
)
$ErrorActionPreference = 'Stop'
$root = $PSScriptRoot
$module = Join-Path $root 'out/ConntrackTools'

if ('Build' -in $Task -or 'Package' -in $Task) {
    dotnet build (Join-Path $root 'ConntrackTools.slnx') -c $Configuration --nologo
    if ($LASTEXITCODE) { throw "dotnet build failed ($LASTEXITCODE)" }
}
if ('Help' -in $Task) {
    if (Get-Module -ListAvailable platyPS) {
        Import-Module platyPS
        New-ExternalHelp -Path (Join-Path $root 'en-US') -OutputPath (Join-Path $module 'en-US') -Force | Out-Null
    } else {
        Write-Warning 'platyPS is not installed; the MAML in out/ConntrackTools/en-US comes from tools/HelpBuilder.'
    }
}
if ('Test' -in $Task) {
    bash (Join-Path $root 'tests/run-all.sh')
    if ($LASTEXITCODE) { throw "tests failed ($LASTEXITCODE)" }
    # Suites under a Compliance folder are run with their -Data by tests of their own, not here.
    $suites = @(Get-ChildItem -Path $root -Recurse -File -Filter '*.Tests.ps1' |
            Where-Object FullName -notmatch '[\\/](bin|obj|out|\.git|Compliance)[\\/]')
    if ($suites) {
        if (Get-Module -ListAvailable Pester | Where-Object Version -ge '5.0') {
            Import-Module Pester -MinimumVersion 5.0
        }
        else {
            # The runner CI uses in the hosted engine; its session has the module, as CI's does.
            Write-Host 'Pester 5 is not installed: the suites run under tests/Pester/Runner.ps1.'
            Import-Module (Join-Path $module 'ConntrackTools.psd1') -Force
            . (Join-Path $root 'tests/Pester/Runner.ps1')
        }
        $result = Invoke-Pester -Path $suites.FullName -Output Detailed -PassThru
        if ($result.Result -ne 'Passed') {
            throw "Pester suites failed: $($result.FailedCount) tests, $($result.FailedBlocksCount) blocks, $($result.FailedContainersCount) files"
        }
    }
}
if ('Package' -in $Task) {
    $out = Join-Path $root 'out/packages'
    New-Item -ItemType Directory -Force -Path $out | Out-Null
    Register-PSRepository -Name ConntrackToolsLocal -SourceLocation $out -ErrorAction SilentlyContinue
    Publish-Module -Path $module -Repository ConntrackToolsLocal
}
