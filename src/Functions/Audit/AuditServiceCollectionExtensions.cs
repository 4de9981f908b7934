using Azure.Data.Tables;
using Blueshift.Functions.Storage;

namespace Blueshift.Functions.Audit;

public static class AuditServiceCollectionExtensions
{
    /// <summary>Registers the append-only audit trail on the <c>AzureWebJobsStorage</c> account's Table service.</summary>
    public static IServiceCollection AddAuditTrail(this IServiceCollection services, IConfiguration configuration)
    {
        var options = configuration.GetSection(AuditOptions.SectionName).Get<AuditOptions>() ?? new AuditOptions();
        services.AddBlueshiftStorage(configuration);
        services.AddSingleton<IAuditTrail>(sp => new TableAuditTrail(sp.GetRequiredService<TableServiceClient>().GetTableClient(options.TableName)));
        return services;
    }
}
