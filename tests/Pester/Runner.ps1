<#
.SYNOPSIS
    A small Pester 5-compatible runner for the repository's *.Tests.ps1 suites, for hosts without Pester.
.DESCRIPTION
    CI runs the suites in the PowerShell engine hosted in-process (System.Management.Automation), which has
    neither Pester nor Microsoft.PowerShell.Utility/Management; build.ps1 uses it when Pester 5 is not
    installed. It implements what our suites use, with Pester 5's syntax and semantics, so that the same
    files run unchanged under Pester 5: Describe / Context / It (-Skip, -ForEach / -TestCases, <name>
    templates), BeforeAll / AfterAll / BeforeEach / AfterEach, BeforeDiscovery, Should with the common
    operators, New-PesterContainer and Invoke-Pester (-Path, -Container, -PassThru, -Output) returning a
    result object shaped like Pester's.

    Use: dot-source this file from a script or the top level (not from a module), then call Invoke-Pester.

    Design, in Pester 5's two phases:
    - Discovery runs each test file (dot-sourced, with its -Data splatted into its param() block) in a
      scope of its own: Describe/Context run their bodies there at once, in a child scope with the
      block's -ForEach data as variables, and It / BeforeAll / ... only record their script blocks.
      BeforeDiscovery dot-sources its script block into the caller's scope.
    - Run walks the recorded tree: each block runs in a new scope (its data and the file's parameters
      as variables, then BeforeAll dot-sourced), each test in a new scope below its block's (its data,
      then every BeforeEach from the outermost block in, the It body, every AfterEach from the innermost
      out), so BeforeAll variables reach the tests of the block and of nested blocks, and nothing a test
      sets reaches the next one. AfterAll and AfterEach run in `finally`, even when a setup or the test
      failed; a failing BeforeAll fails every test of its block.
    - The keywords and the runner live in a dynamic module (PesterRunner), so test code cannot see or
      change the runner's variables, and BeforeDiscovery's dot-sourcing lands in the caller's scope (a
      script block dot-sourced from a module function runs in the session state it is bound to: the
      caller's). The scopes that user code runs in must belong to the test files' session state, so
      the four script blocks that create them (Container, Body, Block, Test below) are written here,
      outside the module, and are bound to the session state that dot-sources this file; the module
      calls them with `&`, and they call back into the module for the next level. The only runner
      variables a test can see are theirs, named $______* as Pester names its own.
    - $PSScriptRoot and $PSCommandPath inside every block are the test file's: script blocks keep the
      file they were written in.
    - Should throws an ErrorRecord with FullyQualifiedErrorId PesterAssertionFailed and Pester's failure
      messages ("Expected 2, because reason, but got 1."). Operators that take the whole input (Be,
      BeExactly, BeNullOrEmpty, Contain, HaveCount) see the pipeline collected into one array; the
      others test each piped object.
    Deviations from Pester 5 that our suites do not meet: no Mock, TestDrive, tags filters, Set-ItResult;
    string differences are shown whole rather than cut to the console width; the tests of a block whose
    BeforeAll failed carry that error in their ErrorRecord (Pester leaves it only on the block).
#>

New-Module -Name PesterRunner -ArgumentList @{
    # Discovery of one container: the file (or script block) is dot-sourced here, in a new scope, with
    # its data splatted; the values of its parameters (defaults included) are then read back, because
    # Pester 5 makes them variables of the run phase too.
    Container = {
        param($______p)
        $______data = $______p.Data
        if ('File' -eq $______p.Container.Type) {
            $null = . $______p.Container.Item.FullName @______data
        }
        else {
            $null = . $______p.Container.Item @______data
        }
        foreach ($______name in $______p.ParameterNames) {
            $______p.Parameters[$______name] = $ExecutionContext.SessionState.PSVariable.GetValue($______name)
        }
    }

    # Discovery of a Describe/Context body, in a new scope below the caller's, with the block's data.
    Body      = {
        param($______p)
        foreach ($______v in $______p.Variables.GetEnumerator()) {
            $ExecutionContext.SessionState.PSVariable.Set($______v.Key, $______v.Value)
        }
        if ($______p.HasItem) { $ExecutionContext.SessionState.PSVariable.Set('_', $______p.Item) }
        $______v = $null
        $null = . $______p.ScriptBlock
    }

    # Run of a block: its variables and BeforeAll in this scope, its children below, AfterAll always.
    Block     = {
        param($______p)
        foreach ($______v in $______p.Variables.GetEnumerator()) {
            $ExecutionContext.SessionState.PSVariable.Set($______v.Key, $______v.Value)
        }
        if ($______p.HasItem) { $ExecutionContext.SessionState.PSVariable.Set('_', $______p.Item) }
        $______v = $null
        try {
            if ($null -ne $______p.BeforeAll) { $null = . $______p.BeforeAll }
            if ($______p.NameExpression) { $______p.Block.ExpandedName = & ([scriptblock]::Create($______p.NameExpression)) }
            & $______p.RunChildren $______p.Block
        }
        catch {
            $______p.SetupErrors.Add($_)
        }
        finally {
            if ($null -ne $______p.AfterAll) {
                try { $null = . $______p.AfterAll } catch { $______p.TeardownErrors.Add($_) }
            }
        }
    }

    # Run of a test: its data, every BeforeEach, the body and every AfterEach, all in this one scope.
    Test      = {
        param($______p)
        foreach ($______v in $______p.Variables.GetEnumerator()) {
            $ExecutionContext.SessionState.PSVariable.Set($______v.Key, $______v.Value)
        }
        if ($______p.HasItem) { $ExecutionContext.SessionState.PSVariable.Set('_', $______p.Item) }
        $______v = $null
        $______splat = $______p.Splat
        try {
            foreach ($______setup in $______p.BeforeEach) { $null = . $______setup @______splat }
            if ($______p.NameExpression) { $______p.Test.ExpandedName = & ([scriptblock]::Create($______p.NameExpression)) }
            $null = . $______p.Test.ScriptBlock @______splat
        }
        catch {
            $______p.Errors.Add($_)
        }
        finally {
            foreach ($______teardown in $______p.AfterEach) {
                try { $null = . $______teardown @______splat } catch { $______p.Errors.Add($_) }
            }
        }
    }
}, $PSCommandPath -ScriptBlock {
    param($UserScopes, $RunnerPath)

    # The run in progress: result object, discovery position, output level. Saved and restored around
    # Invoke-Pester, so a suite may run Invoke-Pester itself.
    $script:State = $null

    #region Object model (the shape of Pester 5's result objects)

    function New-RunnerBlock ([string] $Name, $Parent, [scriptblock] $ScriptBlock, [string[]] $Tag, [bool] $Skip, $Data, [bool] $HasData) {
        $isRoot = $null -eq $Parent
        $path = if ($isRoot) { [string[]]@() } elseif ($Parent.IsRoot) { [string[]]@($Name) } else { [string[]](@($Parent.Path) + $Name) }
        [pscustomobject]@{
            PSTypeName   = 'PesterRunner.Block'
            ItemType     = 'Block'
            Name         = $Name
            ExpandedName = $Name
            Path         = $path
            ExpandedPath = $path -join '.'
            IsRoot       = $isRoot
            Parent       = $Parent
            ScriptBlock  = $ScriptBlock
            Tag          = $Tag
            Skip         = $Skip
            Data         = $Data
            HasData      = $HasData
            Variables    = (ConvertTo-Variables $Data)
            BeforeAll    = $null
            AfterAll     = $null
            BeforeEach   = $null
            AfterEach    = $null
            Order        = [System.Collections.Generic.List[object]]::new()
            Blocks       = [System.Collections.Generic.List[object]]::new()
            Tests        = [System.Collections.Generic.List[object]]::new()
            ErrorRecord  = [System.Collections.Generic.List[System.Management.Automation.ErrorRecord]]::new()
            Result       = 'NotRun'
            Executed     = $false
            Passed       = $false
            Duration     = [timespan]::Zero
        }
    }

    function New-RunnerTest ([string] $Name, $Block, [scriptblock] $ScriptBlock, [string[]] $Tag, [bool] $Skip, $Data, [bool] $HasData, [int] $StartLine) {
        $path = [string[]](@($Block.Path) + $Name)
        [pscustomobject]@{
            PSTypeName   = 'PesterRunner.Test'
            ItemType     = 'Test'
            Name         = $Name
            ExpandedName = $Name
            Path         = $path
            ExpandedPath = $path -join '.'
            Block        = $Block
            ScriptBlock  = $ScriptBlock
            StartLine    = $StartLine
            Tag          = $Tag
            Skip         = $Skip
            Data         = $Data
            HasData      = $HasData
            ErrorRecord  = [System.Collections.Generic.List[System.Management.Automation.ErrorRecord]]::new()
            Result       = 'NotRun'
            Executed     = $false
            Passed       = $false
            Skipped      = $false
            Duration     = [timespan]::Zero
        }
    }

    function New-RunnerRun {
        [pscustomobject]@{
            PSTypeName            = 'PesterRunner.Run'
            Result                = 'NotRun'
            TotalCount            = 0
            PassedCount           = 0
            FailedCount           = 0
            SkippedCount          = 0
            NotRunCount           = 0
            FailedBlocksCount     = 0
            FailedContainersCount = 0
            Containers            = [System.Collections.Generic.List[object]]::new()
            Tests                 = [System.Collections.Generic.List[object]]::new()
            Passed                = [System.Collections.Generic.List[object]]::new()
            Failed                = [System.Collections.Generic.List[object]]::new()
            Skipped               = [System.Collections.Generic.List[object]]::new()
            NotRun                = [System.Collections.Generic.List[object]]::new()
            FailedBlocks          = [System.Collections.Generic.List[object]]::new()
            FailedContainers      = [System.Collections.Generic.List[object]]::new()
            ExecutedAt            = [datetime]::Now
            Executed              = $false
            Duration              = [timespan]::Zero
            Version               = 'PesterRunner 1.0 (Pester 5 syntax)'
        }
    }

    # A data item's keys become variables (Pester 5: hashtables define variables, every item is $_).
    function ConvertTo-Variables ($Data) {
        $variables = @{}
        if ($Data -is [System.Collections.IDictionary]) {
            foreach ($key in $Data.Keys) {
                if ('_' -ne $key) { $variables[[string]$key] = $Data[$key] }
            }
        }
        $variables
    }

    # Pester 5's template expansion: "<name>" and "<_.Prop>" are evaluated as $(...) in the item's scope.
    function Get-NameExpression ([string] $Name) {
        if ($Name -notlike '*<*') { return $null }
        '"' + ($Name -replace '\$', '`$' -replace '"', '`"' -replace '(?<!`)<([^>^`]+)>', '$$($$$1)') + '"'
    }

    #endregion

    #region Discovery keywords

    function Assert-Discovery ([string] $Command) {
        if ($null -eq $script:State -or -not $script:State.Discovery) {
            throw "$Command is only valid while tests are discovered (at the top of a test file or in the body of Describe/Context), not inside It or a setup block; run test files with Invoke-Pester."
        }
    }

    function Add-RunnerBlock ([string] $Name, [scriptblock] $Fixture, [string[]] $Tag, [bool] $Skip, [bool] $HasForEach, $ForEach, [string] $Keyword) {
        Assert-Discovery $Keyword
        if ($null -eq $Fixture) {
            throw "$Keyword '$Name' has no script block. (Is its open curly brace on the next line?)"
        }
        if ($HasForEach) {
            if ($null -eq $ForEach -or 0 -eq @($ForEach).Count) { return }
            foreach ($item in @($ForEach)) { Enter-RunnerBlock $Name $Fixture $Tag $Skip $item $true }
        }
        else {
            Enter-RunnerBlock $Name $Fixture $Tag $Skip $null $false
        }
    }

    function Enter-RunnerBlock ([string] $Name, [scriptblock] $Fixture, [string[]] $Tag, [bool] $Skip, $Data, [bool] $HasData) {
        $parent = $script:State.CurrentBlock
        $block = New-RunnerBlock -Name $Name -Parent $parent -ScriptBlock $Fixture -Tag $Tag -Skip ($Skip -or $parent.Skip) -Data $Data -HasData $HasData
        $parent.Order.Add($block)
        $parent.Blocks.Add($block)
        $script:State.CurrentBlock = $block
        try {
            $null = & $UserScopes.Body @{ ScriptBlock = $Fixture; Variables = $block.Variables; HasItem = $HasData; Item = $Data }
        }
        finally {
            $script:State.CurrentBlock = $parent
        }
    }

    function Describe {
        [CmdletBinding()]
        param (
            [Parameter(Mandatory, Position = 0)] [string] $Name,
            [Alias('Tags')] [string[]] $Tag = @(),
            [Parameter(Position = 1)] [scriptblock] $Fixture,
            [switch] $Skip,
            $ForEach
        )
        Add-RunnerBlock $Name $Fixture $Tag $Skip.IsPresent $PSBoundParameters.ContainsKey('ForEach') $ForEach 'Describe'
    }

    function Context {
        [CmdletBinding()]
        param (
            [Parameter(Mandatory, Position = 0)] [string] $Name,
            [Alias('Tags')] [string[]] $Tag = @(),
            [Parameter(Position = 1)] [scriptblock] $Fixture,
            [switch] $Skip,
            $ForEach
        )
        Add-RunnerBlock $Name $Fixture $Tag $Skip.IsPresent $PSBoundParameters.ContainsKey('ForEach') $ForEach 'Context'
    }

    function It {
        [CmdletBinding()]
        param (
            [Parameter(Mandatory, Position = 0)] [string] $Name,
            [Parameter(Position = 1)] [scriptblock] $Test,
            [Alias('TestCases')] [object[]] $ForEach,
            [Alias('Tags')] [string[]] $Tag = @(),
            [switch] $Skip
        )
        Assert-Discovery 'It'
        $block = $script:State.CurrentBlock
        if ($block.IsRoot) {
            throw "It '$Name' is outside any Describe or Context: put it in a block."
        }
        if ($null -eq $Test) {
            if (-not $Skip) { throw "It '$Name' has no script block. (Is its open curly brace on the next line?)" }
            $Test = {}
        }
        $line = $MyInvocation.ScriptLineNumber
        if ($PSBoundParameters.ContainsKey('ForEach')) {
            if ($null -eq $ForEach -or 0 -eq $ForEach.Count) { return }
            foreach ($item in $ForEach) {
                $t = New-RunnerTest -Name $Name -Block $block -ScriptBlock $Test -Tag $Tag -Skip ($Skip.IsPresent -or $block.Skip) -Data $item -HasData $true -StartLine $line
                $block.Order.Add($t)
                $block.Tests.Add($t)
            }
        }
        else {
            $t = New-RunnerTest -Name $Name -Block $block -ScriptBlock $Test -Tag $Tag -Skip ($Skip.IsPresent -or $block.Skip) -Data $null -HasData $false -StartLine $line
            $block.Order.Add($t)
            $block.Tests.Add($t)
        }
    }

    function BeforeAll {
        param ([Parameter(Mandatory, Position = 0)] [scriptblock] $Scriptblock)
        Assert-Discovery 'BeforeAll'
        $script:State.CurrentBlock.BeforeAll = $Scriptblock
    }

    function AfterAll {
        param ([Parameter(Mandatory, Position = 0)] [scriptblock] $Scriptblock)
        Assert-Discovery 'AfterAll'
        $script:State.CurrentBlock.AfterAll = $Scriptblock
    }

    function BeforeEach {
        param ([Parameter(Mandatory, Position = 0)] [scriptblock] $Scriptblock)
        Assert-Discovery 'BeforeEach'
        if ($script:State.CurrentBlock.IsRoot) { throw 'BeforeEach is not supported at the top of a test file (as in Pester 5): put it in a Describe or Context.' }
        $script:State.CurrentBlock.BeforeEach = $Scriptblock
    }

    function AfterEach {
        param ([Parameter(Mandatory, Position = 0)] [scriptblock] $Scriptblock)
        Assert-Discovery 'AfterEach'
        if ($script:State.CurrentBlock.IsRoot) { throw 'AfterEach is not supported at the top of a test file (as in Pester 5): put it in a Describe or Context.' }
        $script:State.CurrentBlock.AfterEach = $Scriptblock
    }

    # Runs at once, in the caller's scope (dot-sourced from a module function: see the design notes).
    function BeforeDiscovery {
        param ([Parameter(Mandatory, Position = 0)] [scriptblock] $ScriptBlock)
        . $ScriptBlock
    }

    #endregion

    #region Run

    function Get-BlockTests ($Block) {
        foreach ($item in $Block.Order) {
            if ('Test' -eq $item.ItemType) { $item } else { Get-BlockTests $item }
        }
    }

    function Invoke-RunnerBlock ($Block) {
        $tests = @(Get-BlockTests $Block)
        # As Pester: a block without tests runs no setup at all.
        if (0 -eq $tests.Count) { return }
        if ($Block.Skip) {
            foreach ($t in $tests) { Complete-RunnerTest $t }
            $Block.Result = 'Skipped'
            return
        }

        $Block.Executed = $true
        $p = @{
            Block          = $Block
            Variables      = $Block.Variables
            HasItem        = $Block.HasData
            Item           = $Block.Data
            BeforeAll      = $Block.BeforeAll
            AfterAll       = $Block.AfterAll
            NameExpression = $(if (-not $Block.IsRoot) { Get-NameExpression $Block.Name })
            RunChildren    = { param($b) Invoke-RunnerChildren $b }
            SetupErrors    = [System.Collections.Generic.List[System.Management.Automation.ErrorRecord]]::new()
            TeardownErrors = [System.Collections.Generic.List[System.Management.Automation.ErrorRecord]]::new()
        }
        $watch = [System.Diagnostics.Stopwatch]::StartNew()
        $null = & $UserScopes.Block $p
        $Block.Duration = $watch.Elapsed

        if (0 -lt $p.SetupErrors.Count) {
            # A failing BeforeAll fails every test of the block that has not run.
            foreach ($t in $tests) {
                if ('NotRun' -eq $t.Result) {
                    if (-not $t.Skip) { $t.ErrorRecord.AddRange($p.SetupErrors) }
                    Complete-RunnerTest $t
                }
            }
        }
        $Block.ErrorRecord.AddRange($p.SetupErrors)
        $Block.ErrorRecord.AddRange($p.TeardownErrors)
        foreach ($e in $Block.ErrorRecord) { Add-RunnerErrorDisplay $e }
        $Block.Passed = 0 -eq $Block.ErrorRecord.Count
        $Block.Result = if ($Block.Passed) { 'Passed' } else { 'Failed' }
        if (-not $Block.Passed -and -not $Block.IsRoot) {
            $script:State.Run.FailedBlocks.Add($Block)
            Write-RunnerFailure "[-] $(if ($p.SetupErrors.Count) { 'BeforeAll' } else { 'AfterAll' }) of $($Block.ExpandedPath) failed" $Block.ErrorRecord 0
        }
    }

    function Invoke-RunnerChildren ($Block) {
        if (-not $Block.IsRoot) {
            $Block.ExpandedPath = if ($Block.Parent.IsRoot) { $Block.ExpandedName } else { "$($Block.Parent.ExpandedPath).$($Block.ExpandedName)" }
            Write-RunnerBlockHeader $Block
        }
        foreach ($item in $Block.Order) {
            if ('Test' -eq $item.ItemType) { Invoke-RunnerTest $item } else { Invoke-RunnerBlock $item }
        }
    }

    function Invoke-RunnerTest ($Test) {
        if ($Test.Skip) {
            $Test.ExpandedPath = "$($Test.Block.ExpandedPath).$($Test.ExpandedName)"
            Complete-RunnerTest $Test
            return
        }
        # BeforeEach from the outermost block in, AfterEach from the innermost block out.
        $setups = [System.Collections.Generic.List[scriptblock]]::new()
        $teardowns = [System.Collections.Generic.List[scriptblock]]::new()
        for ($b = $Test.Block; $null -ne $b; $b = $b.Parent) {
            if ($null -ne $b.BeforeEach) { $setups.Insert(0, $b.BeforeEach) }
            if ($null -ne $b.AfterEach) { $teardowns.Add($b.AfterEach) }
        }
        $variables = ConvertTo-Variables $Test.Data
        $p = @{
            Test           = $Test
            Variables      = $variables
            Splat          = $variables
            HasItem        = $Test.HasData
            Item           = $Test.Data
            BeforeEach     = $setups
            AfterEach      = $teardowns
            NameExpression = Get-NameExpression $Test.Name
            Errors         = [System.Collections.Generic.List[System.Management.Automation.ErrorRecord]]::new()
        }
        $Test.Executed = $true
        $watch = [System.Diagnostics.Stopwatch]::StartNew()
        $null = & $UserScopes.Test $p
        $Test.Duration = $watch.Elapsed
        $Test.ErrorRecord.AddRange($p.Errors)
        $Test.ExpandedPath = "$($Test.Block.ExpandedPath).$($Test.ExpandedName)"
        Complete-RunnerTest $Test
    }

    function Complete-RunnerTest ($Test) {
        $run = $script:State.Run
        if ($Test.Skip) {
            $Test.Result = 'Skipped'
            $Test.Skipped = $true
            $Test.Passed = $true
            $run.Skipped.Add($Test)
        }
        elseif ($Test.Executed -and 0 -eq $Test.ErrorRecord.Count) {
            $Test.Result = 'Passed'
            $Test.Passed = $true
            $run.Passed.Add($Test)
        }
        else {
            $Test.Result = 'Failed'
            $run.Failed.Add($Test)
        }
        $run.Tests.Add($Test)
        foreach ($e in $Test.ErrorRecord) { Add-RunnerErrorDisplay $e }
        Write-RunnerTestLine $Test
    }

    function Invoke-RunnerContainer ($Info) {
        $run = $script:State.Run
        $root = New-RunnerBlock -Name 'Root' -Parent $null
        $name = if ('File' -eq $Info.Type) { $Info.Item.FullName } else { '<ScriptBlock>' }
        $container = [pscustomobject]@{
            PSTypeName  = 'PesterRunner.Container'
            Type        = $Info.Type
            Item        = $Info.Item
            Data        = $Info.Data
            Name        = $name
            Root        = $root
            Blocks      = $root.Blocks
            ErrorRecord = [System.Collections.Generic.List[System.Management.Automation.ErrorRecord]]::new()
            Result      = 'NotRun'
            Executed    = $false
            Passed      = $false
            Duration    = [timespan]::Zero
        }
        $run.Containers.Add($container)
        Write-RunnerLine "Running tests from '$name'" 'Detailed'
        $watch = [System.Diagnostics.Stopwatch]::StartNew()
        $failuresBefore = $run.Failed.Count + $run.FailedBlocks.Count

        $data = @{}
        if ($null -ne $Info.Data) { foreach ($key in $Info.Data.Keys) { $data[[string]$key] = $Info.Data[$key] } }
        $discovery = @{ Container = $Info; Data = $data; ParameterNames = @(); Parameters = @{} }
        try {
            if ('File' -eq $Info.Type) {
                if (-not [System.IO.File]::Exists($Info.Item.FullName)) {
                    throw [System.IO.FileNotFoundException]::new("Test file '$($Info.Item.FullName)' was not found.", $Info.Item.FullName)
                }
                $errors = $null
                $ast = [System.Management.Automation.Language.Parser]::ParseFile($Info.Item.FullName, [ref]$null, [ref]$errors)
                if ($errors) { throw [System.Management.Automation.ParseException]::new($errors) }
            }
            else {
                $ast = $Info.Item.Ast
            }
            if ($null -ne $ast.ParamBlock) {
                $discovery.ParameterNames = @(foreach ($parameter in $ast.ParamBlock.Parameters) { $parameter.Name.VariablePath.UserPath })
            }
            $script:State.Discovery = $true
            $script:State.CurrentBlock = $root
            $null = & $UserScopes.Container $discovery
        }
        catch {
            $container.ErrorRecord.Add($_)
        }
        finally {
            $script:State.Discovery = $false
            $script:State.CurrentBlock = $null
        }

        if (0 -eq $container.ErrorRecord.Count) {
            # The run phase sees the container's data and its parameters' values (defaults included).
            foreach ($parameterName in $discovery.ParameterNames) {
                if (-not $data.ContainsKey($parameterName)) { $data[$parameterName] = $discovery.Parameters[$parameterName] }
            }
            $root.Variables = $data
            $container.Executed = $true
            Invoke-RunnerBlock $root
            $container.ErrorRecord.AddRange($root.ErrorRecord)
        }
        foreach ($e in $container.ErrorRecord) { Add-RunnerErrorDisplay $e }
        $container.Duration = $watch.Elapsed
        $container.Passed = 0 -eq $container.ErrorRecord.Count -and $failuresBefore -eq $run.Failed.Count + $run.FailedBlocks.Count
        $container.Result = if ($container.Passed) { 'Passed' } else { 'Failed' }
        if (0 -lt $container.ErrorRecord.Count) {
            $run.FailedContainers.Add($container)
            Write-RunnerFailure "[-] $(if ($container.Executed) { 'Container' } else { 'Discovery in' }) '$name' failed" $container.ErrorRecord 0
        }
    }

    #endregion

    #region Output

    function Write-RunnerLine ([string] $Text, [string] $Level = 'Normal') {
        $output = $script:State.Output
        if ('None' -eq $output) { return }
        if ('Detailed' -eq $Level -and $output -notin 'Detailed', 'Diagnostic') { return }
        $Host.UI.WriteLine($Text)
    }

    function Write-RunnerBlockHeader ($Block) {
        $depth = $Block.Path.Count - 1
        $keyword = if (0 -eq $depth) { 'Describing' } else { 'Context' }
        Write-RunnerLine ((' ' * $depth) + "$keyword $($Block.ExpandedName)") 'Detailed'
    }

    function Write-RunnerTestLine ($Test) {
        $depth = $Test.Path.Count - 1
        $ms = [int]$Test.Duration.TotalMilliseconds
        switch ($Test.Result) {
            'Passed' { Write-RunnerLine ((' ' * $depth) + "[+] $($Test.ExpandedName) ${ms}ms") 'Detailed' }
            'Skipped' { Write-RunnerLine ((' ' * $depth) + "[!] $($Test.ExpandedName) is skipped") 'Detailed' }
            default {
                $detailed = $script:State.Output -in 'Detailed', 'Diagnostic'
                $label = if ($detailed) { $Test.ExpandedName } else { $Test.ExpandedPath }
                Write-RunnerFailure ((' ' * $(if ($detailed) { $depth } else { 0 })) + "[-] $label ${ms}ms") $Test.ErrorRecord $(if ($detailed) { $depth } else { 0 })
            }
        }
    }

    function Write-RunnerFailure ([string] $Header, $Errors, [int] $Depth) {
        Write-RunnerLine $Header
        $indent = ' ' * ($Depth + 1)
        foreach ($e in $Errors) {
            foreach ($line in ("$($e.DisplayErrorMessage)`n$($e.DisplayStackTrace)" -split '\r?\n')) {
                if ($line) { Write-RunnerLine "$indent$line" }
            }
        }
    }

    # As Pester: DisplayErrorMessage and DisplayStackTrace on each error, for reports and for the C# helper.
    function Add-RunnerErrorDisplay ([System.Management.Automation.ErrorRecord] $ErrorRecord) {
        if ($null -ne $ErrorRecord.PSObject.Properties['DisplayErrorMessage']) { return }
        $message = $ErrorRecord.Exception.Message
        $target = $ErrorRecord.TargetObject
        $trace = if ('PesterAssertionFailed' -eq $ErrorRecord.FullyQualifiedErrorId -and $target -is [System.Collections.IDictionary] -and $target.ContainsKey('File')) {
            "at $($target.LineText.Trim()), $($target.File):$($target.Line)"
        }
        else {
            # The frames of the test code: innermost first, up to where the runner called it.
            $frames = [System.Collections.Generic.List[string]]::new()
            foreach ($frame in ([string]$ErrorRecord.ScriptStackTrace) -split '\r?\n') {
                if ($RunnerPath -and $frame.Contains($RunnerPath)) { break }
                if ($frame) { $frames.Add($frame) }
            }
            if (0 -eq $frames.Count -and $null -ne $ErrorRecord.InvocationInfo) { $frames = @($ErrorRecord.InvocationInfo.PositionMessage) }
            $frames -join [Environment]::NewLine
        }
        $ErrorRecord.PSObject.Properties.Add([psnoteproperty]::new('DisplayErrorMessage', [string]$message))
        $ErrorRecord.PSObject.Properties.Add([psnoteproperty]::new('DisplayStackTrace', [string]$trace))
    }

    #endregion

    #region Containers and Invoke-Pester

    function Resolve-RunnerTestFile ([string] $Path) {
        $full = $ExecutionContext.SessionState.Path.GetUnresolvedProviderPathFromPSPath($Path)
        if ([System.IO.Directory]::Exists($full)) {
            $files = [System.IO.Directory]::GetFiles($full, '*.Tests.ps1', [System.IO.SearchOption]::AllDirectories)
            [Array]::Sort($files, [StringComparer]::Ordinal)
            $files
        }
        else {
            # A missing file still makes a container, which then fails: a mistyped path is not a pass.
            $full
        }
    }

    function New-PesterContainer {
        [CmdletBinding(DefaultParameterSetName = 'Path')]
        param (
            [Parameter(Mandatory, ParameterSetName = 'Path')] [string[]] $Path,
            [Parameter(Mandatory, ParameterSetName = 'ScriptBlock')] [scriptblock[]] $ScriptBlock,
            [System.Collections.IDictionary[]] $Data
        )
        foreach ($d in @($Data)) {
            if ('ScriptBlock' -eq $PSCmdlet.ParameterSetName) {
                foreach ($sb in $ScriptBlock) {
                    [pscustomobject]@{ PSTypeName = 'PesterRunner.ContainerInfo'; Type = 'ScriptBlock'; Item = $sb; Data = $d }
                }
            }
            else {
                foreach ($p in $Path) {
                    foreach ($file in Resolve-RunnerTestFile $p) {
                        [pscustomobject]@{ PSTypeName = 'PesterRunner.ContainerInfo'; Type = 'File'; Item = [System.IO.FileInfo]::new($file); Data = $d }
                    }
                }
            }
        }
    }

    function Invoke-Pester {
        [CmdletBinding()]
        param (
            [Parameter(Position = 0)] [string[]] $Path,
            [object[]] $Container,
            [ValidateSet('None', 'Minimal', 'Normal', 'Detailed', 'Diagnostic')] [string] $Output = 'Normal',
            [switch] $PassThru
        )
        if (-not $Path -and -not $Container) { $Path = @('.') }
        $infos = [System.Collections.Generic.List[object]]::new()
        foreach ($p in @($Path)) {
            if ($p) { foreach ($info in New-PesterContainer -Path $p) { $infos.Add($info) } }
        }
        foreach ($c in @($Container)) { if ($null -ne $c) { $infos.Add($c) } }

        $run = New-RunnerRun
        $previous = $script:State
        $script:State = [pscustomobject]@{ Run = $run; Discovery = $false; CurrentBlock = $null; Output = $Output }
        $watch = [System.Diagnostics.Stopwatch]::StartNew()
        try {
            foreach ($info in $infos) { Invoke-RunnerContainer $info }
            $run.Executed = $true
            $run.Duration = $watch.Elapsed
            $run.TotalCount = $run.Tests.Count
            $run.PassedCount = $run.Passed.Count
            $run.FailedCount = $run.Failed.Count
            $run.SkippedCount = $run.Skipped.Count
            $run.NotRunCount = $run.NotRun.Count
            $run.FailedBlocksCount = $run.FailedBlocks.Count
            $run.FailedContainersCount = $run.FailedContainers.Count
            $run.Result = if (0 -lt $run.FailedCount + $run.FailedBlocksCount + $run.FailedContainersCount) { 'Failed' } else { 'Passed' }
            Write-RunnerLine ('Tests completed in {0:0.##}s' -f $run.Duration.TotalSeconds)
            Write-RunnerLine "Tests Passed: $($run.PassedCount), Failed: $($run.FailedCount), Skipped: $($run.SkippedCount), NotRun: $($run.NotRunCount)"
            if ($run.FailedBlocksCount) { Write-RunnerLine "BeforeAll/AfterAll failed: $($run.FailedBlocksCount)" }
            if ($run.FailedContainersCount) { Write-RunnerLine "Containers failed: $($run.FailedContainersCount)" }
        }
        finally {
            $script:State = $previous
        }
        if ($PassThru) { $run }
    }

    #endregion

    #region Should

    function Format-Because ([string] $Because) {
        $text = $Because.Trim()
        if ([string]::IsNullOrEmpty($text)) { return '' }
        " because $($text -replace 'because\s'),"
    }

    function Test-Collection ($Value) {
        -not ($null -eq $Value -or $Value -is [string] -or $Value -is [ValueType] -or $Value -is [System.Collections.IDictionary]) -and
            $Value -is [System.Collections.IEnumerable]
    }

    # Pester's Format-Nicely: how values appear in failure messages.
    function Format-Nicely ($Value) {
        if ($null -eq $Value) { return '$null' }
        if ($Value -is [bool]) { return '$' + $Value.ToString().ToLowerInvariant() }
        if ($Value -is [string]) { if ('' -eq $Value) { return '<empty>' } return "'$Value'" }
        if ($Value -is [datetime]) { return $Value.ToString('o') }
        if ($Value -is [type]) { return '[' + [string]$Value + ']' }
        if ($Value -is [scriptblock]) { return '{' + $Value + '}' }
        if ($Value -is [ValueType] -or $Value -is [System.Collections.IDictionary]) { return [string]$Value }
        if (Test-Collection $Value) {
            $items = @($Value)
            $shown = @(for ($i = 0; $i -lt [Math]::Min($items.Count, 10); $i++) { Format-Nicely $items[$i] })
            return '@(' + ($shown -join ', ') + $(if ($items.Count -gt 10) { ", ...$($items.Count - 10) more" }) + ')'
        }
        [string]$Value
    }

    function Join-And ($Items) {
        $Items = @($Items)
        if ($Items.Count -lt 2) { return $Items -join ', ' }
        ($Items[0..($Items.Count - 2)] -join ', ') + ' and ' + $Items[-1]
    }

    function Test-NullOrEmptyArray ([object[]] $Array) {
        $null -eq $Array -or 0 -eq $Array.Count -or (1 -eq $Array.Count -and $null -eq $Array[0])
    }

    # Pester's ArraysAreEqual: element by element, nested arrays recursively, the expected value on the left of -eq.
    function Test-ArraysEqual ([object[]] $Actual, [object[]] $Expected, [bool] $CaseSensitive, [int] $Depth = 0) {
        if (++$Depth -gt 100) { throw 'Reached the recursion depth limit of 100 when comparing arrays. Is one of them cyclic?' }
        $actualEmpty = Test-NullOrEmptyArray @($Actual)
        $expectedEmpty = Test-NullOrEmptyArray @($Expected)
        if ($actualEmpty -or $expectedEmpty) { return $actualEmpty -and $expectedEmpty }
        if ($Actual.Count -ne $Expected.Count) { return $false }
        for ($i = 0; $i -lt $Actual.Count; $i++) {
            $a = $Actual[$i]
            $e = $Expected[$i]
            if ($a -is [array] -or $e -is [array]) {
                if (-not (Test-ArraysEqual $a $e $CaseSensitive $Depth)) { return $false }
            }
            elseif ($CaseSensitive) {
                if (-not ($e -ceq $a)) { return $false }
            }
            elseif (-not ($e -eq $a)) { return $false }
        }
        $true
    }

    function ConvertTo-VisibleText ([string] $Text) {
        $Text.Replace("`r", '\r').Replace("`n", '\n').Replace("`t", '\t').Replace("`0", '\0')
    }

    function Get-CompareStringMessage ([string] $Expected, [string] $Actual, [bool] $CaseSensitive, [string] $Because) {
        $max = [Math]::Max($Expected.Length, $Actual.Length)
        $index = $null
        for ($i = 0; $i -lt $max -and $null -eq $index; $i++) {
            $e = if ($i -lt $Expected.Length) { [string]$Expected[$i] }
            $a = if ($i -lt $Actual.Length) { [string]$Actual[$i] }
            if (($CaseSensitive -and $e -cne $a) -or (-not $CaseSensitive -and $e -ne $a)) { $index = $i }
        }
        if ($null -eq $index) { $index = 0 }
        "Expected strings to be the same,$(Format-Because $Because) but they were different."
        if ($Expected.Length -ne $Actual.Length) {
            "Expected length: $($Expected.Length)"
            "Actual length:   $($Actual.Length)"
        }
        else {
            "String lengths are both $($Expected.Length)."
        }
        "Strings differ at index $index."
        "Expected: '{0}'" -f (ConvertTo-VisibleText $Expected)
        "But was:  '{0}'" -f (ConvertTo-VisibleText $Actual)
        (' ' * 11) + ('-' * $index) + '^'
    }

    function Get-ExceptionLineInfo ($Info) {
        if ($null -eq $Info) { return '' }
        $lines = @(foreach ($l in ([string]$Info.PositionMessage -split '\r?\n')) { if ($l -match '\S') { $l } })
        ($lines -join [Environment]::NewLine) -replace '^At ', 'from '
    }

    function Test-ShouldBe ($Actual, $Expected, [bool] $Negate, [string] $Because, [bool] $CaseSensitive) {
        $ok = Test-ArraysEqual $Actual $Expected $CaseSensitive
        if ($Negate) { $ok = -not $ok }
        if ($ok) { return }
        $exactly = if ($CaseSensitive) { 'exactly ' } else { '' }
        if ($Negate) {
            return "Expected $(Format-Nicely $Expected) to be different from the actual value,$(Format-Because $Because) but got ${exactly}the same value."
        }
        $a = $($Actual)
        $e = $($Expected)
        if ($e -is [string] -and $a -is [string]) {
            return (Get-CompareStringMessage $e $a $CaseSensitive $Because) -join "`n"
        }
        "Expected $exactly$(Format-Nicely $e),$(Format-Because $Because) but got $(Format-Nicely $a)."
    }

    function Test-ShouldBeNullOrEmpty ([object[]] $Actual, [bool] $Negate, [string] $Because) {
        $ok = if ($null -eq $Actual -or 0 -eq $Actual.Count) { $true }
        elseif (1 -eq $Actual.Count) {
            if ($Actual[0] -is [hashtable]) { 0 -eq $Actual[0].Count } else { [string]::IsNullOrEmpty($Actual[0]) }
        }
        else { $false }
        if ($Negate) { $ok = -not $ok }
        if ($ok) { return }
        if ($Negate) { return "Expected a value,$(Format-Because $Because) but got `$null or empty." }
        "Expected `$null or empty,$(Format-Because $Because) but got $(Format-Nicely $Actual)."
    }

    function Test-ShouldHaveCount ($Actual, [int] $Expected, [bool] $Negate, [string] $Because) {
        if ($Expected -lt 0) { throw [ArgumentException]'Expected collection size must be greater than or equal to 0.' }
        $count = if ($null -eq $Actual) { 0 } else { $Actual.Count }
        $ok = $count -eq $Expected
        if ($Negate) { $ok = -not $ok }
        if ($ok) { return }
        if ($Negate) {
            $expect = if (0 -eq $Expected) { 'Expected a non-empty collection' } else { "Expected a collection with size different from $(Format-Nicely $Expected)" }
            $but = if (0 -ne $count) { "but got collection with that size $(Format-Nicely $Actual)." } else { 'but got an empty collection.' }
        }
        else {
            $expect = if (0 -eq $Expected) { 'Expected an empty collection' } else { "Expected a collection with size $(Format-Nicely $Expected)" }
            $but = if (0 -ne $count) { "but got collection with size $(Format-Nicely $count) $(Format-Nicely $Actual)." } else { 'but got an empty collection.' }
        }
        "$expect,$(Format-Because $Because) $but"
    }

    function Test-ShouldBeOfType ($Actual, $ExpectedType, [bool] $Negate, [string] $Because) {
        if ($ExpectedType -is [string]) {
            $parsed = ($ExpectedType -replace '^\[(.*)\]$', '$1') -as [type]
            if ($null -eq $parsed) { throw [ArgumentException]"Could not find type [$ExpectedType]. Make sure that the assembly that contains that type is loaded." }
            $ExpectedType = $parsed
        }
        $ok = $Actual -is $ExpectedType
        if ($Negate) { $ok = -not $ok }
        if ($ok) { return }
        $actualType = if ($null -ne $Actual) { $Actual.GetType() }
        $not = if ($Negate) { 'not ' } else { '' }
        "Expected the value to ${not}have type $(Format-Nicely $ExpectedType) or any of its subtypes,$(Format-Because $Because) but got $(Format-Nicely $Actual) with type $(Format-Nicely $actualType)."
    }

    function Test-ShouldThrow ($Actual, [string] $ExpectedMessage, [string] $ErrorId, [type] $ExceptionType, [bool] $Negate, [string] $Because) {
        if ($null -eq $Actual -or $Actual -isnot [scriptblock]) {
            throw [ArgumentException]"Input is missing or not a ScriptBlock. Input to '-Throw' and '-Not -Throw' must be enclosed in curly braces."
        }
        $thrown = $false
        $err = $null
        try {
            $null = & $Actual
        }
        catch {
            $thrown = $true
            $err = $_
        }
        $message = if ($thrown) { $err.Exception.Message } else { '' }
        $line = if ($thrown) { (Get-ExceptionLineInfo $err.InvocationInfo) -replace [regex]::Escape([Environment]::NewLine), "$([Environment]::NewLine)    " } else { '' }
        if ($Negate) {
            if (-not $thrown) { return @{} }
            return @{ Failure = "Expected no exception to be thrown,$(Format-Because $Because) but an exception `"$message`" was thrown $line." }
        }
        $filters = @()
        $buts = @()
        if ($null -ne $ExceptionType) {
            $filters += "type $(Format-Nicely $ExceptionType)"
            if ($thrown -and $err.Exception -isnot $ExceptionType) { $buts += "the exception type was $(Format-Nicely $err.Exception.GetType())" }
        }
        if (-not [string]::IsNullOrWhiteSpace($ExpectedMessage)) {
            $filters += "message like $(Format-Nicely ([System.Management.Automation.WildcardPattern]::Unescape($ExpectedMessage)))"
            if ($thrown -and -not ($message -like $ExpectedMessage)) { $buts += "the message was $(Format-Nicely $message)" }
        }
        if (-not [string]::IsNullOrWhiteSpace($ErrorId)) {
            $filters += "FullyQualifiedErrorId $(Format-Nicely $ErrorId)"
            if ($thrown -and -not ($err.FullyQualifiedErrorId -like $ErrorId)) { $buts += "the FullyQualifiedErrorId was $(Format-Nicely $err.FullyQualifiedErrorId)" }
        }
        if (-not $thrown) { $buts += 'no exception was thrown' }
        if (0 -eq $buts.Count) { return @{ Data = $err } }
        $filter = Join-And $filters
        @{ Failure = "Expected an exception$(if ($filter) { " with $filter" }) to be thrown,$(Format-Because $Because) but $(Join-And $buts). $line".Trim() }
    }

    # One operator on one value: the failure message, or nothing when the assertion holds.
    function Test-ShouldOperator ([string] $Operator, $Actual, [bool] $Negate, [hashtable] $Bound) {
        $because = [string]$Bound['Because']
        $expected = $Bound['ExpectedValue']
        switch ($Operator) {
            'Be' { return Test-ShouldBe $Actual $expected $Negate $because $false }
            'BeExactly' { return Test-ShouldBe $Actual $expected $Negate $because $true }
            'BeNullOrEmpty' { return Test-ShouldBeNullOrEmpty $Actual $Negate $because }
            'HaveCount' { return Test-ShouldHaveCount $Actual $expected $Negate $because }
            'BeOfType' { return Test-ShouldBeOfType $Actual $Bound['ExpectedType'] $Negate $because }
            { $_ -in 'BeTrue', 'BeFalse' } {
                # As Pester: -Not -BeTrue is -BeFalse and the other way round.
                $wantTrue = ('BeTrue' -eq $Operator) -ne $Negate
                if ([bool]$Actual -eq $wantTrue) { return }
                return "Expected `$$($wantTrue.ToString().ToLowerInvariant()),$(Format-Because $because) but got $(Format-Nicely $Actual)."
            }
            'Contain' {
                $ok = $Actual -contains $expected
                if ($Negate) { $ok = -not $ok }
                if ($ok) { return }
                $not = if ($Negate) { 'not ' } else { '' }
                $found = if ($Negate) { 'it was found' } else { 'it was not found' }
                return "Expected $(Format-Nicely $expected) to ${not}be found in collection $(Format-Nicely $Actual),$(Format-Because $because) but $found."
            }
            'BeIn' {
                $ok = $expected -contains $Actual
                if ($Negate) { $ok = -not $ok }
                if ($ok) { return }
                $not = if ($Negate) { 'not ' } else { '' }
                $found = if ($Negate) { 'it was found' } else { 'it was not found' }
                return "Expected collection $(Format-Nicely $expected) to ${not}contain $(Format-Nicely $Actual),$(Format-Because $because) but $found."
            }
            { $_ -in 'Match', 'MatchExactly' } {
                $pattern = $Bound['RegularExpression']
                $exact = 'MatchExactly' -eq $Operator
                $ok = if ($exact) { $Actual -cmatch $pattern } else { $Actual -match $pattern }
                if ($Negate) { $ok = -not $ok }
                if ($ok) { return }
                $how = if ($exact) { 'case sensitively ' } else { '' }
                $not = if ($Negate) { 'not ' } else { '' }
                $did = if ($Negate) { 'it did match' } else { 'it did not match' }
                return "Expected regular expression $(Format-Nicely $pattern) to $not${how}match $(Format-Nicely $Actual),$(Format-Because $because) but $did."
            }
            { $_ -in 'BeLike', 'BeLikeExactly' } {
                $exact = 'BeLikeExactly' -eq $Operator
                $ok = if ($exact) { $Actual -clike $expected } else { $Actual -like $expected }
                if ($Negate) { $ok = -not $ok }
                if ($ok) { return }
                $how = if ($exact) { 'case sensitive ' } else { '' }
                $not = if ($Negate) { 'not ' } else { '' }
                $did = if ($Negate) { 'it did match' } else { 'it did not match' }
                return "Expected ${how}like wildcard $(Format-Nicely $expected) to ${not}match $(Format-Nicely $Actual),$(Format-Because $because) but $did."
            }
            { $_ -in 'BeGreaterThan', 'BeLessThan', 'BeGreaterOrEqual', 'BeLessOrEqual' } {
                # As Pester: -Not turns each comparison into its complement (not greater than = less or equal).
                $op = $Operator
                if ($Negate) {
                    $op = @{ BeGreaterThan = 'BeLessOrEqual'; BeLessOrEqual = 'BeGreaterThan'; BeLessThan = 'BeGreaterOrEqual'; BeGreaterOrEqual = 'BeLessThan' }[$op]
                }
                $ok = switch ($op) {
                    'BeGreaterThan' { $Actual -gt $expected }
                    'BeLessThan' { $Actual -lt $expected }
                    'BeGreaterOrEqual' { $Actual -ge $expected }
                    'BeLessOrEqual' { $Actual -le $expected }
                }
                if ($ok) { return }
                $words = @{ BeGreaterThan = 'greater than'; BeLessThan = 'less than'; BeGreaterOrEqual = 'greater than or equal to'; BeLessOrEqual = 'less than or equal to' }[$op]
                return "Expected the actual value to be $words $(Format-Nicely $expected),$(Format-Because $because) but got $(Format-Nicely $Actual)."
            }
        }
        throw "Should operator '$Operator' is not supported by this runner."
    }

    function Should {
        [CmdletBinding()]
        param (
            [Parameter(ValueFromPipeline)] [object] $ActualValue,
            [switch] $Not,

            [Parameter(Mandatory, ParameterSetName = 'Be')] [Alias('EQ')] [switch] $Be,
            [Parameter(Mandatory, ParameterSetName = 'BeExactly')] [Alias('CEQ')] [switch] $BeExactly,
            [Parameter(Mandatory, ParameterSetName = 'BeTrue')] [switch] $BeTrue,
            [Parameter(Mandatory, ParameterSetName = 'BeFalse')] [switch] $BeFalse,
            [Parameter(Mandatory, ParameterSetName = 'BeNullOrEmpty')] [switch] $BeNullOrEmpty,
            [Parameter(Mandatory, ParameterSetName = 'Contain')] [switch] $Contain,
            [Parameter(Mandatory, ParameterSetName = 'BeIn')] [switch] $BeIn,
            [Parameter(Mandatory, ParameterSetName = 'Match')] [switch] $Match,
            [Parameter(Mandatory, ParameterSetName = 'MatchExactly')] [Alias('CMATCH')] [switch] $MatchExactly,
            [Parameter(Mandatory, ParameterSetName = 'BeLike')] [switch] $BeLike,
            [Parameter(Mandatory, ParameterSetName = 'BeLikeExactly')] [switch] $BeLikeExactly,
            [Parameter(Mandatory, ParameterSetName = 'BeGreaterThan')] [Alias('GT')] [switch] $BeGreaterThan,
            [Parameter(Mandatory, ParameterSetName = 'BeLessThan')] [Alias('LT')] [switch] $BeLessThan,
            [Parameter(Mandatory, ParameterSetName = 'BeGreaterOrEqual')] [Alias('GE')] [switch] $BeGreaterOrEqual,
            [Parameter(Mandatory, ParameterSetName = 'BeLessOrEqual')] [Alias('LE')] [switch] $BeLessOrEqual,
            [Parameter(Mandatory, ParameterSetName = 'HaveCount')] [switch] $HaveCount,
            [Parameter(Mandatory, ParameterSetName = 'BeOfType')] [Alias('HaveType')] [switch] $BeOfType,
            [Parameter(Mandatory, ParameterSetName = 'Throw')] [switch] $Throw,

            [Parameter(ParameterSetName = 'Be', Position = 0)]
            [Parameter(ParameterSetName = 'BeExactly', Position = 0)]
            [Parameter(ParameterSetName = 'Contain', Position = 0)]
            [Parameter(ParameterSetName = 'BeIn', Position = 0)]
            [Parameter(ParameterSetName = 'BeLike', Position = 0)]
            [Parameter(ParameterSetName = 'BeLikeExactly', Position = 0)]
            [Parameter(ParameterSetName = 'BeGreaterThan', Position = 0)]
            [Parameter(ParameterSetName = 'BeLessThan', Position = 0)]
            [Parameter(ParameterSetName = 'BeGreaterOrEqual', Position = 0)]
            [Parameter(ParameterSetName = 'BeLessOrEqual', Position = 0)]
            [Parameter(ParameterSetName = 'HaveCount', Position = 0)]
            $ExpectedValue,

            [Parameter(ParameterSetName = 'Match', Position = 0)]
            [Parameter(ParameterSetName = 'MatchExactly', Position = 0)]
            $RegularExpression,

            [Parameter(ParameterSetName = 'BeOfType', Position = 0)]
            $ExpectedType,

            [Parameter(ParameterSetName = 'Throw', Position = 0)] [string] $ExpectedMessage,
            [Parameter(ParameterSetName = 'Throw', Position = 1)] [string] $ErrorId,
            [Parameter(ParameterSetName = 'Throw', Position = 2)] [type] $ExceptionType,
            [Parameter(ParameterSetName = 'Throw')] [switch] $PassThru,

            # Positions as Pester gives them: after the operator's own parameters.
            [Parameter(ParameterSetName = 'BeTrue', Position = 0)]
            [Parameter(ParameterSetName = 'BeFalse', Position = 0)]
            [Parameter(ParameterSetName = 'BeNullOrEmpty', Position = 0)]
            [Parameter(ParameterSetName = 'Be', Position = 1)]
            [Parameter(ParameterSetName = 'BeExactly', Position = 1)]
            [Parameter(ParameterSetName = 'Contain', Position = 1)]
            [Parameter(ParameterSetName = 'BeIn', Position = 1)]
            [Parameter(ParameterSetName = 'Match', Position = 1)]
            [Parameter(ParameterSetName = 'MatchExactly', Position = 1)]
            [Parameter(ParameterSetName = 'BeLike', Position = 1)]
            [Parameter(ParameterSetName = 'BeLikeExactly', Position = 1)]
            [Parameter(ParameterSetName = 'BeGreaterThan', Position = 1)]
            [Parameter(ParameterSetName = 'BeLessThan', Position = 1)]
            [Parameter(ParameterSetName = 'BeGreaterOrEqual', Position = 1)]
            [Parameter(ParameterSetName = 'BeLessOrEqual', Position = 1)]
            [Parameter(ParameterSetName = 'HaveCount', Position = 1)]
            [Parameter(ParameterSetName = 'BeOfType', Position = 1)]
            [Parameter(ParameterSetName = 'Throw', Position = 3)]
            [string] $Because
        )
        begin {
            $inputs = [System.Collections.Generic.List[object]]::new()
        }
        process {
            $inputs.Add($ActualValue)
        }
        end {
            $operator = $PSCmdlet.ParameterSetName
            $bound = @{}
            foreach ($key in $PSBoundParameters.Keys) { $bound[$key] = $PSBoundParameters[$key] }
            # As Pester: these operators take the whole input as one array; the others test each object.
            $values = [System.Collections.Generic.List[object]]::new()
            if (0 -eq $inputs.Count) { $values.Add($null) }
            elseif ($operator -in 'Be', 'BeExactly', 'BeNullOrEmpty', 'Contain', 'HaveCount') { $values.Add($inputs.ToArray()) }
            else { $values.AddRange($inputs) }

            foreach ($value in $values) {
                if ('Throw' -eq $operator) {
                    $outcome = Test-ShouldThrow $value $ExpectedMessage $ErrorId $ExceptionType $Not.IsPresent $Because
                    $failure = $outcome.Failure
                    if (-not $failure -and $PassThru) { $outcome.Data }
                }
                else {
                    $failure = Test-ShouldOperator $operator $value $Not.IsPresent $bound
                }
                if ($failure) {
                    $lineText = $MyInvocation.Line.TrimEnd([Environment]::NewLine.ToCharArray())
                    $target = @{ Message = $failure; File = $MyInvocation.ScriptName; Line = $MyInvocation.ScriptLineNumber; LineText = $lineText; Terminating = $true }
                    throw [System.Management.Automation.ErrorRecord]::new([Exception]::new($failure), 'PesterAssertionFailed', [System.Management.Automation.ErrorCategory]::InvalidResult, $target)
                }
            }
        }
    }

    #endregion

    Export-ModuleMember -Function Describe, Context, It, BeforeAll, AfterAll, BeforeEach, AfterEach, BeforeDiscovery, Should, New-PesterContainer, Invoke-Pester
} | Import-Module -Global -Force
