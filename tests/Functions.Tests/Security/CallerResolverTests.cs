using Blueshift.Functions.Security;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Options;
using Xunit;

namespace Blueshift.Functions.Tests.Security;

public sealed class CallerResolverTests
{
    private static async Task<CallerResolution> ResolveAsync(HttpRequest request, SecurityOptions options) =>
        await new CallerResolver(Options.Create(options)).ResolveAsync(request, CancellationToken.None);

    private static HttpRequest Request(Action<HttpRequest>? configure = null)
    {
        var context = new DefaultHttpContext();
        configure?.Invoke(context.Request);
        return context.Request;
    }

    [Fact]
    public async Task Resolve_NothingConfigured_IsAnonymous()
    {
        var resolution = await ResolveAsync(Request(r => r.Headers[CallerResolver.FunctionKeyHeader] = "key"), new SecurityOptions());

        Assert.Null(resolution.Caller);
        Assert.Contains("No caller identity", resolution.Failure, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Resolve_PrincipalHeaderWithoutAppServiceAuthentication_IsRefusedEvenWithDevelopmentIdentity()
    {
        var options = new SecurityOptions { DevelopmentIdentity = new DevelopmentIdentityOptions { UserId = "dev", Roles = [Roles.Admin] } };

        var resolution = await ResolveAsync(
            Request(r => r.Headers[ClientPrincipal.HeaderName] = ClientPrincipalTests.Header("x", "Mallory", Roles.Admin)),
            options);

        Assert.Null(resolution.Caller);
        Assert.Contains("cannot be trusted", resolution.Failure, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Resolve_PrincipalHeaderWithAppServiceAuthentication_IsTheCaller()
    {
        var resolution = await ResolveAsync(
            Request(r => r.Headers[ClientPrincipal.HeaderName] = ClientPrincipalTests.Header("oid-1", "Ada", Roles.Releaser)),
            new SecurityOptions { AppServiceAuthentication = true, FunctionKeyCallerRoles = [Roles.Admin] });

        Assert.Equal("oid-1", resolution.Caller?.Id);
        Assert.True(resolution.Caller!.IsInRole(Roles.Releaser));
        Assert.False(resolution.Caller.IsInRole(Roles.Admin));
    }

    [Theory]
    [InlineData(true, false)]
    [InlineData(false, true)]
    public async Task Resolve_FunctionKeyWithConfiguredRoles_IsTheMachineIdentity(bool header, bool query)
    {
        var options = new SecurityOptions { FunctionKeyCallerRoles = [Roles.Releaser], FunctionKeyCallerId = "ci-pipeline" };

        var resolution = await ResolveAsync(
            Request(r =>
            {
                if (header)
                {
                    r.Headers[CallerResolver.FunctionKeyHeader] = "k";
                }
                if (query)
                {
                    r.QueryString = new QueryString("?code=k");
                }
            }),
            options);

        Assert.Equal("ci-pipeline", resolution.Caller?.Id);
        Assert.Equal([Roles.Releaser], resolution.Caller!.Roles);
    }

    [Fact]
    public async Task Resolve_FunctionKeyRolesConfiguredButNoKey_IsAnonymous()
    {
        var resolution = await ResolveAsync(Request(), new SecurityOptions { FunctionKeyCallerRoles = [Roles.Releaser] });

        Assert.Null(resolution.Caller);
    }

    [Fact]
    public async Task Resolve_BearerToken_IsRefusedWithWhatToDo()
    {
        var resolution = await ResolveAsync(
            Request(r => r.Headers.Authorization = "Bearer abc"),
            new SecurityOptions { DevelopmentIdentity = new DevelopmentIdentityOptions { UserId = "dev" } });

        Assert.Null(resolution.Caller);
        Assert.Contains("not accepted by this deployment", resolution.Failure, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Resolve_DevelopmentIdentity_AppliesOnlyWhenConfigured()
    {
        var options = new SecurityOptions { DevelopmentIdentity = new DevelopmentIdentityOptions { UserId = "dev-user", Roles = ["Blueshift.Approver.Manager"] } };

        var caller = (await ResolveAsync(Request(), options)).Caller;

        Assert.Equal("dev-user", caller?.Id);
        Assert.True(caller!.IsInRole(Roles.Approver));
    }

    [Fact]
    public void Validate_DevelopmentIdentityInAzure_FailsStartUp()
    {
        var options = new SecurityOptions { DevelopmentIdentity = new DevelopmentIdentityOptions { UserId = "dev" } };

        Assert.Contains(options.Validate(runningInAzure: true), m => m.Contains("DevelopmentIdentity", StringComparison.Ordinal));
        Assert.Empty(options.Validate(runningInAzure: false));
    }

    [Fact]
    public void Validate_ApprovalRoleForFunctionKeyCallers_FailsStartUp()
    {
        var options = new SecurityOptions { FunctionKeyCallerRoles = [Roles.Releaser, "Blueshift.Approver.CAB"] };

        Assert.Contains("approvals are made by people", Assert.Single(options.Validate(runningInAzure: false)), StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_UnknownRole_FailsStartUp()
    {
        var options = new SecurityOptions { FunctionKeyCallerRoles = ["Blueshift.Releasr"] };

        Assert.Single(options.Validate(runningInAzure: false));
    }

    [Theory]
    [InlineData("cab", "cab")]
    [InlineData("CAB", "cab")]
    [InlineData("TeamLead", "team-lead")]
    [InlineData("team-lead", "team-lead")]
    [InlineData("CISO", "ciso")]
    [InlineData("Architect", null)]
    public void CanonicalApprovalRole_EitherSpelling_IsThePolicysName(string value, string? expected)
    {
        Assert.Equal(expected, BlueshiftRoles.CanonicalApprovalRole(value));
    }

    [Fact]
    public void MayGrant_AdminWithoutApprovalRole_CannotApprove()
    {
        var admin = new Caller("a", "Admin", BlueshiftRoles.Normalize([Roles.Admin]));
        var cab = new Caller("c", "CAB member", BlueshiftRoles.Normalize(["Blueshift.Approver.CAB"]));

        Assert.False(BlueshiftRoles.MayGrant(admin, "cab"));
        Assert.True(BlueshiftRoles.MayGrant(cab, "cab"));
        Assert.False(BlueshiftRoles.MayGrant(cab, "ciso"));
    }
}
