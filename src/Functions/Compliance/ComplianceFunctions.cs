using Blueshift.Functions.Hosting;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask.Client;

namespace Blueshift.Functions.Compliance;

/// <summary>The compliance API (<see cref="ComplianceEndpoints"/>) as Functions; running a job needs the Durable client.</summary>
public sealed class ComplianceFunctions(FunctionEndpointTable endpoints)
{
    [Function(nameof(ListComplianceFindings))]
    public IActionResult ListComplianceFindings([HttpTrigger(AuthorizationLevel.Function, "get", Route = "compliance/findings")] HttpRequest req) => endpoints.Run(req);

    [Function(nameof(GetComplianceStatus))]
    public IActionResult GetComplianceStatus([HttpTrigger(AuthorizationLevel.Function, "get", Route = "compliance/status")] HttpRequest req) => endpoints.Run(req);

    [Function(nameof(RunComplianceJobNow))]
    public IActionResult RunComplianceJobNow([HttpTrigger(AuthorizationLevel.Admin, "post", Route = "compliance/jobs/{job}/run")] HttpRequest req, [DurableClient] DurableTaskClient client) => endpoints.Run(req, client);
}
