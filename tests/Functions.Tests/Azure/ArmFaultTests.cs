using Azure;
using Azure.Core;
using Azure.Core.Diagnostics;
using Blueshift.Functions.Azure.AppService;
using Blueshift.Functions.Azure.Monitor;
using Blueshift.Functions.Azure.ResourceManager;
using Xunit;

namespace Blueshift.Functions.Tests.Azure;

/// <summary>Faults on a real local HTTP server: throttling, server errors, conflicts and failed operations.</summary>
public sealed class ArmFaultTests : IAsyncLifetime
{
    private static readonly SiteId Site = new("00000000-0000-0000-0000-000000000001", "rg", "shop");
    private const string Token = "fault-test-secret-token";
    private const string SiteBody = """{"id":"/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/rg/providers/Microsoft.Web/sites/shop","name":"shop","properties":{"state":"Running"}}""";

    private ScriptedArmServer _server = null!;
    private RecordingTimeProvider _clock = null!;
    private WebSitesClient _client = null!;

    public async Task InitializeAsync()
    {
        _server = await ScriptedArmServer.StartAsync();
        _clock = new RecordingTimeProvider();
        _client = new WebSitesClient(new StaticTokenCredential(Token), new AppServiceClientOptions { Endpoint = _server.Endpoint, TimeProvider = _clock });
    }

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [Fact]
    public async Task GetSiteAsync_429WithRetryAfter_RetriesAfterExactlyTheRequestedWait()
    {
        _server.RespondInOrder(
            ScriptedResponse.Json(429, """{"error":{"code":"TooManyRequests","message":"Slow down."}}""", ("Retry-After", "7")),
            new ScriptedResponse(200, SiteBody));

        var site = await _client.GetSiteAsync(Site);

        Assert.Equal("Running", site.State);
        Assert.Equal(2, _server.Requests.Count);
        Assert.Equal([TimeSpan.FromSeconds(7)], _clock.RequestedWaits);
    }

    [Fact]
    public async Task GetSiteAsync_RetryAfterMs_HonoursMilliseconds()
    {
        _server.RespondInOrder(new ScriptedResponse(429, null, new Dictionary<string, string> { ["retry-after-ms"] = "2500" }), new ScriptedResponse(200, SiteBody));

        await _client.GetSiteAsync(Site);

        Assert.Equal([TimeSpan.FromMilliseconds(2500)], _clock.RequestedWaits);
    }

    [Theory]
    [InlineData(500)]
    [InlineData(502)]
    [InlineData(503)]
    [InlineData(504)]
    public async Task GetSiteAsync_TransientServerError_RetriesWithBackOff(int status)
    {
        _server.RespondInOrder(new ScriptedResponse(status), new ScriptedResponse(200, SiteBody));

        var site = await _client.GetSiteAsync(Site);

        Assert.Equal("shop", site.Name);
        Assert.Equal(2, _server.Requests.Count);
        var wait = Assert.Single(_clock.RequestedWaits);
        Assert.InRange(wait, TimeSpan.FromMilliseconds(1), new ClientOptionsForDefaults().Retry.MaxDelay);
    }

    [Fact]
    public async Task GetSiteAsync_ServerErrorPersists_ThrowsAfterMaxRetries()
    {
        _server.RespondInOrder(ScriptedResponse.Json(503, """{"error":{"code":"ServiceUnavailable","message":"Try later."}}"""));

        var error = await Assert.ThrowsAsync<RequestFailedException>(() => _client.GetSiteAsync(Site));

        Assert.Equal((503, "ServiceUnavailable"), (error.Status, error.ErrorCode));
        Assert.Equal(4, _server.Requests.Count);
        Assert.Equal(3, _clock.RequestedWaits.Count);
    }

    [Fact]
    public async Task GetSiteAsync_UnexpectedStatus_ThrowsRequestFailedException()
    {
        _server.RespondInOrder(new ScriptedResponse(204));

        var error = await Assert.ThrowsAsync<RequestFailedException>(() => _client.GetSiteAsync(Site));

        Assert.Equal(204, error.Status);
        Assert.Contains("Getting " + Site, error.Message);
    }

    [Fact]
    public async Task StartSwapAsync_SwapAlreadyRunning_Throws409WithArmCodeAndDoesNotRetry()
    {
        _server.RespondInOrder(ScriptedResponse.Json(409, """{"error":{"code":"Conflict","message":"Cannot modify this site because another operation is in progress."}}"""));

        var error = await Assert.ThrowsAsync<RequestFailedException>(() => _client.StartSwapAsync(Site.WithSlot("staging")));

        Assert.Equal((409, "Conflict"), (error.Status, error.ErrorCode));
        Assert.Contains("another operation is in progress", error.Message);
        Assert.Single(_server.Requests);
    }

    [Fact]
    public async Task StartSwapAsync_MicrosoftWebPascalCaseError_ReadsCodeAndMessage()
    {
        _server.RespondInOrder(ScriptedResponse.Json(409, """{"Code":"Conflict","Message":"There is a swap operation in progress.","Target":null}"""));

        var error = await Assert.ThrowsAsync<RequestFailedException>(() => _client.StartSwapAsync(Site.WithSlot("staging")));

        Assert.Equal("Conflict", error.ErrorCode);
        Assert.Contains("There is a swap operation in progress.", error.Message);
    }

    [Fact]
    public async Task StartSwapAsync_ServerError_IsNotRetriedBecauseASwapMayHaveStarted()
    {
        _server.RespondInOrder(new ScriptedResponse(500), new ScriptedResponse(200));

        var error = await Assert.ThrowsAsync<RequestFailedException>(() => _client.StartSwapAsync(Site.WithSlot("staging")));

        Assert.Equal(500, error.Status);
        Assert.Single(_server.Requests);
        Assert.Empty(_clock.RequestedWaits);
    }

    [Fact]
    public async Task StartSwapAsync_Throttled_RetriesAfterRetryAfter()
    {
        var operationUrl = _server.Url("/operations/swap1");
        _server.RespondInOrder(
            new ScriptedResponse(429, null, new Dictionary<string, string> { ["Retry-After"] = "3" }),
            new ScriptedResponse(202, null, new Dictionary<string, string> { ["Location"] = operationUrl, ["Retry-After"] = "10" }));

        var operation = await _client.StartSwapAsync(Site.WithSlot("staging"));

        Assert.Equal(new ArmOperation(operationUrl, ArmOperationStatus.InProgress, null, TimeSpan.FromSeconds(10)), operation);
        Assert.Equal([TimeSpan.FromSeconds(3)], _clock.RequestedWaits);
    }

    [Fact]
    public async Task GetOperationStatusAsync_FailedAsyncOperation_ReportsArmError()
    {
        _server.RespondInOrder(ScriptedResponse.Json(200, """
            {"id":"op1","status":"Failed","error":{"code":"SwapWarmupFailed","message":"The site failed to warm up on slot staging: /health answered 503."}}
            """));

        var operation = await _client.GetOperationStatusAsync(_server.Url("/operations/op1"));

        Assert.Equal(ArmOperationStatus.Failed, operation.Status);
        Assert.True(operation.IsCompleted);
        Assert.Equal(new ArmOperationError("SwapWarmupFailed", "The site failed to warm up on slot staging: /health answered 503."), operation.Error);
        Assert.Equal("SwapWarmupFailed: The site failed to warm up on slot staging: /health answered 503.", operation.Error!.ToString());
    }

    [Fact]
    public async Task GetOperationStatusAsync_CanceledOperation_IsFailed()
    {
        _server.RespondInOrder(ScriptedResponse.Json(200, """{"status":"Canceled"}"""));

        var operation = await _client.GetOperationStatusAsync(_server.Url("/operations/op1"));

        Assert.Equal((ArmOperationStatus.Failed, "Canceled"), (operation.Status, operation.Error!.Code));
    }

    [Fact]
    public async Task GetOperationStatusAsync_LocationAnswers202ThenError_ReportsInProgressThenFailed()
    {
        var first = _server.Url("/operations/loc1");
        var next = _server.Url("/operations/loc1?attempt=2");
        _server.RespondInOrder(
            new ScriptedResponse(202, null, new Dictionary<string, string> { ["Location"] = next, ["Retry-After"] = "5" }),
            ScriptedResponse.Json(400, """{"error":{"code":"DeploymentFailed","message":"Package download failed."}}"""));

        var running = await _client.GetOperationStatusAsync(first);
        var failed = await _client.GetOperationStatusAsync(running.OperationUrl!);

        Assert.Equal(new ArmOperation(next, ArmOperationStatus.InProgress, null, TimeSpan.FromSeconds(5)), running);
        Assert.Equal(new ArmOperation(next, ArmOperationStatus.Failed, new ArmOperationError("DeploymentFailed", "Package download failed.")), failed);
    }

    [Fact]
    public async Task GetOperationStatusAsync_LocationResultWithFailedProvisioningState_IsFailed()
    {
        _server.RespondInOrder(ScriptedResponse.Json(200, """
            {"id":"d1","properties":{"provisioningState":"Failed","message":"The package is not a readable zip."}}
            """));

        var operation = await _client.GetOperationStatusAsync(_server.Url("/operations/d1"));

        Assert.Equal(new ArmOperation(_server.Url("/operations/d1"), ArmOperationStatus.Failed, new ArmOperationError("Failed", "The package is not a readable zip.")), operation);
    }

    [Fact]
    public async Task GetOperationStatusAsync_LocationResultResource_IsSucceeded()
    {
        _server.RespondInOrder(ScriptedResponse.Json(200, """{"id":"d1","properties":{"provisioningState":"Succeeded"}}"""));

        var operation = await _client.GetOperationStatusAsync(_server.Url("/operations/d1"));

        Assert.Equal(ArmOperationStatus.Succeeded, operation.Status);
    }

    [Fact]
    public async Task GetOperationStatusAsync_UnknownOperation_Throws404()
    {
        _server.RespondInOrder(ScriptedResponse.Json(404, """{"error":{"code":"NotFound","message":"Operation not found."}}"""));

        var error = await Assert.ThrowsAsync<RequestFailedException>(() => _client.GetOperationStatusAsync(_server.Url("/operations/gone")));

        Assert.Equal(404, error.Status);
    }

    [Theory]
    [InlineData("https://attacker.example.invalid/operations/op1")]
    [InlineData("/operations/op1")]
    [InlineData("not a url")]
    public async Task GetOperationStatusAsync_UrlOffTheEndpoint_ThrowsWithoutSendingTheToken(string operationUrl)
    {
        await Assert.ThrowsAsync<ArgumentException>(() => _client.GetOperationStatusAsync(operationUrl));

        Assert.Empty(_server.Requests);
    }

    [Fact]
    public async Task Logging_RequestsWithSecrets_NeverWritesTokenOrSettingValues()
    {
        const string SecretValue = "Server=db;Password=hunter2-secret";
        _server.Respond(request => request.Path.EndsWith("/list", StringComparison.Ordinal)
            ? ScriptedResponse.Json(200, "{\"properties\":{\"Db\":\"" + SecretValue + "\"}}")
            : new ScriptedResponse(200, request.Body));
        var events = new List<string>();
        using (new AzureEventSourceListener((e, message) => { lock (events) { events.Add(message + " " + string.Join(' ', e.Payload ?? [])); } }, System.Diagnostics.Tracing.EventLevel.Verbose))
        {
            await _client.SetAppSettingAsync(Site, "Other", "value");
        }

        string all;
        lock (events) { all = string.Join('\n', events); }
        Assert.Contains("Authorization:REDACTED", all);
        Assert.DoesNotContain(Token, all);
        Assert.DoesNotContain("hunter2", all);
    }

    [Fact]
    public void Constructor_ContentLoggingEnabled_IsRefused()
    {
        var options = new AppServiceClientOptions { Endpoint = _server.Endpoint };
        options.Diagnostics.IsLoggingContentEnabled = true;

        var error = Assert.Throws<ArgumentException>(() => new WebSitesClient(new StaticTokenCredential(Token), options));

        Assert.Contains("IsLoggingContentEnabled", error.Message);
    }

    [Fact]
    public void Constructor_AuthorizationHeaderLogged_IsRefused()
    {
        var options = new MetricsClientOptions { Endpoint = _server.Endpoint };
        options.Diagnostics.LoggedHeaderNames.Add("authorization");

        Assert.Throws<ArgumentException>(() => new MetricsClient(new StaticTokenCredential(Token), options));
    }

    [Theory]
    [InlineData("http://management.azure.com")]
    [InlineData("http://10.0.0.5:8080")]
    [InlineData("ftp://127.0.0.1")]
    public void Constructor_PlainHttpOffLoopback_IsRefused(string endpoint)
    {
        Assert.Throws<ArgumentException>(() => new WebSitesClient(new StaticTokenCredential(Token), new AppServiceClientOptions { Endpoint = new Uri(endpoint) }));
    }

    [Fact]
    public void Constructor_DefaultOptions_TargetsPublicArm()
    {
        var client = new WebSitesClient(new StaticTokenCredential(Token));

        Assert.Equal(new Uri("https://management.azure.com"), client.Endpoint);
    }

    private sealed class ClientOptionsForDefaults : ClientOptions;
}
