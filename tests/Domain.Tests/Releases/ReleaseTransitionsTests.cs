using Blueshift.Domain.Releases;
using Xunit;

namespace Blueshift.Domain.Tests.Releases;

public sealed class ReleaseTransitionsTests
{
    public static TheoryData<ReleasePhase, ReleasePhase> HappyPath => new()
    {
        { ReleasePhase.AwaitingApproval, ReleasePhase.AwaitingWindow },
        { ReleasePhase.AwaitingWindow, ReleasePhase.CapturingBaseline },
        { ReleasePhase.CapturingBaseline, ReleasePhase.Deploying },
        { ReleasePhase.Deploying, ReleasePhase.Stamping },
        { ReleasePhase.Stamping, ReleasePhase.Verifying },
        { ReleasePhase.Verifying, ReleasePhase.SmokeTesting },
        { ReleasePhase.SmokeTesting, ReleasePhase.Shifting },
        { ReleasePhase.Shifting, ReleasePhase.Shifting },
        { ReleasePhase.Shifting, ReleasePhase.Swapping },
        { ReleasePhase.Swapping, ReleasePhase.ClearingRoute },
        { ReleasePhase.ClearingRoute, ReleasePhase.Watching },
        { ReleasePhase.Watching, ReleasePhase.Succeeded },
    };

    [Theory]
    [MemberData(nameof(HappyPath))]
    public void IsAllowed_HappyPathEdge_True(ReleasePhase from, ReleasePhase to) =>
        Assert.True(ReleaseTransitions.IsAllowed(from, to));

    [Fact]
    public void IsAllowed_SkippingVerification_False()
    {
        Assert.False(ReleaseTransitions.IsAllowed(ReleasePhase.Deploying, ReleasePhase.Shifting));
        Assert.False(ReleaseTransitions.IsAllowed(ReleasePhase.Stamping, ReleasePhase.Swapping));
        Assert.False(ReleaseTransitions.IsAllowed(ReleasePhase.AwaitingApproval, ReleasePhase.Deploying));
    }

    [Fact]
    public void IsAllowed_EveryLivePhaseToRollingBack_True()
    {
        foreach (var phase in Enum.GetValues<ReleasePhase>().Where(p => !ReleasePhases.IsTerminal(p) && p != ReleasePhase.RollingBack))
        {
            Assert.True(ReleaseTransitions.IsAllowed(phase, ReleasePhase.RollingBack), phase.ToString());
        }
    }

    [Fact]
    public void IsAllowed_FromTerminalPhase_FalseExceptSwappingBackASuccess()
    {
        foreach (var from in Enum.GetValues<ReleasePhase>().Where(ReleasePhases.IsTerminal))
        {
            foreach (var to in Enum.GetValues<ReleasePhase>())
            {
                var expected = from == ReleasePhase.Succeeded && to == ReleasePhase.RollingBack;
                Assert.True(expected == ReleaseTransitions.IsAllowed(from, to), $"{from} -> {to}");
            }
        }
    }

    [Fact]
    public void IsAllowed_RollingBackToItselfOrBackToWork_False()
    {
        Assert.False(ReleaseTransitions.IsAllowed(ReleasePhase.RollingBack, ReleasePhase.RollingBack));
        Assert.False(ReleaseTransitions.IsAllowed(ReleasePhase.RollingBack, ReleasePhase.Shifting));
        Assert.False(ReleaseTransitions.IsAllowed(ReleasePhase.RollingBack, ReleasePhase.Succeeded));
    }

    [Theory]
    [InlineData(RollbackCause.CheckFailed, ReleasePhase.RolledBack)]
    [InlineData(RollbackCause.Requested, ReleasePhase.RolledBack)]
    [InlineData(RollbackCause.Aborted, ReleasePhase.Aborted)]
    [InlineData(RollbackCause.NotViable, ReleasePhase.Failed)]
    public void EndOf_Cause_IsAnAllowedTerminalPhase(RollbackCause cause, ReleasePhase expected)
    {
        var end = ReleasePhases.EndOf(cause);
        Assert.Equal(expected, end);
        Assert.True(ReleaseTransitions.IsAllowed(ReleasePhase.RollingBack, end));
        Assert.True(ReleasePhases.IsTerminal(end));
    }

    [Fact]
    public void StatusOf_LivePhase_Active()
    {
        Assert.Equal(ReleaseStatus.Active, ReleasePhases.StatusOf(ReleasePhase.Watching));
        Assert.Equal(ReleaseStatus.Active, ReleasePhases.StatusOf(ReleasePhase.RollingBack));
        Assert.Equal(ReleaseStatus.RolledBack, ReleasePhases.StatusOf(ReleasePhase.RolledBack));
    }
}
