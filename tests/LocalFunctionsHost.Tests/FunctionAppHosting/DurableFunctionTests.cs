using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Blueshift.LocalFunctionsHost.Discovery;
using Blueshift.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Xunit;
using Xunit.Abstractions;

namespace Blueshift.LocalFunctionsHost.Tests.FunctionAppHosting;

public sealed class DurableFunctionTests(AzuriteFixture azurite, ITestOutputHelper output) : IClassFixture<AzuriteFixture>
{
    private static readonly string[] DurableSamples = ["StartGreeting", "GreetAfterBake", "Greet"];

    private (WebApplication App, HttpClient Client) BuildHost(string taskHub)
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
        var app = FunctionAppHost.Build(typeof(SampleDurableFunctions).Assembly, (services, _) => services.AddSingleton(new Greeter("Hello")), options);
        return (app, new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") });
    }

    private static async Task<string> StartAsync(HttpClient client, string name, int bakeSeconds)
    {
        using var response = await client.PostAsync($"/api/greetings/{name}?bake={bakeSeconds}", content: null);
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        return (string)JsonNode.Parse(await response.Content.ReadAsStringAsync())!["instanceId"]!;
    }

    [Fact]
    public async Task StartGreeting_HttpStartsOrchestration_ActivitiesAndTimerRunToCompletion()
    {
        var (app, client) = BuildHost(AzuriteFixture.UniqueName("hub"));
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
