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

    /// <summary>
    /// A host killed after an episode scheduled its batch but before the episode's history was saved runs that batch; the
    /// replayed episode builds it again under another batch id (its clock differs) with the records noted in earlier
    /// episodes first and unchanged, and those must not be kept twice.
    /// </summary>
    [Fact]
    public async Task RecordAsync_EarlierRecordsRebuiltUnderAnotherBatchId_AreKeptOnce()
    {
        var trail = new TableAuditTrail(new TableClient(azurite.ConnectionString, AzuriteFixture.UniqueName("audit")));
        var activities = new AuditActivities(trail);
        var noted = Record("release.approved");
        var crashedEpisode = Record("release.traffic-shifted");
        var replayedEpisode = crashedEpisode with { At = At.AddSeconds(2) };

        await activities.RecordAsync(new AuditBatch("first", [noted, crashedEpisode]), default);
        await activities.RecordAsync(new AuditBatch("second", [noted, replayedEpisode]), default);

        var stored = await trail.QueryAsync("shop", At, At.AddSeconds(2), default).ToListAsync();
        Assert.Single(stored, r => r.Action == "release.approved");
        // Noted at two orchestration times, the step's record is two records: the trail never merges different times.
        Assert.Equal([At, At.AddSeconds(2)], stored.Where(r => r.Action == "release.traffic-shifted").Select(r => r.At).Order());
    }

    [Fact]
    public async Task RecordAsync_RecordsThatDifferInPlaceOrContent_AreKeptApart()
    {
        var trail = new TableAuditTrail(new TableClient(azurite.ConnectionString, AzuriteFixture.UniqueName("audit")));
        var activities = new AuditActivities(trail);

        await activities.RecordAsync(new AuditBatch("one", [Record("release.analysis"), Record("release.analysis")]), default);
        await activities.RecordAsync(new AuditBatch("two", [Record("release.analysis") with { Reason = "another reason" }]), default);
        await activities.RecordAsync(new AuditBatch("three", [Record("release.analysis") with { Details = new Dictionary<string, string> { ["percent"] = "25" } }]), default);

        Assert.Equal(4, (await trail.QueryAsync("shop", At, At, default).ToListAsync()).Count);
    }
}
