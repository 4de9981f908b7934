using System.Text.Json.Nodes;
using Blueshift.Testing;

namespace Blueshift.Functions.Tests.Alerts;

/// <summary>The Azure Monitor reference samples as webhook bodies, and the same bodies aimed at a managed app.</summary>
internal static class AlertPayloads
{
    public static IReadOnlyList<string> WholeSamples =>
        ["sample-alert-payload.json", "test-action-activity-log.json", "test-action-log-v2.json", "test-action-metric-static-threshold.json"];

    public static IReadOnlyList<string> ContextSamples =>
        ["activity-log-administrative.json", "log-search-log-alerts-v2.json", "metric-dynamic-threshold-platform.json", "metric-static-threshold-platform.json"];

    public static string Raw(string fileName) => File.ReadAllText(RepositoryPaths.InReference("alerts", fileName));

    /// <summary>
    /// A whole body: a whole sample as it is, or a context-only sample inside the envelope of <c>sample-alert-payload.json</c>;
    /// with <paramref name="target"/> the essentials are aimed at that resource.
    /// </summary>
    public static string Body(string fileName, string? target = null, string? severity = null, string? condition = null, string? alertId = null)
    {
        var sample = JsonNode.Parse(Raw(fileName))!.AsObject();
        JsonObject body;
        if (sample.ContainsKey("schemaId"))
        {
            body = sample;
        }
        else
        {
            body = JsonNode.Parse(Raw("sample-alert-payload.json"))!.AsObject();
            body["data"]!["alertContext"] = sample["alertContext"]!.DeepClone();
            var signal = fileName.StartsWith("activity", StringComparison.Ordinal) ? "Activity Log" : fileName.StartsWith("log", StringComparison.Ordinal) ? "Log" : "Metric";
            body["data"]!["essentials"]!["signalType"] = signal;
        }
        var essentials = body["data"]!["essentials"]!.AsObject();
        if (target is not null)
        {
            essentials["alertTargetIDs"] = new JsonArray(target);
        }
        if (severity is not null)
        {
            essentials["severity"] = severity;
        }
        if (condition is not null)
        {
            essentials["monitorCondition"] = condition;
        }
        if (alertId is not null)
        {
            essentials["alertId"] = alertId;
        }
        return body.ToJsonString();
    }

    public static string NewAlertId() => $"/subscriptions/{AlertWebhookHost.Subscription}/providers/Microsoft.AlertsManagement/alerts/{Guid.NewGuid()}";
}
