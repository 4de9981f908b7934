using Blueshift.Functions.Apps;
using Blueshift.Functions.Security;

namespace Blueshift.Functions.Releases;

/// <summary>What a caller asks for with <c>POST /api/releases</c>, already shape-checked by the HTTP layer.</summary>
/// <param name="ReleaseType">Major, Minor, Patch or Hotfix (seed 000 §4.2).</param>
/// <param name="ChangeClass">Standard, Normal or Emergency (seed 000 §7).</param>
/// <param name="Package">The package URI deployed to the staging slot with OneDeploy.</param>
/// <param name="Strategy"><c>canary</c> (traffic steps, then swap) or <c>blue-green</c> (swap after verification, no steps).</param>
public sealed record ReleaseRequest(
    string App,
    string Version,
    Uri Package,
    string ReleaseType,
    string ChangeClass,
    string? ChangeReference = null,
    string? SourceSlot = null,
    string Strategy = "canary",
    IReadOnlyList<int>? TrafficSteps = null,
    TimeSpan? BakeTime = null,
    IReadOnlyList<SmokeTest>? SmokeTests = null,
    string? Reason = null);

/// <summary>A release as callers see it: <c>GET /api/releases/{id}</c>.</summary>
/// <param name="Status">Active, Succeeded, RolledBack, Aborted or Failed.</param>
/// <param name="Phase">The release's current phase (e.g. AwaitingApproval, Deploying, Verifying, Shifting, Swapping, Watching).</param>
/// <param name="Step">Index of the current traffic step, when shifting.</param>
public sealed record ReleaseView(
    string Id,
    string App,
    string Version,
    string Status,
    string Phase,
    int? Step,
    int TrafficPercent,
    string ReleaseType,
    string ChangeClass,
    string? ChangeReference,
    string RequestedBy,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt,
    string? StatusReason,
    IReadOnlyList<ApprovalView> Approvals,
    IReadOnlyList<AnalysisView> Analyses,
    IReadOnlyList<TimelineEvent> Timeline);

public sealed record ApprovalView(string Approver, string Role, DateTimeOffset At, string? Comment);

/// <summary>One analysis run: the measured values, the thresholds and the verdict of each check.</summary>
public sealed record AnalysisView(string Kind, int? Step, int TrafficPercent, DateTimeOffset At, string Outcome, string Summary, IReadOnlyList<CheckView> Checks);

public sealed record CheckView(string Metric, double? Measured, double? Baseline, double? Threshold, string Outcome, string Reason);

public sealed record TimelineEvent(DateTimeOffset At, string Phase, string Message, int TrafficPercent);

/// <summary>The outcome of a command: accepted (possibly a replay of an earlier identical request), or rejected with an HTTP status.</summary>
public abstract record ReleaseCommandResult
{
    private ReleaseCommandResult()
    {
    }

    public sealed record Accepted(ReleaseView Release, bool Replayed = false) : ReleaseCommandResult;

    /// <param name="Status">400, 403, 404, 409 or 422; the HTTP layer turns this into problem details.</param>
    /// <param name="ActiveReleaseId">On 409 for a second release of one app: the release that holds the app.</param>
    public sealed record Rejected(int Status, string Title, string Detail, string? ActiveReleaseId = null, IReadOnlyDictionary<string, string[]>? Errors = null) : ReleaseCommandResult;
}

/// <summary>
/// The releases' command and query surface, used by the HTTP API and the alert webhook. Commands to a running release
/// are events to its orchestration: accepted means told, and the release's timeline shows what it did.
/// </summary>
public interface IReleaseService
{
    Task<ReleaseCommandResult> StartAsync(ReleaseRequest request, Caller caller, string? idempotencyKey, CancellationToken cancellationToken);

    Task<ReleaseView?> GetAsync(string releaseId, CancellationToken cancellationToken);

    Task<IReadOnlyList<ReleaseView>> ListAsync(string? app, string? status, CancellationToken cancellationToken);

    Task<ReleaseCommandResult> ApproveAsync(string releaseId, Caller caller, string role, string? comment, CancellationToken cancellationToken);

    Task<ReleaseCommandResult> AbortAsync(string releaseId, Caller caller, string? reason, CancellationToken cancellationToken);

    /// <summary>Skips the rest of the current bake; never skips a check.</summary>
    Task<ReleaseCommandResult> PromoteAsync(string releaseId, Caller caller, string? reason, CancellationToken cancellationToken);

    /// <summary>
    /// Rolls back at once (route 0 % before the swap, swap back after it); never waits for an analysis. A release that has
    /// succeeded is swapped back while it is the app's latest and its rollback window is open.
    /// </summary>
    Task<ReleaseCommandResult> RollbackAsync(string releaseId, Caller caller, string reason, CancellationToken cancellationToken);

    /// <summary>
    /// The release holding the app's lock, for callers that must act on it at once (the alert webhook): the app's one
    /// active release, or one that has just ended and not yet let go. One point read.
    /// </summary>
    Task<string?> FindLockHolderAsync(string app, CancellationToken cancellationToken);

    /// <summary>The app's latest release when it succeeded and can still be rolled back, with the end of that window.</summary>
    Task<(string ReleaseId, DateTimeOffset WindowEndsAt)?> FindRollbackWindowAsync(string app, CancellationToken cancellationToken);

    /// <summary>
    /// <see cref="RollbackAsync"/> for a release id just read from the app's lock, when production is in trouble: while the
    /// new version may take traffic, the routing rule goes to 0 % within this call, before the orchestration is told.
    /// </summary>
    Task<ReleaseCommandResult> RollbackLockHolderAsync(string releaseId, Caller caller, string reason, CancellationToken cancellationToken);
}
