using Blueshift.Functions.Alerts;
using Blueshift.Functions.Security;
using Blueshift.Functions.Tests.Security;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Options;
using Xunit;

namespace Blueshift.Functions.Tests.Alerts;

public sealed class AlertWebhookAuthenticationTests(TestAuthority authority) : IClassFixture<TestAuthority>
{
    private const string Key = "alert-key-0123456789abcdef";

    private static HttpRequest Request(string? headerKey = null, string? queryKey = null, string? authorization = null)
    {
        var context = new DefaultHttpContext();
        if (headerKey is not null)
        {
            context.Request.Headers[AlertWebhookAuthentication.FunctionKeyHeader] = headerKey;
        }
        if (queryKey is not null)
        {
            context.Request.QueryString = new QueryString("?code=" + Uri.EscapeDataString(queryKey));
        }
        if (authorization is not null)
        {
            context.Request.Headers.Authorization = authorization;
        }
        return context.Request;
    }

    private static AlertWebhookAuthentication Configured(bool startedByHost = false, params string[] keys) =>
        new(new AlertWebhookOptions { FunctionKeys = keys }, startedByHost);

    private AlertWebhookAuthentication WithEntra(EntraTokenValidator validator) =>
        new(new AlertWebhookOptions(), startedByFunctionsHost: false, validator);

    private EntraTokenValidator Validator() => new(Options.Create(new SecurityOptions
    {
        Entra = new EntraOptions { Authority = authority.Authority, Audiences = [TestAuthority.Audience] },
    }));

    [Theory]
    [InlineData(true, false)]
    [InlineData(false, true)]
    public async Task AuthenticateAsync_ConfiguredKeyInHeaderOrQuery_ReturnsAzureMonitorReleaser(bool inHeader, bool inQuery)
    {
        var result = await Configured(false, Key).AuthenticateAsync(Request(inHeader ? Key : null, inQuery ? Key : null), default);

        Assert.Null(result.Failure);
        Assert.Equal("azure-monitor", result.Caller!.Id);
        Assert.True(result.Caller.IsInRole(Roles.Releaser));
        Assert.False(result.Caller.IsInRole(Roles.Approver));
    }

    [Fact]
    public async Task AuthenticateAsync_WrongKey_Refuses()
    {
        var result = await Configured(false, Key).AuthenticateAsync(Request(Key + "x"), default);

        Assert.Null(result.Caller);
        Assert.Contains("not valid", result.Failure);
    }

    [Fact]
    public async Task AuthenticateAsync_NoCredentials_RefusesEvenBehindTheHost()
    {
        var result = await Configured(true).AuthenticateAsync(Request(), default);

        Assert.Null(result.Caller);
        Assert.Contains("No credentials", result.Failure);
    }

    [Fact]
    public async Task AuthenticateAsync_RunDirectlyWithoutConfiguredKeys_RefusesAnyKey()
    {
        var result = await Configured(false).AuthenticateAsync(Request("anything-at-all-long-enough"), default);

        Assert.Null(result.Caller);
        Assert.Contains("without the Functions host", result.Failure);
    }

    [Fact]
    public async Task AuthenticateAsync_BehindTheHostWithoutConfiguredKeys_TrustsTheHostsKeyCheck()
    {
        var result = await Configured(true).AuthenticateAsync(Request(queryKey: "checked-by-the-host"), default);

        Assert.NotNull(result.Caller);
    }

    [Fact]
    public async Task AuthenticateAsync_KeyInHeaderAndQuery_Refuses()
    {
        var result = await Configured(false, Key).AuthenticateAsync(Request(Key, Key), default);

        Assert.Null(result.Caller);
        Assert.Contains("once", result.Failure);
    }

    [Fact]
    public async Task AuthenticateAsync_BearerTokenWithoutEntraConfigured_RefusedEvenWithAValidKey()
    {
        var result = await Configured(true, Key).AuthenticateAsync(Request(Key, authorization: "Bearer abc.def.ghi"), default);

        Assert.Null(result.Caller);
        Assert.Contains("Bearer", result.Failure);
    }

    [Fact]
    public async Task AuthenticateAsync_SecureWebhookTokenWithReleaserRole_IsTheActionGroupsIdentity()
    {
        using var validator = Validator();

        var result = await WithEntra(validator).AuthenticateAsync(Request(authorization: "Bearer " + authority.Token(oid: "action-group-sp", roles: [Roles.Releaser])), default);

        Assert.Null(result.Failure);
        Assert.Equal("action-group-sp", result.Caller!.Id);
    }

    [Fact]
    public async Task AuthenticateAsync_SecureWebhookTokenWithoutReleaserRole_Refused()
    {
        using var validator = Validator();

        var result = await WithEntra(validator).AuthenticateAsync(Request(authorization: "Bearer " + authority.Token(oid: "reader", roles: ["Unrelated.Role"])), default);

        Assert.Null(result.Caller);
        Assert.Contains(Roles.Releaser, result.Failure);
    }

    [Fact]
    public async Task AuthenticateAsync_SecureWebhookTokenForAnotherAudience_Refused()
    {
        using var validator = Validator();

        var result = await WithEntra(validator).AuthenticateAsync(Request(authorization: "Bearer " + authority.Token(audience: "api://someone-else", roles: [Roles.Releaser])), default);

        Assert.Null(result.Caller);
        Assert.Contains("wrong audience", result.Failure);
    }

    [Fact]
    public void Validate_ShortKey_IsAStartUpError()
    {
        var problems = new AlertWebhookOptions { FunctionKeys = ["short"] }.Validate();

        Assert.Contains(problems, p => p.Contains("FunctionKeys"));
    }
}
