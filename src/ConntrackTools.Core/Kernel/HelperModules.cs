using System.Globalization;
using ConntrackTools.Engine.Helpers;

namespace ConntrackTools.Kernel;

/// <summary>
/// The options of the kernel's helper modules as /sys/module/MODULE/parameters shows them. They
/// are global to the host, not per network namespace. Get-CtHelper shows them and the helper
/// audit checks them; both read them here.
/// </summary>
public static class HelperModules
{
    public const string Root = "/sys/module";

    /// <summary>One option: its text as the kernel prints it ("Y", "N", "3"), null when it could not be read.</summary>
    /// <param name="Present">The module has a parameters folder (it is built in or loaded, with options).</param>
    /// <param name="Refused">The file exists but only root may read it.</param>
    public sealed record Parameter(string Module, string Option, string? Text, bool Present, bool Refused)
    {
        /// <summary>The name engine settings and audits use: "nf_conntrack_ftp.loose".</summary>
        public string Key => $"{Module}.{Option}";

        /// <summary>The value as a number (Y/N as 1/0); null when unread or not a number.</summary>
        public long? Value => Parse(Text);
    }

    /// <summary>Every option of the modules of <paramref name="helpers"/> (every kernel helper when null), each module once.</summary>
    public static List<Parameter> Read(IEnumerable<CtHelper>? helpers = null)
    {
        var result = new List<Parameter>();
        foreach (var helper in (helpers ?? HelperCatalog.Describe(null, "kernel")).Where(h => !h.Userspace).DistinctBy(h => h.Module))
        {
            var dir = Path.Combine(Root, helper.Module, "parameters");
            var present = Directory.Exists(dir);
            foreach (var option in helper.Options.Keys)
            {
                try
                {
                    result.Add(new Parameter(helper.Module, option, File.ReadAllText(Path.Combine(dir, option)).Trim(), present, false));
                }
                catch (IOException)
                {
                    result.Add(new Parameter(helper.Module, option, null, present, false));
                }
                catch (UnauthorizedAccessException)
                {
                    result.Add(new Parameter(helper.Module, option, null, present, true));
                }
            }
        }
        return result;
    }

    /// <summary>A module parameter's text as a number: Y/N (bool parameters) as 1/0; null when it is none.</summary>
    public static long? Parse(string? text) => text switch
    {
        null => null,
        "Y" or "y" => 1,
        "N" or "n" => 0,
        _ => long.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var v) ? v : null,
    };
}
