using Azure.Data.Tables;
using Blueshift.Functions.Apps;
using Blueshift.Functions.Audit;
using Blueshift.Functions.Hosting;
using Blueshift.Functions.Releases;
using Blueshift.Functions.Security;
using Blueshift.Functions.Storage;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Blueshift.Functions.Api;

/// <summary>Services of the HTTP API: settings validated at start-up, caller identity, the OpenAPI document.</summary>
public static class ApiRegistration
{
    public static IServiceCollection AddBlueshiftApi(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddFunctionModule<ReleaseApiModule>();
        services.AddFunctionModule<AppsModule>();
        services.AddFunctionModule<AuditApiModule>();
        services.AddFunctionModule<OpenApiModule>();
        services.AddBlueshiftStorage(configuration);
        services.TryAddSingleton<IManagedAppStore>(provider =>
        {
            var options = provider.GetRequiredService<IOptions<ApiOptions>>().Value;
            var table = new TableManagedAppStore(provider.GetRequiredService<TableServiceClient>().GetTableClient(options.AppsTable));
            return options.AlertRoutingRefresh > TimeSpan.Zero
                ? new CachedManagedAppStore(table, provider.GetRequiredService<TimeProvider>(), options.AlertRoutingRefresh)
                : table;
        });

        services.TryAddSingleton(TimeProvider.System);
        services.AddOptions<ApiOptions>().Bind(configuration.GetSection(ApiOptions.Section)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<ApiOptions>>(new ValidateWith<ApiOptions>(o => o.Validate()));
        services.AddOptions<SecurityOptions>().Bind(configuration.GetSection(SecurityOptions.Section)).ValidateOnStart();
        // App Service sets WEBSITE_INSTANCE_ID on every instance; a development identity there would let anyone in.
        var runningInAzure = !string.IsNullOrEmpty(Environment.GetEnvironmentVariable("WEBSITE_INSTANCE_ID"));
        services.AddSingleton<IValidateOptions<SecurityOptions>>(new ValidateWith<SecurityOptions>(o => o.Validate(runningInAzure)));
        if (configuration.GetSection($"{SecurityOptions.Section}:Entra:Authority").Value is { Length: > 0 })
        {
            services.TryAddSingleton<EntraTokenValidator>();
        }
        services.TryAddSingleton<CallerResolver>();
        services.AddOpenApi(OpenApiModule.DocumentName, openApi =>
        {
            // Only the functions' endpoints (under the route prefix) are the API callers use.
            openApi.ShouldInclude = description => description.RelativePath?.StartsWith(FunctionEndpoints.RoutePrefix + "/", StringComparison.Ordinal) == true;
            openApi.AddDocumentTransformer((document, _, _) =>
            {
                document.Info.Title = "Blueshift";
                document.Info.Description = "Progressive releases to Azure App Service: releases, managed apps, the audit trail, the Azure Monitor alert webhook and health.";
                return Task.CompletedTask;
            });
            openApi.AddDocumentTransformer(OpenApiSecurity.AddSchemesAsync);
            openApi.AddOperationTransformer(OpenApiSecurity.RequireAsync);
            openApi.AddOperationTransformer(ApiConventions.DescribeBodyAndHeadersAsync);
            openApi.AddSchemaTransformer(Apps.ComplianceOpenApi.DescribeWithheldValuesAsync);
        });
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
