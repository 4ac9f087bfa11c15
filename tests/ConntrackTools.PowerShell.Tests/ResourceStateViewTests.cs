using System.Management.Automation;
using ConntrackTools.DesiredState;
using Xunit;

namespace ConntrackTools.Tests;

/// <summary>
/// Invoke-CtResource -Name CtHelperPolicy, CtNotrack and CtAntiSpoof in the real PowerShell engine,
/// in a namespace made for each test: the objects each method writes, and what Out-Default shows
/// of them through the module's views (CtHelperPolicyState, CtNotrackState, CtAntiSpoofState,
/// CtResourceTestResult, CtResourceSetResult).
/// </summary>
public class ResourceStateViewTests
{
    private sealed class Scratch : IDisposable
    {
        private static int _counter;

        public Scratch(bool veth = false)
        {
            Name = $"ctrv{Environment.ProcessId % 100000}x{Interlocked.Increment(ref _counter)}";
            Shell.Check("ip", "netns", "add", Name);
            if (veth) Shell.Check("ip", "-n", Name, "link", "add", "d0", "type", "veth", "peer", "name", "d1");
        }

        public string Name { get; }

        /// <summary>"@{ NetworkNamespace = 'NS'; ... }" with <paramref name="rest"/> (PowerShell syntax) after it.</summary>
        public string Props(string rest) => $"@{{ NetworkNamespace = '{Name}'; {rest} }}";

        public string Nft() => TestNetwork.Exec(Name, "nft", "list", "ruleset");

        public void Dispose() => Shell.Run("ip", ["netns", "del", Name]);
    }

    private static T One<T>(IEnumerable<PSObject> output) => Assert.IsType<T>(Assert.Single(output).BaseObject);

    private static void Row(string pattern, string text) =>
        Assert.True(System.Text.RegularExpressions.Regex.IsMatch(text, pattern, System.Text.RegularExpressions.RegexOptions.Multiline), $"no line matches /{pattern}/ in:\n{text}");

    private const string TestHeader = @"Resource\s+InDesiredState\s+Actual\s+Differs \(actual -> desired\)";
    private const string SetHeader = @"Resource\s+Result\s+After\s+Changes \(before -> after\)";

    [KernelFact("nft")]
    public void CtHelperPolicy_Get_Test_Set_and_Export_render_their_views()
    {
        using var s = new Scratch();
        using var ps = new PsSession(width: 250);
        var keys = s.Props("Name = 'ftp-std'");
        // One value where a list is meant, as PowerShell users write it.
        var want = s.Props("Name = 'ftp-std'; Type = 'ftp'; DestinationAddress = '192.0.2.10'; DestinationPort = 21");

        var absent = One<CtHelperPolicyState>(ps.Objects($"Invoke-CtResource -Name CtHelperPolicy -Method Get -Property {keys}"));
        Assert.Equal((CtEnsure.Absent, "inet", "conntrack"), (absent.Ensure, absent.Family, absent.Table));
        var text = ps.Render($"Invoke-CtResource CtHelperPolicy Get -Property {keys}");
        Row(@"^Ensure\s+Family\s+Table\s+Name\s+Type\s+Proto\s+Chain\s+Rules\s*$", text);
        Row(@"^Absent\s+inet\s+conntrack\s+ftp-std\s*$", text);
        Assert.DoesNotContain("(no rule)", text);

        var test = One<CtResourceTestResult>(ps.Objects($"Invoke-CtResource CtHelperPolicy Test -Property {want}"));
        Assert.Equal((false, "Ensure"), (test.InDesiredState, string.Join(",", test.DifferingProperties)));
        text = ps.Render($"Invoke-CtResource CtHelperPolicy Test -Property {want}");
        Row(TestHeader, text);
        Row(@"^CtHelperPolicy\s+False\s+inet conntrack ftp-std: Absent\s+Ensure: Absent -> Present\s*$", text);

        text = ps.Render($"Invoke-CtResource CtHelperPolicy Set -Property {want} -WhatIf");
        Assert.Contains($"What if: Performing the operation \"Set Ensure from Absent to Present\" on target \"CtHelperPolicy NetworkNamespace={s.Name}, Family=inet, Table=conntrack, Name=ftp-std\"", text);
        Row(@"^CtHelperPolicy\s+would change\s+inet conntrack ftp-std: Present\s+Ensure: Absent -> Present\s*$", text);
        Assert.DoesNotContain("ftp-std", s.Nft());

        var set = One<CtResourceSetResult>(ps.Objects($"Invoke-CtResource CtHelperPolicy Set -Property {want}"));
        Assert.Equal((true, false, "Ensure"), (set.Changed, set.WhatIf, string.Join(",", set.ChangedProperties)));
        Assert.Contains("ip daddr 192.0.2.10 tcp dport 21 ct helper set \"ftp-std\"", s.Nft());
        text = ps.Render($"Invoke-CtResource CtHelperPolicy Set -Property {want}");
        Row(SetHeader, text);
        Row(@"^CtHelperPolicy\s+unchanged\s+inet conntrack ftp-std: Present\s*$", text);

        text = ps.Render($"Invoke-CtResource CtHelperPolicy Get -Property {keys}");
        Row(@"^Present\s+inet\s+conntrack\s+ftp-std\s+ftp\s+tcp\s+helpers\s+ip daddr 192\.0\.2\.10 tcp dport 21 ct helper set ""ftp-std""\s*$", text);
        text = ps.Render($"Invoke-CtResource CtHelperPolicy Test -Property {want}");
        Row(@"^CtHelperPolicy\s+True\s+inet conntrack ftp-std: Present\s*$", text);

        var change = s.Props("Name = 'ftp-std'; Type = 'ftp'; DestinationAddress = '192.0.2.10'; DestinationPort = 21, 2121");
        text = ps.Render($"Invoke-CtResource CtHelperPolicy Test -Property {change}");
        Row(@"^CtHelperPolicy\s+False\s+inet conntrack ftp-std: Present\s+DestinationPort: 21 -> 21,2121\s*$", text);
        text = ps.Render($"Invoke-CtResource CtHelperPolicy Set -Property {change}");
        Row(@"^CtHelperPolicy\s+changed\s+inet conntrack ftp-std: Present\s+DestinationPort: 21 -> 21,2121\s*$", text);
        Assert.Contains("ip daddr 192.0.2.10 tcp dport { 21, 2121 } ct helper set \"ftp-std\"", s.Nft());

        ps.Objects($"Invoke-CtResource CtHelperPolicy Set -Property {s.Props("Family = 'ip'; Table = 'fw'; Name = 'tftp-boot'; Type = 'tftp'; AllowAnyDestination = $true")}");
        var all = ps.Objects($"Invoke-CtResource CtHelperPolicy Export -Property {s.Props("")}").Select(o => Assert.IsType<CtHelperPolicyState>(o.BaseObject)).ToList();
        Assert.Equal(["fw/tftp-boot", "conntrack/ftp-std"], all.Select(x => $"{x.Table}/{x.Name}").OrderByDescending(x => x, StringComparer.Ordinal));
        text = ps.Render($"Invoke-CtResource CtHelperPolicy Export -Property {s.Props("")}");
        Row(@"^Present\s+inet\s+conntrack\s+ftp-std\s+ftp\s+tcp\s+helpers\s+ip daddr 192\.0\.2\.10 tcp dport \{ 21, 2121 \} ct helper set ""ftp-std""\s*$", text);
        Row(@"^Present\s+ip\s+fw\s+tftp-boot\s+tftp\s+udp\s+helpers\s+udp dport 69 ct helper set ""tftp-boot""\s*$", text);

        // Exported states pipe into Test, each in the desired state.
        text = ps.Render($"Invoke-CtResource CtHelperPolicy Export -Property {s.Props("")} | Invoke-CtResource -Method Test");
        Row(@"^CtHelperPolicy\s+True\s+inet conntrack ftp-std: Present\s*$", text);
        Row(@"^CtHelperPolicy\s+True\s+ip fw tftp-boot: Present\s*$", text);

        text = ps.Render($"Invoke-CtResource CtHelperPolicy Set -Property {s.Props("Name = 'ftp-std'; Ensure = 'Absent'")}");
        Row(@"^CtHelperPolicy\s+changed\s+inet conntrack ftp-std: Absent\s+Ensure: Present -> Absent\s*$", text);
        Assert.DoesNotContain("ftp-std", s.Nft());
    }

    [KernelFact("nft")]
    public void CtNotrack_Get_Test_Set_and_Export_render_their_views()
    {
        using var s = new Scratch();
        using var ps = new PsSession(width: 250);
        var keys = s.Props("Name = 'dns'");
        var want = s.Props("Name = 'dns'; Protocol = 'udp'; DestinationAddress = '192.0.2.53'; DestinationPort = 53");

        Assert.Equal(CtEnsure.Absent, One<CtNotrackState>(ps.Objects($"Invoke-CtResource -Name CtNotrack -Method Get -Property {keys}")).Ensure);
        var text = ps.Render($"Invoke-CtResource CtNotrack Get -Property {keys}");
        Row(@"^Ensure\s+Family\s+Table\s+Name\s+Hook\s+Chain\s+Rule\s*$", text);
        Row(@"^Absent\s+inet\s+conntrack\s+dns\s*$", text);

        text = ps.Render($"Invoke-CtResource CtNotrack Test -Property {want}");
        Row(TestHeader, text);
        Row(@"^CtNotrack\s+False\s+inet conntrack dns: Absent\s+Ensure: Absent -> Present\s*$", text);

        var whatIf = One<CtResourceSetResult>(ps.Objects($"Invoke-CtResource CtNotrack Set -Property {want} -WhatIf"));
        Assert.Equal((true, true), (whatIf.WhatIf, whatIf.Changed));
        Assert.Equal("ip daddr 192.0.2.53 udp dport 53 notrack", ((CtNotrackState)whatIf.AfterState).Rule);
        Assert.Equal("", s.Nft().Trim());

        text = ps.Render($"Invoke-CtResource CtNotrack Set -Property {want}");
        Row(SetHeader, text);
        Row(@"^CtNotrack\s+changed\s+inet conntrack dns: Present\s+Ensure: Absent -> Present\s*$", text);
        Assert.Contains("ip daddr 192.0.2.53 udp dport 53 notrack comment \"ConntrackTools:dns\"", s.Nft());
        Row(@"^CtNotrack\s+unchanged\s+inet conntrack dns: Present\s*$", ps.Render($"Invoke-CtResource CtNotrack Set -Property {want}"));

        text = ps.Render($"Invoke-CtResource CtNotrack Get -Property {keys}");
        Row(@"^Present\s+inet\s+conntrack\s+dns\s+prerouting\s+notrack_prerouting\s+ip daddr 192\.0\.2\.53 udp dport 53 notrack\s*$", text);

        var change = s.Props("Name = 'dns'; DestinationPort = 53, 853");
        text = ps.Render($"Invoke-CtResource CtNotrack Test -Property {change}");
        Row(@"^CtNotrack\s+False\s+inet conntrack dns: Present\s+DestinationPort: 53 -> 53,853\s*$", text);
        text = ps.Render($"Invoke-CtResource CtNotrack Set -Property {change} -WhatIf");
        Row(@"^CtNotrack\s+would change\s+inet conntrack dns: Present\s+DestinationPort: 53 -> 53,853\s*$", text);
        Assert.Contains("udp dport 53 notrack", s.Nft());

        ps.Objects($"Invoke-CtResource CtNotrack Set -Property {s.Props("Name = 'ntp-out'; Hook = 'output'; Protocol = 'udp'; SourcePort = 123")}");
        var all = ps.Objects($"Invoke-CtResource CtNotrack Export -Property {s.Props("")}").Select(o => Assert.IsType<CtNotrackState>(o.BaseObject)).ToList();
        Assert.Equal(["dns", "ntp-out"], all.Select(x => x.Name).Order(StringComparer.Ordinal));
        text = ps.Render($"Invoke-CtResource CtNotrack Export -Property {s.Props("")}");
        Row(@"^Present\s+inet\s+conntrack\s+dns\s+prerouting\s+notrack_prerouting\s+ip daddr 192\.0\.2\.53 udp dport 53 notrack\s*$", text);
        Row(@"^Present\s+inet\s+conntrack\s+ntp-out\s+output\s+notrack_output\s+udp sport 123 notrack\s*$", text);

        text = ps.Render($"Invoke-CtResource CtNotrack Set -Property {s.Props("Name = 'dns'; Ensure = 'Absent'")}");
        Row(@"^CtNotrack\s+changed\s+inet conntrack dns: Absent\s+Ensure: Present -> Absent\s*$", text);
        Assert.DoesNotContain("ConntrackTools:dns", s.Nft());
    }

    [KernelFact("nft", "sysctl")]
    public void CtAntiSpoof_Get_Test_Set_and_Export_render_their_views()
    {
        using var s = new Scratch(veth: true);
        using var ps = new PsSession(width: 250);
        var strict = s.Props("InterfaceName = 'd0'; Family = 'IPv4'");
        string RpFilter() => TestNetwork.Exec(s.Name, "sysctl", "-n", "net.ipv4.conf.d0.rp_filter").Trim();

        var got = One<CtAntiSpoofState>(ps.Objects($"Invoke-CtResource -Name CtAntiSpoof -Method Get -Property {strict}"));
        Assert.Equal((CtEnsure.Absent, "RpFilter", false), (got.Ensure, got.Method, got.Protected));
        var text = ps.Render($"Invoke-CtResource CtAntiSpoof Get -Property {strict}");
        Row(@"^Interface\s+Family\s+Ensure\s+Method\s+Mode\s+Protected\s+NetworkNamespace\s*$", text);
        Row($@"^d0\s+IPv4\s+Absent\s+RpFilter\s+False\s+{s.Name}\s*$", text);

        text = ps.Render($"Invoke-CtResource CtAntiSpoof Test -Property {strict}");
        Row(TestHeader, text);
        Row($@"^CtAntiSpoof\s+False\s+d0/IPv4 RpFilter: Absent in {s.Name}\s+Ensure: Absent -> Present\s*$", text);

        text = ps.Render($"Invoke-CtResource CtAntiSpoof Set -Property {strict} -WhatIf");
        Row($@"^CtAntiSpoof\s+would change\s+d0/IPv4 RpFilter Strict: Present in {s.Name}\s+Ensure: Absent -> Present\s*$", text);
        Assert.Equal("0", RpFilter());

        var set = One<CtResourceSetResult>(ps.Objects($"Invoke-CtResource CtAntiSpoof Set -Property {strict}"));
        Assert.Equal((true, "Ensure"), (set.Changed, string.Join(",", set.ChangedProperties)));
        Assert.Equal("1", RpFilter());
        Row($@"^CtAntiSpoof\s+unchanged\s+d0/IPv4 RpFilter Strict: Present in {s.Name}\s*$", ps.Render($"Invoke-CtResource CtAntiSpoof Set -Property {strict}"));

        var loose = s.Props("InterfaceName = 'd0'; Family = 'IPv4'; Mode = 'Loose'");
        text = ps.Render($"Invoke-CtResource CtAntiSpoof Test -Property {loose}");
        Row($@"^CtAntiSpoof\s+False\s+d0/IPv4 RpFilter Strict: Present in {s.Name}\s+Mode: Strict -> Loose\s*$", text);
        text = ps.Render($"Invoke-CtResource CtAntiSpoof Set -Property {loose}");
        Row(SetHeader, text);
        Row($@"^CtAntiSpoof\s+changed\s+d0/IPv4 RpFilter Loose: Present in {s.Name}\s+Mode: Strict -> Loose\s*$", text);
        Assert.Equal("2", RpFilter());

        ps.Objects($"Invoke-CtResource CtAntiSpoof Set -Property {s.Props("InterfaceName = 'd1'; Family = 'IPv6'")}");
        Assert.Contains("iifname \"d1\" meta nfproto ipv6 fib saddr . iif oif missing drop", s.Nft());
        var all = ps.Objects($"Invoke-CtResource CtAntiSpoof Export -Property {s.Props("")}").Select(o => Assert.IsType<CtAntiSpoofState>(o.BaseObject)).ToList();
        Assert.Equal(4, all.Count);
        text = ps.Render($"Invoke-CtResource CtAntiSpoof Export -Property {s.Props("")}");
        Row($@"^d0\s+IPv4\s+Present\s+RpFilter\s+Loose\s+True\s+{s.Name}\s*$", text);
        Row($@"^d0\s+IPv6\s+Absent\s+Fib\s+False\s+{s.Name}\s*$", text);
        Row($@"^d1\s+IPv4\s+Absent\s+RpFilter\s+False\s+{s.Name}\s*$", text);
        Row($@"^d1\s+IPv6\s+Present\s+Fib\s+Strict\s+True\s+{s.Name}\s*$", text);

        text = ps.Render($"Invoke-CtResource CtAntiSpoof Export -Property {s.Props("")} | Invoke-CtResource -Method Test");
        Assert.Equal(4, System.Text.RegularExpressions.Regex.Matches(text, @"^CtAntiSpoof\s+True\s", System.Text.RegularExpressions.RegexOptions.Multiline).Count);
    }
}
