using Blueshift.Domain.ChangeControl;
using Blueshift.Domain.Releases;
using Blueshift.Domain.Windows;

namespace Blueshift.Functions.Releases;

internal sealed partial class ReleaseEngine
{
    /// <summary>Waits for the approvals the release type and change class need; the requester's own never count.</summary>
    private Next AwaitApproval(Run run)
    {
        var state = run.State;
        var (type, changeClass) = Classify(state);
        var approvals = state.Approvals.Select(a => new Approval(a.Approver, a.Role, a.At, a.Comment)).ToList();
        var result = ApprovalGate.Evaluate(type, changeClass, state.RequestedBy, approvals, gates.Approvals);
        if (!result.IsSatisfied)
        {
            Waiting(state, result.Reason);
            state.DueAt = DateTimeOffset.MaxValue;
            return Next.Wait;
        }
        if (changeClass == ChangeClass.Emergency)
        {
            state.PostHocApprovalDueAt = Now + gates.Approvals.PostHocApprovalWithin;
            run.Audit(EngineActor, "release.post-hoc-approval-owed",
                $"Emergency change: approval by {string.Join(", ", gates.Approvals.PostHocRoles)} is owed by {state.PostHocApprovalDueAt:u}.");
        }
        state.StatusReason = null;
        MoveTo(run, ReleasePhase.AwaitingWindow, result.Reason, details: new Dictionary<string, string>
        {
            ["approvers"] = string.Join(", ", result.CountedApprovals.Select(a => $"{a.Approver} ({a.Role})")),
            ["requiredRoles"] = string.Join(", ", result.RequiredRoles),
        });
        return Next.Continue;
    }

    /// <summary>Waits for a deployment window; only hotfixes and emergency changes pass a freeze.</summary>
    private Next AwaitWindow(Run run)
    {
        var state = run.State;
        var (type, changeClass) = Classify(state);
        var decision = DeploymentWindows.Evaluate(type, changeClass, Now, gates.Windows);
        if (!decision.IsAllowed)
        {
            Waiting(state, decision.Reason);
            state.DueAt = decision.NextOpening ?? DateTimeOffset.MaxValue;
            return Next.Wait;
        }
        state.StatusReason = null;
        MoveTo(run, ReleasePhase.CapturingBaseline, decision.Reason);
        return Next.Continue;
    }

    private void Waiting(ReleaseState state, string reason)
    {
        // Say it once: a release waiting for days must not fill its timeline with the same line.
        if (state.StatusReason != reason)
        {
            state.StatusReason = reason;
            state.AddEvent(Now, reason);
        }
    }

    private static (ReleaseType Type, ChangeClass Class) Classify(ReleaseState state) =>
        (ReleaseGates.ParseReleaseType(state.ReleaseType) ?? throw new InvalidDataException($"Release {state.Id} has an unknown release type '{state.ReleaseType}'."),
         ReleaseGates.ParseChangeClass(state.ChangeClass) ?? throw new InvalidDataException($"Release {state.Id} has an unknown change class '{state.ChangeClass}'."));
}
