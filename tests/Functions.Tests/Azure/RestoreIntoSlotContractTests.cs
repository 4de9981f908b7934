using System.Text.Json.Nodes;
using Blueshift.Functions.Azure.AppService;
using Blueshift.Functions.Azure.ResourceManager;
using Xunit;

namespace Blueshift.Functions.Tests.Azure;

/// <summary>
/// Restoring a backup into a deployment slot (ARM's Restore Slot) and starting and stopping a slot, over real HTTP against
/// Microsoft's examples: the restore is posted on the slot's path with the backup's container and blob, and production
/// is never a target.
/// </summary>
public sealed class RestoreIntoSlotContractTests : IAsyncLifetime
{
    private static readonly SiteId Site = SiteId.Parse("/subscriptions/34adfa4f-cedf-4dc0-ba29-b6d1a69ab345/resourceGroups/testrg123/providers/Microsoft.Web/sites/sitef6141");
    private const string SitePath = "/subscriptions/34adfa4f-cedf-4dc0-ba29-b6d1a69ab345/resourceGroups/testrg123/providers/Microsoft.Web/sites/sitef6141";

    private ScriptedArmServer _server = null!;
    private WebSitesClient _client = null!;

    public async Task InitializeAsync()
    {
        _server = await ScriptedArmServer.StartAsync();
        _client = new WebSitesClient(new StaticTokenCredential("contract-test-token"), new AppServiceClientOptions { Endpoint = _server.Endpoint });
    }

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [Fact]
    public async Task StartRestoreIntoSlotAsync_BackupWithItsContainer_PostsRestoreSlotWithTheBackupsBlobAndOverwrite()
    {
        var backup = ReferenceExamples.Web("GetWebAppBackup.json");
        var properties = backup["responses"]!["200"]!["body"]!["properties"]!;
        var operationUrl = _server.Url("/subscriptions/34adfa4f-cedf-4dc0-ba29-b6d1a69ab345/providers/Microsoft.Web/sites/sitef6141/operationResults/62e4d893?api-version=2024-04-01");
        _server.RespondInOrder(
            new ScriptedResponse(200, ReferenceExamples.ResponseBody(backup, 200)),
            new ScriptedResponse(202, null, new Dictionary<string, string> { ["azure-asyncoperation"] = operationUrl }));

        var operation = await _client.StartRestoreIntoSlotAsync(Site, 12345, "dr");

        Assert.Equal(new ArmOperation(operationUrl, ArmOperationStatus.InProgress), operation);
        Assert.Equal(2, _server.Requests.Count);
        Assert.Equal(("GET", SitePath + "/backups/12345"), (_server.Requests[0].Method, _server.Requests[0].Path));
        var restore = _server.Requests[1];
        // A backup id belongs to the slot that made it: into another slot, the restore names the backup by its blob (backup 0).
        Assert.Equal(("POST", SitePath + "/slots/dr/backups/0/restore"), (restore.Method, restore.Path));
        var body = JsonNode.Parse(restore.Body)!["properties"]!;
        Assert.Equal(properties["storageAccountUrl"]!.GetValue<string>(), body["storageAccountUrl"]!.GetValue<string>());
        Assert.Equal("sitef6141_2024-04-01", body["blobName"]!.GetValue<string>());
        Assert.True(body["overwrite"]!.GetValue<bool>());
        Assert.Equal("sitef6141", body["siteName"]!.GetValue<string>());
        // The request has the fields of Microsoft's restore example, nothing of its own.
        var example = ReferenceExamples.Web("RestoreWebAppBackup.json")["parameters"]!["request"]!["properties"]!.AsObject();
        Assert.All(body.AsObject(), p => Assert.True(p.Key == "blobName" || example.ContainsKey(p.Key), p.Key));
    }

    [Fact]
    public async Task StartRestoreIntoSlotAsync_BackupWithoutItsContainer_TakesTheContainerFromTheBackupConfiguration()
    {
        var backup = ReferenceExamples.Web("GetWebAppBackup.json")["responses"]!["200"]!["body"]!.DeepClone();
        backup["properties"]!.AsObject().Remove("storageAccountUrl");
        _server.RespondInOrder(
            new ScriptedResponse(200, backup.ToJsonString()),
            ScriptedResponse.Json(200, """{"properties":{"storageAccountUrl":"https://configured.blob.core.windows.net/backups?sig=x","enabled":true}}"""),
            new ScriptedResponse(202, null, new Dictionary<string, string> { ["azure-asyncoperation"] = _server.Url("/subscriptions/s/providers/Microsoft.Web/sites/sitef6141/operationResults/1?api-version=2024-04-01") }));

        await _client.StartRestoreIntoSlotAsync(Site, 12345, "dr");

        Assert.Equal(("POST", SitePath + "/config/backup/list"), (_server.Requests[1].Method, _server.Requests[1].Path));
        Assert.Equal("https://configured.blob.core.windows.net/backups?sig=x", JsonNode.Parse(_server.Requests[2].Body)!["properties"]!["storageAccountUrl"]!.GetValue<string>());
    }

    [Theory]
    [InlineData("production")]
    [InlineData("Production")]
    public async Task StartRestoreIntoSlotAsync_Production_IsRefusedBeforeAnyCall(string slot)
    {
        await Assert.ThrowsAsync<ArgumentException>(() => _client.StartRestoreIntoSlotAsync(Site, 12345, slot));

        Assert.Empty(_server.Requests);
    }

    [Fact]
    public async Task StopAndStartAsync_Slot_PostStopAndStartOnTheSlot()
    {
        _server.RespondInOrder(new ScriptedResponse(200), new ScriptedResponse(200));

        await _client.StopAsync(Site.WithSlot("dr"));
        await _client.StartAsync(Site.WithSlot("dr"));

        Assert.Equal([("POST", SitePath + "/slots/dr/stop"), ("POST", SitePath + "/slots/dr/start")], _server.Requests.Select(r => (r.Method, r.Path)));
    }
}
