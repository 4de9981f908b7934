using System.Net;
using System.Text.Json.Nodes;

namespace Blueshift.AppServiceEmulator.Tests;

public sealed class ErrorAndFaultTests : EmulatorTestBase
{
    [Fact]
    public async Task Get_WithoutBearerToken_Answers401AuthenticationFailed()
    {
        using var anonymous = new HttpClient { BaseAddress = Emulator.ArmEndpoint };

        using var response = await anonymous.GetAsync(ArmTestClient.WithVersion(SitePath()));
        var body = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("AuthenticationFailed", body["error"]!["code"]!.GetValue<string>());
        Assert.NotEmpty(response.Headers.WwwAuthenticate);
        Assert.Equal(401, Emulator.ArmCallLog.Snapshot().Single().Status);
    }

    [Fact]
    public async Task Get_UnknownSite_Answers404ResourceNotFound()
    {
        var error = await Arm.JsonAsync(HttpMethod.Get, ArmTestClient.SitePath("no-such-app"), expectedStatus: 404);

        Assert.Equal("ResourceNotFound", error["error"]!["code"]!.GetValue<string>());
        Assert.Contains("no-such-app", error["error"]!["message"]!.GetValue<string>());
    }

    [Fact]
    public async Task Get_UnknownSlot_Answers404ResourceNotFound()
    {
        var error = await Arm.JsonAsync(HttpMethod.Get, SitePath("qa"), expectedStatus: 404);

        Assert.Equal("ResourceNotFound", error["error"]!["code"]!.GetValue<string>());
    }

    [Fact]
    public async Task Get_WithoutApiVersion_Answers400MissingApiVersionParameter()
    {
        using var response = await Arm.Http.GetAsync(SitePath());
        var body = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("MissingApiVersionParameter", body["error"]!["code"]!.GetValue<string>());
    }

    [Fact]
    public async Task ThrottleFault_NextMatchingCalls_Answer429WithRetryAfterThenRecover()
    {
        Emulator.Faults.ThrottleArm("/config/web$", count: 2, retryAfter: TimeSpan.FromSeconds(7), method: "GET");

        using var first = await Arm.SendAsync(HttpMethod.Get, SitePath() + "/config/web");
        using var other = await Arm.SendAsync(HttpMethod.Get, SitePath());
        using var second = await Arm.SendAsync(HttpMethod.Get, SitePath() + "/config/web");
        using var third = await Arm.SendAsync(HttpMethod.Get, SitePath() + "/config/web");

        Assert.Equal(HttpStatusCode.TooManyRequests, first.StatusCode);
        Assert.Equal(TimeSpan.FromSeconds(7), first.Headers.RetryAfter?.Delta);
        Assert.Equal("TooManyRequests", JsonNode.Parse(await first.Content.ReadAsStringAsync())!["error"]!["code"]!.GetValue<string>());
        Assert.Equal(HttpStatusCode.OK, other.StatusCode);
        Assert.Equal(HttpStatusCode.TooManyRequests, second.StatusCode);
        Assert.Equal(HttpStatusCode.OK, third.StatusCode);
        Assert.Equal([429, 200, 429, 200], Emulator.ArmCallLog.Snapshot().Select(c => c.Status));
    }

    [Fact]
    public async Task ServerErrorFault_NextCall_Answers503WithArmError()
    {
        Emulator.Faults.FailArm("slotsswap", count: 1, statusCode: 503);

        var error = await Arm.JsonAsync(HttpMethod.Post, SitePath("staging") + "/slotsswap", new JsonObject { ["targetSlot"] = "production" }, expectedStatus: 503);

        Assert.Equal("ServiceUnavailable", error["error"]!["code"]!.GetValue<string>());
        Assert.Empty(Emulator.SwapLog.Snapshot());
    }

    [Fact]
    public async Task FailedSwapOperation_Polled_ReportsFailedAndLeavesContentInPlace()
    {
        Emulator.SetContent(Site.Slot("staging"), new AppBehaviour("2.0.0"));
        Emulator.Faults.FailNextOperation(OperationKind.Swap, "app", "SwapFailed", "Warm-up of the source slot failed.");

        using var accepted = await Arm.SendAsync(HttpMethod.Post, SitePath("staging") + "/slotsswap", new JsonObject { ["targetSlot"] = "production", ["preserveVnet"] = true });
        var asyncOperation = accepted.Headers.GetValues("Azure-AsyncOperation").Single();
        using var final = await Arm.PollLocationAsync(accepted);
        var status = JsonNode.Parse(await Arm.Http.GetStringAsync(asyncOperation))!;

        Assert.Equal(HttpStatusCode.Accepted, accepted.StatusCode);
        Assert.Equal(HttpStatusCode.InternalServerError, final.StatusCode);
        Assert.Equal("SwapFailed", JsonNode.Parse(await final.Content.ReadAsStringAsync())!["error"]!["code"]!.GetValue<string>());
        Assert.Equal("Failed", status["status"]!.GetValue<string>());
        Assert.Equal("SwapFailed", status["error"]!["code"]!.GetValue<string>());
        Assert.Equal("1.0.0", Site.Production.Version);
        Assert.Equal("2.0.0", Site.Slot("staging").Version);
        Assert.Equal(OperationStatus.Failed, Emulator.SwapLog.Snapshot().Single().Status);
    }

    [Fact]
    public async Task UnreachableSlot_FrontDoorRoutesToIt_Answers502AndDirectRequestsGoUnanswered()
    {
        await Emulator.Faults.SetSlotReachableAsync(Site.Production, false);

        var summary = await Emulator.Traffic.SendAsync(Site, 5);
        var direct = await Emulator.Traffic.SendAsync(Site.Production.DirectEndpoint, 1);
        await Emulator.Faults.SetSlotReachableAsync(Site.Production, true);
        var recovered = await Emulator.Traffic.SendAsync(Site, 5);

        Assert.Equal(5, summary.ByStatus[502]);
        Assert.Equal(1, direct.ByStatus[0]);
        Assert.Equal(5, recovered.ByStatus[200]);
    }

    [Fact]
    public async Task Swap_SlotWithItself_Answers400()
    {
        var error = await Arm.JsonAsync(HttpMethod.Post, SitePath() + "/slotsswap", new JsonObject { ["targetSlot"] = "production" }, expectedStatus: 400);

        Assert.Equal("BadRequest", error["error"]!["code"]!.GetValue<string>());
    }
}
