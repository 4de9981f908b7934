using Blueshift.Functions.Hosting;

namespace Blueshift.Functions.Health;

public static class HealthServices
{
    public static IServiceCollection AddHealth(this IServiceCollection services)
    {
        services.AddOptions<HealthOptions>().BindConfiguration(HealthOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<IReadinessCheck, StorageReadinessCheck>();
        services.AddFunctionModule<HealthModule>();
        return services;
    }
}
