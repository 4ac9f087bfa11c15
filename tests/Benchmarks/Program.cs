namespace ConntrackTools.Benchmarks;

/// <summary>Benchmarks, not tests: each prints its figures. See README, Benchmarks.</summary>
internal static class Program
{
    public static int Main(string[] args) => (args.Length > 0 ? args[0] : "dump") switch
    {
        "dump" => DumpBenchmark.Run(args),
        "events" => EventStormBenchmark.Run(args),
        "engine" => EngineBenchmark.Run(args),
        "helpers" => HelperBenchmark.Run(args),
        _ => Usage(),
    };

    private static int Usage()
    {
        Console.Error.WriteLine("usage: ConntrackTools.Benchmarks dump [ENTRIES] [ROUNDS]");
        Console.Error.WriteLine("       ConntrackTools.Benchmarks events [ENTRIES] [BUFFER_KIB]");
        Console.Error.WriteLine("       ConntrackTools.Benchmarks engine [FLOWS] [PACKETS_PER_FLOW] [PAYLOAD_BYTES]");
        Console.Error.WriteLine("       ConntrackTools.Benchmarks helpers [CONNECTIONS] [LINES_PER_CONNECTION]");
        return 2;
    }
}
