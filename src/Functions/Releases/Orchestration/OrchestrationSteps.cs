using Blueshift.Domain.Releases;
using Blueshift.Functions.Audit;
using Blueshift.Functions.Traffic;
using Microsoft.DurableTask;

namespace Blueshift.Functions.Releases.Orchestration;

/// <summary>Steps both release orchestrations take: the retry policy for transient faults, the exactly-once swap, identified audit batches.</summary>
internal static class OrchestrationSteps
{
    /// <summary>
    /// Retries only faults that say nothing about the release (<see cref="TransientActivityException"/>: ARM throttling,
    /// timeouts or 5xx, the network); a refusal (4xx), invalid data or a bug fails at once, after one attempt.
    /// </summary>
    public static TaskOptions Retries(ReleaseRunSettings settings) => TaskOptions.FromRetryPolicy(
        new RetryPolicy(settings.MaxActivityAttempts, settings.RetryInterval, backoffCoefficient: 2, maxRetryInterval: settings.MaxRetryInterval)
        {
            HandleFailure = IsTransient,
        });

    /// <summary>Whether a failed activity failed transiently (the retry policy's handler).</summary>
    public static bool IsTransient(TaskFailureDetails failure) =>
        failure.ErrorType == typeof(TransientActivityException).FullName || failure.IsCausedBy<TransientActivityException>();

    public static DateTimeOffset At(DateTime utc) => new(DateTime.SpecifyKind(utc, DateTimeKind.Utc));

    /// <summary>
    /// Audit records for the RecordAudit activity, named by the orchestration (<see cref="TaskOrchestrationContext.NewGuid"/>:
    /// the same on every replay of the episode). Activities run at least once; the trail keeps the records of a re-run once
    /// because each is identified by its place in the batch and its content (<see cref="AuditActivities.Identified"/>).
    /// </summary>
    public static AuditBatch Audit(TaskOrchestrationContext context, IReadOnlyList<AuditRecord> records) =>
        new(context.NewGuid().ToString("N"), records);

    /// <summary>
    /// Puts production where <paramref name="request"/> says, exactly once, deciding every move with
    /// <see cref="SwapPlanner"/> on production's marker read just before. Each request is recorded (through
    /// <paramref name="record"/>) before it is made, and made once: the swap activity runs without automatic retries,
    /// because a request whose answer was lost may have swapped, and a second swap swaps back. A failed or unknown outcome
    /// is settled by reading the marker after the settle time. The caller's deadline bounds it all; an activity that keeps
    /// failing ends it too, with the progress as recorded so that a rollback can settle what is in flight.
    /// </summary>
    public static async Task<SwapOutcome> DriveSwapAsync(
        TaskOrchestrationContext context, SwapRequest request, SwapProgress progress, ReleaseRunSettings settings, DateTime deadline,
        Func<SwapProgress, Task> record)
    {
        var retries = Retries(settings);
        var requested = 0;
        while (true)
        {
            bool holds;
            try
            {
                holds = await context.CallActivityAsync<bool>(ReleaseActivityNames.ProductionHolds, request, retries);
            }
            catch (TaskFailedException ex)
            {
                return new SwapOutcome(false, progress, requested, $"The release marker could not be read ({ex.FailureDetails.ErrorType}).");
            }
            var now = At(context.CurrentUtcDateTime);
            switch (SwapPlanner.Decide(progress, holds, now, settings.SwapSettleTime, settings.MaxSwapAttempts))
            {
                case SwapAction.Done:
                    return new SwapOutcome(true, progress, requested, $"Production holds what the swap should put there after {progress.Attempts} request(s).");
                case SwapAction.GiveUp:
                    return new SwapOutcome(false, progress, requested, $"The swap did not take effect after {progress.Attempts} attempts.");
                case SwapAction.Request:
                    // Recorded before it is requested: whatever becomes of the request, the history says it may have swapped.
                    progress = progress with { RequestedAt = now, OperationUrl = null, OperationEndedAt = null, OperationFailed = false, Attempts = progress.Attempts + 1 };
                    await record(progress);
                    try
                    {
                        var started = await context.CallActivityAsync<SwapStarted>(ReleaseActivityNames.RequestSwap, request);
                        if (started.AlreadyDone)
                        {
                            continue;
                        }
                        requested++;
                        progress = Progressed(progress, started.Operation!, now);
                    }
                    catch (TaskFailedException)
                    {
                        // Unknown outcome: requested, no operation recorded. The planner waits the settle time, then the marker decides.
                    }
                    break;
                case SwapAction.Poll:
                    SlotOperation status;
                    try
                    {
                        status = await context.CallActivityAsync<SlotOperation>(ReleaseActivityNames.PollOperation,
                            new OperationRequest(request.App, progress.OperationUrl!), retries);
                    }
                    catch (TaskFailedException ex)
                    {
                        return new SwapOutcome(false, progress, requested,
                            $"The swap's operation could not be read ({ex.FailureDetails.ErrorType}); it may still take effect.");
                    }
                    progress = Progressed(progress, status, now);
                    if (progress.OperationEndedAt is not null)
                    {
                        // Read the marker at once: the operation's end is news.
                        continue;
                    }
                    break;
            }
            if (context.CurrentUtcDateTime >= deadline)
            {
                return new SwapOutcome(false, progress, requested, $"The swap did not finish by {deadline:u}.");
            }
            var next = context.CurrentUtcDateTime + settings.PollInterval;
            await context.CreateTimer(next < deadline ? next : deadline, CancellationToken.None);
        }
    }

    internal static SwapProgress Progressed(SwapProgress progress, SlotOperation operation, DateTimeOffset now) => operation.State switch
    {
        SlotOperationState.Running => progress with { OperationUrl = operation.OperationUrl ?? progress.OperationUrl },
        _ => progress with { OperationEndedAt = now, OperationFailed = operation.State == SlotOperationState.Failed },
    };
}
