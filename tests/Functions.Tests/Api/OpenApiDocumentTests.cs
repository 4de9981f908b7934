using System.Net;
using System.Text.Json.Nodes;
using Blueshift.Functions.Api;
using Blueshift.Functions.Hosting;
using Blueshift.Testing;
using Microsoft.Extensions.DependencyInjection;
using Xunit;

namespace Blueshift.Functions.Tests.Api;

public sealed class OpenApiDocumentTests(AzuriteFixture azurite) : IClassFixture<AzuriteFixture>
{
    [Fact]
    public async Task GetOpenApi_Anonymous_ListsEveryCatalogHttpFunction()
    {
        using var app = ApiHost.Create(azurite);
        var catalog = app.Services.GetRequiredService<FunctionCatalog>();

        using var response = await app.CreateClient().GetAsync("/api/openapi/v1.json");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var paths = JsonNode.Parse(await response.Content.ReadAsStringAsync())!["paths"]!.AsObject();
        // The document does not describe itself.
        var functions = catalog.Functions.OfType<HttpFunction>().Where(f => f != OpenApiModule.Document).ToList();
        Assert.Contains(functions, f => f.Name == "StartRelease");
        Assert.All(functions, function =>
        {
            var path = paths[FunctionCatalog.PathOf(function)];
            Assert.True(path is not null, $"{function.Name}: {FunctionCatalog.PathOf(function)} is missing from the OpenAPI document.");
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
        foreach (var status in new[] { "400", "401", "403", "409", "413", "415" })
        {
            Assert.NotNull(post["responses"]![status]!["content"]!["application/problem+json"]);
        }
        Assert.NotNull(document["components"]!["schemas"]!["ReleaseView"]);
    }
}
