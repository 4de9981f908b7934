using Azure;
using Azure.Core;
using Azure.Core.Pipeline;
using Azure.Data.Tables;
using Blueshift.Functions.Storage;
using Blueshift.Testing;
using Xunit;

namespace Blueshift.Functions.Tests.Storage;

public sealed class TableGroupCommitTests(AzuriteFixture azurite) : IClassFixture<AzuriteFixture>
{
    private async Task<TableClient> NewTableAsync()
    {
        var table = new TableClient(azurite.ConnectionString, AzuriteFixture.UniqueName());
        await table.CreateIfNotExistsAsync();
        return table;
    }

    // A client of the table whose first request waits for the test's word: what is submitted meanwhile queues behind it.
    private TableClient HoldingFirstRequest(TableClient table, HoldFirstRequest firstRequest)
    {
        var options = new TableClientOptions();
        options.AddPolicy(firstRequest, HttpPipelinePosition.PerCall);
        return new TableClient(azurite.ConnectionString, table.Name, options);
    }

    [Fact]
    public async Task SubmitAsync_WritesArrivingWhileOneIsInFlight_LeaveTogetherAndAllLand()
    {
        var table = await NewTableAsync();
        var firstRequest = new HoldFirstRequest();
        var commit = new TableGroupCommit(HoldingFirstRequest(table, firstRequest));
        var entities = Enumerable.Range(0, 50).Select(i => new TableEntity("p", $"r{i:D2}") { ["Value"] = i }).ToList();

        // The first submission leaves at once and is held on its way; the other 49 queue behind it and leave together
        // when it returns.
        var writes = entities.Select(e => commit.SubmitAsync(new TableTransactionAction(TableTransactionActionType.Add, e))).ToList();
        firstRequest.Release();
        await Task.WhenAll(writes);

        Assert.Equal(2, commit.RequestsSent);
        var stored = new List<TableEntity>();
        await foreach (var entity in table.QueryAsync<TableEntity>(TableClient.CreateQueryFilter($"PartitionKey eq {"p"}")))
        {
            stored.Add(entity);
        }
        Assert.Equal(Enumerable.Range(0, 50), stored.Select(e => e.GetInt32("Value") ?? -1).Order());
        Assert.All(entities, e => Assert.Equal(stored.Single(s => s.RowKey == e.RowKey).ETag, e.ETag));
    }

    [Fact]
    public async Task SubmitAsync_OneSubmissionFails_OnlyItsCallerSeesTheFailureAndTheRestLand()
    {
        var table = await NewTableAsync();
        var commit = new TableGroupCommit(table);
        var current = new TableEntity("p", "guarded") { ["Value"] = 1 };
        var stale = await table.AddEntityWithETagAsync(current);
        await table.UpdateEntityAsync(new TableEntity("p", "guarded") { ["Value"] = 2 }, stale, TableUpdateMode.Replace);

        var first = commit.SubmitAsync(new TableTransactionAction(TableTransactionActionType.Add, new TableEntity("p", "first")));
        var before = commit.SubmitAsync(new TableTransactionAction(TableTransactionActionType.Add, new TableEntity("p", "before")));
        var failing = commit.SubmitAsync(
        [
            new(TableTransactionActionType.Add, new TableEntity("p", "with-the-failure")),
            new(TableTransactionActionType.UpdateReplace, new TableEntity("p", "guarded") { ["Value"] = 3 }, stale),
        ]);
        var after = commit.SubmitAsync(new TableTransactionAction(TableTransactionActionType.Add, new TableEntity("p", "after")));

        await Task.WhenAll(first, before, after);
        var ex = await Assert.ThrowsAsync<TableSubmissionFailedException>(() => failing);
        Assert.Equal((412, 1), (ex.Status, ex.FailedActionIndex));
        Assert.NotNull(await table.GetEntityOrNullAsync("p", "before"));
        Assert.NotNull(await table.GetEntityOrNullAsync("p", "after"));
        Assert.Null(await table.GetEntityOrNullAsync("p", "with-the-failure"));
        Assert.Equal(2, (await table.GetEntityAsync<TableEntity>("p", "guarded")).Value.GetInt32("Value"));
    }

    [Fact]
    public async Task SubmitAsync_LoneWriteFails_FailsAsItsTransactionWouldHave()
    {
        var table = await NewTableAsync();
        var commit = new TableGroupCommit(table);
        var entity = new TableEntity("p", "guarded") { ["Value"] = 1 };
        var stale = await table.AddEntityWithETagAsync(entity);
        await table.UpsertEntityAsync(new TableEntity("p", "guarded") { ["Value"] = 2 }, TableUpdateMode.Replace);

        var stale412 = await Assert.ThrowsAsync<TableSubmissionFailedException>(() => commit.SubmitAsync(
            new TableTransactionAction(TableTransactionActionType.UpdateReplace, new TableEntity("p", "guarded") { ["Value"] = 3 }, stale)));
        var missing404 = await Assert.ThrowsAsync<TableSubmissionFailedException>(() => commit.SubmitAsync(
            new TableTransactionAction(TableTransactionActionType.UpdateReplace, new TableEntity("p", "missing"), stale)));
        var exists409 = await Assert.ThrowsAsync<TableSubmissionFailedException>(() => commit.SubmitAsync(
            new TableTransactionAction(TableTransactionActionType.Add, new TableEntity("p", "guarded"))));

        Assert.Equal([(412, 0), (404, 0), (409, 0)], new[] { stale412, missing404, exists409 }.Select(e => (e.Status, e.FailedActionIndex)));
        Assert.Equal(2, (await table.GetEntityAsync<TableEntity>("p", "guarded")).Value.GetInt32("Value"));
        Assert.Equal(3, commit.RequestsSent);
    }

    [Fact]
    public async Task SubmitAsync_Deletes_FailOnAMissingOrChangedEntity_AloneOrTogether()
    {
        var table = await NewTableAsync();
        foreach (var key in new[] { "a", "b", "c", "guarded" })
        {
            await table.AddEntityAsync(new TableEntity("p", key));
        }
        var guarded = (await table.GetEntityAsync<TableEntity>("p", "guarded")).Value.ETag;
        await table.UpsertEntityAsync(new TableEntity("p", "guarded") { ["Value"] = 2 }, TableUpdateMode.Replace);
        static TableTransactionAction Delete(string key, ETag etag = default) => new(TableTransactionActionType.Delete, new TableEntity("p", key), etag);

        // Alone: a plain request, and a missing entity still fails (a plain delete would call that a success).
        var alone = new TableGroupCommit(table);
        await alone.SubmitAsync(Delete("a"));
        var missing = await Assert.ThrowsAsync<TableSubmissionFailedException>(() => alone.SubmitAsync(Delete("a")));
        var stale = await Assert.ThrowsAsync<TableSubmissionFailedException>(() => alone.SubmitAsync(Delete("guarded", guarded)));
        Assert.Equal([(404, 0), (412, 0)], new[] { missing, stale }.Select(e => (e.Status, e.FailedActionIndex)));
        Assert.Equal(3, alone.RequestsSent);

        // Together: the first leaves alone and is held; the three behind it share a transaction, where the missing one
        // fails only its own caller and the other two go again.
        var firstRequest = new HoldFirstRequest();
        var current = (await table.GetEntityAsync<TableEntity>("p", "guarded")).Value.ETag;
        var together = new TableGroupCommit(HoldingFirstRequest(table, firstRequest));
        var first = together.SubmitAsync(Delete("b"));
        var gone = together.SubmitAsync(Delete("missing"));
        var last = together.SubmitAsync(Delete("c"));
        var matching = together.SubmitAsync(Delete("guarded", current));
        firstRequest.Release();
        await Task.WhenAll(first, last, matching);
        var goneFailure = await Assert.ThrowsAsync<TableSubmissionFailedException>(() => gone);
        Assert.Equal((404, 0), (goneFailure.Status, goneFailure.FailedActionIndex));
        Assert.Equal(3, together.RequestsSent);
        var left = new List<string>();
        await foreach (var entity in table.QueryAsync<TableEntity>(TableClient.CreateQueryFilter($"PartitionKey eq {"p"}")))
        {
            left.Add(entity.RowKey);
        }
        Assert.Empty(left);
    }

    [Fact]
    public async Task SubmitAsync_TwoWritesToOneEntity_LeaveInOrderInSeparateTransactions()
    {
        var table = await NewTableAsync();
        var commit = new TableGroupCommit(table);

        var writes = Enumerable.Range(1, 5).Select(i => commit.SubmitAsync(
            new TableTransactionAction(TableTransactionActionType.UpsertReplace, new TableEntity("p", "same") { ["Value"] = i }))).ToList();
        await Task.WhenAll(writes);

        Assert.Equal(5, commit.RequestsSent);
        Assert.Equal(5, (await table.GetEntityAsync<TableEntity>("p", "same")).Value.GetInt32("Value"));
    }

    [Fact]
    public async Task SubmitAsync_SeparatePartitions_DoNotWaitForEachOther()
    {
        var table = await NewTableAsync();
        var commit = new TableGroupCommit(table);

        await Task.WhenAll(
            commit.SubmitAsync(new TableTransactionAction(TableTransactionActionType.Add, new TableEntity("a", "1"))),
            commit.SubmitAsync(new TableTransactionAction(TableTransactionActionType.Add, new TableEntity("b", "1"))));

        Assert.Equal(2, commit.RequestsSent);
        Assert.NotNull(await table.GetEntityOrNullAsync("a", "1"));
        Assert.NotNull(await table.GetEntityOrNullAsync("b", "1"));
    }

    [Fact]
    public async Task SubmitAsync_TheRequestFails_EveryCallerInItSeesTheFailure()
    {
        var missing = new TableClient(azurite.ConnectionString, AzuriteFixture.UniqueName());
        var commit = new TableGroupCommit(missing);

        var writes = Enumerable.Range(0, 3).Select(i => commit.SubmitAsync(
            new TableTransactionAction(TableTransactionActionType.Add, new TableEntity("p", $"r{i}")))).ToList();

        foreach (var write in writes)
        {
            var ex = await Assert.ThrowsAnyAsync<RequestFailedException>(() => write);
            Assert.Equal(404, ex.Status);
        }
    }

    [Fact]
    public async Task SubmitAsync_BadSubmissions_AreRefusedBeforeAnythingIsSent()
    {
        var table = await NewTableAsync();
        var commit = new TableGroupCommit(table);

        Assert.Throws<ArgumentException>(() => { _ = commit.SubmitAsync([]); });
        Assert.Throws<ArgumentException>(() => { _ = commit.SubmitAsync(
        [
            new(TableTransactionActionType.Add, new TableEntity("a", "1")),
            new(TableTransactionActionType.Add, new TableEntity("b", "1")),
        ]); });
        Assert.Throws<ArgumentException>(() => { _ = commit.SubmitAsync(
        [
            new(TableTransactionActionType.Add, new TableEntity("a", "1")),
            new(TableTransactionActionType.UpsertMerge, new TableEntity("a", "1")),
        ]); });
        Assert.Equal(0, commit.RequestsSent);
    }

    /// <summary>Holds the first request of a pipeline until released; the rest go straight through.</summary>
    private sealed class HoldFirstRequest : HttpPipelinePolicy
    {
        private readonly TaskCompletionSource _released = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private int _requests;

        public void Release() => _released.TrySetResult();

        public override async ValueTask ProcessAsync(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline)
        {
            if (Interlocked.Increment(ref _requests) == 1)
            {
                await _released.Task;
            }
            await ProcessNextAsync(message, pipeline);
        }

        public override void Process(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline) =>
            throw new NotSupportedException("The table client is asynchronous only.");
    }
}
