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
using Microsoft.Extensions.DependencyInjection;
using Xunit;

namespace Blueshift.Functions.Tests.Alerts;

/// <summary>
/// Blueshift's functions (alert webhook, release engine, app registry, audit trail) in process through their [Function]
/// entry points, against Azurite and the App Service emulator, on a manual clock. Two hosts built on the same tables act as
/// two instances.
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
        IDictionary<string, string?>? settings = null)
    {
        tables ??= Tables.Unique();
        var all = new Dictionary<string, string?>
        {
            ["AzureWebJobsStorage"] = azurite.ConnectionString,
            [$"{AuditOptions.SectionName}:TableName"] = tables.Audit,
            [$"{AlertWebhookOptions.SectionName}:TableName"] = tables.Alerts,
            [$"{AlertWebhookOptions.SectionName}:FunctionKeys:0"] = FunctionKey,
            [$"{ReleaseEngineOptions.SectionName}:TableName"] = tables.Releases,
            ["Blueshift:Api:AppsTable"] = tables.Apps,
            ["Blueshift:Azure:ResourceManagerEndpoint"] = emulator.ArmEndpoint.ToString(),
            ["Blueshift:Azure:Credential"] = "Development",
            [$"{ReleaseEngineOptions.SectionName}:SlotScheme"] = "http",
            [$"{ReleaseEngineOptions.SectionName}:WarmUp"] = "00:00:00",
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            all[key] = value;
        }
        var host = Api.ApiHost.Functions(all, services =>
        {
            services.AddSingleton(time);
            services.AddSingleton<TokenCredential>(StaticTokenCredential.Development());
            // The registry without the routing snapshot's refresh delay, so a test's registration is seen at once.
            services.AddSingleton<IManagedAppStore>(new TableManagedAppStore(new TableClient(azurite.ConnectionString, tables.Apps)));
        });
        await Task.CompletedTask;
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

    /// <summary>Starts a Patch/Standard release (no approval, any time) and ticks the engine until it shifts traffic to the staging slot.</summary>
    public async Task<ReleaseView> StartReleaseTakingTrafficAsync(AppServiceEmulatorServer emulator, ManualTimeProvider time, string app)
    {
        var package = emulator.PutPackage($"{app}-v2-{Guid.NewGuid():N}", SamplePackage.Create("v2"));
        var started = await Releases.StartAsync(new ReleaseRequest(app, "v2", package, "Patch", "Standard"), Releaser, null, default);
        var id = Assert.IsType<ReleaseCommandResult.Accepted>(started).Release.Id;
        for (var i = 0; i < 100; i++)
        {
            var view = (await Releases.GetAsync(id, default))!;
            if (view is { Phase: "Shifting", TrafficPercent: > 0 })
            {
                return view;
            }
            Assert.Equal("Active", view.Status);
            time.Advance(TimeSpan.FromSeconds(10));
            emulator.AdvanceOperations();
            await TickAsync();
        }
        throw new TimeoutException($"Release {id} did not reach the first traffic step.");
    }

    /// <summary>Runs the reconcile tick through its timer function.</summary>
    public Task TickAsync() => _app.RunTimerAsync(nameof(ReleaseFunctions.ReconcileTick));

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
