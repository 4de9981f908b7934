using System.Text;
using System.Text.Json;
using Blueshift.Functions.Security;
using Xunit;

namespace Blueshift.Functions.Tests.Security;

public sealed class ClientPrincipalTests
{
    internal static string Header(string? oid, string name, params string[] roles)
    {
        var claims = new List<object>
        {
            new { typ = "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/name", val = name },
            new { typ = "aud", val = "api://blueshift" },
        };
        if (oid is not null)
        {
            claims.Add(new { typ = "http://schemas.microsoft.com/identity/claims/objectidentifier", val = oid });
        }
        claims.AddRange(roles.Select(r => new { typ = "roles", val = r }));
        var json = JsonSerializer.Serialize(new
        {
            auth_typ = "aad",
            claims,
            name_typ = "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/name",
            role_typ = "http://schemas.microsoft.com/ws/2008/06/identity/claims/role",
        });
        return Convert.ToBase64String(Encoding.UTF8.GetBytes(json));
    }

    [Fact]
    public void Parse_EasyAuthPrincipal_ReadsIdNameAndBlueshiftRoles()
    {
        var caller = ClientPrincipal.Parse(Header("7f1c", "Ada Lovelace", "Blueshift.Releaser", "blueshift.approver.cab", "Other.Role"), out var error);

        Assert.Null(error);
        Assert.NotNull(caller);
        Assert.Equal("7f1c", caller.Id);
        Assert.Equal("Ada Lovelace", caller.DisplayName);
        Assert.Equal(
            new[] { Roles.Approver, "Blueshift.Approver.CAB", Roles.Releaser }.Order(),
            caller.Roles.Order());
    }

    [Fact]
    public void Parse_NoObjectId_IsRefused()
    {
        var caller = ClientPrincipal.Parse(Header(null, "Ada", Roles.Admin), out var error);

        Assert.Null(caller);
        Assert.Contains("object id", error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("not base64!")]
    [InlineData("bnVsbA==")]
    [InlineData("WzEsMl0=")]
    [InlineData("e30=")]
    public void Parse_Malformed_IsRefusedWithReason(string header)
    {
        var caller = ClientPrincipal.Parse(header, out var error);

        Assert.Null(caller);
        Assert.False(string.IsNullOrEmpty(error));
    }
}
