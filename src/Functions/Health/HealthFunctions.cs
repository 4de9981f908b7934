using Blueshift.Functions.Hosting;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;

namespace Blueshift.Functions.Health;

/// <summary>The health endpoints (<see cref="HealthModule"/>), as anonymous Functions.</summary>
public sealed class HealthFunctions(FunctionEndpointTable endpoints)
{
    [Function(nameof(Health))]
    public IActionResult Health([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "health")] HttpRequest req) => endpoints.Run(req);

    [Function(nameof(HealthLive))]
    public IActionResult HealthLive([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "health/live")] HttpRequest req) => endpoints.Run(req);

    [Function(nameof(HealthReady))]
    public IActionResult HealthReady([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "health/ready")] HttpRequest req) => endpoints.Run(req);
}
