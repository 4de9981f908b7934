namespace Blueshift.Testing;

/// <summary>
/// A clock that moves only when a test says so (Microsoft.Extensions.TimeProvider.Testing does not restore here).
/// Timers created through it fire synchronously inside <see cref="Advance"/> / <see cref="SetUtcNow"/>.
/// </summary>
public sealed class ManualTimeProvider : TimeProvider
{
    private readonly object _gate = new();
    private readonly List<ManualTimer> _timers = [];
    private readonly List<(DateTimeOffset DueAt, TaskCompletionSource Scheduled)> _waiters = [];
    private DateTimeOffset _now;
    private long _timestamp;

    public ManualTimeProvider(DateTimeOffset? start = null)
    {
        _now = start ?? new DateTimeOffset(2026, 1, 5, 9, 0, 0, TimeSpan.Zero);
    }

    public override TimeZoneInfo LocalTimeZone => TimeZoneInfo.Utc;

    public override long TimestampFrequency => TimeSpan.TicksPerSecond;

    public override DateTimeOffset GetUtcNow()
    {
        lock (_gate) { return _now; }
    }

    public override long GetTimestamp()
    {
        lock (_gate) { return _timestamp; }
    }

    public void Advance(TimeSpan by)
    {
        if (by < TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(by), by, "Time only moves forward.");
        }
        SetUtcNow(GetUtcNow() + by);
    }

    public void SetUtcNow(DateTimeOffset value)
    {
        while (true)
        {
            ManualTimer? due;
            lock (_gate)
            {
                if (value < _now)
                {
                    throw new ArgumentOutOfRangeException(nameof(value), value, $"Time only moves forward (now {_now:O}).");
                }
                due = _timers.Where(t => t.DueAt <= value).OrderBy(t => t.DueAt).FirstOrDefault();
                var stepTo = due?.DueAt ?? value;
                _timestamp += (stepTo - _now).Ticks;
                _now = stepTo;
                if (due is null)
                {
                    return;
                }
                due.Reschedule();
            }
            due.Fire();
        }
    }

    /// <summary>
    /// Completes once a timer due exactly at <paramref name="dueAt"/> is pending, so a test can move the clock to an
    /// occurrence only after the code under test is waiting for it. Fails after <paramref name="timeout"/> (real time),
    /// naming the timers that are pending instead.
    /// </summary>
    public async Task WaitForTimerAsync(DateTimeOffset dueAt, TimeSpan timeout)
    {
        TaskCompletionSource scheduled;
        lock (_gate)
        {
            if (_timers.Any(t => t.DueAt == dueAt))
            {
                return;
            }
            scheduled = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _waiters.Add((dueAt, scheduled));
        }
        try
        {
            await scheduled.Task.WaitAsync(timeout);
        }
        catch (TimeoutException)
        {
            string pending;
            lock (_gate)
            {
                _waiters.Remove((dueAt, scheduled));
                pending = _timers.Count == 0 ? "none" : string.Join(", ", _timers.Select(t => t.DueAt.ToString("O")));
            }
            throw new TimeoutException($"No timer due at {dueAt:O} was scheduled within {timeout}; now {GetUtcNow():O}, timers pending: {pending}.");
        }
    }

    // Called under the lock whenever a timer is (re)scheduled.
    private void OnScheduled(DateTimeOffset dueAt)
    {
        foreach (var waiter in _waiters.Where(w => w.DueAt == dueAt).ToList())
        {
            _waiters.Remove(waiter);
            waiter.Scheduled.TrySetResult();
        }
    }

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        var timer = new ManualTimer(this, callback, state);
        timer.Change(dueTime, period);
        return timer;
    }

    private sealed class ManualTimer(ManualTimeProvider owner, TimerCallback callback, object? state) : ITimer
    {
        private TimeSpan _period = Timeout.InfiniteTimeSpan;

        public DateTimeOffset DueAt { get; private set; }

        public bool Change(TimeSpan dueTime, TimeSpan period)
        {
            lock (owner._gate)
            {
                owner._timers.Remove(this);
                _period = period;
                if (dueTime == Timeout.InfiniteTimeSpan)
                {
                    return true;
                }
                DueAt = owner._now + dueTime;
                owner._timers.Add(this);
                owner.OnScheduled(DueAt);
                return true;
            }
        }

        // Called under the owner's lock, before the callback runs outside it.
        public void Reschedule()
        {
            owner._timers.Remove(this);
            if (_period != Timeout.InfiniteTimeSpan && _period > TimeSpan.Zero)
            {
                DueAt += _period;
                owner._timers.Add(this);
                owner.OnScheduled(DueAt);
            }
        }

        public void Fire() => callback(state);

        public void Dispose()
        {
            lock (owner._gate) { owner._timers.Remove(this); }
        }

        public ValueTask DisposeAsync()
        {
            Dispose();
            return ValueTask.CompletedTask;
        }
    }
}
