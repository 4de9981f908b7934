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

/// <summary>
/// The requests the emulated apps served in the last <see cref="Retention"/> (by the emulator's clock), in the order they
/// arrived (so a record's sequence number never changes), also indexed by slot in time order for the metrics API. Older records are dropped, so a standing load does not grow the log without
/// bound; metrics asked for older windows read as no traffic. Thread-safe.
/// </summary>
public sealed class TrafficLog
{
    private readonly object _gate = new();
    private readonly TimeProvider _time;
    private readonly RecordList _records = new(timeOrdered: false);
    private readonly Dictionary<(string SiteId, string Slot), RecordList> _bySlot = [];
    private DateTimeOffset _nextSweep = DateTimeOffset.MinValue;

    internal TrafficLog(TimeProvider time, TimeSpan retention)
    {
        _time = time;
        Retention = retention;
    }

    /// <summary>How long a record is kept (<see cref="EmulatorOptions.TrafficRetention"/>).</summary>
    public TimeSpan Retention { get; }

    /// <summary>The records kept now.</summary>
    public int Count
    {
        get { lock (_gate) { Prune(); return _records.Count; } }
    }

    /// <summary>The sequence number the next record gets: every record ever added has one, kept across pruning and <see cref="Clear"/>.</summary>
    public long Next
    {
        get { lock (_gate) { return _records.Next; } }
    }

    public IReadOnlyList<TrafficRecord> Snapshot()
    {
        lock (_gate)
        {
            Prune();
            return _records.Range(0, _records.Count);
        }
    }

    /// <summary>
    /// Kept records with sequence number <paramref name="from"/> or later that match <paramref name="filter"/>: the first
    /// <paramref name="limit"/> of them, or the last <paramref name="limit"/> when <paramref name="latest"/>. Returns
    /// them with the sequence number to ask from next time (after the last record returned, or after the last examined).
    /// </summary>
    public (IReadOnlyList<TrafficRecord> Records, long Next) Read(long from, int limit, bool latest, Func<TrafficRecord, bool>? filter = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(limit);
        lock (_gate)
        {
            Prune();
            var start = (int)Math.Clamp(from - _records.First, 0, _records.Count);
            var selected = new List<TrafficRecord>();
            if (latest)
            {
                for (var i = _records.Count - 1; i >= start && selected.Count < limit; i--)
                {
                    if (filter is null || filter(_records[i]))
                    {
                        selected.Add(_records[i]);
                    }
                }
                selected.Reverse();
                return (selected, _records.Next);
            }
            for (var i = start; i < _records.Count; i++)
            {
                if (filter is null || filter(_records[i]))
                {
                    if (selected.Count == limit)
                    {
                        return (selected, _records.First + i);
                    }
                    selected.Add(_records[i]);
                }
            }
            return (selected, _records.Next);
        }
    }

    public void Clear()
    {
        lock (_gate)
        {
            _records.DropBefore(_records.Count);
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
                _bySlot[(record.SiteId, record.Slot)] = slot = new RecordList(timeOrdered: true);
            }
            slot.Add(record);
            var cutoff = _time.GetUtcNow() - Retention;
            _records.DropBefore(_records.LeadingOlderThan(cutoff));
            slot.DropBefore(slot.IndexAtOrAfter(cutoff));
            // The other slots' records age too: sweep them now and then rather than on every request (there may be thousands of slots).
            if (cutoff >= _nextSweep)
            {
                Prune();
            }
        }
    }

    /// <summary>What one slot served in [<paramref name="from"/>, <paramref name="to"/>): a binary search in that slot's records, not a walk of the log.</summary>
    internal List<TrafficRecord> ForSlot(string siteId, string slot, DateTimeOffset from, DateTimeOffset to)
    {
        lock (_gate)
        {
            Prune();
            if (!_bySlot.TryGetValue((siteId, slot), out var records))
            {
                return [];
            }
            var start = records.IndexAtOrAfter(from);
            return records.Range(start, Math.Max(0, records.IndexAtOrAfter(to) - start));
        }
    }

    private void Prune()
    {
        var cutoff = _time.GetUtcNow() - Retention;
        _nextSweep = cutoff + (Retention / 16);
        _records.DropBefore(_records.LeadingOlderThan(cutoff));
        foreach (var slot in _bySlot.Values)
        {
            slot.DropBefore(slot.IndexAtOrAfter(cutoff));
        }
    }

    /// <summary>
    /// Records in arrival order (the log: a record's position, and so its sequence number, never changes) or in timestamp
    /// order (a slot's index, searched by time). Dropping from the front moves a start index and compacts only when the
    /// dropped part outgrows the kept part, so pruning costs amortised O(1) per record.
    /// </summary>
    private sealed class RecordList(bool timeOrdered)
    {
        private readonly List<TrafficRecord> _items = [];
        private int _start;

        public int Count => _items.Count - _start;

        /// <summary>The sequence number of the first kept record.</summary>
        public long First { get; private set; }

        public long Next => First + Count;

        public TrafficRecord this[int index] => _items[_start + index];

        public void Add(TrafficRecord record)
        {
            if (!timeOrdered)
            {
                _items.Add(record);
                return;
            }
            // Requests finishing together can reach the lock out of order by a few ticks: insert in place to stay sorted.
            var at = _items.Count;
            while (at > _start && _items[at - 1].Timestamp > record.Timestamp)
            {
                at--;
            }
            _items.Insert(at, record);
        }

        /// <summary>How many records at the front are older than <paramref name="cutoff"/> (arrival order is only nearly time order).</summary>
        public int LeadingOlderThan(DateTimeOffset cutoff)
        {
            var count = 0;
            while (count < Count && this[count].Timestamp < cutoff)
            {
                count++;
            }
            return count;
        }

        /// <summary>The first index whose record is at or after <paramref name="time"/> (Count when none is); time-ordered lists only.</summary>
        public int IndexAtOrAfter(DateTimeOffset time)
        {
            int low = 0, high = Count;
            while (low < high)
            {
                var middle = low + ((high - low) / 2);
                if (this[middle].Timestamp < time)
                {
                    low = middle + 1;
                }
                else
                {
                    high = middle;
                }
            }
            return low;
        }

        public void DropBefore(int index)
        {
            if (index <= 0)
            {
                return;
            }
            _start += index;
            First += index;
            if (_start > 1024 && _start > _items.Count / 2)
            {
                _items.RemoveRange(0, _start);
                _start = 0;
            }
        }

        public List<TrafficRecord> Range(int index, int count) => _items.GetRange(_start + index, count);
    }
}
