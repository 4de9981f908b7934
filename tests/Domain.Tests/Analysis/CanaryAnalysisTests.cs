using Blueshift.Domain.Analysis;
using FsCheck;
using FsCheck.Fluent;

namespace Blueshift.Domain.Tests.Analysis;

public class CanaryAnalysisTests
{
    private static readonly CanaryPolicy Policy = CanaryPolicy.Default;

    [Theory]
    [InlineData(1000, 10, 1000, 15, VerdictOutcome.Successful)]   // 1.5 % vs 1 %: under 2× baseline
    [InlineData(1000, 10, 1000, 21, VerdictOutcome.Failed)]       // 2.1 % > 2× 1 % and > 1 %
    [InlineData(1000, 0, 1000, 10, VerdictOutcome.Successful)]    // exactly the 1 % floor is not above it
    [InlineData(1000, 0, 1000, 11, VerdictOutcome.Failed)]        // zero-error baseline: above the floor fails
    [InlineData(1000, 0, 1000, 1, VerdictOutcome.Successful)]     // zero-error baseline: a single error does not fail
    [InlineData(1000, 2, 1000, 8, VerdictOutcome.Successful)]     // 4× baseline but under the 1 % floor
    public void Assess_ErrorRates_ExpectedOutcome(long baseRequests, long baseErrors, long canaryRequests, long canaryErrors, VerdictOutcome expected)
    {
        var verdict = CanaryAnalysis.Assess(new MetricWindow(baseRequests, baseErrors, 100), new MetricWindow(canaryRequests, canaryErrors, 100), Policy);

        Assert.Equal(expected, verdict.Outcome);
        var check = Assert.Single(verdict.Checks, c => c.Metric == CheckNames.ErrorRate);
        Assert.Equal(expected, check.Outcome);
        Assert.Equal((double)canaryErrors / canaryRequests, check.Measured);
        Assert.Equal(Math.Max(2.0 * baseErrors / baseRequests, 0.01), check.Threshold!.Value, 9);
    }

    [Theory]
    [InlineData(200, 300, VerdictOutcome.Successful)]
    [InlineData(200, 301, VerdictOutcome.Failed)]
    public void Assess_Latency_FailsAboveRatio(double baselineMs, double canaryMs, VerdictOutcome expected)
    {
        var verdict = CanaryAnalysis.Assess(new MetricWindow(1000, 0, baselineMs), new MetricWindow(1000, 0, canaryMs), Policy);

        Assert.Equal(expected, verdict.Outcome);
        var check = Assert.Single(verdict.Checks, c => c.Metric == CheckNames.Latency);
        Assert.Equal(canaryMs, check.Measured);
        Assert.Equal(baselineMs, check.Baseline);
        Assert.Equal(300, check.Threshold);
    }

    [Fact]
    public void Assess_TooFewCanaryRequests_InconclusiveNeverSuccessful()
    {
        var verdict = CanaryAnalysis.Assess(new MetricWindow(5000, 0, 100), new MetricWindow(99, 0, 100), Policy);

        Assert.Equal(VerdictOutcome.Inconclusive, verdict.Outcome);
        var requests = Assert.Single(verdict.Checks, c => c.Metric == CheckNames.Requests);
        Assert.Equal(99, requests.Measured);
        Assert.Equal(100, requests.Threshold);
        Assert.Contains("only 99 of the 100", verdict.Summary);
    }

    [Fact]
    public void Assess_TooFewRequestsButFailureCertain_Failed()
    {
        // 50 errors in 50 requests: even 50 more successes would leave 50 % errors.
        var verdict = CanaryAnalysis.Assess(new MetricWindow(5000, 0, 100), new MetricWindow(50, 50, 100), Policy);

        Assert.Equal(VerdictOutcome.Failed, verdict.Outcome);
        Assert.Contains("even if the next requests", verdict.Summary);
    }

    [Fact]
    public void Assess_BaselineWithoutRequests_UsesAbsoluteFloorAndSaysSo()
    {
        var verdict = CanaryAnalysis.Assess(new MetricWindow(0, 0, null), new MetricWindow(1000, 20, 120), Policy);

        Assert.Equal(VerdictOutcome.Failed, verdict.Outcome);
        var check = Assert.Single(verdict.Checks, c => c.Metric == CheckNames.ErrorRate);
        Assert.Null(check.Baseline);
        Assert.Equal(0.01, check.Threshold);
        Assert.Contains("baseline served no requests", check.Reason);
        var latency = Assert.Single(verdict.Checks, c => c.Metric == CheckNames.Latency);
        Assert.Contains("no latency to compare", latency.Reason);
    }

    [Fact]
    public void Assess_CanaryLatencyMissing_Error()
    {
        var verdict = CanaryAnalysis.Assess(new MetricWindow(1000, 0, 100), new MetricWindow(1000, 0, null), Policy);

        Assert.Equal(VerdictOutcome.Error, verdict.Outcome);
    }

    [Theory]
    [InlineData(-1, 0)]
    [InlineData(10, 11)]
    [InlineData(10, -1)]
    public void Assess_ImpossibleWindow_Error(long requests, long errors)
    {
        var verdict = CanaryAnalysis.Assess(new MetricWindow(1000, 0, 100), new MetricWindow(requests, errors, 100), Policy);

        Assert.Equal(VerdictOutcome.Error, verdict.Outcome);
        Assert.All(verdict.Checks, c => Assert.Equal(CheckNames.Input, c.Metric));
    }

    [Fact]
    public void Assess_InvalidPolicy_ErrorNamesTheLimit()
    {
        var verdict = CanaryAnalysis.Assess(new MetricWindow(1000, 0, 100), new MetricWindow(1000, 0, 100), Policy with { MinErrorRateToFail = 1.5 });

        Assert.Equal(VerdictOutcome.Error, verdict.Outcome);
        Assert.Contains("MinErrorRateToFail", verdict.Summary);
    }

    [Fact]
    public void Assess_MoreCanaryErrors_NeverTurnsFailedIntoSuccessful()
    {
        var gen =
            from baseRequests in Gen.Choose(0, 5000)
            from baseErrors in Gen.Choose(0, Math.Max(baseRequests, 0))
            from canaryRequests in Gen.Choose(0, 5000)
            from canaryErrors in Gen.Choose(0, canaryRequests)
            from extra in Gen.Choose(0, 5000)
            from latency in Gen.Choose(1, 1000)
            select (baseRequests, baseErrors, canaryRequests, canaryErrors, extra, latency);

        Prop.ForAll(gen.ToArbitrary(), t =>
        {
            var baseline = new MetricWindow(t.baseRequests, t.baseErrors, 100);
            var before = CanaryAnalysis.Assess(baseline, new MetricWindow(t.canaryRequests, t.canaryErrors, t.latency), Policy);
            var moreErrors = Math.Min(t.canaryRequests, t.canaryErrors + t.extra);
            var after = CanaryAnalysis.Assess(baseline, new MetricWindow(t.canaryRequests, moreErrors, t.latency), Policy);
            return before.Outcome != VerdictOutcome.Failed || after.Outcome == VerdictOutcome.Failed;
        }).QuickCheckThrowOnFailure();
    }

    [Fact]
    public void Assess_CanaryBelowMinimumRequests_NeverSuccessful()
    {
        var gen =
            from canaryRequests in Gen.Choose(0, 99)
            from canaryErrors in Gen.Choose(0, canaryRequests)
            from baseRequests in Gen.Choose(0, 10000)
            select (canaryRequests, canaryErrors, baseRequests);

        Prop.ForAll(gen.ToArbitrary(), t =>
            CanaryAnalysis.Assess(new MetricWindow(t.baseRequests, 0, 100), new MetricWindow(t.canaryRequests, t.canaryErrors, 100), Policy).Outcome
                != VerdictOutcome.Successful).QuickCheckThrowOnFailure();
    }

    [Fact]
    public void Assess_FailedVerdict_CarriesMeasuredBaselineAndThresholdInReason()
    {
        var verdict = CanaryAnalysis.Assess(new MetricWindow(1000, 10, 100), new MetricWindow(1000, 50, 100), Policy);

        var check = Assert.Single(verdict.Checks, c => c.Outcome == VerdictOutcome.Failed);
        Assert.Contains("5 %", check.Reason);
        Assert.Contains("1 %", check.Reason);
        Assert.Contains("2 %", check.Reason);
        Assert.Contains(check.Reason, verdict.Summary);
    }
}
