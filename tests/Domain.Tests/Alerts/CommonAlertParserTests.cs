using System.Text.Json;
using System.Text.Json.Nodes;
using Blueshift.Domain.Alerts;

namespace Blueshift.Domain.Tests.Alerts;

public class CommonAlertParserTests
{
    private static CommonAlert Parsed(string json, AlertParserLimits? limits = null)
    {
        var result = CommonAlertParser.Parse(json, limits);
        var parsed = Assert.IsType<AlertParseResult.Parsed>(result);
        return parsed.Alert;
    }

    private static IReadOnlyList<AlertFieldError> Errors(string json, AlertParserLimits? limits = null)
    {
        var result = CommonAlertParser.Parse(json, limits);
        var invalid = Assert.IsType<AlertParseResult.Invalid>(result);
        Assert.NotEmpty(invalid.Errors);
        return invalid.Errors;
    }

    private static string Mutate(string json, Action<JsonObject> change)
    {
        var node = JsonNode.Parse(json)!.AsObject();
        change(node["data"]!["essentials"]!.AsObject());
        return node.ToJsonString();
    }

    [Fact]
    public void Parse_EveryReferenceSample_Parsed()
    {
        var names = AlertSamples.FileNames;

        Assert.Equal(8, names.Count);
        foreach (var name in names)
        {
            var result = CommonAlertParser.Parse(AlertSamples.Payload(name));
            Assert.True(result is AlertParseResult.Parsed, $"{name}: {result}");
        }
    }

    [Fact]
    public void Parse_SampleAlertPayload_AllEssentials()
    {
        var alert = Parsed(AlertSamples.Raw("sample-alert-payload.json"));

        Assert.Equal("/subscriptions/<subscription ID>/providers/Microsoft.AlertsManagement/alerts/aaaa0a0a-bb1b-cc2c-dd3d-eeeeee4e4e4e", alert.AlertId);
        Assert.Equal("WCUS-R2-Gen2", alert.AlertRule);
        Assert.Equal(AlertSeverity.Sev3, alert.Severity);
        Assert.Equal("Metric", alert.SignalType);
        Assert.Equal(MonitorCondition.Resolved, alert.MonitorCondition);
        Assert.Equal("Platform", alert.MonitoringService);
        Assert.Equal(["/subscriptions/<subscription ID>/resourcegroups/pipelinealertrg/providers/microsoft.compute/virtualmachines/wcus-r2-gen2"], alert.AlertTargetIds);
        Assert.Equal(["wcus-r2-gen2"], alert.ConfigurationItems);
        Assert.Equal("3f2d4487-b0fc-4125-8bd5-7ad17384221e_PipeLineAlertRG_microsoft.insights_metricAlerts_WCUS-R2-Gen2_-117781227", alert.OriginAlertId);
        Assert.Equal(new DateTimeOffset(2019, 3, 22, 13, 58, 24, TimeSpan.Zero).AddTicks(3713213), alert.FiredDateTime);
        Assert.Equal(new DateTimeOffset(2019, 3, 22, 14, 3, 16, TimeSpan.Zero).AddTicks(2246313), alert.ResolvedDateTime);
        Assert.Equal("", alert.Description);
        Assert.Equal("1.0", alert.EssentialsVersion);
        Assert.Equal("1.0", alert.AlertContextVersion);
        using var context = JsonDocument.Parse(alert.AlertContextJson!);
        Assert.Equal("SingleResourceMultipleMetricCriteria", context.RootElement.GetProperty("conditionType").GetString());
    }

    [Theory]
    [InlineData("test-action-activity-log.json", "test-activityLogAlertRule", "Activity Log", "Activity Log - Administrative", "/subscriptions/aaaa0a0a-bb1b-cc2c-dd3d-eeeeee4e4e4e/resourcegroups/test-RG/providers/microsoft.compute/virtualmachines/test-VM", "test-VM", "2025-04-15T11:26:21.386Z")]
    [InlineData("test-action-log-v2.json", "test-logAlertRule-v2", "Log", "Log Alerts V2", "/subscriptions/aaaa0a0a-bb1b-cc2c-dd3d-eeeeee4e4e4e/resourcegroups/test-RG/providers/microsoft.operationalinsights/workspaces/test-logAnalyticsWorkspace", "test-computer", "2025-04-15T18:08:03.626Z")]
    [InlineData("test-action-metric-static-threshold.json", "test-metricAlertRule", "Metric", "Platform", "/subscriptions/aaaa0a0a-bb1b-cc2c-dd3d-eeeeee4e4e4e/resourcegroups/test-RG/providers/microsoft.storage/storageaccounts/test-storageAccount", "test-storageAccount", "2025-04-15T18:17:12.851Z")]
    public void Parse_TestActionSamples_FiredSev4WithTarget(string file, string rule, string signalType, string service, string target, string configurationItem, string fired)
    {
        var alert = Parsed(AlertSamples.Raw(file));

        Assert.Equal(rule, alert.AlertRule);
        Assert.Equal(AlertSeverity.Sev4, alert.Severity);
        Assert.Equal(MonitorCondition.Fired, alert.MonitorCondition);
        Assert.Equal(signalType, alert.SignalType);
        Assert.Equal(service, alert.MonitoringService);
        Assert.Equal([target], alert.AlertTargetIds);
        Assert.Equal([configurationItem], alert.ConfigurationItems);
        Assert.Equal(DateTimeOffset.Parse(fired), alert.FiredDateTime);
        Assert.Null(alert.ResolvedDateTime);
        Assert.Equal("1.0", alert.EssentialsVersion);
        Assert.NotNull(alert.AlertContextJson);
    }

    [Theory]
    [InlineData("activity-log-administrative.json", "eventSource", "Administrative")]
    [InlineData("log-search-log-alerts-v2.json", "conditionType", "LogQueryCriteria")]
    [InlineData("metric-dynamic-threshold-platform.json", "conditionType", "DynamicThresholdCriteria")]
    [InlineData("metric-static-threshold-platform.json", "conditionType", "SingleResourceMultipleMetricCriteria")]
    public void Parse_AlertContextSamplesInEnvelope_ContextKeptVerbatim(string file, string property, string expected)
    {
        var alert = Parsed(AlertSamples.Payload(file));

        Assert.Equal(AlertSeverity.Sev1, alert.Severity);
        Assert.Equal(MonitorCondition.Fired, alert.MonitorCondition);
        using var context = JsonDocument.Parse(alert.AlertContextJson!);
        Assert.Equal(expected, context.RootElement.GetProperty(property).GetString());
        var original = JsonNode.Parse(AlertSamples.Raw(file))!["alertContext"]!;
        Assert.True(JsonNode.DeepEquals(original, JsonNode.Parse(alert.AlertContextJson!)));
    }

    [Fact]
    public void Parse_BudgetStyleNullEssentials_Parsed()
    {
        var json = Mutate(AlertSamples.Raw("test-action-metric-static-threshold.json"), e =>
        {
            foreach (var name in new[] { "alertRule", "signalType", "monitoringService", "alertTargetIDs", "configurationItems", "originAlertId", "firedDateTime", "resolvedDateTime", "description", "essentialsVersion", "alertContextVersion" })
            {
                e[name] = null;
            }
        });

        var alert = Parsed(json);

        Assert.Null(alert.AlertRule);
        Assert.Empty(alert.AlertTargetIds);
        Assert.Empty(alert.ConfigurationItems);
        Assert.Null(alert.FiredDateTime);
    }

    [Fact]
    public void Parse_NumbersWhereStringsExpected_ReadAsText()
    {
        var json = Mutate(AlertSamples.Raw("test-action-log-v2.json"), e =>
        {
            e["severity"] = 1;
            e["essentialsVersion"] = JsonNode.Parse("1.0");
            e["description"] = 42;
        });

        var alert = Parsed(json);

        Assert.Equal(AlertSeverity.Sev1, alert.Severity);
        Assert.Equal("1.0", alert.EssentialsVersion);
        Assert.Equal("42", alert.Description);
    }

    [Fact]
    public void Parse_ServiceHealthNumbersInContext_Parsed()
    {
        var alert = Parsed(AlertSamples.Envelope("""{ "channels": 1, "eventSource": 2, "level": 3, "properties": { "impactedServices": "[{\"ImpactedRegions\":[{\"RegionName\":\"West Europe\"}],\"ServiceName\":\"App Service\"}]" } }"""));

        Assert.Equal(["App Service"], alert.ImpactedServices);
    }

    [Fact]
    public void Parse_ImpactedServicesAsArray_Parsed()
    {
        var alert = Parsed(AlertSamples.Envelope("""{ "properties": { "impactedServices": [ { "ServiceName": "App Service" }, { "ServiceName": "Storage" } ] } }"""));

        Assert.Equal(["App Service", "Storage"], alert.ImpactedServices);
    }

    [Fact]
    public void Parse_ImpactedServicesUnreadable_IgnoredNotFatal()
    {
        var alert = Parsed(AlertSamples.Envelope("""{ "properties": { "impactedServices": "[{ not json" } }"""));

        Assert.Empty(alert.ImpactedServices);
    }

    [Theory]
    [InlineData("severity", "\"Sev9\"", "$.data.essentials.severity", "Sev0")]
    [InlineData("severity", "\"\"", "$.data.essentials.severity", "Sev0")]
    [InlineData("monitorCondition", "\"Exploded\"", "$.data.essentials.monitorCondition", "Fired")]
    [InlineData("alertId", "\"\"", "$.data.essentials.alertId", "empty")]
    [InlineData("alertId", "{}", "$.data.essentials.alertId", "an object")]
    [InlineData("alertTargetIDs", "\"/sites/x\"", "$.data.essentials.alertTargetIDs", "array")]
    [InlineData("alertTargetIDs", "[1, null]", "$.data.essentials.alertTargetIDs[1]", "null")]
    [InlineData("firedDateTime", "\"yesterday\"", "$.data.essentials.firedDateTime", "ISO 8601")]
    public void Parse_BadEssentialsField_PreciseError(string field, string valueJson, string path, string messagePart)
    {
        var json = Mutate(AlertSamples.Raw("test-action-metric-static-threshold.json"), e => e[field] = JsonNode.Parse(valueJson));

        var error = Assert.Single(Errors(json));

        Assert.Equal(path, error.Path);
        Assert.Contains(messagePart, error.Message);
    }

    [Fact]
    public void Parse_SeveralBadFields_AllReported()
    {
        var json = Mutate(AlertSamples.Raw("test-action-metric-static-threshold.json"), e =>
        {
            e.Remove("alertId");
            e["severity"] = "high";
        });

        Assert.Equal(["$.data.essentials.alertId", "$.data.essentials.severity"], Errors(json).Select(e => e.Path));
    }

    [Theory]
    [InlineData("", "$", "empty")]
    [InlineData("[]", "$", "object")]
    [InlineData("{\"schemaId\":\"azureMonitorCommonAlertSchema\"", "$", "not valid JSON")]
    [InlineData("{\"schemaId\":\"azureMonitorCommonAlertSchema\",\"data\":[]}", "$.data", "object")]
    [InlineData("{\"schemaId\":\"azureMonitorCommonAlertSchema\",\"data\":{}}", "$.data.essentials", "Required")]
    [InlineData("{\"schemaId\":\"Microsoft.Insights/activityLogs\",\"data\":{}}", "$.schemaId", "common alert schema")]
    [InlineData("{\"schemaId\":\"a\",\"schemaId\":\"b\"}", "$.schemaId", "The property 'schemaId' appears more than once.")]
    [InlineData("{\"schemaId\":\"a\",\"data\":{\"essentials\":{\"severity\":\"Sev1\",\"severity\":\"Sev4\"}}}", "$.data.essentials.severity", "The property 'severity' appears more than once.")]
    [InlineData("{\"data\":{\"alertContext\":{\"condition\":{\"allOf\":[{\"a\":1},{\"metricName\":\"x\",\"metricName\":\"y\"}]}}}}", "$.data.alertContext.condition.allOf[1].metricName", "'metricName' appears more than once")]
    [InlineData("{\"data\":{\"a b\":1,\"a b\":2}}", "$.data['a b']", "'a b' appears more than once")]
    public void Parse_BadEnvelope_PreciseError(string json, string path, string messagePart)
    {
        var error = Errors(json)[0];

        Assert.Equal(path, error.Path);
        Assert.Contains(messagePart, error.Message);
    }

    [Fact]
    public void Parse_TooManyTargets_Rejected()
    {
        var json = Mutate(AlertSamples.Raw("test-action-metric-static-threshold.json"),
            e => e["alertTargetIDs"] = new JsonArray(Enumerable.Range(0, 101).Select(i => (JsonNode)JsonValue.Create($"/t/{i}")).ToArray()));

        var error = Assert.Single(Errors(json));
        Assert.Contains("More than 100 entries (101)", error.Message);
    }

    [Fact]
    public void Parse_HugeString_RejectedWithoutEchoingIt()
    {
        var huge = new string('x', 5000);
        var json = Mutate(AlertSamples.Raw("test-action-metric-static-threshold.json"), e => e["alertRule"] = huge);

        var error = Assert.Single(Errors(json));
        Assert.Equal("$.data.essentials.alertRule", error.Path);
        Assert.Contains("Longer than 4096 characters (5000)", error.Message);
        Assert.DoesNotContain("xxxxxxxxxx", error.Message);
    }

    [Fact]
    public void Parse_DeepNesting_Rejected()
    {
        var deep = new string('[', 40) + new string(']', 40);
        var json = AlertSamples.Envelope($"{{ \"deep\": {deep} }}");

        var error = Assert.Single(Errors(json));
        Assert.Contains("deeper than 32 levels", error.Message);
    }

    [Fact]
    public void Parse_PayloadAboveLimit_Rejected()
    {
        var json = AlertSamples.Raw("test-action-log-v2.json");

        var error = Assert.Single(Errors(json, new AlertParserLimits(MaxPayloadBytes: 1000)));
        Assert.Contains("larger than 1000 bytes", error.Message);
    }

    [Fact]
    public void Parse_Utf8BytesWithByteOrderMark_Parsed()
    {
        byte[] bytes = [0xEF, 0xBB, 0xBF, .. System.Text.Encoding.UTF8.GetBytes(AlertSamples.Raw("test-action-log-v2.json"))];

        var result = CommonAlertParser.Parse(bytes);

        Assert.Equal("test-logAlertRule-v2", Assert.IsType<AlertParseResult.Parsed>(result).Alert.AlertRule);
    }

    [Fact]
    public void Parse_UnpairedSurrogateEscape_ErrorNotException()
    {
        var json = AlertSamples.Raw("test-action-log-v2.json").Replace("\"test-logAlertRule-v2\"", "\"bad\\ud800rule\"");

        var error = Assert.Single(Errors(json));
        Assert.Equal("$.data.essentials.alertRule", error.Path);
    }

    // A cost budget alert as Azure sends it: no severity, no target ids, no configuration items. Built here rather than read
    // from the reference samples, so the shape under test is on the page.
    private const string BudgetAlert = """
        {
          "schemaId": "azureMonitorCommonAlertSchema",
          "data": {
            "essentials": {
              "alertId": "/subscriptions/s1/providers/Microsoft.AlertsManagement/alerts/budget-1",
              "alertRule": "monthly-budget",
              "severity": null,
              "signalType": null,
              "monitorCondition": "Fired",
              "monitoringService": "CostAlerts",
              "alertTargetIDs": null,
              "configurationItems": null,
              "originAlertId": null,
              "firedDateTime": "2026-11-19T22:30:00Z",
              "description": "Budget at 90 %",
              "essentialsVersion": "1.0",
              "alertContextVersion": "1.0"
            },
            "alertContext": { "BudgetName": "monthly", "SpentAmount": "900" }
          }
        }
        """;

    [Fact]
    public void Parse_BudgetAlertWithNullSeverityAndTargets_ParsedWithoutThem()
    {
        var alert = Parsed(BudgetAlert);

        Assert.Null(alert.Severity);
        Assert.Equal("No-severity", alert.SeverityName);
        Assert.Empty(alert.AlertTargetIds);
        Assert.Empty(alert.ConfigurationItems);
        Assert.Equal("monthly-budget", alert.AlertRule);
    }

    [Fact]
    public void Parse_SeverityAbsent_ParsedWithoutSeverity()
    {
        var json = JsonNode.Parse(BudgetAlert)!;
        json["data"]!["essentials"]!.AsObject().Remove("severity");

        Assert.Null(Parsed(json.ToJsonString()).Severity);
    }

    [Theory]
    [InlineData(new byte[] { 0xC3, 0x28 })]
    [InlineData(new byte[] { 0xED, 0xA0, 0x80 })]
    [InlineData(new byte[] { 0xFF })]
    [InlineData(new byte[] { 0xF0, 0x9F, 0x98 })]
    public void Parse_InvalidUtf8_SaysTheBodyIsNotUtf8(byte[] invalid)
    {
        var text = System.Text.Encoding.UTF8.GetBytes(BudgetAlert);
        var at = BudgetAlert.IndexOf("monthly-budget", StringComparison.Ordinal);
        byte[] bytes = [.. text.AsSpan(0, at), .. invalid, .. text.AsSpan(at)];

        var result = CommonAlertParser.Parse(bytes);

        var error = Assert.Single(Assert.IsType<AlertParseResult.Invalid>(result).Errors);
        Assert.Equal("$", error.Path);
        Assert.Contains("not valid UTF-8", error.Message);
    }
}
