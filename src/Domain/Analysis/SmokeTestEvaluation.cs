namespace Blueshift.Domain.Analysis;

/// <summary>One smoke test run against a slot. Critical tests guard the release; the others are reported only.</summary>
public sealed record SmokeTestResult(string Name, bool Critical, bool Passed, string? Detail = null);

public sealed record SmokeTestVerdict(
    VerdictOutcome Outcome,
    IReadOnlyList<SmokeTestResult> CriticalFailures,
    IReadOnlyList<SmokeTestResult> NonCriticalFailures,
    string Summary);

/// <summary>Any failed critical smoke test fails the release (seed 000 §6.1); failed non-critical tests are reported and do not block it.</summary>
public static class SmokeTestEvaluation
{
    public static SmokeTestVerdict Evaluate(IReadOnlyList<SmokeTestResult> results)
    {
        ArgumentNullException.ThrowIfNull(results);
        var critical = results.Where(r => r.Critical && !r.Passed).ToList();
        var nonCritical = results.Where(r => !r.Critical && !r.Passed).ToList();

        if (!results.Any(r => r.Critical))
        {
            // Without a critical test nothing was verified that could block the release: never report that as a pass.
            return new SmokeTestVerdict(VerdictOutcome.Inconclusive, critical, nonCritical,
                $"Smoke tests: Inconclusive. No critical smoke test ran ({results.Count} non-critical, {nonCritical.Count} failed){Names(nonCritical)}.");
        }
        if (critical.Count > 0)
        {
            return new SmokeTestVerdict(VerdictOutcome.Failed, critical, nonCritical,
                $"Smoke tests: Failed. {critical.Count} critical smoke test(s) failed{Names(critical)}" +
                (nonCritical.Count > 0 ? $"; also {nonCritical.Count} non-critical{Names(nonCritical)}." : "."));
        }
        return new SmokeTestVerdict(VerdictOutcome.Successful, critical, nonCritical,
            nonCritical.Count == 0
                ? $"Smoke tests: Successful. All {results.Count} smoke tests passed."
                : $"Smoke tests: Successful. Every critical test passed; {nonCritical.Count} non-critical smoke test(s) failed{Names(nonCritical)}.");
    }

    private static string Names(IReadOnlyList<SmokeTestResult> tests) =>
        tests.Count == 0 ? "" : ": " + string.Join(", ", tests.Select(t => t.Detail is { Length: > 0 } d ? $"{t.Name} ({d})" : t.Name));
}
