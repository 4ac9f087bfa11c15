namespace ConntrackTools.Tests;

/// <summary>
/// Traffic for the helper parity tests, recorded on A (see <see cref="ParityScenarios.Record"/>):
/// A is the client and assigns the helper in its output chain as seed 000 builds it, so its
/// conntrack sees the control connection leave and the expected connection arrive or leave.
/// </summary>
public static class HelperScenarios
{
    /// <summary>The engine rule equivalent to the ftp ruleset <see cref="FtpTransfer"/> loads.</summary>
    public const string FtpRule = "tcp dport 21 ct helper set ftp";

    /// <summary>The nft ct helper object and the rule that assigns it to A's FTP control connections.</summary>
    public static void AssignFtpHelper(TestNetwork net) =>
        TestNetwork.Nft(net.A,
            "table inet cthelper_ftp {\n" +
            "  ct helper ftp-standard { type \"ftp\" protocol tcp; }\n" +
            "  chain out { type filter hook output priority filter; tcp dport 21 ct helper set \"ftp-standard\"; }\n" +
            "}\n");

    /// <summary>
    /// curl in A downloads data.bin from vsftpd in B: "pasv" (227), "epsv" (229), "port" (PORT) or
    /// "eprt" (EPRT). The helper expects the data connection; curl then opens it (or B does, active).
    /// </summary>
    public static void FtpTransfer(TestNetwork net, bool ipv6, string mode)
    {
        AssignFtpHelper(net);
        var dir = FtpScenario.StartVsftpd(net, ipv6);
        try
        {
            var server = ipv6 ? $"[{net.B6}]" : net.B4;
            string[] options = mode switch
            {
                "pasv" => ["--disable-epsv"],
                "epsv" => [],
                "port" => ["--ftp-port", "-", "--disable-eprt"], // "-": the control connection's address
                "eprt" => ["--ftp-port", "-"],
                _ => throw new ArgumentOutOfRangeException(nameof(mode), mode, "pasv, epsv, port or eprt"),
            };
            TestNetwork.Exec(net.A, ["curl", "-sS", "-g", "--max-time", "10", "-o", "/dev/null", .. options, $"ftp://{server}/data.bin"]);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    /// <summary>The engine rule equivalent to the tftp ruleset <see cref="TftpTransfer"/> loads.</summary>
    public const string TftpRule = "udp dport 69 ct helper set tftp";

    /// <summary>
    /// curl in A reads a file from tftpd-hpa in B: the read request goes to port 69, the server
    /// answers from a port of its own, which the tftp helper's expectation makes RELATED.
    /// </summary>
    public static void TftpTransfer(TestNetwork net, bool ipv6)
    {
        TestNetwork.Nft(net.A,
            "table inet cthelper_tftp {\n" +
            "  ct helper tftp-standard { type \"tftp\" protocol udp; }\n" +
            "  chain out { type filter hook output priority filter; udp dport 69 ct helper set \"tftp-standard\"; }\n" +
            "}\n");
        var dir = Directory.CreateTempSubdirectory("cttftp").FullName;
        try
        {
            File.WriteAllBytes(Path.Combine(dir, "data.bin"), new byte[3000]); // six blocks
            Shell.Check("chmod", "a+rX", dir, Path.Combine(dir, "data.bin"));
            var address = ipv6 ? $"[{net.B6}]" : net.B4;
            net.StartBackground(net.B, "/usr/sbin/in.tftpd", "--foreground", "--secure", "--user", "root", "--address", $"{address}:69", dir);
            TestNetwork.WaitForListener(net.B, 69, udp: true);
            TestNetwork.Exec(net.A, "curl", "-sS", "-g", "--max-time", "10", "-o", "/dev/null", $"tftp://{address}/data.bin");
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    /// <summary>Logs in to vsftpd in B and sends <paramref name="commands"/> on one control connection (replies are not checked).</summary>
    public static string FtpCommands(TestNetwork net, bool ipv6, params string[] commands)
    {
        AssignFtpHelper(net);
        var dir = FtpScenario.StartVsftpd(net, ipv6);
        try
        {
            return TestNetwork.Exec(net.A, ["python3", TestNetwork.TrafficScript, "ftp-commands", ipv6 ? net.B6 : net.B4, .. commands]);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
