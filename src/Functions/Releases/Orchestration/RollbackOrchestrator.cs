using Blueshift.Domain.Releases;
using Blueshift.Functions.Audit;
using Blueshift.Functions.Notifications;
using Blueshift.Functions.Traffic;
using Microsoft.DurableTask;

namespace Blueshift.Functions.Releases.Orchestration;

/// <summary>
/// Undoes a release from wherever it stopped: route 0 %, swap back when production holds this release, verify that
/// production serves, notify in the seed's template, and say which phase the release ends in. Never waits for an analysis.
/// </summary>
internal static class RollbackOrchestrator
{
    public static async Task<RollbackOutcome> RunRollback(TaskOrchestrationContext context, RollbackInput input)
    {
        var retries = OrchestrationSteps.Retries(input.Settings);
        var deadline = context.CurrentUtcDateTime + input.Timeout;
        context.SetCustomStatus(new ReleaseProgress(ReleasePhase.RollingBack, null, input.MaxTrafficPercent, input.Reason));

        // Route 0 % first: after a swap the routing rule would otherwise send traffic to whatever the staging slot holds.
        if (ReleasePhases.MayHaveServedTraffic(input.FromPhase) || input.SwapRequested)
        {
            await context.CallActivityAsync<int>(ReleaseActivityNames.ClearRouting, input.Target, retries);
        }
        context.SetCustomStatus(new ReleaseProgress(ReleasePhase.RollingBack, null, 0, input.Reason));

        if (input.SwapRequested)
        {
            var (done, _, detail) = await OrchestrationSteps.DriveSwapAsync(
                context, new SwapRequest(input.Target, input.ReleaseId, SwapDirection.Back), input.Settings, deadline);
            if (!done)
            {
                var stuck = $"Swapping back failed: {detail} Needs an operator: check which slot serves which version (app setting {ReleaseMarker.ReleaseIdSetting}).";
                await NotifyAsync(context, input, "release.stuck", stuck, "not verified", retries);
                return new RollbackOutcome(ReleasePhase.Failed, stuck, "not verified");
            }
        }

        var verification = "not probed: the production host was never recorded";
        if (input.ProductionHost is { } host)
        {
            var probe = await context.CallActivityAsync<Domain.Analysis.HealthProbe>(ReleaseActivityNames.ProbeHealth, new ProbeRequest(host, input.HealthCheckPath), retries);
            verification = probe.Healthy ? "healthy" : $"unhealthy ({probe.Detail})";
        }

        await NotifyAsync(context, input, EventFor(input.Cause), input.Reason, verification, retries);
        return new RollbackOutcome(ReleasePhases.EndOf(input.Cause), input.Reason, verification);
    }

    private static async Task NotifyAsync(TaskOrchestrationContext context, RollbackInput input, string eventName, string reason, string verification, TaskOptions retries)
    {
        var notification = BuildNotification(input, eventName, reason, verification, OrchestrationSteps.At(context.CurrentUtcDateTime));
        foreach (var target in input.Target.Notifications ?? [])
        {
            var outcome = await context.CallActivityAsync<string>(ReleaseActivityNames.Notify, new NotifyRequest(input.ReleaseId, target, notification), retries);
            await context.CallActivityAsync<int>(ReleaseActivityNames.RecordAudit, new AuditBatch(
            [
                new AuditRecord(OrchestrationSteps.At(context.CurrentUtcDateTime), ReleaseRun.EngineActor, "release.notified", input.Target.Name, input.ReleaseId,
                    $"{eventName} notification {outcome}.", input.ReleaseId,
                    new Dictionary<string, string> { ["kind"] = target.Kind, ["host"] = target.Endpoint.Host, ["outcome"] = outcome }),
            ]), retries);
        }
    }

    /// <summary>The rollback communication of seed 000 §6.4, worded as the reconciler words it.</summary>
    internal static ReleaseNotification BuildNotification(RollbackInput input, string eventName, string reason, string verification, DateTimeOffset at)
    {
        var previous = input.PreviousVersion ?? "the previous version";
        var staging = input.Target.StagingSlot;
        var action = input.SwapRequested
            ? $"Rollback to version {previous} by swapping the {staging} slot back; {input.Version} waits in the {staging} slot."
            : input.MaxTrafficPercent > 0
                ? $"Rollback to version {previous}: routed 0 % of production traffic to {input.Version}."
                : $"Release of {input.Version} stopped before it took production traffic; production still runs {previous}.";
        var impact = input.MaxTrafficPercent switch
        {
            0 => "None: the new version never served production traffic.",
            100 when input.SwapRequested => $"{input.Version} served all production traffic after the swap until the rollback.",
            var p => $"{input.Version} served up to {p} % of production traffic before the rollback.",
        };
        var stuck = eventName == "release.stuck";
        return new ReleaseNotification(
            eventName,
            at,
            input.Settings.Environment,
            input.Target.Name,
            input.ReleaseId,
            input.Version,
            reason,
            action,
            stuck ? "Needs an operator" : verification == "healthy" ? "Stable" : "Monitoring",
            impact,
            stuck
                ? "Check which slot serves which version and finish the rollback by hand; Blueshift stopped acting on this release."
                : $"Investigate {input.Version} (release {input.ReleaseId}); the audit trail holds the measured values. Request a new release once fixed.",
            input.Settings.Contact);
    }

    private static string EventFor(RollbackCause cause) => cause switch
    {
        RollbackCause.Aborted => "release.aborted",
        RollbackCause.NotViable => "release.failed",
        _ => "release.rolled-back",
    };
}
