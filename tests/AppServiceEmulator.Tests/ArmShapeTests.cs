using System.Net;
using System.Text.Json.Nodes;

namespace Blueshift.AppServiceEmulator.Tests;

/// <summary>ARM responses have the shapes of Microsoft's examples in reference/arm-web and reference/arm-metrics.</summary>
public sealed class ArmShapeTests : IAsyncLifetime
{
    private readonly ManualTimeProvider _clock = new();
    private AppServiceEmulatorServer _emulator = null!;
    private ArmTestClient _arm = null!;
    private EmulatedSite _site = null!;

    public async Task InitializeAsync()
    {
        _emulator = await AppServiceEmulatorServer.StartAsync(new EmulatorOptions { TimeProvider = _clock, SimulateLatency = false });
        _arm = new ArmTestClient(_emulator);
        _site = await _emulator.CreateSiteAsync(ArmTestClient.Subscription, ArmTestClient.ResourceGroup, "sitef6141", ["staging"]);
    }

    public async Task DisposeAsync()
    {
        _arm.Dispose();
        await _emulator.DisposeAsync();
    }

    [Fact]
    public async Task GetSite_Production_HasTheShapeOfGetWebApp()
    {
        var site = await _arm.JsonAsync(HttpMethod.Get, ArmTestClient.SitePath("sitef6141"));

        // Only apps in a Container Apps environment carry a workload profile and resource config.
        var ignore = new HashSet<string> { "$.properties.workloadProfileName", "$.properties.resourceConfig" };
        Assert.Empty(JsonShape.Missing(JsonShape.LoadExample("arm-web", "GetWebApp.json", "responses", "200", "body"), site, ignore: ignore));
        Assert.Equal("Microsoft.Web/sites", site["type"]!.GetValue<string>());
        Assert.Equal(_site.DefaultHostName, site["properties"]!["defaultHostName"]!.GetValue<string>());
        Assert.Equal(_site.ResourceId, site["id"]!.GetValue<string>());
    }

    [Fact]
    public async Task GetSite_Slot_HasTheShapeOfGetWebAppSlot()
    {
        var slot = await _arm.JsonAsync(HttpMethod.Get, ArmTestClient.SitePath("sitef6141", "staging"));

        Assert.Empty(JsonShape.Missing(JsonShape.LoadExample("arm-web", "GetWebAppSlot.json", "responses", "200", "body"), slot));
        Assert.Equal("sitef6141/staging", slot["name"]!.GetValue<string>());
        Assert.Equal("Microsoft.Web/sites/slots", slot["type"]!.GetValue<string>());
        Assert.Equal(_site.Slot("staging").DirectHostName, slot["properties"]!["defaultHostName"]!.GetValue<string>());
    }

    [Fact]
    public async Task GetSiteConfig_Default_HasTheShapeOfGetSiteConfigWithRoutingRulesAndHealthPath()
    {
        var config = await _arm.JsonAsync(HttpMethod.Get, ArmTestClient.SitePath("sitef6141") + "/config/web");

        Assert.Empty(JsonShape.Missing(JsonShape.LoadExample("arm-web", "GetSiteConfig.json", "responses", "200", "body"), config));
        Assert.Empty(config["properties"]!["experiments"]!["rampUpRules"]!.AsArray());
        Assert.True(config["properties"]!.AsObject().ContainsKey("healthCheckPath"));
    }

    [Fact]
    public async Task UpdateSiteConfig_ExampleRequest_AnswersTheShapeOfTheExampleResponse()
    {
        var request = JsonShape.LoadExample("arm-web", "UpdateSiteConfig.json", "parameters", "siteConfig").DeepClone();

        var response = await _arm.JsonAsync(HttpMethod.Put, ArmTestClient.SitePath("sitef6141") + "/config/web", request);

        Assert.Empty(JsonShape.Missing(JsonShape.LoadExample("arm-web", "UpdateSiteConfig.json", "responses", "200", "body"), response));
    }

    [Fact]
    public async Task UpdateSiteConfig_RoutingRuleAndHealthPath_AreStoredAndReturned()
    {
        var stagingHost = _site.Slot("staging").DefaultHostName;
        var body = new JsonObject
        {
            ["properties"] = new JsonObject
            {
                ["healthCheckPath"] = "/healthz",
                ["experiments"] = new JsonObject
                {
                    ["rampUpRules"] = new JsonArray(new JsonObject { ["actionHostName"] = stagingHost, ["reroutePercentage"] = 25.0, ["name"] = "staging" }),
                },
            },
        };

        await _arm.JsonAsync(HttpMethod.Patch, ArmTestClient.SitePath("sitef6141") + "/config/web", body);
        var config = await _arm.JsonAsync(HttpMethod.Get, ArmTestClient.SitePath("sitef6141") + "/config/web");

        var rule = config["properties"]!["experiments"]!["rampUpRules"]![0]!;
        Assert.Equal(stagingHost, rule["actionHostName"]!.GetValue<string>());
        Assert.Equal(25.0, rule["reroutePercentage"]!.GetValue<double>());
        Assert.Equal("/healthz", config["properties"]!["healthCheckPath"]!.GetValue<string>());
        Assert.Equal("/healthz", _site.Production.HealthCheckPath);
    }

    [Fact]
    public async Task UpdateSiteConfig_RuleForAnUnknownHost_Answers400AndChangesNothing()
    {
        var body = new JsonObject
        {
            ["properties"] = new JsonObject
            {
                ["experiments"] = new JsonObject
                {
                    ["rampUpRules"] = new JsonArray(new JsonObject { ["actionHostName"] = "elsewhere.example", ["reroutePercentage"] = 10.0 }),
                },
            },
        };

        var error = await _arm.JsonAsync(HttpMethod.Put, ArmTestClient.SitePath("sitef6141") + "/config/web", body, expectedStatus: 400);
        var config = await _arm.JsonAsync(HttpMethod.Get, ArmTestClient.SitePath("sitef6141") + "/config/web");

        Assert.Equal("BadRequest", error["error"]!["code"]!.GetValue<string>());
        Assert.Contains("elsewhere.example", error["error"]!["message"]!.GetValue<string>());
        Assert.Empty(config["properties"]!["experiments"]!["rampUpRules"]!.AsArray());
    }

    [Fact]
    public async Task UpdateAppSettings_ExampleRequest_AnswersTheExampleResponseAndListReturnsIt()
    {
        var request = JsonShape.LoadExample("arm-web", "UpdateAppSettings.json", "parameters", "appSettings").DeepClone();
        var expected = JsonShape.LoadExample("arm-web", "UpdateAppSettings.json", "responses", "200", "body");

        var updated = await _arm.JsonAsync(HttpMethod.Put, ArmTestClient.SitePath("sitef6141") + "/config/appsettings", request);
        var listed = await _arm.JsonAsync(HttpMethod.Post, ArmTestClient.SitePath("sitef6141") + "/config/appsettings/list");

        Assert.Empty(JsonShape.Missing(expected, updated));
        Assert.Empty(JsonShape.Missing(JsonShape.LoadExample("arm-web", "ListAppSettings.json", "responses", "200", "body"), listed));
        Assert.True(JsonNode.DeepEquals(expected["properties"], listed["properties"]));
    }

    [Fact]
    public async Task ApplySlotConfig_ExampleRequest_Answers200()
    {
        var request = JsonShape.LoadExample("arm-web", "ApplySlotConfig.json", "parameters", "slotSwapEntity").DeepClone();

        using var response = await _arm.SendAsync(HttpMethod.Post, ArmTestClient.SitePath("sitef6141") + "/applySlotConfig", request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task Backup_ExampleRequests_HaveTheShapesOfTheBackupExamplesAndRestoreIsALongRunningOperation()
    {
        var backupRequest = JsonShape.LoadExample("arm-web", "BackupWebApp.json", "parameters", "request").DeepClone();

        var started = await _arm.JsonAsync(HttpMethod.Post, ArmTestClient.SitePath("sitef6141") + "/backup", backupRequest);
        _clock.Advance(TimeSpan.FromMinutes(1));
        var id = started["properties"]!["id"]!.GetValue<int>();
        var fetched = await _arm.JsonAsync(HttpMethod.Get, ArmTestClient.SitePath("sitef6141") + $"/backups/{id}");
        var listed = await _arm.JsonAsync(HttpMethod.Get, ArmTestClient.SitePath("sitef6141") + "/backups");
        using var restore = await _arm.SendAsync(HttpMethod.Post, ArmTestClient.SitePath("sitef6141") + $"/backups/{id}/restore",
            JsonShape.LoadExample("arm-web", "RestoreWebAppBackup.json", "parameters", "request").DeepClone());

        Assert.Empty(JsonShape.Missing(JsonShape.LoadExample("arm-web", "BackupWebApp.json", "responses", "200", "body"), started));
        Assert.Equal("InProgress", started["properties"]!["status"]!.GetValue<string>());
        Assert.Empty(JsonShape.Missing(JsonShape.LoadExample("arm-web", "GetWebAppBackup.json", "responses", "200", "body"), fetched));
        Assert.Equal("Succeeded", fetched["properties"]!["status"]!.GetValue<string>());
        Assert.Equal("2026-01-05T09:00:00.000Z", fetched["properties"]!["created"]!.GetValue<string>());
        Assert.Equal("2026-01-05T09:01:00.000Z", fetched["properties"]!["finishedTimeStamp"]!.GetValue<string>());
        Assert.Empty(JsonShape.Missing(JsonShape.LoadExample("arm-web", "ListWebAppBackups.json", "responses", "200", "body"), listed));
        Assert.Equal(HttpStatusCode.Accepted, restore.StatusCode);
        Assert.True(restore.Headers.Contains("Azure-AsyncOperation"));
    }

    [Fact]
    public async Task Metrics_RequestsAndResponseTime_HaveTheShapeOfGetMetric()
    {
        await _emulator.Traffic.SendAsync(_site, 10);

        var metrics = await _arm.JsonAsync(HttpMethod.Get, ArmTestClient.SitePath("sitef6141")
            + "/providers/Microsoft.Insights/metrics?metricnames=Requests,HttpResponseTime&timespan=2026-01-05T08:58:00Z/2026-01-05T09:02:00Z&interval=PT1M&aggregation=Total,Average,Count");

        var example = JsonShape.LoadExample("arm-metrics", "GetMetric.json", "responses", "200", "body");
        // Points carry the aggregations asked for (not the example's minimum/maximum), and, as in Azure, an empty
        // bucket (the first one here) has no average; the example is not split by a dimension.
        var ignore = new HashSet<string>
        {
            "$.value[0].timeseries[0].data[0].minimum", "$.value[0].timeseries[0].data[0].maximum",
            "$.value[0].timeseries[0].data[0].average", "$.value[0].timeseries[0].metadatavalues",
        };
        Assert.Empty(JsonShape.Missing(example, metrics, ignore: ignore));
        var requests = metrics["value"]![0]!;
        Assert.Equal("Requests", requests["name"]!["value"]!.GetValue<string>());
        Assert.Equal("Count", requests["unit"]!.GetValue<string>());
        var data = requests["timeseries"]![0]!["data"]!.AsArray();
        Assert.Equal(4, data.Count);
        Assert.Equal("2026-01-05T09:00:00Z", data[2]!["timeStamp"]!.GetValue<string>());
        Assert.Equal(10.0, data[2]!["total"]!.GetValue<double>());
        Assert.Equal(0.0, data[0]!["total"]!.GetValue<double>());
        Assert.Equal(1.0, data[2]!["average"]!.GetValue<double>());
        Assert.Null(data[0]!["average"]);
    }

    [Fact]
    public async Task Metrics_UnknownMetricName_Answers400BadRequest()
    {
        var error = await _arm.JsonAsync(HttpMethod.Get, ArmTestClient.SitePath("sitef6141") + "/providers/Microsoft.Insights/metrics?metricnames=Requests,CpuTime2",
            expectedStatus: 400);

        Assert.Equal("BadRequest", error["code"]!.GetValue<string>());
        Assert.Contains("CpuTime2", error["message"]!.GetValue<string>());
    }
}
