using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using Xunit;

namespace Blueshift.LocalFunctionsHost.Tests;

[Collection(LocalHostCollection.Name)]
public sealed class HttpTriggerTests(LocalHostFixture host)
{
    [Fact]
    public async Task FunctionLevel_NoKey_Returns401()
    {
        using var response = await host.Client.GetAsync("/api/diagnostics/echo/1");

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    [Fact]
    public async Task FunctionLevel_WrongKey_Returns401()
    {
        using var response = await host.Client.GetAsync("/api/diagnostics/echo/1?code=not-a-key");

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    [Theory]
    [InlineData(LocalHostFixture.EchoKey)]
    [InlineData(LocalHostFixture.HostKey)]
    [InlineData(LocalHostFixture.MasterKey)]
    public async Task FunctionLevel_KeyInHeader_Returns200(string key)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/diagnostics/echo/7");
        request.Headers.Add("x-functions-key", key);

        using var response = await host.Client.SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("7", (string?)JsonNode.Parse(await response.Content.ReadAsStringAsync())!["id"]);
    }

    [Fact]
    public async Task FunctionLevel_KeyInCodeQuery_Returns200()
    {
        using var response = await host.Client.GetAsync($"/api/diagnostics/echo/8?code={LocalHostFixture.EchoKey}");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task AdminLevel_FunctionOrHostKey_Returns401MasterKeyReturns200()
    {
        using var withHostKey = await host.Client.GetAsync($"/api/diagnostics/invocations?code={LocalHostFixture.HostKey}");
        using var withMasterKey = await host.Client.GetAsync($"/api/diagnostics/invocations?code={LocalHostFixture.MasterKey}");

        Assert.Equal(HttpStatusCode.Unauthorized, withHostKey.StatusCode);
        Assert.Equal(HttpStatusCode.OK, withMasterKey.StatusCode);
    }

    [Fact]
    public async Task Anonymous_HealthLive_Returns200WithoutKey()
    {
        using var response = await host.Client.GetAsync("/api/health/live");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("Healthy", (string?)JsonNode.Parse(await response.Content.ReadAsStringAsync())!["status"]);
    }

    [Fact]
    public async Task Anonymous_HealthReady_Returns200WithAzurite()
    {
        using var response = await host.Client.GetAsync("/api/health/ready");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task Forwarding_PostWithQueryHeadersAndBody_ReachesHandlerUnchanged()
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/diagnostics/echo/release-42?stage=canary&percent=10")
        {
            Content = new StringContent("{\"note\":\"größer\"}", Encoding.UTF8, "application/json"),
        };
        request.Headers.Add("x-functions-key", LocalHostFixture.EchoKey);
        request.Headers.Add("X-Echo-Correlation", "abc-123");

        using var response = await host.Client.SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var echo = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
        Assert.Equal("POST", (string?)echo["method"]);
        Assert.Equal("/api/diagnostics/echo/release-42", (string?)echo["path"]);
        Assert.Equal("canary", (string?)echo["query"]!["stage"]);
        Assert.Equal("10", (string?)echo["query"]!["percent"]);
        Assert.Equal("abc-123", (string?)echo["headers"]!["x-echo-correlation"]);
        Assert.Equal("application/json; charset=utf-8", (string?)echo["contentType"]);
        Assert.Equal("{\"note\":\"größer\"}", (string?)echo["body"]);
    }

    [Fact]
    public async Task Forwarding_MethodNotDeclared_IsNotForwarded()
    {
        using var request = new HttpRequestMessage(HttpMethod.Delete, "/api/diagnostics/echo/1");
        request.Headers.Add("x-functions-key", LocalHostFixture.MasterKey);

        using var response = await host.Client.SendAsync(request);

        Assert.NotEqual(HttpStatusCode.OK, response.StatusCode);
        Assert.True((int)response.StatusCode is 404 or 405, $"got {(int)response.StatusCode}");
    }

    [Fact]
    public async Task UnknownRoute_Returns404Problem()
    {
        using var response = await host.Client.GetAsync("/api/no/such/function");

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task InvocationPath_NotExposedOverHttp()
    {
        // Timer and queue functions are invoked by the host only: their handler paths are not HTTP routes of the host.
        using var response = await host.Client.PostAsync("/DiagnosticsTimer", new StringContent("{}"));

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }
}
