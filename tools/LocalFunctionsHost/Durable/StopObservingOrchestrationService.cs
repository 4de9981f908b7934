using System.Reflection;
using System.Runtime.ExceptionServices;
using DurableTask.Core;

namespace Blueshift.LocalFunctionsHost.Durable;

/// <summary>
/// Passes every call through to the real orchestration service and remembers the task of its <c>StopAsync</c>. The
/// gRPC sidecar stops its dispatchers and the service from a fire-and-forget callback, so this is how the host waits
/// until the partitions are released before it reports itself stopped (and a new host can take them at once).
/// </summary>
internal class StopObservingOrchestrationService : DispatchProxy
{
    private IOrchestrationService _inner = null!;
    private readonly TaskCompletionSource<Task> _stopping = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Whether the dispatchers started the service (they do once the worker connects).</summary>
    internal bool Started { get; private set; }

    /// <summary>Completes when the service has been told to stop and has stopped.</summary>
    internal async Task WaitUntilStoppedAsync(CancellationToken cancellationToken) =>
        await (await _stopping.Task.WaitAsync(cancellationToken)).WaitAsync(cancellationToken);

    internal static (IOrchestrationService Service, StopObservingOrchestrationService Observer) Wrap(IOrchestrationService inner)
    {
        var proxy = Create<IOrchestrationService, StopObservingOrchestrationService>();
        var observer = (StopObservingOrchestrationService)(object)proxy;
        observer._inner = inner;
        return (proxy, observer);
    }

    private static CancellationToken? Cancellation(object?[]? args) => args?.OfType<CancellationToken>().Cast<CancellationToken?>().FirstOrDefault();

    private static async Task<T?> ThrowIfCancelledWithoutWork<T>(Task<T?> fetch, CancellationToken cancellationToken) where T : class
    {
        var workItem = await fetch;
        if (workItem is null)
        {
            cancellationToken.ThrowIfCancellationRequested();
        }
        return workItem;
    }

    private Task? _start;

    // DTFx's Azure Storage provider throws NullReferenceException from StopAsync when it was never started (a host stopped
    // before the worker connected, or while the start is still running); the sidecar calls it from a fire-and-forget
    // callback, where that exception ends the process. So a stop waits for a start in progress, and is nothing without one.
    private Task StopAfterStart(MethodInfo stopMethod, object?[]? args) =>
        Volatile.Read(ref _start) is { } start ? StopAfter(start, stopMethod, args) : Task.CompletedTask;

    private async Task StopAfter(Task start, MethodInfo stopMethod, object?[]? args)
    {
        try
        {
            await start;
        }
        catch (Exception) when (!start.IsCompletedSuccessfully)
        {
            return; // The start failed: there is nothing to stop.
        }
        await (Task)Call(stopMethod, args)!;
    }

    private object? Call(MethodInfo targetMethod, object?[]? args)
    {
        try
        {
            return targetMethod.Invoke(_inner, args);
        }
        catch (TargetInvocationException ex) when (ex.InnerException is not null)
        {
            ExceptionDispatchInfo.Throw(ex.InnerException);
            throw;
        }
    }

    protected override object? Invoke(MethodInfo? targetMethod, object?[]? args)
    {
        ArgumentNullException.ThrowIfNull(targetMethod);
        if (targetMethod.Name == nameof(IOrchestrationService.StopAsync))
        {
            var stop = StopAfterStart(targetMethod, args);
            _stopping.TrySetResult(stop);
            return stop;
        }
        var result = Call(targetMethod, args);
        // The sidecar's fetch loops end only when a fetch throws on cancellation; DTFx's Azure Storage provider returns
        // null instead, which would spin the loop at shutdown. Turn "nothing, and cancelled" into the cancellation.
        if (result is Task<TaskOrchestrationWorkItem?> orchestration && Cancellation(args) is { CanBeCanceled: true } orchestrationToken)
        {
            return ThrowIfCancelledWithoutWork(orchestration, orchestrationToken);
        }
        if (result is Task<TaskActivityWorkItem?> activity && Cancellation(args) is { CanBeCanceled: true } activityToken)
        {
            return ThrowIfCancelledWithoutWork(activity, activityToken);
        }
        if (targetMethod.Name == nameof(IOrchestrationService.StartAsync) && result is Task start)
        {
            Volatile.Write(ref _start, start);
            Started = true;
        }
        return result;
    }
}
