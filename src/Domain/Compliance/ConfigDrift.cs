using System.Text.RegularExpressions;

namespace Blueshift.Domain.Compliance;

public enum DriftKind
{
    /// <summary>The setting exists with a different value.</summary>
    Changed,

    /// <summary>A desired setting is absent.</summary>
    Missing,

    /// <summary>A setting exists that the desired configuration does not name.</summary>
    Extra,
}

/// <summary>One drifted setting. <see cref="Reason"/> shows values only for settings that are not secret by name or value.</summary>
public sealed record DriftItem(string Name, DriftKind Kind, bool IsSecret, string Reason);

public sealed record DriftReport(IReadOnlyList<DriftItem> Items)
{
    public bool HasDrift => Items.Count > 0;
}

/// <summary>
/// Which settings are secret. Names listed in <see cref="SecretNames"/> are secret; so, to be safe by default, is any name
/// that looks like a credential (contains one of <see cref="SecretNameMarkers"/>), and any value that carries one
/// (<see cref="LooksSecret"/>: a SAS signature, a connection string's key or password, a password in a URL).
/// </summary>
public sealed partial record ConfigDriftOptions
{
    public static ConfigDriftOptions Default { get; } = new();

    public IReadOnlySet<string> SecretNames { get; init; } = new HashSet<string>(StringComparer.OrdinalIgnoreCase);

    public IReadOnlyList<string> SecretNameMarkers { get; init; } =
        ["PASSWORD", "PWD", "SECRET", "KEY", "TOKEN", "CONNECTIONSTRING", "CONNECTION_STRING", "CREDENTIAL", "_URL", "SAS"];

    /// <summary>Settings that are managed elsewhere (the platform's own settings, for example) and never reported.</summary>
    public IReadOnlySet<string> IgnoredNames { get; init; } = new HashSet<string>(StringComparer.OrdinalIgnoreCase);

    public bool ReportExtra { get; init; } = true;

    public bool IsSecret(string name) =>
        SecretNames.Contains(name) || SecretNameMarkers.Any(m => name.Contains(m, StringComparison.OrdinalIgnoreCase));

    /// <summary>
    /// True when the setting is secret by its name (<see cref="IsSecret"/>) or its value carries a credential whatever the
    /// name: a <c>key=value</c> pair of a connection string or query (<c>AccountKey=</c>, <c>Password=</c>, <c>pwd=</c>,
    /// <c>SharedAccessKey=</c>, <c>SharedAccessSignature=</c>, a SAS <c>sig=</c>, …) or a URL with a password
    /// (<c>scheme://user:password@host</c>).
    /// </summary>
    public bool LooksSecret(string name, string? value) => IsSecret(name) || ValueCarriesCredential(value);

    private static bool ValueCarriesCredential(string? value) =>
        !string.IsNullOrEmpty(value) && (CredentialPair().IsMatch(value) || UrlWithPassword().IsMatch(value));

    // The pair's name at the start, or after ';', '?', '&' or a space, so "signature-version=" or "a password" do not count.
    [GeneratedRegex(
        @"(?:^|[;?&\s])\s*(?:AccountKey|AccessKey|SharedAccessKey|SharedAccessSignature|sig|Password|Passwd|Pwd|ClientSecret|client_secret|Secret|access_token|refresh_token|Token|ApiKey|api_key|api-key)\s*=\s*[^;&\s]",
        RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex CredentialPair();

    [GeneratedRegex(@"[a-z][a-z0-9+.-]*://[^/\s@:]*:[^/\s@]+@", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex UrlWithPassword();
}

public static class ConfigDrift
{
    private const int MaxShownValueLength = 80;

    /// <summary>Compares settings by name, case-insensitively (as App Service app settings are), values exactly.</summary>
    public static DriftReport Compare(IReadOnlyDictionary<string, string?> desired, IReadOnlyDictionary<string, string?> actual, ConfigDriftOptions options)
    {
        ArgumentNullException.ThrowIfNull(desired);
        ArgumentNullException.ThrowIfNull(actual);
        ArgumentNullException.ThrowIfNull(options);

        var actualByName = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
        foreach (var (name, value) in actual)
        {
            actualByName[name] = value;
        }
        var desiredNames = new HashSet<string>(desired.Keys, StringComparer.OrdinalIgnoreCase);

        var items = new List<DriftItem>();
        foreach (var (name, want) in desired.OrderBy(d => d.Key, StringComparer.OrdinalIgnoreCase))
        {
            if (options.IgnoredNames.Contains(name))
            {
                continue;
            }
            var present = actualByName.TryGetValue(name, out var have);
            // Either side's value can make the setting secret: a SAS put in place of a plain URL is shown on neither side.
            var secret = options.LooksSecret(name, want) || options.LooksSecret(name, have);
            if (!present)
            {
                items.Add(new DriftItem(name, DriftKind.Missing, secret, $"Setting '{name}' is missing."));
            }
            else if (!string.Equals(want, have, StringComparison.Ordinal))
            {
                items.Add(new DriftItem(name, DriftKind.Changed, secret, secret
                    ? $"Setting '{name}' differs from the desired value (secret: values not shown)."
                    : $"Setting '{name}' is {Show(have)}, desired {Show(want)}."));
            }
        }

        if (options.ReportExtra)
        {
            foreach (var name in actualByName.Keys.Where(n => !desiredNames.Contains(n) && !options.IgnoredNames.Contains(n)).Order(StringComparer.OrdinalIgnoreCase))
            {
                items.Add(new DriftItem(name, DriftKind.Extra, options.LooksSecret(name, actualByName[name]), $"Setting '{name}' exists but is not in the desired configuration."));
            }
        }
        return new DriftReport(items);
    }

    private static string Show(string? value) => value switch
    {
        null => "unset",
        { Length: > MaxShownValueLength } => $"\"{value[..MaxShownValueLength]}…\"",
        _ => $"\"{value}\"",
    };
}
