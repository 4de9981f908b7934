using System.Security.Cryptography;
using System.Text;
using Blueshift.Functions.Security;

namespace Blueshift.Functions.Alerts;

/// <summary>
/// Decides whether a webhook call comes from an action group Blueshift trusts: a function key, or an Entra ID token of an
/// action group using "secure webhook" (issuer and audience from <c>Blueshift:Security:Entra</c>, and the
/// <see cref="Roles.Releaser"/> app role assigned to the action group's service principal). Fails closed: with nothing
/// configured, or with credentials Blueshift cannot check, the answer is no.
/// </summary>
public sealed class AlertWebhookAuthentication
{
    public const string FunctionKeyHeader = "x-functions-key";

    private readonly byte[][] _keyHashes;
    private readonly bool _trustHostKeyCheck;
    private readonly Caller _caller;
    private readonly EntraTokenValidator? _tokens;

    /// <param name="startedByFunctionsHost">True when the Functions host started this handler and checks keys before forwarding.</param>
    /// <param name="tokens">Present when Entra ID tokens are configured for Blueshift; without it bearer tokens are refused.</param>
    public AlertWebhookAuthentication(AlertWebhookOptions options, bool startedByFunctionsHost, EntraTokenValidator? tokens = null)
    {
        _tokens = tokens;
        // Hashes of equal length make the comparison fixed-time whatever the presented key's length.
        _keyHashes = options.FunctionKeys.Select(k => SHA256.HashData(Encoding.UTF8.GetBytes(k))).ToArray();
        _trustHostKeyCheck = options.TrustFunctionsHostKeyCheck && startedByFunctionsHost;
        _caller = new Caller(options.CallerId, "Azure Monitor action group", new HashSet<string>([Roles.Releaser], StringComparer.Ordinal));
    }

    /// <returns>The caller rollbacks are made under, or the reason (safe to show) why there is none.</returns>
    public async ValueTask<CallerResolution> AuthenticateAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        if (request.Headers.Authorization.Count > 0)
        {
            return await AuthenticateTokenAsync(request, cancellationToken);
        }
        var caller = AuthenticateKey(request, out var failure);
        return caller is null ? CallerResolution.Fail(failure!) : CallerResolution.Success(caller);
    }

    private async ValueTask<CallerResolution> AuthenticateTokenAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        if (_tokens is null)
        {
            return CallerResolution.Fail("Bearer tokens are not accepted by this deployment (no Entra ID authority is configured); call the alert webhook with its function key.");
        }
        if (request.Headers.Authorization is not [{ } authorization] || !authorization.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            return CallerResolution.Fail("Send one 'Authorization: Bearer <Entra ID access token>' header.");
        }
        var resolution = await _tokens.ValidateAsync(authorization["Bearer ".Length..].Trim(), cancellationToken);
        if (resolution.Caller is { } caller && !caller.Roles.Contains(Roles.Releaser))
        {
            return CallerResolution.Fail($"The token is valid but lacks the {Roles.Releaser} app role; assign it to the action group's secure webhook.");
        }
        return resolution;
    }

    private Caller? AuthenticateKey(HttpRequest request, out string? failure)
    {
        var keys = request.Headers[FunctionKeyHeader].Concat(request.Query["code"]).Where(k => !string.IsNullOrEmpty(k)).ToList();
        if (keys.Count != 1)
        {
            failure = keys.Count == 0
                ? "No credentials: call the alert webhook with its function key (x-functions-key header or code query parameter)."
                : "Send the function key once, in the x-functions-key header or the code query parameter.";
            return null;
        }
        if (_keyHashes.Length > 0)
        {
            var presented = SHA256.HashData(Encoding.UTF8.GetBytes(keys[0]!));
            var match = false;
            foreach (var hash in _keyHashes)
            {
                match |= CryptographicOperations.FixedTimeEquals(hash, presented);
            }
            failure = match ? null : "The function key is not valid for the alert webhook.";
            return match ? _caller : null;
        }
        if (_trustHostKeyCheck)
        {
            failure = null;
            return _caller;
        }
        failure = "The alert webhook runs without the Functions host and no keys are configured for it (Blueshift:Alerts:FunctionKeys), so it accepts no call.";
        return null;
    }
}
