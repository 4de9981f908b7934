namespace Blueshift.AppServiceEmulator;

/// <summary>One slot swap: started by an ARM call, finished when its long-running operation completed.</summary>
/// <param name="OperationId">The id in the swap's Azure-AsyncOperation and Location URLs.</param>
/// <param name="SourceSlot">The slot whose swap was requested ("production" for the site-level form).</param>
/// <param name="TargetSlot">The slot it was swapped with.</param>
public sealed record SwapRecord(
    string OperationId,
    string SiteId,
    string Site,
    string SourceSlot,
    string TargetSlot,
    DateTimeOffset StartedAt,
    DateTimeOffset? CompletedAt,
    OperationStatus Status,
    string? SourceVersionBefore,
    string? TargetVersionBefore);

/// <summary>Every swap, in the order started; a record is replaced when its operation completes. Thread-safe.</summary>
public sealed class SwapLog
{
    private readonly object _gate = new();
    private readonly List<SwapRecord> _records = [];

    public IReadOnlyList<SwapRecord> Snapshot()
    {
        lock (_gate) { return [.. _records]; }
    }

    public void Clear()
    {
        lock (_gate) { _records.Clear(); }
    }

    internal void Started(SwapRecord record)
    {
        lock (_gate) { _records.Add(record); }
    }

    internal void Finished(string operationId, DateTimeOffset at, OperationStatus status)
    {
        lock (_gate)
        {
            var index = _records.FindIndex(r => r.OperationId == operationId);
            if (index >= 0)
            {
                _records[index] = _records[index] with { CompletedAt = at, Status = status };
            }
        }
    }
}
