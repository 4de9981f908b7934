namespace Blueshift.Domain.Releases;

/// <summary>The release state machine's edges. Anything not listed here is a bug in the engine, never a user error.</summary>
public static class ReleaseTransitions
{
    public static bool IsAllowed(ReleasePhase from, ReleasePhase to) => (from, to) switch
    {
        (ReleasePhase.AwaitingApproval, ReleasePhase.AwaitingWindow) => true,
        (ReleasePhase.AwaitingWindow, ReleasePhase.CapturingBaseline) => true,
        (ReleasePhase.CapturingBaseline, ReleasePhase.Deploying) => true,
        (ReleasePhase.Deploying, ReleasePhase.Stamping) => true,
        (ReleasePhase.Stamping, ReleasePhase.Verifying) => true,
        (ReleasePhase.Verifying, ReleasePhase.SmokeTesting) => true,
        (ReleasePhase.SmokeTesting, ReleasePhase.Shifting) => true,

        // Blue-green releases take no traffic steps: verified content is swapped in directly.
        (ReleasePhase.SmokeTesting, ReleasePhase.Swapping) => true,

        // From one traffic step to the next.
        (ReleasePhase.Shifting, ReleasePhase.Shifting) => true,
        (ReleasePhase.Shifting, ReleasePhase.Swapping) => true,
        (ReleasePhase.Swapping, ReleasePhase.ClearingRoute) => true,
        (ReleasePhase.ClearingRoute, ReleasePhase.Watching) => true,
        (ReleasePhase.Watching, ReleasePhase.Succeeded) => true,
        (ReleasePhase.RollingBack, ReleasePhase.RolledBack or ReleasePhase.Aborted or ReleasePhase.Failed) => true,

        // A release that succeeded can still be swapped back while the previous version waits in the staging slot
        // (the engine bounds this by a window after success and by no newer release having started).
        (ReleasePhase.Succeeded, ReleasePhase.RollingBack) => true,

        // Every live phase can be undone; a rollback is never re-entered, and a release that failed or was undone stays so.
        (var live, ReleasePhase.RollingBack) => !ReleasePhases.IsTerminal(live) && live != ReleasePhase.RollingBack,
        _ => false,
    };
}
