namespace Blueshift.Functions.Apps;

/// <summary>An App Service app that Blueshift releases to, as registered with <c>PUT /api/apps/{name}</c>.</summary>
/// <param name="Name">Blueshift's name for the app: lowercase letters, digits and hyphens, 1–60 characters.</param>
/// <param name="ResourceId">ARM id of the production site: <c>/subscriptions/{s}/resourceGroups/{rg}/providers/Microsoft.Web/sites/{site}</c>.</param>
/// <param name="StagingSlot">The slot new versions are deployed to before they take traffic.</param>
/// <param name="Policy">Per-app overrides of the policies in ARCHITECTURE.md §4; null fields keep the defaults.</param>
/// <param name="Notifications">Where rollback and failure notifications go. Keys for them come from settings, never from here.</param>
/// <param name="Compliance">What the compliance jobs check beyond the defaults (desired settings, DR slot, secrets); null keeps the defaults.</param>
public sealed record ManagedApp(
    string Name,
    string ResourceId,
    string StagingSlot = "staging",
    string HealthCheckPath = "/health",
    IReadOnlyList<SmokeTest>? SmokeTests = null,
    AppPolicyOverrides? Policy = null,
    IReadOnlyList<NotificationTarget>? Notifications = null,
    AppComplianceSettings? Compliance = null);

/// <summary>An HTTP check against the staging slot before it takes traffic (and against production after the swap).</summary>
/// <param name="Critical">A failed critical smoke test fails the release; a non-critical one is reported only.</param>
public sealed record SmokeTest(string Name, string Path, int ExpectedStatus = 200, string? BodyContains = null, bool Critical = true);

public sealed record AppPolicyOverrides(
    IReadOnlyList<int>? TrafficSteps = null,
    TimeSpan? BakeTime = null,
    double? MaxErrorRateRatio = null,
    double? MinErrorRateToFail = null,
    double? MaxLatencyRatio = null,
    long? MinimumRequests = null,
    TimeSpan? PostSwapWatch = null,
    string? AlertSeverityThreshold = null);

/// <summary>An app's own terms for the compliance jobs (<see cref="Compliance.ComplianceJob"/>).</summary>
/// <param name="DesiredSettings">The production app settings as they should be (config drift compares them; values of secret settings are never shown).</param>
/// <param name="SettingsMatchingStaging">Settings whose production and staging values must be equal (config drift).</param>
/// <param name="DrSlot">The slot the monthly restore test restores into; null means the deployment's default (<c>dr</c>). Never production.</param>
/// <param name="Secrets">Key Vault secrets policy lists for the app, besides those its app settings reference (secret rotation).</param>
/// <param name="BackupsRequired">Whether the backup jobs check the app; null or true means they do.</param>
public sealed record AppComplianceSettings(
    IReadOnlyDictionary<string, string>? DesiredSettings = null,
    IReadOnlyList<string>? SettingsMatchingStaging = null,
    string? DrSlot = null,
    IReadOnlyList<PolicySecret>? Secrets = null,
    bool? BackupsRequired = null);

/// <summary>A Key Vault secret policy names for an app, by its URI without version (<c>https://{vault}.vault.azure.net/secrets/{name}</c>).</summary>
/// <param name="Kind">The secret's kind when the secret carries no kind tag: <c>database-credential</c>, <c>api-key</c>, <c>encryption-key</c>, <c>integration-token</c>.</param>
public sealed record PolicySecret(Uri SecretUri, string? Kind = null);

/// <param name="Kind"><c>webhook</c> (JSON POST) or <c>eventgrid</c> (CloudEvents to an Event Grid topic endpoint).</param>
public sealed record NotificationTarget(string Kind, Uri Endpoint);

/// <summary>The registry of managed apps.</summary>
public interface IManagedAppStore
{
    Task<ManagedApp?> GetAsync(string name, CancellationToken cancellationToken);

    /// <summary>Finds the app whose production site is <paramref name="resourceId"/> or one of its slots (case-insensitive).</summary>
    Task<ManagedApp?> FindByResourceIdAsync(string resourceId, CancellationToken cancellationToken);

    /// <summary>Creates or replaces the registration; returns true when it was created.</summary>
    Task<bool> PutAsync(ManagedApp app, CancellationToken cancellationToken);

    IAsyncEnumerable<ManagedApp> ListAsync(CancellationToken cancellationToken);
}
