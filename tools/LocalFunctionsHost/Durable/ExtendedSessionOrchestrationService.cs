using System.Collections.Concurrent;
using System.Threading.Channels;
using DurableTask.Core;

namespace Blueshift.LocalFunctionsHost.Durable;

/// <summary>
/// Extended sessions for the gRPC sidecar's dispatcher, which hands every orchestration work item back at the end of its
/// episode and never asks the work item's <see cref="IOrchestrationSession"/> for more. With
/// <c>ExtendedSessionsEnabled</c>, DTFx's Azure Storage provider keeps an instance's session (its history in memory,
/// its ETags) until the session is released; this keeps it, as DTFx's own dispatcher does: when an episode of a
/// still-running orchestration ends, it waits on the session for the instance's next messages (up to the provider's
/// idle timeout) and hands the work item to the dispatcher's next fetch with the history as past events, instead of
/// releasing the session and having the next message read the whole history back from the history table.
/// Every episode is still checkpointed (history rows, instance row, queue messages) before its session waits, so a
/// crash loses nothing a released session would have kept; an ETag conflict or a failed episode ends the session.
/// </summary>
internal sealed class ExtendedSessionOrchestrationService(IOrchestrationService inner) : IOrchestrationService
{
    private readonly Channel<TaskOrchestrationWorkItem> _ready = Channel.CreateUnbounded<TaskOrchestrationWorkItem>();
    private readonly ConcurrentDictionary<TaskOrchestrationWorkItem, bool> _abandoned = new(ReferenceEqualityComparer.Instance);
    private readonly ConcurrentDictionary<Task, bool> _waiting = new();
    private Task<TaskOrchestrationWorkItem>? _fetch;
    private volatile bool _stopping;

    public int TaskOrchestrationDispatcherCount => inner.TaskOrchestrationDispatcherCount;

    public int MaxConcurrentTaskOrchestrationWorkItems => inner.MaxConcurrentTaskOrchestrationWorkItems;

    public BehaviorOnContinueAsNew EventBehaviourForContinueAsNew => inner.EventBehaviourForContinueAsNew;

    public int TaskActivityDispatcherCount => inner.TaskActivityDispatcherCount;

    public int MaxConcurrentTaskActivityWorkItems => inner.MaxConcurrentTaskActivityWorkItems;

    /// <summary>Sessions waiting for their instance's next messages, for tests.</summary>
    internal int WaitingSessions => _waiting.Count;

    public Task StartAsync()
    {
        _stopping = false;
        return inner.StartAsync();
    }

    public Task StopAsync() => StopAsync(isForced: false);

    public async Task StopAsync(bool isForced)
    {
        _stopping = true;
        // Stopping the provider ends every session's wait (its shutdown token); each then releases its session.
        await inner.StopAsync(isForced);
        await Task.WhenAll(_waiting.Keys);
        while (_ready.Reader.TryRead(out var workItem))
        {
            await inner.ReleaseTaskOrchestrationWorkItemAsync(workItem);
        }
    }

    public Task CreateAsync() => inner.CreateAsync();

    public Task CreateAsync(bool recreateInstanceStore) => inner.CreateAsync(recreateInstanceStore);

    public Task CreateIfNotExistsAsync() => inner.CreateIfNotExistsAsync();

    public Task DeleteAsync() => inner.DeleteAsync();

    public Task DeleteAsync(bool deleteInstanceStore) => inner.DeleteAsync(deleteInstanceStore);

    public bool IsMaxMessageCountExceeded(int currentMessageCount, OrchestrationRuntimeState runtimeState) =>
        inner.IsMaxMessageCountExceeded(currentMessageCount, runtimeState);

    public int GetDelayInSecondsAfterOnProcessException(Exception exception) => inner.GetDelayInSecondsAfterOnProcessException(exception);

    public int GetDelayInSecondsAfterOnFetchException(Exception exception) => inner.GetDelayInSecondsAfterOnFetchException(exception);

    /// <summary>
    /// The next episode: of a session that has new messages, or of an instance the provider locks. The sidecar fetches
    /// from one loop, so at most one provider fetch is outstanding; when a session wins the race, that fetch stays
    /// pending for the next call and its work item is not lost.
    /// </summary>
    public async Task<TaskOrchestrationWorkItem> LockNextTaskOrchestrationWorkItemAsync(TimeSpan receiveTimeout, CancellationToken cancellationToken)
    {
        if (_ready.Reader.TryRead(out var resumed))
        {
            return resumed;
        }
        var fetch = _fetch ??= inner.LockNextTaskOrchestrationWorkItemAsync(receiveTimeout, cancellationToken);
        using var waitCancel = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var sessionReady = _ready.Reader.WaitToReadAsync(waitCancel.Token).AsTask();
        await Task.WhenAny(fetch, sessionReady);
        if (fetch.IsCompleted)
        {
            _fetch = null;
            await waitCancel.CancelAsync();
            return await fetch;
        }
        await sessionReady; // throws when cancelled
        return _ready.Reader.TryRead(out resumed) ? resumed : null!;
    }

    public Task RenewTaskOrchestrationWorkItemLockAsync(TaskOrchestrationWorkItem workItem) => inner.RenewTaskOrchestrationWorkItemLockAsync(workItem);

    public Task CompleteTaskOrchestrationWorkItemAsync(TaskOrchestrationWorkItem workItem, OrchestrationRuntimeState newOrchestrationRuntimeState,
        IList<TaskMessage> outboundMessages, IList<TaskMessage> orchestratorMessages, IList<TaskMessage> timerMessages, TaskMessage continuedAsNewMessage,
        OrchestrationState orchestrationState) =>
        inner.CompleteTaskOrchestrationWorkItemAsync(workItem, newOrchestrationRuntimeState, outboundMessages, orchestratorMessages, timerMessages,
            continuedAsNewMessage, orchestrationState);

    public Task AbandonTaskOrchestrationWorkItemAsync(TaskOrchestrationWorkItem workItem)
    {
        _abandoned[workItem] = true;
        return inner.AbandonTaskOrchestrationWorkItemAsync(workItem);
    }

    /// <summary>
    /// Called by the sidecar after every episode. A running orchestration whose episode was checkpointed keeps its
    /// session and waits for its next messages; anything else (no session, abandoned, finished, stopping) is released.
    /// </summary>
    public Task ReleaseTaskOrchestrationWorkItemAsync(TaskOrchestrationWorkItem workItem)
    {
        var abandoned = _abandoned.TryRemove(workItem, out _);
        if (abandoned || _stopping || workItem.Session is null || !IsRunning(workItem.OrchestrationRuntimeState))
        {
            return inner.ReleaseTaskOrchestrationWorkItemAsync(workItem);
        }
        var wait = WaitForNextMessagesAsync(workItem);
        _waiting[wait] = true;
        _ = wait.ContinueWith(t => _waiting.TryRemove(t, out _), TaskScheduler.Default);
        return Task.CompletedTask;
    }

    private async Task WaitForNextMessagesAsync(TaskOrchestrationWorkItem workItem)
    {
        IList<TaskMessage>? messages;
        try
        {
            // Null after the provider's idle timeout (ExtendedSessionIdleTimeout) or when it stops.
            messages = await workItem.Session.FetchNewOrchestrationMessagesAsync(workItem);
        }
        catch (Exception ex) when (ex is OperationCanceledException or ObjectDisposedException)
        {
            messages = null;
        }
        if (messages is not { Count: > 0 } || _stopping)
        {
            await inner.ReleaseTaskOrchestrationWorkItemAsync(workItem);
            return;
        }
        // The sidecar sends the worker the state's past and new events and checkpoints its new events. The last
        // episode's events are past now: start from a state built from the whole history, as a fresh fetch would.
        var previous = workItem.OrchestrationRuntimeState;
        workItem.OrchestrationRuntimeState = new OrchestrationRuntimeState(previous.Events) { Status = previous.Status };
        workItem.NewMessages = messages;
        _ready.Writer.TryWrite(workItem);
    }

    private static bool IsRunning(OrchestrationRuntimeState? state) =>
        state is { ExecutionStartedEvent: not null, ExecutionCompletedEvent: null } &&
        state.OrchestrationStatus is OrchestrationStatus.Running or OrchestrationStatus.Pending;

    public Task<TaskActivityWorkItem> LockNextTaskActivityWorkItem(TimeSpan receiveTimeout, CancellationToken cancellationToken) =>
        inner.LockNextTaskActivityWorkItem(receiveTimeout, cancellationToken);

    public Task<TaskActivityWorkItem> RenewTaskActivityWorkItemLockAsync(TaskActivityWorkItem workItem) => inner.RenewTaskActivityWorkItemLockAsync(workItem);

    public Task CompleteTaskActivityWorkItemAsync(TaskActivityWorkItem workItem, TaskMessage responseMessage) =>
        inner.CompleteTaskActivityWorkItemAsync(workItem, responseMessage);

    public Task AbandonTaskActivityWorkItemAsync(TaskActivityWorkItem workItem) => inner.AbandonTaskActivityWorkItemAsync(workItem);
}
