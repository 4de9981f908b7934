namespace Blueshift.Functions.Releases.Orchestration;

/// <summary>
/// The release's entries in <see cref="ReleaseRegistry"/>: its index status and the app's lock. Both are repeatable, so
/// a re-run activity changes nothing more.
/// </summary>
internal sealed class RegistryActivities(ReleaseRegistry registry)
{
    public async Task<bool> FinishAsync(ReleaseFinish finish, CancellationToken cancellationToken)
    {
        // The status first: a lock left behind by a failure after it is held by an ended release, which the next start breaks.
        await registry.SetStatusAsync(finish.App, finish.ReleaseId, finish.Status, cancellationToken);
        await registry.UnlockAsync(finish.App, finish.ReleaseId, cancellationToken);
        return true;
    }

    public async Task<bool> ReclaimAsync(ReleaseReclaim reclaim, CancellationToken cancellationToken)
    {
        if (!await registry.ReclaimAsync(reclaim.App, reclaim.ReleaseId, reclaim.At, cancellationToken))
        {
            return false;
        }
        await registry.SetStatusAsync(reclaim.App, reclaim.ReleaseId, Domain.Releases.ReleaseStatus.Active, cancellationToken);
        return true;
    }
}
