using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.Options;

namespace Blueshift.Functions.Compliance;

/// <summary>How a start request ended: a new run, or the one already going (timer: skipped; API: 409).</summary>
public sealed record ComplianceJobStart(bool Started, string InstanceId, string? RunId);

/// <summary>
/// Starts compliance job runs: one at a time per job, under the job's own instance id (<c>compliance-backup-rpo</c>), so a
/// start while a run is pending or running finds it and starts nothing. Two starts racing past that read are settled by
/// the task hub: host.json's <c>overridableExistingInstanceStates</c> is <c>NonRunningStates</c>, so the second schedule
/// of the id fails while the first run is pending or running (answered here as the run already going).
/// </summary>
public sealed class ComplianceJobRuns(TimeProvider time, IOptions<ComplianceOptions> options, IOptions<RestoreTestOptions> restoreTest, ILogger<ComplianceJobRuns> logger)
{
    public static string InstanceId(ComplianceJob job) => "compliance-" + ComplianceJobs.Name(job);

    public static bool IsGoing(OrchestrationRuntimeStatus status) =>
#pragma warning disable CS0618 // ContinuedAsNew is obsolete, but a backend may still report it between two batches.
        status is OrchestrationRuntimeStatus.Running or OrchestrationRuntimeStatus.Pending or OrchestrationRuntimeStatus.Suspended or OrchestrationRuntimeStatus.ContinuedAsNew;
#pragma warning restore CS0618

    public async Task<ComplianceJobStart> StartAsync(DurableTaskClient client, ComplianceJob job, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(client);
        var name = ComplianceJobs.Name(job);
        var instanceId = InstanceId(job);
        var existing = await client.GetInstanceAsync(instanceId, getInputsAndOutputs: true, cancellationToken);
        if (existing is not null)
        {
            if (IsGoing(existing.RuntimeStatus))
            {
                Log.RunAlreadyGoing(logger, name, instanceId, existing.RuntimeStatus.ToString());
                return new ComplianceJobStart(false, instanceId, RunIdOf(existing));
            }
            // The last run ended; its result is in the runs table, so its history can go and the id can be used again,
            // with its sub-orchestrations (the restore tests, compliance-restore-test-{runId}-{app}).
            await client.PurgeInstanceAsync(instanceId, new PurgeInstanceOptions { Recursive = true }, cancellationToken);
            if (RunIdOf(existing) is { } lastRun)
            {
                await PurgeSubOrchestrationsAsync(client, ComplianceJobOrchestrator.RestoreTestInstanceId(instanceId, lastRun, ""), cancellationToken);
            }
        }

        var now = time.GetUtcNow();
        var runId = $"{name}-{now.UtcDateTime:yyyyMMdd'T'HHmmssfff}Z";
        var input = new ComplianceJobInput(job, runId, now, restoreTest.Value.ToTimings(), options.Value.BatchSize);
        try
        {
            await client.ScheduleNewOrchestrationInstanceAsync(ComplianceJobOrchestrator.Name, input, new StartOrchestrationOptions(instanceId), cancellationToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // Another start won the race for the id: that run is the one going.
            if (await client.GetInstanceAsync(instanceId, getInputsAndOutputs: true, cancellationToken) is { } raced && IsGoing(raced.RuntimeStatus))
            {
                Log.RunAlreadyGoing(logger, name, instanceId, raced.RuntimeStatus.ToString());
                return new ComplianceJobStart(false, instanceId, RunIdOf(raced));
            }
            throw;
        }
        Log.RunScheduled(logger, name, runId);
        return new ComplianceJobStart(true, instanceId, runId);
    }

    /// <summary>
    /// Purges what a recursive purge left of a run's sub-orchestrations (the local host's task hub purges one instance
    /// only): those whose id starts with <paramref name="prefix"/> and that ended.
    /// </summary>
    private static async Task PurgeSubOrchestrationsAsync(DurableTaskClient client, string prefix, CancellationToken cancellationToken)
    {
        var ended = new List<string>();
        await foreach (var child in client.GetAllInstancesAsync(new OrchestrationQuery { InstanceIdPrefix = prefix }).WithCancellation(cancellationToken))
        {
            if (!IsGoing(child.RuntimeStatus))
            {
                ended.Add(child.InstanceId);
            }
        }
        foreach (var id in ended)
        {
            await client.PurgeInstanceAsync(id, cancellation: cancellationToken);
        }
    }

    private static string? RunIdOf(OrchestrationMetadata instance)
    {
        try
        {
            return instance.ReadInputAs<ComplianceJobInput>()?.RunId;
        }
        catch (System.Text.Json.JsonException)
        {
            return null;
        }
    }
}
