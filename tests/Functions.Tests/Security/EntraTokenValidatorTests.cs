using System.Security.Claims;
using System.Security.Cryptography;
using Blueshift.Functions.Security;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using Xunit;

namespace Blueshift.Functions.Tests.Security;

/// <summary>A stand-in Entra ID authority: a real Kestrel server publishing OpenID metadata and a signing key, on loopback.</summary>
public sealed class TestAuthority : IAsyncLifetime
{
    public const string Audience = "api://blueshift";
    private WebApplication? _app;

    public RsaSecurityKey SigningKey { get; } = new(RSA.Create(2048)) { KeyId = "key-1" };

    public Uri Authority { get; private set; } = null!;

    public string Issuer => Authority.AbsoluteUri.TrimEnd('/');

    public async Task InitializeAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        _app = builder.Build();
        _app.MapGet("/tenant/v2.0/.well-known/openid-configuration", () => Results.Json(new Dictionary<string, object>
        {
            ["issuer"] = Issuer,
            ["jwks_uri"] = Issuer + "/keys",
        }));
        _app.MapGet("/tenant/v2.0/keys", () =>
        {
            var jwk = JsonWebKeyConverter.ConvertFromRSASecurityKey(new RsaSecurityKey(SigningKey.Rsa.ExportParameters(false)) { KeyId = SigningKey.KeyId });
            return Results.Json(new { keys = new[] { new { kty = "RSA", use = "sig", kid = jwk.Kid, n = jwk.N, e = jwk.E } } });
        });
        await _app.StartAsync();
        var address = _app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        Authority = new Uri(address.TrimEnd('/') + "/tenant/v2.0");
    }

    public string Token(string? oid = "oid-7", string audience = Audience, TimeSpan? lifetime = null, SecurityKey? key = null, params string[] roles)
    {
        var now = DateTime.UtcNow;
        var claims = new List<Claim> { new("name", "Release pipeline") };
        if (oid is not null)
        {
            claims.Add(new Claim("oid", oid));
        }
        claims.AddRange(roles.Select(r => new Claim("roles", r)));
        var expires = now + (lifetime ?? TimeSpan.FromHours(1));
        return new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Issuer = Issuer,
            Audience = audience,
            Subject = new ClaimsIdentity(claims),
            NotBefore = expires < now ? expires.AddHours(-1) : now.AddMinutes(-1),
            IssuedAt = expires < now ? expires.AddHours(-1) : now.AddMinutes(-1),
            Expires = expires,
            SigningCredentials = new SigningCredentials(key ?? SigningKey, SecurityAlgorithms.RsaSha256),
        });
    }

    public async Task DisposeAsync()
    {
        if (_app is not null)
        {
            await _app.DisposeAsync();
        }
    }
}

public sealed class EntraTokenValidatorTests(TestAuthority authority) : IClassFixture<TestAuthority>
{
    private async Task<CallerResolution> ResolveAsync(string authorization)
    {
        var options = Options.Create(new SecurityOptions
        {
            Entra = new EntraOptions { Authority = authority.Authority, Audiences = [TestAuthority.Audience] },
        });
        using var validator = new EntraTokenValidator(options);
        var context = new DefaultHttpContext();
        context.Request.Headers.Authorization = authorization;
        return await new CallerResolver(options, validator).ResolveAsync(context.Request, CancellationToken.None);
    }

    [Fact]
    public async Task ResolveAsync_ValidToken_IsTheCallerWithItsAppRoles()
    {
        var resolution = await ResolveAsync("Bearer " + authority.Token(roles: [Roles.Releaser, "Unrelated.Role"]));

        Assert.Null(resolution.Failure);
        Assert.Equal("oid-7", resolution.Caller!.Id);
        Assert.Equal("Release pipeline", resolution.Caller.DisplayName);
        Assert.Equal([Roles.Releaser], resolution.Caller.Roles);
    }

    [Fact]
    public async Task ResolveAsync_WrongAudience_IsRefused()
    {
        var resolution = await ResolveAsync("Bearer " + authority.Token(audience: "api://someone-else"));

        Assert.Null(resolution.Caller);
        Assert.Contains("wrong audience", resolution.Failure, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ResolveAsync_ExpiredToken_IsRefused()
    {
        var resolution = await ResolveAsync("Bearer " + authority.Token(lifetime: TimeSpan.FromMinutes(-10)));

        Assert.Null(resolution.Caller);
        Assert.Contains("expired", resolution.Failure, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ResolveAsync_TokenSignedByAnotherKey_IsRefusedWithoutEchoingIt()
    {
        var token = authority.Token(key: new RsaSecurityKey(RSA.Create(2048)) { KeyId = "key-1" });

        var resolution = await ResolveAsync("Bearer " + token);

        Assert.Null(resolution.Caller);
        Assert.Contains("signature", resolution.Failure, StringComparison.Ordinal);
        Assert.DoesNotContain(token[..20], resolution.Failure, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Bearer not-a-jwt")]
    [InlineData("Basic dXNlcjpwYXNz")]
    public async Task ResolveAsync_MalformedAuthorization_IsRefused(string authorization)
    {
        var resolution = await ResolveAsync(authorization);

        Assert.Null(resolution.Caller);
        Assert.NotNull(resolution.Failure);
    }

    [Fact]
    public async Task ResolveAsync_TokenWithoutObjectId_IsRefused()
    {
        var resolution = await ResolveAsync("Bearer " + authority.Token(oid: null));

        Assert.Null(resolution.Caller);
    }
}
