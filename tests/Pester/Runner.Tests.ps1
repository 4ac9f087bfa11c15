# The runner's self-test, in Pester 5 syntax: under Pester 5 it passes as well, which is the point:
# it pins the semantics that the runner in Runner.ps1 copies. Failures the runner must report (a failing
# BeforeAll, AfterAll, discovery, Should's failures) are checked from C# with the fixtures in Fixtures/.

BeforeDiscovery {
    $discoveryCases = 'first', 'second'
}

BeforeAll {
    $fileLevel = 'from the file BeforeAll'
}

Describe 'Scopes' {
    BeforeAll {
        $fromBeforeAll = 'outer'
    }

    It 'sees the variables of its BeforeAll and of the file BeforeAll' {
        $fromBeforeAll | Should -Be 'outer'
        $fileLevel | Should -Be 'from the file BeforeAll'
    }

    It 'sets a variable that the next test must not see' {
        $leak = 'set in a test'
        $fromBeforeAll = 'changed in a test'
        $leak | Should -Be 'set in a test'
    }

    It 'does not see variables set by the previous test' {
        $leak | Should -BeNullOrEmpty
        $fromBeforeAll | Should -Be 'outer'
    }

    Context 'nested' {
        BeforeAll {
            $inner = "$fromBeforeAll-inner"
        }

        It 'sees the outer BeforeAll through its own' {
            $inner | Should -Be 'outer-inner'
        }
    }

    $bodyOnly = 'set in the Describe body, at discovery'

    It 'does not see variables of the Describe body, which ran at discovery' {
        $bodyOnly | Should -BeNullOrEmpty
    }
}

Describe 'Setups and teardowns' {
    BeforeAll {
        $log = [System.Collections.Generic.List[string]]::new()
    }
    BeforeEach {
        $log.Add('outer before')
        $shared = 'from BeforeEach'
    }
    AfterEach {
        $log.Add('outer after')
        # The It body and AfterEach run in the scope of BeforeEach: the It's change is seen here.
        $shared | Should -Be 'changed by the test'
    }

    Context 'inner' {
        BeforeEach { $log.Add('inner before') }
        AfterEach { $log.Add('inner after') }

        It 'runs the outer BeforeEach before the inner one' {
            $shared | Should -Be 'from BeforeEach'
            $shared = 'changed by the test'
            $log.Add('test')
            $log -join ', ' | Should -Be 'outer before, inner before, test'
        }

        It 'ran the inner AfterEach before the outer one' {
            $shared = 'changed by the test'
            $log -join ', ' | Should -Be 'outer before, inner before, test, inner after, outer after, outer before, inner before'
        }
    }
}

Describe 'Data-driven tests' {
    It 'defines the keys of a hashtable as variables: <Name> is <Value>' -ForEach @(
        @{ Name = 'one'; Value = 1 }
        @{ Name = 'two'; Value = 2 }
    ) {
        $Value | Should -BeOfType ([int])
        $_.Name | Should -Be $Name
    }

    It 'gives a plain object as $_: <_>' -ForEach 1, 2, 3 {
        $_ | Should -BeIn 1, 2, 3
    }

    It 'binds -TestCases to a param block' -TestCases @(@{ A = 1; B = 2 }) {
        param ($A, $B)
        $A + $B | Should -Be 3
    }

    $computed = 1..3 | ForEach-Object { $_ * 10 }

    It 'takes data computed in the Describe body at discovery: <_>' -ForEach $computed {
        $_ % 10 | Should -Be 0
    }

    It 'adds no test for an empty -ForEach' -ForEach @() {
        throw 'a test of an empty -ForEach ran'
    }

    It 'takes data from BeforeDiscovery: <_>' -ForEach $discoveryCases {
        $_ | Should -BeIn 'first', 'second'
    }
}

Describe 'A Describe with -ForEach: <Kind>' -ForEach @(
    @{ Kind = 'tcp'; Port = 21 }
    @{ Kind = 'udp'; Port = 69 }
) {
    BeforeAll {
        $seenInBeforeAll = $Kind
    }

    It 'sees its data in BeforeAll and It' {
        $seenInBeforeAll | Should -Be $Kind
        $Port | Should -BeIn 21, 69
    }

    It 'saw its data in the body at discovery: <_>' -ForEach @("$Kind/$Port") {
        $_ | Should -Be "$Kind/$Port"
    }
}

Describe 'A Describe with plain -ForEach items' -ForEach 'item' {
    It 'sees the item as $_' {
        $_ | Should -Be 'item'
    }
}

Describe 'Skipping' {
    It 'does not run a skipped test' -Skip {
        throw 'a skipped test ran'
    }

    Context 'a skipped block' -Skip {
        BeforeAll { throw 'the BeforeAll of a skipped block ran' }
        It 'is skipped with its block' { throw 'a test of a skipped block ran' }
    }
}

Describe 'The test file''s folder' {
    BeforeAll {
        $rootInBeforeAll = $PSScriptRoot
    }

    It 'is $PSScriptRoot in every block' {
        [System.IO.File]::Exists([System.IO.Path]::Combine($PSScriptRoot, 'Runner.Tests.ps1')) | Should -BeTrue
        $rootInBeforeAll | Should -Be $PSScriptRoot
        $PSCommandPath | Should -BeLike '*Runner.Tests.ps1'
    }

    It 'is $PSScriptRoot at discovery too' -ForEach @($PSScriptRoot) {
        $_ | Should -Be $PSScriptRoot
    }
}

Describe 'Should' {
    Context 'pipeline input' {
        It 'treats no input and $null as null or empty' {
            @() | Should -BeNullOrEmpty
            $null | Should -BeNullOrEmpty
            '' | Should -BeNullOrEmpty
            @{} | Should -BeNullOrEmpty
        }

        It 'unrolls collections for -HaveCount, -Contain and -Be' {
            1, 2 | Should -HaveCount 2
            , @(1, 2) | Should -HaveCount 1
            [System.Collections.Generic.List[int]]@(1, 2, 3) | Should -HaveCount 3
            1, 2 | Should -Contain 2
            1, 2 | Should -Be @(1, 2)
            1 | Should -Be @(1)
        }

        It 'tests each object for the other operators' {
            'a', 'b' | Should -Match '^[ab]$'
            1, 2 | Should -BeGreaterThan 0
            $true, 1 | Should -BeTrue
        }
    }

    Context 'operators' {
        It 'compares with -Be and -BeExactly' {
            'abc' | Should -Be 'ABC'
            'abc' | Should -BeExactly 'abc'
            'abc' | Should -Not -BeExactly 'ABC'
            2 | Should -Not -Be 3
            $null | Should -Be $null
        }

        It 'checks truth with -BeTrue and -BeFalse' {
            $true | Should -BeTrue
            0 | Should -BeFalse
            $null | Should -BeFalse
            $false | Should -Not -BeTrue
        }

        It 'matches with -Match, -MatchExactly and -BeLike' {
            'conntrack' | Should -Match 'TRACK'
            'conntrack' | Should -MatchExactly 'track'
            'conntrack' | Should -Not -MatchExactly 'TRACK'
            'conntrack' | Should -BeLike 'conn*'
            'conntrack' | Should -Not -BeLike 'x*'
        }

        It 'orders with -BeGreaterThan, -BeLessThan, -BeGreaterOrEqual and -BeLessOrEqual' {
            2 | Should -BeGreaterThan 1
            1 | Should -BeLessThan 2
            2 | Should -BeGreaterOrEqual 2
            2 | Should -BeLessOrEqual 2
            1 | Should -Not -BeGreaterThan 1
            1 | Should -Not -BeLessThan 1
        }

        It 'checks membership with -Contain and -BeIn' {
            'ftp', 'sip' | Should -Contain 'sip'
            'ftp', 'sip' | Should -Not -Contain 'irc'
            'sip' | Should -BeIn 'ftp', 'sip'
            'irc' | Should -Not -BeIn 'ftp', 'sip'
        }

        It 'checks types with -BeOfType, given as a type or as a name' {
            1 | Should -BeOfType ([int])
            1 | Should -BeOfType [int]
            1 | Should -BeOfType System.ValueType
            'a' | Should -Not -BeOfType ([int])
        }

        It 'counts with -HaveCount' {
            @() | Should -HaveCount 0
            1, 2, 3 | Should -Not -HaveCount 2
        }
    }

    Context '-Throw' {
        It 'passes when the script block throws, and -Not -Throw when it does not' {
            { throw 'boom' } | Should -Throw
            { 1 + 1 } | Should -Not -Throw
        }

        It 'filters on the message as a wildcard' {
            { throw 'the engine lab was not found' } | Should -Throw -ExpectedMessage '*lab was not*'
            { throw 'the engine lab was not found' } | Should -Throw '*lab*'
        }

        It 'filters on the FullyQualifiedErrorId' {
            { throw [System.Management.Automation.ErrorRecord]::new([Exception]::new('x'), 'MyErrorId', 'InvalidData', $null) } |
                Should -Throw -ErrorId 'MyErrorId'
            { Get-Command -Name 'No-SuchCommandAnywhere' -ErrorAction Stop } | Should -Throw -ErrorId 'CommandNotFoundException,*'
        }

        It 'filters on the exception type, subtypes included' {
            { throw [ArgumentNullException]::new('x') } | Should -Throw -ExceptionType ([ArgumentException])
        }

        It 'returns the error with -PassThru' {
            $err = { throw 'boom' } | Should -Throw -PassThru
            $err | Should -BeOfType ([System.Management.Automation.ErrorRecord])
            $err.Exception.Message | Should -Be 'boom'
        }
    }

    Context 'failure messages' {
        It 'reports <Assertion> as Pester does' -ForEach @(
            @{ Assertion = '-Be'; Check = { 1 | Should -Be 2 }; Message = 'Expected 2, but got 1.' }
            @{ Assertion = '-Be -Because'; Check = { 1 | Should -Be 2 -Because 'two is expected' }; Message = 'Expected 2, because two is expected, but got 1.' }
            @{ Assertion = 'a positional -Because'; Check = { 1 | Should -Be 2 'two is expected' }; Message = 'Expected 2, because two is expected, but got 1.' }
            @{ Assertion = '-Not -Be'; Check = { 1 | Should -Not -Be 1 }; Message = 'Expected 1 to be different from the actual value, but got the same value.' }
            @{ Assertion = '-BeExactly'; Check = { 1 | Should -BeExactly 2 }; Message = 'Expected exactly 2, but got 1.' }
            @{ Assertion = '-BeTrue'; Check = { $false | Should -BeTrue }; Message = 'Expected $true, but got $false.' }
            @{ Assertion = '-BeFalse -Because'; Check = { $true | Should -BeFalse -Because 'it is off' }; Message = 'Expected $false, because it is off, but got $true.' }
            @{ Assertion = '-Not -BeNullOrEmpty'; Check = { $null | Should -Not -BeNullOrEmpty }; Message = 'Expected a value, but got $null or empty.' }
            @{ Assertion = '-HaveCount'; Check = { 1, 2 | Should -HaveCount 3 }; Message = 'Expected a collection with size 3, but got collection with size 2 @(1, 2).' }
            @{ Assertion = '-HaveCount 0'; Check = { 1 | Should -HaveCount 0 -Because 'none is left' }; Message = 'Expected an empty collection, because none is left, but got collection with size 1 @(1).' }
            @{ Assertion = '-Contain'; Check = { 1, 2 | Should -Contain 3 }; Message = 'Expected 3 to be found in collection @(1, 2), but it was not found.' }
            @{ Assertion = '-Not -Contain'; Check = { 1, 2 | Should -Not -Contain 2 }; Message = 'Expected 2 to not be found in collection @(1, 2), but it was found.' }
            @{ Assertion = '-BeIn'; Check = { 3 | Should -BeIn 1, 2 }; Message = 'Expected collection @(1, 2) to contain 3, but it was not found.' }
            @{ Assertion = '-Match'; Check = { 'abc' | Should -Match 'x' }; Message = "Expected regular expression 'x' to match 'abc', but it did not match." }
            @{ Assertion = '-MatchExactly'; Check = { 'abc' | Should -MatchExactly 'A' }; Message = "Expected regular expression 'A' to case sensitively match 'abc', but it did not match." }
            @{ Assertion = '-Not -Match'; Check = { 'abc' | Should -Not -Match 'b' }; Message = "Expected regular expression 'b' to not match 'abc', but it did match." }
            @{ Assertion = '-BeLike'; Check = { 'abc' | Should -BeLike 'x*' }; Message = "Expected like wildcard 'x*' to match 'abc', but it did not match." }
            @{ Assertion = '-BeGreaterThan'; Check = { 1 | Should -BeGreaterThan 2 }; Message = 'Expected the actual value to be greater than 2, but got 1.' }
            @{ Assertion = '-Not -BeGreaterThan'; Check = { 3 | Should -Not -BeGreaterThan 2 }; Message = 'Expected the actual value to be less than or equal to 2, but got 3.' }
            @{ Assertion = '-BeLessThan'; Check = { 3 | Should -BeLessThan 2 }; Message = 'Expected the actual value to be less than 2, but got 3.' }
            @{ Assertion = '-BeGreaterOrEqual'; Check = { 1 | Should -BeGreaterOrEqual 2 }; Message = 'Expected the actual value to be greater than or equal to 2, but got 1.' }
            @{ Assertion = '-BeLessOrEqual'; Check = { 3 | Should -BeLessOrEqual 2 }; Message = 'Expected the actual value to be less than or equal to 2, but got 3.' }
            @{ Assertion = '-BeOfType'; Check = { 'a' | Should -BeOfType ([int]) }; Message = "Expected the value to have type [int] or any of its subtypes, but got 'a' with type [string]." }
            @{ Assertion = '-Throw'; Check = { { 1 } | Should -Throw }; Message = 'Expected an exception to be thrown, but no exception was thrown.' }
            @{ Assertion = '-Throw -Because'; Check = { { } | Should -Throw -Because 'the engine is gone' }; Message = 'Expected an exception to be thrown, because the engine is gone, but no exception was thrown.' }
        ) {
            $err = $Check | Should -Throw -PassThru
            $err.FullyQualifiedErrorId | Should -Be 'PesterAssertionFailed'
            $err.Exception.Message | Should -Be $Message
        }

        It 'shows where two strings differ' {
            $err = { 'conntrack' | Should -Be 'conntrak' } | Should -Throw -PassThru
            $lines = $err.Exception.Message -split '\r?\n'
            $lines[0] | Should -Be 'Expected strings to be the same, but they were different.'
            $lines | Should -Contain 'Strings differ at index 7.'
            $lines | Should -Contain "Expected: 'conntrak'"
            $lines | Should -Contain "But was:  'conntrack'"
        }

        It 'names the filters that an exception did not meet' {
            $err = { { throw 'boom' } | Should -Throw -ExpectedMessage 'bang' } | Should -Throw -PassThru
            $err.Exception.Message | Should -BeLike "Expected an exception with message like 'bang' to be thrown, but the message was 'boom'. from *"
            $err = { { throw [InvalidOperationException]::new('boom') } | Should -Throw -ExceptionType ([ArgumentException]) } | Should -Throw -PassThru
            $err.Exception.Message | Should -BeLike 'Expected an exception with type `[System.ArgumentException`] to be thrown, but the exception type was `[System.InvalidOperationException`]. from *'
            $err = { { throw 'boom' } | Should -Not -Throw } | Should -Throw -PassThru
            $err.Exception.Message | Should -BeLike 'Expected no exception to be thrown, but an exception "boom" was thrown from *'
        }
    }
}
