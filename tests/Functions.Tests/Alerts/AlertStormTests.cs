using System.Net;
using Blueshift.Functions.Alerts;
using Blueshift.Testing;
using Xunit;

namespace Blueshift.Functions.Tests.Alerts;

/// <summary>Action groups deliver an alert more than once, and Blueshift runs on more than one instance.</summary>
public sealed class AlertStormTests(AzuriteFixture azurite, AlertEmulatorFixture emulatorFixture)
    : IClassFixture<AzuriteFixture>, IClassFixture<AlertEmulatorFixture>
{
    [Fact]
    public async Task PostAlert_ConcurrentDuplicatesAcrossTwoInstances_RollsBackExactlyOnce()
    {
        var emulator = emulatorFixture.Emulator;
        var time = emulatorFixture.Time;
        var tables = AlertWebhookHost.Tables.Unique();
        await using var first = await AlertWebhookHost.StartAsync(azurite, emulator, time, tables);
        await using var second = await AlertWebhookHost.StartAsync(azurite, emulator, time, tables, sameTaskHubAs: first);
        var name = "storm" + Guid.NewGuid().ToString("N")[..8];
        await first.RegisterAppAsync(emulator, name);
        var release = await first.StartReleaseTakingTrafficAsync(emulator, time, name);
        var body = AlertPayloads.Body("metric-static-threshold-platform.json", AlertWebhookHost.SiteId(name), "Sev1", "Fired", AlertPayloads.NewAlertId());
        var writesBefore = RoutingWrites(name);

        var storm = await Task.WhenAll(Enumerable.Range(0, 200).Select(async i =>
        {
            using var response = await (i % 2 == 0 ? first : second).PostAlertAsync(body);
            return (response.StatusCode, Body: await response.Content.ReadAsStringAsync());
        }));
        // A delivery that met another instance's claim in progress was told to retry; the action group would deliver it again.
        var retried = await Task.WhenAll(storm.Where(r => r.StatusCode != HttpStatusCode.OK).Select(async r =>
        {
            Assert.Equal(HttpStatusCode.ServiceUnavailable, r.StatusCode);
            using var response = await second.PostAlertAsync(body);
            return (response.StatusCode, Body: await response.Content.ReadAsStringAsync());
        }));

        var answers = storm.Where(r => r.StatusCode == HttpStatusCode.OK).Concat(retried).ToList();
        Assert.All(answers, a => Assert.Equal(HttpStatusCode.OK, a.StatusCode));
        Assert.Single(answers.Select(a => a.Body).Distinct());
        Assert.Contains($"\"decision\":\"{AlertAnswer.RolledBack}\"", answers[0].Body);
        // One reset by the request that won the claim, one by the rollback it started; no other delivery touched the rule.
        await first.WaitForAsync(release.Id, v => v.Status == "RolledBack", emulator);
        Assert.Equal(writesBefore + 2, RoutingWrites(name));
        var audit = await first.Audit.QueryAsync(name, time.GetUtcNow().AddDays(-1), time.GetUtcNow().AddDays(1), default).ToListAsync();
        Assert.Single(audit, r => r.Action == "alert.rolled-back" && r.ReleaseId == release.Id);
        Assert.Single(audit, r => r.Action == "alert.received");
    }

    private int RoutingWrites(string app) =>
        emulatorFixture.Emulator.ArmCallLog.Snapshot()
            .Count(c => c.Method != "GET" && c.Path.Contains($"/sites/{app}/config/web", StringComparison.OrdinalIgnoreCase));
}
