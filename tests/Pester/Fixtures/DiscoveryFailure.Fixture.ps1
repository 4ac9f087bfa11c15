# Discovery fails in a Describe body: the runner must fail the container, not report a pass.
Describe 'Discovery' {
    It 'is found before the failure' { }
    throw 'discovery broke'
}
