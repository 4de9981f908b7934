using System.Text.Json.Nodes;
using Blueshift.AppServiceEmulator;
using Blueshift.Domain.Analysis;
using Blueshift.Domain.Releases;
using Blueshift.Functions.Apps;
using Blueshift.Functions.Releases;
using Blueshift.Functions.Releases.Orchestration;
using Blueshift.Functions.Traffic;
using Blueshift.LocalFunctionsHost.Blueshift;
using Blueshift.Testing;
using Blueshift.Testing.Releases;
using Microsoft.AspNetCore.Builder;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Xunit;

namespace Blueshift.EndToEnd.Tests.Releases;

/// <summary>
/// A release orchestration run by the local Functions host as the app declares it: the [OrchestrationTrigger] and
/// [ActivityTrigger] functions with the services <c>AddBlueshiftFunctions</c> registers, on the Durable Task SDK over
/// Azurite, against the App Service emulator at a one-second metric grain. Scheduled through the host's own Durable
/// client, as the releases API will schedule it.
/// </summary>
public sealed class ReleaseOrchestrationThroughHostTests : IAsyncLifetime
{
    private const string Subscription = "00000000-0000-0000-0000-00000000e2e1";
    private const string App = "shop";

    private readonly AzuriteFixture _azurite = new();
    private AppServiceEmulatorServer _emulator = null!;
    private EmulatedSite _site = null!;
    private WebApplication? _host;

    public async Task InitializeAsync()
    {
        await _azurite.InitializeAsync();
        _emulator = await AppServiceEmulatorServer.StartAsync(new EmulatorOptions
        {
            SimulateLatency = false,
            OperationPollsToComplete = 2,
            OperationDuration = TimeSpan.FromSeconds(1),
        });
        _site = await _emulator.CreateSiteAsync(Subscription, "rg-shop", App, ["staging"], new AppBehaviour("1.0.0"));
        // Production runs what an earlier Blueshift release put there, marker included.
        _emulator.SetAppSettings(_site.Production, new Dictionary<string, string>
        {
            [ReleaseMarker.ReleaseIdSetting] = "rel-20251201T220000-previous",
            [ReleaseMarker.VersionSetting] = "1.0.0",
        });

        var values = new JsonObject
        {
            ["AzureWebJobsStorage"] = _azurite.ConnectionString,
            ["FUNCTIONS_WORKER_RUNTIME"] = "dotnet-isolated",
            ["Blueshift__Releases__WeeklyCodeFreeze"] = "false",
            ["Blueshift__Api__AppsTable"] = AzuriteFixture.UniqueName("apps"),
            ["Blueshift__Audit__TableName"] = AzuriteFixture.UniqueName("audit"),
            ["Blueshift__Releases__TableName"] = AzuriteFixture.UniqueName("rel"),
            ["Blueshift__Azure__ResourceManagerEndpoint"] = _emulator.ArmEndpoint.ToString(),
            ["Blueshift__Azure__Credential"] = "Development",
            ["Blueshift__Releases__SlotScheme"] = "http",
            ["Blueshift__Releases__Orchestration__MetricGrain"] = "00:00:01",
        };
        var settings = new JsonObject { ["IsEncrypted"] = false, ["Values"] = values };
        var settingsPath = Path.Combine(Directory.CreateTempSubdirectory("blueshift-orch-").FullName, "local.settings.json");
        await File.WriteAllTextAsync(settingsPath, settings.ToJsonString());
        _host = BlueshiftLocalHost.Build(new LocalHostOptions(settingsPath, FreePort.Next(), new Dictionary<string, string>()), logging => logging.ClearProviders());
        await _host.StartAsync();
    }

    public async Task DisposeAsync()
    {
        await _emulator.Traffic.StopAsync();
        if (_host is not null)
        {
            await _host.StopAsync();
            await _host.DisposeAsync();
        }
        await _emulator.DisposeAsync();
        await _azurite.DisposeAsync();
    }

    [Fact]
    public async Task RunRelease_HealthyVersionThroughTheLocalHost_SucceedsWithOneSwap()
    {
        _emulator.Traffic.Start(_site, requestsPerSecond: 150, maxRequests: 1_000_000, maxDuration: TimeSpan.FromMinutes(3));
        var client = _host!.Services.GetRequiredService<DurableTaskClient>();
        var input = Release("rel-through-host", new AppBehaviour("2.0.0"));

        var id = await client.ScheduleNewOrchestrationInstanceAsync(ReleaseOrchestrationFunctions.ReleaseOrchestration, input,
            new StartOrchestrationOptions(InstanceId: input.ReleaseId));
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        var instance = await client.WaitForInstanceCompletionAsync(id, getInputsAndOutputs: true, timeout.Token);

        Assert.True(instance.RuntimeStatus == OrchestrationRuntimeStatus.Completed,
            $"{id} is {instance.RuntimeStatus}: {instance.FailureDetails?.ErrorType} {instance.FailureDetails?.ErrorMessage}");
        var outcome = instance.ReadOutputAs<ReleaseOutcome>()!;
        Assert.True(outcome.Phase == ReleasePhase.Succeeded, $"{outcome.Phase}: {outcome.StatusReason}");
        Assert.Single(_emulator.SwapLog.Snapshot());
        Assert.Equal("2.0.0", _site.Production.Behaviour.Version);
        // Each step passed, in order; a step may be analysed again first when a bake saw too little traffic (inconclusive).
        var canary = outcome.Analyses.Where(a => a.Kind == "canary").ToList();
        Assert.Equal([50, 100], canary.Where(a => a.Outcome == VerdictOutcome.Successful).Select(a => a.TrafficPercent));
        Assert.All(canary.Where(a => a.Outcome != VerdictOutcome.Successful), a => Assert.Equal(VerdictOutcome.Inconclusive, a.Outcome));
        Assert.Equal([50, 100], canary.Select(a => a.TrafficPercent).Distinct());
    }

    /// <summary>A release of seconds: the checks are the defaults, the durations short (as the orchestration tests run them).</summary>
    private ReleaseInput Release(string releaseId, AppBehaviour behaviour) => ShortReleases.Input(
        releaseId, behaviour.Version, _emulator.PutPackage($"{App}-{behaviour.Version}-{releaseId}.zip", SamplePackage.Create(behaviour)), App, _site.ResourceId);
}
