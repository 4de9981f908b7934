using Blueshift.Functions;
using Blueshift.Functions.Compliance;
using Blueshift.Functions.Hosting;
using Blueshift.LocalFunctionsHost.Durable;

namespace Blueshift.LocalFunctionsHost.Blueshift;

/// <summary>
/// Blueshift's function app under <see cref="FunctionAppHost"/>: the same <c>[Function]</c> classes the published package
/// declares, with the services <c>Program.cs</c> registers for the Worker. In Azure the Functions host runs the package.
/// </summary>
public static class BlueshiftLocalHost
{
    public static WebApplication Build(LocalHostOptions options, Action<ILoggingBuilder>? configureLogging = null)
    {
        var file = options.SettingsPath is { } path ? LocalSettingsFile.Load(path) : null;
        var port = options.Port ?? file?.LocalHttpPort ?? 7071;
        var hostOptions = new FunctionAppHostOptions
        {
            Urls = $"http://127.0.0.1:{port}",
            MasterKey = file?.MasterKey,
            ConfigureLogging = configureLogging,
        };
        foreach (var key in file?.HostKeys ?? [])
        {
            hostOptions.FunctionKeys.Add(key);
        }
        // The compliance timers' schedules are app settings the infra template always sets; a local run that leaves them out
        // gets the same defaults, so that every settings file written before the jobs existed still starts the host.
        foreach (var job in ComplianceJobs.All)
        {
            hostOptions.Settings[ComplianceJobs.ScheduleSetting(job).Replace(":", "__", StringComparison.Ordinal)] = ComplianceJobs.DefaultSchedule(job);
        }
        foreach (var (name, value) in file?.Values ?? new Dictionary<string, string>())
        {
            hostOptions.Settings[name] = value;
        }
        foreach (var (name, value) in options.Settings)
        {
            hostOptions.Settings[name] = value;
        }
        // The task hub runs with host.json's durableTask choices, as the Functions host does in Azure (the package's host.json
        // is copied next to this host); FunctionAppHost:Durable:* settings still override them.
        var hostJson = Path.Combine(AppContext.BaseDirectory, "host.json");
        if (File.Exists(hostJson))
        {
            HostJsonDurableSettings.Apply(hostOptions.Durable, hostJson);
        }
        // host.json names the task hub %Blueshift__TaskHub%, an app setting; the Functions host resolves it, and so does this one.
        if (hostOptions.Settings.TryGetValue(AppSettings.TaskHub, out var hub) && !string.IsNullOrWhiteSpace(hub))
        {
            hostOptions.Durable.TaskHubName = hub;
        }
        // Like the Functions host, this host checks function keys before a function runs, and says so to the app.
        hostOptions.Settings[FunctionHostingServices.HostEndpointKey] = hostOptions.Urls;
        return FunctionAppHost.Build(typeof(Functions.Program).Assembly, (services, configuration) => services.AddBlueshiftFunctions(configuration), hostOptions);
    }
}
