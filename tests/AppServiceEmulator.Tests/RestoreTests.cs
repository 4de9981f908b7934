using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;

namespace Blueshift.AppServiceEmulator.Tests;

/// <summary>Restoring a backup into a slot (a DR test), the restore faults, and stopping and starting a slot.</summary>
public sealed class RestoreTests : EmulatorTestBase
{
    private const string Storage = "https://example.blob.core.windows.net/backups?sig=secret";

    private async Task<(int Id, string Blob)> BackUpProductionAsync()
    {
        var backup = await Arm.JsonAsync(HttpMethod.Post, SitePath() + "/backup", new JsonObject { ["properties"] = new JsonObject { ["storageAccountUrl"] = Storage } });
        var id = backup["properties"]!["id"]!.GetValue<int>();
        Clock.Advance(TimeSpan.FromMinutes(1));
        var done = await Arm.JsonAsync(HttpMethod.Get, SitePath() + $"/backups/{id}");
        Assert.Equal("Succeeded", done["properties"]!["status"]!.GetValue<string>());
        return (id, done["properties"]!["blobName"]!.GetValue<string>());
    }

    private static JsonObject RestoreBody(string? blob = null, string siteName = "app", bool overwrite = true) => new()
    {
        ["properties"] = new JsonObject
        {
            ["storageAccountUrl"] = Storage,
            ["blobName"] = blob,
            ["overwrite"] = overwrite,
            ["siteName"] = siteName,
        },
    };

    [Fact]
    public async Task RestoreIntoSlot_ProductionBackup_PutsItsContentAndSettingsIntoTheSlotOnlyAndLeavesProductionAlone()
    {
        Emulator.SetAppSettings(Site.Production, new Dictionary<string, string> { ["Feature"] = "on" });
        var (id, blob) = await BackUpProductionAsync();
        Emulator.SetContent(Site.Production, new AppBehaviour("2.0.0"));
        Emulator.ArmCallLog.Clear();

        using var accepted = await Arm.SendAsync(HttpMethod.Post, SitePath("staging") + "/backups/0/restore", RestoreBody(blob));
        using var final = await Arm.PollLocationAsync(accepted);

        Assert.Equal(HttpStatusCode.Accepted, accepted.StatusCode);
        Assert.Equal(HttpStatusCode.OK, final.StatusCode);
        Assert.Equal("1.0.0", Site.Slot("staging").Version);
        Assert.Equal("on", Site.Slot("staging").AppSettings["Feature"]);
        Assert.Equal("2.0.0", Site.Production.Version);
        var restore = Assert.Single(Emulator.GetOperations(), o => o.Kind == OperationKind.Restore);
        Assert.Equal("staging", restore.Slot);
        Assert.DoesNotContain(Emulator.ArmCallLog.Snapshot(), c => c.Path.Contains("secret", StringComparison.Ordinal) || c.Query.Contains("secret", StringComparison.Ordinal));
    }

    [Fact]
    public async Task RestoreIntoSlot_IdOfABackupTheSlotDidNotMake_Answers404AndChangesNothing()
    {
        var (id, blob) = await BackUpProductionAsync();
        Emulator.SetContent(Site.Slot("staging"), new AppBehaviour("7.0.0"));

        using var refused = await Arm.SendAsync(HttpMethod.Post, SitePath("staging") + $"/backups/{id}/restore", RestoreBody(blob));

        Assert.Equal(HttpStatusCode.NotFound, refused.StatusCode);
        Assert.Equal("7.0.0", Site.Slot("staging").Version);
        Assert.DoesNotContain(Emulator.GetOperations(), o => o.Kind == OperationKind.Restore);
    }

    [Fact]
    public async Task RestoreIntoSlot_BackupZeroWithoutBlobName_Answers404()
    {
        await BackUpProductionAsync();

        using var refused = await Arm.SendAsync(HttpMethod.Post, SitePath("staging") + "/backups/0/restore", RestoreBody());

        Assert.Equal(HttpStatusCode.NotFound, refused.StatusCode);
        Assert.DoesNotContain(Emulator.GetOperations(), o => o.Kind == OperationKind.Restore);
    }

    [Fact]
    public async Task RestoreIntoSlot_BackupZeroWithBlobName_FindsTheBackupByItsBlob()
    {
        var (_, blob) = await BackUpProductionAsync();
        Emulator.SetContent(Site.Slot("staging"), new AppBehaviour("7.0.0"));

        using var accepted = await Arm.SendAsync(HttpMethod.Post, SitePath("staging") + "/backups/0/restore", RestoreBody(blob));
        using var final = await Arm.PollLocationAsync(accepted);

        Assert.Equal(HttpStatusCode.OK, final.StatusCode);
        Assert.Equal("1.0.0", Site.Slot("staging").Version);
    }

    [Theory]
    [InlineData("other-app", true, HttpStatusCode.BadRequest)]
    [InlineData("app", false, HttpStatusCode.Conflict)]
    public async Task Restore_IntoAnotherAppOrWithoutOverwrite_IsRefusedAndChangesNothing(string siteName, bool overwrite, HttpStatusCode expected)
    {
        var (id, blob) = await BackUpProductionAsync();
        Emulator.SetContent(Site.Slot("staging"), new AppBehaviour("7.0.0"));

        using var refused = await Arm.SendAsync(HttpMethod.Post, SitePath("staging") + "/backups/0/restore", RestoreBody(blob, siteName, overwrite));

        Assert.Equal(expected, refused.StatusCode);
        Assert.Equal("7.0.0", Site.Slot("staging").Version);
        Assert.DoesNotContain(Emulator.GetOperations(), o => o.Kind == OperationKind.Restore);
    }

    [Fact]
    public async Task UnhealthyRestoreFault_RestoreSucceeds_ButTheRestoredSlotsHealthPathAnswers503()
    {
        var (id, blob) = await BackUpProductionAsync();
        using var fault = await Arm.Http.PostAsJsonAsync("/_emulator/faults/restore", new { site = "app", unhealthy = true });

        using var accepted = await Arm.SendAsync(HttpMethod.Post, SitePath("staging") + "/backups/0/restore", RestoreBody(blob));
        using var final = await Arm.PollLocationAsync(accepted);
        using var client = new HttpClient();
        using var health = await client.GetAsync(new Uri(Site.Slot("staging").Endpoint, "/health"));
        using var productionHealth = await client.GetAsync(new Uri(Site.Production.DirectEndpoint, "/health"));

        Assert.Equal(HttpStatusCode.Created, fault.StatusCode);
        Assert.Equal(HttpStatusCode.OK, final.StatusCode);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, health.StatusCode);
        Assert.Equal(HttpStatusCode.OK, productionHealth.StatusCode);
        Assert.Empty(Emulator.Faults.PendingRestoreFaults());
    }

    [Fact]
    public async Task SlowRestoreFault_RestoreRunsItsDurationByTheClock_HoweverOftenItIsPolled()
    {
        var (id, blob) = await BackUpProductionAsync();
        Emulator.Faults.SlowNextRestore(TimeSpan.FromMinutes(10), "app");
        Emulator.SetContent(Site.Slot("staging"), new AppBehaviour("7.0.0"));

        using var accepted = await Arm.SendAsync(HttpMethod.Post, SitePath("staging") + "/backups/0/restore", RestoreBody(blob));
        for (var i = 0; i < 5; i++)
        {
            using var polled = await Arm.Http.GetAsync(accepted.Headers.Location);
            Assert.Equal(HttpStatusCode.Accepted, polled.StatusCode);
        }
        Clock.Advance(TimeSpan.FromMinutes(10));
        using var final = await Arm.Http.GetAsync(accepted.Headers.Location);

        Assert.Equal(HttpStatusCode.OK, final.StatusCode);
        Assert.Equal("1.0.0", Site.Slot("staging").Version);
    }

    [Theory]
    [InlineData("{}")]
    [InlineData("{\"unhealthy\":false}")]
    [InlineData("{\"durationSeconds\":-1}")]
    public async Task PostRestoreFault_NoEffectOrNegativeDuration_AnswersProblemDetailsAndAddsNothing(string body)
    {
        using var response = await Arm.Http.PostAsync("/_emulator/faults/restore", new StringContent(body, System.Text.Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Empty(Emulator.Faults.PendingRestoreFaults());
    }

    [Fact]
    public async Task StopAndStart_Slot_StoppedSlotAnswers403AndReportsStoppedUntilStarted()
    {
        using var client = new HttpClient();
        var health = new Uri(Site.Slot("staging").Endpoint, "/health");

        using var stop = await Arm.SendAsync(HttpMethod.Post, SitePath("staging") + "/stop");
        using var stopped = await client.GetAsync(health);
        var stoppedSite = await Arm.JsonAsync(HttpMethod.Get, SitePath("staging"));
        using var productionWhileStopped = await client.GetAsync(Site.FrontDoor);
        using var start = await Arm.SendAsync(HttpMethod.Post, SitePath("staging") + "/start");
        using var started = await client.GetAsync(health);

        Assert.Equal(HttpStatusCode.OK, stop.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, stopped.StatusCode);
        Assert.Equal("Stopped", stoppedSite["properties"]!["state"]!.GetValue<string>());
        Assert.Equal(HttpStatusCode.OK, productionWhileStopped.StatusCode);
        Assert.Equal(HttpStatusCode.OK, start.StatusCode);
        Assert.Equal(HttpStatusCode.OK, started.StatusCode);
        Assert.False(Site.Slot("staging").IsStopped);
    }
}
