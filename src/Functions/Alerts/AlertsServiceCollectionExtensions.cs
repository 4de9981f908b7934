using Azure.Data.Tables;
using Blueshift.Functions.Hosting;
using Blueshift.Functions.Storage;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Blueshift.Functions.Alerts;

public static class AlertsServiceCollectionExtensions
{
    /// <summary>
    /// Registers the alert webhook and its options (validated at start-up). It needs the release engine
    /// (<see cref="Releases.IReleaseService"/>), the app registry (<see cref="Apps.IManagedAppStore"/>) and the audit trail,
    /// which their own features register.
    /// </summary>
    public static IServiceCollection AddAlerts(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<AlertWebhookOptions>()
            .Bind(configuration.GetSection(AlertWebhookOptions.SectionName))
            .ValidateOnStart();
        services.AddSingleton<IValidateOptions<AlertWebhookOptions>, OptionsValidator>();
        var startedByFunctionsHost = !string.IsNullOrEmpty(configuration[FunctionHostingServices.HostEndpointKey]);
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton(sp => new AlertWebhookAuthentication(
            sp.GetRequiredService<IOptions<AlertWebhookOptions>>().Value, startedByFunctionsHost, sp.GetService<Security.EntraTokenValidator>()));
        services.AddBlueshiftStorage(configuration);
        services.AddSingleton(sp =>
        {
            var options = sp.GetRequiredService<IOptions<AlertWebhookOptions>>().Value;
            return new AlertClaims(
                sp.GetRequiredService<TableServiceClient>().GetTableClient(options.TableName), sp.GetRequiredService<TimeProvider>(), options.ClaimLease);
        });
        services.AddSingleton(sp => ActivatorUtilities.CreateInstance<AlertWebhook>(sp, sp.GetRequiredService<IOptions<AlertWebhookOptions>>().Value));
        services.AddFunctionModule<AlertsModule>();
        return services;
    }

    private sealed class OptionsValidator : IValidateOptions<AlertWebhookOptions>
    {
        public ValidateOptionsResult Validate(string? name, AlertWebhookOptions options)
        {
            var problems = options.Validate();
            return problems.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(problems);
        }
    }
}
