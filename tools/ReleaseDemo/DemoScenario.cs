using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json.Nodes;

namespace Blueshift.ReleaseDemo;

/// <summary>The outcome of one release as the demo saw it.</summary>
public sealed record ReleaseOutcome(string Id, string Version, string Status, string? StatusReason, int TimelineEvents, int Analyses);

/// <summary>An open compliance finding as <c>GET /api/compliance/findings</c> lists it.</summary>
public sealed record FindingSeen(string Job, string Kind, string Severity, string Summary);

/// <summary>
/// Both releases of the demo: the healthy one is expected to succeed, the faulty one to roll back; and, unless the
/// compliance part is skipped, the app (registered without backups) is expected to get a backup-rpo finding.
/// </summary>
public sealed record DemoOutcome(ReleaseOutcome Healthy, ReleaseOutcome Faulty, IReadOnlyList<FindingSeen>? Findings = null)
{
    public bool AsExpected => Healthy.Status == "Succeeded" && Faulty.Status == "RolledBack" && (Findings is null || Findings.Any(f => f.Job == "backup-rpo"));
}

/// <summary>
/// Blueshift's main job, driven through its HTTP API only: register an app, release a healthy version (it goes through every
/// traffic step and the swap), then a faulty one (the canary analysis sees its errors and rolls it back). The App Service
/// emulator's control API hosts the packages and keeps synthetic users on the app's front door throughout.
/// </summary>
public sealed class DemoScenario(DemoOptions options, TextWriter output)
{
    private static readonly HashSet<string> FinalStatuses = ["Succeeded", "RolledBack", "Aborted", "Failed"];

    public async Task<DemoOutcome> RunAsync(CancellationToken cancellationToken)
    {
        using var api = new HttpClient { BaseAddress = options.Api, Timeout = TimeSpan.FromSeconds(30) };
        api.DefaultRequestHeaders.Add("x-functions-key", options.FunctionKey);
        using var emulator = new HttpClient { BaseAddress = new Uri(options.Emulator, "_emulator/"), Timeout = TimeSpan.FromSeconds(30) };

        await StartLoadAsync(emulator, cancellationToken);
        await RegisterAppAsync(api, cancellationToken);
        var healthyPackage = await PackageAsync(emulator, $"{options.App}-2.0.0", new { version = "2.0.0", errorRate = 0.0 }, cancellationToken);
        var faultyPackage = await PackageAsync(emulator, $"{options.App}-3.0.0", new { version = "3.0.0", errorRate = 0.2 }, cancellationToken);
        output.WriteLine($"Packages on the emulator: 2.0.0 (healthy) {healthyPackage}, 3.0.0 (20 % errors) {faultyPackage}");

        var healthy = await ReleaseAsync(api, "2.0.0", healthyPackage, "expected to succeed", cancellationToken);
        var faulty = await ReleaseAsync(api, "3.0.0", faultyPackage, "20 % of its requests fail: expected to roll back", cancellationToken);

        var findings = options.ComplianceWait > TimeSpan.Zero ? await ComplianceAsync(api, cancellationToken) : null;

        var outcome = new DemoOutcome(healthy, faulty, findings);
        output.WriteLine();
        var compliance = findings is null ? "" : $"; compliance: {(findings.Any(f => f.Job == "backup-rpo") ? "backup-rpo finding open" : "no backup-rpo finding (expected one)")}";
        output.WriteLine($"2.0.0: {healthy.Status} (expected Succeeded); 3.0.0: {faulty.Status} (expected RolledBack){compliance} — {(outcome.AsExpected ? "demo passed" : "demo did NOT go as expected")}");
        return outcome;
    }

    private async Task StartLoadAsync(HttpClient emulator, CancellationToken cancellationToken)
    {
        // run.sh starts the emulator with standing load (--load) so releases started after the demo get traffic too;
        // replacing it with the demo's own bounded run would make that load run out.
        using var current = await emulator.GetAsync("load", cancellationToken);
        var running = await EnsureAsync(current, "reading the emulator's synthetic load", cancellationToken);
        if (running?["running"]?.GetValue<bool>() == true && string.Equals(Text(running["site"]), options.App, StringComparison.OrdinalIgnoreCase))
        {
            output.WriteLine($"Synthetic users: the emulator's {running["requestsPerSecond"]?.GetValue<double>().ToString(CultureInfo.InvariantCulture)} requests/s on {options.App}'s front door (already running)");
            return;
        }
        using var response = await emulator.PostAsJsonAsync("load", new
        {
            site = options.App,
            subscriptionId = options.SubscriptionId,
            resourceGroup = options.ResourceGroup,
            requestsPerSecond = options.RequestsPerSecond,
            maxRequests = 1_000_000,
            maxDurationSeconds = TimeSpan.FromHours(24).TotalSeconds,
        }, cancellationToken);
        await EnsureAsync(response, "starting synthetic load on the emulator", cancellationToken);
        output.WriteLine($"Synthetic users: {options.RequestsPerSecond.ToString(CultureInfo.InvariantCulture)} requests/s on {options.App}'s front door");
    }

    private async Task RegisterAppAsync(HttpClient api, CancellationToken cancellationToken)
    {
        using var response = await api.PutAsJsonAsync($"api/apps/{options.App}", new
        {
            resourceId = options.ResourceId,
            stagingSlot = "staging",
            healthCheckPath = "/health",
            policy = new { bakeTime = options.BakeTime, postSwapWatch = options.PostSwapWatch, minimumRequests = 20 },
        }, cancellationToken);
        await EnsureAsync(response, $"PUT /api/apps/{options.App}", cancellationToken);
        output.WriteLine($"Registered {options.App} ({options.ResourceId}), staging slot 'staging', traffic steps {string.Join("→", options.TrafficSteps)} %, bake {options.BakeTime} per step, post-swap watch {options.PostSwapWatch}");
    }

    private static async Task<Uri> PackageAsync(HttpClient emulator, string name, object package, CancellationToken cancellationToken)
    {
        using var response = await emulator.PostAsJsonAsync($"packages/{Uri.EscapeDataString(name)}/sample", package, cancellationToken);
        var body = await EnsureAsync(response, $"uploading package {name}", cancellationToken);
        return new Uri(body?["uri"]?.GetValue<string>() ?? throw new DemoException($"The emulator did not answer the URI of package {name}."));
    }

    private async Task<ReleaseOutcome> ReleaseAsync(HttpClient api, string version, Uri package, string expectation, CancellationToken cancellationToken)
    {
        output.WriteLine();
        output.WriteLine($"=== Release {options.App} {version} ({expectation}) ===");
        using var request = new HttpRequestMessage(HttpMethod.Post, "api/releases")
        {
            Content = JsonContent.Create(new
            {
                app = options.App,
                version,
                package = package.ToString(),
                releaseType = "Patch",
                changeClass = "Standard",
                trafficSteps = options.TrafficSteps,
                bakeTime = options.BakeTime,
                reason = "run.sh demo",
            }),
        };
        request.Headers.Add("Idempotency-Key", Guid.NewGuid().ToString());
        using var response = await api.SendAsync(request, cancellationToken);
        var started = await EnsureAsync(response, "POST /api/releases", cancellationToken);
        var id = started?["id"]?.GetValue<string>() ?? throw new DemoException("POST /api/releases answered without a release id.");
        output.WriteLine($"POST /api/releases -> {(int)response.StatusCode}, release {id}, Location {response.Headers.Location}");
        return await FollowAsync(api, id, version, cancellationToken);
    }

    private async Task<ReleaseOutcome> FollowAsync(HttpClient api, string id, string version, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        var printedEvents = 0;
        var printedAnalyses = 0;
        var lastState = "";
        while (true)
        {
            using var response = await api.GetAsync($"api/releases/{Uri.EscapeDataString(id)}", cancellationToken);
            var release = await EnsureAsync(response, $"GET /api/releases/{id}", cancellationToken)
                ?? throw new DemoException($"GET /api/releases/{id} answered no body.");
            var status = Text(release["status"]);
            var phase = Text(release["phase"]);
            var traffic = release["trafficPercent"]?.GetValue<int>() ?? 0;

            var state = $"{status}/{phase}/{traffic}";
            if (state != lastState)
            {
                output.WriteLine($"{Elapsed(clock)} status {status}, phase {phase}, {traffic} % of traffic on {version}");
                lastState = state;
            }
            var timeline = (release["timeline"]?.AsArray() ?? [])
                .Select(e => new TimelineEntry(Text(e?["phase"]), e?["trafficPercent"]?.GetValue<int>() ?? 0, Text(e?["message"])))
                .ToList();
            foreach (var line in TimelineFormatter.Lines(timeline, printedEvents))
            {
                output.WriteLine($"{Elapsed(clock)}   {line}");
            }
            printedEvents = timeline.Count;
            var analyses = release["analyses"]?.AsArray() ?? [];
            foreach (var a in analyses.Skip(printedAnalyses))
            {
                PrintAnalysis(clock, a);
            }
            printedAnalyses = analyses.Count;

            if (FinalStatuses.Contains(status))
            {
                var reason = release["statusReason"]?.GetValue<string>();
                output.WriteLine($"{Elapsed(clock)} release {id} {status}{(reason is null ? "" : $": {reason}")}");
                return new ReleaseOutcome(id, version, status, reason, printedEvents, printedAnalyses);
            }
            if (clock.Elapsed > options.ReleaseTimeout)
            {
                output.WriteLine($"{Elapsed(clock)} release {id} still {status} in phase {phase} after {options.ReleaseTimeout}; giving up on it.");
                return new ReleaseOutcome(id, version, status, $"timed out in phase {phase}", printedEvents, printedAnalyses);
            }
            await Task.Delay(options.PollInterval, cancellationToken);
        }
    }

    private void PrintAnalysis(Stopwatch clock, JsonNode? analysis)
    {
        var step = analysis?["step"] is { } s ? $" step {s.GetValue<int>()}" : "";
        output.WriteLine($"{Elapsed(clock)}   analysis {Text(analysis?["kind"])}{step} at {analysis?["trafficPercent"]?.GetValue<int>() ?? 0} %: " +
            $"{Text(analysis?["outcome"]).ToUpperInvariant()} — {Text(analysis?["summary"])}");
        foreach (var check in analysis?["checks"]?.AsArray() ?? [])
        {
            output.WriteLine($"{"",12}{Text(check?["metric"]),-16} measured {Number(check?["measured"]),-9} baseline {Number(check?["baseline"]),-9} " +
                $"threshold {Number(check?["threshold"]),-9} {Text(check?["outcome"])}: {Text(check?["reason"])}");
        }
    }

    private static string Elapsed(Stopwatch clock) => $"[{clock.Elapsed.TotalSeconds,6:0.0}s]";

    private static string Text(JsonNode? node) => node?.GetValue<string>() ?? "";

    private static string Number(JsonNode? node) =>
        node is null ? "-" : node.GetValue<double>().ToString("0.####", CultureInfo.InvariantCulture);

    /// <summary>
    /// The app was registered without backups: the backup-rpo job's timer (its schedule is an app setting) checks every
    /// managed app and opens a finding for it. Waits for that finding in the findings API, then prints the app's findings.
    /// </summary>
    private async Task<IReadOnlyList<FindingSeen>> ComplianceAsync(HttpClient api, CancellationToken cancellationToken)
    {
        output.WriteLine();
        output.WriteLine($"=== Compliance: {options.App} has no backups configured ===");
        var status = await EnsureAsync(await api.GetAsync("api/compliance/status", cancellationToken), "GET /api/compliance/status", cancellationToken);
        var job = status?["jobs"]?.AsArray().FirstOrDefault(j => Text(j?["job"]) == "backup-rpo");
        output.WriteLine($"GET /api/compliance/status: backup-rpo runs on '{Text(job?["schedule"])}', next at {Text(job?["nextRun"])}; waiting up to {options.ComplianceWait} for its finding");
        var clock = Stopwatch.StartNew();
        List<FindingSeen> findings = [];
        while (true)
        {
            var page = await EnsureAsync(await api.GetAsync($"api/compliance/findings?app={Uri.EscapeDataString(options.App)}&status=open", cancellationToken),
                "GET /api/compliance/findings", cancellationToken);
            findings = [.. (page?["findings"]?.AsArray() ?? []).Select(f => new FindingSeen(Text(f?["job"]), Text(f?["kind"]), Text(f?["severity"]), Text(f?["summary"])))];
            if (findings.Any(f => f.Job == "backup-rpo") || clock.Elapsed >= options.ComplianceWait)
            {
                break;
            }
            await Task.Delay(options.PollInterval * 5, cancellationToken);
        }
        output.WriteLine($"{Elapsed(clock)} GET /api/compliance/findings?app={options.App}&status=open: {findings.Count} open");
        foreach (var finding in findings)
        {
            output.WriteLine($"{"",12}{finding.Kind} ({finding.Severity}): {finding.Summary}");
        }
        return findings;
    }

    private static async Task<JsonNode?> EnsureAsync(HttpResponseMessage response, string what, CancellationToken cancellationToken)
    {
        var text = await response.Content.ReadAsStringAsync(cancellationToken);
        if (!response.IsSuccessStatusCode)
        {
            throw new DemoException($"{what} answered {(int)response.StatusCode} {response.ReasonPhrase}: {text}");
        }
        return text.Length == 0 ? null : JsonNode.Parse(text);
    }
}
