using System.Text.Json;
using Blueshift.Functions.Azure.ResourceManager;

namespace Blueshift.Functions.Azure.AppService;

/// <summary>An App Service app or deployment slot, as <c>GET …/sites/{name}[/slots/{slot}]</c> describes it.</summary>
public sealed record WebSite
{
    /// <summary>The site or slot id.</summary>
    public required SiteId Id { get; init; }

    /// <summary>The resource name: <c>{site}</c>, or <c>{site}/{slot}</c> for a slot.</summary>
    public required string Name { get; init; }

    /// <summary>The runtime state, e.g. <c>Running</c> or <c>Stopped</c>.</summary>
    public string? State { get; init; }

    /// <summary>Whether the app is enabled.</summary>
    public bool? Enabled { get; init; }

    /// <summary>The default host name, e.g. <c>myapp-staging.azurewebsites.net</c> (the <c>actionHostName</c> of a routing rule).</summary>
    public string? DefaultHostName { get; init; }

    /// <summary>All host names bound to the app.</summary>
    public IReadOnlyList<string> HostNames { get; init; } = [];

    /// <summary>The enabled host names, including the SCM (Kudu) host.</summary>
    public IReadOnlyList<string> EnabledHostNames { get; init; } = [];

    internal static WebSite FromJson(JsonElement root, SiteId requested)
    {
        var properties = root.GetObject("properties");
        return new WebSite
        {
            Id = SiteId.TryParse(root.GetString("id"), out var id) ? id : requested,
            Name = root.GetString("name") ?? (requested.SlotName is null ? requested.SiteName : $"{requested.SiteName}/{requested.SlotName}"),
            State = properties.GetString("state"),
            Enabled = properties.GetBoolean("enabled"),
            DefaultHostName = properties.GetString("defaultHostName"),
            HostNames = properties.GetStringArray("hostNames"),
            EnabledHostNames = properties.GetStringArray("enabledHostNames"),
        };
    }
}
