using System.Net.Http.Headers;
using System.Text;
using Blueshift.Functions.Tests.Security;
using Blueshift.Testing;
using Blueshift.Functions.Compliance;
using Blueshift.Functions.Releases.Orchestration;
using Microsoft.DurableTask.Client;
using Microsoft.DurableTask.Testing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Blueshift.Functions.Tests.Api;

/// <summary>
/// Blueshift's functions in process, called through their [Function] entry points, on Azurite, with App Service
/// Authentication declared on so tests act as people through the principal header, the way Easy Auth presents them.
/// Every host gets its own tables.
/// </summary>
internal static class ApiHost
{
    public static FunctionsTestHost Create(AzuriteFixture azurite, IDictionary<string, string?>? settings = null, Action<IServiceCollection>? configureTestServices = null)
    {
        var all = new Dictionary<string, string?>
        {
            ["AzureWebJobsStorage"] = azurite.ConnectionString,
            ["Blueshift:Api:AppsTable"] = AzuriteFixture.UniqueName("apps"),
            ["Blueshift:Audit:TableName"] = AzuriteFixture.UniqueName("audit"),
            ["Blueshift:Security:AppServiceAuthentication"] = "true",
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            all[key] = value;
        }
        return Functions(all, configureTestServices);
    }

    /// <summary>
    /// The app with exactly these settings. Its release orchestrations run on an in-memory <see cref="DurableTaskTestHost"/>
    /// whose activities get the app's services (built the same way, with the same test services), and its HTTP functions get
    /// that host's client for their <c>[DurableClient]</c>; the app's services own the Durable host and stop it with the app.
    /// </summary>
    /// <param name="sharedTaskHub">
    /// The Durable client of another app host, for a second instance of the app on the same task hub; this host then
    /// starts no Durable host of its own.
    /// </param>
    public static FunctionsTestHost Functions(
        IDictionary<string, string?> settings, Action<IServiceCollection>? configureTestServices = null, DurableTaskClient? sharedTaskHub = null)
    {
        if (sharedTaskHub is not null)
        {
            return FunctionsTestHost.Start(typeof(Program).Assembly, (services, configuration) => services.AddBlueshiftFunctions(configuration), settings, services =>
            {
                configureTestServices?.Invoke(services);
                services.AddSingleton(sharedTaskHub);
            });
        }
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        var durable = DurableTestHosts.StartAsync(registry => registry.AddReleaseOrchestrations().AddComplianceOrchestrations(), services =>
        {
            services.AddSingleton<IConfiguration>(configuration);
            services.AddBlueshiftFunctions(configuration);
            configureTestServices?.Invoke(services);
        }).GetAwaiter().GetResult();
        var app = FunctionsTestHost.Start(typeof(Program).Assembly, (services, configuration) => services.AddBlueshiftFunctions(configuration), settings, services =>
        {
            configureTestServices?.Invoke(services);
            services.AddSingleton(durable.Client);
        });
        app.Owns(durable);
        return app;
    }

    public static HttpClient As(this FunctionsTestHost app, string userId, params string[] roles)
    {
        var client = app.CreateClient();
        client.DefaultRequestHeaders.Add("X-MS-CLIENT-PRINCIPAL", ClientPrincipalTests.Header(userId, userId, roles));
        return client;
    }

    public static StringContent Json(string json, string mediaType = "application/json") =>
        new(json, Encoding.UTF8, new MediaTypeHeaderValue(mediaType));
}
