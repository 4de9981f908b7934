using System.Net;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Protocols;
using Microsoft.IdentityModel.Protocols.OpenIdConnect;
using Microsoft.IdentityModel.Tokens;

namespace Blueshift.Functions.Security;

/// <summary>Where Entra ID bearer tokens come from (section <c>Blueshift:Security:Entra</c>); bearer tokens are refused unless <see cref="Authority"/> is set.</summary>
public sealed class EntraOptions
{
    /// <summary>The token issuer's authority, e.g. <c>https://login.microsoftonline.com/{tenant}/v2.0</c>; its OpenID metadata supplies issuer and signing keys.</summary>
    public Uri? Authority { get; set; }

    /// <summary>Accepted <c>aud</c> values: Blueshift's application id URI and/or client id.</summary>
    public string[] Audiences { get; set; } = [];

    /// <summary>Accepted <c>iss</c> values; empty means the issuer named in the authority's metadata.</summary>
    public string[] Issuers { get; set; } = [];

    public IEnumerable<string> Validate()
    {
        if (Authority is null)
        {
            yield break;
        }
        if (!Authority.IsAbsoluteUri || (Authority.Scheme != Uri.UriSchemeHttps && !(Authority.Scheme == Uri.UriSchemeHttp && IsLoopback(Authority))))
        {
            yield return $"{SecurityOptions.Section}:Entra:Authority must be an absolute https URI.";
        }
        if (Audiences.Length == 0 || Audiences.Any(string.IsNullOrWhiteSpace))
        {
            yield return $"{SecurityOptions.Section}:Entra:Audiences must name Blueshift's application id URI or client id.";
        }
    }

    internal static bool IsLoopback(Uri uri) =>
        uri.IsLoopback || (IPAddress.TryParse(uri.DnsSafeHost, out var address) && IPAddress.IsLoopback(address));
}

/// <summary>
/// Validates Entra ID access tokens (signature against the authority's published keys, issuer, audience, lifetime) and
/// turns them into callers: <c>oid</c> is the stable id (a user's or a managed identity's object id), <c>roles</c> the app roles.
/// </summary>
public sealed class EntraTokenValidator : IDisposable
{
    private static readonly TimeSpan ClockSkew = TimeSpan.FromMinutes(2);

    private readonly EntraOptions _options;
    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(30) };
    private readonly ConfigurationManager<OpenIdConnectConfiguration> _metadata;
    private readonly JsonWebTokenHandler _handler = new() { MapInboundClaims = false };

    public EntraTokenValidator(IOptions<SecurityOptions> options)
    {
        _options = options.Value.Entra ?? throw new InvalidOperationException($"{SecurityOptions.Section}:Entra is not configured.");
        var authority = _options.Authority ?? throw new InvalidOperationException($"{SecurityOptions.Section}:Entra:Authority is not configured.");
        var metadataAddress = authority.AbsoluteUri.TrimEnd('/') + "/.well-known/openid-configuration";
        _metadata = new ConfigurationManager<OpenIdConnectConfiguration>(
            metadataAddress,
            new OpenIdConnectConfigurationRetriever(),
            new HttpDocumentRetriever(_http) { RequireHttps = !EntraOptions.IsLoopback(authority) });
    }

    public async Task<CallerResolution> ValidateAsync(string token, CancellationToken cancellationToken)
    {
        OpenIdConnectConfiguration metadata;
        try
        {
            metadata = await _metadata.GetConfigurationAsync(cancellationToken);
        }
        catch (InvalidOperationException)
        {
            return CallerResolution.Fail("Bearer tokens cannot be checked right now (the identity provider's metadata is unavailable); retry shortly or use a function key.");
        }

        var parameters = new TokenValidationParameters
        {
            ValidIssuers = _options.Issuers.Length > 0 ? _options.Issuers : [metadata.Issuer],
            ValidAudiences = _options.Audiences,
            IssuerSigningKeys = metadata.SigningKeys,
            RequireSignedTokens = true,
            RequireExpirationTime = true,
            ValidateLifetime = true,
            ClockSkew = ClockSkew,
        };
        var result = await _handler.ValidateTokenAsync(token, parameters);
        if (!result.IsValid)
        {
            if (result.Exception is SecurityTokenSignatureKeyNotFoundException)
            {
                // Keys roll over; the next call re-reads the metadata.
                _metadata.RequestRefresh();
            }
            return CallerResolution.Fail($"The bearer token was refused ({Reason(result.Exception)}); get a new token for Blueshift's audience from Entra ID.");
        }

        var claims = result.ClaimsIdentity.Claims.ToList();
        string? First(params string[] types) => types
            .Select(t => claims.FirstOrDefault(c => c.Type == t)?.Value)
            .FirstOrDefault(v => !string.IsNullOrWhiteSpace(v));
        var id = First("oid", "sub");
        if (id is null)
        {
            return CallerResolution.Fail("The bearer token has no object id ('oid'); use an Entra ID access token.");
        }
        var roles = claims.Where(c => c.Type == "roles").Select(c => c.Value);
        return CallerResolution.Success(new Caller(id, First("name", "preferred_username", "azp", "appid") ?? id, BlueshiftRoles.Normalize(roles)));
    }

    // The category only: exception messages can quote the token.
    private static string Reason(Exception? exception) => exception switch
    {
        SecurityTokenExpiredException => "expired",
        SecurityTokenNotYetValidException => "not yet valid",
        SecurityTokenInvalidAudienceException => "wrong audience",
        SecurityTokenInvalidIssuerException => "wrong issuer",
        SecurityTokenSignatureKeyNotFoundException or SecurityTokenInvalidSignatureException => "signature not valid",
        SecurityTokenMalformedException or ArgumentException => "malformed",
        _ => "not valid",
    };

    public void Dispose() => _http.Dispose();
}
