using Blueshift.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Xunit;
using Xunit.Abstractions;

namespace Blueshift.LocalFunctionsHost.Tests.FunctionAppHosting;

/// <summary>
/// An orchestration that calls a sub-orchestration (as a release calls its rollback) resumes with the child's result
/// when the child completes, through the task hub on Azure Storage (Azurite).
/// </summary>
public sealed class SubOrchestrationTests(AzuriteFixture azurite, ITestOutputHelper output) : IClassFixture<AzuriteFixture>
{
    private WebApplication BuildHost(string taskHub)
    {
        var options = new FunctionAppHostOptions
        {
            Urls = $"http://127.0.0.1:{FreePort.Next()}",
            ConfigureLogging = logging => logging.AddProvider(new TestOutputLoggerProvider(output, LogLevel.Trace)).AddFilter("DurableTask", LogLevel.Information).AddFilter("Microsoft.DurableTask", LogLevel.Information),
        };
        foreach (var name in new[] { "CallChild", "Child", "Greet" })
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
        return FunctionAppHost.Build(typeof(SampleSubOrchestrationFunctions).Assembly, (services, _) => services.AddSingleton(new Greeter("Hello")), options);
    }

    [Theory]
    [InlineData(ChildCall.GeneratedInstanceId)]
    [InlineData(ChildCall.OwnInstanceId)]
    [InlineData(ChildCall.OwnInstanceIdAndTags)]
    public async Task CallChild_ChildCompletes_ParentResumesWithTheChildsResult(ChildCall call)
    {
        var app = BuildHost(AzuriteFixture.UniqueName("hub"));
        await using var _ = app;
        await app.StartAsync();
        var client = app.Services.GetRequiredService<DurableTaskClient>();

        var instanceId = await client.ScheduleNewOrchestrationInstanceAsync("CallChild", new ParentRequest("Cy", call));
        using var bound = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        OrchestrationMetadata parent;
        try
        {
            parent = await client.WaitForInstanceCompletionAsync(instanceId, getInputsAndOutputs: true, bound.Token);
        }
        catch (OperationCanceledException) when (bound.IsCancellationRequested)
        {
            var stuck = await client.GetInstanceAsync(instanceId, getInputsAndOutputs: true);
            var child = call == ChildCall.GeneratedInstanceId ? null : await client.GetInstanceAsync(instanceId + ":child", getInputsAndOutputs: true);
            Assert.Fail($"The parent did not complete within 60 s: parent {stuck?.RuntimeStatus}, child {child?.RuntimeStatus.ToString() ?? "(id not known)"} with output {child?.SerializedOutput}.");
            throw;
        }
        await app.StopAsync();

        Assert.True(parent.RuntimeStatus == OrchestrationRuntimeStatus.Completed, $"{parent.RuntimeStatus}: {parent.FailureDetails}");
        Assert.Equal("parent got: Hello, Cy (Greet) in round 1", parent.ReadOutputAs<string>());
    }
}
