namespace Blueshift.Domain.Releases;

/// <summary>
/// How long a release may stay in each phase before the watchdog fails it safe. No release stays anywhere forever.
/// Phases that wait on people (approval, window) get days; phases that wait on Azure get minutes;
/// phases that bake get their bake time plus the bounded extensions plus slack.
/// </summary>
public sealed record PhaseTimeouts(
    TimeSpan Approval,
    TimeSpan Window,
    TimeSpan Operation,
    TimeSpan Verification,
    TimeSpan Slack)
{
    public static PhaseTimeouts Default { get; } = new(
        Approval: TimeSpan.FromHours(72),
        Window: TimeSpan.FromDays(8),
        Operation: TimeSpan.FromMinutes(30),
        Verification: TimeSpan.FromMinutes(15),
        Slack: TimeSpan.FromMinutes(15));

    /// <param name="bake">The bake time of the current traffic step (Shifting) or the post-swap watch (Watching).</param>
    /// <param name="maxExtensions">How many times an inconclusive bake may be extended.</param>
    public TimeSpan For(ReleasePhase phase, TimeSpan bake, int maxExtensions) => phase switch
    {
        ReleasePhase.AwaitingApproval => Approval,
        ReleasePhase.AwaitingWindow => Window,
        ReleasePhase.Verifying or ReleasePhase.SmokeTesting => Verification,
        ReleasePhase.Shifting or ReleasePhase.Watching => bake * (1 + Math.Max(0, maxExtensions)) + Slack,
        ReleasePhase.CapturingBaseline or ReleasePhase.Deploying or ReleasePhase.Stamping or ReleasePhase.Swapping
            or ReleasePhase.ClearingRoute or ReleasePhase.RollingBack => Operation,
        _ => Timeout.InfiniteTimeSpan,
    };
}
