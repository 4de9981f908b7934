using System.Text.Json.Nodes;
using Azure.Core;
using Blueshift.Functions.Azure.AppService;
using Blueshift.Functions.Azure.ResourceManager;
using Xunit;

namespace Blueshift.Functions.Tests.Azure;

/// <summary>
/// The App Service client against Microsoft's official REST examples, over real HTTP: the bodies it sends match the
/// examples' parameters and it parses every example response.
/// </summary>
public sealed class AppServiceContractTests : IAsyncLifetime
{
    private static readonly SiteId Site = SiteId.Parse("/subscriptions/34adfa4f-cedf-4dc0-ba29-b6d1a69ab345/resourceGroups/testrg123/providers/Microsoft.Web/sites/sitef6141");
    private const string SitePath = "/subscriptions/34adfa4f-cedf-4dc0-ba29-b6d1a69ab345/resourceGroups/testrg123/providers/Microsoft.Web/sites/sitef6141";
    private const string Token = "contract-test-token";

    private ScriptedArmServer _server = null!;
    private WebSitesClient _client = null!;

    public async Task InitializeAsync()
    {
        _server = await ScriptedArmServer.StartAsync();
        _client = new WebSitesClient(new StaticTokenCredential(Token), new AppServiceClientOptions { Endpoint = _server.Endpoint });
    }

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [Fact]
    public async Task GetSiteAsync_GetWebAppExample_ParsesSiteAndSendsBearerToken()
    {
        _server.RespondInOrder(new ScriptedResponse(200, ReferenceExamples.ResponseBody(ReferenceExamples.Web("GetWebApp.json"), 200)));

        var site = await _client.GetSiteAsync(Site);

        Assert.Equal(Site, site.Id);
        Assert.Equal("sitef6141", site.Name);
        Assert.Equal("Running", site.State);
        Assert.True(site.Enabled);
        Assert.Equal("sitef6141.azurewebsites.net", site.DefaultHostName);
        Assert.Equal(["sitef6141.azurewebsites.net", "sitef6141.scm.azurewebsites.net"], site.EnabledHostNames);
        var request = Assert.Single(_server.Requests);
        Assert.Equal("GET", request.Method);
        Assert.Equal(SitePath, request.Path);
        Assert.Equal("2024-04-01", request.Query["api-version"]);
        Assert.Equal("Bearer " + Token, request.Header("Authorization"));
    }

    [Theory]
    [InlineData("GetWebAppSlot.json", 200)]
    [InlineData("CreateOrUpdateWebAppSlot.json", 200)]
    [InlineData("CreateOrUpdateWebAppSlot.json", 202)]
    public async Task GetSiteAsync_SlotExamples_ParsesSlot(string example, int status)
    {
        _server.RespondInOrder(new ScriptedResponse(200, ReferenceExamples.ResponseBody(ReferenceExamples.Web(example), status)));

        var slot = await _client.GetSiteAsync(Site.WithSlot("staging"));

        Assert.Equal(Site.WithSlot("staging"), slot.Id);
        Assert.Equal("staging", slot.Id.SlotName);
        Assert.Equal("sitef6141/staging", slot.Name);
        Assert.Contains("sitef6141-staging.azurewebsites.net", slot.EnabledHostNames);
        Assert.Equal(SitePath + "/slots/staging", Assert.Single(_server.Requests).Path);
    }

    [Fact]
    public async Task GetSiteAsync_MissingSite_ThrowsWith404()
    {
        _server.RespondInOrder(ScriptedResponse.Json(404, """{"error":{"code":"ResourceNotFound","message":"The Resource 'Microsoft.Web/sites/sitef6141' was not found."}}"""));

        var error = await Assert.ThrowsAsync<global::Azure.RequestFailedException>(() => _client.GetSiteAsync(Site));

        Assert.Equal(404, error.Status);
        Assert.Equal("ResourceNotFound", error.ErrorCode);
        Assert.Contains("was not found", error.Message);
    }

    [Fact]
    public async Task GetSiteConfigAsync_GetSiteConfigExample_ParsesWithoutRules()
    {
        _server.RespondInOrder(new ScriptedResponse(200, ReferenceExamples.ResponseBody(ReferenceExamples.Web("GetSiteConfig.json"), 200)));

        var config = await _client.GetSiteConfigAsync(Site);

        Assert.Null(config.HealthCheckPath);
        Assert.Empty(config.RampUpRules);
        Assert.Equal(SitePath + "/config/web", Assert.Single(_server.Requests).Path);
    }

    [Fact]
    public async Task GetSiteConfigAsync_ExampleWithRampUpRules_ParsesEveryRuleField()
    {
        var body = ReferenceExamples.Web("GetSiteConfig.json")["responses"]!["200"]!["body"]!.DeepClone();
        body["properties"]!["healthCheckPath"] = "/health";
        body["properties"]!["experiments"] = JsonNode.Parse("""
            {"rampUpRules":[{"actionHostName":"sitef6141-staging.azurewebsites.net","reroutePercentage":12.5,"changeStep":5,
              "changeIntervalInMinutes":10,"minReroutePercentage":1,"maxReroutePercentage":50,
              "changeDecisionCallbackUrl":"https://example.invalid/decide","name":"staging"}]}
            """);
        _server.RespondInOrder(new ScriptedResponse(200, body.ToJsonString()));

        var config = await _client.GetSiteConfigAsync(Site);

        Assert.Equal("/health", config.HealthCheckPath);
        var rule = Assert.Single(config.RampUpRules);
        Assert.Equal(new RampUpRule("staging", "sitef6141-staging.azurewebsites.net", 12.5)
        {
            ChangeStep = 5, ChangeIntervalInMinutes = 10, MinReroutePercentage = 1, MaxReroutePercentage = 50,
            ChangeDecisionCallbackUrl = "https://example.invalid/decide",
        }, rule);
    }

    [Fact]
    public async Task UpdateSiteConfigAsync_RampUpRules_PatchesOnlyOwnedFieldsInExampleEnvelope()
    {
        var example = ReferenceExamples.Web("UpdateSiteConfig.json");
        _server.RespondInOrder(new ScriptedResponse(200, ReferenceExamples.ResponseBody(example, 200)));

        var config = await _client.UpdateSiteConfigAsync(Site, new SiteConfigUpdate
        {
            HealthCheckPath = "/health",
            RampUpRules = [new RampUpRule("staging", "sitef6141-staging.azurewebsites.net", 10)],
        });

        Assert.Empty(config.RampUpRules);
        var request = Assert.Single(_server.Requests);
        Assert.Equal("PATCH", request.Method);
        Assert.Equal(SitePath + "/config/web", request.Path);
        Assert.Equal("2024-04-01", request.Query["api-version"]);
        var sent = JsonNode.Parse(request.Body)!.AsObject();
        var exampleBody = example["parameters"]!["siteConfig"]!.AsObject();
        Assert.Equal(exampleBody.Select(p => p.Key), sent.Select(p => p.Key));
        Assert.True(ReferenceExamples.JsonEquals(request.Body, JsonNode.Parse("""
            {"properties":{"healthCheckPath":"/health","experiments":{"rampUpRules":[
              {"actionHostName":"sitef6141-staging.azurewebsites.net","reroutePercentage":10,"name":"staging"}]}}}
            """)!), request.Body);
    }

    [Fact]
    public async Task UpdateSiteConfigAsync_PercentageOver100_ThrowsWithoutSending()
    {
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => _client.UpdateSiteConfigAsync(Site, new SiteConfigUpdate
        {
            RampUpRules = [new RampUpRule("staging", "sitef6141-staging.azurewebsites.net", 101)],
        }));

        Assert.Empty(_server.Requests);
    }

    [Fact]
    public async Task ListAppSettingsAsync_ListAppSettingsExample_ParsesSettings()
    {
        _server.RespondInOrder(new ScriptedResponse(200, ReferenceExamples.ResponseBody(ReferenceExamples.Web("ListAppSettings.json"), 200)));

        var settings = await _client.ListAppSettingsAsync(Site);

        Assert.Equal(new Dictionary<string, string> { ["Setting1"] = "Value1", ["Setting2"] = "Value2" }, settings);
        var request = Assert.Single(_server.Requests);
        Assert.Equal("POST", request.Method);
        Assert.Equal(SitePath + "/config/appsettings/list", request.Path);
    }

    [Fact]
    public async Task ReplaceAppSettingsAsync_UpdateAppSettingsExample_SendsExampleBody()
    {
        var example = ReferenceExamples.Web("UpdateAppSettings.json");
        _server.RespondInOrder(new ScriptedResponse(200, ReferenceExamples.ResponseBody(example, 200)));

        var settings = await _client.ReplaceAppSettingsAsync(Site, new Dictionary<string, string> { ["Setting1"] = "Value1", ["Setting2"] = "Value2" });

        Assert.Equal(2, settings.Count);
        var request = Assert.Single(_server.Requests);
        Assert.Equal("PUT", request.Method);
        Assert.Equal(SitePath + "/config/appsettings", request.Path);
        Assert.True(ReferenceExamples.JsonEquals(request.Body, example["parameters"]!["appSettings"]!), request.Body);
    }

    [Fact]
    public async Task SetAppSettingAsync_ExistingSettings_WritesBackEveryOtherSetting()
    {
        _server.Respond(request => request.Path.EndsWith("/list", StringComparison.Ordinal)
            ? new ScriptedResponse(200, ReferenceExamples.ResponseBody(ReferenceExamples.Web("ListAppSettings.json"), 200))
            : new ScriptedResponse(200, JsonNode.Parse(request.Body)!.ToJsonString()));

        var settings = await _client.SetAppSettingAsync(Site.WithSlot("staging"), "BLUESHIFT_RELEASE_ID", "rel-42");

        Assert.Equal(3, settings.Count);
        var put = _server.Requests.Single(r => r.Method == "PUT");
        Assert.Equal(SitePath + "/slots/staging/config/appsettings", put.Path);
        Assert.True(ReferenceExamples.JsonEquals(put.Body, JsonNode.Parse("""
            {"properties":{"Setting1":"Value1","Setting2":"Value2","BLUESHIFT_RELEASE_ID":"rel-42"}}
            """)!), put.Body);
    }

    [Fact]
    public async Task UpdateAppSettingsAsync_NullValue_RemovesOnlyThatSetting()
    {
        _server.Respond(request => request.Path.EndsWith("/list", StringComparison.Ordinal)
            ? new ScriptedResponse(200, ReferenceExamples.ResponseBody(ReferenceExamples.Web("ListAppSettings.json"), 200))
            : new ScriptedResponse(200, request.Body));

        await _client.UpdateAppSettingsAsync(Site, new Dictionary<string, string?> { ["setting1"] = null });

        var put = _server.Requests.Single(r => r.Method == "PUT");
        Assert.True(ReferenceExamples.JsonEquals(put.Body, JsonNode.Parse("""{"properties":{"Setting2":"Value2"}}""")!), put.Body);
    }

    [Fact]
    public async Task SlotConfigNames_GetAndSet_UseTheAppLevelResource()
    {
        const string Body = """
            {"id":"/subscriptions/34adfa4f-cedf-4dc0-ba29-b6d1a69ab345/resourceGroups/testrg123/providers/Microsoft.Web/sites/sitef6141/config/slotConfigNames",
             "name":"slotConfigNames","type":"Microsoft.Web/sites/config",
             "properties":{"connectionStringNames":["Db"],"appSettingNames":["STICKY"],"azureStorageConfigNames":[]}}
            """;
        _server.RespondInOrder(new ScriptedResponse(200, Body), new ScriptedResponse(200, Body));

        var names = await _client.GetSlotConfigNamesAsync(Site.WithSlot("staging"));
        await _client.SetSlotConfigNamesAsync(Site, names with { AppSettingNames = ["STICKY", "BLUESHIFT_SLOT"] });

        Assert.Equal(["STICKY"], names.AppSettingNames);
        Assert.Equal(["Db"], names.ConnectionStringNames);
        var requests = _server.Requests;
        Assert.Equal(("GET", SitePath + "/config/slotConfigNames"), (requests[0].Method, requests[0].Path));
        Assert.Equal(("PUT", SitePath + "/config/slotConfigNames"), (requests[1].Method, requests[1].Path));
        Assert.True(ReferenceExamples.JsonEquals(requests[1].Body, JsonNode.Parse("""
            {"properties":{"appSettingNames":["STICKY","BLUESHIFT_SLOT"],"connectionStringNames":["Db"],"azureStorageConfigNames":[]}}
            """)!), requests[1].Body);
    }

    [Fact]
    public async Task StartSwapAsync_StagingToProduction_PostsSwapEntityAndReturnsPollableOperation()
    {
        var operationUrl = _server.Url("/subscriptions/34adfa4f-cedf-4dc0-ba29-b6d1a69ab345/providers/Microsoft.Web/locations/eastus/operations/op1?api-version=2024-04-01");
        _server.RespondInOrder(
            new ScriptedResponse(202, null, new Dictionary<string, string> { ["Azure-AsyncOperation"] = operationUrl, ["Location"] = _server.Url("/elsewhere"), ["Retry-After"] = "15" }),
            ScriptedResponse.Json(200, """{"status":"InProgress"}"""),
            ScriptedResponse.Json(200, """{"status":"Succeeded"}"""));

        var started = await _client.StartSwapAsync(Site.WithSlot("staging"));
        var polled = await _client.GetOperationStatusAsync(started.OperationUrl!);
        var finished = await _client.GetOperationStatusAsync(polled.OperationUrl!);

        Assert.Equal(new ArmOperation(operationUrl, ArmOperationStatus.InProgress, null, TimeSpan.FromSeconds(15)), started);
        Assert.Equal(ArmOperationStatus.InProgress, polled.Status);
        Assert.Equal(ArmOperationStatus.Succeeded, finished.Status);
        Assert.True(finished.IsCompleted);
        var swap = _server.Requests[0];
        Assert.Equal("POST", swap.Method);
        Assert.Equal(SitePath + "/slots/staging/slotsswap", swap.Path);
        Assert.True(ReferenceExamples.JsonEquals(swap.Body, JsonNode.Parse("""{"targetSlot":"production","preserveVnet":true}""")!), swap.Body);
        Assert.All(_server.Requests.Skip(1), poll => Assert.Equal(("GET", new Uri(operationUrl).AbsolutePath), (poll.Method, poll.Path)));
    }

    [Fact]
    public async Task StartSwapAsync_ProductionToSlot_UsesTheAppLevelPathAndCompletesOn200()
    {
        _server.RespondInOrder(new ScriptedResponse(200));

        var operation = await _client.StartSwapAsync(Site, "staging", preserveVnet: false);

        Assert.Equal(new ArmOperation(null, ArmOperationStatus.Succeeded), operation);
        var swap = Assert.Single(_server.Requests);
        Assert.Equal(SitePath + "/slotsswap", swap.Path);
        Assert.True(ReferenceExamples.JsonEquals(swap.Body, JsonNode.Parse("""{"targetSlot":"staging","preserveVnet":false}""")!), swap.Body);
    }

    [Fact]
    public async Task StartSwapAsync_SlotWithItself_ThrowsWithoutSending()
    {
        await Assert.ThrowsAsync<ArgumentException>(() => _client.StartSwapAsync(Site, "Production"));

        Assert.Empty(_server.Requests);
    }

    [Fact]
    public async Task ApplySlotConfigAsync_ApplySlotConfigExample_SendsExampleBody()
    {
        var example = ReferenceExamples.Web("ApplySlotConfig.json");
        _server.RespondInOrder(new ScriptedResponse(200));

        await _client.ApplySlotConfigAsync(Site, "staging");

        var request = Assert.Single(_server.Requests);
        Assert.Equal(("POST", SitePath + "/applySlotConfig"), (request.Method, request.Path));
        Assert.True(ReferenceExamples.JsonEquals(request.Body, example["parameters"]!["slotSwapEntity"]!), request.Body);
    }

    [Fact]
    public async Task ResetSlotConfigAsync_Slot_PostsToTheSlot()
    {
        _server.RespondInOrder(new ScriptedResponse(200));

        await _client.ResetSlotConfigAsync(Site.WithSlot("staging"));

        var request = Assert.Single(_server.Requests);
        Assert.Equal(("POST", SitePath + "/slots/staging/resetSlotConfig"), (request.Method, request.Path));
    }

    [Fact]
    public async Task StartOneDeployAsync_Package_PutsOneDeployBodyAndReturnsOperation()
    {
        var location = _server.Url(SitePath + "/slots/staging/extensions/onedeploy/operations/d1?api-version=2024-04-01");
        _server.RespondInOrder(new ScriptedResponse(202, null, new Dictionary<string, string> { ["Location"] = location }));

        var operation = await _client.StartOneDeployAsync(Site.WithSlot("staging"), new Uri("https://packages.example.invalid/app.zip?sv=2024&sig=secret"));

        Assert.Equal(new ArmOperation(location, ArmOperationStatus.InProgress), operation);
        var request = Assert.Single(_server.Requests);
        Assert.Equal(("PUT", SitePath + "/slots/staging/extensions/onedeploy"), (request.Method, request.Path));
        Assert.True(ReferenceExamples.JsonEquals(request.Body, JsonNode.Parse("""
            {"properties":{"packageUri":"https://packages.example.invalid/app.zip?sv=2024&sig=secret","type":"zip"}}
            """)!), request.Body);
    }

    [Fact]
    public async Task RestartAsync_Site_PostsRestartWithFlags()
    {
        _server.RespondInOrder(new ScriptedResponse(200));

        await _client.RestartAsync(Site, softRestart: true);

        var request = Assert.Single(_server.Requests);
        Assert.Equal(("POST", SitePath + "/restart"), (request.Method, request.Path));
        Assert.Equal("true", request.Query["softRestart"]);
        Assert.Equal("false", request.Query["synchronous"]);
    }

    [Fact]
    public async Task StartBackupAsync_BackupWebAppExample_SendsExampleBodyAndParsesItem()
    {
        var example = ReferenceExamples.Web("BackupWebApp.json");
        _server.RespondInOrder(new ScriptedResponse(200, ReferenceExamples.ResponseBody(example, 200)));
        var databases = new[]
        {
            new DatabaseBackupSetting { DatabaseType = "SqlAzure", Name = "backenddb", ConnectionStringName = "backend", ConnectionString = "DSN=data-source-name[;SERVER=value] [;PWD=value] [;UID=value] [;<Attribute>=<value>]" },
            new DatabaseBackupSetting { DatabaseType = "SqlAzure", Name = "statsdb", ConnectionStringName = "stats", ConnectionString = "DSN=data-source-name[;SERVER=value] [;PWD=value] [;UID=value] [;<Attribute>=<value>]" },
        };

        var item = await _client.StartBackupAsync(Site, new BackupRequest
        {
            StorageAccountUrl = "DefaultEndpointsProtocol=https;AccountName=storagesample;AccountKey=<account-key>",
            BackupName = "abcdwe",
            Enabled = true,
            Databases = databases,
            BackupSchedule = new BackupSchedule
            {
                FrequencyInterval = 7, FrequencyUnit = "Day", KeepAtLeastOneBackup = true, RetentionPeriodInDays = 30,
                StartTime = DateTimeOffset.Parse("2022-09-02T17:33:11.641Z"),
            },
        });

        var request = Assert.Single(_server.Requests);
        Assert.Equal(("POST", SitePath + "/backup"), (request.Method, request.Path));
        Assert.True(ReferenceExamples.JsonEquals(request.Body, example["parameters"]!["request"]!), request.Body);
        Assert.Equal(12345, item.BackupId);
        Assert.Equal("InProgress", item.Status);
        Assert.False(item.IsSucceeded);
        Assert.Equal(56091883, item.SizeInBytes);
        Assert.Equal(DateTimeOffset.Parse("2022-09-03T17:33:11.641Z"), item.Created);
        Assert.DoesNotContain("AccountKey", item.ToString());
    }

    [Fact]
    public async Task ListBackupsAsync_ListWebAppBackupsExample_ParsesEveryItemAcrossPages()
    {
        var page = ReferenceExamples.Web("ListWebAppBackups.json")["responses"]!["200"]!["body"]!;
        var firstPage = page.DeepClone();
        firstPage["nextLink"] = _server.Url(SitePath + "/backups?api-version=2024-04-01&$skipToken=2");
        _server.RespondInOrder(new ScriptedResponse(200, firstPage.ToJsonString()), new ScriptedResponse(200, page.ToJsonString()));

        var backups = await _client.ListBackupsAsync(Site);

        Assert.Equal(2, backups.Count);
        Assert.All(backups, b => Assert.Equal((12345L, "sitef6141_2024-04-01", true), (b.BackupId, b.Name!, b.Scheduled!.Value)));
        Assert.Equal(DateTimeOffset.Parse("2022-09-05T17:33:11.641Z"), backups[0].FinishedTimeStamp);
        Assert.Equal("2", _server.Requests[1].Query["$skipToken"]);
    }

    [Fact]
    public async Task GetBackupAsync_GetWebAppBackupExample_ParsesItem()
    {
        _server.RespondInOrder(new ScriptedResponse(200, ReferenceExamples.ResponseBody(ReferenceExamples.Web("GetWebAppBackup.json"), 200)));

        var item = await _client.GetBackupAsync(Site, 12345);

        Assert.Equal((12345L, "InProgress", "Succeeded"), (item.BackupId, item.Status!, item.Log!));
        Assert.Equal(DateTimeOffset.Parse("2022-09-04T17:33:11.641Z"), item.LastRestoreTimeStamp);
        Assert.Equal(SitePath + "/backups/12345", Assert.Single(_server.Requests).Path);
    }

    [Fact]
    public async Task StartRestoreAsync_RestoreWebAppBackupExample_SendsExampleBodyAndReturnsOperation()
    {
        var example = ReferenceExamples.Web("RestoreWebAppBackup.json");
        // The example's operation URL names management.azure.com; the test serves it from the local server.
        var operationUrl = _server.Url(new Uri(example["responses"]!["202"]!["headers"]!["azure-asyncoperation"]!.GetValue<string>()).PathAndQuery);
        _server.RespondInOrder(new ScriptedResponse(202, null, new Dictionary<string, string> { ["azure-asyncoperation"] = operationUrl }));
        var parameters = example["parameters"]!["request"]!["properties"]!;

        var operation = await _client.StartRestoreAsync(Site, 123244, new RestoreRequest
        {
            StorageAccountUrl = parameters["storageAccountUrl"]!.GetValue<string>(),
            Overwrite = true,
            SiteName = "sitef6141",
            Databases = parameters["databases"]!.AsArray().Select(d => new DatabaseBackupSetting
            {
                DatabaseType = d!["databaseType"]!.GetValue<string>(),
                Name = d["name"]!.GetValue<string>(),
                ConnectionStringName = d["connectionStringName"]!.GetValue<string>(),
                ConnectionString = d["connectionString"]!.GetValue<string>(),
            }).ToArray(),
        });

        Assert.Equal(new ArmOperation(operationUrl, ArmOperationStatus.InProgress), operation);
        var request = Assert.Single(_server.Requests);
        Assert.Equal(("POST", SitePath + "/backups/123244/restore"), (request.Method, request.Path));
        Assert.True(ReferenceExamples.JsonEquals(request.Body, example["parameters"]!["request"]!), request.Body);
    }

    [Fact]
    public async Task StartRestoreAsync_Example200_CompletesAtOnce()
    {
        _server.RespondInOrder(new ScriptedResponse(200));

        var operation = await _client.StartRestoreAsync(Site, 123244, new RestoreRequest { StorageAccountUrl = "https://storagesample.blob.core.windows.net/backups?sig=x" });

        Assert.Equal(ArmOperationStatus.Succeeded, operation.Status);
        Assert.Null(operation.OperationUrl);
    }

    [Fact]
    public async Task BackupConfiguration_GetAndUpdate_UseListAndPut()
    {
        // ARM answers config/backup/list with the BackupRequest resource, the shape of the BackupWebApp example's request.
        var configuration = ReferenceExamples.Web("BackupWebApp.json")["parameters"]!["request"]!.DeepClone();
        configuration["id"] = SitePath + "/config/backup";
        configuration["name"] = "backup";
        _server.RespondInOrder(new ScriptedResponse(200, configuration.ToJsonString()), new ScriptedResponse(200, configuration.ToJsonString()));

        var current = await _client.GetBackupConfigurationAsync(Site);
        var updated = await _client.UpdateBackupConfigurationAsync(Site, current!);

        Assert.NotNull(current);
        Assert.Equal("abcdwe", current.BackupName);
        Assert.Equal(new BackupSchedule
        {
            FrequencyInterval = 7, FrequencyUnit = "Day", KeepAtLeastOneBackup = true, RetentionPeriodInDays = 30,
            StartTime = DateTimeOffset.Parse("2022-09-02T17:33:11.641Z"),
        }, current.BackupSchedule);
        Assert.Equal(2, updated.Databases.Count);
        var requests = _server.Requests;
        Assert.Equal(("POST", SitePath + "/config/backup/list"), (requests[0].Method, requests[0].Path));
        Assert.Equal(("PUT", SitePath + "/config/backup"), (requests[1].Method, requests[1].Path));
        Assert.True(ReferenceExamples.JsonEquals(requests[1].Body, ReferenceExamples.Web("BackupWebApp.json")["parameters"]!["request"]!), requests[1].Body);
    }

    [Fact]
    public async Task GetBackupConfigurationAsync_NoConfiguration_ReturnsNull()
    {
        _server.RespondInOrder(ScriptedResponse.Json(404, """{"error":{"code":"NotFound","message":"Backup configuration not found for site."}}"""));

        Assert.Null(await _client.GetBackupConfigurationAsync(Site));
    }
}
