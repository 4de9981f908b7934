namespace Blueshift.AppServiceEmulator;

/// <summary>One call to the emulated Azure Resource Manager. Headers (and so tokens) are never recorded.</summary>
public sealed record ArmCall(DateTimeOffset Timestamp, string Method, string Path, string Query, int Status);

/// <summary>Every ARM call in order, including refused ones (401, 429, ...). Thread-safe.</summary>
public sealed class ArmCallLog
{
    private readonly object _gate = new();
    private readonly List<ArmCall> _calls = [];

    public int Count
    {
        get { lock (_gate) { return _calls.Count; } }
    }

    public IReadOnlyList<ArmCall> Snapshot()
    {
        lock (_gate) { return [.. _calls]; }
    }

    public void Clear()
    {
        lock (_gate) { _calls.Clear(); }
    }

    internal void Add(ArmCall call)
    {
        lock (_gate) { _calls.Add(call); }
    }
}
