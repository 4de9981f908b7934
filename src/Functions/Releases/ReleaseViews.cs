using Blueshift.Domain.Releases;
using Blueshift.Functions.Releases.Orchestration;
using Microsoft.DurableTask.Client;

namespace Blueshift.Functions.Releases;

/// <summary>A release as callers see it, read from its orchestration: the input it started with, the status it publishes, its outcome.</summary>
internal static class ReleaseViews
{
    public static ReleaseView From(OrchestrationMetadata instance)
    {
        var input = instance.ReadInputAs<ReleaseInput>()
            ?? throw new InvalidOperationException($"Release orchestration {instance.InstanceId} holds no input.");
        var progress = instance.ReadCustomStatusAs<ReleaseProgress>();
        var phase = progress?.Phase ?? ReleasePhase.AwaitingApproval;
        var reason = progress?.StatusReason;
        var timeline = progress?.Timeline ?? [Requested(input)];
        if (instance.RuntimeStatus is OrchestrationRuntimeStatus.Failed or OrchestrationRuntimeStatus.Terminated)
        {
            // The orchestration itself stopped (a defect, or someone terminated it with the Durable tools): a person must look.
            reason = instance.RuntimeStatus == OrchestrationRuntimeStatus.Terminated
                ? $"The release's orchestration was terminated in {phase}. Check which slot serves which version and the routing rule."
                : $"The release's orchestration failed in {phase} ({instance.FailureDetails?.ErrorType}: {instance.FailureDetails?.ErrorMessage}). Check which slot serves which version and the routing rule.";
            phase = ReleasePhase.Failed;
        }
        return new ReleaseView(
            input.ReleaseId,
            input.Target.Name,
            input.Version,
            ReleasePhases.StatusOf(phase).ToString(),
            phase.ToString(),
            phase == ReleasePhase.Shifting ? progress?.Step : null,
            progress?.TrafficPercent ?? 0,
            input.ReleaseType,
            input.ChangeClass,
            input.Request?.ChangeReference,
            input.RequestedBy,
            input.Request?.RequestedAt ?? instance.CreatedAt,
            instance.LastUpdatedAt,
            reason,
            progress?.Approvals ?? [],
            progress?.Analyses ?? [],
            timeline);
    }

    /// <summary>A release just scheduled, before its orchestration has run at all.</summary>
    public static ReleaseView Scheduled(ReleaseInput input)
    {
        var at = input.Request?.RequestedAt ?? DateTimeOffset.MinValue;
        return new ReleaseView(input.ReleaseId, input.Target.Name, input.Version, nameof(ReleaseStatus.Active), nameof(ReleasePhase.AwaitingApproval), null, 0,
            input.ReleaseType, input.ChangeClass, input.Request?.ChangeReference, input.RequestedBy, at, at, null, [], [], [Requested(input)]);
    }

    /// <summary>The phase an orchestration last published; null before it published any.</summary>
    public static ReleasePhase? PhaseOf(OrchestrationMetadata instance) =>
        instance.SerializedCustomStatus is { Length: > 0 } ? instance.ReadCustomStatusAs<ReleaseProgress>()?.Phase : null;

    private static TimelineEvent Requested(ReleaseInput input) => new(
        input.Request?.RequestedAt ?? DateTimeOffset.MinValue,
        nameof(ReleasePhase.AwaitingApproval),
        $"Release of {input.Version} requested by {input.Request?.RequestedByName ?? input.RequestedBy} ({input.ReleaseType}, {input.ChangeClass} change).",
        0);
}
