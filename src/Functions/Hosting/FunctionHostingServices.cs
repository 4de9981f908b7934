using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Blueshift.Functions.Hosting;

/// <summary>The endpoint table, checked when the app starts, and its endpoints in the app's endpoint list for the OpenAPI document.</summary>
public static class FunctionHostingServices
{
    /// <summary>
    /// The configuration key the Functions host sets for every worker it starts (the address the worker calls back). Present,
    /// the host has checked the function key of every HTTP call before passing it on.
    /// </summary>
    public const string HostEndpointKey = "Functions:Worker:HostEndpoint";

    public static IServiceCollection AddFunctionEndpointTable(this IServiceCollection services)
    {
        services.AddProblemDetails();
        services.AddRouting();
        services.TryAddSingleton<FunctionEndpointTable>();
        services.AddHostedService<EndpointTableCheck>();
        services.TryAddSingleton(_ => new System.Diagnostics.DiagnosticListener("Microsoft.AspNetCore"));

        // ApiExplorer (and so the OpenAPI document) reads the app's EndpointDataSource: the host's own endpoints plus the table's.
        if (!services.Any(d => d.ServiceType == typeof(EndpointDataSource) && d.ImplementationFactory?.Target is TableDataSourceMarker))
        {
            var original = services.Last(d => d.ServiceType == typeof(EndpointDataSource));
            services.Remove(original);
            var marker = new TableDataSourceMarker(original);
            services.AddSingleton<EndpointDataSource>(marker.Create);
        }
        return services;
    }

    private sealed class TableDataSourceMarker(ServiceDescriptor original)
    {
        public EndpointDataSource Create(IServiceProvider services)
        {
            var host = (EndpointDataSource)(original.ImplementationInstance
                ?? original.ImplementationFactory?.Invoke(services)
                ?? ActivatorUtilities.CreateInstance(services, original.ImplementationType!));
            return new CompositeEndpointDataSource([host, services.GetRequiredService<FunctionEndpointTable>().DataSource]);
        }
    }

    /// <summary>Builds the table when the app starts, so a function without its endpoint (or the reverse) stops the start.</summary>
    private sealed class EndpointTableCheck(IServiceProvider services) : IHostedService
    {
        public Task StartAsync(CancellationToken cancellationToken)
        {
            services.GetRequiredService<FunctionEndpointTable>();
            return Task.CompletedTask;
        }

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
