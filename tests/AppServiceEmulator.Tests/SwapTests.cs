using System.Net;
using System.Text.Json.Nodes;

namespace Blueshift.AppServiceEmulator.Tests;

public sealed class SwapTests : EmulatorTestBase
{
    // Operations complete on the clock only, so a test decides when a swap finishes.
    protected override EmulatorOptions Options(ManualTimeProvider clock) => new()
    {
        TimeProvider = clock,
        SimulateLatency = false,
        OperationRetryAfter = TimeSpan.Zero,
        OperationPollsToComplete = int.MaxValue,
        OperationDuration = TimeSpan.FromSeconds(30),
    };

    private static JsonObject SwapBody(string target) => new() { ["targetSlot"] = target, ["preserveVnet"] = true };

    private async Task<HttpResponseMessage> StartSwapAsync()
    {
        var accepted = await Arm.SendAsync(HttpMethod.Post, SitePath("staging") + "/slotsswap", SwapBody("production"));
        Assert.Equal(HttpStatusCode.Accepted, accepted.StatusCode);
        return accepted;
    }

    [Fact]
    public async Task Swap_Completed_MovesContentAndNonStickySettingsAndKeepsStickyOnes()
    {
        Emulator.SetContent(Site.Slot("staging"), new AppBehaviour("2.0.0"));
        await Arm.JsonAsync(HttpMethod.Put, SitePath() + "/config/slotConfigNames",
            new JsonObject { ["properties"] = new JsonObject { ["appSettingNames"] = new JsonArray("SLOT_ROLE") } });
        await Arm.JsonAsync(HttpMethod.Put, SitePath() + "/config/appsettings",
            new JsonObject { ["properties"] = new JsonObject { ["SLOT_ROLE"] = "production", ["RELEASE_ID"] = "r1" } });
        await Arm.JsonAsync(HttpMethod.Put, SitePath("staging") + "/config/appsettings",
            new JsonObject { ["properties"] = new JsonObject { ["SLOT_ROLE"] = "staging", ["RELEASE_ID"] = "r2" } });

        using var accepted = await StartSwapAsync();
        Clock.Advance(TimeSpan.FromSeconds(30));
        using var final = await Arm.PollLocationAsync(accepted);
        var production = await Arm.JsonAsync(HttpMethod.Post, SitePath() + "/config/appsettings/list");
        var staging = await Arm.JsonAsync(HttpMethod.Post, SitePath("staging") + "/config/appsettings/list");
        var site = await Arm.JsonAsync(HttpMethod.Get, SitePath());

        Assert.Equal(HttpStatusCode.OK, final.StatusCode);
        Assert.Equal("2.0.0", Site.Production.Version);
        Assert.Equal("1.0.0", Site.Slot("staging").Version);
        Assert.Equal("r2", production["properties"]!["RELEASE_ID"]!.GetValue<string>());
        Assert.Equal("r1", staging["properties"]!["RELEASE_ID"]!.GetValue<string>());
        Assert.Equal("production", production["properties"]!["SLOT_ROLE"]!.GetValue<string>());
        Assert.Equal("staging", staging["properties"]!["SLOT_ROLE"]!.GetValue<string>());
        Assert.Equal("staging", site["properties"]!["slotSwapStatus"]!["sourceSlotName"]!.GetValue<string>());
        var record = Emulator.SwapLog.Snapshot().Single();
        Assert.Equal(("staging", "production", OperationStatus.Succeeded), (record.SourceSlot, record.TargetSlot, record.Status));
        Assert.Equal(Clock.GetUtcNow() - TimeSpan.FromSeconds(30), record.StartedAt);
        Assert.Equal(Clock.GetUtcNow(), record.CompletedAt);
        Assert.Contains(record.OperationId, accepted.Headers.Location!.ToString());
    }

    [Fact]
    public async Task Swap_WhileRunning_OperationStaysInProgressUntilTheClockPassesItsDuration()
    {
        using var accepted = await StartSwapAsync();
        var asyncOperation = accepted.Headers.GetValues("Azure-AsyncOperation").Single();

        var early = JsonNode.Parse(await Arm.Http.GetStringAsync(asyncOperation))!;
        using var stillRunning = await Arm.Http.GetAsync(accepted.Headers.Location);
        Clock.Advance(TimeSpan.FromSeconds(29));
        var almost = JsonNode.Parse(await Arm.Http.GetStringAsync(asyncOperation))!;
        Clock.Advance(TimeSpan.FromSeconds(1));
        var done = JsonNode.Parse(await Arm.Http.GetStringAsync(asyncOperation))!;

        Assert.Equal("InProgress", early["status"]!.GetValue<string>());
        Assert.Equal(HttpStatusCode.Accepted, stillRunning.StatusCode);
        Assert.True(stillRunning.Headers.Contains("Retry-After"));
        Assert.Equal("InProgress", almost["status"]!.GetValue<string>());
        Assert.Equal("Succeeded", done["status"]!.GetValue<string>());
    }

    [Fact]
    public async Task Swap_SecondWhileOneRuns_Answers409Conflict()
    {
        using var first = await StartSwapAsync();

        var conflict = await Arm.JsonAsync(HttpMethod.Post, SitePath() + "/slotsswap", SwapBody("staging"), expectedStatus: 409);
        Clock.Advance(TimeSpan.FromSeconds(30));
        Emulator.AdvanceOperations();
        using var afterwards = await Arm.SendAsync(HttpMethod.Post, SitePath() + "/slotsswap", SwapBody("staging"));

        Assert.Equal("Conflict", conflict["error"]!["code"]!.GetValue<string>());
        Assert.Equal(HttpStatusCode.Accepted, afterwards.StatusCode);
        Assert.Equal(2, Emulator.SwapLog.Snapshot().Count);
    }

    [Fact]
    public async Task Swap_UnderLoad_ProductionHostNeverFailsAndServesBothVersionsAcrossTheSwap()
    {
        Emulator.SetContent(Site.Slot("staging"), new AppBehaviour("2.0.0"));
        using var accepted = await StartSwapAsync();

        var load = Emulator.Traffic.SendAsync(Site, 3000, concurrency: 8);
        using (var waitForLoad = new CancellationTokenSource(TimeSpan.FromSeconds(30)))
        {
            while (Emulator.TrafficLog.Count < 300)
            {
                await Task.Delay(5, waitForLoad.Token);
            }
        }
        Clock.Advance(TimeSpan.FromSeconds(30));
        Emulator.AdvanceOperations();
        var during = await load;
        var after = await Emulator.Traffic.SendAsync(Site, 50);

        var record = Emulator.SwapLog.Snapshot().Single();
        var window = Emulator.TrafficLog.Snapshot().Where(r => r.Host == Site.DefaultHostName && r.Timestamp >= record.StartedAt).ToList();
        Assert.Equal(OperationStatus.Succeeded, record.Status);
        Assert.Equal(3050, window.Count);
        Assert.DoesNotContain(window, r => r.Status != 200);
        Assert.Equal(0, during.ServerErrors);
        Assert.Contains(window, r => r.Version == "1.0.0" && r.Timestamp < record.CompletedAt);
        Assert.Equal(50, after.ByVersion["2.0.0"]);
    }

    [Fact]
    public async Task ApplySlotConfig_ThenReset_TakesTheTargetsStickySettingsAndGivesThemBack()
    {
        Emulator.SetStickyAppSettings(Site, ["SLOT_ROLE"]);
        Emulator.SetAppSettings(Site.Production, new Dictionary<string, string> { ["SLOT_ROLE"] = "production" });
        Emulator.SetAppSettings(Site.Slot("staging"), new Dictionary<string, string> { ["SLOT_ROLE"] = "staging", ["A"] = "1" });

        using var applied = await Arm.SendAsync(HttpMethod.Post, SitePath("staging") + "/applySlotConfig", SwapBody("production"));
        var during = Site.Slot("staging").AppSettings;
        using var reset = await Arm.SendAsync(HttpMethod.Post, SitePath("staging") + "/resetSlotConfig");

        Assert.Equal(HttpStatusCode.OK, applied.StatusCode);
        Assert.Equal("production", during["SLOT_ROLE"]);
        Assert.Equal("1", during["A"]);
        Assert.Equal(HttpStatusCode.OK, reset.StatusCode);
        Assert.Equal("staging", Site.Slot("staging").AppSettings["SLOT_ROLE"]);
    }
}
