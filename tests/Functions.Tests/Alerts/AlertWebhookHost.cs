using Azure.Core;
using Azure.Data.Tables;
using Blueshift.AppServiceEmulator;
using Blueshift.Functions.Alerts;
using Blueshift.Functions.Apps;
using Blueshift.Functions.Audit;
using Blueshift.Functions.Azure.ResourceManager;
using Blueshift.Functions.Releases;
using Blueshift.Functions.Security;
using Blueshift.Testing;
using Blueshift.Functions.Releases.Orchestration;
using Microsoft.Extensions.DependencyInjection;
using Xunit;

namespace Blueshift.Functions.Tests.Alerts;

/// <summary>
/// Blueshift's functions (alert webhook, releases API, app registry, audit trail) in process through their [Function]
/// entry points, against Azurite and the App Service emulator, on a manual clock; the release orchestrations run on the
/// in-memory DurableTaskTestHost with the app's own services, in real time at durations of a fraction of a
/// second. Two hosts built on the same tables act as two instances.
/// </summary>
internal sealed class AlertWebhookHost : IAsyncDisposable
{
    public const string FunctionKey = "alerts-test-key-0123456789";
    public const string Subscription = "00000000-0000-0000-0000-00000000a1e7";
    public const string ResourceGroup = "rg-shop";

    private static readonly Caller Releaser = new("release-bot", "Release bot", new HashSet<string>([Roles.Releaser]));

    private readonly FunctionsTestHost _app;

    private AlertWebhookHost(FunctionsTestHost app, HttpClient client, Tables tables)
    {
        _app = app;
        Client = client;
        TableNames = tables;
    }

    public HttpClient Client { get; }

    public Tables TableNames { get; }

    public IReleaseService Releases => _app.Services.GetRequiredService<IReleaseService>();

    public IManagedAppStore Apps => _app.Services.GetRequiredService<IManagedAppStore>();

    public IAuditTrail Audit => _app.Services.GetRequiredService<IAuditTrail>();

    public sealed record Tables(string Alerts, string Releases, string Apps, string Audit)
    {
        public static Tables Unique() => new(
            AzuriteFixture.UniqueName("alerts"), AzuriteFixture.UniqueName("releases"), AzuriteFixture.UniqueName("apps"), AzuriteFixture.UniqueName("audit"));
    }

    public static async Task<AlertWebhookHost> StartAsync(
        AzuriteFixture azurite,
        AppServiceEmulatorServer emulator,
        TimeProvider time,
        Tables? tables = null,
        IDictionary<string, string?>? settings = null,
        AlertWebhookHost? sameTaskHubAs = null)
    {
        tables ??= Tables.Unique();
        var all = new Dictionary<string, string?>
        {
            ["AzureWebJobsStorage"] = azurite.ConnectionString,
            [$"{AuditOptions.SectionName}:TableName"] = tables.Audit,
            [$"{AlertWebhookOptions.SectionName}:TableName"] = tables.Alerts,
            [$"{AlertWebhookOptions.SectionName}:FunctionKeys:0"] = FunctionKey,
            [$"{ReleaseOptions.SectionName}:TableName"] = tables.Releases,
            [$"{ReleaseOptions.SectionName}:WeeklyCodeFreeze"] = "false",
            ["Blueshift:Api:AppsTable"] = tables.Apps,
            ["Blueshift:Azure:ResourceManagerEndpoint"] = emulator.ArmEndpoint.ToString(),
            ["Blueshift:Azure:Credential"] = "Development",
            [$"{ReleaseOptions.SectionName}:SlotScheme"] = "http",
            // A release reaches its first traffic step in moments and then bakes far longer than any test.
            [$"{ReleaseOrchestrationOptions.SectionName}:WarmUp"] = "00:00:00.100",
            [$"{ReleaseOrchestrationOptions.SectionName}:PollInterval"] = "00:00:00.200",
            [$"{ReleaseOrchestrationOptions.SectionName}:ProbeInterval"] = "00:00:00.200",
            [$"{ReleaseOrchestrationOptions.SectionName}:RetryInterval"] = "00:00:00.200",
            [$"{ReleaseOrchestrationOptions.SectionName}:MaxRetryInterval"] = "00:00:01",
            [$"{ReleaseOrchestrationOptions.SectionName}:BakeTime"] = "00:10:00",
            [$"{ReleaseOrchestrationOptions.SectionName}:BaselineWindow"] = "00:01:00",
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            all[key] = value;
        }
        void TestServices(IServiceCollection services)
        {
            services.AddSingleton(time);
            services.AddSingleton<TokenCredential>(StaticTokenCredential.Development());
            // The registry without the routing snapshot's refresh delay, so a test's registration is seen at once.
            services.AddSingleton<IManagedAppStore>(new TableManagedAppStore(new TableClient(azurite.ConnectionString, tables.Apps)));
        }
        var host = Api.ApiHost.Functions(all, TestServices, sameTaskHubAs?._app.Services.GetRequiredService<Microsoft.DurableTask.Client.DurableTaskClient>());
        return new AlertWebhookHost(host, host.CreateClient(), tables);
    }

    /// <summary>Creates an emulated site with a staging slot and registers it as a managed app.</summary>
    public async Task<ManagedApp> RegisterAppAsync(AppServiceEmulatorServer emulator, string name, string? alertSeverityThreshold = null)
    {
        await emulator.CreateSiteAsync(Subscription, ResourceGroup, name, ["staging"]);
        var app = new ManagedApp(name, SiteId(name), Policy: alertSeverityThreshold is null ? null : new AppPolicyOverrides(AlertSeverityThreshold: alertSeverityThreshold));
        await Apps.PutAsync(app, default);
        return app;
    }

    public static string SiteId(string name) => $"/subscriptions/{Subscription}/resourceGroups/{ResourceGroup}/providers/Microsoft.Web/sites/{name}";

    /// <summary>Starts a Patch/Standard release (no approval, any time) and waits, completing the emulator's operations, until it shifts traffic to the staging slot.</summary>
    public async Task<ReleaseView> StartReleaseTakingTrafficAsync(AppServiceEmulatorServer emulator, ManualTimeProvider time, string app)
    {
        var package = emulator.PutPackage($"{app}-v2-{Guid.NewGuid():N}", SamplePackage.Create("v2"));
        var started = await Releases.StartAsync(new ReleaseRequest(app, "v2", package, "Patch", "Standard"), Releaser, null, default);
        var id = Assert.IsType<ReleaseCommandResult.Accepted>(started).Release.Id;
        var view = await WaitForAsync(id, v => v is { Phase: "Shifting", TrafficPercent: > 0 } || v.Status != "Active", emulator);
        Assert.True(view is { Phase: "Shifting", TrafficPercent: > 0 }, $"Release {id} ended {view.Status}/{view.Phase} before its first traffic step: {view.StatusReason}");
        return view;
    }

    /// <summary>Reads the release until it satisfies <paramref name="done"/>, for at most a minute (its orchestration runs in real time).</summary>
    public async Task<ReleaseView> WaitForAsync(string id, Func<ReleaseView, bool> done, AppServiceEmulatorServer? emulator = null)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromMinutes(1);
        ReleaseView? view = null;
        while (DateTime.UtcNow < deadline)
        {
            view = (await Releases.GetAsync(id, default))!;
            if (done(view))
            {
                return view;
            }
            // Deployments and swaps complete when the emulator is told to; the orchestration polls them meanwhile.
            emulator?.AdvanceOperations();
            await Task.Delay(50);
        }
        throw new TimeoutException($"Release {id} is still {view?.Status}/{view?.Phase} after a minute.");
    }

    public Task<HttpResponseMessage> PostAlertAsync(string body, string? key = FunctionKey) =>
        PostAlertAsync(System.Text.Encoding.UTF8.GetBytes(body), key);

    /// <summary>Posts the bytes as they are, so a test can send text that is not UTF-8.</summary>
    public Task<HttpResponseMessage> PostAlertAsync(byte[] body, string? key = FunctionKey)
    {
        var content = new ByteArrayContent(body);
        content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json") { CharSet = "utf-8" };
        var request = new HttpRequestMessage(HttpMethod.Post, "/api/alerts") { Content = content };
        if (key is not null)
        {
            request.Headers.Add(AlertWebhookAuthentication.FunctionKeyHeader, key);
        }
        return Client.SendAsync(request);
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await _app.DisposeAsync();
    }
}
