using Blueshift.Functions.Apps;
using Xunit;

namespace Blueshift.Functions.Tests.Apps;

/// <summary>The compliance terms of <c>PUT /api/apps/{name}</c>: pure shape and range checks.</summary>
public sealed class ComplianceValidationTests
{
    private const string SiteId = ManagedAppValidationTests.SiteId;

    private static ManagedApp? Validate(ComplianceBody compliance, out IDictionary<string, string[]> errors, IReadOnlyDictionary<string, string>? stored = null) =>
        ManagedAppValidation.Validate("shop-web", new PutAppBody(SiteId, Compliance: compliance), false, out errors, stored);

    [Fact]
    public void Validate_FullTerms_NormalizesKinds()
    {
        var app = Validate(new ComplianceBody(
            new Dictionary<string, string?> { ["MODE"] = "live", ["App:Feature.Flag-1"] = "" },
            ["MODE"], "dr-restore",
            [new PolicySecretBody("https://kv-shop.vault.azure.net/secrets/db", "DatabaseCredentials"), new PolicySecretBody("https://kv-shop.vault.azure.net/secrets/other")],
            BackupsRequired: true), out var errors);

        Assert.Empty(errors);
        var compliance = app!.Compliance!;
        Assert.Equal("live", compliance.DesiredSettings!["MODE"]);
        Assert.Equal("", compliance.DesiredSettings["App:Feature.Flag-1"]);
        Assert.Equal("dr-restore", compliance.DrSlot);
        Assert.Equal([("https://kv-shop.vault.azure.net/secrets/db", "database-credential"), ("https://kv-shop.vault.azure.net/secrets/other", null)],
            compliance.Secrets!.Select(s => (s.SecretUri.ToString(), s.Kind)));
        Assert.True(compliance.BackupsRequired);
    }

    [Fact]
    public void Validate_TooMany_NamesTheListField()
    {
        var settings = Enumerable.Range(0, ManagedAppValidation.MaxDesiredSettings + 1).ToDictionary(i => $"S{i}", i => (string?)"v");
        var names = Enumerable.Range(0, ManagedAppValidation.MaxSettingsMatchingStaging + 1).Select(i => (string?)$"S{i}").ToList();
        var secrets = Enumerable.Range(0, ManagedAppValidation.MaxPolicySecrets + 1).Select(i => (PolicySecretBody?)new PolicySecretBody($"https://kv-shop.vault.azure.net/secrets/s{i}")).ToList();

        Assert.Null(Validate(new ComplianceBody(settings, names, Secrets: secrets), out var errors));

        Assert.Equal(["compliance.desiredSettings", "compliance.secrets", "compliance.settingsMatchingStaging"], errors.Keys.Order());
    }

    [Fact]
    public void Validate_TermsTooLargeForTheirTableProperty_AreRejectedAsAWhole()
    {
        var settings = Enumerable.Range(0, 10).ToDictionary(i => $"S{i}", _ => (string?)new string('v', ManagedAppValidation.MaxSettingValueLength));

        Assert.Null(Validate(new ComplianceBody(settings), out var errors));

        Assert.Equal(["compliance"], errors.Keys);
    }

    [Fact]
    public void Validate_NullValue_KeepsTheStoredValueOfThatSettingIgnoringCase()
    {
        var app = Validate(new ComplianceBody(new Dictionary<string, string?> { ["DB_PASSWORD"] = null, ["MODE"] = "live" }), out var errors,
            new Dictionary<string, string> { ["db_password"] = "kept", ["OTHER"] = "dropped" });

        Assert.Empty(errors);
        Assert.Equal(new Dictionary<string, string> { ["DB_PASSWORD"] = "kept", ["MODE"] = "live" }, app!.Compliance!.DesiredSettings);
    }

    [Fact]
    public void Validate_SameSettingOrSecretTwice_IsRejected()
    {
        Assert.Null(Validate(new ComplianceBody(
            new Dictionary<string, string?> { ["MODE"] = "a", ["mode"] = "b" },
            Secrets: [new PolicySecretBody("https://kv-shop.vault.azure.net/secrets/a"), new PolicySecretBody("https://KV-SHOP.vault.azure.net/secrets/A")]), out var errors));

        Assert.Equal(["compliance.desiredSettings.mode", "compliance.secrets[1].secretUri"], errors.Keys.Order());
    }

    [Fact]
    public void WithheldSecrets_SecretLookingPlainValues_AreNullReferencesAndOthersShown()
    {
        var app = new ManagedApp("shop-web", SiteId, Compliance: new AppComplianceSettings(new Dictionary<string, string>
        {
            ["MODE"] = "live",
            ["DB_PASSWORD"] = "hunter2",
            ["STORAGE_SAS"] = "sv=2024&sig=abc",
            ["API_KEY"] = "@Microsoft.KeyVault(VaultName=kv-shop;SecretName=api-key)",
        }));

        var shown = ManagedAppValidation.WithheldSecrets(app, Domain.Compliance.ConfigDriftOptions.Default).Compliance!.DesiredSettings!;

        Assert.Equal("live", shown["MODE"]);
        Assert.Null(shown["DB_PASSWORD"]);
        Assert.Null(shown["STORAGE_SAS"]);
        Assert.Equal("@Microsoft.KeyVault(VaultName=kv-shop;SecretName=api-key)", shown["API_KEY"]);
        Assert.Equal("hunter2", app.Compliance!.DesiredSettings!["DB_PASSWORD"]);
    }

    [Fact]
    public void WithheldSecrets_CredentialInTheValueOfAPlainName_IsNull()
    {
        const string sas = "https://shop.blob.core.windows.net/exports?sv=2024-08-04&sp=r&sig=c2lnbmF0dXJl";
        const string connection = "DefaultEndpointsProtocol=https;AccountName=shop;AccountKey=a2V5;EndpointSuffix=core.windows.net";
        var app = new ManagedApp("shop-web", SiteId, Compliance: new AppComplianceSettings(new Dictionary<string, string>
        {
            ["EXPORTS"] = sas,
            ["STORAGE"] = connection,
            ["FEED"] = "https://shop.blob.core.windows.net/exports",
        }));

        var shown = ManagedAppValidation.WithheldSecrets(app, Domain.Compliance.ConfigDriftOptions.Default).Compliance!.DesiredSettings!;

        Assert.Null(shown["EXPORTS"]);
        Assert.Null(shown["STORAGE"]);
        Assert.Equal("https://shop.blob.core.windows.net/exports", shown["FEED"]);
    }

    [Theory]
    [InlineData("https://kv-shop.vault.attacker.example/secrets/a", "vault.azure.net", false)]
    [InlineData("https://kv-shop.vault.azure.net.attacker.example/secrets/a", "vault.azure.net", false)]
    [InlineData("https://kv-gov.vault.usgovcloudapi.net/secrets/a", "vault.azure.net", false)]
    [InlineData("https://kv-gov.vault.usgovcloudapi.net/secrets/a", "vault.usgovcloudapi.net", true)]
    [InlineData("https://kv-shop.vault.azure.net/secrets/a", "vault.azure.net", true)]
    public void Validate_SecretUriOutsideTheVaultSuffix_IsAFieldError(string secretUri, string suffix, bool valid)
    {
        var app = ManagedAppValidation.Validate("shop-web", new PutAppBody(SiteId, Compliance: new ComplianceBody(Secrets: [new PolicySecretBody(secretUri)])),
            false, out var errors, vaultDnsSuffix: suffix);

        Assert.Equal(valid, app is not null);
        Assert.Equal(valid ? [] : ["compliance.secrets[0].secretUri"], errors.Keys);
    }
}
