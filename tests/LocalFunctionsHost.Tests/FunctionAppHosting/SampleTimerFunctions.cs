using Microsoft.Azure.Functions.Worker;

namespace Blueshift.LocalFunctionsHost.Tests.FunctionAppHosting;

/// <summary>What the sample timer saw, and a gate a test can close to hold an invocation open.</summary>
public sealed class TickRecorder
{
    private readonly object _gate = new();
    private readonly List<(TimerInfo Timer, DateTimeOffset At)> _ticks = [];
    private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public TaskCompletionSource? Hold { get; set; }

    public TaskCompletionSource Entered { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public void Record(TimerInfo timer, DateTimeOffset at)
    {
        lock (_gate)
        {
            _ticks.Add((timer, at));
            _changed.TrySetResult();
            _changed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }
    }

    public async Task<IReadOnlyList<(TimerInfo Timer, DateTimeOffset At)>> WaitForTicksAsync(int count, TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        while (true)
        {
            Task changed;
            lock (_gate)
            {
                if (_ticks.Count >= count)
                {
                    return [.. _ticks];
                }
                changed = _changed.Task;
            }
            try
            {
                await changed.WaitAsync(cts.Token);
            }
            catch (OperationCanceledException)
            {
                throw new TimeoutException($"Expected {count} ticks within {timeout}, saw {_ticks.Count}.");
            }
        }
    }
}

public sealed class SampleTimerFunctions(TickRecorder recorder, TimeProvider clock)
{
    [Function("SampleTick")]
    public async Task Tick([TimerTrigger("%Samples:TickSchedule%")] TimerInfo timer, CancellationToken cancellationToken)
    {
        recorder.Entered.TrySetResult();
        if (recorder.Hold is { } hold)
        {
            await hold.Task.WaitAsync(cancellationToken);
        }
        recorder.Record(timer, clock.GetUtcNow());
    }
}
