namespace Blueshift.Functions.Releases;

/// <summary>
/// The frequent timer: finds the releases whose next step is due (from the due index, never a scan of every release)
/// and advances them in parallel, a bounded number at a time. Also the watchdog: a release past its phase's deadline
/// is due by construction, and its reconcile fails it safe.
/// </summary>
internal sealed class ReconcileTick(ReleaseStore store, ReleaseEngine engine, TimeProvider time, ReleaseEngineOptions options, ILogger<ReconcileTick> logger)
{
    public const string FunctionName = "ReconcileTick";

    /// <summary>A due entry without its release is left alone this long: the start that wrote it may still be writing the release.</summary>
    private static readonly TimeSpan OrphanAge = TimeSpan.FromMinutes(5);

    public async Task<TickResult> RunAsync(CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var due = new List<(string Id, DateTimeOffset DueAt, global::Azure.ETag ETag)>();
        await foreach (var entry in store.ListDueAsync(now, cancellationToken))
        {
            due.Add(entry);
        }

        var advanced = 0;
        var failed = 0;
        var parallel = new ParallelOptions { MaxDegreeOfParallelism = options.MaxConcurrency, CancellationToken = cancellationToken };
        await Parallel.ForEachAsync(due, parallel, async (entry, token) =>
        {
            var (id, dueAt, dueETag) = entry;
            try
            {
                if (await engine.ReconcileAsync(id, token, (dueAt, dueETag)) is null && now - dueAt > OrphanAge)
                {
                    // A start that stopped between writing the due entry and the release: nothing will ever be due here.
                    await store.ForgetDueAsync(id, token);
                }
                Interlocked.Increment(ref advanced);
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !token.IsCancellationRequested)
            {
                // One broken release must not hold up the others; it stays due and is retried next tick.
                Interlocked.Increment(ref failed);
                Log.ReconcileFailed(logger, ex, id);
            }
        });
        Log.TickCompleted(logger, due.Count, advanced, failed);
        return new TickResult(due.Count, advanced, failed);
    }
}

internal sealed record TickResult(int Due, int Advanced, int Failed);
