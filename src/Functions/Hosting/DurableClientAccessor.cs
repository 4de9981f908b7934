using Microsoft.DurableTask.Client;

namespace Blueshift.Functions.Hosting;

/// <summary>
/// The Durable client of the HTTP function being served. The Functions host hands it to the function through its
/// <c>[DurableClient]</c> binding (there is no other way to get one in the isolated worker); the function puts it on the
/// request (<see cref="FunctionEndpointTable.Run(HttpRequest, DurableTaskClient, string)"/>) and the services its endpoint
/// calls read it here.
/// </summary>
/// <remarks>A host that runs the app's services in process with a Durable client of its own (the local host, tests) may
/// register that client as a service: it is the answer outside a function call.</remarks>
public sealed class DurableClientAccessor(IHttpContextAccessor http, IServiceProvider services)
{
    public DurableTaskClient Current =>
        http.HttpContext?.Features.Get<DurableClientFeature>()?.Client
        ?? services.GetService<DurableTaskClient>()
        ?? throw new InvalidOperationException("No Durable client for this call: only an HTTP function with a [DurableClient] parameter that passes it to FunctionEndpointTable.Run may start or signal orchestrations.");
}

/// <summary>The request feature that carries the function's Durable client to its endpoint.</summary>
public sealed record DurableClientFeature(DurableTaskClient Client);
