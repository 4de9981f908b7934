using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Blueshift.Functions.Security;
using Blueshift.Testing;
using Xunit;

namespace Blueshift.Functions.Tests.Api;

/// <summary>
/// The releases API over the real release engine on Azurite. Releases here are Normal changes, so they wait for their
/// approvals and never reach App Service: these tests are about the HTTP contract, not about deployments.
/// </summary>
public sealed class ReleasesApiTests(AzuriteFixture azurite) : IClassFixture<AzuriteFixture>
{
    private const string Site = "/subscriptions/0b1f6471-1bf0-4dda-aec3-cb9272f09590/resourceGroups/rg-shop/providers/Microsoft.Web/sites/shop-web";

    internal const string NormalRelease = """
        { "app": "shop-web", "version": "2.4.1", "package": "https://packages.example.com/shop-web/2.4.1.zip",
          "releaseType": "Major", "changeClass": "Normal", "changeReference": "CHG-1042", "bakeTime": "PT15M", "reason": "Spring release" }
        """;

    private async Task<FunctionsTestHost> HostWithAppAsync()
    {
        var app = ApiHost.Create(azurite, new Dictionary<string, string?>
        {
            ["Blueshift:Releases:TableName"] = AzuriteFixture.UniqueName("releases"),
            // Nothing here may reach Azure: a release that tried would fail against a closed loopback port.
            ["Blueshift:Azure:ResourceManagerEndpoint"] = $"http://127.0.0.1:{FreePort.Next()}",
            ["Blueshift:Azure:Credential"] = "Development",
        });
        using var admin = app.As("admin-1", Roles.Admin);
        (await admin.PutAsync("/api/apps/shop-web", ApiHost.Json($$"""{ "resourceId": "{{Site}}" }"""))).EnsureSuccessStatusCode();
        return app;
    }

    [Fact]
    public async Task StartRelease_Valid_Returns202WithLocationAndTheRelease()
    {
        using var app = await HostWithAppAsync();
        using var releaser = app.As("releaser-1", Roles.Releaser);

        using var response = await releaser.PostAsync("/api/releases", ApiHost.Json(NormalRelease));

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var release = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
        var id = (string)release["id"]!;
        Assert.Equal($"/api/releases/{id}", response.Headers.Location?.OriginalString);
        Assert.Equal("shop-web", (string?)release["app"]);
        Assert.Equal("Active", (string?)release["status"]);
        Assert.Equal("releaser-1", (string?)release["requestedBy"]);
        var read = await releaser.GetFromJsonAsync<JsonObject>(response.Headers.Location!);
        Assert.Equal(id, (string?)read!["id"]);
        var listed = await releaser.GetFromJsonAsync<JsonArray>("/api/releases?app=shop-web&status=active");
        Assert.Equal(id, (string?)Assert.Single(listed!)!["id"]);
    }

    [Fact]
    public async Task StartRelease_SameIdempotencyKey_ReplaysTheSameRelease()
    {
        using var app = await HostWithAppAsync();
        using var releaser = app.As("releaser-1", Roles.Releaser);

        async Task<HttpResponseMessage> StartAsync()
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, "/api/releases") { Content = ApiHost.Json(NormalRelease) };
            request.Headers.Add("Idempotency-Key", "9c4f3a7e-retry-1");
            return await releaser.SendAsync(request);
        }

        using var first = await StartAsync();
        using var second = await StartAsync();

        Assert.Equal(HttpStatusCode.Accepted, first.StatusCode);
        Assert.Equal(HttpStatusCode.Accepted, second.StatusCode);
        Assert.Equal(first.Headers.Location, second.Headers.Location);
        Assert.Equal("true", Assert.Single(second.Headers.GetValues("Idempotent-Replayed")));
        Assert.Single((await releaser.GetFromJsonAsync<JsonArray>("/api/releases?app=shop-web"))!);
    }

    [Fact]
    public async Task StartRelease_ConcurrentStarts_OneAcceptedOneConflictNamingIt()
    {
        using var app = await HostWithAppAsync();
        using var first = app.As("releaser-1", Roles.Releaser);
        using var second = app.As("releaser-2", Roles.Releaser);

        var responses = await Task.WhenAll(
            first.PostAsync("/api/releases", ApiHost.Json(NormalRelease)),
            second.PostAsync("/api/releases", ApiHost.Json(NormalRelease.Replace("2.4.1", "2.4.2", StringComparison.Ordinal))));

        var accepted = Assert.Single(responses, r => r.StatusCode == HttpStatusCode.Accepted);
        var conflict = Assert.Single(responses, r => r.StatusCode == HttpStatusCode.Conflict);
        var problem = await ProblemAssert.IsProblemAsync(conflict, HttpStatusCode.Conflict);
        var activeId = (string?)JsonNode.Parse(await accepted.Content.ReadAsStringAsync())!["id"];
        Assert.Equal(activeId, (string?)problem["activeReleaseId"]);
        Assert.Contains(activeId!, (string?)problem["detail"], StringComparison.Ordinal);
    }

    [Fact]
    public async Task ApproveRelease_ByItsRequester_IsRefusedAndRecordsNothing()
    {
        using var app = await HostWithAppAsync();
        using var requester = app.As("releaser-1", Roles.Releaser, "Blueshift.Approver.CAB");
        var id = await StartAsync(requester);

        using var response = await requester.PostAsync($"/api/releases/{id}/approvals", ApiHost.Json("""{ "role": "CAB" }"""));

        var problem = await ProblemAssert.IsProblemAsync(response, HttpStatusCode.Forbidden);
        Assert.Contains("requester", (string?)problem["detail"], StringComparison.Ordinal);
        var release = await requester.GetFromJsonAsync<JsonObject>($"/api/releases/{id}");
        Assert.Empty(release!["approvals"]!.AsArray());
    }

    [Fact]
    public async Task ApproveRelease_ByAnotherCabMember_Returns200WithTheApproval()
    {
        using var app = await HostWithAppAsync();
        using var requester = app.As("releaser-1", Roles.Releaser);
        using var cab = app.As("cab-1", "Blueshift.Approver.CAB");
        var id = await StartAsync(requester);

        using var response = await cab.PostAsync($"/api/releases/{id}/approvals", ApiHost.Json("""{ "role": "CAB", "comment": "Reviewed in CAB 2026-01-05" }"""));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var approval = Assert.Single(JsonNode.Parse(await response.Content.ReadAsStringAsync())!["approvals"]!.AsArray())!;
        Assert.Equal("cab-1", (string?)approval["approver"]);
        Assert.Equal("cab", (string?)approval["role"]);
    }

    [Fact]
    public async Task AbortRelease_Active_Returns202AndTheAppIsFreeAgain()
    {
        using var app = await HostWithAppAsync();
        using var releaser = app.As("releaser-1", Roles.Releaser);
        var id = await StartAsync(releaser);

        using var response = await releaser.PostAsync($"/api/releases/{id}/abort", ApiHost.Json("""{ "reason": "Wrong package" }"""));

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var audit = await releaser.GetFromJsonAsync<JsonObject>("/api/audit?app=shop-web");
        Assert.Contains(audit!["records"]!.AsArray(), r => (string?)r!["releaseId"] == id && (string?)r["actor"] == "releaser-1" && ((string?)r["action"])!.Contains("abort", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("GET", "")]
    [InlineData("POST", "/abort")]
    [InlineData("POST", "/rollback")]
    public async Task Release_Unknown_Returns404(string method, string suffix)
    {
        using var app = await HostWithAppAsync();
        using var releaser = app.As("releaser-1", Roles.Releaser);
        using var request = new HttpRequestMessage(new HttpMethod(method), $"/api/releases/r-does-not-exist{suffix}");
        if (method == "POST")
        {
            request.Content = ApiHost.Json("""{ "reason": "test" }""");
        }

        using var response = await releaser.SendAsync(request);

        await ProblemAssert.IsProblemAsync(response, HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task StartRelease_UnknownApp_Returns404AndStartsNothing()
    {
        using var app = await HostWithAppAsync();
        using var releaser = app.As("releaser-1", Roles.Releaser);

        using var response = await releaser.PostAsync("/api/releases", ApiHost.Json(NormalRelease.Replace("shop-web", "shop-api", StringComparison.Ordinal)));

        await ProblemAssert.IsProblemAsync(response, HttpStatusCode.NotFound);
        Assert.Empty((await releaser.GetFromJsonAsync<JsonArray>("/api/releases"))!);
    }

    [Fact]
    public async Task StartRelease_Invalid_StoresNothing()
    {
        using var app = await HostWithAppAsync();
        using var releaser = app.As("releaser-1", Roles.Releaser);

        using var response = await releaser.PostAsync("/api/releases", ApiHost.Json(NormalRelease.Replace("\"CHG-1042\"", "null", StringComparison.Ordinal)));

        await ProblemAssert.IsProblemAsync(response, HttpStatusCode.BadRequest);
        Assert.Empty((await releaser.GetFromJsonAsync<JsonArray>("/api/releases?app=shop-web"))!);
    }

    private static async Task<string> StartAsync(HttpClient client)
    {
        using var response = await client.PostAsync("/api/releases", ApiHost.Json(NormalRelease));
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        return (string)JsonNode.Parse(await response.Content.ReadAsStringAsync())!["id"]!;
    }
}
