using Blueshift.Functions.Hosting;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;

namespace Blueshift.Functions.Audit;

/// <summary>The audit trail query (<see cref="AuditEndpoints"/>), as a Function.</summary>
public sealed class AuditFunctions(FunctionEndpointTable endpoints)
{
    [Function(nameof(QueryAudit))]
    public IActionResult QueryAudit([HttpTrigger(AuthorizationLevel.Function, "get", Route = "audit")] HttpRequest req) => endpoints.Run(req);
}
