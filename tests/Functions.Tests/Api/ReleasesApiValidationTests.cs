using System.Net;
using Blueshift.Functions.Security;
using Blueshift.Testing;
using Xunit;

namespace Blueshift.Functions.Tests.Api;

/// <summary>What the releases API refuses before the engine is asked anything: identity, roles, and the shape of the request.</summary>
public sealed class ReleasesApiValidationTests(AzuriteFixture azurite) : IClassFixture<AzuriteFixture>
{
    internal const string ValidBody = """
        { "app": "shop-web", "version": "2.4.1", "package": "https://packages.example.com/shop-web/2.4.1.zip",
          "releaseType": "Minor", "changeClass": "Standard", "trafficSteps": [10, 25, 50, 100], "bakeTime": "PT15M" }
        """;

    [Fact]
    public async Task StartRelease_NoIdentity_Returns401()
    {
        using var app = ApiHost.Create(azurite);

        using var response = await app.CreateClient().PostAsync("/api/releases", ApiHost.Json(ValidBody));

        var problem = await ProblemAssert.IsProblemAsync(response, HttpStatusCode.Unauthorized);
        Assert.Contains("No caller identity", (string?)problem["detail"], StringComparison.Ordinal);
    }

    [Fact]
    public async Task StartRelease_ForgedPrincipalWithAppServiceAuthenticationOff_Returns401()
    {
        using var app = ApiHost.Create(azurite, new Dictionary<string, string?> { ["Blueshift:Security:AppServiceAuthentication"] = "false" });
        using var forger = app.As("mallory", Roles.Admin, Roles.Releaser);

        using var response = await forger.PostAsync("/api/releases", ApiHost.Json(ValidBody));

        var problem = await ProblemAssert.IsProblemAsync(response, HttpStatusCode.Unauthorized);
        Assert.Contains("cannot be trusted", (string?)problem["detail"], StringComparison.Ordinal);
    }

    [Fact]
    public async Task StartRelease_ApproverOnly_Returns403()
    {
        using var app = ApiHost.Create(azurite);
        using var approver = app.As("approver-1", "Blueshift.Approver.CAB");

        using var response = await approver.PostAsync("/api/releases", ApiHost.Json(ValidBody));

        var problem = await ProblemAssert.IsProblemAsync(response, HttpStatusCode.Forbidden);
        Assert.Contains(Roles.Releaser, (string?)problem["detail"], StringComparison.Ordinal);
    }

    [Fact]
    public async Task StartRelease_InvalidFields_Returns400ListingEach()
    {
        using var app = ApiHost.Create(azurite);
        using var releaser = app.As("releaser-1", Roles.Releaser);
        var body = """
            { "app": "Shop Web", "version": "2.4.1", "package": "http://packages.example.com/a.zip", "releaseType": "Huge",
              "changeClass": "Normal", "strategy": "canary", "trafficSteps": [50, 25], "bakeTime": "P1M",
              "smokeTests": [{ "name": "x", "path": "https://elsewhere.example.com/" }] }
            """;

        using var response = await releaser.PostAsync("/api/releases", ApiHost.Json(body));

        var problem = await ProblemAssert.IsProblemAsync(response, HttpStatusCode.BadRequest);
        Assert.Equal(
            ["app", "bakeTime", "changeReference", "package", "releaseType", "smokeTests[0].path", "trafficSteps", "trafficSteps[1]"],
            ProblemAssert.ErrorFields(problem));
    }

    [Theory]
    [InlineData("{ \"app\": ", "invalid JSON syntax")]
    [InlineData("[1, 2]", "wrong JSON type")]
    [InlineData("{ \"app\": 42 }", "wrong JSON type")]
    [InlineData("{ \"app\": \"shop-web\", \"trafficStep\": [100] }", "unknown property")]
    [InlineData("", "needs a JSON body")]
    public async Task StartRelease_MalformedJson_Returns400SayingWhere(string body, string expected)
    {
        using var app = ApiHost.Create(azurite);
        using var releaser = app.As("releaser-1", Roles.Releaser);

        using var response = await releaser.PostAsync("/api/releases", ApiHost.Json(body));

        var problem = await ProblemAssert.IsProblemAsync(response, HttpStatusCode.BadRequest);
        Assert.Contains(expected, (string?)problem["detail"], StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("text/plain")]
    [InlineData("application/x-www-form-urlencoded")]
    [InlineData("application/xml")]
    public async Task StartRelease_NotJson_Returns415(string mediaType)
    {
        using var app = ApiHost.Create(azurite);
        using var releaser = app.As("releaser-1", Roles.Releaser);

        using var response = await releaser.PostAsync("/api/releases", ApiHost.Json(ValidBody, mediaType));

        var problem = await ProblemAssert.IsProblemAsync(response, HttpStatusCode.UnsupportedMediaType);
        Assert.Contains("application/json", (string?)problem["detail"], StringComparison.Ordinal);
    }

    [Fact]
    public async Task StartRelease_Oversize_Returns413()
    {
        using var app = ApiHost.Create(azurite);
        using var releaser = app.As("releaser-1", Roles.Releaser);
        var body = ValidBody.Replace("\"app\"", $"\"reason\": \"{new string('r', 70_000)}\", \"app\"", StringComparison.Ordinal);

        using var response = await releaser.PostAsync("/api/releases", ApiHost.Json(body));

        await ProblemAssert.IsProblemAsync(response, HttpStatusCode.RequestEntityTooLarge);
    }

    [Theory]
    [InlineData("key with spaces")]
    [InlineData("k234567890123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890")]
    [InlineData("ключ")]
    public async Task StartRelease_BadIdempotencyKey_Returns400(string key)
    {
        using var app = ApiHost.Create(azurite);
        using var releaser = app.As("releaser-1", Roles.Releaser);
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/releases") { Content = ApiHost.Json(ValidBody) };
        request.Headers.TryAddWithoutValidation("Idempotency-Key", key);

        using var response = await releaser.SendAsync(request);

        var problem = await ProblemAssert.IsProblemAsync(response, HttpStatusCode.BadRequest);
        Assert.Equal(["Idempotency-Key"], ProblemAssert.ErrorFields(problem));
    }

    [Theory]
    [InlineData("/api/releases?status=Paused")]
    [InlineData("/api/releases?app=Shop_Web")]
    public async Task ListReleases_BadFilter_Returns400(string url)
    {
        using var app = ApiHost.Create(azurite);
        using var reader = app.As("reader-1");

        using var response = await reader.GetAsync(url);

        await ProblemAssert.IsProblemAsync(response, HttpStatusCode.BadRequest);
    }

    [Theory]
    [InlineData("abort")]
    [InlineData("promote")]
    [InlineData("rollback")]
    public async Task ReleaseCommand_MalformedId_Returns404(string command)
    {
        using var app = ApiHost.Create(azurite);
        using var releaser = app.As("releaser-1", Roles.Releaser);

        using var response = await releaser.PostAsync($"/api/releases/not.an.id/{command}", ApiHost.Json("""{ "reason": "test" }"""));

        await ProblemAssert.IsProblemAsync(response, HttpStatusCode.NotFound);
    }

    [Theory]
    [InlineData("abort")]
    [InlineData("promote")]
    public async Task ReleaseCommand_NoBodyAndNoContentLength_IsReadAsNoReason(string command)
    {
        using var app = ApiHost.Create(azurite, EngineSettings());
        using var releaser = app.As("releaser-1", Roles.Releaser);

        // Without content, the request carries neither Content-Type nor Content-Length, as from curl -X POST.
        using var response = await releaser.SendAsync(new HttpRequestMessage(HttpMethod.Post, $"/api/releases/no-such-release/{command}"));

        var problem = await ProblemAssert.IsProblemAsync(response, HttpStatusCode.NotFound);
        Assert.Equal("Unknown release", (string?)problem["title"]);
    }

    [Fact]
    public async Task ReleaseCommand_BodyWithoutContentTypeOrLength_Returns415()
    {
        using var app = ApiHost.Create(azurite, EngineSettings());
        using var releaser = app.As("releaser-1", Roles.Releaser);
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/releases/no-such-release/abort")
        {
            Content = new StreamContent(new UnseekableStream("""{ "reason": "test" }"""u8.ToArray())),
        };

        using var response = await releaser.SendAsync(request);

        await ProblemAssert.IsProblemAsync(response, HttpStatusCode.UnsupportedMediaType);
    }

    [Fact]
    public async Task Rollback_WithoutReason_Returns400()
    {
        using var app = ApiHost.Create(azurite);
        using var releaser = app.As("releaser-1", Roles.Releaser);

        using var response = await releaser.PostAsync("/api/releases/r-1/rollback", ApiHost.Json("""{ "reason": "  " }"""));

        var problem = await ProblemAssert.IsProblemAsync(response, HttpStatusCode.BadRequest);
        Assert.Equal(["reason"], ProblemAssert.ErrorFields(problem));
    }

    [Fact]
    public async Task Approve_UnknownRole_Returns400ListingTheRoles()
    {
        using var app = ApiHost.Create(azurite);
        using var approver = app.As("approver-1", "Blueshift.Approver.CAB");

        using var response = await approver.PostAsync("/api/releases/r-1/approvals", ApiHost.Json("""{ "role": "architect" }"""));

        var problem = await ProblemAssert.IsProblemAsync(response, HttpStatusCode.BadRequest);
        Assert.Contains("team-lead", problem["errors"]!["role"]![0]!.GetValue<string>(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Approve_RoleTheCallerDoesNotHold_Returns403()
    {
        using var app = ApiHost.Create(azurite);
        using var manager = app.As("manager-1", "Blueshift.Approver.Manager");

        using var response = await manager.PostAsync("/api/releases/r-1/approvals", ApiHost.Json("""{ "role": "CAB" }"""));

        var problem = await ProblemAssert.IsProblemAsync(response, HttpStatusCode.Forbidden);
        Assert.Contains("Blueshift.Approver.CAB", (string?)problem["detail"], StringComparison.Ordinal);
    }

    [Fact]
    public async Task Approve_ReleaserWithoutApproverRole_Returns403()
    {
        using var app = ApiHost.Create(azurite);
        using var releaser = app.As("releaser-1", Roles.Releaser);

        using var response = await releaser.PostAsync("/api/releases/r-1/approvals", ApiHost.Json("""{ "role": "cab" }"""));

        await ProblemAssert.IsProblemAsync(response, HttpStatusCode.Forbidden);
    }

    private static Dictionary<string, string?> EngineSettings() => new()
    {
        ["Blueshift:Releases:TableName"] = AzuriteFixture.UniqueName("releases"),
        // Nothing here may reach Azure: a release that tried would fail against a closed loopback port.
        ["Blueshift:Azure:ResourceManagerEndpoint"] = $"http://127.0.0.1:{FreePort.Next()}",
        ["Blueshift:Azure:Credential"] = "Development",
    };

    /// <summary>A body whose length is unknown up front, so the request is sent without Content-Length.</summary>
    private sealed class UnseekableStream(byte[] bytes) : MemoryStream(bytes)
    {
        public override bool CanSeek => false;
    }
}
