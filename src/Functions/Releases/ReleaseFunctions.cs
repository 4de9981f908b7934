using Blueshift.Functions.Hosting;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask.Client;

namespace Blueshift.Functions.Releases;

/// <summary>
/// The releases API (<see cref="ReleaseEndpoints"/>) as Functions. Each gets the Durable client, through which the API
/// schedules, reads and signals release orchestrations.
/// </summary>
public sealed class ReleaseFunctions(FunctionEndpointTable endpoints)
{
    [Function(nameof(StartRelease))]
    public IActionResult StartRelease([HttpTrigger(AuthorizationLevel.Function, "post", Route = "releases")] HttpRequest req, [DurableClient] DurableTaskClient client) => endpoints.Run(req, client);

    [Function(nameof(ListReleases))]
    public IActionResult ListReleases([HttpTrigger(AuthorizationLevel.Function, "get", Route = "releases")] HttpRequest req, [DurableClient] DurableTaskClient client) => endpoints.Run(req, client);

    [Function(nameof(GetRelease))]
    public IActionResult GetRelease([HttpTrigger(AuthorizationLevel.Function, "get", Route = "releases/{id}")] HttpRequest req, [DurableClient] DurableTaskClient client) => endpoints.Run(req, client);

    [Function(nameof(ApproveRelease))]
    public IActionResult ApproveRelease([HttpTrigger(AuthorizationLevel.Function, "post", Route = "releases/{id}/approvals")] HttpRequest req, [DurableClient] DurableTaskClient client) => endpoints.Run(req, client);

    [Function(nameof(AbortRelease))]
    public IActionResult AbortRelease([HttpTrigger(AuthorizationLevel.Function, "post", Route = "releases/{id}/abort")] HttpRequest req, [DurableClient] DurableTaskClient client) => endpoints.Run(req, client);

    [Function(nameof(PromoteRelease))]
    public IActionResult PromoteRelease([HttpTrigger(AuthorizationLevel.Function, "post", Route = "releases/{id}/promote")] HttpRequest req, [DurableClient] DurableTaskClient client) => endpoints.Run(req, client);

    [Function(nameof(RollBackRelease))]
    public IActionResult RollBackRelease([HttpTrigger(AuthorizationLevel.Function, "post", Route = "releases/{id}/rollback")] HttpRequest req, [DurableClient] DurableTaskClient client) => endpoints.Run(req, client);
}
