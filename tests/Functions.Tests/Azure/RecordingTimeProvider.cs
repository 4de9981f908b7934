using System.Collections.Concurrent;

namespace Blueshift.Functions.Tests.Azure;

/// <summary>
/// A clock for retry tests: every timer's requested due time is recorded, and the timer fires at once, so a test
/// asserts the wait a client asked for (e.g. equal to Retry-After) without ever sleeping.
/// </summary>
public sealed class RecordingTimeProvider : TimeProvider
{
    private readonly ConcurrentQueue<TimeSpan> _waits = new();

    public IReadOnlyList<TimeSpan> RequestedWaits => _waits.ToArray();

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        _waits.Enqueue(dueTime);
        return System.CreateTimer(callback, state, TimeSpan.Zero, Timeout.InfiniteTimeSpan);
    }
}
