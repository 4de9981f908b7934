using Blueshift.Functions.Releases;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Xunit;

namespace Blueshift.Functions.Tests.Releases;

public sealed class ReleaseOptionsTests
{
    private static ReleaseOptions Resolve(Dictionary<string, string?> settings)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        var services = new ServiceCollection();
        services.AddReleases(configuration);
        using var provider = services.BuildServiceProvider();
        return provider.GetRequiredService<IOptions<ReleaseOptions>>().Value;
    }

    [Fact]
    public void AddReleases_Defaults_AreValid()
    {
        var options = Resolve([]);

        Assert.Equal([10, 25, 50, 100], options.EffectiveTrafficSteps);
        Assert.Equal(ReleaseOptions.AppServiceProvider, options.SlotsProvider);
        Assert.Empty(options.Validate());
    }

    [Theory]
    [InlineData("Blueshift:Releases:MetricsProvider", "Prometheus", "MetricsProvider 'Prometheus' is unknown")]
    [InlineData("Blueshift:Releases:SlotsProvider", "Istio", "SlotsProvider 'Istio' is unknown")]
    [InlineData("Blueshift:Releases:RollbackWindowAfterSuccess", "-00:01:00", "RollbackWindowAfterSuccess must not be negative")]
    [InlineData("Blueshift:Releases:SlotScheme", "ftp", "SlotScheme must be 'https' or 'http'")]
    [InlineData("Blueshift:Releases:TrafficSteps:0", "50", null)]
    public void AddReleases_MisconfiguredSetting_FailsAtStartUpSayingWhat(string key, string value, string? expected)
    {
        var settings = new Dictionary<string, string?> { [key] = value };
        if (expected is null)
        {
            // 50 then 25: steps that go down are refused.
            settings["Blueshift:Releases:TrafficSteps:1"] = "25";
            expected = "Traffic steps must increase strictly";
        }

        var error = Assert.Throws<OptionsValidationException>(() => Resolve(settings));

        Assert.Contains(expected, error.Message);
    }
}
