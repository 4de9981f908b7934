namespace Blueshift.Functions.Releases;

/// <summary>
/// The frequent timer: finds the releases whose next step is due (from the due index, never a scan of every release)
/// and advances them in parallel, a bounded number at a time. Also the watchdog: a release past its phase's deadline
/// is due by construction, and its reconcile fails it safe.
/// </summary>
internal sealed class ReconcileTick(ReleaseStore store, ReleaseEngine engine, TimeProvider time, ReleaseEngineOptions options, ILogger<ReconcileTick> logger)
{
    public const string FunctionName = "ReconcileTick";

    public async Task<TickResult> RunAsync(CancellationToken cancellationToken)
    {
        var due = new List<string>();
        await foreach (var id in store.ListDueAsync(time.GetUtcNow(), cancellationToken))
        {
            due.Add(id);
        }

        var advanced = 0;
        var failed = 0;
        var parallel = new ParallelOptions { MaxDegreeOfParallelism = options.MaxConcurrency, CancellationToken = cancellationToken };
        await Parallel.ForEachAsync(due, parallel, async (id, token) =>
        {
            try
            {
                await engine.ReconcileAsync(id, token);
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
