using System.Globalization;
using Blueshift.Domain.Compliance;
using Blueshift.Functions.Apps;
using Blueshift.Functions.Azure.AppService;
using Microsoft.Extensions.Options;
using Rotation = Blueshift.Domain.Compliance.SecretRotation;

namespace Blueshift.Functions.Compliance.SecretRotation;

/// <summary>
/// <see cref="ComplianceJob.SecretRotation"/> for one app: the Key Vault secrets its production app settings reference
/// (Key Vault references) plus those its registration lists (<see cref="AppComplianceSettings.Secrets"/>), each judged by
/// its current version: the time it was created (the last rotation) against the rotation period of its kind (the
/// <c>secret-kind</c> tag, else the registration's kind), and its expiry against the warning window. Properties only: no
/// secret value is read, and none appears in an observation.
/// </summary>
/// <remarks>Calls per app: one ARM call (the production settings) and one Key Vault listing of each secret's versions.</remarks>
internal sealed class SecretRotationCheck(WebSitesClient arm, ISecretPropertiesReader vault, IOptions<SecretRotationCheckOptions> options) : IComplianceCheck
{
    public const string Overdue = "secret-rotation.overdue";
    public const string DueSoon = "secret-rotation.due-soon";
    public const string Unclassified = "secret-rotation.unclassified";
    public const string Expiring = "secret-rotation.expiring";
    public const string Expired = "secret-rotation.expired";
    public const string Missing = "secret-rotation.missing";
    public const string UntrustedVault = "secret-rotation.untrusted-vault";

    public ComplianceJob Job => ComplianceJob.SecretRotation;

    public async Task<IReadOnlyList<Observation>> CheckAsync(ManagedApp app, DateTimeOffset now, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(app);
        var settings = await arm.ListAppSettingsAsync(SiteId.Parse(app.ResourceId).Production, cancellationToken);
        var suffix = options.Value.VaultDnsSuffix.Trim('.');
        var secrets = Referenced(app, settings, suffix);
        var policy = SecretRotationPolicy.Default with { DueSoonWithin = options.Value.DueSoonWithin };
        var observations = new List<Observation>();
        foreach (var used in secrets.Values.OrderBy(s => s.Secret.Subject, StringComparer.Ordinal))
        {
            if (!used.Secret.IsHostedUnder(suffix))
            {
                // Never a request: the host is the app owner's choice, and Blueshift's identity must not be sent to it.
                observations.Add(Untrusted(used, suffix));
                continue;
            }
            var current = await vault.GetCurrentAsync(used.Secret, cancellationToken);
            observations.AddRange(Judge(used, current, now, policy, options.Value.ExpiryWarning));
        }
        return observations;
    }

    /// <summary>A secret the app uses: the settings that reference it (none when only policy lists it) and the kind policy gives it.</summary>
    private sealed record UsedSecret(KeyVaultSecretRef Secret, List<string> Settings, string? PolicyKind);

    // One entry per secret (by vault and name, ignoring case) however many settings reference it; a reference to a host
    // outside the vault suffix is an entry of its own, so it neither hides nor is hidden by the real vault's secret.
    private static Dictionary<string, UsedSecret> Referenced(ManagedApp app, IReadOnlyDictionary<string, string> settings, string suffix)
    {
        static string Key(KeyVaultSecretRef secret, string suffix) =>
            secret.IsHostedUnder(suffix) ? secret.Subject : $"{secret.VaultUri!.IdnHost}|{secret.Subject}";

        var used = new Dictionary<string, UsedSecret>(StringComparer.Ordinal);
        foreach (var (name, value) in settings.OrderBy(s => s.Key, StringComparer.Ordinal))
        {
            if (!KeyVaultReferences.TryParseReference(value, out var reference))
            {
                continue;
            }
            var key = Key(reference!, suffix);
            if (!used.TryGetValue(key, out var secret))
            {
                used[key] = secret = new UsedSecret(reference!, [], null);
            }
            secret.Settings.Add(name);
        }
        foreach (var listed in app.Compliance?.Secrets ?? [])
        {
            if (KeyVaultReferences.TryParseSecretUri(listed.SecretUri.OriginalString, allowVersion: false, out var reference))
            {
                var key = Key(reference!, suffix);
                used[key] = used.TryGetValue(key, out var known)
                    ? known with { PolicyKind = listed.Kind }
                    : new UsedSecret(reference!, [], listed.Kind);
            }
        }
        return used;
    }

    private static Observation Untrusted(UsedSecret used, string suffix)
    {
        var subject = used.Secret.Subject;
        var host = used.Secret.VaultUri!.IdnHost;
        return new Observation(UntrustedVault, subject, FindingSeverity.Medium,
            $"Secret '{subject}' is {Where(used)} at host '{host}', which is not a vault under {suffix}; Blueshift does not send its " +
            $"identity there, so the secret is not checked. Name it as https://{used.Secret.Vault}.{suffix}/secrets/{used.Secret.Name}.",
            new Dictionary<string, string>
            {
                ["vault"] = used.Secret.Vault,
                ["secret"] = used.Secret.Name,
                ["host"] = host,
                ["vaultDnsSuffix"] = suffix,
                ["referencedBy"] = used.Settings.Count > 0 ? string.Join(",", used.Settings) : "policy",
            });
    }

    private static IEnumerable<Observation> Judge(UsedSecret used, SecretVersionProperties? current, DateTimeOffset now, SecretRotationPolicy policy, TimeSpan expiryWarning)
    {
        var subject = used.Secret.Subject;
        var evidence = new Dictionary<string, string>
        {
            ["vault"] = used.Secret.Vault,
            ["secret"] = used.Secret.Name,
            ["referencedBy"] = used.Settings.Count > 0 ? string.Join(",", used.Settings) : "policy",
        };
        if (current is null)
        {
            yield return new Observation(Missing, subject, FindingSeverity.High,
                $"Secret '{subject}' is {Where(used)} but the vault has no such secret.", evidence);
            yield break;
        }

        var created = current.CreatedOn ?? current.UpdatedOn ?? now;
        var tag = current.Tags.TryGetValue(policy.KindTagName, out var tagged) && !string.IsNullOrWhiteSpace(tagged) ? tagged : null;
        var kindSource = tag is not null ? "tag" : used.PolicyKind is not null ? "policy" : "none";
        var verdict = Rotation.Evaluate(used.Secret.Name, tag ?? used.PolicyKind, created, now, policy);
        evidence["version"] = current.Version ?? "";
        evidence["lastRotatedAt"] = Format(created);
        evidence["enabled"] = current.Enabled is false ? "false" : "true";
        evidence["kind"] = verdict.Kind is { } kind ? ManagedAppValidation.KindName(kind) : "unknown";
        evidence["kindSource"] = kindSource;
        if (verdict.DueAt is { } due)
        {
            evidence["dueAt"] = Format(due);
        }
        if (current.ExpiresOn is { } expires)
        {
            evidence["expiresAt"] = Format(expires);
        }

        var reason = verdict.Reason.Replace($"'{used.Secret.Name}'", $"'{subject}'", StringComparison.Ordinal);
        switch (verdict.Status)
        {
            case RotationStatus.Overdue:
                yield return new Observation(Overdue, subject, FindingSeverity.High, reason, evidence);
                break;
            case RotationStatus.DueSoon:
                yield return new Observation(DueSoon, subject, FindingSeverity.Low, reason, evidence);
                break;
            case RotationStatus.Unclassified:
                yield return new Observation(Unclassified, subject, FindingSeverity.Low, reason, evidence);
                break;
        }

        if (current.ExpiresOn is { } expiry)
        {
            if (expiry <= now)
            {
                yield return new Observation(Expired, subject, FindingSeverity.High,
                    $"Secret '{subject}' expired at {expiry:u}, {Span(now - expiry)} ago; the app can no longer rely on it.", evidence);
            }
            else if (expiry - now <= expiryWarning)
            {
                yield return new Observation(Expiring, subject, FindingSeverity.Medium,
                    $"Secret '{subject}' expires at {expiry:u}, in {Span(expiry - now)} (warning window {Span(expiryWarning)}).", evidence);
            }
        }
    }

    private static string Where(UsedSecret used) => used.Settings.Count > 0
        ? $"referenced by the app setting{(used.Settings.Count > 1 ? "s" : "")} {string.Join(", ", used.Settings.Select(s => $"'{s}'"))}"
        : "listed in the app's compliance secrets";

    private static string Format(DateTimeOffset time) => time.ToUniversalTime().ToString("O", CultureInfo.InvariantCulture);

    private static string Span(TimeSpan span)
    {
        span = span.Duration();
        return span.TotalDays >= 1 ? $"{(int)span.TotalDays} d {span.Hours} h"
            : span.TotalHours >= 1 ? $"{(int)span.TotalHours} h {span.Minutes} min"
            : $"{(int)span.TotalMinutes} min";
    }
}

public static class SecretRotationCheckServiceCollectionExtensions
{
    /// <summary>
    /// Registers the secret rotation check as an <see cref="IComplianceCheck"/>, its options (<see cref="SecretRotationCheckOptions.SectionName"/>,
    /// validated here so a bad configuration stops start-up) and the <see cref="KeyVaultSecretReader"/> with Blueshift's
    /// Azure identity (<see cref="Azure.AzureOptions"/>, the one the ARM clients use). Uses the ARM client
    /// <see cref="Azure.AzureServiceCollectionExtensions.AddAzureResourceManager"/> registers.
    /// </summary>
    /// <param name="configureClient">Changes the Key Vault clients' options; tests use it to trust the Key Vault stand-in's certificate.</param>
    public static IServiceCollection AddSecretRotationCheck(this IServiceCollection services, IConfiguration configuration, Action<global::Azure.Security.KeyVault.Secrets.SecretClientOptions>? configureClient = null)
    {
        var options = configuration.GetSection(SecretRotationCheckOptions.SectionName).Get<SecretRotationCheckOptions>() ?? new SecretRotationCheckOptions();
        options.Validate();
        var azure = configuration.GetSection(Azure.AzureOptions.SectionName).Get<Azure.AzureOptions>() ?? new Azure.AzureOptions();
        azure.Validate();
        // The development token is for the emulator only: without the stand-in's endpoint the check fails when it runs, and
        // says why, rather than stopping the app's start (local runs without the stand-in keep working).
        var unavailable = string.Equals(azure.Credential, "Development", StringComparison.OrdinalIgnoreCase) && options.VaultEndpoint is null
            ? $"{SecretRotationCheckOptions.SectionName}:VaultEndpoint must name the Key Vault stand-in when {Azure.AzureOptions.SectionName}:Credential is 'Development'."
            : null;
        services.AddOptions<SecretRotationCheckOptions>().Bind(configuration.GetSection(SecretRotationCheckOptions.SectionName));
        var reader = new KeyVaultSecretReader(Azure.AzureServiceCollectionExtensions.CreateCredential(azure), options, configureClient) { Unavailable = unavailable };
        services.AddSingleton(reader);
        services.AddSingleton<ISecretPropertiesReader>(reader);
        services.AddSingleton<IComplianceCheck, SecretRotationCheck>();
        return services;
    }
}
