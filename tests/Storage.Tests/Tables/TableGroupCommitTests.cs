using Azure;
using Blueshift.Storage.Tables;
using Blueshift.Testing;
using Xunit;

namespace Blueshift.Storage.Tests.Tables;

public sealed class TableGroupCommitTests(AzuriteFixture azurite) : IClassFixture<AzuriteFixture>
{
    private async Task<TableClient> NewTableAsync()
    {
        var table = new TableClient(azurite.ConnectionString, AzuriteFixture.UniqueName());
        Assert.True(await table.CreateIfNotExistsAsync());
        return table;
    }

    [Fact]
    public async Task SubmitAsync_WritesArrivingWhileOneIsInFlight_LeaveTogetherAndAllLand()
    {
        var table = await NewTableAsync();
        var commit = new TableGroupCommit(table);
        var entities = Enumerable.Range(0, 50).Select(i => new TableEntity("p", $"r{i:D2}") { ["Value"] = i }).ToList();

        // The first submission leaves at once; the other 49 queue behind it (it cannot answer before they are queued) and
        // leave together when it returns.
        await Task.WhenAll(entities.Select(e => commit.SubmitAsync(new TableTransactionAction(TableTransactionActionType.Add, e))));

        Assert.Equal(2, commit.RequestsSent);
        var stored = new List<TableEntity>();
        await foreach (var entity in table.QueryAsync(TableClient.CreateQueryFilter($"PartitionKey eq {"p"}")))
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
        await table.AddEntityAsync(current);
        var stale = current.ETag;
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
        var ex = await Assert.ThrowsAsync<TableTransactionFailedException>(() => failing);
        Assert.Equal((412, 1), (ex.Status, ex.FailedActionIndex));
        Assert.NotNull(await table.GetEntityIfExistsAsync("p", "before"));
        Assert.NotNull(await table.GetEntityIfExistsAsync("p", "after"));
        Assert.Null(await table.GetEntityIfExistsAsync("p", "with-the-failure"));
        Assert.Equal(2, (await table.GetEntityAsync("p", "guarded")).Value.GetInt32("Value"));
    }

    [Fact]
    public async Task SubmitAsync_LoneWriteFails_FailsAsItsTransactionWouldHave()
    {
        var table = await NewTableAsync();
        var commit = new TableGroupCommit(table);
        var entity = new TableEntity("p", "guarded") { ["Value"] = 1 };
        await table.AddEntityAsync(entity);
        var stale = entity.ETag;
        await table.UpsertEntityAsync(new TableEntity("p", "guarded") { ["Value"] = 2 }, TableUpdateMode.Replace);

        var stale412 = await Assert.ThrowsAsync<TableTransactionFailedException>(() => commit.SubmitAsync(
            new TableTransactionAction(TableTransactionActionType.UpdateReplace, new TableEntity("p", "guarded") { ["Value"] = 3 }, stale)));
        var missing404 = await Assert.ThrowsAsync<TableTransactionFailedException>(() => commit.SubmitAsync(
            new TableTransactionAction(TableTransactionActionType.UpdateReplace, new TableEntity("p", "missing"), stale)));
        var exists409 = await Assert.ThrowsAsync<TableTransactionFailedException>(() => commit.SubmitAsync(
            new TableTransactionAction(TableTransactionActionType.Add, new TableEntity("p", "guarded"))));

        Assert.Equal([(412, 0), (404, 0), (409, 0)], new[] { stale412, missing404, exists409 }.Select(e => (e.Status, e.FailedActionIndex ?? -1)));
        Assert.Equal(2, (await table.GetEntityAsync("p", "guarded")).Value.GetInt32("Value"));
        Assert.Equal(3, commit.RequestsSent);
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
        Assert.Equal(5, (await table.GetEntityAsync("p", "same")).Value.GetInt32("Value"));
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
        Assert.NotNull(await table.GetEntityIfExistsAsync("a", "1"));
        Assert.NotNull(await table.GetEntityIfExistsAsync("b", "1"));
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
}
