using System.Globalization;
using Blueshift.Domain.Analysis;
using Blueshift.Domain.ChangeControl;
using Blueshift.Domain.Windows;
using Blueshift.Domain.Releases;
using Blueshift.Functions.Audit;
using Blueshift.Functions.Traffic;
using Microsoft.DurableTask;

namespace Blueshift.Functions.Releases.Orchestration;

/// <summary>
/// The steps of <see cref="ReleaseOrchestrator.RunRelease"/> and what the orchestration knows between them. Lives only
/// as long as one execution of the orchestrator: a replay rebuilds it from the same history.
/// </summary>
internal sealed class ReleaseRun
{
    /// <summary>The actor of Blueshift's own decisions in the audit trail, as the reconciler records them.</summary>
    public const string EngineActor = "blueshift";

    private readonly TaskOrchestrationContext _context;
    private readonly ReleaseInput _input;
    private readonly ILogger _logger;
    private readonly TaskOptions _retries;
    private readonly CancellationTokenSource _listening = new();
    private readonly Task<(RollbackCause Cause, ReleaseCommand Command)> _stop;
    // One promote waiter for the whole shifting phase, replaced only once it has delivered: a waiter cancelled and made
    // anew for every bake could leave a promote raised in between to a cancelled waiter, and lose it.
    private Task<ReleaseCommand>? _promote;
    private readonly List<AnalysisSummary> _analyses = [];
    // Audit records noted but not yet written: written together before the next wait (FlushAuditAsync). Those of a batch
    // whose write failed stay first, at the same places, so that records it may have written keep their identities.
    private readonly List<AuditRecord> _unwritten = [];
    private string? _unwrittenBatchId;
    // What the API shows, published with the status (bounded: ReleaseProgressLimits).
    private readonly List<ApprovalView> _approvalViews = [];
    private readonly List<AnalysisView> _analysisViews = [];
    private readonly List<TimelineEvent> _timeline = [];
    private DateTime? _rollbackWindowEndsAt;

    private ReleasePhase _phase = ReleasePhase.AwaitingApproval;
    private DateTime _phaseEnteredAt;
    private int? _step;
    private int _trafficPercent;
    private int _maxTrafficPercent;
    private string? _statusReason;
    private SlotsSnapshot? _slots;
    private MetricWindow _baseline = new(0, 0, null);
    private int _forwardSwaps;
    private SwapProgress? _swap;
    private DateTime? _swappedAt;

    public ReleaseRun(TaskOrchestrationContext context, ReleaseInput input)
    {
        _context = context;
        _input = input;
        _logger = context.CreateReplaySafeLogger(typeof(ReleaseOrchestrator));
        _retries = OrchestrationSteps.Retries(input.Settings);
        _phaseEnteredAt = context.CurrentUtcDateTime;
        var requested = input.Request is { } request
            ? $"Release of {input.Version} requested by {request.RequestedByName} ({input.ReleaseType}, {input.ChangeClass} change)."
            : $"Release of {input.Version} started ({input.ReleaseType}, {input.ChangeClass} change).";
        AddEvent(requested);
        // Listened to from the start to the end: an abort or rollback raised at any moment ends the next wait.
        _stop = FirstStopAsync(
            context.WaitForExternalEvent<ReleaseCommand>(ReleaseEvents.Abort, _listening.Token),
            context.WaitForExternalEvent<ReleaseCommand>(ReleaseEvents.Rollback, _listening.Token));
        Publish();
    }

    private DateTime Now => _context.CurrentUtcDateTime;

    public void StopListening() => _listening.Cancel();

    /// <summary>
    /// Waits for the approvals the release type and change class need (the requester's own never count), each raised as
    /// an approve event, until the approval timeout: a release nobody approved expires as Aborted.
    /// </summary>
    public async Task AwaitApprovalAsync()
    {
        var approvals = new List<Approval>();
        while (true)
        {
            var result = await CallAsync<ApprovalGateResult>(ReleaseActivityNames.EvaluateApprovals,
                new ApprovalQuery(_input.ReleaseType, _input.ChangeClass, _input.RequestedBy, approvals));
            if (result.IsSatisfied)
            {
                if (ReleaseGates.ParseChangeClass(_input.ChangeClass) == ChangeClass.Emergency)
                {
                    Audit("release.post-hoc-approval-owed", $"Emergency change: a post-hoc approval is owed. {result.Reason}");
                }
                // Said at once, before the window gate's first answer comes back.
                _statusReason = "Approved; checking the deployment windows and freezes.";
                MoveTo(ReleasePhase.AwaitingWindow, result.Reason, details: new Dictionary<string, string>
                {
                    ["approvers"] = string.Join(", ", result.CountedApprovals.Select(a => $"{a.Approver} ({a.Role})")),
                    ["requiredRoles"] = string.Join(", ", result.RequiredRoles),
                });
                return;
            }
            Waiting(result.Reason);
            await FlushAuditAsync();
            using var losers = new CancellationTokenSource();
            var approval = _context.WaitForExternalEvent<ApprovalCommand>(ReleaseEvents.Approve, losers.Token);
            var expiry = _context.CreateTimer(Deadline(), losers.Token);
            var winner = await Task.WhenAny(approval, expiry, _stop);
            losers.Cancel();
            if (winner == _stop)
            {
                throw Stopped();
            }
            if (winner == expiry)
            {
                throw new RollbackRequired(RollbackCause.Aborted, EngineActor, $"Timed out: the release stayed in {_phase} longer than {_input.Policy.Timeouts.Approval:g}. {result.Reason}");
            }
            var command = await approval;
            approvals.Add(new Approval(command.Approver, command.Role, OrchestrationSteps.At(Now), command.Comment));
            if (_approvalViews.Count < ReleaseProgressLimits.Approvals)
            {
                _approvalViews.Add(new ApprovalView(command.Approver, command.Role, OrchestrationSteps.At(Now), Clip(command.Comment)));
            }
            AddEvent($"Approved by {command.Approver} as {command.Role}.");
            Publish();
            Audit("release.approved", command.Comment ?? $"Approved as {command.Role}.",
                new Dictionary<string, string> { ["role"] = command.Role }, command.Approver);
        }
    }

    /// <summary>Waits for a deployment window (only hotfixes and emergency changes pass a freeze), until the window timeout.</summary>
    public async Task AwaitWindowAsync()
    {
        while (true)
        {
            var decision = await CallAsync<WindowDecision>(ReleaseActivityNames.EvaluateWindow,
                new WindowQuery(_input.ReleaseType, _input.ChangeClass, OrchestrationSteps.At(Now)));
            if (decision.IsAllowed)
            {
                _statusReason = null;
                MoveTo(ReleasePhase.CapturingBaseline, decision.Reason);
                return;
            }
            Waiting(decision.Reason);
            if (Now >= Deadline())
            {
                throw new RollbackRequired(RollbackCause.Aborted, EngineActor, $"Timed out: the release stayed in {_phase} longer than {_input.Policy.Timeouts.Window:g}. {decision.Reason}");
            }
            // Durable timers may fire a little early; the loop judges the window again either way.
            await DelayAsync(decision.NextOpening is { } opening ? Min(opening.UtcDateTime, Deadline()) : Deadline());
        }
    }

    public async Task CaptureBaselineAsync()
    {
        var app = _input.Target;
        _slots = await CallAsync<SlotsSnapshot>(ReleaseActivityNames.DescribeSlots, app);
        _baseline = await CallAsync<MetricWindow>(ReleaseActivityNames.MeasureWindow,
            new WindowRequest(app, null, OrchestrationSteps.At(Now - _input.Settings.BaselineWindow), OrchestrationSteps.At(Now)));
        MoveTo(ReleasePhase.Deploying,
            $"Baseline captured: production runs {_slots.ProductionVersion ?? "an untracked version"} with {_baseline.Requests} requests, " +
            $"{_baseline.ServerErrors} server errors over the last {_input.Settings.BaselineWindow:g}.",
            details: new Dictionary<string, string>
            {
                ["baseline.requests"] = _baseline.Requests.ToString(CultureInfo.InvariantCulture),
                ["baseline.serverErrors"] = _baseline.ServerErrors.ToString(CultureInfo.InvariantCulture),
                ["baseline.averageLatencyMs"] = Format(_baseline.AverageLatencyMs),
                ["previousVersion"] = _slots.ProductionVersion ?? "",
            });
    }

    /// <summary>Deploys to the staging slot; a failed deployment (it changed nothing that serves traffic) is tried again.</summary>
    public async Task DeployAsync()
    {
        var request = new DeployRequest(_input.Target, _input.Package);
        for (var attempt = 1; attempt <= _input.Settings.MaxDeployAttempts; attempt++)
        {
            var operation = await CallBeforeDeadlineAsync<SlotOperation>(ReleaseActivityNames.StartDeploy, request);
            while (operation.State == SlotOperationState.Running)
            {
                await DelayAsync(Min(Now + _input.Settings.PollInterval, Deadline()));
                ThrowIfPastDeadline();
                operation = operation.OperationUrl is { } url
                    ? await CallBeforeDeadlineAsync<SlotOperation>(ReleaseActivityNames.PollOperation, new OperationRequest(_input.Target, url))
                    : throw new RollbackRequired(RollbackCause.NotViable, EngineActor, "The deployment is running but App Service gave no operation to poll.");
            }
            if (operation.State == SlotOperationState.Succeeded)
            {
                MoveTo(ReleasePhase.Stamping, $"Deployed {_input.Version} to the {_input.Target.StagingSlot} slot.");
                return;
            }
            Log.DeploymentFailed(_logger, _input.ReleaseId, attempt, operation.Detail ?? "no detail");
        }
        throw new RollbackRequired(RollbackCause.NotViable, EngineActor,
            $"Deploying {_input.Version} to the {_input.Target.StagingSlot} slot failed {_input.Settings.MaxDeployAttempts} times.");
    }

    /// <summary>Without a readable marker a crash during the swap could not be told apart from a swap that never happened.</summary>
    public async Task StampMarkerAsync()
    {
        var stamped = await CallAsync<bool>(ReleaseActivityNames.StampMarker, new StampRequest(_input.Target, _input.ReleaseId, _input.Version));
        if (!stamped)
        {
            throw new RollbackRequired(RollbackCause.NotViable, EngineActor,
                $"The release marker {ReleaseMarker.ReleaseIdSetting} did not read back from the {_input.Target.StagingSlot} slot.");
        }
        MoveTo(ReleasePhase.Verifying,
            $"Stamped {ReleaseMarker.ReleaseIdSetting}={_input.ReleaseId} on the {_input.Target.StagingSlot} slot; warming up for {_input.Policy.WarmUp:g}.");
    }

    /// <summary>Warm-up, then health probes until the gate passes or fails; the gate's own probe limit bounds it.</summary>
    public async Task VerifyHealthAsync()
    {
        await DelayAsync(Now + _input.Policy.WarmUp);
        var probes = new List<HealthProbe>();
        while (true)
        {
            probes.Add(await CallAsync<HealthProbe>(ReleaseActivityNames.ProbeHealth, new ProbeRequest(StagingHost, _input.Policy.HealthCheckPath)));
            var verdict = HealthGate.Evaluate(probes, _input.Policy.HealthGate);
            if (verdict.Outcome == VerdictOutcome.Successful)
            {
                RecordAnalysis("health-gate", verdict);
                MoveTo(ReleasePhase.SmokeTesting, $"The {_input.Target.StagingSlot} slot is healthy.");
                return;
            }
            if (verdict.Outcome != VerdictOutcome.Inconclusive)
            {
                RecordAnalysis("health-gate", verdict);
                throw new RollbackRequired(RollbackCause.NotViable, EngineActor, verdict.Summary);
            }
            ThrowIfPastDeadline();
            await DelayAsync(Min(Now + _input.Policy.ProbeInterval, Deadline()));
        }
    }

    public async Task SmokeTestAsync()
    {
        if (_input.Policy.SmokeTests.Count > 0)
        {
            var verdict = await CallAsync<AnalysisVerdict>(ReleaseActivityNames.RunSmokeTests, new SmokeTestRequest(StagingHost, _input.Policy.SmokeTests));
            RecordAnalysis("smoke-tests", verdict);
            if (verdict.Outcome == VerdictOutcome.Failed)
            {
                throw new RollbackRequired(RollbackCause.NotViable, EngineActor, verdict.Summary);
            }
        }
        if (_input.Strategy == ReleaseStrategies.BlueGreen)
        {
            MoveTo(ReleasePhase.Swapping, "Verified; swapping into production (blue-green).");
        }
    }

    /// <summary>
    /// One traffic step: route the share, bake (a promote event ends the bake early), judge the canary against
    /// production over the same window, and extend the bake a bounded number of times while there is too little traffic.
    /// </summary>
    public async Task ShiftAsync(int step)
    {
        var steps = _input.Policy.TrafficSteps;
        var percent = steps[step];
        _step = step;
        if (step == 0)
        {
            MoveTo(ReleasePhase.Shifting, $"Verified; shifting {percent} % of production traffic.");
        }
        else
        {
            // A passed step and the next share are recorded by the analysis and traffic-shifted records; the watchdog restarts.
            _phaseEnteredAt = Now;
        }
        ThrowIfStopped();
        await CallAsync<int>(ReleaseActivityNames.RouteTraffic, new RouteRequest(_input.Target, StagingHost, percent));
        _trafficPercent = percent;
        _maxTrafficPercent = Math.Max(_maxTrafficPercent, percent);
        AddEvent($"{percent} % of production traffic routed to {_input.Version}.");
        Publish();
        Audit("release.traffic-shifted", $"{percent} % of production traffic routed to {_input.Version}.", new Dictionary<string, string>
        {
            ["trafficPercent"] = percent.ToString(CultureInfo.InvariantCulture),
            ["step"] = step.ToString(CultureInfo.InvariantCulture),
        });

        var bakeStart = Now;
        var bakeUntil = bakeStart + _input.Policy.BakeTime;
        for (var extensions = 0; ; extensions++)
        {
            var promoted = await BakeAsync(bakeUntil);
            // Durable timers may fire a little early: the window ends when the bake was due, not when the timer fired.
            var windowEnd = promoted ? Now : bakeUntil;
            var windows = await CallAsync<CanaryWindows>(ReleaseActivityNames.MeasureCanary,
                new WindowRequest(_input.Target, null, OrchestrationSteps.At(bakeStart), OrchestrationSteps.At(windowEnd)));
            var verdict = CanaryAnalysis.Assess(windows.Baseline, windows.Canary, _input.Policy.Canary);
            RecordAnalysis("canary", verdict);
            switch (verdict.Outcome)
            {
                case VerdictOutcome.Successful:
                    Log.StepPassed(_logger, _input.ReleaseId, step + 1, percent, promoted);
                    if (step + 1 == steps.Count && _input.Strategy != ReleaseStrategies.BlueGreen)
                    {
                        MoveTo(ReleasePhase.Swapping, $"Last step passed{(promoted ? " (promoted)" : "")}; swapping into production.");
                    }
                    return;
                case VerdictOutcome.Failed:
                    throw new RollbackRequired(RollbackCause.CheckFailed, EngineActor, verdict.Summary, AnalysisDetails(verdict));
            }
            if (InconclusivePolicy.Decide(extensions, _input.Policy.Canary.MaxInconclusiveExtensions) == InconclusiveDecision.FailSafe)
            {
                throw new RollbackRequired(RollbackCause.CheckFailed, EngineActor,
                    $"Still no verdict after {extensions} bake extensions; failing safe. {verdict.Summary}", AnalysisDetails(verdict));
            }
            bakeUntil = Now + _input.Policy.BakeTime;
        }
    }

    /// <summary>
    /// Swaps the staging slot into production, exactly once through the release marker, each request recorded before it is
    /// made. A swap is never interrupted; one that cannot finish hands its progress to the rollback, which settles it.
    /// </summary>
    public async Task SwapAsync()
    {
        ThrowIfStopped();
        var swap = await OrchestrationSteps.DriveSwapAsync(
            _context, new SwapRequest(_input.Target, _input.ReleaseId, SwapDirection.Forward), _swap ?? new SwapProgress(SwapDirection.Forward),
            _input.Settings, Deadline(), RecordSwapAsync);
        _swap = swap.Progress;
        _forwardSwaps += swap.Requested;
        if (!swap.Done)
        {
            throw new RollbackRequired(RollbackCause.CheckFailed, EngineActor, swap.Detail);
        }
        _swappedAt = Now;
        Audit("release.swapped", $"Production holds {_input.Version} (marker {_input.ReleaseId}).",
            new Dictionary<string, string> { ["requests"] = swap.Progress.Attempts.ToString(CultureInfo.InvariantCulture) });
        MoveTo(ReleasePhase.ClearingRoute,
            $"Swap recorded: production serves {_input.Version}; {_slots?.ProductionVersion ?? "the previous version"} waits in the {_input.Target.StagingSlot} slot.");
    }

    /// <summary>
    /// Records a swap request before it is made: in the orchestration's state, its published status and the audit trail.
    /// Should the request's answer be lost, this record and the release marker say what may have happened.
    /// </summary>
    private async Task RecordSwapAsync(SwapProgress progress)
    {
        _swap = progress;
        Publish();
        Audit("release.swap-requested",
            $"Swap {progress.Attempts} of the {_input.Target.StagingSlot} slot ({_input.Version}, marker {_input.ReleaseId}) into production is being requested.",
            new Dictionary<string, string> { ["attempt"] = progress.Attempts.ToString(CultureInfo.InvariantCulture) });
        // In the trail before the request is made, with whatever else waits to be written.
        await FlushAuditAsync();
    }

    /// <summary>After the swap the rule would send traffic to the staging slot, which now holds the previous version.</summary>
    public async Task ClearRouteAsync()
    {
        await CallAsync<int>(ReleaseActivityNames.ClearRouting, _input.Target);
        _trafficPercent = 100;
        _maxTrafficPercent = 100;
        MoveTo(ReleasePhase.Watching, $"Routing rule cleared; watching production for {_input.Policy.PostSwap.WatchDuration:g}.");
    }

    /// <summary>
    /// Watches production after the swap: post-swap smoke tests once, then a health probe and the metrics since the swap
    /// every probe interval, judged against the pre-release baseline; inconclusive at the end extends the watch, bounded.
    /// </summary>
    public async Task WatchAsync()
    {
        if (_input.Policy.SmokeTests.Count > 0)
        {
            var smoke = await CallAsync<AnalysisVerdict>(ReleaseActivityNames.RunSmokeTests, new SmokeTestRequest(ProductionHost, _input.Policy.SmokeTests));
            RecordAnalysis("post-swap-smoke-tests", smoke);
            if (smoke.Outcome == VerdictOutcome.Failed)
            {
                throw new RollbackRequired(RollbackCause.CheckFailed, EngineActor, smoke.Summary);
            }
        }
        var watchUntil = Now + _input.Policy.PostSwap.WatchDuration;
        var healthFailures = 0;
        for (var extensions = 0; ; )
        {
            var due = Min(Now + _input.Policy.ProbeInterval, watchUntil);
            await DelayAsync(due);
            var health = await CallAsync<HealthProbe>(ReleaseActivityNames.ProbeHealth, new ProbeRequest(ProductionHost, _input.Policy.HealthCheckPath));
            healthFailures = health.Healthy ? 0 : healthFailures + 1;
            var window = await CallAsync<MetricWindow>(ReleaseActivityNames.MeasureWindow,
                new WindowRequest(_input.Target, null, OrchestrationSteps.At(_swappedAt ?? _phaseEnteredAt), OrchestrationSteps.At(due)));
            var verdict = PostSwapAnalysis.Assess(_baseline, window, healthFailures, _input.Policy.PostSwap);
            if (verdict.Outcome == VerdictOutcome.Failed)
            {
                RecordAnalysis("post-swap", verdict);
                throw new RollbackRequired(RollbackCause.CheckFailed, EngineActor, verdict.Summary, AnalysisDetails(verdict));
            }
            if (due < watchUntil)
            {
                continue;
            }
            RecordAnalysis("post-swap", verdict);
            if (verdict.Outcome == VerdictOutcome.Successful)
            {
                return;
            }
            if (InconclusivePolicy.Decide(extensions, _input.Policy.Canary.MaxInconclusiveExtensions) == InconclusiveDecision.FailSafe)
            {
                throw new RollbackRequired(RollbackCause.CheckFailed, EngineActor,
                    $"Still no verdict after {extensions} watch extensions; failing safe. {verdict.Summary}", AnalysisDetails(verdict));
            }
            extensions++;
            watchUntil = Now + _input.Policy.PostSwap.WatchDuration;
        }
    }

    public async Task<ReleaseOutcome> SucceedAsync()
    {
        _statusReason = $"{_input.Version} is in production and passed the post-swap watch.";
        // The app is free before anyone reads Succeeded, so a next release started on seeing it is not refused.
        await BestEffortAsync(FinishAsync(ReleasePhase.Succeeded));
        MoveTo(ReleasePhase.Succeeded, _statusReason);
        await FlushAuditAsync();
        return Outcome();
    }

    /// <summary>
    /// After success the app is free for its next release, yet this one can still be swapped back for
    /// <see cref="ReleaseInput.RollbackWindow"/> while it is the app's latest: a rollback raised in that time takes the app
    /// again and rolls back as from any phase. The window ends early for nothing but a rollback.
    /// </summary>
    public async Task<ReleaseOutcome> HoldRollbackWindowAsync(ReleaseOutcome succeeded)
    {
        if (_input.RollbackWindow <= TimeSpan.Zero)
        {
            return succeeded;
        }
        _rollbackWindowEndsAt = Now + _input.RollbackWindow;
        Publish();
        await FlushAuditAsync();
        using var losers = new CancellationTokenSource();
        var expiry = _context.CreateTimer(_rollbackWindowEndsAt.Value, losers.Token);
        var winner = await Task.WhenAny(expiry, _stop);
        losers.Cancel();
        _rollbackWindowEndsAt = null;
        if (winner == expiry)
        {
            Publish();
            return succeeded;
        }
        var (cause, command) = await _stop;
        if (cause != RollbackCause.Requested)
        {
            // An abort of a release that has already ended stops nothing.
            Publish();
            return succeeded;
        }
        bool reclaimed;
        try
        {
            reclaimed = await CallAsync<bool>(ReleaseActivityNames.ReclaimApp, new ReleaseReclaim(_input.Target.Name, _input.ReleaseId, OrchestrationSteps.At(Now)));
        }
        catch (RollbackRequired failed)
        {
            reclaimed = false;
            Log.BookkeepingFailed(_logger, _input.ReleaseId, failed.Message);
        }
        if (!reclaimed)
        {
            AddEvent($"Rollback requested by {command.Actor} refused: another release of {_input.Target.Name} has started since, or holds it.");
            Publish();
            Audit("release.rollback-refused", command.Reason,
                new Dictionary<string, string> { ["requestedBy"] = command.Actor }, command.Actor);
            await BestEffortAsync(FlushAuditAsync());
            return succeeded;
        }
        throw new RollbackRequired(RollbackCause.Requested, command.Actor, command.Reason,
            new Dictionary<string, string> { ["succeededAt"] = OrchestrationSteps.At(_phaseEnteredAt).ToString("O") });
    }

    /// <summary>The release's index entry takes its final status, and the app is free for its next release.</summary>
    private Task FinishAsync(ReleasePhase ending) =>
        CallAsync<bool>(ReleaseActivityNames.FinishRelease, new ReleaseFinish(_input.Target.Name, _input.ReleaseId, ReleasePhases.StatusOf(ending)));

    /// <summary>
    /// Hands over to the rollback sub-orchestration and ends in the phase it returns. The rollback is best effort: should it
    /// fail, the release ends Failed with a <c>release.stuck</c> record and notification, and a person takes over. Nothing
    /// here may fail the orchestration: the audit records of the rollback are written as far as the trail allows.
    /// </summary>
    public async Task<ReleaseOutcome> RollBackAsync(RollbackRequired stop)
    {
        var from = _phase;
        _statusReason = stop.Message;
        var details = new Dictionary<string, string>(stop.Details) { ["cause"] = stop.Cause.ToString() };
        MoveTo(ReleasePhase.RollingBack, (stop.Cause == RollbackCause.Aborted ? "Aborting: " : "Rolling back: ") + stop.Message, stop.Actor, details);
        // The rollback waits (its own timers): what this release has to say is in the trail before it does.
        await BestEffortAsync(FlushAuditAsync());
        var input = new RollbackInput(_input.ReleaseId, _input.Version, _slots?.ProductionVersion, _input.Target, stop.Cause, stop.Message, stop.Actor,
            from, _swap, ReachedSwapping: _swap is not null || from is ReleasePhase.Swapping or ReleasePhase.ClearingRoute or ReleasePhase.Watching,
            _maxTrafficPercent, _slots?.ProductionHost, _input.Policy.HealthCheckPath,
            _input.Policy.Timeouts.For(ReleasePhase.RollingBack, _input.Policy.BakeTime, _input.Policy.Canary.MaxInconclusiveExtensions), _input.Settings);
        RollbackOutcome rolledBack;
        var rollbackFailed = false;
        try
        {
            rolledBack = await _context.CallSubOrchestratorAsync<RollbackOutcome>(nameof(RollbackOrchestrator.RunRollback), input,
                new SubOrchestrationOptions { InstanceId = _context.InstanceId + ":rollback" });
        }
        catch (TaskFailedException ex)
        {
            // The rollback's own steps failed beyond their retries: stop acting, say so loudly, and leave it to a person.
            var stuck = $"The rollback failed ({ex.FailureDetails.InnerFailure?.ErrorType ?? ex.FailureDetails.ErrorType}). " +
                $"Needs an operator: check which slot serves which version (app setting {ReleaseMarker.ReleaseIdSetting}) and the routing rule.";
            rolledBack = new RollbackOutcome(ReleasePhase.Failed, stuck, "not verified");
            rollbackFailed = true;
            Audit("release.stuck", stuck, new Dictionary<string, string> { ["from"] = from.ToString(), ["cause"] = stop.Cause.ToString() });
            await BestEffortAsync(FlushAuditAsync());
            await BestEffortAsync(RollbackOrchestrator.NotifyAsync(_context, input, "release.stuck", stuck, "not verified", _retries));
        }
        // After a failed rollback nobody knows what the routing rule says: the status keeps the last share set.
        _trafficPercent = rollbackFailed ? _trafficPercent : 0;
        _statusReason = rolledBack.StatusReason;
        var previous = _slots?.ProductionVersion ?? "the previous version";
        await BestEffortAsync(FinishAsync(rolledBack.Phase));
        MoveTo(rolledBack.Phase, rolledBack.Phase switch
        {
            ReleasePhase.Aborted => $"Aborted; production runs {previous}.",
            ReleasePhase.Failed => $"Failed: {rolledBack.StatusReason}",
            _ => $"Rolled back; production runs {previous}.",
        } + $" Production after the rollback: {rolledBack.Verification}.", stop.Actor);
        await BestEffortAsync(FlushAuditAsync());
        return Outcome();
    }

    /// <summary>The net under every path out of the release: records still unwritten are written before it ends, as far as the trail allows.</summary>
    public Task FlushAuditBestEffortAsync() => BestEffortAsync(FlushAuditAsync());

    /// <summary>A step of the rollback's bookkeeping that must not stop it: its failure is logged, and the rollback goes on.</summary>
    private async Task BestEffortAsync(Task step)
    {
        try
        {
            await step;
        }
        catch (Exception ex) when (ex is RollbackRequired or TaskFailedException)
        {
            Log.BookkeepingFailed(_logger, _input.ReleaseId, ex.Message);
        }
    }

    /// <summary>
    /// A bake: the timer, a promote event, or an abort / rollback, whichever comes first. The timer is cancelled when it
    /// loses; the promote waiter lives on to the next bake until a promote arrives, so none raised between bakes is lost.
    /// </summary>
    /// <returns>True when a promote event ended the bake.</returns>
    private async Task<bool> BakeAsync(DateTime until)
    {
        await FlushAuditAsync();
        _promote ??= _context.WaitForExternalEvent<ReleaseCommand>(ReleaseEvents.Promote, _listening.Token);
        using var losers = new CancellationTokenSource();
        var timer = _context.CreateTimer(until, losers.Token);
        var winner = await Task.WhenAny(timer, _promote, _stop);
        losers.Cancel();
        if (winner == _stop)
        {
            throw Stopped();
        }
        if (winner == _promote)
        {
            var command = await _promote;
            _promote = null;
            Audit("release.promoted", $"Bake of step {_step + 1} ended early: {command.Reason}", actor: command.Actor);
            return true;
        }
        return false;
    }

    /// <summary>A durable wait that an abort or rollback ends at once.</summary>
    private async Task DelayAsync(DateTime until)
    {
        await FlushAuditAsync();
        using var losers = new CancellationTokenSource();
        var timer = _context.CreateTimer(until, losers.Token);
        var winner = await Task.WhenAny(timer, _stop);
        losers.Cancel();
        if (winner == _stop)
        {
            throw Stopped();
        }
    }

    private void Waiting(string reason)
    {
        // Said once: a release waiting for days must not fill its log with the same line.
        if (_statusReason != reason)
        {
            _statusReason = reason;
            Publish();
            Log.Waiting(_logger, _input.ReleaseId, reason);
        }
    }

    private void ThrowIfStopped()
    {
        if (_stop.IsCompletedSuccessfully)
        {
            throw Stopped();
        }
    }

    private RollbackRequired Stopped()
    {
        var (cause, command) = _stop.Result;
        return new RollbackRequired(cause, command.Actor, command.Reason);
    }

    private static async Task<(RollbackCause, ReleaseCommand)> FirstStopAsync(Task<ReleaseCommand> abort, Task<ReleaseCommand> rollback)
    {
        var first = await Task.WhenAny(abort, rollback);
        return (first == abort ? RollbackCause.Aborted : RollbackCause.Requested, await first);
    }

    /// <summary>The watchdog: no release stays in any phase longer than its <see cref="PhaseTimeouts"/> allow.</summary>
    private DateTime Deadline()
    {
        var bake = _phase == ReleasePhase.Watching ? _input.Policy.PostSwap.WatchDuration : _input.Policy.BakeTime;
        var timeout = _input.Policy.Timeouts.For(_phase, bake, _input.Policy.Canary.MaxInconclusiveExtensions);
        return timeout == Timeout.InfiniteTimeSpan ? DateTime.MaxValue : _phaseEnteredAt + timeout;
    }

    private void ThrowIfPastDeadline()
    {
        if (Now >= Deadline())
        {
            throw new RollbackRequired(RollbackCause.CheckFailed, EngineActor, $"Timed out: the release stayed in {_phase} longer than {Deadline() - _phaseEnteredAt:g}.");
        }
    }

    /// <summary>
    /// An activity raced against the phase's deadline (and an abort or rollback): a call that never answers (a hung
    /// connection, an operation App Service forgot) cannot hold the release past its watchdog.
    /// </summary>
    private async Task<T> CallBeforeDeadlineAsync<T>(string activity, object input)
    {
        var deadline = Deadline();
        if (deadline == DateTime.MaxValue)
        {
            return await CallAsync<T>(activity, input);
        }
        // The deadline is a durable timer, and the call may hang until it fires.
        await FlushAuditAsync();
        using var losers = new CancellationTokenSource();
        var call = CallAsync<T>(activity, input);
        var timer = _context.CreateTimer(deadline, losers.Token);
        var winner = await Task.WhenAny(call, timer, _stop);
        losers.Cancel();
        if (winner == _stop)
        {
            throw Stopped();
        }
        if (winner == timer)
        {
            throw new RollbackRequired(RollbackCause.CheckFailed, EngineActor,
                $"Timed out: the release stayed in {_phase} longer than {deadline - _phaseEnteredAt:g} ({activity} did not answer).");
        }
        return await call;
    }

    private async Task<T> CallAsync<T>(string activity, object input)
    {
        try
        {
            return await _context.CallActivityAsync<T>(activity, input, _retries);
        }
        catch (TaskFailedException ex)
        {
            throw new RollbackRequired(RollbackCause.CheckFailed, EngineActor,
                $"{activity} kept failing ({ex.FailureDetails.ErrorType}: {ex.FailureDetails.ErrorMessage}) in {_phase}.");
        }
    }

    private void MoveTo(ReleasePhase to, string message, string actor = EngineActor, IReadOnlyDictionary<string, string>? details = null)
    {
        var from = _phase;
        if (!ReleaseTransitions.IsAllowed(from, to))
        {
            throw new InvalidOperationException($"Release {_input.ReleaseId}: the orchestration tried the transition {from} -> {to}, which the state machine forbids.");
        }
        _phase = to;
        _phaseEnteredAt = Now;
        if (to == ReleasePhase.RollingBack)
        {
            _statusReason = message;
        }
        AddEvent(message);
        Publish();
        Log.PhaseChanged(_logger, _input.ReleaseId, _input.Target.Name, from, to, message);
        var all = new Dictionary<string, string>(details ?? new Dictionary<string, string>())
        {
            ["from"] = from.ToString(),
            ["to"] = to.ToString(),
            ["trafficPercent"] = _trafficPercent.ToString(CultureInfo.InvariantCulture),
        };
        Audit(ActionFor(to), message, all, actor);
    }

    private static string ActionFor(ReleasePhase to) => to switch
    {
        ReleasePhase.RollingBack => "release.rollback-started",
        ReleasePhase.RolledBack => "release.rolled-back",
        ReleasePhase.Aborted => "release.aborted",
        ReleasePhase.Failed => "release.failed",
        ReleasePhase.Succeeded => "release.succeeded",
        _ => "release.phase-changed",
    };

    private void RecordAnalysis(string kind, AnalysisVerdict verdict)
    {
        _analyses.Add(new AnalysisSummary(kind, _phase == ReleasePhase.Shifting ? _step : null, _trafficPercent, verdict.Outcome, verdict.Summary));
        _analysisViews.Add(new AnalysisView(kind, _phase == ReleasePhase.Shifting ? _step : null, _trafficPercent, OrchestrationSteps.At(Now), verdict.Outcome.ToString(),
            Clip(verdict.Summary)!, [.. verdict.Checks.Select(c => new CheckView(c.Metric, c.Measured, c.Baseline, c.Threshold, c.Outcome.ToString(), Clip(c.Reason)!))]));
        if (_analysisViews.Count > ReleaseProgressLimits.Analyses)
        {
            _analysisViews.RemoveAt(0);
        }
        Publish();
        var details = new Dictionary<string, string>
        {
            ["kind"] = kind,
            ["outcome"] = verdict.Outcome.ToString(),
            ["trafficPercent"] = _trafficPercent.ToString(CultureInfo.InvariantCulture),
        };
        foreach (var check in verdict.Checks)
        {
            details[$"{check.Metric}.outcome"] = check.Outcome.ToString();
            details[$"{check.Metric}.measured"] = Format(check.Measured);
            details[$"{check.Metric}.baseline"] = Format(check.Baseline);
            details[$"{check.Metric}.threshold"] = Format(check.Threshold);
        }
        Audit("release.analysis", verdict.Summary, details);
    }

    /// <summary>
    /// Notes an audit record, stamped with the orchestration's time now; <see cref="FlushAuditAsync"/> writes it with the
    /// others noted since the last write. A crash loses nothing: the replay notes the same records again.
    /// </summary>
    private void Audit(string action, string reason, IReadOnlyDictionary<string, string>? details = null, string actor = EngineActor) =>
        _unwritten.Add(new AuditRecord(OrchestrationSteps.At(Now), actor, action, _input.Target.Name, _input.ReleaseId, reason, _input.ReleaseId, details));

    /// <summary>
    /// Writes the records noted since the last write as one batch (one RecordAudit activity), if there are any. Called
    /// before every wait (durable timer, external event, sub-orchestration), before a swap is requested and before the
    /// release ends, so a record is never late by more than the activities between two waits.
    /// </summary>
    /// <remarks>
    /// A write that fails beyond its retries keeps its records, first and in order: the next write (the rollback's, at the
    /// latest the release's last) sends them again at the same places, so under the same identities
    /// (<see cref="AuditActivities.Identified"/>), with the records noted since after them, so that whatever the failed
    /// write did store is kept once.
    /// </remarks>
    public async Task FlushAuditAsync()
    {
        if (_unwritten.Count == 0)
        {
            return;
        }
        // The batch's name, from the orchestration (see OrchestrationSteps.Audit); the records' identities do not depend on it.
        _unwrittenBatchId ??= _context.NewGuid().ToString("N");
        var batch = new AuditBatch(_unwrittenBatchId, [.. _unwritten]);
        await CallAsync<int>(ReleaseActivityNames.RecordAudit, batch);
        _unwritten.RemoveRange(0, batch.Records.Count);
        _unwrittenBatchId = null;
    }

    private void Publish() => _context.SetCustomStatus(new ReleaseProgress(
        _phase, _step, _trafficPercent, _statusReason, _swap, OrchestrationSteps.At(_phaseEnteredAt),
        [.. _approvalViews], [.. _analysisViews], [.. _timeline], _rollbackWindowEndsAt is { } ends ? OrchestrationSteps.At(ends) : null));

    private void AddEvent(string message)
    {
        _timeline.Add(new TimelineEvent(OrchestrationSteps.At(Now), _phase.ToString(), Clip(message)!, _trafficPercent));
        if (_timeline.Count > ReleaseProgressLimits.TimelineEvents)
        {
            // Keep the start of the story and the most recent events; the audit trail keeps everything.
            _timeline.RemoveAt(1);
        }
    }

    private static string? Clip(string? text) =>
        text is { Length: > ReleaseProgressLimits.Text } ? text[..(ReleaseProgressLimits.Text - 1)] + "…" : text;

    private ReleaseOutcome Outcome() => new(_phase, _statusReason ?? "", _maxTrafficPercent, _forwardSwaps, [.. _analyses]);

    private string StagingHost => _slots?.StagingHost ?? throw new InvalidOperationException($"Release {_input.ReleaseId} has no staging host recorded.");

    private string ProductionHost => _slots?.ProductionHost ?? throw new InvalidOperationException($"Release {_input.ReleaseId} has no production host recorded.");

    private static DateTime Min(DateTime a, DateTime b) => a < b ? a : b;

    private static IReadOnlyDictionary<string, string> AnalysisDetails(AnalysisVerdict verdict) =>
        verdict.Checks.Where(c => c.Outcome != VerdictOutcome.Successful).ToDictionary(
            c => c.Metric,
            c => $"measured {Format(c.Measured)}, baseline {Format(c.Baseline)}, threshold {Format(c.Threshold)}: {c.Outcome}");

    private static string Format(double? value) => value?.ToString("G6", CultureInfo.InvariantCulture) ?? "";
}
