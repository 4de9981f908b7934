using Azure.Core;

namespace Blueshift.Functions.Azure.ResourceManager;

/// <summary>
/// A credential that always returns the same access token. Meant for the App Service emulator and other local
/// endpoints that accept a development token; production code uses an Azure.Identity credential instead.
/// </summary>
public sealed class StaticTokenCredential : TokenCredential
{
    /// <summary>The token the App Service emulator accepts in local runs and tests (not a secret: it grants nothing in Azure).</summary>
    public const string DevelopmentToken = "blueshift-development-token";

    private readonly AccessToken _token;

    /// <summary>Creates a credential that hands out <paramref name="token"/> until <paramref name="expiresOn"/> (default: one day from now).</summary>
    public StaticTokenCredential(string token, DateTimeOffset? expiresOn = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(token);
        _token = new AccessToken(token, expiresOn ?? DateTimeOffset.UtcNow.AddDays(1));
    }

    /// <summary>A credential carrying <see cref="DevelopmentToken"/>.</summary>
    public static StaticTokenCredential Development() => new(DevelopmentToken);

    /// <inheritdoc />
    public override AccessToken GetToken(TokenRequestContext requestContext, CancellationToken cancellationToken) => _token;

    /// <inheritdoc />
    public override ValueTask<AccessToken> GetTokenAsync(TokenRequestContext requestContext, CancellationToken cancellationToken) =>
        ValueTask.FromResult(_token);
}
