using System.Net;
using Blueshift.AppServiceEmulator;
using Blueshift.Testing;
using Xunit;

namespace Blueshift.EndToEnd.Tests.Releases.Scenarios;

/// <summary>What operators do to a running or finished release: abort, promote, roll back; and when Blueshift refuses.</summary>
public sealed class ReleaseCommandScenarioTests(AzuriteFixture azurite) : IClassFixture<AzuriteFixture>
{
    /// <summary>A bake far longer than any scenario waits, so that a command is sure to land during it.</summary>
    private const string LongBake = "PT90S";

    [Fact]
    public async Task AbortRelease_WhileATrafficStepBakes_AbortedWithAllTrafficBackOnProductionAndNoSwap()
    {
        await using var world = await ReleaseWorld.StartAsync(azurite);
        var body = world.ReleaseBody("2.0.0");
        body["bakeTime"] = LongBake;
        var started = await world.StartReleaseAsync(body);
        await world.WaitUntilTakingTrafficAsync(started.Id);

        var aborted = await world.CommandAsync(started.Id, "abort");

        Assert.True(aborted.Status == HttpStatusCode.Accepted, $"Aborting: {aborted}");
        var done = await world.WaitUntilEndedAsync(started.Id);
        ReleaseWorld.AssertEnded(done, "Aborted");
        Assert.Equal(0, done.TrafficPercent);
        Assert.Equal(0, await world.RoutedAwayPercentAsync(world.Site));
        Assert.Empty(world.Swaps(world.Site));
        Assert.Equal(["1.0.0"], (await world.ProductionServesAsync(world.Site)).Keys);
    }

    [Fact]
    public async Task PromoteRelease_DuringABake_RunsTheAnalysisAtOnceAndStillRollsBackAFaultyVersion()
    {
        await using var world = await ReleaseWorld.StartAsync(azurite);
        var requestedAt = DateTimeOffset.UtcNow;
        var body = world.ReleaseBody("2.0.0", new AppBehaviour("2.0.0", ErrorRate: 0.5));
        body["bakeTime"] = LongBake;
        var started = await world.StartReleaseAsync(body);
        await world.WaitUntilTakingTrafficAsync(started.Id);
        // Enough users reached the canary for the analysis to judge it
        await ReleaseWorld.WaitUntilAsync(() => Task.FromResult(world.ServedBy(world.Site, "2.0.0") >= 3 * ReleaseWorld.MinimumRequests),
            "the canary to serve enough users to be judged");

        var promoted = await world.CommandAsync(started.Id, "promote", "Looks fine to me.");

        Assert.True(promoted.Status == HttpStatusCode.Accepted, $"Promoting: {promoted}");
        var done = await world.WaitUntilEndedAsync(started.Id);
        ReleaseWorld.AssertEnded(done, "RolledBack");
        var failed = Assert.Single(done.Analyses, a => a.Kind == "canary" && a.Outcome != "Inconclusive");
        Assert.Equal(("Failed", 50), (failed.Outcome, failed.TrafficPercent));
        // Judged long before the bake would have ended (it began after the request)
        Assert.True(failed.At < requestedAt + TimeSpan.FromSeconds(90), $"The analysis ran at {failed.At:O}, at the end of the bake: {done.Story}");
        Assert.Empty(world.Swaps(world.Site));
        Assert.Equal(0, await world.RoutedAwayPercentAsync(world.Site));
    }

    [Fact]
    public async Task RollbackRelease_AfterTheSwap_SwapsBackExactlyOnceAndProductionServesTheOldVersion()
    {
        await using var world = await ReleaseWorld.StartAsync(azurite, postSwapWatch: "PT90S");
        var started = await world.StartReleaseAsync(world.ReleaseBody("2.0.0"));
        await world.WaitForAsync(started.Id, r => r.HasEnded || r.Phase == "Watching", "the release to be swapped in and watched");
        Assert.Single(world.Swaps(world.Site));

        var rollback = await world.CommandAsync(started.Id, "rollback", "Customers report broken checkout.");

        Assert.True(rollback.Status == HttpStatusCode.Accepted, $"Rolling back: {rollback}");
        var done = await world.WaitUntilEndedAsync(started.Id);
        ReleaseWorld.AssertEnded(done, "RolledBack");
        Assert.Equal(2, world.Swaps(world.Site).Count);
        Assert.All(world.Swaps(world.Site), s => Assert.Equal(OperationStatus.Succeeded, s.Status));
        Assert.Equal(["1.0.0"], (await world.ProductionServesAsync(world.Site)).Keys);
        Assert.Equal("2.0.0", world.Site.Slot("staging").Version);
        Assert.Equal(0, await world.RoutedAwayPercentAsync(world.Site));
        var notification = await world.WaitForNotificationAsync(done.Id);
        Assert.Contains("Customers report broken checkout.", notification.GetProperty("reason").GetString());
    }

    [Fact]
    public async Task RollbackRelease_OfTheLatestSuccessInsideItsWindow_SwapsBackOnceAndOfAnOlderOneIsRefused()
    {
        await using var world = await ReleaseWorld.StartAsync(azurite);
        var first = await world.ReleaseToTheEndAsync("2.0.0");
        ReleaseWorld.AssertEnded(first, "Succeeded");
        var second = await world.ReleaseToTheEndAsync("2.0.1");
        ReleaseWorld.AssertEnded(second, "Succeeded");
        Assert.Equal(2, world.Swaps(world.Site).Count);

        // Swapping the older success back would undo the newer one
        var older = await world.CommandAsync(first.Id, "rollback", "Wrong one.");
        Assert.Equal(HttpStatusCode.Conflict, older.Status);
        Assert.Contains(second.Id, older.Problem.GetProperty("detail").GetString());
        Assert.Equal(2, world.Swaps(world.Site).Count);

        // The latest success, inside its rollback window, is swapped back once
        var latest = await world.CommandAsync(second.Id, "rollback", "Customers report errors since 2.0.1.");
        Assert.True(latest.Status == HttpStatusCode.Accepted, $"Rolling back the latest success: {latest}");
        var rolledBack = await world.WaitForAsync(second.Id, r => r.Status is not ("Active" or "Succeeded"), "the success to be rolled back");
        ReleaseWorld.AssertEnded(rolledBack, "RolledBack");
        Assert.Equal(3, world.Swaps(world.Site).Count);
        Assert.Equal(["2.0.0"], (await world.ProductionServesAsync(world.Site)).Keys);
        Assert.Equal("2.0.1", world.Site.Slot("staging").Version);

        // Once is all: a second rollback is refused and swaps nothing, and the app is free for the next release
        var again = await world.CommandAsync(second.Id, "rollback", "Once more.");
        Assert.Equal(HttpStatusCode.Conflict, again.Status);
        Assert.Equal(409, again.Problem.GetProperty("status").GetInt32());
        Assert.Equal(3, world.Swaps(world.Site).Count);
        Assert.Equal(HttpStatusCode.Accepted, (await world.RequestReleaseAsync(world.ReleaseBody("2.0.2"))).Status);
    }

    [Fact]
    public async Task RollbackRelease_OfASuccessAfterItsRollbackWindow_RefusedAndNothingSwaps()
    {
        // A window of a millisecond has passed by the time anyone has read that the release succeeded.
        await using var world = await ReleaseWorld.StartAsync(azurite, new Dictionary<string, string>
        {
            ["Blueshift__Releases__RollbackWindowAfterSuccess"] = "00:00:00.001",
        });
        var done = await world.ReleaseToTheEndAsync("2.0.0");
        ReleaseWorld.AssertEnded(done, "Succeeded");

        var late = await world.CommandAsync(done.Id, "rollback", "Too late.");

        Assert.Equal(HttpStatusCode.Conflict, late.Status);
        Assert.Equal(409, late.Problem.GetProperty("status").GetInt32());
        Assert.Single(world.Swaps(world.Site));
        Assert.Equal(["2.0.0"], (await world.ProductionServesAsync(world.Site)).Keys);
        Assert.Equal("Succeeded", (await world.GetReleaseAsync(done.Id)).Status);
        Assert.Empty(await world.ListReleasesAsync(ReleaseWorld.App, "Active"));
    }
}
