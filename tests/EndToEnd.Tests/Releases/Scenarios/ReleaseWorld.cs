using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Blueshift.AppServiceEmulator;
using Blueshift.LocalFunctionsHost.Blueshift;
using Blueshift.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Logging;
using Xunit;

namespace Blueshift.EndToEnd.Tests.Releases.Scenarios;

/// <summary>
/// One world a user of Blueshift lives in: Blueshift's function app under the local Functions host (keys checked, Easy
/// Auth played by the tests), its storage and task hub on Azurite, App Service on the emulator over real HTTP (a site
/// "shop" with a staging slot and production serving 1.0.0 to steady users), and a chat webhook that receives
/// notifications. Everything happens in real time through the HTTP API; durations are seconds, set under both the
/// reconciler's settings (<c>Blueshift:Releases</c>) and the orchestrations' (<c>Blueshift:Releases:Orchestration</c>), so
/// the same scenarios hold whichever runs the releases.
/// </summary>
internal sealed class ReleaseWorld : IAsyncDisposable
{
    public const string App = "shop";
    public const string PipelineId = "ci-pipeline";
    public const string PipelineRole = "Blueshift.Releaser";
    public const string Contact = "ops-oncall@shop.example";
    public const string Subscription = "00000000-0000-0000-0000-00000000e2e5";
    public const string ResourceGroup = "rg-shop";

    /// <summary>How long any awaited condition may take. A healthy release here takes about 20 s.</summary>
    public static readonly TimeSpan Bound = TimeSpan.FromSeconds(120);

    /// <summary>Synthetic users per site, enough for every bake of 2 s to see at least the minimum requests per slot.</summary>
    public const int RequestsPerSecond = 60;

    /// <summary>Fewer requests than this in a window make an analysis inconclusive (per app; the default 100 is for minutes).</summary>
    public const int MinimumRequests = 20;

    private const string HostKey = "host-key-for-the-release-scenarios";
    private const string MasterKey = "master-key-for-the-release-scenarios";
    private const string ArmApiVersion = "2024-04-01";

    private static readonly TimeSpan PollEvery = TimeSpan.FromMilliseconds(250);

    private readonly List<SteadyLoad> _loads = [];
    private readonly Dictionary<string, EmulatedSite> _sites = new(StringComparer.Ordinal);
    private WebApplication? _host;
    private HttpClient _http = null!;
    private HttpClient _arm = null!;

    private ReleaseWorld()
    {
    }

    public AppServiceEmulatorServer Emulator { get; private set; } = null!;

    /// <summary>The site of the app "shop".</summary>
    public EmulatedSite Site => _sites[App];

    public WebhookReceiver Webhook { get; private set; } = null!;

    /// <param name="settings">App settings on top of the world's (e.g. <c>Blueshift__Releases__RollbackWindowAfterSuccess</c>).</param>
    /// <param name="postSwapWatch">The app's post-swap watch (ISO 8601), when a scenario needs to act during it.</param>
    /// <param name="operationsComplete">Whether the emulated Azure ever finishes a long-running operation (deployment, swap).</param>
    public static async Task<ReleaseWorld> StartAsync(
        AzuriteFixture azurite, IReadOnlyDictionary<string, string>? settings = null, string? postSwapWatch = null, bool operationsComplete = true)
    {
        var world = new ReleaseWorld();
        try
        {
            await world.InitializeAsync(azurite, settings ?? new Dictionary<string, string>(), operationsComplete);
            await world.AddAppAsync(App, postSwapWatch);
            return world;
        }
        catch
        {
            await world.DisposeAsync();
            throw;
        }
    }

    private async Task InitializeAsync(AzuriteFixture azurite, IReadOnlyDictionary<string, string> overrides, bool operationsComplete)
    {
        Emulator = await AppServiceEmulatorServer.StartAsync(new EmulatorOptions
        {
            SimulateLatency = false,
            OperationPollsToComplete = operationsComplete ? 2 : int.MaxValue,
            OperationDuration = operationsComplete ? TimeSpan.FromSeconds(1) : TimeSpan.FromDays(365),
        });
        Webhook = await WebhookReceiver.StartAsync();
        _arm = new HttpClient { BaseAddress = Emulator.ArmEndpoint, Timeout = TimeSpan.FromSeconds(30) };
        _arm.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", "scenario-reader");

        var values = new JsonObject
        {
            ["AzureWebJobsStorage"] = azurite.ConnectionString,
            ["FUNCTIONS_WORKER_RUNTIME"] = "dotnet-isolated",
            ["Blueshift__TaskHub"] = AzuriteFixture.UniqueName("hub"),
            ["Blueshift__Api__AppsTable"] = AzuriteFixture.UniqueName("apps"),
            ["Blueshift__Api__AllowLoopbackHttp"] = "true",
            ["Blueshift__Audit__TableName"] = AzuriteFixture.UniqueName("audit"),
            ["Blueshift__Alerts__TableName"] = AzuriteFixture.UniqueName("alerts"),
            ["Blueshift__Azure__ResourceManagerEndpoint"] = Emulator.ArmEndpoint.ToString(),
            ["Blueshift__Azure__Credential"] = "Development",
            // People sign in through App Service Authentication; the pipeline calls with the function key alone.
            ["Blueshift__Security__AppServiceAuthentication"] = "true",
            ["Blueshift__Security__FunctionKeyCallerId"] = PipelineId,
            ["Blueshift__Security__FunctionKeyCallerRoles__0"] = PipelineRole,

            // The releases API's settings and policy defaults (steps, rollback window, extensions).
            ["Blueshift__Releases__TableName"] = AzuriteFixture.UniqueName("rel"),
            ["Blueshift__Releases__SlotScheme"] = "http",
            ["Blueshift__Releases__WeeklyCodeFreeze"] = "false",
            ["Blueshift__Releases__TrafficSteps__0"] = "50",
            ["Blueshift__Releases__TrafficSteps__1"] = "100",
            ["Blueshift__Releases__RollbackWindowAfterSuccess"] = "00:30:00",
            ["Blueshift__Releases__MaxInconclusiveExtensions"] = "3",

            // The orchestrations' settings, at a metric grain of one second so that bakes of seconds have whole grains to judge.
            ["Blueshift__Releases__Orchestration__BakeTime"] = "00:00:02",
            ["Blueshift__Releases__Orchestration__PostSwapWatch"] = "00:00:02",
            ["Blueshift__Releases__Orchestration__WarmUp"] = "00:00:00.500",
            ["Blueshift__Releases__Orchestration__ProbeInterval"] = "00:00:00.500",
            ["Blueshift__Releases__Orchestration__PollInterval"] = "00:00:00.500",
            ["Blueshift__Releases__Orchestration__SwapSettleTime"] = "00:00:03",
            ["Blueshift__Releases__Orchestration__RetryInterval"] = "00:00:00.500",
            ["Blueshift__Releases__Orchestration__MaxRetryInterval"] = "00:00:04",
            ["Blueshift__Releases__Orchestration__MetricGrain"] = "00:00:01",
            ["Blueshift__Releases__Orchestration__BaselineWindow"] = "00:00:10",
            ["Blueshift__Releases__Orchestration__Contact"] = Contact,
        };
        foreach (var (name, value) in overrides)
        {
            values[name] = value;
        }
        var file = new JsonObject
        {
            ["IsEncrypted"] = false,
            ["Values"] = values,
            ["Keys"] = new JsonObject { ["Master"] = MasterKey, ["Host"] = new JsonObject { ["default"] = HostKey } },
        };
        var settingsPath = Path.Combine(Directory.CreateTempSubdirectory("blueshift-scenario-").FullName, "local.settings.json");
        await File.WriteAllTextAsync(settingsPath, file.ToJsonString());

        var port = FreePort.Next();
        _host = BlueshiftLocalHost.Build(new LocalHostOptions(settingsPath, port, new Dictionary<string, string>()), logging => logging.ClearProviders());
        await _host.StartAsync();
        _http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}"), Timeout = TimeSpan.FromSeconds(60) };
        _http.DefaultRequestHeaders.Add("x-functions-key", HostKey);
    }

    /// <summary>
    /// Another managed app: its own site (production serving 1.0.0, stamped by an earlier release, and a staging slot),
    /// registered over the API with the chat webhook for notifications, and steady users warming production up.
    /// </summary>
    public async Task<EmulatedSite> AddAppAsync(string name, string? postSwapWatch = null)
    {
        var site = await Emulator.CreateSiteAsync(Subscription, ResourceGroup, name, ["staging"], new AppBehaviour("1.0.0"));
        Emulator.SetAppSettings(site.Production, new Dictionary<string, string>
        {
            ["BLUESHIFT_RELEASE_ID"] = "rel-20251201T220000-previous",
            ["BLUESHIFT_RELEASE_VERSION"] = "1.0.0",
        });
        _sites[name] = site;

        var policy = new JsonObject { ["minimumRequests"] = MinimumRequests };
        if (postSwapWatch is not null)
        {
            policy["postSwapWatch"] = postSwapWatch;
        }
        var registered = await SendAsync(HttpMethod.Put, $"/api/apps/{name}", ApiCaller.Administrator, new JsonObject
        {
            ["resourceId"] = site.ResourceId,
            ["stagingSlot"] = "staging",
            ["healthCheckPath"] = "/health",
            ["policy"] = policy,
            ["notifications"] = new JsonArray(new JsonObject { ["kind"] = "webhook", ["endpoint"] = Webhook.Endpoint.ToString() }),
        });
        Assert.True(registered.Status is HttpStatusCode.Created or HttpStatusCode.OK, $"Registering {name}: {registered}");

        _loads.Add(new SteadyLoad(Emulator, site, RequestsPerSecond));
        await WaitUntilAsync(() => Task.FromResult(ServedBy(site, "1.0.0") >= RequestsPerSecond), $"production of {name} to serve its first users");
        return site;
    }

    /// <summary>The body of <c>POST /api/releases</c> for a package of <paramref name="version"/> uploaded to the emulator.</summary>
    /// <remarks>
    /// A hotfix under a standard change by default: it needs no approval and passes any deployment window and freeze, so
    /// the scenarios do not depend on the day of the week (the window gate reads the real clock).
    /// </remarks>
    public JsonObject ReleaseBody(string version, AppBehaviour? behaviour = null, string app = App, string releaseType = "Hotfix", string changeClass = "Standard")
    {
        var package = Emulator.PutPackage($"{app}-{version}-{Guid.NewGuid():N}.zip", SamplePackage.Create(behaviour ?? new AppBehaviour(version)));
        return new JsonObject
        {
            ["app"] = app,
            ["version"] = version,
            ["package"] = package.ToString(),
            ["releaseType"] = releaseType,
            ["changeClass"] = changeClass,
        };
    }

    /// <summary><c>POST /api/releases</c>, answered as it comes.</summary>
    public Task<ApiAnswer> RequestReleaseAsync(JsonObject body, ApiCaller? caller = null, string? idempotencyKey = null) =>
        SendAsync(HttpMethod.Post, "/api/releases", caller ?? ApiCaller.Pipeline, body,
            idempotencyKey is null ? null : new Dictionary<string, string> { ["Idempotency-Key"] = idempotencyKey });

    /// <summary>Starts a release and expects it accepted (202 with its Location).</summary>
    public async Task<ReleaseResource> StartReleaseAsync(JsonObject body, ApiCaller? caller = null)
    {
        var answer = await RequestReleaseAsync(body, caller);
        Assert.True(answer.Status == HttpStatusCode.Accepted, $"Starting {body["version"]}: {answer}");
        var release = answer.Release;
        Assert.Equal($"/api/releases/{release.Id}", answer.Header("Location"));
        return release;
    }

    public async Task<ReleaseResource> GetReleaseAsync(string id)
    {
        var answer = await SendAsync(HttpMethod.Get, $"/api/releases/{id}", ApiCaller.Pipeline);
        Assert.True(answer.Status == HttpStatusCode.OK, $"Reading {id}: {answer}");
        return answer.Release;
    }

    public async Task<IReadOnlyList<ReleaseResource>> ListReleasesAsync(string app, string? status = null)
    {
        var answer = await SendAsync(HttpMethod.Get, $"/api/releases?app={app}" + (status is null ? "" : $"&status={status}"), ApiCaller.Pipeline);
        Assert.True(answer.Status == HttpStatusCode.OK, $"Listing releases of {app}: {answer}");
        return answer.As<List<ReleaseResource>>();
    }

    /// <summary>Polls the release until <paramref name="until"/> holds; fails after <see cref="Bound"/> saying what was awaited.</summary>
    /// <param name="eachPoll">Looks at every state polled on the way (for "never" assertions).</param>
    public async Task<ReleaseResource> WaitForAsync(string id, Func<ReleaseResource, bool> until, string awaited, Func<ReleaseResource, Task>? eachPoll = null)
    {
        ReleaseResource? last = null;
        using var bound = new CancellationTokenSource(Bound);
        while (!bound.IsCancellationRequested)
        {
            last = await GetReleaseAsync(id);
            if (eachPoll is not null)
            {
                await eachPoll(last);
            }
            if (until(last))
            {
                return last;
            }
            await Task.Delay(PollEvery, CancellationToken.None);
        }
        Assert.Fail($"Waited {Bound.TotalSeconds:0} s for {awaited}, in vain. Last seen: {last?.Story}");
        throw new InvalidOperationException("Unreachable.");
    }

    public Task<ReleaseResource> WaitUntilEndedAsync(string id, Func<ReleaseResource, Task>? eachPoll = null) =>
        WaitForAsync(id, r => r.HasEnded, $"release {id} to end", eachPoll);

    /// <summary>Waits until the release is baking a traffic step: production traffic goes to the new version.</summary>
    public Task<ReleaseResource> WaitUntilTakingTrafficAsync(string id) =>
        WaitForAsync(id, r => r.HasEnded || (r.Phase == "Shifting" && r.TrafficPercent > 0), $"release {id} to bake a traffic step");

    /// <summary>Asserts how the release ended, showing its story when it ended otherwise.</summary>
    public static void AssertEnded(ReleaseResource release, string status) =>
        Assert.True(release.Status == status, $"Expected {status}: {release.Story}");

    /// <summary>Starts a release of <paramref name="version"/> and waits for it to end.</summary>
    public async Task<ReleaseResource> ReleaseToTheEndAsync(string version, string app = App)
    {
        var started = await StartReleaseAsync(ReleaseBody(version, app: app));
        return await WaitUntilEndedAsync(started.Id);
    }

    /// <summary><c>POST /api/releases/{id}/{abort|promote|rollback}</c>.</summary>
    public Task<ApiAnswer> CommandAsync(string id, string command, string? reason = null, ApiCaller? caller = null) =>
        SendAsync(HttpMethod.Post, $"/api/releases/{id}/{command}", caller ?? ApiCaller.Pipeline,
            reason is null ? null : new JsonObject { ["reason"] = reason });

    public Task<ApiAnswer> ApproveAsync(string id, ApiCaller caller, string role, string? comment = null)
    {
        var body = new JsonObject { ["role"] = role };
        if (comment is not null)
        {
            body["comment"] = comment;
        }
        return SendAsync(HttpMethod.Post, $"/api/releases/{id}/approvals", caller, body);
    }

    /// <summary>The app's audit trail of the last day, oldest first.</summary>
    public async Task<IReadOnlyList<AuditEntry>> AuditAsync(string app = App)
    {
        var answer = await SendAsync(HttpMethod.Get, $"/api/audit?app={app}", ApiCaller.Pipeline);
        Assert.True(answer.Status == HttpStatusCode.OK, $"Reading the audit of {app}: {answer}");
        return answer.As<AuditPageResource>().Records;
    }

    /// <summary>Audit records are written beside the state a call answers with: waits until the trail holds what is expected.</summary>
    public async Task<IReadOnlyList<AuditEntry>> WaitForAuditAsync(Func<IReadOnlyList<AuditEntry>, bool> until, string awaited, string app = App)
    {
        IReadOnlyList<AuditEntry> records = [];
        await WaitUntilAsync(async () => until(records = await AuditAsync(app)), awaited);
        return records;
    }

    /// <summary>An Azure Monitor alert (common alert schema) fired on the site, delivered to the webhook with the function key.</summary>
    public Task<ApiAnswer> FireAlertAsync(EmulatedSite site, string severity = "Sev1")
    {
        var body = JsonNode.Parse(File.ReadAllText(RepositoryPaths.InReference("alerts", "sample-alert-payload.json")))!.AsObject();
        var essentials = body["data"]!["essentials"]!.AsObject();
        essentials["alertId"] = $"/subscriptions/{Subscription}/providers/Microsoft.AlertsManagement/alerts/{Guid.NewGuid()}";
        essentials["alertRule"] = "shop-http-5xx";
        essentials["severity"] = severity;
        essentials["monitorCondition"] = "Fired";
        essentials["alertTargetIDs"] = new JsonArray(site.ResourceId);
        essentials["configurationItems"] = new JsonArray(site.Name);
        essentials.Remove("resolvedDateTime");
        return SendAsync(HttpMethod.Post, "/api/alerts", caller: null, body);
    }

    /// <summary>The share of production traffic the site's routing rule sends to other slots, read over ARM as an operator would.</summary>
    public async Task<double> RoutedAwayPercentAsync(EmulatedSite site)
    {
        var path = $"subscriptions/{site.SubscriptionId}/resourceGroups/{site.ResourceGroup}/providers/Microsoft.Web/sites/{site.Name}/config/web?api-version={ArmApiVersion}";
        using var response = await _arm.GetAsync(path);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"Reading the routing rule of {site.Name}: {(int)response.StatusCode} {body}");
        var rules = JsonNode.Parse(body)?["properties"]?["experiments"]?["rampUpRules"] as JsonArray ?? [];
        return rules.Sum(r => r?["reroutePercentage"]?.GetValue<double>() ?? 0);
    }

    /// <summary>What production answers a user without a routing cookie: the version that served each of a few requests.</summary>
    public async Task<IReadOnlyDictionary<string, int>> ProductionServesAsync(EmulatedSite site, int requests = 40) =>
        (await Emulator.Traffic.SendAsync(site, requests)).ByVersion;

    /// <summary>The site's swaps, as the emulated App Service recorded them.</summary>
    public IReadOnlyList<SwapRecord> Swaps(EmulatedSite site) =>
        Emulator.SwapLog.Snapshot().Where(s => s.Site == site.Name).ToList();

    /// <summary>How many user requests (health checks aside) <paramref name="version"/> of the site has served.</summary>
    public int ServedBy(EmulatedSite site, string version) =>
        Emulator.TrafficLog.Snapshot().Count(r => r.Site == site.Name && r.Version == version && !r.IsHealthCheck);

    /// <summary>Notifications the chat webhook received about the release.</summary>
    public IReadOnlyList<JsonElement> NotificationsOf(string releaseId) =>
        Webhook.Received.Where(n => n.TryGetProperty("releaseId", out var id) && id.GetString() == releaseId).ToList();

    public async Task<JsonElement> WaitForNotificationAsync(string releaseId)
    {
        await WaitUntilAsync(() => Task.FromResult(NotificationsOf(releaseId).Count > 0), $"a notification about {releaseId}");
        return NotificationsOf(releaseId)[0];
    }

    /// <summary>Polls <paramref name="condition"/> until it holds; fails after <see cref="Bound"/> saying what was awaited.</summary>
    public static async Task WaitUntilAsync(Func<Task<bool>> condition, string awaited)
    {
        using var bound = new CancellationTokenSource(Bound);
        while (!await condition())
        {
            if (bound.IsCancellationRequested)
            {
                Assert.Fail($"Waited {Bound.TotalSeconds:0} s for {awaited}, in vain.");
            }
            await Task.Delay(PollEvery, CancellationToken.None);
        }
    }

    public async Task<ApiAnswer> SendAsync(HttpMethod method, string path, ApiCaller? caller, JsonNode? body = null, IReadOnlyDictionary<string, string>? headers = null)
    {
        using var request = new HttpRequestMessage(method, path);
        if (caller is { IsPerson: true })
        {
            request.Headers.Add("X-MS-CLIENT-PRINCIPAL", caller.PrincipalHeader());
        }
        foreach (var (name, value) in headers ?? new Dictionary<string, string>())
        {
            request.Headers.Add(name, value);
        }
        if (body is not null)
        {
            request.Content = new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json");
        }
        using var response = await _http.SendAsync(request);
        return await ApiAnswer.ReadAsync(response);
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var load in _loads)
        {
            await load.DisposeAsync();
        }
        if (_host is not null)
        {
            await _host.StopAsync();
            await _host.DisposeAsync();
        }
        _http?.Dispose();
        _arm?.Dispose();
        if (Webhook is not null)
        {
            await Webhook.DisposeAsync();
        }
        if (Emulator is not null)
        {
            await Emulator.DisposeAsync();
        }
    }
}
