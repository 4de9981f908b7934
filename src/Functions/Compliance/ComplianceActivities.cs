using System.Security.Cryptography;
using System.Text;
using Blueshift.Functions.Apps;
using Blueshift.Functions.Audit;

namespace Blueshift.Functions.Compliance;

/// <summary>
/// The compliance job's activities. Each is idempotent: the run row is replaced with the same content, the recorder finishes
/// what an earlier attempt of the same run left undone, audit records carry ids fixed by the run.
/// </summary>
internal sealed class ComplianceActivities(
    IEnumerable<IComplianceCheck> checks,
    ComplianceFindingsRecorder recorder,
    IManagedAppStore apps,
    ComplianceRunStore runs,
    IAuditTrail audit,
    TimeProvider time,
    ILogger<ComplianceActivities> logger)
{
    public async Task<ComplianceRunStart> BeginAsync(ComplianceRunStep step, CancellationToken cancellationToken)
    {
        var name = ComplianceJobs.Name(step.Job);
        string? error = null;
        if (step.Job != ComplianceJob.RestoreTest && !checks.Any(c => c.Job == step.Job))
        {
            error = $"No compliance check is registered for the job '{name}': add its IComplianceCheck in AddCompliance.";
        }
        await runs.SaveAsync(new ComplianceRunRecord(step.Job, step.RunId, step.StartedAt, null, ComplianceRunStatus.Running, new ComplianceTallies(), null), cancellationToken);
        await audit.RecordOnceAsync([new IdentifiedAuditRecord(AuditId(step.RunId, "started"), new AuditRecord(
            step.StartedAt, ComplianceFindingsRecorder.Actor, "compliance.job-started", null, null, null, step.RunId,
            new Dictionary<string, string> { ["job"] = name }))], cancellationToken);
        Log.RunStarted(logger, name, step.RunId);
        return new ComplianceRunStart(error);
    }

    public async Task<List<ManagedApp>> ListAppsAsync(ComplianceAppsQuery query, CancellationToken cancellationToken)
    {
        var all = new List<ManagedApp>();
        await foreach (var app in apps.ListAsync(cancellationToken))
        {
            if (query.After is null || string.CompareOrdinal(app.Name, query.After) > 0)
            {
                all.Add(app);
            }
        }
        return [.. all.OrderBy(a => a.Name, StringComparer.Ordinal).Take(query.Take)];
    }

    public async Task<AppComplianceResult> CheckAppAsync(AppComplianceRequest request, CancellationToken cancellationToken)
    {
        var check = checks.FirstOrDefault(c => c.Job == request.Job)
            ?? throw new InvalidOperationException($"No compliance check is registered for the job '{ComplianceJobs.Name(request.Job)}'.");
        IReadOnlyList<Observation> observations;
        try
        {
            // The check holds the app against the facts as they are now; the findings are recorded at the run's instant.
            observations = await check.CheckAsync(request.App, time.GetUtcNow(), cancellationToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            var problem = Describe(ex);
            Log.CheckFailed(logger, ComplianceJobs.Name(request.Job), request.App.Name, problem);
            await audit.RecordOnceAsync([new IdentifiedAuditRecord(AuditId(request.RunId, "failed", request.App.Name), new AuditRecord(
                request.StartedAt, ComplianceFindingsRecorder.Actor, "compliance.check-failed", request.App.Name, null, problem, request.RunId,
                new Dictionary<string, string> { ["job"] = ComplianceJobs.Name(request.Job) }))], cancellationToken);
            return new AppComplianceResult(request.App.Name, AppComplianceOutcome.Failed, Detail: problem);
        }
        var recorded = await recorder.RecordAsync(request.Job, request.App, request.RunId, request.StartedAt, observations, cancellationToken);
        return new AppComplianceResult(request.App.Name, AppComplianceOutcome.Checked, recorded);
    }

    public async Task<AppComplianceResult> RecordAsync(ComplianceRecordRequest request, CancellationToken cancellationToken)
    {
        var recorded = await recorder.RecordAsync(request.Job, request.App, request.RunId, request.StartedAt, request.Observations, cancellationToken);
        return new AppComplianceResult(request.App.Name, AppComplianceOutcome.Checked, recorded);
    }

    public async Task<bool> FinishAsync(ComplianceRunStep step, CancellationToken cancellationToken)
    {
        var name = ComplianceJobs.Name(step.Job);
        var tallies = step.Tallies ?? new ComplianceTallies();
        // The end is when the run was first seen to end: a repeat of this activity keeps it.
        var existing = await runs.GetAsync(step.Job, cancellationToken);
        var endedAt = existing is { EndedAt: { } ended } && existing.RunId == step.RunId && existing.Status == step.Status ? ended : time.GetUtcNow();
        await runs.SaveAsync(new ComplianceRunRecord(step.Job, step.RunId, step.StartedAt, endedAt, step.Status, tallies, step.Error), cancellationToken);
        var details = new Dictionary<string, string>
        {
            ["job"] = name,
            ["status"] = step.Status.ToString(),
            ["apps"] = tallies.Apps.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["failed"] = tallies.Failed.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["opened"] = (tallies.Opened + tallies.Reopened).ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["escalated"] = tallies.Escalated.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["resolved"] = tallies.Resolved.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["open"] = tallies.Open.ToString(System.Globalization.CultureInfo.InvariantCulture),
        };
        await audit.RecordOnceAsync([new IdentifiedAuditRecord(AuditId(step.RunId, "finished"), new AuditRecord(
            step.StartedAt, ComplianceFindingsRecorder.Actor, "compliance.job-finished", null, null, step.Error, step.RunId, details))], cancellationToken);
        Log.RunFinished(logger, name, step.RunId, step.Status, tallies.Apps, tallies.Failed, tallies.Open);
        return true;
    }

    /// <summary>Only what is safe to keep: ARM and HTTP statuses, or the exception's type and its message (never a response body).</summary>
    internal static string Describe(Exception ex)
    {
        var text = ex switch
        {
            global::Azure.RequestFailedException rfe => $"Azure answered {rfe.Status}{(rfe.ErrorCode is { Length: > 0 } code ? " " + code : string.Empty)}.",
            HttpRequestException hre => hre.StatusCode is { } status ? $"HTTP {(int)status}." : $"Network error {hre.HttpRequestError}.",
            OperationCanceledException => "Timed out.",
            _ => $"{ex.GetType().Name}: {ex.Message}",
        };
        return text.Length > 500 ? text[..500] : text;
    }

    private static string AuditId(string runId, params string[] parts)
    {
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes(string.Join('\n', [runId, .. parts])));
        return "compliance-" + Convert.ToHexStringLower(hash)[..48];
    }
}
