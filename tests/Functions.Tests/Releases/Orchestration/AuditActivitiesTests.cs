using Azure.Data.Tables;
using Blueshift.Functions.Audit;
using Blueshift.Functions.Releases.Orchestration;
using Blueshift.Testing;
using Xunit;

namespace Blueshift.Functions.Tests.Releases.Orchestration;

/// <summary>
/// The RecordAudit activity runs at least once: a host that dies after the write but before the completion is recorded
/// runs it again with the same batch, and the trail must keep each record once.
/// </summary>
public sealed class AuditActivitiesTests(AzuriteFixture azurite) : IClassFixture<AzuriteFixture>
{
    private static readonly DateTimeOffset At = new(2026, 3, 2, 10, 0, 0, TimeSpan.Zero);

    private static AuditRecord Record(string action) =>
        new(At, ReleaseRun.EngineActor, action, "shop", "r1", "because", "r1", new Dictionary<string, string> { ["percent"] = "10" });

    [Fact]
    public async Task RecordAsync_SameBatchRunTwice_KeepsEachRecordOnce()
    {
        var table = new TableClient(azurite.ConnectionString, AzuriteFixture.UniqueName("audit"));
        var trail = new TableAuditTrail(table);
        var batch = new AuditBatch("4b1d5a0c9e6f4f2a8c3b7d6e5f4a3b2c", [Record("release.traffic-shifted"), Record("release.analysis")]);

        Assert.Equal(2, await new AuditActivities(trail).RecordAsync(batch, default));
        // The re-run: a fresh activity instance, as a restarted host builds one, with the batch from the history.
        Assert.Equal(2, await new AuditActivities(new TableAuditTrail(table)).RecordAsync(batch, default));

        var stored = await trail.QueryAsync("shop", At, At, default).ToListAsync();
        Assert.Equal(["release.traffic-shifted", "release.analysis"], stored.Select(r => r.Action));
    }

    [Fact]
    public async Task RecordAsync_BatchesWithTheSameRecordsButOtherIds_AreKeptApart()
    {
        var trail = new TableAuditTrail(new TableClient(azurite.ConnectionString, AzuriteFixture.UniqueName("audit")));
        var activities = new AuditActivities(trail);

        await activities.RecordAsync(new AuditBatch("first", [Record("release.approved")]), default);
        await activities.RecordAsync(new AuditBatch("second", [Record("release.approved")]), default);

        Assert.Equal(2, (await trail.QueryAsync("shop", At, At, default).ToListAsync()).Count);
    }
}
