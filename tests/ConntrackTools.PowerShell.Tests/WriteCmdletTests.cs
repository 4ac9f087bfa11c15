using System.Management.Automation;
using Xunit;

namespace ConntrackTools.Tests;

/// <summary>The write and watch cmdlets as PowerShell runs them: binding, pipelines, ShouldProcess, errors, views.</summary>
public class WriteCmdletTests
{
    private static string Count(string netns) => TestNetwork.Exec(netns, "conntrack", "-C").Trim();

    [KernelFact("conntrack")]
    public void New_Set_Remove_round_trip_through_the_pipeline_and_conntrack_sees_it()
    {
        using var net = new TestNetwork("pw");
        using var ps = new PsSession();
        var created = ps.Objects($"New-CtConnection -Netns {net.A} tcp -Source 10.7.0.1 -Destination 10.7.0.2 -Sport 1000 -Dport 80 -State Established -Timeout 300 -Mark 0x10 -Zone 3");
        var ct = Assert.IsType<CtConnection>(Assert.Single(created).BaseObject);
        Assert.Equal((CtState.Established, 0x10u, (ushort)3, $"kernel:{net.A}"), (ct.State, ct.Mark, ct.Zone, ct.Backend));
        Assert.NotEqual(0u, ct.Id);
        Assert.Contains("ESTABLISHED src=10.7.0.1 dst=10.7.0.2 sport=1000 dport=80", TestNetwork.Exec(net.A, "conntrack", "-L"));

        // Piped objects act in the namespace they came from, without -NetworkNamespace again.
        var updated = ps.Objects($"Get-CtConnection -Netns {net.A} -Zone 3 | Set-CtConnection -Mark 0x0f00 -MarkMask 0xff00 -Timeout 77 -PassThru");
        var u = Assert.IsType<CtConnection>(Assert.Single(updated).BaseObject);
        Assert.Equal(0x0f10u, u.Mark);
        Assert.InRange(u.Timeout!.Value, 70u, 77u);
        Assert.Contains("mark=3856", TestNetwork.Exec(net.A, "conntrack", "-L", "--zone", "3"));

        // Copy into another namespace, status bits and all (the kernel wants CONFIRMED with them).
        ps.Objects($"Get-CtConnection -Netns {net.A} | Set-CtConnection -Status Assured,SeenReply");
        ps.Objects($"Get-CtConnection -Netns {net.A} | New-CtConnection -Netns {net.B}");
        Assert.Contains("[ASSURED]", TestNetwork.Exec(net.B, "conntrack", "-L"));
        Assert.Contains("ESTABLISHED src=10.7.0.1 dst=10.7.0.2 sport=1000 dport=80", TestNetwork.Exec(net.B, "conntrack", "-L"));

        // -WhatIf changes nothing; then the real delete.
        ps.Objects($"Get-CtConnection -Netns {net.A} | Remove-CtConnection -WhatIf");
        Assert.Equal("1", Count(net.A));
        ps.Objects($"Get-CtConnection -Netns {net.A} | Remove-CtConnection");
        Assert.Equal("0", Count(net.A));
        Assert.Equal("1", Count(net.B));
    }

    [KernelFact("conntrack")]
    public void Per_item_failures_are_non_terminating_errors_with_the_kernels_reason()
    {
        using var net = new TestNetwork("pe");
        using var ps = new PsSession();
        var create = $"New-CtConnection -Netns {net.A} udp -Source 10.7.0.1 -Destination 10.7.0.2 -Sport 5 -Dport 53 -Timeout 100";
        ps.Objects(create);
        var (output, errors) = ps.Run($"{create}; 'after'");
        Assert.Equal("after", Assert.Single(output).BaseObject);
        var e = Assert.Single(errors);
        Assert.Equal("AlreadyExists,ConntrackTools.Commands.NewCtConnectionCommand", e.FullyQualifiedErrorId);
        Assert.Equal(ErrorCategory.ResourceExists, e.CategoryInfo.Category);

        // The second of two piped entries is already gone: one error, the first one is deleted.
        (output, errors) = ps.Run($"$c = Get-CtConnection -Netns {net.A}; $c | Remove-CtConnection; $c | Remove-CtConnection; 'went on'");
        Assert.Equal("went on", Assert.Single(output).BaseObject);
        e = Assert.Single(errors);
        Assert.Equal("NotFound,ConntrackTools.Commands.RemoveCtConnectionCommand", e.FullyQualifiedErrorId);
        Assert.Equal(ErrorCategory.ObjectNotFound, e.CategoryInfo.Category);
        Assert.Contains("does not exist", e.ToString());

        // SCTP: the kernel wants verification tags with a state; they default to 0 as conntrack's do.
        ps.Objects($"New-CtConnection -Netns {net.A} sctp -Source 10.7.0.1 -Destination 10.7.0.2 -Sport 5 -Dport 6 -State Established -Timeout 100");
        ps.Objects($"Get-CtConnection -Netns {net.A} -Protocol Sctp | Set-CtConnection -State ShutdownSent");
        Assert.Contains("SHUTDOWN_SENT", TestNetwork.Exec(net.A, "conntrack", "-L", "-p", "sctp"));
        ps.Objects($"Remove-CtConnection -Netns {net.A} -Protocol Sctp");

        // A helper the kernel does not have is named in the error.
        (_, errors) = ps.Run($"New-CtConnection -Netns {net.A} tcp -Source 10.7.0.1 -Destination 10.7.0.2 -Sport 1 -Dport 2 -State Established -Timeout 10 -Helper nosuch");
        Assert.Contains("nosuch", Assert.Single(errors).ToString());

        // Missing fields are caught before the kernel, with conntrack's requirements in the message.
        (_, errors) = ps.Run($"New-CtConnection -Netns {net.A} tcp -Source 10.7.0.1 -Destination 10.7.0.2 -Sport 1 -Dport 2 -Timeout 10");
        Assert.Equal("InvalidConnection,ConntrackTools.Commands.NewCtConnectionCommand", Assert.Single(errors).FullyQualifiedErrorId);
        Assert.Contains("-State", errors[0].ToString());

        // The kernel's refusal (EBUSY for EXPECTED) arrives as an ErrorRecord, not a crash.
        (_, errors) = ps.Run($"New-CtConnection -Netns {net.A} udp -Source 10.7.0.1 -Destination 10.7.0.2 -Sport 1 -Dport 2 -Timeout 10 -Status Expected");
        Assert.Equal(ErrorCategory.ResourceBusy, Assert.Single(errors).CategoryInfo.Category);

        // Remove with no filter refuses rather than deleting everything; a filter with no match says so.
        ps.Objects(create);
        (_, errors) = ps.Run($"Remove-CtConnection -Netns {net.A}");
        Assert.Equal("FilterRequired,ConntrackTools.Commands.RemoveCtConnectionCommand", Assert.Single(errors).FullyQualifiedErrorId);
        (_, errors) = ps.Run($"Remove-CtConnection -Netns {net.A} -Dport 9999");
        Assert.Equal("NoMatch,ConntrackTools.Commands.RemoveCtConnectionCommand", Assert.Single(errors).FullyQualifiedErrorId);
        Assert.Equal("1", Count(net.A));
    }

    [KernelFact("conntrack")]
    public void Clear_asks_first_and_honours_its_filters()
    {
        using var net = new TestNetwork("pc");
        using var ps = new PsSession();
        ps.Objects($"New-CtConnection -Netns {net.A} udp -Source 10.7.0.1 -Destination 10.7.0.2 -Sport 5 -Dport 53 -Timeout 100 -Mark 1");
        ps.Objects($"New-CtConnection -Netns {net.A} udp -Source 10.7.0.1 -Destination 10.7.0.2 -Sport 6 -Dport 53 -Timeout 100 -Mark 2");
        ps.Objects($"New-CtConnection -Netns {net.A} udp -Source fd00::1 -Destination fd00::2 -Sport 6 -Dport 53 -Timeout 100");

        // ConfirmImpact High: with no interactive host to answer, the prompt fails rather than flushing.
        var (_, errors) = ps.Run($"Clear-CtConnection -Netns {net.A}");
        Assert.NotEmpty(errors);
        Assert.Equal("3", Count(net.A));
        ps.Objects($"Clear-CtConnection -Netns {net.A} -WhatIf");
        Assert.Equal("3", Count(net.A));

        ps.Objects($"Clear-CtConnection -Netns {net.A} -Family IPv6 -Confirm:$false");
        Assert.Equal("2", Count(net.A));
        ps.Objects($"Clear-CtConnection -Netns {net.A} -Mark 2 -Confirm:$false");
        Assert.Equal("1", Count(net.A));
        Assert.Contains("mark=1", TestNetwork.Exec(net.A, "conntrack", "-L"));
        ps.Objects($"Clear-CtConnection -Netns {net.A} -Confirm:$false");
        Assert.Equal("0", Count(net.A));
    }

    [KernelFact("conntrack")]
    public void Watch_writes_typed_events_stops_at_count_or_timeout_and_renders()
    {
        using var net = new TestNetwork("pv");
        using var ps = new PsSession();
        // Create and delete from a background job of the same runspace pool: a second runspace.
        var creator = Task.Run(async () =>
        {
            await Task.Delay(700);
            TestNetwork.Exec(net.A, "conntrack", "-I", "-s", "10.7.0.1", "-d", "10.7.0.2", "-p", "udp", "--sport", "1", "--dport", "53", "-t", "50");
            TestNetwork.Exec(net.A, "conntrack", "-I", "-s", "10.7.0.1", "-d", "10.7.0.2", "-p", "udp", "--sport", "2", "--dport", "54", "-t", "50");
            TestNetwork.Exec(net.A, "conntrack", "-D", "-p", "udp", "--sport", "1");
        });
        var events = ps.Objects($"Watch-CtConnection -Netns {net.A} -Dport 53 -Count 2 -Timeout 20");
        creator.Wait();
        Assert.Equal(2, events.Count);
        var first = Assert.IsType<CtEvent>(events[0].BaseObject);
        var second = Assert.IsType<CtEvent>(events[1].BaseObject);
        Assert.Equal((CtEventType.New, CtEventType.Destroy), (first.Type, second.Type));
        Assert.All(new[] { first, second }, e => Assert.Equal((ushort)53, e.Connection.DestinationPort));
        Assert.Equal($"kernel:{net.A}", first.Backend);
        Assert.True(Math.Abs((DateTimeOffset.UtcNow - first.Time).TotalSeconds) < 30);

        // -Timeout ends a quiet watch with nothing written.
        var sw = System.Diagnostics.Stopwatch.StartNew();
        Assert.Empty(ps.Objects($"Watch-CtConnection -Netns {net.A} -Timeout 1"));
        Assert.InRange(sw.Elapsed.TotalSeconds, 0.9, 10);

        // -EventType limits the groups joined.
        var destroyOnly = Task.Run(async () =>
        {
            await Task.Delay(700);
            TestNetwork.Exec(net.A, "conntrack", "-I", "-s", "10.7.0.1", "-d", "10.7.0.2", "-p", "udp", "--sport", "3", "--dport", "55", "-t", "50");
            TestNetwork.Exec(net.A, "conntrack", "-D", "-p", "udp", "--sport", "3");
        });
        events = ps.Objects($"Watch-CtConnection -Netns {net.A} -EventType Destroy -Count 1 -Timeout 20");
        destroyOnly.Wait();
        Assert.Equal(CtEventType.Destroy, Assert.IsType<CtEvent>(Assert.Single(events).BaseObject).Type);

        var text = ps.Render("$e = [ConntrackTools.CtEvent]::new(); $e.Type = 'New'; $e.Time = [datetimeoffset]::UtcNow; $e.Connection = [ConntrackTools.CtConnection]@{ Protocol = 'Udp'; Original = [ConntrackTools.CtTuple]@{ Source = '10.7.0.1'; Destination = '10.7.0.2'; SourcePort = 1; DestinationPort = 53 } }; $e");
        Assert.Contains("[NEW]", text);
        Assert.Contains("UNREPLIED", text);
        Assert.Contains("10.7.0.2", text);
    }

    [KernelFact("conntrack")]
    public void Watch_ends_cleanly_when_stopped()
    {
        using var net = new TestNetwork("ps");
        using var ps = new PsSession();
        var (_, errors) = ps.RunStopped($"Watch-CtConnection -Netns {net.A}", TimeSpan.FromSeconds(1));
        Assert.Empty(errors);
    }
}
