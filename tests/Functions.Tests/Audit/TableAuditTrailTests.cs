using System.Globalization;
using Azure.Core;
using Azure.Core.Pipeline;
using Blueshift.Functions.Audit;
using Azure.Data.Tables;
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
    public async Task QueryAsync_RangeEndingAtTheLastInstant_ReadsItsRecords()
    {
        var (trail, _) = NewTrail();
        var lastDay = new DateTimeOffset(9999, 12, 31, 0, 0, 0, TimeSpan.Zero);
        await trail.RecordAsync(Record(lastDay.AddHours(12), "shop", "last-day"), default);

        var records = await trail.QueryAsync("shop", lastDay.AddDays(-1), DateTimeOffset.MaxValue, default).ToListAsync();
        var all = await trail.QueryAsync(null, lastDay.AddDays(-1), DateTimeOffset.MaxValue, default).ToListAsync();

        Assert.Equal(["last-day"], records.Select(r => r.Action));
        Assert.Equal(["last-day"], all.Select(r => r.Action));
    }

    [Fact]
    public async Task QueryAsync_RangeStartingAtTheFirstInstant_ReadsItsRecords()
    {
        var (trail, _) = NewTrail();
        await trail.RecordAsync(Record(DateTimeOffset.MinValue.AddHours(1), "shop", "first-day"), default);

        var records = await trail.QueryAsync(null, DateTimeOffset.MinValue, DateTimeOffset.MinValue.AddDays(1), default).ToListAsync();

        Assert.Equal(["first-day"], records.Select(r => r.Action));
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
        // Each record is kept twice in its month's partition: under its time and under its app.
        Assert.Equal(4, await table.QueryAsync<TableEntity>().CountAsync());
    }

    [Fact]
    public async Task QueryAsync_ByApp_LeavesOutAppsWhoseNameStartsTheSame()
    {
        var (trail, _) = NewTrail();
        await trail.RecordAsync(Record(Monday, "shop", "shop"), default);
        await trail.RecordAsync(Record(Monday, "shop-eu", "shop-eu"), default);
        await trail.RecordAsync(Record(Monday, "sho", "sho"), default);

        var records = await trail.QueryAsync("shop", Monday.AddHours(-1), Monday.AddHours(1), default).ToListAsync();

        Assert.Equal(["shop"], records.Select(r => r.Action));
    }

    [Fact]
    public async Task QueryAsync_ByAppAcrossMonths_ReadsEveryMonthInRangeOldestFirst()
    {
        var (trail, _) = NewTrail();
        var endOfMarch = new DateTimeOffset(2026, 3, 31, 23, 0, 0, TimeSpan.Zero);
        await trail.RecordAllAsync(
        [
            Record(endOfMarch.AddMonths(-2), "shop", "january"),
            Record(endOfMarch.AddHours(2), "shop", "april"),
            Record(endOfMarch, "shop", "march"),
            Record(endOfMarch.AddMonths(3), "shop", "june"),
        ], default);

        var records = await trail.QueryAsync("shop", endOfMarch.AddMonths(-2), endOfMarch.AddDays(1), default).ToListAsync();

        Assert.Equal(["january", "march", "april"], records.Select(r => r.Action));
    }

    // Two records ("old-first" at Monday, "old-second" two minutes later) as the layout before month partitions kept
    // them: keyed by time alone, in the partition given.
    private static async Task AddOldRowsAsync(TableClient table, string app, Func<DateTimeOffset, string> partition)
    {
        await table.CreateIfNotExistsAsync();
        foreach (var (minutes, action) in new[] { (0, "old-first"), (2, "old-second") })
        {
            var at = Monday.AddMinutes(minutes);
            await table.AddEntityAsync(new TableEntity(partition(at), at.UtcTicks.ToString("D19", CultureInfo.InvariantCulture) + "-" + Guid.NewGuid().ToString("N"))
            {
                ["At"] = at, ["Actor"] = "alice", ["Action"] = action, ["CorrelationId"] = "corr-0", ["App"] = app, ["ReleaseId"] = "r0",
            });
        }
    }

    [Fact]
    public async Task QueryAsync_ByApp_MergesRecordsKeptInTheAppsOwnPartitionInTimeOrder()
    {
        // Records written before the month partitions were kept once in a partition of their app, keyed by time alone.
        var (trail, table) = NewTrail();
        await AddOldRowsAsync(table, "shop", _ => "app|shop");
        await trail.RecordAsync(Record(Monday.AddMinutes(1), "shop", "new-first"), default);
        await trail.RecordAsync(Record(Monday.AddMinutes(3), "shop", "new-second"), default);

        var records = await trail.QueryAsync("shop", Monday.AddHours(-1), Monday.AddHours(1), default).ToListAsync();

        Assert.Equal(["old-first", "new-first", "old-second", "new-second"], records.Select(r => r.Action));
        Assert.Equal(("alice", "r0", "corr-0"), (records[0].Actor, records[0].ReleaseId, records[0].CorrelationId));
    }

    [Fact]
    public async Task QueryAsync_AllApps_MergesRecordsKeptInDayPartitionsInTimeOrder()
    {
        // Records written before the month partitions were also kept once in their day's partition, keyed by time alone.
        var (trail, table) = NewTrail();
        await AddOldRowsAsync(table, "blog", at => "day|" + at.UtcDateTime.ToString("yyyyMMdd", CultureInfo.InvariantCulture));
        await trail.RecordAsync(Record(Monday.AddMinutes(1), "shop", "new-first"), default);
        await trail.RecordAsync(Record(Monday.AddMinutes(3), "shop", "new-second"), default);

        var records = await trail.QueryAsync(null, Monday.AddHours(-1), Monday.AddHours(1), default).ToListAsync();

        Assert.Equal(["old-first", "new-first", "old-second", "new-second"], records.Select(r => r.Action));
    }

    [Fact]
    public async Task RecordAllAsync_OverAThousandRecordsOfOneInstant_KeepTheirOrder()
    {
        var (trail, _) = NewTrail();
        var records = Enumerable.Range(0, 1001).Select(i => Record(Monday, "shop", $"r{i:D4}")).ToList();

        await trail.RecordAllAsync(records, default);

        Assert.Equal(records.Select(r => r.Action), (await trail.QueryAsync("shop", Monday, Monday, default).ToListAsync()).Select(r => r.Action));
        Assert.Equal(records.Select(r => r.Action), (await trail.QueryAsync(null, Monday, Monday, default).ToListAsync()).Select(r => r.Action));
    }

    private static async Task<int> RowCountAsync(TableClient table) => await table.QueryAsync<TableEntity>().CountAsync();

    private static IReadOnlyList<IdentifiedAuditRecord> Batch(string group, int count, DateTimeOffset? at = null) =>
        IdentifiedAuditRecord.Numbered(group, [.. Enumerable.Range(0, count).Select(i => Record((at ?? Monday).AddSeconds(i % 3), "shop", $"r{i:D3}"))]);

    [Fact]
    public async Task RecordOnceAsync_SameBatchTwice_KeepsOneRowPerRecord()
    {
        var (trail, table) = NewTrail();
        // Across a month's end: two partitions, two transactions.
        var endOfMarch = new DateTimeOffset(2026, 3, 31, 23, 59, 59, TimeSpan.Zero);
        var batch = IdentifiedAuditRecord.Numbered("release-1", [Record(endOfMarch, "shop", "march"), Record(endOfMarch.AddSeconds(1), "shop", "april")]);

        await trail.RecordOnceAsync(batch, default);
        await trail.RecordOnceAsync(batch, default);

        Assert.Equal(["march", "april"], (await trail.QueryAsync("shop", endOfMarch, endOfMarch.AddSeconds(1), default).ToListAsync()).Select(r => r.Action));
        Assert.Equal(["march", "april"], (await trail.QueryAsync(null, endOfMarch, endOfMarch.AddSeconds(1), default).ToListAsync()).Select(r => r.Action));
        Assert.Equal(4, await RowCountAsync(table));
    }

    [Fact]
    public async Task RecordOnceAsync_BatchPartlyWrittenBefore_WritesTheRestInOrder()
    {
        var (trail, table) = NewTrail();
        // Three transactions' worth (50 records each), every other record already there: each transaction meets a
        // conflict and must still write its missing half.
        var batch = Batch("release-1", 120);
        await trail.RecordOnceAsync([.. batch.Where((_, i) => i % 2 == 1)], default);

        await trail.RecordOnceAsync(batch, default);

        var stored = await trail.QueryAsync("shop", Monday, Monday.AddSeconds(2), default).ToListAsync();
        Assert.Equal(batch.OrderBy(r => r.Record.At).Select(r => r.Record.Action), stored.Select(r => r.Action));
        Assert.Equal(240, await RowCountAsync(table));
    }

    [Fact]
    public async Task RecordOnceAsync_ConcurrentDuplicateWrites_KeepOneRowPerRecord()
    {
        var (trail, table) = NewTrail();
        // Two hosts (each its own trail and group commit) and two writers on one host write the same records at once.
        var otherHost = new TableAuditTrail(new TableClient(azurite.ConnectionString, table.Name));
        var batch = Batch("release-1", 5);

        await Task.WhenAll(
            trail.RecordOnceAsync(batch, default),
            trail.RecordOnceAsync(batch, default),
            otherHost.RecordOnceAsync(batch, default),
            otherHost.RecordOnceAsync([.. batch.Reverse()], default));

        Assert.Equal(5, (await trail.QueryAsync("shop", Monday, Monday.AddSeconds(2), default).ToListAsync()).Count);
        Assert.Equal(10, await RowCountAsync(table));
    }

    [Fact]
    public async Task RecordOnceAsync_DifferentIdentities_NeverCollideEvenWithTheSameContent()
    {
        var (trail, table) = NewTrail();
        var same = Record(Monday, "shop", "release.started");

        await trail.RecordOnceAsync(IdentifiedAuditRecord.Numbered("release-1", [same, same]), default);
        await trail.RecordOnceAsync(IdentifiedAuditRecord.Numbered("release-2", [same]), default);
        await trail.RecordOnceAsync([new IdentifiedAuditRecord("release-1", same)], default);

        Assert.Equal(4, (await trail.QueryAsync("shop", Monday, Monday, default).ToListAsync()).Count);
        Assert.Equal(8, await RowCountAsync(table));
    }

    [Fact]
    public async Task RecordOnceAsync_IdentityTakenByOtherContent_RefusesAndKeepsTheFirst()
    {
        var (trail, table) = NewTrail();
        await trail.RecordOnceAsync([new IdentifiedAuditRecord("release-1-000", Record(Monday, "shop", "release.started"))], default);

        var ex = await Assert.ThrowsAsync<AuditIdentityConflictException>(() =>
            trail.RecordOnceAsync([new IdentifiedAuditRecord("release-1-000", Record(Monday, "shop", "release.aborted"))], default));

        Assert.Equal("release-1-000", ex.Id);
        Assert.Equal(["release.started"], (await trail.QueryAsync("shop", Monday, Monday, default).ToListAsync()).Select(r => r.Action));
        Assert.Equal(2, await RowCountAsync(table));
    }

    [Theory]
    [InlineData("")]
    [InlineData("a/b")]
    [InlineData("a#b")]
    [InlineData("a|b")]
    [InlineData("id with spaces")]
    public async Task RecordOnceAsync_IdentityUnfitForARowKey_IsRefused(string id)
    {
        var (trail, _) = NewTrail();

        await Assert.ThrowsAsync<ArgumentException>(() => trail.RecordOnceAsync([new IdentifiedAuditRecord(id, Record(Monday, "shop", "a"))], default));
    }

    [Fact]
    public async Task RecordOnceAsync_OneIdentityTwiceInOneCall_IsRefused()
    {
        var (trail, _) = NewTrail();

        await Assert.ThrowsAsync<ArgumentException>(() => trail.RecordOnceAsync(
            [new IdentifiedAuditRecord("x", Record(Monday, "shop", "a")), new IdentifiedAuditRecord("x", Record(Monday, "shop", "a"))], default));
    }

    [Fact]
    public async Task RecordAllAsync_LargeRecords_SplitAcrossTransactionsWithinTheServiceLimit()
    {
        var name = AzuriteFixture.UniqueName("audit");
        var sizes = new RequestSizes();
        var options = new TableClientOptions();
        options.AddPolicy(sizes, HttpPipelinePosition.PerCall);
        var trail = new TableAuditTrail(new TableClient(azurite.ConnectionString, name, options));
        var details = new Dictionary<string, string> { ["log"] = new string('"', 14_000) };
        var records = Enumerable.Range(0, 40)
            .Select(i => new AuditRecord(Monday, "blueshift", $"r{i:D2}", "shop", "r1", new string('y', 1_900), "c", details)).ToList();

        await trail.RecordAllAsync(records, default);

        Assert.Equal(records.Select(r => r.Action), (await trail.QueryAsync("shop", Monday, Monday, default).ToListAsync()).Select(r => r.Action));
        Assert.True(sizes.Largest < 4 * 1024 * 1024, $"A request of {sizes.Largest} bytes exceeds the service's 4 MiB per transaction.");
        Assert.True(sizes.Count > 2, "Forty large records should need several transactions.");
    }

    // Records the largest request body a client sends, and how many requests carried a body.
    private sealed class RequestSizes : HttpPipelineSynchronousPolicy
    {
        private long _largest;
        private int _count;

        public long Largest => Interlocked.Read(ref _largest);

        public int Count => Volatile.Read(ref _count);

        public override void OnSendingRequest(HttpMessage message)
        {
            if (message.Request.Content is { } content && content.TryComputeLength(out var length))
            {
                Interlocked.Increment(ref _count);
                long seen;
                while (length > (seen = Interlocked.Read(ref _largest)) && Interlocked.CompareExchange(ref _largest, length, seen) != seen)
                {
                }
            }
        }
    }

    [Fact]
    public async Task RecordAsync_ManyAppsWhileAWriteIsInFlight_ShareOneTransactionPerPartition()
    {
        var name = AzuriteFixture.UniqueName("audit");
        var gate = new HoldRequestsWhenArmed(1);
        var options = new TableClientOptions();
        options.AddPolicy(gate, HttpPipelinePosition.PerCall);
        var trail = new TableAuditTrail(new TableClient(azurite.ConnectionString, name, options));
        await trail.RecordAsync(Record(Monday, "warm-up", "created the table"), default);

        // The first record's two rows (under its time and its app, in its month's partition) leave at once, together, and
        // are held on their way; the records of nine other apps queue behind them, in the same partition, and leave together.
        // The other nine start only once the first is held, so they cannot join its transaction however the threads run.
        gate.Arm();
        var writes = new List<Task> { trail.RecordAsync(Record(Monday, "app-0", "release.started"), default) };
        await gate.Held.WaitAsync(TimeSpan.FromSeconds(30));
        writes.AddRange(Enumerable.Range(1, 9).Select(i => trail.RecordAsync(Record(Monday.AddSeconds(i), $"app-{i}", "release.started"), default)));
        gate.Release();
        await Task.WhenAll(writes);

        Assert.Equal(2, gate.RequestsSinceArmed);
        var stored = await trail.QueryAsync(null, Monday, Monday.AddMinutes(1), default).ToListAsync();
        Assert.Equal(11, stored.Count);
        foreach (var i in Enumerable.Range(0, 10))
        {
            Assert.Single(await trail.QueryAsync($"app-{i}", Monday, Monday.AddMinutes(1), default).ToListAsync());
        }
    }

    // Once armed, holds the first requests until released; counts every request since it was armed.
    private sealed class HoldRequestsWhenArmed(int held) : HttpPipelinePolicy
    {
        private readonly TaskCompletionSource _released = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly TaskCompletionSource _held = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private int _requests = -1;

        /// <summary>Completes when the first request is held.</summary>
        public Task Held => _held.Task;

        public int RequestsSinceArmed => Volatile.Read(ref _requests);

        public void Arm() => Volatile.Write(ref _requests, 0);

        public void Release() => _released.TrySetResult();

        public override async ValueTask ProcessAsync(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline)
        {
            if (Volatile.Read(ref _requests) >= 0 && Interlocked.Increment(ref _requests) <= held)
            {
                _held.TrySetResult();
                await _released.Task;
            }
            await ProcessNextAsync(message, pipeline);
        }

        public override void Process(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline) =>
            throw new NotSupportedException("The table client is asynchronous only.");
    }
}
