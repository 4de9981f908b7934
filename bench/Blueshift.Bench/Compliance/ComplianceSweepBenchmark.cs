using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;
using Azure;
using Azure.Core.Pipeline;
using Azure.Data.Tables;
using Azure.Storage.Blobs;
using Azure.Storage.Sas;
using Blueshift.AppServiceEmulator;
using Blueshift.Bench.Orchestrations;
using Blueshift.Functions;
using Blueshift.Functions.Azure.ResourceManager;
using Blueshift.Functions.Compliance;
using Blueshift.Functions.Compliance.SecretRotation;
using Blueshift.Functions.Hosting;
using Blueshift.LocalFunctionsHost;
using Blueshift.LocalFunctionsHost.Durable;
using Blueshift.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Blueshift.Bench.Compliance;

/// <summary>
/// A sweep of every compliance job over many managed apps, as operators run one: the local Functions host (Durable Task
/// SDK over DTFx's Azure Storage provider on a real Azurite) against the App Service emulator and its Key Vault stand-in.
/// Each job is started with the admin API (<c>POST /api/compliance/jobs/{job}/run</c>) and watched through
/// <c>GET /api/compliance/status</c> until its run ends. Prints, per job: wall time, ARM calls per app (the emulator's call
/// log), Key Vault requests per app, storage requests per app (a counting proxy in front of Azurite: the task hub and
/// Blueshift's tables together) and the run's tallies.
/// </summary>
internal static class ComplianceSweepBenchmark
{
    private const string Usage =
        "usage: Blueshift.Bench compliance [--apps 1000] [--jobs backup-rpo,…|all] [--violating 0.1] [--timeout 30]\n" +
        "  --violating is the share of apps seeded with a violation for each job; --timeout in minutes per job";
    private const string Subscription = "00000000-0000-0000-0000-00000000c0c0";
    private const string ResourceGroup = "bench";
    private const string TaskHub = "ComplianceBenchHub";
    private const string MasterKey = "bench-master-key";
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public static async Task<int> RunAsync(string[] args)
    {
        int apps = 1000, timeoutMinutes = 30;
        double violating = 0.1;
        IReadOnlyList<ComplianceJob> jobs = ComplianceJobs.All;
        for (var i = 0; i < args.Length; i++)
        {
            var value = i + 1 < args.Length ? args[i + 1] : null;
            switch (args[i])
            {
                case "--apps" when int.TryParse(value, CultureInfo.InvariantCulture, out apps) && apps is >= 1 and <= 5000: i++; break;
                case "--timeout" when int.TryParse(value, CultureInfo.InvariantCulture, out timeoutMinutes) && timeoutMinutes >= 1: i++; break;
                case "--violating" when double.TryParse(value, CultureInfo.InvariantCulture, out violating) && violating is >= 0 and <= 1: i++; break;
                case "--jobs" when value is "all": i++; break;
                case "--jobs" when value is not null && ParseJobs(value) is { } parsed: jobs = parsed; i++; break;
                default:
                    Console.Error.WriteLine(Usage);
                    return 2;
            }
        }

        // Every emulated slot is its own Kestrel host; without this each would watch appsettings.json with an inotify instance.
        Environment.SetEnvironmentVariable("DOTNET_hostBuilder__reloadConfigOnChange", "false");
        Console.WriteLine($"compliance sweep benchmark: {apps} managed apps (production, staging and dr slots), {violating:P0} of them seeded " +
            $"with a violation per job; jobs {string.Join(", ", jobs.Select(ComplianceJobs.Name))}; {Environment.ProcessorCount} cores, .NET {Environment.Version}");
        Console.WriteLine($"load average at start: {OrchestrationBenchmark.LoadAverage()} (the machine may be shared: other processes' load slows every figure below)");

        var azurite = new AzuriteFixture();
        await azurite.InitializeAsync();
        try
        {
            await using var storage = await StorageRequestCounter.StartAsync(azurite);
            await using var emulator = await AppServiceEmulatorServer.StartAsync(new EmulatorOptions
            {
                SimulateLatency = false,
                OperationPollsToComplete = 2,
                OperationDuration = TimeSpan.FromSeconds(1),
                KeyVault = true,
            });
            return await RunAsync(apps, violating, jobs, TimeSpan.FromMinutes(timeoutMinutes), azurite, storage, emulator);
        }
        finally
        {
            await azurite.DisposeAsync();
        }
    }

    private static async Task<string> InstancesByStatusAsync(AzuriteFixture azurite)
    {
        try
        {
            var table = new TableClient(azurite.ConnectionString, TaskHub + "Instances");
            var counts = new SortedDictionary<string, int>(StringComparer.Ordinal);
            await foreach (var entity in table.QueryAsync<TableEntity>(select: ["RuntimeStatus"]))
            {
                var status = entity.GetString("RuntimeStatus") ?? "?";
                counts[status] = counts.GetValueOrDefault(status) + 1;
            }
            return string.Join(", ", counts.Select(c => $"{c.Key} {c.Value}"));
        }
        catch (RequestFailedException ex)
        {
            return $"not readable ({ex.Status})";
        }
    }

    private static IReadOnlyList<ComplianceJob>? ParseJobs(string value)
    {
        var jobs = new List<ComplianceJob>();
        foreach (var name in value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (!ComplianceJobs.TryParse(name, out var job))
            {
                return null;
            }
            jobs.Add(job);
        }
        return jobs.Count > 0 ? jobs : null;
    }

    private static async Task<int> RunAsync(int count, double violating, IReadOnlyList<ComplianceJob> jobs, TimeSpan timeout,
        AzuriteFixture azurite, StorageRequestCounter storage, AppServiceEmulatorServer emulator)
    {
        var setup = Stopwatch.StartNew();
        var vault = emulator.KeyVault!;
        // Backups go to a container in Azurite, reached through the counting proxy (the blob reads of backup verification count).
        var container = new BlobContainerClient(azurite.ConnectionString, AzuriteFixture.UniqueName("backups"));
        await container.CreateIfNotExistsAsync();
        var sas = container.GenerateSasUri(BlobContainerSasPermissions.All, DateTimeOffset.UtcNow.AddDays(1));
        var containerUrl = new UriBuilder(sas) { Port = storage.BlobPort }.Uri.ToString();

        using var arm = new HttpClient { BaseAddress = emulator.ArmEndpoint };
        arm.DefaultRequestHeaders.Authorization = new("Bearer", StaticTokenCredential.DevelopmentToken);
        var violators = (int)Math.Round(count * violating);
        var sites = new List<EmulatedSite>(count);
        for (var i = 0; i < count; i++)
        {
            var name = $"sweep-app-{i:D4}";
            var site = await emulator.CreateSiteAsync(Subscription, ResourceGroup, name, ["staging", "dr"], new AppBehaviour("1.0.0"));
            var bad = i < violators;
            var secretName = $"api-key-{i:D4}";
            // A violating app's API key was last rotated 400 days ago (yearly rotation); the others' this month.
            vault.SetSecret(secretName, new VaultSecretSpec("not-a-real-key", Tags: new Dictionary<string, string> { ["secret-kind"] = "api-key" },
                Created: DateTimeOffset.UtcNow.AddDays(bad ? -400 : -20)));
            var settings = new Dictionary<string, string>
            {
                ["FEATURE_FLAGS"] = bad ? "beta" : "stable",
                ["PAYMENTS_API_KEY"] = $"@Microsoft.KeyVault(VaultName=kv-sweep;SecretName={secretName})",
            };
            emulator.SetAppSettings(site.Production, settings);
            emulator.SetAppSettings(site.Slot("staging"), settings);
            if (!bad)
            {
                // A violating app has no backups configured; the others one fresh backup, its blob written to the container.
                var path = $"{site.ResourceId}/config/backup?api-version=2024-04-01";
                using var configured = await arm.PutAsJsonAsync(path, new { properties = new { storageAccountUrl = containerUrl, enabled = true,
                    backupSchedule = new { frequencyInterval = 1, frequencyUnit = "Hour", keepAtLeastOneBackup = true, retentionPeriodInDays = 7 } } });
                configured.EnsureSuccessStatusCode();
                using var backup = await arm.PostAsJsonAsync($"{site.ResourceId}/backup?api-version=2024-04-01",
                    new { properties = new { storageAccountUrl = containerUrl, backupName = $"{name}-setup" } });
                backup.EnsureSuccessStatusCode();
            }
            sites.Add(site);
        }
        emulator.AdvanceOperations();
        Console.WriteLine($"setup: Azurite, counting proxy, emulator with {count} apps (3 slots each), vault secrets and backups in {setup.Elapsed.TotalSeconds:0.0} s");

        await using var host = BuildHost(storage, emulator);
        await host.StartAsync();
        using var api = new HttpClient { BaseAddress = new Uri(host.Urls.First()), Timeout = TimeSpan.FromMinutes(2) };
        api.DefaultRequestHeaders.Add("x-functions-key", MasterKey);
        for (var i = 0; i < count; i++)
        {
            var site = sites[i];
            using var put = await api.PutAsJsonAsync($"api/apps/{site.Name}", new
            {
                resourceId = site.ResourceId,
                stagingSlot = "staging",
                healthCheckPath = "/health",
                compliance = new
                {
                    desiredSettings = new Dictionary<string, string> { ["FEATURE_FLAGS"] = "stable" },
                    settingsMatchingStaging = new[] { "FEATURE_FLAGS" },
                    drSlot = "dr",
                },
            });
            if (!put.IsSuccessStatusCode)
            {
                Console.Error.WriteLine($"PUT /api/apps/{site.Name} answered {(int)put.StatusCode}: {await put.Content.ReadAsStringAsync()}");
                return 1;
            }
        }
        Console.WriteLine($"registered {count} apps through PUT /api/apps in {setup.Elapsed.TotalSeconds:0.0} s since the start");

        var rows = new List<string>();
        var failed = false;
        foreach (var job in jobs)
        {
            var name = ComplianceJobs.Name(job);
            var storageBefore = storage.Snapshot();
            var armBefore = emulator.ArmCallLog.Count;
            var vaultBefore = vault.Requests().Count;
            var cpuBefore = (Self: Process.GetCurrentProcess().TotalProcessorTime, Azurite: OrchestrationBenchmark.AzuriteCpu(azurite.ProcessId));
            var wall = Stopwatch.StartNew();
            using var started = await api.PostAsync($"api/compliance/jobs/{name}/run", null);
            if (!started.IsSuccessStatusCode)
            {
                Console.Error.WriteLine($"POST /api/compliance/jobs/{name}/run answered {(int)started.StatusCode}: {await started.Content.ReadAsStringAsync()}");
                return 1;
            }
            var runId = (await started.Content.ReadFromJsonAsync<JsonElement>(Json)).GetProperty("runId").GetString();
            JsonElement? lastRun = null;
            var nextProgress = TimeSpan.FromSeconds(30);
            while (wall.Elapsed < timeout)
            {
                await Task.Delay(TimeSpan.FromSeconds(1));
                if (wall.Elapsed >= nextProgress)
                {
                    // Where the run is: the task hub's instances by runtime status (the job's and its sub-orchestrations).
                    nextProgress += TimeSpan.FromSeconds(30);
                    Console.WriteLine($"  {wall.Elapsed.TotalSeconds,6:0} s: instances {await InstancesByStatusAsync(azurite)}");
                }
                JsonElement status;
                try
                {
                    status = await api.GetFromJsonAsync<JsonElement>("api/compliance/status", Json);
                }
                catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
                {
                    // A saturated Azurite can keep the status read past its timeout: say so and look again.
                    Console.WriteLine($"  {wall.Elapsed.TotalSeconds,6:0} s: GET /api/compliance/status failed ({ex.GetType().Name}); polling on");
                    continue;
                }
                var entry = status.GetProperty("jobs").EnumerateArray().First(j => j.GetProperty("job").GetString() == name);
                if (entry.TryGetProperty("lastRun", out var run) && run.ValueKind == JsonValueKind.Object
                    && run.GetProperty("runId").GetString() == runId && run.TryGetProperty("endedAt", out var ended) && ended.ValueKind != JsonValueKind.Null)
                {
                    lastRun = run.Clone();
                    break;
                }
            }
            wall.Stop();
            var cpu = (Self: Process.GetCurrentProcess().TotalProcessorTime - cpuBefore.Self,
                Azurite: OrchestrationBenchmark.AzuriteCpu(azurite.ProcessId) - cpuBefore.Azurite);
            var storageAfter = storage.Snapshot();
            var armCalls = emulator.ArmCallLog.Snapshot().Skip(armBefore).ToList();
            var vaultRequests = vault.Requests().Count - vaultBefore;
            var storageRequests = storageAfter.Sum(kv => kv.Value - storageBefore.GetValueOrDefault(kv.Key));
            double n = count;
            var result = lastRun is { } r ? $"{r.GetProperty("result").GetString()} {r.GetProperty("tallies").GetRawText()}" : "did not end within the timeout";
            failed |= lastRun is null;
            Console.WriteLine($"{name}: {wall.Elapsed.TotalSeconds:0.0} s, ARM {armCalls.Count / n:0.00}/app, Key Vault {vaultRequests / n:0.00}/app, " +
                $"storage {storageRequests / n:0.0}/app, .NET CPU {cpu.Self.TotalMilliseconds / n:0.0} ms/app, Azurite CPU {cpu.Azurite.TotalMilliseconds / n:0.0} ms/app; {result}");
            foreach (var operation in armCalls.GroupBy(c => $"{c.Method} {OrchestrationBenchmark.ArmOperation(c.Path)}").OrderByDescending(g => g.Count()).Take(6))
            {
                Console.WriteLine($"  {operation.Count() / n,5:0.00}  {operation.Key}");
            }
            rows.Add($"| {name} | {wall.Elapsed.TotalSeconds:0.0} | {armCalls.Count / n:0.00} | {vaultRequests / n:0.00} | {storageRequests / n:0.0} | {result} |");
        }

        // What the runs left open, by kind: the seeded violations, and anything else (a check that could not finish in time).
        var openByKind = new SortedDictionary<string, int>(StringComparer.Ordinal);
        string? token = null;
        do
        {
            var page = await api.GetFromJsonAsync<FindingsPage>(
                "api/compliance/findings?status=open" + (token is null ? "" : "&continuationToken=" + Uri.EscapeDataString(token)), Json);
            foreach (var finding in page!.Findings)
            {
                openByKind[finding.Kind] = openByKind.GetValueOrDefault(finding.Kind) + 1;
            }
            token = page.ContinuationToken;
        }
        while (token is not null);
        Console.WriteLine($"open findings: {string.Join(", ", openByKind.Select(k => $"{k.Key} {k.Value}"))}");
        Console.WriteLine();
        Console.WriteLine($"| job ({count} apps) | wall s | ARM calls/app | Key Vault requests/app | storage requests/app | run result and tallies |");
        Console.WriteLine("|---|---|---|---|---|---|");
        rows.ForEach(Console.WriteLine);
        Console.WriteLine($"load average at end: {OrchestrationBenchmark.LoadAverage()}");
        await host.StopAsync();
        return failed ? 1 : 0;
    }

    private static WebApplication BuildHost(StorageRequestCounter storage, AppServiceEmulatorServer emulator)
    {
        var options = new FunctionAppHostOptions
        {
            Urls = $"http://127.0.0.1:{FreePort.Next()}",
            MasterKey = MasterKey,
            ConfigureLogging = logging => logging.ClearProviders().AddSimpleConsole(c => c.SingleLine = true).SetMinimumLevel(LogLevel.Error),
        };
        options.Durable.TaskHubName = TaskHub;
        HostJsonDurableSettings.Apply(options.Durable, Path.Combine(AppContext.BaseDirectory, "host.json"));
        foreach (var (name, value) in new Dictionary<string, string>
                 {
                     ["AzureWebJobsStorage"] = storage.ConnectionString,
                     ["FUNCTIONS_WORKER_RUNTIME"] = "dotnet-isolated",
                     ["Blueshift__Api__AppsTable"] = AzuriteFixture.UniqueName("apps"),
                     ["Blueshift__Audit__TableName"] = AzuriteFixture.UniqueName("audit"),
                     ["Blueshift__Releases__TableName"] = AzuriteFixture.UniqueName("rel"),
                     ["Blueshift__Azure__ResourceManagerEndpoint"] = emulator.ArmEndpoint.ToString(),
                     ["Blueshift__Azure__Credential"] = "Development",
                     ["Blueshift__Releases__SlotScheme"] = "http",
                     // The operator who registers the apps and runs the jobs (the admin role is what POST .../run needs).
                     ["Blueshift__Security__DevelopmentIdentity__UserId"] = "bench-operator",
                     ["Blueshift__Security__DevelopmentIdentity__Roles__0"] = "Blueshift.Admin",
                     ["Blueshift__Security__DevelopmentIdentity__Roles__1"] = "Blueshift.Releaser",
                     ["Blueshift__Compliance__SecretRotation__VaultEndpoint"] = emulator.KeyVault!.VaultUri.ToString(),
                     ["Blueshift__Compliance__RestoreTest__PollInterval"] = "00:00:01",
                     ["Blueshift__Compliance__RestoreTest__ProbeInterval"] = "00:00:01",
                     ["Blueshift__Compliance__RestoreTest__OperationTimeout"] = "00:05:00",
                     ["Blueshift__Compliance__RestoreTest__HealthTimeout"] = "00:05:00",
                 })
        {
            options.Settings[name] = value;
        }
        OrchestrationBenchmark.NoComplianceTicks(options);
        options.Settings[FunctionHostingServices.HostEndpointKey] = options.Urls;
        return FunctionAppHost.Build(typeof(Functions.Program).Assembly, (services, configuration) =>
        {
            services.AddBlueshiftFunctions(configuration);
            // The stand-in's certificate is its own: Blueshift's Key Vault clients trust it here, as the tests' do.
            var checkOptions = new SecretRotationCheckOptions { VaultEndpoint = emulator.KeyVault!.VaultUri };
            var reader = new KeyVaultSecretReader(new StaticTokenCredential(StaticTokenCredential.DevelopmentToken), checkOptions,
                client => client.Transport = new HttpClientTransport(emulator.KeyVault.CreateHttpHandler()));
            services.AddSingleton(reader);
            services.AddSingleton<ISecretPropertiesReader>(reader);
        }, options);
    }
}
