using Blueshift.Functions.Hosting;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask.Client;

namespace Blueshift.Functions.Compliance;

/// <summary>The DR exercises API (<see cref="DrExerciseEndpoints"/>) and a release's retrospective (<see cref="RetrospectiveEndpoints"/>) as Functions.</summary>
public sealed class GovernanceComplianceFunctions(FunctionEndpointTable endpoints)
{
    [Function(nameof(RecordDrExercise))]
    public IActionResult RecordDrExercise([HttpTrigger(AuthorizationLevel.Function, "post", Route = "compliance/dr-exercises")] HttpRequest req) => endpoints.Run(req);

    [Function(nameof(ListDrExercises))]
    public IActionResult ListDrExercises([HttpTrigger(AuthorizationLevel.Function, "get", Route = "compliance/dr-exercises")] HttpRequest req) => endpoints.Run(req);

    [Function(nameof(RecordRetrospective))]
    public IActionResult RecordRetrospective([HttpTrigger(AuthorizationLevel.Function, "post", Route = "releases/{id}/retrospective")] HttpRequest req, [DurableClient] DurableTaskClient client) => endpoints.Run(req, client);
}
