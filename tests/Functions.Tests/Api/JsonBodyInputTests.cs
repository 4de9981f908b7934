using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using Blueshift.Functions.Security;
using Blueshift.Testing;
using Xunit;

namespace Blueshift.Functions.Tests.Api;

/// <summary>
/// What every JSON body of the API is held to before its own validation: one value per property, at every depth, and
/// UTF-8 text. The alert webhook holds alerts to the same (see the alert tests).
/// </summary>
public sealed class JsonBodyInputTests(AzuriteFixture azurite) : IClassFixture<AzuriteFixture>
{
    private const string Site = "/subscriptions/0b1f6471-1bf0-4dda-aec3-cb9272f09590/resourceGroups/rg-shop/providers/Microsoft.Web/sites/shop-web";

    // A registered app with one release waiting for its approvals, so the command endpoints reach their bodies.
    private async Task<(FunctionsTestHost App, HttpClient Admin, string ReleaseId)> HostWithReleaseAsync()
    {
        var app = ApiHost.Create(azurite, new Dictionary<string, string?>
        {
            ["Blueshift:Releases:TableName"] = AzuriteFixture.UniqueName("releases"),
            ["Blueshift:Azure:ResourceManagerEndpoint"] = $"http://127.0.0.1:{FreePort.Next()}",
            ["Blueshift:Azure:Credential"] = "Development",
        });
        var admin = app.As("admin-1", Roles.Admin);
        (await admin.PutAsync("/api/apps/shop-web", ApiHost.Json($$"""{ "resourceId": "{{Site}}" }"""))).EnsureSuccessStatusCode();
        using var started = await admin.PostAsync("/api/releases", ApiHost.Json(ReleasesApiTests.NormalRelease));
        Assert.Equal(HttpStatusCode.Accepted, started.StatusCode);
        var id = (string)JsonNode.Parse(await started.Content.ReadAsStringAsync())!["id"]!;
        return (app, admin, id);
    }

    public static TheoryData<string, string, string, string> DuplicateBodies => new()
    {
        { "POST", "/api/releases", """{ "app": "shop-web", "app": "other", "version": "1", "package": "https://p.example.com/a.zip", "releaseType": "Minor", "changeClass": "Standard" }""", "app" },
        { "POST", "/api/releases", """{ "App": "shop-web", "app": "other", "version": "1", "package": "https://p.example.com/a.zip", "releaseType": "Minor", "changeClass": "Standard" }""", "app" },
        { "POST", "/api/releases", """{ "app": "shop-web", "version": "1", "package": "https://p.example.com/a.zip", "releaseType": "Minor", "changeClass": "Standard", "smokeTests": [{ "name": "home", "path": "/", "path": "/admin" }] }""", "smokeTests[0].path" },
        { "PUT", "/api/apps/shop-web", $$"""{ "resourceId": "{{Site}}", "resourceId": "{{Site}}" }""", "resourceId" },
        { "PUT", "/api/apps/shop-web", $$"""{ "resourceId": "{{Site}}", "policy": { "bakeTime": "PT1M", "bakeTime": "PT2M" } }""", "policy.bakeTime" },
        { "PUT", "/api/apps/shop-web", $$"""{ "resourceId": "{{Site}}", "notifications": [{ "kind": "webhook", "endpoint": "https://a.example.com", "kind": "eventgrid" }] }""", "notifications[0].kind" },
        { "POST", "/api/releases/{id}/approvals", """{ "role": "cab", "role": "manager" }""", "role" },
        { "POST", "/api/releases/{id}/abort", """{ "reason": "a", "reason": "b" }""", "reason" },
        { "POST", "/api/releases/{id}/rollback", """{ "reason": "a", "reason": "b" }""", "reason" },
        { "POST", "/api/releases/{id}/promote", """{ "reason": "a", "reason": "b" }""", "reason" },
    };

    [Theory]
    [MemberData(nameof(DuplicateBodies))]
    public async Task Send_DuplicateProperty_Returns400NamingIt(string method, string url, string body, string field)
    {
        var (app, client, id) = await HostWithReleaseAsync();
        using var _ = app;
        using var __ = client;

        using var response = await client.SendAsync(new HttpRequestMessage(new HttpMethod(method), url.Replace("{id}", id, StringComparison.Ordinal)) { Content = ApiHost.Json(body) });

        var problem = await ProblemAssert.IsProblemAsync(response, HttpStatusCode.BadRequest);
        Assert.Equal([field], ProblemAssert.ErrorFields(problem));
        var name = field[(field.LastIndexOf('.') + 1)..];
        Assert.Equal($"The property '{name}' appears more than once.", (string?)problem["errors"]![field]![0]);
    }

    // Each body holds one invalid UTF-8 sequence: a bad continuation, an encoded surrogate, a byte UTF-8 never uses, a
    // truncated four-byte sequence, and a stray continuation byte after the document.
    public static TheoryData<string, string, byte[]> InvalidUtf8Bodies => new()
    {
        { "POST", "/api/releases", Bytes("{ \"app\": \"shop-web\", \"version\": \"1", [0xC3, 0x28], "\", \"package\": \"https://p.example.com/a.zip\", \"releaseType\": \"Minor\", \"changeClass\": \"Standard\" }") },
        { "POST", "/api/releases", Bytes("{ \"app\": \"shop-web\", \"reason\": \"", [0xED, 0xA0, 0x80], "\" }") },
        { "PUT", "/api/apps/shop-web", Bytes("{ \"resourceId\": \"" + Site + "\", \"stagingSlot\": \"s", [0xFF], "\" }") },
        { "POST", "/api/releases/{id}/abort", Bytes("{ \"reason\": \"", [0xF0, 0x9F, 0x98], "\" }") },
        { "POST", "/api/releases/{id}/abort", Bytes("{ \"reason\": \"a\" }", [0x80], "") },
    };

    [Theory]
    [MemberData(nameof(InvalidUtf8Bodies))]
    public async Task Send_InvalidUtf8_Returns400SayingSo(string method, string url, byte[] body)
    {
        var (app, client, id) = await HostWithReleaseAsync();
        using var _ = app;
        using var __ = client;
        var content = new ByteArrayContent(body);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");

        using var response = await client.SendAsync(new HttpRequestMessage(new HttpMethod(method), url.Replace("{id}", id, StringComparison.Ordinal)) { Content = content });

        var problem = await ProblemAssert.IsProblemAsync(response, HttpStatusCode.BadRequest);
        Assert.Contains("not valid UTF-8", (string?)problem["detail"], StringComparison.Ordinal);
    }

    private static byte[] Bytes(string before, byte[] invalid, string after) =>
        [.. Encoding.UTF8.GetBytes(before), .. invalid, .. Encoding.UTF8.GetBytes(after)];
}
