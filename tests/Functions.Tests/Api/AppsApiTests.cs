using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Blueshift.Functions.Security;
using Blueshift.Testing;
using Xunit;

namespace Blueshift.Functions.Tests.Api;

public sealed class AppsApiTests(AzuriteFixture azurite) : IClassFixture<AzuriteFixture>
{
    private const string Site = "/subscriptions/0b1f6471-1bf0-4dda-aec3-cb9272f09590/resourceGroups/rg-shop/providers/Microsoft.Web/sites/shop-web";

    private const string FullBody = $$"""
        {
          "resourceId": "{{Site}}",
          "stagingSlot": "staging",
          "healthCheckPath": "/health/ready",
          "smokeTests": [{ "name": "home", "path": "/", "expectedStatus": 200, "bodyContains": "Welcome" }],
          "policy": { "trafficSteps": [5, 25, 100], "bakeTime": "PT20M", "maxErrorRateRatio": 2.5, "minErrorRateToFail": 0.02, "postSwapWatch": "00:15:00", "alertSeverityThreshold": "sev1" },
          "notifications": [{ "kind": "webhook", "endpoint": "https://hooks.example.com/blueshift" }]
        }
        """;

    [Fact]
    public async Task PutApp_NewThenReplace_Returns201Then200AndGetRoundTrips()
    {
        using var app = ApiHost.Create(azurite);
        using var admin = app.As("admin-1", Roles.Admin);

        using var created = await admin.PutAsync("/api/apps/shop-web", ApiHost.Json(FullBody));
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        Assert.Equal("/api/apps/shop-web", created.Headers.Location?.OriginalString);

        using var replaced = await admin.PutAsync("/api/apps/shop-web", ApiHost.Json($$"""{ "resourceId": "{{Site}}" }"""));
        Assert.Equal(HttpStatusCode.OK, replaced.StatusCode);

        using var reader = app.As("reader-1");
        var read = await reader.GetFromJsonAsync<JsonObject>("/api/apps/shop-web");
        Assert.Equal(Site, (string?)read!["resourceId"]);
        Assert.Equal("staging", (string?)read["stagingSlot"]);
        Assert.Equal("/health", (string?)read["healthCheckPath"]);
        Assert.Null(read["policy"]);

        var list = await reader.GetFromJsonAsync<JsonArray>("/api/apps");
        Assert.Equal("shop-web", (string?)Assert.Single(list!)!["name"]);
    }

    [Fact]
    public async Task PutApp_FullBody_StoresNormalizedPolicy()
    {
        using var app = ApiHost.Create(azurite);
        using var admin = app.As("admin-1", Roles.Admin);

        using var response = await admin.PutAsync("/api/apps/shop-web", ApiHost.Json(FullBody));
        var body = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        Assert.Equal("Sev1", (string?)body["policy"]!["alertSeverityThreshold"]);
        Assert.Equal("00:20:00", (string?)body["policy"]!["bakeTime"]);
        var read = await admin.GetFromJsonAsync<JsonObject>("/api/apps/shop-web");
        Assert.Equal(body.ToJsonString(), read!.ToJsonString());
    }

    [Fact]
    public async Task PutApp_Invalid_Returns400PerFieldAndStoresNothing()
    {
        using var app = ApiHost.Create(azurite);
        using var admin = app.As("admin-1", Roles.Admin);
        var body = $$"""
            { "resourceId": "{{Site}}/slots/staging", "stagingSlot": "production",
              "policy": { "trafficSteps": [50, 25], "minErrorRateToFail": 5 },
              "notifications": [{ "kind": "sms", "endpoint": "http://hooks.example.com/x" }] }
            """;

        using var response = await admin.PutAsync("/api/apps/shop-web", ApiHost.Json(body));

        var problem = await ProblemAssert.IsProblemAsync(response, HttpStatusCode.BadRequest);
        Assert.Equal(
            ["notifications[0].endpoint", "notifications[0].kind", "policy.minErrorRateToFail", "policy.trafficSteps", "policy.trafficSteps[1]", "resourceId", "stagingSlot"],
            ProblemAssert.ErrorFields(problem));
        using var read = await admin.GetAsync("/api/apps/shop-web");
        await ProblemAssert.IsProblemAsync(read, HttpStatusCode.NotFound);
        Assert.Empty((await admin.GetFromJsonAsync<JsonArray>("/api/apps"))!);
    }

    [Fact]
    public async Task PutApp_SiteOwnedByAnotherApp_Returns409NamingIt()
    {
        using var app = ApiHost.Create(azurite);
        using var admin = app.As("admin-1", Roles.Admin);
        (await admin.PutAsync("/api/apps/shop-web", ApiHost.Json($$"""{ "resourceId": "{{Site}}" }"""))).EnsureSuccessStatusCode();

        using var response = await admin.PutAsync("/api/apps/shop-copy", ApiHost.Json($$"""{ "resourceId": "{{Site.ToUpperInvariant()}}" }"""));

        var problem = await ProblemAssert.IsProblemAsync(response, HttpStatusCode.Conflict);
        Assert.Contains("'shop-web'", (string?)problem["detail"], StringComparison.Ordinal);
    }

    [Fact]
    public async Task PutApp_NotAdmin_Returns403AndStoresNothing()
    {
        using var app = ApiHost.Create(azurite);
        using var releaser = app.As("releaser-1", Roles.Releaser);

        using var response = await releaser.PutAsync("/api/apps/shop-web", ApiHost.Json($$"""{ "resourceId": "{{Site}}" }"""));

        var problem = await ProblemAssert.IsProblemAsync(response, HttpStatusCode.Forbidden);
        Assert.Contains(Roles.Admin, (string?)problem["detail"], StringComparison.Ordinal);
        Assert.Empty((await releaser.GetFromJsonAsync<JsonArray>("/api/apps"))!);
    }

    [Fact]
    public async Task PutApp_IsAudited_AndAuditQueryReturnsIt()
    {
        using var app = ApiHost.Create(azurite);
        using var admin = app.As("admin-1", Roles.Admin);
        (await admin.PutAsync("/api/apps/shop-web", ApiHost.Json(FullBody))).EnsureSuccessStatusCode();

        var page = await admin.GetFromJsonAsync<JsonObject>("/api/audit?app=shop-web");

        var record = Assert.Single(page!["records"]!.AsArray())!;
        Assert.Equal("app.registered", (string?)record["action"]);
        Assert.Equal("admin-1", (string?)record["actor"]);
        Assert.Equal(Site, (string?)record["details"]!["resourceId"]);
        Assert.False((bool?)page["truncated"]);
    }

    [Theory]
    [InlineData("/api/audit?from=yesterday")]
    [InlineData("/api/audit?from=2026-01-01T00:00:00Z&to=2026-06-01T00:00:00Z")]
    [InlineData("/api/audit?app=Not_An_App")]
    public async Task GetAudit_BadQuery_Returns400(string url)
    {
        using var app = ApiHost.Create(azurite);
        using var reader = app.As("reader-1");

        using var response = await reader.GetAsync(url);

        await ProblemAssert.IsProblemAsync(response, HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task GetApp_NoIdentity_Returns401()
    {
        using var app = ApiHost.Create(azurite);

        using var response = await app.CreateClient().GetAsync("/api/apps");

        await ProblemAssert.IsProblemAsync(response, HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task PutApp_WrongContentTypeOrOversize_Returns415And413()
    {
        using var app = ApiHost.Create(azurite);
        using var admin = app.As("admin-1", Roles.Admin);

        using var text = await admin.PutAsync("/api/apps/shop-web", ApiHost.Json($$"""{ "resourceId": "{{Site}}" }""", "text/plain"));
        await ProblemAssert.IsProblemAsync(text, HttpStatusCode.UnsupportedMediaType);

        var huge = $$"""{ "resourceId": "{{Site}}", "healthCheckPath": "/{{new string('a', 70_000)}}" }""";
        using var oversize = await admin.PutAsync("/api/apps/shop-web", ApiHost.Json(huge));
        await ProblemAssert.IsProblemAsync(oversize, HttpStatusCode.RequestEntityTooLarge);
    }
}
