using System.Text.Json.Nodes;
using Blueshift.AppServiceEmulator;
using Blueshift.LocalFunctionsHost.Blueshift;
using Blueshift.ReleaseDemo;
using Blueshift.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Logging;
using Xunit;

namespace Blueshift.EndToEnd.Tests.Demo;

/// <summary>
/// run.sh's demo as a test: Blueshift's functions under the local Functions host (FunctionAppHost, keys checked), against
/// Azurite and the App Service emulator, driven only through the HTTP API with a function key. It runs on the real
/// clock, so bakes are just over the metrics' one-minute grain and the test takes minutes.
/// </summary>
public sealed class ReleaseDemoThroughHostTests : IAsyncLifetime
{
    private const string HostKey = "host-key-for-the-demo-test";
    private const string Subscription = "00000000-0000-0000-0000-000000000000";
    private const string ResourceGroup = "blueshift";
    private const string App = "demo-app";

    private readonly AzuriteFixture _azurite = new();
    private AppServiceEmulatorServer? _emulator;
    private WebApplication? _host;
    private Uri _api = null!;

    public async Task InitializeAsync()
    {
        await _azurite.InitializeAsync();
        _emulator = await AppServiceEmulatorServer.StartAsync(new EmulatorOptions { SimulateLatency = false });
        await _emulator.CreateSiteAsync(Subscription, ResourceGroup, App, ["staging"], AppBehaviour.Initial);

        var values = new JsonObject
        {
            ["AzureWebJobsStorage"] = _azurite.ConnectionString,
            ["FUNCTIONS_WORKER_RUNTIME"] = "dotnet-isolated",
            ["Blueshift__Api__AllowLoopbackHttp"] = "true",
            ["Blueshift__Api__AppsTable"] = AzuriteFixture.UniqueName("apps"),
            ["Blueshift__Audit__TableName"] = AzuriteFixture.UniqueName("audit"),
            ["Blueshift__Azure__ResourceManagerEndpoint"] = _emulator.ArmEndpoint.ToString(),
            ["Blueshift__Azure__Credential"] = "Development",
            ["Blueshift__Releases__TableName"] = AzuriteFixture.UniqueName("rel"),
            ["Blueshift__Releases__SlotScheme"] = "http",
            ["Blueshift__Releases__WeeklyCodeFreeze"] = "false",
            ["Blueshift__Releases__Orchestration__WarmUp"] = "00:00:01",
            ["Blueshift__Releases__Orchestration__PollInterval"] = "00:00:01",
            ["Blueshift__Releases__Orchestration__ProbeInterval"] = "00:00:01",
            ["Blueshift__Releases__Orchestration__BaselineWindow"] = "00:05:00",
            // As run.sh: the backup-rpo job every minute, so the demo's app (registered without backups) gets its finding.
            ["Blueshift__Compliance__Schedules__BackupRpo"] = "0 */1 * * * *",
            ["Blueshift__Security__DevelopmentIdentity__UserId"] = "e2e-developer",
            ["Blueshift__Security__DevelopmentIdentity__Roles__0"] = "Blueshift.Releaser",
            ["Blueshift__Security__DevelopmentIdentity__Roles__1"] = "Blueshift.Admin",
        };
        var settings = new JsonObject
        {
            ["IsEncrypted"] = false,
            ["Values"] = values,
            ["Keys"] = new JsonObject { ["Master"] = "master-key-for-the-demo-test", ["Host"] = new JsonObject { ["default"] = HostKey } },
        };
        var settingsPath = Path.Combine(Directory.CreateTempSubdirectory("blueshift-demo-").FullName, "local.settings.json");
        await File.WriteAllTextAsync(settingsPath, settings.ToJsonString());

        var port = FreePort.Next();
        _host = BlueshiftLocalHost.Build(new LocalHostOptions(settingsPath, port, new Dictionary<string, string>()), logging => logging.ClearProviders());
        await _host.StartAsync();
        _api = new Uri($"http://127.0.0.1:{port}");
    }

    public async Task DisposeAsync()
    {
        if (_host is not null)
        {
            await _host.StopAsync();
            await _host.DisposeAsync();
        }
        if (_emulator is not null)
        {
            await _emulator.DisposeAsync();
        }
        await _azurite.DisposeAsync();
    }

    [Fact]
    public async Task Demo_HealthyThenFaultyPackage_HealthySucceedsAndFaultyRollsBack()
    {
        var output = new StringWriter();
        var scenario = new DemoScenario(new DemoOptions
        {
            Api = _api,
            FunctionKey = HostKey,
            Emulator = _emulator!.ArmEndpoint,
            App = App,
            SubscriptionId = Subscription,
            ResourceGroup = ResourceGroup,
            BakeTime = "PT65S",
            PostSwapWatch = "PT65S",
            TrafficSteps = [100],
            RequestsPerSecond = 40,
            ReleaseTimeout = TimeSpan.FromMinutes(5),
        }, output);

        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(12));
        var outcome = await scenario.RunAsync(timeout.Token);

        Assert.True(outcome.Healthy.Status == "Succeeded", $"2.0.0 ended {outcome.Healthy.Status}: {outcome.Healthy.StatusReason}\n{output}");
        Assert.True(outcome.Faulty.Status == "RolledBack", $"3.0.0 ended {outcome.Faulty.Status}: {outcome.Faulty.StatusReason}\n{output}");
        Assert.Contains("error rate", outcome.Faulty.StatusReason, StringComparison.OrdinalIgnoreCase);
        Assert.True(outcome.Healthy.Analyses >= 2, output.ToString());
        // No backup configuration, and so no backup either: both are findings of the backup-rpo job.
        Assert.Equal(["backup-rpo.breach", "backup-rpo.not-configured"], outcome.Findings!.Where(f => f.Job == "backup-rpo").Select(f => f.Kind).Order());
        Assert.True(outcome.AsExpected, output.ToString());
        // The rollback left production on the healthy version, as the front door serves it.
        var production = _emulator.GetSite(Subscription, ResourceGroup, App).Slot("production");
        using var client = new HttpClient();
        using var response = await client.GetAsync(production.DirectEndpoint);
        Assert.Equal("2.0.0", response.Headers.GetValues("x-app-version").Single());
    }
}
