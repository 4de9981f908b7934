using Azure.Data.Tables;
using Blueshift.Functions.Azure;
using Blueshift.Functions.Azure.AppService;
using Blueshift.Functions.Hosting;
using Blueshift.Functions.Storage;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Blueshift.Functions.Compliance;

public static class ComplianceServiceCollectionExtensions
{
    /// <summary>
    /// Registers the compliance jobs' framework: options (validated at start-up), the findings store and recorder on the
    /// <c>AzureWebJobsStorage</c> account's tables, the job runs, and the compliance API. Each job's check
    /// (<see cref="IComplianceCheck"/>) is registered here too, one line per job. The restore test's settings, which the job
    /// runs hand to the restore-test job, are bound and validated once, by
    /// <see cref="RestoreTest.RestoreTestServiceCollectionExtensions.AddRestoreTest"/>.
    /// </summary>
    public static IServiceCollection AddCompliance(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<ComplianceOptions>()
            .Bind(configuration.GetSection(ComplianceOptions.SectionName))
            .Validate(o => o.Validate().Count == 0, "Blueshift:Compliance is invalid: check FindingsTable, RunsTable, BatchSize and MaxPageSize.")
            .ValidateOnStart();
        services.TryAddSingleton(TimeProvider.System);
        services.AddBlueshiftStorage(configuration);
        services.TryAddSingleton<IComplianceFindingStore>(sp => new TableComplianceFindingStore(
            sp.GetRequiredService<TableServiceClient>().GetTableClient(sp.GetRequiredService<IOptions<ComplianceOptions>>().Value.FindingsTable)));
        services.TryAddSingleton<ComplianceFindingsRecorder>();
        services.TryAddSingleton(sp => new ComplianceRunStore(
            sp.GetRequiredService<TableServiceClient>().GetTableClient(sp.GetRequiredService<IOptions<ComplianceOptions>>().Value.RunsTable)));
        services.TryAddSingleton<ComplianceJobRuns>();
        services.AddFunctionModule<ComplianceApiModule>();
        services.AddHttpContextAccessor();
        services.TryAddSingleton<DurableClientAccessor>();

        // The checks, one per job. ARM (Blueshift:Azure) is registered by the releases; a host without them gets it here.
        if (!services.Any(d => d.ServiceType == typeof(WebSitesClient)))
        {
            services.AddAzureResourceManager(configuration);
        }
        services.AddSingleton<IComplianceCheck>(sp => new BackupRpoCheck(sp.GetRequiredService<WebSitesClient>()));
        return services;
    }
}
