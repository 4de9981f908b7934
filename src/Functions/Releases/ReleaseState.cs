using Blueshift.Domain.Analysis;
using Blueshift.Domain.Releases;
using Blueshift.Functions.Apps;

namespace Blueshift.Functions.Releases;

/// <summary>
/// Everything the engine knows about one release, persisted as one JSON document with ETag concurrency.
/// Mutable on purpose: a reconcile step loads it, changes a few fields and writes it back conditionally.
/// </summary>
internal sealed class ReleaseState
{
    /// <summary>Bounds that keep the document well below the Table service's entity size limit.</summary>
    public const int MaxTimelineEvents = 120;
    public const int MaxAnalyses = 40;
    public const int MaxHealthProbes = 64;

    public required string Id { get; init; }
    public required string App { get; init; }
    public required string Version { get; init; }
    public required Uri Package { get; init; }
    public required string ReleaseType { get; init; }
    public required string ChangeClass { get; init; }
    public string? ChangeReference { get; init; }
    public required string Strategy { get; init; }
    public string? Reason { get; init; }
    public required string RequestedBy { get; init; }
    public required string RequestedByName { get; init; }
    public required DateTimeOffset CreatedAt { get; init; }
    public required ReleasePolicy Policy { get; init; }

    /// <summary>The app as registered when the release started; a later change of registration does not move a release mid-flight.</summary>
    public required ManagedApp Target { get; init; }

    public DateTimeOffset UpdatedAt { get; set; }
    public ReleasePhase Phase { get; set; }
    public DateTimeOffset PhaseEnteredAt { get; set; }

    /// <summary>When the engine next has something to do (poll, probe, end of a bake, a deadline).</summary>
    public DateTimeOffset DueAt { get; set; }

    public string? StatusReason { get; set; }

    /// <summary>Index into <see cref="ReleasePolicy.TrafficSteps"/> while shifting.</summary>
    public int StepIndex { get; set; }

    /// <summary>The share of production traffic the new version is routed, as last set.</summary>
    public int TrafficPercent { get; set; }

    /// <summary>The largest share of production traffic the new version has been routed (for the impact statement).</summary>
    public int MaxTrafficPercent { get; set; }

    public string? ProductionHost { get; set; }
    public string? StagingHost { get; set; }

    /// <summary>
    /// The version of the app lock this release took (when it started, or when a success is swapped back): it lets go of
    /// exactly that version when it ends, without reading the lock first. Null in releases stored before it was kept.
    /// </summary>
    public string? LockETag { get; set; }

    /// <summary>
    /// The release's index entry is kept in the partition every release shares. False in releases stored before that:
    /// their entry was in their app's partition, which is dropped when the entry is next written.
    /// </summary>
    public bool SharedIndex { get; set; }

    public DateTimeOffset? BakeStartedAt { get; set; }
    public DateTimeOffset? BakeUntil { get; set; }
    public int BakeExtensions { get; set; }
    public bool PromoteRequested { get; set; }

    public string? DeployOperationUrl { get; set; }
    public int DeployAttempts { get; set; }

    /// <summary>Production before the release: the post-swap watch compares against it.</summary>
    public MetricWindow? Baseline { get; set; }
    public string? PreviousVersion { get; set; }
    public string? PreviousReleaseId { get; set; }

    public List<HealthProbe> HealthProbes { get; set; } = [];

    public SwapProgress? Swap { get; set; }
    public DateTimeOffset? SwappedAt { get; set; }
    public DateTimeOffset? WatchUntil { get; set; }
    public int WatchHealthFailures { get; set; }
    public int WatchExtensions { get; set; }
    public bool PostSwapSmokeTested { get; set; }

    public RollbackProgress? Rollback { get; set; }

    /// <summary>Emergency changes proceed on manager + stakeholder approval and owe a post-hoc approval by this time.</summary>
    public DateTimeOffset? PostHocApprovalDueAt { get; set; }

    public List<ApprovalView> Approvals { get; set; } = [];
    public List<AnalysisView> Analyses { get; set; } = [];
    public List<TimelineEvent> Timeline { get; set; } = [];

    public bool IsTerminal => ReleasePhases.IsTerminal(Phase);

    public void AddEvent(DateTimeOffset at, string message)
    {
        Timeline.Add(new TimelineEvent(at, Phase.ToString(), message, TrafficPercent));
        if (Timeline.Count > MaxTimelineEvents)
        {
            // Keep the start of the story and the most recent events; the audit trail keeps everything.
            Timeline.RemoveAt(1);
        }
    }

    public void AddAnalysis(AnalysisView analysis)
    {
        Analyses.Add(analysis);
        if (Analyses.Count > MaxAnalyses)
        {
            Analyses.RemoveAt(0);
        }
    }

    public void AddHealthProbe(HealthProbe probe)
    {
        HealthProbes.Add(probe);
        if (HealthProbes.Count > MaxHealthProbes)
        {
            HealthProbes.RemoveAt(0);
        }
    }
}

/// <summary>How a rollback (or abort) is getting on; every step is idempotent and recorded once done.</summary>
internal sealed record RollbackProgress(
    RollbackCause Cause,
    string Reason,
    string Actor,
    ReleasePhase FromPhase,
    DateTimeOffset RequestedAt,
    SwapProgress? SwapBack = null,
    bool SwapSettled = false,
    bool RouteCleared = false,
    bool Verified = false,
    string? VerificationDetail = null,
    bool Notified = false);

/// <summary>The policies of one release, resolved once at start from the defaults, the app's overrides and the request.</summary>
public sealed record ReleasePolicy(
    IReadOnlyList<int> TrafficSteps,
    TimeSpan BakeTime,
    CanaryPolicy Canary,
    PostSwapPolicy PostSwap,
    HealthGatePolicy HealthGate,
    TimeSpan WarmUp,
    TimeSpan ProbeInterval,
    string HealthCheckPath,
    IReadOnlyList<SmokeTest> SmokeTests,
    PhaseTimeouts Timeouts);

internal static class ReleaseStrategies
{
    public const string Canary = "canary";
    public const string BlueGreen = "blue-green";
}
