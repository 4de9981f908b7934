using Blueshift.Functions.Hosting;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;

namespace Blueshift.Functions.Alerts;

/// <summary>The Azure Monitor alert webhook (<see cref="AlertsModule"/>), as a Function.</summary>
public sealed class AlertFunctions(FunctionEndpointTable endpoints)
{
    [Function(nameof(AlertWebhook))]
    public IActionResult AlertWebhook([HttpTrigger(AuthorizationLevel.Function, "post", Route = "alerts")] HttpRequest req) => endpoints.Run(req);
}
