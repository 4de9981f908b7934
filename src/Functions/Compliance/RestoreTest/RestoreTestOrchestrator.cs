using System.Globalization;
using Blueshift.Domain.Analysis;
using Blueshift.Domain.Compliance;
using Blueshift.Functions.Apps;
using Blueshift.Functions.Audit;
using Blueshift.Functions.Azure.AppService;
using Blueshift.Functions.Releases.Orchestration;
using Blueshift.Functions.Traffic;
using Microsoft.DurableTask;

namespace Blueshift.Functions.Compliance.RestoreTest;

/// <summary>
/// The monthly restore test of one app (seed 000 §11): restore the newest successful backup into the app's DR slot,
/// wait for the operation, probe the restored slot's health check, hold the time from the restore's start to the first
/// healthy answer against the RTO, reset the DR slot whatever happened, and record the evidence. Each wait is bounded
/// (<see cref="RestoreTestTimings"/>) and made of durable timers. Production is never a target: a DR slot that names it
/// is refused before anything is written.
/// </summary>
internal static class RestoreTestOrchestrator
{
    /// <summary>Probe results kept in the evidence: the first ones and the latest ones.</summary>
    internal const int ProbesKept = 12;

    public static async Task<List<Observation>> RunRestoreTest(TaskOrchestrationContext context, RestoreTestRequest request)
    {
        var app = request.App;
        var timings = request.Timings;
        var slot = app.Compliance?.DrSlot ?? timings.DefaultDrSlot;
        var retries = Retries(timings);
        var evidence = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["runId"] = request.RunId,
            ["drSlot"] = slot ?? "",
            ["rto"] = Format(timings.Rto),
        };

        if (RefusalOf(app, slot) is { } refusal)
        {
            var refused = new Observation(RestoreTestKinds.Refused, slot ?? "", FindingSeverity.High, refusal, evidence);
            await RecordAsync(context, request, "refused", refusal, evidence, null, retries);
            return [refused];
        }

        context.SetCustomStatus(new RestoreTestProgress("finding-backup", slot!, null, null));
        var backup = await context.CallActivityAsync<BackupChoice>(RestoreTestActivityNames.FindBackup, app, retries);
        evidence["backupsListed"] = Invariant(backup.Listed);
        evidence["backupsSucceeded"] = Invariant(backup.Succeeded);
        if (backup.BackupId is not { } backupId)
        {
            var summary = backup.Listed == 0
                ? $"No restore test of {app.Name}: the app has no backup to restore."
                : $"No restore test of {app.Name}: none of its {backup.Listed} backup(s) succeeded.";
            await RecordAsync(context, request, "no-backup", summary, evidence, null, retries);
            return [new Observation(RestoreTestKinds.NoBackup, "", FindingSeverity.High, summary, evidence)];
        }
        evidence["backupId"] = Invariant(backupId);
        evidence["backupName"] = backup.Name ?? "";
        evidence["backupCreatedAt"] = Time(backup.CreatedAt);
        evidence["backupFinishedAt"] = Time(backup.FinishedAt);

        var target = new DrSlotRequest(app, slot!);
        if (!await context.CallActivityAsync<bool>(RestoreTestActivityNames.FindSlot, target, retries))
        {
            var summary = $"No restore test of {app.Name}: it has no slot '{slot}' to restore into; create a dedicated deployment slot (or name one in its compliance settings).";
            await RecordAsync(context, request, "no-dr-slot", summary, evidence, null, retries);
            return [new Observation(RestoreTestKinds.NoDrSlot, slot!, FindingSeverity.High, summary, evidence)];
        }

        var observations = new List<Observation>();
        var startedAt = context.CurrentUtcDateTime;
        evidence["restoreStartedAt"] = Time(startedAt);
        DateTime? healthyAt = null;
        string outcome;
        try
        {
            context.SetCustomStatus(new RestoreTestProgress("restoring", slot!, backupId, At(startedAt)));
            var restore = await RestoreAsync(context, new RestoreStart(app, slot!, backupId), timings, retries);
            evidence["restoreOutcome"] = restore.Outcome;
            if (restore.FinishedAt is { } finishedAt)
            {
                evidence["restoreFinishedAt"] = Time(finishedAt);
            }
            if (!restore.Succeeded)
            {
                outcome = "failed";
                observations.Add(new Observation(RestoreTestKinds.Failed, slot!, FindingSeverity.High,
                    $"The restore test of {app.Name} failed: restoring backup {backupId} into slot '{slot}' {restore.Outcome}.", Copy(evidence)));
            }
            else
            {
                context.SetCustomStatus(new RestoreTestProgress("probing", slot!, backupId, At(startedAt)));
                var health = await ProbeUntilHealthyAsync(context, target, app.HealthCheckPath, timings, retries);
                evidence["healthCheckPath"] = app.HealthCheckPath;
                evidence["probes"] = Invariant(health.Probes);
                evidence["probeResults"] = string.Join("; ", health.Results);
                healthyAt = health.HealthyAt;
                if (healthyAt is not { } healthy)
                {
                    outcome = "never-healthy";
                    evidence["measured"] = Format(context.CurrentUtcDateTime - startedAt);
                    observations.Add(new Observation(RestoreTestKinds.Failed, slot!, FindingSeverity.High,
                        $"The restore test of {app.Name} failed: slot '{slot}' did not answer its health check ({app.HealthCheckPath}) healthy within "
                        + $"{Format(timings.HealthTimeout)} of the restore ({health.Probes} probe(s), the last: {health.Results.LastOrDefault() ?? "none"}).",
                        Copy(evidence)));
                }
                else
                {
                    var measured = healthy - startedAt;
                    var rto = RecoveryObjectives.CheckRto(measured, restoreSucceeded: true, new BackupPolicy(Rto: timings.Rto));
                    evidence["healthyAt"] = Time(healthy);
                    evidence["measured"] = Format(measured);
                    evidence["measuredSeconds"] = measured.TotalSeconds.ToString("0.###", CultureInfo.InvariantCulture);
                    evidence["rtoCheck"] = rto.Reason;
                    outcome = rto.Compliant ? "passed" : "rto-breach";
                    if (!rto.Compliant)
                    {
                        observations.Add(new Observation(RestoreTestKinds.RtoBreach, slot!, FindingSeverity.High,
                            $"The restore test of {app.Name}: {rto.Reason}", Copy(evidence)));
                    }
                }
            }
        }
        catch (Exception ex)
        {
            // The test could not be carried out (ARM kept failing, say): it says nothing about the backup, so no finding
            // here; the slot is still reset, the attempt audited, and the failure goes up to the job.
            outcome = "error";
            evidence["error"] = ex is TaskFailedException failed ? $"{failed.TaskName}: {failed.FailureDetails.ErrorType}" : ex.GetType().Name;
            await CleanUpAsync(context, target, evidence, observations, retries);
            await RecordAsync(context, request, outcome, $"The restore test of {app.Name} could not be carried out ({evidence["error"]}).", evidence, null, retries);
            throw;
        }

        await CleanUpAsync(context, target, evidence, observations, retries);
        // Only a test that passed is a DR exercise: an RTO breach or a slot left running is a finding, not a drill done.
        var exercise = healthyAt is { } performedAt && observations.Count == 0
            ? new DrExercise(DrActivity.RestoreTest, app.Name, At(performedAt), EngineActor, null, EngineActor, At(context.CurrentUtcDateTime))
            : null;
        var reason = observations.Count == 0
            ? $"The restore test of {app.Name} passed: backup {backupId} restored into slot '{slot}' and healthy after {evidence["measured"]} (RTO {Format(timings.Rto)})."
            : observations[0].Summary;
        await RecordAsync(context, request, outcome, reason, evidence, exercise, retries);
        return observations;
    }

    /// <summary>Why <paramref name="slot"/> cannot be the app's DR slot, or null when it can: production, the staging slot and no name are refused.</summary>
    internal static string? RefusalOf(ManagedApp app, string? slot)
    {
        if (string.IsNullOrWhiteSpace(slot))
        {
            return $"No restore test of {app.Name}: it has no DR slot configured, and the test never restores into production.";
        }
        if (string.Equals(slot, SiteId.ProductionSlotName, StringComparison.OrdinalIgnoreCase)
            || string.Equals(slot, SiteId.TryParse(app.ResourceId, out var site) ? site.SiteName : null, StringComparison.OrdinalIgnoreCase))
        {
            return $"No restore test of {app.Name}: its DR slot '{slot}' is the production slot, and the test never restores into production.";
        }
        if (string.Equals(slot, app.StagingSlot, StringComparison.OrdinalIgnoreCase))
        {
            return $"No restore test of {app.Name}: its DR slot '{slot}' is the staging slot releases deploy to; give it a dedicated slot.";
        }
        if (slot.Contains('/') || slot.Trim() != slot)
        {
            return $"No restore test of {app.Name}: '{slot}' is not a slot name.";
        }
        return null;
    }

    /// <summary>Whether <paramref name="slot"/> could be a DR slot of some app: not production, a single name.</summary>
    internal static bool IsDedicatedSlotName(string slot) =>
        !string.Equals(slot, SiteId.ProductionSlotName, StringComparison.OrdinalIgnoreCase) && !slot.Contains('/') && slot.Trim() == slot;

    private sealed record RestoreResult(bool Succeeded, string Outcome, DateTime? FinishedAt);

    private sealed record HealthResult(DateTime? HealthyAt, int Probes, IReadOnlyList<string> Results);

    /// <summary>Starts the restore and polls it (durable timers, every poll interval) until it ends or the operation timeout passes.</summary>
    private static async Task<RestoreResult> RestoreAsync(TaskOrchestrationContext context, RestoreStart start, RestoreTestTimings timings, TaskOptions retries)
    {
        var deadline = context.CurrentUtcDateTime + timings.OperationTimeout;
        var operation = await context.CallActivityAsync<SlotOperation>(RestoreTestActivityNames.StartRestore, start, retries);
        while (true)
        {
            switch (operation.State)
            {
                case SlotOperationState.Succeeded:
                    return new RestoreResult(true, "succeeded", context.CurrentUtcDateTime);
                case SlotOperationState.Failed:
                    return new RestoreResult(false, $"failed ({operation.Detail})", context.CurrentUtcDateTime);
            }
            if (context.CurrentUtcDateTime >= deadline)
            {
                return new RestoreResult(false, $"did not finish within the operation timeout of {Format(timings.OperationTimeout)}", null);
            }
            var next = context.CurrentUtcDateTime + timings.PollInterval;
            await context.CreateTimer(next < deadline ? next : deadline, CancellationToken.None);
            operation = await context.CallActivityAsync<SlotOperation>(RestoreTestActivityNames.PollRestore,
                new OperationRequest(start.App, operation.OperationUrl ?? throw new InvalidOperationException("A running restore reported no operation URL.")), retries);
        }
    }

    /// <summary>Starts the DR slot and probes its health check every probe interval until healthy or the health timeout passes.</summary>
    private static async Task<HealthResult> ProbeUntilHealthyAsync(TaskOrchestrationContext context, DrSlotRequest target, string path, RestoreTestTimings timings, TaskOptions retries)
    {
        var deadline = context.CurrentUtcDateTime + timings.HealthTimeout;
        var host = await context.CallActivityAsync<string>(RestoreTestActivityNames.StartSlot, target, retries);
        var results = new List<string>();
        var probes = 0;
        while (true)
        {
            var probe = await context.CallActivityAsync<HealthProbe>(RestoreTestActivityNames.Probe, new ProbeRequest(host, path), retries);
            probes++;
            var result = $"{Time(context.CurrentUtcDateTime)} {(probe.Healthy ? "healthy" : "unhealthy")} ({probe.Detail})";
            if (results.Count >= ProbesKept)
            {
                // The first probes and the latest ones tell the story; the middle is dropped.
                results.RemoveAt(ProbesKept / 2);
            }
            results.Add(result);
            if (probe.Healthy)
            {
                return new HealthResult(context.CurrentUtcDateTime, probes, results);
            }
            if (context.CurrentUtcDateTime >= deadline)
            {
                return new HealthResult(null, probes, results);
            }
            var next = context.CurrentUtcDateTime + timings.ProbeInterval;
            await context.CreateTimer(next < deadline ? next : deadline, CancellationToken.None);
        }
    }

    /// <summary>Resets the DR slot; when that keeps failing, the test says so in a finding rather than leave it unsaid.</summary>
    private static async Task CleanUpAsync(TaskOrchestrationContext context, DrSlotRequest target, Dictionary<string, string> evidence, List<Observation> observations, TaskOptions retries)
    {
        context.SetCustomStatus(new RestoreTestProgress("cleaning-up", target.Slot, null, null));
        try
        {
            await context.CallActivityAsync<bool>(RestoreTestActivityNames.CleanUp, target, retries);
            evidence["cleanup"] = $"slot '{target.Slot}' stopped at {Time(context.CurrentUtcDateTime)}";
        }
        catch (TaskFailedException ex)
        {
            evidence["cleanup"] = $"failed: {ex.FailureDetails.ErrorType}";
            observations.Add(new Observation(RestoreTestKinds.CleanupFailed, target.Slot, FindingSeverity.High,
                $"The restore test of {target.App.Name} could not stop slot '{target.Slot}' afterwards: it may still run production's restored content and settings. Stop it by hand.",
                Copy(evidence)));
        }
    }

    private static Task<int> RecordAsync(
        TaskOrchestrationContext context, RestoreTestRequest request, string outcome, string reason, Dictionary<string, string> evidence, DrExercise? exercise, TaskOptions retries)
    {
        context.SetCustomStatus(new RestoreTestProgress("recording", evidence.GetValueOrDefault("drSlot") ?? "", null, null));
        var details = Copy(evidence);
        details["outcome"] = outcome;
        var record = new AuditRecord(At(context.CurrentUtcDateTime), EngineActor, "compliance.restore-test", request.App.Name, null, reason, request.RunId, details);
        return context.CallActivityAsync<int>(RestoreTestActivityNames.Record, new RestoreTestEvidence(context.NewGuid().ToString("N"), record, exercise), retries);
    }

    /// <summary>Transient faults only (ARM 429/5xx, the network), a few times; anything else fails the step at once.</summary>
    private static TaskOptions Retries(RestoreTestTimings timings)
    {
        var first = timings.PollInterval < TimeSpan.FromSeconds(5) ? timings.PollInterval : TimeSpan.FromSeconds(5);
        return TaskOptions.FromRetryPolicy(new RetryPolicy(4, first > TimeSpan.Zero ? first : TimeSpan.FromSeconds(1), backoffCoefficient: 2, maxRetryInterval: TimeSpan.FromMinutes(1))
        {
            HandleFailure = OrchestrationSteps.IsTransient,
        });
    }

    private const string EngineActor = "blueshift";

    private static Dictionary<string, string> Copy(Dictionary<string, string> evidence) => new(evidence, StringComparer.Ordinal);

    private static DateTimeOffset At(DateTime utc) => OrchestrationSteps.At(utc);

    private static string Time(DateTime utc) => At(utc).ToString("O", CultureInfo.InvariantCulture);

    private static string Time(DateTimeOffset? at) => at?.ToUniversalTime().ToString("O", CultureInfo.InvariantCulture) ?? "";

    private static string Invariant(long value) => value.ToString(CultureInfo.InvariantCulture);

    private static string Format(TimeSpan span) => span.TotalSeconds < 120
        ? span.TotalSeconds.ToString("0.#", CultureInfo.InvariantCulture) + " s"
        : span.TotalMinutes < 120 ? span.TotalMinutes.ToString("0.#", CultureInfo.InvariantCulture) + " min" : span.TotalHours.ToString("0.##", CultureInfo.InvariantCulture) + " h";
}
