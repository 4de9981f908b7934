using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using Azure.Data.Tables;
using Blueshift.AppServiceEmulator;
using Blueshift.Functions.Apps;
using Blueshift.Functions.Audit;
using Blueshift.Functions.Azure.AppService;
using Blueshift.Functions.Azure.ResourceManager;
using Blueshift.Functions.Compliance;
using Blueshift.Functions.Compliance.RestoreTest;
using Blueshift.Testing;
using Blueshift.Testing.Crash;
using DurableTask.AzureStorage;
using DurableTask.Core;
using Xunit;
using Xunit.Abstractions;
using SdkJsonDataConverter = Microsoft.DurableTask.Converters.JsonDataConverter;

namespace Blueshift.EndToEnd.Tests.Compliance;

/// <summary>
/// A restore test survives its host being killed: the local Functions host runs as a process of its own (Durable Task on
/// Azurite) and is killed with SIGKILL in the middle of a restore test, then started again. The test resumes from its
/// history, finishes, stops the DR slot and records its evidence; production is never written to. The kill waits for a
/// condition in the emulator (the restore under way, or the restored slot answering its health check 503), not a time.
/// </summary>
public sealed class RestoreTestCrashTests(ITestOutputHelper output)
{
    [Fact]
    public async Task KilledWhileRestoring_Resumes_PassesAndStopsTheDrSlot()
    {
        await using var world = await CrashWorld.StartAsync(output);
        world.Emulator.Faults.SlowNextRestore(TimeSpan.FromSeconds(6), CrashWorld.App);
        var timings = new RestoreTestTimings("dr", TimeSpan.FromSeconds(60), TimeSpan.FromMilliseconds(500), TimeSpan.FromSeconds(20), TimeSpan.FromMilliseconds(500), TimeSpan.FromMinutes(5));

        world.StartHost();
        var id = await world.ScheduleAsync(timings);
        await world.WaitUntilAsync(() => world.Emulator.GetOperations().Any(o => o.Kind == OperationKind.Restore && o.Status == OperationStatus.InProgress),
            "the restore to be under way");
        Assert.Equal(OrchestrationStatus.Running, await world.StatusAsync(id));
        world.KillHost();
        world.StartHost();
        var (state, observations) = await world.WaitForEndAsync(id);

        Assert.True(state.OrchestrationStatus == OrchestrationStatus.Completed, $"{state.OrchestrationStatus}: {state.Output}");
        Assert.True(observations.Count == 0, string.Join("; ", observations.Select(o => $"{o.Kind}: {o.Summary}")));
        Assert.Equal("passed", (await world.EvidenceAsync()).Details!["outcome"]);
        Assert.Equal("1.0.0", world.Site.Slot("dr").Version);
        world.AssertCleanedUpAndProductionUntouched();
    }

    [Fact]
    public async Task KilledWhileProbingAnUnhealthyRestore_Resumes_FindsTheFailureAndStillStopsTheDrSlot()
    {
        await using var world = await CrashWorld.StartAsync(output);
        world.Emulator.Faults.MakeNextRestoreUnhealthy(CrashWorld.App);
        var timings = new RestoreTestTimings("dr", TimeSpan.FromSeconds(60), TimeSpan.FromMilliseconds(500), TimeSpan.FromSeconds(8), TimeSpan.FromMilliseconds(500), TimeSpan.FromMinutes(5));

        world.StartHost();
        var id = await world.ScheduleAsync(timings);
        await world.WaitUntilAsync(() => world.Emulator.TrafficLog.Snapshot().Any(r => r.Slot == "dr" && r.IsHealthCheck && r.Status == 503),
            "the restored slot to answer its health check 503");
        Assert.Equal(OrchestrationStatus.Running, await world.StatusAsync(id));
        world.KillHost();
        world.StartHost();
        var (state, observations) = await world.WaitForEndAsync(id);

        Assert.True(state.OrchestrationStatus == OrchestrationStatus.Completed, $"{state.OrchestrationStatus}: {state.Output}");
        var observation = Assert.Single(observations);
        Assert.Equal(RestoreTestKinds.Failed, observation.Kind);
        Assert.Equal("never-healthy", (await world.EvidenceAsync()).Details!["outcome"]);
        world.AssertCleanedUpAndProductionUntouched();
    }

    /// <summary>Azurite, the emulator with the app "vault" (production, staging, dr) and a backup of it, and the local host as a process.</summary>
    private sealed class CrashWorld : IAsyncDisposable
    {
        public const string App = "vault";
        private const string Subscription = "00000000-0000-0000-0000-0000000c7a55";

        private static readonly IReadOnlyDictionary<string, string> ProductionSettings = new Dictionary<string, string> { ["FEATURE_FLAGS"] = "checkout-v2" };

        private readonly ITestOutputHelper _output;
        private readonly AzuriteFixture _azurite = new();
        private readonly string _taskHub = "rst" + Guid.NewGuid().ToString("N")[..12];
        private readonly string _auditTable = AzuriteFixture.UniqueName("audit");
        private readonly string _runId = "run-" + Guid.NewGuid().ToString("N")[..8];
        private TaskHubClient _client = null!;
        private ChildProcess? _host;
        private string _settingsPath = "";

        private CrashWorld(ITestOutputHelper output)
        {
            _output = output;
        }

        public AppServiceEmulatorServer Emulator { get; private set; } = null!;

        public EmulatedSite Site { get; private set; } = null!;

        public static async Task<CrashWorld> StartAsync(ITestOutputHelper output)
        {
            if (!File.Exists(CrashHarness.HostAssembly))
            {
                throw new InvalidOperationException($"{CrashHarness.HostAssembly} is not built: dotnet build tools/LocalFunctionsHost -c Release.");
            }
            var world = new CrashWorld(output);
            await world.InitializeAsync();
            return world;
        }

        private async Task InitializeAsync()
        {
            await _azurite.InitializeAsync();
            Emulator = await AppServiceEmulatorServer.StartAsync(new EmulatorOptions
            {
                SimulateLatency = false,
                OperationPollsToComplete = 2,
                OperationDuration = TimeSpan.FromSeconds(1),
                OperationRetryAfter = TimeSpan.Zero,
            });
            Site = await Emulator.CreateSiteAsync(Subscription, "rg-vault", App, ["staging", "dr"], new AppBehaviour("1.0.0"));
            Emulator.SetAppSettings(Site.Production, ProductionSettings);
            var options = new AppServiceClientOptions { Endpoint = Emulator.ArmEndpoint };
            var arm = new WebSitesClient(StaticTokenCredential.Development(), options);
            var production = SiteId.Parse(Site.ResourceId);
            var backup = await arm.StartBackupAsync(production, new BackupRequest { StorageAccountUrl = "https://backups.example.blob.core.windows.net/vault?sig=not-real" });
            for (var i = 0; i < 20 && !(await arm.GetBackupAsync(production, backup.BackupId)).IsSucceeded; i++)
            {
            }
            Emulator.SetContent(Site.Production, new AppBehaviour("2.0.0"));
            Emulator.ArmCallLog.Clear();

            var values = new JsonObject
            {
                ["AzureWebJobsStorage"] = _azurite.ConnectionString,
                ["FUNCTIONS_WORKER_RUNTIME"] = "dotnet-isolated",
                ["Blueshift__Api__AppsTable"] = AzuriteFixture.UniqueName("apps"),
                ["Blueshift__Audit__TableName"] = _auditTable,
                ["Blueshift__Releases__TableName"] = AzuriteFixture.UniqueName("rel"),
                ["Blueshift__Azure__ResourceManagerEndpoint"] = Emulator.ArmEndpoint.ToString(),
                ["Blueshift__Azure__Credential"] = "Development",
                ["Blueshift__Releases__SlotScheme"] = "http",
                ["FunctionAppHost__Durable__TaskHubName"] = _taskHub,
                ["FunctionAppHost__Durable__PartitionCount"] = "1",
                ["FunctionAppHost__Durable__LeaseInterval"] = "00:00:03",
                ["FunctionAppHost__Durable__LeaseRenewInterval"] = "00:00:01",
                ["FunctionAppHost__Durable__LeaseAcquireInterval"] = "00:00:01",
                ["FunctionAppHost__Durable__MaxQueuePollingInterval"] = "00:00:00.500",
                ["FunctionAppHost__Durable__ControlQueueVisibilityTimeout"] = "00:00:05",
                ["FunctionAppHost__Durable__WorkItemQueueVisibilityTimeout"] = "00:00:05",
            };
            _settingsPath = Path.Combine(Directory.CreateTempSubdirectory("blueshift-restore-crash-").FullName, "local.settings.json");
            await File.WriteAllTextAsync(_settingsPath, new JsonObject { ["IsEncrypted"] = false, ["Values"] = values }.ToJsonString());

            var service = new AzureStorageOrchestrationService(new AzureStorageOrchestrationServiceSettings
            {
                TaskHubName = _taskHub,
                PartitionCount = 1,
                StorageAccountClientProvider = new StorageAccountClientProvider(_azurite.ConnectionString),
            });
            await service.CreateIfNotExistsAsync();
            _client = new TaskHubClient(service, new SdkConverter());
        }

        public void StartHost() =>
            _host = ChildProcess.Start("dotnet", [CrashHarness.HostAssembly, "--settings", _settingsPath, "--port", FreePort.Next().ToString(CultureInfo.InvariantCulture)]);

        /// <summary>SIGKILL (Process.Kill on Unix): no graceful stop, leases and dequeued messages are left to expire.</summary>
        public void KillHost()
        {
            if (_host is { HasExited: true })
            {
                throw new InvalidOperationException($"The host exited by itself (code {_host.ExitCode}) before it was killed. Output:\n{_host.Output}");
            }
            _output.WriteLine("killing the host (SIGKILL)");
            _host?.Dispose();
            _host = null;
        }

        public async Task<string> ScheduleAsync(RestoreTestTimings timings)
        {
            var request = new RestoreTestRequest(new ManagedApp(App, Site.ResourceId, "staging", "/health"), _runId, timings);
            var instance = await _client.CreateOrchestrationInstanceAsync(ComplianceOrchestrationNames.RestoreTest, "", "restore-test-" + _runId, request);
            return instance.InstanceId;
        }

        /// <summary>Polls (bounded) until <paramref name="condition"/> holds: a pace, not a synchronisation, since the condition is re-read.</summary>
        public Task WaitUntilAsync(Func<bool> condition, string what, TimeSpan? within = null) =>
            WaitUntilAsync(() => Task.FromResult(condition()), what, within);

        public async Task WaitUntilAsync(Func<Task<bool>> condition, string what, TimeSpan? within = null)
        {
            var clock = Stopwatch.StartNew();
            while (!await condition())
            {
                if (clock.Elapsed > (within ?? TimeSpan.FromSeconds(60)))
                {
                    throw new Xunit.Sdk.XunitException($"Waited {clock.Elapsed.TotalSeconds:F0} s for {what}. Host output:\n{_host?.Output}");
                }
                await Task.Delay(TimeSpan.FromMilliseconds(100));
            }
            _output.WriteLine($"{what}: after {clock.Elapsed.TotalSeconds:F1} s");
        }

        public async Task<OrchestrationStatus?> StatusAsync(string instanceId) => (await _client.GetOrchestrationStateAsync(instanceId))?.OrchestrationStatus;

        public async Task<(OrchestrationState State, List<Observation> Observations)> WaitForEndAsync(string instanceId)
        {
            OrchestrationState? state = null;
            await WaitUntilAsync(async () =>
            {
                state = await _client.GetOrchestrationStateAsync(instanceId);
                return state is { OrchestrationStatus: OrchestrationStatus.Completed or OrchestrationStatus.Failed or OrchestrationStatus.Terminated };
            }, "the restore test to end", TimeSpan.FromSeconds(120));
            var observations = state!.OrchestrationStatus == OrchestrationStatus.Completed
                ? SdkJsonDataConverter.Default.Deserialize<List<Observation>>(state.Output) ?? []
                : [];
            return (state, observations);
        }

        public async Task<AuditRecord> EvidenceAsync()
        {
            var trail = new TableAuditTrail(new TableClient(_azurite.ConnectionString, _auditTable));
            var records = new List<AuditRecord>();
            await foreach (var record in trail.QueryAsync(App, DateTimeOffset.UtcNow.AddHours(-1), DateTimeOffset.UtcNow.AddHours(1), CancellationToken.None))
            {
                if (record.Action == "compliance.restore-test" && record.CorrelationId == _runId)
                {
                    records.Add(record);
                }
            }
            return Assert.Single(records);
        }

        public void AssertCleanedUpAndProductionUntouched()
        {
            Assert.True(Site.Slot("dr").IsStopped, "The DR slot was not stopped after the restore test.");
            Assert.DoesNotContain(Emulator.ArmCallLog.Snapshot(), c => c.Path.StartsWith(Site.ResourceId, StringComparison.OrdinalIgnoreCase)
                && !c.Path.Contains("/slots/", StringComparison.OrdinalIgnoreCase) && c.Method != "GET");
            Assert.Equal("2.0.0", Site.Production.Version);
            Assert.Equal(ProductionSettings, Site.Production.AppSettings);
            Assert.False(Site.Production.IsStopped);
            Assert.All(Emulator.GetOperations().Where(o => o.Kind == OperationKind.Restore), o => Assert.Equal("dr", o.Slot));
        }

        public async ValueTask DisposeAsync()
        {
            _host?.Dispose();
            await Emulator.DisposeAsync();
            await _azurite.DisposeAsync();
        }

        /// <summary>DTFx's client writes inputs and reads outputs the way the Durable Task SDK's worker does.</summary>
        private sealed class SdkConverter : DurableTask.Core.Serializing.DataConverter
        {
            public override string Serialize(object value) => SdkJsonDataConverter.Default.Serialize(value)!;

            public override string Serialize(object value, bool formatted) => Serialize(value);

            public override object Deserialize(string data, Type objectType) => SdkJsonDataConverter.Default.Deserialize(data, objectType)!;
        }
    }
}
