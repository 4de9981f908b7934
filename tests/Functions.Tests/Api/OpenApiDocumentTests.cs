using System.Net;
using System.Text.Json.Nodes;
using Blueshift.Functions.Alerts;
using Blueshift.Functions.Api;
using Blueshift.Functions.Hosting;
using Blueshift.Functions.Security;
using Blueshift.Testing;
using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Xunit;

namespace Blueshift.Functions.Tests.Api;

public sealed class OpenApiDocumentTests(AzuriteFixture azurite) : IClassFixture<AzuriteFixture>
{
    private const string AlertKey = "openapi-test-alert-key-0123456789";
    private const string Site = "/subscriptions/0b1f6471-1bf0-4dda-aec3-cb9272f09590/resourceGroups/rg-shop/providers/Microsoft.Web/sites/shop-web";

    [Fact]
    public async Task GetOpenApi_Anonymous_ListsEveryHttpFunction()
    {
        using var app = ApiHost.Create(azurite);
        var table = app.Services.GetRequiredService<FunctionEndpointTable>();

        using var response = await app.CreateClient().GetAsync("/api/openapi/v1.json");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var paths = JsonNode.Parse(await response.Content.ReadAsStringAsync())!["paths"]!.AsObject();
        // The document does not describe itself.
        var functions = table.Functions.Where(f => f != OpenApiModule.Document).ToList();
        Assert.Contains(functions, f => f.Name == "StartRelease");
        Assert.All(functions, function =>
        {
            var path = paths[FunctionEndpoints.PathOf(function)];
            Assert.True(path is not null, $"{function.Name}: {FunctionEndpoints.PathOf(function)} is missing from the OpenAPI document.");
            Assert.All(function.Methods, method => Assert.True(path![method.ToLowerInvariant()] is not null, $"{function.Name}: {method} is missing."));
        });
        Assert.DoesNotContain(paths, p => !p.Key.StartsWith("/api/", StringComparison.Ordinal));
    }

    [Fact]
    public async Task GetOpenApi_StartRelease_DescribesBodyResultAndProblems()
    {
        using var app = ApiHost.Create(azurite);

        var document = JsonNode.Parse(await app.CreateClient().GetStringAsync("/api/openapi/v1.json"))!;

        var post = document["paths"]!["/api/releases"]!["post"]!;
        Assert.Equal("Releases", (string?)post["tags"]![0]);
        Assert.NotNull(post["requestBody"]!["content"]!["application/json"]!["schema"]!["properties"]!["trafficSteps"]);
        Assert.NotNull(post["responses"]!["202"]!["content"]!["application/json"]);
        Assert.NotNull(post["responses"]!["202"]!["headers"]!["Location"]);
        Assert.Contains(post["parameters"]!.AsArray(), p => (string?)p!["name"] == "Idempotency-Key" && (string?)p["in"] == "header");
        foreach (var status in new[] { "400", "401", "403", "404", "409", "413", "415", "422" })
        {
            Assert.NotNull(post["responses"]![status]!["content"]!["application/problem+json"]);
        }
        Assert.EndsWith("/HttpValidationProblemDetails", (string?)post["responses"]!["400"]!["content"]!["application/problem+json"]!["schema"]!["$ref"]);
        Assert.NotNull(document["components"]!["schemas"]!["ReleaseView"]);
    }

    [Fact]
    public async Task GetOpenApi_SecuritySchemes_DescribeFunctionKeysAndEntraBearerTokens()
    {
        using var app = ApiHost.Create(azurite);

        var schemes = JsonNode.Parse(await app.CreateClient().GetStringAsync("/api/openapi/v1.json"))!["components"]!["securitySchemes"]!;

        Assert.Equal("apiKey", (string?)schemes["functionKey"]!["type"]);
        Assert.Equal("header", (string?)schemes["functionKey"]!["in"]);
        Assert.Equal("x-functions-key", (string?)schemes["functionKey"]!["name"]);
        Assert.Equal("apiKey", (string?)schemes["functionKeyQuery"]!["type"]);
        Assert.Equal("query", (string?)schemes["functionKeyQuery"]!["in"]);
        Assert.Equal("code", (string?)schemes["functionKeyQuery"]!["name"]);
        Assert.Equal("http", (string?)schemes["entraId"]!["type"]);
        Assert.Equal("bearer", (string?)schemes["entraId"]!["scheme"]);
        Assert.Equal("JWT", (string?)schemes["entraId"]!["bearerFormat"]);
    }

    [Fact]
    public async Task GetOpenApi_EveryMappedApiEndpoint_HasSummarySecurityBodyAndDeclaredResponses()
    {
        using var app = Create();
        var document = JsonNode.Parse(await app.CreateClient().GetStringAsync("/api/openapi/v1.json"))!;
        var paths = document["paths"]!.AsObject();
        var endpoints = ApiEndpoints(app);
        Assert.Contains(endpoints, e => e.Function == AlertsModule.Webhook);
        Assert.Contains(endpoints, e => e.Function.AuthLevel == AuthLevel.Admin);
        Assert.Contains(endpoints, e => e.Function.AuthLevel == AuthLevel.Anonymous);

        foreach (var (endpoint, function, path, method) in endpoints)
        {
            var name = $"{method} {path}";
            var operation = paths[path]?[method.ToLowerInvariant()];
            Assert.True(operation is not null, $"{name} is mapped but not in the OpenAPI document.");
            Assert.False(string.IsNullOrWhiteSpace((string?)operation!["summary"]), $"{name} has no summary.");

            // Every call through the Functions host needs a key unless the function is anonymous; endpoints that identify
            // callers by Entra ID also take a bearer token with it.
            var bearer = endpoint.Metadata.GetMetadata<CallerRequirement>() is not null || function == AlertsModule.Webhook;
            string[] expectedSecurity = function.AuthLevel == AuthLevel.Anonymous ? []
                : bearer ? ["entraId+functionKey", "entraId+functionKeyQuery", "functionKey", "functionKeyQuery"]
                : ["functionKey", "functionKeyQuery"];
            Assert.True(expectedSecurity.SequenceEqual(Security(operation)), $"{name}: security [{string.Join(", ", Security(operation))}], expected [{string.Join(", ", expectedSecurity)}].");

            var body = endpoint.Metadata.GetMetadata<RequestBodyMetadata>();
            if (body is null)
            {
                Assert.True(operation["requestBody"] is null, $"{name} reads no body, yet the document describes one.");
            }
            else
            {
                Assert.True(operation["requestBody"]?["content"]?[body.ContentType]?["schema"] is not null, $"{name} reads a {body.ContentType} body the document does not describe.");
                Assert.Equal(body.Required, (bool?)operation["requestBody"]!["required"] ?? false);
            }

            var declared = endpoint.Metadata.GetOrderedMetadata<IProducesResponseTypeMetadata>().ToList();
            Assert.True(declared.Count > 0, $"{name} declares no responses.");
            var documented = operation["responses"]!.AsObject().Select(r => r.Key).Order().ToList();
            Assert.Equal(declared.Select(d => d.StatusCode.ToString(System.Globalization.CultureInfo.InvariantCulture)).Distinct().Order().ToList(), documented);
            foreach (var response in declared.Where(d => d.ContentTypes.Contains("application/problem+json")))
            {
                Assert.True(operation["responses"]![response.StatusCode.ToString(System.Globalization.CultureInfo.InvariantCulture)]!["content"]?["application/problem+json"]?["schema"] is not null,
                    $"{name}: {response.StatusCode} has no problem details schema.");
            }
            if (endpoint.Metadata.GetMetadata<CallerRequirement>() is { } requirement)
            {
                Assert.Contains("401", documented);
                Assert.Equal(requirement.Role is not null, documented.Contains("403"));
            }
        }

        var mapped = endpoints.Select(e => $"{e.Method.ToLowerInvariant()} {e.Path}").ToHashSet();
        var operations = paths.SelectMany(p => p.Value!.AsObject().Select(o => $"{o.Key} {p.Key}"));
        Assert.All(operations, operation => Assert.True(mapped.Contains(operation), $"The document's {operation} maps to no endpoint."));
    }

    [Fact]
    public async Task GetOpenApi_AlertWebhook_DescribesTheCommonAlertSchemaAndEveryAnswer()
    {
        using var app = ApiHost.Create(azurite);

        var document = JsonNode.Parse(await app.CreateClient().GetStringAsync("/api/openapi/v1.json"))!;

        var post = document["paths"]!["/api/alerts"]!["post"]!;
        var schemas = document["components"]!["schemas"]!;
        var payload = Resolve(schemas, post["requestBody"]!["content"]!["application/json"]!["schema"]!);
        Assert.Equal(["data", "schemaId"], payload["required"]!.AsArray().Select(n => (string)n!).Order());
        var essentials = Resolve(schemas, Resolve(schemas, payload["properties"]!["data"]!)["properties"]!["essentials"]!);
        Assert.Equal(["alertId", "monitorCondition"], essentials["required"]!.AsArray().Select(n => (string)n!).Order());
        Assert.NotNull(essentials["properties"]!["alertTargetIDs"]);
        // Budget alerts, among others, carry a null severity: the schema must accept it.
        var severity = Resolve(schemas, essentials["properties"]!["severity"]!);
        Assert.Equal(["Sev0", "Sev1", "Sev2", "Sev3", "Sev4"], severity["enum"]!.AsArray().Where(n => n is not null).Select(n => (string)n!));
        Assert.Equal(["Fired", "Resolved"], Resolve(schemas, essentials["properties"]!["monitorCondition"]!)["enum"]!.AsArray().Select(n => (string)n!));
        Assert.NotNull(post["responses"]!["200"]!["content"]!["application/json"]);
        Assert.NotNull(post["responses"]!["503"]!["headers"]!["Retry-After"]);
        Assert.Equal(["200", "400", "401", "413", "503"], post["responses"]!.AsObject().Select(r => r.Key).Order());
    }

    [Fact]
    public async Task Requests_RefusedOrAnswered_StatusIsDocumentedForTheOperation()
    {
        using var app = Create();
        var document = JsonNode.Parse(await app.CreateClient().GetStringAsync("/api/openapi/v1.json"))!;
        using var anonymous = app.CreateClient();
        using var reader = app.As("reader-1");
        using var releaser = app.As("releaser-1", Roles.Releaser);
        using var approver = app.As("cab-1", "Blueshift.Approver.CAB");
        using var admin = app.As("admin-1", Roles.Admin);
        using var alerts = app.CreateClient();
        alerts.DefaultRequestHeaders.Add("x-functions-key", AlertKey);
        var tooLarge = new string(' ', JsonBody.MaxBytes + 1) + "{}";
        var appBody = $$"""{ "resourceId": "{{Site}}" }""";

        var cases = new (HttpClient Client, string Method, string Path, string Template, HttpContent? Body, HttpStatusCode Expected)[]
        {
            (anonymous, "GET", "/api/releases", "/api/releases", null, HttpStatusCode.Unauthorized),
            (anonymous, "GET", "/api/apps", "/api/apps", null, HttpStatusCode.Unauthorized),
            (anonymous, "GET", "/api/audit", "/api/audit", null, HttpStatusCode.Unauthorized),
            (anonymous, "POST", "/api/releases", "/api/releases", ApiHost.Json(ReleasesApiTests.NormalRelease), HttpStatusCode.Unauthorized),
            (reader, "POST", "/api/releases", "/api/releases", ApiHost.Json(ReleasesApiTests.NormalRelease), HttpStatusCode.Forbidden),
            (reader, "PUT", "/api/apps/shop-web", "/api/apps/{name}", ApiHost.Json(appBody), HttpStatusCode.Forbidden),
            (reader, "POST", "/api/releases/r-1/abort", "/api/releases/{id}/abort", null, HttpStatusCode.Forbidden),
            (releaser, "POST", "/api/releases", "/api/releases", ApiHost.Json("{"), HttpStatusCode.BadRequest),
            (releaser, "POST", "/api/releases", "/api/releases", ApiHost.Json(ReleasesApiTests.NormalRelease, "text/plain"), HttpStatusCode.UnsupportedMediaType),
            (releaser, "POST", "/api/releases", "/api/releases", ApiHost.Json(tooLarge), HttpStatusCode.RequestEntityTooLarge),
            (releaser, "POST", "/api/releases", "/api/releases", ApiHost.Json(ReleasesApiTests.NormalRelease), HttpStatusCode.NotFound),
            (reader, "GET", "/api/releases?status=nope", "/api/releases", null, HttpStatusCode.BadRequest),
            (reader, "GET", "/api/releases/no-such-release", "/api/releases/{id}", null, HttpStatusCode.NotFound),
            (releaser, "POST", "/api/releases/no-such-release/abort", "/api/releases/{id}/abort", null, HttpStatusCode.NotFound),
            (releaser, "POST", "/api/releases/no-such-release/promote", "/api/releases/{id}/promote", null, HttpStatusCode.NotFound),
            (releaser, "POST", "/api/releases/no-such-release/rollback", "/api/releases/{id}/rollback", ApiHost.Json("{}"), HttpStatusCode.BadRequest),
            (approver, "POST", "/api/releases/no-such-release/approvals", "/api/releases/{id}/approvals", ApiHost.Json("""{ "role": "cab" }"""), HttpStatusCode.NotFound),
            (approver, "POST", "/api/releases/no-such-release/approvals", "/api/releases/{id}/approvals", ApiHost.Json("""{ "role": "ciso" }"""), HttpStatusCode.Forbidden),
            (admin, "PUT", "/api/apps/shop-web", "/api/apps/{name}", ApiHost.Json("""{ "resourceId": 5 }"""), HttpStatusCode.BadRequest),
            (admin, "PUT", "/api/apps/shop-web", "/api/apps/{name}", ApiHost.Json(appBody), HttpStatusCode.Created),
            (admin, "PUT", "/api/apps/shop-web", "/api/apps/{name}", ApiHost.Json(appBody), HttpStatusCode.OK),
            (admin, "PUT", "/api/apps/other-web", "/api/apps/{name}", ApiHost.Json(appBody), HttpStatusCode.Conflict),
            (reader, "GET", "/api/apps/no-such-app", "/api/apps/{name}", null, HttpStatusCode.NotFound),
            (reader, "GET", "/api/apps/shop-web?view=a&view=b", "/api/apps/{name}", null, HttpStatusCode.BadRequest),
            (anonymous, "GET", "/api/health/live?probe=a&probe=b", "/api/health/live", null, HttpStatusCode.BadRequest),
            (reader, "GET", "/api/apps", "/api/apps", null, HttpStatusCode.OK),
            (reader, "GET", "/api/audit?from=yesterday", "/api/audit", null, HttpStatusCode.BadRequest),
            (reader, "GET", "/api/audit", "/api/audit", null, HttpStatusCode.OK),
            (anonymous, "POST", "/api/alerts", "/api/alerts", ApiHost.Json("{}"), HttpStatusCode.Unauthorized),
            (alerts, "POST", "/api/alerts", "/api/alerts", ApiHost.Json("""{ "schemaId": "azureMonitorCommonAlertSchema" }"""), HttpStatusCode.BadRequest),
            (alerts, "POST", "/api/alerts", "/api/alerts", ApiHost.Json(new string(' ', 256 * 1024 + 1) + "{}"), HttpStatusCode.RequestEntityTooLarge),
            (anonymous, "GET", "/api/health/live", "/api/health/live", null, HttpStatusCode.OK),
        };

        foreach (var (client, method, path, template, body, expected) in cases)
        {
            using var request = new HttpRequestMessage(new HttpMethod(method), path) { Content = body };
            using var response = await client.SendAsync(request);
            var status = ((int)response.StatusCode).ToString(System.Globalization.CultureInfo.InvariantCulture);
            Assert.True(expected == response.StatusCode, $"{method} {path}: expected {(int)expected}, got {status}: {await response.Content.ReadAsStringAsync()}");
            var documented = document["paths"]![template]![method.ToLowerInvariant()]!["responses"]![status];
            Assert.True(documented is not null, $"{method} {template} answers {status}, which its OpenAPI operation does not list.");
            if ((int)expected >= 400)
            {
                await ProblemAssert.IsProblemAsync(response, expected);
                Assert.NotNull(documented!["content"]!["application/problem+json"]);
            }
        }
    }

    private FunctionsTestHost Create() => ApiHost.Create(azurite, new Dictionary<string, string?>
    {
        ["Blueshift:Diagnostics:Enabled"] = "true",
        [$"{AlertWebhookOptions.SectionName}:FunctionKeys:0"] = AlertKey,
        ["Blueshift:Releases:TableName"] = AzuriteFixture.UniqueName("releases"),
        // Nothing here may reach Azure: a release that tried would fail against a closed loopback port.
        ["Blueshift:Azure:ResourceManagerEndpoint"] = $"http://127.0.0.1:{FreePort.Next()}",
        ["Blueshift:Azure:Credential"] = "Development",
    });

    /// <summary>Every mapped method of an HTTP function under /api, except the OpenAPI document, which does not describe itself.</summary>
    private static List<(RouteEndpoint Endpoint, HttpFunction Function, string Path, string Method)> ApiEndpoints(FunctionsTestHost app) =>
        app.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>()
            .Where(e => e.Metadata.GetMetadata<HttpFunction>() is { } f && f != OpenApiModule.Document)
            .SelectMany(e => e.Metadata.GetMetadata<IHttpMethodMetadata>()!.HttpMethods.Select(m =>
                (e, e.Metadata.GetMetadata<HttpFunction>()!, "/" + e.RoutePattern.RawText!.TrimStart('/'), m)))
            .ToList();

    /// <summary>Each alternative of the operation's security as its scheme names joined with '+', sorted.</summary>
    private static List<string> Security(JsonNode operation) =>
        operation["security"]?.AsArray().Select(r => string.Join("+", r!.AsObject().Select(s => s.Key).Order())).Order().ToList() ?? [];

    private static JsonNode Resolve(JsonNode schemas, JsonNode schema) =>
        (string?)schema["$ref"] is { } reference ? schemas[reference.Split('/')[^1]]! : schema;
}
