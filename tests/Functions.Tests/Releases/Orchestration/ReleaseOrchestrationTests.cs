using Blueshift.AppServiceEmulator;
using Blueshift.Domain.Analysis;
using Blueshift.Domain.Releases;
using Blueshift.Functions.Releases.Orchestration;
using Blueshift.Functions.Traffic;
using Blueshift.Testing;
using Microsoft.DurableTask;
using Xunit;

namespace Blueshift.Functions.Tests.Releases.Orchestration;

/// <summary>
/// The release orchestration end to end on <c>DurableTaskTestHost</c>, which replays the orchestrator from its history
/// at every await: each passing flow is also a replay of it. Bakes last seconds, against the App Service emulator's
/// real slots, routing, swaps and per-second metrics, with the audit trail on Azurite.
/// </summary>
public sealed class ReleaseOrchestrationTests(AzuriteFixture azurite) : IClassFixture<AzuriteFixture>, IAsyncLifetime
{
    private OrchestrationWorld _world = null!;

    public async Task InitializeAsync() => _world = await OrchestrationWorld.StartAsync(azurite, SwapTwice.Register);

    public async Task DisposeAsync() => await _world.DisposeAsync();

    [Fact]
    public async Task RunRelease_HealthyVersion_SucceedsWithExactlyOneSwapAndProductionServesIt()
    {
        _world.StartUsers();

        var (_, outcome) = await _world.RunAsync(_world.Release("rel-healthy", new AppBehaviour("2.0.0")));

        Assert.True(outcome.Phase == ReleasePhase.Succeeded, Story(outcome));
        Assert.Equal(1, outcome.ForwardSwaps);
        Assert.Single(_world.Emulator.SwapLog.Snapshot());
        Assert.Equal("2.0.0", _world.Site.Production.Behaviour.Version);
        Assert.Equal(0, await _world.StagingSharePercentAsync());
        // Each step passed, in order; a step may be analysed again first when a bake saw too little traffic (inconclusive).
        var canary = outcome.Analyses.Where(a => a.Kind == "canary").ToList();
        Assert.Equal([50, 100], canary.Where(a => a.Outcome == VerdictOutcome.Successful).Select(a => a.TrafficPercent));
        Assert.All(canary.Where(a => a.Outcome != VerdictOutcome.Successful), a => Assert.Equal(VerdictOutcome.Inconclusive, a.Outcome));
        Assert.Equal([50, 100], canary.Select(a => a.TrafficPercent).Distinct());
        var actions = (await _world.AuditRecordsAsync("rel-healthy")).Select(r => r.Action).ToList();
        Assert.Equal(2, actions.Count(a => a == "release.traffic-shifted"));
        Assert.Contains("release.swapped", actions);
        Assert.Contains("release.succeeded", actions);
    }

    [Fact]
    public async Task RunRelease_Succeeded_FreesTheAppAtOnceThenSwapsBackOnARollbackInsideItsWindow()
    {
        _world.StartUsers();
        await _world.Registry.IndexAsync(OrchestrationWorld.App, "rel-window", ReleaseStatus.Active, DateTimeOffset.UtcNow, default);
        Assert.Null(await _world.Registry.TryLockAsync(OrchestrationWorld.App, "rel-window", DateTimeOffset.UtcNow, default));
        var id = await _world.StartAsync(_world.Release("rel-window", new AppBehaviour("2.4.0"), rollbackWindow: TimeSpan.FromMinutes(5)));

        var succeeded = await _world.WaitForProgressAsync(id, p => p is { Phase: ReleasePhase.Succeeded, RollbackWindowEndsAt: not null }, TimeSpan.FromSeconds(60));
        // Succeeded: the app is free for its next release and the index says so, while the orchestration waits out the window.
        Assert.Null(await _world.Registry.GetLockAsync(OrchestrationWorld.App, default));
        Assert.Equal(["rel-window"], await _world.Registry.ListIdsAsync(OrchestrationWorld.App, "Succeeded", 10, default));
        Assert.True(succeeded.RollbackWindowEndsAt > DateTimeOffset.UtcNow);
        Assert.Equal("2.4.0", _world.Site.Production.Behaviour.Version);

        await _world.Client.RaiseEventAsync(id, ReleaseEvents.Rollback, new ReleaseCommand("alert:HighErrorRate", "Azure Monitor alert fired after the release."));
        var (_, outcome) = await _world.CompletionAsync(id);

        Assert.True(outcome.Phase == ReleasePhase.RolledBack, Story(outcome));
        Assert.Equal(2, _world.Emulator.SwapLog.Snapshot().Count);
        Assert.Equal("1.0.0", _world.Site.Production.Behaviour.Version);
        Assert.Null(await _world.Registry.GetLockAsync(OrchestrationWorld.App, default));
        Assert.Equal(["rel-window"], await _world.Registry.ListIdsAsync(OrchestrationWorld.App, "RolledBack", 10, default));
    }

    [Fact]
    public async Task RunRelease_RollbackInsideTheWindowAfterANewerReleaseStarted_RefusedAndNothingSwapsBack()
    {
        _world.StartUsers();
        await _world.Registry.IndexAsync(OrchestrationWorld.App, "rel-older", ReleaseStatus.Active, DateTimeOffset.UtcNow, default);
        var id = await _world.StartAsync(_world.Release("rel-older", new AppBehaviour("2.5.0"), rollbackWindow: TimeSpan.FromMinutes(5)));
        await _world.WaitForProgressAsync(id, p => p is { Phase: ReleasePhase.Succeeded, RollbackWindowEndsAt: not null }, TimeSpan.FromSeconds(60));
        // A newer release of the app has started since (and holds it).
        await _world.Registry.IndexAsync(OrchestrationWorld.App, "rel-newer", ReleaseStatus.Active, DateTimeOffset.UtcNow.AddSeconds(1), default);
        Assert.Null(await _world.Registry.TryLockAsync(OrchestrationWorld.App, "rel-newer", DateTimeOffset.UtcNow, default));

        await _world.Client.RaiseEventAsync(id, ReleaseEvents.Rollback, new ReleaseCommand("ops", "Roll the older one back."));
        var (_, outcome) = await _world.CompletionAsync(id);

        Assert.True(outcome.Phase == ReleasePhase.Succeeded, Story(outcome));
        Assert.Single(_world.Emulator.SwapLog.Snapshot());
        Assert.Equal("2.5.0", _world.Site.Production.Behaviour.Version);
        Assert.Equal("rel-newer", (await _world.Registry.GetLockAsync(OrchestrationWorld.App, default))!.Value.ReleaseId);
        await _world.WaitForAuditAsync("rel-older", r => r.Action == "release.rollback-refused");
    }

    [Fact]
    public async Task RunRelease_VersionFailingTwentyPercent_RolledBackInFirstStepWithoutSwap()
    {
        _world.StartUsers();

        var (_, outcome) = await _world.RunAsync(_world.Release("rel-faulty", new AppBehaviour("3.0.0", ErrorRate: 0.2)));

        Assert.True(outcome.Phase == ReleasePhase.RolledBack, Story(outcome));
        var canary = Assert.Single(outcome.Analyses, a => a.Kind == "canary");
        Assert.Equal((50, Domain.Analysis.VerdictOutcome.Failed), (canary.TrafficPercent, canary.Outcome));
        Assert.Equal(0, outcome.ForwardSwaps);
        Assert.Empty(_world.Emulator.SwapLog.Snapshot());
        Assert.Equal(0, await _world.StagingSharePercentAsync());
        Assert.Equal("1.0.0", _world.Site.Production.Behaviour.Version);
        var records = await _world.AuditRecordsAsync("rel-faulty");
        var analysis = Assert.Single(records, r => r.Action == "release.analysis" && r.Details!["kind"] == "canary");
        Assert.Equal("Failed", analysis.Details!["error-rate.outcome"]);
        Assert.Contains(records, r => r.Action == "release.rollback-started");
        Assert.Contains(records, r => r.Action == "release.rolled-back");
        // The seed's template: what happened, what was done, the impact and whom to call.
        var notice = Assert.Single(_world.Webhook.Received);
        Assert.Equal("release.rolled-back", notice.GetProperty("event").GetString());
        Assert.Equal("Rollback to version 1.0.0: routed 0 % of production traffic to 3.0.0.", notice.GetProperty("actionTaken").GetString());
        Assert.Equal("3.0.0 served up to 50 % of production traffic before the rollback.", notice.GetProperty("impact").GetString());
        Assert.Equal("Stable", notice.GetProperty("currentStatus").GetString());
        Assert.Equal("ops-oncall@shop.example", notice.GetProperty("contact").GetString());
    }

    [Fact]
    public async Task RunRelease_RollbackEventDuringWatch_SwapsBackOnceAndProductionServesThePreviousVersion()
    {
        _world.StartUsers();
        var input = _world.Release("rel-watched", new AppBehaviour("2.3.0"), OrchestrationWorld.Policy(watch: TimeSpan.FromMinutes(5)));
        var id = await _world.StartAsync(input);
        await _world.WaitForProgressAsync(id, p => p.Phase == ReleasePhase.Watching, TimeSpan.FromSeconds(45));
        Assert.Equal("2.3.0", _world.Site.Production.Behaviour.Version);

        await _world.Client.RaiseEventAsync(id, ReleaseEvents.Rollback, new ReleaseCommand("alert:HighErrorRate", "Azure Monitor alert fired."));
        var (_, outcome) = await _world.CompletionAsync(id);

        Assert.True(outcome.Phase == ReleasePhase.RolledBack, Story(outcome));
        Assert.Equal(2, _world.Emulator.SwapLog.Snapshot().Count);
        Assert.Equal("1.0.0", _world.Site.Production.Behaviour.Version);
        Assert.Equal(0, await _world.StagingSharePercentAsync());
        var notice = Assert.Single(_world.Webhook.Received);
        Assert.Equal("Rollback to version 1.0.0 by swapping the staging slot back; 2.3.0 waits in the staging slot.", notice.GetProperty("actionTaken").GetString());
        Assert.Equal("2.3.0 served all production traffic after the swap until the rollback.", notice.GetProperty("impact").GetString());
        var started = Assert.Single(await _world.AuditRecordsAsync(id), r => r.Action == "release.rollback-started");
        Assert.Equal("alert:HighErrorRate", started.Actor);
    }

    [Fact]
    public async Task RunRelease_ArmThrottlesRoutingAndTheFirstSwapFails_SucceedsWithOneEffectiveSwap()
    {
        _world.StartUsers();
        _world.Emulator.Faults.ThrottleArm("/config/web", 1, TimeSpan.FromSeconds(1));
        _world.Emulator.Faults.FailArm("/config/web", 1, 503);
        _world.Emulator.Faults.FailNextOperation(OperationKind.Swap, OrchestrationWorld.App);

        var (_, outcome) = await _world.RunAsync(_world.Release("rel-bumpy", new AppBehaviour("2.0.0")));

        Assert.True(outcome.Phase == ReleasePhase.Succeeded, Story(outcome));
        Assert.Empty(_world.Emulator.Faults.PendingArmFaults());
        Assert.Equal([OperationStatus.Failed, OperationStatus.Succeeded], _world.Emulator.SwapLog.Snapshot().Select(s => s.Status));
        Assert.Equal("2.0.0", _world.Site.Production.Behaviour.Version);
    }

    [Fact]
    public async Task RunRelease_FailingHealthCheck_NeverGetsTrafficAndFails()
    {
        _world.StartUsers();

        var (_, outcome) = await _world.RunAsync(_world.Release("rel-unhealthy", new AppBehaviour("4.0.0", Healthy: false)));

        Assert.True(outcome.Phase == ReleasePhase.Failed, Story(outcome));
        Assert.Equal(0, outcome.MaxTrafficPercent);
        Assert.Equal(Domain.Analysis.VerdictOutcome.Failed, Assert.Single(outcome.Analyses, a => a.Kind == "health-gate").Outcome);
        Assert.DoesNotContain(outcome.Analyses, a => a.Kind == "canary");
        Assert.DoesNotContain(_world.Emulator.TrafficLog.Snapshot(), r => r.Slot == "staging" && !r.IsHealthCheck && r.Version == "4.0.0");
        Assert.Empty(_world.Emulator.SwapLog.Snapshot());
    }

    [Fact]
    public async Task RunRelease_PromoteDuringBakes_SkipsTheirRest()
    {
        _world.StartUsers();
        // Bakes far longer than the test may take: only the promote events can end them in time.
        var input = _world.Release("rel-promoted", new AppBehaviour("2.1.0"), OrchestrationWorld.Policy(bake: TimeSpan.FromMinutes(5)));
        var id = await _world.StartAsync(input);

        foreach (var percent in new[] { 50, 100 })
        {
            await _world.WaitForProgressAsync(id, p => p.Phase == ReleasePhase.Shifting && p.TrafficPercent == percent);
            // The analysis counts whole metric grains from the bake's start: wait for evidence inside them.
            var grains = OrchestrationWorld.Grain.Ticks;
            var firstWholeGrain = new DateTimeOffset((DateTimeOffset.UtcNow.UtcTicks + grains - 1) / grains * grains, TimeSpan.Zero);
            await WaitForStagingRequestsAsync(firstWholeGrain, 40);
            await _world.Client.RaiseEventAsync(id, ReleaseEvents.Promote, new ReleaseCommand("release-manager", $"Enough evidence at {percent} %."));
        }
        var (_, outcome) = await _world.CompletionAsync(id);

        Assert.True(outcome.Phase == ReleasePhase.Succeeded, Story(outcome));
        Assert.Equal(2, outcome.Analyses.Count(a => a.Kind == "canary" && a.Outcome == Domain.Analysis.VerdictOutcome.Successful));
        var promotions = (await _world.AuditRecordsAsync(id)).Where(r => r.Action == "release.promoted").ToList();
        Assert.Equal(2, promotions.Count);
        Assert.All(promotions, p => Assert.Equal("release-manager", p.Actor));
    }

    [Fact]
    public async Task RunRelease_AbortMidBake_EndsAbortedWithRoutingAtZero()
    {
        _world.StartUsers();
        var input = _world.Release("rel-aborted", new AppBehaviour("2.2.0"), OrchestrationWorld.Policy(bake: TimeSpan.FromMinutes(5)));
        var id = await _world.StartAsync(input);
        await _world.WaitForProgressAsync(id, p => p.Phase == ReleasePhase.Shifting && p.TrafficPercent == 50);
        Assert.Equal(50, await _world.StagingSharePercentAsync());

        await _world.Client.RaiseEventAsync(id, ReleaseEvents.Abort, new ReleaseCommand("release-manager", "Wrong build."));
        var (instance, outcome) = await _world.CompletionAsync(id);

        Assert.True(outcome.Phase == ReleasePhase.Aborted, Story(outcome));
        Assert.Equal(0, await _world.StagingSharePercentAsync());
        Assert.Empty(_world.Emulator.SwapLog.Snapshot());
        Assert.Equal(0, instance.ReadCustomStatusAs<ReleaseProgress>()!.TrafficPercent);
        var aborted = Assert.Single(await _world.AuditRecordsAsync(id), r => r.Action == "release.aborted");
        Assert.Equal("release-manager", aborted.Actor);
    }

    [Fact]
    public async Task RunRelease_ProductionFailsDuringTheWatch_RolledBackBySwappingBack()
    {
        _world.StartUsers();
        var input = _world.Release("rel-late-failure", new AppBehaviour("2.4.0"), OrchestrationWorld.Policy(watch: TimeSpan.FromSeconds(20)));
        var id = await _world.StartAsync(input);
        await _world.WaitForProgressAsync(id, p => p.Phase == ReleasePhase.Watching, TimeSpan.FromSeconds(45));

        // The new version starts failing in production only after the swap (a dependency it needs gives out, say).
        _world.Emulator.SetContent(_world.Site.Production, new AppBehaviour("2.4.0", ErrorRate: 0.5));
        var (_, outcome) = await _world.CompletionAsync(id);

        Assert.True(outcome.Phase == ReleasePhase.RolledBack, Story(outcome));
        Assert.Equal(Domain.Analysis.VerdictOutcome.Failed, Assert.Single(outcome.Analyses, a => a.Kind == "post-swap").Outcome);
        Assert.Equal(2, _world.Emulator.SwapLog.Snapshot().Count);
        Assert.Equal("1.0.0", _world.Site.Production.Behaviour.Version);
        var started = Assert.Single(await _world.AuditRecordsAsync(id), r => r.Action == "release.rollback-started");
        Assert.Equal("Watching", started.Details!["from"]);
    }

    [Fact]
    public async Task RequestSwap_RunTwiceForOneRelease_SwapsOnce()
    {
        // The release's content in staging, marked as the release's: what a release has before it swaps.
        _world.Emulator.SetContent(_world.Site.Slot("staging"), new AppBehaviour("2.0.0"));
        _world.Emulator.SetAppSettings(_world.Site.Slot("staging"), new Dictionary<string, string> { [ReleaseMarker.ReleaseIdSetting] = "rel-twice" });
        var request = new SwapRequest(_world.Target, "rel-twice", SwapDirection.Forward);

        var id = await _world.Client.ScheduleNewOrchestrationInstanceAsync(SwapTwice.Name, request);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var instance = await _world.Client.WaitForInstanceCompletionAsync(id, getInputsAndOutputs: true, timeout.Token);

        Assert.True(instance.RuntimeStatus == Microsoft.DurableTask.Client.OrchestrationRuntimeStatus.Completed, instance.FailureDetails?.ToString());
        var (first, second) = instance.ReadOutputAs<SwapTwice.Result>()!;
        Assert.False(first.AlreadyDone);
        Assert.True(second.AlreadyDone);
        Assert.Single(_world.Emulator.SwapLog.Snapshot());
        Assert.Equal("2.0.0", _world.Site.Production.Behaviour.Version);
    }

    private async Task WaitForStagingRequestsAsync(DateTimeOffset since, int count)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        while (_world.StagingRequestsSince(since) < count)
        {
            await Task.Delay(TimeSpan.FromMilliseconds(100), timeout.Token);
        }
    }

    private static string Story(ReleaseOutcome outcome) =>
        $"{outcome.Phase}: {outcome.StatusReason}\n" + string.Join("\n", outcome.Analyses.Select(a => $"{a.Kind} {a.TrafficPercent}% {a.Outcome}: {a.Summary}"));

    /// <summary>
    /// The task hub delivers an activity at least once: the swap activity run a second time for the same release (its
    /// first answer lost after the swap took place) must find production done rather than swap it back.
    /// </summary>
    private static class SwapTwice
    {
        public const string Name = "SwapTwice";

        public sealed record Result(SwapStarted First, SwapStarted Second);

        public static void Register(DurableTaskRegistry registry) => registry.AddOrchestratorFunc<SwapRequest, Result>(Name, async (context, request) =>
        {
            var first = await context.CallActivityAsync<SwapStarted>(ReleaseActivityNames.RequestSwap, request);
            var operation = first.Operation!;
            while (operation.State == SlotOperationState.Running)
            {
                await context.CreateTimer(context.CurrentUtcDateTime.AddMilliseconds(300), CancellationToken.None);
                operation = await context.CallActivityAsync<SlotOperation>(ReleaseActivityNames.PollOperation, new OperationRequest(request.App, operation.OperationUrl!));
            }
            var second = await context.CallActivityAsync<SwapStarted>(ReleaseActivityNames.RequestSwap, request);
            return new Result(first, second);
        });
    }
}
