namespace Blueshift.Domain.Releases;

/// <summary>Which way a swap goes: forward puts the release into production, back restores the previous version.</summary>
public enum SwapDirection
{
    Forward,
    Back,
}

/// <summary>What the engine knows about one swap it owns, as persisted before and after each call.</summary>
/// <param name="RequestedAt">Written (with the release's ETag) before the swap is requested, so at most one engine requests it.</param>
/// <param name="OperationUrl">The long-running operation to poll, once the request returned one.</param>
/// <param name="OperationEndedAt">When the operation reported an end (or the request completed synchronously).</param>
/// <param name="OperationFailed">The operation ended in failure: the swap did not take place.</param>
/// <param name="Attempts">How many times the swap has been requested.</param>
public sealed record SwapProgress(
    SwapDirection Direction,
    DateTimeOffset? RequestedAt = null,
    string? OperationUrl = null,
    DateTimeOffset? OperationEndedAt = null,
    bool OperationFailed = false,
    int Attempts = 0);

public enum SwapAction
{
    /// <summary>Production already holds what this swap should put there: record it, never swap (again).</summary>
    Done,

    /// <summary>Request the swap (first time, or the earlier request provably did not take place).</summary>
    Request,

    /// <summary>Poll the recorded operation.</summary>
    Poll,

    /// <summary>A request may still be taking effect (its outcome was not recorded): read the marker again later.</summary>
    Wait,

    /// <summary>Requested too many times without effect: stop and ask a person.</summary>
    GiveUp,
}

/// <summary>
/// Makes a non-idempotent swap happen exactly once. The truth is the release marker: a non-sticky app setting
/// that travels with the content, so the slot that holds this release's marker holds this release.
/// </summary>
public static class SwapPlanner
{
    /// <param name="productionHoldsRelease">Whether the production slot's marker is this release's id, read just now.</param>
    /// <param name="settleTime">
    /// How long after a request ended (failed, succeeded or with no answer at all) the marker is given to show its effect
    /// before the swap may be requested again.
    /// </param>
    public static SwapAction Decide(SwapProgress progress, bool productionHoldsRelease, DateTimeOffset now, TimeSpan settleTime, int maxAttempts)
    {
        var goalReached = progress.Direction == SwapDirection.Forward ? productionHoldsRelease : !productionHoldsRelease;
        if (goalReached)
        {
            return SwapAction.Done;
        }
        if (progress.RequestedAt is null)
        {
            return SwapAction.Request;
        }
        if (progress.OperationUrl is not null && progress.OperationEndedAt is null)
        {
            return SwapAction.Poll;
        }

        // Whatever the last request's outcome (succeeded, unknown, or even reported failed: App Service has answered a
        // failed swap that later completed), the marker is the truth, and it may lag: give it the settle time before
        // the next request, so that a swap still taking effect is never requested a second time.
        if (now - (progress.OperationEndedAt ?? progress.RequestedAt.Value) < settleTime)
        {
            return SwapAction.Wait;
        }
        return progress.Attempts >= maxAttempts ? SwapAction.GiveUp : SwapAction.Request;
    }
}
