# A parameterized suite: -Data reaches discovery (the number of cases) and the run phase (the values),
# and a parameter without data keeps its default in both.
param (
    [string] $Name,
    [int] $Count = 2,
    $Expected
)

Describe 'Data for <Name>' {
    It 'has the name it was given' {
        $Name | Should -Be $Expected
    }

    It 'case <_> of <Count>' -ForEach (1..$Count) {
        $_ | Should -BeLessOrEqual $Count
    }
}
