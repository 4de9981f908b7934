using DurableTask.Core;
using DurableTask.Core.Query;

namespace Blueshift.LocalFunctionsHost.Durable;

/// <summary>
/// The task hub client the sidecar starts instances through, with host.json's
/// <c>extensions.durableTask.overridableExistingInstanceStates</c> applied as the Functions host applies it: with
/// <c>NonRunningStates</c>, a start whose instance id names one that is pending or running fails (the sidecar answers
/// AlreadyExists) instead of overwriting it. A start that names its own dedupe statuses keeps them. Everything else is
/// the provider's own.
/// </summary>
internal sealed class DedupingOrchestrationServiceClient<TInner>(TInner inner, OrchestrationStatus[] statusesNotToOverride)
    : IOrchestrationServiceClient, IOrchestrationServicePurgeClient, IOrchestrationServiceQueryClient
    where TInner : IOrchestrationServiceClient, IOrchestrationServicePurgeClient, IOrchestrationServiceQueryClient
{
    /// <summary>What the Functions host keeps for <c>NonRunningStates</c>: an instance in one of these is not overwritten.</summary>
    public static readonly OrchestrationStatus[] NonRunningStates =
        [OrchestrationStatus.Running, OrchestrationStatus.Pending, OrchestrationStatus.ContinuedAsNew];

    public Task CreateTaskOrchestrationAsync(TaskMessage creationMessage) =>
        inner.CreateTaskOrchestrationAsync(creationMessage, statusesNotToOverride);

    public Task CreateTaskOrchestrationAsync(TaskMessage creationMessage, OrchestrationStatus[] dedupeStatuses) =>
        inner.CreateTaskOrchestrationAsync(creationMessage, dedupeStatuses is { Length: > 0 } ? dedupeStatuses : statusesNotToOverride);

    public Task SendTaskOrchestrationMessageAsync(TaskMessage message) => inner.SendTaskOrchestrationMessageAsync(message);

    public Task SendTaskOrchestrationMessageBatchAsync(params TaskMessage[] messages) => inner.SendTaskOrchestrationMessageBatchAsync(messages);

    public Task<OrchestrationState> WaitForOrchestrationAsync(string instanceId, string executionId, TimeSpan timeout, CancellationToken cancellationToken) =>
        inner.WaitForOrchestrationAsync(instanceId, executionId, timeout, cancellationToken);

    public Task ForceTerminateTaskOrchestrationAsync(string instanceId, string reason) => inner.ForceTerminateTaskOrchestrationAsync(instanceId, reason);

    public Task<IList<OrchestrationState>> GetOrchestrationStateAsync(string instanceId, bool allExecutions) =>
        inner.GetOrchestrationStateAsync(instanceId, allExecutions);

    public Task<OrchestrationState> GetOrchestrationStateAsync(string instanceId, string executionId) =>
        inner.GetOrchestrationStateAsync(instanceId, executionId);

    public Task<string> GetOrchestrationHistoryAsync(string instanceId, string executionId) => inner.GetOrchestrationHistoryAsync(instanceId, executionId);

    public Task PurgeOrchestrationHistoryAsync(DateTime thresholdDateTimeUtc, OrchestrationStateTimeRangeFilterType timeRangeFilterType) =>
        inner.PurgeOrchestrationHistoryAsync(thresholdDateTimeUtc, timeRangeFilterType);

    public Task<PurgeResult> PurgeInstanceStateAsync(string instanceId) => inner.PurgeInstanceStateAsync(instanceId);

    public Task<PurgeResult> PurgeInstanceStateAsync(PurgeInstanceFilter purgeInstanceFilter) => inner.PurgeInstanceStateAsync(purgeInstanceFilter);

    public Task<OrchestrationQueryResult> GetOrchestrationWithQueryAsync(OrchestrationQuery query, CancellationToken cancellationToken) =>
        inner.GetOrchestrationWithQueryAsync(query, cancellationToken);
}
