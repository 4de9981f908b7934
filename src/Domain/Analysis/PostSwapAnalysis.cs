namespace Blueshift.Domain.Analysis;

/// <summary>
/// Limits for the watch after the swap (seed 000 §6.1, seed 004): roll back on consecutive health-check failures,
/// an error-rate rise of more than <see cref="MaxErrorRateIncreasePoints"/> percentage points over the pre-release
/// baseline, or latency above <see cref="MaxLatencyRatio"/> × the baseline (+300 %) or above <see cref="MaxLatencyMs"/>.
/// </summary>
public sealed record PostSwapPolicy(
    int MaxConsecutiveHealthFailures = 3,
    double MaxErrorRateIncreasePoints = 5.0,
    double MaxLatencyRatio = 4.0,
    double MaxLatencyMs = 2000,
    TimeSpan WatchDuration = default,
    long MinimumRequests = 100)
{
    public static readonly TimeSpan DefaultWatchDuration = TimeSpan.FromMinutes(10);

    public static PostSwapPolicy Default { get; } = new();

    /// <summary>How long production is watched after the swap before the release counts as finished; unset means <see cref="DefaultWatchDuration"/>.</summary>
    public TimeSpan WatchDuration { get; init; } = WatchDuration == default ? DefaultWatchDuration : WatchDuration;

    public IReadOnlyList<string> Validate()
    {
        var problems = new List<string>();
        if (MaxConsecutiveHealthFailures < 1)
        {
            problems.Add($"MaxConsecutiveHealthFailures must be at least 1 (got {MaxConsecutiveHealthFailures}).");
        }
        if (!double.IsFinite(MaxErrorRateIncreasePoints) || MaxErrorRateIncreasePoints < 0 || MaxErrorRateIncreasePoints > 100)
        {
            problems.Add($"MaxErrorRateIncreasePoints must be between 0 and 100 percentage points (got {MaxErrorRateIncreasePoints}).");
        }
        if (!double.IsFinite(MaxLatencyRatio) || MaxLatencyRatio < 1)
        {
            problems.Add($"MaxLatencyRatio must be a finite number of at least 1 (got {MaxLatencyRatio}).");
        }
        if (!double.IsFinite(MaxLatencyMs) || MaxLatencyMs <= 0)
        {
            problems.Add($"MaxLatencyMs must be a positive number of milliseconds (got {MaxLatencyMs}).");
        }
        if (WatchDuration <= TimeSpan.Zero)
        {
            problems.Add($"WatchDuration must be positive (got {WatchDuration}).");
        }
        if (MinimumRequests < 1)
        {
            problems.Add($"MinimumRequests must be at least 1 (got {MinimumRequests}).");
        }
        return problems;
    }
}

/// <summary>Judges production after the swap against the metrics production had before the release.</summary>
public static class PostSwapAnalysis
{
    private const string Subject = "Post-swap watch";

    public static AnalysisVerdict Assess(MetricWindow preReleaseBaseline, MetricWindow production, int consecutiveHealthFailures, PostSwapPolicy policy)
    {
        ArgumentNullException.ThrowIfNull(preReleaseBaseline);
        ArgumentNullException.ThrowIfNull(production);
        ArgumentNullException.ThrowIfNull(policy);

        var problems = new List<string>(policy.Validate());
        Verdicts.ValidateWindow("Pre-release baseline", preReleaseBaseline, problems);
        Verdicts.ValidateWindow("Production", production, problems);
        if (consecutiveHealthFailures < 0)
        {
            problems.Add($"Consecutive health failures must not be negative (got {consecutiveHealthFailures}).");
        }
        if (problems.Count > 0)
        {
            return Verdicts.InvalidInput(Subject, problems);
        }

        var enoughTraffic = production.Requests >= policy.MinimumRequests;
        var checks = new List<CheckResult>
        {
            HealthCheck(consecutiveHealthFailures, policy),
            enoughTraffic
                ? new CheckResult(CheckNames.Requests, production.Requests, null, policy.MinimumRequests, VerdictOutcome.Successful,
                    $"Production served {production.Requests} requests (minimum {policy.MinimumRequests}).")
                : new CheckResult(CheckNames.Requests, production.Requests, null, policy.MinimumRequests, VerdictOutcome.Inconclusive,
                    $"Production served only {production.Requests} of the {policy.MinimumRequests} requests needed to judge it."),
            ErrorRateCheck(preReleaseBaseline, production, policy, enoughTraffic),
            LatencyCheck(preReleaseBaseline, production, policy, enoughTraffic),
        };
        return Verdicts.From(Subject, checks);
    }

    private static CheckResult HealthCheck(int consecutiveHealthFailures, PostSwapPolicy policy) =>
        consecutiveHealthFailures >= policy.MaxConsecutiveHealthFailures
            ? new CheckResult(CheckNames.HealthChecks, consecutiveHealthFailures, null, policy.MaxConsecutiveHealthFailures, VerdictOutcome.Failed,
                $"{consecutiveHealthFailures} consecutive health checks failed (limit {policy.MaxConsecutiveHealthFailures}).")
            : new CheckResult(CheckNames.HealthChecks, consecutiveHealthFailures, null, policy.MaxConsecutiveHealthFailures, VerdictOutcome.Successful,
                $"{consecutiveHealthFailures} consecutive health check failures (limit {policy.MaxConsecutiveHealthFailures}).");

    private static CheckResult ErrorRateCheck(MetricWindow baseline, MetricWindow production, PostSwapPolicy policy, bool enoughTraffic)
    {
        // An empty baseline (a quiet app before the release) is treated as error-free: the rise is measured from zero.
        var baselineRate = baseline.ErrorRate ?? 0;
        var threshold = baselineRate + policy.MaxErrorRateIncreasePoints / 100;
        var baselineText = baseline.Requests > 0
            ? $"the pre-release baseline of {Verdicts.Percent(baselineRate)}"
            : "0 %, because the pre-release baseline served no requests";
        var limitText = $"{Verdicts.Percent(threshold)} ({policy.MaxErrorRateIncreasePoints} points above {baselineText})";

        return Verdicts.ErrorRate("Production", production, baselineRate, threshold, limitText, policy.MinimumRequests, enoughTraffic);
    }

    private static CheckResult LatencyCheck(MetricWindow baseline, MetricWindow production, PostSwapPolicy policy, bool enoughTraffic)
    {
        if (!enoughTraffic)
        {
            return new CheckResult(CheckNames.Latency, production.AverageLatencyMs, baseline.AverageLatencyMs, null, VerdictOutcome.Inconclusive,
                $"Latency not judged: only {production.Requests} production requests.");
        }
        if (production.AverageLatencyMs is not { } ms)
        {
            return new CheckResult(CheckNames.Latency, null, baseline.AverageLatencyMs, null, VerdictOutcome.Error,
                $"The metrics source reported no latency for production although it served {production.Requests} requests.");
        }

        var hasBaseline = baseline.Requests > 0 && baseline.AverageLatencyMs is > 0;
        var threshold = hasBaseline ? Math.Min(policy.MaxLatencyRatio * baseline.AverageLatencyMs!.Value, policy.MaxLatencyMs) : policy.MaxLatencyMs;
        var limitText = hasBaseline
            ? $"{Verdicts.Ms(threshold)} (the lower of {policy.MaxLatencyRatio}× the baseline's {Verdicts.Ms(baseline.AverageLatencyMs!.Value)} and {Verdicts.Ms(policy.MaxLatencyMs)})"
            : $"the absolute limit {Verdicts.Ms(threshold)}, because the pre-release baseline has no latency to compare with";
        return ms > threshold
            ? new CheckResult(CheckNames.Latency, ms, baseline.AverageLatencyMs, threshold, VerdictOutcome.Failed,
                $"Production's latency {Verdicts.Ms(ms)} exceeds {limitText}.")
            : new CheckResult(CheckNames.Latency, ms, baseline.AverageLatencyMs, threshold, VerdictOutcome.Successful,
                $"Production's latency {Verdicts.Ms(ms)} is within {limitText}.");
    }
}
