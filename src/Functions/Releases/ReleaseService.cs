using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using Blueshift.Domain.Analysis;
using Blueshift.Domain.ChangeControl;
using Blueshift.Domain.Releases;
using Blueshift.Functions.Apps;
using Blueshift.Functions.Audit;
using Blueshift.Functions.Hosting;
using Blueshift.Functions.Releases.Orchestration;
using Blueshift.Functions.Security;
using Blueshift.Functions.Traffic;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.Options;

namespace Blueshift.Functions.Releases;

/// <summary>
/// The releases API on Durable orchestrations. A start validates, takes the app's lock (<see cref="ReleaseRegistry"/>),
/// and schedules the release orchestration with the release id as its instance id; approve, abort, promote and rollback
/// are external events to it; a release is read from its orchestration (input, published status, output). Nothing here
/// waits on Azure, except the alert's route reset, which must happen within the request.
/// </summary>
internal sealed class ReleaseService(
    ReleaseRegistry registry,
    DurableClientAccessor clients,
    IManagedAppStore apps,
    IReleaseIdSource ids,
    IAuditTrail audit,
    IAppServiceSlots slots,
    TimeProvider time,
    ReleaseOptions options,
    IOptions<ReleaseOrchestrationOptions> orchestration,
    ILogger<ReleaseService> logger) : IReleaseService
{
    private const int MaxListed = 200;
    private const int ListParallelism = 16;

    /// <summary>A lock whose release never got scheduled is stale after this long (the start stopped half-way).</summary>
    private static readonly TimeSpan OrphanLockAge = TimeSpan.FromMinutes(1);

    private static readonly JsonSerializerOptions HashJson = new(JsonSerializerDefaults.Web)
    {
        Converters = { new JsonStringEnumConverter() },
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    private DurableTaskClient Client => clients.Current;

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
        var settings = orchestration.Value;
        var (policy, policyErrors) = ResolvePolicy(app, request, settings);
        if (policyErrors.Count > 0)
        {
            return new ReleaseCommandResult.Rejected(422, "Unusable release policy", "The app's policy overrides combined with the request are not usable; see errors.",
                Errors: new Dictionary<string, string[]> { ["policy"] = [.. policyErrors] });
        }

        var now = time.GetUtcNow();
        var id = ids.NewId(now);
        if (idempotencyKey is not null)
        {
            var bodyHash = Hash(request);
            var prior = await registry.TryAddIdempotencyKeyAsync(caller.Id, idempotencyKey, bodyHash, id, now, cancellationToken);
            if (prior is not null)
            {
                if (prior.BodyHash != bodyHash)
                {
                    return new ReleaseCommandResult.Rejected(422, "Idempotency key reused",
                        "This Idempotency-Key was already used for a different release request. Use a new key for a new request.");
                }
                if (await GetAsync(prior.ReleaseId, cancellationToken) is { } existing)
                {
                    return new ReleaseCommandResult.Accepted(existing, Replayed: true);
                }
                if (now - prior.At <= OrphanLockAge)
                {
                    return new ReleaseCommandResult.Rejected(409, "Request in progress", "The first request with this Idempotency-Key is still being processed; retry shortly.");
                }
                // The first request stopped before its release was scheduled: this one finishes it, under the same id.
                id = prior.ReleaseId;
            }
        }

        if (await AcquireLockAsync(app.Name, id, now, cancellationToken) is { } holder)
        {
            if (idempotencyKey is not null)
            {
                await registry.RemoveIdempotencyKeyAsync(caller.Id, idempotencyKey, cancellationToken);
            }
            return new ReleaseCommandResult.Rejected(409, "App busy",
                $"Release {holder} of {app.Name} is still active; one release per app runs at a time. Wait for it to end, or abort it.", ActiveReleaseId: holder);
        }

        var target = request.SourceSlot is { Length: > 0 } slot ? app with { StagingSlot = slot } : app;
        var input = new ReleaseInput(id, request.Version, request.Package, request.Strategy, request.ReleaseType, request.ChangeClass, caller.Id,
            target, policy, settings.ToRunSettings(),
            new ReleaseRequestInfo(caller.DisplayName, now, request.ChangeReference, request.Reason),
            options.RollbackWindowAfterSuccess);
        // Indexed before it is scheduled: a release that exists is always listed.
        await registry.IndexAsync(app.Name, id, ReleaseStatus.Active, now, cancellationToken);
        await ScheduleAsync(input, cancellationToken);
        await audit.RecordAsync(new AuditRecord(now, caller.Id, "release.started", app.Name, id, request.Reason ?? $"Release {request.Version}", id,
            new Dictionary<string, string>
            {
                ["version"] = request.Version,
                ["releaseType"] = request.ReleaseType,
                ["changeClass"] = request.ChangeClass,
                ["strategy"] = request.Strategy,
                ["trafficSteps"] = string.Join(",", policy.TrafficSteps),
                ["bakeTime"] = policy.BakeTime.ToString("c"),
            }), cancellationToken);
        Log.ReleaseScheduled(logger, id, app.Name, request.Version);
        return new ReleaseCommandResult.Accepted(await GetAsync(id, cancellationToken) ?? ReleaseViews.Scheduled(input));
    }

    private async Task ScheduleAsync(ReleaseInput input, CancellationToken cancellationToken)
    {
        try
        {
            await Client.ScheduleNewOrchestrationInstanceAsync(ReleaseOrchestrationFunctions.ReleaseOrchestration, input,
                new Microsoft.DurableTask.StartOrchestrationOptions(InstanceId: input.ReleaseId), cancellationToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // A retry of a start whose first try scheduled it after all: it runs once.
            if (await Client.GetInstanceAsync(input.ReleaseId, cancellationToken) is null)
            {
                throw;
            }
        }
    }

    public async Task<ReleaseView?> GetAsync(string releaseId, CancellationToken cancellationToken)
    {
        var instance = await Client.GetInstanceAsync(releaseId, getInputsAndOutputs: true, cancellationToken);
        return instance is null || !string.Equals(instance.Name, ReleaseOrchestrationFunctions.ReleaseOrchestration, StringComparison.Ordinal)
            ? null
            : ReleaseViews.From(instance);
    }

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
        var found = await registry.ListIdsAsync(app, statusName, MaxListed, cancellationToken);
        var views = new ReleaseView?[found.Count];
        await Parallel.ForEachAsync(Enumerable.Range(0, found.Count), new ParallelOptions { MaxDegreeOfParallelism = ListParallelism, CancellationToken = cancellationToken },
            async (i, token) => views[i] = await GetAsync(found[i], token));
        // The index is written when a release starts and ends: its status may lag the orchestration's by a moment.
        return [.. views.OfType<ReleaseView>().Where(v => statusName is null || v.Status == statusName)];
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
        if (await ReadAsync(releaseId, cancellationToken) is not { } release)
        {
            return UnknownRelease(releaseId);
        }
        if (release.Input.RequestedBy == caller.Id)
        {
            return new ReleaseCommandResult.Rejected(403, "Separation of duties", "The requester of a release never approves it; ask another approver.");
        }
        var emergency = ReleaseGates.ParseChangeClass(release.Input.ChangeClass) == ChangeClass.Emergency;
        if (release.View.Phase == nameof(ReleasePhase.AwaitingApproval) && release.IsRunning)
        {
            await Client.RaiseEventAsync(releaseId, ReleaseEvents.Approve, new ApprovalCommand(caller.Id, role, comment), cancellationToken);
            // The orchestration records it at its next step; the answer shows it as accepted.
            return new ReleaseCommandResult.Accepted(release.View with
            {
                Approvals = [.. release.View.Approvals, new ApprovalView(caller.Id, role, time.GetUtcNow(), comment)],
            });
        }
        if (emergency)
        {
            // An emergency change went ahead on fewer approvals and owes a post-hoc one (seed 000 §7.4): recorded in the
            // trail, where governance looks for it, whatever phase the release is in by now.
            await audit.RecordAsync(new AuditRecord(time.GetUtcNow(), caller.Id, "release.post-hoc-approved", release.Input.Target.Name, releaseId,
                comment ?? $"Post-hoc approval as {role}.", releaseId, new Dictionary<string, string> { ["role"] = role }), cancellationToken);
            return new ReleaseCommandResult.Accepted(release.View);
        }
        return new ReleaseCommandResult.Rejected(409, "Not awaiting approval", $"Release {releaseId} is {release.View.Phase}; approvals are recorded only while it awaits them.");
    }

    public Task<ReleaseCommandResult> AbortAsync(string releaseId, Caller caller, string? reason, CancellationToken cancellationToken) =>
        StopAsync(releaseId, caller, ReleaseEvents.Abort, reason ?? $"Aborted by {caller.DisplayName}.", cancellationToken);

    public async Task<ReleaseCommandResult> PromoteAsync(string releaseId, Caller caller, string? reason, CancellationToken cancellationToken)
    {
        if (!caller.IsInRole(Roles.Releaser))
        {
            return new ReleaseCommandResult.Rejected(403, "Not allowed", $"Promoting a release needs the {Roles.Releaser} role.");
        }
        if (await ReadAsync(releaseId, cancellationToken) is not { } release)
        {
            return UnknownRelease(releaseId);
        }
        if (release.View.Phase != nameof(ReleasePhase.Shifting) || !release.IsRunning)
        {
            return new ReleaseCommandResult.Rejected(409, "Nothing to promote", $"Release {releaseId} is {release.View.Phase}; only a release that is baking a traffic step can be promoted.");
        }
        await Client.RaiseEventAsync(releaseId, ReleaseEvents.Promote, new ReleaseCommand(caller.Id, reason ?? "Bake cut short; the analysis still decides."), cancellationToken);
        await audit.RecordAsync(new AuditRecord(time.GetUtcNow(), caller.Id, "release.promoted", release.Input.Target.Name, releaseId,
            reason ?? "Bake cut short; the analysis still decides.", releaseId), cancellationToken);
        return new ReleaseCommandResult.Accepted(release.View);
    }

    public Task<ReleaseCommandResult> RollbackAsync(string releaseId, Caller caller, string reason, CancellationToken cancellationToken) =>
        StopAsync(releaseId, caller, ReleaseEvents.Rollback, reason, cancellationToken);

    public async Task<ReleaseCommandResult> RollbackLockHolderAsync(string releaseId, Caller caller, string reason, CancellationToken cancellationToken)
    {
        if (!caller.IsInRole(Roles.Releaser))
        {
            return new ReleaseCommandResult.Rejected(403, "Not allowed", $"Stopping a release needs the {Roles.Releaser} role.");
        }
        if (await ReadAsync(releaseId, cancellationToken) is not { } release)
        {
            return UnknownRelease(releaseId);
        }
        if (release.IsRunning && release.Phase is ReleasePhase.Shifting or ReleasePhase.Swapping or ReleasePhase.ClearingRoute)
        {
            // Production is in trouble now: the new version's share goes to 0 % within this request, before the orchestration
            // is told. The rollback it then runs routes 0 % again (harmless) and does the rest.
            try
            {
                await slots.ClearRoutingAsync(release.Input.Target, cancellationToken);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                Log.EarlyRouteResetFailed(logger, ex, releaseId);
            }
        }
        return await StopAsync(releaseId, caller, ReleaseEvents.Rollback, reason, cancellationToken, release);
    }

    public async Task<string?> FindLockHolderAsync(string app, CancellationToken cancellationToken) =>
        (await registry.GetLockAsync(app, cancellationToken))?.ReleaseId is { Length: > 0 } id ? id : null;

    public async Task<(string ReleaseId, DateTimeOffset WindowEndsAt)?> FindRollbackWindowAsync(string app, CancellationToken cancellationToken)
    {
        if ((await registry.ListIdsAsync(app, null, 1, cancellationToken)).FirstOrDefault() is not { } latest ||
            await ReadAsync(latest, cancellationToken) is not { } release)
        {
            return null;
        }
        return release.IsRunning && release.Phase == ReleasePhase.Succeeded && release.Progress?.RollbackWindowEndsAt is { } endsAt && time.GetUtcNow() < endsAt
            ? (latest, endsAt)
            : null;
    }

    /// <summary>Abort or rollback: an event the orchestration acts on at its next step; asking twice is harmless.</summary>
    private async Task<ReleaseCommandResult> StopAsync(string releaseId, Caller caller, string eventName, string reason, CancellationToken cancellationToken, Release? read = null)
    {
        if (!caller.IsInRole(Roles.Releaser))
        {
            return new ReleaseCommandResult.Rejected(403, "Not allowed", $"Stopping a release needs the {Roles.Releaser} role.");
        }
        if ((read ?? await ReadAsync(releaseId, cancellationToken)) is not { } release)
        {
            return UnknownRelease(releaseId);
        }
        if (release.Phase == ReleasePhase.Succeeded && eventName == ReleaseEvents.Rollback)
        {
            if (await RefuseSwapBackAsync(release, cancellationToken) is { } refusal)
            {
                return refusal;
            }
        }
        else if (!release.IsRunning || release.Phase is not { } phase || ReleasePhases.IsTerminal(phase))
        {
            return new ReleaseCommandResult.Rejected(409, "Release ended", $"Release {releaseId} ended as {release.View.Phase}; it takes no more commands.");
        }
        await Client.RaiseEventAsync(releaseId, eventName, new ReleaseCommand(caller.Id, reason), cancellationToken);
        // Who asked and why, at once; the orchestration records what it then does.
        await audit.RecordAsync(new AuditRecord(time.GetUtcNow(), caller.Id, $"release.{eventName}-requested", release.Input.Target.Name, releaseId, reason, releaseId), cancellationToken);
        return new ReleaseCommandResult.Accepted(release.View);
    }

    /// <summary>
    /// A release that succeeded is swapped back only inside its rollback window, while it is its app's latest release and
    /// the app is free; the orchestration checks the last two again when it takes the app.
    /// </summary>
    private async Task<ReleaseCommandResult.Rejected?> RefuseSwapBackAsync(Release release, CancellationToken cancellationToken)
    {
        var id = release.View.Id;
        var app = release.Input.Target.Name;
        if (!release.IsRunning || release.Progress?.RollbackWindowEndsAt is not { } endsAt || time.GetUtcNow() >= endsAt)
        {
            var succeededAt = release.Progress?.PhaseEnteredAt ?? release.View.UpdatedAt;
            return new ReleaseCommandResult.Rejected(409, "Release ended",
                $"Release {id} succeeded at {succeededAt:u}; its rollback window ({options.RollbackWindowAfterSuccess:g}) has closed. Start a release of the previous version instead.");
        }
        var latest = (await registry.ListIdsAsync(app, null, 1, cancellationToken)).FirstOrDefault();
        if (latest != id)
        {
            return new ReleaseCommandResult.Rejected(409, "Release superseded", $"Release {latest} of {app} came after {id}; swapping {id} back would undo it.");
        }
        if (await FindLockHolderAsync(app, cancellationToken) is { } holder && holder != id)
        {
            return new ReleaseCommandResult.Rejected(409, "App busy",
                $"Release {holder} of {app} holds it; swapping {id} back would undo it. Roll back {holder} instead.", ActiveReleaseId: holder);
        }
        return null;
    }

    /// <summary>Takes the app's lock; a holder that has ended (or was never scheduled) is broken. Null when taken, else the holder.</summary>
    private async Task<string?> AcquireLockAsync(string app, string releaseId, DateTimeOffset now, CancellationToken cancellationToken)
    {
        for (var attempt = 0; attempt < 3; attempt++)
        {
            var holder = await registry.TryLockAsync(app, releaseId, now, cancellationToken);
            if (holder is null || holder == releaseId)
            {
                return null;
            }
            if (await registry.GetLockAsync(app, cancellationToken) is not { } held)
            {
                continue;
            }
            // With its published status: a release that has ended may not have let go yet (it waits out its rollback window).
            var instance = await Client.GetInstanceAsync(held.ReleaseId, getInputsAndOutputs: true, cancellationToken);
            var stale = instance is null
                ? now - held.LockedAt > OrphanLockAge
                : !instance.IsRunning && instance.RuntimeStatus != OrchestrationRuntimeStatus.Pending
                    || ReleaseViews.PhaseOf(instance) is { } phase && ReleasePhases.IsTerminal(phase) && held.LockedAt < instance.LastUpdatedAt;
            if (!stale)
            {
                return held.ReleaseId;
            }
            if (await registry.BreakLockAsync(app, held.ETag, cancellationToken))
            {
                Log.StaleLockBroken(logger, app, held.ReleaseId);
            }
        }
        return (await registry.GetLockAsync(app, cancellationToken))?.ReleaseId ?? "";
    }

    private async Task<Release?> ReadAsync(string releaseId, CancellationToken cancellationToken)
    {
        var instance = await Client.GetInstanceAsync(releaseId, getInputsAndOutputs: true, cancellationToken);
        if (instance is null || !string.Equals(instance.Name, ReleaseOrchestrationFunctions.ReleaseOrchestration, StringComparison.Ordinal) ||
            instance.ReadInputAs<ReleaseInput>() is not { } input)
        {
            return null;
        }
        var progress = instance.ReadCustomStatusAs<ReleaseProgress>();
        return new Release(ReleaseViews.From(instance), input, progress, instance.IsRunning || instance.RuntimeStatus == OrchestrationRuntimeStatus.Pending);
    }

    private static ReleaseCommandResult.Rejected UnknownRelease(string releaseId) =>
        new(404, "Unknown release", $"No release has the id '{releaseId}'.");

    private (ReleasePolicy Policy, IReadOnlyList<string> Errors) ResolvePolicy(ManagedApp app, ReleaseRequest request, ReleaseOrchestrationOptions settings)
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
            WatchDuration = overrides?.PostSwapWatch ?? settings.PostSwapWatch,
            MinimumRequests = overrides?.MinimumRequests ?? PostSwapPolicy.Default.MinimumRequests,
        };
        var policy = new ReleasePolicy(
            [.. request.TrafficSteps ?? overrides?.TrafficSteps ?? options.EffectiveTrafficSteps],
            request.BakeTime ?? overrides?.BakeTime ?? settings.BakeTime,
            canary,
            postSwap,
            HealthGatePolicy.Default,
            settings.WarmUp,
            settings.ProbeInterval,
            app.HealthCheckPath,
            [.. request.SmokeTests ?? app.SmokeTests ?? []],
            settings.ToTimeouts());

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
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(JsonSerializer.Serialize(request, HashJson))));

    /// <summary>A release as its orchestration holds it.</summary>
    private sealed record Release(ReleaseView View, ReleaseInput Input, ReleaseProgress? Progress, bool IsRunning)
    {
        public ReleasePhase? Phase => Enum.TryParse<ReleasePhase>(View.Phase, out var phase) ? phase : null;
    }
}
