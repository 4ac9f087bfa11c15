# $PSScriptRoot and $PSCommandPath are this file's folder and path in every phase and block.
param ($ExpectedRoot)

$atDiscovery = $PSScriptRoot

BeforeAll {
    $inBeforeAll = $PSScriptRoot
}

Describe 'PSScriptRoot' {
    BeforeEach {
        $inBeforeEach = $PSScriptRoot
    }

    It 'at discovery is <_>' -ForEach @($atDiscovery) {
        $_ | Should -Be $ExpectedRoot
    }

    It 'in BeforeAll' {
        $inBeforeAll | Should -Be $ExpectedRoot
    }

    It 'in BeforeEach' {
        $inBeforeEach | Should -Be $ExpectedRoot
    }

    It 'in It' {
        $PSScriptRoot | Should -Be $ExpectedRoot
        $PSCommandPath | Should -Be ([System.IO.Path]::Combine($ExpectedRoot, 'ScriptRoot.Fixture.ps1'))
    }
}
