using System.Globalization;
using Azure;
using Azure.Storage.Blobs;
using Blueshift.Domain.Compliance;
using Blueshift.Functions.Apps;
using Blueshift.Functions.Azure.AppService;
using Microsoft.Extensions.Options;

namespace Blueshift.Functions.Compliance;

/// <summary>
/// The weekly backup verification (seed 000 §11.4): the app's newest finished backup (ARM <c>sites/{name}/backups</c>) exists,
/// succeeded and has a size, and its blob — <c>{container}/{blobName}</c>, the container being the SAS URL of the app's backup
/// configuration — answers a properties read with more than zero bytes. Observations, the subject being the backup's blob
/// name (empty when there is no backup): <c>backup-verification.missing</c>, <c>.failed</c>, <c>.empty</c>,
/// <c>.blob-unreadable</c>. A verification that passes is recorded as a DR exercise
/// (<see cref="DrActivity.BackupVerification"/>, by <c>blueshift</c>), at <c>now</c>, so a re-run records the same row.
/// </summary>
/// <remarks>
/// The container SAS URL is a secret: it is used to build the blob client and nowhere else — never in an observation, a log
/// or an exception message this check raises; the blob is named by its name only. A backup still in progress is skipped for
/// the newest finished one. Apps whose compliance settings say <c>backupsRequired: false</c> are not checked. When ARM or
/// storage cannot be reached at all, the check throws and the app's findings stay as they are.
/// </remarks>
public sealed class BackupVerificationCheck(
    WebSitesClient webSites,
    IDrExerciseStore exercises,
    IOptions<BackupVerificationOptions> options) : IComplianceCheck
{
    public const string MissingKind = "backup-verification.missing";
    public const string FailedKind = "backup-verification.failed";
    public const string EmptyKind = "backup-verification.empty";
    public const string BlobUnreadableKind = "backup-verification.blob-unreadable";
    public const string RecordedBy = "blueshift";

    private static readonly string[] UnfinishedStatuses = ["InProgress", "Created", "DeleteInProgress"];

    public ComplianceJob Job => ComplianceJob.BackupVerification;

    public async Task<IReadOnlyList<Observation>> CheckAsync(ManagedApp app, DateTimeOffset now, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(app);
        if (app.Compliance?.BackupsRequired == false)
        {
            return [];
        }
        var site = SiteId.Parse(app.ResourceId);
        var backups = await webSites.ListBackupsAsync(site, cancellationToken);
        var newest = backups
            .Where(b => !UnfinishedStatuses.Contains(b.Status ?? "", StringComparer.OrdinalIgnoreCase))
            .OrderByDescending(b => b.Created ?? DateTimeOffset.MinValue).ThenByDescending(b => b.BackupId)
            .FirstOrDefault();
        if (newest is null)
        {
            return [new Observation(MissingKind, "", FindingSeverity.High,
                backups.Count == 0
                    ? $"App {app.Name} has no backup to verify."
                    : $"App {app.Name} has no finished backup to verify ({backups.Count} in progress).",
                new Dictionary<string, string> { ["backups"] = backups.Count.ToString(CultureInfo.InvariantCulture), ["checkedAt"] = Iso(now) })];
        }

        var blobName = newest.BlobName ?? newest.Name ?? "";
        var evidence = new Dictionary<string, string>
        {
            ["backupId"] = newest.BackupId.ToString(CultureInfo.InvariantCulture),
            ["blobName"] = blobName,
            ["status"] = newest.Status ?? "",
            ["created"] = newest.Created is { } created ? Iso(created) : "",
            ["sizeInBytes"] = newest.SizeInBytes?.ToString(CultureInfo.InvariantCulture) ?? "",
            ["checkedAt"] = Iso(now),
        };
        if (!newest.IsSucceeded)
        {
            return [new Observation(FailedKind, blobName, FindingSeverity.High,
                $"The newest backup of {app.Name} (id {newest.BackupId}, {newest.Created:u}) did not succeed: its status is {newest.Status}.", evidence)];
        }
        if (newest.SizeInBytes is not > 0)
        {
            return [new Observation(EmptyKind, blobName, FindingSeverity.High,
                $"The newest backup of {app.Name} (id {newest.BackupId}, {newest.Created:u}) reports no size ({newest.SizeInBytes?.ToString(CultureInfo.InvariantCulture) ?? "none"}).", evidence)];
        }

        var configuration = await webSites.GetBackupConfigurationAsync(site, cancellationToken);
        if (configuration is null || !Uri.TryCreate(configuration.StorageAccountUrl, UriKind.Absolute, out var container) || blobName.Length == 0)
        {
            return [new Observation(BlobUnreadableKind, blobName, FindingSeverity.High,
                $"The blob of the newest backup of {app.Name} cannot be read: " +
                (blobName.Length == 0 ? "the backup names no blob." : "the app's backup configuration names no storage container."), evidence)];
        }

        long blobSize;
        try
        {
            var client = new BlobContainerClient(container, ClientOptions()).GetBlobClient(blobName);
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(options.Value.BlobTimeout);
            blobSize = (await client.GetPropertiesAsync(cancellationToken: timeout.Token)).Value.ContentLength;
        }
        catch (RequestFailedException ex) when (ex.Status is >= 400 and < 500)
        {
            // Only the status and the storage error code: the exception's message and the URI carry the SAS.
            evidence["blobStatus"] = ex.Status.ToString(CultureInfo.InvariantCulture);
            evidence["blobError"] = ex.ErrorCode ?? "";
            return [new Observation(BlobUnreadableKind, blobName, FindingSeverity.High,
                $"The blob {blobName} of the newest backup of {app.Name} (id {newest.BackupId}) cannot be read: storage answered {ex.Status} {ex.ErrorCode}.", evidence)];
        }
        catch (Exception ex) when (ex is RequestFailedException or HttpRequestException or AggregateException or OperationCanceledException && !cancellationToken.IsCancellationRequested)
        {
            throw new InvalidOperationException($"The blob storage of {app.Name}'s backups could not be reached to read blob {blobName} ({ex.GetType().Name}).");
        }

        evidence["blobSizeInBytes"] = blobSize.ToString(CultureInfo.InvariantCulture);
        if (blobSize <= 0)
        {
            return [new Observation(EmptyKind, blobName, FindingSeverity.High,
                $"The blob {blobName} of the newest backup of {app.Name} (id {newest.BackupId}) holds no bytes.", evidence)];
        }

        if (options.Value.RecordExercise)
        {
            await exercises.RecordAsync(new DrExercise(DrActivity.BackupVerification, app.Name, now, RecordedBy, EvidenceLink: null, RecordedBy, now), cancellationToken);
        }
        return [];
    }

    private BlobClientOptions ClientOptions()
    {
        var clientOptions = new BlobClientOptions();
        clientOptions.Retry.MaxRetries = 2;
        clientOptions.Retry.NetworkTimeout = options.Value.BlobTimeout;
        return clientOptions;
    }

    private static string Iso(DateTimeOffset at) => at.ToString("O", CultureInfo.InvariantCulture);
}
