using System.Net.Sockets;
using Blueshift.Testing;
using Xunit;

namespace Blueshift.Storage.Tests;

public sealed class AzuriteFixtureTests(AzuriteFixture azurite) : IClassFixture<AzuriteFixture>
{
    [Fact]
    public async Task InitializeAsync_StartsAzurite_TableQueueAndBlobPortsAccept()
    {
        foreach (var port in new[] { azurite.TablePort, azurite.QueuePort, azurite.BlobPort })
        {
            using var client = new TcpClient();
            await client.ConnectAsync("127.0.0.1", port);
            Assert.True(client.Connected);
        }
        Assert.Contains($"TableEndpoint=http://127.0.0.1:{azurite.TablePort}/devstoreaccount1", azurite.ConnectionString);
    }
}
