using System.Net;
using Blueshift.Testing;
using Xunit;

namespace Blueshift.Functions.Tests.Alerts;

/// <summary>Action groups retry 503 (and 408, 429, 504) but stop calling for a while after anything else: never answer 500.</summary>
public sealed class AlertUnavailableTests(AzuriteFixture azurite, AlertEmulatorFixture emulatorFixture)
    : IClassFixture<AzuriteFixture>, IClassFixture<AlertEmulatorFixture>
{
    [Fact]
    public async Task PostAlert_StorageUnreachable_503WithRetryAfterAndNothingChanges()
    {
        var deadPort = FreePort.Next();
        var unreachable = azurite.ConnectionString.Replace($":{azurite.TablePort}/", $":{deadPort}/", StringComparison.Ordinal);
        Assert.NotEqual(azurite.ConnectionString, unreachable);
        var armCalls = emulatorFixture.Emulator.ArmCallLog.Count;
        await using var host = await AlertWebhookHost.StartAsync(azurite, emulatorFixture.Emulator, emulatorFixture.Time, settings: new Dictionary<string, string?>
        {
            ["AzureWebJobsStorage"] = unreachable,
            ["Blueshift:Releases:StorageConnectionString"] = azurite.ConnectionString,
        });

        using var response = await host.PostAlertAsync(
            AlertPayloads.Body("metric-static-threshold-platform.json", AlertWebhookHost.SiteId("shop"), "Sev0", "Fired", AlertPayloads.NewAlertId()));

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal(TimeSpan.FromSeconds(10), response.Headers.RetryAfter?.Delta);
        Assert.Equal(armCalls, emulatorFixture.Emulator.ArmCallLog.Count);
    }
}
