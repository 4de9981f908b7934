using System.Net;
using System.Text.Json.Nodes;

namespace Blueshift.AppServiceEmulator.Tests;

public sealed class RoutingTests : EmulatorTestBase
{
    private async Task RouteToStagingAsync(double percentage)
    {
        var body = new JsonObject
        {
            ["properties"] = new JsonObject
            {
                ["experiments"] = new JsonObject
                {
                    ["rampUpRules"] = new JsonArray(new JsonObject
                    {
                        ["actionHostName"] = Site.Slot("staging").DefaultHostName,
                        ["reroutePercentage"] = percentage,
                        ["name"] = "staging",
                    }),
                },
            },
        };
        await Arm.JsonAsync(HttpMethod.Put, SitePath() + "/config/web", body);
    }

    [Fact]
    public async Task FrontDoor_TenPercentRule_RoutesTenPercentToStagingInTrafficLogAndMetrics()
    {
        Emulator.SetContent(Site.Slot("staging"), new AppBehaviour("2.0.0"));
        await RouteToStagingAsync(10);

        var summary = await Emulator.Traffic.SendAsync(Site, 2000, concurrency: 16);

        // The split is deterministic (a low-discrepancy sequence): any 2,000 consecutive requests are within ±2 of
        // 10 %; ±5 requests (0.25 points) is asserted. A random split would need binomial 4σ ≈ ±27 requests.
        var served = Emulator.TrafficLog.Snapshot().Where(r => r.Host == Site.DefaultHostName).ToList();
        var toStaging = served.Count(r => r.Slot == "staging");
        Assert.Equal(2000, served.Count);
        Assert.InRange(toStaging, 195, 205);
        Assert.All(served, r => Assert.Equal(r.Slot == "staging" ? "2.0.0" : "1.0.0", r.Version));
        Assert.Equal(toStaging, summary.ByVersion["2.0.0"]);

        var query = "/providers/Microsoft.Insights/metrics?metricnames=Requests,Http2xx&timespan=2026-01-05T09:00:00Z/2026-01-05T09:01:00Z&interval=PT1M&aggregation=Total";
        var staging = await Arm.JsonAsync(HttpMethod.Get, SitePath("staging") + query);
        var production = await Arm.JsonAsync(HttpMethod.Get, SitePath() + query);
        Assert.Equal(toStaging, Total(staging, 0));
        Assert.Equal(2000 - toStaging, Total(production, 0));
        Assert.Equal(toStaging, Total(staging, 1));
    }

    private static double Total(JsonObject metrics, int metric) =>
        metrics["value"]![metric]!["timeseries"]![0]!["data"]!.AsArray().Sum(p => p!["total"]!.GetValue<double>());

    [Fact]
    public async Task FrontDoor_RoutingNameQueryAndCookie_PinTheSlotLikeAzure()
    {
        Emulator.SetContent(Site.Slot("staging"), new AppBehaviour("2.0.0"));
        await RouteToStagingAsync(0);
        using var client = new HttpClient(new HttpClientHandler { UseCookies = false });

        using var forced = await client.GetAsync(new Uri(Site.FrontDoor, "/?x-ms-routing-name=staging"));
        using var pinned = new HttpRequestMessage(HttpMethod.Get, Site.FrontDoor);
        pinned.Headers.Add("Cookie", "x-ms-routing-name=staging");
        using var viaCookie = await client.SendAsync(pinned);
        using var self = await client.GetAsync(new Uri(Site.FrontDoor, "/?x-ms-routing-name=self"));

        Assert.Equal("2.0.0", forced.Headers.GetValues("x-app-version").Single());
        Assert.Contains(forced.Headers.GetValues("Set-Cookie"), c => c.StartsWith("x-ms-routing-name=staging", StringComparison.Ordinal));
        Assert.Equal("2.0.0", viaCookie.Headers.GetValues("x-app-version").Single());
        Assert.Equal("1.0.0", self.Headers.GetValues("x-app-version").Single());
    }

    [Fact]
    public async Task FrontDoor_WithRules_SetsTheRoutingCookieOfTheChosenSlot()
    {
        await RouteToStagingAsync(50);
        using var client = new HttpClient(new HttpClientHandler { UseCookies = false });

        var cookies = new List<string>();
        for (var i = 0; i < 4; i++)
        {
            using var response = await client.GetAsync(Site.FrontDoor);
            cookies.Add(response.Headers.GetValues("Set-Cookie").Single().Split(';')[0]);
        }

        Assert.Contains("x-ms-routing-name=self", cookies);
        Assert.Contains("x-ms-routing-name=staging", cookies);
    }

    [Fact]
    public async Task Slot_HealthPathAndErrorRate_AnswerAsThePackageSays()
    {
        Emulator.SetContent(Site.Slot("staging"), new AppBehaviour("3.0.0", ErrorRate: 0.25, Healthy: false));
        await Arm.JsonAsync(HttpMethod.Patch, SitePath("staging") + "/config/web", new JsonObject { ["properties"] = new JsonObject { ["healthCheckPath"] = "/ready" } });
        using var client = new HttpClient();

        var summary = await Emulator.Traffic.SendAsync(Site.Slot("staging").Endpoint, 400);
        using var health = await client.GetAsync(new Uri(Site.Slot("staging").Endpoint, "/ready"));

        Assert.Equal(100, summary.ByStatus[500]);
        Assert.Equal(300, summary.ByStatus[200]);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, health.StatusCode);
        Assert.True(Emulator.TrafficLog.Snapshot().Last().IsHealthCheck);
    }

    [Fact]
    public async Task HealthProbes_UnhealthyStaging_FeedHealthCheckStatusPerSlot()
    {
        Emulator.SetContent(Site.Slot("staging"), new AppBehaviour("2.0.0", Healthy: false));

        var results = await Emulator.Traffic.ProbeHealthAsync(Site);
        var query = "/providers/Microsoft.Insights/metrics?metricnames=HealthCheckStatus&timespan=2026-01-05T09:00:00Z/2026-01-05T09:01:00Z&interval=PT1M&aggregation=Average";
        var staging = await Arm.JsonAsync(HttpMethod.Get, SitePath("staging") + query);
        var production = await Arm.JsonAsync(HttpMethod.Get, SitePath() + query);

        Assert.Equal(503, results["staging"]);
        Assert.Equal(200, results["production"]);
        Assert.Equal(0.0, staging["value"]![0]!["timeseries"]![0]!["data"]![0]!["average"]!.GetValue<double>());
        Assert.Equal(100.0, production["value"]![0]!["timeseries"]![0]!["data"]![0]!["average"]!.GetValue<double>());
    }
}
