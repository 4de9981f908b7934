using Blueshift.AppServiceEmulator;
using Blueshift.Functions.Releases;
using Blueshift.Functions.Security;
using Blueshift.Testing;
using Xunit;

namespace Blueshift.EndToEnd.Tests.Releases;

/// <summary>Release runbooks end to end: the engine on Azurite, App Service on the emulator, time on a manual clock.</summary>
public sealed class ReleaseFlowTests(AzuriteFixture azurite) : IClassFixture<AzuriteFixture>
{
    [Fact]
    public async Task Release_HealthyVersion_ShiftsStepByStepSwapsOnceAndSucceeds()
    {
        await using var world = await ReleaseHarness.StartAsync(azurite);
        await world.WarmUpProductionAsync();

        // When a healthy 2.0.0 is released
        var started = Assert.IsType<ReleaseCommandResult.Accepted>(
            await world.Releases.StartAsync(world.Request("2.0.0"), ReleaseHarness.Releaser, null, CancellationToken.None));
        var done = await world.DriveAsync(started.Release.Id);

        // Then it succeeds, having served each step's share of production traffic, and 100 % after the swap
        ReleaseHarness.AssertEnded(done, "Succeeded");
        foreach (var percent in new[] { 10, 25, 50 })
        {
            var share = NewVersionShare(world, "Shifting", percent, "2.0.0");
            Assert.InRange(share, percent - 8, percent + 8);
        }
        Assert.Equal(100, NewVersionShare(world, "Watching", 100, "2.0.0"));
        Assert.Equal("2.0.0", world.Site.Production.Version);
        Assert.Equal("1.0.0", world.Site.Slot("staging").Version);
        Assert.Single(world.Emulator.SwapLog.Snapshot());
        // The accepted swap is polled a poll interval after it was requested, not in the pass that requested it
        var arm = world.Emulator.ArmCallLog.Snapshot();
        var swapRequested = arm.Single(c => c.Method == "POST" && c.Path.EndsWith("/slotsswap", StringComparison.OrdinalIgnoreCase)).Timestamp;
        var firstPoll = arm.First(c => c.Method == "GET" && c.Path.Contains("/operationResults/", StringComparison.OrdinalIgnoreCase) && c.Timestamp >= swapRequested).Timestamp;
        Assert.True(firstPoll - swapRequested >= TimeSpan.FromSeconds(10), $"The swap was polled {firstPoll - swapRequested} after it was requested.");
        Assert.Contains(done.Analyses, a => a.Kind == "post-swap" && a.Outcome == "Successful");
        Assert.Equal(4, done.Analyses.Count(a => a.Kind == "canary" && a.Outcome == "Successful"));
        Assert.Empty(world.Webhook.Received);

        // And the audit has each step once: the share it shifted and the analysis that passed it, with no "phase
        // changed" record for a step following a step (Shifting to Shifting)
        var audit = await world.AuditRecordsAsync();
        Assert.Equal(["10", "25", "50", "100"], audit.Where(r => r.Action == "release.traffic-shifted").Select(r => r.Details!["trafficPercent"]));
        Assert.Equal(["10", "25", "50", "100"], audit.Where(r => r.Action == "release.analysis" && r.Details!["kind"] == "canary" && r.Details["outcome"] == "Successful")
            .Select(r => r.Details!["trafficPercent"]));
        Assert.DoesNotContain(audit, r => r.Action == "release.phase-changed" && r.Details!["from"] == r.Details["to"]);
        Assert.Contains(audit, r => r.Action == "release.phase-changed" && r.Details!["from"] == "Shifting" && r.Details["to"] == "Swapping");

        // And the app is free for the next release
        var next = await world.Releases.StartAsync(world.Request("2.0.1"), ReleaseHarness.Releaser, null, CancellationToken.None);
        Assert.IsType<ReleaseCommandResult.Accepted>(next);
    }

    [Fact]
    public async Task Release_VersionWithTwentyPercentServerErrors_RolledBackInTheFirstStepAndNotified()
    {
        await using var world = await ReleaseHarness.StartAsync(azurite);
        await world.WarmUpProductionAsync();

        var started = Assert.IsType<ReleaseCommandResult.Accepted>(await world.Releases.StartAsync(
            world.Request("2.0.0", new AppBehaviour("2.0.0", ErrorRate: 0.2)), ReleaseHarness.Releaser, null, CancellationToken.None));
        var done = await world.DriveAsync(started.Release.Id);

        // The canary never served more than the first step's share, and production serves the old version again
        ReleaseHarness.AssertEnded(done, "RolledBack");
        Assert.All(world.Served.Where(s => s.Load.ByVersion.ContainsKey("2.0.0")), s => Assert.Equal(10, s.Percent));
        Assert.InRange(NewVersionShare(world, "Shifting", 10, "2.0.0"), 2, 18);
        var after = await world.Emulator.Traffic.SendAsync(world.Site, 100);
        Assert.Equal(100, after.ByVersion.GetValueOrDefault("1.0.0"));
        Assert.Empty(world.Emulator.SwapLog.Snapshot());

        // The decision, with what was measured against what was allowed, is in the release and in the audit trail
        var failed = Assert.Single(done.Analyses, a => a.Kind == "canary");
        Assert.Equal("Failed", failed.Outcome);
        var errorRate = Assert.Single(failed.Checks, c => c.Metric == "error-rate");
        Assert.InRange(errorRate.Measured!.Value, 0.15, 0.25);
        var audit = await world.AuditRecordsAsync();
        var analysis = Assert.Single(audit, r => r.Action == "release.analysis" && r.Details!["outcome"] == "Failed");
        Assert.Equal(errorRate.Threshold!.Value, double.Parse(analysis.Details!["error-rate.threshold"], System.Globalization.CultureInfo.InvariantCulture), 6);
        Assert.Contains(audit, r => r.Action == "release.rolled-back" && r.ReleaseId == done.Id);

        // Someone was told, in the seed's template, on a real webhook
        var notification = Assert.Single(world.Webhook.Received);
        foreach (var field in new[] { "time", "environment", "reason", "actionTaken", "currentStatus", "impact", "resolution", "contact" })
        {
            Assert.False(string.IsNullOrWhiteSpace(notification.GetProperty(field).ToString()), field);
        }
        Assert.Equal("release.rolled-back", notification.GetProperty("event").GetString());
        Assert.Contains("1.0.0", notification.GetProperty("actionTaken").GetString());
        Assert.Equal("ops-oncall@shop.example", notification.GetProperty("contact").GetString());
        Assert.StartsWith("ROLLBACK NOTIFICATION", notification.GetProperty("text").GetString());
    }

    [Fact]
    public async Task Release_VersionFailingItsHealthCheck_NeverReceivesProductionTraffic()
    {
        await using var world = await ReleaseHarness.StartAsync(azurite);
        await world.WarmUpProductionAsync();

        var started = Assert.IsType<ReleaseCommandResult.Accepted>(await world.Releases.StartAsync(
            world.Request("2.0.0", new AppBehaviour("2.0.0", Healthy: false)), ReleaseHarness.Releaser, null, CancellationToken.None));
        var done = await world.DriveAsync(started.Release.Id);

        ReleaseHarness.AssertEnded(done, "Failed");
        Assert.Contains(done.Analyses, a => a.Kind == "health-gate" && a.Outcome == "Failed");
        Assert.DoesNotContain(world.Emulator.TrafficLog.Snapshot(), r => r.Version == "2.0.0" && !r.IsHealthCheck);
        Assert.All(world.Served, s => Assert.False(s.Load.ByVersion.ContainsKey("2.0.0")));
        Assert.Equal("1.0.0", world.Site.Production.Version);
        Assert.Equal("release.failed", Assert.Single(world.Webhook.Received).GetProperty("event").GetString());
    }

    [Fact]
    public async Task Release_EngineRestartedEveryTickAndCrashingAfterTheSwapCall_ConvergesWithOneSwap()
    {
        await using var world = await ReleaseHarness.StartAsync(azurite);
        await world.WarmUpProductionAsync();
        var crashed = new HashSet<string>();
        world.Crashes.Reached = (point, _) =>
        {
            // Each crash point fires once: the process "dies" after the external call, before its outcome is recorded.
            if (crashed.Add(point))
            {
                throw new SimulatedCrash(point);
            }
        };

        var started = Assert.IsType<ReleaseCommandResult.Accepted>(
            await world.Releases.StartAsync(world.Request("2.0.0"), ReleaseHarness.Releaser, null, CancellationToken.None));
        var done = await world.DriveAsync(started.Release.Id, restartEveryTick: true, maxTicks: 200);

        ReleaseHarness.AssertEnded(done, "Succeeded");
        Assert.Contains(CrashPoints.AfterSwapRequested, crashed);
        Assert.Contains(CrashPoints.AfterDeployStarted, crashed);
        Assert.Contains(CrashPoints.AfterTrafficSet, crashed);
        Assert.Single(world.Emulator.SwapLog.Snapshot());
        Assert.Equal("2.0.0", world.Site.Production.Version);
        Assert.Equal("1.0.0", world.Site.Slot("staging").Version);
    }

    [Fact]
    public async Task Rollback_AfterTheSwap_SwapsBackExactlyOnceAcrossRestarts()
    {
        await using var world = await ReleaseHarness.StartAsync(azurite);
        await world.WarmUpProductionAsync();
        var crashed = false;
        world.Crashes.Reached = (point, _) =>
        {
            if (point == CrashPoints.AfterSwapBackRequested && !crashed)
            {
                crashed = true;
                throw new SimulatedCrash(point);
            }
        };
        var started = Assert.IsType<ReleaseCommandResult.Accepted>(
            await world.Releases.StartAsync(world.Request("2.0.0"), ReleaseHarness.Releaser, null, CancellationToken.None));
        await world.DriveAsync(started.Release.Id, until: v => v.Phase == "Watching");

        var rollback = await world.Releases.RollbackAsync(started.Release.Id, ReleaseHarness.Releaser, "Customers report broken checkout.", CancellationToken.None);
        Assert.IsType<ReleaseCommandResult.Accepted>(rollback);
        var done = await world.DriveAsync(started.Release.Id, restartEveryTick: true);

        ReleaseHarness.AssertEnded(done, "RolledBack");
        Assert.True(crashed);
        Assert.Equal(2, world.Emulator.SwapLog.Snapshot().Count);
        Assert.Equal("1.0.0", world.Site.Production.Version);
        Assert.Equal("2.0.0", world.Site.Slot("staging").Version);
        var after = await world.Emulator.Traffic.SendAsync(world.Site, 50);
        Assert.Equal(50, after.ByVersion.GetValueOrDefault("1.0.0"));
        Assert.Contains("Customers report broken checkout.", Assert.Single(world.Webhook.Received).GetProperty("reason").GetString());
    }

    [Fact]
    public async Task Release_ArmThrottlingAndServerErrorsDuringSteps_LoseNothing()
    {
        await using var world = await ReleaseHarness.StartAsync(azurite);
        await world.WarmUpProductionAsync();
        world.Emulator.Faults.ThrottleArm("/config/web", 2, TimeSpan.FromSeconds(1));
        world.Emulator.Faults.FailArm("slotsswap", 1, 503);
        world.Emulator.Faults.FailArm("/config/appsettings", 1, 500);
        world.Emulator.Faults.ThrottleArm("metrics", 2, TimeSpan.FromSeconds(1));

        var started = Assert.IsType<ReleaseCommandResult.Accepted>(
            await world.Releases.StartAsync(world.Request("2.0.0"), ReleaseHarness.Releaser, null, CancellationToken.None));
        var done = await world.DriveAsync(started.Release.Id);

        ReleaseHarness.AssertEnded(done, "Succeeded");
        Assert.Empty(world.Emulator.Faults.PendingArmFaults());
        Assert.Single(world.Emulator.SwapLog.Snapshot());
        Assert.Equal("2.0.0", world.Site.Production.Version);
    }

    [Fact]
    public async Task StartAsync_TwoConcurrentReleasesOfOneApp_OneAcceptedOneConflict()
    {
        await using var world = await ReleaseHarness.StartAsync(azurite);

        var results = await Task.WhenAll(
            world.Releases.StartAsync(world.Request("2.0.0"), ReleaseHarness.Releaser, null, CancellationToken.None),
            world.Releases.StartAsync(world.Request("2.0.1"), ReleaseHarness.Releaser, null, CancellationToken.None));

        var accepted = Assert.Single(results.OfType<ReleaseCommandResult.Accepted>());
        var rejected = Assert.Single(results.OfType<ReleaseCommandResult.Rejected>());
        Assert.Equal(409, rejected.Status);
        Assert.Equal(accepted.Release.Id, rejected.ActiveReleaseId);
    }

    [Fact]
    public async Task StartAsync_SameIdempotencyKey_ReplaysSameBodyAndRejectsAnother()
    {
        await using var world = await ReleaseHarness.StartAsync(azurite);
        var request = world.Request("2.0.0");

        var first = Assert.IsType<ReleaseCommandResult.Accepted>(await world.Releases.StartAsync(request, ReleaseHarness.Releaser, "build-4711", CancellationToken.None));
        var replay = Assert.IsType<ReleaseCommandResult.Accepted>(await world.Releases.StartAsync(request, ReleaseHarness.Releaser, "build-4711", CancellationToken.None));
        var other = Assert.IsType<ReleaseCommandResult.Rejected>(await world.Releases.StartAsync(world.Request("2.0.1"), ReleaseHarness.Releaser, "build-4711", CancellationToken.None));

        Assert.False(first.Replayed);
        Assert.True(replay.Replayed);
        Assert.Equal(first.Release.Id, replay.Release.Id);
        Assert.Equal(422, other.Status);
        Assert.Single(await world.Releases.ListAsync(ReleaseHarness.App, null, CancellationToken.None));
    }

    [Fact]
    public async Task Release_MinorNormalChange_WaitsForATeamLeadOtherThanTheRequesterThenForTheWindow()
    {
        await using var world = await ReleaseHarness.StartAsync(azurite);
        var developer = new Caller("dev-7", "Dev Seven", new HashSet<string> { Roles.Releaser, Roles.Approver });
        var lead = new Caller("lead-2", "Team Lead", new HashSet<string> { Roles.Approver });
        var started = Assert.IsType<ReleaseCommandResult.Accepted>(await world.Releases.StartAsync(
            world.Request("2.1.0", releaseType: "Minor", changeClass: "Normal"), developer, null, CancellationToken.None));
        Assert.Equal("AwaitingApproval", started.Release.Phase);

        // The requester never approves their own release; an approval needs the approver role
        var own = Assert.IsType<ReleaseCommandResult.Rejected>(await world.Releases.ApproveAsync(started.Release.Id, developer, "team-lead", null, CancellationToken.None));
        Assert.Equal(403, own.Status);
        var notApprover = Assert.IsType<ReleaseCommandResult.Rejected>(await world.Releases.ApproveAsync(started.Release.Id, ReleaseHarness.Releaser, "team-lead", null, CancellationToken.None));
        Assert.Equal(403, notApprover.Status);
        await world.TickAsync();
        Assert.Equal("AwaitingApproval", (await world.Releases.GetAsync(started.Release.Id, CancellationToken.None))!.Phase);

        // A team lead approves: the minor release then waits for the low-traffic window (22:00), touching nothing meanwhile
        var approved = Assert.IsType<ReleaseCommandResult.Accepted>(await world.Releases.ApproveAsync(started.Release.Id, lead, "team-lead", "Reviewed.", CancellationToken.None));
        Assert.Equal("AwaitingWindow", approved.Release.Phase);
        Assert.Contains("low-traffic", approved.Release.StatusReason);
        Assert.Equal(0, world.Emulator.ArmCallLog.Count);

        world.Time.SetUtcNow(new DateTimeOffset(2026, 1, 5, 22, 0, 5, TimeSpan.Zero));
        await world.TickAsync();

        var moving = (await world.Releases.GetAsync(started.Release.Id, CancellationToken.None))!;
        Assert.Equal("Deploying", moving.Phase);
        Assert.Equal("lead-2", Assert.Single(moving.Approvals).Approver);
        Assert.Contains(await world.AuditRecordsAsync(), r => r.Action == "release.approved" && r.Actor == "lead-2");
    }

    [Fact]
    public async Task Tick_ReleaseStuckInAnOperationThatNeverEnds_WatchdogFailsItSafe()
    {
        await using var world = await ReleaseHarness.StartAsync(azurite, operationsComplete: false);
        await world.WarmUpProductionAsync();

        var started = Assert.IsType<ReleaseCommandResult.Accepted>(
            await world.Releases.StartAsync(world.Request("2.0.0"), ReleaseHarness.Releaser, null, CancellationToken.None));
        var done = await world.DriveAsync(started.Release.Id, tick: TimeSpan.FromMinutes(1), maxTicks: 60);

        ReleaseHarness.AssertEnded(done, "RolledBack");
        Assert.StartsWith("Timed out: the release stayed in Deploying", done.StatusReason);
        Assert.All(world.Served, s => Assert.False(s.Load.ByVersion.ContainsKey("2.0.0")));
        Assert.Equal("release.rolled-back", Assert.Single(world.Webhook.Received).GetProperty("event").GetString());
        Assert.IsType<ReleaseCommandResult.Accepted>(
            await world.Releases.StartAsync(world.Request("2.0.1"), ReleaseHarness.Releaser, null, CancellationToken.None));
    }

    [Fact]
    public async Task PromoteAsync_DuringABake_RunsTheAnalysisAtOnceAndStillRollsBackAFaultyVersion()
    {
        await using var world = await ReleaseHarness.StartAsync(azurite);
        await world.WarmUpProductionAsync();
        var started = Assert.IsType<ReleaseCommandResult.Accepted>(await world.Releases.StartAsync(
            world.Request("2.0.0", new AppBehaviour("2.0.0", ErrorRate: 0.5)), ReleaseHarness.Releaser, null, CancellationToken.None));
        await world.DriveAsync(started.Release.Id, until: v => v.Phase == "Shifting");
        for (var i = 0; i < 8; i++)
        {
            await world.Emulator.Traffic.SendAsync(world.Site, 60);
            world.Time.Advance(ReleaseHarness.Tick);
        }

        var promoted = Assert.IsType<ReleaseCommandResult.Accepted>(
            await world.Releases.PromoteAsync(started.Release.Id, ReleaseHarness.Releaser, "Looks fine to me.", CancellationToken.None));

        Assert.NotEqual("Shifting", promoted.Release.Phase);
        Assert.Equal("Failed", Assert.Single(promoted.Release.Analyses, a => a.Kind == "canary").Outcome);
        var done = await world.DriveAsync(started.Release.Id);
        ReleaseHarness.AssertEnded(done, "RolledBack");
    }

    [Fact]
    public async Task RollbackLockHolder_DuringATrafficStep_RollsBackWithASingleRouteReset()
    {
        await using var world = await ReleaseHarness.StartAsync(azurite);
        var id = await StartTakingTrafficAsync(world);
        var routingWrites = RoutingWrites(world);

        var rolledBack = Assert.IsType<ReleaseCommandResult.Accepted>(
            await world.Releases.RollbackLockHolderAsync(id, ReleaseHarness.Releaser, "Alert fired.", CancellationToken.None));

        Assert.Equal(0, rolledBack.Release.TrafficPercent);
        var done = await world.DriveAsync(id);
        ReleaseHarness.AssertEnded(done, "RolledBack");
        Assert.Equal(routingWrites + 1, RoutingWrites(world));
        Assert.Single(done.Timeline, e => e.Message.StartsWith("Routing rule cleared", StringComparison.Ordinal));
        Assert.Equal("1.0.0", world.Site.Production.Version);
    }

    [Fact]
    public async Task RollbackLockHolder_ArmFailsTheEarlyRouteReset_TheRollbackIsRecordedAndResetsTheRouteItself()
    {
        await using var world = await ReleaseHarness.StartAsync(azurite);
        var id = await StartTakingTrafficAsync(world);
        world.Emulator.Faults.FailArm("/config/web", 20, 500);

        var accepted = Assert.IsType<ReleaseCommandResult.Accepted>(
            await world.Releases.RollbackLockHolderAsync(id, ReleaseHarness.Releaser, "Alert fired.", CancellationToken.None));

        Assert.Equal("RollingBack", accepted.Release.Phase);
        world.Emulator.Faults.Clear();
        var done = await world.DriveAsync(id);
        ReleaseHarness.AssertEnded(done, "RolledBack");
        Assert.Equal(0, done.TrafficPercent);
        Assert.Single(done.Timeline, e => e.Message.StartsWith("Routing rule cleared", StringComparison.Ordinal));
    }

    [Fact]
    public async Task RollbackLockHolder_ProcessStopsBetweenTheEarlyRouteResetAndTheSave_NoTrafficReturnsAndTheRedeliveryRollsBack()
    {
        await using var world = await ReleaseHarness.StartAsync(azurite);
        var id = await StartTakingTrafficAsync(world);
        world.Crashes.Reached = (point, _) =>
        {
            if (point == CrashPoints.AfterEarlyRouteReset)
            {
                world.Crashes.Reached = null;
                throw new SimulatedCrash(point);
            }
        };

        // The routing rule is reset, then the process stops before the rollback is recorded: the release still says it
        // is baking its first step, and the alert's delivery failed.
        await Assert.ThrowsAsync<SimulatedCrash>(() =>
            world.Releases.RollbackLockHolderAsync(id, ReleaseHarness.Releaser, "Alert fired.", CancellationToken.None));
        await world.RestartEngineAsync();
        var crashedAt = world.Served.Count;

        // Meanwhile the step's bake ends: with no traffic left on the new version, its analysis cannot pass it.
        var meanwhile = await world.DriveAsync(id, until: v => v.Analyses.Any(a => a.Kind == "canary"));
        Assert.Equal(("Active", "Shifting", 10), (meanwhile.Status, meanwhile.Phase, meanwhile.TrafficPercent));
        Assert.Equal("Inconclusive", Assert.Single(meanwhile.Analyses, a => a.Kind == "canary").Outcome);

        // The alert is delivered again, as Azure Monitor retries a failed webhook call.
        Assert.IsType<ReleaseCommandResult.Accepted>(
            await world.Releases.RollbackLockHolderAsync(id, ReleaseHarness.Releaser, "Alert fired.", CancellationToken.None));
        var done = await world.DriveAsync(id);

        ReleaseHarness.AssertEnded(done, "RolledBack");
        Assert.All(world.Served.Skip(crashedAt), s => Assert.False(s.Load.ByVersion.ContainsKey("2.0.0"), $"2.0.0 served traffic in {s.Phase} after the reset."));
        Assert.Empty(world.Emulator.SwapLog.Snapshot());
        Assert.Equal("1.0.0", world.Site.Production.Version);
        Assert.Equal(0, done.TrafficPercent);
    }

    /// <summary>Warms production up, starts 2.0.0 and drives it into its first traffic step; returns the release id.</summary>
    private static async Task<string> StartTakingTrafficAsync(ReleaseHarness world)
    {
        await world.WarmUpProductionAsync();
        var started = Assert.IsType<ReleaseCommandResult.Accepted>(
            await world.Releases.StartAsync(world.Request("2.0.0"), ReleaseHarness.Releaser, null, CancellationToken.None));
        await world.DriveAsync(started.Release.Id, until: v => v.Phase == "Shifting" && v.TrafficPercent > 0);
        return started.Release.Id;
    }

    private static int RoutingWrites(ReleaseHarness world) =>
        world.Emulator.ArmCallLog.Snapshot().Count(c => c.Method != "GET" && c.Path.Contains("/config/web", StringComparison.OrdinalIgnoreCase));

    [Fact]
    public async Task Rollback_OvertakingATickAboutToShiftTraffic_LeavesNoTrafficOnTheNewVersion()
    {
        await using var world = await ReleaseHarness.StartAsync(azurite);
        var id = await StartTakingTrafficAsync(world);
        var overtaken = new List<int>();
        world.Crashes.Interleave = async (point, _) =>
        {
            if (point == CrashPoints.BeforeTrafficSet && overtaken.Count == 0)
            {
                // The tick has decided on the next step; an operator's rollback lands before its routing call does.
                var rolledBack = Assert.IsType<ReleaseCommandResult.Accepted>(
                    await world.Releases.RollbackAsync(id, ReleaseHarness.Releaser, "Operator saw trouble.", CancellationToken.None));
                overtaken.Add(rolledBack.Release.TrafficPercent);
            }
        };

        var done = await world.DriveAsync(id);

        ReleaseHarness.AssertEnded(done, "RolledBack");
        Assert.Equal([0], overtaken);
        var after = await world.Emulator.Traffic.SendAsync(world.Site, 200);
        Assert.Equal(200, after.ByVersion.GetValueOrDefault("1.0.0"));
        Assert.False(after.ByVersion.ContainsKey("2.0.0"), $"After the rollback 2.0.0 still served {after.ByVersion.GetValueOrDefault("2.0.0")} of 200 requests.");
    }

    [Fact]
    public async Task Rollback_OfASuccessInsideItsWindow_SwapsBackOnceThenTheAppIsFree()
    {
        await using var world = await ReleaseHarness.StartAsync(azurite);
        await world.WarmUpProductionAsync();
        var started = Assert.IsType<ReleaseCommandResult.Accepted>(
            await world.Releases.StartAsync(world.Request("2.0.0"), ReleaseHarness.Releaser, null, CancellationToken.None));
        var id = started.Release.Id;
        ReleaseHarness.AssertEnded(await world.DriveAsync(id), "Succeeded");
        world.Time.Advance(TimeSpan.FromMinutes(20));

        var rolledBack = Assert.IsType<ReleaseCommandResult.Accepted>(
            await world.Releases.RollbackAsync(id, ReleaseHarness.Releaser, "Customers report errors since 2.0.0.", CancellationToken.None));
        var ended = await world.DriveAsync(id);

        Assert.Equal("Active", rolledBack.Release.Status);
        ReleaseHarness.AssertEnded(ended, "RolledBack");
        Assert.Equal("1.0.0", world.Site.Production.Version);
        Assert.Equal("2.0.0", world.Site.Slot("staging").Version);
        Assert.Equal(2, world.Emulator.SwapLog.Snapshot().Count);
        var again = Assert.IsType<ReleaseCommandResult.Rejected>(
            await world.Releases.RollbackAsync(id, ReleaseHarness.Releaser, "Once more.", CancellationToken.None));
        Assert.Equal(409, again.Status);
        Assert.Equal(2, world.Emulator.SwapLog.Snapshot().Count);
        Assert.IsType<ReleaseCommandResult.Accepted>(
            await world.Releases.StartAsync(world.Request("2.0.1"), ReleaseHarness.Releaser, null, CancellationToken.None));
    }

    [Fact]
    public async Task Rollback_OfASuccessAfterItsWindowOrOfAnOlderRelease_RefusedAndNothingSwaps()
    {
        await using var world = await ReleaseHarness.StartAsync(azurite);
        await world.WarmUpProductionAsync();
        var first = Assert.IsType<ReleaseCommandResult.Accepted>(
            await world.Releases.StartAsync(world.Request("2.0.0"), ReleaseHarness.Releaser, null, CancellationToken.None));
        ReleaseHarness.AssertEnded(await world.DriveAsync(first.Release.Id), "Succeeded");
        var second = Assert.IsType<ReleaseCommandResult.Accepted>(
            await world.Releases.StartAsync(world.Request("2.0.1"), ReleaseHarness.Releaser, null, CancellationToken.None));
        ReleaseHarness.AssertEnded(await world.DriveAsync(second.Release.Id), "Succeeded");

        var older = Assert.IsType<ReleaseCommandResult.Rejected>(
            await world.Releases.RollbackAsync(first.Release.Id, ReleaseHarness.Releaser, "Wrong one.", CancellationToken.None));
        world.Time.Advance(TimeSpan.FromMinutes(31));
        var late = Assert.IsType<ReleaseCommandResult.Rejected>(
            await world.Releases.RollbackAsync(second.Release.Id, ReleaseHarness.Releaser, "Too late.", CancellationToken.None));

        Assert.Equal(409, older.Status);
        Assert.Contains(second.Release.Id, older.Detail);
        Assert.Equal(409, late.Status);
        Assert.Contains("could be rolled back until", late.Detail);
        Assert.Equal(2, world.Emulator.SwapLog.Snapshot().Count);
        Assert.Equal("2.0.1", world.Site.Production.Version);
        Assert.Equal("Succeeded", (await world.Releases.GetAsync(second.Release.Id, CancellationToken.None))!.Status);
        Assert.Empty(await world.Releases.ListAsync("shop", "Active", CancellationToken.None));
        Assert.IsType<ReleaseCommandResult.Accepted>(
            await world.Releases.StartAsync(world.Request("2.0.2"), ReleaseHarness.Releaser, null, CancellationToken.None));
    }

    [Fact]
    public async Task Tick_ReleasesOfSeveralApps_AdvanceSideBySideToTheEnd()
    {
        await using var world = await ReleaseHarness.StartAsync(azurite);
        var sites = new List<EmulatedSite> { world.Site };
        for (var i = 1; i < 6; i++)
        {
            sites.Add(await world.AddAppAsync($"app{i}"));
        }
        var ids = new List<string>();
        foreach (var site in sites)
        {
            var started = Assert.IsType<ReleaseCommandResult.Accepted>(
                await world.Releases.StartAsync(world.Request("2.0.0", app: site.Name), ReleaseHarness.Releaser, null, CancellationToken.None));
            ids.Add(started.Release.Id);
        }

        var ticks = 0;
        while (ticks++ < 120)
        {
            var views = await Task.WhenAll(ids.Select(id => world.Releases.GetAsync(id, CancellationToken.None)));
            if (views.All(v => v!.Status != "Active"))
            {
                break;
            }
            await Task.WhenAll(sites.Select(site => world.Emulator.Traffic.SendAsync(site, 40)));
            world.Time.Advance(ReleaseHarness.Tick);
            world.Emulator.AdvanceOperations();
            var tick = await world.TickAsync();
            Assert.Equal(0, tick.Failed);
        }

        foreach (var id in ids)
        {
            ReleaseHarness.AssertEnded((await world.Releases.GetAsync(id, CancellationToken.None))!, "Succeeded");
        }
        Assert.All(sites, site => Assert.Equal("2.0.0", site.Production.Version));
        Assert.Equal(sites.Count, world.Emulator.SwapLog.Snapshot().Count);
        Assert.Equal(sites.Count, (await world.Releases.ListAsync(null, "Succeeded", CancellationToken.None)).Count);
    }

    private static double NewVersionShare(ReleaseHarness world, string phase, int percent, string version)
    {
        var loads = world.Served.Where(s => s.Phase == phase && s.Percent == percent).Select(s => s.Load).ToList();
        Assert.NotEmpty(loads);
        var total = loads.Sum(l => l.Requests);
        return 100.0 * loads.Sum(l => l.ByVersion.GetValueOrDefault(version)) / total;
    }

    private sealed class SimulatedCrash(string point) : Exception($"Simulated crash at {point}.");
}
