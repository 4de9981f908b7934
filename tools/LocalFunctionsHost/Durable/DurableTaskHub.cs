using System.Net.Sockets;
using Blueshift.LocalFunctionsHost.Discovery;
using DurableTask.AzureStorage;
using DurableTask.Core;
using Grpc.Net.Client;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;
using Microsoft.DurableTask.Testing.Sidecar.Grpc;
using Microsoft.DurableTask.Worker;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Blueshift.LocalFunctionsHost.Durable;

/// <summary>
/// Orchestrations and activities on the Durable Task SDK's worker and client, over gRPC to the public
/// <see cref="TaskHubGrpcServer"/> of Microsoft.DurableTask.InProcessTestHost, which dispatches the work of DTFx's
/// <see cref="AzureStorageOrchestrationService"/> (Azurite locally). The state is in storage, so instances survive a
/// restart of the host. The gRPC server listens on a Unix socket of its own, reachable only from this machine.
/// </summary>
internal sealed class DurableTaskHub : IHostedLifecycleService, IAsyncDisposable
{
    private readonly FunctionCatalog _catalog;
    private readonly DurableHostOptions _options;
    private readonly string _connectionString;
    private readonly string _socketPath;
    private readonly ILoggerFactory _loggerFactory;
    private readonly ILogger _logger;
    private readonly SidecarLifetime _sidecarLifetime = new();
    private WebApplication? _sidecar;
    private StopObservingOrchestrationService? _observer;

    private DurableTaskHub(FunctionCatalog catalog, DurableHostOptions options, string connectionString, string socketPath, ILoggerFactory loggerFactory)
    {
        _catalog = catalog;
        _options = options;
        _connectionString = connectionString;
        _socketPath = socketPath;
        _loggerFactory = loggerFactory;
        _logger = loggerFactory.CreateLogger<DurableTaskHub>();
    }

    /// <summary>Whether any function needs the task hub: an orchestrator, an activity or a [DurableClient] parameter.</summary>
    public static bool IsNeeded(FunctionCatalog catalog) =>
        catalog.Functions.Any(f => f.Trigger is OrchestrationFunctionTrigger or ActivityFunctionTrigger || f.UsesDurableClient);

    /// <summary>Registers the SDK worker (with every orchestrator and activity function), the client, and the task hub under them.</summary>
    public static void Add(IServiceCollection services, IConfiguration configuration, FunctionCatalog catalog, DurableHostOptions options)
    {
        if (options.Problems() is { Count: > 0 } problems)
        {
            throw new FunctionAppHostException("The Durable options cannot be used:" + Environment.NewLine + "- " + string.Join(Environment.NewLine + "- ", problems));
        }
        var connectionString = configuration[options.ConnectionSetting] ?? configuration[options.ConnectionSetting.Replace("__", ":", StringComparison.Ordinal)];
        if (string.IsNullOrWhiteSpace(connectionString))
        {
            var users = catalog.Functions.Where(f => f.Trigger is OrchestrationFunctionTrigger or ActivityFunctionTrigger || f.UsesDurableClient).Select(f => f.Name);
            throw new FunctionAppHostException(
                $"Functions {string.Join(", ", users)} need the Durable task hub, whose storage connection setting {options.ConnectionSetting} is not set.");
        }

        var socketPath = Path.Combine(Path.GetTempPath(), $"blueshift-durable-{Guid.NewGuid():N}.sock");
        var channel = GrpcChannel.ForAddress("http://localhost", new GrpcChannelOptions
        {
            HttpHandler = new SocketsHttpHandler { ConnectCallback = (_, cancellationToken) => ConnectAsync(socketPath, cancellationToken) },
        });

        var root = new RootServices();
        services.AddSingleton(root);
        // Registered before the SDK worker: it starts the gRPC server before the worker connects (StartingAsync), and it
        // drains the dispatchers and releases the partitions while the worker is still connected (StoppingAsync).
        services.AddSingleton(sp => new DurableTaskHub(catalog, options, connectionString, socketPath, sp.GetRequiredService<ILoggerFactory>()));
        services.AddHostedService(sp => sp.GetRequiredService<DurableTaskHub>());
        services.AddDurableTaskWorker(builder =>
        {
            builder.AddTasks(registry =>
            {
                foreach (var (function, _) in catalog.WithTrigger<OrchestrationFunctionTrigger>())
                {
                    registry.AddOrchestrator(function.Name, () => new FunctionOrchestrator(function, root.Services, root.DataConverter));
                }
                foreach (var (function, trigger) in catalog.WithTrigger<ActivityFunctionTrigger>())
                {
                    registry.AddActivity(function.Name, sp => new FunctionActivity(function, trigger, sp));
                }
            });
            builder.UseGrpc(o => o.Channel = channel);
        });
        services.AddDurableTaskClient(builder =>
        {
            builder.UseGrpc(o => o.Channel = channel);
            builder.RegisterDirectly();
        });
    }

    /// <summary>Gives the orchestrator factories the host's services once it is built.</summary>
    public static void Attach(IServiceProvider services)
    {
        if (services.GetService<RootServices>() is { } root)
        {
            root.Services = services;
        }
    }

    public async Task StartingAsync(CancellationToken cancellationToken)
    {
        var settings = _options.ToProviderSettings(_connectionString, _loggerFactory);
        var service = new AzureStorageOrchestrationService(settings);
        try
        {
            await service.CreateIfNotExistsAsync();
        }
        catch (Exception ex) when (ex is Azure.RequestFailedException or AggregateException or InvalidOperationException)
        {
            throw new FunctionAppHostException(
                $"The Durable task hub {_options.TaskHubName} cannot be created in the storage account of the setting {_options.ConnectionSetting}: {ex.Message}");
        }
        // The sidecar's dispatcher does not keep sessions itself: with extended sessions on, this keeps them for it. The
        // history fixes apply before it, so the history a session keeps in memory is the one stored.
        IOrchestrationService dispatched = _options.ExtendedSessionsEnabled ? new ExtendedSessionOrchestrationService(service) : service;
        var (observed, observer) = StopObservingOrchestrationService.Wrap(StorableHistoryOrchestrationService.Wrap(dispatched));
        _observer = observer;

        File.Delete(_socketPath);
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { ContentRootPath = AppContext.BaseDirectory });
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.ListenUnixSocket(_socketPath, listen => listen.Protocols = HttpProtocols.Http2));
        builder.Logging.ClearProviders();
        builder.Services.Replace(ServiceDescriptor.Singleton(_loggerFactory));
        builder.Services.AddGrpc();
        // host.json's overridableExistingInstanceStates, which the Functions host applies to every start it is sent.
        IOrchestrationServiceClient client = _options.OverrideRunningInstances
            ? service
            : new DedupingOrchestrationServiceClient<AzureStorageOrchestrationService>(service, DedupingOrchestrationServiceClient<AzureStorageOrchestrationService>.NonRunningStates);
        builder.Services.AddSingleton(new TaskHubGrpcServer(_sidecarLifetime, _loggerFactory, observed, client,
            Options.Create(new TaskHubGrpcServerOptions { Mode = TaskHubGrpcServerMode.ApiServerAndDispatcher })));
        _sidecar = builder.Build();
        _sidecar.MapGrpcService<TaskHubGrpcServer>();
        await _sidecar.StartAsync(cancellationToken);
        // The server starts its dispatchers (and the storage service) once the SDK worker connects.
        _sidecarLifetime.NotifyStarted();
        FunctionAppHostLog.DurableStarting(_logger, _options.TaskHubName,
            _catalog.WithTrigger<OrchestrationFunctionTrigger>().Count(), _catalog.WithTrigger<ActivityFunctionTrigger>().Count(), _socketPath);
    }

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public async Task StoppingAsync(CancellationToken cancellationToken)
    {
        // While the worker is still connected: stop fetching, let work in flight finish, stop the storage service
        // (which releases its partition leases), and wait for that, so a host started next takes over at once.
        _sidecarLifetime.NotifyStopping();
        if (_observer is { Started: true } observer)
        {
            try
            {
                await observer.WaitUntilStoppedAsync(cancellationToken);
                FunctionAppHostLog.DurableStopped(_logger, _options.TaskHubName);
            }
            catch (Exception ex) when (ex is OperationCanceledException or InvalidOperationException or Azure.RequestFailedException)
            {
                FunctionAppHostLog.DurableStopFailed(_logger, _options.TaskHubName, ex);
            }
        }
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        // After the SDK worker (registered later, stopped earlier) has closed its work-item stream.
        if (_sidecar is not null)
        {
            await _sidecar.StopAsync(cancellationToken);
        }
    }

    public Task StoppedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public async ValueTask DisposeAsync()
    {
        if (_sidecar is not null)
        {
            await _sidecar.DisposeAsync();
            _sidecar = null;
        }
        File.Delete(_socketPath);
    }

    private static async ValueTask<Stream> ConnectAsync(string socketPath, CancellationToken cancellationToken)
    {
        var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            await socket.ConnectAsync(new UnixDomainSocketEndPoint(socketPath), cancellationToken);
            return new NetworkStream(socket, ownsSocket: true);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    private sealed class RootServices
    {
        private IServiceProvider? _services;

        public DataConverter DataConverter =>
            Services.GetRequiredService<IOptionsMonitor<DurableTaskWorkerOptions>>().Get(Options.DefaultName).DataConverter;

        public IServiceProvider Services
        {
            get => _services ?? throw new InvalidOperationException("The host has not been built yet.");
            set => _services = value;
        }
    }

    /// <summary>The lifetime the gRPC server sees: started and stopping when this hub says, not when Kestrel does.</summary>
    private sealed class SidecarLifetime : IHostApplicationLifetime
    {
        private readonly CancellationTokenSource _started = new();
        private readonly CancellationTokenSource _stopping = new();
        private readonly CancellationTokenSource _stopped = new();

        public CancellationToken ApplicationStarted => _started.Token;

        public CancellationToken ApplicationStopping => _stopping.Token;

        public CancellationToken ApplicationStopped => _stopped.Token;

        public void NotifyStarted() => _started.Cancel();

        public void NotifyStopping() => _stopping.Cancel();

        public void StopApplication() => _stopping.Cancel();
    }
}
