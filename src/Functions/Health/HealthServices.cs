using Blueshift.Functions.Hosting;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Blueshift.Functions.Health;

public static class HealthServices
{
    public static IServiceCollection AddHealth(this IServiceCollection services)
    {
        services.AddOptions<HealthOptions>().BindConfiguration(HealthOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.TryAddSingleton(TimeProvider.System);
        services.AddHttpClient(StorageReadinessCheck.HttpClientName);
        services.AddSingleton<IReadinessCheck, StorageReadinessCheck>();
        services.AddFunctionModule<HealthModule>();
        return services;
    }
}
