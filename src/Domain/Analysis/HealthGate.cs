namespace Blueshift.Domain.Analysis;

/// <summary>
/// Warm-up and health checks of the staging slot before it receives traffic: the gate passes after
/// <see cref="ConsecutiveSuccessesToPass"/> healthy probes in a row, fails after <see cref="ConsecutiveFailuresToFail"/>
/// unhealthy probes in a row (seed 000 §6.1), and fails when neither happened within <see cref="MaxProbes"/> probes
/// (an app that flaps forever never warms up).
/// </summary>
public sealed record HealthGatePolicy(int ConsecutiveSuccessesToPass = 3, int ConsecutiveFailuresToFail = 3, int MaxProbes = 30)
{
    public static HealthGatePolicy Default { get; } = new();

    public IReadOnlyList<string> Validate()
    {
        var problems = new List<string>();
        if (ConsecutiveSuccessesToPass < 1)
        {
            problems.Add($"ConsecutiveSuccessesToPass must be at least 1 (got {ConsecutiveSuccessesToPass}).");
        }
        if (ConsecutiveFailuresToFail < 1)
        {
            problems.Add($"ConsecutiveFailuresToFail must be at least 1 (got {ConsecutiveFailuresToFail}).");
        }
        if (MaxProbes < Math.Max(ConsecutiveSuccessesToPass, 1))
        {
            problems.Add($"MaxProbes must be at least ConsecutiveSuccessesToPass (got {MaxProbes}).");
        }
        return problems;
    }
}

/// <summary>One health probe of a slot: whether it answered healthy, and what it answered (status code or a short description).</summary>
public sealed record HealthProbe(bool Healthy, string? Detail = null);

public static class HealthGate
{
    private const string Subject = "Health gate";

    /// <summary>Judges the probes so far, oldest first. Inconclusive means: probe again.</summary>
    public static AnalysisVerdict Evaluate(IReadOnlyList<HealthProbe> probes, HealthGatePolicy policy)
    {
        ArgumentNullException.ThrowIfNull(probes);
        ArgumentNullException.ThrowIfNull(policy);
        var problems = policy.Validate();
        if (problems.Count > 0)
        {
            return Verdicts.InvalidInput(Subject, problems);
        }

        var successes = 0;
        var failures = 0;
        for (var i = 0; i < probes.Count; i++)
        {
            var probe = probes[i];
            if (probe.Healthy)
            {
                successes++;
                failures = 0;
            }
            else
            {
                failures++;
                successes = 0;
            }

            if (successes >= policy.ConsecutiveSuccessesToPass)
            {
                return Single(new CheckResult(CheckNames.HealthChecks, successes, null, policy.ConsecutiveSuccessesToPass, VerdictOutcome.Successful,
                    $"{successes} consecutive healthy probes after {i + 1} probes (needed {policy.ConsecutiveSuccessesToPass})."));
            }
            if (failures >= policy.ConsecutiveFailuresToFail)
            {
                var detail = probe.Detail is { Length: > 0 } d ? $" Last answer: {d}." : "";
                return Single(new CheckResult(CheckNames.HealthChecks, failures, null, policy.ConsecutiveFailuresToFail, VerdictOutcome.Failed,
                    $"{failures} consecutive health probes failed (limit {policy.ConsecutiveFailuresToFail}).{detail}"));
            }
        }

        if (probes.Count >= policy.MaxProbes)
        {
            return Single(new CheckResult(CheckNames.HealthChecks, probes.Count, null, policy.MaxProbes, VerdictOutcome.Failed,
                $"The slot did not become healthy within {policy.MaxProbes} probes ({successes} healthy in a row at the end, {policy.ConsecutiveSuccessesToPass} needed)."));
        }
        return Single(new CheckResult(CheckNames.HealthChecks, successes, null, policy.ConsecutiveSuccessesToPass, VerdictOutcome.Inconclusive,
            $"{successes} of {policy.ConsecutiveSuccessesToPass} consecutive healthy probes so far ({probes.Count} of at most {policy.MaxProbes} probes)."));
    }

    private static AnalysisVerdict Single(CheckResult check) => Verdicts.From(Subject, [check]);
}
