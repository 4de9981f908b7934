namespace Blueshift.Domain.Analysis;

/// <summary>
/// The four outcomes of a measurement, kept apart on purpose: Inconclusive (not enough evidence to judge)
/// and Error (the evidence itself is unusable) must never be mistaken for Successful.
/// </summary>
public enum VerdictOutcome
{
    Successful,
    Failed,
    Inconclusive,
    Error,
}

/// <summary>One version's metrics over one analysis window. The error rate is <c>ServerErrors / Requests</c>.</summary>
public sealed record MetricWindow(long Requests, long ServerErrors, double? AverageLatencyMs)
{
    /// <summary>Server errors per request, or null when the window served no requests.</summary>
    public double? ErrorRate => Requests > 0 ? (double)ServerErrors / Requests : null;
}

/// <summary>One judged metric: what was measured, what it was compared with, the limit applied and why it came out as it did.</summary>
public sealed record CheckResult(string Metric, double? Measured, double? Baseline, double? Threshold, VerdictOutcome Outcome, string Reason);

/// <summary>The combined outcome of several checks, with every check kept for the audit trail.</summary>
public sealed record AnalysisVerdict(VerdictOutcome Outcome, IReadOnlyList<CheckResult> Checks, string Summary);

/// <summary>Names of the checks, stable so that audit records and dashboards can group by them.</summary>
public static class CheckNames
{
    public const string Input = "input";
    public const string Requests = "requests";
    public const string ErrorRate = "error-rate";
    public const string Latency = "latency";
    public const string HealthChecks = "health-checks";
}

internal static class Verdicts
{
    /// <summary>
    /// Failed dominates (one bad metric is enough to roll back), then Error (we could not measure),
    /// then Inconclusive (we could not judge); only when every check succeeded is the whole successful.
    /// </summary>
    public static VerdictOutcome Combine(IEnumerable<CheckResult> checks)
    {
        var outcomes = checks.Select(c => c.Outcome).ToList();
        if (outcomes.Count == 0)
        {
            return VerdictOutcome.Inconclusive;
        }
        if (outcomes.Contains(VerdictOutcome.Failed))
        {
            return VerdictOutcome.Failed;
        }
        if (outcomes.Contains(VerdictOutcome.Error))
        {
            return VerdictOutcome.Error;
        }
        return outcomes.Contains(VerdictOutcome.Inconclusive) ? VerdictOutcome.Inconclusive : VerdictOutcome.Successful;
    }

    public static AnalysisVerdict From(string subject, IReadOnlyList<CheckResult> checks)
    {
        var outcome = Combine(checks);
        var relevant = outcome == VerdictOutcome.Successful
            ? checks
            : checks.Where(c => c.Outcome == outcome).ToList();
        var summary = $"{subject}: {outcome}. " + string.Join(" ", relevant.Select(c => c.Reason));
        return new AnalysisVerdict(outcome, checks, summary);
    }

    public static AnalysisVerdict InvalidInput(string subject, IReadOnlyList<string> problems)
    {
        var checks = problems
            .Select(p => new CheckResult(CheckNames.Input, null, null, null, VerdictOutcome.Error, p))
            .ToList();
        return new AnalysisVerdict(VerdictOutcome.Error, checks, $"{subject}: Error. " + string.Join(" ", problems));
    }

    public static void ValidateWindow(string name, MetricWindow window, List<string> problems)
    {
        if (window.Requests < 0)
        {
            problems.Add($"{name} requests must not be negative (got {window.Requests}).");
        }
        if (window.ServerErrors < 0)
        {
            problems.Add($"{name} server errors must not be negative (got {window.ServerErrors}).");
        }
        if (window.ServerErrors > window.Requests && window.Requests >= 0)
        {
            problems.Add($"{name} reports more server errors ({window.ServerErrors}) than requests ({window.Requests}).");
        }
        if (window.AverageLatencyMs is { } latency && (!double.IsFinite(latency) || latency < 0))
        {
            problems.Add($"{name} average latency must be a finite, non-negative number of milliseconds (got {latency}).");
        }
    }

    public static string Percent(double rate) => $"{rate * 100:0.###} %";

    /// <summary>
    /// The error-rate check shared by canary and post-swap analysis, once each has worked out its own limit.
    /// With too little traffic a high rate is mostly noise, but some failures are already certain: even if every request
    /// still needed to reach the minimum succeeded, the rate would stay above the limit.
    /// </summary>
    /// <param name="who">How the reasons name the measured version, e.g. "The canary" or "Production".</param>
    public static CheckResult ErrorRate(
        string who, MetricWindow window, double? baselineRate, double threshold, string limitText, long minimumRequests, bool enoughTraffic)
    {
        if (!enoughTraffic)
        {
            var lowestPossibleRate = (double)window.ServerErrors / minimumRequests;
            if (lowestPossibleRate > threshold)
            {
                return new CheckResult(CheckNames.ErrorRate, window.ErrorRate, baselineRate, threshold, VerdictOutcome.Failed,
                    $"{who} already has {window.ServerErrors} server errors in {window.Requests} requests; even if the next requests up to the minimum of {minimumRequests} all succeed, its error rate of at least {Percent(lowestPossibleRate)} exceeds {limitText}.");
            }
            return new CheckResult(CheckNames.ErrorRate, window.ErrorRate, baselineRate, threshold, VerdictOutcome.Inconclusive,
                $"Error rate not judged: {window.ServerErrors} server errors in only {window.Requests} requests.");
        }

        var rate = window.ErrorRate!.Value;
        var measured = $"{who}'s error rate {Percent(rate)} ({window.ServerErrors}/{window.Requests})";
        return rate > threshold
            ? new CheckResult(CheckNames.ErrorRate, rate, baselineRate, threshold, VerdictOutcome.Failed, $"{measured} exceeds {limitText}.")
            : new CheckResult(CheckNames.ErrorRate, rate, baselineRate, threshold, VerdictOutcome.Successful, $"{measured} is within {limitText}.");
    }

    public static string Ms(double ms) => $"{ms:0.#} ms";
}
