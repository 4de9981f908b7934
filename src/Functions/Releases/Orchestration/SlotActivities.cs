using Blueshift.Domain.Releases;
using Blueshift.Functions.Apps;
using Blueshift.Functions.Traffic;

namespace Blueshift.Functions.Releases.Orchestration;

/// <summary>
/// The release's activities on App Service slots (<see cref="IAppServiceSlots"/>). Each may run more than once (the
/// task hub delivers at least once), so each is safe to repeat: reads, settings written to the same value, and a swap
/// guarded by the release marker.
/// </summary>
internal sealed class SlotActivities(IAppServiceSlots slots)
{
    public async Task<SlotsSnapshot> DescribeSlotsAsync(ManagedApp app, CancellationToken cancellationToken)
    {
        var production = await slots.ReadMarkerAsync(app, null, cancellationToken);
        var productionHost = await slots.GetHostNameAsync(app, null, cancellationToken);
        var stagingHost = await slots.GetHostNameAsync(app, app.StagingSlot, cancellationToken);
        return new SlotsSnapshot(production.ReleaseId, production.Version, productionHost, stagingHost);
    }

    /// <summary>
    /// Starts a OneDeploy. Run twice, it deploys the same package twice to the staging slot, which serves no production
    /// traffic yet: harmless, and App Service refuses a second one while the first runs (the orchestration retries it).
    /// </summary>
    public Task<SlotOperation> StartDeployAsync(DeployRequest request, CancellationToken cancellationToken) =>
        slots.StartDeployAsync(request.App, request.Package, cancellationToken);

    public Task<SlotOperation> PollOperationAsync(OperationRequest request, CancellationToken cancellationToken) =>
        slots.GetOperationAsync(request.App, request.OperationUrl, cancellationToken);

    /// <summary>Stamps the marker on the staging slot and reads it back: true when the slot now says it holds this release.</summary>
    public async Task<bool> StampMarkerAsync(StampRequest request, CancellationToken cancellationToken)
    {
        await slots.StampMarkerAsync(request.App, new ReleaseMarker(request.ReleaseId, request.Version), cancellationToken);
        var stamped = await slots.ReadMarkerAsync(request.App, request.App.StagingSlot, cancellationToken);
        return stamped.ReleaseId == request.ReleaseId;
    }

    /// <summary>Routes the share of production traffic to the staging slot.</summary>
    public async Task<int> RouteTrafficAsync(RouteRequest request, CancellationToken cancellationToken)
    {
        await slots.SetStagingTrafficAsync(request.App, request.StagingHost, request.Percent, cancellationToken);
        return request.Percent;
    }

    /// <summary>Removes the routing rule: production serves all of its traffic. Returns the staging slot's share, 0.</summary>
    public async Task<int> ClearRoutingAsync(ManagedApp app, CancellationToken cancellationToken)
    {
        await slots.ClearRoutingAsync(app, cancellationToken);
        return 0;
    }

    /// <summary>Whether production's marker is this release's id, read now.</summary>
    public async Task<bool> ProductionHoldsAsync(SwapRequest request, CancellationToken cancellationToken) =>
        (await slots.ReadMarkerAsync(request.App, null, cancellationToken)).ReleaseId == request.ReleaseId;

    /// <summary>
    /// Requests a swap, exactly once per need: production's marker is read first, and when production already is where
    /// the swap should put it (an earlier run of this activity swapped and its answer was lost), nothing is requested.
    /// A repeat while an earlier request is still under way is answered 409 by App Service and fails this run; the
    /// orchestration then reads the marker again before it decides anything (see <see cref="SwapPlanner"/>).
    /// </summary>
    public async Task<SwapStarted> RequestSwapAsync(SwapRequest request, CancellationToken cancellationToken)
    {
        var holds = await ProductionHoldsAsync(request, cancellationToken);
        if (holds == (request.Direction == SwapDirection.Forward))
        {
            return new SwapStarted(AlreadyDone: true, Operation: null);
        }
        return new SwapStarted(AlreadyDone: false, await slots.StartSwapAsync(request.App, cancellationToken));
    }
}
