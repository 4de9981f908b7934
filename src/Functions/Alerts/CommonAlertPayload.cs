using System.ComponentModel;
using System.ComponentModel.DataAnnotations;
using System.Text.Json;
using System.Text.Json.Serialization;
using Blueshift.Domain.Alerts;

namespace Blueshift.Functions.Alerts;

/// <summary>
/// The webhook's body in the OpenAPI document: the Azure Monitor common alert schema envelope that action groups send when
/// the common alert schema is enabled. <see cref="CommonAlertParser"/> reads the body; these types only describe it.
/// </summary>
[Description("An Azure Monitor alert in the common alert schema (enable it on the action group).")]
public sealed class CommonAlertPayload
{
    [Description("Always 'azureMonitorCommonAlertSchema'.")]
    [RegularExpression("^" + CommonAlertParser.SchemaId + "$")]
    public required string SchemaId { get; init; }

    public required CommonAlertData Data { get; init; }
}

public sealed class CommonAlertData
{
    public required CommonAlertEssentials Essentials { get; init; }

    [Description("Signal-specific details (metric, log search, activity log, service health, …); their shape varies with signal type and alertContextVersion. Kept verbatim for the audit trail.")]
    public Dictionary<string, JsonElement>? AlertContext { get; init; }

    [Description("Custom properties of the alert processing rule, if any.")]
    public Dictionary<string, string>? CustomProperties { get; init; }
}

[Description("What every alert carries, whatever its signal type.")]
public sealed class CommonAlertEssentials
{
    [Description("The alert instance's resource id; with monitorCondition it identifies a delivery, so redeliveries are answered once.")]
    public required string AlertId { get; init; }

    [Description("The alert rule's name.")]
    public string? AlertRule { get; init; }

    [Description("Sev0 to Sev4; null or absent in some alerts (cost budgets, for instance), which are acknowledged and never roll a release back.")]
    [JsonConverter(typeof(JsonStringEnumConverter<AlertSeverity>))]
    public AlertSeverity? Severity { get; init; }

    [Description("Metric, Log, Activity Log, …")]
    public string? SignalType { get; init; }

    [JsonConverter(typeof(JsonStringEnumConverter<MonitorCondition>))]
    public required MonitorCondition MonitorCondition { get; init; }

    [Description("Platform, Log Analytics, Application Insights, ActivityLog Administrative, ServiceHealth, …")]
    public string? MonitoringService { get; init; }

    [Description("Resource ids of the alert's targets; an App Service site or slot of a managed app routes the alert to that app.")]
    [JsonPropertyName("alertTargetIDs")]
    public IReadOnlyList<string>? AlertTargetIds { get; init; }

    public IReadOnlyList<string>? ConfigurationItems { get; init; }

    public string? OriginAlertId { get; init; }

    public DateTimeOffset? FiredDateTime { get; init; }

    public DateTimeOffset? ResolvedDateTime { get; init; }

    public string? Description { get; init; }

    public string? EssentialsVersion { get; init; }

    public string? AlertContextVersion { get; init; }
}
