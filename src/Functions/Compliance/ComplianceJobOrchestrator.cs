using Microsoft.DurableTask;

namespace Blueshift.Functions.Compliance;

/// <summary>
/// One run of one compliance job over every managed app: a batch of apps at a time, checked in parallel (one slow app holds
/// only its batch), then ContinueAsNew with the cursor and the tallies so far, so the history stays the size of one batch
/// and a crash resumes at the batch it was in. The orchestrator only sequences; the activities do the work.
/// </summary>
public static class ComplianceJobOrchestrator
{
    public const string Name = "RunComplianceJob";

    private static readonly TaskOptions Retries = TaskOptions.FromRetryPolicy(new RetryPolicy(3, TimeSpan.FromSeconds(2), backoffCoefficient: 2, maxRetryInterval: TimeSpan.FromSeconds(30)));

    public static async Task<ComplianceTallies> RunComplianceJob(TaskOrchestrationContext context, ComplianceJobInput input)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(input);
        var tallies = input.Tallies ?? new ComplianceTallies();
        if (input.IsFirstBatch)
        {
            var start = await context.CallActivityAsync<ComplianceRunStart>(ComplianceActivityNames.BeginRun, new ComplianceRunStep(input.Job, input.RunId, input.StartedAt), Retries);
            if (start.Error is { } error)
            {
                await context.CallActivityAsync<bool>(ComplianceActivityNames.FinishRun,
                    new ComplianceRunStep(input.Job, input.RunId, input.StartedAt, ComplianceRunStatus.Failed, tallies, error), Retries);
                throw new InvalidOperationException(error);
            }
        }

        List<Apps.ManagedApp> batch;
        try
        {
            batch = await context.CallActivityAsync<List<Apps.ManagedApp>>(ComplianceActivityNames.ListApps, new ComplianceAppsQuery(input.Cursor, input.BatchSize), Retries);
        }
        catch (TaskFailedException ex)
        {
            // The registry cannot be read even after the retries: the run ends failed, and says so in the job's status.
            var error = $"The managed apps could not be listed ({ex.FailureDetails.ErrorType}); {tallies.Apps} apps were checked before.";
            await context.CallActivityAsync<bool>(ComplianceActivityNames.FinishRun,
                new ComplianceRunStep(input.Job, input.RunId, input.StartedAt, ComplianceRunStatus.Failed, tallies, error), Retries);
            throw;
        }
        var results = await Task.WhenAll(batch.Select(app => CheckAsync(context, input, app)));
        foreach (var result in results)
        {
            tallies = tallies.Add(result);
        }
        context.SetCustomStatus(tallies);

        if (batch.Count == input.BatchSize)
        {
            context.ContinueAsNew(input with { Cursor = batch[^1].Name, Tallies = tallies });
            return tallies;
        }
        await context.CallActivityAsync<bool>(ComplianceActivityNames.FinishRun,
            new ComplianceRunStep(input.Job, input.RunId, input.StartedAt, ComplianceRunStatus.Succeeded, tallies), Retries);
        return tallies;
    }

    /// <summary>The instance id of one app's restore test in a run: a sub-orchestration of the job's instance.</summary>
    internal static string RestoreTestInstanceId(string jobInstanceId, string runId, string app) => $"{jobInstanceId}-{runId}-{app}";

    private static async Task<AppComplianceResult> CheckAsync(TaskOrchestrationContext context, ComplianceJobInput input, Apps.ManagedApp app)
    {
        if (input.Job != ComplianceJob.RestoreTest)
        {
            // The activity reports a failed check as its result; only a failure of the activity itself (storage down) lands here.
            try
            {
                return await context.CallActivityAsync<AppComplianceResult>(ComplianceActivityNames.CheckApp, new AppComplianceRequest(input.Job, app, input.RunId, input.StartedAt), Retries);
            }
            catch (TaskFailedException ex)
            {
                return new AppComplianceResult(app.Name, AppComplianceOutcome.Failed, Detail: $"The check of {app.Name} failed: {ex.FailureDetails.ErrorType}.");
            }
        }

        try
        {
            // An app that does not require backups is not tested, and holds nothing against it: recording no observations
            // resolves what earlier tests found (as the backup checks do for such an app).
            var observations = app.Compliance?.BackupsRequired == false
                ? []
                : await context.CallSubOrchestratorAsync<List<Observation>>(
                    ComplianceOrchestrationNames.RestoreTest, new RestoreTestRequest(app, input.RunId, input.Timings),
                    new SubOrchestrationOptions { InstanceId = RestoreTestInstanceId(context.InstanceId, input.RunId, app.Name) });
            return await context.CallActivityAsync<AppComplianceResult>(ComplianceActivityNames.RecordFindings,
                new ComplianceRecordRequest(input.Job, app, input.RunId, input.StartedAt, observations ?? []), Retries);
        }
        catch (TaskFailedException ex)
        {
            return new AppComplianceResult(app.Name, AppComplianceOutcome.Failed, Detail: $"The restore test of {app.Name} failed: {ex.FailureDetails.ErrorType}.");
        }
    }
}
