using Blueshift.Domain.Releases;
using Xunit;

namespace Blueshift.Domain.Tests.Releases;

public sealed class SwapPlannerTests
{
    private static readonly DateTimeOffset Now = new(2026, 3, 5, 22, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan Settle = TimeSpan.FromMinutes(5);

    [Fact]
    public void Decide_NothingRequestedAndMarkerInStaging_Request()
    {
        var action = SwapPlanner.Decide(new SwapProgress(SwapDirection.Forward), productionHoldsRelease: false, Now, Settle, 3);
        Assert.Equal(SwapAction.Request, action);
    }

    [Fact]
    public void Decide_MarkerAlreadyInProductionThoughNothingRecorded_DoneWithoutSwapping()
    {
        var action = SwapPlanner.Decide(new SwapProgress(SwapDirection.Forward), productionHoldsRelease: true, Now, Settle, 3);
        Assert.Equal(SwapAction.Done, action);
    }

    [Fact]
    public void Decide_OperationRecordedAndRunning_Poll()
    {
        var progress = new SwapProgress(SwapDirection.Forward, RequestedAt: Now, OperationUrl: "https://arm/op/1", Attempts: 1);
        Assert.Equal(SwapAction.Poll, SwapPlanner.Decide(progress, false, Now, Settle, 3));
    }

    [Fact]
    public void Decide_CrashAfterRequestBeforeRecord_WaitsThenRequestsOnlyAfterSettleTime()
    {
        var progress = new SwapProgress(SwapDirection.Forward, RequestedAt: Now, Attempts: 1);
        Assert.Equal(SwapAction.Wait, SwapPlanner.Decide(progress, false, Now + TimeSpan.FromMinutes(1), Settle, 3));
        Assert.Equal(SwapAction.Request, SwapPlanner.Decide(progress, false, Now + Settle, Settle, 3));
    }

    [Fact]
    public void Decide_CrashAfterRequestAndSwapTookPlace_Done()
    {
        var progress = new SwapProgress(SwapDirection.Forward, RequestedAt: Now, Attempts: 1);
        Assert.Equal(SwapAction.Done, SwapPlanner.Decide(progress, true, Now + TimeSpan.FromSeconds(10), Settle, 3));
    }

    [Fact]
    public void Decide_FailedOperation_WaitsTheSettleTimeBeforeRequestingAgain()
    {
        var failed = new SwapProgress(SwapDirection.Forward, Now, "https://arm/op/1", Now, OperationFailed: true, Attempts: 1);
        Assert.Equal(SwapAction.Wait, SwapPlanner.Decide(failed, false, Now, Settle, 3));
        Assert.Equal(SwapAction.Wait, SwapPlanner.Decide(failed, false, Now + Settle - TimeSpan.FromSeconds(1), Settle, 3));
        Assert.Equal(SwapAction.Request, SwapPlanner.Decide(failed, false, Now + Settle, Settle, 3));
    }

    [Fact]
    public void Decide_FailedOperationThatTookEffectMeanwhile_DoneWithoutRequesting()
    {
        var failed = new SwapProgress(SwapDirection.Forward, Now, "https://arm/op/1", Now, OperationFailed: true, Attempts: 1);
        Assert.Equal(SwapAction.Done, SwapPlanner.Decide(failed, true, Now + TimeSpan.FromSeconds(30), Settle, 3));
    }

    [Fact]
    public void Decide_FailedOperations_GiveUpOnceAttemptsRunOut()
    {
        var failed = new SwapProgress(SwapDirection.Forward, Now, "https://arm/op/3", Now, OperationFailed: true, Attempts: 3);
        Assert.Equal(SwapAction.Wait, SwapPlanner.Decide(failed, false, Now, Settle, 3));
        Assert.Equal(SwapAction.GiveUp, SwapPlanner.Decide(failed, false, Now + Settle, Settle, 3));
    }

    [Fact]
    public void Decide_SwapBackWhenProductionNoLongerHoldsRelease_Done()
    {
        var back = new SwapProgress(SwapDirection.Back);
        Assert.Equal(SwapAction.Done, SwapPlanner.Decide(back, productionHoldsRelease: false, Now, Settle, 3));
        Assert.Equal(SwapAction.Request, SwapPlanner.Decide(back, productionHoldsRelease: true, Now, Settle, 3));
    }

    [Fact]
    public void Decide_AnyHistoryWithGoalReached_NeverRequests()
    {
        var histories = new[]
        {
            new SwapProgress(SwapDirection.Forward),
            new SwapProgress(SwapDirection.Forward, Now, Attempts: 1),
            new SwapProgress(SwapDirection.Forward, Now, "op", Attempts: 1),
            new SwapProgress(SwapDirection.Forward, Now, "op", Now, OperationFailed: true, Attempts: 9),
        };
        foreach (var progress in histories)
        {
            Assert.Equal(SwapAction.Done, SwapPlanner.Decide(progress, true, Now + TimeSpan.FromHours(1), Settle, 3));
        }
    }
}
