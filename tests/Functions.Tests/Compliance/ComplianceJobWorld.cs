using Azure.Data.Tables;
using Blueshift.AppServiceEmulator;
using Blueshift.Functions.Apps;
using Blueshift.Functions.Audit;
using Blueshift.Functions.Azure.AppService;
using Blueshift.Functions.Azure.ResourceManager;
using Blueshift.Functions.Compliance;
using Blueshift.Functions.Notifications;
using Blueshift.Testing;
using Microsoft.DurableTask.Client;
using Microsoft.DurableTask.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Blueshift.Functions.Tests.Compliance;

/// <summary>
/// Compliance jobs for real: the App Service emulator on a manual clock (its backups are stamped by it), the findings, runs,
/// audit and app registry on Azurite, a webhook receiver as every app's notification target, and the job orchestration on
/// the in-memory Durable host with the real checks calling the emulator.
/// </summary>
internal sealed class ComplianceJobWorld : IAsyncDisposable
{
    public const string Subscription = "00000000-0000-0000-0000-00000000c0a1";
    public static readonly DateTimeOffset Start = new(2026, 12, 7, 1, 0, 0, TimeSpan.Zero);

    private ComplianceJobWorld(AppServiceEmulatorServer emulator, ManualTimeProvider clock, WebhookReceiver webhook, AzuriteFixture azurite)
    {
        Emulator = emulator;
        Clock = clock;
        Webhook = webhook;
        var options = new AppServiceClientOptions { Endpoint = emulator.ArmEndpoint };
        options.Retry.MaxRetries = 0;
        Arm = new WebSitesClient(StaticTokenCredential.Development(), options);
        // Every table request of the job goes through one counting transport, so a test can measure storage transactions.
        var tables = new TableClientOptions { Transport = new global::Azure.Core.Pipeline.HttpClientTransport(new HttpClient(StorageRequests)) };
        Apps = new TableManagedAppStore(new TableClient(azurite.ConnectionString, AzuriteFixture.UniqueName("cjapps"), tables));
        Findings = new TableComplianceFindingStore(new TableClient(azurite.ConnectionString, AzuriteFixture.UniqueName("cjfind"), tables));
        Runs = new ComplianceRunStore(new TableClient(azurite.ConnectionString, AzuriteFixture.UniqueName("cjruns"), tables));
        Audit = new TableAuditTrail(new TableClient(azurite.ConnectionString, AzuriteFixture.UniqueName("cjaudit"), tables));
    }

    public AppServiceEmulatorServer Emulator { get; }

    /// <summary>Requests to the Table service (apps, findings, runs, audit) since the world started.</summary>
    public CountingHandler StorageRequests { get; } = new();

    public ManualTimeProvider Clock { get; }

    public WebhookReceiver Webhook { get; }

    public WebSitesClient Arm { get; }

    public TableManagedAppStore Apps { get; }

    public TableComplianceFindingStore Findings { get; }

    public ComplianceRunStore Runs { get; }

    public TableAuditTrail Audit { get; }

    public DurableTaskTestHost Host { get; private set; } = null!;

    public DurableTaskClient Client => Host.Client;

    public ComplianceJobRuns JobRuns { get; private set; } = null!;

    public static async Task<ComplianceJobWorld> StartAsync(AzuriteFixture azurite, int batchSize = 2)
    {
        var clock = new ManualTimeProvider(Start);
        var emulator = await AppServiceEmulatorServer.StartAsync(new EmulatorOptions
        {
            TimeProvider = clock,
            SimulateLatency = false,
            OperationPollsToComplete = 1,
            OperationRetryAfter = TimeSpan.Zero,
        });
        var world = new ComplianceJobWorld(emulator, clock, await WebhookReceiver.StartAsync(), azurite);
        world.JobRuns = new ComplianceJobRuns(clock, Options.Create(new ComplianceOptions { BatchSize = batchSize }), Options.Create(new RestoreTestOptions()), NullLogger<ComplianceJobRuns>.Instance);
        world.Host = await DurableTestHosts.StartAsync(
            registry => registry.AddComplianceOrchestrations(),
            services =>
            {
                services.AddSingleton<TimeProvider>(clock);
                services.AddSingleton<IManagedAppStore>(world.Apps);
                services.AddSingleton<IComplianceFindingStore>(world.Findings);
                services.AddSingleton(world.Runs);
                services.AddSingleton<IAuditTrail>(world.Audit);
                services.AddSingleton<INotifier>(new WebhookNotifier(new HttpClient()));
                services.AddSingleton<ComplianceFindingsRecorder>();
                services.AddSingleton<IComplianceCheck>(new BackupRpoCheck(world.Arm));
            });
        return world;
    }

    /// <summary>A managed app on a new emulated site, notifying the world's webhook.</summary>
    public async Task<(ManagedApp App, SiteId Site)> AddAppAsync(string name, bool? backupsRequired = null, bool withStaging = true)
    {
        var site = await Emulator.CreateSiteAsync(Subscription, "rg-" + name, name, withStaging ? ["staging"] : [], new AppBehaviour("1.0.0"));
        var app = new ManagedApp(name, site.ResourceId, Notifications: [new NotificationTarget("webhook", Webhook.Endpoint)],
            Compliance: backupsRequired is null ? null : new AppComplianceSettings(BackupsRequired: backupsRequired));
        await Apps.PutAsync(app, default);
        return (app, SiteId.Parse(site.ResourceId));
    }

    /// <summary>Hourly scheduled backups on, as an operator configures them.</summary>
    public Task ConfigureBackupsAsync(SiteId site) => Arm.UpdateBackupConfigurationAsync(site, new BackupRequest
    {
        StorageAccountUrl = "https://backups.blob.core.windows.net/site-backups?sv=2024-01-01&sig=not-a-real-signature",
        Enabled = true,
        BackupSchedule = new BackupSchedule { FrequencyInterval = 1, FrequencyUnit = "Hour" },
    });

    /// <summary>Takes a backup now (by the emulator's clock) and waits for it to end.</summary>
    public async Task<BackupItem> BackUpAsync(SiteId site)
    {
        var started = await Arm.StartBackupAsync(site, new BackupRequest { StorageAccountUrl = "https://backups.blob.core.windows.net/site-backups?sv=2024-01-01&sig=not-a-real-signature" });
        for (var poll = 0; poll < 20; poll++)
        {
            var backup = await Arm.GetBackupAsync(site, started.BackupId);
            if (backup.Status is not ("InProgress" or "Created"))
            {
                return backup;
            }
        }
        throw new TimeoutException($"Backup {started.BackupId} did not end.");
    }

    public async Task<(OrchestrationMetadata Instance, ComplianceTallies Tallies)> RunAsync(ComplianceJob job, TimeSpan? within = null)
    {
        var start = await JobRuns.StartAsync(Client, job, default);
        Xunit.Assert.True(start.Started, $"The {job} run did not start: {start.InstanceId} is still going.");
        return await CompletionAsync(start.InstanceId, within);
    }

    public async Task<(OrchestrationMetadata Instance, ComplianceTallies Tallies)> CompletionAsync(string instanceId, TimeSpan? within = null)
    {
        using var timeout = new CancellationTokenSource(within ?? TimeSpan.FromSeconds(60));
        var instance = await Client.WaitForInstanceCompletionAsync(instanceId, getInputsAndOutputs: true, timeout.Token);
        return (instance, instance.RuntimeStatus == OrchestrationRuntimeStatus.Completed ? instance.ReadOutputAs<ComplianceTallies>()! : new ComplianceTallies());
    }

    public async Task<List<ComplianceFinding>> OpenFindingsAsync(string app) =>
        [.. (await Findings.ListAsync(app, "backup-rpo", default)).Where(f => f.Status == FindingStatus.Open).OrderBy(f => f.Kind, StringComparer.Ordinal)];

    public async ValueTask DisposeAsync()
    {
        await Host.DisposeAsync();
        await Webhook.DisposeAsync();
        await Emulator.DisposeAsync();
    }
}

internal sealed class CountingHandler() : DelegatingHandler(new HttpClientHandler())
{
    private int _count;

    public int Count => Volatile.Read(ref _count);

    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _count);
        return base.SendAsync(request, cancellationToken);
    }
}
