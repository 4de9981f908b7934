using Blueshift.Functions.Compliance;
using Blueshift.Functions.Compliance.RestoreTest;
using Blueshift.Testing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Xunit;

namespace Blueshift.Functions.Tests.Compliance.RestoreTest;

/// <summary>The restore test as the app registers it: its options checked at start, its activities built from the app's services.</summary>
public sealed class RestoreTestRegistrationTests(AzuriteFixture azurite) : IClassFixture<AzuriteFixture>
{
    [Fact]
    public void Activities_WithoutADrExerciseStore_AreBuiltFromTheAppsServices()
    {
        using var host = Build();

        Assert.NotNull(ActivatorUtilities.GetServiceOrCreateInstance<RestoreTestActivities>(host.Services));
    }

    [Fact]
    public void DefaultOptions_PassTheStartCheck_AndGiveTheSeedsObjectives()
    {
        using var host = Build();

        host.Services.GetRequiredService<IStartupValidator>().Validate();

        var timings = host.Services.GetRequiredService<IOptions<RestoreTestOptions>>().Value.ToTimings();
        Assert.Equal("dr", timings.DefaultDrSlot);
        Assert.Equal(TimeSpan.FromHours(4), timings.Rto);
    }

    [Theory]
    [InlineData("DefaultDrSlot", "production")]
    [InlineData("DefaultDrSlot", " ")]
    [InlineData("HealthTimeout", "00:00:00")]
    [InlineData("PollInterval", "-00:00:01")]
    public void UnusableOptions_FailAtStartNamingTheSection(string setting, string value)
    {
        using var host = Build(new Dictionary<string, string?> { [RestoreTestOptions.SectionName + ":" + setting] = value });

        var ex = Assert.Throws<OptionsValidationException>(() => host.Services.GetRequiredService<IStartupValidator>().Validate());

        Assert.Contains(RestoreTestOptions.SectionName, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void OrchestratorSource_NonDeterministicApis_AreNotUsed()
    {
        string[] forbidden =
        [
            "DateTime.Now", "DateTime.UtcNow", "DateTimeOffset.Now", "DateTimeOffset.UtcNow", "TimeProvider", "Stopwatch",
            "Guid.NewGuid", "Random", "Task.Delay", "Thread.Sleep", "Task.Run", "Environment.", "IConfiguration", "HttpClient",
        ];
        var source = File.ReadAllText(RepositoryPaths.InRepository("src", "Functions", "Compliance", "RestoreTest", "RestoreTestOrchestrator.cs"));

        var used = forbidden.Where(api => source.Contains(api, StringComparison.Ordinal)).ToList();

        Assert.True(used.Count == 0, $"The restore test's orchestrator uses {string.Join(", ", used)}: time comes from the context, waits are durable timers.");
    }

    private IHost Build(IDictionary<string, string?>? extra = null)
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["AzureWebJobsStorage"] = azurite.ConnectionString,
            ["Blueshift:Api:AppsTable"] = AzuriteFixture.UniqueName("apps"),
            ["Blueshift:Audit:TableName"] = AzuriteFixture.UniqueName("audit"),
        });
        builder.Configuration.AddInMemoryCollection(extra ?? new Dictionary<string, string?>());
        builder.Services.AddLogging();
        builder.Services.AddBlueshiftFunctions(builder.Configuration);
        builder.Services.AddRestoreTest(builder.Configuration);
        return builder.Build();
    }
}
