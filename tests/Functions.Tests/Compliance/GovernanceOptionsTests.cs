using Blueshift.Domain.Compliance;
using Blueshift.Functions.Compliance;
using Xunit;

namespace Blueshift.Functions.Tests.Compliance;

public sealed class GovernanceOptionsTests
{
    [Fact]
    public void Defaults_AreValid_AndTheirPolicyKnowsTheReleasePhases()
    {
        var options = new GovernanceOptions();

        Assert.Empty(options.Validate());
        var policy = options.ToStuckReleasePolicy();
        var now = new DateTimeOffset(2026, 12, 1, 12, 0, 0, TimeSpan.Zero);
        Assert.False(StuckReleases.Evaluate("r", "Succeeded", now.AddDays(-30), now, policy).Stuck);
        Assert.False(StuckReleases.Evaluate("r", "AwaitingWindow", now.AddDays(-7), now, policy).Stuck);
        Assert.True(StuckReleases.Evaluate("r", "awaitingwindow", now.AddDays(-9), now, policy).Stuck);
        Assert.True(StuckReleases.Evaluate("r", "Deploying", now.AddHours(-3), now, policy).Stuck);
    }

    [Fact]
    public void Validate_RefusesUnknownPhasesAndNonPositiveDurations()
    {
        var options = new GovernanceOptions
        {
            StuckAfter = TimeSpan.Zero,
            PhaseTimeouts = new(StringComparer.OrdinalIgnoreCase) { ["Baking"] = TimeSpan.FromHours(1), ["3"] = TimeSpan.FromHours(1), ["Shifting"] = TimeSpan.Zero },
            MaxReleasesPerApp = 0,
        };

        var problems = options.Validate().ToList();

        Assert.Contains(problems, p => p.Contains("StuckAfter", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.Contains("PhaseTimeouts:Baking is not a release phase", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.Contains("PhaseTimeouts:3 is not a release phase", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.Contains("PhaseTimeouts:Shifting must be positive", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.Contains("MaxReleasesPerApp", StringComparison.Ordinal));
    }

    [Fact]
    public void DrExerciseOptions_RefuseABadTableName() =>
        Assert.Single(new DrExerciseOptions { TableName = "dr-exercises" }.Validate());
}
