using Blueshift.Functions.Releases;
using Blueshift.Functions.Releases.Orchestration;
using Blueshift.Testing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Xunit;

namespace Blueshift.Functions.Tests.Releases.Orchestration;

/// <summary>
/// The orchestration functions as the app registers them (<c>AddBlueshiftFunctions</c>, as Program.cs and the local host
/// call it): every activity gets its services, and the orchestration options are checked when the app starts.
/// </summary>
public sealed class ReleaseOrchestrationFunctionsTests(AzuriteFixture azurite) : IClassFixture<AzuriteFixture>
{
    public static TheoryData<Type> ActivityClasses => new()
    {
        typeof(SlotActivities),
        typeof(MetricsActivities),
        typeof(ProbeActivities),
        typeof(NotificationActivities),
        typeof(AuditActivities),
        typeof(ChangeControlActivities),
    };

    [Theory]
    [MemberData(nameof(ActivityClasses))]
    public void AddBlueshiftFunctions_EachActivityClass_IsBuiltFromTheAppsServices(Type activities)
    {
        using var host = Build();

        Assert.NotNull(ActivatorUtilities.GetServiceOrCreateInstance(host.Services, activities));
    }

    [Fact]
    public async Task EvaluateWindow_ThroughTheFunction_JudgesWithTheAppsGatePolicies()
    {
        using var host = Build();
        var functions = ActivatorUtilities.CreateInstance<ReleaseOrchestrationFunctions>(host.Services);

        var query = new WindowQuery("Patch", "Standard", new DateTimeOffset(2026, 12, 24, 12, 0, 0, TimeSpan.Zero));

        var decision = await functions.EvaluateWindow(query, CancellationToken.None);

        Assert.Equal(await new ChangeControlActivities(ReleaseGatePolicies.Default).EvaluateWindowAsync(query, CancellationToken.None), decision);
    }

    [Fact]
    public void AddBlueshiftFunctions_UnusableOrchestrationOptions_FailsAtStartNamingTheSetting()
    {
        using var host = Build(new Dictionary<string, string?> { [ReleaseOrchestrationOptions.SectionName + ":MaxActivityAttempts"] = "0" });

        var ex = Assert.Throws<OptionsValidationException>(() => host.Services.GetRequiredService<IStartupValidator>().Validate());

        Assert.Contains("MaxActivityAttempts", ex.Message);
    }

    [Fact]
    public void AddBlueshiftFunctions_DefaultOrchestrationOptions_PassTheStartCheck()
    {
        using var host = Build();

        host.Services.GetRequiredService<IStartupValidator>().Validate();

        Assert.Equal(TimeSpan.FromMinutes(10), host.Services.GetRequiredService<IOptions<ReleaseOrchestrationOptions>>().Value.BakeTime);
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
        return builder.Build();
    }
}
