using System.Reflection;
using Blueshift.LocalFunctionsHost.Discovery;
using Blueshift.LocalFunctionsHost.Durable;
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
    /// <summary>The settings section whose values (<c>TaskHubName</c>, <c>LeaseInterval</c>, ...) override <see cref="FunctionAppHostOptions.Durable"/>.</summary>
    public const string DurableSettingsSection = "FunctionAppHost:Durable";

    /// <summary>The functions <see cref="Build"/> would serve for <paramref name="functions"/>, or the start-up error it would throw.</summary>
    public static IReadOnlyList<HostedFunction> Describe(Assembly functions)
    {
        ArgumentNullException.ThrowIfNull(functions);
        return FunctionCatalog.Discover(functions).Functions.Select(f =>
        {
            var entryPoint = $"{f.Method.DeclaringType!.FullName}.{f.Method.Name}";
            return f.Trigger switch
            {
                HttpFunctionTrigger http => new HostedFunction(f.Name, "httpTrigger", entryPoint, http.Route, http.Methods, http.AuthLevel.ToString()),
                TimerFunctionTrigger timer => new HostedFunction(f.Name, "timerTrigger", entryPoint, Schedule: timer.Schedule),
                OrchestrationFunctionTrigger => new HostedFunction(f.Name, "orchestrationTrigger", entryPoint),
                _ => new HostedFunction(f.Name, "activityTrigger", entryPoint),
            };
        }).ToList();
    }

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

        if (DurableTaskHub.IsNeeded(catalog))
        {
            // Settings FunctionAppHost:Durable:* (FunctionAppHost__Durable__LeaseInterval=00:00:03, ...) override the options.
            builder.Configuration.GetSection(DurableSettingsSection).Bind(options.Durable);
            DurableTaskHub.Add(builder.Services, builder.Configuration, catalog, options.Durable);
        }

        configureServices(builder.Services, builder.Configuration);

        var app = builder.Build();
        DurableTaskHub.Attach(app.Services);
        app.MapHttpFunctions(catalog, keys);
        app.MapFallback((HttpContext context) => Results.Problem(
            statusCode: StatusCodes.Status404NotFound,
            title: "No function",
            detail: $"No HTTP function of this app serves {context.Request.Method} {context.Request.Path}."));
        return app;
    }
}
