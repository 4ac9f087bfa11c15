namespace ConntrackTools.Host.Tests;

/// <summary>
/// A throw-away module in a temp folder (manifest, script module, format view), so the host's tests
/// do not depend on the real module being built.
/// </summary>
public sealed class FakeModule : IDisposable
{
    public FakeModule()
    {
        Root = Directory.CreateTempSubdirectory("ctsh-tests-").FullName;
        Folder = Path.Combine(Root, "FakeCt");
        Directory.CreateDirectory(Folder);
        Manifest = Path.Combine(Folder, "FakeCt.psd1");
        File.WriteAllText(Manifest, """
            @{
                RootModule = 'FakeCt.psm1'
                ModuleVersion = '1.0.0'
                GUID = '3f0f6a57-2f7c-4d3e-9a55-3d2f1a0c1b11'
                FunctionsToExport = '*'
                FormatsToProcess = @('FakeCt.Format.ps1xml')
            }
            """);

        // The package's engine has no Write-Error / Write-Warning (Microsoft.PowerShell.Utility), so
        // the functions use $PSCmdlet as a compiled cmdlet would.
        File.WriteAllText(Path.Combine(Folder, "FakeCt.psm1"), """
            function Get-FakeThing {
                [CmdletBinding()]
                param([string]$Name = 'thing', [int]$Count = 1)
                1..$Count | ForEach-Object { [pscustomobject]@{ PSTypeName = 'FakeCt.Thing'; Name = "$Name$_"; Value = 42 } }
            }
            function Invoke-FakeError {
                [CmdletBinding()]
                param()
                $PSCmdlet.WriteError([System.Management.Automation.ErrorRecord]::new(
                    [System.InvalidOperationException]::new('fake failure'), 'FakeFailure', 'InvalidOperation', $null))
                'after the error'
            }
            function Invoke-FakeWarning {
                [CmdletBinding()]
                param()
                $PSCmdlet.WriteWarning('careful now')
                'after the warning'
            }
            function Remove-FakeThing {
                [CmdletBinding(SupportsShouldProcess, ConfirmImpact = 'High')]
                param([string]$Name = 'thing')
                if ($PSCmdlet.ShouldProcess($Name, 'Remove')) { "removed $Name" }
            }
            """);

        File.WriteAllText(Path.Combine(Folder, "FakeCt.Format.ps1xml"), """
            <?xml version="1.0" encoding="utf-8"?>
            <Configuration>
              <ViewDefinitions>
                <View>
                  <Name>FakeCt.Thing</Name>
                  <ViewSelectedBy><TypeName>FakeCt.Thing</TypeName></ViewSelectedBy>
                  <TableControl>
                    <TableHeaders>
                      <TableColumnHeader><Label>THING-NAME</Label><Width>12</Width></TableColumnHeader>
                      <TableColumnHeader><Label>VAL</Label></TableColumnHeader>
                    </TableHeaders>
                    <TableRowEntries>
                      <TableRowEntry>
                        <TableColumnItems>
                          <TableColumnItem><PropertyName>Name</PropertyName></TableColumnItem>
                          <TableColumnItem><PropertyName>Value</PropertyName></TableColumnItem>
                        </TableColumnItems>
                      </TableRowEntry>
                    </TableRowEntries>
                  </TableControl>
                </View>
              </ViewDefinitions>
            </Configuration>
            """);
    }

    /// <summary>The temp folder holding the module folder (and scripts the tests write).</summary>
    public string Root { get; }

    /// <summary>The module folder, FakeCt/.</summary>
    public string Folder { get; }

    /// <summary>FakeCt/FakeCt.psd1.</summary>
    public string Manifest { get; }

    /// <summary>Writes a file under <see cref="Root"/> and returns its path.</summary>
    public string WriteFile(string name, string content)
    {
        string path = Path.Combine(Root, name);
        File.WriteAllText(path, content);
        return path;
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(Root, recursive: true);
        }
        catch (IOException)
        {
            // A temp folder left behind is harmless.
        }
    }
}
