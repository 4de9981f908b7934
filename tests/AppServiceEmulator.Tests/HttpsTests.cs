using Azure;
using Azure.Core;
using Azure.Core.Pipeline;

namespace Blueshift.AppServiceEmulator.Tests;

/// <summary>Azure.Core pipelines (as Blueshift's ARM client builds them) talk to the emulator's https endpoint.</summary>
public sealed class HttpsTests
{
    private sealed class FixedTokenCredential : TokenCredential
    {
        public override AccessToken GetToken(TokenRequestContext requestContext, CancellationToken cancellationToken) =>
            new("emulator-token", DateTimeOffset.UtcNow.AddHours(1));

        public override ValueTask<AccessToken> GetTokenAsync(TokenRequestContext requestContext, CancellationToken cancellationToken) =>
            ValueTask.FromResult(GetToken(requestContext, cancellationToken));
    }

    private sealed class ArmOptions : ClientOptions;

    private static HttpPipeline Pipeline(AppServiceEmulatorServer emulator)
    {
        var options = new ArmOptions { Transport = new HttpClientTransport(emulator.CreateHttpHandler()) };
        options.Retry.MaxRetries = 0;
        return HttpPipelineBuilder.Build(options, new BearerTokenAuthenticationPolicy(new FixedTokenCredential(), "https://management.azure.com/.default"));
    }

    private static async Task<Response> GetSiteAsync(HttpPipeline pipeline, AppServiceEmulatorServer emulator)
    {
        using var message = pipeline.CreateMessage();
        message.Request.Method = RequestMethod.Get;
        message.Request.Uri.Reset(new Uri(emulator.ArmEndpoint, ArmTestClient.WithVersion(ArmTestClient.SitePath("app"))));
        await pipeline.SendAsync(message, CancellationToken.None);
        return message.Response;
    }

    [Fact]
    public async Task BearerTokenPipeline_HttpsEmulator_GetsTheSite()
    {
        await using var emulator = await AppServiceEmulatorServer.StartAsync(new EmulatorOptions { UseHttps = true, SimulateLatency = false });
        await emulator.CreateSiteAsync(ArmTestClient.Subscription, ArmTestClient.ResourceGroup, "app", ["staging"]);

        var response = await GetSiteAsync(Pipeline(emulator), emulator);

        Assert.Equal("https", emulator.ArmEndpoint.Scheme);
        Assert.Equal(200, response.Status);
        Assert.Contains("\"defaultHostName\"", response.Content.ToString());
    }

    [Fact]
    public async Task BearerTokenPipeline_HttpEmulator_IsRefusedByAzureCore()
    {
        await using var emulator = await AppServiceEmulatorServer.StartAsync(new EmulatorOptions { SimulateLatency = false });

        await Assert.ThrowsAsync<InvalidOperationException>(() => GetSiteAsync(Pipeline(emulator), emulator));
    }
}
