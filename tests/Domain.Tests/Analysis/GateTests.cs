using Blueshift.Domain.Analysis;

namespace Blueshift.Domain.Tests.Analysis;

public class GateTests
{
    private static IReadOnlyList<HealthProbe> Probes(string pattern) =>
        pattern.Select(c => new HealthProbe(c == '+', c == '+' ? "200" : "503")).ToList();

    [Theory]
    [InlineData("", VerdictOutcome.Inconclusive)]
    [InlineData("++", VerdictOutcome.Inconclusive)]
    [InlineData("+++", VerdictOutcome.Successful)]
    [InlineData("--+++", VerdictOutcome.Successful)]
    [InlineData("---", VerdictOutcome.Failed)]
    [InlineData("++-+--", VerdictOutcome.Inconclusive)]
    [InlineData("+---+++", VerdictOutcome.Failed)]
    [InlineData("+++---", VerdictOutcome.Successful)]
    public void HealthGateEvaluate_ProbeSequence_ExpectedOutcome(string pattern, VerdictOutcome expected)
    {
        Assert.Equal(expected, HealthGate.Evaluate(Probes(pattern), HealthGatePolicy.Default).Outcome);
    }

    [Fact]
    public void HealthGateEvaluate_FlappingUntilMaxProbes_Failed()
    {
        var verdict = HealthGate.Evaluate(Probes("+-+-+-"), new HealthGatePolicy(MaxProbes: 6));

        Assert.Equal(VerdictOutcome.Failed, verdict.Outcome);
        Assert.Contains("within 6 probes", verdict.Summary);
    }

    [Fact]
    public void HealthGateEvaluate_Failure_ReportsLastAnswer()
    {
        var verdict = HealthGate.Evaluate(Probes("---"), HealthGatePolicy.Default);

        Assert.Contains("503", verdict.Summary);
        Assert.Equal(3, verdict.Checks.Single().Measured);
    }

    [Fact]
    public void SmokeTestEvaluate_CriticalFailure_Failed()
    {
        var verdict = SmokeTestEvaluation.Evaluate([
            new SmokeTestResult("login", Critical: true, Passed: false, "HTTP 500"),
            new SmokeTestResult("home", Critical: true, Passed: true),
            new SmokeTestResult("avatar", Critical: false, Passed: false),
        ]);

        Assert.Equal(VerdictOutcome.Failed, verdict.Outcome);
        Assert.Equal("login", Assert.Single(verdict.CriticalFailures).Name);
        Assert.Equal("avatar", Assert.Single(verdict.NonCriticalFailures).Name);
        Assert.Contains("login (HTTP 500)", verdict.Summary);
    }

    [Fact]
    public void SmokeTestEvaluate_OnlyNonCriticalFailures_SuccessfulAndReported()
    {
        var verdict = SmokeTestEvaluation.Evaluate([
            new SmokeTestResult("home", Critical: true, Passed: true),
            new SmokeTestResult("avatar", Critical: false, Passed: false),
        ]);

        Assert.Equal(VerdictOutcome.Successful, verdict.Outcome);
        Assert.Single(verdict.NonCriticalFailures);
        Assert.Contains("avatar", verdict.Summary);
    }

    [Fact]
    public void SmokeTestEvaluate_NoCriticalTest_Inconclusive()
    {
        Assert.Equal(VerdictOutcome.Inconclusive, SmokeTestEvaluation.Evaluate([]).Outcome);
    }

    [Theory]
    [InlineData(0, 3, InconclusiveDecision.ExtendBake)]
    [InlineData(2, 3, InconclusiveDecision.ExtendBake)]
    [InlineData(3, 3, InconclusiveDecision.FailSafe)]
    [InlineData(0, 0, InconclusiveDecision.FailSafe)]
    public void InconclusivePolicyDecide_Extensions_ExtendThenFailSafe(int soFar, int max, InconclusiveDecision expected)
    {
        Assert.Equal(expected, InconclusivePolicy.Decide(soFar, max));
    }
}
