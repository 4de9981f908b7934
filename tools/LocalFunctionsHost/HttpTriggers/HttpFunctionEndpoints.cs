using Blueshift.LocalFunctionsHost.Discovery;
using Blueshift.LocalFunctionsHost.Keys;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.Abstractions;

namespace Blueshift.LocalFunctionsHost.HttpTriggers;

/// <summary>
/// Serves each <c>[HttpTrigger]</c> function on <c>/api/{route}</c> (route templates and constraints as ASP.NET Core
/// reads them) for its methods. The function gets the request itself, untouched; its <see cref="IActionResult"/> or
/// <see cref="IResult"/> is executed by ASP.NET Core, as the Worker's ASP.NET Core integration does.
/// </summary>
internal static class HttpFunctionEndpoints
{
    public const string RoutePrefix = "api";

    /// <summary>The FunctionContext.Items key under which the Worker's ASP.NET Core integration keeps the HttpContext.</summary>
    public const string HttpContextItemKey = "HttpRequestContext";

    public static void MapHttpFunctions(this WebApplication app, FunctionCatalog catalog, FunctionKeys keys)
    {
        var logger = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(HttpFunctionEndpoints).FullName!);
        foreach (var (function, trigger) in catalog.WithTrigger<HttpFunctionTrigger>())
        {
            var pattern = $"{RoutePrefix}/{trigger.Route}";
            RequestDelegate handler = context => InvokeAsync(context, function, trigger, keys, logger);
            var endpoint = trigger.Methods.Count == 0 ? app.Map(pattern, handler) : app.MapMethods(pattern, trigger.Methods, handler);
            endpoint.WithDisplayName(function.Name);
            FunctionAppHostLog.HttpFunctionMapped(logger, function.Name, trigger.AuthLevel.ToString(),
                trigger.Methods.Count == 0 ? "*" : string.Join(",", trigger.Methods), pattern);
        }
    }

    private static async Task InvokeAsync(HttpContext context, FunctionDescriptor function, HttpFunctionTrigger trigger, FunctionKeys keys, ILogger logger)
    {
        if (keys.Refuse(function.Name, trigger.AuthLevel, FunctionKeys.KeyOf(context.Request)) is { } refusal)
        {
            FunctionAppHostLog.Unauthorized(logger, context.Request.Method, context.Request.Path, function.Name, trigger.AuthLevel.ToString());
            await Results.Problem(statusCode: StatusCodes.Status401Unauthorized, title: "Key required", detail: refusal).ExecuteAsync(context);
            return;
        }

        var invocation = new InvocationContext(function, context.RequestServices, context.RequestAborted) { HttpContext = context };
        // Where the Worker's ASP.NET Core integration keeps the request, so FunctionContext.GetHttpContext() finds it.
        invocation.FunctionContext.Items[HttpContextItemKey] = context;
        object? result;
        try
        {
            result = await function.InvokeAsync(invocation);
        }
        catch (Exception ex) when (!context.RequestAborted.IsCancellationRequested)
        {
            // As the Functions host does: the caller gets a 500 and the log gets the exception; never a stack trace to the caller.
            FunctionAppHostLog.FunctionFailed(logger, function.Name, invocation.FunctionContext.InvocationId, ex);
            if (!context.Response.HasStarted)
            {
                context.Response.Clear();
                await Results.Problem(statusCode: StatusCodes.Status500InternalServerError, title: "Function failed",
                    detail: $"Function {function.Name} failed (invocation {invocation.FunctionContext.InvocationId}); see the host's log.").ExecuteAsync(context);
            }
            return;
        }

        switch (result)
        {
            case null:
                break;
            case IResult httpResult:
                await httpResult.ExecuteAsync(context);
                break;
            case IActionResult actionResult:
                await actionResult.ExecuteResultAsync(new ActionContext(context, context.GetRouteData(), new ActionDescriptor()));
                break;
            default:
                await new ObjectResult(result).ExecuteResultAsync(new ActionContext(context, context.GetRouteData(), new ActionDescriptor()));
                break;
        }
    }
}
