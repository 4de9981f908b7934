using System.Net;
using System.Text;
using Azure.Core.Pipeline;
using Azure.Data.Tables;
using Blueshift.Functions.Compliance;
using Blueshift.Testing;
using Xunit;

namespace Blueshift.Functions.Tests.Compliance;

/// <summary>The findings store's paging on Azurite.</summary>
public sealed class TableComplianceFindingStoreTests(AzuriteFixture azurite) : IClassFixture<AzuriteFixture>
{
    private static readonly DateTimeOffset Now = new(2026, 12, 7, 6, 0, 0, TimeSpan.Zero);

    private static ComplianceFinding Finding(string subject) =>
        new("shop", "backup-rpo", "backup-rpo.breach", subject, FindingSeverity.High, "breach", new Dictionary<string, string>(),
            Now.AddHours(-1), Now, null, FindingStatus.Open, "run-1", FindingChange.Opened, "run-1", true);

    [Fact]
    public async Task QueryAsync_ServiceRefusesTheTokensKeys_IsAFormatException()
    {
        // Azurite reads any keys it is given; the Table service answers 400 to keys it did not give out. Only that answer is
        // played here, at the HTTP transport; everything else reaches Azurite.
        var table = AzuriteFixture.UniqueName("cfpage");
        var store = new TableComplianceFindingStore(new TableClient(azurite.ConnectionString, table));
        for (var i = 0; i < 3; i++)
        {
            await store.SaveAsync(Finding($"s{i}"), default);
        }
        var token = (await store.QueryAsync(new FindingQuery("shop", null, null, null), null, 1, default)).ContinuationToken;
        Assert.NotNull(token);
        var options = new TableClientOptions { Transport = new HttpClientTransport(new RefuseContinuation()) };
        options.Retry.MaxRetries = 0;
        var refusing = new TableComplianceFindingStore(new TableClient(azurite.ConnectionString, table, options));

        var error = await Assert.ThrowsAsync<FormatException>(() => refusing.QueryAsync(new FindingQuery("shop", null, null, null), token, 1, default));

        Assert.Equal(400, Assert.IsType<global::Azure.RequestFailedException>(error.InnerException).Status);
        Assert.Single((await refusing.QueryAsync(new FindingQuery("shop", null, null, null), null, 1, default)).Findings);
    }

    private sealed class RefuseContinuation() : DelegatingHandler(new HttpClientHandler())
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            if (request.RequestUri?.Query.Contains("NextPartitionKey=", StringComparison.Ordinal) != true)
            {
                return base.SendAsync(request, cancellationToken);
            }
            return Task.FromResult(new HttpResponseMessage(HttpStatusCode.BadRequest)
            {
                RequestMessage = request,
                Content = new StringContent(
                    """{"odata.error":{"code":"InvalidInput","message":{"lang":"en-US","value":"One of the request inputs is not valid."}}}""",
                    Encoding.UTF8, "application/json"),
            });
        }
    }
}
