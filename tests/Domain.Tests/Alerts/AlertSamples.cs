using System.Text.Json.Nodes;
using Blueshift.Testing;

namespace Blueshift.Domain.Tests.Alerts;

/// <summary>The Azure Monitor samples in tests/Fixtures/alerts, as the webhook would deliver them.</summary>
internal static class AlertSamples
{
    public static string Folder => RepositoryPaths.InReference("alerts");

    /// <summary>
    /// Every sample, named here rather than found by listing the folder: a missing file then fails the tests that read it
    /// instead of quietly leaving it out (AlertSamplesTests checks that the folder holds exactly these).
    /// </summary>
    public static IReadOnlyList<string> FileNames { get; } =
    [
        "activity-log-administrative.json",
        "log-search-log-alerts-v2.json",
        "metric-dynamic-threshold-platform.json",
        "metric-static-threshold-platform.json",
        "sample-alert-payload.json",
        "test-action-activity-log.json",
        "test-action-log-v2.json",
        "test-action-metric-static-threshold.json",
    ];

    public static string Raw(string fileName) => File.ReadAllText(Path.Combine(Folder, fileName));

    /// <summary>The whole webhook body: the file itself, or (for alertContext-only samples) the file wrapped in an envelope.</summary>
    public static string Payload(string fileName)
    {
        var raw = Raw(fileName);
        var node = JsonNode.Parse(raw)!.AsObject();
        return node.ContainsKey("schemaId") ? raw : Envelope(node["alertContext"]!.ToJsonString());
    }

    public static string Envelope(string alertContextJson, string severity = "Sev1", string condition = "Fired", string target = "/subscriptions/s1/resourceGroups/rg/providers/Microsoft.Web/sites/shop") => $$"""
        {
          "schemaId": "azureMonitorCommonAlertSchema",
          "data": {
            "essentials": {
              "alertId": "/subscriptions/s1/providers/Microsoft.AlertsManagement/alerts/00000000-0000-0000-0000-000000000001",
              "alertRule": "shop-5xx",
              "severity": "{{severity}}",
              "signalType": "Metric",
              "monitorCondition": "{{condition}}",
              "monitoringService": "Platform",
              "alertTargetIDs": [ "{{target}}" ],
              "configurationItems": [ "shop" ],
              "originAlertId": "origin-1",
              "firedDateTime": "2026-11-19T22:30:00.000Z",
              "description": "5xx above 1 %",
              "essentialsVersion": "1.0",
              "alertContextVersion": "1.0"
            },
            "alertContext": {{alertContextJson}}
          }
        }
        """;
}
