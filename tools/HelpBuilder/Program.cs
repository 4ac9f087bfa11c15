using ConntrackTools.HelpBuilder;

// Run after every module build by src/ConntrackTools/Module.targets; see BuildOptions.Usage.
if (args.Length == 1 && args[0] is "-h" or "-?" or "--usage")
{
    Console.Out.WriteLine(BuildOptions.Usage);
    return HelpBuild.Succeeded;
}

var options = BuildOptions.Parse(args, out string? error);
if (options is null)
{
    Console.Error.WriteLine($"HelpBuilder: error HB0001: {error}");
    Console.Error.WriteLine(BuildOptions.Usage);
    return HelpBuild.BadCommandLine;
}

return HelpBuild.Run(options, Console.Out, Console.Error);
