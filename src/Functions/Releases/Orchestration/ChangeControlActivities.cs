using Blueshift.Domain.ChangeControl;
using Blueshift.Domain.Windows;

namespace Blueshift.Functions.Releases.Orchestration;

/// <summary>
/// The change-control gates, judged on the policies the app runs with (<see cref="ReleaseGatePolicies"/>), as the
/// reconciler judges them. In an activity rather than the orchestrator because a window policy holds a resolved time
/// zone, which has no serialized form; the orchestrator passes its own time, and the history keeps the answer.
/// </summary>
internal sealed class ChangeControlActivities(ReleaseGatePolicies gates)
{
    public Task<ApprovalGateResult> EvaluateApprovalsAsync(ApprovalQuery query, CancellationToken cancellationToken)
    {
        var (type, changeClass) = Parse(query.ReleaseType, query.ChangeClass);
        return Task.FromResult(ApprovalGate.Evaluate(type, changeClass, query.RequestedBy, query.Approvals, gates.Approvals));
    }

    public Task<WindowDecision> EvaluateWindowAsync(WindowQuery query, CancellationToken cancellationToken)
    {
        var (type, changeClass) = Parse(query.ReleaseType, query.ChangeClass);
        return Task.FromResult(DeploymentWindows.Evaluate(type, changeClass, query.At, gates.Windows));
    }

    private static (ReleaseType Type, ChangeClass Class) Parse(string releaseType, string changeClass) =>
        (ReleaseGates.ParseReleaseType(releaseType) ?? throw new InvalidDataException($"Unknown release type '{releaseType}'."),
         ReleaseGates.ParseChangeClass(changeClass) ?? throw new InvalidDataException($"Unknown change class '{changeClass}'."));
}
