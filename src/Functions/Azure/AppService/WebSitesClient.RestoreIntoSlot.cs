using Azure;
using Blueshift.Functions.Azure.ResourceManager;

namespace Blueshift.Functions.Azure.AppService;

public sealed partial class WebSitesClient
{
    /// <summary>The backup id a restore by blob name posts on (<c>backups/0/restore</c>), as the Azure CLI does.</summary>
    private const long BackupIdByBlob = 0;

    /// <summary>Starts an app or slot (<c>POST start</c>); starting one that runs changes nothing.</summary>
    public async Task StartAsync(SiteId site, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(site);
        using var message = _rest.CreateStartRequest(site);
        var response = await SendAsync(message, cancellationToken).ConfigureAwait(false);
        if (response.Status != 200)
        {
            throw ArmErrors.Unexpected(response, $"Starting {site}");
        }
    }

    /// <summary>Stops an app or slot (<c>POST stop</c>): it answers 403 until started; stopping one that is stopped changes nothing.</summary>
    public async Task StopAsync(SiteId site, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(site);
        using var message = _rest.CreateStopRequest(site);
        var response = await SendAsync(message, cancellationToken).ConfigureAwait(false);
        if (response.Status != 200)
        {
            throw ArmErrors.Unexpected(response, $"Stopping {site}");
        }
    }

    /// <summary>
    /// Starts restoring backup <paramref name="backupId"/> of <paramref name="source"/> into its deployment slot
    /// <paramref name="targetSlot"/>, ARM's Restore Slot as the Azure CLI posts it: a backup id belongs to the slot that
    /// made it, so the restore names the backup by its blob, <c>POST sites/{site}/slots/{slot}/backups/0/restore</c> with
    /// the backup's container and <c>blobName</c>, <c>siteName</c> the app and <c>overwrite</c> set, since the slot
    /// exists. The container's SAS URL is read from the backup (or else the app's backup configuration) here and never
    /// leaves this call. Refuses production as the target: only a deployment slot can be overwritten this way. Poll the
    /// returned operation with <see cref="GetOperationStatusAsync"/>.
    /// </summary>
    /// <exception cref="ArgumentException">The target is the production slot, or the source is a slot.</exception>
    /// <exception cref="InvalidOperationException">The backup names no blob, or neither the backup nor the backup configuration names the container the backup is in.</exception>
    public async Task<ArmOperation> StartRestoreIntoSlotAsync(SiteId source, long backupId, string targetSlot, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentException.ThrowIfNullOrWhiteSpace(targetSlot);
        if (!source.IsProduction)
        {
            throw new ArgumentException($"The backup is one of the app, not of the slot {source}.", nameof(source));
        }
        var target = source.WithSlot(targetSlot);
        if (target.IsProduction)
        {
            throw new ArgumentException("A restore test never restores into the production slot.", nameof(targetSlot));
        }

        string? storageAccountUrl;
        string? blobName;
        using (var message = _rest.CreateGetBackupRequest(source, backupId))
        {
            var response = await SendAsync(message, cancellationToken).ConfigureAwait(false);
            if (response.Status != 200)
            {
                throw ArmErrors.Unexpected(response, $"Getting backup {backupId} of {source}");
            }
            using var document = ArmJson.Parse(response);
            var properties = document.RootElement.GetObject("properties");
            storageAccountUrl = properties.GetString("storageAccountUrl");
            blobName = properties.GetString("blobName");
        }
        if (string.IsNullOrEmpty(blobName))
        {
            throw new InvalidOperationException($"Backup {backupId} of {source} names no blob to restore from.");
        }
        if (string.IsNullOrEmpty(storageAccountUrl))
        {
            storageAccountUrl = (await GetBackupConfigurationAsync(source, cancellationToken).ConfigureAwait(false))?.StorageAccountUrl;
        }
        if (string.IsNullOrEmpty(storageAccountUrl))
        {
            throw new InvalidOperationException($"Backup {backupId} of {source} names no storage container, and the app has no backup configuration that does.");
        }
        // Backup 0: the id of a backup of production means nothing on the slot's path; the blob names it.
        return await StartRestoreAsync(target, BackupIdByBlob, new RestoreRequest
        {
            StorageAccountUrl = storageAccountUrl,
            BlobName = blobName,
            Overwrite = true,
            SiteName = source.SiteName,
        }, cancellationToken).ConfigureAwait(false);
    }
}
