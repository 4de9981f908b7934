using System.Globalization;
using Blueshift.Domain.Analysis;
using Blueshift.Domain.Releases;
using Blueshift.Functions.Traffic;

namespace Blueshift.Functions.Releases;

internal sealed partial class ReleaseEngine
{
    private async Task<Next> CaptureBaselineAsync(Run run, CancellationToken cancellationToken)
    {
        var state = run.State;
        var app = state.Target;
        var production = await slots.ReadMarkerAsync(app, null, cancellationToken);
        state.PreviousReleaseId = production.ReleaseId;
        state.PreviousVersion = production.Version;
        state.ProductionHost = await slots.GetHostNameAsync(app, null, cancellationToken);
        state.StagingHost = await slots.GetHostNameAsync(app, app.StagingSlot, cancellationToken);
        state.Baseline = await metrics.GetWindowAsync(app, null, Now - options.BaselineWindow, Now, cancellationToken);
        MoveTo(run, ReleasePhase.Deploying,
            $"Baseline captured: production runs {production.Version ?? "an untracked version"} with {state.Baseline.Requests} requests, " +
            $"{state.Baseline.ServerErrors} server errors, {Ms(state.Baseline.AverageLatencyMs)} average latency over the last {options.BaselineWindow:g}.",
            details: new Dictionary<string, string>
            {
                ["baseline.requests"] = state.Baseline.Requests.ToString(CultureInfo.InvariantCulture),
                ["baseline.serverErrors"] = state.Baseline.ServerErrors.ToString(CultureInfo.InvariantCulture),
                ["baseline.averageLatencyMs"] = Format(state.Baseline.AverageLatencyMs),
                ["previousVersion"] = production.Version ?? "",
            });
        return Next.Continue;
    }

    private async Task<Next> DeployAsync(Run run, CancellationToken cancellationToken)
    {
        var state = run.State;
        if (state.DeployOperationUrl is null)
        {
            if (state.DeployAttempts >= options.MaxDeployAttempts)
            {
                BeginRollback(run, RollbackCause.NotViable, EngineActor, $"Deploying {state.Version} to the {state.Target.StagingSlot} slot failed {state.DeployAttempts} times.");
                return Next.Continue;
            }
            // Counted once the request is accepted: a refused start (409 while an earlier deployment still runs, for
            // instance one whose start was never recorded) is retried on a later tick within the phase's timeout.
            var started = await slots.StartDeployAsync(state.Target, state.Package, cancellationToken);
            state.DeployAttempts++;
            crashPoints.At(CrashPoints.AfterDeployStarted, state.Id);
            state.DeployOperationUrl = started.State == SlotOperationState.Running ? started.OperationUrl : null;
            if (started.State == SlotOperationState.Running)
            {
                state.AddEvent(Now, $"Deployment of {state.Version} to the {state.Target.StagingSlot} slot started.");
            }
            return DeployEnded(run, started);
        }

        var status = await slots.GetOperationAsync(state.Target, state.DeployOperationUrl, cancellationToken);
        state.DeployOperationUrl = status.State == SlotOperationState.Running ? status.OperationUrl ?? state.DeployOperationUrl : null;
        return DeployEnded(run, status);
    }

    private Next DeployEnded(Run run, SlotOperation operation)
    {
        var state = run.State;
        switch (operation.State)
        {
            case SlotOperationState.Succeeded:
                MoveTo(run, ReleasePhase.Stamping, $"Deployed {state.Version} to the {state.Target.StagingSlot} slot.");
                return Next.Continue;
            case SlotOperationState.Failed:
                // A failed deployment changed nothing that serves traffic: try again within the attempt budget.
                state.AddEvent(Now, $"Deployment attempt {state.DeployAttempts} failed: {operation.Detail ?? "no detail"}.");
                return Next.Continue;
            default:
                return Next.Wait;
        }
    }

    private async Task<Next> StampAsync(Run run, CancellationToken cancellationToken)
    {
        var state = run.State;
        await slots.StampMarkerAsync(state.Target, new ReleaseMarker(state.Id, state.Version), cancellationToken);
        var stamped = await slots.ReadMarkerAsync(state.Target, state.Target.StagingSlot, cancellationToken);
        if (stamped.ReleaseId != state.Id)
        {
            // Without a readable marker a crash during the swap could not be told apart from a swap that never happened.
            BeginRollback(run, RollbackCause.NotViable, EngineActor,
                $"The release marker {ReleaseMarker.ReleaseIdSetting} did not read back from the {state.Target.StagingSlot} slot.");
            return Next.Continue;
        }
        state.HealthProbes.Clear();
        MoveTo(run, ReleasePhase.Verifying, $"Stamped {ReleaseMarker.ReleaseIdSetting}={state.Id} on the {state.Target.StagingSlot} slot; warming up for {state.Policy.WarmUp:g}.");
        state.DueAt = Now + state.Policy.WarmUp;
        return Next.Wait;
    }

    private async Task<Next> VerifyAsync(Run run, CancellationToken cancellationToken)
    {
        var state = run.State;
        if (Now < state.PhaseEnteredAt + state.Policy.WarmUp)
        {
            state.DueAt = state.PhaseEnteredAt + state.Policy.WarmUp;
            return Next.Wait;
        }
        var response = await probe.GetAsync(StagingHost(state), state.Policy.HealthCheckPath, cancellationToken);
        state.AddHealthProbe(new HealthProbe(response.IsSuccess, response.Describe()));
        var verdict = HealthGate.Evaluate(state.HealthProbes, state.Policy.HealthGate);
        switch (verdict.Outcome)
        {
            case VerdictOutcome.Successful:
                Record(run, "health-gate", verdict);
                MoveTo(run, ReleasePhase.SmokeTesting, $"The {state.Target.StagingSlot} slot is healthy.");
                return Next.Continue;
            case VerdictOutcome.Inconclusive:
                state.DueAt = Now + state.Policy.ProbeInterval;
                return Next.Wait;
            default:
                Record(run, "health-gate", verdict);
                BeginRollback(run, RollbackCause.NotViable, EngineActor, verdict.Summary);
                return Next.Continue;
        }
    }

    private async Task<Next> SmokeTestAsync(Run run, CancellationToken cancellationToken)
    {
        var state = run.State;
        var tests = state.Policy.SmokeTests;
        if (tests.Count == 0)
        {
            state.AddEvent(Now, "No smoke tests are configured for this app; the health gate is the only check before traffic.");
        }
        else
        {
            var verdict = await RunSmokeTestsAsync(StagingHost(state), tests, cancellationToken);
            Record(run, "smoke-tests", verdict);
            if (verdict.Outcome == VerdictOutcome.Failed)
            {
                BeginRollback(run, RollbackCause.NotViable, EngineActor, verdict.Summary);
                return Next.Continue;
            }
        }

        if (state.Strategy == ReleaseStrategies.BlueGreen)
        {
            MoveTo(run, ReleasePhase.Swapping, "Verified; swapping into production (blue-green).");
        }
        else
        {
            state.StepIndex = 0;
            state.BakeStartedAt = null;
            MoveTo(run, ReleasePhase.Shifting, $"Verified; shifting {state.Policy.TrafficSteps[0]} % of production traffic.");
        }
        return Next.Continue;
    }

    private async Task<AnalysisVerdict> RunSmokeTestsAsync(string host, IReadOnlyList<Apps.SmokeTest> tests, CancellationToken cancellationToken)
    {
        var results = new List<SmokeTestResult>();
        foreach (var test in tests)
        {
            var response = await probe.GetAsync(host, test.Path, cancellationToken);
            var passed = response.Status == test.ExpectedStatus
                && (test.BodyContains is null || response.Body.Contains(test.BodyContains, StringComparison.Ordinal));
            var detail = response.Status == test.ExpectedStatus && !passed
                ? $"body lacks the expected text"
                : $"{response.Describe()}, expected {test.ExpectedStatus}";
            results.Add(new SmokeTestResult(test.Name, test.Critical, passed, passed ? null : detail));
        }
        var verdict = SmokeTestEvaluation.Evaluate(results);
        var checks = results.Select(r => new CheckResult("smoke:" + r.Name, r.Passed ? 1 : 0, null, 1,
            r.Passed ? VerdictOutcome.Successful : r.Critical ? VerdictOutcome.Failed : VerdictOutcome.Inconclusive,
            r.Passed ? "Passed." : (r.Critical ? "Critical test failed: " : "Non-critical test failed: ") + r.Detail)).ToList();
        return new AnalysisVerdict(verdict.Outcome, checks, verdict.Summary);
    }

    private async Task<Next> ShiftAsync(Run run, CancellationToken cancellationToken)
    {
        var state = run.State;
        var steps = state.Policy.TrafficSteps;
        var percent = steps[state.StepIndex];
        if (state.BakeStartedAt is null)
        {
            await crashPoints.AtAsync(CrashPoints.BeforeTrafficSet, state.Id);
            run.RoutingChanged = true;
            await slots.SetStagingTrafficAsync(state.Target, StagingHost(state), percent, cancellationToken);
            crashPoints.At(CrashPoints.AfterTrafficSet, state.Id);
            state.TrafficPercent = percent;
            state.MaxTrafficPercent = Math.Max(state.MaxTrafficPercent, percent);
            state.BakeStartedAt = Now;
            state.BakeUntil = Now + state.Policy.BakeTime;
            state.BakeExtensions = 0;
            state.AddEvent(Now, $"Step {state.StepIndex + 1} of {steps.Count}: {percent} % of production traffic goes to {state.Version}; baking for {state.Policy.BakeTime:g}.");
            run.Audit(EngineActor, "release.traffic-shifted", $"{percent} % of production traffic routed to {state.Version}.",
                new Dictionary<string, string> { ["trafficPercent"] = percent.ToString(CultureInfo.InvariantCulture), ["step"] = state.StepIndex.ToString(CultureInfo.InvariantCulture) });
            state.DueAt = state.BakeUntil.Value;
            return Next.Wait;
        }
        if (Now < state.BakeUntil && !state.PromoteRequested)
        {
            state.DueAt = state.BakeUntil!.Value;
            return Next.Wait;
        }

        // Both slots over the same window: the canary is judged against what production served meanwhile.
        var from = state.BakeStartedAt.Value;
        var baseline = await metrics.GetWindowAsync(state.Target, null, from, Now, cancellationToken);
        var canary = await metrics.GetWindowAsync(state.Target, state.Target.StagingSlot, from, Now, cancellationToken);
        var verdict = CanaryAnalysis.Assess(baseline, canary, state.Policy.Canary);
        Record(run, "canary", verdict);
        var promoted = state.PromoteRequested;
        state.PromoteRequested = false;

        switch (verdict.Outcome)
        {
            case VerdictOutcome.Successful when state.StepIndex + 1 < steps.Count:
                state.StepIndex++;
                state.BakeStartedAt = null;
                MoveTo(run, ReleasePhase.Shifting, $"Step passed{(promoted ? " (promoted)" : "")}; next: {steps[state.StepIndex]} % of production traffic.");
                return Next.Continue;
            case VerdictOutcome.Successful:
                MoveTo(run, ReleasePhase.Swapping, $"Last step passed{(promoted ? " (promoted)" : "")}; swapping into production.");
                return Next.Continue;
            case VerdictOutcome.Failed:
                BeginRollback(run, RollbackCause.CheckFailed, EngineActor, verdict.Summary, AnalysisDetails(verdict));
                return Next.Continue;
        }

        if (InconclusivePolicy.Decide(state.BakeExtensions, state.Policy.Canary.MaxInconclusiveExtensions) == InconclusiveDecision.ExtendBake)
        {
            state.BakeExtensions++;
            state.BakeUntil = Now + state.Policy.BakeTime;
            state.AddEvent(Now, $"Too little evidence to judge; bake extended ({state.BakeExtensions} of {state.Policy.Canary.MaxInconclusiveExtensions}).");
            state.DueAt = state.BakeUntil.Value;
            return Next.Wait;
        }
        BeginRollback(run, RollbackCause.CheckFailed, EngineActor,
            $"Still no verdict after {state.BakeExtensions} bake extensions; failing safe. {verdict.Summary}", AnalysisDetails(verdict));
        return Next.Continue;
    }

    private async Task<Next> SwapAsync(Run run, CancellationToken cancellationToken)
    {
        var state = run.State;
        state.Swap ??= new SwapProgress(SwapDirection.Forward);
        var outcome = await DriveSwapAsync(run, state.Swap, p => state.Swap = p, CrashPoints.AfterSwapRequested, cancellationToken);
        switch (outcome)
        {
            case SwapAction.Done:
                state.SwappedAt = Now;
                run.Audit(EngineActor, "release.swapped", $"Production holds {state.Version} (marker {state.Id}).",
                    new Dictionary<string, string> { ["attempts"] = state.Swap.Attempts.ToString(CultureInfo.InvariantCulture) });
                MoveTo(run, ReleasePhase.ClearingRoute, $"Swap recorded: production serves {state.Version}; {state.PreviousVersion ?? "the previous version"} waits in the {state.Target.StagingSlot} slot.");
                return Next.Continue;
            case SwapAction.GiveUp:
                BeginRollback(run, RollbackCause.CheckFailed, EngineActor, $"The swap did not take effect after {state.Swap.Attempts} attempts.");
                return Next.Continue;
            case SwapAction.Request or SwapAction.Poll:
                return state.Swap.OperationEndedAt is null ? Next.Wait : Next.Continue;
            default:
                return Next.Wait;
        }
    }

    /// <summary>
    /// One move of an exactly-once swap. The request is recorded (under the ETag) before it is sent, and the marker
    /// is read before anything is decided, so a crash between "requested" and "recorded" converges on the truth.
    /// </summary>
    private async Task<SwapAction> DriveSwapAsync(Run run, SwapProgress progress, Action<SwapProgress> update, string crashPoint, CancellationToken cancellationToken)
    {
        var state = run.State;
        var production = await slots.ReadMarkerAsync(state.Target, null, cancellationToken);
        var action = SwapPlanner.Decide(progress, production.ReleaseId == state.Id, Now, options.SwapSettleTime, options.MaxSwapAttempts);
        switch (action)
        {
            case SwapAction.Request:
                var requested = progress with { RequestedAt = Now, OperationUrl = null, OperationEndedAt = null, OperationFailed = false, Attempts = progress.Attempts + 1 };
                update(requested);
                state.AddEvent(Now, $"Swap {(progress.Direction == SwapDirection.Forward ? "into production" : "back")} requested (attempt {requested.Attempts}).");
                run.Audit(EngineActor, progress.Direction == SwapDirection.Forward ? "release.swap-requested" : "release.swap-back-requested",
                    $"Swapping the {state.Target.StagingSlot} slot with production.",
                    new Dictionary<string, string> { ["attempt"] = requested.Attempts.ToString(CultureInfo.InvariantCulture) });
                await run.SaveAsync(cancellationToken);
                var started = await slots.StartSwapAsync(state.Target, cancellationToken);
                crashPoints.At(crashPoint, state.Id);
                var progressed = Progressed(requested, started);
                update(progressed);
                if (progressed.OperationEndedAt is not null)
                {
                    // Done at once: read the marker now. An accepted operation is polled on a later pass, a poll interval
                    // after this step began, not the moment it was accepted.
                    state.DueAt = Now;
                }
                return action;
            case SwapAction.Poll:
                var status = await slots.GetOperationAsync(state.Target, progress.OperationUrl!, cancellationToken);
                var polled = Progressed(progress, status);
                update(polled);
                if (polled.OperationEndedAt is not null)
                {
                    state.AddEvent(Now, polled.OperationFailed
                        ? $"The swap operation failed: {status.Detail ?? "no detail"}."
                        : "The swap operation completed.");
                    state.DueAt = Now;
                }
                return action;
            default:
                return action;
        }
    }

    private SwapProgress Progressed(SwapProgress progress, SlotOperation operation) => operation.State switch
    {
        SlotOperationState.Running => progress with { OperationUrl = operation.OperationUrl ?? progress.OperationUrl },
        _ => progress with { OperationEndedAt = Now, OperationFailed = operation.State == SlotOperationState.Failed },
    };

    private async Task<Next> ClearRouteAsync(Run run, CancellationToken cancellationToken)
    {
        var state = run.State;
        await slots.ClearRoutingAsync(state.Target, cancellationToken);
        state.TrafficPercent = 100;
        state.MaxTrafficPercent = 100;
        state.WatchUntil = Now + state.Policy.PostSwap.WatchDuration;
        state.WatchHealthFailures = 0;
        MoveTo(run, ReleasePhase.Watching, $"Routing rule cleared; watching production for {state.Policy.PostSwap.WatchDuration:g}.");
        return Next.Continue;
    }

    private async Task<Next> WatchAsync(Run run, CancellationToken cancellationToken)
    {
        var state = run.State;
        if (!state.PostSwapSmokeTested && state.Policy.SmokeTests.Count > 0)
        {
            var smoke = await RunSmokeTestsAsync(ProductionHost(state), state.Policy.SmokeTests, cancellationToken);
            Record(run, "post-swap-smoke-tests", smoke);
            state.PostSwapSmokeTested = true;
            if (smoke.Outcome == VerdictOutcome.Failed)
            {
                BeginRollback(run, RollbackCause.CheckFailed, EngineActor, smoke.Summary);
                return Next.Continue;
            }
        }

        var health = await probe.GetAsync(ProductionHost(state), state.Policy.HealthCheckPath, cancellationToken);
        state.WatchHealthFailures = health.IsSuccess ? 0 : state.WatchHealthFailures + 1;
        var window = await metrics.GetWindowAsync(state.Target, null, state.SwappedAt ?? state.PhaseEnteredAt, Now, cancellationToken);
        var verdict = PostSwapAnalysis.Assess(state.Baseline ?? new MetricWindow(0, 0, null), window, state.WatchHealthFailures, state.Policy.PostSwap);
        if (verdict.Outcome == VerdictOutcome.Failed)
        {
            Record(run, "post-swap", verdict);
            BeginRollback(run, RollbackCause.CheckFailed, EngineActor, verdict.Summary, AnalysisDetails(verdict));
            return Next.Continue;
        }
        if (Now < state.WatchUntil)
        {
            var nextProbe = Now + state.Policy.ProbeInterval;
            state.DueAt = nextProbe < state.WatchUntil ? nextProbe : state.WatchUntil.Value;
            return Next.Wait;
        }

        Record(run, "post-swap", verdict);
        if (verdict.Outcome == VerdictOutcome.Successful)
        {
            state.StatusReason = $"{state.Version} is in production and passed the post-swap watch.";
            MoveTo(run, ReleasePhase.Succeeded, state.StatusReason);
            return Next.Wait;
        }
        if (InconclusivePolicy.Decide(state.WatchExtensions, state.Policy.Canary.MaxInconclusiveExtensions) == InconclusiveDecision.ExtendBake)
        {
            state.WatchExtensions++;
            state.WatchUntil = Now + state.Policy.PostSwap.WatchDuration;
            state.AddEvent(Now, $"Too little evidence after the swap; watch extended ({state.WatchExtensions} of {state.Policy.Canary.MaxInconclusiveExtensions}).");
            state.DueAt = Now + state.Policy.ProbeInterval;
            return Next.Wait;
        }
        BeginRollback(run, RollbackCause.CheckFailed, EngineActor,
            $"Still no verdict after {state.WatchExtensions} watch extensions; failing safe. {verdict.Summary}", AnalysisDetails(verdict));
        return Next.Continue;
    }

    private static IReadOnlyDictionary<string, string> AnalysisDetails(AnalysisVerdict verdict) =>
        verdict.Checks.Where(c => c.Outcome != VerdictOutcome.Successful).ToDictionary(
            c => c.Metric,
            c => $"measured {Format(c.Measured)}, baseline {Format(c.Baseline)}, threshold {Format(c.Threshold)}: {c.Outcome}");

    private static string StagingHost(ReleaseState state) =>
        state.StagingHost ?? throw new InvalidOperationException($"Release {state.Id} has no staging host recorded.");

    private static string ProductionHost(ReleaseState state) =>
        state.ProductionHost ?? throw new InvalidOperationException($"Release {state.Id} has no production host recorded.");

    private static string Ms(double? ms) => ms is { } value ? $"{value:0.#} ms" : "no";
}
