namespace Blueshift.Functions.Security;

/// <summary>Who is calling: a person (Entra ID user) or a machine (function key, managed identity, action group).</summary>
/// <param name="Id">Stable id used for separation of duties and the audit trail.</param>
/// <param name="Roles">Blueshift roles: see <see cref="Roles"/>.</param>
public sealed record Caller(string Id, string DisplayName, IReadOnlySet<string> Roles)
{
    public bool IsInRole(string role) => Roles.Contains(role) || Roles.Contains(Security.Roles.Admin);
}

public static class Roles
{
    public const string Releaser = "Blueshift.Releaser";
    public const string Approver = "Blueshift.Approver";
    public const string Admin = "Blueshift.Admin";
}
