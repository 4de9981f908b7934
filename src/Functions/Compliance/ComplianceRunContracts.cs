using Blueshift.Functions.Apps;

namespace Blueshift.Functions.Compliance;

/// <summary>
/// The input of <see cref="ComplianceJobOrchestrator.RunComplianceJob"/>, for the first batch and, through ContinueAsNew,
/// every later one: the apps after <paramref name="Cursor"/> (by name) are next, and <paramref name="Tallies"/> hold what the
/// batches before found; both are null for the first batch only. The orchestration's instance id is the job's (<see cref="ComplianceJobRuns.InstanceId"/>).
/// </summary>
/// <param name="RunId">Identifies this run in findings, audit and notifications (<c>backup-rpo-20261207T050500Z</c>).</param>
/// <param name="StartedAt">When the run started: the instant findings of the run are recorded at.</param>
/// <param name="Timings">The restore test's durations (the orchestrator reads no configuration).</param>
public sealed record ComplianceJobInput(
    ComplianceJob Job,
    string RunId,
    DateTimeOffset StartedAt,
    RestoreTestTimings Timings,
    int BatchSize,
    string? Cursor = null,
    ComplianceTallies? Tallies = null)
{
    /// <summary>Whether this is the run's first batch (ContinueAsNew always hands on a cursor and tallies).</summary>
    public bool IsFirstBatch => Cursor is null && Tallies is null;
}

/// <summary>What a run found so far, summed over the apps it checked.</summary>
public sealed record ComplianceTallies(
    int Apps = 0,
    int Checked = 0,
    int Skipped = 0,
    int Failed = 0,
    int Opened = 0,
    int Reopened = 0,
    int Escalated = 0,
    int Resolved = 0,
    int Open = 0,
    int NotificationsFailed = 0)
{
    public ComplianceTallies Add(AppComplianceResult result) => this with
    {
        Apps = Apps + 1,
        Checked = Checked + (result.Outcome == AppComplianceOutcome.Checked ? 1 : 0),
        Skipped = Skipped + (result.Outcome == AppComplianceOutcome.Skipped ? 1 : 0),
        Failed = Failed + (result.Outcome == AppComplianceOutcome.Failed ? 1 : 0),
        Opened = Opened + (result.Findings?.Opened ?? 0),
        Reopened = Reopened + (result.Findings?.Reopened ?? 0),
        Escalated = Escalated + (result.Findings?.Escalated ?? 0),
        Resolved = Resolved + (result.Findings?.Resolved ?? 0),
        Open = Open + (result.Findings?.Open ?? 0),
        NotificationsFailed = NotificationsFailed + (result.Findings?.NotificationsFailed ?? 0),
    };
}

public enum AppComplianceOutcome
{
    /// <summary>The check ran to the end and its findings were recorded.</summary>
    Checked,

    /// <summary>The job did not check the app (<see cref="AppComplianceResult.Detail"/> says why); its findings stay as they were.</summary>
    Skipped,

    /// <summary>The check could not tell (it threw); the app's findings stay as they were and the failure is audited.</summary>
    Failed,
}

/// <summary>One app's part of a run.</summary>
public sealed record AppComplianceResult(string App, AppComplianceOutcome Outcome, RecordedFindings? Findings = null, string? Detail = null);

/// <summary>The input of the CheckAppCompliance activity.</summary>
public sealed record AppComplianceRequest(ComplianceJob Job, ManagedApp App, string RunId, DateTimeOffset StartedAt);

/// <summary>The input of the RecordComplianceFindings activity: observations a sub-orchestration made (the restore test).</summary>
public sealed record ComplianceRecordRequest(ComplianceJob Job, ManagedApp App, string RunId, DateTimeOffset StartedAt, IReadOnlyList<Observation> Observations);

/// <summary>The input of ListComplianceApps: the next <paramref name="Take"/> apps by name after <paramref name="After"/>.</summary>
public sealed record ComplianceAppsQuery(string? After, int Take);

/// <summary>The input of BeginComplianceRun and FinishComplianceRun.</summary>
public sealed record ComplianceRunStep(ComplianceJob Job, string RunId, DateTimeOffset StartedAt, ComplianceRunStatus Status = ComplianceRunStatus.Running, ComplianceTallies? Tallies = null, string? Error = null);

/// <summary>What BeginComplianceRun found: the run can go on, or <paramref name="Error"/> says why not.</summary>
public sealed record ComplianceRunStart(string? Error);

public enum ComplianceRunStatus
{
    Running,
    Succeeded,
    Failed,
}

/// <summary>The activity names of the compliance job orchestration (recorded in every instance's history).</summary>
public static class ComplianceActivityNames
{
    public const string BeginRun = "BeginComplianceRun";
    public const string ListApps = "ListComplianceApps";
    public const string CheckApp = "CheckAppCompliance";
    public const string RecordFindings = "RecordComplianceFindings";
    public const string FinishRun = "FinishComplianceRun";
}
