using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Blueshift.LocalFunctionsHost.Discovery;
using Blueshift.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Xunit;
using Xunit.Abstractions;

namespace Blueshift.LocalFunctionsHost.Tests.FunctionAppHosting;

public sealed class DurableFunctionTests(AzuriteFixture azurite, ITestOutputHelper output) : IClassFixture<AzuriteFixture>
{
    private static readonly string[] DurableSamples = ["StartGreeting", "GreetAfterBake", "Greet"];

    private (WebApplication App, HttpClient Client) BuildHost(string taskHub, bool extendedSessions = true)
    {
        var port = FreePort.Next();
        var options = new FunctionAppHostOptions
        {
            Urls = $"http://127.0.0.1:{port}",
            ConfigureLogging = logging => logging.AddProvider(new TestOutputLoggerProvider(output, LogLevel.Trace)).AddFilter("DurableTask", LogLevel.Information).AddFilter("Microsoft.DurableTask", LogLevel.Information).AddFilter("Microsoft.DurableTask.Sidecar", LogLevel.Debug),
        };
        foreach (var name in DurableSamples)
        {
            options.Functions.Add(name);
        }
        options.Settings["AzureWebJobsStorage"] = azurite.ConnectionString;
        options.Durable.TaskHubName = taskHub;
        options.Durable.PartitionCount = 2;
        options.Durable.MaxQueuePollingInterval = TimeSpan.FromMilliseconds(500);
        options.Durable.LeaseInterval = TimeSpan.FromSeconds(10);
        options.Durable.LeaseRenewInterval = TimeSpan.FromSeconds(3);
        options.Durable.LeaseAcquireInterval = TimeSpan.FromSeconds(1);
        options.Durable.ExtendedSessionsEnabled = extendedSessions;
        var app = FunctionAppHost.Build(typeof(SampleDurableFunctions).Assembly, (services, _) => services.AddSingleton(new Greeter("Hello")), options);
        return (app, new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") });
    }

    private static async Task<string> StartAsync(HttpClient client, string name, int bakeSeconds)
    {
        using var response = await client.PostAsync($"/api/greetings/{name}?bake={bakeSeconds}", content: null);
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        return (string)JsonNode.Parse(await response.Content.ReadAsStringAsync())!["instanceId"]!;
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task StartGreeting_HttpStartsOrchestration_ActivitiesAndTimerRunToCompletion(bool extendedSessions)
    {
        var (app, client) = BuildHost(AzuriteFixture.UniqueName("hub"), extendedSessions);
        await using var _ = app;
        using var __ = client;
        await app.StartAsync();

        var instanceId = await StartAsync(client, "Ada", bakeSeconds: 1);
        using var bound = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var instance = await app.Services.GetRequiredService<DurableTaskClient>().WaitForInstanceCompletionAsync(instanceId, getInputsAndOutputs: true, bound.Token);
        await app.StopAsync();

        Assert.True(instance.RuntimeStatus == OrchestrationRuntimeStatus.Completed, $"{instance.RuntimeStatus}: {instance.FailureDetails} {instance.SerializedOutput}");
        Assert.Equal("Hello, Ada (Greet) / Hello, Ada again (Greet)", instance.ReadOutputAs<string>());
    }

    [Fact]
    public async Task GreetAfterBake_HostStoppedDuringTheTimer_NewHostResumesAndCompletes()
    {
        var taskHub = AzuriteFixture.UniqueName("hub");
        const int bakeSeconds = 8;
        string instanceId;
        DateTimeOffset stoppedAt, bakeEndsBy;
        {
            var (first, client) = BuildHost(taskHub);
            await using var _ = first;
            using var __ = client;
            await first.StartAsync();
            instanceId = await StartAsync(client, "Bo", bakeSeconds);

            var durable = first.Services.GetRequiredService<DurableTaskClient>();
            using var bound = new CancellationTokenSource(TimeSpan.FromSeconds(60));
            var baking = await WaitForAsync(
                () => durable.GetInstanceAsync(instanceId, getInputsAndOutputs: true, bound.Token),
                i => i?.SerializedCustomStatus?.Contains(SampleDurableFunctions.Baking) == true,
                bound.Token);
            bakeEndsBy = baking!.LastUpdatedAt.AddSeconds(bakeSeconds);
            await first.StopAsync();
            stoppedAt = DateTimeOffset.UtcNow;
        }
        Assert.True(stoppedAt < bakeEndsBy, $"The first host took until {stoppedAt:O} to stop; the timer was due by {bakeEndsBy:O}.");

        var (second, secondClient) = BuildHost(taskHub);
        await using (second)
        using (secondClient)
        {
            await second.StartAsync();
            using var bound = new CancellationTokenSource(TimeSpan.FromSeconds(90));
            var instance = await second.Services.GetRequiredService<DurableTaskClient>().WaitForInstanceCompletionAsync(instanceId, getInputsAndOutputs: true, bound.Token);
            await second.StopAsync();

            Assert.True(instance.RuntimeStatus == OrchestrationRuntimeStatus.Completed, $"{instance.RuntimeStatus}: {instance.FailureDetails}");
            Assert.Equal("Hello, Bo (Greet) / Hello, Bo again (Greet)", instance.ReadOutputAs<string>());
        }
    }

    [Fact]
    public void Build_DurableFunctionsWithoutStorageSetting_FailsNamingTheFunctionsAndTheSetting()
    {
        var options = new FunctionAppHostOptions();
        options.Functions.Add("Greet");

        var ex = Assert.Throws<FunctionAppHostException>(() => FunctionAppHost.Build(typeof(SampleDurableFunctions).Assembly, (_, _) => { }, options));

        Assert.Contains("Greet", ex.Message);
        Assert.Contains("AzureWebJobsStorage", ex.Message);
    }

    [Fact]
    public void Build_DurableOptionsOutOfRange_FailsSayingWhichOption()
    {
        var options = new FunctionAppHostOptions();
        options.Functions.Add("Greet");
        options.Settings["AzureWebJobsStorage"] = azurite.ConnectionString;
        options.Durable.TaskHubName = "1-bad";
        options.Durable.PartitionCount = 17;
        options.Durable.LeaseRenewInterval = options.Durable.LeaseInterval;
        options.Durable.ControlQueueBatchSize = 33;
        options.Durable.ControlQueueBufferThreshold = 0;
        options.Durable.MaxConcurrentActivities = 0;
        options.Durable.MaxConcurrentOrchestrations = 1001;
        options.Durable.ExtendedSessionIdleTimeout = TimeSpan.Zero;

        var ex = Assert.Throws<FunctionAppHostException>(() => FunctionAppHost.Build(typeof(SampleDurableFunctions).Assembly, (_, _) => { }, options));

        Assert.Contains("Durable.TaskHubName '1-bad'", ex.Message);
        Assert.Contains("Durable.PartitionCount 17", ex.Message);
        Assert.Contains("Durable.LeaseRenewInterval", ex.Message);
        Assert.Contains("Durable.ControlQueueBatchSize 33 is outside 1-32", ex.Message);
        Assert.Contains("Durable.ControlQueueBufferThreshold 0 is outside 1-1000", ex.Message);
        Assert.Contains("Durable.MaxConcurrentActivities 0 is outside 1-1000", ex.Message);
        Assert.Contains("Durable.MaxConcurrentOrchestrations 1001 is outside 1-1000", ex.Message);
        Assert.Contains("Durable.ExtendedSessionIdleTimeout 00:00:00 must be positive", ex.Message);
    }

    [Fact]
    public void Build_DurableSettingsInConfiguration_OverrideTheOptions()
    {
        var options = new FunctionAppHostOptions();
        options.Functions.Add("Greet");
        options.Settings["AzureWebJobsStorage"] = azurite.ConnectionString;
        options.Settings["FunctionAppHost__Durable__ControlQueueBatchSize"] = "0";
        options.Settings["FunctionAppHost__Durable__MaxConcurrentActivities"] = "5000";

        var ex = Assert.Throws<FunctionAppHostException>(() => FunctionAppHost.Build(typeof(SampleDurableFunctions).Assembly, (_, _) => { }, options));

        Assert.Contains("Durable.ControlQueueBatchSize 0 is outside 1-32", ex.Message);
        Assert.Contains("Durable.MaxConcurrentActivities 5000 is outside 1-1000", ex.Message);
    }

    [Fact]
    public void ToProviderSettings_EveryOption_ReachesTheAzureStorageProvider()
    {
        var options = new DurableHostOptions
        {
            TaskHubName = "ScaleHub",
            PartitionCount = 2,
            MaxQueuePollingInterval = TimeSpan.FromSeconds(3),
            ControlQueueVisibilityTimeout = TimeSpan.FromMinutes(2),
            WorkItemQueueVisibilityTimeout = TimeSpan.FromMinutes(3),
            ControlQueueBatchSize = 16,
            ControlQueueBufferThreshold = 128,
            MaxConcurrentActivities = 40,
            MaxConcurrentOrchestrations = 50,
            ExtendedSessionsEnabled = false,
            ExtendedSessionIdleTimeout = TimeSpan.FromSeconds(45),
            LeaseInterval = TimeSpan.FromSeconds(20),
            LeaseRenewInterval = TimeSpan.FromSeconds(5),
            LeaseAcquireInterval = TimeSpan.FromSeconds(4),
        };

        var settings = options.ToProviderSettings(azurite.ConnectionString, NullLoggerFactory.Instance);

        Assert.Equal(
            ("ScaleHub", 2, TimeSpan.FromSeconds(3), TimeSpan.FromMinutes(2), TimeSpan.FromMinutes(3), 16, 128, 40, 50, false, TimeSpan.FromSeconds(45)),
            (settings.TaskHubName, settings.PartitionCount, settings.MaxQueuePollingInterval, settings.ControlQueueVisibilityTimeout,
                settings.WorkItemQueueVisibilityTimeout, settings.ControlQueueBatchSize, settings.ControlQueueBufferThreshold,
                settings.MaxConcurrentTaskActivityWorkItems, settings.MaxConcurrentTaskOrchestrationWorkItems, settings.ExtendedSessionsEnabled,
                settings.ExtendedSessionIdleTimeout));
        Assert.Equal((TimeSpan.FromSeconds(20), TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(4)),
            (settings.LeaseInterval, settings.LeaseRenewInterval, settings.LeaseAcquireInterval));
        Assert.NotNull(settings.StorageAccountClientProvider);
    }

    [Fact]
    public void DurableHostOptions_Defaults_AreUsable()
    {
        var options = new DurableHostOptions();

        Assert.Empty(options.Problems());
        // As the Functions host: off unless host.json turns it on.
        Assert.False(options.ExtendedSessionsEnabled);
    }

    private static async Task<T> WaitForAsync<T>(Func<Task<T>> read, Func<T, bool> done, CancellationToken bound)
    {
        while (true)
        {
            var value = await read();
            if (done(value))
            {
                return value;
            }
            // Polling the instance's status (a storage read) until the condition holds; the token bounds the wait.
            await Task.Delay(TimeSpan.FromMilliseconds(200), bound);
        }
    }
}
