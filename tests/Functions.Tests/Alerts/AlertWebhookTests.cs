using System.Net;
using System.Text.Json;
using Blueshift.AppServiceEmulator;
using Blueshift.Functions.Alerts;
using Blueshift.Functions.Audit;
using Blueshift.Testing;
using Xunit;

namespace Blueshift.Functions.Tests.Alerts;

public sealed class AlertWebhookTests(AzuriteFixture azurite, AlertEmulatorFixture emulatorFixture)
    : IClassFixture<AzuriteFixture>, IClassFixture<AlertEmulatorFixture>, IAsyncLifetime
{
    private AlertWebhookHost _host = null!;

    private ManualTimeProvider Time => emulatorFixture.Time;

    private AppServiceEmulatorServer Emulator => emulatorFixture.Emulator;

    public async Task InitializeAsync() => _host = await AlertWebhookHost.StartAsync(azurite, Emulator, Time);

    public async Task DisposeAsync() => await _host.DisposeAsync();

    private static string NewAppName() => "shop" + Guid.NewGuid().ToString("N")[..8];

    private IReadOnlyList<ArmCall> RoutingWrites(string app) =>
        Emulator.ArmCallLog.Snapshot()
            .Where(c => c.Method != "GET" && c.Path.Contains($"/sites/{app}/config/web", StringComparison.OrdinalIgnoreCase))
            .ToList();

    private async Task<List<AuditRecord>> AuditAsync(string? app) =>
        await _host.Audit.QueryAsync(app, Time.GetUtcNow().AddDays(-1), Time.GetUtcNow().AddDays(1), default).ToListAsync();

    private static async Task<AlertAnswer> AnswerAsync(HttpResponseMessage response)
    {
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return JsonSerializer.Deserialize<AlertAnswer>(await response.Content.ReadAsStringAsync(), AlertAnswer.SerializerOptions)!;
    }

    [Theory]
    [MemberData(nameof(WholeSamples))]
    public async Task PostAlert_OfficialSampleOnUnknownResource_AcknowledgedWithoutAction(string fileName)
    {
        var before = Emulator.ArmCallLog.Count;

        using var response = await _host.PostAlertAsync(AlertPayloads.Body(fileName));

        var answer = await AnswerAsync(response);
        Assert.Equal(AlertAnswer.Acknowledged, answer.Decision);
        Assert.Empty(answer.Rollbacks);
        Assert.Equal(before, Emulator.ArmCallLog.Count);
        var audit = (await AuditAsync(null)).Where(r => r.Details?["alertId"] == answer.AlertId).ToList();
        // Both records carry the same instant on the manual clock, so their order in the trail is not defined.
        Assert.Equal(["alert.ignored", "alert.received"], audit.Select(r => r.Action).Order());
        Assert.Equal(answer.Reason, Assert.Single(audit, r => r.Action == "alert.ignored").Reason);
    }

    public static TheoryData<string> WholeSamples() => [.. AlertPayloads.WholeSamples];

    public static TheoryData<string> ContextSamples() => [.. AlertPayloads.ContextSamples];

    [Theory]
    [MemberData(nameof(ContextSamples))]
    public async Task PostAlert_FiredSev1OnStagingSlotOfAppWithReleaseInFlight_RollsBackWithinTheRequest(string fileName)
    {
        var name = NewAppName();
        await _host.RegisterAppAsync(Emulator, name);
        var release = await _host.StartReleaseTakingTrafficAsync(Emulator, Time, name);
        var writesBefore = RoutingWrites(name).Count;
        // Azure Monitor sends ids in whatever case the alert rule was written with; a slot's alert belongs to its site.
        var target = (AlertWebhookHost.SiteId(name) + "/slots/staging").ToUpperInvariant();

        using var response = await _host.PostAlertAsync(AlertPayloads.Body(fileName, target, "Sev1", "Fired", AlertPayloads.NewAlertId()));

        var answer = await AnswerAsync(response);
        Assert.Equal(AlertAnswer.RolledBack, answer.Decision);
        var rollback = Assert.Single(answer.Rollbacks);
        Assert.Equal((name, release.Id, "Accepted"), (rollback.App, rollback.ReleaseId, rollback.Outcome));
        // The routing rule was reset by the request itself, before the orchestration heard of the rollback.
        Assert.True(RoutingWrites(name).Count > writesBefore, "the alert's request reset no routing rule");
        var after = await _host.WaitForAsync(release.Id, v => v.Status == "RolledBack", Emulator);
        Assert.Equal(0, after.TrafficPercent);
        var audit = await AuditAsync(name);
        Assert.Contains(audit, r => r.Action == "alert.received" && r.Details?["alertId"] == answer.AlertId);
        var rolledBack = Assert.Single(audit, r => r.Action == "alert.rolled-back");
        Assert.Equal((release.Id, "azure-monitor"), (rolledBack.ReleaseId, rolledBack.Actor));
    }

    [Fact]
    public async Task PostAlert_ResolvedOnAppWithReleaseInFlight_AcknowledgedReleaseContinues()
    {
        var name = NewAppName();
        await _host.RegisterAppAsync(Emulator, name);
        var release = await _host.StartReleaseTakingTrafficAsync(Emulator, Time, name);

        using var response = await _host.PostAlertAsync(
            AlertPayloads.Body("sample-alert-payload.json", AlertWebhookHost.SiteId(name), "Sev0", "Resolved", AlertPayloads.NewAlertId()));

        var answer = await AnswerAsync(response);
        Assert.Equal(AlertAnswer.Acknowledged, answer.Decision);
        Assert.Contains("resolved", answer.Reason);
        var after = (await _host.Releases.GetAsync(release.Id, default))!;
        Assert.Equal(("Active", "Shifting", release.TrafficPercent), (after.Status, after.Phase, after.TrafficPercent));
        Assert.Single(await AuditAsync(name), r => r.Action == "alert.ignored");
    }

    [Fact]
    public async Task PostAlert_LessSevereThanTheAppsThreshold_AcknowledgedReleaseContinues()
    {
        var name = NewAppName();
        await _host.RegisterAppAsync(Emulator, name, alertSeverityThreshold: "Sev1");
        var release = await _host.StartReleaseTakingTrafficAsync(Emulator, Time, name);

        using var response = await _host.PostAlertAsync(
            AlertPayloads.Body("metric-static-threshold-platform.json", AlertWebhookHost.SiteId(name), "Sev2", "Fired", AlertPayloads.NewAlertId()));

        var answer = await AnswerAsync(response);
        Assert.Equal(AlertAnswer.Acknowledged, answer.Decision);
        Assert.Contains("less severe than the rollback threshold Sev1", answer.Reason);
        Assert.Equal("Shifting", (await _host.Releases.GetAsync(release.Id, default))!.Phase);
    }

    [Fact]
    public async Task PostAlert_FiredOnAppWithoutReleaseInFlight_Acknowledged()
    {
        var name = NewAppName();
        await _host.RegisterAppAsync(Emulator, name);
        var before = Emulator.ArmCallLog.Count;

        using var response = await _host.PostAlertAsync(
            AlertPayloads.Body("metric-static-threshold-platform.json", AlertWebhookHost.SiteId(name), "Sev0", "Fired", AlertPayloads.NewAlertId()));

        var answer = await AnswerAsync(response);
        Assert.Equal(AlertAnswer.Acknowledged, answer.Decision);
        Assert.Contains("no release in flight", answer.Reason);
        Assert.Equal(before, Emulator.ArmCallLog.Count);
    }

    [Fact]
    public async Task PostAlert_ReplayedAfterRollback_SameAnswerNoSecondAction()
    {
        var name = NewAppName();
        await _host.RegisterAppAsync(Emulator, name);
        await _host.StartReleaseTakingTrafficAsync(Emulator, Time, name);
        var body = AlertPayloads.Body("metric-static-threshold-platform.json", AlertWebhookHost.SiteId(name), "Sev1", "Fired", AlertPayloads.NewAlertId());

        using var first = await _host.PostAlertAsync(body);
        await _host.WaitForAsync((await AnswerAsync(first)).Rollbacks.Single().ReleaseId, v => v.Status == "RolledBack", Emulator);
        var writes = RoutingWrites(name).Count;
        using var replay = await _host.PostAlertAsync(body);

        Assert.Equal(await first.Content.ReadAsStringAsync(), await replay.Content.ReadAsStringAsync());
        Assert.False(first.Headers.Contains(AlertWebhook.ReplayedHeader));
        Assert.Equal("true", Assert.Single(replay.Headers.GetValues(AlertWebhook.ReplayedHeader)));
        Assert.Equal(writes, RoutingWrites(name).Count);
        Assert.Single(await AuditAsync(name), r => r.Action == "alert.rolled-back");
    }

    [Theory]
    [InlineData(null)]
    [InlineData("wrong-key-0123456789abcdef")]
    public async Task PostAlert_WithoutValidKey_401AndNothingChanges(string? key)
    {
        var name = NewAppName();
        await _host.RegisterAppAsync(Emulator, name);
        var release = await _host.StartReleaseTakingTrafficAsync(Emulator, Time, name);
        var before = Emulator.ArmCallLog.Count;

        using var response = await _host.PostAlertAsync(
            AlertPayloads.Body("metric-static-threshold-platform.json", AlertWebhookHost.SiteId(name), "Sev0", "Fired", AlertPayloads.NewAlertId()), key);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal(before, Emulator.ArmCallLog.Count);
        Assert.Equal("Shifting", (await _host.Releases.GetAsync(release.Id, default))!.Phase);
        Assert.DoesNotContain(await AuditAsync(name), r => r.Action.StartsWith("alert.", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("{\"schemaId\": ", "$")]
    [InlineData("{\"schemaId\":\"Microsoft.Insights/activityLogs\",\"data\":{\"essentials\":{}}}", "$.schemaId")]
    [InlineData("{\"schemaId\":\"azureMonitorCommonAlertSchema\",\"data\":{\"essentials\":{\"alertId\":\"a\",\"severity\":\"Sev9\",\"monitorCondition\":\"Fired\"}}}", "$.data.essentials.severity")]
    [InlineData("{\"schemaId\":\"azureMonitorCommonAlertSchema\",\"data\":{\"essentials\":{\"alertId\":\"a\",\"severity\":\"Sev1\",\"monitorCondition\":\"Fired\",\"alertTargetIDs\":\"not-an-array\"}}}", "$.data.essentials.alertTargetIDs")]
    [InlineData("{\"schemaId\":\"azureMonitorCommonAlertSchema\",\"data\":{\"essentials\":{\"severity\":\"Sev1\"}}}", "$.data.essentials.alertId")]
    public async Task PostAlert_InvalidPayload_400ProblemListingTheFieldAndNothingChanges(string body, string errorPath)
    {
        var before = Emulator.ArmCallLog.Count;

        using var response = await _host.PostAlertAsync(body);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        using var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.True(problem.RootElement.GetProperty("errors").TryGetProperty(errorPath, out _), problem.RootElement.ToString());
        Assert.Equal(before, Emulator.ArmCallLog.Count);
    }

    [Fact]
    public async Task PostAlert_OversizeBody_413AndNothingChanges()
    {
        var name = NewAppName();
        await _host.RegisterAppAsync(Emulator, name);
        var padded = AlertPayloads.Body("metric-static-threshold-platform.json", AlertWebhookHost.SiteId(name), "Sev0", "Fired", AlertPayloads.NewAlertId())
            .Replace("\"description\":\"\"", $"\"description\":\"{new string('x', 300 * 1024)}\"", StringComparison.Ordinal);

        using var response = await _host.PostAlertAsync(padded);

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.DoesNotContain(await AuditAsync(name), r => r.Action.StartsWith("alert.", StringComparison.Ordinal));
    }

    // A cost budget alert as Azure sends it: valid under the common alert schema, with no severity and no targets.
    private static string BudgetAlert(string alertId, string? target = null) => $$"""
        {
          "schemaId": "azureMonitorCommonAlertSchema",
          "data": {
            "essentials": {
              "alertId": "{{alertId}}",
              "alertRule": "monthly-budget",
              "severity": null,
              "signalType": null,
              "monitorCondition": "Fired",
              "monitoringService": "CostAlerts",
              "alertTargetIDs": {{(target is null ? "null" : $"[\"{target}\"]")}},
              "configurationItems": null,
              "originAlertId": null,
              "firedDateTime": "2026-11-19T22:30:00Z",
              "description": "Budget at 90 %",
              "essentialsVersion": "1.0",
              "alertContextVersion": "1.0"
            },
            "alertContext": { "BudgetName": "monthly", "SpentAmount": "900" }
          }
        }
        """;

    [Fact]
    public async Task PostAlert_BudgetAlertWithoutSeverityOrTargets_AcknowledgedAndAudited()
    {
        var alertId = AlertPayloads.NewAlertId();

        using var response = await _host.PostAlertAsync(BudgetAlert(alertId));

        var answer = await AnswerAsync(response);
        Assert.Equal((alertId, AlertAnswer.Acknowledged), (answer.AlertId, answer.Decision));
        Assert.Contains("names no target resource", answer.Reason, StringComparison.Ordinal);
        var audit = (await AuditAsync(null)).Where(r => r.Details?["alertId"] == alertId).ToList();
        Assert.Equal(["alert.ignored", "alert.received"], audit.Select(r => r.Action).Order());
        var received = Assert.Single(audit, r => r.Action == "alert.received");
        Assert.Equal("No-severity", received.Details!["severity"]);
    }

    [Fact]
    public async Task PostAlert_NoSeverityOnAppWithReleaseInFlight_AcknowledgedSayingWhyReleaseContinues()
    {
        var name = NewAppName();
        await _host.RegisterAppAsync(Emulator, name, alertSeverityThreshold: "Sev4");
        var release = await _host.StartReleaseTakingTrafficAsync(Emulator, Time, name);

        using var response = await _host.PostAlertAsync(BudgetAlert(AlertPayloads.NewAlertId(), AlertWebhookHost.SiteId(name)));

        var answer = await AnswerAsync(response);
        Assert.Equal(AlertAnswer.Acknowledged, answer.Decision);
        Assert.Contains("no severity", answer.Reason, StringComparison.Ordinal);
        Assert.Equal("Shifting", (await _host.Releases.GetAsync(release.Id, default))!.Phase);
        Assert.Contains(await AuditAsync(name), r => r.Action == "alert.ignored" && r.Reason == answer.Reason);
    }

    [Fact]
    public async Task PostAlert_InvalidUtf8_400SayingSoAndNothingChanges()
    {
        var before = Emulator.ArmCallLog.Count;
        var text = System.Text.Encoding.UTF8.GetBytes(BudgetAlert(AlertPayloads.NewAlertId()));
        var at = Array.IndexOf(text, (byte)'m', Array.IndexOf(text, (byte)'R'));
        byte[] body = [.. text.AsSpan(0, at), 0xC3, 0x28, .. text.AsSpan(at)];

        using var response = await _host.PostAlertAsync(body);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        using var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        var errors = problem.RootElement.GetProperty("errors").GetProperty("$");
        Assert.Contains("not valid UTF-8", errors[0].GetString(), StringComparison.Ordinal);
        Assert.Equal(before, Emulator.ArmCallLog.Count);
    }
}
