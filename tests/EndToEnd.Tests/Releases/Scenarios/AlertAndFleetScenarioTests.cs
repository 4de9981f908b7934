using System.Net;
using System.Text.Json;
using Blueshift.Testing;
using Xunit;

namespace Blueshift.EndToEnd.Tests.Releases.Scenarios;

/// <summary>An Azure Monitor alert stopping a release at once, and releases of several apps running side by side.</summary>
public sealed class AlertAndFleetScenarioTests(AzuriteFixture azurite) : IClassFixture<AzuriteFixture>
{
    [Fact]
    public async Task AlertWebhook_FiredDuringATrafficStep_RoutesEverythingToProductionWithinTheRequestAndRollsBack()
    {
        await using var world = await ReleaseWorld.StartAsync(azurite);
        var body = world.ReleaseBody("2.0.0");
        body["bakeTime"] = "PT90S";
        var started = await world.StartReleaseAsync(body);
        await world.WaitUntilTakingTrafficAsync(started.Id);
        Assert.True(await world.RoutedAwayPercentAsync(world.Site) > 0, "The traffic step routes nothing to 2.0.0.");

        // Azure Monitor's action group delivers a Sev1 alert on the site (common alert schema, function key)
        var answer = await world.FireAlertAsync(world.Site, "Sev1");

        // The answer comes after the routing rule was reset: production serves all traffic before the rollback finishes
        Assert.True(answer.Status == HttpStatusCode.OK, $"Delivering the alert: {answer}");
        var decision = JsonDocument.Parse(answer.Body).RootElement;
        Assert.Equal("RolledBack", decision.GetProperty("decision").GetString());
        var rollback = Assert.Single(decision.GetProperty("rollbacks").EnumerateArray());
        Assert.Equal((started.Id, "Accepted"), (rollback.GetProperty("releaseId").GetString(), rollback.GetProperty("outcome").GetString()));
        Assert.Equal(0, await world.RoutedAwayPercentAsync(world.Site));

        var done = await world.WaitUntilEndedAsync(started.Id);
        ReleaseWorld.AssertEnded(done, "RolledBack");
        Assert.Empty(world.Swaps(world.Site));
        Assert.Equal(["1.0.0"], (await world.ProductionServesAsync(world.Site)).Keys);
        await world.WaitForAuditAsync(
            records => records.Any(r => r.Action == "alert.rolled-back" && r.ReleaseId == started.Id)
                && records.Any(r => r.Action == "release.rolled-back" && r.ReleaseId == started.Id),
            "the alert's rollback in the audit trail");
    }

    [Fact]
    public async Task AlertWebhook_ArmRefusesTheImmediateRouteReset_TheRollbackIsTakenAndResetsTheRouteItself()
    {
        // ARM's retries of a refused routing write take seconds; the action group is given the longest answer time allowed.
        await using var world = await ReleaseWorld.StartAsync(azurite, new Dictionary<string, string>
        {
            ["Blueshift__Alerts__RequestTimeout"] = "00:00:30",
        });
        var body = world.ReleaseBody("2.0.0");
        // Longer than the scenario waits: the rollback must finish on its own, not when the bake would have ended
        body["bakeTime"] = "PT10M";
        var started = await world.StartReleaseAsync(body);
        await world.WaitUntilTakingTrafficAsync(started.Id);
        // Every routing write fails for a while: the webhook's own reset and the rollback's first attempt, retries included
        world.Emulator.Faults.FailArm("/config/web", 8, 500, method: "PATCH");

        var answer = await world.FireAlertAsync(world.Site, "Sev1");

        Assert.True(answer.Status == HttpStatusCode.OK, $"Delivering the alert: {answer}");
        Assert.Equal("RolledBack", JsonDocument.Parse(answer.Body).RootElement.GetProperty("decision").GetString());
        var done = await world.WaitUntilEndedAsync(started.Id);
        ReleaseWorld.AssertEnded(done, "RolledBack");
        Assert.Empty(world.Emulator.Faults.PendingArmFaults());
        Assert.Equal(0, done.TrafficPercent);
        Assert.Equal(0, await world.RoutedAwayPercentAsync(world.Site));
        Assert.Empty(world.Swaps(world.Site));
        Assert.Equal(["1.0.0"], (await world.ProductionServesAsync(world.Site)).Keys);
    }

    [Fact]
    public async Task Releases_OfSeveralAppsSideBySide_AllSucceed()
    {
        await using var world = await ReleaseWorld.StartAsync(azurite);
        var sites = new[] { world.Site, await world.AddAppAsync("cart"), await world.AddAppAsync("search") };

        var started = new List<ReleaseResource>();
        foreach (var site in sites)
        {
            started.Add(await world.StartReleaseAsync(world.ReleaseBody("2.0.0", app: site.Name)));
        }
        var done = await Task.WhenAll(started.Select(r => world.WaitUntilEndedAsync(r.Id)));

        Assert.All(done, release => ReleaseWorld.AssertEnded(release, "Succeeded"));
        foreach (var site in sites)
        {
            Assert.Single(world.Swaps(site));
            Assert.Equal(["2.0.0"], (await world.ProductionServesAsync(site)).Keys);
            Assert.Equal(0, await world.RoutedAwayPercentAsync(site));
            Assert.Single(await world.ListReleasesAsync(site.Name, "Succeeded"));
        }
    }
}
