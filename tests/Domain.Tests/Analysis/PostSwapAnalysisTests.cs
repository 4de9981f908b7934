using Blueshift.Domain.Analysis;
using FsCheck;
using FsCheck.Fluent;

namespace Blueshift.Domain.Tests.Analysis;

public class PostSwapAnalysisTests
{
    private static readonly PostSwapPolicy Policy = PostSwapPolicy.Default;
    private static readonly MetricWindow Baseline = new(10_000, 100, 200); // 1 %, 200 ms

    [Fact]
    public void Default_MatchesSeedThresholds()
    {
        Assert.Equal(3, Policy.MaxConsecutiveHealthFailures);
        Assert.Equal(5.0, Policy.MaxErrorRateIncreasePoints);
        Assert.Equal(4.0, Policy.MaxLatencyRatio);
        Assert.Equal(2000, Policy.MaxLatencyMs);
        Assert.Equal(TimeSpan.FromMinutes(10), Policy.WatchDuration);
        Assert.Equal(100, Policy.MinimumRequests);
        Assert.Equal(Policy, new PostSwapPolicy(3, 5.0, 4.0, 2000, TimeSpan.FromMinutes(10)));
    }

    [Fact]
    public void Constructor_NamedOverride_KeepsOtherDefaults()
    {
        var policy = new PostSwapPolicy(MaxLatencyMs: 3000, WatchDuration: TimeSpan.FromMinutes(30));

        Assert.Equal(3000, policy.MaxLatencyMs);
        Assert.Equal(TimeSpan.FromMinutes(30), policy.WatchDuration);
        Assert.Equal(3, policy.MaxConsecutiveHealthFailures);
        Assert.Equal(TimeSpan.FromMinutes(10), new PostSwapPolicy(MaxLatencyMs: 3000).WatchDuration);
        Assert.Empty(policy.Validate());
        Assert.NotEmpty((policy with { WatchDuration = TimeSpan.FromMinutes(-1) }).Validate());
    }

    [Theory]
    [InlineData(0, VerdictOutcome.Successful)]
    [InlineData(2, VerdictOutcome.Successful)]
    [InlineData(3, VerdictOutcome.Failed)]
    [InlineData(7, VerdictOutcome.Failed)]
    public void Assess_ConsecutiveHealthFailures_FailAtThree(int failures, VerdictOutcome expected)
    {
        var verdict = PostSwapAnalysis.Assess(Baseline, new MetricWindow(1000, 10, 200), failures, Policy);

        Assert.Equal(expected, verdict.Outcome);
        Assert.Equal(expected, verdict.Checks.Single(c => c.Metric == CheckNames.HealthChecks).Outcome);
    }

    [Theory]
    [InlineData(60, VerdictOutcome.Successful)]  // 6 %: exactly 5 points above 1 %
    [InlineData(61, VerdictOutcome.Failed)]      // 6.1 %
    public void Assess_ErrorRateIncrease_FailsAboveFivePoints(long errors, VerdictOutcome expected)
    {
        var verdict = PostSwapAnalysis.Assess(Baseline, new MetricWindow(1000, errors, 200), 0, Policy);

        Assert.Equal(expected, verdict.Outcome);
        var check = verdict.Checks.Single(c => c.Metric == CheckNames.ErrorRate);
        Assert.Equal(0.06, check.Threshold!.Value, 9);
        Assert.Equal(0.01, check.Baseline);
    }

    [Theory]
    [InlineData(200, 800, VerdictOutcome.Successful)]
    [InlineData(200, 801, VerdictOutcome.Failed)]    // > 4× baseline
    [InlineData(600, 2000, VerdictOutcome.Successful)]
    [InlineData(600, 2001, VerdictOutcome.Failed)]   // > 2 s although under 4×
    public void Assess_Latency_FailsAboveRatioOrAbsolute(double baselineMs, double productionMs, VerdictOutcome expected)
    {
        var verdict = PostSwapAnalysis.Assess(new MetricWindow(10_000, 0, baselineMs), new MetricWindow(1000, 0, productionMs), 0, Policy);

        Assert.Equal(expected, verdict.Outcome);
        Assert.Equal(productionMs, verdict.Checks.Single(c => c.Metric == CheckNames.Latency).Measured);
    }

    [Fact]
    public void Assess_EmptyBaseline_ComparesWithAbsoluteLimitsAndSaysSo()
    {
        var verdict = PostSwapAnalysis.Assess(new MetricWindow(0, 0, null), new MetricWindow(1000, 10, 2500), 0, Policy);

        Assert.Equal(VerdictOutcome.Failed, verdict.Outcome);
        var latency = verdict.Checks.Single(c => c.Metric == CheckNames.Latency);
        Assert.Equal(2000, latency.Threshold);
        Assert.Contains("no latency to compare", latency.Reason);
        Assert.Contains("baseline served no requests", verdict.Checks.Single(c => c.Metric == CheckNames.ErrorRate).Reason);
    }

    [Fact]
    public void Assess_TooFewRequestsHealthy_Inconclusive()
    {
        var verdict = PostSwapAnalysis.Assess(Baseline, new MetricWindow(10, 1, 200), 0, Policy);

        Assert.Equal(VerdictOutcome.Inconclusive, verdict.Outcome);
    }

    [Fact]
    public void Assess_TooFewRequestsButHealthFailing_Failed()
    {
        var verdict = PostSwapAnalysis.Assess(Baseline, new MetricWindow(0, 0, null), 3, Policy);

        Assert.Equal(VerdictOutcome.Failed, verdict.Outcome);
    }

    [Fact]
    public void Assess_NegativeHealthFailures_Error()
    {
        Assert.Equal(VerdictOutcome.Error, PostSwapAnalysis.Assess(Baseline, Baseline, -1, Policy).Outcome);
    }

    [Fact]
    public void Assess_MoreErrorsOrHealthFailures_NeverTurnsFailedIntoSuccessful()
    {
        var gen =
            from requests in Gen.Choose(0, 3000)
            from errors in Gen.Choose(0, requests)
            from extra in Gen.Choose(0, 3000)
            from health in Gen.Choose(0, 5)
            from moreHealth in Gen.Choose(0, 5)
            from latency in Gen.Choose(1, 4000)
            select (requests, errors, extra, health, moreHealth, latency);

        Prop.ForAll(gen.ToArbitrary(), t =>
        {
            var before = PostSwapAnalysis.Assess(Baseline, new MetricWindow(t.requests, t.errors, t.latency), t.health, Policy);
            var after = PostSwapAnalysis.Assess(Baseline, new MetricWindow(t.requests, Math.Min(t.requests, t.errors + t.extra), t.latency), t.health + t.moreHealth, Policy);
            return before.Outcome != VerdictOutcome.Failed || after.Outcome == VerdictOutcome.Failed;
        }).QuickCheckThrowOnFailure();
    }
}
