using Azure;
using Blueshift.AppServiceEmulator;
using Blueshift.Functions.Apps;
using Blueshift.Functions.Compliance;
using Blueshift.Functions.Compliance.SecretRotation;
using Blueshift.Testing;
using Microsoft.Extensions.DependencyInjection;
using Xunit;

namespace Blueshift.Functions.Tests.Compliance;

/// <summary>The secret rotation check on the App Service emulator (app settings over ARM) and its Key Vault stand-in (https).</summary>
public sealed class SecretRotationCheckTests(ComplianceEmulatorFixture world, AzuriteFixture azurite)
    : IClassFixture<ComplianceEmulatorFixture>, IClassFixture<AzuriteFixture>, IDisposable
{
    private static readonly DateTimeOffset Now = ComplianceEmulatorFixture.Now;
    private const string Vault = "kv-shop";

    private readonly ServiceProvider _services = world.Services(azurite);

    private IComplianceCheck Check => ComplianceEmulatorFixture.Check(_services, ComplianceJob.SecretRotation);

    public void Dispose() => _services.Dispose();

    private static string Unique(string prefix) => $"{prefix}-{Guid.NewGuid().ToString("N")[..8]}";

    private static string UriReference(string secret, string? version = null) =>
        $"@Microsoft.KeyVault(SecretUri=https://{Vault}.vault.azure.net/secrets/{secret}/{version})";

    private static string NameReference(string secret) => $"@Microsoft.KeyVault(VaultName={Vault};SecretName={secret})";

    private void Seed(string secret, string? kind, DateTimeOffset created, DateTimeOffset? expires = null, string value = "not-a-real-secret") =>
        world.Vault.SetSecret(secret, new VaultSecretSpec(value,
            Tags: kind is null ? null : new Dictionary<string, string> { ["secret-kind"] = kind, ["owner"] = "payments" },
            Created: created, Updated: created, Expires: expires));

    private async Task<(EmulatedSite Site, ManagedApp App)> AppAsync(IReadOnlyDictionary<string, string> settings, AppComplianceSettings? compliance = null)
    {
        var (site, app) = await world.CreateAppAsync("rot", compliance);
        world.Emulator.SetAppSettings(site.Production, settings);
        return (site, app);
    }

    [Fact]
    public async Task Check_DatabaseCredentialOlderThanAQuarter_IsOverdueUntilRotated()
    {
        var secret = Unique("db-password");
        Seed(secret, "database-credential", new DateTimeOffset(2026, 8, 20, 9, 0, 0, TimeSpan.Zero));
        var (_, app) = await AppAsync(new Dictionary<string, string> { ["DB_PASSWORD"] = UriReference(secret), ["MODE"] = "live" });

        var observation = Assert.Single(await Check.CheckAsync(app, Now, CancellationToken.None));

        Assert.Equal((SecretRotationCheck.Overdue, $"{Vault}/{secret}", FindingSeverity.High), (observation.Kind, observation.Subject, observation.Severity));
        Assert.Contains("2026-11-20", observation.Summary, StringComparison.Ordinal);
        Assert.Equal("2026-08-20T09:00:00.0000000+00:00", observation.Evidence["lastRotatedAt"]);
        Assert.Equal("database-credential", observation.Evidence["kind"]);
        Assert.Equal("tag", observation.Evidence["kindSource"]);
        Assert.Equal("DB_PASSWORD", observation.Evidence["referencedBy"]);

        // Rotated: a new current version, created now.
        Seed(secret, "database-credential", Now.AddHours(-1));
        Assert.Empty(await Check.CheckAsync(app, Now, CancellationToken.None));
    }

    [Fact]
    public async Task Check_CompliantSecretsBothReferenceForms_RaisesNothing()
    {
        var db = Unique("db");
        var key = Unique("api-key");
        Seed(db, "database-credential", Now.AddDays(-30), expires: Now.AddDays(200));
        Seed(key, "api-key", Now.AddDays(-100));
        var (_, app) = await AppAsync(new Dictionary<string, string>
        {
            ["DB"] = UriReference(db, "0123456789abcdef0123456789abcdef"),
            ["PAYMENTS_API_KEY"] = NameReference(key),
            ["PLAIN"] = "@Microsoft.KeyVault is mentioned, not used",
        });

        Assert.Empty(await Check.CheckAsync(app, Now, CancellationToken.None));
    }

    [Fact]
    public async Task Check_DueSoonUnclassifiedAndPolicyKind_AreJudgedPerSecret()
    {
        var soon = Unique("db-soon");
        var untagged = Unique("untagged");
        var listed = Unique("listed");
        Seed(soon, "database-credential", new DateTimeOffset(2026, 9, 5, 0, 0, 0, TimeSpan.Zero));
        Seed(untagged, null, Now.AddDays(-10));
        Seed(listed, null, Now.AddDays(-400));
        var compliance = new AppComplianceSettings(Secrets: [new PolicySecret(new Uri($"https://{Vault}.vault.azure.net/secrets/{listed}"), "encryption-key")]);
        var (_, app) = await AppAsync(new Dictionary<string, string> { ["A"] = NameReference(soon), ["B"] = NameReference(untagged) }, compliance);

        var observations = (await Check.CheckAsync(app, Now, CancellationToken.None)).ToDictionary(o => o.Subject);

        Assert.Equal((SecretRotationCheck.DueSoon, FindingSeverity.Low), (observations[$"{Vault}/{soon}"].Kind, observations[$"{Vault}/{soon}"].Severity));
        Assert.Equal((SecretRotationCheck.Unclassified, FindingSeverity.Low), (observations[$"{Vault}/{untagged}"].Kind, observations[$"{Vault}/{untagged}"].Severity));
        var overdue = observations[$"{Vault}/{listed}"];
        Assert.Equal((SecretRotationCheck.Overdue, "policy", "encryption-key", "policy"),
            (overdue.Kind, overdue.Evidence["kindSource"], overdue.Evidence["kind"], overdue.Evidence["referencedBy"]));
        Assert.Equal(3, observations.Count);
    }

    [Fact]
    public async Task Check_SecretReferencedTwiceAndListed_IsOneObservationWithThePolicyKind()
    {
        var secret = Unique("shared");
        Seed(secret, null, Now.AddDays(-120));
        var compliance = new AppComplianceSettings(Secrets: [new PolicySecret(new Uri($"https://{Vault}.vault.azure.net/secrets/{secret.ToUpperInvariant()}"), "database-credential")]);
        var (_, app) = await AppAsync(new Dictionary<string, string> { ["PRIMARY"] = NameReference(secret), ["REPLICA"] = UriReference(secret.ToUpperInvariant()) }, compliance);

        var observation = Assert.Single(await Check.CheckAsync(app, Now, CancellationToken.None));

        Assert.Equal((SecretRotationCheck.Overdue, $"{Vault}/{secret}"), (observation.Kind, observation.Subject));
        Assert.Equal(("PRIMARY,REPLICA", "policy", "database-credential"), (observation.Evidence["referencedBy"], observation.Evidence["kindSource"], observation.Evidence["kind"]));
    }

    [Fact]
    public async Task Check_ExpiryWithinTheWindowOrPast_IsExpiringOrExpiredUntilExtended()
    {
        var expiring = Unique("expiring");
        var expired = Unique("expired");
        Seed(expiring, "api-key", Now.AddDays(-5), expires: Now.AddDays(10));
        Seed(expired, "api-key", Now.AddDays(-5), expires: Now.AddHours(-2));
        var (_, app) = await AppAsync(new Dictionary<string, string> { ["A"] = NameReference(expiring), ["B"] = UriReference(expired) });

        var observations = (await Check.CheckAsync(app, Now, CancellationToken.None)).ToDictionary(o => o.Subject);

        Assert.Equal((SecretRotationCheck.Expiring, FindingSeverity.Medium), (observations[$"{Vault}/{expiring}"].Kind, observations[$"{Vault}/{expiring}"].Severity));
        Assert.Equal((SecretRotationCheck.Expired, FindingSeverity.High), (observations[$"{Vault}/{expired}"].Kind, observations[$"{Vault}/{expired}"].Severity));
        Assert.Equal(2, observations.Count);

        world.Vault.UpdateSecret(expiring, expires: Now.AddDays(90));
        world.Vault.UpdateSecret(expired, expires: Now.AddDays(90));
        Assert.Empty(await Check.CheckAsync(app, Now, CancellationToken.None));
    }

    [Fact]
    public async Task Check_ExpiryWarningOption_WidensTheWindow()
    {
        var secret = Unique("expiring");
        Seed(secret, "api-key", Now.AddDays(-5), expires: Now.AddDays(45));
        var (_, app) = await AppAsync(new Dictionary<string, string> { ["A"] = NameReference(secret) });
        using var services = world.Services(azurite, new Dictionary<string, string?> { [$"{SecretRotationCheckOptions.SectionName}:ExpiryWarning"] = "60.00:00:00" });

        Assert.Empty(await Check.CheckAsync(app, Now, CancellationToken.None));
        var observation = Assert.Single(await ComplianceEmulatorFixture.Check(services, ComplianceJob.SecretRotation).CheckAsync(app, Now, CancellationToken.None));
        Assert.Equal(SecretRotationCheck.Expiring, observation.Kind);
    }

    [Fact]
    public async Task Check_ReferencedOrListedSecretTheVaultLacks_IsMissingUntilCreated()
    {
        var referenced = Unique("gone");
        var listed = Unique("never");
        var compliance = new AppComplianceSettings(Secrets: [new PolicySecret(new Uri($"https://{Vault}.vault.azure.net/secrets/{listed}"), "api-key")]);
        var (_, app) = await AppAsync(new Dictionary<string, string> { ["TOKEN"] = UriReference(referenced) }, compliance);

        var observations = await Check.CheckAsync(app, Now, CancellationToken.None);

        Assert.Equal(new[] { (SecretRotationCheck.Missing, $"{Vault}/{listed}"), (SecretRotationCheck.Missing, $"{Vault}/{referenced}") }.Order(),
            observations.Select(o => (o.Kind, o.Subject)).Order());
        Assert.All(observations, o => Assert.Equal(FindingSeverity.High, o.Severity));

        Seed(referenced, "api-key", Now.AddDays(-1));
        Seed(listed, "api-key", Now.AddDays(-1));
        Assert.Empty(await Check.CheckAsync(app, Now, CancellationToken.None));
    }

    [Fact]
    public async Task Check_VaultThrottlesTwice_SdkRetriesAndTheCheckSucceeds()
    {
        var secret = Unique("db");
        Seed(secret, "database-credential", Now.AddDays(-200));
        var (_, app) = await AppAsync(new Dictionary<string, string> { ["DB"] = NameReference(secret) });
        world.Vault.AddFault(429, 2, TimeSpan.Zero);

        var observation = Assert.Single(await Check.CheckAsync(app, Now, CancellationToken.None));

        Assert.Equal(SecretRotationCheck.Overdue, observation.Kind);
        Assert.Empty(world.Vault.PendingFaults());
    }

    [Fact]
    public async Task Check_VaultKeepsFailing_Throws()
    {
        var secret = Unique("db");
        Seed(secret, "database-credential", Now.AddDays(-200));
        var (_, app) = await AppAsync(new Dictionary<string, string> { ["DB"] = NameReference(secret) });
        world.Vault.AddFault(503, 10, TimeSpan.Zero);
        try
        {
            var error = await Assert.ThrowsAsync<RequestFailedException>(() => Check.CheckAsync(app, Now, CancellationToken.None));
            Assert.Equal(503, error.Status);
        }
        finally
        {
            world.Vault.ClearFaults();
        }
    }

    [Fact]
    public async Task Check_ReadsPropertiesOnly_NeverAValue()
    {
        const string distinctive = "zq-SECRET-VALUE-7f3a9c-do-not-leak";
        var names = new[] { Unique("overdue"), Unique("untagged"), Unique("expired") };
        Seed(names[0], "database-credential", Now.AddDays(-300), value: distinctive + "-0");
        Seed(names[1], null, Now.AddDays(-3), value: distinctive + "-1");
        Seed(names[2], "api-key", Now.AddDays(-3), expires: Now.AddDays(-1), value: distinctive + "-2");
        var (_, app) = await AppAsync(new Dictionary<string, string>
        {
            ["A_PASSWORD"] = NameReference(names[0]),
            ["B"] = UriReference(names[1]),
            ["C_KEY"] = NameReference(names[2]),
        });
        world.Vault.ClearRequests();

        var observations = await Check.CheckAsync(app, Now, CancellationToken.None);

        Assert.Equal(3, observations.Count);
        Assert.DoesNotContain(distinctive, System.Text.Json.JsonSerializer.Serialize(observations), StringComparison.Ordinal);
        // Only version listings: never GET /secrets/{name} or /secrets/{name}/{version}, which return the value.
        Assert.All(world.Vault.Requests().Where(r => r.Authenticated), r => Assert.EndsWith("/versions", r.Path, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Check_ReferenceToAHostOutsideTheVaultSuffix_IsAnObservationAndNoVaultRequest()
    {
        var secret = Unique("db");
        var listed = Unique("listed");
        Seed(secret, "database-credential", Now.AddDays(-1));
        Seed(listed, "api-key", Now.AddDays(-1));
        var compliance = new AppComplianceSettings(Secrets: [new PolicySecret(new Uri($"https://{Vault}.vault.elsewhere.example/secrets/{listed}"), "api-key")]);
        var (_, app) = await AppAsync(new Dictionary<string, string>
        {
            ["DB"] = $"@Microsoft.KeyVault(SecretUri=https://{Vault}.vault.attacker.example/secrets/{secret})",
        }, compliance);
        world.Vault.ClearRequests();

        var observations = await Check.CheckAsync(app, Now, CancellationToken.None);

        Assert.Equal(new[] { $"{Vault}/{listed}", $"{Vault}/{secret}" }.Order(), observations.Select(o => o.Subject).Order());
        Assert.All(observations, o => Assert.Equal((SecretRotationCheck.UntrustedVault, FindingSeverity.Medium), (o.Kind, o.Severity)));
        var referenced = Assert.Single(observations, o => o.Subject == $"{Vault}/{secret}");
        Assert.Equal($"{Vault}.vault.attacker.example", referenced.Evidence["host"]);
        Assert.Contains("vault.azure.net", referenced.Summary, StringComparison.Ordinal);
        Assert.Empty(world.Vault.Requests());
    }
}
