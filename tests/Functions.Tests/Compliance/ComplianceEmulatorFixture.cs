using Azure.Core;
using Azure.Core.Pipeline;
using Azure.Data.Tables;
using Blueshift.AppServiceEmulator;
using Blueshift.Functions.Apps;
using Blueshift.Functions.Azure;
using Blueshift.Functions.Compliance;
using Blueshift.Functions.Compliance.ConfigDrift;
using Blueshift.Functions.Compliance.SecretRotation;
using Blueshift.Functions.Releases;
using Blueshift.Testing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Xunit;

namespace Blueshift.Functions.Tests.Compliance;

/// <summary>
/// One App Service emulator with its Key Vault stand-in on a manual clock, shared by a test class; each test seeds its own
/// site and secrets (unique names). The checks are built the way the app registers them, from configuration, reaching the
/// emulator over HTTP and the vault over https trusting exactly its certificate.
/// </summary>
public sealed class ComplianceEmulatorFixture : IAsyncLifetime
{
    public const string Subscription = "0b1f6471-1bf0-4dda-aec3-cb9272f09590";
    public const string ResourceGroup = "rg-compliance";

    public static readonly DateTimeOffset Now = new(2026, 12, 1, 8, 0, 0, TimeSpan.Zero);

    public ManualTimeProvider Time { get; } = new(Now);

    public AppServiceEmulatorServer Emulator { get; private set; } = null!;

    public KeyVaultEmulator Vault => Emulator.KeyVault!;

    public async Task InitializeAsync() =>
        Emulator = await AppServiceEmulatorServer.StartAsync(new EmulatorOptions { TimeProvider = Time, SimulateLatency = false, KeyVault = true });

    public async Task DisposeAsync() => await Emulator.DisposeAsync();

    /// <summary>A new site with a staging slot, and its registration (compliance terms as given).</summary>
    public async Task<(EmulatedSite Site, ManagedApp App)> CreateAppAsync(string prefix, AppComplianceSettings? compliance = null)
    {
        var name = $"{prefix}-{Guid.NewGuid().ToString("N")[..8]}";
        var site = await Emulator.CreateSiteAsync(Subscription, ResourceGroup, name, ["staging"]);
        return (site, new ManagedApp(name, site.ResourceId, Compliance: compliance));
    }

    /// <summary>The app's services for the checks: ARM and Key Vault on the emulator, the release registry on Azurite.</summary>
    public ServiceProvider Services(AzuriteFixture azurite, IDictionary<string, string?>? settings = null)
    {
        var all = new Dictionary<string, string?>
        {
            [$"{AzureOptions.SectionName}:ResourceManagerEndpoint"] = Emulator.ArmEndpoint.ToString(),
            [$"{AzureOptions.SectionName}:Credential"] = "Development",
            [$"{SecretRotationCheckOptions.SectionName}:VaultEndpoint"] = Vault.VaultUri.ToString(),
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            all[key] = value;
        }
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(all).Build();
        var services = new ServiceCollection();
        services.AddAzureResourceManager(configuration);
        services.AddSingleton(new ReleaseRegistry(new TableClient(azurite.ConnectionString, AzuriteFixture.UniqueName("releases"))));
        services.AddSecretRotationCheck(configuration, client =>
        {
            // Trust the stand-in's own certificate, in tests only; retry throttling quickly.
            client.Transport = new HttpClientTransport(Vault.CreateHttpHandler());
            client.Retry.Delay = TimeSpan.FromMilliseconds(10);
            client.Retry.Mode = RetryMode.Fixed;
        });
        services.AddConfigDriftCheck(configuration);
        return services.BuildServiceProvider();
    }

    public static IComplianceCheck Check(IServiceProvider services, ComplianceJob job) =>
        services.GetServices<IComplianceCheck>().Single(c => c.Job == job);
}
