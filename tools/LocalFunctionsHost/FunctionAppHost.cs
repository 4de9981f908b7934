using System.Reflection;
using Blueshift.LocalFunctionsHost.Discovery;
using Blueshift.LocalFunctionsHost.HttpTriggers;
using Blueshift.LocalFunctionsHost.Keys;
using Blueshift.LocalFunctionsHost.TimerTriggers;

namespace Blueshift.LocalFunctionsHost;

/// <summary>
/// Hosts isolated-worker function classes in-process, where the Functions host cannot run: it finds the
/// <c>[Function]</c> methods of an assembly through the same attributes the Worker SDK reads for
/// <c>functions.metadata</c>, and serves them. In Azure the Functions host runs the published package instead.
/// </summary>
public static class FunctionAppHost
{
    /// <summary>
    /// Builds a host for the functions of <paramref name="functions"/>. <paramref name="configureServices"/> registers what
    /// the function classes need (as <c>Program.cs</c> does for the Worker). Start-up errors (an unsupported trigger or
    /// binding, a bad route or schedule, a missing setting) throw <see cref="FunctionAppHostException"/> naming the function.
    /// </summary>
    public static WebApplication Build(Assembly functions, Action<IServiceCollection, IConfiguration> configureServices, FunctionAppHostOptions options)
    {
        ArgumentNullException.ThrowIfNull(functions);
        ArgumentNullException.ThrowIfNull(configureServices);
        ArgumentNullException.ThrowIfNull(options);
        var catalog = FunctionCatalog.Discover(functions).Only(options.Functions);

        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = options.Args, ContentRootPath = AppContext.BaseDirectory });
        // Settings are written A__B in app settings and the environment, and read as A:B.
        builder.Configuration.AddInMemoryCollection(options.Settings.Select(s => KeyValuePair.Create(s.Key.Replace("__", ":", StringComparison.Ordinal), s.Value)));
        builder.WebHost.UseUrls(options.Urls);
        builder.Logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning);
        builder.Logging.AddFilter("Microsoft.DurableTask", LogLevel.Warning);
        builder.Logging.AddFilter("DurableTask", LogLevel.Warning);
        options.ConfigureLogging?.Invoke(builder.Logging);
        builder.Services.AddProblemDetails();
        // IActionResult execution (ObjectResult and friends), as ConfigureFunctionsWebApplication provides it.
        builder.Services.AddMvcCore();
        builder.Services.AddSingleton(catalog);
        var keys = FunctionKeys.From(options, builder.Configuration);
        var schedules = TimerFunctionScheduler.Resolve(catalog, builder.Configuration);
        if (schedules.Count > 0)
        {
            builder.Services.AddHostedService(sp => new TimerFunctionScheduler(
                schedules, sp, options.TimeProvider, sp.GetRequiredService<ILogger<TimerFunctionScheduler>>()));
        }

        configureServices(builder.Services, builder.Configuration);

        var app = builder.Build();
        app.MapHttpFunctions(catalog, keys);
        app.MapFallback((HttpContext context) => Results.Problem(
            statusCode: StatusCodes.Status404NotFound,
            title: "No function",
            detail: $"No HTTP function of this app serves {context.Request.Method} {context.Request.Path}."));
        return app;
    }
}
