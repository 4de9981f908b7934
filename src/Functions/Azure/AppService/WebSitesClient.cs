using System.Text.Json;
using Azure;
using Azure.Core;
using Azure.Core.Pipeline;
using Blueshift.Functions.Azure.ResourceManager;

namespace Blueshift.Functions.Azure.AppService;

/// <summary>
/// A small Azure Resource Manager client for App Service apps and slots (Microsoft.Web, api-version 2024-04-01):
/// sites, <c>config/web</c> routing rules, app settings, sticky settings, slot swap, OneDeploy, restart, backups.
/// Unexpected statuses throw <see cref="RequestFailedException"/> with <see cref="RequestFailedException.Status"/> and
/// the ARM <see cref="RequestFailedException.ErrorCode"/>; filter with <c>when (ex.Status == 409)</c>.
/// Long-running operations return an <see cref="ArmOperation"/> to persist and poll later with <see cref="GetOperationStatusAsync"/>.
/// </summary>
public sealed partial class WebSitesClient
{
    private readonly WebSitesRestClient _rest;
    private readonly TimeProvider _timeProvider;

    /// <summary>Creates a client authenticating with <paramref name="credential"/> (scope <c>{endpoint}/.default</c>).</summary>
    public WebSitesClient(TokenCredential credential, AppServiceClientOptions? options = null)
    {
        options ??= new AppServiceClientOptions();
        var endpoint = ArmPipeline.NormalizeEndpoint(options.Endpoint);
        _timeProvider = options.TimeProvider ?? throw new ArgumentException("TimeProvider must be set.", nameof(options));
        _rest = new WebSitesRestClient(ArmPipeline.Build(options, endpoint, credential, _timeProvider), endpoint);
    }

    /// <summary>The ARM endpoint this client talks to (scheme and authority).</summary>
    public Uri Endpoint => _rest.Endpoint;

    /// <summary>Gets an app or slot. A missing site throws with status 404.</summary>
    public async Task<WebSite> GetSiteAsync(SiteId site, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(site);
        using var message = _rest.CreateGetSiteRequest(site);
        var response = await SendAsync(message, cancellationToken).ConfigureAwait(false);
        return response.Status switch
        {
            200 => Read(response, root => WebSite.FromJson(root, site)),
            _ => throw ArmErrors.Unexpected(response, $"Getting {site}"),
        };
    }

    /// <summary>Gets the health check path and routing rules of an app's or slot's <c>config/web</c>.</summary>
    public async Task<SiteConfig> GetSiteConfigAsync(SiteId site, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(site);
        using var message = _rest.CreateGetConfigurationRequest(site);
        var response = await SendAsync(message, cancellationToken).ConfigureAwait(false);
        return response.Status switch
        {
            200 => Read(response, SiteConfig.FromJson),
            _ => throw ArmErrors.Unexpected(response, $"Getting the configuration of {site}"),
        };
    }

    /// <summary>
    /// Updates only the given parts of <c>config/web</c> (PATCH): settings Blueshift does not own are left alone.
    /// Routing traffic is setting <see cref="SiteConfigUpdate.RampUpRules"/> on the production slot.
    /// </summary>
    public async Task<SiteConfig> UpdateSiteConfigAsync(SiteId site, SiteConfigUpdate update, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(site);
        ArgumentNullException.ThrowIfNull(update);
        foreach (var rule in update.RampUpRules ?? [])
        {
            if (rule.ReroutePercentage is < 0 or > 100 || double.IsNaN(rule.ReroutePercentage))
            {
                throw new ArgumentOutOfRangeException(nameof(update), rule.ReroutePercentage, $"The routing rule '{rule.Name}' must route between 0 and 100 percent.");
            }
            if (string.IsNullOrWhiteSpace(rule.ActionHostName) || string.IsNullOrWhiteSpace(rule.Name))
            {
                throw new ArgumentException("Every routing rule needs a name and the host name of the slot that receives the traffic.", nameof(update));
            }
        }
        using var message = _rest.CreateUpdateConfigurationRequest(site, update);
        var response = await SendAsync(message, cancellationToken).ConfigureAwait(false);
        return response.Status switch
        {
            200 => Read(response, SiteConfig.FromJson),
            _ => throw ArmErrors.Unexpected(response, $"Updating the configuration of {site}"),
        };
    }

    /// <summary>Lists the app settings of an app or slot (names and values; values may be secrets: never log them).</summary>
    public async Task<IReadOnlyDictionary<string, string>> ListAppSettingsAsync(SiteId site, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(site);
        using var message = _rest.CreateListApplicationSettingsRequest(site);
        var response = await SendAsync(message, cancellationToken).ConfigureAwait(false);
        return response.Status switch
        {
            200 => Read(response, ReadSettings),
            _ => throw ArmErrors.Unexpected(response, $"Listing the app settings of {site}"),
        };
    }

    /// <summary>
    /// Replaces the WHOLE set of app settings (PUT): any setting not in <paramref name="settings"/> is deleted.
    /// To change some settings and keep the rest, use <see cref="UpdateAppSettingsAsync"/>.
    /// </summary>
    public async Task<IReadOnlyDictionary<string, string>> ReplaceAppSettingsAsync(SiteId site, IReadOnlyDictionary<string, string> settings, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(site);
        ArgumentNullException.ThrowIfNull(settings);
        using var message = _rest.CreateUpdateApplicationSettingsRequest(site, settings);
        var response = await SendAsync(message, cancellationToken).ConfigureAwait(false);
        return response.Status switch
        {
            200 => Read(response, ReadSettings),
            _ => throw ArmErrors.Unexpected(response, $"Updating the app settings of {site}"),
        };
    }

    /// <summary>
    /// Changes some app settings and keeps all others: reads the current set, applies <paramref name="changes"/>
    /// (a null value removes the setting; names compare case-insensitively, as App Service does) and writes the set back.
    /// ARM offers no ETag here, so a concurrent writer between the read and the write can be overwritten; Blueshift
    /// holds one exclusive lock per app, which keeps its own writes serial.
    /// </summary>
    public async Task<IReadOnlyDictionary<string, string>> UpdateAppSettingsAsync(SiteId site, IReadOnlyDictionary<string, string?> changes, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(site);
        ArgumentNullException.ThrowIfNull(changes);
        var current = await ListAppSettingsAsync(site, cancellationToken).ConfigureAwait(false);
        var merged = new Dictionary<string, string>(current, StringComparer.OrdinalIgnoreCase);
        foreach (var (name, value) in changes)
        {
            ArgumentException.ThrowIfNullOrWhiteSpace(name, nameof(changes));
            merged.Remove(name);
            if (value is not null)
            {
                merged[name] = value;
            }
        }
        return await ReplaceAppSettingsAsync(site, merged, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Sets one app setting and keeps all others (read-modify-write, see <see cref="UpdateAppSettingsAsync"/>).</summary>
    public Task<IReadOnlyDictionary<string, string>> SetAppSettingAsync(SiteId site, string name, string value, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentNullException.ThrowIfNull(value);
        return UpdateAppSettingsAsync(site, new Dictionary<string, string?> { [name] = value }, cancellationToken);
    }

    /// <summary>Gets the sticky setting names of the app (<c>config/slotConfigNames</c>, an app-level resource).</summary>
    public async Task<SlotConfigNames> GetSlotConfigNamesAsync(SiteId site, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(site);
        using var message = _rest.CreateGetSlotConfigNamesRequest(site);
        var response = await SendAsync(message, cancellationToken).ConfigureAwait(false);
        return response.Status switch
        {
            200 => Read(response, SlotConfigNames.FromJson),
            _ => throw ArmErrors.Unexpected(response, $"Getting the sticky setting names of {site.Production}"),
        };
    }

    /// <summary>Replaces the sticky setting names of the app.</summary>
    public async Task<SlotConfigNames> SetSlotConfigNamesAsync(SiteId site, SlotConfigNames names, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(site);
        ArgumentNullException.ThrowIfNull(names);
        using var message = _rest.CreateUpdateSlotConfigNamesRequest(site, names);
        var response = await SendAsync(message, cancellationToken).ConfigureAwait(false);
        return response.Status switch
        {
            200 => Read(response, SlotConfigNames.FromJson),
            _ => throw ArmErrors.Unexpected(response, $"Updating the sticky setting names of {site.Production}"),
        };
    }

    /// <summary>
    /// Starts swapping <paramref name="source"/> with <paramref name="targetSlot"/> (default: production) and returns
    /// without waiting. Persist <see cref="ArmOperation.OperationUrl"/> and poll it with <see cref="GetOperationStatusAsync"/>.
    /// A swap is not idempotent: only 429 is retried here. When another operation is running on the app, ARM answers
    /// 409: this throws <see cref="RequestFailedException"/> with <c>Status == 409</c> and the ARM error code.
    /// </summary>
    public async Task<ArmOperation> StartSwapAsync(SiteId source, string targetSlot = SiteId.ProductionSlotName, bool preserveVnet = true, CancellationToken cancellationToken = default)
    {
        ValidateSwap(source, targetSlot);
        using var message = _rest.CreateSwapSlotRequest(source, targetSlot, preserveVnet);
        var response = await SendAsync(message, cancellationToken).ConfigureAwait(false);
        return response.Status switch
        {
            200 or 202 => ArmOperations.FromStartResponse(response, $"Swapping {source} with slot '{targetSlot}'", _timeProvider),
            _ => throw ArmErrors.Unexpected(response, $"Swapping {source} with slot '{targetSlot}'"),
        };
    }

    /// <summary>
    /// Applies the target slot's sticky configuration to <paramref name="source"/> (the first phase of a swap with
    /// preview). Undo it with <see cref="ResetSlotConfigAsync"/>.
    /// </summary>
    public async Task ApplySlotConfigAsync(SiteId source, string targetSlot = SiteId.ProductionSlotName, bool preserveVnet = true, CancellationToken cancellationToken = default)
    {
        ValidateSwap(source, targetSlot);
        using var message = _rest.CreateApplySlotConfigRequest(source, targetSlot, preserveVnet);
        var response = await SendAsync(message, cancellationToken).ConfigureAwait(false);
        if (response.Status != 200)
        {
            throw ArmErrors.Unexpected(response, $"Applying the configuration of slot '{targetSlot}' to {source}");
        }
    }

    /// <summary>Resets the configuration of an app or slot after <see cref="ApplySlotConfigAsync"/> (cancels a swap with preview).</summary>
    public async Task ResetSlotConfigAsync(SiteId site, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(site);
        using var message = _rest.CreateResetSlotConfigRequest(site);
        var response = await SendAsync(message, cancellationToken).ConfigureAwait(false);
        if (response.Status != 200)
        {
            throw ArmErrors.Unexpected(response, $"Resetting the slot configuration of {site}");
        }
    }

    /// <summary>
    /// Starts a OneDeploy of the package at <paramref name="packageUri"/> (e.g. a blob SAS URL, a secret) to an app
    /// or slot and returns without waiting; poll the returned operation with <see cref="GetOperationStatusAsync"/>.
    /// </summary>
    /// <param name="site">The app or slot to deploy to.</param>
    /// <param name="packageUri">An absolute HTTP(S) URL the service downloads the package from.</param>
    /// <param name="type">The package type: <c>zip</c>, <c>war</c>, <c>jar</c>, <c>ear</c>, <c>static</c>…</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    public async Task<ArmOperation> StartOneDeployAsync(SiteId site, Uri packageUri, string type = "zip", CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(site);
        ArgumentNullException.ThrowIfNull(packageUri);
        ArgumentException.ThrowIfNullOrWhiteSpace(type);
        if (!packageUri.IsAbsoluteUri || (packageUri.Scheme != Uri.UriSchemeHttps && packageUri.Scheme != Uri.UriSchemeHttp))
        {
            throw new ArgumentException("The package URI must be an absolute HTTP(S) URL the service can download.", nameof(packageUri));
        }
        using var message = _rest.CreateOneDeployRequest(site, packageUri, type);
        var response = await SendAsync(message, cancellationToken).ConfigureAwait(false);
        return response.Status switch
        {
            200 or 201 or 202 => ArmOperations.FromStartResponse(response, $"Deploying to {site}", _timeProvider),
            _ => throw ArmErrors.Unexpected(response, $"Deploying to {site}"),
        };
    }

    /// <summary>Restarts an app or slot.</summary>
    /// <param name="site">The app or slot.</param>
    /// <param name="softRestart">Restart without recycling workers (applies configuration only).</param>
    /// <param name="synchronous">Answer only once the restart finished.</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    public async Task RestartAsync(SiteId site, bool softRestart = false, bool synchronous = false, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(site);
        using var message = _rest.CreateRestartRequest(site, softRestart, synchronous);
        var response = await SendAsync(message, cancellationToken).ConfigureAwait(false);
        if (response.Status != 200)
        {
            throw ArmErrors.Unexpected(response, $"Restarting {site}");
        }
    }

    /// <summary>Starts an on-demand backup; the returned item usually reports <c>InProgress</c>: poll it with <see cref="GetBackupAsync"/>.</summary>
    public async Task<BackupItem> StartBackupAsync(SiteId site, BackupRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(site);
        ArgumentNullException.ThrowIfNull(request);
        using var message = _rest.CreateBackupRequest(site, request);
        var response = await SendAsync(message, cancellationToken).ConfigureAwait(false);
        return response.Status switch
        {
            200 => Read(response, BackupItem.FromJson),
            _ => throw ArmErrors.Unexpected(response, $"Backing up {site}"),
        };
    }

    /// <summary>Lists the backups of an app or slot (all pages).</summary>
    public async Task<IReadOnlyList<BackupItem>> ListBackupsAsync(SiteId site, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(site);
        var items = new List<BackupItem>();
        var message = _rest.CreateListBackupsRequest(site);
        while (true)
        {
            string? nextLink;
            using (message)
            {
                var response = await SendAsync(message, cancellationToken).ConfigureAwait(false);
                if (response.Status != 200)
                {
                    throw ArmErrors.Unexpected(response, $"Listing the backups of {site}");
                }
                using var document = ArmJson.Parse(response);
                var root = document.RootElement;
                if (root.TryGetProperty("value", out var value) && value.ValueKind == JsonValueKind.Array)
                {
                    items.AddRange(value.EnumerateArray().Where(e => e.ValueKind == JsonValueKind.Object).Select(BackupItem.FromJson));
                }
                nextLink = root.GetString("nextLink");
            }
            if (string.IsNullOrEmpty(nextLink))
            {
                return items;
            }
            message = _rest.CreateListBackupsNextPageRequest(nextLink);
        }
    }

    /// <summary>Gets one backup of an app or slot.</summary>
    public async Task<BackupItem> GetBackupAsync(SiteId site, long backupId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(site);
        using var message = _rest.CreateGetBackupRequest(site, backupId);
        var response = await SendAsync(message, cancellationToken).ConfigureAwait(false);
        return response.Status switch
        {
            200 => Read(response, BackupItem.FromJson),
            _ => throw ArmErrors.Unexpected(response, $"Getting backup {backupId} of {site}"),
        };
    }

    /// <summary>Starts restoring a backup into an app or slot; poll the returned operation with <see cref="GetOperationStatusAsync"/>.</summary>
    public async Task<ArmOperation> StartRestoreAsync(SiteId site, long backupId, RestoreRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(site);
        ArgumentNullException.ThrowIfNull(request);
        using var message = _rest.CreateRestoreRequest(site, backupId, request);
        var response = await SendAsync(message, cancellationToken).ConfigureAwait(false);
        return response.Status switch
        {
            200 or 202 => ArmOperations.FromStartResponse(response, $"Restoring backup {backupId} into {site}", _timeProvider),
            _ => throw ArmErrors.Unexpected(response, $"Restoring backup {backupId} into {site}"),
        };
    }

    /// <summary>
    /// Gets the scheduled-backup configuration (ARM reads it with <c>POST config/backup/list</c>); null when the app has none (404).
    /// </summary>
    public async Task<BackupRequest?> GetBackupConfigurationAsync(SiteId site, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(site);
        using var message = _rest.CreateGetBackupConfigurationRequest(site);
        var response = await SendAsync(message, cancellationToken).ConfigureAwait(false);
        return response.Status switch
        {
            200 => Read(response, BackupRequest.FromJson),
            404 => null,
            _ => throw ArmErrors.Unexpected(response, $"Getting the backup configuration of {site}"),
        };
    }

    /// <summary>Replaces the scheduled-backup configuration (<c>PUT config/backup</c>).</summary>
    public async Task<BackupRequest> UpdateBackupConfigurationAsync(SiteId site, BackupRequest configuration, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(site);
        ArgumentNullException.ThrowIfNull(configuration);
        using var message = _rest.CreateUpdateBackupConfigurationRequest(site, configuration);
        var response = await SendAsync(message, cancellationToken).ConfigureAwait(false);
        return response.Status switch
        {
            200 => Read(response, BackupRequest.FromJson),
            _ => throw ArmErrors.Unexpected(response, $"Updating the backup configuration of {site}"),
        };
    }

    /// <summary>
    /// Polls a long-running operation once, from a URL an earlier call returned (and the caller persisted).
    /// Returns <see cref="ArmOperationStatus.Failed"/> with the ARM error when the operation failed; throws
    /// <see cref="RequestFailedException"/> when the poll itself fails (e.g. 404 for an unknown or expired operation).
    /// The URL must point at this client's endpoint: a persisted URL is never sent a token elsewhere.
    /// </summary>
    public async Task<ArmOperation> GetOperationStatusAsync(string operationUrl, CancellationToken cancellationToken = default)
    {
        using var message = ArmOperations.CreatePollRequest(_rest.Pipeline, _rest.Endpoint, operationUrl);
        var response = await SendAsync(message, cancellationToken).ConfigureAwait(false);
        return ArmOperations.FromPollResponse(response, operationUrl, "Polling an App Service operation", _timeProvider);
    }

    private async Task<Response> SendAsync(HttpMessage message, CancellationToken cancellationToken)
    {
        await _rest.Pipeline.SendAsync(message, cancellationToken).ConfigureAwait(false);
        return message.Response;
    }

    private static T Read<T>(Response response, Func<JsonElement, T> read)
    {
        using var document = ArmJson.Parse(response);
        return read(document.RootElement);
    }

    private static IReadOnlyDictionary<string, string> ReadSettings(JsonElement root)
    {
        var settings = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        var properties = root.GetObject("properties");
        if (properties.ValueKind == JsonValueKind.Object)
        {
            foreach (var property in properties.EnumerateObject())
            {
                settings[property.Name] = property.Value.ValueKind switch
                {
                    JsonValueKind.String => property.Value.GetString()!,
                    JsonValueKind.Null => string.Empty,
                    _ => property.Value.GetRawText(),
                };
            }
        }
        return settings;
    }

    private static void ValidateSwap(SiteId source, string targetSlot)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentException.ThrowIfNullOrWhiteSpace(targetSlot);
        if (string.Equals(source.SlotNameOrProduction, targetSlot, StringComparison.OrdinalIgnoreCase))
        {
            throw new ArgumentException($"A slot cannot be swapped with itself ('{targetSlot}').", nameof(targetSlot));
        }
    }
}
