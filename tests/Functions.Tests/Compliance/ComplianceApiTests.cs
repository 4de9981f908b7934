using System.Net;
using System.Text.Json.Nodes;
using Azure.Data.Tables;
using Blueshift.AppServiceEmulator;
using Blueshift.Functions.Apps;
using Blueshift.Functions.Compliance;
using Blueshift.Functions.Security;
using Blueshift.Functions.Tests.Api;
using Blueshift.Testing;
using Microsoft.Extensions.DependencyInjection;
using Xunit;

namespace Blueshift.Functions.Tests.Compliance;

/// <summary>The compliance API through its functions, on Azurite (and the emulator for a real run).</summary>
public sealed class ComplianceApiTests(AzuriteFixture azurite) : IClassFixture<AzuriteFixture>
{
    private static readonly DateTimeOffset Now = new(2026, 12, 7, 1, 0, 0, TimeSpan.Zero);

    private sealed record Host(FunctionsTestHost App, TableComplianceFindingStore Findings, TableManagedAppStore Apps) : IAsyncDisposable
    {
        public ValueTask DisposeAsync() => App.DisposeAsync();
    }

    private Host Start(IDictionary<string, string?>? settings = null)
    {
        var findingsTable = AzuriteFixture.UniqueName("cafind");
        var appsTable = AzuriteFixture.UniqueName("caapps");
        var all = new Dictionary<string, string?>
        {
            ["Blueshift:Compliance:FindingsTable"] = findingsTable,
            ["Blueshift:Compliance:RunsTable"] = AzuriteFixture.UniqueName("caruns"),
            ["Blueshift:Compliance:MaxPageSize"] = "50",
            ["Blueshift:Api:AppsTable"] = appsTable,
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            all[key] = value;
        }
        var apps = new TableManagedAppStore(new TableClient(azurite.ConnectionString, appsTable));
        var app = ApiHost.Create(azurite, all, services =>
        {
            services.AddSingleton<TimeProvider>(new ManualTimeProvider(Now));
            services.AddSingleton<IManagedAppStore>(apps);
        });
        return new Host(app, new TableComplianceFindingStore(new TableClient(azurite.ConnectionString, findingsTable)), apps);
    }

    private static ComplianceFinding Finding(string app, string kind, string subject, FindingStatus status = FindingStatus.Open, string job = "backup-rpo") =>
        new(app, job, kind, subject, FindingSeverity.High, $"{kind} on {subject}", new Dictionary<string, string> { ["backupAge"] = "03:00:00" },
            Now.AddHours(-2), Now, status == FindingStatus.Resolved ? Now : null, status, "run-1", FindingChange.Opened, "run-1", true);

    private static async Task<JsonObject> JsonAsync(HttpResponseMessage response)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"{(int)response.StatusCode}: {text}");
        return JsonNode.Parse(text)!.AsObject();
    }

    [Fact]
    public async Task ListFindings_PagesThroughEveryFindingWithItsContinuationToken()
    {
        await using var host = Start();
        for (var i = 0; i < 5; i++)
        {
            await host.Findings.SaveAsync(Finding("shop", "backup-rpo.breach", $"s{i}"), default);
        }
        using var reader = host.App.As("reader-1");

        var subjects = new List<string>();
        string? token = null;
        var pages = 0;
        do
        {
            var page = await JsonAsync(await reader.GetAsync("/api/compliance/findings?app=shop&pageSize=2" + (token is null ? string.Empty : "&continuationToken=" + token)));
            var findings = page["findings"]!.AsArray();
            Assert.True(findings.Count <= 2);
            subjects.AddRange(findings.Select(f => (string)f!["subject"]!));
            token = (string?)page["continuationToken"];
            pages++;
        }
        while (token is not null && pages < 10);

        Assert.Equal(["s0", "s1", "s2", "s3", "s4"], subjects.Order());
        Assert.True(pages >= 3);
    }

    [Fact]
    public async Task ListFindings_TokenOfAnotherQueryOrMangled_Returns400()
    {
        await using var host = Start();
        for (var i = 0; i < 3; i++)
        {
            await host.Findings.SaveAsync(Finding("shop", "backup-rpo.breach", $"s{i}"), default);
        }
        using var reader = host.App.As("reader-1");
        var token = (string?)(await JsonAsync(await reader.GetAsync("/api/compliance/findings?app=shop&pageSize=1")))["continuationToken"];
        Assert.NotNull(token);

        foreach (var query in new[] { $"?app=blog&pageSize=1&continuationToken={token}", $"?app=shop&pageSize=1&continuationToken={token[..^2]}" })
        {
            var problem = await ProblemAssert.IsProblemAsync(await reader.GetAsync("/api/compliance/findings" + query), HttpStatusCode.BadRequest);
            Assert.Equal(["continuationToken"], ProblemAssert.ErrorFields(problem));
        }
        Assert.Single((await JsonAsync(await reader.GetAsync($"/api/compliance/findings?app=shop&pageSize=1&continuationToken={token}")))["findings"]!.AsArray());
    }

    [Fact]
    public async Task ListFindings_Filters_ByAppKindStatusAndJob()
    {
        await using var host = Start();
        await host.Findings.SaveAsync(Finding("shop", "backup-rpo.breach", ""), default);
        await host.Findings.SaveAsync(Finding("shop", "backup-rpo.not-configured", "", FindingStatus.Resolved), default);
        await host.Findings.SaveAsync(Finding("blog", "backup-rpo.breach", ""), default);
        await host.Findings.SaveAsync(Finding("blog", "config-drift.setting", "FEATURE_X", job: "config-drift"), default);
        using var reader = host.App.As("reader-1");

        async Task<List<string>> Query(string query) =>
            [.. (await JsonAsync(await reader.GetAsync("/api/compliance/findings" + query)))["findings"]!.AsArray().Select(f => $"{f!["app"]}/{f["kind"]}/{f["status"]}").Order()];

        Assert.Equal(["shop/backup-rpo.breach/open", "shop/backup-rpo.not-configured/resolved"], await Query("?app=shop"));
        Assert.Equal(["blog/backup-rpo.breach/open", "shop/backup-rpo.breach/open"], await Query("?kind=backup-rpo.breach"));
        Assert.Equal(["shop/backup-rpo.not-configured/resolved"], await Query("?status=resolved"));
        Assert.Equal(["blog/config-drift.setting/open"], await Query("?job=config-drift"));
        Assert.Equal(["blog/backup-rpo.breach/open"], await Query("?app=blog&status=open&job=backup-rpo"));
        var one = (await JsonAsync(await reader.GetAsync("/api/compliance/findings?app=blog&kind=backup-rpo.breach")))["findings"]![0]!;
        Assert.Equal(("High", "03:00:00", "run-1"), ((string?)one["severity"], (string?)one["evidence"]!["backupAge"], (string?)one["lastRunId"]));
    }

    [Theory]
    [InlineData("?app=Shop_1", "app")]
    [InlineData("?kind=Backup%20RPO", "kind")]
    [InlineData("?status=closed", "status")]
    [InlineData("?job=backups", "job")]
    [InlineData("?pageSize=0", "pageSize")]
    [InlineData("?pageSize=51", "pageSize")]
    [InlineData("?pageSize=ten", "pageSize")]
    [InlineData("?continuationToken=not%20a%20token", "continuationToken")]
    [InlineData("?continuationToken=", "continuationToken")]
    [InlineData("?continuationToken=aGVsbG8", "continuationToken")]
    [InlineData("?continuationToken=YQpiIGM", "continuationToken")]
    [InlineData("?continuationToken=MSE4IWMyaHZjQS0tIDEhOCFlSHg0ZUEtLQ", "continuationToken")]
    public async Task ListFindings_BadQueryValue_Returns400NamingTheField(string query, string field)
    {
        await using var host = Start();
        using var reader = host.App.As("reader-1");

        var problem = await ProblemAssert.IsProblemAsync(await reader.GetAsync("/api/compliance/findings" + query), HttpStatusCode.BadRequest);

        Assert.Equal([field], ProblemAssert.ErrorFields(problem));
    }

    [Fact]
    public async Task ListFindings_NoCaller_Returns401()
    {
        await using var host = Start();
        using var anonymous = host.App.CreateClient();

        await ProblemAssert.IsProblemAsync(await anonymous.GetAsync("/api/compliance/findings"), HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task Status_EveryJob_ScheduleAndNextRunFromItsSetting()
    {
        var settings = ComplianceJobs.All.ToDictionary(j => ComplianceJobs.ScheduleSetting(j), j => (string?)ComplianceJobs.DefaultSchedule(j));
        settings["Blueshift:Compliance:Schedules:Governance"] = "0 */10 * * * *";
        await using var host = Start(settings);
        using var reader = host.App.As("reader-1");

        var status = await JsonAsync(await reader.GetAsync("/api/compliance/status"));

        var jobs = status["jobs"]!.AsArray().ToDictionary(j => (string)j!["job"]!, j => j!.AsObject());
        Assert.Equal(ComplianceJobs.All.Select(ComplianceJobs.Name).Order(), jobs.Keys.Order());
        Assert.Equal("0 5 * * * *", (string?)jobs["backup-rpo"]["schedule"]);
        Assert.Equal(Now.AddMinutes(5), jobs["backup-rpo"]["nextRun"]!.GetValue<DateTimeOffset>());
        Assert.Equal("0 */10 * * * *", (string?)jobs["governance"]["schedule"]);
        Assert.Equal(Now.AddMinutes(10), jobs["governance"]["nextRun"]!.GetValue<DateTimeOffset>());
        Assert.Equal(new DateTimeOffset(2027, 1, 1, 4, 0, 0, TimeSpan.Zero), jobs["restore-test"]["nextRun"]!.GetValue<DateTimeOffset>());
        Assert.Null(jobs["backup-rpo"]["lastRun"]);
        Assert.All(jobs.Values, j => Assert.Null((string?)j["problem"]));
    }

    [Fact]
    public async Task Status_ScheduleSettingMissingOrBad_NoScheduleAndAProblemNamingTheSetting()
    {
        await using var host = Start(new Dictionary<string, string?> { ["Blueshift:Compliance:Schedules:Governance"] = "every ten minutes" });
        using var reader = host.App.As("reader-1");

        var status = await JsonAsync(await reader.GetAsync("/api/compliance/status"));

        var jobs = status["jobs"]!.AsArray().ToDictionary(j => (string)j!["job"]!, j => j!.AsObject());
        Assert.Null((string?)jobs["backup-rpo"]["schedule"]);
        Assert.Null(jobs["backup-rpo"]["nextRun"]);
        Assert.Contains("Blueshift__Compliance__Schedules__BackupRpo", (string?)jobs["backup-rpo"]["problem"], StringComparison.Ordinal);
        Assert.Contains("not set", (string?)jobs["backup-rpo"]["problem"], StringComparison.Ordinal);
        Assert.Equal("every ten minutes", (string?)jobs["governance"]["schedule"]);
        Assert.Null(jobs["governance"]["nextRun"]);
        Assert.Contains("Blueshift__Compliance__Schedules__Governance", (string?)jobs["governance"]["problem"], StringComparison.Ordinal);
    }

    [Fact]
    public async Task Timer_StartsItsJob_AndARunGoingMeansTheNextTickStartsNothing()
    {
        await using var emulator = await AppServiceEmulatorServer.StartAsync(new EmulatorOptions { SimulateLatency = false });
        var site = await emulator.CreateSiteAsync(ComplianceJobWorld.Subscription, "rg-timed", "timed", ["staging"], new AppBehaviour("1.0.0"));
        await using var host = Start(new Dictionary<string, string?>
        {
            ["Blueshift:Azure:ResourceManagerEndpoint"] = emulator.ArmEndpoint.ToString(),
            ["Blueshift:Azure:Credential"] = "Development",
        });
        await host.Apps.PutAsync(new ManagedApp("timed", site.ResourceId), default);
        emulator.Faults.DelayArm("/sites/timed/", TimeSpan.FromSeconds(3), count: 1);
        var client = host.App.Services.GetRequiredService<Microsoft.DurableTask.Client.DurableTaskClient>();

        await host.App.RunTimerAsync("ComplianceBackupRpo");
        var first = await client.GetInstanceAsync(ComplianceJobRuns.InstanceId(ComplianceJob.BackupRpo), getInputsAndOutputs: true);
        await host.App.RunTimerAsync("ComplianceBackupRpo");
        var second = await client.GetInstanceAsync(ComplianceJobRuns.InstanceId(ComplianceJob.BackupRpo), getInputsAndOutputs: true);

        Assert.NotNull(first);
        Assert.Equal(first!.ReadInputAs<ComplianceJobInput>()!.RunId, second!.ReadInputAs<ComplianceJobInput>()!.RunId);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var done = await client.WaitForInstanceCompletionAsync(first.InstanceId, getInputsAndOutputs: true, timeout.Token);
        Assert.Equal(Microsoft.DurableTask.Client.OrchestrationRuntimeStatus.Completed, done.RuntimeStatus);
        Assert.Equal(1, done.ReadOutputAs<ComplianceTallies>()!.Checked);
    }

    [Fact]
    public async Task RunJob_NotAdmin_403_NoCaller_401_UnknownJob_404()
    {
        await using var host = Start();
        using var releaser = host.App.As("releaser-1", Roles.Releaser);
        using var anonymous = host.App.CreateClient();
        using var admin = host.App.As("admin-1", Roles.Admin);

        await ProblemAssert.IsProblemAsync(await anonymous.PostAsync("/api/compliance/jobs/backup-rpo/run", null), HttpStatusCode.Unauthorized);
        var forbidden = await ProblemAssert.IsProblemAsync(await releaser.PostAsync("/api/compliance/jobs/backup-rpo/run", null), HttpStatusCode.Forbidden);
        Assert.Contains(Roles.Admin, (string?)forbidden["detail"], StringComparison.Ordinal);
        await ProblemAssert.IsProblemAsync(await admin.PostAsync("/api/compliance/jobs/backups/run", null), HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task RunJob_Admin_Accepts_ThenConflictsWhileRunning_AndStatusShowsTheResult()
    {
        await using var emulator = await AppServiceEmulatorServer.StartAsync(new EmulatorOptions { SimulateLatency = false });
        var site = await emulator.CreateSiteAsync(ComplianceJobWorld.Subscription, "rg-slow", "slow", ["staging"], new AppBehaviour("1.0.0"));
        await using var host = Start(new Dictionary<string, string?>
        {
            ["Blueshift:Azure:ResourceManagerEndpoint"] = emulator.ArmEndpoint.ToString(),
            ["Blueshift:Azure:Credential"] = "Development",
        });
        await host.Apps.PutAsync(new ManagedApp("slow", site.ResourceId), default);
        // The run's first ARM call waits three seconds: long enough for a second request to find it going.
        emulator.Faults.DelayArm("/sites/slow/", TimeSpan.FromSeconds(3), count: 1);
        using var admin = host.App.As("admin-1", Roles.Admin);

        var accepted = await admin.PostAsync("/api/compliance/jobs/backup-rpo/run", null);
        var conflict = await admin.PostAsync("/api/compliance/jobs/backup-rpo/run", null);

        Assert.Equal(HttpStatusCode.Accepted, accepted.StatusCode);
        Assert.Equal("/api/compliance/status", accepted.Headers.Location?.OriginalString);
        var runId = (string?)(await JsonAsync(accepted))["runId"];
        Assert.StartsWith("backup-rpo-", runId, StringComparison.Ordinal);
        var problem = await ProblemAssert.IsProblemAsync(conflict, HttpStatusCode.Conflict);
        Assert.Equal(runId, (string?)problem["runId"]);

        JsonObject? lastRun = null;
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (DateTime.UtcNow < deadline)
        {
            var status = await JsonAsync(await admin.GetAsync("/api/compliance/status"));
            lastRun = status["jobs"]!.AsArray().Single(j => (string?)j!["job"] == "backup-rpo")!["lastRun"]?.AsObject();
            if (lastRun is not null && (string?)lastRun["result"] != "running")
            {
                break;
            }
            await Task.Delay(100);
        }
        Assert.NotNull(lastRun);
        Assert.Equal(("succeeded", runId), ((string?)lastRun!["result"], (string?)lastRun["runId"]));
        Assert.Equal((1, 1, 2), ((int)lastRun["tallies"]!["apps"]!, (int)lastRun["tallies"]!["checked"]!, (int)lastRun["tallies"]!["open"]!));
        var findings = await JsonAsync(await admin.GetAsync("/api/compliance/findings?app=slow&status=open"));
        Assert.Equal(2, findings["findings"]!.AsArray().Count);
    }
}
