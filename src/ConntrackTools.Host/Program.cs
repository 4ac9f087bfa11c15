namespace ConntrackTools.Host;

internal static class Program
{
    private static int Main(string[] args) => Shell.Run(args, Console.In, Console.Out, Console.Error);
}
