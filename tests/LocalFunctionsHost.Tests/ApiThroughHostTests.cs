using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using Xunit;

namespace Blueshift.LocalFunctionsHost.Tests;

/// <summary>The HTTP API as deployed: the published app behind the Functions host, which checks keys before Blueshift checks identity.</summary>
[Collection(LocalHostCollection.Name)]
public sealed class ApiThroughHostTests(LocalHostFixture host)
{
    private const string Site = "/subscriptions/0b1f6471-1bf0-4dda-aec3-cb9272f09590/resourceGroups/rg-host/providers/Microsoft.Web/sites/host-web";

    [Fact]
    public async Task PutApp_WithHostKey_ActsAsTheConfiguredMachineIdentityAndIsAudited()
    {
        using var put = new HttpRequestMessage(HttpMethod.Put, "/api/apps/host-web")
        {
            Content = new StringContent($$"""{ "resourceId": "{{Site}}" }""", Encoding.UTF8, "application/json"),
        };
        put.Headers.Add("x-functions-key", LocalHostFixture.HostKey);

        using var response = await host.Client.SendAsync(put);

        Assert.True(response.StatusCode is HttpStatusCode.Created or HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
        var app = JsonNode.Parse(await host.Client.GetStringAsync($"/api/apps/host-web?code={LocalHostFixture.HostKey}"))!;
        Assert.Equal(Site, (string?)app["resourceId"]);
        var audit = JsonNode.Parse(await host.Client.GetStringAsync($"/api/audit?app=host-web&code={LocalHostFixture.HostKey}"))!;
        Assert.Contains(audit["records"]!.AsArray(), r => (string?)r!["actor"] == LocalHostFixture.FunctionKeyCallerId);
    }

    [Fact]
    public async Task ApiFunction_NoKey_IsRefusedByTheHost()
    {
        using var response = await host.Client.GetAsync("/api/apps");

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    [Fact]
    public async Task OpenApiDocument_NoKey_IsServed()
    {
        using var response = await host.Client.GetAsync("/api/openapi/v1.json");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.NotNull(JsonNode.Parse(await response.Content.ReadAsStringAsync())!["paths"]!["/api/releases"]);
    }
}
