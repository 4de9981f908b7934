using System.Text.Json;
using Blueshift.Functions.Azure.ResourceManager;

namespace Blueshift.Functions.Azure.AppService;

/// <summary>
/// A routing rule of <c>siteConfig.experiments.rampUpRules</c>: sends <see cref="ReroutePercentage"/> percent of the
/// production slot's traffic to the slot whose host name is <see cref="ActionHostName"/>.
/// </summary>
/// <param name="Name">The rule name; App Service recommends the name of the slot that receives the traffic.</param>
/// <param name="ActionHostName">The host name of the slot that receives the traffic, e.g. <c>myapp-staging.azurewebsites.net</c>.</param>
/// <param name="ReroutePercentage">The share of traffic routed to <paramref name="ActionHostName"/>, 0–100.</param>
public sealed record RampUpRule(string Name, string ActionHostName, double ReroutePercentage)
{
    /// <summary>Automatic ramp-up: the step added to or removed from the percentage every <see cref="ChangeIntervalInMinutes"/>.</summary>
    public double? ChangeStep { get; init; }

    /// <summary>Automatic ramp-up: how often the percentage is re-evaluated.</summary>
    public int? ChangeIntervalInMinutes { get; init; }

    /// <summary>Automatic ramp-up: the lower bound of the percentage.</summary>
    public double? MinReroutePercentage { get; init; }

    /// <summary>Automatic ramp-up: the upper bound of the percentage.</summary>
    public double? MaxReroutePercentage { get; init; }

    /// <summary>Automatic ramp-up: a TiPCallback site extension URL that decides the next percentage.</summary>
    public string? ChangeDecisionCallbackUrl { get; init; }

    internal static RampUpRule FromJson(JsonElement element) =>
        new(element.GetString("name") ?? string.Empty, element.GetString("actionHostName") ?? string.Empty, element.GetDouble("reroutePercentage") ?? 0)
        {
            ChangeStep = element.GetDouble("changeStep"),
            ChangeIntervalInMinutes = (int?)element.GetInt64("changeIntervalInMinutes"),
            MinReroutePercentage = element.GetDouble("minReroutePercentage"),
            MaxReroutePercentage = element.GetDouble("maxReroutePercentage"),
            ChangeDecisionCallbackUrl = element.GetString("changeDecisionCallbackUrl"),
        };

    internal void WriteTo(Utf8JsonWriter writer)
    {
        writer.WriteStartObject();
        writer.WriteString("actionHostName", ActionHostName);
        writer.WriteNumber("reroutePercentage", ReroutePercentage);
        if (ChangeStep is { } step) writer.WriteNumber("changeStep", step);
        if (ChangeIntervalInMinutes is { } interval) writer.WriteNumber("changeIntervalInMinutes", interval);
        if (MinReroutePercentage is { } min) writer.WriteNumber("minReroutePercentage", min);
        if (MaxReroutePercentage is { } max) writer.WriteNumber("maxReroutePercentage", max);
        if (ChangeDecisionCallbackUrl is { } callback) writer.WriteString("changeDecisionCallbackUrl", callback);
        writer.WriteString("name", Name);
        writer.WriteEndObject();
    }
}

/// <summary>The parts of a site's <c>config/web</c> that Blueshift reads: health check path and traffic routing rules.</summary>
public sealed record SiteConfig
{
    /// <summary>The health check path App Service probes, e.g. <c>/health</c>; null when not configured.</summary>
    public string? HealthCheckPath { get; init; }

    /// <summary>The traffic routing rules (<c>experiments.rampUpRules</c>); empty when all traffic stays on this slot.</summary>
    public IReadOnlyList<RampUpRule> RampUpRules { get; init; } = [];

    internal static SiteConfig FromJson(JsonElement root)
    {
        var properties = root.GetObject("properties");
        var experiments = properties.GetObject("experiments");
        var rules = experiments.ValueKind == JsonValueKind.Object && experiments.TryGetProperty("rampUpRules", out var array) && array.ValueKind == JsonValueKind.Array
            ? array.EnumerateArray().Where(e => e.ValueKind == JsonValueKind.Object).Select(RampUpRule.FromJson).ToArray()
            : [];
        return new SiteConfig { HealthCheckPath = properties.GetString("healthCheckPath"), RampUpRules = rules };
    }
}

/// <summary>
/// A partial update of <c>config/web</c>, sent as PATCH so every setting Blueshift does not own stays as it is.
/// A null property is left unchanged.
/// </summary>
public sealed record SiteConfigUpdate
{
    /// <summary>The new health check path; null leaves it unchanged.</summary>
    public string? HealthCheckPath { get; init; }

    /// <summary>The complete new set of routing rules (an empty list routes all traffic to this slot); null leaves them unchanged.</summary>
    public IReadOnlyList<RampUpRule>? RampUpRules { get; init; }

    internal void WriteTo(Utf8JsonWriter writer)
    {
        writer.WriteStartObject();
        writer.WriteStartObject("properties");
        if (HealthCheckPath is not null)
        {
            writer.WriteString("healthCheckPath", HealthCheckPath);
        }
        if (RampUpRules is not null)
        {
            writer.WriteStartObject("experiments");
            writer.WriteStartArray("rampUpRules");
            foreach (var rule in RampUpRules)
            {
                rule.WriteTo(writer);
            }
            writer.WriteEndArray();
            writer.WriteEndObject();
        }
        writer.WriteEndObject();
        writer.WriteEndObject();
    }
}
