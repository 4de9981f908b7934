using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Blueshift.Functions.Apps;
using Blueshift.Functions.Audit;
using Blueshift.Functions.Notifications;

namespace Blueshift.Functions.Compliance;

/// <summary>What recording one app's observations changed.</summary>
/// <param name="Open">The app's open findings of the job afterwards.</param>
/// <param name="NotificationsFailed">Deliveries that failed; the finding stays unnotified and the next run tries again.</param>
public sealed record RecordedFindings(int Opened, int Reopened, int Escalated, int Resolved, int Open, int NotificationsFailed);

/// <summary>
/// Turns the observations of one complete check of one app into findings: opens new ones, keeps open ones (last seen moves
/// on), escalates those whose severity rose, resolves the job's open findings the check no longer observes (never deleting
/// them) and reopens resolved ones that recur. Every change is audited; new, reopened and escalated findings are notified to
/// the app's targets. Running it again for the same run changes nothing more: each change carries its run's id, its audit
/// record a stable id, and the notification a delivered mark, so a re-run only finishes what the first left undone.
/// </summary>
public sealed class ComplianceFindingsRecorder(
    IComplianceFindingStore store, IAuditTrail audit, IEnumerable<INotifier> notifiers, ILogger<ComplianceFindingsRecorder> logger)
{
    public const string Actor = "blueshift";

    public async Task<RecordedFindings> RecordAsync(
        ComplianceJob job, ManagedApp app, string runId, DateTimeOffset now, IReadOnlyList<Observation> observations, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(app);
        ArgumentException.ThrowIfNullOrEmpty(runId);
        ArgumentNullException.ThrowIfNull(observations);
        var jobName = ComplianceJobs.Name(job);
        var findings = (await store.ListAsync(app.Name, jobName, cancellationToken)).ToDictionary(f => f.Id, StringComparer.Ordinal);

        // One observation per finding: a check that reports the same kind and subject twice means the worse of the two.
        var observed = observations
            .GroupBy(o => FindingKeys.RowKey(o.Kind, o.Subject), StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.MaxBy(o => o.Severity)!, StringComparer.Ordinal);

        foreach (var (id, observation) in observed)
        {
            var next = findings.TryGetValue(id, out var current) ? Apply(current, observation, runId, now) : Open(app.Name, jobName, observation, runId, now);
            if (next != current)
            {
                await store.SaveAsync(next, cancellationToken);
                findings[id] = next;
            }
        }
        foreach (var finding in findings.Values.Where(f => f.Status == FindingStatus.Open && !observed.ContainsKey(f.Id)).ToList())
        {
            var resolved = finding with
            {
                Status = FindingStatus.Resolved,
                ResolvedAt = now,
                LastRunId = runId,
                LastChange = FindingChange.Resolved,
                LastChangeRunId = runId,
                Notified = true,
            };
            await store.SaveAsync(resolved, cancellationToken);
            findings[finding.Id] = resolved;
        }

        var changes = findings.Values.Where(f => f.LastChangeRunId == runId).OrderBy(f => f.Id, StringComparer.Ordinal).ToList();
        if (changes.Count > 0)
        {
            await audit.RecordOnceAsync([.. changes.Select(f => new IdentifiedAuditRecord(AuditId(f), AuditRecordOf(f, now)))], cancellationToken);
        }

        var failed = 0;
        foreach (var finding in findings.Values.Where(f => f.Status == FindingStatus.Open && f.ChangeNeedsNotification && !f.Notified).OrderBy(f => f.Id, StringComparer.Ordinal).ToList())
        {
            var undelivered = await NotifyAsync(app, finding, now, cancellationToken);
            failed += undelivered;
            if (undelivered == 0)
            {
                var notified = finding with { Notified = true };
                await store.SaveAsync(notified, cancellationToken);
                findings[finding.Id] = notified;
            }
        }

        return new RecordedFindings(
            Opened: changes.Count(f => f.LastChange == FindingChange.Opened),
            Reopened: changes.Count(f => f.LastChange == FindingChange.Reopened),
            Escalated: changes.Count(f => f.LastChange == FindingChange.Escalated),
            Resolved: changes.Count(f => f.LastChange == FindingChange.Resolved),
            Open: findings.Values.Count(f => f.Status == FindingStatus.Open),
            NotificationsFailed: failed);
    }

    private static ComplianceFinding Open(string app, string job, Observation o, string runId, DateTimeOffset now) =>
        new(app, job, o.Kind, o.Subject, o.Severity, o.Summary, Copy(o.Evidence), now, now, null, FindingStatus.Open, runId, FindingChange.Opened, runId, Notified: false);

    private static ComplianceFinding Apply(ComplianceFinding current, Observation o, string runId, DateTimeOffset now)
    {
        var seen = current with { Severity = o.Severity, Summary = o.Summary, Evidence = Copy(o.Evidence), LastSeen = now, LastRunId = runId };
        if (current.Status == FindingStatus.Resolved)
        {
            return seen with { Status = FindingStatus.Open, ResolvedAt = null, LastChange = FindingChange.Reopened, LastChangeRunId = runId, Notified = false };
        }
        if (o.Severity > current.Severity)
        {
            return seen with { LastChange = FindingChange.Escalated, LastChangeRunId = runId, Notified = false };
        }
        // Kept open: nothing to tell anyone. An unchanged finding seen again at the same instant (a re-run) is not rewritten.
        return Same(current, seen) ? current : seen;
    }

    private static bool Same(ComplianceFinding a, ComplianceFinding b) =>
        a with { Evidence = b.Evidence } == b && a.Evidence.Count == b.Evidence.Count && a.Evidence.All(e => b.Evidence.TryGetValue(e.Key, out var v) && v == e.Value);

    private static Dictionary<string, string> Copy(IReadOnlyDictionary<string, string> evidence) => evidence.ToDictionary(e => e.Key, e => e.Value, StringComparer.Ordinal);

    private async Task<int> NotifyAsync(ManagedApp app, ComplianceFinding finding, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var notification = new ComplianceNotification(
            ActionOf(finding.LastChange), now, finding.App, finding.Job, finding.LastChangeRunId, finding.Kind, finding.Subject,
            finding.Severity.ToString(), finding.Summary, finding.Evidence, finding.FirstSeen);
        var failed = 0;
        foreach (var target in app.Notifications ?? [])
        {
            var notifier = notifiers.FirstOrDefault(n => n.Kind.Equals(target.Kind, StringComparison.OrdinalIgnoreCase));
            try
            {
                if (notifier is null)
                {
                    throw new NotSupportedException($"No notifier serves targets of kind '{target.Kind}'.");
                }
                await notifier.PostAsync(target.Endpoint, notification, cancellationToken);
            }
            catch (Exception ex) when (ex is HttpRequestException or global::Azure.RequestFailedException or NotSupportedException or IOException
                                       || (ex is OperationCanceledException && !cancellationToken.IsCancellationRequested))
            {
                failed++;
                var problem = ex switch
                {
                    // Only the status: messages may quote responses, and responses may quote settings.
                    HttpRequestException hre => hre.StatusCode is { } status ? $"HTTP {(int)status}" : $"network error {hre.HttpRequestError}",
                    global::Azure.RequestFailedException rfe => $"Azure answered {rfe.Status}",
                    OperationCanceledException => "timed out",
                    _ => ex.Message,
                };
                Log.NotificationFailed(logger, finding.App, finding.Kind, target.Kind, problem);
            }
        }
        return failed;
    }

    public static string ActionOf(FindingChange change) => change switch
    {
        FindingChange.Opened => "compliance.finding-opened",
        FindingChange.Reopened => "compliance.finding-reopened",
        FindingChange.Escalated => "compliance.finding-escalated",
        FindingChange.Resolved => "compliance.finding-resolved",
        _ => throw new ArgumentOutOfRangeException(nameof(change), change, null),
    };

    private static AuditRecord AuditRecordOf(ComplianceFinding f, DateTimeOffset now)
    {
        var details = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["job"] = f.Job,
            ["kind"] = f.Kind,
            ["subject"] = f.Subject,
            ["severity"] = f.Severity.ToString(),
            ["firstSeen"] = f.FirstSeen.ToString("O", CultureInfo.InvariantCulture),
        };
        foreach (var (key, value) in f.Evidence)
        {
            details["evidence." + key] = value;
        }
        return new AuditRecord(now, Actor, ActionOf(f.LastChange), f.App, null, f.Summary, f.LastChangeRunId, details);
    }

    /// <summary>The same for every write of one change of one finding in one run, different for every other.</summary>
    private static string AuditId(ComplianceFinding f)
    {
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes(string.Join('\n', f.App, f.Job, f.Id, f.LastChange.ToString(), f.LastChangeRunId)));
        return "compliance-" + Convert.ToHexStringLower(hash)[..48];
    }
}
