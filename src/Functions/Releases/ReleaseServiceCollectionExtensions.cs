using Azure.Core;
using Azure.Data.Tables;
using Azure.Identity;
using Blueshift.Functions.Analysis;
using Blueshift.Functions.Analysis.AzureMonitor;
using Blueshift.Functions.Azure;
using Blueshift.Functions.Azure.AppService;
using Blueshift.Functions.Azure.Monitor;
using Blueshift.Functions.Notifications;
using Blueshift.Functions.Traffic;
using Blueshift.Functions.Traffic.AppService;
using Blueshift.Functions.Hosting;
using Blueshift.Functions.Storage;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Blueshift.Functions.Releases;

public static class ReleaseServiceCollectionExtensions
{
    /// <summary>
    /// Registers the releases API and what its orchestrations' activities use: the options (validated at start-up), the
    /// release registry on Table storage, the notifiers, the HTTP probe and the App Service and metrics adapters behind
    /// their ports. The app registry (<see cref="Apps.IManagedAppStore"/>) and the audit trail are registered by their own features.
    /// </summary>
    public static IServiceCollection AddReleases(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<ReleaseOptions>()
            .Bind(configuration.GetSection(ReleaseOptions.SectionName))
            .ValidateOnStart();
        services.AddSingleton<IValidateOptions<ReleaseOptions>, ReleaseOptionsValidator>();
        services.AddOptions<NotificationOptions>().Bind(configuration.GetSection(NotificationOptions.SectionName));
        services.AddSingleton(sp => sp.GetRequiredService<IOptions<ReleaseOptions>>().Value);
        services.AddSingleton(sp => sp.GetRequiredService<IOptions<NotificationOptions>>().Value);

        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<IReleaseIdSource, RandomReleaseIdSource>();
        services.TryAddSingleton<TokenCredential>(_ => new DefaultAzureCredential());
        services.TryAddSingleton(sp => sp.GetRequiredService<ReleaseOptions>().WeeklyCodeFreeze
            ? ReleaseGatePolicies.Default
            : ReleaseGatePolicies.Default with { Windows = ReleaseGatePolicies.Default.Windows with { RecurringFreezes = [] } });

        services.AddBlueshiftStorage(configuration);
        services.AddSingleton(sp =>
        {
            var options = sp.GetRequiredService<ReleaseOptions>();
            var tables = options.StorageConnectionString is { Length: > 0 } own
                ? StorageConnection.FromConnectionString(own, $"{ReleaseOptions.SectionName}:StorageConnectionString").CreateTableServiceClient()
                : sp.GetRequiredService<TableServiceClient>();
            return new ReleaseRegistry(tables.GetTableClient(options.TableName));
        });
        // One ARM configuration (Blueshift:Azure) serves slots and metrics; its credential is validated at start-up.
        services.AddAzureResourceManager(configuration);
        services.AddSingleton<IAppServiceSlots>(sp => sp.GetRequiredService<ReleaseOptions>().SlotsProvider switch
        {
            ReleaseOptions.AppServiceProvider => new ArmAppServiceSlots(sp.GetRequiredService<WebSitesClient>()),
            var unknown => throw new InvalidOperationException($"Unknown slots provider '{unknown}'."),
        });
        services.AddSingleton<IMetricsProvider>(sp => sp.GetRequiredService<ReleaseOptions>().MetricsProvider switch
        {
            // At the grain the release orchestrations analyse with (Azure's minute unless set shorter for tests or a demo).
            ReleaseOptions.AzureMonitorProvider => new AzureMonitorMetricsProvider(
                sp.GetRequiredService<MetricsClient>(), sp.GetRequiredService<IOptions<Orchestration.ReleaseOrchestrationOptions>>().Value.MetricGrain),
            var unknown => throw new InvalidOperationException($"Unknown metrics provider '{unknown}'."),
        });
        services.AddHttpContextAccessor();
        services.TryAddSingleton<DurableClientAccessor>();
        services.AddSingleton<IReleaseService, ReleaseService>();

        services.AddHttpClient(nameof(HttpSlotProbe), c => c.Timeout = Timeout.InfiniteTimeSpan)
            .ConfigurePrimaryHttpMessageHandler(() => new SocketsHttpHandler { AllowAutoRedirect = false, PooledConnectionLifetime = TimeSpan.FromMinutes(5) });
        services.AddSingleton<ISlotProbe>(sp => new HttpSlotProbe(
            sp.GetRequiredService<IHttpClientFactory>().CreateClient(nameof(HttpSlotProbe)), sp.GetRequiredService<ReleaseOptions>()));

        services.AddHttpClient(nameof(WebhookNotifier), (sp, c) => c.Timeout = sp.GetRequiredService<NotificationOptions>().Timeout);
        services.AddSingleton<INotifier>(sp => new WebhookNotifier(sp.GetRequiredService<IHttpClientFactory>().CreateClient(nameof(WebhookNotifier))));
        services.AddSingleton<INotifier>(sp => new EventGridNotifier(sp.GetRequiredService<NotificationOptions>(), sp.GetRequiredService<TokenCredential>()));
        return services;
    }

    private sealed class ReleaseOptionsValidator : IValidateOptions<ReleaseOptions>
    {
        public ValidateOptionsResult Validate(string? name, ReleaseOptions options)
        {
            var problems = options.Validate();
            return problems.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(problems);
        }
    }
}
