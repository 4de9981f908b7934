using Blueshift.Functions.Api;
using Blueshift.Functions.Apps;
using Xunit;

namespace Blueshift.Functions.Tests.Apps;

public sealed class ManagedAppValidationTests
{
    internal const string SiteId = "/subscriptions/0b1f6471-1bf0-4dda-aec3-cb9272f09590/resourceGroups/rg-shop/providers/Microsoft.Web/sites/shop-web";

    [Fact]
    public void Validate_MinimalBody_AppliesDefaults()
    {
        var app = ManagedAppValidation.Validate("shop-web", new PutAppBody(SiteId), false, out var errors);

        Assert.Empty(errors);
        Assert.Equal(new ManagedApp("shop-web", SiteId), app);
    }

    [Theory]
    [InlineData("/subscriptions/0b1f6471-1bf0-4dda-aec3-cb9272f09590/resourceGroups/rg-shop/providers/Microsoft.Web/sites/shop-web/slots/staging")]
    [InlineData("/subscriptions/not-a-guid/resourceGroups/rg-shop/providers/Microsoft.Web/sites/shop-web")]
    [InlineData("/subscriptions/0b1f6471-1bf0-4dda-aec3-cb9272f09590/resourceGroups/rg-shop/providers/Microsoft.Sql/servers/db")]
    [InlineData("/subscriptions/0b1f6471-1bf0-4dda-aec3-cb9272f09590/resourceGroups/rg./providers/Microsoft.Web/sites/shop-web")]
    [InlineData("shop-web")]
    public void Validate_NotAProductionSiteId_IsRejected(string resourceId)
    {
        var app = ManagedAppValidation.Validate("shop-web", new PutAppBody(resourceId), false, out var errors);

        Assert.Null(app);
        Assert.Equal(["resourceId"], errors.Keys);
    }

    [Fact]
    public void Validate_PolicyOutOfRange_NamesEachField()
    {
        var body = new PutAppBody(SiteId, Policy: new PolicyBody(
            TrafficSteps: [10, 50],
            BakeTime: "PT25H",
            MaxErrorRateRatio: 0.5,
            MinErrorRateToFail: 2,
            MaxLatencyRatio: double.NaN,
            MinimumRequests: 0,
            PostSwapWatch: "soon",
            AlertSeverityThreshold: "Critical"));

        ManagedAppValidation.Validate("shop-web", body, false, out var errors);

        Assert.Equal(
            new[]
            {
                "policy.alertSeverityThreshold", "policy.bakeTime", "policy.maxErrorRateRatio", "policy.maxLatencyRatio",
                "policy.minErrorRateToFail", "policy.minimumRequests", "policy.postSwapWatch", "policy.trafficSteps",
            },
            errors.Keys.Order());
    }

    [Theory]
    [InlineData("https://hooks.example.com/x", false, true)]
    [InlineData("http://hooks.example.com/x", true, false)]
    [InlineData("http://127.0.0.1:8080/x", true, true)]
    [InlineData("http://[::1]:8080/x", true, true)]
    [InlineData("http://127.0.0.1:8080/x", false, false)]
    public void Validate_NotificationEndpoint_HttpsOrLoopbackWhenAllowed(string endpoint, bool allowLoopbackHttp, bool valid)
    {
        var body = new PutAppBody(SiteId, Notifications: [new NotificationBody("Webhook", endpoint)]);

        var app = ManagedAppValidation.Validate("shop-web", body, allowLoopbackHttp, out _);

        Assert.Equal(valid, app is not null);
        if (valid)
        {
            Assert.Equal("webhook", Assert.Single(app!.Notifications!).Kind);
        }
    }

    [Fact]
    public void Validate_BodyNameDiffersFromRoute_IsRejected()
    {
        ManagedAppValidation.Validate("shop-web", new PutAppBody(SiteId, Name: "other"), false, out var errors);

        Assert.Equal(["name"], errors.Keys);
    }

    [Fact]
    public void Validate_BadSlotAndHealthPath_AreRejected()
    {
        ManagedAppValidation.Validate("shop-web", new PutAppBody(SiteId, StagingSlot: "production", HealthCheckPath: "health"), false, out var errors);

        Assert.Equal(["healthCheckPath", "stagingSlot"], errors.Keys.Order());
    }

    [Fact]
    public void Validate_SmokeTests_AreConverted()
    {
        var body = new PutAppBody(SiteId, SmokeTests: [new SmokeTestBody("ready", "/health/ready", 204, "ok", false)]);

        var app = ManagedAppValidation.Validate("shop-web", body, false, out _);

        Assert.Equal(new SmokeTest("ready", "/health/ready", 204, "ok", false), Assert.Single(app!.SmokeTests!));
    }
}

public sealed class ResourceIdsTests
{
    [Theory]
    [InlineData(ManagedAppValidationTests.SiteId)]
    [InlineData("/SUBSCRIPTIONS/0B1F6471-1BF0-4DDA-AEC3-CB9272F09590/RESOURCEGROUPS/RG-SHOP/PROVIDERS/MICROSOFT.WEB/SITES/SHOP-WEB")]
    [InlineData(ManagedAppValidationTests.SiteId + "/slots/staging")]
    [InlineData("/subscriptions/0b1f6471-1bf0-4dda-aec3-cb9272f09590/resourcegroups/rg-shop/providers/microsoft.web/sites/shop-web/SLOTS/Canary/")]
    public void SiteKey_SiteOrSlotInAnyCase_IsTheSitesLowercaseId(string resourceId)
    {
        Assert.Equal(ManagedAppValidationTests.SiteId.ToLowerInvariant(), ResourceIds.SiteKey(resourceId));
    }

    [Theory]
    [InlineData(ManagedAppValidationTests.SiteId + "/slots/staging/config/web")]
    [InlineData("/subscriptions/0b1f6471-1bf0-4dda-aec3-cb9272f09590/resourceGroups/rg-shop/providers/Microsoft.Web/serverfarms/plan")]
    [InlineData("")]
    public void SiteKey_OtherResources_IsNull(string resourceId)
    {
        Assert.Null(ResourceIds.SiteKey(resourceId));
    }
}
