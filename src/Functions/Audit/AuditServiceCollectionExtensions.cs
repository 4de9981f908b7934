using Blueshift.Storage.Tables;

namespace Blueshift.Functions.Audit;

public static class AuditServiceCollectionExtensions
{
    /// <summary>Registers the append-only audit trail on the <c>AzureWebJobsStorage</c> account's Table service.</summary>
    public static IServiceCollection AddAuditTrail(this IServiceCollection services, IConfiguration configuration)
    {
        var options = configuration.GetSection(AuditOptions.SectionName).Get<AuditOptions>() ?? new AuditOptions();
        services.AddSingleton<IAuditTrail>(_ =>
        {
            var connectionString = configuration["AzureWebJobsStorage"];
            if (string.IsNullOrWhiteSpace(connectionString))
            {
                throw new InvalidOperationException("The audit trail has no storage: set AzureWebJobsStorage to a storage connection string.");
            }
            return new TableAuditTrail(new TableClient(connectionString, options.TableName));
        });
        return services;
    }
}
