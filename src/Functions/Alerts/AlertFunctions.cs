using Blueshift.Functions.Hosting;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask.Client;

namespace Blueshift.Functions.Alerts;

/// <summary>The Azure Monitor alert webhook (<see cref="AlertsModule"/>), as a Function; it signals release orchestrations through the Durable client.</summary>
public sealed class AlertFunctions(FunctionEndpointTable endpoints)
{
    [Function(nameof(AlertWebhook))]
    public IActionResult AlertWebhook([HttpTrigger(AuthorizationLevel.Function, "post", Route = "alerts")] HttpRequest req, [DurableClient] DurableTaskClient client) => endpoints.Run(req, client);
}
