using System.Text;
using Azure;
using Blueshift.Storage.Tables;
using Blueshift.Testing;
using Xunit;

namespace Blueshift.Storage.Tests.Tables;

public sealed class TableClientTests(AzuriteFixture azurite) : IClassFixture<AzuriteFixture>
{
    private async Task<TableClient> NewTableAsync()
    {
        var table = new TableClient(azurite.ConnectionString, AzuriteFixture.UniqueName());
        Assert.True(await table.CreateIfNotExistsAsync());
        return table;
    }

    [Fact]
    public async Task CreateIfNotExistsAsync_TableExists_ReturnsFalseAndDeleteReportsExistence()
    {
        var table = await NewTableAsync();

        Assert.False(await table.CreateIfNotExistsAsync());
        Assert.True(await table.DeleteAsync());
        Assert.False(await table.DeleteAsync());
    }

    [Fact]
    public async Task AddEntityAsync_KeysAlreadyExist_Throws409()
    {
        var table = await NewTableAsync();
        await table.AddEntityAsync(new TableEntity("p", "r") { ["Value"] = 1 });

        var ex = await Assert.ThrowsAsync<RequestFailedException>(() => table.AddEntityAsync(new TableEntity("p", "r") { ["Value"] = 2 }));

        Assert.Equal(409, ex.Status);
        Assert.Equal("EntityAlreadyExists", ex.ErrorCode);
        Assert.Equal(1, (await table.GetEntityAsync("p", "r")).Value.GetInt32("Value"));
    }

    [Fact]
    public async Task GetEntityAsync_EntityMissing_Throws404AndIfExistsReturnsNull()
    {
        var table = await NewTableAsync();

        var ex = await Assert.ThrowsAsync<RequestFailedException>(() => table.GetEntityAsync("p", "missing"));

        Assert.Equal(404, ex.Status);
        Assert.Null(await table.GetEntityIfExistsAsync("p", "missing"));
    }

    [Fact]
    public async Task GetEntityIfExistsAsync_TableMissing_Throws404()
    {
        var table = new TableClient(azurite.ConnectionString, AzuriteFixture.UniqueName());

        var ex = await Assert.ThrowsAsync<RequestFailedException>(() => table.GetEntityIfExistsAsync("p", "r"));

        Assert.Equal(404, ex.Status);
        Assert.Equal("TableNotFound", ex.ErrorCode);
    }

    [Fact]
    public async Task UpdateEntityAsync_StaleETag_Throws412AndKeepsTheWinner()
    {
        var table = await NewTableAsync();
        var entity = new TableEntity("release", "r1") { ["State"] = "Requested" };
        var added = await table.AddEntityAsync(entity);
        var stale = added.Value;

        entity["State"] = "Approved";
        var updated = await table.UpdateEntityAsync(entity, stale);
        Assert.NotEqual(stale, updated.Value);
        Assert.Equal(updated.Value, entity.ETag);

        var loser = new TableEntity("release", "r1") { ["State"] = "Rejected" };
        var ex = await Assert.ThrowsAsync<RequestFailedException>(() => table.UpdateEntityAsync(loser, stale, TableUpdateMode.Replace));

        Assert.Equal(412, ex.Status);
        Assert.Equal("UpdateConditionNotSatisfied", ex.ErrorCode);
        var stored = (await table.GetEntityAsync("release", "r1")).Value;
        Assert.Equal("Approved", stored.GetString("State"));
        Assert.Equal(updated.Value, stored.ETag);
    }

    [Fact]
    public async Task UpdateEntityAsync_ETagAll_UpdatesAnyVersion()
    {
        var table = await NewTableAsync();
        await table.AddEntityAsync(new TableEntity("p", "r") { ["State"] = "A" });

        await table.UpdateEntityAsync(new TableEntity("p", "r") { ["State"] = "B" }, ETag.All);

        Assert.Equal("B", (await table.GetEntityAsync("p", "r")).Value.GetString("State"));
    }

    [Fact]
    public async Task UpdateEntityAsync_EntityMissing_Throws404()
    {
        var table = await NewTableAsync();

        var ex = await Assert.ThrowsAsync<RequestFailedException>(() => table.UpdateEntityAsync(new TableEntity("p", "r"), ETag.All));

        Assert.Equal(404, ex.Status);
    }

    [Fact]
    public async Task UpdateEntityAsync_DefaultETag_ThrowsArgumentException()
    {
        var table = new TableClient(azurite.ConnectionString, "unused");

        await Assert.ThrowsAsync<ArgumentException>(() => table.UpdateEntityAsync(new TableEntity("p", "r"), default));
    }

    [Fact]
    public async Task UpsertEntityAsync_MergeKeepsOtherPropertiesReplaceDropsThem()
    {
        var table = await NewTableAsync();
        await table.UpsertEntityAsync(new TableEntity("p", "merge") { ["A"] = "a", ["B"] = "b" });
        await table.UpsertEntityAsync(new TableEntity("p", "replace") { ["A"] = "a", ["B"] = "b" });

        await table.UpsertEntityAsync(new TableEntity("p", "merge") { ["B"] = "b2" }, TableUpdateMode.Merge);
        await table.UpsertEntityAsync(new TableEntity("p", "replace") { ["B"] = "b2" }, TableUpdateMode.Replace);

        var merged = (await table.GetEntityAsync("p", "merge")).Value;
        var replaced = (await table.GetEntityAsync("p", "replace")).Value;
        Assert.Equal(("a", "b2"), (merged.GetString("A"), merged.GetString("B")));
        Assert.Equal((null, "b2"), (replaced.GetString("A"), replaced.GetString("B")));
    }

    [Fact]
    public async Task DeleteEntityAsync_StaleETag_Throws412ThenCurrentETagDeletes()
    {
        var table = await NewTableAsync();
        var entity = new TableEntity("p", "r") { ["V"] = 1 };
        var first = (await table.AddEntityAsync(entity)).Value;
        await table.UpdateEntityAsync(entity, first);

        var ex = await Assert.ThrowsAsync<RequestFailedException>(() => table.DeleteEntityAsync("p", "r", first));
        Assert.Equal(412, ex.Status);

        var deleted = await table.DeleteEntityAsync("p", "r", entity.ETag);
        Assert.Equal(204, deleted.Status);
        Assert.Null(await table.GetEntityIfExistsAsync("p", "r"));
        Assert.Equal(404, (await table.DeleteEntityAsync("p", "r")).Status);
    }

    [Fact]
    public async Task GetEntityAsync_EveryPropertyType_RoundTripsWithItsType()
    {
        var table = await NewTableAsync();
        var at = new DateTimeOffset(2026, 3, 4, 5, 6, 7, TimeSpan.FromHours(2)).AddTicks(1234567);
        var id = Guid.NewGuid();
        byte[] bytes = [0, 1, 2, 254, 255];
        await table.AddEntityAsync(new TableEntity("types", "all")
        {
            ["Text"] = "héllo 'quoted' <xml> & \"json\"",
            ["Flag"] = true,
            ["Small"] = 42,
            ["SmallLong"] = 7L,
            ["BigLong"] = long.MaxValue,
            ["WholeDouble"] = 2.0,
            ["Double"] = 0.1,
            ["At"] = at,
            ["Id"] = id,
            ["Bytes"] = bytes,
        });

        var entity = (await table.GetEntityAsync("types", "all")).Value;

        Assert.Equal("héllo 'quoted' <xml> & \"json\"", entity["Text"]);
        Assert.Equal(true, entity["Flag"]);
        Assert.Equal(42, entity["Small"]);
        Assert.Equal(7L, entity["SmallLong"]);
        Assert.Equal(long.MaxValue, entity["BigLong"]);
        Assert.Equal(2.0, entity["WholeDouble"]);
        Assert.Equal(0.1, entity["Double"]);
        Assert.Equal(at.ToUniversalTime(), entity["At"]);
        Assert.Equal(TimeSpan.Zero, entity.GetDateTimeOffset("At")!.Value.Offset);
        Assert.Equal(id, entity["Id"]);
        Assert.Equal(bytes, entity.GetBinary("Bytes"));
        Assert.NotNull(entity.Timestamp);
        Assert.NotEqual(default, entity.ETag);
        Assert.Equal(10, entity.Count);
    }

    [Fact]
    public async Task QueryAsync_FilterValueContainsQuote_MatchesExactlyThatEntity()
    {
        var table = await NewTableAsync();
        await table.AddEntityAsync(new TableEntity("it's", "1") { ["Owner"] = "O'Brien" });
        await table.AddEntityAsync(new TableEntity("it's", "2") { ["Owner"] = "OBrien" });
        await table.AddEntityAsync(new TableEntity("its", "3") { ["Owner"] = "O'Brien" });

        var owner = "O'Brien";
        var partition = "it's";
        var results = await ToListAsync(table.QueryAsync(TableClient.CreateQueryFilter($"PartitionKey eq {partition} and Owner eq {owner}")));

        var only = Assert.Single(results);
        Assert.Equal(("it's", "1"), (only.PartitionKey, only.RowKey));
        Assert.Equal("O'Brien", (await table.GetEntityAsync("it's", "1")).Value.GetString("Owner"));
    }

    [Fact]
    public async Task QueryAsync_TypedFilterAndSelect_ReturnsMatchingProjectedEntities()
    {
        var table = await NewTableAsync();
        var start = new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
        for (var i = 0; i < 5; i++)
        {
            await table.AddEntityAsync(new TableEntity("p", $"r{i}") { ["Sequence"] = (long)i, ["At"] = start.AddDays(i), ["Extra"] = "x" });
        }

        var filter = TableClient.CreateQueryFilter($"Sequence ge {2L} and At lt {start.AddDays(4)}");
        var results = await ToListAsync(table.QueryAsync(filter, select: ["Sequence"]));

        Assert.Equal([2L, 3L], results.Select(e => e.GetInt64("Sequence")!.Value));
        Assert.All(results, e => Assert.False(e.ContainsKey("Extra")));
    }

    [Fact]
    public async Task QueryAsync_MoreEntitiesThanAPage_FollowsContinuationInKeyOrder()
    {
        var table = await NewTableAsync();
        const int count = 1100;
        await Parallel.ForEachAsync(
            Enumerable.Range(0, count),
            new ParallelOptions { MaxDegreeOfParallelism = 16 },
            async (i, ct) => await table.AddEntityAsync(new TableEntity("bulk", i.ToString("D5")) { ["N"] = i }, ct));

        var pages = new List<int>();
        var rowKeys = new List<string>();
        await foreach (var page in table.QueryAsync(TableClient.CreateQueryFilter($"PartitionKey eq {"bulk"}")).AsPages())
        {
            pages.Add(page.Values.Count);
            rowKeys.AddRange(page.Values.Select(e => e.RowKey));
        }

        Assert.True(pages.Count >= 2, $"Expected several pages, got {pages.Count}.");
        Assert.Equal(1000, pages[0]);
        Assert.Equal(Enumerable.Range(0, count).Select(i => i.ToString("D5")), rowKeys);
    }

    [Fact]
    public async Task QueryAsync_MaxPerPage_LimitsEachPageAndStillReturnsAll()
    {
        var table = await NewTableAsync();
        for (var i = 0; i < 7; i++)
        {
            await table.AddEntityAsync(new TableEntity("p", $"r{i}"));
        }

        var pages = new List<int>();
        await foreach (var page in table.QueryAsync(maxPerPage: 3).AsPages())
        {
            pages.Add(page.Values.Count);
        }

        Assert.Equal([3, 3, 1], pages);
    }

    [Fact]
    public async Task CreateIfNotExistsAsync_WrongAccountKey_ThrowsClearCredentialError()
    {
        var wrongKey = Convert.ToBase64String(Encoding.UTF8.GetBytes("not the development account key, but valid base64"));
        var connectionString = azurite.ConnectionString.Replace(AzuriteFixture.AccountKey, wrongKey, StringComparison.Ordinal);
        var table = new TableClient(connectionString, AzuriteFixture.UniqueName());

        var ex = await Assert.ThrowsAsync<RequestFailedException>(() => table.CreateIfNotExistsAsync());

        Assert.Equal(403, ex.Status);
        Assert.Contains("did not accept the credential", ex.Message);
        Assert.Contains("AccountKey", ex.Message);
        Assert.DoesNotContain(wrongKey, ex.Message);
    }

    private static async Task<List<TableEntity>> ToListAsync(AsyncPageable<TableEntity> pageable)
    {
        var list = new List<TableEntity>();
        await foreach (var entity in pageable)
        {
            list.Add(entity);
        }
        return list;
    }
}
