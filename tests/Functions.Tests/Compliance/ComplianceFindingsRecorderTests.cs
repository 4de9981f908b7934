using System.Text.Json;
using Azure.Data.Tables;
using Blueshift.Functions.Apps;
using Blueshift.Functions.Audit;
using Blueshift.Functions.Compliance;
using Blueshift.Functions.Notifications;
using Blueshift.Testing;
using Microsoft.Extensions.Logging.Abstractions;
using Xunit;

namespace Blueshift.Functions.Tests.Compliance;

/// <summary>The recorder on Azurite, notifying a real webhook receiver: open, keep, escalate, resolve, reopen, re-run.</summary>
public sealed class ComplianceFindingsRecorderTests(AzuriteFixture azurite) : IClassFixture<AzuriteFixture>, IAsyncLifetime
{
    private static readonly DateTimeOffset T0 = new(2026, 12, 7, 5, 5, 0, TimeSpan.Zero);
    private WebhookReceiver _webhook = null!;
    private TableAuditTrail _audit = null!;
    private TableComplianceFindingStore _store = null!;
    private ComplianceFindingsRecorder _recorder = null!;
    private ManagedApp _app = null!;

    public async Task InitializeAsync()
    {
        _webhook = await WebhookReceiver.StartAsync();
        _audit = new TableAuditTrail(new TableClient(azurite.ConnectionString, AzuriteFixture.UniqueName("cfaudit")));
        _store = new TableComplianceFindingStore(new TableClient(azurite.ConnectionString, AzuriteFixture.UniqueName("cffind")));
        _recorder = new ComplianceFindingsRecorder(_store, _audit, [new WebhookNotifier(new HttpClient())], NullLogger<ComplianceFindingsRecorder>.Instance);
        _app = new ManagedApp("shop", "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Web/sites/shop",
            Notifications: [new NotificationTarget("webhook", _webhook.Endpoint)]);
    }

    public async Task DisposeAsync() => await _webhook.DisposeAsync();

    private static Observation Breach(FindingSeverity severity = FindingSeverity.High, string subject = "") =>
        new("backup-rpo.breach", subject, severity, "RPO breach: the latest successful backup is 3 h old, over the RPO of 1 h.",
            new Dictionary<string, string> { ["backupAge"] = "03:00:00", ["rpo"] = "01:00:00" });

    private Task<RecordedFindings> Record(string run, DateTimeOffset now, params Observation[] observations) =>
        _recorder.RecordAsync(ComplianceJob.BackupRpo, _app, run, now, observations, default);

    private async Task<List<AuditRecord>> AuditAsync() => await _audit.QueryAsync("shop", T0.AddDays(-1), T0.AddDays(1), default).ToListAsync();

    private async Task<ComplianceFinding> OnlyFindingAsync() => Assert.Single(await _store.ListAsync("shop", "backup-rpo", default));

    [Fact]
    public async Task RecordAsync_NewObservation_OpensAuditsAndNotifies()
    {
        var result = await Record("run-1", T0, Breach());

        Assert.Equal(new RecordedFindings(1, 0, 0, 0, 1, 0), result);
        var finding = await OnlyFindingAsync();
        Assert.Equal((FindingStatus.Open, T0, T0, (DateTimeOffset?)null, FindingSeverity.High), (finding.Status, finding.FirstSeen, finding.LastSeen, finding.ResolvedAt, finding.Severity));
        Assert.Equal("03:00:00", finding.Evidence["backupAge"]);
        var record = Assert.Single(await AuditAsync());
        Assert.Equal(("compliance.finding-opened", "blueshift", "run-1"), (record.Action, record.Actor, record.CorrelationId));
        Assert.Equal("backup-rpo.breach", record.Details!["kind"]);
        var posted = Assert.Single(_webhook.Received);
        Assert.Equal("compliance.finding-opened", posted.GetProperty("event").GetString());
        Assert.Equal("shop", posted.GetProperty("app").GetString());
        Assert.Equal("High", posted.GetProperty("severity").GetString());
        Assert.Equal("03:00:00", posted.GetProperty("evidence").GetProperty("backupAge").GetString());
    }

    [Fact]
    public async Task RecordAsync_SameObservationNextRun_KeepsItOpenQuietly()
    {
        await Record("run-1", T0, Breach());
        var result = await Record("run-2", T0.AddHours(1), Breach());

        Assert.Equal(new RecordedFindings(0, 0, 0, 0, 1, 0), result);
        var finding = await OnlyFindingAsync();
        Assert.Equal((T0, T0.AddHours(1), "run-2"), (finding.FirstSeen, finding.LastSeen, finding.LastRunId));
        Assert.Single(await AuditAsync());
        Assert.Single(_webhook.Received);
    }

    [Fact]
    public async Task RecordAsync_SeverityRises_EscalatesAndNotifiesAgain()
    {
        await Record("run-1", T0, Breach(FindingSeverity.Medium));
        var result = await Record("run-2", T0.AddHours(1), Breach(FindingSeverity.Critical));

        Assert.Equal(new RecordedFindings(0, 0, 1, 0, 1, 0), result);
        Assert.Equal(FindingSeverity.Critical, (await OnlyFindingAsync()).Severity);
        Assert.Equal(["compliance.finding-opened", "compliance.finding-escalated"], (await AuditAsync()).Select(r => r.Action));
        Assert.Equal(["compliance.finding-opened", "compliance.finding-escalated"], _webhook.Received.Select(b => b.GetProperty("event").GetString()));
    }

    [Fact]
    public async Task RecordAsync_NoLongerObserved_ResolvesWithoutDeleting()
    {
        await Record("run-1", T0, Breach());
        var result = await Record("run-2", T0.AddHours(1));

        Assert.Equal(new RecordedFindings(0, 0, 0, 1, 0, 0), result);
        var finding = await OnlyFindingAsync();
        Assert.Equal((FindingStatus.Resolved, (DateTimeOffset?)T0.AddHours(1), T0), (finding.Status, finding.ResolvedAt, finding.LastSeen));
        Assert.Equal(["compliance.finding-opened", "compliance.finding-resolved"], (await AuditAsync()).Select(r => r.Action));
        Assert.Single(_webhook.Received);
    }

    [Fact]
    public async Task RecordAsync_ResolvedFindingRecurs_ReopensAndNotifies()
    {
        await Record("run-1", T0, Breach());
        await Record("run-2", T0.AddHours(1));
        var result = await Record("run-3", T0.AddHours(2), Breach());

        Assert.Equal(new RecordedFindings(0, 1, 0, 0, 1, 0), result);
        var finding = await OnlyFindingAsync();
        Assert.Equal((FindingStatus.Open, (DateTimeOffset?)null, T0, T0.AddHours(2)), (finding.Status, finding.ResolvedAt, finding.FirstSeen, finding.LastSeen));
        Assert.Equal(["compliance.finding-opened", "compliance.finding-resolved", "compliance.finding-reopened"], (await AuditAsync()).Select(r => r.Action));
        Assert.Equal(2, _webhook.Received.Count);
    }

    [Fact]
    public async Task RecordAsync_SameRunAgain_NoSecondNotificationOrAudit()
    {
        await Record("run-1", T0, Breach(), Breach(FindingSeverity.Low, "second"));
        await Record("run-2", T0.AddHours(1), Breach(FindingSeverity.Critical));
        var again = await Record("run-2", T0.AddHours(1), Breach(FindingSeverity.Critical));

        Assert.Equal(new RecordedFindings(0, 0, 1, 1, 1, 0), again);
        Assert.Equal(["compliance.finding-escalated", "compliance.finding-opened", "compliance.finding-opened", "compliance.finding-resolved"],
            (await AuditAsync()).Select(r => r.Action).Order(StringComparer.Ordinal));
        Assert.Equal(3, _webhook.Received.Count);
    }

    [Fact]
    public async Task RecordAsync_WebhookDown_KeepsFindingUnnotifiedAndDeliversNextRun()
    {
        var down = new ManagedApp(_app.Name, _app.ResourceId, Notifications: [new NotificationTarget("webhook", new Uri(_webhook.Endpoint, "/nowhere"))]);
        var first = await _recorder.RecordAsync(ComplianceJob.BackupRpo, down, "run-1", T0, [Breach()], default);
        Assert.Equal(1, first.NotificationsFailed);
        Assert.False((await OnlyFindingAsync()).Notified);

        var second = await Record("run-2", T0.AddHours(1), Breach());

        Assert.Equal(0, second.NotificationsFailed);
        Assert.True((await OnlyFindingAsync()).Notified);
        Assert.Equal("compliance.finding-opened", Assert.Single(_webhook.Received).GetProperty("event").GetString());
    }

    [Fact]
    public async Task RecordAsync_SubjectWithForbiddenKeyCharacters_IsKeptAndFoundAgain()
    {
        const string subject = "https://vault.example/secrets/db#1?x\\y";
        await Record("run-1", T0, Breach(subject: subject));
        await Record("run-2", T0.AddHours(1), Breach(subject: subject));

        var finding = await OnlyFindingAsync();
        Assert.Equal((subject, T0.AddHours(1)), (finding.Subject, finding.LastSeen));
        Assert.DoesNotContain('/', finding.Id);
        Assert.DoesNotContain('#', finding.Id);
    }

    [Fact]
    public async Task QueryAsync_PagesAndFilters()
    {
        var observations = Enumerable.Range(0, 5).Select(i => Breach(subject: $"s{i}")).ToArray();
        await Record("run-1", T0, observations);
        await Record("run-2", T0.AddHours(1), observations[..3]);

        var seen = new List<ComplianceFinding>();
        string? token = null;
        do
        {
            var page = await _store.QueryAsync(new FindingQuery(App: "shop"), token, 2, default);
            Assert.True(page.Findings.Count <= 2);
            seen.AddRange(page.Findings);
            token = page.ContinuationToken;
        }
        while (token is not null);
        Assert.Equal(5, seen.Select(f => f.Subject).Distinct().Count());

        var resolved = await _store.QueryAsync(new FindingQuery("shop", "backup-rpo.breach", FindingStatus.Resolved, "backup-rpo"), null, 10, default);
        Assert.Equal(["s3", "s4"], resolved.Findings.Select(f => f.Subject).Order());
        Assert.Empty((await _store.QueryAsync(new FindingQuery(App: "blog"), null, 10, default)).Findings);
        await Assert.ThrowsAsync<FormatException>(() => _store.QueryAsync(new FindingQuery(), "not a token!", 10, default));
    }
}
