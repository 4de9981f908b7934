using Blueshift.AppServiceEmulator;
using Blueshift.Domain.Releases;
using Blueshift.Functions.Releases.Orchestration;
using Blueshift.Functions.Traffic;
using Blueshift.Testing;
using Xunit;

namespace Blueshift.Functions.Tests.Releases.Orchestration;

/// <summary>
/// The release orchestration when Azure misbehaves: refused calls, swaps whose outcome is unknown, operations that never
/// answer, and a rollback that itself fails. Whatever happens, the orchestration completes in a terminal phase, never
/// swaps twice, and never ends silently.
/// </summary>
public sealed class ReleaseFaultOrchestrationTests(AzuriteFixture azurite) : IClassFixture<AzuriteFixture>, IAsyncLifetime
{
    private OrchestrationWorld _world = null!;

    public async Task InitializeAsync() => _world = await OrchestrationWorld.StartAsync(azurite);

    public async Task DisposeAsync() => await _world.DisposeAsync();

    [Fact]
    public async Task RunRelease_RoutingRefusedWith400_RollsBackWithoutRetryingIt()
    {
        _world.StartUsers();
        // A refusal says something about the request, not about Azure's health: trying it again cannot help.
        _world.Emulator.Faults.AddArmFault(new ArmFault(ArmFaultKind.ServerError, "/config/web", 1, "PATCH", StatusCode: 400));

        var (_, outcome) = await _world.RunAsync(_world.Release("rel-refused", new AppBehaviour("2.0.0")));

        Assert.True(outcome.Phase == ReleasePhase.RolledBack, $"{outcome.Phase}: {outcome.StatusReason}");
        Assert.Contains(ReleaseActivityNames.RouteTraffic, outcome.StatusReason, StringComparison.Ordinal);
        Assert.Empty(_world.Emulator.SwapLog.Snapshot());
        Assert.Equal("1.0.0", _world.Site.Production.Behaviour.Version);
        Assert.Equal(0, await _world.StagingSharePercentAsync());
    }
}
