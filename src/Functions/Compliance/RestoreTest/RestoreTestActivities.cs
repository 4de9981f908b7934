using Blueshift.Domain.Analysis;
using Blueshift.Functions.Analysis;
using Blueshift.Functions.Apps;
using Blueshift.Functions.Audit;
using Blueshift.Functions.Azure.AppService;
using Blueshift.Functions.Azure.ResourceManager;
using Blueshift.Functions.Releases.Orchestration;
using Blueshift.Functions.Traffic;

namespace Blueshift.Functions.Compliance.RestoreTest;

/// <summary>
/// The restore test's activities: reads of the app's backups, the restore into the DR slot, its health probes, the reset
/// of the slot and the evidence. Each may run more than once (the task hub delivers at least once): a repeated restore
/// restores the same backup into the same DR slot again, starting and stopping a slot are idempotent, the audit record
/// carries the identity the orchestration fixed. None of them ever writes to the production slot: every write names the
/// DR slot, checked by <see cref="DrSlot"/> first.
/// </summary>
/// <param name="exercises">Where DR exercises are kept: a restore test that passed (no observations) is recorded there as a <c>restore-test</c> exercise.</param>
internal sealed class RestoreTestActivities(WebSitesClient arm, ISlotProbe probe, IAuditTrail audit, IDrExerciseStore exercises)
{
    /// <summary>The newest successful backup of the app (production's backups), by when it finished.</summary>
    public async Task<BackupChoice> FindNewestBackupAsync(ManagedApp app, CancellationToken cancellationToken)
    {
        var backups = await arm.ListBackupsAsync(Production(app), cancellationToken);
        var succeeded = backups.Where(b => b.IsSucceeded).ToList();
        var newest = succeeded.OrderByDescending(b => b.FinishedTimeStamp ?? b.Created ?? DateTimeOffset.MinValue).ThenByDescending(b => b.BackupId).FirstOrDefault();
        return newest is null
            ? new BackupChoice(null, null, null, null, null, backups.Count, 0)
            : new BackupChoice(newest.BackupId, newest.Name, newest.Created, newest.FinishedTimeStamp, newest.SizeInBytes, backups.Count, succeeded.Count);
    }

    /// <summary>Whether the app has the DR slot (a read; 404 is the answer "no", not a failure).</summary>
    public async Task<bool> FindSlotAsync(DrSlotRequest request, CancellationToken cancellationToken)
    {
        try
        {
            await arm.GetSiteAsync(DrSlot(request.App, request.Slot), cancellationToken);
            return true;
        }
        catch (global::Azure.RequestFailedException ex) when (ex.Status == 404)
        {
            return false;
        }
    }

    /// <summary>Starts restoring the backup into the DR slot (ARM's Restore Slot; the container's SAS URL never leaves the client).</summary>
    public async Task<SlotOperation> StartRestoreAsync(RestoreStart start, CancellationToken cancellationToken)
    {
        var slot = DrSlot(start.App, start.Slot);
        return Map(await arm.StartRestoreIntoSlotAsync(slot.Production, start.BackupId, slot.SlotName!, cancellationToken));
    }

    public async Task<SlotOperation> PollRestoreAsync(OperationRequest request, CancellationToken cancellationToken) =>
        Map(await arm.GetOperationStatusAsync(request.OperationUrl, cancellationToken));

    /// <summary>Starts the DR slot (an earlier test's clean-up stopped it) and answers the host its health check is probed on.</summary>
    public async Task<string> StartSlotAsync(DrSlotRequest request, CancellationToken cancellationToken)
    {
        var slot = DrSlot(request.App, request.Slot);
        await arm.StartAsync(slot, cancellationToken);
        var site = await arm.GetSiteAsync(slot, cancellationToken);
        return site.DefaultHostName ?? throw new InvalidOperationException($"{slot} reports no default host name; Blueshift cannot probe it.");
    }

    public async Task<HealthProbe> ProbeAsync(ProbeRequest request, CancellationToken cancellationToken)
    {
        var response = await probe.GetAsync(request.Host, request.Path, cancellationToken);
        return new HealthProbe(response.IsSuccess, response.Describe());
    }

    /// <summary>
    /// Resets the DR slot after the test: stops it, so production's restored content and settings do not run there (no
    /// requests served, no jobs, no connections to production's data) until the next test starts it. Stopping a stopped
    /// slot changes nothing, so it is safe to repeat and to run after any failure.
    /// </summary>
    public async Task<bool> CleanUpAsync(DrSlotRequest request, CancellationToken cancellationToken)
    {
        await arm.StopAsync(DrSlot(request.App, request.Slot), cancellationToken);
        return true;
    }

    /// <summary>
    /// Writes the evidence once (the trail keeps a record per identity) and, when given (the test passed), the DR exercise,
    /// unless the store already holds it or a later one (a re-run of this activity after the first wrote it).
    /// Answers 2 when it wrote the exercise now, else 1.
    /// </summary>
    public async Task<int> RecordAsync(RestoreTestEvidence evidence, CancellationToken cancellationToken)
    {
        await audit.RecordOnceAsync([new IdentifiedAuditRecord(evidence.AuditId, evidence.Record)], cancellationToken);
        if (evidence.Exercise is { App: { } app } exercise)
        {
            var latest = await exercises.LatestAsync(app, cancellationToken);
            if (latest.TryGetValue(exercise.Activity, out var recorded) && recorded >= exercise.PerformedAt)
            {
                return 1;
            }
            await exercises.RecordAsync(exercise, cancellationToken);
            return 2;
        }
        return 1;
    }

    /// <summary>The DR slot's id; throws when the name is production's, the staging slot's or empty (the orchestration refuses those before).</summary>
    internal static SiteId DrSlot(ManagedApp app, string slot)
    {
        if (RestoreTestOrchestrator.RefusalOf(app, slot) is { } refusal)
        {
            throw new InvalidOperationException(refusal);
        }
        return Production(app).WithSlot(slot);
    }

    private static SiteId Production(ManagedApp app) => SiteId.Parse(app.ResourceId).Production;

    private static SlotOperation Map(ArmOperation operation) => operation.Status switch
    {
        ArmOperationStatus.InProgress => new SlotOperation(SlotOperationState.Running, operation.OperationUrl),
        ArmOperationStatus.Succeeded => new SlotOperation(SlotOperationState.Succeeded, null),
        _ => new SlotOperation(SlotOperationState.Failed, null, operation.Error is { } error ? Truncate($"{error.Code}: {error.Message}") : "the operation failed"),
    };

    private static string Truncate(string text) => text.Length <= 300 ? text : text[..300] + "…";
}
