using Blueshift.Functions.Apps;
using Blueshift.Functions.Azure.AppService;
using Blueshift.Functions.Azure.ResourceManager;

namespace Blueshift.Functions.Traffic.AppService;

/// <summary>The release's App Service operations over Azure Resource Manager (Microsoft.Web sites and slots).</summary>
internal sealed class ArmAppServiceSlots(WebSitesClient client) : IAppServiceSlots
{
    private static readonly string[] MarkerSettings = [ReleaseMarker.ReleaseIdSetting, ReleaseMarker.VersionSetting];

    public async Task<string> GetHostNameAsync(ManagedApp app, string? slot, CancellationToken cancellationToken)
    {
        var site = await client.GetSiteAsync(Slot(app, slot), cancellationToken);
        return site.DefaultHostName
            ?? throw new InvalidOperationException($"{Slot(app, slot)} reports no default host name; Blueshift cannot probe it.");
    }

    public Task SetStagingTrafficAsync(ManagedApp app, string stagingHost, int percent, CancellationToken cancellationToken) =>
        client.UpdateSiteConfigAsync(Production(app), new SiteConfigUpdate { RampUpRules = [new RampUpRule(app.StagingSlot, stagingHost, percent)] }, cancellationToken);

    public Task ClearRoutingAsync(ManagedApp app, CancellationToken cancellationToken) =>
        client.UpdateSiteConfigAsync(Production(app), new SiteConfigUpdate { RampUpRules = [] }, cancellationToken);

    public async Task<SlotOperation> StartDeployAsync(ManagedApp app, Uri package, CancellationToken cancellationToken) =>
        Map(await client.StartOneDeployAsync(Slot(app, app.StagingSlot), package, cancellationToken: cancellationToken));

    public async Task<SlotOperation> StartSwapAsync(ManagedApp app, CancellationToken cancellationToken) =>
        Map(await client.StartSwapAsync(Slot(app, app.StagingSlot), SiteId.ProductionSlotName, cancellationToken: cancellationToken));

    public async Task<SlotOperation> GetOperationAsync(ManagedApp app, string operationUrl, CancellationToken cancellationToken) =>
        Map(await client.GetOperationStatusAsync(operationUrl, cancellationToken));

    public async Task<ReleaseMarker> ReadMarkerAsync(ManagedApp app, string? slot, CancellationToken cancellationToken)
    {
        var settings = await client.ListAppSettingsAsync(Slot(app, slot), cancellationToken);
        return new ReleaseMarker(settings.GetValueOrDefault(ReleaseMarker.ReleaseIdSetting), settings.GetValueOrDefault(ReleaseMarker.VersionSetting));
    }

    public async Task StampMarkerAsync(ManagedApp app, ReleaseMarker marker, CancellationToken cancellationToken)
    {
        // A sticky marker would stay with its slot during a swap and tell nothing about where the content went.
        var sticky = await client.GetSlotConfigNamesAsync(Production(app), cancellationToken);
        if (sticky.AppSettingNames.Any(n => MarkerSettings.Contains(n, StringComparer.OrdinalIgnoreCase)))
        {
            await client.SetSlotConfigNamesAsync(Production(app), sticky with
            {
                AppSettingNames = [.. sticky.AppSettingNames.Where(n => !MarkerSettings.Contains(n, StringComparer.OrdinalIgnoreCase))],
            }, cancellationToken);
        }
        await client.UpdateAppSettingsAsync(Slot(app, app.StagingSlot), new Dictionary<string, string?>
        {
            [ReleaseMarker.ReleaseIdSetting] = marker.ReleaseId,
            [ReleaseMarker.VersionSetting] = marker.Version,
        }, cancellationToken);
    }

    private static SiteId Production(ManagedApp app) => SiteId.Parse(app.ResourceId).Production;

    private static SiteId Slot(ManagedApp app, string? slot) =>
        slot is null || slot.Equals(SiteId.ProductionSlotName, StringComparison.OrdinalIgnoreCase) ? Production(app) : Production(app).WithSlot(slot);

    private static SlotOperation Map(ArmOperation operation) => operation.Status switch
    {
        ArmOperationStatus.InProgress => new SlotOperation(SlotOperationState.Running, operation.OperationUrl),
        ArmOperationStatus.Succeeded => new SlotOperation(SlotOperationState.Succeeded, null),
        _ => new SlotOperation(SlotOperationState.Failed, null, operation.Error?.Code ?? "the operation failed"),
    };
}
