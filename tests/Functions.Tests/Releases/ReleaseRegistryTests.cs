using Azure.Data.Tables;
using Blueshift.Domain.Releases;
using Blueshift.Functions.Releases;
using Blueshift.Testing;
using Xunit;

namespace Blueshift.Functions.Tests.Releases;

/// <summary>The app locks, idempotency keys and release index on Azurite: what the orchestrations cannot hold themselves.</summary>
public sealed class ReleaseRegistryTests(AzuriteFixture azurite) : IClassFixture<AzuriteFixture>
{
    private static readonly DateTimeOffset Now = new(2026, 12, 7, 9, 0, 0, TimeSpan.Zero);

    private ReleaseRegistry NewRegistry() => new(new TableClient(azurite.ConnectionString, AzuriteFixture.UniqueName("reg")));

    [Fact]
    public async Task TryLock_ManyConcurrentReleasesOfOneApp_ExactlyOneTakesItAndTheOthersNameIt()
    {
        // Two registries on one table act as two instances of the app.
        var table = AzuriteFixture.UniqueName("reg");
        var registry = new ReleaseRegistry(new TableClient(azurite.ConnectionString, table));
        var other = new ReleaseRegistry(new TableClient(azurite.ConnectionString, table));
        await registry.ListIdsAsync(null, null, 1, default);

        var attempts = await Task.WhenAll(Enumerable.Range(0, 20).Select(i => (i % 2 == 0 ? registry : other).TryLockAsync("shop", $"rel-{i}", Now, default)));

        var winners = Enumerable.Range(0, 20).Where(i => attempts[i] is null).ToList();
        var winner = $"rel-{Assert.Single(winners)}";
        Assert.All(attempts.Where(a => a is not null), holder => Assert.Equal(winner, holder));
        Assert.Equal(winner, (await registry.GetLockAsync("shop", default))!.Value.ReleaseId);
    }

    [Fact]
    public async Task Unlock_ByAnotherRelease_LeavesTheLock_ByItsHolder_FreesTheApp()
    {
        var registry = NewRegistry();
        Assert.Null(await registry.TryLockAsync("shop", "rel-a", Now, default));

        await registry.UnlockAsync("shop", "rel-b", default);
        Assert.Equal("rel-a", (await registry.GetLockAsync("shop", default))!.Value.ReleaseId);

        await registry.UnlockAsync("shop", "rel-a", default);
        await registry.UnlockAsync("shop", "rel-a", default);
        Assert.Null(await registry.GetLockAsync("shop", default));
        Assert.Null(await registry.TryLockAsync("shop", "rel-b", Now, default));
    }

    [Fact]
    public async Task Reclaim_OnlyTheLatestReleaseOfAFreeApp_AndRepeatable()
    {
        var registry = NewRegistry();
        await registry.IndexAsync("shop", "rel-1", ReleaseStatus.Succeeded, Now, default);
        await registry.IndexAsync("shop", "rel-2", ReleaseStatus.Succeeded, Now.AddMinutes(5), default);

        Assert.False(await registry.ReclaimAsync("shop", "rel-1", Now, default));
        Assert.True(await registry.ReclaimAsync("shop", "rel-2", Now, default));
        // A re-run activity finds the lock already its own.
        Assert.True(await registry.ReclaimAsync("shop", "rel-2", Now, default));

        await registry.UnlockAsync("shop", "rel-2", default);
        Assert.Null(await registry.TryLockAsync("shop", "rel-3", Now, default));
        Assert.False(await registry.ReclaimAsync("shop", "rel-2", Now, default));
    }

    [Fact]
    public async Task ListIds_ByAppAndStatus_NewestFirstAndOnlyThatApp()
    {
        var registry = NewRegistry();
        await registry.IndexAsync("shop", "rel-1", ReleaseStatus.Active, Now, default);
        await registry.IndexAsync("shop", "rel-2", ReleaseStatus.Active, Now.AddMinutes(1), default);
        await registry.IndexAsync("shop-eu", "rel-3", ReleaseStatus.Active, Now.AddMinutes(2), default);
        await registry.SetStatusAsync("shop", "rel-1", ReleaseStatus.RolledBack, default);

        Assert.Equal(["rel-2", "rel-1"], await registry.ListIdsAsync("shop", null, 10, default));
        Assert.Equal(["rel-1"], await registry.ListIdsAsync("shop", "RolledBack", 10, default));
        Assert.Equal(["rel-3", "rel-2", "rel-1"], await registry.ListIdsAsync(null, null, 10, default));
        Assert.Equal(["rel-3"], await registry.ListIdsAsync(null, null, 1, default));
    }

    [Fact]
    public async Task IdempotencyKey_SecondUse_ReturnsTheFirstRecordUntilRemoved()
    {
        var registry = NewRegistry();

        Assert.Null(await registry.TryAddIdempotencyKeyAsync("ci", "key-1", "hash-a", "rel-1", Now, default));
        var prior = await registry.TryAddIdempotencyKeyAsync("ci", "key-1", "hash-b", "rel-2", Now, default);
        Assert.Equal(("hash-a", "rel-1"), (prior!.BodyHash, prior.ReleaseId));
        // Keys belong to their caller.
        Assert.Null(await registry.TryAddIdempotencyKeyAsync("someone-else", "key-1", "hash-b", "rel-2", Now, default));

        await registry.RemoveIdempotencyKeyAsync("ci", "key-1", default);
        Assert.Null(await registry.TryAddIdempotencyKeyAsync("ci", "key-1", "hash-c", "rel-3", Now, default));
    }
}
