using Blueshift.LocalFunctionsHost.Durable;
using Blueshift.Testing;
using Xunit;

namespace Blueshift.LocalFunctionsHost.Tests.FunctionAppHosting;

public sealed class HostJsonDurableSettingsTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("blueshift-hostjson-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private string Write(string json)
    {
        var path = Path.Combine(_folder, "host.json");
        File.WriteAllText(path, json);
        return path;
    }

    [Fact]
    public void Apply_RepositoryHostJson_GivesTheLocalHostBlueshiftsTaskHubChoices()
    {
        var options = new DurableHostOptions();

        HostJsonDurableSettings.Apply(options, RepositoryPaths.InRepository("host.json"));

        Assert.Empty(options.Problems());
        Assert.False(options.OverrideRunningInstances);
        Assert.Equal((true, TimeSpan.FromSeconds(30), 50, 50),
            (options.ExtendedSessionsEnabled, options.ExtendedSessionIdleTimeout, options.MaxConcurrentActivities, options.MaxConcurrentOrchestrations));
        Assert.Equal((4, 32, 256, TimeSpan.FromSeconds(5)),
            (options.PartitionCount, options.ControlQueueBatchSize, options.ControlQueueBufferThreshold, options.MaxQueuePollingInterval));
    }

    [Fact]
    public void Apply_EverySetting_ReachesTheOptions()
    {
        var path = Write("""
            {
              "version": "2.0",
              // The Functions host accepts comments in host.json.
              "extensions": {
                "durableTask": {
                  "extendedSessionsEnabled": true,
                  "extendedSessionIdleTimeoutInSeconds": 12,
                  "maxConcurrentActivityFunctions": 7,
                  "maxConcurrentOrchestratorFunctions": 9,
                  "storageProvider": {
                    "partitionCount": 2,
                    "controlQueueBatchSize": 16,
                    "controlQueueBufferThreshold": 100,
                    "maxQueuePollingInterval": "00:00:05",
                    "controlQueueVisibilityTimeout": "00:02:00",
                    "workItemQueueVisibilityTimeout": "00:03:00"
                  }
                }
              }
            }
            """);
        var options = new DurableHostOptions();

        HostJsonDurableSettings.Apply(options, path);

        Assert.Equal((true, TimeSpan.FromSeconds(12), 7, 9),
            (options.ExtendedSessionsEnabled, options.ExtendedSessionIdleTimeout, options.MaxConcurrentActivities, options.MaxConcurrentOrchestrations));
        Assert.Equal((2, 16, 100, TimeSpan.FromSeconds(5), TimeSpan.FromMinutes(2), TimeSpan.FromMinutes(3)),
            (options.PartitionCount, options.ControlQueueBatchSize, options.ControlQueueBufferThreshold, options.MaxQueuePollingInterval,
                options.ControlQueueVisibilityTimeout, options.WorkItemQueueVisibilityTimeout));
    }

    [Fact]
    public void Apply_NoDurableSection_KeepsTheOptions()
    {
        var path = Write("""{ "version": "2.0", "extensions": { "http": { "routePrefix": "api" } } }""");
        var options = new DurableHostOptions { PartitionCount = 3 };

        HostJsonDurableSettings.Apply(options, path);

        Assert.Equal(3, options.PartitionCount);
        Assert.False(options.ExtendedSessionsEnabled);
    }

    [Theory]
    [InlineData("""{ "storageProvider": { "partitionCount": "four" } }""", "extensions.durableTask.storageProvider.partitionCount is \"four\", not a whole number")]
    [InlineData("""{ "storageProvider": { "maxQueuePollingInterval": 30 } }""", "extensions.durableTask.storageProvider.maxQueuePollingInterval is 30, not a time span")]
    [InlineData("""{ "extendedSessionsEnabled": "yes" }""", "extensions.durableTask.extendedSessionsEnabled is \"yes\", not true or false")]
    [InlineData("""{ "overridableExistingInstanceStates": "Running" }""", "extensions.durableTask.overridableExistingInstanceStates is \"Running\", not \"AnyState\" or \"NonRunningStates\"")]
    public void Apply_ValueOfTheWrongKind_FailsNamingTheSetting(string durableTask, string expected)
    {
        var path = Write($$"""{ "version": "2.0", "extensions": { "durableTask": {{durableTask}} } }""");

        var ex = Assert.Throws<FunctionAppHostException>(() => HostJsonDurableSettings.Apply(new DurableHostOptions(), path));

        Assert.Contains(expected, ex.Message);
        Assert.Contains(path, ex.Message);
    }

    [Fact]
    public void Apply_NotJson_FailsNamingTheFile()
    {
        var path = Write("{ not json");

        var ex = Assert.Throws<FunctionAppHostException>(() => HostJsonDurableSettings.Apply(new DurableHostOptions(), path));

        Assert.Contains(path + " is not valid JSON", ex.Message);
    }
}
