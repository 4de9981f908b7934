using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using Azure.Data.Tables;
using Blueshift.AppServiceEmulator;
using Blueshift.Domain.Analysis;
using Blueshift.Domain.Releases;
using Blueshift.Functions.Apps;
using Blueshift.Functions.Audit;
using Blueshift.Functions.Releases;
using Blueshift.Functions.Releases.Orchestration;
using Blueshift.Functions.Traffic;
using Blueshift.Testing;
using Blueshift.Testing.Releases;
using DurableTask.AzureStorage;
using DurableTask.Core;
using SdkJsonDataConverter = Microsoft.DurableTask.Converters.JsonDataConverter;

namespace Blueshift.Testing.Crash;

/// <summary>What a crash run does: how many releases (each on an app of its own), how many at a time, how many kills and when.</summary>
/// <param name="Seed">Seeds every random choice (which versions fail, when the host is killed); printed with every finding.</param>
/// <param name="Releases">Releases in the run; each gets its own emulated app, so its swaps are its own.</param>
/// <param name="Concurrent">Releases running at once; the next starts when one ends.</param>
/// <param name="Kills">Times the host process is killed (SIGKILL), each at a random moment of its life.</param>
/// <param name="FailingShare">Share of the releases whose version answers 20 % of requests with 5xx and deserves a rollback.</param>
/// <param name="KillAfterMin">Shortest life of a host before it is killed.</param>
/// <param name="KillAfterMax">Longest life of a host before it is killed.</param>
/// <param name="Bound">How long the whole run may take before the unfinished releases count as lost.</param>
public sealed record CrashPlan(
    int Seed,
    int Releases,
    int Concurrent,
    int Kills,
    double FailingShare,
    TimeSpan KillAfterMin,
    TimeSpan KillAfterMax,
    TimeSpan Bound);

/// <summary>One release of the run as judged at the end.</summary>
public sealed record CrashReleaseResult(
    string ReleaseId,
    string App,
    string Version,
    bool DeservesRollback,
    string Got,
    int ForwardSwaps,
    int SwapsBack,
    int AuditExpected,
    int AuditLost,
    int AuditDuplicated,
    int AuditOutsideHistory)
{
    public string Expected => DeservesRollback ? nameof(ReleasePhase.RolledBack) : nameof(ReleasePhase.Succeeded);

    public bool DoubleSwap => ForwardSwaps > 1 || SwapsBack > 1;

    public bool Lost => Got.StartsWith("running", StringComparison.Ordinal) || Got == "not started";
}

/// <summary>The outcome of a crash run: every release, the kills done, and what went wrong (empty when nothing did).</summary>
public sealed record CrashReport(CrashPlan Plan, int KillsDone, int HostStarts, TimeSpan WallTime, IReadOnlyList<CrashReleaseResult> Releases)
{
    public IReadOnlyList<string> Problems => [.. Releases.SelectMany(r => new[]
    {
        r.Got != r.Expected ? $"{r.ReleaseId} ({r.Version}) ended {r.Got}, expected {r.Expected}" : null,
        r.DoubleSwap ? $"{r.ReleaseId} swapped forward {r.ForwardSwaps}x and back {r.SwapsBack}x" : null,
        r.AuditLost > 0 ? $"{r.ReleaseId} lost {r.AuditLost} of {r.AuditExpected} audit records" : null,
        r.AuditDuplicated > 0 ? $"{r.ReleaseId} has {r.AuditDuplicated} audit records more than once" : null,
    }).OfType<string>()];

    /// <summary>The outcome table the bench prints and the test puts in its failure messages.</summary>
    public string Table()
    {
        var count = (Func<CrashReleaseResult, bool> f) => Releases.Count(f);
        var rows = new (string Name, string Value)[]
        {
            ("seed", Plan.Seed.ToString(CultureInfo.InvariantCulture)),
            ("kills (SIGKILL) / host starts", $"{KillsDone} / {HostStarts}"),
            ("releases", Releases.Count.ToString(CultureInfo.InvariantCulture)),
            ("expected Succeeded / RolledBack", $"{count(r => !r.DeservesRollback)} / {count(r => r.DeservesRollback)}"),
            ("got Succeeded / RolledBack / other", $"{count(r => r.Got == nameof(ReleasePhase.Succeeded))} / {count(r => r.Got == nameof(ReleasePhase.RolledBack))} / {count(r => r.Got is not (nameof(ReleasePhase.Succeeded) or nameof(ReleasePhase.RolledBack)))}"),
            ("ended as deserved", $"{count(r => r.Got == r.Expected)} of {Releases.Count}"),
            ("double swaps", count(r => r.DoubleSwap).ToString(CultureInfo.InvariantCulture)),
            ("lost releases (unfinished)", count(r => r.Lost).ToString(CultureInfo.InvariantCulture)),
            ("audit records expected", Releases.Sum(r => r.AuditExpected).ToString(CultureInfo.InvariantCulture)),
            ("lost audit records", Releases.Sum(r => r.AuditLost).ToString(CultureInfo.InvariantCulture)),
            ("duplicated audit records", Releases.Sum(r => r.AuditDuplicated).ToString(CultureInfo.InvariantCulture)),
            ("audit records of killed episodes (not in the final history)", Releases.Sum(r => r.AuditOutsideHistory).ToString(CultureInfo.InvariantCulture)),
            ("wall time", $"{WallTime.TotalSeconds:F1} s"),
        };
        var width = rows.Max(r => r.Name.Length);
        var text = new StringBuilder();
        text.AppendLine(CultureInfo.InvariantCulture, $"| {"".PadRight(width)} | value |");
        text.AppendLine(CultureInfo.InvariantCulture, $"|{new string('-', width + 2)}|-------|");
        foreach (var (name, value) in rows)
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"| {name.PadRight(width)} | {value} |");
        }
        foreach (var r in Releases)
        {
            text.AppendLine(CultureInfo.InvariantCulture,
                $"  {r.ReleaseId} {r.Version,-9} expected {r.Expected,-10} got {r.Got,-10} swaps {r.ForwardSwaps}+{r.SwapsBack} audit {r.AuditExpected} (lost {r.AuditLost}, twice {r.AuditDuplicated}, outside history {r.AuditOutsideHistory})");
        }
        foreach (var problem in Problems)
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"problem: {problem}");
        }
        return text.ToString();
    }
}

/// <summary>
/// Crash safety of the release orchestration, for real: Blueshift's local Functions host runs as a process of its own
/// (the built Blueshift.LocalFunctionsHost.dll, Durable Task over DTFx's Azure Storage provider on Azurite) and is killed
/// with SIGKILL at random moments, then started again, while releases run against the App Service emulator in this
/// process. At the end each release is judged: its outcome, its swaps in the emulator's swap log, and its audit records
/// (those the orchestration history says it wrote, read back from the audit table).
/// </summary>
/// <remarks>
/// Releases are scheduled with DTFx's <see cref="TaskHubClient"/> on the same task hub in storage, not over the releases
/// API (which does not schedule orchestrations yet) nor through the host (which this harness kills): the storage provider
/// is the only thing that outlives the host. Inputs go through the Durable Task SDK's JSON converter, as the host's own
/// client would write them.
/// </remarks>
public sealed class CrashHarness : IAsyncDisposable
{
    private const string Subscription = "00000000-0000-0000-0000-0000000c7a54";
    private const int Partitions = 2;

    private readonly CrashPlan _plan;
    private readonly Action<string> _log;
    private readonly Random _random;
    private readonly AzuriteFixture _azurite = new();
    private readonly string _taskHub = "crash" + Guid.NewGuid().ToString("N")[..12];
    private readonly string _auditTable = AzuriteFixture.UniqueName("audit");
    private readonly List<(ReleaseInput Input, EmulatedSite Site, bool Failing)> _releases = [];
    private readonly List<EmulatedSite> _busy = [];
    private AppServiceEmulatorServer? _emulator;
    private AzureStorageOrchestrationService? _service;
    private TaskHubClient? _client;
    private ChildProcess? _host;
    private string _settingsPath = "";
    private int _hostStarts;

    public CrashHarness(CrashPlan plan, Action<string>? log = null)
    {
        _plan = plan;
        _log = log ?? (_ => { });
        _random = new Random(plan.Seed);
    }

    /// <summary>The built local host, next to its project as <c>dotnet build tools/LocalFunctionsHost -c Release</c> (and any project referencing it) leaves it.</summary>
    public static string HostAssembly => RepositoryPaths.InRepository("tools", "LocalFunctionsHost", "bin", "Release", "net10.0", "Blueshift.LocalFunctionsHost.dll");

    /// <summary>Runs the plan to its end (or its bound) and judges every release.</summary>
    public async Task<CrashReport> RunAsync()
    {
        var clock = Stopwatch.StartNew();
        await StartWorldAsync();
        using var stop = new CancellationTokenSource();
        var traffic = SendTrafficAsync(stop.Token);
        var deadline = clock.Elapsed + _plan.Bound;
        StartHost();

        var pending = new Queue<int>(Enumerable.Range(0, _plan.Releases));
        var running = new List<int>();
        var finished = new Dictionary<int, OrchestrationState?>();
        var kills = 0;
        var nextKill = clock.Elapsed + KillDelay();
        while (clock.Elapsed < deadline && (pending.Count > 0 || running.Count > 0))
        {
            while (running.Count < _plan.Concurrent && pending.TryDequeue(out var next))
            {
                await ScheduleAsync(next);
                running.Add(next);
            }
            if (kills < _plan.Kills && clock.Elapsed >= nextKill)
            {
                KillHost();
                kills++;
                _log($"{clock.Elapsed.TotalSeconds,6:F1} s: kill {kills} (SIGKILL), {running.Count} running, {finished.Count} finished");
                StartHost();
                nextKill = clock.Elapsed + KillDelay();
            }
            foreach (var index in running.ToList())
            {
                var state = await _client!.GetOrchestrationStateAsync(_releases[index].Input.ReleaseId);
                if (state is not null && IsTerminal(state.OrchestrationStatus))
                {
                    finished[index] = state;
                    _log($"{clock.Elapsed.TotalSeconds,6:F1} s: {_releases[index].Input.ReleaseId} {state.OrchestrationStatus}");
                    running.Remove(index);
                    lock (_busy) { _busy.Remove(_releases[index].Site); }
                }
            }
            // Polls storage and the kill schedule: a pace, not a synchronisation (each condition is re-read).
            var wait = kills < _plan.Kills ? Min(nextKill - clock.Elapsed, TimeSpan.FromMilliseconds(300)) : TimeSpan.FromMilliseconds(300);
            if (wait > TimeSpan.Zero)
            {
                await Task.Delay(wait);
            }
        }
        await stop.CancelAsync();
        try
        {
            // A request in flight is not waited for without bound.
            await traffic.WaitAsync(TimeSpan.FromSeconds(10));
        }
        catch (TimeoutException)
        {
            _log("traffic did not stop within 10 s; judging anyway");
        }
        _log($"{clock.Elapsed.TotalSeconds,6:F1} s: judging {_releases.Count} releases");

        var results = new List<CrashReleaseResult>();
        for (var i = 0; i < _releases.Count; i++)
        {
            results.Add(await JudgeAsync(i, finished.GetValueOrDefault(i), started: i < _plan.Releases - pending.Count).WaitAsync(TimeSpan.FromMinutes(1)));
            // Why it ended so, in the release's own words: tells a phase that timed out under the kills from a failing version.
            var reason = finished.GetValueOrDefault(i) is { OrchestrationStatus: OrchestrationStatus.Completed, Output: { } output }
                ? $" ({SdkJsonDataConverter.Default.Deserialize<ReleaseOutcome>(output)?.StatusReason})"
                : "";
            _log($"{clock.Elapsed.TotalSeconds,6:F1} s: judged {results[^1].ReleaseId}: {results[^1].Got}{reason}");
        }
        return new CrashReport(_plan, kills, _hostStarts, clock.Elapsed, results);
    }

    public async ValueTask DisposeAsync()
    {
        _host?.Dispose();
        if (_emulator is not null)
        {
            await _emulator.DisposeAsync();
        }
        await _azurite.DisposeAsync();
    }

    private static TimeSpan Min(TimeSpan a, TimeSpan b) => a < b ? a : b;

    private static bool IsTerminal(OrchestrationStatus status) =>
        status is OrchestrationStatus.Completed or OrchestrationStatus.Failed or OrchestrationStatus.Terminated or OrchestrationStatus.Canceled;

    private TimeSpan KillDelay() =>
        _plan.KillAfterMin + TimeSpan.FromMilliseconds(_random.NextDouble() * (_plan.KillAfterMax - _plan.KillAfterMin).TotalMilliseconds);

    private async Task StartWorldAsync()
    {
        if (!File.Exists(HostAssembly))
        {
            throw new InvalidOperationException($"{HostAssembly} is not built: dotnet build tools/LocalFunctionsHost -c Release.");
        }
        await _azurite.InitializeAsync();
        _emulator = await AppServiceEmulatorServer.StartAsync(new EmulatorOptions
        {
            SimulateLatency = false,
            OperationPollsToComplete = 2,
            OperationDuration = TimeSpan.FromSeconds(1),
        });
        for (var i = 0; i < _plan.Releases; i++)
        {
            var app = $"crash-app-{i:D3}";
            var failing = _random.NextDouble() < _plan.FailingShare;
            var site = await _emulator.CreateSiteAsync(Subscription, "rg-crash", app, ["staging"], new AppBehaviour("1.0.0"));
            _emulator.SetAppSettings(site.Production, new Dictionary<string, string>
            {
                [ReleaseMarker.ReleaseIdSetting] = $"rel-20251201T220000-{app}",
                [ReleaseMarker.VersionSetting] = "1.0.0",
            });
            var behaviour = failing ? new AppBehaviour("2.0.0-bad", ErrorRate: 0.2) : new AppBehaviour("2.0.0");
            _releases.Add((Release($"rel-crash-{_plan.Seed}-{i:D3}", app, site, behaviour), site, failing));
        }

        var durable = new Dictionary<string, string>
        {
            ["TaskHubName"] = _taskHub,
            ["PartitionCount"] = Partitions.ToString(CultureInfo.InvariantCulture),
            ["LeaseInterval"] = "00:00:03",
            ["LeaseRenewInterval"] = "00:00:01",
            ["LeaseAcquireInterval"] = "00:00:01",
            ["MaxQueuePollingInterval"] = "00:00:00.500",
            ["ControlQueueVisibilityTimeout"] = "00:00:05",
            ["WorkItemQueueVisibilityTimeout"] = "00:00:05",
        };
        var values = new JsonObject
        {
            ["AzureWebJobsStorage"] = _azurite.ConnectionString,
            ["FUNCTIONS_WORKER_RUNTIME"] = "dotnet-isolated",
            ["Blueshift__Releases__WeeklyCodeFreeze"] = "false",
            ["Blueshift__Api__AppsTable"] = AzuriteFixture.UniqueName("apps"),
            ["Blueshift__Audit__TableName"] = _auditTable,
            ["Blueshift__Releases__TableName"] = AzuriteFixture.UniqueName("rel"),
            ["Blueshift__Azure__ResourceManagerEndpoint"] = _emulator.ArmEndpoint.ToString(),
            ["Blueshift__Azure__Credential"] = "Development",
            ["Blueshift__Releases__SlotScheme"] = "http",
            ["Blueshift__Releases__Orchestration__MetricGrain"] = "00:00:01",
        };
        foreach (var (name, value) in durable)
        {
            values["FunctionAppHost__Durable__" + name] = value;
        }
        _settingsPath = Path.Combine(Directory.CreateTempSubdirectory("blueshift-crash-").FullName, "local.settings.json");
        await File.WriteAllTextAsync(_settingsPath, new JsonObject { ["IsEncrypted"] = false, ["Values"] = values }.ToJsonString());

        _service = new AzureStorageOrchestrationService(new AzureStorageOrchestrationServiceSettings
        {
            TaskHubName = _taskHub,
            PartitionCount = Partitions,
            StorageAccountClientProvider = new StorageAccountClientProvider(_azurite.ConnectionString),
        });
        await _service.CreateIfNotExistsAsync();
        _client = new TaskHubClient(_service, new SdkConverter());
        _log($"crash run: seed {_plan.Seed}, {_plan.Releases} releases ({_releases.Count(r => r.Failing)} deserve a rollback), {_plan.Kills} kills, task hub {_taskHub}");
    }

    private void StartHost()
    {
        _hostStarts++;
        _host = ChildProcess.Start("dotnet", [HostAssembly, "--settings", _settingsPath, "--port", FreePort.Next().ToString(CultureInfo.InvariantCulture)]);
    }

    private void KillHost()
    {
        if (_host is null)
        {
            return;
        }
        if (_host.HasExited)
        {
            throw new InvalidOperationException($"The host exited by itself (code {_host.ExitCode}) before it was killed. Output:\n{_host.Output}");
        }
        // Process.Kill is SIGKILL on Unix: no graceful stop, leases and messages are left as they are.
        _host.Dispose();
        _host = null;
    }

    private async Task ScheduleAsync(int index)
    {
        var (input, site, _) = _releases[index];
        lock (_busy) { _busy.Add(site); }
        await _client!.CreateOrchestrationInstanceAsync(ReleaseOrchestrationFunctions.ReleaseOrchestration, "", input.ReleaseId, input);
    }

    // Every running release's app gets about 50 requests a second, so its canary and post-swap analyses have data.
    private async Task SendTrafficAsync(CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(200));
        try
        {
            while (await timer.WaitForNextTickAsync(cancellationToken))
            {
                EmulatedSite[] sites;
                lock (_busy) { sites = [.. _busy]; }
                await Task.WhenAll(sites.Select(site => _emulator!.Traffic.SendAsync(site, requests: 10, concurrency: 2, cancellationToken: cancellationToken)));
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    private async Task<CrashReleaseResult> JudgeAsync(int index, OrchestrationState? state, bool started)
    {
        var (input, site, failing) = _releases[index];
        var live = state ?? (started ? await _client!.GetOrchestrationStateAsync(input.ReleaseId) : null);
        var got = !started ? "not started"
            : state is null ? $"running ({live?.OrchestrationStatus} {live?.Status})"
            : state.OrchestrationStatus != OrchestrationStatus.Completed ? $"{state.OrchestrationStatus}: {state.Output}"
            : SdkJsonDataConverter.Default.Deserialize<ReleaseOutcome>(state.Output)!.Phase.ToString();

        if (started && state is null)
        {
            var rollback = await _client!.GetOrchestrationStateAsync(input.ReleaseId + ":rollback");
            _log($"{input.ReleaseId} did not finish; its rollback is {rollback?.OrchestrationStatus.ToString() ?? "not started"} {rollback?.Output}");
            var historyTable = new TableClient(_azurite.ConnectionString, _taskHub + "History");
            await foreach (var row in historyTable.QueryAsync<TableEntity>(e => e.PartitionKey == input.ReleaseId))
            {
                if (!row.ContainsKey("EventType") && row.RowKey != "sentinel")
                {
                    _log($"{input.ReleaseId}: history row {row.RowKey} holds no event (only {string.Join(", ", row.Keys)})");
                }
            }
            if (_host is not null)
            {
                var file = Path.Combine(Path.GetDirectoryName(_settingsPath)!, "host.log");
                await File.WriteAllTextAsync(file, _host.Output);
                _log($"the host's output: {file}");
            }
        }
        var swaps = _emulator!.SwapLog.Snapshot().Where(s => s.Site == site.Name).ToList();
        var forward = swaps.Count(s => s.SourceVersionBefore == input.Version && s.TargetVersionBefore != input.Version);
        var back = swaps.Count(s => s.TargetVersionBefore == input.Version && s.SourceVersionBefore != input.Version);

        var expected = new List<IdentifiedAuditRecord>();
        if (state is not null)
        {
            expected.AddRange(await AuditWrittenAsync(input.ReleaseId));
            expected.AddRange(await AuditWrittenAsync(input.ReleaseId + ":rollback"));
        }
        var (lost, duplicated, outside) = await CheckAuditAsync(site.Name, expected);
        return new CrashReleaseResult(input.ReleaseId, site.Name, input.Version, failing, got, forward, back, expected.Count, lost, duplicated, outside);
    }

    // The records the orchestration handed to its RecordAudit activity, read from its history, each once: a batch scheduled
    // again (a retry) is the same batch, with the same identity.
    private async Task<IReadOnlyList<IdentifiedAuditRecord>> AuditWrittenAsync(string instanceId)
    {
        var state = await _client!.GetOrchestrationStateAsync(instanceId);
        if (state is null)
        {
            return [];
        }
        var history = JsonNode.Parse(await _client.GetOrchestrationHistoryAsync(state.OrchestrationInstance))!.AsArray();
        return [.. history
            .Where(e => (string?)e?["Name"] == nameof(ReleaseOrchestrationFunctions.RecordAudit) && e?["Input"] is not null)
            .Select(e => ReadBatch((string)e!["Input"]!))
            .SelectMany(batch => AuditActivities.Identified(batch.Records))
            .DistinctBy(r => r.Id)];
    }

    // DTFx keeps an activity's input as its parameter list (a JSON array of one) or, from the SDK, as the value itself.
    private static AuditBatch ReadBatch(string input)
    {
        var node = JsonNode.Parse(input);
        while (node is JsonArray { Count: 1 } array)
        {
            node = array[0];
        }
        if (node is JsonValue value && value.TryGetValue<string>(out var inner))
        {
            return ReadBatch(inner);
        }
        return SdkJsonDataConverter.Default.Deserialize<AuditBatch>(node?.ToJsonString()) ?? throw new InvalidDataException($"No audit batch in {input}");
    }

    // Waits (bounded) for every expected record to be in the audit table, then counts those missing, those there twice, and
    // those the final history does not hold: written by the batch of an episode a kill interrupted before its history was
    // saved, whose replay noted the same actions again at its own time (a known gap, counted, not failed on).
    private async Task<(int Lost, int Duplicated, int OutsideHistory)> CheckAuditAsync(string app, IReadOnlyList<IdentifiedAuditRecord> expected)
    {
        var trail = new TableAuditTrail(new TableClient(_azurite.ConnectionString, _auditTable));
        var wanted = expected.Select(r => Key(r.Record)).ToList();
        var bound = Stopwatch.StartNew();
        while (true)
        {
            var stored = new List<string>();
            await foreach (var record in trail.QueryAsync(app, DateTimeOffset.UtcNow.AddHours(-1), DateTimeOffset.UtcNow.AddHours(1), CancellationToken.None))
            {
                stored.Add(Key(record));
            }
            var counts = stored.GroupBy(k => k).ToDictionary(g => g.Key, g => g.Count());
            var lost = wanted.Count(k => !counts.ContainsKey(k));
            var duplicated = wanted.Distinct().Count(k => counts.GetValueOrDefault(k) > wanted.Count(w => w == k));
            if (lost == 0 || bound.Elapsed > TimeSpan.FromSeconds(10))
            {
                var wantedKeys = wanted.ToHashSet(StringComparer.Ordinal);
                return (lost, duplicated, stored.Count(k => !wantedKeys.Contains(k)));
            }
            await Task.Delay(TimeSpan.FromMilliseconds(300));
        }
    }

    private static string Key(AuditRecord r) =>
        $"{r.At.UtcTicks / TimeSpan.TicksPerMillisecond}|{r.Action}|{r.ReleaseId}|{r.Reason}|{string.Join(",", (r.Details ?? new Dictionary<string, string>()).OrderBy(d => d.Key, StringComparer.Ordinal).Select(d => d.Key + "=" + d.Value))}";

    /// <summary>A release of seconds, as ReleaseOrchestrationThroughHostTests runs one.</summary>
    private ReleaseInput Release(string releaseId, string app, EmulatedSite site, AppBehaviour behaviour) => ShortReleases.Input(
        releaseId, behaviour.Version, _emulator!.PutPackage($"{app}-{behaviour.Version}-{releaseId}.zip", SamplePackage.Create(behaviour)), app, site.ResourceId);

    /// <summary>DTFx's client writes inputs and reads outputs the way the Durable Task SDK's worker does.</summary>
    private sealed class SdkConverter : DurableTask.Core.Serializing.DataConverter
    {
        public override string Serialize(object value) => SdkJsonDataConverter.Default.Serialize(value)!;

        public override string Serialize(object value, bool formatted) => Serialize(value);

        public override object Deserialize(string data, Type objectType) => SdkJsonDataConverter.Default.Deserialize(data, objectType)!;
    }
}
