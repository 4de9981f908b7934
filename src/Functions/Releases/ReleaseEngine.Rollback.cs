using Blueshift.Domain.Releases;
using Blueshift.Functions.Notifications;

namespace Blueshift.Functions.Releases;

internal sealed partial class ReleaseEngine
{
    /// <summary>
    /// Undoes the release, one recorded step at a time: let a swap in flight settle, route 0 %, swap back when
    /// production holds this release, verify the previous version serves, notify, end. Never waits for an analysis.
    /// </summary>
    private async Task<Next> RollBackAsync(Run run, CancellationToken cancellationToken)
    {
        var state = run.State;
        var rollback = state.Rollback!;

        // A swap that may still take effect must end first, or the marker read below could change right after it.
        if (!rollback.SwapSettled)
        {
            if (state.Swap is { } forward)
            {
                var production = await slots.ReadMarkerAsync(state.Target, null, cancellationToken);
                var action = SwapPlanner.Decide(forward, production.ReleaseId == state.Id, Now, options.SwapSettleTime, int.MaxValue);
                if (action == SwapAction.Poll)
                {
                    await DriveSwapAsync(run, forward, p => state.Swap = p, CrashPoints.AfterSwapRequested, cancellationToken);
                    return state.Swap!.OperationEndedAt is null ? Next.Wait : Next.Continue;
                }
                if (action == SwapAction.Wait)
                {
                    return Next.Wait;
                }
            }
            state.Rollback = rollback = rollback with { SwapSettled = true };
            return Next.Continue;
        }

        // Route 0 % first: after a swap the routing rule would otherwise send traffic to whatever the staging slot holds.
        if (!rollback.RouteCleared)
        {
            if (ReleasePhases.MayHaveServedTraffic(rollback.FromPhase) || state.Swap is not null)
            {
                await slots.ClearRoutingAsync(state.Target, cancellationToken);
                state.AddEvent(Now, "Routing rule cleared: production serves all of its traffic.");
            }
            state.TrafficPercent = 0;
            state.Rollback = rollback with { RouteCleared = true };
            return Next.Continue;
        }

        if (state.Swap is not null)
        {
            var back = rollback.SwapBack ?? new SwapProgress(SwapDirection.Back);
            var action = await DriveSwapAsync(run, back, p => state.Rollback = state.Rollback! with { SwapBack = p }, CrashPoints.AfterSwapBackRequested, cancellationToken);
            switch (action)
            {
                case SwapAction.Request or SwapAction.Poll:
                    return state.Rollback!.SwapBack?.OperationEndedAt is null ? Next.Wait : Next.Continue;
                case SwapAction.Wait:
                    return Next.Wait;
                case SwapAction.GiveUp:
                    return await GiveUpRollbackAsync(run, $"Swapping back did not take effect after {back.Attempts} attempts.", cancellationToken);
            }
            if (rollback.SwapBack is not null && !rollback.Verified)
            {
                state.AddEvent(Now, $"Swapped back: production serves {state.PreviousVersion ?? "the previous version"} again.");
            }
            state.TrafficPercent = 0;
        }

        if (!state.Rollback!.Verified)
        {
            var host = state.ProductionHost;
            var detail = "not probed: the production host was never recorded";
            if (host is not null)
            {
                var response = await probe.GetAsync(host, state.Policy.HealthCheckPath, cancellationToken);
                detail = response.IsSuccess ? "healthy" : $"unhealthy ({response.Describe()})";
            }
            state.Rollback = state.Rollback with { Verified = true, VerificationDetail = detail };
            state.AddEvent(Now, $"Production after the rollback: {detail}.");
            return Next.Continue;
        }

        if (!state.Rollback.Notified)
        {
            // Saved first, like a swap request: of two passes racing here, only the one whose save wins sends the notice.
            await run.SaveAsync(cancellationToken);
            await NotifyAsync(run, EventFor(state.Rollback.Cause), cancellationToken);
            state.Rollback = state.Rollback with { Notified = true };
            return Next.Continue;
        }

        var end = ReleasePhases.EndOf(state.Rollback.Cause);
        MoveTo(run, end, EndMessage(state, end), state.Rollback.Actor);
        return Next.Wait;
    }

    /// <summary>The rollback itself cannot finish: stop, leave things as they are, and get a person.</summary>
    private async Task<Next> GiveUpRollbackAsync(Run run, string problem, CancellationToken cancellationToken)
    {
        var state = run.State;
        state.StatusReason = $"{problem} Needs an operator: check which slot serves which version (app setting {Traffic.ReleaseMarker.ReleaseIdSetting}).";
        await NotifyAsync(run, "release.stuck", cancellationToken);
        MoveTo(run, ReleasePhase.Failed, state.StatusReason);
        return Next.Wait;
    }

    private async Task NotifyAsync(Run run, string eventName, CancellationToken cancellationToken)
    {
        var state = run.State;
        var targets = state.Target.Notifications ?? [];
        if (targets.Count == 0)
        {
            return;
        }
        var notification = BuildNotification(state, eventName);
        foreach (var target in targets)
        {
            var notifier = notifiers.FirstOrDefault(n => n.Kind.Equals(target.Kind, StringComparison.OrdinalIgnoreCase));
            string outcome;
            try
            {
                if (notifier is null)
                {
                    throw new NotSupportedException($"No notifier serves targets of kind '{target.Kind}'.");
                }
                await notifier.PostAsync(target.Endpoint, notification, cancellationToken);
                outcome = "sent";
            }
            catch (Exception ex) when (ex is HttpRequestException or global::Azure.RequestFailedException or NotSupportedException or IOException
                                       || (ex is OperationCanceledException && !cancellationToken.IsCancellationRequested))
            {
                // A notification is never worth blocking a rollback for: record the failure and go on.
                outcome = "failed: " + Describe(ex);
                Log.NotificationFailed(logger, state.Id, target.Kind, outcome);
            }
            state.AddEvent(Now, $"Notification to a {target.Kind} target: {outcome}.");
            run.Audit(EngineActor, "release.notified", $"{eventName} notification {outcome}.",
                new Dictionary<string, string> { ["kind"] = target.Kind, ["host"] = target.Endpoint.Host, ["outcome"] = outcome });
        }
    }

    private ReleaseNotification BuildNotification(ReleaseState state, string eventName)
    {
        var rollback = state.Rollback;
        var previous = state.PreviousVersion ?? "the previous version";
        var action = state.Swap is not null
            ? $"Rollback to version {previous} by swapping the {state.Target.StagingSlot} slot back; {state.Version} waits in the {state.Target.StagingSlot} slot."
            : state.MaxTrafficPercent > 0
                ? $"Rollback to version {previous}: routed 0 % of production traffic to {state.Version}."
                : $"Release of {state.Version} stopped before it took production traffic; production still runs {previous}.";
        var impact = state.MaxTrafficPercent switch
        {
            0 => "None: the new version never served production traffic.",
            100 when state.Swap is not null => $"{state.Version} served all production traffic after the swap until the rollback.",
            var p => $"{state.Version} served up to {p} % of production traffic before the rollback.",
        };
        var status = rollback?.VerificationDetail == "healthy" ? "Stable" : "Monitoring";
        return new ReleaseNotification(
            eventName,
            Now,
            options.Environment,
            state.App,
            state.Id,
            state.Version,
            state.StatusReason ?? rollback?.Reason ?? "unknown",
            action,
            eventName == "release.stuck" ? "Needs an operator" : status,
            impact,
            eventName == "release.stuck"
                ? "Check which slot serves which version and finish the rollback by hand; Blueshift stopped acting on this release."
                : $"Investigate {state.Version} (release {state.Id}); the audit trail holds the measured values. Request a new release once fixed.",
            options.Contact);
    }

    private static string EventFor(RollbackCause cause) => cause switch
    {
        RollbackCause.Aborted => "release.aborted",
        RollbackCause.NotViable => "release.failed",
        _ => "release.rolled-back",
    };

    private static string EndMessage(ReleaseState state, ReleasePhase end) => end switch
    {
        ReleasePhase.Aborted => $"Aborted; production runs {state.PreviousVersion ?? "the previous version"}.",
        ReleasePhase.Failed => $"Failed: {state.StatusReason}",
        _ => $"Rolled back; production runs {state.PreviousVersion ?? "the previous version"}.",
    };
}
