using System.Diagnostics;

namespace ConntrackTools.Tests;

/// <summary>
/// vsftpd in namespace B with an nft `ct helper` assigned to port 21 as seed 000 builds it, and a
/// client in A that logs in, asks for a passive data port (PASV or EPSV) and holds the control
/// connection open, so the ftp helper's expectation is alive while the test reads it.
/// </summary>
public sealed class FtpScenario : IDisposable
{
    private readonly string _dir;
    private readonly Process _client;

    /// <param name="assignHelper">False when the test assigns the helper itself (New-CtHelper).</param>
    public FtpScenario(TestNetwork net, bool ipv6, string command, bool assignHelper = true)
    {
        Net = net;
        Server = ipv6 ? net.B6 : net.B4;
        if (assignHelper) TestNetwork.Nft(net.B,
            "table inet fw {\n" +
            "  ct helper ftp-standard { type \"ftp\" protocol tcp; }\n" +
            "  chain pre { type filter hook prerouting priority filter; tcp dport 21 ct helper set \"ftp-standard\"; }\n" +
            "}\n");
        _dir = StartVsftpd(net, ipv6);
        var psi = new ProcessStartInfo("ip", ["netns", "exec", net.A, "python3", TestNetwork.TrafficScript, "ftp-hold", Server, command])
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        _client = Process.Start(psi)!;
        Reply = _client.StandardOutput.ReadLine() ?? "";
        if (!Reply.StartsWith("ready", StringComparison.Ordinal))
            throw new InvalidOperationException($"FTP client: {Reply} {_client.StandardError.ReadToEnd()}");
    }

    /// <summary>
    /// vsftpd in B on port 21 (IPv4 or IPv6), anonymous and read-only, passive ports 50000-50100,
    /// serving a directory that holds data.bin (<paramref name="fileBytes"/> bytes); returns the directory.
    /// </summary>
    public static string StartVsftpd(TestNetwork net, bool ipv6, int fileBytes = 64 * 1024)
    {
        var dir = Directory.CreateTempSubdirectory("ctftp").FullName;
        File.WriteAllBytes(Path.Combine(dir, "data.bin"), new byte[fileBytes]);
        Shell.Check("chmod", "a+rX", dir, Path.Combine(dir, "data.bin")); // vsftpd's anonymous user reads them
        Directory.CreateDirectory("/var/run/vsftpd/empty");
        var listen = ipv6 ? $"listen=NO\nlisten_ipv6=YES\nlisten_address6={net.B6}\n" : $"listen=YES\nlisten_ipv6=NO\nlisten_address={net.B4}\n";
        var conf = Path.Combine(dir, "vsftpd.conf");
        File.WriteAllText(conf, listen +
            "anonymous_enable=YES\nlocal_enable=NO\nwrite_enable=NO\nanon_root=" + dir + "\n" +
            "pasv_enable=YES\npasv_min_port=50000\npasv_max_port=50100\nport_enable=YES\nseccomp_sandbox=NO\nbackground=NO\n" +
            "secure_chroot_dir=/var/run/vsftpd/empty\nanon_world_readable_only=NO\n");
        net.StartBackground(net.B, "vsftpd", conf);
        TestNetwork.WaitForListener(net.B, 21);
        return dir;
    }

    public TestNetwork Net { get; }
    public string Server { get; }

    /// <summary>The server's answer to PASV/EPSV, e.g. "ready 227 Entering Passive Mode (...)".</summary>
    public string Reply { get; }

    public void Dispose()
    {
        try
        {
            _client.StandardInput.Close();
            if (!_client.WaitForExit(5000)) _client.Kill(entireProcessTree: true);
        }
        catch (InvalidOperationException) { }
        _client.Dispose();
        Directory.Delete(_dir, recursive: true);
    }
}
