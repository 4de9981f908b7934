using Azure.Data.Tables;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Blueshift.Functions.Storage;

public static class StorageServiceCollectionExtensions
{
    /// <summary>
    /// Registers the storage account of <c>AzureWebJobsStorage</c> (<see cref="StorageConnection"/>) and one
    /// <see cref="TableServiceClient"/> for it, shared by every feature that keeps tables. Each feature's registration
    /// calls this, so calling it again is harmless; a client registered before it (a test's, say) is kept. The setting is
    /// read when the client is first needed, so an app without storage still starts and its readiness check says why.
    /// </summary>
    public static IServiceCollection AddBlueshiftStorage(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        services.TryAddSingleton(_ => StorageConnection.FromConfiguration(configuration));
        services.TryAddSingleton(sp => sp.GetRequiredService<StorageConnection>().CreateTableServiceClient());
        return services;
    }
}
