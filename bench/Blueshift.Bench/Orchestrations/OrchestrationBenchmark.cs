using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using Azure.Data.Tables;
using Blueshift.AppServiceEmulator;
using Blueshift.Domain.Analysis;
using Blueshift.Domain.Releases;
using Blueshift.Functions;
using Blueshift.Functions.Apps;
using Blueshift.Functions.Hosting;
using Blueshift.Functions.Releases;
using Blueshift.Functions.Releases.Orchestration;
using Blueshift.Functions.Traffic;
using Blueshift.LocalFunctionsHost;
using Blueshift.LocalFunctionsHost.Durable;
using Blueshift.Testing;
using Blueshift.Testing.Releases;
using Microsoft.AspNetCore.Builder;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Blueshift.Bench.Orchestrations;

/// <summary>
/// Concurrent release orchestrations as the app runs them: the local Functions host (Durable Task SDK over DTFx's Azure
/// Storage provider) on a real Azurite, against the App Service emulator, every release with the same short bake. The
/// storage requests are counted by a proxy in front of Azurite, the ARM calls by the emulator's call log.
/// </summary>
internal static class OrchestrationBenchmark
{
    private const string Usage =
        "usage: Blueshift.Bench orchestrations [--releases 100] [--bake 5] [--watch 5] [--steps 2] [--rps 4] " +
        "[--partitions 4] [--max-polling 30] [--batch 32] [--buffer 256] [--activities N] [--orchestrations N] [--sessions on|off] " +
        "[--session-idle 30] [--timeout 15]\n" +
        "  --bake, --watch, --max-polling, --session-idle in seconds; --timeout in minutes; --rps is traffic per app;\n" +
        "  task hub options default to host.json's durableTask settings over the local host's, so a run without them measures what users get";
    private const string Subscription = "00000000-0000-0000-0000-00000000b0b0";
    private const string ResourceGroup = "bench";
    private const string TaskHub = "BenchHub";

    public static async Task<int> RunAsync(string[] args)
    {
        int releases = 100, steps = 2, timeoutMinutes = 15;
        double bake = 5, watch = 5, rps = 4;
        // What Blueshift runs with: the local host's options with host.json's durableTask settings (as BlueshiftLocalHost).
        var hub = new DurableHostOptions();
        HostJsonDurableSettings.Apply(hub, Path.Combine(AppContext.BaseDirectory, "host.json"));
        int partitions = hub.PartitionCount, batch = hub.ControlQueueBatchSize, buffer = hub.ControlQueueBufferThreshold,
            activities = hub.MaxConcurrentActivities, orchestrations = hub.MaxConcurrentOrchestrations;
        double maxPolling = hub.MaxQueuePollingInterval.TotalSeconds, sessionIdle = hub.ExtendedSessionIdleTimeout.TotalSeconds;
        var sessions = hub.ExtendedSessionsEnabled;
        for (var i = 0; i < args.Length; i++)
        {
            var value = i + 1 < args.Length ? args[i + 1] : null;
            switch (args[i])
            {
                case "--releases" when int.TryParse(value, out releases) && releases is >= 1 and <= 5000: i++; break;
                case "--steps" when int.TryParse(value, out steps) && steps is >= 1 and <= 10: i++; break;
                case "--partitions" when int.TryParse(value, out partitions) && partitions is >= 1 and <= 16: i++; break;
                case "--timeout" when int.TryParse(value, out timeoutMinutes) && timeoutMinutes >= 1: i++; break;
                case "--bake" when double.TryParse(value, CultureInfo.InvariantCulture, out bake) && bake is >= 1 and <= 600: i++; break;
                case "--watch" when double.TryParse(value, CultureInfo.InvariantCulture, out watch) && watch is >= 1 and <= 600: i++; break;
                case "--rps" when double.TryParse(value, CultureInfo.InvariantCulture, out rps) && rps is > 0 and <= 100: i++; break;
                case "--max-polling" when double.TryParse(value, CultureInfo.InvariantCulture, out maxPolling) && maxPolling is >= 0.1 and <= 300: i++; break;
                case "--batch" when int.TryParse(value, out batch): i++; break;
                case "--buffer" when int.TryParse(value, out buffer): i++; break;
                case "--activities" when int.TryParse(value, out activities): i++; break;
                case "--orchestrations" when int.TryParse(value, out orchestrations): i++; break;
                case "--sessions" when value is "on" or "off": sessions = value == "on"; i++; break;
                case "--session-idle" when double.TryParse(value, CultureInfo.InvariantCulture, out sessionIdle) && sessionIdle is >= 1 and <= 600: i++; break;
                default:
                    Console.Error.WriteLine(Usage);
                    return 2;
            }
        }
        hub.PartitionCount = partitions;
        hub.MaxQueuePollingInterval = TimeSpan.FromSeconds(maxPolling);
        hub.ControlQueueBatchSize = batch;
        hub.ControlQueueBufferThreshold = buffer;
        hub.MaxConcurrentActivities = activities;
        hub.MaxConcurrentOrchestrations = orchestrations;
        hub.ExtendedSessionsEnabled = sessions;
        hub.ExtendedSessionIdleTimeout = TimeSpan.FromSeconds(sessionIdle);
        if (hub.Problems() is { Count: > 0 } problems)
        {
            Console.Error.WriteLine(string.Join(Environment.NewLine, problems));
            Console.Error.WriteLine(Usage);
            return 2;
        }
        var run = new Run(releases, steps, TimeSpan.FromSeconds(bake), TimeSpan.FromSeconds(watch), rps, hub, TimeSpan.FromMinutes(timeoutMinutes));

        // Every emulated slot is its own Kestrel host; without this each would watch appsettings.json with an inotify instance.
        Environment.SetEnvironmentVariable("DOTNET_hostBuilder__reloadConfigOnChange", "false");
        Console.WriteLine($"orchestrations benchmark: {releases} concurrent releases, {steps} traffic steps ({string.Join(" → ", run.TrafficSteps)} %), " +
            $"bake {bake:0.#} s, watch {watch:0.#} s, metric grain 1 s, {rps:0.#} requests/s per app; {Environment.ProcessorCount} cores, .NET {Environment.Version}");
        Console.WriteLine($"task hub: {hub.PartitionCount} partitions, MaxQueuePollingInterval {maxPolling:0.#} s, ControlQueueBatchSize {hub.ControlQueueBatchSize}, " +
            $"ControlQueueBufferThreshold {hub.ControlQueueBufferThreshold}, MaxConcurrentActivities {hub.MaxConcurrentActivities}, " +
            $"MaxConcurrentOrchestrations {hub.MaxConcurrentOrchestrations}, extended sessions {(hub.ExtendedSessionsEnabled ? $"on (idle {sessionIdle:0.#} s)" : "off")}");
        Console.WriteLine($"load average at start: {LoadAverage()} (the machine may be shared: other processes' load slows every figure below)");

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
            });
            return await RunAsync(run, azurite, storage, emulator);
        }
        finally
        {
            await azurite.DisposeAsync();
        }
    }

    private sealed record Run(int Releases, int Steps, TimeSpan Bake, TimeSpan Watch, double RequestsPerSecond, DurableHostOptions Hub, TimeSpan Timeout)
    {
        public IReadOnlyList<int> TrafficSteps { get; } =
            [.. Enumerable.Range(1, Steps).Select(s => (int)Math.Round(100.0 * s / Steps))];
    }

    private static async Task<int> RunAsync(Run run, AzuriteFixture azurite, StorageRequestCounter storage, AppServiceEmulatorServer emulator)
    {
        var setup = Stopwatch.StartNew();
        var sites = new List<EmulatedSite>(run.Releases);
        for (var i = 0; i < run.Releases; i++)
        {
            var site = await emulator.CreateSiteAsync(Subscription, ResourceGroup, $"bench-app-{i:D4}", ["staging"], new AppBehaviour("1.0.0"));
            // Production runs what an earlier Blueshift release put there, marker included.
            emulator.SetAppSettings(site.Production, new Dictionary<string, string>
            {
                [ReleaseMarker.ReleaseIdSetting] = $"rel-previous-{i:D4}",
                [ReleaseMarker.VersionSetting] = "1.0.0",
            });
            sites.Add(site);
        }
        var package = emulator.PutPackage("bench-2.0.0.zip", SamplePackage.Create(new AppBehaviour("2.0.0")));
        Console.WriteLine($"setup: Azurite, counting proxy, emulator with {run.Releases} apps in {setup.Elapsed.TotalSeconds:0.0} s");

        await using var host = BuildHost(run, storage, emulator);
        await host.StartAsync();
        var client = host.Services.GetRequiredService<DurableTaskClient>();

        using var stopTraffic = new CancellationTokenSource();
        var trafficSent = 0L;
        var traffic = Task.Run(() => SendTrafficAsync(emulator, sites, run.RequestsPerSecond, n => Interlocked.Add(ref trafficSent, n), stopTraffic.Token));
        // Let the baseline window see production traffic before the first release measures it.
        await Task.Delay(TimeSpan.FromSeconds(3));

        var storageBefore = storage.Snapshot();
        var armBefore = emulator.ArmCallLog.Count;
        var cpuBefore = (Self: Process.GetCurrentProcess().TotalProcessorTime, Azurite: AzuriteCpu(azurite.ProcessId));
        var wall = Stopwatch.StartNew();

        var ids = Enumerable.Range(0, run.Releases).Select(i => $"rel-bench-{i:D4}").ToArray();
        await Parallel.ForAsync(0, run.Releases, new ParallelOptions { MaxDegreeOfParallelism = 16 }, async (i, token) =>
        {
            var input = Release(ids[i], sites[i], package, run);
            await client.ScheduleNewOrchestrationInstanceAsync(ReleaseOrchestrationFunctions.ReleaseOrchestration, input,
                new StartOrchestrationOptions(InstanceId: input.ReleaseId), token);
        });
        var scheduled = wall.Elapsed;
        Console.WriteLine($"scheduled {run.Releases} releases in {scheduled.TotalSeconds:0.0} s");

        // Completion is watched on the task hub's Instances table straight from Azurite, past the counting proxy: the
        // client's WaitForInstanceCompletion polls storage per instance, and those reads are the bench's, not the releases'.
        var instances = new TableClient(azurite.ConnectionString, TaskHub + "Instances");
        var pending = new HashSet<string>(ids, StringComparer.Ordinal);
        var lastReport = TimeSpan.Zero;
        while (pending.Count > 0 && wall.Elapsed < run.Timeout)
        {
            await Task.Delay(TimeSpan.FromSeconds(1));
            await foreach (var row in instances.QueryAsync<TableEntity>(select: ["PartitionKey", "RuntimeStatus"]))
            {
                if (row.GetString("RuntimeStatus") is "Completed" or "Failed" or "Terminated" or "Canceled")
                {
                    pending.Remove(row.PartitionKey);
                }
            }
            if (wall.Elapsed - lastReport >= TimeSpan.FromSeconds(30))
            {
                lastReport = wall.Elapsed;
                Console.WriteLine($"  {wall.Elapsed.TotalSeconds,6:0} s: {run.Releases - pending.Count} of {run.Releases} finished; " +
                    $"Azurite CPU so far {(AzuriteCpu(azurite.ProcessId) - cpuBefore.Azurite).TotalSeconds:0} s");
            }
        }
        wall.Stop();
        var cpu = (Self: Process.GetCurrentProcess().TotalProcessorTime - cpuBefore.Self, Azurite: AzuriteCpu(azurite.ProcessId) - cpuBefore.Azurite);
        var storageAfter = storage.Snapshot();
        var armCalls = emulator.ArmCallLog.Snapshot().Skip(armBefore).ToList();
        await stopTraffic.CancelAsync();
        await traffic;
        var results = new ConcurrentDictionary<string, OrchestrationMetadata?>();
        await Parallel.ForEachAsync(ids, new ParallelOptions { MaxDegreeOfParallelism = 16 }, async (id, token) =>
            results[id] = await client.GetInstanceAsync(id, getInputsAndOutputs: true, token));

        var n = (double)run.Releases;
        Console.WriteLine();
        Console.WriteLine($"wall time:                {wall.Elapsed.TotalSeconds:0.0} s from the first schedule to the last completion " +
            $"(a release's own timers add up to {(run.Bake * run.Steps + run.Watch).TotalSeconds:0} s)");
        var outcomes = results.Values
            .GroupBy(m => m is null ? "missing"
                : m.RuntimeStatus != OrchestrationRuntimeStatus.Completed ? m.RuntimeStatus.ToString()
                : m.ReadOutputAs<ReleaseOutcome>()?.Phase.ToString() ?? "no output")
            .OrderBy(g => g.Key, StringComparer.Ordinal)
            .Select(g => $"{g.Key} {g.Count()}");
        Console.WriteLine($"outcomes:                 {string.Join(", ", outcomes)}");
        var durations = results.Values.Where(m => m is { RuntimeStatus: OrchestrationRuntimeStatus.Completed })
            .Select(m => (m!.LastUpdatedAt - m.CreatedAt).TotalMilliseconds).ToArray();
        Console.WriteLine($"release duration:         {Percentiles(durations, "s", 1000)}");
        Console.WriteLine($".NET CPU per release:     {cpu.Self.TotalMilliseconds / n:0} ms (bench process: worker, task hub dispatchers, " +
            $"emulator, {Interlocked.Read(ref trafficSent) / n:0} traffic requests per app, storage proxy; total {cpu.Self.TotalSeconds:0.0} s)");
        Console.WriteLine($"Azurite CPU per release:  {cpu.Azurite.TotalMilliseconds / n:0} ms (from /proc/<pid>/stat utime+stime of node; total {cpu.Azurite.TotalSeconds:0.0} s, " +
            $"{cpu.Azurite.TotalSeconds / wall.Elapsed.TotalSeconds * 100:0} % of one core)");

        var counted = storageAfter.ToDictionary(kv => kv.Key, kv => kv.Value - storageBefore.GetValueOrDefault(kv.Key));
        Console.WriteLine($"storage requests per release: {counted.Values.Sum() / n:0.0} " +
            $"({counted.Values.Sum() / wall.Elapsed.TotalSeconds:0} requests/s over the run; counted by the proxy in front of Azurite, " +
            $"task hub and app tables together, idle polling included; {storage.Failures} failed to forward)");
        foreach (var kind in counted.GroupBy(kv => kv.Key.Kind).OrderByDescending(g => g.Sum(kv => kv.Value)))
        {
            Console.WriteLine($"  {kind.Key,-6} {kind.Sum(kv => kv.Value) / n,7:0.0}  " +
                string.Join(", ", kind.Where(kv => kv.Value > 0).OrderByDescending(kv => kv.Value).Select(kv => $"{kv.Key.Operation} {kv.Value / n:0.0}")));
        }

        Console.WriteLine($"ARM calls per release:    {armCalls.Count / n:0.0} (the emulator's ARM call log)");
        foreach (var operation in armCalls.GroupBy(c => $"{c.Method} {ArmOperation(c.Path)}").OrderByDescending(g => g.Count()))
        {
            Console.WriteLine($"  {operation.Count() / n,5:0.0}  {operation.Key}");
        }

        // Read after the counts are taken: these reads are the bench's, not the releases'.
        var history = new TableClient(azurite.ConnectionString, TaskHub + "History");
        var callsBySite = armCalls
            .Select(c => (At: c.Timestamp.UtcDateTime, c.Method, c.Path, Site: SiteOf(c.Path)))
            .GroupBy(c => c.Site, StringComparer.OrdinalIgnoreCase)
            .ToDictionary(g => g.Key, g => (IReadOnlyList<(DateTime, string, string)>)[.. g.OrderBy(c => c.At).Select(c => (c.At, c.Method, c.Path))],
                StringComparer.OrdinalIgnoreCase);
        // What the orchestrations did, from their history rows: each episode (OrchestratorStarted) is one history read
        // without extended sessions, one history write and one instance-row write; each activity three work-item queue
        // operations and a control-queue message back.
        var shape = new Dictionary<string, int>(StringComparer.Ordinal);
        var episodes = 0;
        await foreach (var row in history.QueryAsync<TableEntity>(
                           e => e.PartitionKey.CompareTo("rel-bench-") >= 0 && e.PartitionKey.CompareTo("rel-bench.") < 0,
                           select: ["EventType", "Name"]))
        {
            switch (row.GetString("EventType"))
            {
                case "OrchestratorStarted":
                    episodes++;
                    break;
                case "TaskScheduled" when row.GetString("Name") is { } name:
                    shape[name] = shape.GetValueOrDefault(name) + 1;
                    break;
            }
        }
        Console.WriteLine($"orchestration shape:      {episodes / n:0.0} episodes and {shape.Values.Sum() / n:0.0} activities per release (release orchestrations' " +
            "history rows; sub-orchestrations not included)");
        Console.WriteLine("  " + string.Join(", ", shape.OrderByDescending(kv => kv.Value).Select(kv => $"{kv.Key} {kv.Value / n:0.0}")));
        var samples = new ConcurrentBag<StepLateness.Sample>();
        await Parallel.ForEachAsync(ids.Select((id, i) => (id, i)), new ParallelOptions { MaxDegreeOfParallelism = 16 }, async (release, token) =>
        {
            var calls = callsBySite.GetValueOrDefault(sites[release.i].Name) ?? [];
            foreach (var sample in await StepLateness.ReadAsync(history, release.id, calls, token))
            {
                samples.Add(sample);
            }
        });
        Console.WriteLine("step lateness:            when each traffic step, analysis and swap started (its activity's first ARM call of that kind to the");
        Console.WriteLine("                          app, from the emulator's call log) minus when it was due: the durable timer's FireAt when a timer woke");
        Console.WriteLine("                          the episode that scheduled it (bake end), else the completion of the activity that woke it");
        Console.WriteLine("                          (history table: TimerFired FireAt, TaskCompleted _Timestamp). Early timer fires count as 0.");
        var started = samples.Where(s => !double.IsNaN(s.LatenessMs)).ToList();
        Console.WriteLine($"  all                     {Percentiles([.. started.Select(s => s.LatenessMs)], "ms", 1)}");
        Console.WriteLine($"  after a timer           {Percentiles([.. started.Where(s => s.AfterTimer).Select(s => s.LatenessMs)], "ms", 1)}");
        foreach (var step in started.GroupBy(s => s.Step).OrderBy(g => g.Key, StringComparer.Ordinal))
        {
            Console.WriteLine($"  {step.Key,-22}  {Percentiles([.. step.Select(s => s.LatenessMs)], "ms", 1)}");
        }
        Console.WriteLine($"  of which until TaskScheduled {Percentiles([.. samples.Select(s => s.ScheduledLatenessMs)], "ms", 1)} (the rest waits in the work-item queue)");
        if (samples.Count(s => double.IsNaN(s.LatenessMs)) is > 0 and var unmatched)
        {
            Console.WriteLine($"  {unmatched} steps had no matching ARM call and are left out");
        }
        Console.WriteLine($"activity queue + run:     {Percentiles([.. samples.Where(s => !double.IsNaN(s.ActivityTurnaroundMs)).Select(s => s.ActivityTurnaroundMs)], "ms", 1)} " +
            "(those activities: TaskCompleted minus TaskScheduled)");

        Console.WriteLine($"load average at end:      {LoadAverage()}");
        await host.StopAsync();
        return results.Values.All(m => m?.RuntimeStatus == OrchestrationRuntimeStatus.Completed && m.ReadOutputAs<ReleaseOutcome>()?.Phase == ReleasePhase.Succeeded) ? 0 : 1;
    }

    private static WebApplication BuildHost(Run run, StorageRequestCounter storage, AppServiceEmulatorServer emulator)
    {
        var options = new FunctionAppHostOptions
        {
            Urls = $"http://127.0.0.1:{FreePort.Next()}",
            ConfigureLogging = logging => logging.ClearProviders().AddSimpleConsole(c => c.SingleLine = true).SetMinimumLevel(LogLevel.Error),
        };
        options.Durable.TaskHubName = TaskHub;
        options.Durable.PartitionCount = run.Hub.PartitionCount;
        options.Durable.MaxQueuePollingInterval = run.Hub.MaxQueuePollingInterval;
        options.Durable.ControlQueueBatchSize = run.Hub.ControlQueueBatchSize;
        options.Durable.ControlQueueBufferThreshold = run.Hub.ControlQueueBufferThreshold;
        options.Durable.MaxConcurrentActivities = run.Hub.MaxConcurrentActivities;
        options.Durable.MaxConcurrentOrchestrations = run.Hub.MaxConcurrentOrchestrations;
        options.Durable.ExtendedSessionsEnabled = run.Hub.ExtendedSessionsEnabled;
        options.Durable.ExtendedSessionIdleTimeout = run.Hub.ExtendedSessionIdleTimeout;
        foreach (var (name, value) in new Dictionary<string, string>
                 {
                     ["AzureWebJobsStorage"] = storage.ConnectionString,
                     ["FUNCTIONS_WORKER_RUNTIME"] = "dotnet-isolated",
                     ["Blueshift__Releases__WeeklyCodeFreeze"] = "false",
                     ["Blueshift__Api__AppsTable"] = AzuriteFixture.UniqueName("apps"),
                     ["Blueshift__Audit__TableName"] = AzuriteFixture.UniqueName("audit"),
                     ["Blueshift__Releases__TableName"] = AzuriteFixture.UniqueName("rel"),
                     ["Blueshift__Azure__ResourceManagerEndpoint"] = emulator.ArmEndpoint.ToString(),
                     ["Blueshift__Azure__Credential"] = "Development",
                     ["Blueshift__Releases__SlotScheme"] = "http",
                     ["Blueshift__Releases__Orchestration__MetricGrain"] = "00:00:01",
                 })
        {
            options.Settings[name] = value;
        }
        NoComplianceTicks(options);
        // As BlueshiftLocalHost does: the app learns that a host checks the function keys.
        options.Settings[FunctionHostingServices.HostEndpointKey] = options.Urls;
        return FunctionAppHost.Build(typeof(Functions.Program).Assembly, (services, configuration) => services.AddBlueshiftFunctions(configuration), options);
    }

    /// <summary>
    /// Every compliance job's schedule setting (a host refuses a timer whose setting is missing), on a date that does not come
    /// during a run (29 February at 03:00): the benches measure what they start themselves.
    /// </summary>
    internal static void NoComplianceTicks(FunctionAppHostOptions options)
    {
        foreach (var job in Functions.Compliance.ComplianceJobs.All)
        {
            options.Settings[Functions.Compliance.ComplianceJobs.ScheduleSetting(job).Replace(":", "__", StringComparison.Ordinal)] = "0 0 3 29 2 *";
        }
    }

    /// <summary>A release of seconds: the default checks, short durations, timeouts long enough that lateness is measured, not punished.</summary>
    private static ReleaseInput Release(string releaseId, EmulatedSite site, Uri package, Run run)
    {
        var settings = ShortReleases.Settings(options =>
        {
            options.PollInterval = TimeSpan.FromSeconds(1);
            options.RetryInterval = TimeSpan.FromSeconds(1);
            options.MaxRetryInterval = TimeSpan.FromSeconds(8);
            options.BaselineWindow = TimeSpan.FromMinutes(1);
        });
        var policy = ShortReleases.Policy(run.Bake, run.TrafficSteps, run.Watch) with
        {
            // The emulator's latency varies with this machine's load, which says nothing about the version under test.
            Canary = new CanaryPolicy(MaxLatencyRatio: 20, MinimumRequests: 5, MaxInconclusiveExtensions: 3),
            PostSwap = new PostSwapPolicy(MaxLatencyRatio: 20, WatchDuration: run.Watch, MinimumRequests: 5),
            WarmUp = TimeSpan.FromMilliseconds(500),
            ProbeInterval = TimeSpan.FromMilliseconds(500),
            Timeouts = new PhaseTimeouts(Approval: TimeSpan.FromMinutes(5), Window: TimeSpan.FromMinutes(5), Operation: TimeSpan.FromMinutes(5),
                Verification: TimeSpan.FromMinutes(5), Slack: TimeSpan.FromMinutes(5)),
        };
        return ShortReleases.Input(releaseId, "2.0.0", package, site.Name, site.ResourceId, policy, settings);
    }

    /// <summary>Steady production traffic on every app, so each bake's window has requests to judge.</summary>
    private static async Task SendTrafficAsync(AppServiceEmulatorServer emulator, IReadOnlyList<EmulatedSite> sites, double requestsPerSecond,
        Action<long> sent, CancellationToken cancellationToken)
    {
        var perRound = Math.Max(1, (int)Math.Round(requestsPerSecond));
        var round = TimeSpan.FromSeconds(perRound / requestsPerSecond);
        using var ticker = new PeriodicTimer(round);
        try
        {
            do
            {
                await Parallel.ForEachAsync(sites, new ParallelOptions { MaxDegreeOfParallelism = 16, CancellationToken = cancellationToken },
                    async (site, token) => sent((await emulator.Traffic.SendAsync(site, perRound, 2, "/", token)).Requests));
            }
            while (await ticker.WaitForNextTickAsync(cancellationToken));
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
    }

    /// <summary>The 1, 5 and 15 minute load averages of this machine, from /proc/loadavg.</summary>
    internal static string LoadAverage() =>
        File.Exists("/proc/loadavg") ? string.Join(" ", File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "unknown";

    /// <summary>CPU time (user + system) of another process, from /proc/&lt;pid&gt;/stat: fields 14 and 15, in clock ticks.</summary>
    internal static TimeSpan AzuriteCpu(int? processId)
    {
        if (processId is null || !File.Exists($"/proc/{processId}/stat"))
        {
            return TimeSpan.Zero;
        }
        var stat = File.ReadAllText($"/proc/{processId}/stat");
        // The command name (field 2) is in parentheses and may hold spaces: count fields after its closing one.
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        var ticks = long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture);
        const double ticksPerSecond = 100; // USER_HZ on Linux
        return TimeSpan.FromSeconds(ticks / ticksPerSecond);
    }

    private static string Percentiles(double[] values, string unit, double divisor)
    {
        if (values.Length == 0)
        {
            return "no samples";
        }
        Array.Sort(values);
        double At(double p) => values[Math.Min(values.Length - 1, (int)Math.Ceiling(p * values.Length) - 1)] / divisor;
        return $"p50 {At(0.50):0.0} {unit}, p99 {At(0.99):0.0} {unit}, max {values[^1] / divisor:0.0} {unit} (n={values.Length})";
    }

    private static string SiteOf(string path)
    {
        var segments = path.Split('/', StringSplitOptions.RemoveEmptyEntries);
        var i = Array.FindIndex(segments, s => s.Equals("sites", StringComparison.OrdinalIgnoreCase));
        return i >= 0 && i + 1 < segments.Length ? segments[i + 1] : "";
    }

    // The resource path with its names left out: /subscriptions/…/sites/{site}/slots/{slot}/config/web.
    internal static string ArmOperation(string path)
    {
        var segments = path.Split('/', StringSplitOptions.RemoveEmptyEntries);
        var named = new HashSet<string>(StringComparer.OrdinalIgnoreCase) { "subscriptions", "resourceGroups", "sites", "slots", "locations", "operations", "operationResults", "deployments" };
        var shown = new string[segments.Length];
        for (var i = 0; i < segments.Length; i++)
        {
            shown[i] = i > 0 && named.Contains(segments[i - 1]) ? "{" + segments[i - 1] + "}" : segments[i];
        }
        return "/" + string.Join('/', shown);
    }
}
