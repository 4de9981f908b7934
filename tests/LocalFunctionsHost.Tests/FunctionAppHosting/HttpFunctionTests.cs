using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Blueshift.LocalFunctionsHost.Discovery;
using Blueshift.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Xunit;

namespace Blueshift.LocalFunctionsHost.Tests.FunctionAppHosting;

public sealed class HttpFunctionHostFixture : IAsyncLifetime
{
    public const string MasterKey = "master-key-for-http-tests";
    public const string FunctionKey = "function-key-for-http-tests";

    private WebApplication? _app;

    public HttpClient Client { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        var port = FreePort.Next();
        var options = new FunctionAppHostOptions { Urls = $"http://127.0.0.1:{port}", MasterKey = MasterKey };
        options.FunctionKeys.Add(FunctionKey);
        foreach (var name in new[] { "Echo", "Secret", "AdminThing", "Fails" })
        {
            options.Functions.Add(name);
        }
        _app = FunctionAppHost.Build(typeof(SampleHttpFunctions).Assembly, (services, _) => services.AddSingleton(new Greeter("Hello")), options);
        await _app.StartAsync();
        Client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };
    }

    public async Task DisposeAsync()
    {
        Client.Dispose();
        if (_app is not null)
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
        }
    }
}

public sealed class HttpFunctionTests(HttpFunctionHostFixture host) : IClassFixture<HttpFunctionHostFixture>
{
    [Fact]
    public async Task Echo_PostWithBodyHeadersAndQuery_FunctionSeesTheRequestUnchanged()
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/echo/Ada?x=1&y=two")
        {
            Content = new StringContent("{\"a\":1}", System.Text.Encoding.UTF8, "application/json"),
        };
        request.Headers.Add("X-Custom", "kept");

        using var response = await host.Client.SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var echo = (await response.Content.ReadFromJsonAsync<EchoResponse>())!;
        Assert.Equal("Hello, Ada", echo.Greeting);
        Assert.Equal("Echo", echo.Function);
        Assert.Equal("POST", echo.Method);
        Assert.Equal("application/json; charset=utf-8", echo.ContentType);
        Assert.Equal("{\"a\":1}", echo.Body);
        Assert.Equal("kept", echo.Custom);
        Assert.Equal("?x=1&y=two", echo.Query);
    }

    [Fact]
    public async Task Echo_EmptyBodyWithContentType_ContentTypeReachesTheFunction()
    {
        using var request = new HttpRequestMessage(HttpMethod.Put, "/api/echo/Bo") { Content = new ByteArrayContent([]) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/merge-patch+json");

        using var response = await host.Client.SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var echo = (await response.Content.ReadFromJsonAsync<EchoResponse>())!;
        Assert.Equal("application/merge-patch+json", echo.ContentType);
        Assert.Equal(0, echo.ContentLength);
        Assert.Equal("", echo.Body);
    }

    [Fact]
    public async Task Echo_RouteConstraintNotMet_Is404ProblemDetails()
    {
        using var response = await host.Client.PostAsync("/api/echo/123", new StringContent("x"));

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    [Theory]
    [InlineData(null, "carries none")]
    [InlineData("wrong", "is not one")]
    public async Task Secret_WithoutAValidKey_Is401NamingTheKeyItNeeds(string? key, string why)
    {
        using var response = await host.Client.GetAsync("/api/secret" + (key is null ? "" : "?code=" + key));

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var detail = (string)JsonNode.Parse(await response.Content.ReadAsStringAsync())!["detail"]!;
        Assert.Contains("Function Secret requires a function key or the master key", detail);
        Assert.Contains(why, detail);
        Assert.Contains("x-functions-key", detail);
    }

    [Theory]
    [InlineData(HttpFunctionHostFixture.FunctionKey, true)]
    [InlineData(HttpFunctionHostFixture.MasterKey, false)]
    public async Task Secret_WithAFunctionOrMasterKey_RunsTheFunctionAndExecutesItsIResult(string key, bool inHeader)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, inHeader ? "/api/secret" : "/api/secret?code=" + key);
        if (inHeader)
        {
            request.Headers.Add("x-functions-key", key);
        }

        using var response = await host.Client.SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.True((bool)JsonNode.Parse(await response.Content.ReadAsStringAsync())!["secret"]!);
    }

    [Fact]
    public async Task AdminThing_WithAFunctionKey_Is401NamingTheMasterKey()
    {
        using var response = await host.Client.GetAsync($"/api/admin/things/7?code={HttpFunctionHostFixture.FunctionKey}");

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        var detail = (string)JsonNode.Parse(await response.Content.ReadAsStringAsync())!["detail"]!;
        Assert.Contains("Function AdminThing requires the master key", detail);
    }

    [Fact]
    public async Task AdminThing_WithTheMasterKey_BindsTheIntRouteParameter()
    {
        using var response = await host.Client.GetAsync($"/api/admin/things/7?code={HttpFunctionHostFixture.MasterKey}");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(7, (int)JsonNode.Parse(await response.Content.ReadAsStringAsync())!["id"]!);
    }

    [Fact]
    public async Task Fails_FunctionThrows_Is500ProblemDetailsWithoutInternals()
    {
        using var response = await host.Client.GetAsync("/api/Fails");

        Assert.Equal(HttpStatusCode.InternalServerError, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var body = await response.Content.ReadAsStringAsync();
        Assert.Contains("Function Fails failed", body);
        Assert.DoesNotContain("secret internals", body);
    }
}

public sealed class FunctionKeySettingsTests
{
    [Theory]
    [InlineData("function-key-from-settings", HttpStatusCode.OK)]
    [InlineData("master-key-from-settings", HttpStatusCode.OK)]
    [InlineData("another-key", HttpStatusCode.Unauthorized)]
    public async Task Secret_KeysFromAppSettings_OpenTheFunctionAsKeysFromOptionsDo(string key, HttpStatusCode expected)
    {
        var port = FreePort.Next();
        var options = new FunctionAppHostOptions { Urls = $"http://127.0.0.1:{port}" };
        options.Functions.Add("Secret");
        options.Settings["FunctionAppHost__MasterKey"] = "master-key-from-settings";
        options.Settings["FunctionAppHost__FunctionKeys__0"] = "function-key-from-settings";
        await using var app = FunctionAppHost.Build(typeof(SampleHttpFunctions).Assembly, (services, _) => services.AddSingleton(new Greeter("Hi")), options);
        await app.StartAsync();
        using var client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };

        using var response = await client.GetAsync("/api/secret?code=" + key);
        await app.StopAsync();

        Assert.Equal(expected, response.StatusCode);
    }
}

public sealed class FunctionDiscoveryTests
{
    [Theory]
    [InlineData(typeof(UnbindableParameterFunction), "Function Unbindable", "parameter 'notBindable' of type Uri cannot be bound")]
    [InlineData(typeof(UnknownTriggerFunction), "Function FromSomewhere", "the trigger SomewhereTriggerAttribute is not supported")]
    [InlineData(typeof(WrongTimerParameterFunction), "Function WrongTimer", "must be TimerInfo")]
    [InlineData(typeof(NoTriggerFunction), "Function NoTrigger", "no parameter carries a trigger attribute")]
    public void Discover_FunctionTheHostCannotServe_FailsNamingTheFunction(Type type, string names, string says)
    {
        var ex = Assert.Throws<FunctionAppHostException>(() => FunctionCatalog.Discover([type]));

        Assert.Contains(names, ex.Message);
        Assert.Contains(says, ex.Message);
    }

    [Fact]
    public void Discover_TestAssembly_FindsThePublicSampleFunctionsWithTheirTriggers()
    {
        var catalog = FunctionCatalog.Discover(typeof(SampleHttpFunctions).Assembly);

        var echo = Assert.Single(catalog.Functions, f => f.Name == "Echo");
        var trigger = Assert.IsType<HttpFunctionTrigger>(echo.Trigger);
        Assert.Equal("echo/{name:alpha}", trigger.Route);
        Assert.Equal(["POST", "PUT"], trigger.Methods);
        Assert.DoesNotContain(catalog.Functions, f => f.Name == "Unbindable");
    }

    [Fact]
    public void Describe_TestAssembly_ListsEachFunctionInFunctionsMetadataTerms()
    {
        var functions = FunctionAppHost.Describe(typeof(SampleHttpFunctions).Assembly).ToDictionary(f => f.Name);

        Assert.Equal(["AdminThing", "CallChild", "Child", "Echo", "Fails", "Greet", "GreetAfterBake", "SampleTick", "Secret", "StartGreeting"], functions.Keys.Order());
        var echo = functions["Echo"];
        Assert.Equal(("httpTrigger", "echo/{name:alpha}", "Anonymous"), (echo.TriggerType, echo.Route, echo.AuthLevel));
        Assert.Equal(typeof(SampleHttpFunctions).FullName + ".Echo", echo.EntryPoint);
        Assert.Equal("Fails", functions["Fails"].Route);
        Assert.Equal(("timerTrigger", "%Samples:TickSchedule%"), (functions["SampleTick"].TriggerType, functions["SampleTick"].Schedule));
        Assert.Equal("orchestrationTrigger", functions["GreetAfterBake"].TriggerType);
        Assert.Equal("activityTrigger", functions["Greet"].TriggerType);
    }
}
