using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using Azure.Core;
using Azure.Core.Pipeline;
using Azure.Data.Tables;
using Blueshift.AppServiceEmulator;
using Blueshift.Functions.Apps;
using Blueshift.Functions.Audit;
using Blueshift.Functions.Releases;
using Blueshift.Functions.Security;
using Blueshift.Functions.Storage;
using Blueshift.Testing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Blueshift.Bench.Releases;

/// <summary>
/// The release control plane at scale: N apps on the in-process App Service emulator, a release each through
/// <see cref="IReleaseService"/>, then reconcile ticks on a manual clock (bakes pass instantly, so the figures are the
/// control plane's own cost: Table storage, ARM calls, probes, analysis). Storage is a real Azurite.
/// </summary>
internal static class ReleaseBenchmark
{
    private const string Usage = "usage: Blueshift.Bench releases [--apps 1000] [--max-ticks 400] [--requests-per-round 10] [--concurrency 32]";
    private const string Subscription = "00000000-0000-0000-0000-000000000000";
    private const string ResourceGroup = "bench";

    public static async Task<int> RunAsync(string[] args)
    {
        int apps = 1000, maxTicks = 400, requestsPerRound = 10, concurrency = new ReleaseEngineOptions().MaxConcurrency;
        for (var i = 0; i < args.Length; i++)
        {
            var value = i + 1 < args.Length ? args[i + 1] : null;
            switch (args[i])
            {
                case "--apps" when int.TryParse(value, out apps) && apps is >= 1 and <= 5000: i++; break;
                case "--max-ticks" when int.TryParse(value, out maxTicks) && maxTicks >= 1: i++; break;
                case "--requests-per-round" when int.TryParse(value, out requestsPerRound) && requestsPerRound >= 0: i++; break;
                case "--concurrency" when int.TryParse(value, out concurrency) && concurrency is >= 1 and <= 256: i++; break;
                default:
                    Console.Error.WriteLine(Usage);
                    return 2;
            }
        }

        // Every emulated slot is its own Kestrel host; without this each would watch appsettings.json with an inotify
        // instance, and a thousand apps exhaust the per-user limit (128 by default on Linux).
        Environment.SetEnvironmentVariable("DOTNET_hostBuilder__reloadConfigOnChange", "false");
        Console.WriteLine($"releases benchmark: {apps} apps, reconcile concurrency {concurrency}, {Environment.ProcessorCount} cores, {RuntimeInfo()}");
        var clock = new ManualTimeProvider(new DateTimeOffset(2026, 11, 23, 10, 0, 0, TimeSpan.Zero));
        var azurite = new AzuriteFixture();
        await azurite.InitializeAsync();
        try
        {
            await using var emulator = await AppServiceEmulatorServer.StartAsync(new EmulatorOptions
            {
                TimeProvider = clock,
                SimulateLatency = false,
                OperationRetryAfter = TimeSpan.Zero,
            });
            return await RunAsync(azurite, emulator, clock, apps, maxTicks, requestsPerRound, concurrency);
        }
        finally
        {
            await azurite.DisposeAsync();
        }
    }

    private static async Task<int> RunAsync(AzuriteFixture azurite, AppServiceEmulatorServer emulator, ManualTimeProvider clock,
        int appCount, int maxTicks, int requestsPerRound, int concurrency)
    {
        var setup = Stopwatch.StartNew();
        var sites = new List<EmulatedSite>(appCount);
        for (var i = 0; i < appCount; i++)
        {
            sites.Add(await emulator.CreateSiteAsync(Subscription, ResourceGroup, AppName(i), ["staging"], AppBehaviour.Initial));
        }
        var package = emulator.PutPackage("bench-2.0.0", SamplePackage.Create("2.0.0"));
        Console.WriteLine($"emulator: {appCount} sites with a staging slot in {setup.Elapsed.TotalSeconds:0.0} s");

        var storageRequests = new TableRequestCounter();
        await using var services = BuildServices(azurite, emulator, clock, concurrency, storageRequests);
        var appStore = services.GetRequiredService<IManagedAppStore>();
        var releases = services.GetRequiredService<IReleaseService>();
        var tick = services.GetRequiredService<ReconcileTick>();
        var caller = new Caller("bench", "Benchmark", new HashSet<string> { Roles.Releaser });

        for (var i = 0; i < appCount; i++)
        {
            await appStore.PutAsync(new ManagedApp(AppName(i), sites[i].ResourceId,
                Policy: new AppPolicyOverrides(BakeTime: TimeSpan.FromMinutes(5), PostSwapWatch: TimeSpan.FromMinutes(5), MinimumRequests: 5)), CancellationToken.None);
        }

        // Production's baseline window needs traffic before the releases start.
        await SendTrafficAsync(emulator, sites, requestsPerRound);
        emulator.ArmCallLog.Clear();

        var auditFrom = clock.GetUtcNow();
        var start = Stopwatch.StartNew();
        var ids = new string[appCount];
        var startLatencies = new double[appCount];
        await Parallel.ForAsync(0, appCount, new ParallelOptions { MaxDegreeOfParallelism = concurrency }, async (i, token) =>
        {
            var one = Stopwatch.StartNew();
            var result = await releases.StartAsync(
                new ReleaseRequest(AppName(i), "2.0.0", package, "Patch", "Standard"), caller, idempotencyKey: null, token);
            startLatencies[i] = one.Elapsed.TotalMilliseconds;
            ids[i] = result is ReleaseCommandResult.Accepted accepted
                ? accepted.Release.Id
                : throw new InvalidOperationException($"Release of {AppName(i)} refused: {((ReleaseCommandResult.Rejected)result).Detail}");
        });
        Console.WriteLine($"started {appCount} releases in {start.Elapsed.TotalSeconds:0.00} s ({appCount / start.Elapsed.TotalSeconds:0.0}/s); " +
            $"StartAsync latency {Percentiles(startLatencies)}");

        var ticks = new List<TickFigures>();
        var perRelease = new List<double>();
        var total = Stopwatch.StartNew();
        for (var n = 0; n < maxTicks; n++)
        {
            if (n % 10 == 9 && !(await CountByStatusAsync(releases, ids)).Keys.Any(k => k.StartsWith("Active", StringComparison.Ordinal)))
            {
                break;
            }
            var one = Stopwatch.StartNew();
            var cpuBefore = (Self: CpuTime(null), Azurite: CpuTime(azurite.ProcessId));
            var gcBefore = (Pause: GC.GetTotalPauseDuration(), Gen2: GC.CollectionCount(2));
            storageRequests.Reset();
            var result = await tick.RunAsync(CancellationToken.None);
            var elapsed = one.Elapsed;
            var cpu = (Self: CpuTime(null) - cpuBefore.Self, Azurite: CpuTime(azurite.ProcessId) - cpuBefore.Azurite);
            ticks.Add(new TickFigures(result.Due, result.Failed, elapsed));
            if (result.Due > 0)
            {
                // A tick reconciles its due releases concurrency-at-a-time, so one release's share of the wall time is this.
                perRelease.AddRange(Enumerable.Repeat(elapsed.TotalMilliseconds * Math.Min(concurrency, result.Due) / result.Due, result.Due));
            }
            if (result.Due > 0 || result.Failed > 0)
            {
                Console.WriteLine($"tick {n,4}: {result.Due,5} due, {result.Failed,3} failed, {elapsed.TotalSeconds,6:0.00} s " +
                    $"(CPU: control plane + emulator {cpu.Self.TotalSeconds:0.00} s, Azurite {cpu.Azurite.TotalSeconds:0.00} s; " +
                    $"GC pauses {(GC.GetTotalPauseDuration() - gcBefore.Pause).TotalSeconds:0.00} s, {GC.CollectionCount(2) - gcBefore.Gen2} gen2; " +
                    $"Table storage requests {storageRequests.Describe(result.Due)})");
            }
            await SendTrafficAsync(emulator, sites, requestsPerRound);
            emulator.AdvanceOperations();
            // Nothing due means every release waits on a bake or a notice period: skip ahead rather than tick through it.
            clock.Advance(result.Due == 0 ? TimeSpan.FromMinutes(5) : TimeSpan.FromSeconds(30));
        }

        var final = await CountByStatusAsync(releases, ids);
        var busy = ticks.Where(t => t.Due >= appCount * 9 / 10).ToList();
        Console.WriteLine();
        Console.WriteLine($"ticks run:                {ticks.Count} in {total.Elapsed.TotalSeconds:0.0} s wall ({ticks.Count / total.Elapsed.TotalSeconds:0.00} ticks/s including traffic between ticks)");
        Console.WriteLine($"tick wall time, all:      {Percentiles(ticks.Select(t => t.Elapsed.TotalMilliseconds).ToArray())}");
        Console.WriteLine($"tick wall time, >=90 % of releases due ({busy.Count} ticks): {(busy.Count == 0 ? "none" : Percentiles(busy.Select(t => t.Elapsed.TotalMilliseconds).ToArray()))}" +
            $" (target: {appCount} releases within 5,000 ms)");
        Console.WriteLine($"reconcile per release:    {Percentiles([.. perRelease])} (tick wall time × concurrency / due; not measured inside the engine)");
        Console.WriteLine($"tick failures:            {ticks.Sum(t => t.Failed)}");
        var armCalls = emulator.ArmCallLog.Snapshot();
        Console.WriteLine($"ARM calls:                {armCalls.Count} = {(double)armCalls.Count / appCount:0.0} per release; " +
            string.Join(", ", armCalls.GroupBy(c => c.Method).OrderBy(g => g.Key).Select(g => $"{g.Key} {g.Count()}")));
        foreach (var operation in armCalls.GroupBy(c => $"{c.Method} {ArmOperation(c.Path)}").OrderByDescending(g => g.Count()))
        {
            Console.WriteLine($"  {(double)operation.Count() / appCount,5:0.0} per release  {operation.Key}");
        }
        using var process = Process.GetCurrentProcess();
        Console.WriteLine($"memory:                   working set {process.WorkingSet64 / 1048576.0:0} MiB, GC heap {GC.GetTotalMemory(false) / 1048576.0:0} MiB, " +
            $"peak working set {process.PeakWorkingSet64 / 1048576.0:0} MiB");
        Console.WriteLine($"final statuses:           {string.Join(", ", final.Select(kv => $"{kv.Key} {kv.Value}"))}");

        // Each audit record is two Table entities (both in its month's partition): what they are explains much of
        // the storage work per tick.
        var actions = new SortedDictionary<string, int>(StringComparer.Ordinal);
        await foreach (var record in services.GetRequiredService<IAuditTrail>().QueryAsync(null, auditFrom, clock.GetUtcNow(), CancellationToken.None))
        {
            actions[record.Action] = actions.GetValueOrDefault(record.Action) + 1;
        }
        Console.WriteLine($"audit records:            {(double)actions.Values.Sum() / appCount:0.0} per release; " +
            string.Join(", ", actions.OrderByDescending(a => a.Value).Select(a => $"{a.Key} {(double)a.Value / appCount:0.0}")));
        return 0;
    }

    private static ServiceProvider BuildServices(
        AzuriteFixture azurite, AppServiceEmulatorServer emulator, ManualTimeProvider clock, int concurrency, TableRequestCounter storageRequests)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["AzureWebJobsStorage"] = azurite.ConnectionString,
            ["Blueshift:Azure:ResourceManagerEndpoint"] = emulator.ArmEndpoint.ToString(),
            ["Blueshift:Azure:Credential"] = "Development",
            ["Blueshift:Releases:SlotScheme"] = "http",
            ["Blueshift:Releases:TableName"] = AzuriteFixture.UniqueName("bench"),
            ["Blueshift:Releases:MaxConcurrency"] = concurrency.ToString(CultureInfo.InvariantCulture),
        }).Build();
        var services = new ServiceCollection();
        services.AddSingleton<IConfiguration>(configuration);
        services.AddLogging(logging => logging.AddSimpleConsole(console => console.SingleLine = true).SetMinimumLevel(LogLevel.Warning));
        services.AddSingleton<TimeProvider>(clock);
        // Every table of the control plane goes through this one client, so its pipeline sees every Table request.
        var tableOptions = new TableClientOptions();
        tableOptions.AddPolicy(storageRequests, HttpPipelinePosition.PerRetry);
        services.AddSingleton(StorageConnection.FromConfiguration(configuration).CreateTableServiceClient(tableOptions));
        services.AddAuditTrail(configuration);
        var appsTable = AzuriteFixture.UniqueName("benchapps");
        services.AddSingleton<IManagedAppStore>(sp => new TableManagedAppStore(sp.GetRequiredService<TableServiceClient>().GetTableClient(appsTable)));
        services.AddReleaseEngine(configuration);
        return services.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true });
    }

    private static async Task SendTrafficAsync(AppServiceEmulatorServer emulator, IReadOnlyList<EmulatedSite> sites, int requests)
    {
        if (requests == 0)
        {
            return;
        }
        await Parallel.ForEachAsync(sites, new ParallelOptions { MaxDegreeOfParallelism = 16 },
            async (site, token) => await emulator.Traffic.SendAsync(site, requests, 2, "/", token));
    }

    private static async Task<SortedDictionary<string, int>> CountByStatusAsync(IReleaseService releases, IEnumerable<string> ids)
    {
        var counts = new SortedDictionary<string, int>(StringComparer.Ordinal);
        foreach (var id in ids)
        {
            var release = await releases.GetAsync(id, CancellationToken.None);
            var key = release is null ? "missing" : release.Status == "Active" ? $"Active/{release.Phase}" : release.Status;
            counts[key] = counts.GetValueOrDefault(key) + 1;
        }
        return counts;
    }

    private static string Percentiles(double[] milliseconds)
    {
        if (milliseconds.Length == 0)
        {
            return "no samples";
        }
        Array.Sort(milliseconds);
        double At(double p) => milliseconds[Math.Min(milliseconds.Length - 1, (int)Math.Ceiling(p * milliseconds.Length) - 1)];
        return $"p50 {At(0.50):0.0} ms, p95 {At(0.95):0.0} ms, p99 {At(0.99):0.0} ms, max {milliseconds[^1]:0.0} ms (n={milliseconds.Length})";
    }

    /// <summary>CPU time used so far by this process (null) or another one, from /proc on Linux.</summary>
    private static TimeSpan CpuTime(int? processId)
    {
        if (processId is null)
        {
            using var self = Process.GetCurrentProcess();
            return self.TotalProcessorTime;
        }
        try
        {
            using var other = Process.GetProcessById(processId.Value);
            return other.TotalProcessorTime;
        }
        catch (Exception ex) when (ex is ArgumentException or InvalidOperationException)
        {
            return TimeSpan.Zero;
        }
    }

    // The resource path with its names left out: /subscriptions/…/sites/{site}/slots/{slot}/config/web.
    private static string ArmOperation(string path)
    {
        var segments = path.Split('/', StringSplitOptions.RemoveEmptyEntries);
        var named = new HashSet<string>(StringComparer.OrdinalIgnoreCase) { "subscriptions", "resourceGroups", "sites", "slots", "locations", "operations", "operationResults", "deployments", "backups" };
        var shown = new string[segments.Length];
        for (var i = 0; i < segments.Length; i++)
        {
            shown[i] = i > 0 && named.Contains(segments[i - 1]) ? "{" + segments[i - 1] + "}" : segments[i];
        }
        return "/" + string.Join('/', shown);
    }

    private static string RuntimeInfo() => $".NET {Environment.Version}, server GC {System.Runtime.GCSettings.IsServerGC}";

    private static string AppName(int i) => $"bench-app-{i:D4}";

    private sealed record TickFigures(int Due, int Failed, TimeSpan Elapsed);

    /// <summary>Counts the Table service requests of the control plane's client by method, retries included, from inside its pipeline.</summary>
    private sealed class TableRequestCounter : HttpPipelineSynchronousPolicy
    {
        private readonly ConcurrentDictionary<string, int> _byMethod = new(StringComparer.Ordinal);

        public override void OnSendingRequest(HttpMessage message) =>
            _byMethod.AddOrUpdate(message.Request.Method.Method, 1, (_, n) => n + 1);

        public void Reset() => _byMethod.Clear();

        public string Describe(int releases)
        {
            var total = _byMethod.Values.Sum();
            var perRelease = releases == 0 ? "" : $" = {(double)total / releases:0.0} per release";
            return $"{total}{perRelease} ({string.Join(", ", _byMethod.OrderBy(kv => kv.Key, StringComparer.Ordinal).Select(kv => $"{kv.Key} {kv.Value}"))})";
        }
    }
}
