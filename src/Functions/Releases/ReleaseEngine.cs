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
    /// <param name="listedDue">The time its due entry holds and the entry's version, when the caller read it (the tick); otherwise unknown.</param>
    public async Task<ReleaseState?> ReconcileAsync(string releaseId, CancellationToken cancellationToken, (DateTimeOffset At, ETag ETag)? listedDue = null)
    {
        var stored = await store.GetAsync(releaseId, cancellationToken, listedDue?.ETag);
        if (stored is null)
        {
            return null;
        }
        return await ContinueAsync(new Run(this, stored, listedDue?.At ?? Run.DueUnknown, listedDue?.ETag), cancellationToken);
    }

    /// <summary>Advances a release already in hand (just created, or just changed by a command) without reading it again.</summary>
    internal async Task<ReleaseState> ContinueAsync(Run run, CancellationToken cancellationToken)
    {
        if (run.State.IsTerminal)
        {
            await run.FinishAsync(cancellationToken);
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
                    Log.StepFailed(logger, run.State.Id, run.State.Phase, problem);
                    run.State.AddEvent(Now, $"Step failed ({problem}); retrying.");
                    run.State.DueAt = Now + options.PollInterval;
                    next = Next.Wait;
                }
                if (next == Next.Continue)
                {
                    run.State.DueAt = Now;
                }
                // Steps are idempotent, so a pass saves once, when it stops: a crash re-runs its steps from the last
                // save. A step about to do something that must not happen twice (a swap) saves first by itself.
                if (next == Next.Wait || run.State.IsTerminal || i + 1 == options.MaxStepsPerReconcile)
                {
                    await run.SaveAsync(last: true, cancellationToken);
                    break;
                }
            }
        }
        catch (ReleaseConcurrencyException)
        {
            // Someone else (a command, another instance's tick) advanced it first; their write stands.
            await run.FlushAsync();
            Log.LostRace(logger, run.State.Id);
            var current = (await store.GetAsync(run.State.Id, cancellationToken))?.State;
            if (current is not null && run.RoutingChanged)
            {
                await RestoreRoutingAsync(current, cancellationToken);
            }
            return current ?? run.State;
        }

        if (run.State.IsTerminal)
        {
            await run.FinishAsync(cancellationToken);
        }
        return run.State;
    }

    /// <summary>
    /// A pass that changed the routing rule lost its save to a writer that decided otherwise (a rollback, say) and may
    /// have acted first: its routing call could have landed after theirs. Put the rule back to what the winner says.
    /// </summary>
    private async Task RestoreRoutingAsync(ReleaseState current, CancellationToken cancellationToken)
    {
        switch (current.Phase)
        {
            case ReleasePhase.Shifting when current.BakeStartedAt is not null:
                await slots.SetStagingTrafficAsync(current.Target, StagingHost(current), current.TrafficPercent, cancellationToken);
                break;
            // Whether or not the winner has recorded its own routing reset yet, it may already have made it.
            case ReleasePhase.RollingBack:
            case ReleasePhase.Watching or ReleasePhase.Succeeded or ReleasePhase.RolledBack or ReleasePhase.Aborted or ReleasePhase.Failed:
                await slots.ClearRoutingAsync(current.Target, cancellationToken);
                break;
        }
    }

    /// <summary>Applies a command's change to the release under its ETag, retrying on a concurrent write.</summary>
    /// <param name="change">Returns a rejection to leave the release untouched, or null after changing it.</param>
    /// <param name="dueNow">
    /// The release is known to exist and the change makes it due at once: its due entry is moved to now while it is read
    /// (an early entry costs the tick one look at most; for a release that has ended, the tick drops it).
    /// </param>
    /// <param name="rollbackRouteFirst">
    /// The change starts a rollback that cannot wait (production trouble): when the release is baking a traffic step, with
    /// no swap begun, the routing rule is reset right after the read, before the save, and the save records it done. It
    /// is the rollback's own first step, taken one round trip sooner; it only sends traffic back to production.
    /// </param>
    /// <returns>The release as saved (or as read, when rejected) and the pass that saved it, to continue with.</returns>
    public async Task<(Run? Run, ReleaseCommandResult.Rejected? Rejection)> ApplyAsync(
        string releaseId, bool dueNow, Func<ReleaseState, Run, ReleaseCommandResult.Rejected?> change, CancellationToken cancellationToken,
        bool rollbackRouteFirst = false)
    {
        for (var attempt = 0; ; attempt++)
        {
            var dueAt = Run.DueUnknown;
            ETag? dueETag = null;
            StoredRelease? stored;
            if (dueNow && attempt == 0)
            {
                dueAt = Now;
                var reading = store.GetAsync(releaseId, cancellationToken);
                var moving = store.SetDueAsync(releaseId, dueAt, ifMatch: null, cancellationToken);
                await Task.WhenAll(reading, moving);
                (stored, dueETag) = (await reading, await moving);
            }
            else
            {
                stored = await store.GetAsync(releaseId, cancellationToken);
            }
            if (stored is null)
            {
                return (null, null);
            }
            var run = new Run(this, stored, dueAt, dueETag);
            // Per attempt, after its read: the save below is conditional on that read, so what it records about the
            // routing rule holds unless a pass that set traffic since loses its save (and then puts the rule back itself).
            var routeReset = rollbackRouteFirst && run.State is { Phase: ReleasePhase.Shifting, Swap: null, Rollback: null };
            if (routeReset)
            {
                try
                {
                    await slots.ClearRoutingAsync(run.State.Target, cancellationToken);
                    crashPoints.At(CrashPoints.AfterEarlyRouteReset, run.State.Id);
                }
                catch (Exception ex) when (IsTransient(ex, cancellationToken))
                {
                    // ARM is struggling: record the rollback all the same; its own first step resets the route, retrying.
                    Log.StepFailed(logger, run.State.Id, run.State.Phase, Describe(ex));
                    routeReset = false;
                }
            }
            var rejection = change(run.State, run);
            if (rejection is not null)
            {
                return (run, rejection);
            }
            if (routeReset && run.State.Rollback is { RouteCleared: false } rollback)
            {
                run.State.Rollback = rollback with { SwapSettled = true, RouteCleared = true };
                run.State.TrafficPercent = 0;
                run.State.AddEvent(Now, "Routing rule cleared: production serves all of its traffic.");
            }
            try
            {
                await run.SaveAsync(last: false, cancellationToken);
                return (run, null);
            }
            catch (ReleaseConcurrencyException) when (attempt < 4)
            {
                // Lost to the reconciler or another command: decide again on the newer state.
            }
        }
    }

    /// <summary>A pass over a release just created, to continue with <see cref="ContinueAsync"/>.</summary>
    internal Run Created(ReleaseState state, ETag etag) => new(this, new StoredRelease(state, etag, ReleaseStore.Content(state)), state.DueAt, dueETag: null);

    private DateTimeOffset Now => time.GetUtcNow();

    private ReleaseStore Store => store;

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
        if (from == to)
        {
            // A traffic step passed and the next begins: the step's analysis record holds the decision and the
            // traffic-shifted record the new share (a promotion is audited when it is asked for), so a "phase changed"
            // record from Shifting to Shifting would say nothing new. The timeline keeps the event.
            return;
        }
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
        // A success can still be swapped back (the service checks the window and that it is the app's latest release).
        if (state.Rollback is not null || (state.IsTerminal && state.Phase != ReleasePhase.Succeeded))
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

    private async Task RecordAsync(string releaseId, IReadOnlyList<AuditRecord> records, CancellationToken cancellationToken)
    {
        if (records.Count == 0)
        {
            return;
        }
        try
        {
            await audit.RecordAllAsync(records, cancellationToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // The state change stands either way; a lost audit record is logged loudly rather than undoing it.
            foreach (var record in records)
            {
                Log.AuditFailed(logger, ex, releaseId, record.Action);
            }
        }
    }

    /// <summary>
    /// One reconcile or command pass over a release: its state, the version it was read at, the time its due entry holds,
    /// and audit records to write once saved.
    /// </summary>
    internal sealed class Run(ReleaseEngine engine, StoredRelease stored, DateTimeOffset dueIndexedAt, ETag? dueETag)
    {
        /// <summary>
        /// The due entry's time is not known: the stored state's <see cref="ReleaseState.DueAt"/> may be older than the
        /// entry (passes that change nothing else move only the entry), so any new due time is written before the state.
        /// </summary>
        public static readonly DateTimeOffset DueUnknown = DateTimeOffset.MaxValue;

        private readonly List<AuditRecord> _pendingAudit = [];
        private Task _auditing = Task.CompletedTask;
        private DateTimeOffset _dueIndexedAt = dueIndexedAt;
        private ETag? _dueETag = dueETag;
        private byte[] _savedContent = stored.Content;
        private bool _finished;

        public ReleaseState State { get; } = stored.State;

        public ETag ETag { get; private set; } = stored.ETag;

        /// <summary>This pass changed the production routing rule (a traffic step).</summary>
        public bool RoutingChanged { get; set; }

        public void Audit(string actor, string action, string reason, IReadOnlyDictionary<string, string>? details = null) =>
            _pendingAudit.Add(new AuditRecord(engine.Now, actor, action, State.App, State.Id, reason, State.Id, details));

        /// <summary>Saves a step in the middle of a pass.</summary>
        public Task SaveAsync(CancellationToken cancellationToken) => SaveAsync(last: false, cancellationToken);

        /// <summary>
        /// Writes the state if nobody else did since it was read; only then are its audit records written. The due entry
        /// never holds a later time than the state needs: it is moved earlier before the write, and later only once, after
        /// the <paramref name="last"/> save of a pass (an earlier entry than needed costs one extra look at most).
        /// </summary>
        public async Task SaveAsync(bool last, CancellationToken cancellationToken)
        {
            var store = engine.Store;
            if (!State.IsTerminal && State.DueAt < _dueIndexedAt)
            {
                _dueETag = await store.SetDueAsync(State.Id, State.DueAt, ifMatch: null, cancellationToken);
                _dueIndexedAt = State.DueAt;
            }
            var content = ReleaseStore.Content(State);
            if (_pendingAudit.Count == 0 && !State.IsTerminal && content.AsSpan().SequenceEqual(_savedContent))
            {
                // A pass that only waited (a poll still running, a healthy probe) changed nothing but the due time.
                if (last && State.DueAt != _dueIndexedAt)
                {
                    await MoveDueAsync(cancellationToken);
                }
                if (last)
                {
                    await FlushAsync();
                }
                return;
            }
            State.UpdatedAt = engine.Now;
            ETag = await store.UpdateAsync(State, ETag, cancellationToken, content);
            _savedContent = content;

            var records = _pendingAudit.ToList();
            _pendingAudit.Clear();
            var auditing = Task.WhenAll(_auditing, engine.RecordAsync(State.Id, records, cancellationToken));
            if (!last)
            {
                // Mid-pass (a command about to act, a swap about to be requested): the audit write goes on while the pass
                // does; the pass's last save waits for it.
                _auditing = auditing;
                return;
            }
            _auditing = Task.CompletedTask;
            if (State.IsTerminal)
            {
                await Task.WhenAll(auditing, FinishAsync(cancellationToken));
            }
            else
            {
                // Moved even when its time stays (rare: time moves on between passes), so that the entry's version
                // changes with every save and vouches for this instance's copy of the document until someone else writes.
                await Task.WhenAll(auditing, MoveDueAsync(cancellationToken));
            }
        }

        /// <summary>
        /// Moves the due entry to the state's time, conditionally on the entry's version when this pass knows it: if
        /// someone else moved it meanwhile (a command making the release due now), theirs stands.
        /// </summary>
        private async Task MoveDueAsync(CancellationToken cancellationToken)
        {
            var dueAt = State.DueAt;
            _dueETag = await engine.Store.SetDueAsync(State.Id, dueAt, _dueETag, cancellationToken, afterState: ETag);
            _dueIndexedAt = _dueETag is null ? DueUnknown : dueAt;
        }

        /// <summary>Waits for audit writes still under way (they log their own failures and never throw).</summary>
        public Task FlushAsync() => _auditing;

        /// <summary>Index, due entry and lock of an ended release; once per pass, repeatable across passes.</summary>
        public async Task FinishAsync(CancellationToken cancellationToken)
        {
            if (!_finished)
            {
                await engine.Store.FinishAsync(State, cancellationToken);
                _finished = true;
            }
        }
    }
}
