using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Blueshift.Domain.Analysis;
using Blueshift.Domain.Releases;
using Blueshift.Functions.Apps;
using Blueshift.Functions.Audit;
using Blueshift.Functions.Security;

namespace Blueshift.Functions.Releases;

/// <summary>
/// The engine's command and query surface. Commands validate, record and act at once (one reconcile pass);
/// whatever has to wait (an operation, a bake) is left to the reconcile tick. No call waits on a swap.
/// </summary>
internal sealed class ReleaseService(
    ReleaseStore store,
    ReleaseEngine engine,
    IManagedAppStore apps,
    IReleaseIdSource ids,
    IAuditTrail audit,
    TimeProvider time,
    ReleaseEngineOptions options,
    ILogger<ReleaseService> logger) : IReleaseService
{
    private const int MaxListed = 200;

    /// <summary>A lock whose release was never written is stale after this long (the start crashed half-way).</summary>
    private static readonly TimeSpan OrphanLockAge = TimeSpan.FromMinutes(1);

    public async Task<ReleaseCommandResult> StartAsync(ReleaseRequest request, Caller caller, string? idempotencyKey, CancellationToken cancellationToken)
    {
        if (!caller.IsInRole(Roles.Releaser))
        {
            return new ReleaseCommandResult.Rejected(403, "Not allowed", $"Starting a release needs the {Roles.Releaser} role.");
        }
        var errors = ReleaseRequestRules.Validate(request);
        if (errors.Count > 0)
        {
            return new ReleaseCommandResult.Rejected(400, "Invalid release request", "The release request has invalid fields; see errors.", Errors: errors);
        }
        var app = await apps.GetAsync(request.App, cancellationToken);
        if (app is null)
        {
            return new ReleaseCommandResult.Rejected(404, "Unknown app", $"No app named '{request.App}' is registered. Register it with PUT /api/apps/{request.App} first.");
        }
        var (policy, policyErrors) = ResolvePolicy(app, request);
        if (policyErrors.Count > 0)
        {
            return new ReleaseCommandResult.Rejected(422, "Unusable release policy", "The app's policy overrides combined with the request are not usable; see errors.",
                Errors: new Dictionary<string, string[]> { ["policy"] = [.. policyErrors] });
        }

        var now = time.GetUtcNow();
        var bodyHash = Hash(request);
        var id = ids.NewId(now);
        if (idempotencyKey is not null)
        {
            var prior = await store.TryAddIdempotencyKeyAsync(caller.Id, idempotencyKey, bodyHash, id, now, cancellationToken);
            if (prior is not null)
            {
                var replay = await ReplayAsync(prior, bodyHash, cancellationToken);
                if (replay is not null)
                {
                    return replay;
                }
                // The key points at a start that crashed before writing its release: the key is free again.
                await store.RemoveIdempotencyKeyAsync(caller.Id, idempotencyKey, cancellationToken);
                return await StartAsync(request, caller, idempotencyKey, cancellationToken);
            }
        }

        var (holder, lockTaken) = await AcquireLockAsync(app.Name, id, now, cancellationToken);
        if (holder is not null)
        {
            if (idempotencyKey is not null)
            {
                await store.RemoveIdempotencyKeyAsync(caller.Id, idempotencyKey, cancellationToken);
            }
            return new ReleaseCommandResult.Rejected(409, "App busy",
                $"Release {holder} of {app.Name} is still active; one release per app runs at a time. Wait for it to end, or abort it.", ActiveReleaseId: holder);
        }

        var state = new ReleaseState
        {
            Id = id,
            App = app.Name,
            Version = request.Version,
            Package = request.Package,
            ReleaseType = request.ReleaseType,
            ChangeClass = request.ChangeClass,
            ChangeReference = request.ChangeReference,
            Strategy = request.Strategy,
            Reason = request.Reason,
            RequestedBy = caller.Id,
            RequestedByName = caller.DisplayName,
            CreatedAt = now,
            UpdatedAt = now,
            Policy = policy,
            Target = request.SourceSlot is { Length: > 0 } slot ? app with { StagingSlot = slot } : app,
            Phase = ReleasePhase.AwaitingApproval,
            PhaseEnteredAt = now,
            DueAt = now,
            LockETag = lockTaken.ToString(),
        };
        state.AddEvent(now, $"Release of {request.Version} requested by {caller.DisplayName} ({request.ReleaseType}, {request.ChangeClass} change).");
        var etag = await store.CreateAsync(state, cancellationToken);
        var started = audit.RecordAsync(new AuditRecord(now, caller.Id, "release.started", app.Name, id, request.Reason ?? $"Release {request.Version}", id,
            new Dictionary<string, string>
            {
                ["version"] = request.Version,
                ["releaseType"] = request.ReleaseType,
                ["changeClass"] = request.ChangeClass,
                ["strategy"] = request.Strategy,
                ["trafficSteps"] = string.Join(",", policy.TrafficSteps),
                ["bakeTime"] = policy.BakeTime.ToString("c"),
            }), cancellationToken);

        // The first steps run at once; the audit record of the start is written meanwhile.
        var current = await ActNowAsync(engine.Created(state, etag), cancellationToken);
        await started;
        return new ReleaseCommandResult.Accepted(current.ToView());
    }

    public async Task<ReleaseView?> GetAsync(string releaseId, CancellationToken cancellationToken) =>
        (await store.GetAsync(releaseId, cancellationToken))?.State.ToView();

    public async Task<IReadOnlyList<ReleaseView>> ListAsync(string? app, string? status, CancellationToken cancellationToken)
    {
        string? statusName = null;
        if (status is not null)
        {
            if (!Enum.TryParse<ReleaseStatus>(status, ignoreCase: true, out var parsed))
            {
                return [];
            }
            statusName = parsed.ToString();
        }
        var views = new List<ReleaseView>();
        foreach (var id in await store.ListIdsAsync(app, statusName, MaxListed, cancellationToken))
        {
            if (await store.GetAsync(id, cancellationToken) is { } stored)
            {
                views.Add(stored.State.ToView());
            }
        }
        return views;
    }

    public async Task<ReleaseCommandResult> ApproveAsync(string releaseId, Caller caller, string role, string? comment, CancellationToken cancellationToken)
    {
        if (!caller.IsInRole(Roles.Approver))
        {
            return new ReleaseCommandResult.Rejected(403, "Not allowed", $"Approving a release needs the {Roles.Approver} role.");
        }
        if (!ReleaseGates.IsApprovalRole(role))
        {
            return new ReleaseCommandResult.Rejected(400, "Unknown approval role",
                $"'{role}' is not an approval role; use one of: {string.Join(", ", ReleaseGates.ApprovalRoleNames)}.");
        }
        var now = time.GetUtcNow();
        return await CommandAsync(releaseId, (state, run) =>
        {
            if (state.RequestedBy == caller.Id)
            {
                return new ReleaseCommandResult.Rejected(403, "Separation of duties", "The requester of a release never approves it; ask another approver.");
            }
            if (state.Phase != ReleasePhase.AwaitingApproval && state.PostHocApprovalDueAt is null)
            {
                return new ReleaseCommandResult.Rejected(409, "Not awaiting approval", $"Release {state.Id} is {state.Phase}; approvals are recorded only while it awaits them.");
            }
            if (!state.Approvals.Any(a => a.Approver == caller.Id && a.Role.Equals(role, StringComparison.OrdinalIgnoreCase)))
            {
                state.Approvals.Add(new ApprovalView(caller.Id, role, now, comment));
                state.AddEvent(now, $"Approved by {caller.DisplayName} as {role}.");
                run.Audit(caller.Id, "release.approved", comment ?? $"Approved as {role}", new Dictionary<string, string> { ["role"] = role });
            }
            state.DueAt = now;
            return null;
        }, cancellationToken);
    }

    public Task<ReleaseCommandResult> AbortAsync(string releaseId, Caller caller, string? reason, CancellationToken cancellationToken) =>
        UndoAsync(releaseId, caller, RollbackCause.Aborted, reason ?? $"Aborted by {caller.DisplayName}.", expedite: false, cancellationToken);

    public async Task<ReleaseCommandResult> RollbackAsync(string releaseId, Caller caller, string reason, CancellationToken cancellationToken)
    {
        var result = await UndoAsync(releaseId, caller, RollbackCause.Requested, reason, expedite: false, cancellationToken);
        return result is ReleaseCommandResult.Rejected { Status: 409 } ? await SwapBackSuccessAsync(releaseId, caller, reason, result, cancellationToken) : result;
    }

    public async Task<(string ReleaseId, DateTimeOffset WindowEndsAt)?> FindRollbackWindowAsync(string app, CancellationToken cancellationToken)
    {
        var window = options.RollbackWindowAfterSuccess;
        if (window <= TimeSpan.Zero || (await store.ListIdsAsync(app, null, 1, cancellationToken)).FirstOrDefault() is not { } latest)
        {
            return null;
        }
        var state = (await store.GetAsync(latest, cancellationToken))?.State;
        var endsAt = state?.PhaseEnteredAt + window;
        return state?.Phase == ReleasePhase.Succeeded && time.GetUtcNow() < endsAt ? (latest, endsAt.Value) : null;
    }

    /// <summary>
    /// Rolls back a release that has succeeded, within <see cref="ReleaseEngineOptions.RollbackWindowAfterSuccess"/> and
    /// only while it is the app's latest release: it takes the app's lock again and swaps back, as from any phase.
    /// </summary>
    private async Task<ReleaseCommandResult> SwapBackSuccessAsync(string releaseId, Caller caller, string reason, ReleaseCommandResult refusal, CancellationToken cancellationToken)
    {
        var state = (await store.GetAsync(releaseId, cancellationToken))?.State;
        var window = options.RollbackWindowAfterSuccess;
        if (state is not { Phase: ReleasePhase.Succeeded } || window <= TimeSpan.Zero)
        {
            return refusal;
        }
        var now = time.GetUtcNow();
        if (now >= state.PhaseEnteredAt + window)
        {
            return new ReleaseCommandResult.Rejected(409, "Release ended",
                $"Release {releaseId} succeeded at {state.PhaseEnteredAt:u}; it could be rolled back until {state.PhaseEnteredAt + window:u}. Start a release of the previous version instead.");
        }
        var latest = (await store.ListIdsAsync(state.App, null, 1, cancellationToken)).FirstOrDefault();
        if (latest != releaseId)
        {
            return new ReleaseCommandResult.Rejected(409, "Release superseded",
                $"Release {latest} of {state.App} came after {releaseId}; swapping {releaseId} back would undo it.");
        }
        // Only a free lock: held by this release, it is still finishing (or another rollback of it has started).
        var (holder, lockTaken) = await store.TryLockAsync(state.App, releaseId, now, cancellationToken);
        if (holder is not null)
        {
            return new ReleaseCommandResult.Rejected(409, "App busy",
                holder == releaseId
                    ? $"Release {releaseId} is still finishing, or its rollback has already started; try again shortly."
                    : $"Release {holder} of {state.App} started after {releaseId}; swapping {releaseId} back would undo it. Roll back {holder} instead.",
                ActiveReleaseId: holder);
        }
        var (run, rejection) = await engine.ApplyAsync(releaseId, dueNow: false, (s, r) =>
        {
            if (s.Phase != ReleasePhase.Succeeded)
            {
                return new ReleaseCommandResult.Rejected(409, "Release changed", $"Release {s.Id} is {s.Phase} now; try again.");
            }
            s.LockETag = lockTaken.ToString();
            engine.BeginRollback(r, RollbackCause.Requested, caller.Id, reason,
                new Dictionary<string, string> { ["succeededAt"] = s.PhaseEnteredAt.ToString("O") });
            return null;
        }, cancellationToken);
        if (rejection is not null || run is null)
        {
            // Let go of the lock this call took (nobody else takes a lock that is held); stored times may lose sub-millisecond digits.
            if (await store.GetLockAsync(state.App, cancellationToken) is { } taken && taken.ReleaseId == releaseId && (taken.LockedAt - now).Duration() < TimeSpan.FromMilliseconds(1))
            {
                await store.BreakLockAsync(state.App, taken.ETag, cancellationToken);
            }
            return rejection ?? refusal;
        }
        await store.ReopenAsync(run.State, cancellationToken);
        var current = await ActNowAsync(run, cancellationToken);
        return new ReleaseCommandResult.Accepted(current.ToView());
    }

    public async Task<string?> FindLockHolderAsync(string app, CancellationToken cancellationToken) =>
        (await store.GetLockAsync(app, cancellationToken))?.ReleaseId is { Length: > 0 } id ? id : null;

    public Task<ReleaseCommandResult> RollbackLockHolderAsync(string releaseId, Caller caller, string reason, CancellationToken cancellationToken) =>
        UndoAsync(releaseId, caller, RollbackCause.Requested, reason, expedite: true, cancellationToken);

    public async Task<ReleaseCommandResult> PromoteAsync(string releaseId, Caller caller, string? reason, CancellationToken cancellationToken)
    {
        if (!caller.IsInRole(Roles.Releaser))
        {
            return new ReleaseCommandResult.Rejected(403, "Not allowed", $"Promoting a release needs the {Roles.Releaser} role.");
        }
        var now = time.GetUtcNow();
        return await CommandAsync(releaseId, (state, run) =>
        {
            if (state.Phase != ReleasePhase.Shifting)
            {
                return new ReleaseCommandResult.Rejected(409, "Nothing to promote", $"Release {state.Id} is {state.Phase}; only a release that is baking a traffic step can be promoted.");
            }
            state.PromoteRequested = true;
            state.DueAt = now;
            state.AddEvent(now, $"Promotion requested by {caller.DisplayName}: the bake ends now and the analysis runs at once.");
            run.Audit(caller.Id, "release.promoted", reason ?? "Bake cut short; the analysis still decides.");
            return null;
        }, cancellationToken);
    }

    private async Task<ReleaseCommandResult> UndoAsync(string releaseId, Caller caller, RollbackCause cause, string reason, bool expedite, CancellationToken cancellationToken)
    {
        if (!caller.IsInRole(Roles.Releaser))
        {
            return new ReleaseCommandResult.Rejected(403, "Not allowed", $"Stopping a release needs the {Roles.Releaser} role.");
        }
        return await CommandAsync(releaseId, (state, run) =>
        {
            // Asking twice is harmless: the first request's rollback is already under way.
            if (state.Phase != ReleasePhase.RollingBack)
            {
                engine.BeginRollback(run, cause, caller.Id, reason);
            }
            return null;
        }, cancellationToken, expedite);
    }

    private async Task<ReleaseCommandResult> CommandAsync(string releaseId, Func<ReleaseState, ReleaseEngine.Run, ReleaseCommandResult.Rejected?> change, CancellationToken cancellationToken, bool expedite = false)
    {
        // Expedited commands are rollbacks for production trouble: their first step (route 0 %) goes before the save.
        var (run, rejection) = await engine.ApplyAsync(releaseId, expedite, (s, run) =>
            s.IsTerminal
                ? new ReleaseCommandResult.Rejected(409, "Release ended", $"Release {s.Id} ended as {s.Phase}; it takes no more commands.")
                : change(s, run), cancellationToken, rollbackRouteFirst: expedite);
        if (run is null)
        {
            return new ReleaseCommandResult.Rejected(404, "Unknown release", $"No release has the id '{releaseId}'.");
        }
        if (rejection is not null)
        {
            return rejection;
        }
        var current = await ActNowAsync(run, cancellationToken);
        return new ReleaseCommandResult.Accepted(current.ToView());
    }

    /// <summary>Continues the pass that saved the command, so it takes effect at once; a failure is left to the tick, which retries.</summary>
    private async Task<ReleaseState> ActNowAsync(ReleaseEngine.Run run, CancellationToken cancellationToken)
    {
        try
        {
            return await engine.ContinueAsync(run, cancellationToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            Log.ImmediateStepFailed(logger, ex, run.State.Id);
            await run.FlushAsync();
            return (await store.GetAsync(run.State.Id, cancellationToken))?.State ?? run.State;
        }
    }

    private async Task<ReleaseCommandResult?> ReplayAsync(IdempotencyRecord prior, string bodyHash, CancellationToken cancellationToken)
    {
        if (prior.BodyHash != bodyHash)
        {
            return new ReleaseCommandResult.Rejected(422, "Idempotency key reused",
                "This Idempotency-Key was already used for a different release request. Use a new key for a new request.");
        }
        var existing = await store.GetAsync(prior.ReleaseId, cancellationToken);
        if (existing is not null)
        {
            return new ReleaseCommandResult.Accepted(existing.State.ToView(), Replayed: true);
        }
        return time.GetUtcNow() - prior.At > OrphanLockAge
            ? null
            : new ReleaseCommandResult.Rejected(409, "Request in progress", "The first request with this Idempotency-Key is still being processed; retry shortly.");
    }

    /// <summary>Takes the app's lock, breaking it only when its holder ended or never got written.</summary>
    private async Task<LockAttempt> AcquireLockAsync(string app, string releaseId, DateTimeOffset now, CancellationToken cancellationToken)
    {
        for (var attempt = 0; attempt < 3; attempt++)
        {
            if (await store.TryLockAsync(app, releaseId, now, cancellationToken) is { Holder: null } taken)
            {
                return taken;
            }
            var held = await store.GetLockAsync(app, cancellationToken);
            if (held is not { } lockEntry)
            {
                continue;
            }
            var holder = await store.GetAsync(lockEntry.ReleaseId, cancellationToken);
            // A lock taken after its release ended belongs to a success being swapped back: not stale while that starts.
            var reopening = holder is { State.IsTerminal: true } && lockEntry.LockedAt > holder.State.PhaseEnteredAt && now - lockEntry.LockedAt <= OrphanLockAge;
            var stale = holder is null ? now - lockEntry.LockedAt > OrphanLockAge : holder.State.IsTerminal && !reopening;
            if (!stale)
            {
                return new LockAttempt(lockEntry.ReleaseId, default);
            }
            if (await store.BreakLockAsync(app, lockEntry.ETag, cancellationToken))
            {
                Log.StaleLockBroken(logger, app, lockEntry.ReleaseId);
            }
        }
        return new LockAttempt((await store.GetLockAsync(app, cancellationToken))?.ReleaseId ?? "", default);
    }

    private (ReleasePolicy Policy, IReadOnlyList<string> Errors) ResolvePolicy(ManagedApp app, ReleaseRequest request)
    {
        var overrides = app.Policy;
        var defaults = CanaryPolicy.Default;
        var canary = new CanaryPolicy(
            overrides?.MaxErrorRateRatio ?? defaults.MaxErrorRateRatio,
            overrides?.MinErrorRateToFail ?? defaults.MinErrorRateToFail,
            overrides?.MaxLatencyRatio ?? defaults.MaxLatencyRatio,
            overrides?.MinimumRequests ?? defaults.MinimumRequests,
            options.MaxInconclusiveExtensions);
        var postSwap = PostSwapPolicy.Default with
        {
            WatchDuration = overrides?.PostSwapWatch ?? options.PostSwapWatch,
            MinimumRequests = overrides?.MinimumRequests ?? PostSwapPolicy.Default.MinimumRequests,
        };
        var policy = new ReleasePolicy(
            [.. request.TrafficSteps ?? overrides?.TrafficSteps ?? options.EffectiveTrafficSteps],
            request.BakeTime ?? overrides?.BakeTime ?? options.BakeTime,
            canary,
            postSwap,
            HealthGatePolicy.Default,
            options.WarmUp,
            options.PollInterval,
            app.HealthCheckPath,
            [.. request.SmokeTests ?? app.SmokeTests ?? []],
            PhaseTimeouts.Default);

        var errors = new List<string>();
        if (TrafficPlan.Validate(policy.TrafficSteps) is { } steps)
        {
            errors.Add(steps);
        }
        if (policy.BakeTime <= TimeSpan.Zero)
        {
            errors.Add("The bake time must be positive.");
        }
        errors.AddRange(canary.Validate());
        errors.AddRange(postSwap.Validate());
        return (policy, errors);
    }

    private static string Hash(ReleaseRequest request) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(JsonSerializer.Serialize(request, ReleaseStore.Json))));
}
