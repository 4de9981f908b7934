using Blueshift.Functions.Apps;

namespace Blueshift.Functions.Traffic;

/// <summary>
/// The App Service operations a release needs, on one app's production slot and its staging slot.
/// Starting a long operation returns at once; the release orchestration records the operation and polls it after a durable timer.
/// </summary>
public interface IAppServiceSlots
{
    /// <summary>The host name the slot answers on (<c>defaultHostName</c>), e.g. <c>app-staging.azurewebsites.net</c>.</summary>
    /// <param name="slot">Null for production.</param>
    Task<string> GetHostNameAsync(ManagedApp app, string? slot, CancellationToken cancellationToken);

    /// <summary>Routes <paramref name="percent"/> % of production traffic to the staging slot (<c>rampUpRules</c>).</summary>
    /// <param name="stagingHost">The staging slot's host name, as <see cref="GetHostNameAsync"/> gave it: the rule names it.</param>
    Task SetStagingTrafficAsync(ManagedApp app, string stagingHost, int percent, CancellationToken cancellationToken);

    /// <summary>Removes the routing rule: production serves all of its traffic.</summary>
    Task ClearRoutingAsync(ManagedApp app, CancellationToken cancellationToken);

    /// <summary>Starts a OneDeploy of <paramref name="package"/> to the staging slot.</summary>
    Task<SlotOperation> StartDeployAsync(ManagedApp app, Uri package, CancellationToken cancellationToken);

    /// <summary>Starts swapping the staging slot with production. Not idempotent: guard it with the release marker.</summary>
    Task<SlotOperation> StartSwapAsync(ManagedApp app, CancellationToken cancellationToken);

    Task<SlotOperation> GetOperationAsync(ManagedApp app, string operationUrl, CancellationToken cancellationToken);

    /// <summary>Which release (and version) the slot's content belongs to, from its non-sticky marker app settings.</summary>
    /// <param name="slot">Null for production.</param>
    Task<ReleaseMarker> ReadMarkerAsync(ManagedApp app, string? slot, CancellationToken cancellationToken);

    /// <summary>Writes the marker into the staging slot's app settings (keeping the others), non-sticky so it travels with a swap.</summary>
    Task StampMarkerAsync(ManagedApp app, ReleaseMarker marker, CancellationToken cancellationToken);
}

/// <summary>The release a slot's content belongs to; both null when no release of Blueshift put it there.</summary>
public sealed record ReleaseMarker(string? ReleaseId, string? Version)
{
    public const string ReleaseIdSetting = "BLUESHIFT_RELEASE_ID";
    public const string VersionSetting = "BLUESHIFT_RELEASE_VERSION";
}

public enum SlotOperationState
{
    Running,
    Succeeded,
    Failed,
}

/// <summary>Where a long operation stands; while running, poll <see cref="OperationUrl"/> (the latest one: it may change between polls).</summary>
public sealed record SlotOperation(SlotOperationState State, string? OperationUrl, string? Detail = null);
