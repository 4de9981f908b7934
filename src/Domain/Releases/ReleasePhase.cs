namespace Blueshift.Domain.Releases;

/// <summary>Where a release is in its life. The order of the members follows the happy path.</summary>
public enum ReleasePhase
{
    AwaitingApproval,
    AwaitingWindow,
    CapturingBaseline,
    Deploying,
    Stamping,
    Verifying,
    SmokeTesting,
    Shifting,
    Swapping,
    ClearingRoute,
    Watching,
    Succeeded,
    RollingBack,
    RolledBack,
    Aborted,
    Failed,
}

/// <summary>The coarse state callers filter on.</summary>
public enum ReleaseStatus
{
    Active,
    Succeeded,
    RolledBack,
    Aborted,
    Failed,
}

/// <summary>Why a release is being undone; decides the phase it ends in.</summary>
public enum RollbackCause
{
    /// <summary>A check failed (analysis, health, smoke test, alert, timeout): ends RolledBack.</summary>
    CheckFailed,

    /// <summary>An operator asked for a rollback: ends RolledBack.</summary>
    Requested,

    /// <summary>An operator stopped the release: ends Aborted.</summary>
    Aborted,

    /// <summary>The new version never became viable (deployment, health gate, smoke test): ends Failed.</summary>
    NotViable,
}

public static class ReleasePhases
{
    public static bool IsTerminal(ReleasePhase phase) =>
        phase is ReleasePhase.Succeeded or ReleasePhase.RolledBack or ReleasePhase.Aborted or ReleasePhase.Failed;

    public static ReleaseStatus StatusOf(ReleasePhase phase) => phase switch
    {
        ReleasePhase.Succeeded => ReleaseStatus.Succeeded,
        ReleasePhase.RolledBack => ReleaseStatus.RolledBack,
        ReleasePhase.Aborted => ReleaseStatus.Aborted,
        ReleasePhase.Failed => ReleaseStatus.Failed,
        _ => ReleaseStatus.Active,
    };

    /// <summary>The terminal phase a rollback ends in.</summary>
    public static ReleasePhase EndOf(RollbackCause cause) => cause switch
    {
        RollbackCause.Aborted => ReleasePhase.Aborted,
        RollbackCause.NotViable => ReleasePhase.Failed,
        _ => ReleasePhase.RolledBack,
    };

    /// <summary>True once the new version may have served production traffic, so undoing it needs more than routing 0 %.</summary>
    public static bool MayHaveServedTraffic(ReleasePhase phase) =>
        phase is ReleasePhase.Shifting or ReleasePhase.Swapping or ReleasePhase.ClearingRoute or ReleasePhase.Watching;
}
