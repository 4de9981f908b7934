using Azure;
using Blueshift.Storage.Tables;
using Blueshift.Testing;
using Xunit;

namespace Blueshift.Storage.Tests.Tables;

public sealed class TableTransactionTests(AzuriteFixture azurite) : IClassFixture<AzuriteFixture>
{
    private async Task<TableClient> NewTableAsync()
    {
        var table = new TableClient(azurite.ConnectionString, AzuriteFixture.UniqueName());
        Assert.True(await table.CreateIfNotExistsAsync());
        return table;
    }

    [Fact]
    public async Task SubmitTransactionAsync_EveryActionType_AllTakeEffectWithNewETags()
    {
        var table = await NewTableAsync();
        var toUpdate = new TableEntity("p", "update") { ["Value"] = 1, ["Kept"] = "yes" };
        await table.AddEntityAsync(toUpdate);
        await table.AddEntityAsync(new TableEntity("p", "delete") { ["Value"] = 1 });
        await table.AddEntityAsync(new TableEntity("p", "replace") { ["Value"] = 1, ["Dropped"] = "yes" });
        var added = new TableEntity("p", "add") { ["Value"] = 2, ["Text"] = "a \"quoted\" line\nand another" };
        var merged = new TableEntity("p", "update") { ["Value"] = 2 };

        await table.SubmitTransactionAsync(
        [
            new(TableTransactionActionType.Add, added),
            new(TableTransactionActionType.UpdateMerge, merged, toUpdate.ETag),
            new(TableTransactionActionType.UpsertReplace, new TableEntity("p", "replace") { ["Value"] = 2 }),
            new(TableTransactionActionType.UpsertMerge, new TableEntity("p", "upsert") { ["Value"] = 2 }),
            new(TableTransactionActionType.Delete, new TableEntity("p", "delete")),
        ]);

        var stored = await table.GetEntityAsync("p", "add");
        Assert.Equal("a \"quoted\" line\nand another", stored.Value.GetString("Text"));
        Assert.Equal(stored.Value.ETag, added.ETag);
        var update = (await table.GetEntityAsync("p", "update")).Value;
        Assert.Equal((2, "yes"), (update.GetInt32("Value"), update.GetString("Kept")));
        Assert.Equal(update.ETag, merged.ETag);
        Assert.Null((await table.GetEntityAsync("p", "replace")).Value.GetString("Dropped"));
        Assert.Equal(2, (await table.GetEntityAsync("p", "upsert")).Value.GetInt32("Value"));
        Assert.Null(await table.GetEntityIfExistsAsync("p", "delete"));
    }

    [Fact]
    public async Task SubmitTransactionAsync_OneInsertConflicts_NothingChangesAndTheActionIsNamed()
    {
        var table = await NewTableAsync();
        await table.AddEntityAsync(new TableEntity("p", "exists") { ["Value"] = 1 });

        var ex = await Assert.ThrowsAsync<TableTransactionFailedException>(() => table.SubmitTransactionAsync(
        [
            new(TableTransactionActionType.Add, new TableEntity("p", "new") { ["Value"] = 2 }),
            new(TableTransactionActionType.Add, new TableEntity("p", "exists") { ["Value"] = 2 }),
        ]));

        Assert.Equal(409, ex.Status);
        Assert.Equal(1, ex.FailedActionIndex);
        Assert.Null(await table.GetEntityIfExistsAsync("p", "new"));
        Assert.Equal(1, (await table.GetEntityAsync("p", "exists")).Value.GetInt32("Value"));
    }

    [Fact]
    public async Task SubmitTransactionAsync_StaleETag_Fails412AndNothingChanges()
    {
        var table = await NewTableAsync();
        var entity = new TableEntity("p", "r") { ["Value"] = 1 };
        await table.AddEntityAsync(entity);
        var stale = entity.ETag;
        await table.UpdateEntityAsync(new TableEntity("p", "r") { ["Value"] = 2 }, stale);

        var ex = await Assert.ThrowsAsync<TableTransactionFailedException>(() => table.SubmitTransactionAsync(
        [
            new(TableTransactionActionType.UpsertReplace, new TableEntity("p", "other") { ["Value"] = 3 }),
            new(TableTransactionActionType.UpdateReplace, new TableEntity("p", "r") { ["Value"] = 3 }, stale),
        ]));

        Assert.Equal(412, ex.Status);
        Assert.Null(await table.GetEntityIfExistsAsync("p", "other"));
        Assert.Equal(2, (await table.GetEntityAsync("p", "r")).Value.GetInt32("Value"));
    }

    [Fact]
    public async Task SubmitTransactionAsync_TwoPartitionsOrTooManyActions_RefusedBeforeSending()
    {
        var table = new TableClient(azurite.ConnectionString, AzuriteFixture.UniqueName());

        await Assert.ThrowsAsync<ArgumentException>(() => table.SubmitTransactionAsync(
        [
            new(TableTransactionActionType.Add, new TableEntity("p", "a")),
            new(TableTransactionActionType.Add, new TableEntity("q", "b")),
        ]));
        await Assert.ThrowsAsync<ArgumentException>(() => table.SubmitTransactionAsync(
            [.. Enumerable.Range(0, 101).Select(i => new TableTransactionAction(TableTransactionActionType.Add, new TableEntity("p", $"r{i}")))]));
        await Assert.ThrowsAsync<ArgumentException>(() => table.SubmitTransactionAsync([]));
    }

    [Fact]
    public async Task SubmitTransactionAsync_HundredInserts_OneRoundTripWritesAll()
    {
        var table = await NewTableAsync();

        await table.SubmitTransactionAsync(
            [.. Enumerable.Range(0, 100).Select(i => new TableTransactionAction(TableTransactionActionType.Add, new TableEntity("p", $"r{i:D3}") { ["Value"] = i }))]);

        var count = 0;
        await foreach (var entity in table.QueryAsync(TableClient.CreateQueryFilter($"PartitionKey eq {"p"}")))
        {
            Assert.Equal(int.Parse(entity.RowKey[1..], System.Globalization.CultureInfo.InvariantCulture), entity.GetInt32("Value"));
            count++;
        }
        Assert.Equal(100, count);
    }
}
