using Azure.Core;
using Azure.Data.Tables;
using Blueshift.AppServiceEmulator;
using Blueshift.Functions.Apps;
using Blueshift.Functions.Audit;
using Blueshift.Functions.Azure.ResourceManager;
using Blueshift.Functions.Releases;
using Blueshift.Functions.Security;
using Blueshift.Functions.Traffic;
using Blueshift.Testing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Blueshift.EndToEnd.Tests.Releases;

/// <summary>
/// One release world: the App Service emulator with a site "shop" (production + staging), Azurite tables, a webhook
/// receiver, and a clock shared by the engine and the emulator so bake times pass at once. The engine is a service
/// provider that tests may throw away and rebuild at any moment, as a crashed and restarted Functions host would.
/// </summary>
internal sealed class ReleaseHarness : IAsyncDisposable
{
    public const string App = "shop";
    public static readonly TimeSpan Tick = TimeSpan.FromSeconds(10);
    public static readonly Caller Releaser = new("ci-pipeline", "CI pipeline", new HashSet<string> { Roles.Releaser });

    private readonly AzuriteFixture _azurite;
    private readonly string _releasesTable = AzuriteFixture.UniqueName("rel");
    private readonly string _auditTable = AzuriteFixture.UniqueName("aud");
    private ServiceProvider? _engine;

    private ReleaseHarness(AzuriteFixture azurite)
    {
        _azurite = azurite;
        Apps = new TableManagedAppStore(new TableClient(azurite.ConnectionString, AzuriteFixture.UniqueName("app")));
    }

    /// <summary>Monday 09:00 UTC: outside the weekly freeze, so patches pass the window gate.</summary>
    public ManualTimeProvider Time { get; } = new(new DateTimeOffset(2026, 1, 5, 9, 0, 0, TimeSpan.Zero));

    public AppServiceEmulatorServer Emulator { get; private set; } = null!;

    public EmulatedSite Site { get; private set; } = null!;

    public WebhookReceiver Webhook { get; private set; } = null!;

    public IManagedAppStore Apps { get; }

    /// <summary>Shared by every engine instance, so a test can make one of them stop at a chosen point.</summary>
    public CrashPoints Crashes { get; } = new();

    /// <summary>What the front door served between ticks, with the release's phase and traffic share at the time.</summary>
    public List<(string Phase, int Percent, LoadSummary Load)> Served { get; } = [];

    public IServiceProvider Engine => _engine ??= BuildEngine();

    public IReleaseService Releases => Engine.GetRequiredService<IReleaseService>();

    public IAuditTrail Audit => Engine.GetRequiredService<IAuditTrail>();

    /// <param name="operationsComplete">Whether the emulated Azure ever finishes long-running operations.</param>
    public static async Task<ReleaseHarness> StartAsync(AzuriteFixture azurite, AppPolicyOverrides? policy = null, bool operationsComplete = true)
    {
        var harness = new ReleaseHarness(azurite);
        harness.Emulator = await AppServiceEmulatorServer.StartAsync(new EmulatorOptions
        {
            TimeProvider = harness.Time,
            SimulateLatency = false,
            OperationPollsToComplete = operationsComplete ? 2 : int.MaxValue,
            OperationDuration = operationsComplete ? TimeSpan.FromSeconds(30) : TimeSpan.FromDays(365),
        });
        harness.Site = await harness.Emulator.CreateSiteAsync("00000000-0000-0000-0000-00000000b10e", "rg-shop", App, ["staging"], new AppBehaviour("1.0.0"));
        // Production runs what an earlier Blueshift release put there, marker included.
        harness.Emulator.SetAppSettings(harness.Site.Production, new Dictionary<string, string>
        {
            [ReleaseMarker.ReleaseIdSetting] = "rel-20251201T220000-previous",
            [ReleaseMarker.VersionSetting] = "1.0.0",
        });
        harness.Webhook = await WebhookReceiver.StartAsync();
        await harness.Apps.PutAsync(new ManagedApp(App, harness.Site.ResourceId, "staging", "/health",
            Policy: policy ?? new AppPolicyOverrides(BakeTime: TimeSpan.FromMinutes(2), MinimumRequests: 20, PostSwapWatch: TimeSpan.FromMinutes(2)),
            Notifications: [new NotificationTarget("webhook", harness.Webhook.Endpoint)]), CancellationToken.None);
        return harness;
    }

    public ReleaseRequest Request(string version, AppBehaviour? behaviour = null, string releaseType = "Patch", string changeClass = "Standard", string app = App) =>
        new(app, version, Emulator.PutPackage($"{app}-{version}.zip", SamplePackage.Create(behaviour ?? new AppBehaviour(version))), releaseType, changeClass);

    /// <summary>Another registered app with its own site (production + staging), for tests with several releases at once.</summary>
    public async Task<EmulatedSite> AddAppAsync(string name)
    {
        var site = await Emulator.CreateSiteAsync(Site.SubscriptionId, Site.ResourceGroup, name, ["staging"], new AppBehaviour("1.0.0"));
        await Apps.PutAsync(new ManagedApp(name, site.ResourceId, "staging", "/health",
            Policy: new AppPolicyOverrides(BakeTime: TimeSpan.FromMinutes(2), MinimumRequests: 20, PostSwapWatch: TimeSpan.FromMinutes(2))), CancellationToken.None);
        return site;
    }

    /// <summary>Production traffic before the release, so the baseline has something to say.</summary>
    public async Task WarmUpProductionAsync(int ticks = 6, int requestsPerTick = 60)
    {
        for (var i = 0; i < ticks; i++)
        {
            await Emulator.Traffic.SendAsync(Site, requestsPerTick);
            Time.Advance(Tick);
        }
    }

    public Task<TickResult> TickAsync() => Engine.GetRequiredService<ReconcileTick>().RunAsync(CancellationToken.None);

    /// <summary>Throws the engine away; the next use builds a new one over the same storage and emulator.</summary>
    public async Task RestartEngineAsync()
    {
        if (_engine is not null)
        {
            await _engine.DisposeAsync();
            _engine = null;
        }
    }

    /// <summary>Sends production traffic, moves the clock one tick, lets Azure-side operations progress and ticks, until the release ends.</summary>
    public async Task<ReleaseView> DriveAsync(
        string releaseId, Func<ReleaseView, bool>? until = null, int requestsPerTick = 60, int maxTicks = 150, bool restartEveryTick = false, TimeSpan? tick = null)
    {
        for (var i = 0; i < maxTicks; i++)
        {
            var view = await Releases.GetAsync(releaseId, CancellationToken.None) ?? throw new InvalidOperationException($"Release {releaseId} vanished.");
            if (view.Status != "Active" || until?.Invoke(view) == true)
            {
                return view;
            }
            var load = await Emulator.Traffic.SendAsync(Site, requestsPerTick);
            Served.Add((view.Phase, view.TrafficPercent, load));
            Time.Advance(tick ?? Tick);
            Emulator.AdvanceOperations();
            if (restartEveryTick)
            {
                await RestartEngineAsync();
            }
            await TickAsync();
        }
        var last = await Releases.GetAsync(releaseId, CancellationToken.None);
        throw new TimeoutException($"Release {releaseId} still {last?.Phase} after {maxTicks} ticks: {string.Join(" | ", last?.Timeline.TakeLast(8).Select(e => e.Message) ?? [])}");
    }

    /// <summary>Asserts how the release ended, showing its story when it ended otherwise.</summary>
    public static void AssertEnded(ReleaseView release, string status) =>
        Xunit.Assert.True(release.Status == status,
            $"Expected {status} but {release.Id} is {release.Status} ({release.Phase}): {release.StatusReason}\n" +
            string.Join("\n", release.Timeline.Select(e => $"{e.At:HH:mm:ss} {e.Phase} {e.TrafficPercent}% {e.Message}")));

    public async Task<List<AuditRecord>> AuditRecordsAsync()
    {
        var records = new List<AuditRecord>();
        await foreach (var record in Audit.QueryAsync(App, Time.GetUtcNow().AddDays(-1), Time.GetUtcNow().AddDays(1), CancellationToken.None))
        {
            records.Add(record);
        }
        return records;
    }

    private ServiceProvider BuildEngine()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["AzureWebJobsStorage"] = _azurite.ConnectionString,
            ["Blueshift:Audit:TableName"] = _auditTable,
            ["Blueshift:Releases:TableName"] = _releasesTable,
            ["Blueshift:Azure:ResourceManagerEndpoint"] = Emulator.ArmEndpoint.ToString(),
            ["Blueshift:Azure:Credential"] = "Development",
            ["Blueshift:Releases:SlotScheme"] = "http",
            ["Blueshift:Releases:PollInterval"] = "00:00:10",
            ["Blueshift:Releases:WarmUp"] = "00:00:10",
            ["Blueshift:Releases:SwapSettleTime"] = "00:01:00",
            ["Blueshift:Releases:Contact"] = "ops-oncall@shop.example",
        }).Build();
        var services = new ServiceCollection();
        services.AddLogging(b => b.SetMinimumLevel(LogLevel.Warning));
        services.AddSingleton<IConfiguration>(configuration);
        services.AddSingleton<TimeProvider>(Time);
        services.AddSingleton<TokenCredential>(StaticTokenCredential.Development());
        services.AddSingleton(Crashes);
        services.AddSingleton(Apps);
        services.AddAuditTrail(configuration);
        services.AddReleaseEngine(configuration);
        return services.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true, ValidateScopes = true });
    }

    public async ValueTask DisposeAsync()
    {
        await RestartEngineAsync();
        await Webhook.DisposeAsync();
        await Emulator.DisposeAsync();
    }
}
