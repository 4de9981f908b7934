using Azure.Core;
using Azure.Identity;
using Blueshift.Functions.Azure.AppService;
using Blueshift.Functions.Azure.Monitor;
using Blueshift.Functions.Azure.ResourceManager;

namespace Blueshift.Functions.Azure;

public static class AzureServiceCollectionExtensions
{
    /// <summary>
    /// Registers <see cref="WebSitesClient"/> and <see cref="MetricsClient"/> as singletons configured from
    /// <see cref="AzureOptions.SectionName"/>. The options are validated here, so a bad configuration stops start-up.
    /// Retry waits run on the system clock: they pace real HTTP calls, never a release's (possibly simulated) time.
    /// </summary>
    public static IServiceCollection AddAzureResourceManager(this IServiceCollection services, IConfiguration configuration)
    {
        var options = configuration.GetSection(AzureOptions.SectionName).Get<AzureOptions>() ?? new AzureOptions();
        options.Validate();
        var credential = CreateCredential(options);
        services.AddSingleton(_ => new WebSitesClient(credential, new AppServiceClientOptions
        {
            Endpoint = options.ResourceManagerEndpoint,
        }));
        services.AddSingleton(_ => new MetricsClient(credential, new MetricsClientOptions
        {
            Endpoint = options.ResourceManagerEndpoint,
        }));
        return services;
    }

    /// <summary>Blueshift's Azure identity as <paramref name="options"/> configure it (also for Key Vault).</summary>
    internal static TokenCredential CreateCredential(AzureOptions options) => options.Credential.ToLowerInvariant() switch
    {
        "managedidentity" => options.ManagedIdentityClientId is { Length: > 0 } clientId
            ? new ManagedIdentityCredential(ManagedIdentityId.FromUserAssignedClientId(clientId))
            : new ManagedIdentityCredential(ManagedIdentityId.SystemAssigned),
        "default" => new DefaultAzureCredential(),
        "development" => StaticTokenCredential.Development(),
        _ => throw new InvalidOperationException($"{AzureOptions.SectionName}:Credential '{options.Credential}' is not supported."),
    };
}
