using Blueshift.Domain.Releases;
using Blueshift.Functions.Traffic;
using Microsoft.DurableTask;

namespace Blueshift.Functions.Releases.Orchestration;

/// <summary>Steps both release orchestrations take: retried activity calls and the exactly-once swap.</summary>
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
    /// Puts production where <paramref name="request"/> says, exactly once, deciding every move with
    /// <see cref="SwapPlanner"/> on production's marker read just before: a request whose outcome is unknown is given
    /// the settle time to show in the marker before it is requested again. The caller's deadline bounds it all.
    /// </summary>
    /// <returns>Whether production is there, and how many swaps this call requested.</returns>
    public static async Task<(bool Done, int Requested, string Detail)> DriveSwapAsync(
        TaskOrchestrationContext context, SwapRequest request, ReleaseRunSettings settings, DateTime deadline)
    {
        var retries = Retries(settings);
        var progress = new SwapProgress(request.Direction);
        var requested = 0;
        while (true)
        {
            var holds = await context.CallActivityAsync<bool>(ReleaseActivityNames.ProductionHolds, request, retries);
            var now = At(context.CurrentUtcDateTime);
            var action = SwapPlanner.Decide(progress, holds, now, settings.SwapSettleTime, settings.MaxSwapAttempts);
            switch (action)
            {
                case SwapAction.Done:
                    return (true, requested, $"Production holds what the swap should put there after {progress.Attempts} request(s).");
                case SwapAction.GiveUp:
                    return (false, requested, $"The swap did not take effect after {progress.Attempts} attempts.");
                case SwapAction.Request:
                    var started = await context.CallActivityAsync<SwapStarted>(ReleaseActivityNames.RequestSwap, request, retries);
                    if (started.AlreadyDone)
                    {
                        continue;
                    }
                    requested++;
                    progress = Progressed(progress with { RequestedAt = now, OperationUrl = null, OperationEndedAt = null, OperationFailed = false, Attempts = progress.Attempts + 1 },
                        started.Operation!, now);
                    break;
                case SwapAction.Poll:
                    var status = await context.CallActivityAsync<SlotOperation>(ReleaseActivityNames.PollOperation,
                        new OperationRequest(request.App, progress.OperationUrl!), retries);
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
                return (false, requested, $"The swap did not finish by {deadline:u}.");
            }
            var next = context.CurrentUtcDateTime + settings.PollInterval;
            await context.CreateTimer(next < deadline ? next : deadline, CancellationToken.None);
        }
    }

    private static SwapProgress Progressed(SwapProgress progress, SlotOperation operation, DateTimeOffset now) => operation.State switch
    {
        SlotOperationState.Running => progress with { OperationUrl = operation.OperationUrl ?? progress.OperationUrl },
        _ => progress with { OperationEndedAt = now, OperationFailed = operation.State == SlotOperationState.Failed },
    };
}
