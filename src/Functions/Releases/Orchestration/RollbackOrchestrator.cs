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
        context.SetCustomStatus(new ReleaseProgress(ReleasePhase.RollingBack, null, input.MaxTrafficPercent, input.Reason, input.ForwardSwap));

        // Route 0 % first: after a swap the routing rule would otherwise send traffic to whatever the staging slot holds.
        if (ReleasePhases.MayHaveServedTraffic(input.FromPhase) || input.ReachedSwapping)
        {
            await context.CallActivityAsync<int>(ReleaseActivityNames.ClearRouting, input.Target, retries);
        }
        context.SetCustomStatus(new ReleaseProgress(ReleasePhase.RollingBack, null, 0, input.Reason, input.ForwardSwap));

        // Before the swap, route 0 % is the whole rollback; from the swap on, production may hold the release, and only
        // the marker says whether it does, once the forward swap in flight has settled.
        var swappedBack = false;
        if (input.ReachedSwapping)
        {
            var productionHolds = await SettleForwardSwapAsync(context, input, retries, deadline);
            if (productionHolds is null)
            {
                return await StuckAsync(context, input, $"The swap into production did not settle by {deadline:u}.", retries);
            }
            if (productionHolds.Value)
            {
                var back = await OrchestrationSteps.DriveSwapAsync(
                    context, new SwapRequest(input.Target, input.ReleaseId, SwapDirection.Back), new SwapProgress(SwapDirection.Back), input.Settings, deadline,
                    progress => RecordSwapBackAsync(context, input, progress, retries));
                if (!back.Done)
                {
                    return await StuckAsync(context, input, $"Swapping back failed: {back.Detail}", retries);
                }
                swappedBack = true;
            }
        }

        var verification = "not probed: the production host was never recorded";
        if (input.ProductionHost is { } host)
        {
            var probe = await context.CallActivityAsync<Domain.Analysis.HealthProbe>(ReleaseActivityNames.ProbeHealth, new ProbeRequest(host, input.HealthCheckPath), retries);
            verification = probe.Healthy ? "healthy" : $"unhealthy ({probe.Detail})";
        }

        await NotifyAsync(context, input, EventFor(input.Cause), input.Reason, verification, retries, swappedBack);
        return new RollbackOutcome(ReleasePhases.EndOf(input.Cause), input.Reason, verification);
    }

    /// <summary>
    /// Lets the forward swap that may be in flight finish before anything is decided: its operation is polled to its end,
    /// a request whose outcome is unknown is given the settle time, and then the marker says where the release is.
    /// Never requests a swap.
    /// </summary>
    /// <returns>Whether production holds the release once settled; null when it did not settle by the deadline.</returns>
    private static async Task<bool?> SettleForwardSwapAsync(TaskOrchestrationContext context, RollbackInput input, TaskOptions retries, DateTime deadline)
    {
        var request = new SwapRequest(input.Target, input.ReleaseId, SwapDirection.Forward);
        var progress = input.ForwardSwap;
        while (true)
        {
            var holds = await context.CallActivityAsync<bool>(ReleaseActivityNames.ProductionHolds, request, retries);
            if (holds || progress?.RequestedAt is not { } requestedAt)
            {
                return holds;
            }
            var now = OrchestrationSteps.At(context.CurrentUtcDateTime);
            if (progress.OperationUrl is { } url && progress.OperationEndedAt is null)
            {
                var status = await context.CallActivityAsync<SlotOperation>(ReleaseActivityNames.PollOperation, new OperationRequest(input.Target, url), retries);
                progress = OrchestrationSteps.Progressed(progress, status, now);
                if (progress.OperationEndedAt is not null)
                {
                    continue;
                }
            }
            else if (now - (progress.OperationEndedAt ?? requestedAt) >= input.Settings.SwapSettleTime)
            {
                return false;
            }
            if (context.CurrentUtcDateTime >= deadline)
            {
                return null;
            }
            var next = context.CurrentUtcDateTime + input.Settings.PollInterval;
            await context.CreateTimer(next < deadline ? next : deadline, CancellationToken.None);
        }
    }

    private static Task RecordSwapBackAsync(TaskOrchestrationContext context, RollbackInput input, SwapProgress progress, TaskOptions retries) =>
        context.CallActivityAsync<int>(ReleaseActivityNames.RecordAudit, OrchestrationSteps.Audit(context,
        [
            new AuditRecord(OrchestrationSteps.At(context.CurrentUtcDateTime), ReleaseRun.EngineActor, "release.swap-back-requested", input.Target.Name, input.ReleaseId,
                $"Swap {progress.Attempts} of production back to {input.PreviousVersion ?? "the previous version"} is being requested.", input.ReleaseId,
                new Dictionary<string, string> { ["attempt"] = progress.Attempts.ToString(System.Globalization.CultureInfo.InvariantCulture) }),
        ]), retries);

    private static async Task<RollbackOutcome> StuckAsync(TaskOrchestrationContext context, RollbackInput input, string problem, TaskOptions retries)
    {
        var stuck = $"{problem} Needs an operator: check which slot serves which version (app setting {ReleaseMarker.ReleaseIdSetting}).";
        await context.CallActivityAsync<int>(ReleaseActivityNames.RecordAudit, OrchestrationSteps.Audit(context,
        [
            new AuditRecord(OrchestrationSteps.At(context.CurrentUtcDateTime), ReleaseRun.EngineActor, "release.stuck", input.Target.Name, input.ReleaseId,
                stuck, input.ReleaseId, new Dictionary<string, string> { ["from"] = input.FromPhase.ToString(), ["cause"] = input.Cause.ToString() }),
        ]), retries);
        await NotifyAsync(context, input, "release.stuck", stuck, "not verified", retries);
        return new RollbackOutcome(ReleasePhase.Failed, stuck, "not verified");
    }

    /// <summary>
    /// Sends the notification to each of the app's targets and records each outcome in the audit trail, all outcomes in one
    /// batch once every target has had its notification (nothing waits in between), or as far as it got.
    /// </summary>
    internal static async Task NotifyAsync(
        TaskOrchestrationContext context, RollbackInput input, string eventName, string reason, string verification, TaskOptions retries, bool? swappedBack = null)
    {
        var notification = BuildNotification(input, eventName, reason, verification, OrchestrationSteps.At(context.CurrentUtcDateTime), swappedBack);
        var notified = new List<AuditRecord>();
        try
        {
            foreach (var target in input.Target.Notifications ?? [])
            {
                var outcome = await context.CallActivityAsync<string>(ReleaseActivityNames.Notify, new NotifyRequest(input.ReleaseId, target, notification), retries);
                notified.Add(new AuditRecord(OrchestrationSteps.At(context.CurrentUtcDateTime), ReleaseRun.EngineActor, "release.notified", input.Target.Name, input.ReleaseId,
                    $"{eventName} notification {outcome}.", input.ReleaseId,
                    new Dictionary<string, string> { ["kind"] = target.Kind, ["host"] = target.Endpoint.Host, ["outcome"] = outcome }));
            }
        }
        finally
        {
            if (notified.Count > 0)
            {
                await context.CallActivityAsync<int>(ReleaseActivityNames.RecordAudit, OrchestrationSteps.Audit(context, notified), retries);
            }
        }
    }

    /// <summary>The rollback communication of seed 000 §6.4, worded as the reconciler words it.</summary>
    /// <param name="swappedBack">Whether the rollback swapped production back; unknown (null) when it did not get that far.</param>
    internal static ReleaseNotification BuildNotification(
        RollbackInput input, string eventName, string reason, string verification, DateTimeOffset at, bool? swappedBack = null)
    {
        var previous = input.PreviousVersion ?? "the previous version";
        var staging = input.Target.StagingSlot;
        var swapped = swappedBack ?? input.SwapRequested;
        var action = swapped
            ? $"Rollback to version {previous} by swapping the {staging} slot back; {input.Version} waits in the {staging} slot."
            : input.MaxTrafficPercent > 0
                ? $"Rollback to version {previous}: routed 0 % of production traffic to {input.Version}."
                : $"Release of {input.Version} stopped before it took production traffic; production still runs {previous}.";
        var impact = input.MaxTrafficPercent switch
        {
            0 => "None: the new version never served production traffic.",
            100 when swapped => $"{input.Version} served all production traffic after the swap until the rollback.",
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
