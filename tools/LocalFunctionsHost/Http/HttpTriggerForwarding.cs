using System.Diagnostics;
using Blueshift.LocalFunctionsHost.FunctionApp;

namespace Blueshift.LocalFunctionsHost.Http;

/// <summary>
/// HTTP triggers with <c>enableForwardingHttpRequest</c>: each function's route (under the route prefix, with its
/// methods) is an endpoint that checks the caller's key for the function's <c>authLevel</c> and forwards the
/// request unchanged to the handler, streaming the answer back.
/// </summary>
internal static class HttpTriggerForwarding
{
    public const string HttpClientName = "handler";

    // Hop-by-hop headers describe one connection and are not forwarded (RFC 9110 §7.6.1).
    private static readonly HashSet<string> HopByHop = new(StringComparer.OrdinalIgnoreCase)
    {
        "Connection", "Keep-Alive", "Proxy-Connection", "Proxy-Authenticate", "Proxy-Authorization", "TE", "Trailer", "Transfer-Encoding", "Upgrade",
    };

    public static void MapHttpTriggers(this IEndpointRouteBuilder endpoints, FunctionAppFolder app, ILogger logger)
    {
        foreach (var function in app.Functions.OfType<HttpTriggeredFunction>())
        {
            var route = string.IsNullOrEmpty(app.RoutePrefix) ? function.Route : app.RoutePrefix + "/" + function.Route;
            Log.HttpFunctionLoaded(logger, function.Name, function.AuthLevel, string.Join(",", function.Methods), route);
            endpoints.MapMethods("/" + route, function.Methods, (HttpContext context) => ForwardAsync(context, function))
                .WithDisplayName(function.Name);
        }
    }

    private static async Task ForwardAsync(HttpContext context, HttpTriggeredFunction function)
    {
        var services = context.RequestServices;
        var logger = services.GetRequiredService<ILoggerFactory>().CreateLogger("Blueshift.LocalFunctionsHost.Http");
        var settings = services.GetRequiredService<LocalSettings>();
        var request = context.Request;
        var key = request.Headers["x-functions-key"].FirstOrDefault() ?? request.Query["code"].FirstOrDefault();
        if (!settings.Authorizes(function.Name, function.AuthLevel, key))
        {
            Log.Unauthorized(logger, request.Method, request.Path, function.Name, function.AuthLevel);
            context.Response.StatusCode = StatusCodes.Status401Unauthorized;
            return;
        }

        var started = Stopwatch.GetTimestamp();
        var handler = await services.GetRequiredService<HandlerProcess>().Ready.WaitAsync(context.RequestAborted);
        using var forwarded = new HttpRequestMessage(new HttpMethod(request.Method), new Uri(handler, request.PathBase + request.Path + request.QueryString));
        if (request.ContentLength > 0 || request.Headers.TransferEncoding.Count > 0)
        {
            forwarded.Content = new StreamContent(request.Body);
        }
        foreach (var (name, values) in request.Headers)
        {
            if (HopByHop.Contains(name) || string.Equals(name, "Host", StringComparison.OrdinalIgnoreCase))
            {
                continue;
            }
            if (!forwarded.Headers.TryAddWithoutValidation(name, values.ToArray()))
            {
                forwarded.Content?.Headers.TryAddWithoutValidation(name, values.ToArray());
            }
        }

        HttpResponseMessage answer;
        try
        {
            answer = await services.GetRequiredService<IHttpClientFactory>().CreateClient(HttpClientName)
                .SendAsync(forwarded, HttpCompletionOption.ResponseHeadersRead, context.RequestAborted);
        }
        catch (HttpRequestException ex)
        {
            Log.HandlerUnreachable(logger, function.Name, ex);
            await Results.Problem(statusCode: StatusCodes.Status502BadGateway, title: "Custom handler unreachable",
                detail: $"The handler did not answer the forwarded request for function '{function.Name}'.").ExecuteAsync(context);
            return;
        }
        using (answer)
        {
            context.Response.StatusCode = (int)answer.StatusCode;
            foreach (var (name, values) in answer.Headers.Concat(answer.Content.Headers))
            {
                if (!HopByHop.Contains(name))
                {
                    context.Response.Headers[name] = values.ToArray();
                }
            }
            await using var body = await answer.Content.ReadAsStreamAsync(context.RequestAborted);
            await body.CopyToAsync(context.Response.Body, context.RequestAborted);
        }
        Log.HttpForwarded(logger, function.Name, request.Method, request.Path, context.Response.StatusCode, Stopwatch.GetElapsedTime(started).TotalMilliseconds);
    }
}
