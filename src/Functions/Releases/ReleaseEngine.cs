using System.Globalization;
using Azure;
using Blueshift.Domain.Analysis;
using Blueshift.Domain.Releases;
using Blueshift.Functions.Analysis;
using Blueshift.Functions.Apps;
using Blueshift.Functions.Audit;
using Blueshift.Functions.Notifications;
using Blueshift.Functions.Traffic;

namespace Blueshift.Functions.Releases;

/// <summary>
/// The reconciler: advances one release by short, idempotent steps — start an operation and record it, poll it on a
/// later call — and persists after every step with the release's ETag, so a crash at any point loses at most the step
/// in flight and two engines never both act on one release. HTTP commands call it at once; the tick calls it when due.
/// </summary>
internal sealed partial class ReleaseEngine(
    ReleaseStore store,
    IAppServiceSlots slots,
    IMetricsProvider metrics,
    ISlotProbe probe,
    IEnumerable<INotifier> notifiers,
    IAuditTrail audit,
    TimeProvider time,
    ReleaseEngineOptions options,
    ReleaseGatePolicies gates,
    CrashPoints crashPoints,
    ILogger<ReleaseEngine> logger)
{
    public const string EngineActor = "blueshift";

    private enum Next
    {
        /// <summary>Take the next step now.</summary>
        Continue,

        /// <summary>Nothing more to do until <see cref="ReleaseState.DueAt"/>.</summary>
        Wait,
    }

    /// <summary>Advances the release as far as it can go without waiting; returns its state afterwards (null when unknown).</summary>
    public async Task<ReleaseState?> ReconcileAsync(string releaseId, CancellationToken cancellationToken)
    {
        var stored = await store.GetAsync(releaseId, cancellationToken);
        if (stored is null)
        {
            return null;
        }
        var run = new Run(this, stored.State, stored.ETag);
        if (run.State.IsTerminal)
        {
            await store.FinishAsync(run.State, cancellationToken);
            return run.State;
        }

        try
        {
            for (var i = 0; i < options.MaxStepsPerReconcile && !run.State.IsTerminal; i++)
            {
                Next next;
                try
                {
                    next = await StepAsync(run, cancellationToken);
                }
                catch (Exception ex) when (IsTransient(ex, cancellationToken))
                {
                    var problem = Describe(ex);
                    Log.StepFailed(logger, releaseId, run.State.Phase, problem);
                    run.State.AddEvent(Now, $"Step failed ({problem}); retrying.");
                    run.State.DueAt = Now + options.PollInterval;
                    next = Next.Wait;
                }
                if (next == Next.Continue)
                {
                    run.State.DueAt = Now;
                }
                await run.SaveAsync(cancellationToken);
                if (next == Next.Wait)
                {
                    break;
                }
            }
        }
        catch (ReleaseConcurrencyException)
        {
            // Someone else (a command, another instance's tick) advanced it first; their write stands.
            Log.LostRace(logger, releaseId);
            return (await store.GetAsync(releaseId, cancellationToken))?.State;
        }

        if (run.State.IsTerminal)
        {
            await store.FinishAsync(run.State, cancellationToken);
        }
        return run.State;
    }

    /// <summary>Applies a command's change to the release under its ETag, retrying on a concurrent write.</summary>
    /// <param name="change">Returns a rejection to leave the release untouched, or null after changing it.</param>
    public async Task<(ReleaseState? State, ReleaseCommandResult.Rejected? Rejection)> ApplyAsync(
        string releaseId, Func<ReleaseState, Run, ReleaseCommandResult.Rejected?> change, CancellationToken cancellationToken)
    {
        for (var attempt = 0; ; attempt++)
        {
            var stored = await store.GetAsync(releaseId, cancellationToken);
            if (stored is null)
            {
                return (null, null);
            }
            var run = new Run(this, stored.State, stored.ETag);
            var rejection = change(run.State, run);
            if (rejection is not null)
            {
                return (run.State, rejection);
            }
            try
            {
                await run.SaveAsync(cancellationToken);
                return (run.State, null);
            }
            catch (ReleaseConcurrencyException) when (attempt < 4)
            {
                // Lost to the reconciler or another command: decide again on the newer state.
            }
        }
    }

    private DateTimeOffset Now => time.GetUtcNow();

    private async Task<Next> StepAsync(Run run, CancellationToken cancellationToken)
    {
        var state = run.State;
        run.State.DueAt = Now + options.PollInterval;

        // The watchdog: no release stays in any phase forever.
        var deadline = Deadline(state);
        if (Now >= deadline)
        {
            if (state.Phase == ReleasePhase.RollingBack)
            {
                return await GiveUpRollbackAsync(run, $"The rollback did not finish within {Timeout(state):g}.", cancellationToken);
            }
            // Before anything was deployed a timeout only means the release expired; later it is a failed check.
            var cause = state.Phase is ReleasePhase.AwaitingApproval or ReleasePhase.AwaitingWindow ? RollbackCause.Aborted : RollbackCause.CheckFailed;
            BeginRollback(run, cause, EngineActor, $"Timed out: the release stayed in {state.Phase} longer than {Timeout(state):g}.");
            return Next.Continue;
        }

        var next = state.Phase switch
        {
            ReleasePhase.AwaitingApproval => AwaitApproval(run),
            ReleasePhase.AwaitingWindow => AwaitWindow(run),
            ReleasePhase.CapturingBaseline => await CaptureBaselineAsync(run, cancellationToken),
            ReleasePhase.Deploying => await DeployAsync(run, cancellationToken),
            ReleasePhase.Stamping => await StampAsync(run, cancellationToken),
            ReleasePhase.Verifying => await VerifyAsync(run, cancellationToken),
            ReleasePhase.SmokeTesting => await SmokeTestAsync(run, cancellationToken),
            ReleasePhase.Shifting => await ShiftAsync(run, cancellationToken),
            ReleasePhase.Swapping => await SwapAsync(run, cancellationToken),
            ReleasePhase.ClearingRoute => await ClearRouteAsync(run, cancellationToken),
            ReleasePhase.Watching => await WatchAsync(run, cancellationToken),
            ReleasePhase.RollingBack => await RollBackAsync(run, cancellationToken),
            _ => Next.Wait,
        };
        if (!state.IsTerminal && state.DueAt > Deadline(state))
        {
            state.DueAt = Deadline(state);
        }
        return next;
    }

    private TimeSpan Timeout(ReleaseState state)
    {
        var bake = state.Phase == ReleasePhase.Watching ? state.Policy.PostSwap.WatchDuration : state.Policy.BakeTime;
        return state.Policy.Timeouts.For(state.Phase, bake, state.Policy.Canary.MaxInconclusiveExtensions);
    }

    private DateTimeOffset Deadline(ReleaseState state)
    {
        var timeout = Timeout(state);
        return timeout == System.Threading.Timeout.InfiniteTimeSpan ? DateTimeOffset.MaxValue : state.PhaseEnteredAt + timeout;
    }

    private void MoveTo(Run run, ReleasePhase to, string message, string actor = EngineActor, IReadOnlyDictionary<string, string>? details = null)
    {
        var state = run.State;
        var from = state.Phase;
        if (!ReleaseTransitions.IsAllowed(from, to))
        {
            throw new InvalidOperationException($"Release {state.Id}: the engine tried the transition {from} -> {to}, which the state machine forbids.");
        }
        state.Phase = to;
        state.PhaseEnteredAt = Now;
        state.AddEvent(Now, message);
        Log.PhaseChanged(logger, state.Id, state.App, from, to, message);
        var all = new Dictionary<string, string>(details ?? new Dictionary<string, string>())
        {
            ["from"] = from.ToString(),
            ["to"] = to.ToString(),
            ["trafficPercent"] = state.TrafficPercent.ToString(CultureInfo.InvariantCulture),
        };
        run.Audit(actor, ActionFor(to), message, all);
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

    /// <summary>Starts undoing the release; the rollback steps run on this and later calls and never wait for an analysis.</summary>
    internal void BeginRollback(Run run, RollbackCause cause, string actor, string reason, IReadOnlyDictionary<string, string>? details = null)
    {
        var state = run.State;
        if (state.Rollback is not null || state.IsTerminal)
        {
            return;
        }
        state.Rollback = new RollbackProgress(cause, reason, actor, state.Phase, Now);
        state.StatusReason = reason;
        state.PromoteRequested = false;
        MoveTo(run, ReleasePhase.RollingBack, (cause == RollbackCause.Aborted ? "Aborting: " : "Rolling back: ") + reason, actor,
            new Dictionary<string, string>(details ?? new Dictionary<string, string>()) { ["cause"] = cause.ToString() });
        state.DueAt = Now;
    }

    private AnalysisView Record(Run run, string kind, AnalysisVerdict verdict)
    {
        var state = run.State;
        var view = new AnalysisView(kind, state.Phase == ReleasePhase.Shifting ? state.StepIndex : null, state.TrafficPercent, Now,
            verdict.Outcome.ToString(), verdict.Summary,
            [.. verdict.Checks.Select(c => new CheckView(c.Metric, c.Measured, c.Baseline, c.Threshold, c.Outcome.ToString(), c.Reason))]);
        state.AddAnalysis(view);
        state.AddEvent(Now, verdict.Summary);
        var details = new Dictionary<string, string>
        {
            ["kind"] = kind,
            ["outcome"] = verdict.Outcome.ToString(),
            ["trafficPercent"] = state.TrafficPercent.ToString(CultureInfo.InvariantCulture),
        };
        foreach (var check in verdict.Checks)
        {
            details[$"{check.Metric}.outcome"] = check.Outcome.ToString();
            details[$"{check.Metric}.measured"] = Format(check.Measured);
            details[$"{check.Metric}.baseline"] = Format(check.Baseline);
            details[$"{check.Metric}.threshold"] = Format(check.Threshold);
        }
        run.Audit(EngineActor, "release.analysis", verdict.Summary, details);
        return view;
    }

    private static string Format(double? value) => value?.ToString("G6", CultureInfo.InvariantCulture) ?? "";

    private static bool IsTransient(Exception ex, CancellationToken cancellationToken) => ex switch
    {
        RequestFailedException or HttpRequestException or IOException or InvalidDataException => true,
        OperationCanceledException => !cancellationToken.IsCancellationRequested,
        _ => false,
    };

    // Only the status and service code: messages may quote responses, and responses may quote settings.
    private static string Describe(Exception ex) => ex switch
    {
        RequestFailedException rfe => $"Azure answered {rfe.Status}{(rfe.ErrorCode is { Length: > 0 } code ? " " + code : "")}",
        HttpRequestException hre => hre.StatusCode is { } status ? $"HTTP {(int)status}" : $"network error {hre.HttpRequestError}",
        OperationCanceledException => "timed out",
        _ => ex.GetType().Name,
    };

    private Task<ETag> WriteAsync(ReleaseState state, ETag ifMatch, DateTimeOffset previousDueAt, CancellationToken cancellationToken) =>
        store.SaveAsync(state, ifMatch, previousDueAt, cancellationToken);

    private async Task RecordAsync(string releaseId, IReadOnlyList<AuditRecord> records, CancellationToken cancellationToken)
    {
        foreach (var record in records)
        {
            try
            {
                await audit.RecordAsync(record, cancellationToken);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                // The state change stands either way; a lost audit record is logged loudly rather than undoing it.
                Log.AuditFailed(logger, ex, releaseId, record.Action);
            }
        }
    }

    /// <summary>One reconcile or command pass over a release: its state, the version it was read at, audit records to write once saved.</summary>
    internal sealed class Run(ReleaseEngine engine, ReleaseState state, ETag etag)
    {
        private readonly List<AuditRecord> _pendingAudit = [];
        private DateTimeOffset _savedDueAt = state.DueAt;

        public ReleaseState State { get; } = state;

        public ETag ETag { get; private set; } = etag;

        public void Audit(string actor, string action, string reason, IReadOnlyDictionary<string, string>? details = null) =>
            _pendingAudit.Add(new AuditRecord(engine.Now, actor, action, State.App, State.Id, reason, State.Id, details));

        /// <summary>Writes the state if nobody else did since it was read; only then are its audit records written.</summary>
        public async Task SaveAsync(CancellationToken cancellationToken)
        {
            State.UpdatedAt = engine.Now;
            ETag = await engine.WriteAsync(State, ETag, _savedDueAt, cancellationToken);
            _savedDueAt = State.DueAt;
            var records = _pendingAudit.ToList();
            _pendingAudit.Clear();
            await engine.RecordAsync(State.Id, records, cancellationToken);
        }
    }
}
