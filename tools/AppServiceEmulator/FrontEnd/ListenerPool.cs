using System.Collections.Concurrent;
using System.Net;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;

namespace Blueshift.AppServiceEmulator;

/// <summary>
/// Real Kestrel listeners on 127.0.0.1 (a slot's, a front door's), many to a server: each server binds a block of ports
/// when it starts and hands them out one at a time, and requests go to the handler of the port they came in on.
/// </summary>
/// <remarks>
/// Every Kestrel server runs a heartbeat thread of its own. A server per listener (three per site) put three thousand of
/// them on a machine emulating a thousand sites, and their wake-ups took seconds of CPU at a time from everything else.
/// Blocks double in size (4, 8, ... 256 ports), so a small test binds a handful and a thousand sites (3,000 listeners)
/// take 17 servers.
/// </remarks>
internal sealed class ListenerPool : IAsyncDisposable
{
    private const int FirstBlock = 4;
    private const int LargestBlock = 256;

    private readonly SemaphoreSlim _growing = new(1, 1);
    private readonly ConcurrentDictionary<int, RequestDelegate> _handlers = new();
    private readonly ConcurrentQueue<int> _free = new();
    private readonly List<WebApplication> _servers = [];
    private int _nextBlock = FirstBlock;
    private volatile bool _disposed;

    /// <summary>Serves <paramref name="handler"/> on a port of its own, and returns the port.</summary>
    public async Task<int> AddAsync(RequestDelegate handler, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(handler);
        ObjectDisposedException.ThrowIf(_disposed, this);
        while (true)
        {
            if (_free.TryDequeue(out var port))
            {
                _handlers[port] = handler;
                return port;
            }
            await _growing.WaitAsync(cancellationToken);
            try
            {
                ObjectDisposedException.ThrowIf(_disposed, this);
                if (_free.IsEmpty)
                {
                    await StartBlockAsync(cancellationToken);
                }
            }
            finally
            {
                _growing.Release();
            }
        }
    }

    private async Task StartBlockAsync(CancellationToken cancellationToken)
    {
        var size = _nextBlock;
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { ContentRootPath = AppContext.BaseDirectory });
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(kestrel =>
        {
            for (var i = 0; i < size; i++)
            {
                kestrel.Listen(IPAddress.Loopback, 0);
            }
        });
        var app = builder.Build();
        app.Run(DispatchAsync);
        await app.StartAsync(cancellationToken);
        _servers.Add(app);
        foreach (var port in BoundPorts(app))
        {
            _free.Enqueue(port);
        }
        _nextBlock = Math.Min(LargestBlock, size * 2);
    }

    // A port bound but not handed out yet has no handler: nobody was told of it, so nobody should be calling.
    private Task DispatchAsync(HttpContext context)
    {
        if (_handlers.TryGetValue(context.Connection.LocalPort, out var handler))
        {
            return handler(context);
        }
        context.Response.StatusCode = StatusCodes.Status421MisdirectedRequest;
        return Task.CompletedTask;
    }

    internal static IEnumerable<int> BoundPorts(WebApplication app) =>
        app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Select(address => new Uri(address).Port);

    public async ValueTask DisposeAsync()
    {
        await _growing.WaitAsync();
        try
        {
            _disposed = true;
            foreach (var server in _servers)
            {
                await server.StopAsync(CancellationToken.None);
                await server.DisposeAsync();
            }
            _servers.Clear();
        }
        finally
        {
            _growing.Release();
        }
    }
}
