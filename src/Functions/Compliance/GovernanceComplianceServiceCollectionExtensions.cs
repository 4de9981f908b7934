using Azure.Data.Tables;
using Blueshift.Functions.Hosting;
using Blueshift.Functions.Storage;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Blueshift.Functions.Compliance;

public static class GovernanceComplianceServiceCollectionExtensions
{
    /// <summary>
    /// Registers the DR exercise store and its API (<c>/api/compliance/dr-exercises</c>), the retrospective of a release
    /// (<c>POST /api/releases/{id}/retrospective</c>) and three compliance checks as <see cref="IComplianceCheck"/>: DR
    /// reminders, backup verification and governance. The job orchestration finds them among the registered checks by
    /// <see cref="IComplianceCheck.Job"/>.
    /// </summary>
    public static IServiceCollection AddGovernanceCompliance(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<DrExerciseOptions>().Bind(configuration.GetSection(DrExerciseOptions.SectionName)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<DrExerciseOptions>>(new ValidateWith<DrExerciseOptions>(o => o.Validate()));
        services.AddOptions<GovernanceOptions>().Bind(configuration.GetSection(GovernanceOptions.SectionName)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<GovernanceOptions>>(new ValidateWith<GovernanceOptions>(o => o.Validate()));
        services.AddOptions<BackupVerificationOptions>().Bind(configuration.GetSection(BackupVerificationOptions.SectionName)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<BackupVerificationOptions>>(new ValidateWith<BackupVerificationOptions>(o => o.Validate()));

        services.TryAddSingleton(TimeProvider.System);
        services.AddBlueshiftStorage(configuration);
        services.TryAddSingleton(sp => new TableDrExerciseStore(
            sp.GetRequiredService<TableServiceClient>().GetTableClient(sp.GetRequiredService<IOptions<DrExerciseOptions>>().Value.TableName)));
        services.TryAddSingleton<IDrExerciseStore>(sp => sp.GetRequiredService<TableDrExerciseStore>());
        services.TryAddSingleton<IDrExerciseHistory>(sp => sp.GetRequiredService<TableDrExerciseStore>());

        services.TryAddEnumerable(ServiceDescriptor.Singleton<IComplianceCheck, DrRemindersCheck>());
        // Reads releases as the releases API does: their index (AddReleases registers it) and their orchestrations.
        services.AddHttpContextAccessor();
        services.TryAddSingleton<DurableClientAccessor>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IComplianceCheck, GovernanceCheck>());
        // Reads ARM through the WebSitesClient AddReleases registers (AddAzureResourceManager).
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IComplianceCheck, BackupVerificationCheck>());
        services.AddFunctionModule<GovernanceComplianceModule>();
        return services;
    }

    private sealed class ValidateWith<T>(Func<T, IEnumerable<string>> validate) : IValidateOptions<T>
        where T : class
    {
        public ValidateOptionsResult Validate(string? name, T options)
        {
            var failures = validate(options).ToList();
            return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
        }
    }
}

/// <summary>The DR exercises API and the retrospective of a release in the function catalog.</summary>
public sealed class GovernanceComplianceModule : IFunctionModule
{
    public void Map(IEndpointRouteBuilder endpoints)
    {
        DrExerciseEndpoints.Map(endpoints);
        RetrospectiveEndpoints.Map(endpoints);
    }
}
