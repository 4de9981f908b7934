namespace Blueshift.Functions.Releases;

/// <summary>
/// Named points in the engine where a process could stop between an external call and the state write that records it.
/// Crash-safety tests make one throw to prove that the next engine converges; nothing subscribes in production.
/// </summary>
internal sealed class CrashPoints
{
    public const string AfterSwapRequested = "after-swap-requested";
    public const string AfterSwapBackRequested = "after-swap-back-requested";
    public const string AfterDeployStarted = "after-deploy-started";
    public const string AfterTrafficSet = "after-traffic-set";

    /// <summary>An urgent rollback reset the routing rule and has not yet recorded the rollback.</summary>
    public const string AfterEarlyRouteReset = "after-early-route-reset";

    /// <summary>Just before a traffic step changes the routing rule: where a concurrent command can overtake the pass.</summary>
    public const string BeforeTrafficSet = "before-traffic-set";

    public Action<string, string>? Reached { get; set; }

    /// <summary>Lets a test run something else (a concurrent command) at a point, before the pass goes on.</summary>
    public Func<string, string, Task>? Interleave { get; set; }

    public void At(string point, string releaseId) => Reached?.Invoke(point, releaseId);

    public Task AtAsync(string point, string releaseId)
    {
        At(point, releaseId);
        return Interleave?.Invoke(point, releaseId) ?? Task.CompletedTask;
    }
}
