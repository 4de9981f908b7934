using Azure.Core;
using Azure.Core.Pipeline;
using Azure.Data.Tables;
using Blueshift.Domain.Analysis;
using Blueshift.Domain.Releases;
using Blueshift.Functions.Apps;
using Blueshift.Functions.Releases;
using Blueshift.Functions.Storage;
using Blueshift.Testing;
using Xunit;

namespace Blueshift.Functions.Tests.Releases;

public sealed class ReleaseStoreTests(AzuriteFixture azurite) : IClassFixture<AzuriteFixture>
{
    private static readonly DateTimeOffset Now = new(2026, 3, 5, 22, 0, 0, TimeSpan.Zero);

    private ReleaseStore NewStore() => new(new TableClient(azurite.ConnectionString, AzuriteFixture.UniqueName("rel")));

    internal static ReleaseState NewRelease(string id, string app = "shop", DateTimeOffset? at = null) => new()
    {
        Id = id,
        App = app,
        Version = "2.0.0",
        Package = new Uri("https://packages.example/shop-2.0.0.zip"),
        ReleaseType = "Patch",
        ChangeClass = "Standard",
        Strategy = "canary",
        RequestedBy = "user-1",
        RequestedByName = "Ada",
        CreatedAt = at ?? Now,
        Target = new ManagedApp(app, "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Web/sites/" + app),
        Policy = new ReleasePolicy(TrafficPlan.Default, TimeSpan.FromMinutes(10), CanaryPolicy.Default, PostSwapPolicy.Default, HealthGatePolicy.Default,
            TimeSpan.FromSeconds(30), TimeSpan.FromSeconds(10), "/health", [], PhaseTimeouts.Default),
        Phase = ReleasePhase.AwaitingApproval,
        PhaseEnteredAt = at ?? Now,
        DueAt = at ?? Now,
    };

    [Fact]
    public async Task GetAsync_AfterCreate_RoundTripsTheWholeDocument()
    {
        var store = NewStore();
        var release = NewRelease("rel-1");
        release.Baseline = new MetricWindow(1200, 3, 41.5);
        release.Swap = new SwapProgress(SwapDirection.Forward, Now, "https://arm/op", Attempts: 1);
        release.AddEvent(Now, "Requested.");
        await store.CreateAsync(release, CancellationToken.None);

        var stored = await store.GetAsync("rel-1", CancellationToken.None);

        Assert.NotNull(stored);
        Assert.Equal(new MetricWindow(1200, 3, 41.5), stored.State.Baseline);
        Assert.Equal(release.Swap, stored.State.Swap);
        Assert.Equal(PostSwapPolicy.Default, stored.State.Policy.PostSwap);
        Assert.Equal([10, 25, 50, 100], stored.State.Policy.TrafficSteps);
        Assert.Equal("Requested.", Assert.Single(stored.State.Timeline).Message);
    }

    [Fact]
    public async Task GetAsync_FromStorage_ContentIsWhatTheStateSerializesToAndTheTimesComeBack()
    {
        var table = new TableClient(azurite.ConnectionString, AzuriteFixture.UniqueName("rel"));
        var release = NewRelease("rel-content");
        release.Baseline = new MetricWindow(1200, 3, 41.5);
        release.AddEvent(Now, "Requested.");
        release.AddAnalysis(new AnalysisView("canary", 0, 10, Now, "Successful", "All checks passed.",
            [new CheckView("errorRate", 0.0123456789, 0.01, 0.05, "Pass", "Below the threshold.")]));
        release.DueAt = Now.AddMinutes(7);
        release.UpdatedAt = Now.AddSeconds(3);
        var etag = await new ReleaseStore(table).CreateAsync(release, CancellationToken.None);
        await new ReleaseStore(table).UpdateAsync(release, etag, CancellationToken.None);

        // Read by another instance, which remembers nothing: a pass that changes nothing finds the content unchanged
        // (and so writes nothing), and the two times kept beside the content are the ones saved.
        var stored = (await new ReleaseStore(table).GetAsync("rel-content", CancellationToken.None))!;

        Assert.Equal(ReleaseStore.Content(stored.State), stored.Content);
        Assert.Equal((Now.AddMinutes(7), Now.AddSeconds(3)), (stored.State.DueAt, stored.State.UpdatedAt));
        using var content = System.Text.Json.JsonDocument.Parse(stored.Content);
        Assert.Equal(default, content.RootElement.GetProperty("dueAt").GetDateTimeOffset());
    }

    [Fact]
    public async Task UpdateAsync_StaleETag_ThrowsConcurrencyAndKeepsTheFirstWrite()
    {
        var store = NewStore();
        var etag = await store.CreateAsync(NewRelease("rel-2"), CancellationToken.None);
        var first = (await store.GetAsync("rel-2", CancellationToken.None))!;
        var second = (await store.GetAsync("rel-2", CancellationToken.None))!;

        first.State.Phase = ReleasePhase.AwaitingWindow;
        await store.UpdateAsync(first.State, etag, CancellationToken.None);
        second.State.Phase = ReleasePhase.RollingBack;

        await Assert.ThrowsAsync<ReleaseConcurrencyException>(() => store.UpdateAsync(second.State, second.ETag, CancellationToken.None));
        Assert.Equal(ReleasePhase.AwaitingWindow, (await store.GetAsync("rel-2", CancellationToken.None))!.State.Phase);
    }

    [Fact]
    public async Task UpdateAsync_DocumentLargerThanOneProperty_SplitsAndReadsBack()
    {
        var store = NewStore();
        var release = NewRelease("rel-3");
        var etag = await store.CreateAsync(release, CancellationToken.None);
        for (var i = 0; i < ReleaseState.MaxTimelineEvents + 50; i++)
        {
            release.AddEvent(Now.AddSeconds(i), $"Event {i}: " + new string('x', 400));
        }

        await store.UpdateAsync(release, etag, CancellationToken.None);
        var stored = (await store.GetAsync("rel-3", CancellationToken.None))!.State;

        Assert.Equal(ReleaseState.MaxTimelineEvents, stored.Timeline.Count);
        Assert.StartsWith("Event 169:", stored.Timeline[^1].Message);
    }

    [Fact]
    public async Task ListDueAsync_OnlyActiveReleasesWhoseTimeHasCome()
    {
        var store = NewStore();
        var due = NewRelease("rel-due", "a");
        var later = NewRelease("rel-later", "b");
        later.DueAt = Now.AddMinutes(5);
        var ended = NewRelease("rel-ended", "c");
        await store.CreateAsync(due, CancellationToken.None);
        await store.CreateAsync(later, CancellationToken.None);
        var endedETag = await store.CreateAsync(ended, CancellationToken.None);
        ended.Phase = ReleasePhase.Succeeded;
        await store.UpdateAsync(ended, endedETag, CancellationToken.None);
        await store.FinishAsync(ended, CancellationToken.None);

        var entries = new List<(string, DateTimeOffset)>();
        await foreach (var entry in store.ListDueAsync(Now.AddSeconds(1), CancellationToken.None))
        {
            entries.Add((entry.Id, entry.DueAt));
        }

        Assert.Equal([("rel-due", Now)], entries);
    }

    [Fact]
    public async Task GetAsync_DocumentWrittenAsPlainJsonChunksUnderTheOldRowKey_ReadsAndMovesToItsOwnRowKey()
    {
        var table = new TableClient(azurite.ConnectionString, AzuriteFixture.UniqueName("rel"));
        await table.CreateIfNotExistsAsync();
        var store = new ReleaseStore(table);
        var release = NewRelease("rel-old");
        release.AddEvent(Now, "Written the way releases were stored before compression.");
        var json = System.Text.Json.JsonSerializer.Serialize(release, ReleaseStore.Json);
        await table.UpsertEntityAsync(new TableEntity("release-rel-old", "state")
        {
            ["App"] = "shop",
            ["Phase"] = "AwaitingApproval",
            ["Chunks"] = 2,
            ["State0"] = json[..100],
            ["State1"] = json[100..],
        }, TableUpdateMode.Replace);

        var stored = (await store.GetAsync("rel-old", CancellationToken.None))!;

        Assert.Equal("Written the way releases were stored before compression.", Assert.Single(stored.State.Timeline).Message);
        Assert.Equal(release.DueAt, stored.State.DueAt);
        Assert.Null(await table.GetEntityOrNullAsync("release-rel-old", "state"));
        Assert.Equal(stored.ETag, (await table.GetEntityAsync<TableEntity>("release-rel-old", "rel-old")).Value.ETag);
        stored.State.AddEvent(Now, "Saved after the move.");
        await store.UpdateAsync(stored.State, stored.ETag, CancellationToken.None);
        Assert.Equal(2, (await store.GetAsync("rel-old", CancellationToken.None))!.State.Timeline.Count);
    }

    [Fact]
    public async Task MoveLegacyAsync_DocumentChangedSinceItWasRead_MovesNothingAndLosesNothing()
    {
        var table = new TableClient(azurite.ConnectionString, AzuriteFixture.UniqueName("rel"));
        await table.CreateIfNotExistsAsync();
        var store = new ReleaseStore(table);
        var release = NewRelease("rel-old");
        var json = System.Text.Json.JsonSerializer.Serialize(release, ReleaseStore.Json);
        await table.AddEntityAsync(new TableEntity("release-rel-old", "state") { ["App"] = "shop", ["Chunks"] = 1, ["State0"] = json });
        var read = (await table.GetEntityAsync<TableEntity>("release-rel-old", "state")).Value;
        // An instance still on the old layout writes it after this one read it.
        release.AddEvent(Now, "Written by an older instance.");
        var newer = System.Text.Json.JsonSerializer.Serialize(release, ReleaseStore.Json);
        await table.UpsertEntityAsync(new TableEntity("release-rel-old", "state") { ["App"] = "shop", ["Chunks"] = 1, ["State0"] = newer }, TableUpdateMode.Replace);

        Assert.Null(await store.MoveLegacyAsync("rel-old", read, CancellationToken.None));

        Assert.Null(await table.GetEntityOrNullAsync("release-rel-old", "rel-old"));
        Assert.Equal("Written by an older instance.", Assert.Single((await store.GetAsync("rel-old", CancellationToken.None))!.State.Timeline).Message);
    }

    [Fact]
    public async Task GetAsync_DueEntryAsMovedAfterThisInstancesSave_TakesTheDocumentFromMemory()
    {
        var table = new TableClient(azurite.ConnectionString, AzuriteFixture.UniqueName("rel"));
        var store = new ReleaseStore(table);
        var release = NewRelease("rel-mem");
        var etag = await store.CreateAsync(release, CancellationToken.None);
        release.AddEvent(Now, "Saved by this instance.");
        etag = await store.UpdateAsync(release, etag, CancellationToken.None);
        var dueETag = (await store.SetDueAsync("rel-mem", Now.AddMinutes(1), ifMatch: null, CancellationToken.None, afterState: etag))!.Value;
        // Written behind the store's back without moving the due entry: only a reader that goes to storage sees it.
        var entity = (await table.GetEntityAsync<TableEntity>("release-rel-mem", "rel-mem")).Value;
        entity["Phase"] = "Edited";
        await table.UpdateEntityAsync(entity, entity.ETag, TableUpdateMode.Merge);

        var remembered = (await store.GetAsync("rel-mem", CancellationToken.None, dueETag))!;
        var stored = (await store.GetAsync("rel-mem", CancellationToken.None))!;

        Assert.Equal((etag, 1), (remembered.ETag, remembered.State.Timeline.Count));
        Assert.NotEqual(etag, stored.ETag);
    }

    [Fact]
    public async Task GetAsync_DueEntryMovedSinceThisInstancesSave_ReadsStorage()
    {
        var table = new TableClient(azurite.ConnectionString, AzuriteFixture.UniqueName("rel"));
        var (here, elsewhere) = (new ReleaseStore(table), new ReleaseStore(table));
        var release = NewRelease("rel-moved");
        var etag = await here.CreateAsync(release, CancellationToken.None);
        etag = await here.UpdateAsync(release, etag, CancellationToken.None);
        await here.SetDueAsync("rel-moved", Now.AddMinutes(1), ifMatch: null, CancellationToken.None, afterState: etag);

        // A command on another instance moves the due entry, then writes the release.
        var movedETag = (await elsewhere.SetDueAsync("rel-moved", Now, ifMatch: null, CancellationToken.None))!.Value;
        var read = (await elsewhere.GetAsync("rel-moved", CancellationToken.None))!;
        read.State.AddEvent(Now, "Changed elsewhere.");
        var newer = await elsewhere.UpdateAsync(read.State, read.ETag, CancellationToken.None);

        var listed = (await here.GetAsync("rel-moved", CancellationToken.None, movedETag))!;
        Assert.Equal((newer, "Changed elsewhere."), (listed.ETag, listed.State.Timeline.Single().Message));
    }

    [Fact]
    public async Task FinishAsync_EndedRelease_IndexSaysSoDueEntryAndLockAreGone()
    {
        var store = NewStore();
        var release = NewRelease("rel-end");
        Assert.Null((await store.TryLockAsync("shop", "rel-end", Now, CancellationToken.None)).Holder);
        var etag = await store.CreateAsync(release, CancellationToken.None);
        release.Phase = ReleasePhase.Succeeded;
        await store.UpdateAsync(release, etag, CancellationToken.None);

        await store.FinishAsync(release, CancellationToken.None);
        await store.FinishAsync(release, CancellationToken.None);

        Assert.Equal(["rel-end"], await store.ListIdsAsync("shop", "Succeeded", 10, CancellationToken.None));
        Assert.Empty(await store.ListIdsAsync("shop", "Active", 10, CancellationToken.None));
        await foreach (var entry in store.ListDueAsync(Now.AddDays(1), CancellationToken.None))
        {
            Assert.Fail($"Due entry left behind: {entry}");
        }
        Assert.Null(await store.GetLockAsync("shop", CancellationToken.None));
    }

    [Fact]
    public async Task SetDueAsync_LaterMoveFromAStaleVersion_RefusedAndTheEarlierEntryStands()
    {
        var store = NewStore();
        await store.CreateAsync(NewRelease("rel-due2"), CancellationToken.None);
        var listed = new List<(string Id, DateTimeOffset DueAt, global::Azure.ETag ETag)>();
        await foreach (var entry in store.ListDueAsync(Now, CancellationToken.None))
        {
            listed.Add(entry);
        }
        var seen = Assert.Single(listed);
        // A command makes the release due at once while a pass that listed it is about to move it later.
        Assert.NotNull(await store.SetDueAsync("rel-due2", Now, ifMatch: null, CancellationToken.None));

        var moved = await store.SetDueAsync("rel-due2", Now.AddMinutes(10), seen.ETag, CancellationToken.None);

        Assert.Null(moved);
        await foreach (var entry in store.ListDueAsync(Now, CancellationToken.None))
        {
            Assert.Equal(("rel-due2", Now), (entry.Id, entry.DueAt));
        }
    }

    [Fact]
    public async Task TryLockAsync_SecondRelease_ReturnsHolderUntilUnlocked()
    {
        var store = NewStore();
        Assert.Null((await store.TryLockAsync("shop", "rel-a", Now, CancellationToken.None)).Holder);

        Assert.Equal("rel-a", (await store.TryLockAsync("shop", "rel-b", Now, CancellationToken.None)).Holder);
        await store.UnlockAsync("shop", "rel-b", Now, CancellationToken.None);
        Assert.Equal("rel-a", (await store.TryLockAsync("shop", "rel-b", Now, CancellationToken.None)).Holder);

        await store.UnlockAsync("shop", "rel-a", Now, CancellationToken.None);
        Assert.Null((await store.TryLockAsync("shop", "rel-b", Now, CancellationToken.None)).Holder);
        Assert.Null((await store.TryLockAsync("other-app", "rel-c", Now, CancellationToken.None)).Holder);
    }

    [Fact]
    public async Task UnlockAsync_VersionTaken_DeletedUnreadButALockTakenSinceStays()
    {
        var reads = new CountedRequests(RequestMethod.Get);
        var options = new TableClientOptions();
        options.AddPolicy(reads, HttpPipelinePosition.PerCall);
        var store = new ReleaseStore(new TableClient(azurite.ConnectionString, AzuriteFixture.UniqueName("rel"), options));
        var first = await store.TryLockAsync("shop", "rel-a", Now, CancellationToken.None);
        Assert.Null(first.Holder);

        // The version goes through the release document as text, as FinishAsync reads it back.
        await store.UnlockAsync("shop", "rel-a", Now.AddMinutes(5), CancellationToken.None, new global::Azure.ETag(first.Taken.ToString()));
        Assert.Equal(0, reads.Count);
        Assert.Null(await store.GetLockAsync("shop", CancellationToken.None));

        // The success is swapped back: the same release takes the lock again. A repeat of its first finish still holds
        // the first version; it reads the lock, sees it taken after that finish, and leaves it.
        var again = await store.TryLockAsync("shop", "rel-a", Now.AddMinutes(10), CancellationToken.None);
        await store.UnlockAsync("shop", "rel-a", Now.AddMinutes(5), CancellationToken.None, first.Taken);
        Assert.Equal("rel-a", (await store.GetLockAsync("shop", CancellationToken.None))?.ReleaseId);

        await store.UnlockAsync("shop", "rel-a", Now.AddMinutes(15), CancellationToken.None, again.Taken);
        Assert.Null(await store.GetLockAsync("shop", CancellationToken.None));
    }

    [Fact]
    public async Task TryAddIdempotencyKeyAsync_KeyUsedBefore_ReturnsTheFirstRecordPerCaller()
    {
        var store = NewStore();
        Assert.Null(await store.TryAddIdempotencyKeyAsync("ci", "key/1?#", "hash-a", "rel-1", Now, CancellationToken.None));

        var prior = await store.TryAddIdempotencyKeyAsync("ci", "key/1?#", "hash-b", "rel-2", Now, CancellationToken.None);

        Assert.Equal(new IdempotencyRecord("hash-a", "rel-1", Now), prior);
        Assert.Null(await store.TryAddIdempotencyKeyAsync("someone-else", "key/1?#", "hash-b", "rel-3", Now, CancellationToken.None));
    }

    [Fact]
    public async Task ListIdsAsync_ByAppAndStatus_NewestFirst()
    {
        var store = NewStore();
        await store.CreateAsync(NewRelease("rel-old", "shop", Now), CancellationToken.None);
        await store.CreateAsync(NewRelease("rel-new", "shop", Now.AddHours(1)), CancellationToken.None);
        await store.CreateAsync(NewRelease("rel-other", "blog", Now), CancellationToken.None);

        Assert.Equal(["rel-new", "rel-old"], await store.ListIdsAsync("shop", "Active", 10, CancellationToken.None));
        Assert.Empty(await store.ListIdsAsync("shop", "Succeeded", 10, CancellationToken.None));
        Assert.Equal(3, (await store.ListIdsAsync(null, null, 10, CancellationToken.None)).Count);
    }

    [Fact]
    public async Task ListIdsAsync_ByApp_LeavesOutAppsWhoseNameStartsTheSame()
    {
        var store = NewStore();
        await store.CreateAsync(NewRelease("rel-shop", "shop"), CancellationToken.None);
        await store.CreateAsync(NewRelease("rel-shop-eu", "shop-eu"), CancellationToken.None);
        await store.CreateAsync(NewRelease("rel-sho", "sho"), CancellationToken.None);

        Assert.Equal(["rel-shop"], await store.ListIdsAsync("shop", null, 10, CancellationToken.None));
        Assert.Equal(["rel-sho"], await store.ListIdsAsync("sho", "Active", 10, CancellationToken.None));
    }

    [Fact]
    public async Task FinishAsync_ReleaseIndexedInItsAppsPartition_MovesItsEntryAndListsItOnce()
    {
        // A release stored before the index had a partition of its own: its entry is in its app's partition.
        var table = new TableClient(azurite.ConnectionString, AzuriteFixture.UniqueName("rel"));
        var store = new ReleaseStore(table);
        var release = NewRelease("rel-before", "shop", Now.AddHours(-1));
        var etag = await store.CreateAsync(release, CancellationToken.None);
        await table.DeleteEntityAsync("index", "shop|rel-before");
        await table.AddEntityAsync(new TableEntity("app-shop", "rel-before") { ["Status"] = "Active", ["CreatedAt"] = release.CreatedAt });
        release.SharedIndex = false;
        etag = await store.UpdateAsync(release, etag, CancellationToken.None);
        await store.CreateAsync(NewRelease("rel-after", "shop", Now), CancellationToken.None);

        Assert.Equal(["rel-after", "rel-before"], await store.ListIdsAsync("shop", "Active", 10, CancellationToken.None));
        Assert.Equal(["rel-after", "rel-before"], await store.ListIdsAsync(null, null, 10, CancellationToken.None));

        release.Phase = ReleasePhase.Succeeded;
        await store.UpdateAsync(release, etag, CancellationToken.None);
        await store.FinishAsync(release, CancellationToken.None);

        Assert.Null(await table.GetEntityOrNullAsync("app-shop", "rel-before"));
        Assert.Equal(["rel-before"], await store.ListIdsAsync("shop", "Succeeded", 10, CancellationToken.None));
        Assert.Equal(["rel-after"], await store.ListIdsAsync("shop", "Active", 10, CancellationToken.None));
        Assert.Equal(["rel-after", "rel-before"], await store.ListIdsAsync("shop", null, 10, CancellationToken.None));
    }

    [Fact]
    public async Task ListIdsAsync_EndedReleaseWhoseOldEntryStillSaysActive_ListedByItsNewEntryOnly()
    {
        // A release from before the shared index ended: its new entry says so, and the process stopped before its old
        // entry (still Active) went.
        var table = new TableClient(azurite.ConnectionString, AzuriteFixture.UniqueName("rel"));
        var store = new ReleaseStore(table);
        var release = NewRelease("rel-ended", "shop");
        var etag = await store.CreateAsync(release, CancellationToken.None);
        release.Phase = ReleasePhase.Succeeded;
        await store.UpdateAsync(release, etag, CancellationToken.None);
        await store.FinishAsync(release, CancellationToken.None);
        await table.AddEntityAsync(new TableEntity("app-shop", "rel-ended") { ["Status"] = "Active", ["CreatedAt"] = release.CreatedAt });

        Assert.Empty(await store.ListIdsAsync("shop", "Active", 10, CancellationToken.None));
        Assert.Empty(await store.ListIdsAsync(null, "Active", 10, CancellationToken.None));
        Assert.Equal(["rel-ended"], await store.ListIdsAsync("shop", "Succeeded", 10, CancellationToken.None));
    }

    [Fact]
    public async Task ListIdsAsync_EntryInBothPlaces_ListsTheReleaseOnce()
    {
        // A release's entry was written in the new place and the process stopped before the old one went.
        var table = new TableClient(azurite.ConnectionString, AzuriteFixture.UniqueName("rel"));
        var store = new ReleaseStore(table);
        var release = NewRelease("rel-both", "shop");
        await store.CreateAsync(release, CancellationToken.None);
        await table.AddEntityAsync(new TableEntity("app-shop", "rel-both") { ["Status"] = "Active", ["CreatedAt"] = release.CreatedAt.AddDays(-30) });

        Assert.Equal(["rel-both"], await store.ListIdsAsync(null, null, 10, CancellationToken.None));
        Assert.Equal(["rel-both"], await store.ListIdsAsync("shop", "Active", 10, CancellationToken.None));
    }

    /// <summary>Counts the requests of one method a client sends.</summary>
    private sealed class CountedRequests(RequestMethod method) : HttpPipelineSynchronousPolicy
    {
        private int _count;

        public int Count => Volatile.Read(ref _count);

        public override void OnSendingRequest(HttpMessage message)
        {
            if (message.Request.Method == method)
            {
                Interlocked.Increment(ref _count);
            }
        }
    }
}
