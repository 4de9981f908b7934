using System.Text.Json;
using System.Text.Json.Serialization;

namespace Blueshift.Functions.Security;

/// <summary>
/// App Service Authentication's <c>X-MS-CLIENT-PRINCIPAL</c> header: base64 of
/// <c>{"auth_typ":"aad","claims":[{"typ":…,"val":…}],"name_typ":…,"role_typ":…}</c>.
/// </summary>
public static class ClientPrincipal
{
    public const string HeaderName = "X-MS-CLIENT-PRINCIPAL";

    /// <summary>Principal headers are a few kilobytes; a much larger one is not from Easy Auth.</summary>
    public const int MaxHeaderLength = 32 * 1024;

    private const string ObjectIdClaim = "http://schemas.microsoft.com/identity/claims/objectidentifier";
    private const string RoleClaimUri = "http://schemas.microsoft.com/ws/2008/06/identity/claims/role";
    private const string NameClaimUri = "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/name";

    /// <summary>Reads the header into a caller; a malformed header or one without a stable user id yields null and the reason.</summary>
    public static Caller? Parse(string header, out string? error)
    {
        error = null;
        if (header.Length > MaxHeaderLength)
        {
            error = "The client principal header is too large.";
            return null;
        }

        Payload? payload;
        try
        {
            var json = Convert.FromBase64String(header.Trim());
            payload = JsonSerializer.Deserialize<Payload>(json);
        }
        catch (Exception ex) when (ex is FormatException or JsonException)
        {
            error = "The client principal header is not base64-encoded JSON.";
            return null;
        }

        var claims = (payload?.Claims ?? [])
            .Where(c => c is { Typ: not null, Val: not null })
            .Select(c => (Type: c!.Typ!, Value: c.Val!))
            .ToList();
        string? First(params string[] types) =>
            types.Select(t => claims.FirstOrDefault(c => c.Type.Equals(t, StringComparison.OrdinalIgnoreCase)).Value)
                .FirstOrDefault(v => !string.IsNullOrWhiteSpace(v));

        var id = First(ObjectIdClaim, "oid");
        if (id is null)
        {
            error = "The client principal has no object id claim ('oid'); sign in with an Entra ID account.";
            return null;
        }

        var roleType = string.IsNullOrWhiteSpace(payload!.RoleType) ? "roles" : payload.RoleType;
        var roles = claims
            .Where(c => c.Type.Equals(roleType, StringComparison.OrdinalIgnoreCase)
                || c.Type.Equals("roles", StringComparison.OrdinalIgnoreCase)
                || c.Type.Equals(RoleClaimUri, StringComparison.OrdinalIgnoreCase))
            .Select(c => c.Value);

        var displayName = First(payload.NameType ?? NameClaimUri, "name", NameClaimUri, "preferred_username") ?? id;
        return new Caller(id, displayName, BlueshiftRoles.Normalize(roles));
    }

    private sealed record Payload(
        [property: JsonPropertyName("auth_typ")] string? AuthType,
        [property: JsonPropertyName("claims")] IReadOnlyList<Claim?>? Claims,
        [property: JsonPropertyName("name_typ")] string? NameType,
        [property: JsonPropertyName("role_typ")] string? RoleType);

    private sealed record Claim(
        [property: JsonPropertyName("typ")] string? Typ,
        [property: JsonPropertyName("val")] string? Val);
}
