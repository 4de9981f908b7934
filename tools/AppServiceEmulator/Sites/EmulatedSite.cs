using System.Text.Json.Nodes;

namespace Blueshift.AppServiceEmulator;

/// <summary>What a slot runs: the deployed package's behaviour, swapped between slots as a unit.</summary>
internal sealed record SlotContent(AppBehaviour Behaviour, string DeploymentId, DateTimeOffset DeployedAt);

/// <summary>The latest OneDeploy on a slot and the version it carries (null when the package was unreadable).</summary>
internal sealed record DeploymentRecord(string Id, LongRunningOperation Operation, string? Version);

/// <summary>The last completed swap, as <c>properties.slotSwapStatus</c> reports it.</summary>
internal sealed record SlotSwapStatus(DateTimeOffset TimestampUtc, string SourceSlotName, string DestinationSlotName);

/// <summary>An emulated App Service site: a production slot behind a front door, and deployment slots.</summary>
public sealed class EmulatedSite
{
    public const string ProductionSlotName = "production";

    private readonly List<EmulatedSlot> _slots = [];

    internal EmulatedSite(string subscriptionId, string resourceGroup, string name, string location)
    {
        SubscriptionId = subscriptionId;
        ResourceGroup = resourceGroup;
        Name = name;
        Location = location;
        ResourceId = $"/subscriptions/{subscriptionId}/resourceGroups/{resourceGroup}/providers/Microsoft.Web/sites/{name}";
    }

    public string SubscriptionId { get; }
    public string ResourceGroup { get; }
    public string Name { get; }
    public string Location { get; }
    public string ResourceId { get; }

    /// <summary>The production host name (<c>127.0.0.1:{port}</c>): the front door that applies the routing rules.</summary>
    public string DefaultHostName => $"127.0.0.1:{FrontDoorPort}";

    /// <summary>http://{DefaultHostName}/ — where production traffic goes.</summary>
    public Uri FrontDoor => new($"http://{DefaultHostName}/");

    public EmulatedSlot Production => _slots[0];

    /// <summary>All slots, production first.</summary>
    public IReadOnlyList<EmulatedSlot> Slots => _slots;

    public EmulatedSlot Slot(string name) =>
        TryGetSlot(name, out var slot) ? slot : throw new KeyNotFoundException($"Site {Name} has no slot '{name}'.");

    public bool TryGetSlot(string name, out EmulatedSlot slot)
    {
        slot = _slots.FirstOrDefault(s => string.Equals(s.Name, name, StringComparison.OrdinalIgnoreCase))!;
        return slot is not null;
    }

    /// <summary>Names of the sticky (slot-specific) app settings: they stay with their slot on swap.</summary>
    public IReadOnlyList<string> StickyAppSettingNames
    {
        get { lock (Gate) { return [.. StickyAppSettings]; } }
    }

    internal object Gate { get; } = new();
    internal int FrontDoorPort { get; set; }
    internal long FrontDoorSequence;
    internal List<string> StickyAppSettings { get; set; } = [];
    internal List<string> StickyConnectionStrings { get; set; } = [];
    internal JsonObject? BackupConfig { get; set; }
    internal List<BackupRecord> Backups { get; } = [];
    internal LongRunningOperation? ActiveSwap { get; set; }
    internal SlotSwapStatus? LastSwap { get; set; }

    internal void AddSlot(EmulatedSlot slot) => _slots.Add(slot);

    /// <summary>The slot whose host name is <paramref name="host"/> (rampUpRules name slots by host).</summary>
    internal EmulatedSlot? SlotByHost(string host) =>
        _slots.FirstOrDefault(s => !s.IsProduction && string.Equals(s.DefaultHostName, host.Trim().TrimEnd('/'), StringComparison.OrdinalIgnoreCase));
}

/// <summary>One slot of an emulated site, served by its own listener (port) on 127.0.0.1.</summary>
public sealed class EmulatedSlot
{
    internal EmulatedSlot(EmulatedSite site, string name, SlotContent content)
    {
        Site = site;
        Name = name;
        Content = content;
    }

    public EmulatedSite Site { get; }

    /// <summary>"production" for the production slot, otherwise the slot's name.</summary>
    public string Name { get; }

    public bool IsProduction => Name == EmulatedSite.ProductionSlotName;

    public string ResourceId => IsProduction ? Site.ResourceId : $"{Site.ResourceId}/slots/{Name}";

    /// <summary>The slot's own listener, 127.0.0.1:{port}, which always serves this slot.</summary>
    public string DirectHostName => $"127.0.0.1:{Port}";

    /// <summary>ARM's <c>defaultHostName</c>: the front door for production, the slot's own listener otherwise.</summary>
    public string DefaultHostName => IsProduction ? Site.DefaultHostName : DirectHostName;

    public Uri Endpoint => new($"http://{DefaultHostName}/");

    public Uri DirectEndpoint => new($"http://{DirectHostName}/");

    /// <summary>The behaviour of the package the slot runs now.</summary>
    public AppBehaviour Behaviour
    {
        get { lock (Site.Gate) { return Content.Behaviour; } }
    }

    public string Version => Behaviour.Version;

    public IReadOnlyDictionary<string, string> AppSettings
    {
        get { lock (Site.Gate) { return new Dictionary<string, string>(Settings, StringComparer.Ordinal); } }
    }

    /// <summary>The health-check path the slot answers on: config/web's healthCheckPath, or /health.</summary>
    public string HealthCheckPath
    {
        get { lock (Site.Gate) { return WebConfig["healthCheckPath"]?.GetValue<string>() is { Length: > 0 } path ? path : "/health"; } }
    }

    /// <summary>False while a fault makes the slot unreachable: its listener then drops every request unanswered.</summary>
    public bool IsReachable
    {
        get { lock (Site.Gate) { return Reachable; } }
    }

    /// <summary>True while the slot is stopped (<c>POST stop</c>): its host answers 403, as a stopped App Service app does.</summary>
    public bool IsStopped
    {
        get { lock (Site.Gate) { return Stopped; } }
    }

    internal SlotContent Content { get; set; }
    internal bool Stopped { get; set; }
    internal Dictionary<string, string> Settings { get; set; } = new(StringComparer.Ordinal);
    internal JsonObject WebConfig { get; set; } = SiteConfigDefaults.Create();
    internal Dictionary<string, string>? SettingsBeforeApply { get; set; }
    internal DeploymentRecord? LatestDeployment { get; set; }
    internal bool Reachable { get; set; } = true;
    internal int Port { get; set; }
    internal long RequestSequence;
}
