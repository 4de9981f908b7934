using Blueshift.AppServiceEmulator;
using Blueshift.Testing;
using Xunit;

namespace Blueshift.EndToEnd.Tests.Releases.Scenarios;

/// <summary>
/// Canary releases as a pipeline drives them over HTTP through the local Functions host: the version decides how they
/// end (healthy: swapped in; 5xx: rolled back in the first step; failing health check: never takes traffic), and ARM's
/// throttling and server errors change nothing.
/// </summary>
public sealed class CanaryReleaseScenarioTests(AzuriteFixture azurite) : IClassFixture<AzuriteFixture>
{
    [Fact]
    public async Task Release_HealthyVersion_ShiftsStepByStepSwapsOnceAndSucceeds()
    {
        await using var world = await ReleaseWorld.StartAsync(azurite);

        // When a healthy 2.0.0 is released
        var started = await world.StartReleaseAsync(world.ReleaseBody("2.0.0"));
        Assert.Equal(("Active", ReleaseWorld.PipelineId), (started.Status, started.RequestedBy));
        var routedAway = new List<double>();
        var done = await world.WaitUntilEndedAsync(started.Id, async _ => routedAway.Add(await world.RoutedAwayPercentAsync(world.Site)));

        // Then the routing rule, as an operator reading it over ARM saw it, went through the steps in order and back to 0
        Assert.Equal([0, 50, 100, 0], Collapsed(routedAway));

        // And it succeeds: each step passed its analysis in order (a bake that saw too little traffic may be extended
        // first, never silently passed), and the post-swap watch passed
        ReleaseWorld.AssertEnded(done, "Succeeded");
        var canary = done.Analyses.Where(a => a.Kind == "canary").ToList();
        Assert.Equal([50, 100], canary.Where(a => a.Outcome == "Successful").Select(a => a.TrafficPercent));
        Assert.All(canary.Where(a => a.Outcome != "Successful"), a => Assert.Equal("Inconclusive", a.Outcome));
        Assert.Contains(done.Analyses, a => a.Kind == "post-swap" && a.Outcome == "Successful");

        // And App Service swapped exactly once, production serves 2.0.0 to everyone, the routing rule is back to 0 and
        // 1.0.0 waits in the staging slot
        var swap = Assert.Single(world.Swaps(world.Site));
        Assert.Equal(OperationStatus.Succeeded, swap.Status);
        Assert.Equal(0, await world.RoutedAwayPercentAsync(world.Site));
        Assert.Equal(["2.0.0"], (await world.ProductionServesAsync(world.Site)).Keys);
        Assert.Equal("1.0.0", world.Site.Slot("staging").Version);
        Assert.True(world.ServedBy(world.Site, "2.0.0") > 0, "2.0.0 never served a user.");
        Assert.Empty(world.NotificationsOf(done.Id));

        // And the audit trail holds each step once, in order, and the swap
        var audit = await world.WaitForAuditAsync(
            records => records.Any(r => r.ReleaseId == done.Id && r.Action == "release.succeeded"), "the success in the audit trail");
        var mine = audit.Where(r => r.ReleaseId == done.Id).ToList();
        Assert.Equal(["50", "100"], mine.Where(r => r.Action == "release.traffic-shifted").Select(r => r.Details!["trafficPercent"]));
        Assert.Contains(mine, r => r.Action == "release.started" && r.Actor == ReleaseWorld.PipelineId);
        Assert.Contains(mine, r => r.Action == "release.swapped");

        // And the app is free for the next release
        var next = await world.RequestReleaseAsync(world.ReleaseBody("2.0.1"));
        Assert.Equal(System.Net.HttpStatusCode.Accepted, next.Status);
    }

    [Fact]
    public async Task Release_VersionWithTwentyPercentServerErrors_RolledBackInItsFirstStepAndNotified()
    {
        await using var world = await ReleaseWorld.StartAsync(azurite);

        var started = await world.StartReleaseAsync(world.ReleaseBody("2.0.0", new AppBehaviour("2.0.0", ErrorRate: 0.2)));
        var done = await world.WaitUntilEndedAsync(started.Id);

        // The first step's analysis failed on the error rate, measured near the version's 20 %, and nothing went further
        ReleaseWorld.AssertEnded(done, "RolledBack");
        var failed = Assert.Single(done.Analyses, a => a.Kind == "canary" && a.Outcome != "Inconclusive");
        Assert.Equal(("Failed", 50), (failed.Outcome, failed.TrafficPercent));
        var errorRate = Assert.Single(failed.Checks, c => c.Metric == "error-rate");
        Assert.Equal("Failed", errorRate.Outcome);
        Assert.InRange(errorRate.Measured!.Value, 0.1, 0.3);
        Assert.DoesNotContain(done.Analyses, a => a.Kind == "canary" && a.TrafficPercent > 50);

        // No swap, no traffic left on 2.0.0, production serves 1.0.0
        Assert.Empty(world.Swaps(world.Site));
        Assert.Equal(0, await world.RoutedAwayPercentAsync(world.Site));
        Assert.Equal(["1.0.0"], (await world.ProductionServesAsync(world.Site)).Keys);

        // Someone was told, in the seed's template, on the chat webhook
        var notification = await world.WaitForNotificationAsync(done.Id);
        foreach (var field in new[] { "time", "environment", "reason", "actionTaken", "currentStatus", "impact", "resolution", "contact" })
        {
            Assert.False(string.IsNullOrWhiteSpace(notification.GetProperty(field).ToString()), $"The notification has no {field}: {notification}");
        }
        Assert.Equal("release.rolled-back", notification.GetProperty("event").GetString());
        Assert.Contains("1.0.0", notification.GetProperty("actionTaken").GetString());
        Assert.Equal(ReleaseWorld.Contact, notification.GetProperty("contact").GetString());
        Assert.StartsWith("ROLLBACK NOTIFICATION", notification.GetProperty("text").GetString());

        // The decision is in the audit trail with what was measured
        await world.WaitForAuditAsync(records => records.Any(r => r.ReleaseId == done.Id && r.Action == "release.rolled-back")
            && records.Any(r => r.ReleaseId == done.Id && r.Action == "release.analysis" && r.Details!["outcome"] == "Failed"),
            "the failed analysis and the rollback in the audit trail");
    }

    [Fact]
    public async Task Release_VersionFailingItsHealthCheck_NeverReceivesProductionTrafficAndFails()
    {
        await using var world = await ReleaseWorld.StartAsync(azurite);
        var routedAway = new List<double>();

        var started = await world.StartReleaseAsync(world.ReleaseBody("2.0.0", new AppBehaviour("2.0.0", Healthy: false)));
        var done = await world.WaitUntilEndedAsync(started.Id, async _ => routedAway.Add(await world.RoutedAwayPercentAsync(world.Site)));

        // A version that never became viable ends Failed (not RolledBack): it was stopped at the health gate
        ReleaseWorld.AssertEnded(done, "Failed");
        Assert.Contains(done.Analyses, a => a.Kind == "health-gate" && a.Outcome == "Failed");
        Assert.DoesNotContain(done.Analyses, a => a.Kind == "canary");
        Assert.All(routedAway, percent => Assert.Equal(0, percent));
        Assert.Equal(0, world.ServedBy(world.Site, "2.0.0"));
        Assert.Empty(world.Swaps(world.Site));
        Assert.Equal(["1.0.0"], (await world.ProductionServesAsync(world.Site)).Keys);
        Assert.Equal("release.failed", (await world.WaitForNotificationAsync(done.Id)).GetProperty("event").GetString());
    }

    [Fact]
    public async Task Release_ArmThrottlingAndServerErrorsDuringTheRelease_StillSucceedsWithOneSwap()
    {
        await using var world = await ReleaseWorld.StartAsync(azurite);
        world.Emulator.Faults.ThrottleArm("/config/web", 2, TimeSpan.FromSeconds(1));
        world.Emulator.Faults.FailArm("slotsswap", 1, 503);
        world.Emulator.Faults.FailArm("/config/appsettings", 1, 500);
        world.Emulator.Faults.ThrottleArm("metrics", 2, TimeSpan.FromSeconds(1));

        var started = await world.StartReleaseAsync(world.ReleaseBody("2.0.0"));
        var done = await world.WaitUntilEndedAsync(started.Id);

        ReleaseWorld.AssertEnded(done, "Succeeded");
        Assert.Empty(world.Emulator.Faults.PendingArmFaults());
        Assert.Single(world.Swaps(world.Site), s => s.Status == OperationStatus.Succeeded);
        Assert.Single(world.Swaps(world.Site));
        Assert.Equal(["2.0.0"], (await world.ProductionServesAsync(world.Site)).Keys);
    }

    [Fact]
    public async Task Release_AzureNeverFinishesTheDeployment_TimesOutAndRollsBackWithoutTouchingProduction()
    {
        await using var world = await ReleaseWorld.StartAsync(azurite, new Dictionary<string, string>
        {
            ["Blueshift__Releases__Orchestration__OperationTimeout"] = "00:00:10",
        }, operationsComplete: false);

        var started = await world.StartReleaseAsync(world.ReleaseBody("2.0.0"));
        var done = await world.WaitUntilEndedAsync(started.Id);

        // No phase waits forever: the deployment that never ends times out and the release is undone
        ReleaseWorld.AssertEnded(done, "RolledBack");
        Assert.StartsWith("Timed out: the release stayed in Deploying", done.StatusReason);
        Assert.Equal(0, world.ServedBy(world.Site, "2.0.0"));
        Assert.Empty(world.Swaps(world.Site));
        Assert.Equal(["1.0.0"], (await world.ProductionServesAsync(world.Site)).Keys);
        Assert.Equal("release.rolled-back", (await world.WaitForNotificationAsync(done.Id)).GetProperty("event").GetString());
        Assert.Equal(System.Net.HttpStatusCode.Accepted, (await world.RequestReleaseAsync(world.ReleaseBody("2.0.1"))).Status);
    }

    /// <summary>The values in the order seen, each run of equal values once.</summary>
    private static List<double> Collapsed(IEnumerable<double> values) =>
        values.Aggregate(new List<double>(), (seen, value) =>
        {
            if (seen.Count == 0 || seen[^1] != value)
            {
                seen.Add(value);
            }
            return seen;
        });
}
