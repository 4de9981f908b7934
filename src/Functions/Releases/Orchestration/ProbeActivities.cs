using Blueshift.Domain.Analysis;
using Blueshift.Functions.Analysis;

namespace Blueshift.Functions.Releases.Orchestration;

/// <summary>Health probes and smoke tests of a slot (<see cref="ISlotProbe"/>): GETs, safe to repeat.</summary>
internal sealed class ProbeActivities(ISlotProbe probe)
{
    public async Task<HealthProbe> ProbeHealthAsync(ProbeRequest request, CancellationToken cancellationToken)
    {
        var response = await probe.GetAsync(request.Host, request.Path, cancellationToken);
        return new HealthProbe(response.IsSuccess, response.Describe());
    }

    /// <summary>Runs every smoke test and judges them together (<see cref="SmokeTestEvaluation"/>), one check per test.</summary>
    public async Task<AnalysisVerdict> RunSmokeTestsAsync(SmokeTestRequest request, CancellationToken cancellationToken)
    {
        var results = new List<SmokeTestResult>();
        foreach (var test in request.Tests)
        {
            var response = await probe.GetAsync(request.Host, test.Path, cancellationToken);
            var passed = response.Status == test.ExpectedStatus
                && (test.BodyContains is null || response.Body.Contains(test.BodyContains, StringComparison.Ordinal));
            var detail = response.Status == test.ExpectedStatus && !passed
                ? "body lacks the expected text"
                : $"{response.Describe()}, expected {test.ExpectedStatus}";
            results.Add(new SmokeTestResult(test.Name, test.Critical, passed, passed ? null : detail));
        }
        var verdict = SmokeTestEvaluation.Evaluate(results);
        var checks = results.Select(r => new CheckResult("smoke:" + r.Name, r.Passed ? 1 : 0, null, 1,
            r.Passed ? VerdictOutcome.Successful : r.Critical ? VerdictOutcome.Failed : VerdictOutcome.Inconclusive,
            r.Passed ? "Passed." : (r.Critical ? "Critical test failed: " : "Non-critical test failed: ") + r.Detail)).ToList();
        return new AnalysisVerdict(verdict.Outcome, checks, verdict.Summary);
    }
}
