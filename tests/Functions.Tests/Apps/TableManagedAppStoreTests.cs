using Azure.Data.Tables;
using Blueshift.Functions.Apps;
using Blueshift.Testing;
using Xunit;

namespace Blueshift.Functions.Tests.Apps;

public sealed class TableManagedAppStoreTests(AzuriteFixture azurite) : IClassFixture<AzuriteFixture>
{
    private const string Site = ManagedAppValidationTests.SiteId;

    private TableManagedAppStore NewStore() => new(new TableClient(azurite.ConnectionString, AzuriteFixture.UniqueName("apps")));

    private static ManagedApp FullApp() => new(
        "shop-web",
        Site,
        "canary",
        "/health/ready",
        [new SmokeTest("home", "/", 200, "Welcome", Critical: false)],
        new AppPolicyOverrides([5, 50, 100], TimeSpan.FromMinutes(30), 2.5, 0.02, 1.4, 500, TimeSpan.FromMinutes(15), "Sev1"),
        [new NotificationTarget("webhook", new Uri("https://hooks.example.com/blueshift"))]);

    [Fact]
    public async Task PutAsync_NewThenExisting_ReportsCreatedOnceAndRoundTrips()
    {
        var store = NewStore();

        Assert.True(await store.PutAsync(FullApp(), CancellationToken.None));
        var replaced = FullApp() with { StagingSlot = "staging", Policy = null };
        Assert.False(await store.PutAsync(replaced, CancellationToken.None));

        var read = await store.GetAsync("shop-web", CancellationToken.None);
        Assert.NotNull(read);
        Assert.Equal("staging", read.StagingSlot);
        Assert.Null(read.Policy);
        Assert.Equal(FullApp().SmokeTests, read.SmokeTests);
        Assert.Equal(FullApp().Notifications, read.Notifications);
    }

    [Fact]
    public async Task GetAsync_FullRegistration_RoundTripsEveryField()
    {
        var store = NewStore();
        await store.PutAsync(FullApp(), CancellationToken.None);

        var read = await store.GetAsync("shop-web", CancellationToken.None);

        Assert.NotNull(read);
        Assert.NotNull(read.Policy);
        Assert.Equal(FullApp().Policy! with { TrafficSteps = null }, read.Policy with { TrafficSteps = null });
        Assert.Equal([5, 50, 100], read.Policy.TrafficSteps!);
        Assert.Equal((FullApp() with { SmokeTests = null, Policy = null, Notifications = null }), read with { SmokeTests = null, Policy = null, Notifications = null });
    }

    [Theory]
    [InlineData(Site)]
    [InlineData(Site + "/slots/staging")]
    [InlineData("/SUBSCRIPTIONS/0B1F6471-1BF0-4DDA-AEC3-CB9272F09590/resourcegroups/RG-SHOP/providers/microsoft.web/sites/Shop-Web/Slots/Staging")]
    public async Task FindByResourceIdAsync_SiteOrSlotInAnyCase_FindsTheApp(string resourceId)
    {
        var store = NewStore();
        await store.PutAsync(FullApp(), CancellationToken.None);
        await store.PutAsync(new ManagedApp("other", Site.Replace("shop-web", "shop-api", StringComparison.Ordinal)), CancellationToken.None);

        var found = await store.FindByResourceIdAsync(resourceId, CancellationToken.None);

        Assert.Equal("shop-web", found?.Name);
    }

    [Theory]
    [InlineData("/subscriptions/0b1f6471-1bf0-4dda-aec3-cb9272f09590/resourceGroups/rg-shop/providers/Microsoft.Web/sites/shop-web2")]
    [InlineData("not an id")]
    public async Task FindByResourceIdAsync_OtherSite_IsNull(string resourceId)
    {
        var store = NewStore();
        await store.PutAsync(FullApp(), CancellationToken.None);

        Assert.Null(await store.FindByResourceIdAsync(resourceId, CancellationToken.None));
    }

    [Fact]
    public async Task ListAsync_ListsEveryApp()
    {
        var store = NewStore();
        Assert.Empty(await store.ListAsync(CancellationToken.None).ToListAsync());
        await store.PutAsync(FullApp(), CancellationToken.None);
        await store.PutAsync(new ManagedApp("other", Site.Replace("shop-web", "shop-api", StringComparison.Ordinal)), CancellationToken.None);

        var names = await store.ListAsync(CancellationToken.None).Select(a => a.Name).ToListAsync();

        Assert.Equal(["other", "shop-web"], names);
    }
}
