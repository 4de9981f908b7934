using System.Globalization;
using Blueshift.Domain.Compliance;
using Blueshift.Functions.Apps;
using Blueshift.Functions.Azure.AppService;
using Blueshift.Functions.Releases;
using Blueshift.Functions.Traffic;
using Microsoft.Extensions.Options;

namespace Blueshift.Functions.Compliance.ConfigDrift;

/// <summary>The config drift check's settings (<c>Blueshift:Compliance:ConfigDrift</c>).</summary>
public sealed class ConfigDriftCheckOptions
{
    public const string SectionName = "Blueshift:Compliance:ConfigDrift";

    /// <summary>Settings whose values are secret besides those whose names look like credentials (<see cref="ConfigDriftOptions.IsSecret"/>).</summary>
    public List<string> SecretNames { get; set; } = [];

    /// <summary>Settings never reported: by default the release stamps Blueshift itself writes to the slots.</summary>
    public List<string> IgnoredNames { get; set; } = [ReleaseMarker.ReleaseIdSetting, ReleaseMarker.VersionSetting];

    /// <summary>Whether production settings the desired configuration does not name are findings (<c>config-drift.setting-extra</c>).</summary>
    public bool ReportExtra { get; set; } = true;

    public ConfigDriftOptions ToPolicy() => ConfigDriftOptions.Default with
    {
        SecretNames = new HashSet<string>(SecretNames, StringComparer.OrdinalIgnoreCase),
        IgnoredNames = new HashSet<string>(IgnoredNames, StringComparer.OrdinalIgnoreCase),
        ReportExtra = ReportExtra,
    };
}

/// <summary>
/// <see cref="ComplianceJob.ConfigDrift"/> for one app: its production app settings against the desired settings it declares
/// (<see cref="AppComplianceSettings.DesiredSettings"/>) and against its staging slot for the settings that must match
/// (<see cref="AppComplianceSettings.SettingsMatchingStaging"/>), and a routing rule to the staging slot left on while no
/// release holds the app. A secret setting's value never appears in an observation: secret settings are those whose
/// names look like credentials, those configured as secret, those whose value carries a credential on either side (a SAS,
/// a connection string's key or password: <see cref="ConfigDriftOptions.LooksSecret"/>), and those whose value is a Key
/// Vault reference on either side.
/// </summary>
/// <remarks>ARM calls per app: production settings (when there is anything to compare), production <c>config/web</c>, the
/// staging settings (when settings must match), the staging site (only when a rule routes traffic).</remarks>
internal sealed class ConfigDriftCheck(WebSitesClient arm, ReleaseRegistry releases, IOptions<ConfigDriftCheckOptions> options) : IComplianceCheck
{
    public const string SettingChanged = "config-drift.setting-changed";
    public const string SettingMissing = "config-drift.setting-missing";
    public const string SettingExtra = "config-drift.setting-extra";
    public const string SlotMismatch = "config-drift.slot-mismatch";
    public const string RoutingLeftOn = "config-drift.routing-left-on";

    private const int MaxShownValueLength = 80;

    public ComplianceJob Job => ComplianceJob.ConfigDrift;

    /// <remarks><paramref name="now"/> is not needed: drift is judged on the state ARM reports now.</remarks>
    public async Task<IReadOnlyList<Observation>> CheckAsync(ManagedApp app, DateTimeOffset now, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(app);
        var production = SiteId.Parse(app.ResourceId).Production;
        var policy = options.Value.ToPolicy();
        var observations = new List<Observation>();

        var desired = app.Compliance?.DesiredSettings;
        var matching = app.Compliance?.SettingsMatchingStaging;
        if (desired is not null || matching is { Count: > 0 })
        {
            var actual = await arm.ListAppSettingsAsync(production, cancellationToken);
            if (desired is not null)
            {
                observations.AddRange(Drift(desired, actual, policy));
            }
            if (matching is { Count: > 0 })
            {
                var staging = await arm.ListAppSettingsAsync(production.WithSlot(app.StagingSlot), cancellationToken);
                observations.AddRange(Mismatches(matching, actual, staging, app.StagingSlot, policy));
            }
        }

        if (await RoutingLeftOnAsync(app, production, cancellationToken) is { } routing)
        {
            observations.Add(routing);
        }
        return observations;
    }

    private static IEnumerable<Observation> Drift(IReadOnlyDictionary<string, string> desired, IReadOnlyDictionary<string, string> actual, ConfigDriftOptions policy)
    {
        // A Key Vault reference on either side marks the setting secret: what it resolves to, or what replaced it, may be one.
        var secretNames = new HashSet<string>(policy.SecretNames, StringComparer.OrdinalIgnoreCase);
        secretNames.UnionWith(desired.Where(s => KeyVaultReferences.LooksLikeReference(s.Value)).Select(s => s.Key));
        secretNames.UnionWith(actual.Where(s => KeyVaultReferences.LooksLikeReference(s.Value)).Select(s => s.Key));
        var judged = policy with { SecretNames = secretNames };

        var report = Domain.Compliance.ConfigDrift.Compare(
            desired.ToDictionary(s => s.Key, s => (string?)s.Value, StringComparer.Ordinal),
            actual.ToDictionary(s => s.Key, s => (string?)s.Value, StringComparer.Ordinal),
            judged);
        foreach (var item in report.Items)
        {
            var (kind, severity, drift) = item.Kind switch
            {
                DriftKind.Changed => (SettingChanged, FindingSeverity.Medium, "changed"),
                DriftKind.Missing => (SettingMissing, FindingSeverity.Medium, "missing"),
                _ => (SettingExtra, FindingSeverity.Low, "extra"),
            };
            // The domain's reason shows values only for settings that are not secret.
            yield return new Observation(kind, item.Name, severity, item.Reason + " (production slot)", new Dictionary<string, string>
            {
                ["setting"] = item.Name,
                ["drift"] = drift,
                ["secret"] = item.IsSecret ? "true" : "false",
                ["slot"] = SiteId.ProductionSlotName,
            });
        }
    }

    private static IEnumerable<Observation> Mismatches(
        IReadOnlyList<string> names, IReadOnlyDictionary<string, string> production, IReadOnlyDictionary<string, string> staging, string stagingSlot, ConfigDriftOptions policy)
    {
        foreach (var name in names.Where(n => !policy.IgnoredNames.Contains(n)).Order(StringComparer.OrdinalIgnoreCase))
        {
            var inProduction = Find(production, name);
            var inStaging = Find(staging, name);
            if (inProduction is null && inStaging is null)
            {
                continue;
            }
            if (string.Equals(inProduction, inStaging, StringComparison.Ordinal))
            {
                continue;
            }
            var secret = policy.LooksSecret(name, inProduction) || policy.LooksSecret(name, inStaging)
                || KeyVaultReferences.LooksLikeReference(inProduction) || KeyVaultReferences.LooksLikeReference(inStaging);
            var summary = (inProduction, inStaging) switch
            {
                (null, _) => $"Setting '{name}' is missing in production but set in the '{stagingSlot}' slot; the two must match.",
                (_, null) => $"Setting '{name}' is set in production but missing in the '{stagingSlot}' slot; the two must match.",
                _ when secret => $"Setting '{name}' differs between production and the '{stagingSlot}' slot (secret: values not shown); the two must match.",
                _ => $"Setting '{name}' is {Show(inProduction)} in production and {Show(inStaging)} in the '{stagingSlot}' slot; the two must match.",
            };
            yield return new Observation(SlotMismatch, name, FindingSeverity.Medium, summary, new Dictionary<string, string>
            {
                ["setting"] = name,
                ["slot"] = stagingSlot,
                ["inProduction"] = inProduction is null ? "missing" : "set",
                ["inSlot"] = inStaging is null ? "missing" : "set",
                ["secret"] = secret ? "true" : "false",
            });
        }
    }

    private async Task<Observation?> RoutingLeftOnAsync(ManagedApp app, SiteId production, CancellationToken cancellationToken)
    {
        var config = await arm.GetSiteConfigAsync(production, cancellationToken);
        var routed = config.RampUpRules.Where(r => r.ReroutePercentage > 0).ToList();
        if (routed.Count == 0)
        {
            return null;
        }
        // Blueshift names its rule after the slot; a rule named otherwise still counts when it sends traffic to the slot's host.
        var rule = routed.FirstOrDefault(r => r.Name.Equals(app.StagingSlot, StringComparison.OrdinalIgnoreCase));
        if (rule is null)
        {
            var host = (await arm.GetSiteAsync(production.WithSlot(app.StagingSlot), cancellationToken)).DefaultHostName;
            rule = routed.FirstOrDefault(r => host is not null && r.ActionHostName.Equals(host, StringComparison.OrdinalIgnoreCase));
        }
        if (rule is null || await releases.GetLockAsync(app.Name, cancellationToken) is not null)
        {
            return null;
        }
        var percent = rule.ReroutePercentage.ToString("0.##", CultureInfo.InvariantCulture);
        return new Observation(RoutingLeftOn, app.StagingSlot, FindingSeverity.High,
            $"Production routes {percent} % of its traffic to the '{app.StagingSlot}' slot (rule '{rule.Name}') while no release is active for the app; route 0 % or start a release.",
            new Dictionary<string, string>
            {
                ["rule"] = rule.Name,
                ["actionHostName"] = rule.ActionHostName,
                ["reroutePercentage"] = percent,
                ["slot"] = app.StagingSlot,
                ["releaseActive"] = "false",
            });
    }

    // App setting names ignore case.
    private static string? Find(IReadOnlyDictionary<string, string> settings, string name) =>
        settings.TryGetValue(name, out var exact) ? exact : settings.FirstOrDefault(s => s.Key.Equals(name, StringComparison.OrdinalIgnoreCase)).Value;

    private static string Show(string? value) => value switch
    {
        null => "unset",
        { Length: > MaxShownValueLength } => $"\"{value[..MaxShownValueLength]}…\"",
        _ => $"\"{value}\"",
    };
}

public static class ConfigDriftCheckServiceCollectionExtensions
{
    /// <summary>
    /// Registers the config drift check as an <see cref="IComplianceCheck"/> with its options (<see cref="ConfigDriftCheckOptions.SectionName"/>).
    /// It uses the ARM client and the release registry that <see cref="ReleaseServiceCollectionExtensions.AddReleases"/> registers.
    /// </summary>
    public static IServiceCollection AddConfigDriftCheck(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<ConfigDriftCheckOptions>().Bind(configuration.GetSection(ConfigDriftCheckOptions.SectionName));
        services.AddSingleton<IComplianceCheck, ConfigDriftCheck>();
        return services;
    }
}
