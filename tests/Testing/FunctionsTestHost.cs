using System.Reflection;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.Abstractions;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Blueshift.Testing;

/// <summary>
/// A function app in process for API tests: an ASP.NET Core TestServer that serves every HTTP <c>[Function]</c> of an
/// assembly on <c>/api/{route}</c> by calling the function method itself (an instance from DI, the request passed in,
/// its <c>IActionResult</c> or <c>IResult</c> executed), as the isolated worker's ASP.NET Core integration does; a
/// <c>[DurableClient]</c> parameter gets the <see cref="DurableTaskClient"/> the test registered, if any. Keys are
/// the Functions host's business and are not checked here. Timers run on demand through <see cref="RunTimerAsync"/>.
/// </summary>
public sealed class FunctionsTestHost : IDisposable, IAsyncDisposable
{
    public const string RoutePrefix = "api";

    private readonly WebApplication _app;
    private readonly IReadOnlyDictionary<string, MethodInfo> _timers;

    private FunctionsTestHost(WebApplication app, IReadOnlyDictionary<string, MethodInfo> timers)
    {
        _app = app;
        _timers = timers;
    }

    private readonly List<IAsyncDisposable> _owned = [];

    public IServiceProvider Services => _app.Services;

    /// <summary>Disposes <paramref name="resource"/> after the app (e.g. a Durable host whose client the app uses).</summary>
    public void Owns(IAsyncDisposable resource) => _owned.Add(resource);

    public TestServer Server => _app.GetTestServer();

    public HttpClient CreateClient() => Server.CreateClient();

    /// <param name="functions">The assembly whose public <c>[Function]</c> methods are served.</param>
    /// <param name="configureServices">What the app registers (e.g. <c>AddBlueshiftFunctions</c>).</param>
    /// <param name="settings">Configuration on top of the defaults (keys as <c>A:B</c>).</param>
    /// <param name="configureTestServices">Runs after <paramref name="configureServices"/>, so its registrations win.</param>
    public static FunctionsTestHost Start(
        Assembly functions,
        Action<IServiceCollection, IConfiguration> configureServices,
        IEnumerable<KeyValuePair<string, string?>>? settings = null,
        Action<IServiceCollection>? configureTestServices = null)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { EnvironmentName = "Development", ApplicationName = functions.GetName().Name });
        builder.WebHost.UseTestServer();
        builder.Logging.ClearProviders();
        builder.Configuration.AddInMemoryCollection(settings ?? []);
        configureServices(builder.Services, builder.Configuration);
        configureTestServices?.Invoke(builder.Services);

        var app = builder.Build();
        var timers = new Dictionary<string, MethodInfo>(StringComparer.OrdinalIgnoreCase);
        foreach (var (method, name) in FunctionMethods(functions))
        {
            var parameters = method.GetParameters();
            if (parameters.Select(p => p.GetCustomAttribute<HttpTriggerAttribute>()).FirstOrDefault(a => a is not null) is { } http)
            {
                var invoke = Binder(name, method, parameters);
                RequestDelegate serve = context => ServeAsync(context, method, invoke);
                app.MapMethods("/" + RoutePrefix + "/" + (http.Route ?? name), http.Methods ?? ["GET", "POST"], serve)
                    .WithDisplayName("Function " + name)
                    .ExcludeFromDescription();
            }
            else if (parameters.Any(p => p.GetCustomAttribute<TimerTriggerAttribute>() is not null))
            {
                timers[name] = method;
            }
        }
        // The Functions host answers paths no function serves; here the answer is a problem, so a test sees why.
        app.MapFallback(context => Results.Problem(
                statusCode: StatusCodes.Status404NotFound,
                title: "Not found",
                detail: $"No function serves {context.Request.Method} {context.Request.Path}.").ExecuteAsync(context))
            .ExcludeFromDescription();
        app.StartAsync().GetAwaiter().GetResult();
        return new FunctionsTestHost(app, timers);
    }

    /// <summary>Invokes a timer function once, as its schedule would.</summary>
    public async Task RunTimerAsync(string name, CancellationToken cancellationToken = default)
    {
        if (!_timers.TryGetValue(name, out var method))
        {
            throw new ArgumentException($"The app has no timer function '{name}'.", nameof(name));
        }
        await using var scope = Services.CreateAsyncScope();
        var args = method.GetParameters().Select(p => p.ParameterType switch
        {
            var t when t == typeof(TimerInfo) => new TimerInfo { IsPastDue = false },
            var t when t == typeof(CancellationToken) => (object)cancellationToken,
            var t when t == typeof(DurableTaskClient) => Services.GetRequiredService<DurableTaskClient>(),
            var t => throw new InvalidOperationException($"Timer function '{name}': cannot bind parameter '{p.Name}' of type {t.Name}."),
        }).ToArray();
        var target = method.IsStatic ? null : ActivatorUtilities.CreateInstance(scope.ServiceProvider, method.DeclaringType!);
        if (method.Invoke(target, args) is Task task)
        {
            await task;
        }
    }

    private static IEnumerable<(MethodInfo Method, string Name)> FunctionMethods(Assembly assembly) =>
        assembly.GetExportedTypes()
            .SelectMany(t => t.GetMethods(BindingFlags.Public | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly))
            .Select(m => (Method: m, Attribute: m.GetCustomAttribute<FunctionAttribute>()))
            .Where(x => x.Attribute is not null)
            .Select(x => (x.Method, x.Attribute!.Name));

    private static Func<HttpContext, object?[]> Binder(string name, MethodInfo method, ParameterInfo[] parameters)
    {
        var binders = parameters.Select<ParameterInfo, Func<HttpContext, object?>>(p => p.ParameterType switch
        {
            var t when t == typeof(HttpRequest) => c => c.Request,
            var t when t == typeof(HttpContext) => c => c,
            var t when t == typeof(CancellationToken) => c => c.RequestAborted,
            // [DurableClient]: the client a test registered (e.g. DurableTaskTestHost's), or none for tests that never reach it.
            var t when t == typeof(DurableTaskClient) => c => c.RequestServices.GetService<DurableTaskClient>(),
            var t => throw new InvalidOperationException($"Function '{name}' ({method.DeclaringType!.Name}.{method.Name}): this test host cannot bind parameter '{p.Name}' of type {t.Name}."),
        }).ToArray();
        return context => binders.Select(b => b(context)).ToArray();
    }

    private static async Task ServeAsync(HttpContext context, MethodInfo method, Func<HttpContext, object?[]> bind)
    {
        var target = method.IsStatic ? null : ActivatorUtilities.CreateInstance(context.RequestServices, method.DeclaringType!);
        var returned = method.Invoke(target, bind(context));
        if (returned is Task task)
        {
            await task;
            returned = task.GetType().IsGenericType ? task.GetType().GetProperty("Result")!.GetValue(task) : null;
        }
        switch (returned)
        {
            case IActionResult action:
                await action.ExecuteResultAsync(new ActionContext(context, context.GetRouteData(), new ActionDescriptor()));
                break;
            case IResult result:
                await result.ExecuteAsync(context);
                break;
        }
    }

    public void Dispose() => DisposeAsync().AsTask().GetAwaiter().GetResult();

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
        foreach (var resource in _owned)
        {
            await resource.DisposeAsync();
        }
    }
}
