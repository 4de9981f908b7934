using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using Blueshift.Functions.Security;
using Blueshift.Testing;
using FsCheck;
using FsCheck.Fluent;
using Xunit;

namespace Blueshift.Functions.Tests.Api;

/// <summary>Any body a caller can send to <c>POST /api/releases</c> is answered with a 4xx problem, never a 5xx.</summary>
public sealed class ReleaseBodyFuzzTests(AzuriteFixture azurite) : IClassFixture<AzuriteFixture>
{
    // Plain http to a public host is refused, and no mutation below produces an acceptable package URI:
    // every body stays invalid, so this property exercises the HTTP layer alone.
    private const string Base = """
        { "app": "shop-web", "version": "2.4.1", "package": "http://packages.example.com/shop-web.zip", "releaseType": "Minor",
          "changeClass": "Standard", "strategy": "canary", "trafficSteps": [10, 25, 50, 100], "bakeTime": "PT15M",
          "smokeTests": [{ "name": "home", "path": "/", "expectedStatus": 200, "critical": true }], "reason": "r" }
        """;

    private static readonly string[] Fields =
    [
        "app", "version", "package", "releaseType", "changeClass", "changeReference", "sourceSlot", "strategy", "trafficSteps",
        "bakeTime", "smokeTests", "reason", "unknownField", "APP", "",
    ];

    private static readonly string[] Values =
    [
        "null", "0", "-1", "1e400", "3.5", "2147483648", "\"\"", "\" \"", "\"x\"", "[]", "{}", "true", "[null]", "[{}]", "[0, 100]", "[100, 10]",
        "[-5, 100]", "\"P1M\"", "\"PT0S\"", "\"99:99:99\"", "\"-00:01:00\"", "\"Emergency\"", "\"blue-green\"", "\"ftp://x/y\"", "\"//evil\"",
        "\"\\u0000\"", "\"" + new string('a', 5000) + "\"", "[{\"name\":null,\"path\":\"x\"}]", "[{\"expectedStatus\":\"200\"}]", "{\"a\":{\"b\":{\"c\":[[[[]]]]}}}",
    ];

    [Fact]
    public void StartRelease_AnyMutatedOrTruncatedBody_Answers4xxProblemNever5xx()
    {
        using var app = ApiHost.Create(azurite);
        using var client = app.As("releaser-1", Roles.Releaser);
        var gen =
            from count in Gen.Choose(0, 4)
            from mutations in Gen.ListOf(Gen.Zip(Gen.Elements(Fields), Gen.Elements(Values)), count)
            from truncate in Gen.Choose(0, 700)
            from contentType in Gen.Elements("application/json", "application/json; charset=utf-8", "application/problem+json", "text/json", "application/json; charset=latin1")
            select (mutations, truncate, contentType);

        Prop.ForAll(gen.ToArbitrary(), t =>
        {
            var root = JsonNode.Parse(Base)!.AsObject();
            foreach (var (field, value) in t.mutations)
            {
                root[field] = JsonNode.Parse(value);
            }
            var body = root.ToJsonString();
            if (t.truncate < body.Length && t.truncate % 4 == 0)
            {
                body = body[..t.truncate];
            }
            var (status, mediaType) = Post(client, body, t.contentType);
            return status is >= 400 and < 500 && mediaType == "application/problem+json";
        }).QuickCheckThrowOnFailure();
    }

    [Fact]
    public async Task StartRelease_MutationsOfAValidRequestToTheEngine_AnswerAcceptedOr4xxProblemNever5xx()
    {
        using var app = ApiHost.Create(azurite, new Dictionary<string, string?>
        {
            ["Blueshift:Releases:TableName"] = AzuriteFixture.UniqueName("releases"),
            ["Blueshift:Azure:ResourceManagerEndpoint"] = $"http://127.0.0.1:{FreePort.Next()}",
            ["Blueshift:Azure:Credential"] = "Development",
        });
        using var admin = app.As("admin-1", Roles.Admin);
        using var registered = await admin.PutAsync(
            "/api/apps/shop-web",
            ApiHost.Json("""{ "resourceId": "/subscriptions/0b1f6471-1bf0-4dda-aec3-cb9272f09590/resourceGroups/rg/providers/Microsoft.Web/sites/shop-web" }"""));
        Assert.Equal(HttpStatusCode.Created, registered.StatusCode);
        using var client = app.As("releaser-1", Roles.Releaser);
        var accepted = 0;
        var gen =
            from count in Gen.Choose(0, 2)
            from mutations in Gen.ListOf(Gen.Zip(Gen.Elements(Fields), Gen.Elements(Values)), count)
            select mutations;

        Prop.ForAll(gen.ToArbitrary(), mutations =>
        {
            var root = JsonNode.Parse(ReleasesApiTests.NormalRelease)!.AsObject();
            foreach (var (field, value) in mutations)
            {
                root[field] = JsonNode.Parse(value);
            }
            var (status, mediaType) = Post(client, root.ToJsonString(), "application/json");
            accepted += status == 202 ? 1 : 0;
            return status == 202 || (status is >= 400 and < 500 && mediaType == "application/problem+json");
        }).QuickCheckThrowOnFailure();

        // The unmutated request reaches the engine; later valid ones meet its one-release-per-app lock (409).
        Assert.Equal(1, accepted);
    }

    [Fact]
    public void StartRelease_ArbitraryJsonDocuments_Answers4xxProblemNever5xx()
    {
        using var app = ApiHost.Create(azurite);
        using var client = app.As("releaser-1", Roles.Releaser);
        var scalar = Gen.Elements(Values);
        var gen =
            from count in Gen.Choose(0, 6)
            from keys in Gen.ListOf(Gen.Elements(Fields), count)
            from values in Gen.ListOf(scalar, 6)
            from asArray in Gen.Elements(true, false)
            select (keys, values, asArray);

        Prop.ForAll(gen.ToArbitrary(), t =>
        {
            var items = t.keys.Select((k, i) => (k, t.values[i])).DistinctBy(p => p.k).ToList();
            var body = t.asArray
                ? "[" + string.Join(",", items.Select(p => p.Item2)) + "]"
                : "{" + string.Join(",", items.Select(p => $"\"{p.k}\":{p.Item2}")) + "}";
            var (status, mediaType) = Post(client, body, "application/json");
            return status is >= 400 and < 500 && mediaType == "application/problem+json";
        }).QuickCheckThrowOnFailure();
    }

    private static (int Status, string? MediaType) Post(HttpClient client, string body, string contentType)
    {
        using var content = new ByteArrayContent(Encoding.UTF8.GetBytes(body));
        content.Headers.TryAddWithoutValidation("Content-Type", contentType);
        using var response = client.PostAsync("/api/releases", content).GetAwaiter().GetResult();
        return ((int)response.StatusCode, response.Content.Headers.ContentType?.MediaType);
    }
}
