using Azure.Data.Tables;
using Blueshift.Functions.Alerts;
using Blueshift.Testing;
using Xunit;

namespace Blueshift.Functions.Tests.Alerts;

public sealed class AlertClaimsTests(AzuriteFixture azurite) : IClassFixture<AzuriteFixture>
{
    private static readonly AlertKey Key = new("/subscriptions/s1/providers/Microsoft.AlertsManagement/alerts/a-1", "Fired");
    private static readonly AlertAnswer Answer = new(Key.AlertId, "Fired", AlertAnswer.RolledBack, "Sev1 alert fired.",
        [new AlertRollbackAnswer("shop", "r-1", "Accepted", "Release r-1 is RollingBack.")]);

    private readonly ManualTimeProvider _time = new(new DateTimeOffset(2026, 11, 22, 3, 0, 0, TimeSpan.Zero));

    private (AlertClaims First, AlertClaims Second) TwoInstances()
    {
        var name = AzuriteFixture.UniqueName("alerts");
        return (new AlertClaims(new TableClient(azurite.ConnectionString, name), _time, TimeSpan.FromMinutes(1)),
                new AlertClaims(new TableClient(azurite.ConnectionString, name), _time, TimeSpan.FromMinutes(1)));
    }

    [Fact]
    public async Task ClaimAsync_ConcurrentClaimsFromTwoInstances_ExactlyOneOwns()
    {
        var (first, second) = TwoInstances();
        await first.ClaimAsync(new AlertKey("warm-up", "Fired"), default);

        var results = await Task.WhenAll(Enumerable.Range(0, 20).Select(i => (i % 2 == 0 ? first : second).ClaimAsync(Key, default)));

        Assert.Single(results.OfType<ClaimResult.Owned>());
        Assert.Equal(19, results.OfType<ClaimResult.Busy>().Count());
    }

    [Fact]
    public async Task ClaimAsync_AfterComplete_ReturnsTheStoredAnswer()
    {
        var (first, second) = TwoInstances();
        var owned = Assert.IsType<ClaimResult.Owned>(await first.ClaimAsync(Key, default));

        await first.CompleteAsync(Key, owned.ETag, Answer, default);
        var replay = await second.ClaimAsync(Key, default);

        var answered = Assert.IsType<ClaimResult.Answered>(replay);
        Assert.Equal(Answer.ToJson(), answered.Answer.ToJson());
    }

    [Fact]
    public async Task ClaimAsync_ResolvedAfterFired_IsASeparateDelivery()
    {
        var (first, _) = TwoInstances();
        var fired = Assert.IsType<ClaimResult.Owned>(await first.ClaimAsync(Key, default));
        await first.CompleteAsync(Key, fired.ETag, Answer, default);

        var resolved = await first.ClaimAsync(Key with { MonitorCondition = "Resolved" }, default);

        Assert.IsType<ClaimResult.Owned>(resolved);
    }

    [Fact]
    public async Task ClaimAsync_AfterRelease_CanBeClaimedAgain()
    {
        var (first, second) = TwoInstances();
        var owned = Assert.IsType<ClaimResult.Owned>(await first.ClaimAsync(Key, default));

        await first.ReleaseAsync(Key, owned.ETag, default);

        Assert.IsType<ClaimResult.Owned>(await second.ClaimAsync(Key, default));
    }

    [Fact]
    public async Task ClaimAsync_OwnerVanishedBeyondLease_IsTakenOverOnceWithinLeaseNever()
    {
        var (first, second) = TwoInstances();
        Assert.IsType<ClaimResult.Owned>(await first.ClaimAsync(Key, default));

        _time.Advance(TimeSpan.FromSeconds(59));
        Assert.IsType<ClaimResult.Busy>(await second.ClaimAsync(Key, default));

        _time.Advance(TimeSpan.FromSeconds(2));
        var takers = await Task.WhenAll(first.ClaimAsync(Key, default), second.ClaimAsync(Key, default), second.ClaimAsync(Key, default));

        Assert.Single(takers.OfType<ClaimResult.Owned>());
    }

    [Fact]
    public async Task CompleteAsync_AfterTakeover_FailsForTheFormerOwner()
    {
        var (first, second) = TwoInstances();
        var stale = Assert.IsType<ClaimResult.Owned>(await first.ClaimAsync(Key, default));
        _time.Advance(TimeSpan.FromMinutes(2));
        Assert.IsType<ClaimResult.Owned>(await second.ClaimAsync(Key, default));

        var ex = await Assert.ThrowsAsync<global::Azure.RequestFailedException>(() => first.CompleteAsync(Key, stale.ETag, Answer, default));

        Assert.Equal(412, ex.Status);
    }
}
