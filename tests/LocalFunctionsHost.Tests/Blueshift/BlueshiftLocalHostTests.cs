using System.Net;
using System.Text.Json.Nodes;
using Blueshift.LocalFunctionsHost.Blueshift;
using Blueshift.LocalFunctionsHost.Discovery;
using Blueshift.Testing;
using Xunit;

namespace Blueshift.LocalFunctionsHost.Tests.Blueshift;

/// <summary>Blueshift's own functions under the local host, as run.sh starts them, on Azurite.</summary>
public sealed class BlueshiftLocalHostTests(AzuriteFixture azurite) : IClassFixture<AzuriteFixture>
{
    private const string HostKey = "host-key-for-blueshift-local-host-tests";

    [Fact]
    public async Task HealthLive_Anonymous_Returns200()
    {
        await using var host = await StartAsync();

        using var response = await host.Client.GetAsync("/api/health/live");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task ListApps_NoKey_Returns401ProblemFromTheHost()
    {
        await using var host = await StartAsync();

        using var response = await host.Client.GetAsync("/api/apps");

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task ListApps_HostKey_ReachesBlueshiftAsTheFunctionKeyCaller()
    {
        await using var host = await StartAsync();
        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/apps");
        request.Headers.Add("x-functions-key", HostKey);

        using var response = await host.Client.SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.IsType<JsonArray>(JsonNode.Parse(await response.Content.ReadAsStringAsync()));
    }

    [Fact]
    public async Task ComplianceStatus_SettingsWithoutSchedules_ShowsTheDefaultsThisHostRunsAndNoProblem()
    {
        await using var host = await StartAsync();
        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/compliance/status");
        request.Headers.Add("x-functions-key", HostKey);

        using var response = await host.Client.SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var jobs = JsonNode.Parse(await response.Content.ReadAsStringAsync())!["jobs"]!.AsArray().ToDictionary(j => (string)j!["job"]!);
        Assert.All(global::Blueshift.Functions.Compliance.ComplianceJobs.All, job =>
        {
            var status = jobs[global::Blueshift.Functions.Compliance.ComplianceJobs.Name(job)]!;
            Assert.Equal(global::Blueshift.Functions.Compliance.ComplianceJobs.DefaultSchedule(job), (string?)status["schedule"]);
            Assert.NotNull(status["nextRun"]);
            Assert.Null(status["problem"]);
        });
    }

    [Fact]
    public async Task OpenApi_ThroughTheHost_ServesTheDocumentOfEveryFunction()
    {
        await using var host = await StartAsync();

        var document = JsonNode.Parse(await host.Client.GetStringAsync("/api/openapi/v1.json"))!;

        Assert.NotNull(document["paths"]!["/api/releases/{id}/rollback"]!["post"]);
    }

    [Fact]
    public async Task Start_UnusableOrchestrationSetting_FailsNamingIt()
    {
        var settings = Settings();

        // Validated when the host starts, before any release could run with it.
        await using var app = BlueshiftLocalHost.Build(new LocalHostOptions(settings, 0,
            new Dictionary<string, string> { ["Blueshift__Releases__Orchestration__MetricGrain"] = "00:00:07" }));
        var ex = await Assert.ThrowsAnyAsync<Exception>(() => app.StartAsync());

        Assert.Contains("MetricGrain", ex.Message);
    }

    [Fact]
    public void Build_NoStorageConnection_FailsNamingTheOrchestrationsThatNeedIt()
    {
        var settings = Settings(withStorage: false);

        var ex = Assert.Throws<FunctionAppHostException>(() => BlueshiftLocalHost.Build(new LocalHostOptions(settings, 0, new Dictionary<string, string>())));

        Assert.Contains("AzureWebJobsStorage", ex.Message);
        Assert.Contains("RunRelease", ex.Message);
        Assert.Contains("RunRollback", ex.Message);
    }

    [Fact]
    public void Build_ComplianceScheduleSetting_ResolvesItsColonNameAndDefaultsTheOthers()
    {
        var settings = Settings();

        // The timer names %Blueshift:Compliance:Schedules:BackupRpo%; the setting is written with '__'. A schedule the host
        // refuses shows the setting reached that timer, and only that one: the other jobs' schedules took their defaults.
        var ex = Assert.Throws<FunctionAppHostException>(() => BlueshiftLocalHost.Build(new LocalHostOptions(settings, 0,
            new Dictionary<string, string> { ["Blueshift__Compliance__Schedules__BackupRpo"] = "every hour" })));

        Assert.Contains("Function ComplianceBackupRpo: 'every hour' is not a 6-field NCRONTAB expression", ex.Message);
        Assert.DoesNotContain("ComplianceGovernance", ex.Message);
        Assert.DoesNotContain("not set", ex.Message);
    }

    [Fact]
    public void Build_TaskHubSetting_NamesTheDurableTaskHub()
    {
        var settings = Settings();

        // The host checks the hub's name at start-up, so a name Azure Storage refuses shows the setting reached it.
        var ex = Assert.Throws<FunctionAppHostException>(() => BlueshiftLocalHost.Build(new LocalHostOptions(settings, 0,
            new Dictionary<string, string> { ["Blueshift__TaskHub"] = "1-bad" })));

        Assert.Contains("TaskHubName '1-bad'", ex.Message);
    }

    [Fact]
    public void Parse_SettingsPortAndSettings_ReadsEach()
    {
        var options = LocalHostOptions.Parse(["--settings", "local.settings.json", "--port", "0", "--setting", "A__B=*/2 * * * * *", "--setting", "C=x=y"]);

        Assert.Equal("local.settings.json", options.SettingsPath);
        Assert.Equal(0, options.Port);
        Assert.Equal("*/2 * * * * *", options.Settings["A__B"]);
        Assert.Equal("x=y", options.Settings["C"]);
    }

    [Theory]
    [InlineData("--port", "http")]
    [InlineData("--setting", "=x")]
    [InlineData("--script-root", "x")]
    public void Parse_BadArgument_ThrowsArgumentException(string name, string value) =>
        Assert.Throws<ArgumentException>(() => LocalHostOptions.Parse([name, value]));

    [Fact]
    public void LoadSettings_PerFunctionKeys_RefusedNamingThem()
    {
        var path = Path.Combine(Directory.CreateTempSubdirectory("blueshift-settings-").FullName, "local.settings.json");
        File.WriteAllText(path, """{"Values":{},"Keys":{"Functions":{"GetApp":{"default":"k"}}}}""");

        var ex = Assert.Throws<FunctionAppHostException>(() => LocalSettingsFile.Load(path));

        Assert.Contains("GetApp", ex.Message);
    }

    private async Task<RunningHost> StartAsync()
    {
        var port = FreePort.Next();
        var app = BlueshiftLocalHost.Build(new LocalHostOptions(Settings(), port, new Dictionary<string, string>()));
        await app.StartAsync();
        return new RunningHost(app, new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") });
    }

    private string Settings(bool withStorage = true)
    {
        var values = new JsonObject
        {
            ["AzureWebJobsStorage"] = azurite.ConnectionString,
            ["FUNCTIONS_WORKER_RUNTIME"] = "dotnet-isolated",
            ["Blueshift__Api__AppsTable"] = AzuriteFixture.UniqueName("apps"),
            ["Blueshift__Audit__TableName"] = AzuriteFixture.UniqueName("audit"),
            ["Blueshift__Releases__TableName"] = AzuriteFixture.UniqueName("rel"),
            ["Blueshift__Azure__ResourceManagerEndpoint"] = $"http://127.0.0.1:{FreePort.Next()}/",
            ["Blueshift__Azure__Credential"] = "Development",
            ["Blueshift__Security__FunctionKeyCallerRoles__0"] = "Blueshift.Releaser",
        };
        if (!withStorage)
        {
            values.Remove("AzureWebJobsStorage");
        }
        var settings = new JsonObject
        {
            ["IsEncrypted"] = false,
            ["Values"] = values,
            ["Keys"] = new JsonObject { ["Master"] = "master-key-for-blueshift-local-host-tests", ["Host"] = new JsonObject { ["default"] = HostKey } },
        };
        var path = Path.Combine(Directory.CreateTempSubdirectory("blueshift-settings-").FullName, "local.settings.json");
        File.WriteAllText(path, settings.ToJsonString());
        return path;
    }

    private sealed class RunningHost(Microsoft.AspNetCore.Builder.WebApplication app, HttpClient client) : IAsyncDisposable
    {
        public HttpClient Client => client;

        public async ValueTask DisposeAsync()
        {
            client.Dispose();
            await app.StopAsync();
            await app.DisposeAsync();
        }
    }
}
