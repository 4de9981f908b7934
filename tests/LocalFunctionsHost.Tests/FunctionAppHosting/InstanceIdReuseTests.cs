using Blueshift.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.DependencyInjection;
using Xunit;

namespace Blueshift.LocalFunctionsHost.Tests.FunctionAppHosting;

/// <summary>
/// host.json's <c>overridableExistingInstanceStates</c> through the local host's task hub on Azurite: with
/// <c>NonRunningStates</c> a start whose instance id names a pending instance fails and leaves it as it was; with the
/// default (<c>AnyState</c>) it overwrites it, as the Functions host does.
/// </summary>
public sealed class InstanceIdReuseTests(AzuriteFixture azurite) : IClassFixture<AzuriteFixture>
{
    private WebApplication BuildHost(bool overrideRunningInstances)
    {
        var options = new FunctionAppHostOptions { Urls = $"http://127.0.0.1:{FreePort.Next()}" };
        foreach (var name in new[] { "CallChild", "Child", "Greet" })
        {
            options.Functions.Add(name);
        }
        options.Settings["AzureWebJobsStorage"] = azurite.ConnectionString;
        options.Durable.TaskHubName = AzuriteFixture.UniqueName("hub");
        options.Durable.PartitionCount = 1;
        options.Durable.MaxQueuePollingInterval = TimeSpan.FromMilliseconds(500);
        options.Durable.OverrideRunningInstances = overrideRunningInstances;
        return FunctionAppHost.Build(typeof(SampleSubOrchestrationFunctions).Assembly, (services, _) => services.AddSingleton(new Greeter("Hello")), options);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task SecondStart_OfAPendingInstanceId_FailsOnlyWithNonRunningStates(bool overrideRunningInstances)
    {
        var app = BuildHost(overrideRunningInstances);
        await using var _ = app;
        await app.StartAsync();
        var client = app.Services.GetRequiredService<DurableTaskClient>();
        const string id = "the-one-run";
        // Due in an hour: it stays pending for the whole test.
        var later = DateTimeOffset.UtcNow.AddHours(1);
        await client.ScheduleNewOrchestrationInstanceAsync("CallChild", new ParentRequest("first", ChildCall.GeneratedInstanceId), new StartOrchestrationOptions(id, later));

        var second = await Record.ExceptionAsync(() =>
            client.ScheduleNewOrchestrationInstanceAsync("CallChild", new ParentRequest("second", ChildCall.GeneratedInstanceId), new StartOrchestrationOptions(id, later)));
        var instance = await client.GetInstanceAsync(id, getInputsAndOutputs: true);
        await app.StopAsync();

        Assert.NotNull(instance);
        Assert.Equal(OrchestrationRuntimeStatus.Pending, instance.RuntimeStatus);
        if (overrideRunningInstances)
        {
            Assert.Null(second);
            Assert.Equal("second", instance.ReadInputAs<ParentRequest>()!.Name);
        }
        else
        {
            Assert.NotNull(second);
            Assert.Equal("first", instance.ReadInputAs<ParentRequest>()!.Name);
        }
    }
}
