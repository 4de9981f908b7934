namespace Blueshift.Domain.Analysis;

/// <summary>
/// Limits for comparing the canary with the baseline during traffic shifting (ARCHITECTURE §4, seeds 001/002).
/// The canary fails when its error rate exceeds both <see cref="MaxErrorRateRatio"/> × the baseline's and the absolute
/// floor <see cref="MinErrorRateToFail"/>, or when its latency exceeds <see cref="MaxLatencyRatio"/> × the baseline's.
/// </summary>
public sealed record CanaryPolicy(
    double MaxErrorRateRatio = 2.0,
    double MinErrorRateToFail = 0.01,
    double MaxLatencyRatio = 1.5,
    long MinimumRequests = 100,
    int MaxInconclusiveExtensions = 3)
{
    public static CanaryPolicy Default { get; } = new();

    /// <summary>What is wrong with these limits, empty when they are usable.</summary>
    public IReadOnlyList<string> Validate()
    {
        var problems = new List<string>();
        if (!double.IsFinite(MaxErrorRateRatio) || MaxErrorRateRatio < 1)
        {
            problems.Add($"MaxErrorRateRatio must be a finite number of at least 1 (got {MaxErrorRateRatio}).");
        }
        if (!double.IsFinite(MinErrorRateToFail) || MinErrorRateToFail < 0 || MinErrorRateToFail >= 1)
        {
            problems.Add($"MinErrorRateToFail must be a fraction in [0, 1) (got {MinErrorRateToFail}); 0.01 means 1 %.");
        }
        if (!double.IsFinite(MaxLatencyRatio) || MaxLatencyRatio < 1)
        {
            problems.Add($"MaxLatencyRatio must be a finite number of at least 1 (got {MaxLatencyRatio}).");
        }
        if (MinimumRequests < 1)
        {
            problems.Add($"MinimumRequests must be at least 1 (got {MinimumRequests}).");
        }
        if (MaxInconclusiveExtensions < 0)
        {
            problems.Add($"MaxInconclusiveExtensions must not be negative (got {MaxInconclusiveExtensions}).");
        }
        return problems;
    }
}

/// <summary>Judges one analysis window of the canary (the new version) against the baseline (the version in production).</summary>
public static class CanaryAnalysis
{
    private const string Subject = "Canary analysis";

    public static AnalysisVerdict Assess(MetricWindow baseline, MetricWindow canary, CanaryPolicy policy)
    {
        ArgumentNullException.ThrowIfNull(baseline);
        ArgumentNullException.ThrowIfNull(canary);
        ArgumentNullException.ThrowIfNull(policy);

        var problems = new List<string>(policy.Validate());
        Verdicts.ValidateWindow("Baseline", baseline, problems);
        Verdicts.ValidateWindow("Canary", canary, problems);
        if (problems.Count > 0)
        {
            return Verdicts.InvalidInput(Subject, problems);
        }

        var enoughTraffic = canary.Requests >= policy.MinimumRequests;
        var checks = new List<CheckResult>
        {
            RequestsCheck(canary, policy, enoughTraffic),
            ErrorRateCheck(baseline, canary, policy, enoughTraffic),
            LatencyCheck(baseline, canary, policy, enoughTraffic),
        };
        return Verdicts.From(Subject, checks);
    }

    private static CheckResult RequestsCheck(MetricWindow canary, CanaryPolicy policy, bool enoughTraffic) =>
        enoughTraffic
            ? new CheckResult(CheckNames.Requests, canary.Requests, null, policy.MinimumRequests, VerdictOutcome.Successful,
                $"The canary served {canary.Requests} requests (minimum {policy.MinimumRequests}).")
            : new CheckResult(CheckNames.Requests, canary.Requests, null, policy.MinimumRequests, VerdictOutcome.Inconclusive,
                $"The canary served only {canary.Requests} of the {policy.MinimumRequests} requests needed to judge it.");

    private static CheckResult ErrorRateCheck(MetricWindow baseline, MetricWindow canary, CanaryPolicy policy, bool enoughTraffic)
    {
        // Without baseline traffic (for example at the 100 % step) only the absolute floor can be applied.
        var baselineRate = baseline.ErrorRate;
        var threshold = baselineRate is { } b
            ? Math.Max(policy.MaxErrorRateRatio * b, policy.MinErrorRateToFail)
            : policy.MinErrorRateToFail;
        var limitText = baselineRate is { } br
            ? $"the limit {Verdicts.Percent(threshold)} (the larger of {policy.MaxErrorRateRatio}× the baseline's {Verdicts.Percent(br)} and the {Verdicts.Percent(policy.MinErrorRateToFail)} floor)"
            : $"the absolute floor {Verdicts.Percent(threshold)}, because the baseline served no requests to compare with";

        return Verdicts.ErrorRate("The canary", canary, baselineRate, threshold, limitText, policy.MinimumRequests, enoughTraffic);
    }

    private static CheckResult LatencyCheck(MetricWindow baseline, MetricWindow canary, CanaryPolicy policy, bool enoughTraffic)
    {
        if (!enoughTraffic)
        {
            return new CheckResult(CheckNames.Latency, canary.AverageLatencyMs, baseline.AverageLatencyMs, null, VerdictOutcome.Inconclusive,
                $"Latency not judged: only {canary.Requests} canary requests.");
        }
        if (canary.AverageLatencyMs is not { } canaryMs)
        {
            return new CheckResult(CheckNames.Latency, null, baseline.AverageLatencyMs, null, VerdictOutcome.Error,
                $"The metrics source reported no latency for the canary although it served {canary.Requests} requests.");
        }
        if (baseline.Requests == 0 || baseline.AverageLatencyMs is not > 0)
        {
            // The canary policy has no absolute latency limit; that limit belongs to the post-swap watch.
            return new CheckResult(CheckNames.Latency, canaryMs, baseline.AverageLatencyMs, null, VerdictOutcome.Successful,
                $"Latency ratio not applicable: the baseline has no latency to compare with (canary {Verdicts.Ms(canaryMs)}); only the error rate floor was applied.");
        }

        var baselineMs = baseline.AverageLatencyMs.Value;
        var threshold = policy.MaxLatencyRatio * baselineMs;
        return canaryMs > threshold
            ? new CheckResult(CheckNames.Latency, canaryMs, baselineMs, threshold, VerdictOutcome.Failed,
                $"The canary's latency {Verdicts.Ms(canaryMs)} exceeds {policy.MaxLatencyRatio}× the baseline's {Verdicts.Ms(baselineMs)} ({Verdicts.Ms(threshold)}).")
            : new CheckResult(CheckNames.Latency, canaryMs, baselineMs, threshold, VerdictOutcome.Successful,
                $"The canary's latency {Verdicts.Ms(canaryMs)} is within {policy.MaxLatencyRatio}× the baseline's {Verdicts.Ms(baselineMs)} ({Verdicts.Ms(threshold)}).");
    }
}
