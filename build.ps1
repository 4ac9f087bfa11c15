#!/usr/bin/env pwsh
<#
.SYNOPSIS
    Builds, tests, documents and packages ConntrackTools, for people with pwsh.
.DESCRIPTION
    Build:   dotnet build, which stages out/ConntrackTools (manifest, assemblies, Formats, MAML).
    Test:    the xunit suites (tests/run-all.sh), then every *.Tests.ps1 under real Pester when installed.
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
    $suites = Get-ChildItem -Path $root -Recurse -Filter '*.Tests.ps1' | Where-Object FullName -notmatch '[\\/](bin|obj|out)[\\/]'
    if ($suites) {
        if (Get-Module -ListAvailable Pester | Where-Object Version -ge '5.0') {
            Import-Module Pester -MinimumVersion 5.0
            $result = Invoke-Pester -Path $suites.FullName -PassThru
            if ($result.FailedCount) { throw "$($result.FailedCount) Pester tests failed" }
        } else {
            Write-Warning 'Pester 5 is not installed; *.Tests.ps1 suites run in CI under the hosted runner.'
        }
    }
}
if ('Package' -in $Task) {
    $out = Join-Path $root 'out/packages'
    New-Item -ItemType Directory -Force -Path $out | Out-Null
    Register-PSRepository -Name ConntrackToolsLocal -SourceLocation $out -ErrorAction SilentlyContinue
    Publish-Module -Path $module -Repository ConntrackToolsLocal
}
