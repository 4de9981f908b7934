using Blueshift.Testing.Crash;
using Xunit;
using Xunit.Abstractions;

namespace Blueshift.EndToEnd.Tests.Releases.Crash;

/// <summary>
/// Releases survive their host being killed: the local Functions host runs as a process of its own and is killed with
/// SIGKILL (no graceful stop: partition leases and dequeued messages are left to expire) at seeded random moments and
/// started again, while releases run on several emulated apps. Every release must still end as its version deserves,
/// swap forward at most once (and back at most once), and leave each audit record its orchestration wrote exactly once. Releases are scheduled with DTFx's client on the task hub in storage (see
/// <see cref="CrashHarness"/>): the releases API does not schedule orchestrations yet, and the host is what gets killed.
/// bench/Blueshift.Bench <c>crash</c> runs the same harness with many more kills.
/// </summary>
public sealed class ReleaseOrchestrationCrashTests(ITestOutputHelper output)
{
    [Fact]
    public async Task KilledHost_ReleasesEndAsDeserved_NoDoubleSwap_AuditOnce()
    {
        var seed = Environment.GetEnvironmentVariable("BLUESHIFT_CRASH_SEED") is { } fixedSeed ? int.Parse(fixedSeed, System.Globalization.CultureInfo.InvariantCulture) : Random.Shared.Next();
        // Two waves of four releases of seconds: long enough that every planned kill lands while releases run.
        var plan = new CrashPlan(seed, Releases: 8, Concurrent: 4, Kills: 3, FailingShare: 0,
            KillAfterMin: TimeSpan.FromSeconds(2), KillAfterMax: TimeSpan.FromSeconds(6), Bound: TimeSpan.FromSeconds(150));
        await using var harness = new CrashHarness(plan, output.WriteLine);

        var report = await harness.RunAsync();

        output.WriteLine(report.Table());
        Assert.True(report.KillsDone == plan.Kills, $"seed {seed}: the releases ended before {plan.Kills} kills\n{report.Table()}");
        Assert.True(report.Problems.Count == 0, $"seed {seed} (BLUESHIFT_CRASH_SEED={seed} repeats it)\n{report.Table()}");
    }

    /// <summary>
    /// Versions that fail 20 % of requests deserve a rollback: the release hands over to its rollback sub-orchestration
    /// and resumes when the rollback completes, kills or not.
    /// </summary>
    [Fact]
    public async Task KilledHost_FailingVersions_RollBack()
    {
        var seed = Environment.GetEnvironmentVariable("BLUESHIFT_CRASH_SEED") is { } fixedSeed ? int.Parse(fixedSeed, System.Globalization.CultureInfo.InvariantCulture) : Random.Shared.Next();
        var plan = new CrashPlan(seed, Releases: 4, Concurrent: 4, Kills: 3, FailingShare: 0.5,
            KillAfterMin: TimeSpan.FromSeconds(2), KillAfterMax: TimeSpan.FromSeconds(7), Bound: TimeSpan.FromSeconds(100));
        await using var harness = new CrashHarness(plan, output.WriteLine);

        var report = await harness.RunAsync();

        output.WriteLine(report.Table());
        Assert.True(report.Problems.Count == 0, $"seed {seed} (BLUESHIFT_CRASH_SEED={seed} repeats it)\n{report.Table()}");
    }
}
