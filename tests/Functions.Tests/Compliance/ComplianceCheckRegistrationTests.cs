using Blueshift.Functions.Compliance;
using Blueshift.Functions.Compliance.ConfigDrift;
using Blueshift.Functions.Compliance.SecretRotation;
using Blueshift.Testing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Xunit;

namespace Blueshift.Functions.Tests.Compliance;

/// <summary>The checks as the app registers them next to its own services.</summary>
public sealed class ComplianceCheckRegistrationTests(AzuriteFixture azurite) : IClassFixture<AzuriteFixture>
{
    private ServiceProvider App(IDictionary<string, string?> settings)
    {
        var all = new Dictionary<string, string?>(settings)
        {
            ["AzureWebJobsStorage"] = azurite.ConnectionString,
            ["Blueshift:Api:AppsTable"] = AzuriteFixture.UniqueName("apps"),
            ["Blueshift:Audit:TableName"] = AzuriteFixture.UniqueName("audit"),
            ["Blueshift:Releases:TableName"] = AzuriteFixture.UniqueName("releases"),
        };
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(all).Build();
        var services = new ServiceCollection();
        services.AddSingleton<IConfiguration>(configuration);
        services.AddLogging();
        services.AddBlueshiftFunctions(configuration);
        return services.BuildServiceProvider();
    }

    [Fact]
    public void AddChecks_WithTheAppsServices_ResolveOneCheckPerJob()
    {
        using var app = App(new Dictionary<string, string?>());

        var checks = app.GetServices<IComplianceCheck>().ToList();

        Assert.Equal(
            [ComplianceJob.BackupRpo, ComplianceJob.BackupVerification, ComplianceJob.DrReminders, ComplianceJob.SecretRotation, ComplianceJob.ConfigDrift, ComplianceJob.Governance],
            checks.Select(c => c.Job).Order());
    }

    [Fact]
    public async Task SecretRotation_DevelopmentCredentialWithoutTheStandIn_FailsWhenItRunsSayingWhy()
    {
        using var app = App(new Dictionary<string, string?>
        {
            ["Blueshift:Azure:ResourceManagerEndpoint"] = "http://127.0.0.1:1",
            ["Blueshift:Azure:Credential"] = "Development",
        });
        var reader = app.GetRequiredService<KeyVaultSecretReader>();

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() =>
            reader.GetCurrentAsync(new KeyVaultSecretRef("kv-shop", "db"), CancellationToken.None));

        Assert.Contains(SecretRotationCheckOptions.SectionName + ":VaultEndpoint", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SecretReader_VaultUriFromTheNameAndSuffixOnly_AndAForeignHostIsRefusedBeforeAnyRequest()
    {
        // The managed identity (the default) is never asked for a token here: the reader refuses first.
        using var app = App(new Dictionary<string, string?> { ["Blueshift:Compliance:SecretRotation:VaultDnsSuffix"] = "vault.usgovcloudapi.net" });
        var reader = app.GetRequiredService<KeyVaultSecretReader>();
        Assert.True(KeyVaultReferences.TryParseReference("@Microsoft.KeyVault(SecretUri=https://kv-gov.vault.attacker.example/secrets/db)", out var foreign));

        Assert.Equal(new Uri("https://kv-gov.vault.usgovcloudapi.net/"), reader.VaultUriOf(foreign!));
        var error = await Assert.ThrowsAsync<ArgumentException>(() => reader.GetCurrentAsync(foreign!, CancellationToken.None));
        Assert.Contains("vault.usgovcloudapi.net", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("ExpiryWarning", "-1.00:00:00")]
    [InlineData("VaultDnsSuffix", "not a suffix")]
    [InlineData("VaultEndpoint", "https://kv-shop.vault.azure.net/")]
    [InlineData("MaxRetries", "50")]
    public void AddSecretRotationCheck_BadOption_StopsStartUp(string option, string value)
    {
        var error = Assert.Throws<InvalidOperationException>(() => App(new Dictionary<string, string?> { [$"{SecretRotationCheckOptions.SectionName}:{option}"] = value }));

        Assert.Contains(SecretRotationCheckOptions.SectionName, error.Message, StringComparison.Ordinal);
    }
}
