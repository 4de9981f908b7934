namespace Blueshift.Functions.Apps;

/// <summary>
/// The registry, with the lookup alerts make served from memory: <see cref="FindByResourceIdAsync"/> answers from a
/// snapshot of every registration, taken at most <c>refreshAfter</c> ago, so routing an alert to its app costs no storage
/// round trip. Everything else reads and writes storage as before.
/// </summary>
/// <remarks>
/// A site the snapshot does not know is looked up in storage, so an app registered on another instance is found at once.
/// A registration written through this instance is seen at once (the snapshot is dropped); one changed on another
/// instance is seen within <c>refreshAfter</c>. The registry holds tens to hundreds of apps, so a snapshot is small.
/// </remarks>
public sealed class CachedManagedAppStore(IManagedAppStore inner, TimeProvider time, TimeSpan refreshAfter) : IManagedAppStore
{
    private readonly Lock _gate = new();
    private Snapshot? _snapshot;
    private Task<Snapshot>? _refreshing;
    private long _version;

    public Task<ManagedApp?> GetAsync(string name, CancellationToken cancellationToken) => inner.GetAsync(name, cancellationToken);

    public IAsyncEnumerable<ManagedApp> ListAsync(CancellationToken cancellationToken) => inner.ListAsync(cancellationToken);

    public async Task<ManagedApp?> FindByResourceIdAsync(string resourceId, CancellationToken cancellationToken)
    {
        if (ResourceIds.SiteKey(resourceId) is not { } siteKey)
        {
            return null;
        }
        var snapshot = await CurrentAsync(cancellationToken);
        return snapshot.BySite.TryGetValue(siteKey, out var app)
            ? app
            : await inner.FindByResourceIdAsync(resourceId, cancellationToken);
    }

    public async Task<bool> PutAsync(ManagedApp app, CancellationToken cancellationToken)
    {
        try
        {
            return await inner.PutAsync(app, cancellationToken);
        }
        finally
        {
            // Whether or not the write landed, the next lookup reads the registry again; a refresh already under way
            // may have read it before this write, so it does not keep its snapshot either.
            lock (_gate)
            {
                _version++;
                _snapshot = null;
            }
        }
    }

    private Task<Snapshot> CurrentAsync(CancellationToken cancellationToken)
    {
        Task<Snapshot> refreshing;
        lock (_gate)
        {
            if (_snapshot is { } snapshot && time.GetUtcNow() - snapshot.TakenAt < refreshAfter)
            {
                return Task.FromResult(snapshot);
            }
            if (_refreshing is null || _refreshing.IsCompleted)
            {
                _refreshing = RefreshAsync(_version);
            }
            refreshing = _refreshing;
        }
        return refreshing.WaitAsync(cancellationToken);
    }

    // One refresh at a time, shared by every lookup that waits for it; it is not cancelled when one of them gives up.
    private async Task<Snapshot> RefreshAsync(long version)
    {
        var takenAt = time.GetUtcNow();
        var bySite = new Dictionary<string, ManagedApp>(StringComparer.Ordinal);
        await foreach (var app in inner.ListAsync(CancellationToken.None))
        {
            // Apps come in name order; the first registered for a site wins, as in a lookup against storage.
            if (ResourceIds.SiteKey(app.ResourceId) is { } siteKey)
            {
                bySite.TryAdd(siteKey, app);
            }
        }
        var snapshot = new Snapshot(takenAt, bySite);
        lock (_gate)
        {
            if (_version == version)
            {
                _snapshot = snapshot;
            }
        }
        return snapshot;
    }

    private sealed record Snapshot(DateTimeOffset TakenAt, IReadOnlyDictionary<string, ManagedApp> BySite);
}
