namespace Blueshift.AppServiceEmulator;

/// <summary>One request an emulated app answered (or the front door failed to deliver).</summary>
/// <param name="Timestamp">When it was served, from the emulator's <see cref="TimeProvider"/>.</param>
/// <param name="Host">The host:port that received the request: the front door for production traffic, or a slot's own listener.</param>
/// <param name="SiteId">The site's resource id.</param>
/// <param name="Site">The site's name.</param>
/// <param name="Slot">The slot that served it ("production" for the production slot).</param>
/// <param name="Version">The app version that served it (null when the slot was unreachable).</param>
/// <param name="Status">The HTTP status returned to the caller.</param>
/// <param name="Latency">The app's service time (the package's latencyMs), as the metrics report it.</param>
/// <param name="Path">The request path.</param>
/// <param name="IsHealthCheck">The request was for the slot's health-check path.</param>
public sealed record TrafficRecord(
    DateTimeOffset Timestamp,
    string Host,
    string SiteId,
    string Site,
    string Slot,
    string? Version,
    int Status,
    TimeSpan Latency,
    string Path,
    bool IsHealthCheck)
{
    public bool IsServerError => Status >= 500;
}

/// <summary>Every request the emulated apps served, in order, also indexed by slot for the metrics API. Thread-safe.</summary>
public sealed class TrafficLog
{
    private readonly object _gate = new();
    private readonly List<TrafficRecord> _records = [];
    private readonly Dictionary<(string SiteId, string Slot), List<TrafficRecord>> _bySlot = [];

    public int Count
    {
        get { lock (_gate) { return _records.Count; } }
    }

    public IReadOnlyList<TrafficRecord> Snapshot()
    {
        lock (_gate) { return [.. _records]; }
    }

    /// <summary>Records from <paramref name="fromIndex"/> on, for readers that remember where they stopped.</summary>
    public IReadOnlyList<TrafficRecord> Since(int fromIndex)
    {
        lock (_gate) { return fromIndex >= _records.Count ? [] : _records.GetRange(Math.Max(0, fromIndex), _records.Count - Math.Max(0, fromIndex)); }
    }

    public void Clear()
    {
        lock (_gate)
        {
            _records.Clear();
            _bySlot.Clear();
        }
    }

    internal void Add(TrafficRecord record)
    {
        lock (_gate)
        {
            _records.Add(record);
            if (!_bySlot.TryGetValue((record.SiteId, record.Slot), out var slot))
            {
                _bySlot[(record.SiteId, record.Slot)] = slot = [];
            }
            slot.Add(record);
        }
    }

    /// <summary>What one slot served in [<paramref name="from"/>, <paramref name="to"/>): reads that slot's records only, not the whole log.</summary>
    internal List<TrafficRecord> ForSlot(string siteId, string slot, DateTimeOffset from, DateTimeOffset to)
    {
        lock (_gate)
        {
            return _bySlot.TryGetValue((siteId, slot), out var records)
                ? records.FindAll(r => r.Timestamp >= from && r.Timestamp < to)
                : [];
        }
    }
}
