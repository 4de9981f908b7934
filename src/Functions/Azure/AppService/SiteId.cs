using System.Diagnostics.CodeAnalysis;

namespace Blueshift.Functions.Azure.AppService;

/// <summary>
/// The Azure Resource Manager id of an App Service app (the production slot) or of one of its deployment slots:
/// <c>/subscriptions/{s}/resourceGroups/{rg}/providers/Microsoft.Web/sites/{name}[/slots/{slot}]</c>.
/// Parsed and compared case-insensitively, as ARM does.
/// </summary>
public sealed class SiteId : IEquatable<SiteId>
{
    /// <summary>The name ARM uses for the production slot in swap requests (<c>targetSlot</c>).</summary>
    public const string ProductionSlotName = "production";

    /// <summary>Creates the id of an app's production slot, or of <paramref name="slotName"/> when given.</summary>
    public SiteId(string subscriptionId, string resourceGroupName, string siteName, string? slotName = null)
    {
        SubscriptionId = RequireSegment(subscriptionId, nameof(subscriptionId));
        ResourceGroupName = RequireSegment(resourceGroupName, nameof(resourceGroupName));
        SiteName = RequireSegment(siteName, nameof(siteName));
        SlotName = slotName is null || string.Equals(slotName, ProductionSlotName, StringComparison.OrdinalIgnoreCase)
            ? null
            : RequireSegment(slotName, nameof(slotName));
    }

    /// <summary>The subscription id.</summary>
    public string SubscriptionId { get; }

    /// <summary>The resource group name.</summary>
    public string ResourceGroupName { get; }

    /// <summary>The app (site) name.</summary>
    public string SiteName { get; }

    /// <summary>The deployment slot name, or null for the production slot.</summary>
    public string? SlotName { get; }

    /// <summary>True for the app itself (its production slot).</summary>
    public bool IsProduction => SlotName is null;

    /// <summary>The slot name as swap requests spell it: <see cref="ProductionSlotName"/> for production.</summary>
    public string SlotNameOrProduction => SlotName ?? ProductionSlotName;

    /// <summary>The production slot of the same app.</summary>
    public SiteId Production => IsProduction ? this : new SiteId(SubscriptionId, ResourceGroupName, SiteName);

    /// <summary>The id of another slot of the same app (<see cref="ProductionSlotName"/> gives the app itself).</summary>
    public SiteId WithSlot(string slotName) => new(SubscriptionId, ResourceGroupName, SiteName, slotName);

    /// <summary>Parses an App Service site or slot resource id; throws <see cref="FormatException"/> with the reason when it is not one.</summary>
    public static SiteId Parse(string resourceId) =>
        TryParse(resourceId, out var id, out var reason) ? id : throw new FormatException(reason);

    /// <summary>Parses an App Service site or slot resource id.</summary>
    public static bool TryParse([NotNullWhen(true)] string? resourceId, [NotNullWhen(true)] out SiteId? id) =>
        TryParse(resourceId, out id, out _);

    private static bool TryParse(string? resourceId, [NotNullWhen(true)] out SiteId? id, out string reason)
    {
        id = null;
        const string Expected = "expected /subscriptions/{subscriptionId}/resourceGroups/{resourceGroup}/providers/Microsoft.Web/sites/{name}[/slots/{slot}]";
        if (string.IsNullOrWhiteSpace(resourceId))
        {
            reason = $"The resource id is empty: {Expected}.";
            return false;
        }
        var segments = resourceId.Trim().Trim('/').Split('/');
        var shapeMatches = segments.Length is 8 or 10
            && Is(segments[0], "subscriptions")
            && Is(segments[2], "resourceGroups")
            && Is(segments[4], "providers")
            && Is(segments[5], "Microsoft.Web")
            && Is(segments[6], "sites")
            && (segments.Length == 8 || Is(segments[8], "slots"))
            && segments.All(s => s.Length > 0);
        if (!shapeMatches)
        {
            reason = $"'{Truncate(resourceId)}' is not an App Service site or slot id: {Expected}.";
            return false;
        }
        id = new SiteId(segments[1], segments[3], segments[7], segments.Length == 10 ? segments[9] : null);
        reason = string.Empty;
        return true;
    }

    /// <summary>The canonical resource id.</summary>
    public override string ToString() =>
        $"/subscriptions/{SubscriptionId}/resourceGroups/{ResourceGroupName}/providers/Microsoft.Web/sites/{SiteName}"
        + (SlotName is null ? string.Empty : $"/slots/{SlotName}");

    /// <inheritdoc />
    public bool Equals(SiteId? other) =>
        other is not null
        && string.Equals(SubscriptionId, other.SubscriptionId, StringComparison.OrdinalIgnoreCase)
        && string.Equals(ResourceGroupName, other.ResourceGroupName, StringComparison.OrdinalIgnoreCase)
        && string.Equals(SiteName, other.SiteName, StringComparison.OrdinalIgnoreCase)
        && string.Equals(SlotName, other.SlotName, StringComparison.OrdinalIgnoreCase);

    /// <inheritdoc />
    public override bool Equals(object? obj) => Equals(obj as SiteId);

    /// <inheritdoc />
    public override int GetHashCode() => StringComparer.OrdinalIgnoreCase.GetHashCode(ToString());

    /// <summary>Case-insensitive equality.</summary>
    public static bool operator ==(SiteId? left, SiteId? right) => left?.Equals(right) ?? right is null;

    /// <summary>Case-insensitive inequality.</summary>
    public static bool operator !=(SiteId? left, SiteId? right) => !(left == right);

    private static bool Is(string segment, string expected) => string.Equals(segment, expected, StringComparison.OrdinalIgnoreCase);

    private static string Truncate(string value) => value.Length <= 300 ? value : value[..300] + "…";

    private static string RequireSegment(string value, string name)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(value, name);
        if (value.Contains('/') || value.Contains('?') || value.Contains('#') || value.Trim() != value)
        {
            throw new ArgumentException($"'{Truncate(value)}' is not a valid resource name segment.", name);
        }
        return value;
    }
}
