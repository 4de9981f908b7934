using System.Net;
using System.Text.Json.Nodes;
using Blueshift.Testing;
using Xunit;

namespace Blueshift.Functions.Tests.Health;

public sealed class HealthEndpointTests(AzuriteFixture azurite) : IClassFixture<AzuriteFixture>
{
    [Fact]
    public async Task GetReady_StorageReachable_Returns200WithHealthyStorageCheck()
    {
        using var app = Handler(azurite.ConnectionString);

        using var response = await app.CreateClient().GetAsync("/api/health/ready");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var body = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
        Assert.Equal("Healthy", (string?)body["status"]);
        Assert.False(string.IsNullOrEmpty((string?)body["version"]));
        var storage = Assert.Single(body["checks"]!.AsArray());
        Assert.Equal("storage", (string?)storage!["name"]);
        Assert.Equal("Healthy", (string?)storage["status"]);
    }

    [Fact]
    public async Task GetReady_StorageUnreachable_Returns503NamingTheCheckWithoutTheKey()
    {
        var nobody = FreePort.Next();
        using var app = Handler(
            $"DefaultEndpointsProtocol=http;AccountName={AzuriteFixture.AccountName};AccountKey={AzuriteFixture.AccountKey};TableEndpoint=http://127.0.0.1:{nobody}/{AzuriteFixture.AccountName};");

        using var response = await app.CreateClient().GetAsync("/api/health/ready");

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        var text = await response.Content.ReadAsStringAsync();
        var body = JsonNode.Parse(text)!;
        Assert.Equal("Unhealthy", (string?)body["status"]);
        Assert.Equal("Unhealthy", (string?)body["checks"]![0]!["status"]);
        Assert.Contains($"127.0.0.1:{nobody}", (string?)body["checks"]![0]!["description"]);
        Assert.DoesNotContain(AzuriteFixture.AccountKey, text);
    }

    [Fact]
    public async Task GetReady_WrongAccountKey_Returns503()
    {
        var wrongKey = Convert.ToBase64String(new byte[64]);
        using var app = Handler(
            $"DefaultEndpointsProtocol=http;AccountName={AzuriteFixture.AccountName};AccountKey={wrongKey};TableEndpoint={azurite.TableEndpoint};");

        using var response = await app.CreateClient().GetAsync("/api/health/ready");

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Contains("403", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task GetHealth_StorageReachable_Returns200()
    {
        using var app = Handler(azurite.ConnectionString);

        using var response = await app.CreateClient().GetAsync("/api/health");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task GetLive_StorageUnreachable_StillReturns200()
    {
        using var app = Handler($"DefaultEndpointsProtocol=http;AccountName=x;AccountKey={AzuriteFixture.AccountKey};TableEndpoint=http://127.0.0.1:{FreePort.Next()}/x;");

        using var response = await app.CreateClient().GetAsync("/api/health/live");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("Healthy", (string?)JsonNode.Parse(await response.Content.ReadAsStringAsync())!["status"]);
    }

    [Fact]
    public async Task GetReady_NoStorageSetting_Returns503SayingSo()
    {
        using var app = Handler("");

        using var response = await app.CreateClient().GetAsync("/api/health/ready");

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Contains("AzureWebJobsStorage is not set", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task GetReady_IdentityBasedStorageOverHttp_Returns503SayingHttpsIsNeeded()
    {
        using var app = Api.ApiHost.Functions(new Dictionary<string, string?>
        {
            ["AzureWebJobsStorage"] = "",
            ["AzureWebJobsStorage:tableServiceUri"] = azurite.TableEndpoint.ToString(),
        });

        using var response = await app.CreateClient().GetAsync("/api/health/ready");

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Contains("AzureWebJobsStorage__tableServiceUri must use https", await response.Content.ReadAsStringAsync());
    }

    private static FunctionsTestHost Handler(string connectionString) =>
        Api.ApiHost.Functions(new Dictionary<string, string?> { ["AzureWebJobsStorage"] = connectionString });
}
