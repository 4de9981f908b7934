using Azure.Data.Tables;
using Blueshift.Functions.Apps;
using Blueshift.Testing;
using Xunit;

namespace Blueshift.Functions.Tests.Apps;

/// <summary>Two instances of the control plane sharing one registry on Azurite: this one caches, the other writes directly.</summary>
public sealed class CachedManagedAppStoreTests(AzuriteFixture azurite) : IClassFixture<AzuriteFixture>
{
    private const string Shop = "/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/rg/providers/Microsoft.Web/sites/shop";
    private const string Blog = "/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/rg/providers/Microsoft.Web/sites/blog";
    private static readonly TimeSpan Refresh = TimeSpan.FromSeconds(30);

    private readonly ManualTimeProvider _time = new(new DateTimeOffset(2026, 11, 30, 9, 0, 0, TimeSpan.Zero));

    private (CachedManagedAppStore Cached, TableManagedAppStore Elsewhere) NewStores()
    {
        var table = AzuriteFixture.UniqueName("apps");
        var elsewhere = new TableManagedAppStore(new TableClient(azurite.ConnectionString, table));
        return (new CachedManagedAppStore(new TableManagedAppStore(new TableClient(azurite.ConnectionString, table)), _time, Refresh), elsewhere);
    }

    [Fact]
    public async Task FindByResourceIdAsync_SlotInAnyCase_FindsTheAppFromTheSnapshot()
    {
        var (cached, elsewhere) = NewStores();
        await elsewhere.PutAsync(new ManagedApp("shop", Shop), CancellationToken.None);

        var found = await cached.FindByResourceIdAsync(Shop.ToUpperInvariant() + "/slots/STAGING", CancellationToken.None);

        Assert.Equal("shop", found?.Name);
        Assert.Null(await cached.FindByResourceIdAsync("/subscriptions/x/resourceGroups/rg/providers/Microsoft.Storage/storageAccounts/shop", CancellationToken.None));
    }

    [Fact]
    public async Task FindByResourceIdAsync_ChangedElsewhere_SeenOnceTheSnapshotIsOlderThanTheRefreshTime()
    {
        var (cached, elsewhere) = NewStores();
        await elsewhere.PutAsync(new ManagedApp("shop", Shop, Policy: new AppPolicyOverrides(AlertSeverityThreshold: "Sev1")), CancellationToken.None);
        Assert.Equal("Sev1", (await cached.FindByResourceIdAsync(Shop, CancellationToken.None))?.Policy?.AlertSeverityThreshold);

        await elsewhere.PutAsync(new ManagedApp("shop", Shop, Policy: new AppPolicyOverrides(AlertSeverityThreshold: "Sev3")), CancellationToken.None);
        _time.Advance(Refresh - TimeSpan.FromSeconds(1));
        Assert.Equal("Sev1", (await cached.FindByResourceIdAsync(Shop, CancellationToken.None))?.Policy?.AlertSeverityThreshold);

        _time.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal("Sev3", (await cached.FindByResourceIdAsync(Shop, CancellationToken.None))?.Policy?.AlertSeverityThreshold);
    }

    [Fact]
    public async Task FindByResourceIdAsync_AppRegisteredElsewhereAfterTheSnapshot_IsFoundAtOnce()
    {
        var (cached, elsewhere) = NewStores();
        await elsewhere.PutAsync(new ManagedApp("shop", Shop), CancellationToken.None);
        Assert.Null(await cached.FindByResourceIdAsync(Blog, CancellationToken.None));

        await elsewhere.PutAsync(new ManagedApp("blog", Blog), CancellationToken.None);

        Assert.Equal("blog", (await cached.FindByResourceIdAsync(Blog, CancellationToken.None))?.Name);
    }

    [Fact]
    public async Task PutAsync_ThroughTheCache_TheNextLookupSeesTheChange()
    {
        var (cached, _) = NewStores();
        await cached.PutAsync(new ManagedApp("shop", Shop), CancellationToken.None);
        Assert.Equal("shop", (await cached.FindByResourceIdAsync(Shop, CancellationToken.None))?.Name);

        // The app now points at another site: the old one must stop routing to it.
        await cached.PutAsync(new ManagedApp("shop", Blog), CancellationToken.None);

        Assert.Null(await cached.FindByResourceIdAsync(Shop, CancellationToken.None));
        Assert.Equal("shop", (await cached.FindByResourceIdAsync(Blog, CancellationToken.None))?.Name);
    }

    [Fact]
    public async Task FindByResourceIdAsync_TwoAppsOnOneSite_TheSameAppAsALookupInStorage()
    {
        var (cached, elsewhere) = NewStores();
        await elsewhere.PutAsync(new ManagedApp("shop-b", Shop), CancellationToken.None);
        await elsewhere.PutAsync(new ManagedApp("shop-a", Shop), CancellationToken.None);

        Assert.Equal((await elsewhere.FindByResourceIdAsync(Shop, CancellationToken.None))?.Name, (await cached.FindByResourceIdAsync(Shop, CancellationToken.None))?.Name);
    }
}
