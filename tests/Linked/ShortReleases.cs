using Blueshift.Domain.Analysis;
using Blueshift.Domain.Releases;
using Blueshift.Functions.Apps;
using Blueshift.Functions.Releases;
using Blueshift.Functions.Releases.Orchestration;
using Blueshift.Functions.Traffic;

namespace Blueshift.Testing.Releases;

/// <summary>
/// A release of seconds instead of minutes, as the orchestration tests, the end-to-end and crash tests and the bench run
/// one: the default checks, short bakes, watches, probes and polls, timeouts that fit a test. Compiled into each of those
/// projects (tests/Testing knows nothing of Blueshift's types).
/// </summary>
internal static class ShortReleases
{
    /// <summary>Two steps (50 %, 100 %) with 2 s bakes and a 2 s post-swap watch, unless given.</summary>
    public static ReleasePolicy Policy(
        TimeSpan? bake = null, IReadOnlyList<int>? steps = null, TimeSpan? watch = null, TimeSpan? approvalTimeout = null, TimeSpan? operationTimeout = null,
        IReadOnlyList<SmokeTest>? smokeTests = null) => new(
        TrafficSteps: steps ?? [50, 100],
        BakeTime: bake ?? TimeSpan.FromSeconds(2),
        Canary: new CanaryPolicy(MinimumRequests: 20, MaxInconclusiveExtensions: 2),
        PostSwap: new PostSwapPolicy(WatchDuration: watch ?? TimeSpan.FromSeconds(2), MinimumRequests: 20),
        HealthGate: new HealthGatePolicy(ConsecutiveSuccessesToPass: 2, ConsecutiveFailuresToFail: 3, MaxProbes: 10),
        WarmUp: TimeSpan.FromMilliseconds(200),
        ProbeInterval: TimeSpan.FromMilliseconds(300),
        HealthCheckPath: "/health",
        SmokeTests: smokeTests ?? [],
        Timeouts: new PhaseTimeouts(Approval: approvalTimeout ?? TimeSpan.FromMinutes(1), Window: TimeSpan.FromMinutes(1), Operation: operationTimeout ?? TimeSpan.FromSeconds(30),
            Verification: TimeSpan.FromSeconds(30), Slack: TimeSpan.FromSeconds(10)));

    /// <summary>The app's settings with polls and retries of (sub)seconds; <paramref name="tune"/> changes more.</summary>
    public static ReleaseRunSettings Settings(Action<ReleaseOrchestrationOptions>? tune = null)
    {
        var options = new ReleaseOrchestrationOptions
        {
            PollInterval = TimeSpan.FromMilliseconds(300),
            SwapSettleTime = TimeSpan.FromSeconds(1),
            RetryInterval = TimeSpan.FromMilliseconds(500),
            MaxRetryInterval = TimeSpan.FromSeconds(4),
            Contact = "ops-oncall@shop.example",
        };
        tune?.Invoke(options);
        return options.ToRunSettings();
    }

    /// <summary>A patch of a standard change, released by a pipeline to the app's staging slot with health checks on /health.</summary>
    public static ReleaseInput Input(
        string releaseId, string version, Uri package, string app, string siteResourceId, ReleasePolicy? policy = null, ReleaseRunSettings? settings = null) => new(
        releaseId,
        version,
        package,
        ReleaseStrategies.Canary,
        "Patch",
        "Standard",
        "ci-pipeline",
        new ManagedApp(app, siteResourceId, "staging", "/health"),
        policy ?? Policy(),
        settings ?? Settings());
}
