using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using System.Text.Json.Nodes;
using Blueshift.Testing;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Xunit;

namespace Blueshift.LocalFunctionsHost.Tests;

/// <summary>
/// Azurite, the published function app, and the local Functions host running it on a free port with keys,
/// the diagnostic functions on, and the diagnostic timer overridden to fire every second.
/// </summary>
public sealed class LocalHostFixture : IAsyncLifetime
{
    public const string MasterKey = "master-key-for-tests";
    public const string HostKey = "host-key-for-tests";
    public const string EchoKey = "echo-key-for-tests";

    private WebApplication? _host;

    /// <summary>The identity Blueshift gives callers that present only a function key, as configured for this host.</summary>
    public const string FunctionKeyCallerId = "ci-pipeline";

    public PublishedFunctionApp Published { get; } = new();

    public AzuriteFixture Azurite { get; } = new();

    public HttpClient Client { get; private set; } = null!;

    public string SettingsPath { get; private set; } = "";

    public async Task InitializeAsync()
    {
        await Task.WhenAll(Published.InitializeAsync(), Azurite.InitializeAsync());
        SettingsPath = Path.Combine(Directory.CreateTempSubdirectory("blueshift-localhost-").FullName, "local.settings.json");
        var settings = new JsonObject
        {
            ["IsEncrypted"] = false,
            ["Values"] = new JsonObject
            {
                ["AzureWebJobsStorage"] = Azurite.ConnectionString,
                ["FUNCTIONS_WORKER_RUNTIME"] = "custom",
                [PublishedFunctionApp.DiagnosticsSetting] = "true",
                ["Blueshift__Security__FunctionKeyCallerRoles__0"] = "Blueshift.Admin",
                ["Blueshift__Security__FunctionKeyCallerId"] = FunctionKeyCallerId,
            },
            ["Keys"] = new JsonObject
            {
                ["Master"] = MasterKey,
                ["Host"] = new JsonObject { ["default"] = HostKey },
                ["Functions"] = new JsonObject { ["DiagnosticsEcho"] = new JsonObject { ["default"] = EchoKey } },
            },
        };
        await File.WriteAllTextAsync(SettingsPath, settings.ToJsonString());

        _host = LocalFunctionsHostApp.Build(
            new LocalHostOptions(Published.Folder, SettingsPath, 0, new Dictionary<string, string> { ["DiagnosticsTimer"] = "*/1 * * * * *" }),
            logging => logging.ClearProviders());
        await _host.StartAsync();
        var address = _host.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
        Client = new HttpClient { BaseAddress = new Uri(address), Timeout = TimeSpan.FromSeconds(30) };
    }

    public async Task DisposeAsync()
    {
        Client?.Dispose();
        if (_host is not null)
        {
            await _host.StopAsync();
            await _host.DisposeAsync();
        }
        await Azurite.DisposeAsync();
    }

    /// <summary>Polls <paramref name="condition"/> until it holds, bounded by <paramref name="timeout"/>.</summary>
    public static async Task<T> WaitForAsync<T>(Func<Task<T>> read, Func<T, bool> condition, TimeSpan timeout, string what)
    {
        using var cts = new CancellationTokenSource(timeout);
        T last;
        while (true)
        {
            last = await read();
            if (condition(last))
            {
                return last;
            }
            try
            {
                await Task.Delay(TimeSpan.FromMilliseconds(200), cts.Token);
            }
            catch (OperationCanceledException)
            {
                throw new TimeoutException($"{what} did not happen within {timeout}. Last observation: {last}");
            }
        }
    }
}

[CollectionDefinition(Name)]
public sealed class LocalHostCollection : ICollectionFixture<LocalHostFixture>
{
    public const string Name = "local Functions host on the published app";
}
