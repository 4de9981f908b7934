using Blueshift.AppServiceEmulator;
using Blueshift.Domain.Analysis;
using Blueshift.Domain.Releases;
using Blueshift.Functions.Releases.Orchestration;
using Blueshift.Testing;
using Xunit;

namespace Blueshift.Functions.Tests.Releases.Orchestration;

/// <summary>
/// A release notes its audit records as it goes and writes them in batches, one RecordAudit activity each: before every
/// wait that follows new records, before the swap request and at the end. Seen here on the audit trail's own network
/// (one entity group transaction a batch), against the emulator's swap log.
/// </summary>
public sealed class ReleaseAuditBatchingTests(AzuriteFixture azurite) : IClassFixture<AzuriteFixture>
{
    [Fact]
    public async Task RunRelease_Healthy_WritesItsAuditInOneBatchPerWaitAndTheSwapRecordBeforeTheSwap()
    {
        AppServiceEmulatorServer? emulator = null;
        var transport = new AuditWrites(() => emulator!.SwapLog.Snapshot().Count);
        await using var world = await OrchestrationWorld.StartAsync(azurite, auditTransport: transport);
        emulator = world.Emulator;
        world.StartUsers();

        var (_, outcome) = await world.RunAsync(world.Release("rel-audit-batches", new AppBehaviour("2.0.0")));

        Assert.True(outcome.Phase == ReleasePhase.Succeeded, $"{outcome.Phase}: {outcome.StatusReason}");
        // Before the deploy (its deadline is a durable timer), the warm-up, each of the two bakes, the swap request, the
        // post-swap watch, and at the end: 7 writes where there were 19, one a record. A bake or watch extended because it
        // saw too little traffic waits once more after its analysis.
        var extensions = outcome.Analyses.Count(a => a.Kind is "canary" or "post-swap" && a.Outcome == VerdictOutcome.Inconclusive);
        var writes = transport.Writes;
        Assert.Equal(7 + extensions, writes.Count);

        // Each record once, all of them in the trail.
        var trail = await world.AuditRecordsAsync("rel-audit-batches");
        Assert.Equal(trail.Count, trail.Select(r => (r.At, r.Action, r.Reason)).Distinct().Count());
        Assert.Equal(trail.Count, writes.Sum(w => w.Records));
        Assert.Equal(
            [ReleasePhase.AwaitingWindow, ReleasePhase.CapturingBaseline, ReleasePhase.Deploying, ReleasePhase.Stamping, ReleasePhase.Verifying,
             ReleasePhase.SmokeTesting, ReleasePhase.Shifting, ReleasePhase.Swapping, ReleasePhase.ClearingRoute, ReleasePhase.Watching, ReleasePhase.Succeeded],
            trail.Where(r => r.Details?.ContainsKey("to") == true).OrderBy(r => r.At).Select(r => Enum.Parse<ReleasePhase>(r.Details!["to"])));

        // The swap's record was in the trail (its write answered) before App Service saw the swap requested.
        var swapRecord = Assert.Single(writes, w => w.HoldsSwapRequest);
        Assert.Equal(0, swapRecord.SwapsWhenWritten);
        Assert.Single(world.Emulator.SwapLog.Snapshot());
    }

    [Fact]
    public async Task RunRelease_AuditBatchFailsBeyondItsRetries_RollsBackAndTheRollbackWritesItOnce()
    {
        // The third batch (before the first bake) fails on every attempt the retry policy allows; the trail then recovers.
        var transport = new AuditWrites(() => 0, failFrom: 3, failures: OrchestrationWorld.Settings.MaxActivityAttempts);
        await using var world = await OrchestrationWorld.StartAsync(azurite, auditTransport: transport);
        world.StartUsers();

        var (_, outcome) = await world.RunAsync(world.Release("rel-audit-down", new AppBehaviour("2.0.0")), TimeSpan.FromSeconds(90));

        Assert.True(outcome.Phase == ReleasePhase.RolledBack, $"{outcome.Phase}: {outcome.StatusReason}");
        Assert.Contains(ReleaseActivityNames.RecordAudit, outcome.StatusReason, StringComparison.Ordinal);
        Assert.Equal(OrchestrationWorld.Settings.MaxActivityAttempts, transport.Failed);
        var trail = await world.AuditRecordsAsync("rel-audit-down");
        Assert.Equal(trail.Count, trail.Select(r => (r.At, r.Action, r.Reason)).Distinct().Count());
        // The failed batch's records were written by the rollback's first batch, once, before its own.
        Assert.Single(trail, r => r.Action == "release.traffic-shifted");
        Assert.Equal(
            [ReleasePhase.AwaitingWindow, ReleasePhase.CapturingBaseline, ReleasePhase.Deploying, ReleasePhase.Stamping, ReleasePhase.Verifying,
             ReleasePhase.SmokeTesting, ReleasePhase.Shifting, ReleasePhase.RollingBack, ReleasePhase.RolledBack],
            trail.Where(r => r.Details?.ContainsKey("to") == true).OrderBy(r => r.At).Select(r => Enum.Parse<ReleasePhase>(r.Details!["to"])));
        Assert.Contains(trail, r => r.Action == "release.notified");
    }

    /// <summary>A write to the audit table: how many records it held (two rows each), and how many swaps had started when it was answered.</summary>
    private sealed record AuditWrite(int Records, bool HoldsSwapRequest, int SwapsWhenWritten);

    /// <summary>
    /// The audit trail's network, watched: each entity group transaction (one RecordAudit batch) as it is answered. Sends
    /// number <paramref name="failFrom"/> on (counted from 1) fail <paramref name="failures"/> times in a row without
    /// reaching storage, as an outage would.
    /// </summary>
    private sealed class AuditWrites(Func<int> swaps, int failFrom = int.MaxValue, int failures = 0) : DelegatingHandler(new HttpClientHandler())
    {
        private readonly List<AuditWrite> _writes = [];
        private int _sends;
        private int _failed;

        public int Failed => Volatile.Read(ref _failed);

        public IReadOnlyList<AuditWrite> Writes
        {
            get { lock (_writes) { return [.. _writes]; } }
        }

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            if (request.Method != HttpMethod.Post || !request.RequestUri!.AbsolutePath.EndsWith("/$batch", StringComparison.Ordinal))
            {
                return await base.SendAsync(request, cancellationToken);
            }
            var send = Interlocked.Increment(ref _sends);
            if (send >= failFrom && send < failFrom + failures)
            {
                Interlocked.Increment(ref _failed);
                throw new HttpRequestException(HttpRequestError.ConnectionError, "Storage is unreachable (injected outage).");
            }
            // Buffered, so that the handler below sends the same bytes.
            var body = await request.Content!.ReadAsStringAsync(cancellationToken);
            var response = await base.SendAsync(request, cancellationToken);
            if (response.IsSuccessStatusCode)
            {
                var rows = body.Split("\"Action\":", StringSplitOptions.None).Length - 1;
                lock (_writes)
                {
                    _writes.Add(new AuditWrite(rows / 2, body.Contains("release.swap-requested", StringComparison.Ordinal), swaps()));
                }
            }
            return response;
        }
    }
}
