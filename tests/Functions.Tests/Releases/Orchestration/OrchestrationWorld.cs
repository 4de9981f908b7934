using Azure.Data.Tables;
using Blueshift.AppServiceEmulator;
using Blueshift.Domain.Analysis;
using Blueshift.Domain.ChangeControl;
using Blueshift.Domain.Windows;
using Blueshift.Domain.Releases;
using Blueshift.Functions.Analysis;
using Blueshift.Functions.Analysis.AzureMonitor;
using Blueshift.Functions.Apps;
using Blueshift.Functions.Audit;
using Blueshift.Functions.Azure.AppService;
using Blueshift.Functions.Azure.Monitor;
using Blueshift.Functions.Azure.ResourceManager;
using Blueshift.Functions.Notifications;
using Blueshift.Functions.Releases;
using Blueshift.Functions.Releases.Orchestration;
using Blueshift.Functions.Traffic;
using Blueshift.Functions.Traffic.AppService;
using Blueshift.Testing;
using Blueshift.Testing.Releases;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;
using Microsoft.DurableTask.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace Blueshift.Functions.Tests.Releases.Orchestration;

/// <summary>
/// One release world in real time: the App Service emulator with a site "shop" (production + staging) whose metrics
/// come at a one-second grain, synthetic users on its front door, the audit trail on Azurite, and the release
/// orchestrations on the in-memory <see cref="DurableTaskTestHost"/> with their activities calling the real ports.
/// </summary>
internal sealed class OrchestrationWorld : IAsyncDisposable
{
    public const string App = "shop";
    public const string PreviousReleaseId = "rel-20251201T220000-previous";
    public const string Requester = "ci-pipeline";
    public static readonly TimeSpan Grain = TimeSpan.FromSeconds(1);

    private OrchestrationWorld(AppServiceEmulatorServer emulator, EmulatedSite site, IAuditTrail audit, WebhookReceiver webhook, ManagedApp target)
    {
        Emulator = emulator;
        Webhook = webhook;
        Site = site;
        Audit = audit;
        Target = target;
        var credential = StaticTokenCredential.Development();
        // The client's own retries are off: an ARM fault reaches the activity, whose retry policy is what the tests exercise.
        var armOptions = new AppServiceClientOptions { Endpoint = emulator.ArmEndpoint };
        armOptions.Retry.MaxRetries = 0;
        Arm = new WebSitesClient(credential, armOptions);
        Metrics = new MetricsClient(credential, new MetricsClientOptions { Endpoint = emulator.ArmEndpoint });
    }

    public AppServiceEmulatorServer Emulator { get; }

    public EmulatedSite Site { get; }

    public IAuditTrail Audit { get; }

    /// <summary>The app locks and release index the orchestrations finish and reclaim in.</summary>
    public ReleaseRegistry Registry { get; private set; } = null!;

    /// <summary>The app's notification target: rollback notifications arrive here.</summary>
    public WebhookReceiver Webhook { get; }

    public ManagedApp Target { get; }

    public WebSitesClient Arm { get; }

    public MetricsClient Metrics { get; }

    public DurableTaskTestHost Host { get; private set; } = null!;

    public DurableTaskClient Client => Host.Client;

    /// <param name="register">Extra orchestrations a test needs beside the release's own.</param>
    /// <param name="freezes">Change freezes; otherwise windows are always open to patches, whatever the weekday the test runs on.</param>
    /// <param name="auditTransport">The audit trail's HTTP transport (a fault-injecting one for an audit outage); Azurite's directly otherwise.</param>
    public static async Task<OrchestrationWorld> StartAsync(
        AzuriteFixture azurite, Action<DurableTaskRegistry>? register = null, IReadOnlyList<FreezePeriod>? freezes = null, HttpMessageHandler? auditTransport = null)
    {
        var emulator = await AppServiceEmulatorServer.StartAsync(new EmulatorOptions
        {
            SimulateLatency = false,
            OperationPollsToComplete = 2,
            OperationDuration = TimeSpan.FromSeconds(1),
        });
        var site = await emulator.CreateSiteAsync("00000000-0000-0000-0000-00000000d0a1", "rg-shop", App, ["staging"], new AppBehaviour("1.0.0"));
        // Production runs what an earlier Blueshift release put there, marker included.
        emulator.SetAppSettings(site.Production, new Dictionary<string, string>
        {
            [ReleaseMarker.ReleaseIdSetting] = PreviousReleaseId,
            [ReleaseMarker.VersionSetting] = "1.0.0",
        });
        var auditOptions = new TableClientOptions();
        if (auditTransport is not null)
        {
            // The client's own retries are off: the audit activity's retry policy is what rides out the outage.
            auditOptions.Transport = new global::Azure.Core.Pipeline.HttpClientTransport(auditTransport);
            auditOptions.Retry.MaxRetries = 0;
        }
        var audit = new TableAuditTrail(new TableClient(azurite.ConnectionString, AzuriteFixture.UniqueName("orcaud"), auditOptions));
        var webhook = await WebhookReceiver.StartAsync();
        var gates = new ReleaseGatePolicies(ApprovalPolicy.Default, DeploymentWindowPolicy.Default with { RecurringFreezes = [], Freezes = freezes ?? [] });
        var world = new OrchestrationWorld(emulator, site, audit, webhook,
            new ManagedApp(App, site.ResourceId, "staging", "/health", Notifications: [new NotificationTarget("webhook", webhook.Endpoint)]));
        world.Registry = new ReleaseRegistry(new TableClient(azurite.ConnectionString, AzuriteFixture.UniqueName("orcreg")));
        world.Host = await DurableTestHosts.StartAsync(
            registry =>
            {
                registry.AddReleaseOrchestrations();
                register?.Invoke(registry);
            },
            services => world.AddPorts(services.AddSingleton(gates)));
        return world;
    }

    /// <summary>Synthetic users on the front door for as long as the test runs.</summary>
    public void StartUsers(double requestsPerSecond = 150) =>
        Emulator.Traffic.Start(Site, requestsPerSecond, maxRequests: 1_000_000, maxDuration: TimeSpan.FromMinutes(5));

    /// <summary>Seconds instead of minutes, so that a release runs in a test; the checks are the defaults otherwise.</summary>
    public static ReleasePolicy Policy(
        TimeSpan? bake = null, IReadOnlyList<int>? steps = null, TimeSpan? watch = null, TimeSpan? approvalTimeout = null, TimeSpan? operationTimeout = null,
        IReadOnlyList<SmokeTest>? smokeTests = null) => ShortReleases.Policy(bake, steps, watch, approvalTimeout, operationTimeout, smokeTests);

    public static ReleaseRunSettings Settings { get; } = ShortReleases.Settings(options => options.BaselineWindow = TimeSpan.FromMinutes(5));

    /// <summary>A release of a package that behaves as given, hosted by the emulator.</summary>
    public ReleaseInput Release(
        string releaseId, AppBehaviour behaviour, ReleasePolicy? policy = null, string changeClass = "Standard", string strategy = ReleaseStrategies.Canary,
        TimeSpan rollbackWindow = default) => new(
        releaseId,
        behaviour.Version,
        Emulator.PutPackage($"{App}-{behaviour.Version}-{releaseId}.zip", SamplePackage.Create(behaviour)),
        strategy,
        "Patch",
        changeClass,
        Requester,
        Target,
        policy ?? Policy(),
        Settings,
        RollbackWindow: rollbackWindow);

    public async Task<(OrchestrationMetadata Instance, ReleaseOutcome Outcome)> RunAsync(ReleaseInput input, TimeSpan? within = null)
    {
        var id = await StartAsync(input);
        return await CompletionAsync(id, within);
    }

    public Task<string> StartAsync(ReleaseInput input) =>
        Client.ScheduleNewOrchestrationInstanceAsync(nameof(ReleaseOrchestrator.RunRelease), input, new StartOrchestrationOptions(InstanceId: input.ReleaseId));

    public async Task<(OrchestrationMetadata Instance, ReleaseOutcome Outcome)> CompletionAsync(string id, TimeSpan? within = null)
    {
        using var timeout = new CancellationTokenSource(within ?? TimeSpan.FromSeconds(60));
        var instance = await Client.WaitForInstanceCompletionAsync(id, getInputsAndOutputs: true, timeout.Token);
        Xunit.Assert.True(instance.RuntimeStatus == OrchestrationRuntimeStatus.Completed,
            $"{id} is {instance.RuntimeStatus}: {instance.FailureDetails?.ErrorType} {instance.FailureDetails?.ErrorMessage}\n{instance.FailureDetails?.StackTrace}");
        return (instance, instance.ReadOutputAs<ReleaseOutcome>()!);
    }

    /// <summary>
    /// Polls the instance's published progress until <paramref name="condition"/> holds (bounded): the orchestration
    /// says where it is only through its custom status.
    /// </summary>
    public async Task<ReleaseProgress> WaitForProgressAsync(string id, Func<ReleaseProgress, bool> condition, TimeSpan? within = null)
    {
        var deadline = DateTimeOffset.UtcNow + (within ?? TimeSpan.FromSeconds(30));
        ReleaseProgress? last = null;
        while (DateTimeOffset.UtcNow < deadline)
        {
            var instance = await Client.GetInstanceAsync(id, getInputsAndOutputs: true);
            last = instance?.ReadCustomStatusAs<ReleaseProgress>();
            if (last is not null && condition(last))
            {
                return last;
            }
            if (instance is { IsCompleted: true })
            {
                throw new Xunit.Sdk.XunitException($"{id} ended ({instance.RuntimeStatus}) before the awaited progress: {instance.SerializedOutput}");
            }
            await Task.Delay(TimeSpan.FromMilliseconds(100));
        }
        throw new Xunit.Sdk.XunitException($"{id} did not reach the awaited progress in time; it is at {last}.");
    }

    /// <summary>
    /// Waits until the staging slot has served <paramref name="count"/> requests inside whole metric grains from now (the
    /// analysis counts whole grains from the bake's start), so that a promote finds evidence to judge.
    /// </summary>
    public async Task WaitForStagingEvidenceAsync(int count = 40)
    {
        var grains = Grain.Ticks;
        var firstWholeGrain = new DateTimeOffset((DateTimeOffset.UtcNow.UtcTicks + grains - 1) / grains * grains, TimeSpan.Zero);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        while (StagingRequestsSince(firstWholeGrain) < count)
        {
            await Task.Delay(TimeSpan.FromMilliseconds(100), timeout.Token);
        }
    }

    /// <summary>Polls the audit trail until a record of the release satisfies <paramref name="condition"/> (bounded).</summary>
    public async Task<AuditRecord> WaitForAuditAsync(string releaseId, Func<AuditRecord, bool> condition, TimeSpan? within = null)
    {
        var deadline = DateTimeOffset.UtcNow + (within ?? TimeSpan.FromSeconds(30));
        while (DateTimeOffset.UtcNow < deadline)
        {
            if ((await AuditRecordsAsync(releaseId)).FirstOrDefault(condition) is { } record)
            {
                return record;
            }
            await Task.Delay(TimeSpan.FromMilliseconds(200));
        }
        throw new Xunit.Sdk.XunitException($"{releaseId}: no awaited audit record in time.");
    }

    /// <summary>Requests the staging slot served since <paramref name="from"/>, as the front door logged them.</summary>
    public int StagingRequestsSince(DateTimeOffset from) =>
        Emulator.TrafficLog.Snapshot().Count(r => r.Slot == "staging" && !r.IsHealthCheck && r.Timestamp >= from);

    /// <summary>The share of production traffic the routing rule sends to the staging slot now (0 without a rule).</summary>
    public async Task<double> StagingSharePercentAsync()
    {
        var config = await Arm.GetSiteConfigAsync(SiteId.Parse(Site.ResourceId));
        return config.RampUpRules?.Sum(r => r.ReroutePercentage) ?? 0;
    }

    public async Task<List<AuditRecord>> AuditRecordsAsync(string releaseId)
    {
        var records = new List<AuditRecord>();
        await foreach (var record in Audit.QueryAsync(App, DateTimeOffset.UtcNow.AddHours(-1), DateTimeOffset.UtcNow.AddHours(1), CancellationToken.None))
        {
            if (record.ReleaseId == releaseId)
            {
                records.Add(record);
            }
        }
        return records;
    }

    private void AddPorts(IServiceCollection services)
    {
        services.AddSingleton<IAppServiceSlots>(new ArmAppServiceSlots(Arm));
        services.AddSingleton<IMetricsProvider>(new AzureMonitorMetricsProvider(Metrics, Grain));
        services.AddSingleton<ISlotProbe>(new HttpSlotProbe(new HttpClient(), new ReleaseOptions { SlotScheme = "http", ProbeTimeout = TimeSpan.FromSeconds(5) }));
        services.AddSingleton(Audit);
        services.AddSingleton(Registry);
        services.AddSingleton<INotifier>(new WebhookNotifier(new HttpClient()));
    }

    public async ValueTask DisposeAsync()
    {
        await Emulator.Traffic.StopAsync();
        await Host.DisposeAsync();
        await Webhook.DisposeAsync();
        await Emulator.DisposeAsync();
    }
}
