using System.Text;
using System.Text.Json.Nodes;

namespace Blueshift.EndToEnd.Tests.Releases.Scenarios;

/// <summary>
/// Who calls the API. Every call carries the host's function key; a person also carries App Service Authentication's
/// <c>X-MS-CLIENT-PRINCIPAL</c> header (the world turns Easy Auth on, and plays it, as the front end of the function app
/// would after an Entra ID sign-in). A pipeline presents only the key and is the function-key caller.
/// </summary>
internal sealed record ApiCaller(string Id, string DisplayName, IReadOnlyList<string> Roles, bool IsPerson)
{
    /// <summary>The CI pipeline: a function key, with the roles the world gives function-key callers.</summary>
    public static readonly ApiCaller Pipeline = new(ReleaseWorld.PipelineId, "CI pipeline", [ReleaseWorld.PipelineRole], IsPerson: false);

    public static readonly ApiCaller Administrator = Person("ops-admin", "Ops Admin", "Blueshift.Admin");

    /// <summary>A developer who may release and is also a team lead, so only separation of duties stops a self-approval.</summary>
    public static readonly ApiCaller Developer = Person("dev-7", "Dev Seven", "Blueshift.Releaser", "Blueshift.Approver.TeamLead");

    public static readonly ApiCaller TeamLead = Person("lead-2", "Team Lead", "Blueshift.Approver.TeamLead");

    public static ApiCaller Person(string id, string displayName, params string[] roles) => new(id, displayName, roles, IsPerson: true);

    /// <summary>The principal header Easy Auth sets for this person: base64 of its claims.</summary>
    public string PrincipalHeader()
    {
        var claims = new JsonArray(
            new JsonObject { ["typ"] = "http://schemas.microsoft.com/identity/claims/objectidentifier", ["val"] = Id },
            new JsonObject { ["typ"] = "name", ["val"] = DisplayName });
        foreach (var role in Roles)
        {
            claims.Add(new JsonObject { ["typ"] = "roles", ["val"] = role });
        }
        var principal = new JsonObject { ["auth_typ"] = "aad", ["claims"] = claims, ["name_typ"] = "name", ["role_typ"] = "roles" };
        return Convert.ToBase64String(Encoding.UTF8.GetBytes(principal.ToJsonString()));
    }
}
