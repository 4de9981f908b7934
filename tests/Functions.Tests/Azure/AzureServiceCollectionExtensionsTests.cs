using Blueshift.Functions.Azure;
using Blueshift.Functions.Azure.AppService;
using Blueshift.Functions.Azure.Monitor;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Xunit;

namespace Blueshift.Functions.Tests.Azure;

public sealed class AzureServiceCollectionExtensionsTests
{
    private static ServiceProvider Build(params (string Key, string Value)[] settings)
    {
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(settings.Select(s => new KeyValuePair<string, string?>(s.Key, s.Value)))
            .Build();
        return new ServiceCollection().AddAzureResourceManager(configuration).BuildServiceProvider();
    }

    [Fact]
    public void AddAzureResourceManager_NoConfiguration_TargetsPublicArmWithManagedIdentity()
    {
        using var provider = Build();

        Assert.Equal(new Uri("https://management.azure.com"), provider.GetRequiredService<WebSitesClient>().Endpoint);
        Assert.NotNull(provider.GetRequiredService<MetricsClient>());
    }

    [Fact]
    public void AddAzureResourceManager_DevelopmentCredentialOnLoopback_TargetsTheEmulator()
    {
        using var provider = Build(("Blueshift:Azure:ResourceManagerEndpoint", "http://127.0.0.1:7071"), ("Blueshift:Azure:Credential", "Development"));

        Assert.Equal(new Uri("http://127.0.0.1:7071"), provider.GetRequiredService<WebSitesClient>().Endpoint);
    }

    [Fact]
    public void AddAzureResourceManager_DevelopmentCredentialAgainstAzure_FailsAtStartup()
    {
        var error = Assert.Throws<InvalidOperationException>(() => Build(("Blueshift:Azure:Credential", "Development")));

        Assert.Contains("loopback", error.Message);
    }

    [Fact]
    public void AddAzureResourceManager_UnknownCredential_FailsClosedAtStartup()
    {
        var error = Assert.Throws<InvalidOperationException>(() => Build(("Blueshift:Azure:Credential", "ClientSecret")));

        Assert.Contains("ManagedIdentity, Default, Development", error.Message);
    }
}
