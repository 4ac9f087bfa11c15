# A suite with known failures, for PesterSuiteTests: the runner must report exactly these. Not named
# *.Tests.ps1, so that no suite run picks it up. $Log (from -Data) records which teardowns ran.
param ($Log)

Describe 'Failures' {
    AfterAll { $Log.Add('outer AfterAll') }

    It 'passes' { 1 | Should -Be 1 }

    It 'fails an assertion' {
        1 | Should -Be 2 -Because 'the fixture says so'
    }

    It 'throws' { throw 'thrown by the test' }

    It 'is skipped' -Skip { throw 'a skipped test ran' }

    It 'case <Value>' -ForEach @(@{ Value = 1 }, @{ Value = 2 }) { $Value | Should -Be 1 }

    Context 'a failing BeforeAll' {
        BeforeAll { throw 'BeforeAll broke' }
        AfterAll { $Log.Add('AfterAll after a failing BeforeAll') }
        It 'first' { $Log.Add('a test ran after its BeforeAll failed') }
        Context 'nested' {
            It 'second' { $Log.Add('a nested test ran after the BeforeAll failed') }
        }
    }

    Context 'a failing AfterEach' {
        AfterEach { throw 'AfterEach broke' }
        It 'passes its body' { }
    }

    Context 'a failing AfterAll' {
        AfterAll { throw 'AfterAll broke' }
        It 'passes' { }
    }

    Context 'a failing It' {
        AfterEach { $Log.Add('AfterEach after a failing It') }
        AfterAll { $Log.Add('AfterAll after a failing It') }
        It 'fails' { throw 'It broke' }
    }
}
