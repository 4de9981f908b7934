using Blueshift.LocalFunctionsHost.FunctionApp;
using Blueshift.LocalFunctionsHost.Http;
using Blueshift.LocalFunctionsHost.Queues;
using Blueshift.LocalFunctionsHost.Timers;

namespace Blueshift.LocalFunctionsHost;

/// <summary>Builds the local Functions host for one published function app.</summary>
internal static class LocalFunctionsHostApp
{
    public const int DefaultPort = 7071;

    public static WebApplication Build(LocalHostOptions options, Action<ILoggingBuilder>? configureLogging = null)
    {
        var functionApp = FunctionAppFolder.Load(options.ScriptRoot);
        var settings = options.SettingsPath is null ? LocalSettings.Empty : LocalSettings.Load(options.SettingsPath);
        var port = options.Port ?? settings.LocalHttpPort ?? DefaultPort;

        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { ContentRootPath = functionApp.Root });
        builder.WebHost.UseUrls($"http://127.0.0.1:{port}");
        builder.Logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning);
        builder.Logging.AddFilter("System.Net.Http.HttpClient", LogLevel.Warning);
        configureLogging?.Invoke(builder.Logging);
        builder.Services.AddProblemDetails();
        builder.Services.AddSingleton(options);
        builder.Services.AddSingleton(functionApp);
        builder.Services.AddSingleton(settings);
        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddSingleton<HandlerProcess>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<HandlerProcess>());
        builder.Services.AddSingleton<TimerTriggerService>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<TimerTriggerService>());
        builder.Services.AddSingleton<QueueTriggerService>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<QueueTriggerService>());
        builder.Services.AddHttpClient(HttpTriggerForwarding.HttpClientName, c => c.Timeout = functionApp.FunctionTimeout)
            .ConfigurePrimaryHttpMessageHandler(() => new SocketsHttpHandler { AllowAutoRedirect = false, UseCookies = false, UseProxy = false });

        var app = builder.Build();
        // Resolving the trigger services validates schedules and queue connections now rather than on a background thread later.
        app.Services.GetRequiredService<TimerTriggerService>();
        app.Services.GetRequiredService<QueueTriggerService>();
        app.MapHttpTriggers(functionApp, app.Logger);
        app.MapFallback((HttpContext context) => Results.Problem(
            statusCode: StatusCodes.Status404NotFound,
            title: "No function",
            detail: $"No HTTP function of this app serves {context.Request.Method} {context.Request.Path}."));
        return app;
    }
}
