using Blueshift.Functions.Alerts;
using Blueshift.Functions.Api;
using Blueshift.Functions.Audit;
using Blueshift.Functions.Compliance;
using Blueshift.Functions.Compliance.ConfigDrift;
using Blueshift.Functions.Compliance.RestoreTest;
using Blueshift.Functions.Compliance.SecretRotation;
using Blueshift.Functions.Diagnostics;
using Blueshift.Functions.Health;
using Blueshift.Functions.Hosting;
using Blueshift.Functions.Releases;
using Blueshift.Functions.Releases.Orchestration;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Blueshift.Functions;

public static class BlueshiftFunctionsServiceCollectionExtensions
{
    /// <summary>
    /// Everything Blueshift's function classes need, besides what the Functions worker (or a host standing in for it)
    /// provides: each capability's services and endpoints, and the table that lets each HTTP function run its endpoint.
    /// </summary>
    public static IServiceCollection AddBlueshiftFunctions(this IServiceCollection services, IConfiguration configuration)
    {
        services.TryAddSingleton(TimeProvider.System);
        services.AddHealth();
        services.AddDiagnostics(configuration);
        services.AddAuditTrail(configuration);
        services.AddBlueshiftApi(configuration);
        services.AddReleases(configuration);
        services.AddReleaseOrchestrationOptions(configuration);
        services.AddAlerts(configuration);
        services.AddGovernanceCompliance(configuration);
        services.AddSecretRotationCheck(configuration);
        services.AddConfigDriftCheck(configuration);
        services.AddRestoreTest(configuration);
        services.AddCompliance(configuration);
        services.AddFunctionEndpointTable();
        return services;
    }
}
