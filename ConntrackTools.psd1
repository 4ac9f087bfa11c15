@{
    RootModule           = 'ConntrackTools.dll'
    # Stamped from Directory.Build.props at build time.
    ModuleVersion        = '0.1.0'
    CompatiblePSEditions = @('Core')
    GUID                 = '5b0f7c3e-8f0e-4c55-9a43-3f1d0c2e7a61'
    Author               = 'ConntrackTools contributors'
    CompanyName          = 'ConntrackTools'
    Copyright            = '(c) ConntrackTools contributors. MIT License.'
    Description          = 'Linux connection tracking administration: the kernel conntrack tables through ctnetlink in any network namespace, and a userspace tracking engine for captures, with the same typed objects for both.'
    PowerShellVersion    = '7.4'
    FormatsToProcess     = @('Formats/ConntrackTools.Format.ps1xml')
    TypesToProcess       = @('Formats/ConntrackTools.Types.ps1xml')
    CmdletsToExport      = @(
        'Clear-CtConnection'
        'Clear-CtExpectation'
        'ConvertTo-CtJson'
        'Get-CtConnection'
        'Get-CtEngine'
        'Get-CtExpectation'
        'Get-CtHelper'
        'Get-CtNotrackRule'
        'Get-CtSetting'
        'Get-CtStatistic'
        'Invoke-CtResource'
        'New-CtConnection'
        'New-CtExpectation'
        'New-CtHelper'
        'New-CtNotrackRule'
        'Remove-CtConnection'
        'Remove-CtEngine'
        'Remove-CtExpectation'
        'Remove-CtHelper'
        'Remove-CtNotrackRule'
        'Set-CtConnection'
        'Set-CtSetting'
        'Start-CtEngine'
        'Stop-CtEngine'
        'Test-CtAntiSpoof'
        'Test-CtHelperSecurity'
        'Watch-CtConnection'
        'Watch-CtExpectation'
    )
    FunctionsToExport    = @()
    VariablesToExport    = @()
    AliasesToExport      = @()
    PrivateData          = @{
        PSData = @{
            Tags         = @('conntrack', 'netfilter', 'nftables', 'firewall', 'Linux', 'ctnetlink')
            LicenseUri   = 'https://opensource.org/licenses/MIT'
            ProjectUri   = ''
            ReleaseNotes = 'Kernel read and write paths and events; the userspace tracking engine (Start-CtEngine) on captures and live interfaces.'
        }
    }
}
