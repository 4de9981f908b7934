using Blueshift.Functions.Hosting;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;

namespace Blueshift.Functions.Releases;

/// <summary>The releases API (<see cref="ReleaseEndpoints"/>) and the reconcile tick, as Functions.</summary>
public sealed class ReleaseFunctions(FunctionEndpointTable endpoints, IServiceProvider services)
{
    [Function(nameof(StartRelease))]
    public IActionResult StartRelease([HttpTrigger(AuthorizationLevel.Function, "post", Route = "releases")] HttpRequest req) => endpoints.Run(req);

    [Function(nameof(ListReleases))]
    public IActionResult ListReleases([HttpTrigger(AuthorizationLevel.Function, "get", Route = "releases")] HttpRequest req) => endpoints.Run(req);

    [Function(nameof(GetRelease))]
    public IActionResult GetRelease([HttpTrigger(AuthorizationLevel.Function, "get", Route = "releases/{id}")] HttpRequest req) => endpoints.Run(req);

    [Function(nameof(ApproveRelease))]
    public IActionResult ApproveRelease([HttpTrigger(AuthorizationLevel.Function, "post", Route = "releases/{id}/approvals")] HttpRequest req) => endpoints.Run(req);

    [Function(nameof(AbortRelease))]
    public IActionResult AbortRelease([HttpTrigger(AuthorizationLevel.Function, "post", Route = "releases/{id}/abort")] HttpRequest req) => endpoints.Run(req);

    [Function(nameof(PromoteRelease))]
    public IActionResult PromoteRelease([HttpTrigger(AuthorizationLevel.Function, "post", Route = "releases/{id}/promote")] HttpRequest req) => endpoints.Run(req);

    [Function(nameof(RollBackRelease))]
    public IActionResult RollBackRelease([HttpTrigger(AuthorizationLevel.Function, "post", Route = "releases/{id}/rollback")] HttpRequest req) => endpoints.Run(req);

    /// <summary>Advances due releases and fails stuck ones safe; the schedule is the required app setting Blueshift__Releases__TickSchedule.</summary>
    [Function(nameof(ReconcileTick))]
    public async Task ReconcileTick(
        [TimerTrigger("%" + ReleaseEngineOptions.SectionName + ":TickSchedule%")] TimerInfo timer, CancellationToken cancellationToken) =>
        await services.GetRequiredService<Releases.ReconcileTick>().RunAsync(cancellationToken);
}
