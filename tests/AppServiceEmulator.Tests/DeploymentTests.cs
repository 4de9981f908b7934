using System.Net;
using System.Net.Http.Headers;
using System.Text.Json.Nodes;

namespace Blueshift.AppServiceEmulator.Tests;

public sealed class DeploymentTests : EmulatorTestBase
{
    private async Task<HttpResponseMessage> DeployZipAsync(byte[] package, string? slot = "staging")
    {
        using var request = new HttpRequestMessage(HttpMethod.Put, ArmTestClient.WithVersion(SitePath(slot) + "/extensions/onedeploy"))
        {
            Content = new ByteArrayContent(package),
        };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/zip");
        return await Arm.Http.SendAsync(request);
    }

    [Fact]
    public async Task OneDeploy_ZipBody_IsAcceptedThenSucceedsAndTheSlotServesTheNewVersion()
    {
        using var accepted = await DeployZipAsync(SamplePackage.Create("2.0.0"));
        var first = await Arm.JsonAsync(HttpMethod.Get, SitePath("staging") + "/extensions/onedeploy");
        var second = await Arm.JsonAsync(HttpMethod.Get, SitePath("staging") + "/extensions/onedeploy");
        using var client = new HttpClient();
        using var served = await client.GetAsync(Site.Slot("staging").Endpoint);

        Assert.Equal(HttpStatusCode.Accepted, accepted.StatusCode);
        Assert.NotNull(accepted.Headers.Location);
        Assert.Equal("InProgress", first["properties"]!["provisioningState"]!.GetValue<string>());
        Assert.Equal("Succeeded", second["properties"]!["provisioningState"]!.GetValue<string>());
        Assert.Equal("2.0.0", served.Headers.GetValues("x-app-version").Single());
        Assert.Equal("1.0.0", Site.Production.Version);
    }

    [Fact]
    public async Task OneDeploy_PackageUri_DownloadsTheHostedPackage()
    {
        var uri = Emulator.PutPackage("release-2", SamplePackage.Create("2.1.0", errorRate: 0.5));

        using var accepted = await Arm.SendAsync(HttpMethod.Put, SitePath("staging") + "/extensions/onedeploy",
            new JsonObject { ["properties"] = new JsonObject { ["packageUri"] = uri.ToString(), ["type"] = "zip" } });
        using var final = await Arm.PollLocationAsync(accepted);

        Assert.Equal(HttpStatusCode.OK, final.StatusCode);
        Assert.Equal(new AppBehaviour("2.1.0", ErrorRate: 0.5), Site.Slot("staging").Behaviour);
    }

    [Fact]
    public async Task OneDeploy_UnreadablePackage_FailsWithAClearStatusAndKeepsTheOldVersion()
    {
        using var accepted = await DeployZipAsync("not a zip"u8.ToArray());
        using var final = await Arm.PollLocationAsync(accepted);
        var status = await Arm.JsonAsync(HttpMethod.Get, SitePath("staging") + "/extensions/onedeploy");

        Assert.Equal(HttpStatusCode.Accepted, accepted.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, final.StatusCode);
        Assert.Equal("Failed", status["properties"]!["provisioningState"]!.GetValue<string>());
        Assert.Contains("not a readable zip", status["properties"]!["message"]!.GetValue<string>());
        Assert.Equal("1.0.0", Site.Slot("staging").Version);
    }

    [Fact]
    public async Task OneDeploy_PackageThatFailsStartup_FailsAndKeepsTheOldVersion()
    {
        using var accepted = await DeployZipAsync(SamplePackage.Create("2.0.0", failStartup: true));
        using var final = await Arm.PollLocationAsync(accepted);
        var error = JsonNode.Parse(await final.Content.ReadAsStringAsync())!;

        Assert.Equal("DeploymentFailed", error["error"]!["code"]!.GetValue<string>());
        Assert.Contains("did not start", error["error"]!["message"]!.GetValue<string>());
        Assert.Equal("1.0.0", Site.Slot("staging").Version);
    }

    [Fact]
    public async Task OneDeploy_MissingPackageUri_Answers400()
    {
        var error = await Arm.JsonAsync(HttpMethod.Put, SitePath("staging") + "/extensions/onedeploy",
            new JsonObject { ["properties"] = new JsonObject { ["type"] = "zip" } }, expectedStatus: 400);

        Assert.Equal("BadRequest", error["error"]!["code"]!.GetValue<string>());
        Assert.Null(Site.Slot("staging").AppSettings.GetValueOrDefault("x"));
    }

    [Fact]
    public async Task Restore_OfABackup_PutsBackTheBackedUpVersion()
    {
        var backup = await Arm.JsonAsync(HttpMethod.Post, SitePath() + "/backup",
            new JsonObject { ["properties"] = new JsonObject { ["storageAccountUrl"] = "https://example.blob.core.windows.net/backups?sig=secret" } });
        var id = backup["properties"]!["id"]!.GetValue<int>();
        await Arm.JsonAsync(HttpMethod.Get, SitePath() + $"/backups/{id}");
        await Arm.JsonAsync(HttpMethod.Get, SitePath() + $"/backups/{id}");
        Emulator.SetContent(Site.Production, new AppBehaviour("9.9.9"));

        using var accepted = await Arm.SendAsync(HttpMethod.Post, SitePath() + $"/backups/{id}/restore",
            new JsonObject { ["properties"] = new JsonObject { ["overwrite"] = true } });
        using var final = await Arm.PollLocationAsync(accepted);

        Assert.Equal(HttpStatusCode.OK, final.StatusCode);
        Assert.Equal("1.0.0", Site.Production.Version);
        Assert.DoesNotContain(Emulator.ArmCallLog.Snapshot(), c => c.Query.Contains("secret", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Restore_WithInjectedFailure_ReportsFailedOperation()
    {
        var backup = await Arm.JsonAsync(HttpMethod.Post, SitePath() + "/backup",
            new JsonObject { ["properties"] = new JsonObject { ["storageAccountUrl"] = "https://example.blob.core.windows.net/backups" } });
        var id = backup["properties"]!["id"]!.GetValue<int>();
        Clock.Advance(TimeSpan.FromMinutes(1));
        Emulator.Faults.FailNextOperation(OperationKind.Restore);

        using var accepted = await Arm.SendAsync(HttpMethod.Post, SitePath() + $"/backups/{id}/restore",
            new JsonObject { ["properties"] = new JsonObject { ["overwrite"] = true } });
        using var final = await Arm.PollLocationAsync(accepted);

        Assert.Equal(HttpStatusCode.InternalServerError, final.StatusCode);
        Assert.Contains(Emulator.GetOperations(), o => o.Kind == OperationKind.Restore && o.Status == OperationStatus.Failed);
    }
}
