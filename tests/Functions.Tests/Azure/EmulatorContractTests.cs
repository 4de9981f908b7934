using Azure;
using Blueshift.AppServiceEmulator;
using Blueshift.Domain.Analysis;
using Blueshift.Functions.Analysis.AzureMonitor;
using Blueshift.Functions.Apps;
using Blueshift.Functions.Azure.AppService;
using Blueshift.Functions.Azure.Monitor;
using Blueshift.Functions.Azure.ResourceManager;
using Blueshift.Testing;
using Xunit;

namespace Blueshift.Functions.Tests.Azure;

/// <summary>
/// The App Service and Metrics clients against the App Service emulator over real HTTP: the same calls the release
/// engine makes (read the slots, route traffic, stamp a setting, swap and poll, deploy, back up) and the metrics of
/// the traffic the emulator really served.
/// </summary>
public sealed class EmulatorContractTests : IAsyncLifetime
{
    private const string Subscription = "00000000-0000-0000-0000-0000000000aa";
    private const string ResourceGroup = "rg-shop";

    private readonly ManualTimeProvider _emulatorClock = new();
    private readonly RecordingTimeProvider _clientClock = new();
    private AppServiceEmulatorServer _emulator = null!;
    private EmulatedSite _site = null!;
    private WebSitesClient _client = null!;
    private MetricsClient _metrics = null!;
    private SiteId _production = null!;
    private SiteId _staging = null!;

    public async Task InitializeAsync()
    {
        _emulator = await AppServiceEmulatorServer.StartAsync(new EmulatorOptions
        {
            TimeProvider = _emulatorClock,
            SimulateLatency = false,
            OperationPollsToComplete = 2,
        });
        _site = await _emulator.CreateSiteAsync(Subscription, ResourceGroup, "shop", ["staging"]);
        var credential = StaticTokenCredential.Development();
        _client = new WebSitesClient(credential, new AppServiceClientOptions { Endpoint = _emulator.ArmEndpoint, TimeProvider = _clientClock });
        _metrics = new MetricsClient(credential, new MetricsClientOptions { Endpoint = _emulator.ArmEndpoint, TimeProvider = _clientClock });
        _production = new SiteId(Subscription, ResourceGroup, "shop");
        _staging = _production.WithSlot("staging");
    }

    public async Task DisposeAsync() => await _emulator.DisposeAsync();

    [Fact]
    public async Task GetSiteAsync_ProductionAndStaging_ReturnTheirIdsAndHostNames()
    {
        var production = await _client.GetSiteAsync(_production);
        var staging = await _client.GetSiteAsync(_staging);

        Assert.Equal((_production, "Running"), (production.Id, production.State));
        Assert.Equal(_site.DefaultHostName, production.DefaultHostName);
        Assert.Equal(_staging, staging.Id);
        Assert.Equal(_site.Slot("staging").DefaultHostName, staging.DefaultHostName);
    }

    [Fact]
    public async Task GetSiteAsync_UnknownSite_Throws404()
    {
        var error = await Assert.ThrowsAsync<RequestFailedException>(() => _client.GetSiteAsync(new SiteId(Subscription, ResourceGroup, "missing")));

        Assert.Equal((404, "ResourceNotFound"), (error.Status, error.ErrorCode));
    }

    [Fact]
    public async Task UpdateSiteConfigAsync_TenPercentRule_RoutesTrafficThatMetricsReport()
    {
        _emulator.SetContent(_site.Slot("staging"), new AppBehaviour("2.0.0"));
        var stagingHost = (await _client.GetSiteAsync(_staging)).DefaultHostName!;

        var updated = await _client.UpdateSiteConfigAsync(_production, new SiteConfigUpdate { RampUpRules = [new RampUpRule("staging", stagingHost, 10)] });
        var read = await _client.GetSiteConfigAsync(_production);
        await _emulator.Traffic.SendAsync(_site, 1000, concurrency: 8);
        var query = new MetricsQuery
        {
            MetricNames = ["Requests", "Http5xx"],
            Start = _emulatorClock.GetUtcNow().AddMinutes(-1),
            End = _emulatorClock.GetUtcNow().AddMinutes(1),
            Aggregations = MetricAggregation.Total,
        };
        var staging = await _metrics.QueryResourceAsync(_staging.ToString(), query);
        var production = await _metrics.QueryResourceAsync(_production.ToString(), query);

        Assert.Equal(new RampUpRule("staging", stagingHost, 10), Assert.Single(updated.RampUpRules));
        Assert.Equal(updated.RampUpRules, read.RampUpRules);
        var toStaging = Total(staging, "Requests");
        Assert.InRange(toStaging, 95, 105);
        Assert.Equal(1000, toStaging + Total(production, "Requests"));
        Assert.Equal(0, Total(staging, "Http5xx"));
        Assert.Equal("Count", staging.Find("Requests")!.Unit);
        Assert.Equal(_emulator.TrafficLog.Snapshot().Count(r => r.Slot == "staging"), toStaging);
    }

    [Fact]
    public async Task MetricsProvider_WindowEndingWithinAMillisecondOfItsFirstGrain_IsEmptyWithoutAQuery()
    {
        var provider = new AzureMonitorMetricsProvider(_metrics, TimeSpan.FromSeconds(1));
        var app = new ManagedApp("shop", _production.ToString());
        await _emulator.Traffic.SendAsync(_site, 50, concurrency: 4);
        var now = _emulatorClock.GetUtcNow();
        var grainStart = new DateTimeOffset(now.UtcTicks - now.UtcTicks % TimeSpan.TicksPerSecond, TimeSpan.Zero);
        var before = _emulator.ArmCallLog.Count;

        // Starts just after a grain boundary (so the window begins at the next one) and ends 0.4 ms after that boundary:
        // sent at millisecond precision it would be an empty timespan the service refuses with 400.
        var almostEmpty = await provider.GetWindowAsync(app, null, grainStart.AddMilliseconds(200), grainStart.AddSeconds(1).AddTicks(4_000), CancellationToken.None);
        var whole = await provider.GetWindowAsync(app, null, grainStart.AddSeconds(-1), grainStart.AddSeconds(2), CancellationToken.None);

        Assert.Equal(new MetricWindow(0, 0, null), almostEmpty);
        Assert.Equal(1, _emulator.ArmCallLog.Count - before);
        Assert.Equal(50, whole.Requests);
    }

    [Fact]
    public async Task UpdateSiteConfigAsync_ClearRules_KeepsTheHealthCheckPath()
    {
        await _client.UpdateSiteConfigAsync(_production, new SiteConfigUpdate
        {
            HealthCheckPath = "/health",
            RampUpRules = [new RampUpRule("staging", _site.Slot("staging").DefaultHostName, 25)],
        });

        var cleared = await _client.UpdateSiteConfigAsync(_production, new SiteConfigUpdate { RampUpRules = [] });

        Assert.Empty(cleared.RampUpRules);
        Assert.Equal("/health", cleared.HealthCheckPath);
    }

    [Fact]
    public async Task SetAppSettingAsync_StagingSlot_KeepsTheOtherSettings()
    {
        _emulator.SetAppSettings(_site.Slot("staging"), new Dictionary<string, string> { ["ConnectionStrings__Db"] = "Server=staging", ["FEATURE_X"] = "on" });

        await _client.SetAppSettingAsync(_staging, "BLUESHIFT_RELEASE_ID", "rel-7");
        var settings = await _client.ListAppSettingsAsync(_staging);

        Assert.Equal(new Dictionary<string, string>
        {
            ["ConnectionStrings__Db"] = "Server=staging",
            ["FEATURE_X"] = "on",
            ["BLUESHIFT_RELEASE_ID"] = "rel-7",
        }, settings.ToDictionary());
    }

    [Fact]
    public async Task StartSwapAsync_ThenPoll_SwapsVersionsAndStickySettingsStay()
    {
        _emulator.SetContent(_site.Slot("staging"), new AppBehaviour("2.0.0"));
        _emulator.SetAppSettings(_site.Production, new Dictionary<string, string> { ["ENVIRONMENT"] = "production", ["BLUESHIFT_RELEASE_ID"] = "rel-1" });
        _emulator.SetAppSettings(_site.Slot("staging"), new Dictionary<string, string> { ["ENVIRONMENT"] = "staging", ["BLUESHIFT_RELEASE_ID"] = "rel-2" });
        await _client.SetSlotConfigNamesAsync(_production, new SlotConfigNames { AppSettingNames = ["ENVIRONMENT"] });

        var started = await _client.StartSwapAsync(_staging);
        var conflict = await Assert.ThrowsAsync<RequestFailedException>(() => _client.StartSwapAsync(_staging));
        var finished = await PollUntilCompletedAsync(started);

        Assert.Equal(ArmOperationStatus.InProgress, started.Status);
        Assert.NotNull(started.OperationUrl);
        Assert.Equal((409, "Conflict"), (conflict.Status, conflict.ErrorCode));
        Assert.Equal(ArmOperationStatus.Succeeded, finished.Status);
        Assert.Equal(("2.0.0", "1.0.0"), (_site.Production.Version, _site.Slot("staging").Version));
        var production = await _client.ListAppSettingsAsync(_production);
        Assert.Equal(("production", "rel-2"), (production["ENVIRONMENT"], production["BLUESHIFT_RELEASE_ID"]));
        Assert.Equal(["ENVIRONMENT"], (await _client.GetSlotConfigNamesAsync(_staging)).AppSettingNames);
    }

    [Fact]
    public async Task GetOperationStatusAsync_InjectedSwapFailure_ReportsTheArmErrorAndKeepsVersions()
    {
        _emulator.SetContent(_site.Slot("staging"), new AppBehaviour("2.0.0"));
        _emulator.Faults.FailNextOperation(OperationKind.Swap, "shop", "SwapWarmupFailed", "Warm-up of slot staging failed.");

        var started = await _client.StartSwapAsync(_staging);
        var finished = await PollUntilCompletedAsync(started);

        Assert.Equal(ArmOperationStatus.Failed, finished.Status);
        Assert.Equal(new ArmOperationError("SwapWarmupFailed", "Warm-up of slot staging failed."), finished.Error);
        Assert.Equal("1.0.0", _site.Production.Version);
    }

    [Fact]
    public async Task StartOneDeployAsync_HostedPackage_DeploysTheNewVersionToStaging()
    {
        var package = _emulator.PutPackage("release-3", SamplePackage.Create("3.0.0"));

        var started = await _client.StartOneDeployAsync(_staging, package);
        var finished = await PollUntilCompletedAsync(started);

        Assert.Equal(ArmOperationStatus.InProgress, started.Status);
        Assert.Equal(ArmOperationStatus.Succeeded, finished.Status);
        Assert.Equal("3.0.0", _site.Slot("staging").Version);
        Assert.Equal("1.0.0", _site.Production.Version);
    }

    [Fact]
    public async Task GetSiteAsync_ThrottledByArm_RetriesAfterTheRetryAfterItGave()
    {
        _emulator.Faults.ThrottleArm("/sites/shop$", 1, TimeSpan.FromSeconds(4), "GET");

        var site = await _client.GetSiteAsync(_production);

        Assert.Equal("shop", site.Name);
        Assert.Equal([TimeSpan.FromSeconds(4)], _clientClock.RequestedWaits);
    }

    [Fact]
    public async Task StartSwapAsync_ArmServerError_IsNotRetried()
    {
        _emulator.Faults.FailArm("slotsswap", 1, 503, "POST");

        var error = await Assert.ThrowsAsync<RequestFailedException>(() => _client.StartSwapAsync(_staging));

        Assert.Equal((503, "ServiceUnavailable"), (error.Status, error.ErrorCode));
        Assert.Empty(_clientClock.RequestedWaits);
        Assert.Equal("1.0.0", _site.Production.Version);
    }

    [Fact]
    public async Task Backups_BackupListGetAndRestore_RoundTripThroughTheEmulator()
    {
        const string Container = "https://backups.example.invalid/shop?sv=2024&sig=not-a-real-signature";
        await _client.UpdateBackupConfigurationAsync(_production, new BackupRequest
        {
            StorageAccountUrl = Container,
            Enabled = true,
            BackupSchedule = new BackupSchedule { FrequencyInterval = 1, FrequencyUnit = "Hour", RetentionPeriodInDays = 30 },
        });
        var configuration = await _client.GetBackupConfigurationAsync(_production);

        var started = await _client.StartBackupAsync(_production, new BackupRequest { StorageAccountUrl = Container, BackupName = "before-release" });
        var listed = await _client.ListBackupsAsync(_production);
        await _client.GetBackupAsync(_production, started.BackupId);
        var done = await _client.GetBackupAsync(_production, started.BackupId);
        _emulator.SetContent(_site.Production, new AppBehaviour("9.9.9"));
        var restore = await _client.StartRestoreAsync(_production, started.BackupId, new RestoreRequest { StorageAccountUrl = Container, Overwrite = true });
        var restored = await PollUntilCompletedAsync(restore);

        Assert.Equal(new BackupSchedule { FrequencyInterval = 1, FrequencyUnit = "Hour", RetentionPeriodInDays = 30 }, configuration!.BackupSchedule! with { LastExecutionTime = null, StartTime = null });
        Assert.Equal("before-release", Assert.Single(listed).Name);
        Assert.True(done.IsSucceeded, done.Status);
        Assert.Equal(ArmOperationStatus.Succeeded, restored.Status);
        Assert.Equal("1.0.0", _site.Production.Version);
    }

    [Fact]
    public async Task RestartAsync_Staging_IsAccepted()
    {
        await _client.RestartAsync(_staging, synchronous: true);

        Assert.Contains(_emulator.ArmCallLog.Snapshot(), call => call.Method == "POST" && call.Path!.EndsWith("/slots/staging/restart", StringComparison.OrdinalIgnoreCase) && call.Status == 200);
    }

    private async Task<ArmOperation> PollUntilCompletedAsync(ArmOperation operation)
    {
        // The emulator completes an operation at its second poll; the bound only guards against a hang.
        for (var poll = 0; poll < 10 && !operation.IsCompleted; poll++)
        {
            operation = await _client.GetOperationStatusAsync(operation.OperationUrl!);
        }
        return operation;
    }

    private static double Total(MetricsQueryResult result, string metric) =>
        result.Find(metric)!.TimeSeries.SelectMany(s => s.Data).Sum(p => p.Total ?? 0);
}
