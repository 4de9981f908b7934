using System.Globalization;
using Blueshift.Testing.Crash;

namespace Blueshift.Bench.Crash;

/// <summary>
/// Crash safety at scale: the harness of tests/EndToEnd.Tests' ReleaseOrchestrationCrashTests (linked in, not copied),
/// with many more SIGKILLs of the local Functions host over a longer run of releases. Prints the outcome table; exits 1
/// when a release ended other than it deserved, swapped twice, was lost, or lost or doubled an audit record.
/// Needs the local host built: dotnet build tools/LocalFunctionsHost -c Release (building this project does it).
/// </summary>
internal static class CrashBenchmark
{
    private const string Usage =
        "usage: Blueshift.Bench crash [--kills 50] [--releases 80] [--concurrent 4] [--failing 0.5] [--kill-after-min 2] [--kill-after-max 6] [--bound-minutes 15] [--seed N]";

    public static async Task<int> RunAsync(string[] args)
    {
        var (kills, releases, concurrent, failing, killMin, killMax, boundMinutes, seed) = (50, 80, 4, 0.5, 2.0, 6.0, 15.0, Random.Shared.Next());
        for (var i = 0; i < args.Length; i++)
        {
            var value = i + 1 < args.Length ? args[i + 1] : null;
            switch (args[i])
            {
                case "--kills" when int.TryParse(value, CultureInfo.InvariantCulture, out kills) && kills >= 0: i++; break;
                case "--releases" when int.TryParse(value, CultureInfo.InvariantCulture, out releases) && releases is >= 1 and <= 500: i++; break;
                case "--concurrent" when int.TryParse(value, CultureInfo.InvariantCulture, out concurrent) && concurrent is >= 1 and <= 64: i++; break;
                case "--failing" when double.TryParse(value, CultureInfo.InvariantCulture, out failing) && failing is >= 0 and <= 1: i++; break;
                case "--kill-after-min" when double.TryParse(value, CultureInfo.InvariantCulture, out killMin) && killMin > 0: i++; break;
                case "--kill-after-max" when double.TryParse(value, CultureInfo.InvariantCulture, out killMax) && killMax >= killMin: i++; break;
                case "--bound-minutes" when double.TryParse(value, CultureInfo.InvariantCulture, out boundMinutes) && boundMinutes > 0: i++; break;
                case "--seed" when int.TryParse(value, CultureInfo.InvariantCulture, out seed): i++; break;
                default:
                    Console.Error.WriteLine(Usage);
                    return 2;
            }
        }

        var plan = new CrashPlan(seed, releases, concurrent, kills, failing,
            TimeSpan.FromSeconds(killMin), TimeSpan.FromSeconds(killMax), TimeSpan.FromMinutes(boundMinutes));
        await using var harness = new CrashHarness(plan, Console.WriteLine);
        var report = await harness.RunAsync();
        Console.WriteLine();
        Console.WriteLine(report.Table());
        return report.Problems.Count == 0 && report.KillsDone == kills ? 0 : 1;
    }
}
