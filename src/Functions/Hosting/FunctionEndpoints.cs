using System.Diagnostics;
using Blueshift.Functions.Api;
using Microsoft.AspNetCore.Mvc;

namespace Blueshift.Functions.Hosting;

/// <summary>Registers function modules and maps their endpoints the way the Functions host calls a custom handler.</summary>
public static class FunctionEndpoints
{
    /// <summary>Adds a module to the catalog; <see cref="MapFunctions"/> maps it.</summary>
    public static IServiceCollection AddFunctionModule<TModule>(this IServiceCollection services)
        where TModule : class, IFunctionModule
    {
        services.AddSingleton<IFunctionModule, TModule>();
        services.AddFunctionCatalog();
        return services;
    }

    internal static IServiceCollection AddFunctionCatalog(this IServiceCollection services)
    {
        if (!services.Any(d => d.ServiceType == typeof(FunctionCatalog)))
        {
            services.AddSingleton<FunctionCatalog>();
        }
        return services;
    }

    /// <summary>
    /// Maps every module's endpoints, then a catch-all for invocations of functions the app does not have,
    /// so the host (or a caller) gets a problem description instead of an empty 404.
    /// </summary>
    public static IEndpointRouteBuilder MapFunctions(this IEndpointRouteBuilder endpoints)
    {
        var catalog = endpoints.ServiceProvider.GetRequiredService<FunctionCatalog>();
        foreach (var module in catalog.Modules)
        {
            module.Map(endpoints);
        }
        endpoints.MapPost("/{functionName}", (string functionName) => Results.Problem(
                statusCode: StatusCodes.Status404NotFound,
                title: "Unknown function",
                detail: $"This app has no timer or queue function named '{functionName}'. Invocations are POST /{{FunctionName}} for the functions in the catalog."))
            .WithMetadata(new InvocationFallbackMetadata());
        return endpoints;
    }

    /// <summary>
    /// Maps an HTTP function from its catalog entry: <c>/api/{Route}</c> with its methods. A read refuses a repeated query
    /// parameter before anything else looks at the query (the alert webhook, a POST, reads its key from every 'code' given).
    /// </summary>
    public static RouteHandlerBuilder MapHttpFunction(this IEndpointRouteBuilder endpoints, HttpFunction function, Delegate handler)
    {
        var builder = endpoints.MapMethods(FunctionCatalog.PathOf(function), function.Methods, handler)
            .WithName(function.Name)
            .WithMetadata(function);
        if (function.Methods.Contains(HttpMethods.Get, StringComparer.OrdinalIgnoreCase))
        {
            builder.AddEndpointFilter(SingleQueryValues.RefuseRepeatedAsync).ProducesValidationProblem();
        }
        return builder;
    }

    /// <summary>Maps the handler the host invokes with a timer payload at <c>POST /{name}</c>.</summary>
    public static IEndpointConventionBuilder MapTimerFunction(
        this IEndpointRouteBuilder endpoints,
        string name,
        Func<TimerInfo, IServiceProvider, CancellationToken, Task> handler)
    {
        var function = Declared<TimerFunction>(endpoints, name);
        return MapInvocation(endpoints, function, async (data, _, services, cancellationToken) =>
        {
            var timer = Invocation.ReadTimer(data);
            await handler(timer, services, cancellationToken);
        });
    }

    /// <summary>Maps the handler the host invokes with a queue message at <c>POST /{name}</c>. Throwing fails the invocation, so the host retries the message.</summary>
    public static IEndpointConventionBuilder MapQueueFunction(
        this IEndpointRouteBuilder endpoints,
        string name,
        Func<string, QueueMessageMetadata, IServiceProvider, CancellationToken, Task> handler)
    {
        var function = Declared<QueueFunction>(endpoints, name);
        return MapInvocation(endpoints, function, async (data, metadata, services, cancellationToken) =>
        {
            var (message, meta) = Invocation.ReadQueue(data, metadata);
            await handler(message, meta, services, cancellationToken);
        });
    }

    private static TFunction Declared<TFunction>(IEndpointRouteBuilder endpoints, string name)
        where TFunction : FunctionDefinition
    {
        var catalog = endpoints.ServiceProvider.GetRequiredService<FunctionCatalog>();
        return catalog.Find(name) as TFunction ?? throw new InvalidOperationException(
            $"No {typeof(TFunction).Name} named '{name}' is in the function catalog: declare it in its module's Functions before mapping it.");
    }

    private static IEndpointConventionBuilder MapInvocation(
        IEndpointRouteBuilder endpoints,
        FunctionDefinition function,
        Func<System.Text.Json.JsonElement, System.Text.Json.JsonElement, IServiceProvider, CancellationToken, Task> invoke)
    {
        return endpoints.MapPost(FunctionCatalog.InvocationPathOf(function), async (HttpContext context) =>
        {
            var logger = context.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(FunctionEndpoints).FullName!);
            var cancellationToken = context.RequestAborted;
            var started = Stopwatch.GetTimestamp();
            try
            {
                var (data, metadata) = await Invocation.ReadAsync(context.Request, cancellationToken);
                await invoke(data, metadata, context.RequestServices, cancellationToken);
            }
            catch (InvalidInvocationException ex)
            {
                Log.InvocationRejected(logger, function.Name, ex.Message);
                return Results.Problem(statusCode: StatusCodes.Status400BadRequest, title: "Malformed invocation", detail: ex.Message);
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                Log.InvocationFailed(logger, function.Name, ex);
                return Results.Problem(
                    statusCode: StatusCodes.Status500InternalServerError,
                    title: "Function failed",
                    detail: $"Function '{function.Name}' failed; the handler's log has the details (trace id {Activity.Current?.TraceId.ToString() ?? context.TraceIdentifier}).");
            }
            var elapsed = Stopwatch.GetElapsedTime(started);
            Log.InvocationCompleted(logger, function.Name, elapsed.TotalMilliseconds);
            return Results.Json(
                new InvocationResponse(new Dictionary<string, object?>(), [$"{function.Name} completed in {elapsed.TotalMilliseconds:F0} ms."], null),
                InvocationResponse.SerializerOptions);
        }).WithName(function.Name).WithMetadata(function);
    }
}

/// <summary>Marks the catch-all invocation endpoint, so catalog checks can tell it from real functions.</summary>
internal sealed class InvocationFallbackMetadata;
