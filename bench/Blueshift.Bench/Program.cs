using Blueshift.Bench.Alerts;
using Blueshift.Bench.Compliance;
using Blueshift.Bench.Orchestrations;
using Blueshift.Bench.Crash;

// Each benchmark is a subcommand in its own folder that parses its own options:
// dotnet run -c Release --project bench/Blueshift.Bench -- <name> [options]
var benchmarks = new Dictionary<string, Func<string[], Task<int>>>(StringComparer.OrdinalIgnoreCase)
{
    ["alerts"] = AlertsBenchmark.RunAsync,
    ["orchestrations"] = OrchestrationBenchmark.RunAsync,
    ["crash"] = CrashBenchmark.RunAsync,
    ["compliance"] = ComplianceSweepBenchmark.RunAsync,
};

if (args.Length == 0 || !benchmarks.TryGetValue(args[0], out var run))
{
    Console.Error.WriteLine($"usage: Blueshift.Bench <{string.Join("|", benchmarks.Keys)}> [options]");
    return 2;
}
return await run(args[1..]);
