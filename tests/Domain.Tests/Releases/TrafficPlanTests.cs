using Blueshift.Domain.Releases;
using Xunit;

namespace Blueshift.Domain.Tests.Releases;

public sealed class TrafficPlanTests
{
    [Fact]
    public void Validate_DefaultSteps_Null() => Assert.Null(TrafficPlan.Validate(TrafficPlan.Default));

    [Theory]
    [InlineData(new int[0])]
    [InlineData(new[] { 0, 50 })]
    [InlineData(new[] { 10, 101 })]
    [InlineData(new[] { 25, 10 })]
    [InlineData(new[] { 10, 10 })]
    public void Validate_BadSteps_Message(int[] steps) => Assert.NotNull(TrafficPlan.Validate(steps));
}

public sealed class PhaseTimeoutsTests
{
    [Fact]
    public void For_EveryLivePhase_Finite()
    {
        foreach (var phase in Enum.GetValues<ReleasePhase>().Where(p => !ReleasePhases.IsTerminal(p)))
        {
            var timeout = PhaseTimeouts.Default.For(phase, TimeSpan.FromMinutes(5), 2);
            Assert.True(timeout > TimeSpan.Zero && timeout < TimeSpan.FromDays(30), $"{phase}: {timeout}");
        }
    }

    [Fact]
    public void For_Shifting_CoversEveryExtensionOfTheBake()
    {
        var timeout = PhaseTimeouts.Default.For(ReleasePhase.Shifting, TimeSpan.FromMinutes(10), 2);
        Assert.True(timeout > TimeSpan.FromMinutes(30));
    }
}
