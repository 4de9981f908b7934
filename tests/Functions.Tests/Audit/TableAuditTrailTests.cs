using Blueshift.Functions.Audit;
using Blueshift.Storage.Tables;
using Blueshift.Testing;
using Xunit;

namespace Blueshift.Functions.Tests.Audit;

public sealed class TableAuditTrailTests(AzuriteFixture azurite) : IClassFixture<AzuriteFixture>
{
    private static readonly DateTimeOffset Monday = new(2026, 3, 2, 23, 59, 0, TimeSpan.Zero);

    private (TableAuditTrail Trail, TableClient Table) NewTrail()
    {
        var table = new TableClient(azurite.ConnectionString, AzuriteFixture.UniqueName("audit"));
        return (new TableAuditTrail(table), table);
    }

    private static AuditRecord Record(DateTimeOffset at, string app, string action, string? release = "r1") =>
        new(at, "alice", action, app, release, "because", "corr-1", new Dictionary<string, string> { ["errorRate"] = "0.2" });

    [Fact]
    public async Task QueryAsync_ByApp_ReturnsThatAppsRecordsOldestFirstWithEveryField()
    {
        var (trail, _) = NewTrail();
        await trail.RecordAsync(Record(Monday.AddMinutes(2), "shop", "release.rolled-back"), default);
        await trail.RecordAsync(Record(Monday, "shop", "release.started"), default);
        await trail.RecordAsync(Record(Monday.AddMinutes(1), "blog", "release.started"), default);

        var records = await trail.QueryAsync("shop", Monday.AddHours(-1), Monday.AddHours(1), default).ToListAsync();

        Assert.Equal(["release.started", "release.rolled-back"], records.Select(r => r.Action));
        var first = records[0];
        Assert.Equal(Monday, first.At);
        Assert.Equal(("alice", "shop", "r1", "because", "corr-1"), (first.Actor, first.App, first.ReleaseId, first.Reason, first.CorrelationId));
        Assert.Equal("0.2", first.Details!["errorRate"]);
    }

    [Fact]
    public async Task QueryAsync_AllAppsAcrossMidnight_ReadsEveryDayInRange()
    {
        var (trail, _) = NewTrail();
        await trail.RecordAsync(Record(Monday, "shop", "before-midnight"), default);
        await trail.RecordAsync(Record(Monday.AddMinutes(2), "blog", "after-midnight"), default);
        await trail.RecordAsync(Record(Monday.AddDays(3), "blog", "outside"), default);

        var records = await trail.QueryAsync(null, Monday.AddHours(-1), Monday.AddHours(1), default).ToListAsync();

        Assert.Equal(["before-midnight", "after-midnight"], records.Select(r => r.Action));
    }

    [Fact]
    public async Task QueryAsync_RangeBounds_AreInclusiveAtBothEnds()
    {
        var (trail, _) = NewTrail();
        await trail.RecordAsync(Record(Monday, "shop", "at-start"), default);
        await trail.RecordAsync(Record(Monday.AddSeconds(10), "shop", "at-end"), default);
        await trail.RecordAsync(Record(Monday.AddSeconds(10).AddTicks(1), "shop", "just-after"), default);

        var records = await trail.QueryAsync("shop", Monday, Monday.AddSeconds(10), default).ToListAsync();

        Assert.Equal(["at-start", "at-end"], records.Select(r => r.Action));
    }

    [Fact]
    public async Task QueryAsync_EndBeforeStart_Throws()
    {
        var (trail, _) = NewTrail();

        await Assert.ThrowsAsync<ArgumentException>(async () =>
            await trail.QueryAsync("shop", Monday, Monday.AddSeconds(-1), default).ToListAsync());
    }

    [Fact]
    public async Task RecordAsync_OversizedDetails_AreCutToFitOneTableProperty()
    {
        var (trail, _) = NewTrail();
        var huge = new Dictionary<string, string> { ["log"] = new string('x', 100_000), ["verdict"] = "Failed" };

        await trail.RecordAsync(new AuditRecord(Monday, "blueshift", "analysis", "shop", "r1", new string('y', 10_000), "c", huge), default);

        var record = Assert.Single(await trail.QueryAsync("shop", Monday, Monday, default).ToListAsync());
        Assert.Equal("true", record.Details!["truncated"]);
        Assert.Equal("Failed", record.Details["verdict"]);
        Assert.True(record.Reason!.Length <= TableAuditTrail.MaxReasonLength);
    }

    [Fact]
    public async Task RecordAsync_SameInstantTwice_KeepsBothRecords()
    {
        var (trail, table) = NewTrail();

        await trail.RecordAsync(Record(Monday, "shop", "a"), default);
        await trail.RecordAsync(Record(Monday, "shop", "b"), default);

        Assert.Equal(2, (await trail.QueryAsync("shop", Monday, Monday, default).ToListAsync()).Count);
        // Each record is kept once in its app's partition and once in its day's partition.
        Assert.Equal(4, await table.QueryAsync().CountAsync());
    }
}
