using Microsoft.Extensions.Options;

namespace Blueshift.Functions.Security;

/// <summary>
/// Works out who is calling, in order of trust: the App Service Authentication principal (only when Easy Auth is declared on),
/// an Entra ID bearer token (when an authority is configured), a function-key machine identity (when configured), then the
/// development identity (when configured). Anything else is anonymous, which the API refuses.
/// </summary>
public sealed class CallerResolver(IOptions<SecurityOptions> options, EntraTokenValidator? tokens = null)
{
    public const string FunctionKeyHeader = "x-functions-key";

    public async ValueTask<CallerResolution> ResolveAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        var settings = options.Value;
        if (request.Headers.TryGetValue(ClientPrincipal.HeaderName, out var principal))
        {
            if (!settings.AppServiceAuthentication)
            {
                return CallerResolution.Fail(
                    "An X-MS-CLIENT-PRINCIPAL header was sent, but App Service Authentication is not enabled for Blueshift, so the header cannot be trusted. " +
                    "Sign in through the function app's App Service Authentication, send an Entra ID bearer token, or call with a function key.");
            }
            if (principal.Count != 1 || principal[0] is not { Length: > 0 } value)
            {
                return CallerResolution.Fail("The X-MS-CLIENT-PRINCIPAL header must appear exactly once.");
            }
            var caller = ClientPrincipal.Parse(value, out var error);
            return caller is null ? CallerResolution.Fail(error!) : CallerResolution.Success(caller);
        }

        if (request.Headers.Authorization.Count > 0)
        {
            if (request.Headers.Authorization is not [{ } authorization] || !authorization.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
            {
                return CallerResolution.Fail("Send one 'Authorization: Bearer <Entra ID access token>' header.");
            }
            if (tokens is null)
            {
                return CallerResolution.Fail(
                    "Bearer tokens are not accepted by this deployment (no Entra ID authority is configured): " +
                    "sign in through App Service Authentication, or call with a function key.");
            }
            return await tokens.ValidateAsync(authorization["Bearer ".Length..].Trim(), cancellationToken);
        }

        if (settings.FunctionKeyCallerRoles.Length > 0 && PresentsFunctionKey(request))
        {
            return CallerResolution.Success(new Caller(
                settings.FunctionKeyCallerId,
                "Function key caller",
                BlueshiftRoles.Normalize(settings.FunctionKeyCallerRoles)));
        }

        if (settings.DevelopmentIdentity is { UserId.Length: > 0 } dev)
        {
            return CallerResolution.Success(new Caller(dev.UserId, dev.DisplayName ?? dev.UserId, BlueshiftRoles.Normalize(dev.Roles)));
        }

        return CallerResolution.Fail(
            "No caller identity: sign in through App Service Authentication (Entra ID), send an Entra ID bearer token, " +
            "or call with a function key that Blueshift is configured to accept.");
    }

    // The Functions host has already checked the key against the function's auth level; Blueshift only needs to know one was presented.
    private static bool PresentsFunctionKey(HttpRequest request) =>
        request.Headers[FunctionKeyHeader] is [{ Length: > 0 }] || request.Query["code"] is [{ Length: > 0 }];
}

/// <summary>The caller, or why there is none (the detail of the 401).</summary>
public readonly record struct CallerResolution(Caller? Caller, string? Failure)
{
    public static CallerResolution Success(Caller caller) => new(caller, null);

    public static CallerResolution Fail(string failure) => new(null, failure);
}
