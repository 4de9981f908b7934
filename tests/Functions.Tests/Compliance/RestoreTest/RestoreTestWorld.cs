using Azure.Data.Tables;
using Blueshift.AppServiceEmulator;
using Blueshift.Functions.Analysis;
using Blueshift.Functions.Apps;
using Blueshift.Functions.Audit;
using Blueshift.Functions.Azure.AppService;
using Blueshift.Functions.Azure.ResourceManager;
using Blueshift.Functions.Compliance;
using Blueshift.Functions.Compliance.RestoreTest;
using Blueshift.Functions.Releases;
using Blueshift.Testing;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;
using Microsoft.DurableTask.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace Blueshift.Functions.Tests.Compliance.RestoreTest;

/// <summary>
/// One restore-test world in real time: the App Service emulator with the app "vault" (production, staging and the DR
/// slot "dr"), production's settings and a successful backup of version 1.0.0 after which production moved on to 2.0.0,
/// the audit trail on Azurite, and the restore test on the in-memory <see cref="DurableTaskTestHost"/> with its
/// activities calling the emulator over HTTP.
/// </summary>
internal sealed class RestoreTestWorld : IAsyncDisposable
{
    public const string App = "vault";
    public const string DrSlot = "dr";
    public const string BackupContainer = "https://backups.example.blob.core.windows.net/vault?sv=2024&sig=not-a-real-signature";

    public static readonly IReadOnlyDictionary<string, string> ProductionSettings = new Dictionary<string, string>
    {
        ["FEATURE_FLAGS"] = "checkout-v2",
        ["ConnectionStrings__Ledger"] = "@Microsoft.KeyVault(SecretUri=https://vault-kv.vault.azure.net/secrets/ledger)",
    };

    private RestoreTestWorld(AppServiceEmulatorServer emulator, EmulatedSite site, IAuditTrail audit, TableDrExerciseStore exercises)
    {
        Emulator = emulator;
        Site = site;
        Audit = audit;
        Exercises = exercises;
        var options = new AppServiceClientOptions { Endpoint = emulator.ArmEndpoint };
        options.Retry.MaxRetries = 0;
        Arm = new WebSitesClient(StaticTokenCredential.Development(), options);
    }

    public AppServiceEmulatorServer Emulator { get; }

    public EmulatedSite Site { get; }

    public IAuditTrail Audit { get; }

    /// <summary>The DR exercises on Azurite: a passing restore test records one.</summary>
    public TableDrExerciseStore Exercises { get; }

    public WebSitesClient Arm { get; }

    public DurableTaskTestHost Host { get; private set; } = null!;

    public DurableTaskClient Client => Host.Client;

    public SiteId Production => SiteId.Parse(Site.ResourceId);

    public ManagedApp Target(string? drSlot = DrSlot) =>
        new(App, Site.ResourceId, "staging", "/health", Compliance: new AppComplianceSettings(DrSlot: drSlot));

    /// <summary>Seconds instead of hours: polls and probes every 300 ms, the restore and the health check given a few seconds.</summary>
    public static RestoreTestTimings Timings(TimeSpan? rto = null, TimeSpan? operationTimeout = null, TimeSpan? healthTimeout = null) => new(
        DefaultDrSlot: "dr",
        OperationTimeout: operationTimeout ?? TimeSpan.FromSeconds(10),
        PollInterval: TimeSpan.FromMilliseconds(300),
        HealthTimeout: healthTimeout ?? TimeSpan.FromSeconds(2),
        ProbeInterval: TimeSpan.FromMilliseconds(300),
        Rto: rto ?? TimeSpan.FromMinutes(1));

    /// <param name="backedUp">Whether production has a successful backup (of version 1.0.0) to restore.</param>
    public static async Task<RestoreTestWorld> StartAsync(AzuriteFixture azurite, bool backedUp = true)
    {
        var emulator = await AppServiceEmulatorServer.StartAsync(new EmulatorOptions
        {
            SimulateLatency = false,
            OperationPollsToComplete = 2,
            OperationDuration = TimeSpan.FromSeconds(1),
            OperationRetryAfter = TimeSpan.Zero,
        });
        var site = await emulator.CreateSiteAsync("00000000-0000-0000-0000-00000000d0b2", "rg-vault", App, ["staging", DrSlot], new AppBehaviour("1.0.0"));
        emulator.SetAppSettings(site.Production, ProductionSettings);
        var audit = new TableAuditTrail(new TableClient(azurite.ConnectionString, AzuriteFixture.UniqueName("rstaud")));
        var exercises = new TableDrExerciseStore(new TableClient(azurite.ConnectionString, AzuriteFixture.UniqueName("rstex")));
        var world = new RestoreTestWorld(emulator, site, audit, exercises);
        if (backedUp)
        {
            await world.BackUpProductionAsync();
        }
        // Production moves on after the backup: the DR slot must get the backup's version, production keep its own.
        emulator.SetContent(site.Production, new AppBehaviour("2.0.0"));
        emulator.ArmCallLog.Clear();
        world.Host = await DurableTestHosts.StartAsync(
            registry => registry.AddRestoreTestOrchestration(),
            services => services
                .AddSingleton(world.Arm)
                .AddSingleton<ISlotProbe>(new HttpSlotProbe(new HttpClient(), new ReleaseOptions { SlotScheme = "http", ProbeTimeout = TimeSpan.FromSeconds(5) }))
                .AddSingleton<IAuditTrail>(audit)
                .AddSingleton<IDrExerciseStore>(exercises));
        return world;
    }

    /// <summary>Backs production up and waits (bounded) until the backup succeeded; answers its id.</summary>
    public async Task<long> BackUpProductionAsync()
    {
        var started = await Arm.StartBackupAsync(Production, new BackupRequest { StorageAccountUrl = BackupContainer });
        for (var i = 0; i < 20; i++)
        {
            var backup = await Arm.GetBackupAsync(Production, started.BackupId);
            if (backup.IsSucceeded)
            {
                return backup.BackupId;
            }
        }
        throw new Xunit.Sdk.XunitException($"Backup {started.BackupId} did not succeed.");
    }

    public Task<string> StartAsync(RestoreTestRequest request, string? instanceId = null) =>
        Client.ScheduleNewOrchestrationInstanceAsync(ComplianceOrchestrationNames.RestoreTest, request, new StartOrchestrationOptions(InstanceId: instanceId));

    public async Task<(OrchestrationMetadata Instance, List<Observation> Observations)> RunAsync(RestoreTestRequest request, TimeSpan? within = null)
    {
        var id = await StartAsync(request);
        using var timeout = new CancellationTokenSource(within ?? TimeSpan.FromSeconds(60));
        var instance = await Client.WaitForInstanceCompletionAsync(id, getInputsAndOutputs: true, timeout.Token);
        Xunit.Assert.True(instance.RuntimeStatus == OrchestrationRuntimeStatus.Completed,
            $"{id} is {instance.RuntimeStatus}: {instance.FailureDetails?.ErrorType} {instance.FailureDetails?.ErrorMessage}\n{instance.FailureDetails?.StackTrace}");
        return (instance, instance.ReadOutputAs<List<Observation>>()!);
    }

    /// <summary>The restore test's audit records of the run.</summary>
    public async Task<List<AuditRecord>> EvidenceAsync(string runId)
    {
        var records = new List<AuditRecord>();
        await foreach (var record in Audit.QueryAsync(App, DateTimeOffset.UtcNow.AddHours(-1), DateTimeOffset.UtcNow.AddHours(1), CancellationToken.None))
        {
            if (record.Action == "compliance.restore-test" && record.CorrelationId == runId)
            {
                records.Add(record);
            }
        }
        return records;
    }

    /// <summary>ARM calls that wrote to the production slot (anything but reads of the site and its backups).</summary>
    public IReadOnlyList<ArmCall> ProductionWrites() =>
        [.. Emulator.ArmCallLog.Snapshot().Where(c => c.Path.StartsWith(Site.ResourceId, StringComparison.OrdinalIgnoreCase)
            && !c.Path.Contains("/slots/", StringComparison.OrdinalIgnoreCase)
            && !string.Equals(c.Method, "GET", StringComparison.OrdinalIgnoreCase))];

    public async ValueTask DisposeAsync()
    {
        await Host.DisposeAsync();
        await Emulator.DisposeAsync();
    }
}
