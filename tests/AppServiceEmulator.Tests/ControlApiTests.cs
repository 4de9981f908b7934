using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;

namespace Blueshift.AppServiceEmulator.Tests;

public sealed class ControlApiTests : EmulatorTestBase
{
    private HttpClient Control => Arm.Http;

    [Fact]
    public async Task PostSites_ValidRequest_CreatesASiteServedOverArm()
    {
        using var created = await Control.PostAsJsonAsync("/_emulator/sites",
            new { name = "demo-app", subscriptionId = ArmTestClient.Subscription, resourceGroup = ArmTestClient.ResourceGroup, slots = new[] { "staging" }, package = new { version = "5.0.0" } });
        var site = await Arm.JsonAsync(HttpMethod.Get, ArmTestClient.SitePath("demo-app", "staging"));

        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        Assert.Equal("5.0.0", Emulator.GetSite(ArmTestClient.Subscription, ArmTestClient.ResourceGroup, "demo-app").Slot("staging").Version);
        Assert.Equal("demo-app/staging", site["name"]!.GetValue<string>());
    }

    [Fact]
    public async Task PostSites_BadErrorRate_AnswersProblemDetailsAndCreatesNothing()
    {
        using var response = await Control.PostAsJsonAsync("/_emulator/sites", new { name = "broken", package = new { errorRate = 3.0 } });

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Single(Emulator.Sites);
    }

    [Fact]
    public async Task PostFaults_Throttle_AppliesToTheNextArmCall()
    {
        using var added = await Control.PostAsJsonAsync("/_emulator/faults", new { kind = "throttle", pathPattern = "/sites/app$", count = 1, retryAfterSeconds = 3 });
        using var throttled = await Arm.SendAsync(HttpMethod.Get, SitePath());

        Assert.Equal(HttpStatusCode.Created, added.StatusCode);
        Assert.Equal(HttpStatusCode.TooManyRequests, throttled.StatusCode);
        Assert.Equal(TimeSpan.FromSeconds(3), throttled.Headers.RetryAfter?.Delta);
    }

    [Fact]
    public async Task PostLoad_Requests_SendsExactlyThatManyAndTheTrafficLogShowsThem()
    {
        var summary = await (await Control.PostAsJsonAsync("/_emulator/load", new { site = "app", requests = 25 })).Content.ReadFromJsonAsync<JsonObject>();
        var traffic = await Control.GetFromJsonAsync<JsonObject>("/_emulator/traffic?site=app");

        Assert.Equal(25, summary!["requests"]!.GetValue<int>());
        Assert.Equal(25, traffic!["records"]!.AsArray().Count);
        Assert.Equal("production", traffic["records"]![0]!["slot"]!.GetValue<string>());
    }

    [Fact]
    public async Task PackagesAndSwaps_ThroughControlApi_AreVisible()
    {
        using var sample = await Control.PostAsJsonAsync("/_emulator/packages/v2/sample", new { version = "2.0.0", healthCheck = "unhealthy" });
        var zip = await Control.GetByteArrayAsync("/_emulator/packages/v2");
        using var swap = await Arm.SendAsync(HttpMethod.Post, SitePath() + "/slotsswap", new JsonObject { ["targetSlot"] = "staging" });
        var swaps = await Control.GetFromJsonAsync<JsonArray>("/_emulator/swaps");

        Assert.Equal(HttpStatusCode.Created, sample.StatusCode);
        Assert.False(SamplePackage.Read(zip).Healthy);
        Assert.Equal("InProgress", swaps![0]!["status"]!.GetValue<string>());
        Assert.Equal("production", swaps[0]!["sourceSlot"]!.GetValue<string>());
    }

    [Fact]
    public async Task BackgroundLoad_BoundedByMaxRequests_StopsByItself()
    {
        var run = Emulator.Traffic.Start(Site, requestsPerSecond: 200, maxRequests: 20);

        await run.Completion.WaitAsync(TimeSpan.FromSeconds(30));

        Assert.False(run.IsRunning);
        Assert.Equal(20, run.Summary.Requests);
        Assert.Equal(20, Emulator.TrafficLog.Count);
    }

    [Fact]
    public async Task PostAndDeleteLoad_WithStandingLoad_LeaveTheStandingRunGoing()
    {
        var standing = Emulator.Traffic.StartUnbounded(Site, requestsPerSecond: 20);

        using var started = await Control.PostAsJsonAsync("/_emulator/load", new { site = "app", requestsPerSecond = 50, maxRequests = 1000 });
        using var stopped = await Control.DeleteAsync("/_emulator/load");
        var load = await Control.GetFromJsonAsync<JsonObject>("/_emulator/load");

        Assert.Equal(HttpStatusCode.Accepted, started.StatusCode);
        Assert.False(Emulator.Traffic.Current!.IsRunning);
        Assert.True(standing.IsRunning);
        Assert.Same(standing, Emulator.Traffic.Standing);
        Assert.True(load!["standing"]!.GetValue<bool>());
        Assert.True(load["running"]!.GetValue<bool>());
    }
}
