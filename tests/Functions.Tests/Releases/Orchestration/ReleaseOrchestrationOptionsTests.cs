using Blueshift.Domain.Releases;
using Blueshift.Functions.Releases.Orchestration;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Xunit;

namespace Blueshift.Functions.Tests.Releases.Orchestration;

/// <summary>The orchestrations' durations: bound from configuration, validated when the host starts, seed defaults otherwise.</summary>
public sealed class ReleaseOrchestrationOptionsTests
{
    [Fact]
    public void Bind_NothingConfigured_SeedDefaults()
    {
        var options = Resolve([]);

        Assert.Equal(TimeSpan.FromMinutes(10), options.PostSwapWatch);
        Assert.Equal(TimeSpan.FromMinutes(1), options.MetricGrain);
        Assert.Equal(PhaseTimeouts.Default, options.ToTimeouts());
        var settings = options.ToRunSettings();
        Assert.Equal((TimeSpan.FromMinutes(2), 3, 4), (settings.SwapSettleTime, settings.MaxSwapAttempts, settings.MaxActivityAttempts));
    }

    [Fact]
    public void Bind_SectionSet_DurationsFromConfiguration()
    {
        var options = Resolve(new()
        {
            ["Blueshift:Releases:Orchestration:BakeTime"] = "00:00:05",
            ["Blueshift:Releases:Orchestration:SwapSettleTime"] = "00:00:30",
            ["Blueshift:Releases:Orchestration:OperationTimeout"] = "00:10:00",
            ["Blueshift:Releases:Orchestration:RetryInterval"] = "00:00:01",
            ["Blueshift:Releases:Orchestration:MetricGrain"] = "00:00:01",
        });

        Assert.Equal(TimeSpan.FromSeconds(1), options.MetricGrain);

        Assert.Equal(TimeSpan.FromSeconds(5), options.BakeTime);
        Assert.Equal(TimeSpan.FromSeconds(30), options.ToRunSettings().SwapSettleTime);
        Assert.Equal(TimeSpan.FromMinutes(10), options.ToTimeouts().Operation);
        Assert.Equal(TimeSpan.FromSeconds(1), options.ToRunSettings().RetryInterval);
    }

    [Theory]
    [InlineData("BakeTime", "00:00:00")]
    [InlineData("SwapSettleTime", "-00:00:01")]
    [InlineData("OperationTimeout", "00:00:00")]
    [InlineData("MaxSwapAttempts", "0")]
    [InlineData("MetricGrain", "00:00:00.500")]
    [InlineData("MetricGrain", "00:00:07")]
    [InlineData("MetricGrain", "00:05:00")]
    public void ValidateOnStart_UnusableSetting_FailsNamingIt(string setting, string value)
    {
        using var services = Services(new() { [$"Blueshift:Releases:Orchestration:{setting}"] = value });

        var ex = Assert.Throws<OptionsValidationException>(() => services.GetRequiredService<IStartupValidator>().Validate());

        Assert.Contains($"Blueshift:Releases:Orchestration:{setting}", ex.Message, StringComparison.Ordinal);
    }

    private static ReleaseOrchestrationOptions Resolve(Dictionary<string, string?> settings)
    {
        using var services = Services(settings);
        services.GetRequiredService<IStartupValidator>().Validate();
        return services.GetRequiredService<IOptions<ReleaseOrchestrationOptions>>().Value;
    }

    private static ServiceProvider Services(Dictionary<string, string?> settings) =>
        new ServiceCollection()
            .AddReleaseOrchestrationOptions(new ConfigurationBuilder().AddInMemoryCollection(settings).Build())
            .BuildServiceProvider();
}
