using Azure.Data.Tables;
using Blueshift.Functions.Storage;
using Blueshift.Testing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Xunit;

namespace Blueshift.Functions.Tests.Storage;

public sealed class StorageConnectionTests(AzuriteFixture azurite) : IClassFixture<AzuriteFixture>
{
    private static IConfiguration Settings(params (string Name, string Value)[] settings) =>
        new ConfigurationBuilder().AddInMemoryCollection(settings.Select(s => KeyValuePair.Create(s.Name, (string?)s.Value))).Build();

    [Fact]
    public async Task FromConfiguration_AzuriteConnectionString_ReachesTheTableService()
    {
        var connection = StorageConnection.FromConfiguration(Settings(("AzureWebJobsStorage", azurite.ConnectionString)));
        var table = connection.CreateTableServiceClient().GetTableClient(AzuriteFixture.UniqueName());

        await table.CreateIfNotExistsAsync();
        await table.AddEntityAsync(new TableEntity("p", "r") { ["Value"] = 1 });

        Assert.Equal(1, (await table.GetEntityAsync<TableEntity>("p", "r")).Value.GetInt32("Value"));
        Assert.Equal(azurite.TableEndpoint.Authority, connection.TableServiceUri.Authority);
        Assert.False(connection.IsIdentityBased);
    }

    [Fact]
    public void FromConfiguration_UseDevelopmentStorage_PointsAtAzuritesDefaultTablePort()
    {
        var connection = StorageConnection.FromConfiguration(Settings(("AzureWebJobsStorage", "UseDevelopmentStorage=true")));

        Assert.Equal(("127.0.0.1", 10002), (connection.TableServiceUri.Host, connection.TableServiceUri.Port));
    }

    [Fact]
    public void FromConfiguration_TableServiceUriWithUserAssignedIdentity_UsesThatIdentity()
    {
        var connection = StorageConnection.FromConfiguration(Settings(
            ("AzureWebJobsStorage:tableServiceUri", "https://blueshiftstate.table.core.windows.net"),
            ("AzureWebJobsStorage:credential", "managedidentity"),
            ("AzureWebJobsStorage:clientId", "00000000-0000-0000-0000-000000000001")));

        Assert.True(connection.IsIdentityBased);
        Assert.Equal("user-assigned managed identity", connection.Description);
        Assert.Equal(new Uri("https://blueshiftstate.table.core.windows.net"), connection.TableServiceUri);
    }

    [Fact]
    public void FromConfiguration_AccountNameAlone_UsesDefaultAzureCredentialOnThePublicCloudEndpoint()
    {
        var connection = StorageConnection.FromConfiguration(Settings(("AzureWebJobsStorage:accountName", "blueshiftstate")));

        Assert.Equal(("DefaultAzureCredential", "https://blueshiftstate.table.core.windows.net/"), (connection.Description, connection.TableServiceUri.ToString()));
    }

    [Theory]
    [InlineData("AzureWebJobsStorage:tableServiceUri", "http://127.0.0.1:10002/devstoreaccount1", "must use https")]
    [InlineData("AzureWebJobsStorage:tableServiceUri", "not a uri", "absolute https URL")]
    [InlineData("AzureWebJobsStorage:accountName", "Not_An_Account", "3 to 24 lowercase letters and digits")]
    public void FromConfiguration_BadIdentityEndpoint_IsRefusedSayingWhy(string name, string value, string expected)
    {
        var ex = Assert.Throws<StorageConfigurationException>(() => StorageConnection.FromConfiguration(Settings((name, value))));

        Assert.Contains(expected, ex.Message);
    }

    [Fact]
    public void FromConfiguration_UnknownCredentialOrClientIdWithoutManagedIdentity_IsRefused()
    {
        const string endpoint = "https://blueshiftstate.table.core.windows.net";

        var unknown = Assert.Throws<StorageConfigurationException>(() => StorageConnection.FromConfiguration(Settings(
            ("AzureWebJobsStorage:tableServiceUri", endpoint), ("AzureWebJobsStorage:credential", "secret-ish-value"))));
        var clientIdAlone = Assert.Throws<StorageConfigurationException>(() => StorageConnection.FromConfiguration(Settings(
            ("AzureWebJobsStorage:tableServiceUri", endpoint), ("AzureWebJobsStorage:clientId", "00000000-0000-0000-0000-000000000001"))));

        Assert.DoesNotContain("secret-ish-value", unknown.Message);
        Assert.Contains("AzureWebJobsStorage__credential=managedidentity", clientIdAlone.Message);
    }

    [Fact]
    public void FromConfiguration_NothingSet_SaysWhichSettingsToSet()
    {
        var ex = Assert.Throws<StorageConfigurationException>(() => StorageConnection.FromConfiguration(Settings()));

        Assert.Contains("AzureWebJobsStorage is not set", ex.Message);
        Assert.Contains("AzureWebJobsStorage__tableServiceUri", ex.Message);
    }

    [Fact]
    public void FromConfiguration_ConnectionStringAndIdentitySettings_IsRefusedAsAmbiguous()
    {
        var ex = Assert.Throws<StorageConfigurationException>(() => StorageConnection.FromConfiguration(Settings(
            ("AzureWebJobsStorage", azurite.ConnectionString), ("AzureWebJobsStorage:accountName", "blueshiftstate"))));

        Assert.Contains("keep one of them", ex.Message);
        Assert.DoesNotContain(AzuriteFixture.AccountKey, ex.Message);
    }

    [Theory]
    [InlineData("AccountName=devstoreaccount1;AccountKey=c2VjcmV0LWtleQ==;NoSuchSetting")]
    [InlineData("c2VjcmV0LWtleQ==")]
    public void FromConfiguration_MalformedConnectionString_IsRefusedWithoutEchoingIt(string connectionString)
    {
        var ex = Assert.Throws<StorageConfigurationException>(() => StorageConnection.FromConfiguration(Settings(("AzureWebJobsStorage", connectionString))));

        Assert.Contains("AzureWebJobsStorage is not a valid storage connection string", ex.Message);
        Assert.DoesNotContain("c2VjcmV0LWtleQ==", ex.Message);
    }

    [Fact]
    public void AddBlueshiftStorage_CalledByEveryFeature_RegistersOneSharedTableServiceClient()
    {
        var services = new ServiceCollection();
        var configuration = Settings(("AzureWebJobsStorage", azurite.ConnectionString));

        services.AddBlueshiftStorage(configuration).AddBlueshiftStorage(configuration);
        using var provider = services.BuildServiceProvider();

        Assert.Single(services, d => d.ServiceType == typeof(TableServiceClient));
        Assert.Same(provider.GetRequiredService<TableServiceClient>(), provider.GetRequiredService<TableServiceClient>());
    }

    [Fact]
    public void AddBlueshiftStorage_NoSetting_FailsWhenTheClientIsFirstNeededSayingWhatToSet()
    {
        var services = new ServiceCollection().AddBlueshiftStorage(Settings());
        using var provider = services.BuildServiceProvider();

        var ex = Assert.Throws<StorageConfigurationException>(() => provider.GetRequiredService<TableServiceClient>());
        Assert.Contains("AzureWebJobsStorage is not set", ex.Message);
    }
}
