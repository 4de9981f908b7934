using Blueshift.Domain.Analysis;
using Blueshift.Domain.Releases;
using Blueshift.Functions.Apps;
using Blueshift.Functions.Audit;
using Blueshift.Functions.Notifications;
using Blueshift.Functions.Traffic;

namespace Blueshift.Functions.Releases.Orchestration;

/// <summary>
/// Everything one release orchestration needs, fixed when it starts: orchestrators read no configuration and no clock,
/// so a replay months later decides exactly as the first run did.
/// </summary>
/// <param name="ReleaseType">Major, Minor, Patch or Hotfix: decides the approvals and windows it needs.</param>
/// <param name="ChangeClass">Standard, Normal or Emergency.</param>
/// <param name="Target">The app as registered when the release started.</param>
/// <param name="Policy">The release's policies, resolved once from the defaults, the app's overrides and the request.</param>
/// <param name="Request">What the caller said about the release, shown by the API (absent in releases started by other means).</param>
/// <param name="RollbackWindow">
/// How long after success the release can still be swapped back (zero: never). The orchestration waits it out, listening
/// for a rollback, after it has let go of the app.
/// </param>
public sealed record ReleaseInput(
    string ReleaseId,
    string Version,
    Uri Package,
    string Strategy,
    string ReleaseType,
    string ChangeClass,
    string RequestedBy,
    ManagedApp Target,
    ReleasePolicy Policy,
    ReleaseRunSettings Settings,
    ReleaseRequestInfo? Request = null,
    TimeSpan RollbackWindow = default);

/// <summary>The request as the API accepted it: who asked (by name), when, why, and the change it belongs to.</summary>
public sealed record ReleaseRequestInfo(string RequestedByName, DateTimeOffset RequestedAt, string? ChangeReference, string? Reason);

/// <summary>The settings a release runs with (from <see cref="ReleaseOrchestrationOptions"/>), fixed in its input when it starts.</summary>
/// <param name="PollInterval">How often a running ARM operation is polled and a swap's marker read again.</param>
/// <param name="SwapSettleTime">How long a swap request's effect is given to show in the release marker before another.</param>
/// <param name="RetryInterval">First wait before an activity that failed transiently (ARM 429/5xx, network) is tried again; it doubles.</param>
/// <param name="MaxRetryInterval">The longest wait between two tries of an activity.</param>
/// <param name="MaxActivityAttempts">How many times such an activity is tried before the release rolls back.</param>
public sealed record ReleaseRunSettings(
    TimeSpan PollInterval,
    TimeSpan SwapSettleTime,
    int MaxSwapAttempts,
    int MaxDeployAttempts,
    TimeSpan BaselineWindow,
    TimeSpan RetryInterval,
    TimeSpan MaxRetryInterval,
    int MaxActivityAttempts,
    string Environment,
    string Contact);

/// <summary>The external events a release orchestration listens for.</summary>
internal static class ReleaseEvents
{
    /// <summary>An approval of the release by someone in an approval role (payload <see cref="ApprovalCommand"/>).</summary>
    public const string Approve = "approve";

    /// <summary>Ends the current bake at once and analyses what it has.</summary>
    public const string Promote = "promote";

    /// <summary>Stops the release; it ends Aborted.</summary>
    public const string Abort = "abort";

    /// <summary>Undoes the release (an operator, or an alert); it ends RolledBack.</summary>
    public const string Rollback = "rollback";
}

/// <summary>Who raised an event and why; recorded in the audit trail and the notification.</summary>
public sealed record ReleaseCommand(string Actor, string Reason);

/// <summary>An approval as the API accepted it (the caller holds <paramref name="Role"/>); the gate decides whether it counts.</summary>
public sealed record ApprovalCommand(string Approver, string Role, string? Comment);

/// <summary>
/// What <c>SetCustomStatus</c> publishes: where the release is, for the API and the Durable tools. Bounded (see
/// <see cref="ReleaseProgressLimits"/>) so it stays far below what the task hub stores for a status; the audit trail keeps
/// every record.
/// </summary>
/// <param name="Swap">The swap into production as recorded before each request (null until the release swaps).</param>
/// <param name="RollbackWindowEndsAt">While a release that succeeded can still be swapped back: until when.</param>
public sealed record ReleaseProgress(
    ReleasePhase Phase,
    int? Step,
    int TrafficPercent,
    string? StatusReason,
    SwapProgress? Swap = null,
    DateTimeOffset? PhaseEnteredAt = null,
    IReadOnlyList<ApprovalView>? Approvals = null,
    IReadOnlyList<AnalysisView>? Analyses = null,
    IReadOnlyList<TimelineEvent>? Timeline = null,
    DateTimeOffset? RollbackWindowEndsAt = null);

internal static class ReleaseProgressLimits
{
    /// <summary>The first event and the latest ones are kept.</summary>
    public const int TimelineEvents = 40;

    public const int Analyses = 16;

    public const int Approvals = 16;

    /// <summary>Characters of one message or summary.</summary>
    public const int Text = 600;
}

/// <summary>One analysis as the orchestration judged it (the audit trail keeps every measured value too).</summary>
public sealed record AnalysisSummary(string Kind, int? Step, int TrafficPercent, VerdictOutcome Outcome, string Summary);

/// <summary>How a release ended.</summary>
/// <param name="ForwardSwaps">How many swaps into production this release requested (exactly one when it swapped).</param>
public sealed record ReleaseOutcome(
    ReleasePhase Phase,
    string StatusReason,
    int MaxTrafficPercent,
    int ForwardSwaps,
    IReadOnlyList<AnalysisSummary> Analyses);

/// <summary>What the rollback sub-orchestration needs to undo a release from wherever it stopped.</summary>
/// <param name="FromPhase">The phase the release was in when the rollback began.</param>
/// <param name="ForwardSwap">
/// The swap into production as the release recorded it before each request; its outcome may be unknown (an operation
/// still running, an answer lost), so the rollback settles it on the release marker before it decides anything.
/// </param>
/// <param name="ReachedSwapping">The release got as far as the swap: production may hold it, whatever was recorded.</param>
/// <param name="Timeout">How long the rollback may take before it stops and asks for a person.</param>
public sealed record RollbackInput(
    string ReleaseId,
    string Version,
    string? PreviousVersion,
    ManagedApp Target,
    RollbackCause Cause,
    string Reason,
    string Actor,
    ReleasePhase FromPhase,
    SwapProgress? ForwardSwap,
    bool ReachedSwapping,
    int MaxTrafficPercent,
    string? ProductionHost,
    string HealthCheckPath,
    TimeSpan Timeout,
    ReleaseRunSettings Settings)
{
    /// <summary>A swap into production was requested: production may hold this release.</summary>
    public bool SwapRequested => ForwardSwap?.RequestedAt is not null;
}

/// <summary>How the rollback ended: the release's terminal phase and what production looked like afterwards.</summary>
public sealed record RollbackOutcome(ReleasePhase Phase, string StatusReason, string Verification);

/// <summary>Where a swap ended: whether production is where it should be, the progress as recorded, and why not.</summary>
/// <param name="Requested">How many swap operations this drive started.</param>
public sealed record SwapOutcome(bool Done, SwapProgress Progress, int Requested, string Detail);

// Activity inputs and outputs: small records, serialized into the orchestration's history.

/// <summary>Production's marker and both slots' host names, read before anything changes.</summary>
public sealed record SlotsSnapshot(string? ProductionReleaseId, string? ProductionVersion, string ProductionHost, string StagingHost);

public sealed record DeployRequest(ManagedApp App, Uri Package);

public sealed record OperationRequest(ManagedApp App, string OperationUrl);

public sealed record StampRequest(ManagedApp App, string ReleaseId, string Version);

public sealed record RouteRequest(ManagedApp App, string StagingHost, int Percent);

/// <param name="Direction">Forward puts the release into production; back takes it out again.</param>
public sealed record SwapRequest(ManagedApp App, string ReleaseId, SwapDirection Direction);

/// <summary>The swap activity's answer: production already was where the swap should put it, or the operation it started.</summary>
public sealed record SwapStarted(bool AlreadyDone, SlotOperation? Operation);

public sealed record WindowRequest(ManagedApp App, string? Slot, DateTimeOffset From, DateTimeOffset To);

public sealed record CanaryWindows(MetricWindow Baseline, MetricWindow Canary);

public sealed record ProbeRequest(string Host, string Path);

public sealed record SmokeTestRequest(string Host, IReadOnlyList<SmokeTest> Tests);

public sealed record NotifyRequest(string ReleaseId, NotificationTarget Target, ReleaseNotification Notification);

public sealed record ApprovalQuery(string ReleaseType, string ChangeClass, string RequestedBy, IReadOnlyList<Domain.ChangeControl.Approval> Approvals);

/// <param name="At">The orchestration's time: the window is judged for it, not for when the activity happens to run.</param>
public sealed record WindowQuery(string ReleaseType, string ChangeClass, DateTimeOffset At);

/// <summary>Audit records an orchestration writes together, through the RecordAudit activity.</summary>
/// <param name="Id">
/// The batch's name, fixed by the orchestration (<see cref="OrchestrationSteps.Audit"/>), for its history and logs. The
/// records are identified by their place in the batch and their content (<see cref="AuditActivities.Identified"/>), so
/// that neither a re-run of the activity nor a replay that rebuilds the batch under another name writes one twice.
/// </param>
public sealed record AuditBatch(string Id, IReadOnlyList<AuditRecord> Records);

/// <summary>A release has ended (or ended again after a swap-back): its index entry takes the status, and it lets go of the app.</summary>
public sealed record ReleaseFinish(string App, string ReleaseId, ReleaseStatus Status);

/// <summary>A release that succeeded asks for its app back to be swapped back.</summary>
public sealed record ReleaseReclaim(string App, string ReleaseId, DateTimeOffset At);
