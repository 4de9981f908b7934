using Blueshift.Functions.Api;

namespace Blueshift.Functions.Hosting;

/// <summary>Registers function modules and maps their endpoints on the paths the Functions host serves them on.</summary>
public static class FunctionEndpoints
{
    /// <summary>The Functions host's route prefix (host.json <c>extensions.http.routePrefix</c>).</summary>
    public const string RoutePrefix = "api";

    /// <summary>Adds a module to the <see cref="FunctionEndpointTable"/>.</summary>
    public static IServiceCollection AddFunctionModule<TModule>(this IServiceCollection services)
        where TModule : class, IFunctionModule
    {
        if (!services.Any(d => d.ServiceType == typeof(IFunctionModule) && d.ImplementationType == typeof(TModule)))
        {
            services.AddSingleton<IFunctionModule, TModule>();
        }
        return services;
    }

    /// <summary>The path an HTTP function is served on, e.g. <c>/api/releases/{id}</c>.</summary>
    public static string PathOf(HttpFunction function) => "/" + RoutePrefix + "/" + function.Route;

    /// <summary>
    /// Maps an HTTP function's endpoint: <c>/api/{Route}</c> with its methods. A read refuses a repeated query parameter
    /// before anything else looks at the query (the alert webhook, a POST, reads its key from every 'code' given).
    /// </summary>
    public static RouteHandlerBuilder MapHttpFunction(this IEndpointRouteBuilder endpoints, HttpFunction function, Delegate handler)
    {
        var builder = endpoints.MapMethods(PathOf(function), function.Methods, handler)
            .WithName(function.Name)
            .WithMetadata(function);
        if (function.Methods.Contains(HttpMethods.Get, StringComparer.OrdinalIgnoreCase))
        {
            builder.AddEndpointFilter(SingleQueryValues.RefuseRepeatedAsync).ProducesValidationProblem();
        }
        return builder;
    }
}
