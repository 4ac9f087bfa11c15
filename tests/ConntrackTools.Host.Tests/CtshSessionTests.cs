using System.Management.Automation;
using Xunit;

namespace ConntrackTools.Host.Tests;

/// <summary>The reusable pieces: a capturing CtshHost and a CtshSession, as other test projects use them.</summary>
public sealed class CtshSessionTests(FakeModule module) : IClassFixture<FakeModule>
{
    [Fact]
    public void Host_width_is_the_buffer_width_the_formatter_sees()
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        using var session = new CtshSession(new CtshHost(output, error, 40), module.Manifest);

        int code = session.InvokeScript("$Host.UI.RawUI.BufferSize.Width; $Host.Name");

        Assert.Equal(0, code);
        Assert.Equal("40\nctsh\n", output.ToString().ReplaceLineEndings("\n"));
    }

    [Fact]
    public void Session_keeps_state_between_scripts()
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        using var session = new CtshSession(new CtshHost(output, error, 120), module.Manifest);

        session.InvokeScript("$kept = 'remembered'");
        session.InvokeScript("$kept");

        Assert.Equal("remembered", output.ToString().Trim());
    }

    [Fact]
    public void Stop_ends_a_running_pipeline_with_130()
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        using var session = new CtshSession(new CtshHost(output, error, 120), module.Manifest);
        using var timer = new Timer(_ => session.Stop(), null, TimeSpan.FromMilliseconds(500), Timeout.InfiniteTimeSpan);

        var watch = System.Diagnostics.Stopwatch.StartNew();
        int code = session.InvokeScript("while ($true) { }");

        Assert.Equal(CtshSession.StoppedExitCode, code);
        Assert.True(session.Stopped);
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(30));
    }

    [Fact]
    public void Host_without_input_refuses_prompts()
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var host = new CtshHost(output, error, 120);

        Assert.Throws<PSInvalidOperationException>(() => host.UI.ReadLine());
    }

    [Fact]
    public void ErrorFormatter_uses_the_command_name_and_the_message()
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        using var session = new CtshSession(new CtshHost(output, error, 120), module.Manifest);
        using var ps = PowerShell.Create();
        ps.Runspace = session.Runspace;
        ps.AddCommand("Invoke-FakeError");
        ps.Invoke();

        Assert.Equal("Invoke-FakeError: fake failure", ErrorFormatter.Format(Assert.Single(ps.Streams.Error)));
    }
}
