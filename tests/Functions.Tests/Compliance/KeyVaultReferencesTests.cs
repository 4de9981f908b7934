using Blueshift.Functions.Compliance;
using Xunit;

namespace Blueshift.Functions.Tests.Compliance;

public sealed class KeyVaultReferencesTests
{
    [Theory]
    [InlineData("@Microsoft.KeyVault(SecretUri=https://kv-shop.vault.azure.net/secrets/db-password/)", "kv-shop/db-password", "https://kv-shop.vault.azure.net/")]
    [InlineData("@Microsoft.KeyVault(SecretUri=https://KV-Shop.vault.azure.net/secrets/DB-Password)", "kv-shop/db-password", "https://kv-shop.vault.azure.net/")]
    [InlineData("@Microsoft.KeyVault(SecretUri=https://kv-shop.vault.azure.net/secrets/db-password/0123456789abcdef0123456789abcdef)", "kv-shop/db-password", "https://kv-shop.vault.azure.net/")]
    [InlineData("  @microsoft.keyvault(SecretUri=https://kv-gov.vault.usgovcloudapi.net/secrets/token)  ", "kv-gov/token", "https://kv-gov.vault.usgovcloudapi.net/")]
    [InlineData("@Microsoft.KeyVault(VaultName=kv-shop;SecretName=api-key)", "kv-shop/api-key", null)]
    [InlineData("@Microsoft.KeyVault(VaultName=kv-shop; SecretName=api-key; SecretVersion=0123456789abcdef0123456789abcdef)", "kv-shop/api-key", null)]
    public void TryParseReference_BothForms_NameVaultAndSecret(string value, string subject, string? vaultUri)
    {
        Assert.True(KeyVaultReferences.TryParseReference(value, out var reference));
        Assert.Equal(subject, reference!.Subject);
        Assert.Equal(vaultUri, reference.VaultUri?.ToString());
    }

    [Theory]
    [InlineData("plain value")]
    [InlineData("@Microsoft.KeyVault()")]
    [InlineData("@Microsoft.KeyVault(SecretUri=http://kv-shop.vault.azure.net/secrets/a)")]
    [InlineData("@Microsoft.KeyVault(SecretUri=https://kv-shop.example.com/secrets/a)")]
    [InlineData("@Microsoft.KeyVault(SecretUri=https://kv-shop.vault.azure.net/keys/a)")]
    [InlineData("@Microsoft.KeyVault(SecretUri=https://kv-shop.vault.azure.net/secrets/a?x=1)")]
    [InlineData("@Microsoft.KeyVault(VaultName=kv;SecretName=a)")]
    [InlineData("@Microsoft.KeyVault(VaultName=kv-shop)")]
    [InlineData("@Microsoft.KeyVault(VaultName=kv-shop;SecretName=a_b)")]
    [InlineData("prefix @Microsoft.KeyVault(VaultName=kv-shop;SecretName=a)")]
    public void TryParseReference_NotAReference_IsFalse(string value)
    {
        Assert.False(KeyVaultReferences.TryParseReference(value, out var reference));
        Assert.Null(reference);
    }

    [Theory]
    [InlineData("https://kv-shop.vault.azure.net/secrets/a", true)]
    [InlineData("https://kv-shop.vault.azure.net/secrets/a/0123456789abcdef0123456789abcdef", false)]
    [InlineData("https://kv-shop.vault.azure.net:8443/secrets/a", false)]
    [InlineData("https://user@kv-shop.vault.azure.net/secrets/a", false)]
    [InlineData("https://kv-shop.vault.azure.net/secrets/a#x", false)]
    public void TryParseSecretUri_WithoutVersion_AcceptsOnlyThePlainSecretUri(string uri, bool valid) =>
        Assert.Equal(valid, KeyVaultReferences.TryParseSecretUri(uri, allowVersion: false, out _));

    [Theory]
    [InlineData("@Microsoft.KeyVault(SecretUri=https://kv-shop.vault.azure.net/secrets/a)", "vault.azure.net", true)]
    [InlineData("@Microsoft.KeyVault(SecretUri=https://KV-SHOP.Vault.Azure.Net/secrets/a)", ".vault.azure.net.", true)]
    [InlineData("@Microsoft.KeyVault(VaultName=kv-shop;SecretName=a)", "vault.azure.net", true)]
    [InlineData("@Microsoft.KeyVault(SecretUri=https://kv-gov.vault.usgovcloudapi.net/secrets/a)", "vault.usgovcloudapi.net", true)]
    [InlineData("@Microsoft.KeyVault(SecretUri=https://kv-gov.vault.usgovcloudapi.net/secrets/a)", "vault.azure.net", false)]
    [InlineData("@Microsoft.KeyVault(SecretUri=https://kv-shop.vault.attacker.example/secrets/a)", "vault.azure.net", false)]
    [InlineData("@Microsoft.KeyVault(SecretUri=https://kv-shop.vault.azure.net.attacker.example/secrets/a)", "vault.azure.net", false)]
    public void IsHostedUnder_OnlyTheVaultNameUnderTheSuffix(string value, string suffix, bool hosted)
    {
        Assert.True(KeyVaultReferences.TryParseReference(value, out var reference));

        Assert.Equal(hosted, reference!.IsHostedUnder(suffix));
    }
}
