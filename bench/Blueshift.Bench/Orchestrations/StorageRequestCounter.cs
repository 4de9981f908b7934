using System.Collections.Concurrent;
using Blueshift.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Logging;

namespace Blueshift.Bench.Orchestrations;

/// <summary>
/// A counting reverse proxy in front of Azurite: one loopback port per storage service (blob, queue, table), each
/// forwarding every request unchanged to Azurite's port for that service. The connection string handed to the app
/// points at these ports, so every storage request the task hub and the app make is counted here, by service and
/// operation, whichever client made it (the Durable provider builds its own clients, so a pipeline policy cannot see them).
/// </summary>
internal sealed class StorageRequestCounter : IAsyncDisposable
{
    private static readonly HashSet<string> HopByHop = new(StringComparer.OrdinalIgnoreCase)
    {
        "Host", "Connection", "Keep-Alive", "Transfer-Encoding", "Upgrade", "Proxy-Connection", "TE", "Trailer",
    };

    private readonly WebApplication _app;
    private readonly HttpClient _client;
    private readonly Dictionary<int, (string Kind, int Target)> _routes;
    private readonly ConcurrentDictionary<(string Kind, string Operation), long> _counts = new();
    private long _failures;

    private StorageRequestCounter(WebApplication app, HttpClient client, Dictionary<int, (string, int)> routes, int blob, int queue, int table)
    {
        _app = app;
        _client = client;
        _routes = routes;
        BlobPort = blob;
        QueuePort = queue;
        TablePort = table;
    }

    /// <summary>Requests that could not be forwarded to Azurite (the caller got a 502).</summary>
    public long Failures => Interlocked.Read(ref _failures);

    public int BlobPort { get; }
    public int QueuePort { get; }
    public int TablePort { get; }

    /// <summary>The Azurite account's connection string, with every service reached through this proxy.</summary>
    public string ConnectionString =>
        $"DefaultEndpointsProtocol=http;AccountName={AzuriteFixture.AccountName};AccountKey={AzuriteFixture.AccountKey};" +
        $"BlobEndpoint=http://127.0.0.1:{BlobPort}/{AzuriteFixture.AccountName};" +
        $"QueueEndpoint=http://127.0.0.1:{QueuePort}/{AzuriteFixture.AccountName};" +
        $"TableEndpoint=http://127.0.0.1:{TablePort}/{AzuriteFixture.AccountName};";

    public static async Task<StorageRequestCounter> StartAsync(AzuriteFixture azurite)
    {
        var (blob, queue, table) = (FreePort.Next(), FreePort.Next(), FreePort.Next());
        var routes = new Dictionary<int, (string, int)>
        {
            [blob] = ("blob", azurite.BlobPort),
            [queue] = ("queue", azurite.QueuePort),
            [table] = ("table", azurite.TablePort),
        };
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.Limits.MaxRequestBodySize = null;
            foreach (var port in routes.Keys)
            {
                kestrel.Listen(System.Net.IPAddress.Loopback, port);
            }
        });
        var client = new HttpClient(new SocketsHttpHandler
        {
            UseProxy = false,
            UseCookies = false,
            AllowAutoRedirect = false,
            AutomaticDecompression = System.Net.DecompressionMethods.None,
            PooledConnectionIdleTimeout = TimeSpan.FromMinutes(2),
        })
        { Timeout = Timeout.InfiniteTimeSpan };
        var app = builder.Build();
        var counter = new StorageRequestCounter(app, client, routes, blob, queue, table);
        app.Run(counter.ForwardAsync);
        await app.StartAsync();
        return counter;
    }

    /// <summary>Requests counted so far, by service and operation.</summary>
    public IReadOnlyDictionary<(string Kind, string Operation), long> Snapshot() => new Dictionary<(string, string), long>(_counts);

    private async Task ForwardAsync(HttpContext context)
    {
        var (kind, target) = _routes[context.Connection.LocalPort];
        var incoming = context.Request;
        var rawTarget = context.Features.Get<IHttpRequestFeature>()!.RawTarget;
        _counts.AddOrUpdate((kind, Operation(kind, incoming.Method, incoming.Path.Value ?? "/", incoming.Query)), 1, (_, n) => n + 1);

        using var request = new HttpRequestMessage(new HttpMethod(incoming.Method), new Uri($"http://127.0.0.1:{target}{rawTarget}"));
        var hasBody = incoming.ContentLength > 0 || incoming.Headers.TransferEncoding.Count > 0;
        if (hasBody || incoming.ContentLength == 0)
        {
            request.Content = hasBody ? new StreamContent(incoming.Body) : new ByteArrayContent([]);
        }
        foreach (var (name, values) in incoming.Headers)
        {
            if (HopByHop.Contains(name))
            {
                continue;
            }
            if (!request.Headers.TryAddWithoutValidation(name, values.ToArray()))
            {
                request.Content?.Headers.TryAddWithoutValidation(name, values.ToArray());
            }
        }

        HttpResponseMessage response;
        try
        {
            response = await _client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, context.RequestAborted);
        }
        catch (HttpRequestException)
        {
            Interlocked.Increment(ref _failures);
            context.Response.StatusCode = StatusCodes.Status502BadGateway;
            return;
        }
        using var _ = response;
        context.Response.StatusCode = (int)response.StatusCode;
        foreach (var (name, values) in response.Headers.Concat(response.Content.Headers))
        {
            if (!HopByHop.Contains(name))
            {
                context.Response.Headers[name] = values.ToArray();
            }
        }
        if (incoming.Method != HttpMethods.Head && (int)response.StatusCode is not (204 or 304))
        {
            await response.Content.CopyToAsync(context.Response.Body, context.RequestAborted);
        }
    }

    /// <summary>What a request does, told from its method and path the way the storage REST APIs name them.</summary>
    private static string Operation(string kind, string method, string path, IQueryCollection query) =>
        kind == "queue" ? $"{QueueOperation(method, path, query)} ({QueueRole(path)})" : OtherOperation(kind, method, path, query);

    // The task hub's queues by role: its control queues (one per partition) and its one work-item queue.
    private static string QueueRole(string path)
    {
        var segments = path.Split('/', StringSplitOptions.RemoveEmptyEntries);
        var queue = segments.Length > 1 ? segments[1] : "";
        return queue.Contains("-control-", StringComparison.Ordinal) ? "control" : queue.EndsWith("-workitems", StringComparison.Ordinal) ? "work items" : "other";
    }

    private static string QueueOperation(string method, string path, IQueryCollection query) => OtherOperation("queue", method, path, query);

    private static string OtherOperation(string kind, string method, string path, IQueryCollection query)
    {
        switch (kind)
        {
            case "queue" when path.EndsWith("/messages", StringComparison.Ordinal):
                return method switch
                {
                    "GET" => query.ContainsKey("peekonly") ? "peek messages" : "get messages",
                    "POST" => "put message",
                    "DELETE" => "clear messages",
                    _ => method + " messages",
                };
            case "queue" when path.Contains("/messages/", StringComparison.Ordinal):
                return method switch { "DELETE" => "delete message", "PUT" => "update message", _ => method + " message" };
            case "queue":
                return query.TryGetValue("comp", out var comp) ? $"{method} ?comp={comp}" : method + " queue";
            case "table" when path.EndsWith("/$batch", StringComparison.Ordinal):
                return "batch";
            case "table":
                return method switch
                {
                    "GET" => path.Contains('(', StringComparison.Ordinal) && !path.EndsWith("()", StringComparison.Ordinal) ? "point read" : "query",
                    "POST" => "insert",
                    "PUT" => "update/upsert",
                    "MERGE" or "PATCH" => "merge",
                    "DELETE" => "delete",
                    _ => method,
                };
            default:
                return query.TryGetValue("comp", out var blobComp) ? $"{method} ?comp={blobComp}" : method;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
        _client.Dispose();
    }
}
