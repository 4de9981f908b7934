namespace Blueshift.AppServiceEmulator;

/// <summary>One version of a secret held by the Key Vault stand-in.</summary>
public sealed record VaultSecretVersion(
    string Name,
    string Version,
    string Value,
    string? ContentType,
    IReadOnlyDictionary<string, string> Tags,
    bool Enabled,
    DateTimeOffset Created,
    DateTimeOffset Updated,
    DateTimeOffset? Expires,
    DateTimeOffset? NotBefore,
    bool Managed);

/// <summary>
/// What the control API or a test sets on a secret. A null date means "now" by the emulator's clock (created, updated)
/// or "none" (expires, notBefore).
/// </summary>
public sealed record VaultSecretSpec(
    string Value,
    string? ContentType = null,
    IReadOnlyDictionary<string, string>? Tags = null,
    bool Enabled = true,
    DateTimeOffset? Created = null,
    DateTimeOffset? Updated = null,
    DateTimeOffset? Expires = null,
    DateTimeOffset? NotBefore = null,
    bool Managed = false);

/// <summary>The secrets of the stand-in vault: each name holds its versions, the newest last (the current one).</summary>
internal sealed class VaultSecrets(TimeProvider time)
{
    private readonly object _gate = new();
    private readonly Dictionary<string, List<VaultSecretVersion>> _secrets = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>Adds a new current version, as Key Vault's Set Secret does.</summary>
    public VaultSecretVersion Set(string name, VaultSecretSpec spec)
    {
        ValidateName(name);
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentNullException.ThrowIfNull(spec.Value, nameof(spec.Value));
        var now = time.GetUtcNow();
        var created = spec.Created ?? now;
        var updated = spec.Updated ?? created;
        if (updated < created)
        {
            throw new ArgumentException("updated cannot be before created.", nameof(spec));
        }
        var version = new VaultSecretVersion(name, Guid.NewGuid().ToString("N"), spec.Value, spec.ContentType,
            new Dictionary<string, string>(spec.Tags ?? new Dictionary<string, string>(), StringComparer.Ordinal),
            spec.Enabled, Truncate(created), Truncate(updated), Truncate(spec.Expires), Truncate(spec.NotBefore), spec.Managed);
        lock (_gate)
        {
            if (!_secrets.TryGetValue(name, out var versions))
            {
                _secrets[name] = versions = [];
            }
            versions.Add(version);
        }
        return version;
    }

    /// <summary>Changes the current version's attributes in place (Key Vault's Update Secret); null leaves a field as it is.</summary>
    public VaultSecretVersion Update(string name, string? contentType, IReadOnlyDictionary<string, string>? tags, bool? enabled,
        DateTimeOffset? updated, DateTimeOffset? expires, DateTimeOffset? notBefore)
    {
        lock (_gate)
        {
            if (!_secrets.TryGetValue(name, out var versions))
            {
                throw new KeyNotFoundException($"No secret named '{name}'.");
            }
            var current = versions[^1];
            var next = current with
            {
                ContentType = contentType ?? current.ContentType,
                Tags = tags is null ? current.Tags : new Dictionary<string, string>(tags, StringComparer.Ordinal),
                Enabled = enabled ?? current.Enabled,
                Updated = Truncate(updated ?? time.GetUtcNow()),
                Expires = expires is null ? current.Expires : Truncate(expires),
                NotBefore = notBefore is null ? current.NotBefore : Truncate(notBefore),
            };
            if (next.Updated < next.Created)
            {
                throw new ArgumentException("updated cannot be before created.", nameof(updated));
            }
            versions[^1] = next;
            return next;
        }
    }

    public bool Delete(string name)
    {
        lock (_gate)
        {
            return _secrets.Remove(name);
        }
    }

    /// <summary>The current version of every secret, ordered by name.</summary>
    public IReadOnlyList<VaultSecretVersion> Current()
    {
        lock (_gate)
        {
            return [.. _secrets.OrderBy(s => s.Key, StringComparer.OrdinalIgnoreCase).Select(s => s.Value[^1])];
        }
    }

    /// <summary>Every version of a secret, oldest first; null when there is no such secret.</summary>
    public IReadOnlyList<VaultSecretVersion>? Versions(string name)
    {
        lock (_gate)
        {
            return _secrets.TryGetValue(name, out var versions) ? [.. versions] : null;
        }
    }

    public VaultSecretVersion? Get(string name, string? version)
    {
        lock (_gate)
        {
            if (!_secrets.TryGetValue(name, out var versions))
            {
                return null;
            }
            return string.IsNullOrEmpty(version)
                ? versions[^1]
                : versions.FirstOrDefault(v => v.Version.Equals(version, StringComparison.OrdinalIgnoreCase));
        }
    }

    // Key Vault keeps whole seconds (attributes are Unix seconds), so what a test sets is what a client reads back.
    private static DateTimeOffset Truncate(DateTimeOffset value) => DateTimeOffset.FromUnixTimeSeconds(value.ToUnixTimeSeconds());

    private static DateTimeOffset? Truncate(DateTimeOffset? value) => value is { } v ? Truncate(v) : null;

    internal static void ValidateName(string name)
    {
        // Key Vault: 1-127 characters, letters, digits and dashes.
        if (string.IsNullOrEmpty(name) || name.Length > 127 || !name.All(c => char.IsAsciiLetterOrDigit(c) || c == '-'))
        {
            throw new ArgumentException($"'{name}' is not a valid secret name: use 1-127 letters, digits and '-'.", nameof(name));
        }
    }
}
