using System.Collections.Concurrent;

namespace Blueshift.AppServiceEmulator;

public enum OperationKind
{
    Swap,
    Deployment,
    Restore,
    Backup,
}

public enum OperationStatus
{
    InProgress,
    Succeeded,
    Failed,
}

/// <summary>A long-running ARM operation as tests see it.</summary>
public sealed record OperationSnapshot(
    string Id,
    OperationKind Kind,
    string SiteId,
    string Slot,
    OperationStatus Status,
    DateTimeOffset StartedAt,
    DateTimeOffset? EndedAt,
    int Polls,
    string? ErrorCode,
    string? ErrorMessage);

/// <summary>An ARM error: the HTTP status and the <c>{"error":{"code","message"}}</c> body.</summary>
internal sealed record ArmError(int Status, string Code, string Message);

internal sealed class LongRunningOperation(string id, OperationKind kind, EmulatedSite site, string slot, DateTimeOffset startedAt)
{
    public string Id { get; } = id;
    public OperationKind Kind { get; } = kind;
    public EmulatedSite Site { get; } = site;
    public string Slot { get; } = slot;
    public DateTimeOffset StartedAt { get; } = startedAt;
    public int Polls { get; set; }
    public OperationStatus Status { get; set; } = OperationStatus.InProgress;
    public DateTimeOffset? EndedAt { get; set; }
    public ArmError? Error { get; set; }

    /// <summary>Applies the operation's effect when it completes; returns an error to fail it instead.</summary>
    public required Func<ArmError?> Complete { get; init; }

    /// <summary>Runs once the status is final, success or failure (logs, releasing the site's swap lock).</summary>
    public Action<LongRunningOperation>? Finished { get; init; }

    /// <summary>A failure injected when the operation started; it wins over <see cref="Complete"/>.</summary>
    public ArmError? InjectedFailure { get; init; }

    /// <summary>
    /// How long this operation runs by the clock, whatever it is polled (a slow operation, injected); null keeps the
    /// emulator's rule (<see cref="EmulatorOptions.OperationPollsToComplete"/> polls or <see cref="EmulatorOptions.OperationDuration"/>).
    /// </summary>
    public TimeSpan? Duration { get; init; }

    public OperationSnapshot ToSnapshot() =>
        new(Id, Kind, Site.ResourceId, Slot, Status, StartedAt, EndedAt, Polls, Error?.Code, Error?.Message);
}

/// <summary>
/// Completes long-running operations deterministically, without background timers: an operation completes at the
/// first status check at which it has been polled <see cref="EmulatorOptions.OperationPollsToComplete"/> times or
/// the clock has passed <see cref="EmulatorOptions.OperationDuration"/> since it started (an operation with its own
/// <see cref="LongRunningOperation.Duration"/>, a slow one, only when the clock has passed that). Every ARM call checks the
/// clock rule; only reads of the operation's status URLs count as polls.
/// </summary>
internal sealed class OperationTracker(TimeProvider time, EmulatorOptions options)
{
    private readonly ConcurrentDictionary<string, LongRunningOperation> _operations = new(StringComparer.OrdinalIgnoreCase);

    // Every ARM call completes the operations whose time is up. They are kept in the order their time runs out, so a call
    // looks only at those (a thousand swaps in flight at once would otherwise cost each call a thousand looks); one
    // completed earlier by polls is dropped when its time comes.
    private readonly PriorityQueue<LongRunningOperation, DateTimeOffset> _byDeadline = new();

    public LongRunningOperation Start(LongRunningOperation operation)
    {
        _operations[operation.Id] = operation;
        lock (_byDeadline)
        {
            _byDeadline.Enqueue(operation, operation.StartedAt + (operation.Duration ?? options.OperationDuration));
        }
        Advance(operation);
        return operation;
    }

    public LongRunningOperation? Poll(string id)
    {
        if (!_operations.TryGetValue(id, out var operation))
        {
            return null;
        }
        lock (operation.Site.Gate)
        {
            if (operation.Status == OperationStatus.InProgress)
            {
                operation.Polls++;
            }
        }
        Advance(operation);
        return operation;
    }

    public void AdvanceAll()
    {
        var now = time.GetUtcNow();
        while (true)
        {
            LongRunningOperation? operation;
            lock (_byDeadline)
            {
                if (!_byDeadline.TryPeek(out operation, out var deadline) || deadline > now)
                {
                    return;
                }
            }
            // Completed before it leaves the queue: a call running alongside finds it there and completes it too (or
            // waits on the site's gate while this one does), so no call sees a site whose operation's time is up unapplied.
            Advance(operation);
            lock (_byDeadline)
            {
                if (_byDeadline.TryPeek(out var head, out _) && ReferenceEquals(head, operation))
                {
                    _byDeadline.Dequeue();
                }
            }
        }
    }

    public IReadOnlyList<OperationSnapshot> Snapshot()
    {
        AdvanceAll();
        return _operations.Values.Select(o => { lock (o.Site.Gate) { return o.ToSnapshot(); } })
            .OrderBy(o => o.StartedAt).ThenBy(o => o.Id, StringComparer.Ordinal).ToList();
    }

    private void Advance(LongRunningOperation operation)
    {
        Action<LongRunningOperation>? finished = null;
        lock (operation.Site.Gate)
        {
            if (operation.Status != OperationStatus.InProgress)
            {
                return;
            }
            var now = time.GetUtcNow();
            var due = operation.Duration is { } duration
                ? now - operation.StartedAt >= duration
                : operation.Polls >= options.OperationPollsToComplete || now - operation.StartedAt >= options.OperationDuration;
            if (!due)
            {
                return;
            }
            var error = operation.InjectedFailure ?? operation.Complete();
            operation.Error = error;
            operation.Status = error is null ? OperationStatus.Succeeded : OperationStatus.Failed;
            operation.EndedAt = now;
            finished = operation.Finished;
        }
        finished?.Invoke(operation);
    }
}
