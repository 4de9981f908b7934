namespace Blueshift.Domain.Compliance;

/// <summary>Secret types of seed 000 §8.3, read from a tag on the secret.</summary>
public enum SecretKind
{
    DatabaseCredential,
    ApiKey,
    EncryptionKey,
    IntegrationToken,
}

public enum RotationStatus
{
    Ok,
    DueSoon,
    Overdue,

    /// <summary>The secret's kind is missing, unknown or has no rotation period: it cannot be judged and needs a person.</summary>
    Unclassified,
}

/// <summary>
/// Rotation periods: database credentials quarterly, API and encryption keys yearly. Integration tokens follow their
/// provider's policy, so they have no default and report Unclassified until a period is configured.
/// </summary>
public sealed record SecretRotationPolicy
{
    public static SecretRotationPolicy Default { get; } = new();

    /// <summary>The tag on a Key Vault secret that names its kind.</summary>
    public string KindTagName { get; init; } = "secret-kind";

    public IReadOnlyDictionary<SecretKind, Cadence> RotateEvery { get; init; } = new Dictionary<SecretKind, Cadence>
    {
        [SecretKind.DatabaseCredential] = Cadence.Quarterly,
        [SecretKind.ApiKey] = Cadence.Yearly,
        [SecretKind.EncryptionKey] = Cadence.Yearly,
    };

    public TimeSpan DueSoonWithin { get; init; } = TimeSpan.FromDays(14);
}

/// <summary>The verdict for one secret. It names the secret and never carries its value.</summary>
public sealed record SecretRotationCheck(string SecretName, SecretKind? Kind, RotationStatus Status, DateTimeOffset LastRotatedAt, DateTimeOffset? DueAt, string Reason);

public static class SecretRotation
{
    /// <summary>Reads a kind tag leniently: <c>database-credential</c>, <c>DatabaseCredentials</c>, <c>db</c>, <c>api-key</c>, <c>encryption_key</c>, <c>token</c>…</summary>
    public static SecretKind? ParseKindTag(string? tag)
    {
        if (string.IsNullOrWhiteSpace(tag))
        {
            return null;
        }
        var key = new string(tag.Where(char.IsLetterOrDigit).ToArray()).ToLowerInvariant();
        return key switch
        {
            "databasecredential" or "databasecredentials" or "database" or "db" or "dbcredential" or "dbcredentials" or "connectionstring" => SecretKind.DatabaseCredential,
            "apikey" or "apikeys" or "api" => SecretKind.ApiKey,
            "encryptionkey" or "encryptionkeys" or "encryption" => SecretKind.EncryptionKey,
            "integrationtoken" or "integrationtokens" or "token" => SecretKind.IntegrationToken,
            _ => null,
        };
    }

    public static SecretRotationCheck Evaluate(string secretName, string? kindTag, DateTimeOffset lastRotatedOrCreatedAt, DateTimeOffset now, SecretRotationPolicy policy)
    {
        ArgumentNullException.ThrowIfNull(policy);
        var kind = ParseKindTag(kindTag);
        if (kind is null)
        {
            var why = string.IsNullOrWhiteSpace(kindTag)
                ? $"has no '{policy.KindTagName}' tag"
                : $"has an unknown '{policy.KindTagName}' tag";
            return new SecretRotationCheck(secretName, null, RotationStatus.Unclassified, lastRotatedOrCreatedAt, null,
                $"Secret '{secretName}' {why}; tag it database-credential, api-key, encryption-key or integration-token so its rotation can be checked.");
        }
        return Evaluate(secretName, kind.Value, lastRotatedOrCreatedAt, now, policy);
    }

    public static SecretRotationCheck Evaluate(string secretName, SecretKind kind, DateTimeOffset lastRotatedOrCreatedAt, DateTimeOffset now, SecretRotationPolicy policy)
    {
        ArgumentNullException.ThrowIfNull(policy);
        if (!policy.RotateEvery.TryGetValue(kind, out var every) || !every.IsPositive)
        {
            return new SecretRotationCheck(secretName, kind, RotationStatus.Unclassified, lastRotatedOrCreatedAt, null,
                $"Secret '{secretName}' is a {kind} with no rotation period configured (its provider's policy applies); configure one to check it.");
        }
        var due = every.After(lastRotatedOrCreatedAt);
        if (now > due)
        {
            return new SecretRotationCheck(secretName, kind, RotationStatus.Overdue, lastRotatedOrCreatedAt, due,
                $"Secret '{secretName}' ({kind}, rotated {every}) was last rotated at {lastRotatedOrCreatedAt:u}; rotation was due at {due:u} and is {Durations.Format(now - due)} overdue.");
        }
        return due - now <= policy.DueSoonWithin
            ? new SecretRotationCheck(secretName, kind, RotationStatus.DueSoon, lastRotatedOrCreatedAt, due,
                $"Secret '{secretName}' ({kind}, rotated {every}) is due for rotation at {due:u}, in {Durations.Format(due - now)}.")
            : new SecretRotationCheck(secretName, kind, RotationStatus.Ok, lastRotatedOrCreatedAt, due,
                $"Secret '{secretName}' ({kind}, rotated {every}) is next due for rotation at {due:u}.");
    }
}
