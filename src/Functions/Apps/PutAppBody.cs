using Blueshift.Functions.Api;

namespace Blueshift.Functions.Apps;

/// <summary>The body of <c>PUT /api/apps/{name}</c>; the name comes from the route.</summary>
/// <param name="ResourceId">ARM id of the production site: <c>/subscriptions/{guid}/resourceGroups/{group}/providers/Microsoft.Web/sites/{site}</c>.</param>
public sealed record PutAppBody(
    string? ResourceId,
    string? StagingSlot = null,
    string? HealthCheckPath = null,
    IReadOnlyList<SmokeTestBody?>? SmokeTests = null,
    PolicyBody? Policy = null,
    IReadOnlyList<NotificationBody?>? Notifications = null,
    string? Name = null,
    ComplianceBody? Compliance = null);

/// <param name="BakeTime">ISO 8601 (<c>PT30M</c>) or <c>00:30:00</c>, 1 s to 24 h.</param>
/// <param name="MaxErrorRateRatio">The canary fails when its error rate exceeds the baseline's times this (1–100; default 2).</param>
/// <param name="MinErrorRateToFail">…and exceeds this fraction of requests (0 ≤ x &lt; 1; default 0.01 = 1 %).</param>
/// <param name="MaxLatencyRatio">The canary fails when its latency exceeds the baseline's times this (1–100; default 1.5).</param>
/// <param name="MinimumRequests">Fewer requests than this in a window make the analysis inconclusive (1–10,000,000).</param>
/// <param name="PostSwapWatch">How long production is watched after the swap (1 s to 24 h; default 10 min).</param>
/// <param name="AlertSeverityThreshold">Azure Monitor alerts of this severity or worse roll back (Sev0–Sev4).</param>
public sealed record PolicyBody(
    IReadOnlyList<int>? TrafficSteps = null,
    string? BakeTime = null,
    double? MaxErrorRateRatio = null,
    double? MinErrorRateToFail = null,
    double? MaxLatencyRatio = null,
    long? MinimumRequests = null,
    string? PostSwapWatch = null,
    string? AlertSeverityThreshold = null);

/// <param name="Kind"><c>webhook</c> or <c>eventgrid</c>.</param>
/// <param name="Endpoint">Absolute https URI; keys for it come from Blueshift's settings, never from here.</param>
public sealed record NotificationBody(string? Kind, string? Endpoint);

/// <summary>An app's terms for the compliance jobs; see <see cref="AppComplianceSettings"/>.</summary>
/// <param name="DesiredSettings">
/// Production app settings as they should be (name → value). Answers withhold the values of secret settings (those the
/// config drift check holds secret: <c>Blueshift:Compliance:ConfigDrift:SecretNames</c>, secret-looking names and values
/// carrying a credential, <see cref="Domain.Compliance.ConfigDriftOptions.LooksSecret"/>) unless they are Key Vault references, showing null; a
/// null value sent back keeps the value stored for that setting. Prefer Key Vault references for secret settings.
/// </param>
/// <param name="SettingsMatchingStaging">Settings whose production and staging values must be equal.</param>
/// <param name="DrSlot">The slot restore tests restore into (a deployment slot, never <c>production</c>).</param>
/// <param name="Secrets">Key Vault secrets to check besides those the app settings reference.</param>
/// <param name="BackupsRequired">False exempts the app from the backup jobs.</param>
public sealed record ComplianceBody(
    IReadOnlyDictionary<string, string?>? DesiredSettings = null,
    IReadOnlyList<string?>? SettingsMatchingStaging = null,
    string? DrSlot = null,
    IReadOnlyList<PolicySecretBody?>? Secrets = null,
    bool? BackupsRequired = null);

/// <param name="SecretUri">The secret's URI without a version: <c>https://{vault}.vault.azure.net/secrets/{name}</c> (the vault DNS suffix of Blueshift's cloud).</param>
/// <param name="Kind"><c>database-credential</c>, <c>api-key</c>, <c>encryption-key</c> or <c>integration-token</c>; used when the secret has no <c>secret-kind</c> tag.</param>
public sealed record PolicySecretBody(string? SecretUri, string? Kind = null);

/// <summary>Pure shape and range checks of an app registration.</summary>
public static class ManagedAppValidation
{
    public const int MaxNotifications = 10;
    public static readonly IReadOnlyList<string> NotificationKinds = ["webhook", "eventgrid"];
    public static readonly IReadOnlyList<string> AlertSeverities = ["Sev0", "Sev1", "Sev2", "Sev3", "Sev4"];

    public const int MaxDesiredSettings = 250;
    public const int MaxSettingNameLength = 256;
    public const int MaxSettingValueLength = 4096;

    /// <summary>The compliance terms are stored in one table property, which holds at most 32 K characters.</summary>
    public const int MaxComplianceJsonLength = 30_000;
    public const int MaxSettingsMatchingStaging = 250;
    public const int MaxPolicySecrets = 50;
    public const string DefaultVaultDnsSuffix = "vault.azure.net";

    /// <param name="storedDesiredSettings">The desired settings stored now; a null value in the body keeps the stored one.</param>
    /// <param name="vaultDnsSuffix">Where the secret rotation check reads vaults (<c>Blueshift:Compliance:SecretRotation:VaultDnsSuffix</c>); secret URIs must name a vault under it.</param>
    public static ManagedApp? Validate(
        string name, PutAppBody body, bool allowLoopbackHttp, out IDictionary<string, string[]> errors,
        IReadOnlyDictionary<string, string>? storedDesiredSettings = null, string vaultDnsSuffix = DefaultVaultDnsSuffix)
    {
        var e = new FieldErrors();
        FieldRules.AppName(e, "name", name);
        if (body.Name is not null && body.Name != name)
        {
            e.Add("name", $"The body names '{JsonBody.Printable(body.Name)}' but the URL names '{JsonBody.Printable(name)}'; leave the body's name out or make them equal.");
        }

        if (string.IsNullOrEmpty(body.ResourceId))
        {
            e.Add("resourceId", "Required: the ARM id of the production site.");
        }
        else if (!ResourceIds.IsSiteId(body.ResourceId))
        {
            e.Add("resourceId", ResourceIds.SiteKey(body.ResourceId) is not null
                ? "Name the production site, not a slot: drop the '/slots/…' part."
                : "Use '/subscriptions/{subscription guid}/resourceGroups/{group}/providers/Microsoft.Web/sites/{site}'.");
        }

        FieldRules.SlotName(e, "stagingSlot", body.StagingSlot);

        if (body.HealthCheckPath is not null && !FieldRules.IsRelativePath(body.HealthCheckPath))
        {
            e.Add("healthCheckPath", "Must be a path on the app starting with '/', e.g. '/health'.");
        }

        var smokeTests = FieldRules.SmokeTests(e, "smokeTests", body.SmokeTests);
        var policy = Policy(e, body.Policy);
        var notifications = Notifications(e, body.Notifications, allowLoopbackHttp);
        var compliance = Compliance(e, body.Compliance, storedDesiredSettings, vaultDnsSuffix.Trim('.'));

        errors = e.ToDictionary();
        if (e.Any)
        {
            return null;
        }
        return new ManagedApp(
            name,
            body.ResourceId!,
            body.StagingSlot ?? "staging",
            body.HealthCheckPath ?? "/health",
            smokeTests,
            policy,
            notifications,
            compliance);
    }

    /// <summary>App Service app setting names: letters, digits, '_', '.', '-' and ':'.</summary>
    public static bool IsSettingName(string? name) =>
        !string.IsNullOrEmpty(name) && name.Length <= MaxSettingNameLength && name.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '.' or '-' or ':');

    /// <summary>
    /// The desired settings as answers show them: values of the settings <paramref name="policy"/> holds secret by name or
    /// value (the config drift check's policy, so the API withholds what findings withhold) are withheld (null) unless they
    /// are Key Vault references, which point at a secret and are none.
    /// </summary>
    public static ManagedApp WithheldSecrets(ManagedApp app, Domain.Compliance.ConfigDriftOptions policy)
    {
        ArgumentNullException.ThrowIfNull(policy);
        if (app.Compliance?.DesiredSettings is not { Count: > 0 } desired)
        {
            return app;
        }
        var shown = new Dictionary<string, string>(desired.Count, StringComparer.Ordinal);
        foreach (var (setting, value) in desired)
        {
            // Null on the wire: "set, value withheld"; sent back, it keeps the stored value.
            shown[setting] = policy.LooksSecret(setting, value) && !Blueshift.Functions.Compliance.KeyVaultReferences.LooksLikeReference(value) ? null! : value;
        }
        return app with { Compliance = app.Compliance with { DesiredSettings = shown } };
    }

    private static AppComplianceSettings? Compliance(FieldErrors e, ComplianceBody? body, IReadOnlyDictionary<string, string>? stored, string vaultDnsSuffix)
    {
        if (body is null)
        {
            return null;
        }
        var desired = DesiredSettings(e, body.DesiredSettings, stored);
        var matching = SettingsMatchingStaging(e, body.SettingsMatchingStaging);
        FieldRules.SlotName(e, "compliance.drSlot", body.DrSlot);
        var secrets = PolicySecrets(e, body.Secrets, vaultDnsSuffix);
        var settings = new AppComplianceSettings(desired, matching, body.DrSlot, secrets, body.BackupsRequired);
        if (!e.Any && System.Text.Json.JsonSerializer.Serialize(settings).Length > MaxComplianceJsonLength)
        {
            e.Add("compliance", $"Too large: the compliance terms must fit in {MaxComplianceJsonLength} characters of JSON; keep long values in Key Vault and reference them.");
        }
        return settings;
    }

    private static Dictionary<string, string>? DesiredSettings(FieldErrors e, IReadOnlyDictionary<string, string?>? settings, IReadOnlyDictionary<string, string>? stored)
    {
        const string field = "compliance.desiredSettings";
        if (settings is null)
        {
            return null;
        }
        if (settings.Count > MaxDesiredSettings)
        {
            e.Add(field, $"At most {MaxDesiredSettings} settings.");
            return null;
        }
        var result = new Dictionary<string, string>(settings.Count, StringComparer.Ordinal);
        var names = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var (setting, value) in settings)
        {
            if (!IsSettingName(setting))
            {
                e.Add(field, $"'{JsonBody.Printable(setting)}' is not an app setting name: 1–{MaxSettingNameLength} letters, digits, '_', '.', '-' or ':'.");
                continue;
            }
            var at = $"{field}.{setting}";
            if (!names.Add(setting))
            {
                e.Add(at, "App setting names ignore case: name each setting once.");
                continue;
            }
            if (value is null)
            {
                // A withheld value sent back: keep what is stored.
                if (stored is not null && stored.FirstOrDefault(s => s.Key.Equals(setting, StringComparison.OrdinalIgnoreCase)) is { Key: not null } kept)
                {
                    result[setting] = kept.Value;
                }
                else
                {
                    e.Add(at, "Give the value; null keeps a stored value, and none is stored for this setting.");
                }
                continue;
            }
            if (value.Length > MaxSettingValueLength)
            {
                e.Add(at, $"At most {MaxSettingValueLength} characters.");
                continue;
            }
            result[setting] = value;
        }
        return result;
    }

    private static List<string>? SettingsMatchingStaging(FieldErrors e, IReadOnlyList<string?>? settings)
    {
        const string field = "compliance.settingsMatchingStaging";
        if (settings is null)
        {
            return null;
        }
        if (settings.Count > MaxSettingsMatchingStaging)
        {
            e.Add(field, $"At most {MaxSettingsMatchingStaging} settings.");
            return null;
        }
        var result = new List<string>(settings.Count);
        var names = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        for (var i = 0; i < settings.Count; i++)
        {
            if (!IsSettingName(settings[i]))
            {
                e.Add($"{field}[{i}]", $"An app setting name: 1–{MaxSettingNameLength} letters, digits, '_', '.', '-' or ':'.");
            }
            else if (!names.Add(settings[i]!))
            {
                e.Add($"{field}[{i}]", "Name each setting once (names ignore case).");
            }
            else
            {
                result.Add(settings[i]!);
            }
        }
        return result;
    }

    private static List<PolicySecret>? PolicySecrets(FieldErrors e, IReadOnlyList<PolicySecretBody?>? secrets, string vaultDnsSuffix)
    {
        const string field = "compliance.secrets";
        if (secrets is null)
        {
            return null;
        }
        if (secrets.Count > MaxPolicySecrets)
        {
            e.Add(field, $"At most {MaxPolicySecrets} secrets.");
            return null;
        }
        var result = new List<PolicySecret>(secrets.Count);
        var subjects = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < secrets.Count; i++)
        {
            var at = $"{field}[{i}]";
            if (secrets[i] is not { } secret)
            {
                e.Add(at, "A secret is an object: {\"secretUri\", \"kind\"}.");
                continue;
            }
            if (!Blueshift.Functions.Compliance.KeyVaultReferences.TryParseSecretUri(secret.SecretUri, allowVersion: false, out var reference)
                || !reference!.IsHostedUnder(vaultDnsSuffix))
            {
                e.Add($"{at}.secretUri", $"Required: the secret's https URI without a version, 'https://{{vault}}.{vaultDnsSuffix}/secrets/{{name}}'.");
                reference = null;
            }
            else if (!subjects.Add(reference!.Subject))
            {
                e.Add($"{at}.secretUri", "Name each secret once.");
                reference = null;
            }
            string? kind = null;
            if (secret.Kind is not null)
            {
                kind = Domain.Compliance.SecretRotation.ParseKindTag(secret.Kind) is { } parsed ? KindName(parsed) : null;
                if (kind is null)
                {
                    e.Add($"{at}.kind", "One of: database-credential, api-key, encryption-key, integration-token.");
                }
            }
            if (reference is not null && (secret.Kind is null || kind is not null))
            {
                result.Add(new PolicySecret(new Uri(secret.SecretUri!), kind));
            }
        }
        return result;
    }

    /// <summary>The kebab-case name of a secret kind, as tags and registrations spell it.</summary>
    public static string KindName(Domain.Compliance.SecretKind kind) => kind switch
    {
        Domain.Compliance.SecretKind.DatabaseCredential => "database-credential",
        Domain.Compliance.SecretKind.ApiKey => "api-key",
        Domain.Compliance.SecretKind.EncryptionKey => "encryption-key",
        Domain.Compliance.SecretKind.IntegrationToken => "integration-token",
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, null),
    };

    private static AppPolicyOverrides? Policy(FieldErrors e, PolicyBody? policy)
    {
        if (policy is null)
        {
            return null;
        }
        var steps = FieldRules.TrafficSteps(e, "policy.trafficSteps", policy.TrafficSteps);
        var bake = FieldRules.Duration(e, "policy.bakeTime", policy.BakeTime);
        Range(e, "policy.maxErrorRateRatio", policy.MaxErrorRateRatio, 1, 100);
        if (policy.MinErrorRateToFail is { } floor && (!double.IsFinite(floor) || floor is < 0 or >= 1))
        {
            e.Add("policy.minErrorRateToFail", "Must be a fraction from 0 up to (not including) 1; 0.01 means 1 %.");
        }
        Range(e, "policy.maxLatencyRatio", policy.MaxLatencyRatio, 1, 100);
        if (policy.MinimumRequests is < 1 or > 10_000_000)
        {
            e.Add("policy.minimumRequests", "Must be between 1 and 10000000.");
        }
        var watch = FieldRules.Duration(e, "policy.postSwapWatch", policy.PostSwapWatch);
        var severity = policy.AlertSeverityThreshold is null ? null : AlertSeverities.FirstOrDefault(s => s.Equals(policy.AlertSeverityThreshold, StringComparison.OrdinalIgnoreCase));
        if (policy.AlertSeverityThreshold is not null && severity is null)
        {
            e.Add("policy.alertSeverityThreshold", $"One of: {string.Join(", ", AlertSeverities)}.");
        }
        return new AppPolicyOverrides(steps, bake, policy.MaxErrorRateRatio, policy.MinErrorRateToFail, policy.MaxLatencyRatio, policy.MinimumRequests, watch, severity);
    }

    private static void Range(FieldErrors e, string field, double? value, double min, double max)
    {
        if (value is { } v && (!double.IsFinite(v) || v < min || v > max))
        {
            e.Add(field, $"Must be between {min} and {max}.");
        }
    }

    private static IReadOnlyList<NotificationTarget>? Notifications(FieldErrors e, IReadOnlyList<NotificationBody?>? targets, bool allowLoopbackHttp)
    {
        if (targets is null)
        {
            return null;
        }
        if (targets.Count > MaxNotifications)
        {
            e.Add("notifications", $"At most {MaxNotifications} notification targets.");
            return null;
        }
        var result = new List<NotificationTarget>(targets.Count);
        for (var i = 0; i < targets.Count; i++)
        {
            var at = $"notifications[{i}]";
            if (targets[i] is not { } target)
            {
                e.Add(at, "A notification target is an object: {\"kind\", \"endpoint\"}.");
                continue;
            }
            var kind = target.Kind is null ? null : NotificationKinds.FirstOrDefault(k => k.Equals(target.Kind, StringComparison.OrdinalIgnoreCase));
            if (kind is null)
            {
                e.Add($"{at}.kind", $"Required, one of: {string.Join(", ", NotificationKinds)}.");
            }
            var endpoint = FieldRules.OutboundUri(e, $"{at}.endpoint", target.Endpoint, allowLoopbackHttp, required: true, "where notifications are posted");
            if (kind is not null && endpoint is not null)
            {
                result.Add(new NotificationTarget(kind, endpoint));
            }
        }
        return result;
    }
}
