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

/// <summary>One drifted setting. <see cref="Reason"/> shows values only for settings that are not secret.</summary>
public sealed record DriftItem(string Name, DriftKind Kind, bool IsSecret, string Reason);

public sealed record DriftReport(IReadOnlyList<DriftItem> Items)
{
    public bool HasDrift => Items.Count > 0;
}

/// <summary>
/// Which settings are secret. Names listed in <see cref="SecretNames"/> are secret; so, to be safe by default, is any name
/// that looks like a credential (contains one of <see cref="SecretNameMarkers"/>).
/// </summary>
public sealed record ConfigDriftOptions
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
            var secret = options.IsSecret(name);
            if (!actualByName.TryGetValue(name, out var have))
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
                items.Add(new DriftItem(name, DriftKind.Extra, options.IsSecret(name), $"Setting '{name}' exists but is not in the desired configuration."));
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
