using System.Collections.Concurrent;
using System.Net;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Blueshift.Testing;

/// <summary>A real HTTP server on 127.0.0.1 that keeps every JSON body posted to it, as a chat or paging webhook would.</summary>
public sealed class WebhookReceiver : IAsyncDisposable
{
    private readonly WebApplication _app;

    private WebhookReceiver(WebApplication app, Uri endpoint)
    {
        _app = app;
        Endpoint = endpoint;
    }

    public Uri Endpoint { get; }

    public ConcurrentQueue<JsonElement> Received { get; } = new();

    public static async Task<WebhookReceiver> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(k => k.Listen(IPAddress.Loopback, 0));
        var app = builder.Build();
        WebhookReceiver? receiver = null;
        app.MapPost("/hooks/releases", async (HttpContext context) =>
        {
            var body = await JsonSerializer.DeserializeAsync<JsonElement>(context.Request.Body);
            receiver!.Received.Enqueue(body);
            return Results.Ok();
        });
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.First();
        receiver = new WebhookReceiver(app, new Uri(new Uri(address.Replace("[::]", "127.0.0.1", StringComparison.Ordinal)), "/hooks/releases"));
        return receiver;
    }

    public async ValueTask DisposeAsync() => await _app.DisposeAsync();
}
