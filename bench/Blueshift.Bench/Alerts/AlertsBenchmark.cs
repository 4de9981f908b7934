using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text.Json.Nodes;
using Azure.Core;
using Azure.Core.Pipeline;
using Azure.Data.Tables;
using Blueshift.AppServiceEmulator;
using Blueshift.Functions.Alerts;
using Blueshift.Functions.Api;
using Blueshift.Functions.Apps;
using Blueshift.Functions.Audit;
using Blueshift.Functions.Azure.AppService;
using Blueshift.Functions.Azure.ResourceManager;
using Blueshift.Functions;
using Blueshift.Functions.Releases;
using Blueshift.Functions.Releases.Orchestration;
using Blueshift.Functions.Security;
using Blueshift.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.Abstractions;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.DurableTask.Testing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;

namespace Blueshift.Bench.Alerts;

/// <summary>
/// The alert webhook measured end to end over real HTTP, against Azurite and the App Service emulator:
/// <list type="number">
/// <item>latency: each alert hits an app whose release takes traffic; the POST returns after the engine has reset the
/// routing rule at the emulator. Control-plane overhead = client-measured round trip minus the time spent inside ARM calls
/// (measured around each call at the ARM client's transport, so it includes loopback HTTP to the emulator).</item>
/// <item>throughput: storms of duplicate deliveries with dedup on (durable claims plus the in-memory answer cache).</item>
/// </list>
/// Options: <c>--alerts N</c> (default 1000), <c>--apps N</c> per round (default 25), <c>--storm-alerts N</c> (default 100),
/// <c>--duplicates N</c> per alert (default 200), <c>--concurrency N</c> (default 64).
/// </summary>
internal static class AlertsBenchmark
{
    private const string Key = "bench-alert-key-0123456789";
    private const string Subscription = "00000000-0000-0000-0000-0000000be9c4";
    private const string ResourceGroup = "rg-bench";

    private static readonly Caller Releaser = new("bench", "Benchmark", new HashSet<string>([Roles.Releaser]));

    public static async Task<int> RunAsync(string[] args)
    {
        // Every emulated slot is a small web app; without this each would watch its settings files and exhaust inotify instances.
        Environment.SetEnvironmentVariable("DOTNET_hostBuilder__reloadConfigOnChange", "false");
        // The in-memory Durable host's gRPC sidecar is a default host with console logging at Information: one line per
        // gRPC call (over 100 MB in a minute) would bury the figures and slow the run. Warnings and errors still show.
        Environment.SetEnvironmentVariable("Logging__LogLevel__Default", "Warning");
        var alerts = Option(args, "--alerts", 1000);
        var appsPerRound = Option(args, "--apps", 25);
        var stormAlerts = Option(args, "--storm-alerts", 100);
        var duplicates = Option(args, "--duplicates", 200);
        var concurrency = Option(args, "--concurrency", 64);

        Console.WriteLine($"alerts benchmark: {Environment.ProcessorCount} logical cores, .NET {Environment.Version}, server GC {System.Runtime.GCSettings.IsServerGC}");
        var azurite = new AzuriteFixture();
        await azurite.InitializeAsync();
        var time = new ManualTimeProvider(DateTimeOffset.UtcNow);
        await using var emulator = await AppServiceEmulatorServer.StartAsync(new EmulatorOptions { TimeProvider = time, SimulateLatency = false });
        var armTime = new ArmTimingPolicy();
        var engineTime = new Stopwatches();
        await using var host = await BenchHost.StartAsync(azurite, emulator, time, armTime, engineTime);
        try
        {
            await MeasureLatencyAsync(host, emulator, time, armTime, engineTime, alerts, appsPerRound);
            await MeasureStormAsync(host, stormAlerts, duplicates, concurrency);
        }
        finally
        {
            await azurite.DisposeAsync();
        }
        return 0;
    }

    private static async Task MeasureLatencyAsync(BenchHost host, AppServiceEmulatorServer emulator, ManualTimeProvider time, ArmTimingPolicy armTime, Stopwatches engineTime, int alerts, int appsPerRound)
    {
        var apps = new List<string>();
        for (var i = 0; i < Math.Min(appsPerRound, alerts); i++)
        {
            var name = $"bench{i:D3}";
            await emulator.CreateSiteAsync(Subscription, ResourceGroup, name, ["staging"]);
            await host.Apps.PutAsync(new ManagedApp(name, SiteId(name)), default);
            apps.Add(name);
        }

        var untilReset = new List<double>();
        var endToEnd = new List<double>();
        var overhead = new List<double>();
        var arm = new List<double>();
        var engine = new List<double>();
        var webhook = new List<double>();
        var warmUp = true;
        var sent = 0;
        var setup = Stopwatch.StartNew();
        while (sent < alerts)
        {
            var round = apps.Take(Math.Min(apps.Count, alerts - sent + (warmUp ? 5 : 0))).ToList();
            var releases = await StartReleasesTakingTrafficAsync(host, emulator, time, round);
            foreach (var (app, releaseId) in releases)
            {
                var body = Body(SiteId(app), "Sev1", "Fired", NewAlertId());
                var routingWrites = RoutingWrites(emulator, app);
                armTime.Reset();
                engineTime.Reset();
                var started = Stopwatch.GetTimestamp();
                using var response = await host.PostAsync(body);
                var elapsed = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
                var inArm = armTime.Total.TotalMilliseconds;
                var inEngine = engineTime.Total.TotalMilliseconds;
                var toReset = armTime.RoutingResetSentAt == 0
                    ? double.NaN
                    : Stopwatch.GetElapsedTime(started, armTime.RoutingResetSentAt).TotalMilliseconds - armTime.BeforeRoutingReset.TotalMilliseconds;
                var text = await response.Content.ReadAsStringAsync();
                if (response.StatusCode != HttpStatusCode.OK || !text.Contains("\"RolledBack\"", StringComparison.Ordinal) || RoutingWrites(emulator, app) <= routingWrites)
                {
                    throw new InvalidOperationException($"Alert on {app} (release {releaseId}) did not reset the routing rule within the request: {(int)response.StatusCode} {text}");
                }
                if (warmUp)
                {
                    continue;
                }
                untilReset.Add(toReset);
                endToEnd.Add(elapsed);
                arm.Add(inArm);
                overhead.Add(elapsed - inArm);
                engine.Add(inEngine - inArm);
                webhook.Add(elapsed - inEngine);
                sent++;
                if (sent == alerts)
                {
                    break;
                }
            }
            warmUp = false;
            // The rollbacks the alerts started finish in their orchestrations, in real time; the next round's releases of
            // the same apps start once they have (not measured).
            await WaitUntilEndedAsync(host, emulator, releases.Select(r => r.Item2));
        }

        Console.WriteLine();
        Console.WriteLine($"webhook -> routing-rule reset, {endToEnd.Count} alerts (each a Sev1 Fired alert on an app whose release takes traffic; sequential)");
        Console.WriteLine($"  control plane until the reset is sent  {Summary(untilReset)}   (POST sent -> routing-rule write sent to ARM, minus ARM time before it)");
        Console.WriteLine();
        Console.WriteLine($"whole request (the answer also waits for the rest of the rollback: health probe, notification, audit, end state)");
        Console.WriteLine($"  end to end        {Summary(endToEnd)}");
        Console.WriteLine($"  inside ARM calls  {Summary(arm)}");
        Console.WriteLine($"  control plane     {Summary(overhead)}   (end to end minus ARM time, per alert)");
        Console.WriteLine($"    of which engine  {Summary(engine)}   (IReleaseService.RollbackAsync minus its ARM time)");
        Console.WriteLine($"    of which webhook {Summary(webhook)}   (HTTP, auth, parse, claim, routing, audit, answer)");
        Console.WriteLine($"  (driving {alerts} releases to their first traffic step took {setup.Elapsed.TotalSeconds:F0} s in all, not measured above)");
    }

    private static async Task WaitUntilEndedAsync(BenchHost host, AppServiceEmulatorServer emulator, IEnumerable<string> releaseIds)
    {
        var ids = releaseIds.ToList();
        var deadline = DateTime.UtcNow + TimeSpan.FromMinutes(5);
        var active = new List<string>();
        while (DateTime.UtcNow < deadline)
        {
            var views = await Task.WhenAll(ids.Select(id => host.Releases.GetAsync(id, default)));
            active = [.. views.Where(v => v is { Status: "Active" }).Select(v => $"{v!.Id} {v.Phase}: {v.StatusReason}")];
            if (active.Count == 0)
            {
                return;
            }
            emulator.AdvanceOperations();
            await Task.Delay(100);
        }
        throw new InvalidOperationException($"Rolled-back releases did not end within 5 minutes; still active:\n{string.Join("\n", active.Take(5))}");
    }

    private static async Task<List<(string App, string ReleaseId)>> StartReleasesTakingTrafficAsync(BenchHost host, AppServiceEmulatorServer emulator, ManualTimeProvider time, List<string> apps)
    {
        var package = emulator.PutPackage($"v2-{Guid.NewGuid():N}", SamplePackage.Create("v2"));
        var releases = new List<(string, string)>();
        foreach (var app in apps)
        {
            var started = await host.Releases.StartAsync(new ReleaseRequest(app, "v2", package, "Patch", "Standard"), Releaser, null, default);
            var accepted = started as ReleaseCommandResult.Accepted ?? throw new InvalidOperationException($"Release of {app} refused: {started}");
            releases.Add((app, accepted.Release.Id));
        }
        // The orchestrations run in real time; the emulator completes deployments when told to.
        var deadline = DateTime.UtcNow + TimeSpan.FromMinutes(5);
        while (DateTime.UtcNow < deadline)
        {
            var views = await Task.WhenAll(releases.Select(r => host.Releases.GetAsync(r.Item2, default)));
            if (views.All(v => v is { Phase: "Shifting", TrafficPercent: > 0 }))
            {
                return releases;
            }
            emulator.AdvanceOperations();
            await Task.Delay(100);
        }
        throw new InvalidOperationException("Releases did not reach their first traffic step within 5 minutes.");
    }

    private static async Task MeasureStormAsync(BenchHost host, int alerts, int duplicates, int concurrency)
    {
        var bodies = Enumerable.Range(0, alerts)
            .Select(i => Body($"/subscriptions/{Subscription}/resourceGroups/{ResourceGroup}/providers/Microsoft.Web/sites/unmanaged{i}", "Sev1", "Fired", NewAlertId()))
            .ToArray();
        // Interleaved so that concurrent duplicates of one alert really meet: delivery k carries alert k mod alerts.
        var total = alerts * duplicates;
        var next = -1;
        var statuses = new int[600];
        var started = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, concurrency).Select(async _ =>
        {
            int k;
            while ((k = Interlocked.Increment(ref next)) < total)
            {
                using var response = await host.PostAsync(bodies[k % alerts]);
                Interlocked.Increment(ref statuses[(int)response.StatusCode]);
            }
        }));
        var elapsed = started.Elapsed;
        Console.WriteLine();
        Console.WriteLine($"duplicate storm, dedup on: {alerts} alerts x {duplicates} deliveries = {total} deliveries, {concurrency} concurrent connections");
        Console.WriteLine($"  {total / elapsed.TotalSeconds:F0} alerts/s over {elapsed.TotalSeconds:F1} s; answers: " +
            string.Join(", ", statuses.Select((n, code) => (n, code)).Where(s => s.n > 0).Select(s => $"{s.code} x {s.n}")));
    }

    private static string Summary(List<double> values)
    {
        var sorted = values.Order().ToArray();
        double P(double q) => sorted[Math.Clamp((int)Math.Ceiling(q * sorted.Length) - 1, 0, sorted.Length - 1)];
        return string.Create(CultureInfo.InvariantCulture, $"p50 {P(0.50),7:F2} ms   p99 {P(0.99),7:F2} ms   max {sorted[^1],7:F2} ms");
    }

    private static int RoutingWrites(AppServiceEmulatorServer emulator, string app) =>
        emulator.ArmCallLog.Snapshot().Count(c => c.Method != "GET" && c.Path.Contains($"/sites/{app}/config/web", StringComparison.OrdinalIgnoreCase));

    private static string SiteId(string name) => $"/subscriptions/{Subscription}/resourceGroups/{ResourceGroup}/providers/Microsoft.Web/sites/{name}";

    private static string NewAlertId() => $"/subscriptions/{Subscription}/providers/Microsoft.AlertsManagement/alerts/{Guid.NewGuid()}";

    private static string Body(string target, string severity, string condition, string alertId)
    {
        var body = JsonNode.Parse(File.ReadAllText(RepositoryPaths.InReference("alerts", "sample-alert-payload.json")))!.AsObject();
        var essentials = body["data"]!["essentials"]!.AsObject();
        essentials["alertTargetIDs"] = new JsonArray(target);
        essentials["severity"] = severity;
        essentials["monitorCondition"] = condition;
        essentials["alertId"] = alertId;
        return body.ToJsonString();
    }

    private static int Option(string[] args, string name, int fallback)
    {
        var at = Array.IndexOf(args, name);
        return at >= 0 && at + 1 < args.Length && int.TryParse(args[at + 1], CultureInfo.InvariantCulture, out var value) && value > 0 ? value : fallback;
    }

    /// <summary>Adds up the time spent in the engine's rollback command (which includes its ARM calls).</summary>
    internal sealed class Stopwatches
    {
        private long _ticks;

        public TimeSpan Total => TimeSpan.FromTicks(Interlocked.Read(ref _ticks));

        public void Reset() => Interlocked.Exchange(ref _ticks, 0);

        public void Add(TimeSpan elapsed) => Interlocked.Add(ref _ticks, elapsed.Ticks);
    }

    /// <summary>The engine's command surface with its rollback timed; everything else passes straight through.</summary>
    private sealed class TimedReleaseService(IReleaseService inner, Stopwatches rollbackTime) : IReleaseService
    {
        public Task<ReleaseCommandResult> StartAsync(ReleaseRequest request, Caller caller, string? idempotencyKey, CancellationToken cancellationToken) =>
            inner.StartAsync(request, caller, idempotencyKey, cancellationToken);

        public Task<ReleaseView?> GetAsync(string releaseId, CancellationToken cancellationToken) => inner.GetAsync(releaseId, cancellationToken);

        public Task<IReadOnlyList<ReleaseView>> ListAsync(string? app, string? status, CancellationToken cancellationToken) => inner.ListAsync(app, status, cancellationToken);

        public Task<ReleaseCommandResult> ApproveAsync(string releaseId, Caller caller, string role, string? comment, CancellationToken cancellationToken) =>
            inner.ApproveAsync(releaseId, caller, role, comment, cancellationToken);

        public Task<ReleaseCommandResult> AbortAsync(string releaseId, Caller caller, string? reason, CancellationToken cancellationToken) =>
            inner.AbortAsync(releaseId, caller, reason, cancellationToken);

        public Task<ReleaseCommandResult> PromoteAsync(string releaseId, Caller caller, string? reason, CancellationToken cancellationToken) =>
            inner.PromoteAsync(releaseId, caller, reason, cancellationToken);

        public Task<ReleaseCommandResult> RollbackAsync(string releaseId, Caller caller, string reason, CancellationToken cancellationToken) =>
            TimedAsync(() => inner.RollbackAsync(releaseId, caller, reason, cancellationToken));

        public Task<string?> FindLockHolderAsync(string app, CancellationToken cancellationToken) => inner.FindLockHolderAsync(app, cancellationToken);

        public Task<(string ReleaseId, DateTimeOffset WindowEndsAt)?> FindRollbackWindowAsync(string app, CancellationToken cancellationToken) =>
            inner.FindRollbackWindowAsync(app, cancellationToken);

        public Task<ReleaseCommandResult> RollbackLockHolderAsync(string releaseId, Caller caller, string reason, CancellationToken cancellationToken) =>
            TimedAsync(() => inner.RollbackLockHolderAsync(releaseId, caller, reason, cancellationToken));

        private async Task<ReleaseCommandResult> TimedAsync(Func<Task<ReleaseCommandResult>> rollback)
        {
            var started = Stopwatch.GetTimestamp();
            try
            {
                return await rollback();
            }
            finally
            {
                rollbackTime.Add(Stopwatch.GetElapsedTime(started));
            }
        }
    }

    /// <summary>
    /// Adds up the time spent in ARM calls (loopback HTTP to the emulator and the emulator's own work), and notes when the
    /// first routing-rule write (a non-GET on <c>config/web</c>) leaves the control plane and how much ARM time came before it.
    /// </summary>
    internal sealed class ArmTimingPolicy : HttpPipelinePolicy
    {
        private long _ticks;
        private long _resetSentAt;
        private long _ticksBeforeReset;

        public TimeSpan Total => TimeSpan.FromTicks(Interlocked.Read(ref _ticks));

        /// <summary>The <see cref="Stopwatch"/> timestamp at which the routing-rule write was sent; 0 when none was.</summary>
        public long RoutingResetSentAt => Interlocked.Read(ref _resetSentAt);

        public TimeSpan BeforeRoutingReset => TimeSpan.FromTicks(Interlocked.Read(ref _ticksBeforeReset));

        public void Reset()
        {
            Interlocked.Exchange(ref _ticks, 0);
            Interlocked.Exchange(ref _resetSentAt, 0);
            Interlocked.Exchange(ref _ticksBeforeReset, 0);
        }

        public override void Process(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline)
        {
            var started = Sent(message);
            ProcessNext(message, pipeline);
            Interlocked.Add(ref _ticks, Stopwatch.GetElapsedTime(started).Ticks);
        }

        public override async ValueTask ProcessAsync(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline)
        {
            var started = Sent(message);
            await ProcessNextAsync(message, pipeline);
            Interlocked.Add(ref _ticks, Stopwatch.GetElapsedTime(started).Ticks);
        }

        private long Sent(HttpMessage message)
        {
            var now = Stopwatch.GetTimestamp();
            if (message.Request.Method != RequestMethod.Get
                && message.Request.Uri.Path.Contains("/config/web", StringComparison.OrdinalIgnoreCase)
                && Interlocked.CompareExchange(ref _resetSentAt, now, 0) == 0)
            {
                Interlocked.Exchange(ref _ticksBeforeReset, Interlocked.Read(ref _ticks));
            }
            return now;
        }
    }

    /// <summary>The webhook, the release engine, the app registry and the audit trail on real Kestrel, as in production.</summary>
    private sealed class BenchHost : IAsyncDisposable
    {
        private readonly WebApplication _app;
        private readonly HttpClient _client;
        private readonly DurableTaskTestHost _durable;

        private BenchHost(WebApplication app, HttpClient client, DurableTaskTestHost durable)
        {
            _durable = durable;
            _app = app;
            _client = client;
        }

        public IReleaseService Releases => _app.Services.GetRequiredService<IReleaseService>();

        public IManagedAppStore Apps => _app.Services.GetRequiredService<IManagedAppStore>();

        public static async Task<BenchHost> StartAsync(AzuriteFixture azurite, AppServiceEmulatorServer emulator, TimeProvider time, ArmTimingPolicy armTime, Stopwatches engineTime)
        {
            var builder = WebApplication.CreateBuilder(new WebApplicationOptions { EnvironmentName = "Production" });
            builder.WebHost.UseUrls("http://127.0.0.1:0");
            builder.Logging.ClearProviders();
            builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["AzureWebJobsStorage"] = azurite.ConnectionString,
                [$"{AuditOptions.SectionName}:TableName"] = AzuriteFixture.UniqueName("audit"),
                [$"{AlertWebhookOptions.SectionName}:TableName"] = AzuriteFixture.UniqueName("alerts"),
                [$"{AlertWebhookOptions.SectionName}:FunctionKeys:0"] = Key,
                [$"{ReleaseOptions.SectionName}:TableName"] = AzuriteFixture.UniqueName("releases"),
                [$"{ReleaseOptions.SectionName}:WeeklyCodeFreeze"] = "false",
                ["Blueshift:Azure:ResourceManagerEndpoint"] = emulator.ArmEndpoint.ToString(),
                ["Blueshift:Azure:Credential"] = "Development",
                [$"{ReleaseOptions.SectionName}:SlotScheme"] = "http",
                // Releases reach their first traffic step in moments, then bake far longer than the bench runs.
                [$"{ReleaseOrchestrationOptions.SectionName}:WarmUp"] = "00:00:00.100",
                [$"{ReleaseOrchestrationOptions.SectionName}:PollInterval"] = "00:00:00.200",
                [$"{ReleaseOrchestrationOptions.SectionName}:ProbeInterval"] = "00:00:00.200",
                [$"{ReleaseOrchestrationOptions.SectionName}:BakeTime"] = "01:00:00",
                [$"{ReleaseOrchestrationOptions.SectionName}:BaselineWindow"] = "00:01:00",
            });
            builder.Services.AddSingleton(time);
            builder.Services.AddSingleton<TokenCredential>(StaticTokenCredential.Development());
            var clientOptions = new AppServiceClientOptions { Endpoint = emulator.ArmEndpoint };
            clientOptions.AddPolicy(armTime, HttpPipelinePosition.PerRetry);
            // The registry as the control plane wires it: alert routing reads a snapshot refreshed every AlertRoutingRefresh.
            builder.Services.AddSingleton<IManagedAppStore>(new CachedManagedAppStore(
                new TableManagedAppStore(new TableClient(azurite.ConnectionString, AzuriteFixture.UniqueName("apps"))), time, new ApiOptions().AlertRoutingRefresh));
            builder.Services.AddBlueshiftFunctions(builder.Configuration);
            // The release orchestrations on the in-memory Durable host, with the same services; the webhook gets its client.
            var configuration = builder.Configuration;
            var durable = await DurableTaskTestHost.StartAsync(registry => registry.AddReleaseOrchestrations(), new DurableTaskTestHostOptions
            {
                LoggerFactory = Microsoft.Extensions.Logging.Abstractions.NullLoggerFactory.Instance,
                ConfigureServices = services =>
                {
                    services.AddSingleton<IConfiguration>(configuration);
                    services.AddSingleton(time);
                    services.AddSingleton<TokenCredential>(StaticTokenCredential.Development());
                    services.AddBlueshiftFunctions(configuration);
                },
            });
            builder.Services.AddSingleton(durable.Client);
            // Registered after the engine's own client, so this one (with the timing policy) is the one resolved.
            builder.Services.AddSingleton(new WebSitesClient(StaticTokenCredential.Development(), clientOptions));
            builder.Services.AddSingleton<ReleaseService>();
            builder.Services.Replace(ServiceDescriptor.Singleton<IReleaseService>(sp => new TimedReleaseService(sp.GetRequiredService<ReleaseService>(), engineTime)));
            var app = builder.Build();
            // The webhook through its [Function] entry point, on Kestrel, as the worker's ASP.NET Core integration serves it.
            app.MapPost("/api/alerts", (HttpContext context) => ActivatorUtilities.CreateInstance<AlertFunctions>(context.RequestServices)
                .AlertWebhook(context.Request, durable.Client)
                .ExecuteResultAsync(new ActionContext(context, context.GetRouteData(), new ActionDescriptor())));
            await app.StartAsync();
            var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
            var client = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 256 }) { BaseAddress = new Uri(address) };
            return new BenchHost(app, client, durable);
        }

        public async Task<HttpResponseMessage> PostAsync(string body)
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, "/api/alerts") { Content = new StringContent(body, System.Text.Encoding.UTF8, "application/json") };
            request.Headers.Add(AlertWebhookAuthentication.FunctionKeyHeader, Key);
            return await _client.SendAsync(request);
        }


        public async ValueTask DisposeAsync()
        {
            _client.Dispose();
            await _app.StopAsync();
            await _app.DisposeAsync();
            await _durable.DisposeAsync();
        }
    }
}
