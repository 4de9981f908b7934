using Blueshift.Functions.Hosting;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;

namespace Blueshift.Functions.Apps;

/// <summary>The managed-app registry (<see cref="AppEndpoints"/>), as Functions.</summary>
public sealed class AppFunctions(FunctionEndpointTable endpoints)
{
    [Function(nameof(PutApp))]
    public IActionResult PutApp([HttpTrigger(AuthorizationLevel.Function, "put", Route = "apps/{name}")] HttpRequest req) => endpoints.Run(req);

    [Function(nameof(GetApp))]
    public IActionResult GetApp([HttpTrigger(AuthorizationLevel.Function, "get", Route = "apps/{name}")] HttpRequest req) => endpoints.Run(req);

    [Function(nameof(ListApps))]
    public IActionResult ListApps([HttpTrigger(AuthorizationLevel.Function, "get", Route = "apps")] HttpRequest req) => endpoints.Run(req);
}
