using Blueshift.Functions.Alerts;
using Blueshift.Functions.Security;
using Microsoft.AspNetCore.Http;
using Xunit;

namespace Blueshift.Functions.Tests.Alerts;

public sealed class AlertWebhookAuthenticationTests
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

    [Theory]
    [InlineData(true, false)]
    [InlineData(false, true)]
    public void Authenticate_ConfiguredKeyInHeaderOrQuery_ReturnsAzureMonitorReleaser(bool inHeader, bool inQuery)
    {
        var caller = Configured(false, Key).Authenticate(Request(inHeader ? Key : null, inQuery ? Key : null), out var failure);

        Assert.NotNull(caller);
        Assert.Null(failure);
        Assert.Equal("azure-monitor", caller.Id);
        Assert.True(caller.IsInRole(Roles.Releaser));
        Assert.False(caller.IsInRole(Roles.Approver));
    }

    [Fact]
    public void Authenticate_WrongKey_Refuses()
    {
        var caller = Configured(false, Key).Authenticate(Request(Key + "x"), out var failure);

        Assert.Null(caller);
        Assert.Contains("not valid", failure);
    }

    [Fact]
    public void Authenticate_NoCredentials_RefusesEvenBehindTheHost()
    {
        var caller = Configured(true).Authenticate(Request(), out var failure);

        Assert.Null(caller);
        Assert.Contains("No credentials", failure);
    }

    [Fact]
    public void Authenticate_RunDirectlyWithoutConfiguredKeys_RefusesAnyKey()
    {
        var caller = Configured(false).Authenticate(Request("anything-at-all-long-enough"), out var failure);

        Assert.Null(caller);
        Assert.Contains("without the Functions host", failure);
    }

    [Fact]
    public void Authenticate_BehindTheHostWithoutConfiguredKeys_TrustsTheHostsKeyCheck()
    {
        var caller = Configured(true).Authenticate(Request(queryKey: "checked-by-the-host"), out _);

        Assert.NotNull(caller);
    }

    [Fact]
    public void Authenticate_KeyInHeaderAndQuery_Refuses()
    {
        var caller = Configured(false, Key).Authenticate(Request(Key, Key), out var failure);

        Assert.Null(caller);
        Assert.Contains("once", failure);
    }

    [Fact]
    public void Authenticate_BearerToken_RefusedWhenNoEntraValidationIsConfigured()
    {
        var caller = Configured(true, Key).Authenticate(Request(Key, authorization: "Bearer abc.def.ghi"), out var failure);

        Assert.Null(caller);
        Assert.Contains("Bearer", failure);
    }

    [Fact]
    public void Validate_ShortKey_IsAStartUpError()
    {
        var problems = new AlertWebhookOptions { FunctionKeys = ["short"] }.Validate();

        Assert.Contains(problems, p => p.Contains("FunctionKeys"));
    }
}
