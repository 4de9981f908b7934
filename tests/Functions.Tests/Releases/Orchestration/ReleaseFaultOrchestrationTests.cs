using Blueshift.AppServiceEmulator;
using Blueshift.Domain.Releases;
using Blueshift.Functions.Releases.Orchestration;
using Blueshift.Functions.Traffic;
using Blueshift.Testing;
using Xunit;

namespace Blueshift.Functions.Tests.Releases.Orchestration;

/// <summary>
/// The release orchestration when Azure misbehaves: refused calls, swaps whose outcome is unknown, operations that never
/// answer, and a rollback that itself fails. Whatever happens, the orchestration completes in a terminal phase, never
/// swaps twice, and never ends silently.
/// </summary>
public sealed class ReleaseFaultOrchestrationTests(AzuriteFixture azurite) : IClassFixture<AzuriteFixture>, IAsyncLifetime
{
    private OrchestrationWorld _world = null!;

    public async Task InitializeAsync() => _world = await OrchestrationWorld.StartAsync(azurite);

    public async Task DisposeAsync() => await _world.DisposeAsync();

    [Fact]
    public async Task RunRelease_RoutingRefusedWith400_RollsBackWithoutRetryingIt()
    {
        _world.StartUsers();
        // A refusal says something about the request, not about Azure's health: trying it again cannot help.
        _world.Emulator.Faults.AddArmFault(new ArmFault(ArmFaultKind.ServerError, "/config/web", 1, "PATCH", StatusCode: 400));

        var (_, outcome) = await _world.RunAsync(_world.Release("rel-refused", new AppBehaviour("2.0.0")));

        Assert.True(outcome.Phase == ReleasePhase.RolledBack, $"{outcome.Phase}: {outcome.StatusReason}");
        Assert.Contains(ReleaseActivityNames.RouteTraffic, outcome.StatusReason, StringComparison.Ordinal);
        Assert.Empty(_world.Emulator.SwapLog.Snapshot());
        Assert.Equal("1.0.0", _world.Site.Production.Behaviour.Version);
        Assert.Equal(0, await _world.StagingSharePercentAsync());
    }

    [Fact]
    public async Task RunRelease_SwapRequestsKeepFailing_RecordsEachBeforeRequestingNeverRetriesAndRollsBack()
    {
        _world.StartUsers();
        const int Faults = 10;
        _world.Emulator.Faults.FailArm("slotsswap", Faults, 503, "POST");

        var (_, outcome) = await _world.RunAsync(_world.Release("rel-swap-refused", new AppBehaviour("2.0.0")), TimeSpan.FromSeconds(90));

        Assert.True(outcome.Phase == ReleasePhase.RolledBack, $"{outcome.Phase}: {outcome.StatusReason}");
        // Each request is decided by the planner on the marker, never repeated by an automatic retry.
        var attempts = OrchestrationWorld.Settings.MaxSwapAttempts;
        Assert.Equal(Faults - attempts, Assert.Single(_world.Emulator.Faults.PendingArmFaults()).Remaining);
        Assert.Empty(_world.Emulator.SwapLog.Snapshot());
        Assert.Equal("1.0.0", _world.Site.Production.Behaviour.Version);
        Assert.Equal(0, await _world.StagingSharePercentAsync());
        var records = await _world.AuditRecordsAsync("rel-swap-refused");
        Assert.Equal(attempts, records.Count(r => r.Action == "release.swap-requested"));
    }

    [Fact]
    public async Task RunRelease_SwapOperationUnreadable_RollbackWaitsForTheSwapThenSwapsBack()
    {
        _world.StartUsers();
        var input = _world.Release("rel-swap-unread", new AppBehaviour("2.0.0"), OrchestrationWorld.Policy(bake: TimeSpan.FromMinutes(5), steps: [100]));
        var id = await _world.StartAsync(input);
        await _world.WaitForProgressAsync(id, p => p.Phase == ReleasePhase.Shifting && p.TrafficPercent == 100);
        await _world.WaitForStagingEvidenceAsync();
        // From now on the swap's operation cannot be read for a while: the release has swapped, or not, it cannot tell.
        _world.Emulator.Faults.FailArm("operationresults", 6, 503, "GET");

        await _world.Client.RaiseEventAsync(id, ReleaseEvents.Promote, new ReleaseCommand("release-manager", "Enough evidence."));
        var (_, outcome) = await _world.CompletionAsync(id, TimeSpan.FromSeconds(90));

        Assert.True(outcome.Phase == ReleasePhase.RolledBack, $"{outcome.Phase}: {outcome.StatusReason}");
        Assert.Equal(1, outcome.ForwardSwaps);
        // The forward swap took place; the rollback found it in the marker and swapped back, once.
        Assert.Equal(2, _world.Emulator.SwapLog.Snapshot().Count);
        Assert.Equal("1.0.0", _world.Site.Production.Behaviour.Version);
        Assert.Equal(0, await _world.StagingSharePercentAsync());
        var notice = Assert.Single(_world.Webhook.Received);
        Assert.Equal("Rollback to version 1.0.0 by swapping the staging slot back; 2.0.0 waits in the staging slot.", notice.GetProperty("actionTaken").GetString());
    }

    [Fact]
    public async Task RunRelease_RollbackItselfFails_EndsFailedWithAStuckRecordAndNotification()
    {
        _world.StartUsers();
        var id = await _world.StartAsync(_world.Release("rel-stuck", new AppBehaviour("2.0.0"), OrchestrationWorld.Policy(bake: TimeSpan.FromMinutes(5))));
        await _world.WaitForProgressAsync(id, p => p.Phase == ReleasePhase.Shifting && p.TrafficPercent == 50);
        // The routing rule cannot be changed any more: the rollback cannot do its first step.
        _world.Emulator.Faults.FailArm("/config/web", 50, 503, "PATCH");

        await _world.Client.RaiseEventAsync(id, ReleaseEvents.Abort, new ReleaseCommand("release-manager", "Wrong build."));
        var (_, outcome) = await _world.CompletionAsync(id, TimeSpan.FromSeconds(90));

        Assert.True(outcome.Phase == ReleasePhase.Failed, $"{outcome.Phase}: {outcome.StatusReason}");
        var records = await _world.AuditRecordsAsync(id);
        var stuck = Assert.Single(records, r => r.Action == "release.stuck");
        Assert.Contains(ReleaseMarker.ReleaseIdSetting, stuck.Reason, StringComparison.Ordinal);
        Assert.Contains(records, r => r.Action == "release.failed");
        var notice = Assert.Single(_world.Webhook.Received);
        Assert.Equal("release.stuck", notice.GetProperty("event").GetString());
        Assert.Equal("Needs an operator", notice.GetProperty("currentStatus").GetString());
    }

    [Fact]
    public async Task RunRelease_DeploymentNeverAnswers_WatchdogRollsBackWithinTheOperationTimeout()
    {
        _world.StartUsers();
        // Every read of the deployment's status hangs three times longer than the phase may last.
        var hang = TimeSpan.FromSeconds(12);
        _world.Emulator.Faults.DelayArm("operationresults", hang, 20, "GET");
        var input = _world.Release("rel-deploy-hangs", new AppBehaviour("2.0.0"), OrchestrationWorld.Policy(operationTimeout: TimeSpan.FromSeconds(4)));

        var (_, outcome) = await _world.RunAsync(input, TimeSpan.FromSeconds(40));

        // The watchdog, not the hung call's eventual answer, ended the phase.
        var records = await _world.AuditRecordsAsync("rel-deploy-hangs");
        var deploying = Assert.Single(records, r => r.Action == "release.phase-changed" && r.Details!["to"] == nameof(ReleasePhase.Deploying));
        var started = Assert.Single(records, r => r.Action == "release.rollback-started");
        Assert.True(started.At - deploying.At < hang, $"The rollback started {started.At - deploying.At} after the deployment: it waited for the hung call.");
        Assert.DoesNotContain(records, r => r.Details is { } d && d.TryGetValue("to", out var to) && to == nameof(ReleasePhase.Stamping));
        Assert.StartsWith("Timed out: the release stayed in Deploying", outcome.StatusReason, StringComparison.Ordinal);
        Assert.Equal(0, outcome.MaxTrafficPercent);
        Assert.Empty(_world.Emulator.SwapLog.Snapshot());
        Assert.Equal("1.0.0", _world.Site.Production.Behaviour.Version);
    }
}
