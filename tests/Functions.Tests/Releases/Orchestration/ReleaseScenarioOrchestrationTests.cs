using Blueshift.AppServiceEmulator;
using Blueshift.Domain.Analysis;
using Blueshift.Domain.Releases;
using Blueshift.Functions.Apps;
using Blueshift.Functions.Releases;
using Blueshift.Functions.Releases.Orchestration;
using Blueshift.Testing;
using Xunit;

namespace Blueshift.Functions.Tests.Releases.Orchestration;

/// <summary>Release flows beyond the healthy canary: blue-green, failed smoke tests, too little traffic, promotes between bakes, an audit outage.</summary>
public sealed class ReleaseScenarioOrchestrationTests(AzuriteFixture azurite) : IClassFixture<AzuriteFixture>
{
    [Fact]
    public async Task RunRelease_BlueGreen_SwapsOnceWithoutTrafficStepsAndSucceeds()
    {
        await using var world = await OrchestrationWorld.StartAsync(azurite);
        world.StartUsers();

        var (_, outcome) = await world.RunAsync(world.Release("rel-blue-green", new AppBehaviour("2.0.0"), strategy: ReleaseStrategies.BlueGreen));

        Assert.True(outcome.Phase == ReleasePhase.Succeeded, $"{outcome.Phase}: {outcome.StatusReason}");
        Assert.Equal(1, outcome.ForwardSwaps);
        Assert.Single(world.Emulator.SwapLog.Snapshot());
        Assert.Equal("2.0.0", world.Site.Production.Behaviour.Version);
        Assert.DoesNotContain(outcome.Analyses, a => a.Kind == "canary");
        Assert.Contains(outcome.Analyses, a => a.Kind == "post-swap" && a.Outcome == VerdictOutcome.Successful);
        var records = await world.AuditRecordsAsync("rel-blue-green");
        Assert.DoesNotContain(records, r => r.Action == "release.traffic-shifted");
        Assert.Equal(1, records.Count(r => r.Action == "release.swap-requested"));
        Assert.Equal(0, await world.StagingSharePercentAsync());
    }

    [Fact]
    public async Task RunRelease_CriticalSmokeTestFails_FailsWithoutTrafficOrSwap()
    {
        await using var world = await OrchestrationWorld.StartAsync(azurite);
        world.StartUsers();
        var policy = OrchestrationWorld.Policy(smokeTests: [new SmokeTest("health says hello", "/health", 200, BodyContains: "text the app never serves")]);

        var (_, outcome) = await world.RunAsync(world.Release("rel-smoke", new AppBehaviour("2.0.0"), policy));

        Assert.True(outcome.Phase == ReleasePhase.Failed, $"{outcome.Phase}: {outcome.StatusReason}");
        Assert.Equal(VerdictOutcome.Failed, Assert.Single(outcome.Analyses, a => a.Kind == "smoke-tests").Outcome);
        Assert.Equal(0, outcome.MaxTrafficPercent);
        Assert.Empty(world.Emulator.SwapLog.Snapshot());
        Assert.Equal("1.0.0", world.Site.Production.Behaviour.Version);
        Assert.Equal("release.failed", Assert.Single(world.Webhook.Received).GetProperty("event").GetString());
    }

    [Fact]
    public async Task RunRelease_TooLittleTrafficAtFirst_ExtendsTheBakeThenDecides()
    {
        await using var world = await OrchestrationWorld.StartAsync(azurite);
        var id = await world.StartAsync(world.Release("rel-quiet", new AppBehaviour("2.0.0"), OrchestrationWorld.Policy(bake: TimeSpan.FromSeconds(3))));
        // Nobody uses the app during the first bake: the analysis has nothing to judge.
        await world.WaitForAuditAsync(id, r => r.Action == "release.analysis" && r.Details!["kind"] == "canary", TimeSpan.FromSeconds(45));

        world.StartUsers();
        var (_, outcome) = await world.CompletionAsync(id, TimeSpan.FromSeconds(90));

        var firstStep = outcome.Analyses.Where(a => a.Kind == "canary" && a.TrafficPercent == 50).Select(a => a.Outcome).ToList();
        Assert.Equal(VerdictOutcome.Inconclusive, firstStep[0]);
        Assert.Equal(VerdictOutcome.Successful, firstStep[^1]);
        Assert.True(firstStep.Count <= 1 + OrchestrationWorld.Policy().Canary.MaxInconclusiveExtensions);
    }

    [Fact]
    public async Task RunRelease_PromoteRaisedWhileTheAnalysisRuns_IsNotLost()
    {
        await using var world = await OrchestrationWorld.StartAsync(azurite);
        // No users: every bake ends inconclusive, extended; long bakes that only a promote ends in time.
        var input = world.Release("rel-promote-between", new AppBehaviour("2.0.0"), OrchestrationWorld.Policy(bake: TimeSpan.FromSeconds(4)));
        var id = await world.StartAsync(input);
        await world.WaitForProgressAsync(id, p => p.Phase == ReleasePhase.Shifting && p.TrafficPercent == 50);
        // The first bake's analysis reads metrics slowly: the promote arrives while no bake is waiting for it.
        world.Emulator.Faults.DelayArm("metrics", TimeSpan.FromSeconds(3), 2, "GET");
        await WaitUntilAsync(() => world.Emulator.Faults.PendingArmFaults().All(f => f.Remaining < 2));

        await world.Client.RaiseEventAsync(id, ReleaseEvents.Promote, new ReleaseCommand("release-manager", "Go on."));
        var promoted = await world.WaitForAuditAsync(id, r => r.Action == "release.promoted", TimeSpan.FromSeconds(30));

        Assert.Equal("release-manager", promoted.Actor);
        var analyses = (await world.AuditRecordsAsync(id)).Where(r => r.Action == "release.analysis").OrderBy(r => r.At).ToList();
        Assert.True(promoted.At >= analyses[0].At, "The promote ended a bake after the analysis it was raised during.");
    }

    [Fact]
    public async Task RunRelease_AuditTrailFailsTransientlyThenRecovers_NothingLost()
    {
        var transport = new FlakyWrites(new HttpClientHandler(), failFrom: 4, failures: 3);
        await using var world = await OrchestrationWorld.StartAsync(azurite, auditTransport: transport);
        world.StartUsers();

        var (_, outcome) = await world.RunAsync(world.Release("rel-audit-outage", new AppBehaviour("2.0.0")));

        Assert.True(outcome.Phase == ReleasePhase.Succeeded, $"{outcome.Phase}: {outcome.StatusReason}");
        Assert.Equal(3, transport.Failed);
        var records = await world.AuditRecordsAsync("rel-audit-outage");
        Assert.Equal(
            [ReleasePhase.AwaitingWindow, ReleasePhase.CapturingBaseline, ReleasePhase.Deploying, ReleasePhase.Stamping, ReleasePhase.Verifying,
             ReleasePhase.SmokeTesting, ReleasePhase.Shifting, ReleasePhase.Swapping, ReleasePhase.ClearingRoute, ReleasePhase.Watching, ReleasePhase.Succeeded],
            records.Where(r => r.Details?.ContainsKey("to") == true && r.Details?.ContainsKey("from") == true).OrderBy(r => r.At).Select(r => Enum.Parse<ReleasePhase>(r.Details!["to"])));
        Assert.Equal(2, records.Count(r => r.Action == "release.traffic-shifted"));
        Assert.Single(records, r => r.Action == "release.swapped");
    }

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        while (!condition())
        {
            await Task.Delay(TimeSpan.FromMilliseconds(50), timeout.Token);
        }
    }

    /// <summary>The audit trail's network: writes number <c>failFrom</c> on fail <c>failures</c> times in a row, as a storage outage would.</summary>
    private sealed class FlakyWrites(HttpMessageHandler inner, int failFrom, int failures) : DelegatingHandler(inner)
    {
        private int _writes;
        private int _failed;

        public int Failed => Volatile.Read(ref _failed);

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            if (request.Method != HttpMethod.Get)
            {
                var write = Interlocked.Increment(ref _writes);
                if (write >= failFrom && write < failFrom + failures)
                {
                    Interlocked.Increment(ref _failed);
                    throw new HttpRequestException(HttpRequestError.ConnectionError, "Storage is unreachable (injected outage).");
                }
            }
            return base.SendAsync(request, cancellationToken);
        }
    }
}
