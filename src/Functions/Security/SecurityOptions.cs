namespace Blueshift.Functions.Security;

/// <summary>
/// How Blueshift learns who is calling (section <c>Blueshift:Security</c>). Secure by default: with no settings,
/// every call without a trusted identity is refused with 401.
/// </summary>
public sealed class SecurityOptions
{
    public const string Section = "Blueshift:Security";

    /// <summary>
    /// True only when App Service Authentication (Easy Auth) is enabled on the function app. Easy Auth strips any
    /// <c>X-MS-CLIENT-PRINCIPAL</c> header a client sends and sets its own; without it anyone could forge the header,
    /// so by default the header is refused, not ignored.
    /// </summary>
    public bool AppServiceAuthentication { get; set; }

    /// <summary>
    /// Roles of a machine caller (CI pipeline, Azure Monitor action group) that authenticated with a function key only.
    /// The Functions host checks the key before forwarding the call; Blueshift sees that one was presented
    /// (<c>x-functions-key</c> header or <c>code</c> query parameter). Empty (the default): function-key callers have no identity.
    /// </summary>
    public string[] FunctionKeyCallerRoles { get; set; } = [];

    /// <summary>The id a function-key caller is audited under.</summary>
    public string FunctionKeyCallerId { get; set; } = "function-key";

    /// <summary>Entra ID bearer tokens; refused unless an authority is configured.</summary>
    public EntraOptions? Entra { get; set; }

    /// <summary>A fixed identity for local runs, applied when a call carries no other identity. Off unless its user id is set.</summary>
    public DevelopmentIdentityOptions? DevelopmentIdentity { get; set; }

    /// <summary>Validates at start-up; a misconfiguration stops the app instead of weakening authentication.</summary>
    public IEnumerable<string> Validate(bool runningInAzure)
    {
        foreach (var role in FunctionKeyCallerRoles)
        {
            if (!BlueshiftRoles.IsKnown(role))
            {
                yield return $"{Section}:FunctionKeyCallerRoles: unknown role '{role}'; use one of {string.Join(", ", BlueshiftRoles.All)}.";
            }
            else if (role.StartsWith(Roles.Approver, StringComparison.Ordinal))
            {
                // An approval is a person's sign-off; a shared key cannot stand for one.
                yield return $"{Section}:FunctionKeyCallerRoles: '{role}' cannot be given to function-key callers; approvals are made by people.";
            }
        }
        if (string.IsNullOrWhiteSpace(FunctionKeyCallerId))
        {
            yield return $"{Section}:FunctionKeyCallerId must not be empty.";
        }
        foreach (var failure in Entra?.Validate() ?? [])
        {
            yield return failure;
        }
        if (DevelopmentIdentity is { UserId.Length: > 0 } dev)
        {
            if (runningInAzure)
            {
                yield return $"{Section}:DevelopmentIdentity is for local runs only and is refused on Azure App Service; remove it.";
            }
            if (string.IsNullOrWhiteSpace(dev.UserId))
            {
                yield return $"{Section}:DevelopmentIdentity:UserId must not be blank.";
            }
            foreach (var role in dev.Roles)
            {
                if (!BlueshiftRoles.IsKnown(role))
                {
                    yield return $"{Section}:DevelopmentIdentity:Roles: unknown role '{role}'; use one of {string.Join(", ", BlueshiftRoles.All)}.";
                }
            }
        }
    }
}

public sealed class DevelopmentIdentityOptions
{
    public string UserId { get; set; } = string.Empty;

    public string? DisplayName { get; set; }

    public string[] Roles { get; set; } = [];
}
