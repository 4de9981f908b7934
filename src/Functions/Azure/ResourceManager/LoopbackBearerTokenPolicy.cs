using Azure.Core;
using Azure.Core.Pipeline;

namespace Blueshift.Functions.Azure.ResourceManager;

/// <summary>
/// Sends a bearer token over plain HTTP, which Azure.Core's <see cref="BearerTokenAuthenticationPolicy"/> refuses.
/// Used only for loopback endpoints (the local App Service emulator): the token never leaves the machine.
/// </summary>
internal sealed class LoopbackBearerTokenPolicy(TokenCredential credential, string scope) : HttpPipelinePolicy
{
    private readonly string[] _scopes = [scope];

    public override async ValueTask ProcessAsync(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline)
    {
        await AuthorizeAsync(message).ConfigureAwait(false);
        await ProcessNextAsync(message, pipeline).ConfigureAwait(false);
    }

    public override void Process(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline)
    {
        EnsureLoopback(message);
        SetToken(message, credential.GetToken(new TokenRequestContext(_scopes), message.CancellationToken));
        ProcessNext(message, pipeline);
    }

    private async ValueTask AuthorizeAsync(HttpMessage message)
    {
        EnsureLoopback(message);
        SetToken(message, await credential.GetTokenAsync(new TokenRequestContext(_scopes), message.CancellationToken).ConfigureAwait(false));
    }

    private static void EnsureLoopback(HttpMessage message)
    {
        if (!message.Request.Uri.ToUri().IsLoopback)
        {
            throw new InvalidOperationException("A bearer token is sent over plain HTTP only to a loopback address.");
        }
    }

    private static void SetToken(HttpMessage message, AccessToken token) =>
        message.Request.Headers.SetValue(HttpHeader.Names.Authorization, "Bearer " + token.Token);
}
