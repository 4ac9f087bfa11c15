# A smoke test of the built module through its cmdlets, as a user's pwsh sees them. Under the hosted
# runner the session already has the module; under Pester 5 (build.ps1) it imports out/ConntrackTools.

BeforeAll {
    if (-not (Get-Module ConntrackTools)) {
        Import-Module (Join-Path $PSScriptRoot ../../out/ConntrackTools/ConntrackTools.psd1)
    }
    $lab = [System.IO.Path]::Combine($PSScriptRoot, '..', '..', 'examples', 'lab.pcap')
    # Engines are per process and other suites run beside this one: a name of its own.
    $engine = 'pester' + [guid]::NewGuid().ToString('N').Substring(0, 8)
    $null = Start-CtEngine -Name $engine -Path $lab -Rule 'tcp dport 21 ct helper set ftp'
}

AfterAll {
    if ($engine) { Remove-CtEngine -Name $engine -ErrorAction SilentlyContinue }
}

Describe 'The ConntrackTools module' {
    It 'exports <_>' -ForEach 'Get-CtConnection', 'Get-CtHelper', 'Start-CtEngine', 'Remove-CtEngine' {
        (Get-Command -Module ConntrackTools).Name | Should -Contain $_
    }
}

Describe 'An engine started from examples/lab.pcap' {
    It 'read the capture to the end' {
        $e = Get-CtEngine -Name $engine
        $e.State | Should -Be 'Completed'
        $e.Packets | Should -BeGreaterThan 0
        $e.Connections | Should -BeGreaterThan 0
    }

    It 'lists its helpers with Get-CtHelper -Engine' {
        $ftp = Get-CtHelper -Engine $engine -Name ftp
        $ftp | Should -HaveCount 1
        $ftp.Name | Should -Be 'ftp'
        $ftp.Backend | Should -Be "engine:$engine"
        (Get-CtHelper -Engine $engine).Name | Should -Contain 'tftp'
    }

    It 'tracked the FTP control connection with the ftp helper' {
        $control = @(Get-CtConnection -Engine $engine -Dport 21)
        $control | Should -HaveCount 1
        $control[0].Helper | Should -Be 'ftp'
    }
}

Describe 'Errors' {
    It '<Command> fails with <ErrorId>' -ForEach @(
        @{
            Command  = 'Get-CtConnection -Engine on a missing engine'
            Script   = { Get-CtConnection -Engine 'no-such-engine' -ErrorAction Stop }
            ErrorId  = 'EngineNotFound,ConntrackTools.Commands.GetCtConnectionCommand'
            Category = 'ObjectNotFound'
        }
        @{
            Command  = 'Get-CtHelper -Name of a helper the engine lacks'
            Script   = { Get-CtHelper -Engine $engine -Name 'nosuch' -ErrorAction Stop }
            ErrorId  = 'HelperNotFound,ConntrackTools.Commands.GetCtHelperCommand'
            Category = 'ObjectNotFound'
        }
        @{
            Command  = 'Start-CtEngine on a missing capture'
            Script   = { Start-CtEngine -Name "${engine}m" -Path '/nonexistent/capture.pcap' -ErrorAction Stop }
            ErrorId  = 'CaptureNotFound,ConntrackTools.Commands.StartCtEngineCommand'
            Category = 'ObjectNotFound'
        }
        @{
            Command  = 'Start-CtEngine under the name of a running engine'
            Script   = { Start-CtEngine -Name $engine -Path $lab -ErrorAction Stop }
            ErrorId  = 'EngineExists,ConntrackTools.Commands.StartCtEngineCommand'
            Category = 'ResourceExists'
        }
    ) {
        $err = $Script | Should -Throw -ErrorId $ErrorId -PassThru
        $err.CategoryInfo.Category | Should -Be $Category
        $err.Exception.Message | Should -Not -BeNullOrEmpty
    }
}
